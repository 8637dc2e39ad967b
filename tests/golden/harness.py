"""Run a golden case the way a user would and compare it with its expected JSON.

A case (cases.yaml) names the inputs of one deployment (paths relative to the repository) and
the CLI flags that settle its open values (`--region`, `--parameter`, `--stack-name`). It is
scanned through `scanner.api.scan` and rendered by the JSON reporter, with the working
directory at the repository root and no AWS_REGION, so the bytes do not depend on where the
tests run. `FP_UPDATE_GOLDEN=1` rewrites the expected files; review that diff like code.
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from scanner.api import ScanOptions, scan
from scanner.findings import Report
from scanner.report import json_report

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent
CASES = GOLDEN / "cases.yaml"
EXPECTED = GOLDEN / "expected"
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
# Fargate platform 1.4.0+ needs none of these (docs/reasoning.md §1): demanding one is a false
# positive on every private-subnet template.
NEVER_NEEDED = frozenset({"ecs", "ecs-agent", "ecs-telemetry"})


@dataclass(frozen=True)
class Case:
    name: str
    paths: tuple[str, ...]
    note: str
    # "FG204" or "FG202 registry-1.docker.io": rule and need of each finding an AWS expert
    # expects, checked apart from the golden bytes so a careless regeneration cannot hide a
    # changed verdict.
    expect: tuple[str, ...]
    region: str | None = None
    parameters: tuple[str, ...] = ()
    stack_names: tuple[str, ...] = ()

    def cli_args(self) -> list[str]:
        args = list(self.paths)
        if self.region:
            args += ["--region", self.region]
        for value in self.parameters:
            args += ["--parameter", value]
        for value in self.stack_names:
            args += ["--stack-name", value]
        return args

    def options(self) -> ScanOptions:
        return ScanOptions(
            region=self.region,
            parameters=dict(_parameter(v) for v in self.parameters),
            stack_names=dict(_stack_name(v) for v in self.stack_names),
            cwd=ROOT,
        )


def _parameter(value: str) -> tuple[tuple[str | None, str], str]:
    """`[FILE:]KEY=VALUE` as the CLI reads it (the CLI test checks both give the same bytes)."""
    key, _, val = value.partition("=")
    file, colon, name = key.rpartition(":")
    return (file if colon else None, name), val


def _stack_name(value: str) -> tuple[str, str]:
    file, _, name = value.partition("=")
    return file, name


@cache
def load_cases() -> tuple[Case, ...]:
    raw = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    cases = tuple(
        Case(
            name=c["name"],
            paths=tuple(c["paths"]),
            note=" ".join(c["note"].split()),
            expect=tuple(c.get("expect") or ()),
            region=c.get("region"),
            parameters=tuple(c.get("parameters") or ()),
            stack_names=tuple(c.get("stack_names") or ()),
        )
        for c in raw["cases"]
    )
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases


def case(name: str) -> Case:
    return next(c for c in load_cases() if c.name == name)


def scan_case(c: Case) -> Report:
    """The case scanned through the library API. Callers chdir to ROOT and clear the region
    variables first (pytest's monkeypatch)."""
    return scan([Path(p) for p in c.paths], c.options())


def findings_json(report: Report) -> str:
    return json_report.render(report)


def paths_json(report: Report) -> str:
    """Every need's verdict, as the text report shows it: which needs were inferred, and how
    each was routed. Reviewed like the findings."""
    steps = [
        {
            "service": s.service,
            "need": s.need,
            "subnet": s.subnet,
            "path": s.path,
            "verdict": s.verdict,
        }
        for s in report.paths
    ]
    return json.dumps(steps, indent=2) + "\n"


def expected_findings(report: Report) -> list[str]:
    """Rule and need of each finding, in the form of a case's `expect`."""
    return sorted(f"{f.rule_id} {f.need}" if f.need else f.rule_id for f in report.findings)


def check_golden(path: Path, actual: str) -> None:
    """Equal to the golden file, or a unified diff. FP_UPDATE_GOLDEN=1 rewrites it."""
    if os.environ.get("FP_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"{path.relative_to(ROOT)} (golden)",
            tofile="this scan",
        )
        raise AssertionError(
            f"{path.relative_to(ROOT)} differs from this scan. If the change is intended, run "
            "FP_UPDATE_GOLDEN=1 python -m pytest tests/test_corpus.py and review the diff.\n"
            + "".join(diff)
        )


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in REGION_VARIABLES}
    env["NO_COLOR"] = "1"
    # The checkout's package, also when the command runs from another directory.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def run_python(args: Sequence[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in a fresh process with the checkout's package (cli_env), output captured."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_cli(args: Sequence[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """`python -m scanner ARGS` in a fresh process, as a user runs it."""
    return run_python(["-m", "scanner", *args], cwd)


def parse_json(text: str) -> Any:
    return json.loads(text)
