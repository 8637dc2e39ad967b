"""Fixed reports the reporter tests render (built here, never from the shipped policies)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from scanner.findings import (
    Finding,
    Hop,
    InputError,
    Location,
    PathStep,
    Report,
    Rule,
    Suppression,
)

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "sarif-schema-2.1.0.json"
LIVE_FILE = (
    "aws://123456789012/us-east-1/ecs-service/arn:aws:ecs:us-east-1:123456789012:service/prod/api"
)


def rule(rule_id: str, level: str, title: str, tags: tuple[str, ...] = ()) -> Rule:
    return Rule(
        id=rule_id,
        title=title,
        description=f"What {rule_id} checks.",
        level=level,
        remediation=f"How to fix {rule_id}.",
        tags=tags,
        package=f"fargate_preflight.rules.{rule_id.lower()}",
        path=f"policies/rules/{rule_id.lower()}_x/policy.rego",
        failing_example="Service:\n  Type: AWS::ECS::Service",
        passing_example="Service:\n  Type: AWS::ECS::Service\n  Properties: {}",
        shipped=True,
    )


RULES = (
    rule("FG201", "error", "Task in a public subnet without a public IP", ("routing",)),
    rule("FG404", "note", "Service uses the default security group", ("security-groups",)),
    rule("FG602", "warning", "Container without an init process", ("ecs-exec",)),
    rule("FG801", "note", "A verdict depends on an unknown value", ("coverage",)),
)

FG201 = Finding(
    rule_id="FG201",
    level="error",
    message="service Service cannot reach ecr.dkr: task subnet PrivateSubnetA -> route table "
    "PrivateRT: 0.0.0.0/0 -> igw InternetGateway, but assignPublicIp is DISABLED",
    fix="Set assignPublicIp to ENABLED.",
    resource="Service",
    service="Service",
    need="ecr.dkr",
    hop=Hop(
        from_="subnet PrivateSubnetA",
        via="route table PrivateRT",
        to="0.0.0.0/0 -> igw InternetGateway",
        detail="assignPublicIp is DISABLED",
    ),
    location=Location("templates/service.yaml", 42),
)
FG602 = Finding(
    rule_id="FG602",
    level="warning",
    message="container app of TaskDef has no initProcessEnabled",
    fix="Set linuxParameters.initProcessEnabled: true.",
    resource="TaskDef",
    service="Service",
    need=None,
    hop=None,
    location=Location("templates/service.yaml", 88),
)
FG801 = Finding(
    rule_id="FG801",
    level="note",
    message="Parameter VpcId has no default: FG202 for Service not decided",
    fix="Give VpcId a default or pass --parameter VpcId=vpc-0abc.",
    resource="VpcId",
    service=None,
    need=None,
    hop=None,
    location=Location("templates/network.yaml", 3),
)
SUPPRESSED = Finding(
    rule_id="FG404",
    level="note",
    message="service Service names no security groups",
    fix="List the service's security groups.",
    resource="Service",
    service="Service",
    need=None,
    hop=None,
    location=Location("templates/service.yaml", 50),
    suppressed=Suppression("inSource", "the default SG is locked down"),
)
LIVE = Finding(
    rule_id="FG201",
    level="error",
    message="service api cannot reach logs: no public IP",
    fix="Set assignPublicIp to ENABLED.",
    resource="arn:aws:ecs:us-east-1:123456789012:service/prod/api",
    service="arn:aws:ecs:us-east-1:123456789012:service/prod/api",
    need="logs",
    hop=None,
    location=Location(LIVE_FILE, 1),
)
BAD_INPUT = InputError("templates/broken.yaml", 7, "mapping values are not allowed here")

PATHS = (
    PathStep("Service", "ecr.api", "PrivateSubnetA", "interface endpoint EcrApiEndpoint", "ok"),
    PathStep("Service", "ecr.api", "PrivateSubnetB", "interface endpoint EcrApiEndpoint", "ok"),
    PathStep("Service", "ecr.dkr", "PrivateSubnetA", "internet gateway InternetGateway", "fail"),
    PathStep("Service", "ecr.dkr", "PrivateSubnetB", "NAT gateway NatGateway", "ok"),
    PathStep("Service", "logs", "PrivateSubnetA", "", "undecided"),
    PathStep("Service", "logs", "PrivateSubnetB", "", "undecided"),
)


def sample_report(**changes: object) -> Report:
    report = Report(
        findings=(FG602, SUPPRESSED, FG801, FG201),
        rules=RULES,
        errors=(BAD_INPUT,),
        paths=PATHS,
        services=("Service", "Worker"),
        tool_version="1.2.3",
    )
    return replace(report, **changes)  # type: ignore[arg-type]


def read_golden(path: Path, actual: str) -> str:
    """The golden file's text; with FP_UPDATE_GOLDEN=1, first rewrite it with `actual`."""
    if os.environ.get("FP_UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8", newline="\n")
    return path.read_text(encoding="utf-8")
