""".pre-commit-hooks.yaml: a valid manifest, and hooks that fail on a bad template, pass on a
good one, and never fail on a YAML or JSON file that is not a template.

The try-repo tests run pre-commit itself on a temporary git repository, as a user would: it
installs this repository (with its uncommitted changes) into a fresh environment.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from integration_helpers import (
    CLEAN,
    EXAMPLE,
    EXAMPLE_FILE,
    EXAMPLE_LINE,
    GIT_ENV,
    ROOT,
    copied,
    git,
    make_repo,
    write,
)
from jsonschema import Draft7Validator

from scanner.integrations import precommit

MANIFEST = ROOT / ".pre-commit-hooks.yaml"
SCHEMA = ROOT / "tests" / "schemas" / "pre-commit-hooks.json"
EXAMPLE_CONFIG = ROOT / "docs" / "examples" / "pre-commit-config.yaml"
COMPOSE = "services:\n  web:\n    image: nginx\n    ports: ['80:80']\n"
HELM = "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: {{ .Values.x }}\n"
# A plan whose service cannot reach s3 (the gateway endpoint is not on its route table).
PLAN_CASE = ROOT / "tests" / "fixtures" / "terraform" / "isolated-missing-s3-gateway"


def hooks() -> dict[str, dict[str, object]]:
    loaded = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in loaded}


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("AWS_REGION", None)
    env.pop("AWS_DEFAULT_REGION", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This work tree as one commit of a repository of its own. `pre-commit try-repo` of the
    work tree itself would leave out files git does not track yet (its shadow commit has the
    tracked files' changes only)."""
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    files = {n: ROOT / n for n in listed.split("\0") if n and (ROOT / n).is_file()}
    return make_repo(tmp_path_factory.mktemp("hook-source") / "fargate-preflight", files)


# --- the manifest ---------------------------------------------------------------------------


def test_validate_manifest() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_manifest_validates_against_the_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert [e.message for e in Draft7Validator(schema).iter_errors(manifest)] == []
    broken = [{**manifest[0], "language": 3}]
    assert list(Draft7Validator(schema).iter_errors(broken)) != []


def test_the_hooks() -> None:
    found = hooks()
    assert sorted(found) == ["fargate-preflight", "fargate-preflight-tfplan"]
    for hook in found.values():
        assert hook["entry"] == "python -m scanner.integrations.precommit"
        assert hook["language"] == "python"
        assert hook["require_serial"] is True  # templates of one commit link to each other


@pytest.mark.parametrize(
    ("hook", "name", "matches"),
    [
        ("fargate-preflight", "infra/network.yaml", True),
        ("fargate-preflight", "infra/network.yml", True),
        ("fargate-preflight", "taskdef.json", True),
        ("fargate-preflight", "vpc.template", True),
        ("fargate-preflight", "main.tf", False),
        ("fargate-preflight", "README.md", False),
        ("fargate-preflight", "infra/plan.json", False),  # the tfplan hook's
        ("fargate-preflight-tfplan", "plan.json", True),
        ("fargate-preflight-tfplan", "infra/tfplan.json", True),
        ("fargate-preflight-tfplan", "infra/prod.tfplan.json", True),
        ("fargate-preflight-tfplan", "taskdef.json", False),
        ("fargate-preflight-tfplan", "myplan.json", False),
    ],
)
def test_files_patterns(hook: str, name: str, matches: bool) -> None:
    spec = hooks()[hook]
    excluded = "exclude" in spec and re.search(str(spec["exclude"]), name)
    assert bool(re.search(str(spec["files"]), name) and not excluded) is matches


def test_example_config_is_valid_and_names_the_hooks() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(EXAMPLE_CONFIG)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    config = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    used = [hook["id"] for repo in config["repos"] for hook in repo["hooks"]]
    assert used == ["fargate-preflight", "fargate-preflight-tfplan"]
    assert set(used) <= set(hooks())


# --- the entry point, in this process --------------------------------------------------------


@pytest.fixture
def hook_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = make_repo(tmp_path / "repo", {**copied(EXAMPLE), **copied(CLEAN)})
    monkeypatch.chdir(repo)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    return repo


