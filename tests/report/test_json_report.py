"""`--format json`: the docs/output.md contract, byte for byte."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

from report_samples import FG201, FG602, FG801, SUPPRESSED, read_golden, sample_report

from scanner.findings import InputError, Report
from scanner.report import json_report, reporter

GOLDEN = Path(__file__).parent / "golden" / "sample.json"


def test_fixed_report_renders_the_golden_bytes() -> None:
    # To accept a deliberate change: FP_UPDATE_GOLDEN=1 pytest tests/report, then review the diff.
    rendered = json_report.render(sample_report())
    assert rendered == read_golden(GOLDEN, rendered)


def test_registered_under_its_format_name() -> None:
    assert reporter("json") is json_report.render


def test_every_finding_has_every_key_in_contract_order() -> None:
    document = json.loads(json_report.render(sample_report()))
    assert list(document) == ["model_version", "tool", "findings", "errors", "summary"]
    for finding in document["findings"]:
        assert list(finding) == [
            "rule_id",
            "level",
            "message",
            "fix",
            "resource",
            "service",
            "need",
            "hop",
            "location",
            "suppressed",
        ]


def test_summary_counts_only_unsuppressed_findings() -> None:
    suppressed_error = replace(FG201, suppressed=SUPPRESSED.suppressed)
    document = json.loads(json_report.render(sample_report(findings=(suppressed_error, FG801))))
    assert document["summary"] == {"error": 0, "warning": 0, "note": 1}
    assert [f["suppressed"] for f in document["findings"]] == [
        None,
        {"kind": "inSource", "reason": "the default SG is locked down"},
    ]


def test_empty_report() -> None:
    assert json_report.render(Report(findings=(), rules=(), tool_version="9.9.9")) == (
        "{\n"
        '  "model_version": 1,\n'
        '  "tool": {\n'
        '    "name": "fargate-preflight",\n'
        '    "version": "9.9.9"\n'
        "  },\n"
        '  "findings": [],\n'
        '  "errors": [],\n'
        '  "summary": {\n'
        '    "error": 0,\n'
        '    "warning": 0,\n'
        '    "note": 0\n'
        "  }\n"
        "}\n"
    )


def test_tool_version_defaults_to_the_package_version() -> None:
    from scanner import __version__

    document = json.loads(json_report.render(Report(findings=(), rules=())))
    assert document["tool"] == {"name": "fargate-preflight", "version": __version__}


def test_error_without_line_has_null_line() -> None:
    report = sample_report(errors=(InputError("cfn.json", None, "not UTF-8"),))
    assert json.loads(json_report.render(report))["errors"] == [
        {"file": "cfn.json", "line": None, "message": "not UTF-8"}
    ]


def test_identical_findings_are_reported_once() -> None:
    document = json.loads(json_report.render(sample_report(findings=(FG201, FG201, FG602))))
    assert [f["rule_id"] for f in document["findings"]] == ["FG201", "FG602"]
    assert document["summary"] == {"error": 1, "warning": 1, "note": 0}


def test_same_bytes_whatever_the_input_order() -> None:
    findings = [FG201, FG602, FG801, SUPPRESSED, replace(FG201, level="warning")]
    expected = json_report.render(sample_report(findings=tuple(findings)))
    rng = random.Random(7)
    for _ in range(20):
        rng.shuffle(findings)
        assert json_report.render(sample_report(findings=tuple(findings))) == expected
