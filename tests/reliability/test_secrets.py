"""Secrets never leave the scanner: canaries planted in every field that can hold one, and in
malformed files whose parse errors could quote the line, must appear in no output of any
command (every report format, `export`, `debug-task`, stderr).

A `secrets` entry's `valueFrom` is the ARN of the secret, not its value (the scanner never reads
a value); findings name it so the user can fix the role, so it carries no canary here.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.cli import assert_clean_exit, run
from tests.reliability.strategies import FIXTURES

# A unique word, an AWS access key id and a secret access key per field, so a leak names the
# field it came from.
FIELDS = [
    "env",
    "noecho",
    "param",
    "tag",
    "description",
    "sg-description",
    "label",
    "tf-env",
    "tf-sensitive",
    "tf-tag",
    "ecs-env",
    "ecs-tag",
    "broken-yaml",
    "broken-json",
    "duplicate",
    "cidr",
]
ACCESS_KEY = re.compile(r"(?:AKIA|ASIA)[0-9A-Z]{16}")
SECRET_KEY = re.compile(r"[0-9a-zA-Z/+]{40}")


def word(field: str) -> str:
    return f"canary-{field}-q7x"


def access_key(field: str) -> str:
    return "AKIA" + f"{FIELDS.index(field):02d}CANARYZZZZZQ7X"


def secret_key(field: str) -> str:
    return f"{FIELDS.index(field):02d}" + "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCANARYQ7X"[:38]


def canaries(field: str) -> str:
    return f"{word(field)} {access_key(field)} {secret_key(field)}"


def template() -> str:
    return f"""\
AWSTemplateFormatVersion: "2010-09-09"
Description: {canaries("description")}
Parameters:
  DbPassword:
    Type: String
    NoEcho: true
    Default: {canaries("noecho")}
  ApiToken:
    Type: String
    NoEcho: true
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
      Tags: [{{Key: owner, Value: {canaries("tag")}}}]
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: !Ref DbPassword
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: {canaries("sg-description")}
      VpcId: !Ref Vpc
      SecurityGroupEgress:
        - {{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: !Ref ApiToken,
            Description: {canaries("sg-description")}}}
  Td:
    Type: AWS::ECS::TaskDefinition
    Properties:
      RequiresCompatibilities: [FARGATE]
      NetworkMode: awsvpc
      Cpu: "256"
      Memory: "512"
      ContainerDefinitions:
        - Name: app
          Image: !Sub "nginx:${{ApiToken}}"
          Environment:
            - {{Name: PASSWORD, Value: {canaries("env")}}}
            - {{Name: TOKEN, Value: !Ref DbPassword}}
          Secrets:
            - {{Name: DB, ValueFrom: arn:aws:ssm:us-east-1:123456789012:parameter/db}}
          DockerLabels: {{owner: {canaries("label")}}}
  Svc:
    Type: AWS::ECS::Service
    Properties:
      LaunchType: FARGATE
      TaskDefinition: !Ref Td
      NetworkConfiguration:
        AwsvpcConfiguration:
          Subnets: [!Ref Subnet]
          SecurityGroups: [!Ref Sg]
