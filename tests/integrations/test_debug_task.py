"""scanner.debug_task: the debug-task runbook (seed/README.md step 2) for one service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session  # installed with cfn-lint (the test extra), through aws-sam-translator
import pytest
from botocore.validate import ParamValidator
from integration_helpers import CLEAN, EXAMPLE, ROOT

from scanner import cli
from scanner.api import ScanOptions, load
from scanner.debug_task import (
    Probe,
    Runbook,
    _Book,
    _cli_call,
    build,
    commands,
    render_text,
    run,
)
from scanner.errors import SourceError, UsageError

SUBNETS = "<subnet-id-of:PrivateSubnetA>,<subnet-id-of:PrivateSubnetB>"
CREATE_SERVICE = (
    "aws ecs create-service \\\n"
    "    --cluster '<cluster-name-of:Cluster>' \\\n"
    "    --service-name Service-debug \\\n"
    "    --task-definition orders-debug \\\n"
    "    --desired-count 1 \\\n"
    "    --launch-type FARGATE \\\n"
    "    --network-configuration 'awsvpcConfiguration={subnets=["
    + SUBNETS
    + "],securityGroups=[<sg-id-of:ServiceSecurityGroup>],assignPublicIp=DISABLED}' \\\n"
    "    --enable-execute-command \\\n"
    "    --region us-east-1"
)
EXEC = (
    "aws ecs execute-command --cluster '<cluster-name-of:Cluster>' --task \"$TASK\" "
    '--container debug --interactive --command "/bin/sh" --region us-east-1'
)
IN_VPC = "10.0.1.0/24 (PrivateSubnetA), 10.0.2.0/24 (PrivateSubnetB)"
FROM = "from task subnets PrivateSubnetA, PrivateSubnetB"
ECS_TASK_DEFINITION = {
    "family": "web",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
    "taskRoleArn": "arn:aws:iam::123456789012:role/app",
    "containerDefinitions": [
        {
            "name": "web",
            "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1",
            "essential": True,
        }
    ],
}
ECS_SERVICE = {
    "cluster": "prod",
    "serviceName": "web",
    "taskDefinition": "web",
    "launchType": "FARGATE",
    "networkConfiguration": {
        "awsvpcConfiguration": {
            "subnets": ["subnet-0123456789abcdef0"],
            "securityGroups": ["sg-0123456789abcdef0"],
            "assignPublicIp": "ENABLED",
        }
    },
}


@pytest.fixture(scope="module")
def example() -> Runbook:
    return build("Service", [ROOT / EXAMPLE], ScanOptions(cwd=ROOT))


def probe(runbook: Runbook, need: str) -> Probe:
    return next(p for p in runbook.probes if p.need == need)


def validate(operation: str, document: Any) -> list[str]:
    """The document against the ECS API's input shape, as `--cli-input-json` reads it."""
    model = botocore.session.get_session().get_service_model("ecs")
    report = ParamValidator().validate(document, model.operation_model(operation).input_shape)
    return [line for line in report.generate_report().splitlines() if line.strip()]


# --- the isolated-VPC example -------------------------------------------------------------


def test_task_definition_keeps_a_debug_container_alive(example: Runbook) -> None:
    assert dict(example.task_definition) == {
        "family": "orders-debug",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "executionRoleArn": "<execution-role-arn-of:ExecutionRole>",
        "taskRoleArn": "<task-role-arn>",
        "containerDefinitions": [
            {
                "name": "debug",
                "image": "amazon/aws-cli",
                "essential": True,
                "entryPoint": ["tail", "-f", "/dev/null"],
                "linuxParameters": {"initProcessEnabled": True},
            }
        ],
    }
    assert validate("RegisterTaskDefinition", example.task_definition) == []


def test_create_service_copies_the_service_network(example: Runbook) -> None:
    assert commands(example)["create_service"] == CREATE_SERVICE
    assert commands(example)["execute_command"] == EXEC
    text = render_text(example).splitlines()
    assert [f"   {line}" for line in CREATE_SERVICE.splitlines()] == [
        line for line in text if line.startswith(("   aws ecs create-service", "       --"))
    ]
    assert f"   {EXEC}" in text
    assert dict(example.create_service)["networkConfiguration"] == {
        "awsvpcConfiguration": {
            "subnets": ["<subnet-id-of:PrivateSubnetA>", "<subnet-id-of:PrivateSubnetB>"],
            "securityGroups": ["<sg-id-of:ServiceSecurityGroup>"],
            "assignPublicIp": "DISABLED",
        }
    }
    assert validate("CreateService", example.create_service) == []


