"""`--format json`: the output contract of docs/output.md, plus `errors` (the bad inputs)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from scanner import __version__
from scanner.findings import LEVELS, Finding, Hop, InputError, Report

TOOL_NAME = "fargate-preflight"
# The input model's version (docs/model.md); the report says which model its findings read.
MODEL_VERSION = 1


def render(report: Report) -> str:
    findings = ordered_findings(report.findings)
    document = {
        "model_version": MODEL_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version(report)},
        "findings": [finding_json(f) for f in findings],
        "errors": [error_json(e) for e in ordered_errors(report.errors)],
        "summary": summary(findings),
    }
    return json.dumps(document, indent=2) + "\n"


def ordered_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings once each, in the contract's order; the tie-break makes any input order
    give the same bytes."""
    return sorted(set(findings), key=_total_key)


def _total_key(f: Finding) -> tuple[Any, ...]:
    return (*f.sort_key(), f.level, f.fix, repr(f.hop), repr(f.suppressed))


def ordered_errors(errors: Iterable[InputError]) -> list[InputError]:
    return sorted(set(errors), key=lambda e: (e.file, e.line or 0, e.message))


def summary(findings: Iterable[Finding]) -> dict[str, int]:
    """Unsuppressed findings per level: suppressed ones never count."""
    counts = dict.fromkeys(LEVELS, 0)
    for f in findings:
        if f.suppressed is None:
            counts[f.level] = counts.get(f.level, 0) + 1
    return counts


def tool_version(report: Report) -> str:
    return report.tool_version or __version__


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "rule_id": f.rule_id,
        "level": f.level,
        "message": f.message,
        "fix": f.fix,
        "resource": f.resource,
        "service": f.service,
        "need": f.need,
        "hop": hop_json(f.hop),
        "location": {"file": f.location.file, "line": f.location.line},
        "suppressed": (
            None
            if f.suppressed is None
            else {"kind": f.suppressed.kind, "reason": f.suppressed.reason}
        ),
    }


def hop_json(hop: Hop | None) -> dict[str, str] | None:
    if hop is None:
        return None
    return {"from": hop.from_, "via": hop.via, "to": hop.to, "detail": hop.detail}


def error_json(error: InputError) -> dict[str, Any]:
    return {"file": error.file, "line": error.line, "message": error.message}
