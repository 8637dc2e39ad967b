"""Scan every golden case with its input files in a shuffled order and print, per case, the
SHA-256 of its JSON and SARIF reports. `python -m tests.reliability.determinism_run SEED` (from
the repository root; SEED 0 keeps the cases' own order); test_determinism.py runs it under
several PYTHONHASHSEED values and compares."""

from __future__ import annotations

import hashlib
import random
import sys
from pathlib import Path

from scanner.api import scan
from scanner.report import sarif
from scanner.sources.discover import TEMPLATE_SUFFIXES
from tests.golden.harness import findings_json, load_cases


def files_of(paths: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for given in map(Path, paths):
        if given.is_dir():
            found += sorted(p for p in given.rglob("*") if p.suffix in TEMPLATE_SUFFIXES)
        else:
            found.append(given)
    return found


def main(seed: int) -> None:
    shuffle = random.Random(seed)
    for case in load_cases():
        paths = [Path(p) for p in case.paths]
        if seed:
            paths = files_of(case.paths)
            shuffle.shuffle(paths)
        report = scan(paths, case.options())
        digests = [
            hashlib.sha256(text.encode()).hexdigest()[:16]
            for text in (findings_json(report), sarif.render(report))
        ]
        print(case.name, *digests)


if __name__ == "__main__":
    main(int(sys.argv[1]))
