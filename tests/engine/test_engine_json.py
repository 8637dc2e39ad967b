"""`scan --engine opa` gives the same JSON report as the embedded engine on every golden case.

The OPA server is the one `--engine opa` starts by itself (opa on PATH), as a user would run it.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from scanner.api import scan
from tests.golden.harness import EXPECTED, Case, findings_json, load_cases, paths_json

CASES = load_cases()


@pytest.fixture
def opa_on_path(opa_binary: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{Path(opa_binary).parent}{os.pathsep}{os.environ['PATH']}")
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("opa_on_path")
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_opa_engine_gives_the_golden_report(case: Case) -> None:
    options = dataclasses.replace(case.options(), engine="opa")
    report = scan([Path(p) for p in case.paths], options)
    assert findings_json(report) == (EXPECTED / f"{case.name}.json").read_text(encoding="utf-8")
    assert paths_json(report) == (EXPECTED / f"{case.name}.paths.json").read_text(encoding="utf-8")


# A case whose report has path verdicts (the text report prints them).
WITH_PATHS = next(
    c for c in CASES if (EXPECTED / f"{c.name}.paths.json").read_text(encoding="utf-8") != "[]\n"
)


@pytest.mark.usefixtures("opa_on_path")
@pytest.mark.parametrize("engine", ["regorus", "opa"])
def test_scan_without_paths_gives_the_same_findings_and_no_verdicts(engine: str) -> None:
    """JSON and SARIF scans skip the path verdicts (ScanOptions.paths=False); nothing else moves."""
    options = dataclasses.replace(WITH_PATHS.options(), engine=engine, paths=False)
    report = scan([Path(p) for p in WITH_PATHS.paths], options)
    expected = (EXPECTED / f"{WITH_PATHS.name}.json").read_text(encoding="utf-8")
    assert findings_json(report) == expected
    assert report.paths == ()
