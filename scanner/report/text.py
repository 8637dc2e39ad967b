"""`--format text`: what a user reads first, grouped by service.

    Service
      ecr.api  via interface endpoint EcrApiEndpoint  ok
      logs     via interface endpoint LogsEndpoint    blocked (FG402)
      s3       via internet gateway InternetGateway   fail

      error   FG201 templates/service.yaml:42 service Service cannot reach s3: ...
              fix: Set assignPublicIp to ENABLED, ...

    1 error, 0 warnings, 0 notes

Colour only with `color=True` (the CLI passes it on a TTY without NO_COLOR). Also the
`rules` and `explain` commands' output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scanner.docs import LEVEL_MEANING, rule_doc_uri
from scanner.errors import one_line
from scanner.findings import Finding, InputError, PathStep, Report, Rule
from scanner.report import plural
from scanner.report.json_report import ordered_errors, ordered_findings, summary

OTHER = "other findings"
_LEVEL_WIDTH = max(len("warning"), len("error"), len("note"))
_INDENT = "  "
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_LEVEL_STYLE = {"error": ("1", "31"), "warning": ("1", "33"), "note": ("1", "36")}
_VERDICT_ORDER = {"fail": 0, "undecided": 1, "suppressed": 2, "out-of-scope": 3, "ok": 4}
_VERDICT_STYLE = {
    "ok": ("32",),
    "fail": ("1", "31"),
    "undecided": ("33",),
    "suppressed": ("2",),
    "out-of-scope": ("36",),
}
# Findings that name no need but close every path of their service: with the VPC's DNS off
# (FG501) no name resolves, so no endpoint, NAT gateway or internet gateway is reached.
_CLOSES_EVERY_NEED = frozenset({"FG501"})


@dataclass(frozen=True)
class _Paint:
    """ANSI styling that is a no-op without colour, so widths are measured on plain text."""

    color: bool

    def __call__(self, text: str, *codes: str) -> str:
        if not self.color or not codes or not text:
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


def render(report: Report, *, color: bool = False) -> str:
    paint = _Paint(color)
    findings = ordered_findings(report.findings)
    shown = [f for f in findings if f.suppressed is None]
    # Each service's paths and findings, gathered in one pass (in their order): filtering all
    # of them for every service took 2 s for 2,000 services.
    steps_of: dict[str, list[PathStep]] = {}
    for step in report.paths:
        steps_of.setdefault(step.service, []).append(step)
    findings_of: dict[str | None, list[Finding]] = {}
    for f in shown:
        findings_of.setdefault(f.service, []).append(f)
    suppressed_of: dict[str | None, list[Finding]] = {}
    for f in findings:
        if f.suppressed is not None:
            suppressed_of.setdefault(f.service, []).append(f)
    names = {*report.services, *steps_of, *(s for s in findings_of if s is not None)}
    blocks = [
        _service_block(
            name,
            steps_of.get(name, []),
            findings_of.get(name, []),
            suppressed_of.get(name, []),
            paint,
        )
        for name in sorted(names)
    ]
    other = findings_of.get(None, [])
    if other:
        blocks.append([paint(OTHER, "1"), *_finding_lines(other, paint)])
    errors = ordered_errors(report.errors)
    if errors:
        blocks.append([_error_line(e, paint) for e in errors])
    if report.warnings:
        blocks.append([f"{paint('warning:', '1', '33')} {w}" for w in report.warnings])
    blocks.append([_summary_line(findings, len(errors), paint)])
    return "\n\n".join("\n".join(map(one_line, block)) for block in blocks) + "\n"


def render_rules(rules: Iterable[Rule]) -> str:
    """`fargate-preflight rules`: one line per rule."""
    ordered = sorted(rules, key=lambda r: r.id)
    width = max((len(r.id) for r in ordered), default=0)
    return "".join(f"{r.id:<{width}}  {r.level:<{_LEVEL_WIDTH}}  {r.title}\n" for r in ordered)


def render_explain(rule: Rule) -> str:
    """`fargate-preflight explain FGNNN`: the rule's whole METADATA, readable. What a level
    means is said for shipped rules only: a --policy rule's author decides what its level means."""
    meaning = LEVEL_MEANING.get(rule.level) if rule.shipped else None
    level = f"{rule.level} ({meaning})" if meaning else rule.level
    parts = [
        f"{rule.id}: {rule.title}\nlevel: {level}\ntags: {', '.join(rule.tags) or '-'}",
        rule.description,
        "Fix:\n" + _indented(rule.remediation, 2),
    ]
    if rule.failing_example:
        parts.append("Failing example:\n" + _indented(rule.failing_example, 4))
    if rule.passing_example:
        parts.append("Passing example:\n" + _indented(rule.passing_example, 4))
    if rule.shipped:
        parts.append(f"Docs: {rule_doc_uri(rule.id)}")
    return "\n\n".join(parts) + "\n"


