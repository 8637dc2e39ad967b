"""Fuzzing: generated and mutated inputs through load -> model -> evaluate -> report.

The property, for every input: the scan ends with findings (exit 0/1) or with errors that name
a scanned file and a line (exit 2); never a traceback, never an engine failure (exit 3).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import given

from scanner.api import ScanOptions, scan
from scanner.findings import Report
from scanner.report import MODULES, reporter
from tests.reliability.cli import run
from tests.reliability.strategies import (
    ECS_FIXTURES,
    PLAN_FIXTURES,
    good_template,
    mutated_json,
    profile,
    template_files,
    to_yaml,
)


def scan_files(files: dict[str, str], **options: object) -> Report:
    """Write `files` into a fresh folder, scan it, render every format; check the property."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, text in files.items():
            (root / name).write_text(text, encoding="utf-8")
        report = scan([root], ScanOptions(cwd=root, **options))  # type: ignore[arg-type]
        for name in MODULES:
            assert isinstance(reporter(name)(report), str)
    for error in report.errors:
        # the plan's errors may point at the .tf files beside it (none here)
        assert error.file in files, error
        # every error has a line, but for a file too big to read (a huge generated list)
        too_big = error.message.endswith("limit (--max-file-size); not read")
        assert too_big or (error.line is not None and error.line >= 1), error
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
    scan_files({name: text}, region="us-east-1")


@profile()
@given(mutated_json(ECS_FIXTURES))
def test_any_ecs_json_gives_findings_or_errors_with_a_line(case: tuple[str, str, str]) -> None:
    what, name, text = case
    scan_files({name: text})


@profile()
@given(mutated_json(PLAN_FIXTURES))
def test_any_terraform_plan_gives_findings_or_errors_with_a_line(
    case: tuple[str, str, str],
) -> None:
    what, name, text = case
    scan_files({name: text})


@profile(scale=0.1)
@given(template_files())
def test_the_cli_exits_0_1_or_2_with_file_and_line(case: tuple[str, str, str]) -> None:
    what, name, text = case
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / name).write_text(text, encoding="utf-8")
        # errors go to stderr when no text report goes to stdout
        outputs = [f"--format={fmt}={fmt}.out" for fmt in ("text", "sarif", "github")]
        result = run(["scan", name, "--region", "us-east-1", *outputs, "--format", "json"], root)
        assert "Traceback" not in result.stderr, (what, result.stderr[-3000:])
        assert result.returncode in (0, 1, 2), (what, result.stderr[-3000:])
        if result.returncode == 2:
            errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
            assert errors, result.stderr
            assert all(re.match(rf"error: {re.escape(name)}:[0-9]+: ", e) for e in errors), errors