def test_values_known_only_after_deployment_are_placeholders(example: Runbook) -> None:
    tokens = {p.token: p.meaning for p in example.placeholders}
    assert list(tokens) == [
        "<cluster-name-of:Cluster>",
        "<execution-role-arn-of:ExecutionRole>",
        "<task-role-arn>",
        "<subnet-id-of:PrivateSubnetA>",
        "<subnet-id-of:PrivateSubnetB>",
        "<sg-id-of:ServiceSecurityGroup>",
        "<account-id>",
    ]
    assert tokens["<subnet-id-of:PrivateSubnetA>"] == (
        "the id AWS gives subnet PrivateSubnetA (examples/isolated-vpc/network.yaml:14): "
        "aws cloudformation describe-stack-resource --stack-name '<stack-name>' "
        "--logical-resource-id PrivateSubnetA --query StackResourceDetail.PhysicalResourceId "
        "--output text --region us-east-1"
    )
    assert (
        "ECS Exec needs one that allows ssmmessages:CreateControlChannel"
        in tokens["<task-role-arn>"]
    )


def test_a_need_served_by_an_interface_endpoint_resolves_in_the_vpc(example: Runbook) -> None:
    ecr = probe(example, "ecr.api")
    assert ecr.host == "api.ecr.us-east-1.amazonaws.com"
    assert ecr.routes == (
        "ok via interface endpoint EcrApiEndpoint (task subnets PrivateSubnetA, PrivateSubnetB)",
    )
    assert [(c.command, c.expect) for c in ecr.checks] == [
        (
            "nslookup api.ecr.us-east-1.amazonaws.com",
            f"addresses in the VPC: one per subnet of EcrApiEndpoint, in {IN_VPC}",
        ),
        (
            "curl -sv --max-time 10 -o /dev/null https://api.ecr.us-east-1.amazonaws.com/",
            f"connects (TLS handshake, then any HTTP status) {FROM}",
        ),
    ]


def test_a_need_without_a_path_resolves_publicly_and_times_out(example: Runbook) -> None:
    s3 = probe(example, "s3")
    assert s3.routes == ("no path (task subnets PrivateSubnetA, PrivateSubnetB)",)
    assert len(s3.findings) == 1 and s3.findings[0].startswith(
        "FG202 error: service Service cannot reach s3"
    )
    assert [c.expect for c in s3.checks] == [
        "public addresses (no interface endpoint with private DNS serves it here)",
        f"times out {FROM}: the scan finds no path",
    ]


def test_every_need_of_the_service_gets_a_probe(example: Runbook) -> None:
    hosts = {p.need: p.host for p in example.probes}
    assert hosts == {
        "ecr.api": "api.ecr.us-east-1.amazonaws.com",
        "ecr.dkr": "<account-id>.dkr.ecr.us-east-1.amazonaws.com",
        "logs": "logs.us-east-1.amazonaws.com",
        "s3": "s3.us-east-1.amazonaws.com",
    }


def test_the_scan_says_the_debug_task_cannot_work_in_an_isolated_vpc(example: Runbook) -> None:
    """amazon/aws-cli is on Docker Hub (internet only) and ECS Exec needs ssmmessages."""
    heads = [w.split(": task subnets", 1)[0] for w in example.warnings]
    assert heads == [
        "FG202 error: service Service-debug cannot reach registry-1.docker.io",
        "FG202 error: service Service-debug cannot reach ssmmessages",
    ]
    assert example.warnings[0].endswith(
        "Or copy amazon/aws-cli into a private ECR repository that the task subnets reach and "
        "give its URI with --image."
    )
    assert "private ECR repository" not in example.warnings[1]