def test_a_staged_template_is_scanned_with_what_it_imports(
    hook_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """service.yaml imports from network.yaml, which is not staged: it comes from the tree."""
    code = precommit.main([f"{EXAMPLE}/service.yaml"])
    out = capsys.readouterr().out
    assert code == 1
    assert f"error   FG202 {EXAMPLE_FILE}:{EXAMPLE_LINE} service Service cannot reach s3" in out


def test_hook_args_are_scan_flags(hook_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = precommit.main(["--fail-on", "never", "--format", "json", f"{EXAMPLE}/service.yaml"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [(f["rule_id"], f["location"]["line"]) for f in report["findings"]] == [
        ("FG202", EXAMPLE_LINE)
    ]


def test_non_templates_never_fail_the_hook(
    hook_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(hook_repo, {"docker-compose.yml": COMPOSE, "chart/templates/cm.yaml": HELM})
    code = precommit.main(["docker-compose.yml", "chart/templates/cm.yaml"])
    err = capsys.readouterr().err
    assert code == 0
    assert "notice: docker-compose.yml: skipped: not a CloudFormation template" in err
    assert "notice: chart/templates/cm.yaml: skipped: not valid YAML or JSON" in err


def test_a_broken_template_fails_the_hook(
    hook_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(hook_repo, {"vpc.template": "Resources:\n  Vpc: [unclosed\n"})
    code = precommit.main(["vpc.template"])
    captured = capsys.readouterr()
    assert code == 2
    assert "error: vpc.template:2: not valid YAML" in captured.out + captured.err


def test_a_bad_flag_is_a_usage_error(hook_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert precommit.main(["--fail-on", "sometimes", "x.yaml"]) == 2
    assert "Invalid value for '--fail-on'" in capsys.readouterr().err


# --- pre-commit try-repo ---------------------------------------------------------------------


def test_try_repo_fails_on_the_bad_template(
    tmp_path: Path, pre_commit_home: Path, hook_source: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {**copied(EXAMPLE), **copied(CLEAN)})
    service = repo / EXAMPLE / "service.yaml"
    service.write_text(service.read_text(encoding="utf-8") + "# staged\n", encoding="utf-8")
    git(repo, "add", str(service))
    done = pre_commit(
        "try-repo", str(hook_source), "fargate-preflight", cwd=repo, home=pre_commit_home
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"FG202 {EXAMPLE_FILE}:{EXAMPLE_LINE}" in done.stdout
    assert "fargate-preflight" in done.stdout and "Failed" in done.stdout


def test_try_repo_passes_on_the_good_template_and_docker_compose(
    tmp_path: Path, pre_commit_home: Path, hook_source: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {**copied(EXAMPLE), **copied(CLEAN)})
    service = repo / CLEAN / "service.yml"
    service.write_text(service.read_text(encoding="utf-8") + "# staged\n", encoding="utf-8")
    write(repo, {"docker-compose.yml": COMPOSE})
    git(repo, "add", str(service), "docker-compose.yml")
    done = pre_commit(
        "try-repo", str(hook_source), "fargate-preflight", cwd=repo, home=pre_commit_home
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout


def test_try_repo_tfplan_hook(tmp_path: Path, pre_commit_home: Path, hook_source: Path) -> None:
    from scanner.api import ScanOptions, scan

    files = {f"infra/{p.name}": p for p in sorted(PLAN_CASE.iterdir()) if p.is_file()}
    repo = make_repo(tmp_path / "repo", files)
    report = scan([repo / "infra" / "plan.json"], ScanOptions(cwd=repo))
    errors = sorted({f.rule_id for f in report.findings if f.level == "error"})
    assert errors == ["FG205"]  # the oracle for what the hook must report
    plan = repo / "infra" / "plan.json"
    plan.write_text(plan.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    git(repo, "add", "infra/plan.json")
    done = pre_commit(
        "try-repo", str(hook_source), "fargate-preflight-tfplan", cwd=repo, home=pre_commit_home
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "error   FG205 infra/" in done.stdout


def test_the_example_config_runs_the_hooks(
    tmp_path: Path, pre_commit_home: Path, hook_source: Path
) -> None:
    """docs/examples/pre-commit-config.yaml as a user copies it, pointed at this work tree."""
    config = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    config["repos"][0]["repo"] = str(hook_source)
    config["repos"][0]["rev"] = git(hook_source, "rev-parse", "HEAD").strip()
    repo = make_repo(tmp_path / "repo", copied(EXAMPLE))
    write(repo, {".pre-commit-config.yaml": yaml.safe_dump(config)})
    service = repo / EXAMPLE / "service.yaml"
    service.write_text(service.read_text(encoding="utf-8") + "# staged\n", encoding="utf-8")
    git(repo, "add", ".pre-commit-config.yaml", str(service))
    done = pre_commit("run", cwd=repo, home=pre_commit_home)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"FG202 {EXAMPLE_FILE}:{EXAMPLE_LINE}" in done.stdout
    assert "fargate-preflight (Terraform plan)" in done.stdout  # no plan staged: skipped
