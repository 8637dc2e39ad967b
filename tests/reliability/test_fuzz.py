"""Fuzzing: generated and mutated inputs through load -> model -> evaluate -> report.

The property, for every input: the scan ends with findings (exit 0/1) or with errors that name
a scanned file and a line (exit 2); never a traceback, never an engine failure (exit 3).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import given

from scanner.api import ScanOptions, scan
from scanner.findings import Report
from scanner.report import REPORTERS
from tests.reliability.strategies import (
    ECS_FIXTURES,
    PLAN_FIXTURES,
    good_template,
    mutated_json,
    profile,
    template_files,
    to_yaml,
)

TRIED: Counter[str] = Counter()


def scan_files(files: dict[str, str], **options: object) -> Report:
    """Write `files` into a fresh folder, scan it, render every format; check the property."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, text in files.items():
            (root / name).write_text(text, encoding="utf-8")
        report = scan([root], ScanOptions(cwd=root, **options))  # type: ignore[arg-type]
        for render in REPORTERS.values():
            assert isinstance(render(report), str)
    for error in report.errors:
        # the plan's errors may point at the .tf files beside it (none here)
        assert error.file in files, error
        assert error.line is not None and error.line >= 1, error
        assert error.message, error
    for finding in report.findings:
        assert finding.location.file in files, finding
        assert finding.location.line >= 1, finding
    return report


def test_the_unmutated_template_scans_clean_of_errors() -> None:
    report = scan_files({"t.yaml": to_yaml(good_template())}, region="us-east-1")
    assert report.errors == ()
    assert report.services == ("Svc",)


@profile(scale=3)
@given(template_files())
def test_any_cloudformation_template_gives_findings_or_errors_with_a_line(
    case: tuple[str, str, str],
) -> None:
    what, name, text = case
    TRIED["cloudformation"] += 1
    scan_files({name: text}, region="us-east-1")


@profile()
@given(mutated_json(ECS_FIXTURES))
def test_any_ecs_json_gives_findings_or_errors_with_a_line(case: tuple[str, str, str]) -> None:
    what, name, text = case
    TRIED["ecs"] += 1
    scan_files({name: text})


@profile()
@given(mutated_json(PLAN_FIXTURES))
def test_any_terraform_plan_gives_findings_or_errors_with_a_line(
    case: tuple[str, str, str],
) -> None:
    what, name, text = case
    TRIED["terraform"] += 1
    scan_files({name: text})
