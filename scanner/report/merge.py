"""`fargate-preflight merge`: join the reports of several shards (JSON or SARIF) into one.

Each report is read back into findings, identical findings are kept once, and the merged
report is rendered by the ordinary reporters, so order, summary and SARIF rules are recomputed
exactly as for one scan.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from scanner.errors import SourceError
from scanner.findings import LEVELS, Finding, Hop, InputError, Location, Report, Rule, Suppression


def read(paths: Sequence[Path], rules: tuple[Rule, ...]) -> tuple[Report, str]:
    """The merged report, and the format of the inputs ("sarif", "json" or "mixed")."""
    findings: set[Finding] = set()
    errors: set[InputError] = set()
    notices: list[str] = []
    categories: list[str] = []
    kinds: set[str] = set()
    for path in paths:
        document = _load(path)
        if isinstance(document, dict) and isinstance(document.get("runs"), list):
            kinds.add("sarif")
            for run in document["runs"]:
                findings.update(_sarif_finding(path, r) for r in run.get("results", []))
                category = (run.get("automationDetails") or {}).get("id")
                if isinstance(category, str):
                    categories.append(category.rstrip("/"))
                for invocation in run.get("invocations", []):
                    notices += [
                        n["message"]["text"]
                        for n in invocation.get("toolExecutionNotifications", [])
                        if n.get("level") == "note"
                    ]
        elif isinstance(document, dict) and isinstance(document.get("findings"), list):
            kinds.add("json")
            findings.update(_json_finding(path, f) for f in document["findings"])
            errors.update(
                InputError(e["file"], e.get("line"), e["message"])
                for e in document.get("errors", [])
            )
        else:
            raise SourceError(str(path), None, "not a fargate-preflight JSON or SARIF report")
    report = Report(
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        rules=rules,
        errors=tuple(errors),
        notices=tuple(dict.fromkeys(notices)),
        category=categories[0] if categories else "fargate-preflight",
    )
    return report, kinds.pop() if len(kinds) == 1 else "mixed"


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourceError(str(path), None, f"cannot read: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise SourceError(str(path), exc.lineno, f"not valid JSON: {exc.msg}") from exc


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


def _sarif_finding(path: Path, r: Any) -> Finding:
    try:
        props = r["properties"]
        fix = props["fix"] or ""
        text = r["message"]["text"]
        suffix = f" Fix: {fix}"
        message = text[: -len(suffix)] if fix and text.endswith(suffix) else text
        physical = r["locations"][0]["physicalLocation"]
        uri = unquote(physical["artifactLocation"]["uri"])
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
            Location(uri, int(physical.get("region", {}).get("startLine", 1))),
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
