"""docs/examples/: every file is exercised. The workflows pass actionlint, their `with:` keys are
inputs of action.yml (actionlint reads a local action's metadata), and the action step of each
runs on the isolated-VPC example with the inputs the workflow gives it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from action_runner import run_action, substitute
from integration_helpers import (
    EXAMPLE_FILE,
    EXAMPLE_LINE,
    ROOT,
    actionlint,
    git,
    make_repo,
    write,
)

EXAMPLES = ROOT / "docs" / "examples"
WORKFLOWS = ["pull-request.yml", "pull-request-changed-only.yml"]
PUBLISHED = "your-org/fargate-preflight@v0.1.0"
# The live scan's examples: actionlint here, their content in tests/aws/test_examples.py.
LIVE = ["scheduled-scan.yml"]
# Exercised here (workflows), in test_precommit_hooks.py (the pre-commit config), in
# tests/aws/test_examples.py (the scheduled scan and its IAM policy) and in
# tests/test_custom_policy.py (the README's custom policy).
EXERCISED = {
    *WORKFLOWS,
    *LIVE,
    "pre-commit-config.yaml",
    "iam-readonly-policy.json",
    "custom-policy",
}


def workflow(name: str) -> dict[str, Any]:
    loaded = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def action_step(name: str) -> dict[str, Any]:
    steps = workflow(name)["jobs"]["scan"]["steps"]
    found = [s for s in steps if s.get("uses") == PUBLISHED]
    assert len(found) == 1
    return dict(found[0])


def test_every_example_file_is_exercised() -> None:
    assert {p.name for p in EXAMPLES.iterdir()} == EXERCISED


@pytest.mark.parametrize("name", WORKFLOWS + LIVE)
def test_actionlint_passes(name: str) -> None:
    done = subprocess.run(
        [actionlint(), "-no-color", str(EXAMPLES / name)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_checks_the_with_keys_against_action_yml(tmp_path: Path) -> None:
    """In a repository holding the action, the workflows use it as `./`: actionlint then
    checks every `with:` key against action.yml's inputs (and fails on a wrong one)."""
    files: dict[str, str | Path] = {"action.yml": ROOT / "action.yml"}
    for name in WORKFLOWS:
        text = (EXAMPLES / name).read_text(encoding="utf-8").replace(PUBLISHED, "./")
        files[f".github/workflows/{name}"] = text
    repo = make_repo(tmp_path / "repo", files)
    done = subprocess.run([actionlint(), "-no-color"], cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    write(repo, {".github/workflows/typo.yml": files[f".github/workflows/{WORKFLOWS[1]}"]})
    typo = repo / ".github/workflows/typo.yml"
    typo.write_text(typo.read_text(encoding="utf-8").replace("changed-only:", "changed-onyl:"))
    done = subprocess.run([actionlint(), "-no-color"], cwd=repo, capture_output=True, text=True)
    assert done.returncode == 1
    assert 'input "changed-onyl" is not defined in action "fargate-preflight"' in done.stdout


def test_pull_request_workflow_on_the_example(example_repo: Path, tmp_path: Path) -> None:
    context = {"event_name": "push", "repository": "octo/infra", "event": {}}
    result = _run_example("pull-request.yml", example_repo, tmp_path, context, "push")
    assert result.step("Upload SARIF to code scanning").ran
    assert result.step("Fail on findings").returncode == 1
    assert any(
        line.startswith(f"::error file={EXAMPLE_FILE},line={EXAMPLE_LINE},title=FG202 ")
        for line in result.stdout.splitlines()
    )


def test_pull_request_workflow_from_a_fork_skips_the_upload(
    example_repo: Path, tmp_path: Path
) -> None:
    fork = {"pull_request": {"head": {"repo": {"full_name": "someone/infra"}}}}
    context = {"event_name": "pull_request", "repository": "octo/infra", "event": fork}
    result = _run_example("pull-request.yml", example_repo, tmp_path, context, "pull_request")
    assert not result.step("Upload SARIF to code scanning").ran
    assert result.step("Fail on findings").returncode == 1


def test_changed_only_workflow_on_a_pull_request(example_repo: Path, tmp_path: Path) -> None:
    git(example_repo, "checkout", "-q", "-b", "feature")
    network = example_repo / EXAMPLE_FILE
    network.write_text(network.read_text(encoding="utf-8") + "# reviewed\n", encoding="utf-8")
    git(example_repo, "commit", "-qam", "change")
    git(example_repo, "checkout", "-q", "--detach", "main")
    git(example_repo, "merge", "-q", "--no-ff", "-m", "merge", "feature")
    context = {"event_name": "pull_request", "repository": "octo/infra", "event": {}}
    result = _run_example(
        "pull-request-changed-only.yml", example_repo, tmp_path, context, "pull_request"
    )
    log = result.step("Scan").stdout
    assert "changed-only: scanning 2 of" in log
    assert not result.step("Upload SARIF to code scanning").ran
    assert result.step("Fail on findings").returncode == 1


def _run_example(name: str, repo: Path, tmp_path: Path, context: dict[str, Any], event: str) -> Any:
    given = action_step(name).get("with") or {}
    inputs = {k: _input(v, context) for k, v in given.items()}
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    return run_action(
        ROOT,
        repo,
        temp,
        inputs,
        {
            "GITHUB_EVENT_NAME": event,
            "GITHUB_BASE_REF": "main",
            "GITHUB_REPOSITORY": "octo/infra",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_SHA": git(repo, "rev-parse", "HEAD").strip(),
        },
        stub_outputs={"install": {"python": sys.executable}},
        extra_env={"PYTHONPATH": str(ROOT)},
        github_context=context,
    )


def _input(value: Any, context: dict[str, Any]) -> str:
    """A `with:` value as the runner passes it: booleans as `true`/`false`, expressions
    evaluated."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return substitute(str(value), {"github": context})
