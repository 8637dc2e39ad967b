"""Writing the generated files of scanner/data/ (shared by the scripts beside this one).

Each file holds its facts and one `<name>_source` block with the generator, where the facts came
from and a `date`. Regenerating from the same source keeps the committed date, so running a
script twice, or on another day, gives no diff; `--check` reports a difference instead of
writing it (the tests use it).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "scanner" / "data"

Document = dict[str, Any]


def dump(doc: Document) -> str:
    """Sorted JSON with one line per entry of each top-level map: small, and a diff shows which
    entry changed."""
    lines = []
    for key in sorted(doc):
        value = doc[key]
        if isinstance(value, dict) and value:
            items = [
                f"  {json.dumps(k)}: {json.dumps(v, sort_keys=True, separators=(',', ':'))}"
                for k, v in sorted(value.items())
            ]
            body = "{\n" + ",\n".join(items) + "\n }"
        else:
            body = json.dumps(value, sort_keys=True)
        lines.append(f" {json.dumps(key)}: {body}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def committed_date(doc: Document | None) -> str | None:
    if doc is None:
        return None
    for key, value in doc.items():
        if key.endswith("_source") and isinstance(value, dict):
            date = value.get("date")
            return date if isinstance(date, str) else None
    return None


def save(path: Path, build: Callable[[str], Document], *, check: bool) -> int:
    """Write build(date) to path unless only the date would change. Exit status: 0 when the file
    is (now) what the generator gives; with check, 1 when it is not (nothing written)."""
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    date = committed_date(old)
    if date is not None and dump(build(date)) == path.read_text(encoding="utf-8"):
        print(f"{shown(path)}: up to date")
        return 0
    if check:
        print(f"{shown(path)} differs from what its generator gives: run it and commit")
        return 1
    path.write_text(dump(build(datetime.date.today().isoformat())), encoding="utf-8")
    print(f"{shown(path)}: written ({path.stat().st_size} bytes)")
    return 0


def shown(path: Path) -> str:
    full = path.resolve()
    return str(full.relative_to(ROOT)) if full.is_relative_to(ROOT) else str(path)
