"""`--format sarif`: SARIF 2.1.0 that GitHub code scanning accepts (docs/output.md).

Built from `sarif-om` objects and serialised by each attrs field's `schema_property_name`
(`attr.asdict` would write Python names). GitHub takes at most 25,000 results and 10 MB
gzipped per run: `build` keeps the most severe findings that fit and reports how many it
dropped (`SarifOutput.dropped`), so the CLI can warn on stderr. `render` is `build(...).text`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from scanner.docs import fenced_example, repository_url, rule_doc_uri
from scanner.findings import LEVELS, SECURITY_SEVERITY, Finding, InputError, Report, Rule
from scanner.report.json_report import (
    TOOL_NAME,
    hop_json,
    ordered_errors,
    ordered_findings,
    tool_version,
)

MAX_RESULTS = 25_000
MAX_GZIP_BYTES = 10 * 1024 * 1024
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
# GitHub code scanning's properties of a rule (docs "SARIF support for code scanning",
# reportingDescriptor object): security-severity counts for rules tagged `security`.
SECURITY_TAG = "security"
PRECISION = "high"
# SARIF has two suppression kinds: a comment in the template, or anything kept elsewhere.
SUPPRESSION_KIND = {"inSource": "inSource", "config": "external", "baseline": "external"}
_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
# Characters a URI path keeps as they are (RFC 3986 pchar, but ':'): a relative reference
# must encode ':' so its first segment cannot read as a scheme.
_RELATIVE_SAFE = "/@!$&'()*+,;="
# Fields written even when they hold sarif-om's default: GitHub reads `level` from each result.
_ALWAYS_WRITTEN = frozenset({"level"})


@dataclass(frozen=True)
class SarifOutput:
    text: str
    dropped: int  # findings left out to stay within the limits (0 normally)


def render(report: Report) -> str:
    return build(report).text


def render_runs(reports: Sequence[Report]) -> str:
    """One SARIF file with a run per report (each of its own category)."""
    if len(reports) == 1:
        return render(reports[0])
    documents = [json.loads(render(report)) for report in reports]
    return dump({**documents[0], "runs": [run for d in documents for run in d["runs"]]})


def truncation(report: Report) -> int:
    """How many findings `render(report)` leaves out; call `build` to get both at once."""
    return build(report).dropped


def build(
    report: Report, *, max_results: int = MAX_RESULTS, max_gzip_bytes: int = MAX_GZIP_BYTES
) -> SarifOutput:
    findings = ordered_findings(report.findings)
    rules = _catalogue(report.rules, findings)
    index = {rule.id: i for i, rule in enumerate(rules)}
    om = _sarif_om()
    results = [_result(om, f, index[f.rule_id], report.root) for f in findings]
    # Most severe first, unsuppressed before suppressed, then report order.
    priority = sorted(range(len(findings)), key=lambda i: _priority(findings[i], i))
    keep = min(len(findings), max_results)
    text = _document(om, report, rules, results, priority[:keep], len(findings))
    if not _fits(text, max_gzip_bytes):
        keep = _largest_fit(om, report, rules, results, priority, keep, max_gzip_bytes)
        text = _document(om, report, rules, results, priority[:keep], len(findings))
    return SarifOutput(text, len(findings) - keep)


def _sarif_om() -> Any:
    import sarif_om  # type: ignore[import-untyped]  # 75 ms: only SARIF runs pay for it

    return sarif_om


def fingerprint(f: Finding) -> str:
    """Stable across line moves: the alert follows the resource, not the line. The file is
    part of it, since one logical ID (TaskDefinition) is in many templates and code scanning
    would make their findings one alert."""
    key = "|".join([f.rule_id, f.location.file, f.resource, f.service or "", f.need or ""])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _priority(f: Finding, position: int) -> tuple[int, int, int]:
    return (f.suppressed is not None, _LEVEL_RANK.get(f.level, len(LEVELS)), position)


def _fits(text: str, max_gzip_bytes: int) -> bool:
    raw = text.encode("utf-8")
    # gzip never grows text by more than its headers and a few bytes per block.
    if len(raw) + 64 + len(raw) // 1000 <= max_gzip_bytes:
        return True
    return len(gzip.compress(raw, compresslevel=6)) <= max_gzip_bytes


def _largest_fit(
    om: Any,
    report: Report,
    rules: list[Rule],
    results: list[dict[str, Any]],
    priority: list[int],
    upper: int,
    max_gzip_bytes: int,
) -> int:
    """Binary search for the most results that fit in the gzipped limit."""
    low, high = 0, upper - 1  # `upper` is known not to fit
    while low < high:
        middle = (low + high + 1) // 2
        text = _document(om, report, rules, results, priority[:middle], len(results))
        if _fits(text, max_gzip_bytes):
            low = middle
        else:
            high = middle - 1
    return low


def _document(
    om: Any,
    report: Report,
    rules: list[Rule],
    results: list[dict[str, Any]],
    kept: list[int],
    total: int,
) -> str:
    run = om.Run(
        tool=om.Tool(
            driver=om.ToolComponent(
                name=TOOL_NAME,
                version=tool_version(report),
                semantic_version=tool_version(report),
                information_uri=repository_url(),
                rules=[_descriptor(om, rule) for rule in rules],
            )
        ),
        automation_details=om.RunAutomationDetails(id=_automation_id(report.category)),
        original_uri_base_ids={SRCROOT: _srcroot(om, report.root)},
        invocations=[_invocation(om, report, total - len(kept), total)],
        results=_all_or_none_suppressions([results[i] for i in sorted(kept)]),
    )
    log = om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run])
    return dump(_to_json(log))


def dump(document: Mapping[str, Any]) -> str:
    """A SARIF document's text. Compact: the C encoder only runs without indent, and GitHub
    counts the bytes."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def _all_or_none_suppressions(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SARIF 2.1.0 §3.27.23: in one run, `suppressions` is absent from every result or present
    in every one; when any result is suppressed, the others say so with an empty list."""
    if not any("suppressions" in r for r in results):
        return results
    return [r if "suppressions" in r else {**r, "suppressions": []} for r in results]


def _to_json(value: Any) -> Any:
    """sarif-om objects as SARIF JSON: schema names, defaults and unset fields left out."""
    if isinstance(value, dict):
        return {key: _to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(item) for item in value]
    fields = _schema_fields(type(value))
    if fields is None:
        return value
    out = {}
    for name, schema_name, default in fields:
        item = getattr(value, name)
        if item is not None and (default is _NO_DEFAULT or item != default):
            out[schema_name] = _to_json(item)
    return out


_NO_DEFAULT = object()
_FIELDS: dict[type, tuple[tuple[str, str, Any], ...] | None] = {}


def _schema_fields(cls: type) -> tuple[tuple[str, str, Any], ...] | None:
    """(attribute, SARIF name, default to leave out) per field of a sarif-om class, or None
    for anything else; computed once per class."""
    if cls not in _FIELDS:
        import attr

        _FIELDS[cls] = (
            tuple(
                (f.name, f.metadata["schema_property_name"], _omitted_default(f))
                for f in attr.fields(cls)
            )
            if attr.has(cls)
            else None
        )
    return _FIELDS[cls]


def _omitted_default(field: Any) -> Any:
    import attr

    default = field.default
    if field.name in _ALWAYS_WRITTEN or default is attr.NOTHING:
        return _NO_DEFAULT
    return default.factory() if isinstance(default, attr.Factory) else default  # type: ignore[arg-type]


def _catalogue(rules: tuple[Rule, ...], findings: list[Finding]) -> list[Rule]:
    """Every catalogue rule by id, plus a stand-in for a finding whose rule has no METADATA
    (so every result still has a ruleIndex)."""
    by_id: dict[str, Rule] = {}
    for rule in rules:
        by_id.setdefault(rule.id, rule)
    for f in findings:
        if f.rule_id not in by_id:
            by_id[f.rule_id] = _stand_in(f.rule_id, [g for g in findings if g.rule_id == f.rule_id])
    return [by_id[rule_id] for rule_id in sorted(by_id)]


def rule_from_descriptor(descriptor: Mapping[str, Any]) -> Rule:
    """The Rule that `_descriptor` wrote, read back (merge: a --policy rule of a shard).
    Its help text is the description, then `Fix: ...`, then the examples and the docs link,
    each after a blank line; the examples are indented, so no line of them starts a part."""
    description = descriptor["fullDescription"]["text"]
    text = (descriptor.get("help") or {}).get("text", "")
    parts = re.split(
        r"\n\n(?=Fix: |Failing example:\n|Passing example:\n|Documentation: )",
        text[len(description) :] if text.startswith(description) else "",
    )
    found = {part.split(":", 1)[0]: part.split(":", 1)[1] for part in parts if ":" in part}
    properties = descriptor.get("properties") or {}
    return Rule(
        id=descriptor["id"],
        title=descriptor["shortDescription"]["text"],
        description=description,
        level=(descriptor.get("defaultConfiguration") or {}).get("level", "warning"),
        remediation=found.get("Fix", "").strip(),
        tags=tuple(t for t in properties.get("tags") or () if t != SECURITY_TAG),
        package="",
        path="",
        failing_example=_dedent(found.get("Failing example", "")),
        passing_example=_dedent(found.get("Passing example", "")),
    )


def _stand_in(rule_id: str, findings: list[Finding]) -> Rule:
    level = min((f.level for f in findings), key=lambda lv: _LEVEL_RANK.get(lv, len(LEVELS)))
    return Rule(
        id=rule_id,
        title=rule_id,
        description=f"{rule_id} comes from a policy whose METADATA was not loaded.",
        level=level if level in _LEVEL_RANK else "warning",
        remediation="Follow the fix in each finding's message.",
        tags=(),
        package="",
        path="",
    )


def _descriptor(om: Any, rule: Rule) -> Any:
    return om.ReportingDescriptor(
        id=rule.id,
        name=_rule_name(rule.title),
        short_description=om.MultiformatMessageString(text=rule.title),
        full_description=om.MultiformatMessageString(text=rule.description),
        help=om.MultiformatMessageString(text=_help_text(rule), markdown=_help_markdown(rule)),
        help_uri=rule_doc_uri(rule.id) if rule.shipped else None,
        default_configuration=om.ReportingConfiguration(level=rule.level),
        properties={
            "security-severity": SECURITY_SEVERITY.get(rule.level, SECURITY_SEVERITY["note"]),
            # Code scanning reads security-severity only for "security queries (`@tags`
            # includes `security`)"; without the tag an alert shows as Error/Warning/Note.
            "tags": list(dict.fromkeys([*rule.tags, SECURITY_TAG])),
            # Recommended: alerts are ordered by level and precision. A shipped rule reports
            # only what its inputs settle (else FG801); a --policy rule's is not ours to say.
            **({"precision": PRECISION} if rule.shipped else {}),
        },
    )


def _rule_name(title: str) -> str:
    """SARIF `name` is an identifier-like form of the title: PublicSubnetWithoutPublicIp."""
    words = re.findall(r"[A-Za-z0-9]+", title)
    return "".join(word[0].upper() + word[1:] for word in words) or title


def _help_text(rule: Rule) -> str:
    parts = [rule.description, f"Fix: {rule.remediation}"]
    if rule.failing_example:
        parts.append("Failing example:\n" + _indent(rule.failing_example))
    if rule.passing_example:
        parts.append("Passing example:\n" + _indent(rule.passing_example))
    if rule.shipped:
        parts.append(f"Documentation: {rule_doc_uri(rule.id)}")
    return "\n\n".join(parts)


def _help_markdown(rule: Rule) -> str:
    parts = [rule.description, f"**Fix:** {rule.remediation}"]
    if rule.failing_example:
        parts += ["**Failing example**", fenced_example(rule.failing_example)]
    if rule.passing_example:
        parts += ["**Passing example**", fenced_example(rule.passing_example)]
    if rule.shipped:
        parts.append(f"[Rule documentation]({rule_doc_uri(rule.id)})")
    return "\n\n".join(parts)


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.split("\n"))


def _dedent(part: str) -> str:
    """An example of the help text (`_indent`ed after its heading line) as it was."""
    return "\n".join(line[4:] for line in part.split("\n")[1:])


def _result(om: Any, f: Finding, rule_index: int, root: str) -> dict[str, Any]:
    """One result, already as JSON: it is serialised once, however often the limit search
    rebuilds the document."""
    text = f"{f.message} Fix: {f.fix}" if f.fix else f.message
    result = om.Result(
        message=om.Message(text=text),
        rule_id=f.rule_id,
        rule_index=rule_index,
        level=f.level,
        locations=[_location(om, f.location.file, f.location.line, root)],
        partial_fingerprints={"primaryLocationLineHash": fingerprint(f)},
        suppressions=_suppressions(om, f),
        properties={
            "need": f.need,
            "service": f.service,
            "resource": f.resource,
            "hop": hop_json(f.hop),
            "fix": f.fix,
        },
    )
    converted: dict[str, Any] = _to_json(result)
    return converted


def _suppressions(om: Any, f: Finding) -> list[Any] | None:
    if f.suppressed is None:
        return None
    return [
        om.Suppression(
            kind=SUPPRESSION_KIND.get(f.suppressed.kind, "external"),
            justification=f.suppressed.reason,
            properties={"kind": f.suppressed.kind},
        )
    ]


def _location(om: Any, file: str, line: int | None, root: str) -> Any:
    region = om.Region(start_line=max(line, 1)) if line is not None else None
    physical = om.PhysicalLocation(artifact_location=_artifact(om, file, root), region=region)
    # A live resource's own URI (aws://ACCOUNT/REGION/...), which `location_file` reads back.
    logical = (
        [om.LogicalLocation(fully_qualified_name=file, kind="resource")]
        if _URI_SCHEME.match(file)
        else None
    )
    return om.Location(physical_location=physical, logical_locations=logical)


def _artifact(om: Any, file: str, root: str) -> Any:
    """Files relative to %SRCROOT%. Code scanning rejects an absolute URI whose scheme is not
    the checkout's (`file`), so a live resource aws://ACCOUNT/REGION/... is the relative path
    aws/ACCOUNT/REGION/... (its own URI is the location's logicalLocations). A file outside
    the scanned root (absolute: scanner.sources.discover.relative_name; `../x.yaml` in a
    report of an earlier version) is an absolute file:// URI, as GitHub writes such files."""
    scheme = _URI_SCHEME.match(file)
    if scheme:
        file = f"{scheme.group(0)[:-3]}/{file[scheme.end() :]}"
    elif Path(file).is_absolute():
        return om.ArtifactLocation(uri=Path(file).as_uri())
    elif (file == ".." or file.startswith("../")) and root and Path(root).is_absolute():
        return om.ArtifactLocation(uri=Path(os.path.normpath(Path(root, file))).as_uri())
    return om.ArtifactLocation(uri=quote(file, safe=_RELATIVE_SAFE), uri_base_id=SRCROOT)


def location_file(location: Mapping[str, Any], run: Mapping[str, Any]) -> str:
    """The report's `location.file` of a location this module wrote in `run` (merge and
    --baseline read SARIF reports back); a report of an earlier version reads the same."""
    for logical in location.get("logicalLocations") or ():
        name = logical.get("fullyQualifiedName")
        if isinstance(name, str) and _URI_SCHEME.match(name):
            return name
    uri = str(location["physicalLocation"]["artifactLocation"]["uri"])
    if not uri.startswith("file:"):
        return unquote(uri)
    path, root = Path(_file_path(uri)), run_root(run)
    # (an earlier version wrote a file outside the root given as `../x.yaml` this way too)
    return (
        path.relative_to(root).as_posix() if root and path.is_relative_to(root) else path.as_posix()
    )


def run_root(run: Mapping[str, Any]) -> str:
    """The scanned root a run names (%SRCROOT% file:///repo/ is /repo), else ""."""
    uri = ((run.get("originalUriBaseIds") or {}).get(SRCROOT) or {}).get("uri")
    return _file_path(uri) if isinstance(uri, str) and uri.startswith("file:") else ""


def _file_path(uri: str) -> str:
    from urllib.request import url2pathname  # 12 ms: only merge and --baseline get here

    return str(Path(url2pathname(unquote(urlsplit(uri).path))))


def _srcroot(om: Any, root: str) -> Any:
    if root and Path(root).is_absolute():
        return om.ArtifactLocation(uri=Path(root).as_uri().rstrip("/") + "/")
    return om.ArtifactLocation(
        description=om.Message(
            text="The scanned root: the git work tree containing the working directory, "
            "else the working directory."
        )
    )


def _automation_id(category: str) -> str:
    return category if category.endswith("/") else f"{category}/"


def _invocation(om: Any, report: Report, dropped: int, total: int) -> Any:
    notifications = [_error_notification(om, e, report.root) for e in ordered_errors(report.errors)]
    notifications += [
        om.Notification(level="warning", message=om.Message(text=warning))
        for warning in report.warnings
    ]
    notifications += [
        om.Notification(level="note", message=om.Message(text=notice)) for notice in report.notices
    ]
    if dropped:
        notifications.append(_truncation_notification(om, dropped, total))
    return om.Invocation(
        execution_successful=not report.errors,
        tool_execution_notifications=notifications or None,
    )


def _error_notification(om: Any, error: InputError, root: str) -> Any:
    return om.Notification(
        level="error",
        message=om.Message(text=error.message),
        locations=[_location(om, error.file, error.line, root)],
    )


def _truncation_notification(om: Any, dropped: int, total: int) -> Any:
    return om.Notification(
        level="warning",
        message=om.Message(
            text=f"{dropped} of {total} findings {'was' if dropped == 1 else 'were'} left out of "
            "this SARIF file: GitHub code "
            f"scanning accepts at most {MAX_RESULTS:,} results and "
            f"{MAX_GZIP_BYTES // (1024 * 1024)} MB gzipped per run. The most severe findings "
            "were kept; the JSON report lists them all."
        ),
    )