def _service_block(
    name: str,
    steps: Sequence[PathStep],
    findings: Sequence[Finding],
    suppressed: Sequence[Finding],
    paint: _Paint,
) -> list[str]:
    """One service: its path steps and its (unsuppressed) findings."""
    need_lines = _need_lines(steps, findings, suppressed, paint)
    finding_lines = _finding_lines(findings, paint)
    if not need_lines and not finding_lines:
        return [paint(name, "1"), _INDENT + paint("no needs found and no findings", "2")]
    gap = [""] if need_lines and finding_lines else []
    return [paint(name, "1"), *need_lines, *gap, *finding_lines]


def _need_lines(
    steps: Sequence[PathStep],
    findings: Sequence[Finding],
    suppressed: Sequence[Finding],
    paint: _Paint,
) -> list[str]:
    """One line per need and way it is reached; subnets are named only where they differ.

    A route that is "ok" can still be closed on the way (a security group, a network ACL):
    such a row is "blocked", with the rules that say so, instead of "ok" above the error; a
    warning on a working route (FG502: the NAT gateway serves, the endpoint does not) leaves it
    "ok" and names the warning. A row whose checks wait for a value the inputs do not settle
    (an FG801 note blocks them) is "undecided", with those rules, unless an error closes it.
    A finding whose hop starts at one of the need's task subnets
    concerns that subnet's rows only, except FG401: the task's security groups are the same in
    every subnet, so the policies report a closed egress once per destination, from the first
    subnet, and it closes every row that goes to the same destination. An FG501 error (the VPC
    resolves no name) closes every row of the service. A row that fails or is blocked only by
    suppressed findings (an ignore or a baseline) reads "suppressed", with those rules, as
    the summary does not count them."""
    needs = sorted({step.need for step in steps})
    closing = _closing(findings, needs, False) + _closing(suppressed, needs, True)
    rows: list[tuple[str, str, str, str, str]] = []
    for need in needs:
        ways: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
        for step in steps:
            if step.need == need:
                way = (step.path, step.verdict, step.unsettled)
                ways.setdefault(way, []).append(step.subnet)
        path_of = {s: path for (path, _, _), subnets in ways.items() for s in subnets}
        need_rows = []
        for (path, verdict, unsettled), subnets in ways.items():
            where = _subnets(subnets) if len(ways) > 1 else ""
            text = verdict
            concerning = {
                (level, rule, suppressed_only)
                for n, subnet, rule, level, suppressed_only in closing
                if n == need
                and (
                    subnet in subnets
                    or subnet not in path_of
                    or (rule == "FG401" and _destination(path_of[subnet]) == _destination(path))
                )
            }
            found = {(level, rule) for level, rule, h in concerning if not h}
            hidden = {(level, rule) for level, rule, h in concerning if h}
            errors = sorted(rule for level, rule in found if level == "error")
            warnings = sorted(rule for level, rule in found if level == "warning")
            hidden_errors = sorted({rule for level, rule in hidden if level == "error"})
            if verdict == "fail" and hidden and not found:
                rules = sorted({rule for _, rule in hidden})
                verdict, text = "suppressed", f"suppressed ({', '.join(rules)})"
            elif verdict == "ok" and hidden_errors and not errors:
                verdict, text = "suppressed", f"suppressed ({', '.join(hidden_errors)})"
            elif verdict == "ok" and errors:
                verdict, text = "fail", f"blocked ({', '.join(errors)})"
            elif verdict == "ok" and unsettled:
                verdict, text = "undecided", f"undecided ({', '.join(unsettled)})"
            elif verdict == "ok" and warnings:
                text = f"ok, but {', '.join(warnings)}"
            need_rows.append((need, _shown_path(path), verdict, text, where))
        rows.extend(sorted(need_rows, key=_worst_first))
    need_width = max((len(row[0]) for row in rows), default=0)
    path_width = max((len(row[1]) for row in rows), default=0)
    text_width = max((len(row[3]) for row in rows), default=0)
    return [
        _INDENT
        + f"{need:<{need_width}}  {path:<{path_width}}  "
        + paint(text, *_VERDICT_STYLE.get(verdict, ()))
        + (" " * (text_width - len(text)) + f"  {paint(where, '2')}" if where else "")
        for need, path, verdict, text, where in rows
    ]


