"""scanner.integrations.github: the scan's arguments, the fail-on decision, the summary table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from action_runner import run_action
from integration_helpers import EXAMPLE, ROOT, git

from scanner.errors import UsageError
from scanner.integrations.github import (
    MAX_SUMMARY_ROWS,
    ActionInputs,
    Outcome,
    Targets,
    decide,
    render_summary,
    scan_arguments,
)

SUMMARY = {"error": 0, "warning": 0, "note": 0}


def inputs(**env: str) -> ActionInputs:
    return ActionInputs.from_env({f"FP_{k.upper()}": v for k, v in env.items()})


def test_scan_arguments_put_the_actions_own_flags_last() -> None:
    given = inputs(
        paths='infra "my stacks"',
        parameters="Env=prod\nnetwork.yaml:Cidr=10.0.0.0/16\n",
        extra_args="--region eu-west-1 --fail-on note",
        format="text json=out/report.json",
        category="iac",
    )
    args = scan_arguments(
        given,
        Targets(given.paths, ()),
        Path("/t/x.sarif"),
        Path("/t/r.json"),
        [("text", Path("/t/report.text"))],
    )
    assert args == [
        "infra",
        "my stacks",
        "--fail-on",  # from extra-args, the scan's own verdict: the Action's exit code
        "note",
        "--parameter",
        "Env=prod",
        "--parameter",
        "network.yaml:Cidr=10.0.0.0/16",
        "--category",
        "iac",
        "--region",
        "eu-west-1",
        "--fail-on",
        "note",
        "--format",
        "json=out/report.json",
        "--format",
        "text=/t/report.text",
        "--format",
        "github",
        "--format",
        "sarif=/t/x.sarif",
        "--format",
        "json=/t/r.json",
    ]


def test_changed_only_passes_the_region_of_all_paths_unless_given() -> None:
    targets = Targets(("a.yaml",), (), region="us-west-2")
    args = scan_arguments(inputs(), targets, Path("s"), Path("j"))
    assert args[args.index("--region") + 1] == "us-west-2"
    given = inputs(extra_args="--region=eu-west-1")
    args = scan_arguments(given, targets, Path("s"), Path("j"))
    assert "--region" not in args and "--region=eu-west-1" in args


def test_fail_on_and_config_in_extra_args_are_the_inputs() -> None:
    """`extra-args: --fail-on note` decides the job as `scan --fail-on note` would (field
    test 19: the Action ran `--fail-on never` after it and decided by `error`)."""
    given = inputs(extra_args="--fail-on=note --config ci/alt.yaml")
    assert (given.fail_on, given.config) == ("note", "ci/alt.yaml")
    same = inputs(fail_on="note", config="ci/alt.yaml", extra_args="--fail-on note")
    assert (same.fail_on, same.config) == ("note", "ci/alt.yaml")
    assert (inputs().fail_on, inputs().config) == ("", "")


@pytest.mark.parametrize(
    ("code", "counts", "expected"),
    [
        (0, {"error": 1}, 0),  # the scan's exit code is the verdict (its --fail-on)
        (1, {"note": 1}, 1),
        (2, {"error": 1}, 2),
        (3, None, 3),
        (0, None, 3),  # no JSON report: the scan stopped before its end
        (1, None, 3),  # (a traceback exits 1)
        (-9, {}, 3),
    ],
)
def test_decide(code: int, counts: dict[str, int] | None, expected: int) -> None:
    report = None if counts is None else {"summary": {**SUMMARY, **counts}}
    assert decide(code, report) == expected


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"fail_on": "high"}, "input fail-on 'high'"),
        ({"format": "html"}, "input format 'html'"),
        ({"changed_only": "maybe"}, "input changed-only 'maybe'"),
        ({"paths": 'a "b'}, "cannot split"),
        # the Action's annotations go to stdout: no other format or --output may take it
        ({"extra_args": "-o x.txt"}, "input extra-args: '-o' would send"),
        ({"extra_args": "--output=x.txt"}, "input extra-args: '--output=x.txt' would send"),
        ({"extra_args": "-ox.txt"}, "input extra-args: '-ox.txt' would send"),
        ({"extra_args": "--format json"}, "input extra-args: --format json would print"),
        ({"extra_args": "--region x --format=sarif"}, "input extra-args: --format sarif would"),
        # fail-on and config: the input or the flag, not two values
        (
            {"fail_on": "error", "extra_args": "--fail-on note"},
            "input fail-on is 'error' and extra-args has --fail-on note: give one of them",
        ),
        (
            {"config": "a.yaml", "extra_args": "--config=b.yaml"},
            "input config is 'a.yaml' and extra-args has --config b.yaml: give one of them",
        ),
        ({"extra_args": "--fail-on high"}, "extra-args: --fail-on takes one of error, warning"),
        ({"extra_args": "--fail-on"}, "extra-args: --fail-on takes one of error, warning"),
    ],
)
def test_bad_inputs(env: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        inputs(**env)


def finding(**fields: Any) -> dict[str, Any]:
    base = {
        "rule_id": "FG401",
        "level": "error",
        "message": "m",
        "fix": "",
        "service": "Service",
        "need": "ecr.dkr",
        "location": {"file": "infra/a b.yaml", "line": 3},
        "suppressed": None,
    }
    return {**base, **fields}


def summary_of(findings: list[dict[str, Any]], env: dict[str, str] | None = None) -> list[str]:
    report = {"findings": findings, "errors": [], "summary": {**SUMMARY, "error": len(findings)}}
    outcome = Outcome(1, report["summary"], None)
    text = render_summary(report, inputs(), Targets((".",), ()), outcome, env or {})
    return text.splitlines()


def test_summary_cells_show_text_as_is() -> None:
    lines = summary_of([finding(message="a | b <x> *y* [z](u)", fix="use `x`\nnow")])
    assert lines[6] == (
        "| error | FG401 | infra/a b.yaml:3 | Service | ecr.dkr | "
        "a \\| b &lt;x&gt; \\*y\\* \\[z\\](u)<br>**Fix:** use \\`x\\`<br>now |"
    )


def test_summary_links_locations_to_the_commit() -> None:
    env = {
        "GITHUB_SERVER_URL": "https://ghe.example",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_SHA": "f00",
    }
    lines = summary_of([finding()], env)
    assert "[infra/a b.yaml:3](https://ghe.example/o/r/blob/f00/infra/a%20b.yaml#L3)" in lines[6]


def test_summary_lists_errors_first_and_stops_at_the_limit() -> None:
    many = [finding(level="note", rule_id="FG801")] * MAX_SUMMARY_ROWS + [finding()]
    lines = summary_of(many)
    rows = [line for line in lines if line.startswith("| ")][1:]
    assert len(rows) == MAX_SUMMARY_ROWS
    assert rows[0].startswith("| error | FG401")
    assert "1 more finding is in the SARIF report and the job log." in lines


def test_suppressed_findings_stay_out_of_the_table() -> None:
    lines = summary_of([finding(suppressed={"kind": "inSource", "reason": "known"})])
    assert not any(line.startswith("| error") for line in lines)
    assert "1 suppressed finding is not counted." in lines
    two = summary_of([finding(suppressed={"kind": "inSource", "reason": "known"})] * 2)
    assert "2 suppressed findings are not counted." in two


def test_a_bad_input_run_says_it_fails_for_the_input_not_by_fail_on() -> None:
    # Field test 23, D11.5: "0 errors, 0 warnings, 0 notes: the check fails (fail-on: error)".
    error = {"file": "a.yaml", "line": 2, "message": "not valid YAML: x", "code": "bad-input"}
    report = {"findings": [], "errors": [error], "summary": SUMMARY}
    text = render_summary(report, inputs(), Targets((".",), ()), Outcome(2, SUMMARY, None), {})
    assert text.splitlines()[2:7] == [
        "0 errors, 0 warnings, 0 notes; 1 input error: the check fails because of the bad input "
        "below (exit code 2).",
        "",
        "### Bad input",
        "",
        "- a.yaml:2: not valid YAML: x",
    ]


def test_summary_lists_the_warnings() -> None:
    report = {"findings": [], "errors": [], "summary": SUMMARY}
    outcome = Outcome(0, SUMMARY, None)
    warnings = ["a.yaml:3: the ignore of FG220 suppresses nothing: no `rule`"]
    text = render_summary(report, inputs(), Targets((".",), ()), outcome, {}, warnings)
    assert text.splitlines()[4:8] == [
        "### Warnings",
        "",
        "- a.yaml:3: the ignore of FG220 suppresses nothing: no \\`rule\\`",
        "",
    ]


def test_a_failed_scan_uploads_nothing_stale(example_repo: Path, tmp_path: Path) -> None:
    """OPA unreachable: exit 3, no SARIF (an old file at that place is removed first)."""
    stale = example_repo / "old.sarif"
    stale.write_text("{}", encoding="utf-8")
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    result = run_action(
        ROOT,
        example_repo,
        temp,
        {
            "paths": EXAMPLE,
            "engine": "opa",
            "opa-url": "http://127.0.0.1:9",
            "sarif-file": "old.sarif",
        },
        {"GITHUB_EVENT_NAME": "push", "GITHUB_SHA": git(example_repo, "rev-parse", "HEAD")},
        stub_outputs={"install": {"python": sys.executable}},
        extra_env={"PYTHONPATH": str(ROOT)},
    )
    assert not stale.exists()
    assert result.outputs["sarif-file"] == ""
    assert not result.step("Upload SARIF to code scanning").ran
    assert result.step("Fail on findings").returncode == 3
    assert "The scan failed (exit code 3): see the job log." in result.summary
