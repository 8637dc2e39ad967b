"""awslogs-create-group in a live scan: logs:CreateLogGroup is needed only when the group does not
exist (the driver creates it only when CreateLogStream finds none), so the exporter looks each
group up in its region (awslogs-region, else the task's) with logs:DescribeLogGroups.

Every service runs with an execution role that allows only logs:CreateLogStream and
logs:PutLogEvents, in a public subnet with a public IP (no other finding):
- `here`: its group exists in the task's region (two containers write to it);
- `there`: awslogs-region names another region, where its group exists;
- `prefix`: its group does not exist, a group whose name it prefixes does;
- `elsewhere`: its group exists only in another region than the task's, which it writes to.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_accounts import (
    TRUST,
    all_but,
    allow,
    fargate_task_definition,
    public_fargate_service,
    public_network,
)
from click.testing import CliRunner
from moto_server import Enforced, clients_at, enforcing_iam

from scanner.cli import main
from scanner.sources.aws.calls import CallCounter, Reader

REGION = "ap-northeast-1"
OTHER = "ap-southeast-2"
# A group each service writes to, and the awslogs-region it names (None: the task's region).
GROUPS: dict[str, tuple[str, str | None]] = {
    "here": ("/ecs/here", None),
    "there": ("/ecs/there", OTHER),
    "prefix": ("/ecs/her", None),
    "elsewhere": ("/ecs/there", None),
}
LOGS_ONLY = allow(["logs:CreateLogStream", "logs:PutLogEvents"], "*")


def build(region: str) -> dict[str, str]:
    """The account above, with default clients (call inside `clients_at`); the services' ARNs
    by name, and `account`."""
    ecs = boto3.client("ecs", region_name=region)
    iam = boto3.client("iam", region_name=region)
    boto3.client("logs", region_name=region).create_log_group(logGroupName="/ecs/here")
    boto3.client("logs", region_name=OTHER).create_log_group(logGroupName="/ecs/there")
    account: str = boto3.client("sts", region_name=region).get_caller_identity()["Account"]
    subnet, group = public_network(boto3.client("ec2", region_name=region), "10.7.0.0/16")
    role = iam.create_role(RoleName="logs-exec", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName="logs-exec", PolicyName="logs", PolicyDocument=LOGS_ONLY)
    ecs.create_cluster(clusterName="logs")
    built = {"account": account}
    for name, (log_group, log_region) in GROUPS.items():
        options = {
            "awslogs-group": log_group,
            "awslogs-create-group": "true",
            "awslogs-stream-prefix": name,
            **({"awslogs-region": log_region} if log_region else {}),
        }
        log = {"logDriver": "awslogs", "options": options}
        containers = [
            {"name": c, "image": "public.ecr.aws/x/app:1", "logConfiguration": log}
            for c in (["app", "sidecar"] if name == "here" else ["app"])
        ]
        definition = fargate_task_definition(
            ecs, name, containers, executionRoleArn=role["Role"]["Arn"]
        )
        built[name] = public_fargate_service(ecs, "logs", name, definition, subnet, group)
    return built


@pytest.fixture(scope="module")
def built(moto_url: str) -> dict[str, str]:
    with clients_at(moto_url):
        return build(REGION)


def scan(*flags: str) -> Any:
    args = ["scan-aws", "--region", REGION, "--format", "json", *flags]
    return CliRunner().invoke(main, args, catch_exceptions=False)


def tail(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def create_group_denial(account: str, service: str, group: str, region: str, c: str) -> Any:
    """(rule, service, message, fix) of the FG104 error for logs:CreateLogGroup."""
    role = f"arn:aws:iam::{account}:role/logs-exec"
    arn = f"arn:aws:logs:{region}:{account}:log-group:{group}:*"
    return (
        "FG104",
        service,
        f"service {service}: task definition "
        f"arn:aws:ecs:{REGION}:{account}:task-definition/{tail(service)}:1: execution role "
        f"{role} is not authorized to perform: logs:CreateLogGroup on resource: {arn} because "
        "no identity-based policy allows the logs:CreateLogGroup action (needed for awslogs log "
        f"group {group} (container {c}))",
        f"Allow logs:CreateLogGroup on {arn} for execution role {role}.",
    )


def findings(done: Any, rule: str = "FG104") -> list[Any]:
    return sorted(
        (f["rule_id"], f["service"], f["message"], f["fix"])
        for f in json.loads(done.stdout)["findings"]
        if f["rule_id"] == rule
    )


def test_a_group_that_exists_needs_no_create_log_group(built: dict[str, str], aws_env: Any) -> None:
    done = scan()
    assert done.exit_code == 1, done.output
    account = built["account"]
    # Only the services whose group is missing where they write: `/ecs/her` (a prefix of a
    # group that exists) and `/ecs/there` in the task's region (it exists in another).
    assert findings(done) == sorted(
        [
            create_group_denial(account, built["prefix"], "/ecs/her", REGION, "app"),
            create_group_denial(account, built["elsewhere"], "/ecs/there", REGION, "app"),
        ]
    )
    assert json.loads(done.stdout)["summary"] == {"error": 2, "warning": 0, "note": 0}
    # One lookup per group and region, not per container: four, for five containers.
    (notice,) = [line for line in done.stderr.splitlines() if line.startswith("notice: ")]
    assert "0 coverage gap(s)" in notice and " logs 4, " in notice


def test_the_model_marks_the_containers_whose_group_exists(
    built: dict[str, str], aws_env: Any
) -> None:
    done = CliRunner().invoke(main, ["export-aws", "--region", REGION], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    (model,) = json.loads(done.stdout)["models"]
    marked = {
        (tail(d["family"]), c["name"]): c.get("log_group_in_inputs", False)
        for d in model["task_definitions"].values()
        for c in d["containers"]
    }
    assert marked == {
        ("here", "app"): True,
        ("here", "sidecar"): True,
        ("there", "app"): True,
        ("prefix", "app"): False,
        ("elsewhere", "app"): False,
    }
    assert model["coverage_gaps"] == []


DENY_LOG_GROUPS = all_but("logs:DescribeLogGroups")


@pytest.fixture(scope="module")
def denied() -> Iterator[Enforced[dict[str, str]]]:
    """Its own server, enforcing IAM (as tests/aws/test_coverage_gaps.py): the account above
    and a scanning role `scanner` that may not call logs:DescribeLogGroups."""
    with enforcing_iam(lambda: build(REGION), {"scanner": DENY_LOG_GROUPS}) as enforced:
        yield enforced


def test_a_denied_lookup_leaves_create_log_group_undecided(
    denied: Enforced[dict[str, str]], aws_env: Any, monkeypatch: Any
) -> None:
    built = denied.built
    denied.use(monkeypatch)
    done = scan("--role-arn", denied.role("scanner"))
    # Whether the groups exist is not known, so neither is whether logs:CreateLogGroup is
    # needed: no FG104 error (the roles allow the rest), ...
    assert done.exit_code == 0, done.output
    assert findings(done) == []
    # ... but a note per region the groups are in says which lookup was refused, and which
    # services' FG104 it leaves undecided.
    notes = {
        f["resource"]: f for f in json.loads(done.stdout)["findings"] if f["rule_id"] == "FG801"
    }
    account = built["account"]
    gaps = [f"logs:DescribeLogGroups in account {account} region {r}" for r in (REGION, OTHER)]
    # (moto 5.2.5 refuses EventBridge Scheduler calls once it enforces IAM: test_coverage_gaps)
    scheduler = f"scheduler:ListSchedules in account {account} region {REGION}"
    assert sorted(notes) == sorted([*gaps, scheduler])
    blocked = {
        REGION: sorted(built[s] for s in ("elsewhere", "here", "prefix")),
        OTHER: [built["there"]],
    }
    for gap, region in zip(gaps, (REGION, OTHER), strict=True):
        note = notes[gap]
        assert note["location"]["file"] == f"aws://{account}/{region}/logs:DescribeLogGroups"
        assert note["message"].startswith(f"{gap} is not settled (whether log group /ecs/")
        assert "is not authorized to perform: logs:DescribeLogGroups" in note["message"]
        services = blocked[region]
        tail_text = (
            f"for service {services[0]}"
            if len(services) == 1
            else f"for services {', '.join(services)}"
        )
        assert note["message"].endswith(f"): it blocks FG104 {tail_text}")
        assert note["fix"] == (
            "Allow logs:DescribeLogGroups to the scanning role "
            "(docs/examples/iam-readonly-policy.json), or scan again if it was throttled."
        )
    # One refused lookup per region: the other groups of the region are not asked for.
    (notice,) = [line for line in done.stderr.splitlines() if line.startswith("notice: ")]
    assert "3 coverage gap(s)" in notice and " logs 2, " in notice


def test_a_region_botocore_rejects_is_a_gap_not_a_crash() -> None:
    # An awslogs-region that is no region name fails when its client is made, before any call.
    reader = Reader(boto3.Session(), "123456789012", "eu-west-1", CallCounter())
    nowhere = reader.elsewhere("not a region")
    assert nowhere.first("logs", "DescribeLogGroups", "logGroups", logGroupNamePrefix="/x") is None
    (gap,) = reader.gaps
    assert (gap.api, gap.region) == ("logs:DescribeLogGroups", "not a region")
    assert gap.error.startswith("InvalidRegionError: Provided region_name 'not a region'")
