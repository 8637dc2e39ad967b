"""docs/examples/scheduled-scan.yml and iam-readonly-policy.json (actionlint runs on the workflow
in tests/integrations/test_example_workflows.py)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import boto3
import yaml

from scanner.sources.aws import policy
from scanner.sources.aws.calls import OPERATIONS, is_read_only

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
AWS_SOURCES = ROOT / "scanner" / "sources" / "aws"


def workflow() -> dict[str, Any]:
    loaded = yaml.safe_load((EXAMPLES / "scheduled-scan.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_scheduled_scan_workflow_shape() -> None:
    flow = workflow()
    assert set(flow[True]) == {"schedule", "workflow_dispatch"}  # YAML 1.1 reads `on` as True
    scan, merge = flow["jobs"]["scan"], flow["jobs"]["merge"]
    assert scan["permissions"]["id-token"] == "write"
    shards = scan["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(flow["env"]["SHARDS"]) + 1))
    credentials = [s for s in scan["steps"] if "configure-aws-credentials" in s.get("uses", "")]
    assert credentials[0]["with"]["role-to-assume"] == "${{ vars.FP_READONLY_ROLE_ARN }}"
    command = next(s["run"] for s in scan["steps"] if "scan-aws" in s.get("run", ""))
    for part in ('--org-role "$ORG_ROLE"', '--shard "$SHARD/$SHARDS"', "--format sarif"):
        assert part in command
    # The repository's configuration (needs, ignores) is there to read, and named.
    assert scan["steps"][0]["uses"].startswith("actions/checkout@")
    assert "--config .fargate-preflight.yaml" in command
    assert merge["needs"] == "scan"
    merging = next(s["run"] for s in merge["steps"] if "merge" in s.get("run", ""))
    assert "fargate-preflight merge shard-*.sarif --format sarif" in merging
    upload = merge["steps"][-1]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["category"] == "fargate-preflight-live"
    assert merge["permissions"]["security-events"] == "write"


def test_every_run_step_names_its_shell_and_takes_inputs_from_env() -> None:
    for job in workflow()["jobs"].values():
        for step in job["steps"]:
            if "run" in step:
                assert step.get("shell") == "bash", step
                assert "${{" not in step["run"], step["run"]


def test_iam_policy_is_generated_and_current() -> None:
    assert policy.main(["--check"]) == 0
    written = json.loads((EXAMPLES / "iam-readonly-policy.json").read_text(encoding="utf-8"))
    assert written == policy.iam_policy()


def test_iam_policy_is_complete_and_read_only() -> None:
    actions = {a for s in policy.iam_policy()["Statement"] for a in s["Action"]}
    expected = {policy.action(svc, op) for svc, ops in OPERATIONS.items() for op in ops}
    assert actions == expected
    session = boto3.Session()._session
    for service, operations in OPERATIONS.items():
        prefix = session.get_service_model(service).signing_name
        for operation in operations:
            assert policy.action(service, operation) == f"{prefix}:{operation}"
            assert is_read_only(service, operation)
    walk = next(s for s in policy.iam_policy()["Statement"] if s["Sid"].startswith("Walk"))
    assert walk["Action"] == ["organizations:ListAccounts", "sts:AssumeRole"]


def called_operations() -> set[tuple[str, str]]:
    """Every operation the exporter's code names: Reader calls and direct client calls."""
    found: set[tuple[str, str]] = set()
    for path in AWS_SOURCES.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            texts = [a.value for a in node.args if isinstance(a, ast.Constant)]
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ("all", "one", "one_or_gone", "first", "gap") and len(texts) >= 2:
                found.add((str(texts[0]), str(texts[1])))
            elif name == "filtered" and texts:
                found.add(("ec2", str(texts[0])))
            elif name in ("get_caller_identity", "assume_role"):
                found.add(("sts", "".join(w.title() for w in name.split("_"))))
    return found


def test_operations_list_is_exactly_what_the_code_calls() -> None:
    listed = {(svc, op) for svc, ops in OPERATIONS.items() for op in ops}
    assert called_operations() == listed
    assert all(re.fullmatch(r"[A-Z][A-Za-z]+", op) for _, op in listed)