def test_a_private_ecr_debug_image_needs_what_the_service_needs() -> None:
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/aws-cli:2"
    runbook = build("Service", [ROOT / EXAMPLE], ScanOptions(cwd=ROOT), image=image)
    assert runbook.task_definition["containerDefinitions"][0]["image"] == image
    needs = sorted(w.split(" cannot reach ", 1)[1].split(":", 1)[0] for w in runbook.warnings)
    assert needs == ["s3", "ssmmessages"]
    assert render_text(runbook).splitlines()[2] == (
        f"A {image} container kept alive with `tail -f /dev/null`,"
    )


def test_a_public_subnet_service_gets_a_working_debug_task() -> None:
    runbook = build("Service", [ROOT / CLEAN], ScanOptions(cwd=ROOT, region="eu-west-1"))
    assert runbook.warnings == ()
    registry = probe(runbook, "public.ecr.aws")
    assert [c.command for c in registry.checks] == [
        "nslookup public.ecr.aws",
        "curl -sv --max-time 10 -o /dev/null https://public.ecr.aws/v2/",
    ]
    assert registry.checks[1].expect.startswith("connects, then HTTP 401")
    assert probe(runbook, "logs").host == "logs.eu-west-1.amazonaws.com"


# --- ECS JSON with real ids, and the JSON files --------------------------------------------


@pytest.fixture
def ecs_inputs(tmp_path: Path) -> Path:
    (tmp_path / "td.json").write_text(json.dumps(ECS_TASK_DEFINITION), encoding="utf-8")
    (tmp_path / "svc.json").write_text(json.dumps(ECS_SERVICE), encoding="utf-8")
    return tmp_path


def test_json_files_are_ready_for_the_aws_cli(ecs_inputs: Path) -> None:
    out = ecs_inputs / "out"
    printed = json.loads(
        run("web", [ecs_inputs], ScanOptions(cwd=ecs_inputs), fmt="json", output_dir=out)
    )
    task_definition = json.loads((out / "web-debug-task-definition.json").read_text("utf-8"))
    service = json.loads((out / "web-debug-service.json").read_text("utf-8"))
    assert validate("RegisterTaskDefinition", task_definition) == []
    assert validate("CreateService", service) == []
    assert task_definition["taskRoleArn"] == "arn:aws:iam::123456789012:role/app"
    assert task_definition["executionRoleArn"] == "arn:aws:iam::123456789012:role/exec"
    assert service == {
        "cluster": "prod",
        "serviceName": "web-debug",
        "taskDefinition": "web-debug",
        "desiredCount": 1,
        "launchType": "FARGATE",
        "enableExecuteCommand": True,
        "networkConfiguration": {
            "awsvpcConfiguration": ECS_SERVICE["networkConfiguration"]["awsvpcConfiguration"]
        },  # type: ignore[index]
    }
    assert printed["placeholders"] == []
    assert printed["commands"]["create_service"] == (
        f"aws ecs create-service --cli-input-json file://{out.as_posix()}/web-debug-service.json "
        "--region eu-west-1"
    )
    # The subnet is not in the inputs: its path is not predicted, never guessed.
    ecr = next(p for p in printed["probes"] if p["need"] == "ecr.api")
    assert ecr["host"] == "api.ecr.eu-west-1.amazonaws.com"
    assert ecr["checks"][0]["expect"].startswith("not predicted: the inputs do not settle")


def test_text_with_an_output_dir_points_at_the_files(ecs_inputs: Path) -> None:
    out = ecs_inputs / "out"
    text = run("web", [ecs_inputs], ScanOptions(cwd=ecs_inputs), output_dir=out)
    assert f"(written to {out.as_posix()}/web-debug-task-definition.json)" in text
    assert (out / "web-debug-service.json").is_file()


# --- IAM checks, errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "command"),
    [
        ("sns:ListTopics", "aws sns list-topics --region us-east-1"),
        ("s3:GetObject", "aws s3api get-object --region us-east-1"),
        ("states:StartExecution", "aws stepfunctions start-execution --region us-east-1"),
        ("sns:List*", None),
        ("ssmmessages:OpenDataChannel", None),
        ("not-an-action", None),
    ],
)
def test_cli_call_of_an_action(action: str, command: str | None) -> None:
    assert _cli_call(action, "us-east-1") == command


