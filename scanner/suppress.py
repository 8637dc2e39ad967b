"""Suppressions: a resource's `Metadata` ignores (inSource), the config's `ignore` (config) and
a `--baseline` report (baseline). A suppressed finding stays in the report with its
`suppressed` set; summaries and the exit code leave it out.

The baseline fingerprint is rule ID, resource, need, service and file (no line numbers), so
edits elsewhere in a template do not make old findings new. A service named by its id because
another has its name (scanner.model.builder.name_apart) is also matched by the name it had:
an ignore of its logical ID, and a baseline made before, still hold. A baseline's files are
named again as this scan names them (scanner.sources.discover.relative_name), so a file outside
the scanned root matches whether a report named it `../x.yaml` or `/abs/x.yaml`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from scanner.config import Ignore
from scanner.errors import SourceError
from scanner.findings import Finding, Suppression

Fingerprint = tuple[str, str, str, str, str]
# When several apply, the one written closest to the resource names the reason.
_ORDER = {"inSource": 0, "config": 1}
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass(frozen=True)
class Baseline:
    file: str
    fingerprints: frozenset[Fingerprint]


def fingerprint(f: Finding) -> Fingerprint:
    return (f.rule_id, f.resource, f.need or "", f.service or "", f.location.file)


def apply(
    findings: Iterable[Finding],
    ignores: Sequence[Ignore],
    baseline: Baseline | None,
    unique_names: frozenset[str],
    today: date,
    former: Mapping[str, str] | None = None,
) -> tuple[list[Finding], list[str]]:
    """The findings with their suppressions, and a warning per expired ignore. `former`: a
    renamed service's name -> the name it had."""
    active = sorted((i for i in ignores if not i.expired(today)), key=lambda i: _ORDER[i.kind])
    warnings = [
        f"{i.file}:{i.line}: the ignore of {i.rule_id} expired on {i.expires}; "
        "its findings are reported again"
        for i in ignores
        if i.expired(today)
    ]
    out = []
    for f in findings:
        reason = _suppression(_as_named(f, former or {}), active, baseline, unique_names)
        out.append(f if reason is None else replace(f, suppressed=reason))
    return out, warnings


def _as_named(f: Finding, former: Mapping[str, str]) -> tuple[Finding, ...]:
    """The finding, and as it was before its service was renamed (its `resource` is the
    service's name when the service is what must change)."""
    if f.service not in former and f.resource not in former:
        return (f,)
    before = replace(
        f,
        service=former.get(f.service, f.service) if f.service is not None else None,
        resource=former.get(f.resource, f.resource),
    )
    return (f, before)


def _suppression(
    named: Sequence[Finding],
    ignores: Sequence[Ignore],
    baseline: Baseline | None,
    unique_names: frozenset[str],
) -> Suppression | None:
    for ignore in ignores:
        if any(ignore.matches(f, unique_names) for f in named):
            return Suppression(ignore.kind, ignore.reason)
    if baseline is not None and any(fingerprint(f) in baseline.fingerprints for f in named):
        return Suppression("baseline", f"in the baseline {baseline.file}")
    return None


def load_baseline(path: Path, cwd: Path) -> Baseline:
    """A JSON or SARIF report of ours (`path`, a --baseline given in `cwd`); anything else is
    bad input (exit 2)."""
    from scanner.sources.discover import relative_name, scanned_root

    root = scanned_root(cwd)
    shown = relative_name(path, root)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourceError(shown, None, f"cannot read the baseline: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise SourceError(shown, None, "the baseline is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise SourceError(shown, exc.lineno, f"the baseline is not JSON: {exc.msg}") from exc
    try:
        if isinstance(document, dict) and "runs" in document:
            prints = _from_sarif(document)
        elif isinstance(document, dict) and "findings" in document:
            prints = [_from_json(f) for f in document["findings"]]
        else:
            raise TypeError
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise SourceError(
            shown, None, "the baseline is not a fargate-preflight JSON or SARIF report"
        ) from exc
    return Baseline(shown, frozenset(_renamed(p, root) for p in prints))


def _renamed(fingerprint: Fingerprint, root: Path) -> Fingerprint:
    """The fingerprint with its file named as this scan names it (a live resource's aws://
    URI is kept)."""
    from scanner.sources.discover import relative_name

    rule_id, resource, need, service, file = fingerprint
    if _URI.match(file):
        return fingerprint
    return (rule_id, resource, need, service, relative_name(root / file, root))


def _from_json(f: dict[str, Any]) -> Fingerprint:
    return (
        str(f["rule_id"]),
        str(f["resource"]),
        f["need"] or "",
        f["service"] or "",
        str(f["location"]["file"]),
    )


def _from_sarif(document: dict[str, Any]) -> list[Fingerprint]:
    from scanner.report.sarif import location_file  # only a SARIF baseline needs it

    prints = []
    for run in document["runs"]:
        for result in run.get("results") or []:
            props = result["properties"]
            prints.append(
                (
                    str(result["ruleId"]),
                    str(props["resource"]),
                    props.get("need") or "",
                    props.get("service") or "",
                    location_file(result["locations"][0], run),
                )
            )
    return prints