def _closing(
    findings: Sequence[Finding], needs: Sequence[str], hidden: bool
) -> list[tuple[str, str | None, str, str, bool]]:
    """(need, hop subnet, rule, level, hidden) of the findings that close a need's rows;
    `hidden` marks suppressed findings."""
    closing = [
        (f.need, _hop_subnet(f), f.rule_id, f.level, hidden)
        for f in findings
        if f.need is not None and f.level in ("error", "warning")
    ]
    closing += [
        (need, None, f.rule_id, f.level, hidden)
        for f in findings
        if f.rule_id in _CLOSES_EVERY_NEED and f.level == "error"
        for need in needs
    ]
    return closing


def _destination(path: str) -> str:
    """Where a path leaves the task's security groups for: an interface endpoint's network
    interfaces, a gateway endpoint's prefix list, or the internet (any other route)."""
    if path.startswith("interface endpoint "):
        return path
    return "gateway" if path.startswith("gateway endpoint ") else "internet"


def _hop_subnet(finding: Finding) -> str | None:
    """The subnet a finding's hop starts from (`subnet PrivateSubnetA`), if it names one."""
    start = finding.hop.from_ if finding.hop is not None else ""
    return start.removeprefix("subnet ") if start.startswith("subnet ") else None


def _worst_first(row: tuple[str, str, str, str, str]) -> tuple[int, str]:
    _, path, verdict, _, _ = row
    return (_VERDICT_ORDER.get(verdict, len(_VERDICT_ORDER)), path)


def _subnets(subnets: list[str]) -> str:
    names = sorted(set(subnets))
    return f"(subnet{'s' if len(names) > 1 else ''} {', '.join(names)})"


def _finding_lines(findings: Sequence[Finding], paint: _Paint) -> list[str]:
    lines = []
    for f in findings:
        pad = " " * (_LEVEL_WIDTH - len(f.level))
        level = paint(f.level, *_LEVEL_STYLE.get(f.level, ())) + pad
        where = paint(_place(f.location.file, f.location.line), "2")
        lines.append(f"{_INDENT}{level} {paint(f.rule_id, '1')} {where} {f.message}")
        if f.fix:
            fix_indent = _INDENT + " " * (_LEVEL_WIDTH + 1)
            lines.append(f"{fix_indent}{paint('fix:', '2')} {f.fix}")
    return lines


def _place(file: str, line: int | None) -> str:
    """file:line; a live resource (aws://...) is its own address."""
    if line is None or _URI_SCHEME.match(file):
        return file
    return f"{file}:{line}"


def _error_line(error: InputError, paint: _Paint) -> str:
    return f"{paint('error:', '1', '31')} {_place(error.file, error.line)}: {error.message}"


def _summary_line(findings: Sequence[Finding], input_errors: int, paint: _Paint) -> str:
    counts = summary(findings)
    styles = {"error": ("1", "31"), "warning": ("1", "33"), "note": ("1", "36")}
    parts = [
        paint(plural(counts[level], level), *(styles[level] if counts[level] else ()))
        for level in ("error", "warning", "note")
    ]
    suppressed = sum(1 for f in findings if f.suppressed is not None)
    tail = f" ({suppressed} suppressed)" if suppressed else ""
    if input_errors:  # the scan is incomplete: say so where a reader looks last
        tail += "; " + paint(plural(input_errors, "input error"), "1", "31")
    return ", ".join(parts) + tail


def _indented(text: str, width: int) -> str:
    pad = " " * width
    return "\n".join(f"{pad}{line}" if line else "" for line in text.split("\n"))


def _shown_path(path: str) -> str:
    """How a need's path reads in the service table."""
    if not path or path == "none":
        return "no path"
    if path.startswith("undecided: "):
        return "not settled: " + path.removeprefix("undecided: ")
    return f"via {path}"
