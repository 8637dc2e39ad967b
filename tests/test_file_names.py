"""How reports and messages name a file (docs/output.md, `location.file`): relative to the
scanned root, else by its absolute real path, however the command named it. Through the real
CLI, from a repository whose inputs live beside it (field test 23, D4: a file named by its
absolute path had the SARIF URI "/tmp/..." under %SRCROOT%, a .tf file was absolute while its
plan was relative, and a baseline made one way suppressed nothing the other way)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest
from golden.harness import ROOT, run_cli
from test_cli import BROKEN_YAML, BROKEN_YAML_LINE, valid_sarif

EXAMPLE = ROOT / "examples" / "isolated-vpc"
EXAMPLE_LINE = 28  # the private route table that lacks the s3 gateway endpoint (FG202)
TF_CASE = ROOT / "tests" / "fixtures" / "terraform" / "public-no-public-ip"  # FG201 at ecs.tf


def cli(cwd: Path, *args: str) -> CompletedProcess[str]:
    result = run_cli(args, cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The scanned root (a git work tree) with a subfolder to run from."""
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "sub").mkdir()
    return tmp_path / "repo"


@pytest.fixture
def elsewhere(repo: Path) -> Path:
    """The example beside the repository, with a broken template; its real path."""
    folder = repo.parent / "elsewhere"
    shutil.copytree(EXAMPLE, folder)
    (folder / "broken.yaml").write_text(BROKEN_YAML, encoding="utf-8")
    return Path(os.path.realpath(folder))


def locations(report: dict[str, Any]) -> list[tuple[str, str, int | None]]:
    return [
        *((f["rule_id"], f["location"]["file"], f["location"]["line"]) for f in report["findings"]),
        *(("error", e["file"], e["line"]) for e in report["errors"]),
    ]


def test_a_file_outside_the_root_has_one_name_however_it_is_named(
    repo: Path, elsewhere: Path
) -> None:
    expected = [
        ("FG202", f"{elsewhere}/network.yaml", EXAMPLE_LINE),
        ("error", f"{elsewhere}/broken.yaml", BROKEN_YAML_LINE),
    ]
    namings = ((repo, "../elsewhere"), (repo, str(elsewhere)), (repo / "sub", "../../elsewhere"))
    for cwd, path in namings:
        done = cli(cwd, "scan", path, "--format", "json", "-q")
        assert done.returncode == 2, done.stderr
        assert locations(json.loads(done.stdout)) == expected
        assert done.stderr.startswith(f"error: {elsewhere}/broken.yaml:{BROKEN_YAML_LINE}: ")
        done = cli(cwd, "scan", path, "--format", "sarif", "-q")
        run = valid_sarif(done.stdout)["runs"][0]
        (result,) = run["results"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {
            "uri": (elsewhere / "network.yaml").as_uri()
        }
        (error,) = [
            n for n in run["invocations"][0]["toolExecutionNotifications"] if n["level"] == "error"
        ]
        assert error["locations"][0]["physicalLocation"] == {
            "artifactLocation": {"uri": (elsewhere / "broken.yaml").as_uri()},
            "region": {"startLine": BROKEN_YAML_LINE},
        }


def test_a_baseline_matches_a_file_outside_the_root_however_it_was_named(
    repo: Path, elsewhere: Path
) -> None:
    (elsewhere / "broken.yaml").unlink()
    made = cli(repo, "scan", "../elsewhere", "--format", "json", "-o", "base.json", "-q")
    assert made.returncode == 1, made.stderr
    made = cli(repo, "scan", str(elsewhere), "--format", "sarif", "-o", "base.sarif", "-q")
    assert made.returncode == 1, made.stderr
    # What an earlier version wrote for `scan ../elsewhere`: the path as the command gave it.
    old = json.loads((repo / "base.json").read_text(encoding="utf-8"))
    old["findings"][0]["location"]["file"] = "../elsewhere/network.yaml"
    (repo / "old.json").write_text(json.dumps(old), encoding="utf-8")
    for baseline in ("base.json", "base.sarif", "old.json"):
        for named in (str(elsewhere), "../../elsewhere"):
            done = cli(repo / "sub", "scan", named, "--baseline", f"../{baseline}")
            assert done.returncode == 0, (baseline, named, done.stdout)
            assert done.stdout.endswith("0 errors, 0 warnings, 0 notes (1 suppressed)\n")


def test_a_plan_outside_the_root_and_its_tf_files_are_named_alike(repo: Path) -> None:
    for env in ("dev", "prod"):  # one configuration twice: its addresses need their plan's name
        shutil.copytree(TF_CASE, repo.parent / "infra" / env)
    infra = os.path.realpath(repo.parent / "infra")
    done = cli(repo / "sub", "scan", "../../infra", "--format", "json", "-q")
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)["findings"]
    assert {(f["rule_id"], f["location"]["file"], f["service"]) for f in findings} == {
        ("FG201", f"{infra}/{env}/ecs.tf", f"{infra}/{env}/plan.json#aws_ecs_service.web")
        for env in ("dev", "prod")
    }


def test_configuration_errors_name_their_file_as_input_errors_do(
    repo: Path, elsewhere: Path
) -> None:
    config = elsewhere / "preflight.yaml"
    config.write_text("fail_on: never\n", encoding="utf-8")
    inputs = ("../../elsewhere/network.yaml", "../../elsewhere/service.yaml")
    done = cli(repo / "sub", "scan", *inputs, "--config", "../../elsewhere/preflight.yaml")
    assert done.returncode == 2
    assert done.stderr == (
        f"error: {config}:1: Additional properties are not allowed ('fail_on' was unexpected); "
        "did you mean 'fail-on' for 'fail_on'?\n"
    )
    # A need for no service is an input error of the report, the file named the same way.
    config.write_text("needs:\n  Servce:\n    - service: sns\n", encoding="utf-8")
    done = cli(repo / "sub", "scan", *inputs, "--config", str(config), "--format", "json", "-q")
    assert done.returncode == 2
    assert [(e["file"], e["line"]) for e in json.loads(done.stdout)["errors"]] == [(str(config), 2)]
    # Inside the root: relative to the root, from any folder.
    (repo / "ci").mkdir()
    (repo / "ci" / "preflight.yaml").write_text("fail_on: never\n", encoding="utf-8")
    done = cli(repo / "sub", "scan", *inputs, "--config", "../ci/preflight.yaml")
    assert done.stderr.startswith("error: ci/preflight.yaml:1: Additional properties")


def test_file_flags_name_a_file_outside_the_root_either_way(repo: Path, elsewhere: Path) -> None:
    # FILE of --stack-name and --parameter is relative to the scanned root; a file outside it
    # matches as ../x.yaml and as /abs/x.yaml, however the scan named it.
    (elsewhere / "broken.yaml").unlink()
    done = cli(
        repo,
        "scan",
        str(elsewhere),
        "--stack-name",
        "../elsewhere/network.yaml=net",
        "--stack-name",
        f"{elsewhere}/service.yaml=svc",
        "--stack-name",
        "../elsewhere/nope.yaml=x",
        "--parameter",
        "../elsewhere/network.yaml:Nope=1",
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        f"notice: --parameter {elsewhere}/network.yaml:Nope: {elsewhere}/network.yaml has no "
        "parameter Nope; the value is not used",
        f"notice: --stack-name {elsewhere}/nope.yaml: {elsewhere}/nope.yaml is not a scanned "
        "template; the name is not used",
    ]
