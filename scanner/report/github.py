"""`--format github`: workflow commands that GitHub Actions shows as annotations.

One `::error|warning|notice file=...,line=...,title=...::message` line per unsuppressed finding,
then one per bad input, then a `::warning` per warning (an expired ignore, an ignore that
suppresses nothing), which would otherwise be a line of the log that nobody reads. Escaping
follows the Actions runner (`toolkit/packages/core`): data escapes `%`, `\\r`, `\\n`; property
values also escape `:` and `,`.
"""

from __future__ import annotations

import re

from scanner.findings import Finding, InputError, Report
from scanner.report.json_report import ordered_errors, ordered_findings

COMMAND = {"error": "error", "warning": "warning", "note": "notice"}
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def render(report: Report) -> str:
    titles = {rule.id: rule.title for rule in report.rules}
    lines = [
        _finding_command(f, titles.get(f.rule_id, ""))
        for f in ordered_findings(report.findings)
        if f.suppressed is None
    ]
    lines += [error_command(e) for e in ordered_errors(report.errors)]
    lines += [_command("warning", [("title", "fargate-preflight")], w) for w in report.warnings]
    return "".join(f"{line}\n" for line in lines)


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _finding_command(f: Finding, title: str) -> str:
    message = f"{f.message} Fix: {f.fix}" if f.fix else f.message
    properties = _where(f.location.file, f.location.line)
    properties.append(("title", f"{f.rule_id} {title}" if title else f.rule_id))
    return _command(COMMAND.get(f.level, "warning"), properties, message)


def error_command(error: InputError) -> str:
    properties = _where(error.file, error.line)
    properties.append(("title", "fargate-preflight: bad input"))
    return _command("error", properties, error.message)


def _where(file: str, line: int | None) -> list[tuple[str, str]]:
    """file= and line= for a file in the repository; a live aws:// resource has neither."""
    if _URI_SCHEME.match(file):
        return []
    where = [("file", file)]
    if line is not None:
        where.append(("line", str(max(line, 1))))
    return where


def _command(name: str, properties: list[tuple[str, str]], message: str) -> str:
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{name} {props}::{escape_data(message)}"