def test_declared_actions_become_aws_cli_calls() -> None:
    model = load([ROOT / EXAMPLE], ScanOptions(cwd=ROOT)).model
    source = model["services"]["Service"]["source"]
    need = {
        "service": "Service",
        "endpoint": "sns",
        "actions": ["sns:ListTopics"],
        "resources": None,
        "target_security_group": None,
        "target_cidr": None,
        "port": None,
        "source": source,
    }
    model["declared_needs"] = [need]
    checks = _Book(model, model["services"]["Service"], ScanOptions()).iam_checks()
    assert [c.command for c in checks] == ["aws sns list-topics --region us-east-1"]
    assert "with an explicit deny in a VPC endpoint policy" in checks[0].expect


def test_an_unknown_service_names_the_known_ones() -> None:
    with pytest.raises(
        UsageError, match=r"no service 'Nope' in the inputs; the services are: Service"
    ):
        build("Nope", [ROOT / EXAMPLE], ScanOptions(cwd=ROOT))


def test_a_service_without_awsvpc_is_bad_input(tmp_path: Path) -> None:
    service = {k: v for k, v in ECS_SERVICE.items() if k != "networkConfiguration"}
    (tmp_path / "td.json").write_text(json.dumps(ECS_TASK_DEFINITION), encoding="utf-8")
    (tmp_path / "svc.json").write_text(json.dumps(service), encoding="utf-8")
    with pytest.raises(SourceError, match="has no awsvpc network configuration"):
        build("web", [tmp_path], ScanOptions(cwd=tmp_path))


def test_format_must_be_text_or_json() -> None:
    with pytest.raises(UsageError, match="choose text or json"):
        run("Service", [ROOT / EXAMPLE], fmt="sarif")


def test_the_cli_command(tmp_path: Path) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(
        cli.main, ["debug-task", "Service", str(ROOT / EXAMPLE), "--output-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    service_file = tmp_path / "Service-debug-service.json"
    assert f"aws ecs create-service --cli-input-json file://{service_file.as_posix()}" in (
        result.output
    )
    assert (tmp_path / "Service-debug-task-definition.json").is_file()
    missing = CliRunner().invoke(cli.main, ["debug-task", "Nope", str(ROOT / EXAMPLE)])
    assert missing.exit_code == 2


def test_a_task_definition_the_inputs_do_not_settle_is_a_placeholder(tmp_path: Path) -> None:
    # (a TypeError before: the unknown was looked up as an id)
    (tmp_path / "s.yaml").write_text(
        "Parameters:\n"
        "  TaskDefinitionArn: {Type: String}\n"
        "  Subnet: {Type: AWS::EC2::Subnet::Id}\n"
        "Resources:\n"
        "  Service:\n"
        "    Type: AWS::ECS::Service\n"
        "    Properties:\n"
        "      LaunchType: FARGATE\n"
        "      TaskDefinition: !Ref TaskDefinitionArn\n"
        "      NetworkConfiguration:\n"
        "        AwsvpcConfiguration: {Subnets: [!Ref Subnet], SecurityGroups: [sg-1]}\n",
        encoding="utf-8",
    )
    runbook = build("Service", [tmp_path / "s.yaml"], ScanOptions(cwd=tmp_path))
    assert runbook.task_definition["taskRoleArn"] == "<task-role-arn>"
    (meaning,) = [p.meaning for p in runbook.placeholders if p.token == "<task-role-arn>"]
    assert meaning.startswith(
        "the service's task definition is not settled (parameter TaskDefinitionArn has no default"
    )


def test_a_name_two_templates_share_asks_for_an_id(tmp_path: Path) -> None:
    repro = ROOT / "tests" / "golden" / "repros" / "external-task-sets.yaml"
    for stage in ("dev", "prod"):
        (tmp_path / stage).mkdir()
        (tmp_path / stage / "stack.yaml").write_text(repro.read_text(encoding="utf-8"))
    paths = [tmp_path / "dev", tmp_path / "prod"]
    with pytest.raises(UsageError, match="2 services are named Green: give one of their ids"):
        build("Green", paths, ScanOptions(cwd=tmp_path, region="us-east-1"))
    runbook = build("prod/stack.yaml#Green", paths, ScanOptions(cwd=tmp_path, region="us-east-1"))
    # named by its id, as the scan's findings name it; the debug task keeps the short name
    assert runbook.service == "prod/stack.yaml#Green"
    assert runbook.create_service["serviceName"] == "Green-debug"
