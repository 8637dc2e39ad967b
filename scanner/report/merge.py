"""`fargate-preflight merge`: join the reports of several shards (JSON or SARIF) into one.

Each report is read back into findings, identical findings are kept once, and the merged
report is rendered by the ordinary reporters, so order, summary and SARIF rules are recomputed
exactly as for one scan. Reports of different categories (SARIF `automationDetails.id`, e.g.
`scan --category staging` and `--category prod`) stay apart: one SARIF run per category, as
GitHub code scanning takes them in one upload (at most 20), since a run of one category would
move the other's results under it and leave its alerts open. What else a report holds comes
along: the inputs it could not read,
its warnings and notices (SARIF notifications), and the rules of its --policy directories
(SARIF `tool.driver.rules`) that the shipped catalogue does not have.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.errors import SourceError
from scanner.findings import LEVELS, Finding, Hop, InputError, Location, Report, Rule, Suppression
from scanner.report.sarif import location_file, rule_from_descriptor, run_root

# GitHub code scanning takes at most 20 runs in one SARIF file, each of its own category.
MAX_RUNS = 20


@dataclass
class _Part:
    """What the reports of one category hold."""

    findings: set[Finding] = field(default_factory=set)
    errors: set[InputError] = field(default_factory=set)
    notifications: dict[str, list[str]] = field(default_factory=lambda: {"warning": [], "note": []})
    roots: set[str] = field(default_factory=set)


def read(paths: Sequence[Path], rules: tuple[Rule, ...]) -> tuple[tuple[Report, ...], str]:
    """The merged report of each category (SARIF `automationDetails.id`), in the order the
    inputs name them, and the format of the inputs ("sarif", "json" or "mixed"). A JSON report
    or a SARIF run without a category joins the first category."""
    parts: dict[str | None, _Part] = {}
    custom: dict[str, Rule] = {}
    shipped = {rule.id for rule in rules}
    kinds: set[str] = set()
    for path in paths:
        document = _load(path)
        if isinstance(document, dict) and isinstance(document.get("runs"), list):
            kinds.add("sarif")
            for run in document["runs"]:
                category = (run.get("automationDetails") or {}).get("id")
                key = category.rstrip("/") if isinstance(category, str) else None
                part = parts.setdefault(key, _Part())
                part.findings.update(_sarif_finding(path, r, run) for r in run.get("results", []))
                part.roots.add(run_root(run))
                for descriptor in ((run.get("tool") or {}).get("driver") or {}).get("rules", []):
                    if descriptor.get("id") not in shipped:
                        custom.setdefault(descriptor["id"], _rule(path, descriptor))
                for invocation in run.get("invocations", []):
                    for n in invocation.get("toolExecutionNotifications", []):
                        if n.get("level") == "error":
                            part.errors.add(_sarif_error(path, n, run))
                        elif n.get("level") in part.notifications:
                            part.notifications[n["level"]].append(n["message"]["text"])
        elif isinstance(document, dict) and isinstance(document.get("findings"), list):
            kinds.add("json")
            part = parts.setdefault(None, _Part())
            part.findings.update(_json_finding(path, f) for f in document["findings"])
            part.errors.update(
                InputError(e["file"], e.get("line"), e["message"])
                for e in document.get("errors", [])
            )
        else:
            raise SourceError(str(path), None, "not a fargate-preflight JSON or SARIF report")
    categories = [key for key in parts if key is not None] or ["fargate-preflight"]
    if None in parts:
        _join(parts.setdefault(categories[0], _Part()), parts.pop(None))
    reports = tuple(
        _report(parts.get(category) or _Part(), category, (*rules, *custom.values()))
        for category in categories
    )
    return reports, kinds.pop() if len(kinds) == 1 else "mixed"


def joined(reports: Sequence[Report]) -> Report:
    """One report of the findings of all categories (a JSON report has none)."""
    first = reports[0]
    return replace(
        first,
        findings=tuple(sorted({f for r in reports for f in r.findings}, key=Finding.sort_key)),
        errors=tuple({e for r in reports for e in r.errors}),
        notices=tuple(dict.fromkeys(n for r in reports for n in r.notices)),
        warnings=tuple(dict.fromkeys(w for r in reports for w in r.warnings)),
        root=first.root if all(r.root == first.root for r in reports) else "",
    )


def _join(into: _Part, part: _Part) -> None:
    into.findings |= part.findings
    into.errors |= part.errors
    for level, texts in part.notifications.items():
        into.notifications[level] += texts
    into.roots |= part.roots


def _report(part: _Part, category: str, rules: tuple[Rule, ...]) -> Report:
    return Report(
        findings=tuple(sorted(part.findings, key=Finding.sort_key)),
        rules=rules,
        errors=tuple(part.errors),
        notices=tuple(dict.fromkeys(part.notifications["note"])),
        category=category,
        # Shards of one scanned root keep it (%SRCROOT%); shards of several have none.
        root=next(iter(part.roots)) if len(part.roots) == 1 else "",
        warnings=tuple(dict.fromkeys(part.notifications["warning"])),
    )


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourceError(str(path), None, f"cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError:
        raise SourceError(str(path), None, f"not UTF-8 text: {_READS}") from None
    except json.JSONDecodeError as exc:
        raise SourceError(str(path), exc.lineno, f"not valid JSON ({exc.msg}): {_READS}") from exc


# What a file that is not a report is told
_READS = "merge reads the JSON or SARIF reports of fargate-preflight (scan --format json or sarif)"


def _json_finding(path: Path, f: Any) -> Finding:
    try:
        hop = f["hop"]
        suppressed = f["suppressed"]
        return _finding(
            f["rule_id"],
            f["level"],
            f["message"],
            f["fix"],
            f["resource"],
            f["service"],
            f["need"],
            Hop(hop["from"], hop["via"], hop["to"], hop["detail"]) if hop else None,
            Location(f["location"]["file"], f["location"]["line"]),
            Suppression(suppressed["kind"], suppressed["reason"]) if suppressed else None,
        )
    except (KeyError, TypeError) as exc:
        raise SourceError(str(path), None, f"a finding lacks {exc}") from exc


def _rule(path: Path, descriptor: Any) -> Rule:
    try:
        return rule_from_descriptor(descriptor)
    except (KeyError, TypeError) as exc:
        raise SourceError(str(path), None, f"a SARIF rule lacks {exc}") from exc


def _sarif_error(path: Path, n: Any, run: Any) -> InputError:
    """An input the shard could not read: an error notification, at its location."""
    try:
        where = (n.get("locations") or [None])[0]
        if where is None:
            return InputError("", None, n["message"]["text"])
        line = (where["physicalLocation"].get("region") or {}).get("startLine")
        return InputError(location_file(where, run), line, n["message"]["text"])
    except (KeyError, TypeError, AttributeError) as exc:
        raise SourceError(str(path), None, f"a SARIF notification lacks {exc}") from exc


def _sarif_finding(path: Path, r: Any, run: Any) -> Finding:
    try:
        props = r["properties"]
        fix = props["fix"] or ""
        text = r["message"]["text"]
        suffix = f" Fix: {fix}"
        message = text[: -len(suffix)] if fix and text.endswith(suffix) else text
        physical = r["locations"][0]["physicalLocation"]
        hop = props.get("hop")
        suppressions = r.get("suppressions") or []
        suppressed = (
            Suppression(
                (suppressions[0].get("properties") or {}).get("kind", "config"),
                suppressions[0].get("justification", ""),
            )
            if suppressions
            else None
        )
        return _finding(
            r["ruleId"],
            r.get("level", "warning"),
            message,
            fix,
            props["resource"],
            props.get("service"),
            props.get("need"),
            Hop(hop["from"], hop["via"], hop["to"], hop["detail"]) if hop else None,
            Location(
                location_file(r["locations"][0], run),
                int(physical.get("region", {}).get("startLine", 1)),
            ),
            suppressed,
        )
    except (KeyError, TypeError, IndexError) as exc:
        raise SourceError(str(path), None, f"a SARIF result lacks {exc}") from exc


def _finding(
    rule_id: str,
    level: str,
    message: str,
    fix: str,
    resource: str,
    service: str | None,
    need: str | None,
    hop: Hop | None,
    location: Location,
    suppressed: Suppression | None,
) -> Finding:
    if level not in LEVELS:
        raise TypeError(f"level {level!r}")
    return Finding(rule_id, level, message, fix, resource, service, need, hop, location, suppressed)
