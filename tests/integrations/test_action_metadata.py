"""action.yml: valid for GitHub (SchemaStore's schema), and safe: inputs reach the shell only
through `env:`, every `run` step names its shell, the job fails only after the SARIF upload."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from integration_helpers import ROOT
from jsonschema import Draft7Validator

ACTION = ROOT / "action.yml"
SCHEMA = ROOT / "tests" / "schemas" / "github-action.json"
INPUTS = {
    "paths": ".",
    "format": "text",
    "fail-on": "",
    "config": "",
    "parameters": "",
    "engine": "",
    "opa-url": "",
    "category": "fargate-preflight",
    "upload-sarif": "true",
    "upload-suppressed": "false",
    "sarif-file": "",
    "extra-args": "",
    "changed-only": "false",
}
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def action() -> dict[str, Any]:
    loaded = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def steps() -> list[dict[str, Any]]:
    return list(action()["runs"]["steps"])


def test_action_validates_against_the_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(Draft7Validator(schema).iter_errors(action()), key=str)
    assert [e.message for e in errors] == []


def test_the_schema_catches_a_broken_action() -> None:
    """The schema check can fail: a composite step without `shell` is rejected."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = action()
    broken["runs"]["steps"][1].pop("shell")
    assert list(Draft7Validator(schema).iter_errors(broken)) != []


def test_inputs_and_their_defaults() -> None:
    declared = {name: str(spec.get("default", "")) for name, spec in action()["inputs"].items()}
    assert declared == INPUTS
    assert all(spec.get("description") for spec in action()["inputs"].values())


def test_is_a_composite_action() -> None:
    assert action()["runs"]["using"] == "composite"


def test_every_run_step_names_its_shell_and_never_expands_an_expression() -> None:
    run_steps = [s for s in steps() if "run" in s]
    assert len(run_steps) == 4
    for step in run_steps:
        assert step.get("shell") == "bash", step["name"]
        # Script injection: `${{ }}` inside `run:` is pasted into the script before bash runs.
        assert "${{" not in step["run"], step["name"]


def test_inputs_reach_the_shell_only_through_env() -> None:
    used: set[str] = set()
    for step in steps():
        for value in (step.get("env") or {}).values():
            used.update(re.findall(r"inputs\.([\w-]+)", str(value)))
        for value in (step.get("with") or {}).values():
            assert "inputs." not in str(value), step["name"]
    upload = _step("Upload SARIF to code scanning")
    used.update(re.findall(r"inputs\.([\w-]+)", upload["if"]))
    assert used == set(INPUTS)


def test_scan_env_maps_every_input_to_an_fp_variable() -> None:
    env = _step("Scan")["env"]
    mapped = {
        EXPRESSION.fullmatch(v).group(1).removeprefix("inputs."): k  # type: ignore[union-attr]
        for k, v in env.items()
        if "inputs." in v
    }
    expected = {name: "FP_" + name.upper().replace("-", "_") for name in INPUTS}
    expected.pop("upload-sarif")  # decided by the upload step's `if`, not by the scanner
    assert mapped == expected


def test_installs_from_the_action_checkout_with_a_pip_cache() -> None:
    python = _step("Set up Python for fargate-preflight")
    assert python["uses"] == "actions/setup-python@v6"
    assert python["with"] == {"python-version": "3.11", "update-environment": False}
    cache = _step("Cache pip downloads")
    assert cache["uses"] == "actions/cache@v4"
    assert cache["with"]["key"] == "${{ steps.pip-cache.outputs.key }}"
    install = _step("Install fargate-preflight")
    assert install["env"]["PIP_CACHE_DIR"] == "${{ steps.pip-cache.outputs.dir }}"
    # engine: opa installs the OPA engine's client too (the `opa` extra)
    assert install["env"]["FP_ENGINE"] == "${{ inputs.engine }}"
    assert 'if [ "$FP_ENGINE" = opa ]; then extra="[opa]"; else extra=""; fi' in install["run"]
    assert '-m pip install --quiet "$GITHUB_ACTION_PATH$extra"' in install["run"]


def test_upload_runs_always_and_the_job_fails_last() -> None:
    names = [s["name"] for s in steps()]
    assert names[-3:] == ["Scan", "Upload SARIF to code scanning", "Fail on findings"]
    upload = _step("Upload SARIF to code scanning")
    assert upload["uses"] == "github/codeql-action/upload-sarif@v4"
    assert upload["if"] == (
        "always() && inputs.upload-sarif == 'true' && steps.scan.outputs.sarif-file != ''"
    )
    assert upload["with"] == {"sarif_file": "${{ steps.scan.outputs.sarif-file }}"}
    last = _step("Fail on findings")
    assert last["if"] == "always()"
    assert last["env"] == {"FP_EXIT_CODE": "${{ steps.scan.outputs.exit-code }}"}


def test_outputs_come_from_the_scan_step() -> None:
    outputs = {k: v["value"] for k, v in action()["outputs"].items()}
    assert outputs == {
        name: f"${{{{ steps.scan.outputs.{name} }}}}"
        for name in ("exit-code", "sarif-file", "errors", "warnings", "notes")
    }


def _step(name: str) -> dict[str, Any]:
    for step in steps():
        if step.get("name") == name:
            return step
    pytest.fail(f"action.yml has no step {name!r}")
