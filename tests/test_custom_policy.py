"""The README's worked custom policy (docs/examples/custom-policy): "every task must use a
private ECR image", through `scan --policy` on both engines, and its own Rego tests."""

from __future__ import annotations

import json
import re

import pytest
import regorus
from golden.harness import ROOT, run_cli

EXAMPLE = "docs/examples/custom-policy"
RULE = ROOT / EXAMPLE / "acme101_private_ecr_image"
PUBLIC_IMAGE = "tests/fixtures/corpus/groups/public-facing-web"  # nginx from public.ecr.aws
PRIVATE_IMAGE = "examples/isolated-vpc"  # a private ECR image


@pytest.mark.parametrize("engine", ["regorus", "opa"])
def test_the_example_policy_fires_on_a_public_image(engine: str, opa_url: str) -> None:
    flags = ["--engine", engine, *(["--opa-url", opa_url] if engine == "opa" else [])]
    result = run_cli(["scan", PUBLIC_IMAGE, "--policy", EXAMPLE, "--format", "json", *flags])
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule_id"], f["resource"], f["service"], f["location"]) for f in findings] == [
        (
            "ACME101",
            "TaskDefinition",
            "Service",
            {"file": f"{PUBLIC_IMAGE}/service.yml", "line": 60},
        )
    ]
    assert findings[0]["message"] == (
        "service Service: container web uses image public.ecr.aws/docker/library/nginx:latest, "
        "which is not in a private ECR repository"
    )


@pytest.mark.parametrize("engine", ["regorus", "opa"])
def test_the_example_policy_is_silent_on_a_private_ecr_image(engine: str, opa_url: str) -> None:
    flags = ["--engine", engine, *(["--opa-url", opa_url] if engine == "opa" else [])]
    result = run_cli(["scan", PRIVATE_IMAGE, "--policy", EXAMPLE, "--format", "json", *flags])
    assert [f["rule_id"] for f in json.loads(result.stdout)["findings"]] == ["FG202"]


def test_the_example_policy_is_in_the_catalogue() -> None:
    listed = run_cli(["rules", "--policy", EXAMPLE])
    assert "ACME101  error    Container image is not in private ECR\n" in listed.stdout
    assert "FG201" in listed.stdout
    result = run_cli(["explain", "acme101", "--policy", EXAMPLE])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ACME101: Container image is not in private ECR\n")
    assert run_cli(["explain", "ACME101"]).returncode == 2  # not a shipped rule
    # docs/rules/ has pages for the shipped rules only: a custom rule links to none.
    assert "Docs:" not in result.stdout
    assert "Docs: " in run_cli(["explain", "FG201"]).stdout


def test_the_example_policy_has_no_link_to_a_page_that_does_not_exist() -> None:
    result = run_cli(["scan", PUBLIC_IMAGE, "--policy", EXAMPLE, "--format", "sarif"])
    rules = {r["id"]: r for r in json.loads(result.stdout)["runs"][0]["tool"]["driver"]["rules"]}
    assert "helpUri" not in rules["ACME101"]
    assert "docs/rules/" not in json.dumps(rules["ACME101"])
    assert rules["FG201"]["helpUri"].endswith("/docs/rules/FG201.md")


def _rego_tests() -> list[str]:
    text = (RULE / "policy_test.rego").read_text(encoding="utf-8")
    return re.findall(r"^(test_\w+)\b", text, re.M)


@pytest.mark.parametrize("name", _rego_tests())
def test_the_example_policy_tests_pass_on_the_embedded_engine(name: str) -> None:
    engine = regorus.Engine()
    for path in [*sorted((ROOT / "policies").rglob("*.rego")), *sorted(RULE.glob("*.rego"))]:
        engine.add_policy_from_file(str(path))
    engine.set_input_json("{}")
    answer = json.loads(
        engine.eval_query_as_json(f"data.fargate_preflight.rules.acme101_test.{name}")
    )
    assert answer["result"][0]["expressions"][0]["value"] is True


def test_the_example_policy_tests_pass_on_opa(opa_binary: str) -> None:
    import subprocess

    result = subprocess.run(
        [opa_binary, "test", str(ROOT / "policies"), str(ROOT / EXAMPLE), "-r", "acme101"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS: 4/4" in result.stdout