"""


def ecs_json() -> str:
    data = json.loads((FIXTURES / "seed" / "exec-task-definition.json").read_text())
    container = data["containerDefinitions"][0]
    container["environment"] = [{"name": "KEY", "value": canaries("ecs-env")}]
    data["tags"] = [{"key": "owner", "value": canaries("ecs-tag")}]
    return json.dumps(data, indent=2)


def terraform_plan(folder: Path) -> None:
    source = FIXTURES / "terraform" / "private-nat"
    shutil.copytree(source, folder)
    plan_path = folder / "plan.json"
    plan = json.loads(plan_path.read_text())

    def plant(values: dict[str, Any], sensitive: dict[str, Any]) -> None:
        if "container_definitions" in values:
            definitions = json.loads(values["container_definitions"])
            definitions[0]["environment"] = [{"name": "K", "value": canaries("tf-env")}]
            values["container_definitions"] = json.dumps(definitions)
            sensitive["container_definitions"] = True
        if "tags" in values:
            values["tags"] = {"owner": canaries("tf-tag")}
        if "description" in values:
            values["description"] = canaries("tf-sensitive")
            sensitive["description"] = True

    for resource in plan["planned_values"]["root_module"]["resources"]:
        plant(resource["values"], resource.setdefault("sensitive_values", {}))
    for change in plan["resource_changes"]:
        if change["change"].get("after"):
            plant(change["change"]["after"], change["change"].setdefault("after_sensitive", {}))
    plan_path.write_text(json.dumps(plan), encoding="utf-8")


def broken_files(folder: Path) -> None:
    """Files whose parse errors point at the line that holds a canary."""
    (folder / "broken.yaml").write_text(
        f"Resources:\n  X:\n    Type: {canaries('broken-yaml')}: [\n", encoding="utf-8"
    )
    (folder / "broken.json").write_text(
        f'{{"Resources": {{"X": {canaries("broken-json")}}}}}', encoding="utf-8"
    )
    (folder / "duplicate.yaml").write_text(
        f"Resources:\n  {access_key('duplicate')}: {{Type: AWS::EC2::VPC}}\n"
        f"  {access_key('duplicate')}: {{Type: AWS::EC2::VPC}}\n",
        encoding="utf-8",
    )
    (folder / "cidr.yaml").write_text(
        "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n"
        f"      CidrBlock: {access_key('cidr')}\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("secrets")
    (root / "cfn").mkdir()
    (root / "cfn" / "service.yaml").write_text(template(), encoding="utf-8")
    (root / "ecs").mkdir()
    (root / "ecs" / "task.json").write_text(ecs_json(), encoding="utf-8")
    terraform_plan(root / "tf")
    (root / "broken").mkdir()
    broken_files(root / "broken")
    return root


def leaks(text: str) -> list[str]:
    found = [f for f in FIELDS if word(f) in text or access_key(f) in text]
    found += [f for f in FIELDS if secret_key(f) in text]
    found += [f"access key {m}" for m in ACCESS_KEY.findall(text)]
    return sorted(set(found))


INPUTS = ["cfn", "ecs", "tf", "broken"]
PARAMETER = ["--parameter", f"ApiToken={canaries('param')}", "--region", "us-east-1"]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_report_format_shows_a_secret(planted: Path, fmt: str) -> None:
    result = run(["scan", *INPUTS, *PARAMETER, "--format", fmt], planted)
    assert_clean_exit(result, 2)  # the broken files
    assert leaks(result.stdout) == []
    assert leaks(result.stderr) == []
    # the canaries were read: the template's service and the broken files were scanned
    assert "broken/duplicate.yaml" in result.stdout + result.stderr
    assert "cfn/service.yaml" in result.stdout + result.stderr


def test_export_and_debug_task_show_no_secret(planted: Path) -> None:
    export = run(["export", *INPUTS, *PARAMETER], planted)
    assert_clean_exit(export, 2)
    model = json.loads(export.stdout)
    assert "Svc" in model["services"]
    assert leaks(export.stdout) == [] and leaks(export.stderr) == []
    for args in (["--format", "text"], ["--format", "json", "--output-dir", "out"]):
        debug = run(["debug-task", "Svc", "cfn", *PARAMETER, *args], planted)
        assert_clean_exit(debug, 0)
        written = (
            "".join(p.read_text() for p in (planted / "out").glob("*"))
            if (planted / "out").exists()
            else ""
        )
        assert leaks(debug.stdout + debug.stderr + written) == []


def test_the_canaries_would_be_caught(planted: Path) -> None:
    """The check itself can fail: the planted files do hold every canary."""
    everything = "".join(p.read_text() for p in planted.rglob("*") if p.is_file())
    assert leaks(everything + canaries("param")) == sorted(
        {*FIELDS, *(f"access key {access_key(f)}" for f in FIELDS)}
    )


@pytest.mark.parametrize(
    "text",
    [
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        '"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
        "key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY.",
        "AKIAIOSFODNN7EXAMPLE",
    ],
)
def test_key_shapes_are_redacted(text: str) -> None:
    from scanner.errors import redact

    assert "[redacted]" in redact(text)
    assert not SECRET_KEY.search(redact(text)) and not ACCESS_KEY.search(redact(text))


def test_managed_policy_arns_are_not_taken_for_keys() -> None:
    # `role/AmazonEC2ContainerServiceforEC2Role` is 40 key characters with a digit, a capital,
    # a small letter and a `/`: it was printed as `service-[redacted]`.
    from scanner.errors import redact

    data = Path(__file__).resolve().parents[2] / "scanner" / "data" / "managed_policies.json"
    arns = [
        *json.loads(data.read_text(encoding="utf-8"))["managed_policies"],
        "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
        "arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy",
    ]
    assert [a for a in arns if redact(a) != a] == []
