"""The roles a live scan reads, and the account it knows (field test 16, defects 1-3).

One public subnet (internet gateway, public IP: no network finding), one Fargate service per
case, each writing with awslogs to its own group `/ecs/<service>` with an execution role:
- `own`: `logs-here`, allowed to write to the group in the scanned account: no finding;
- `elsewhere`: `logs-there`, allowed to write only to the group of account 999999999999: FG104
  (the driver writes to the group in the task's own account);
- `foreign`: names `logs-here` by an ARN of account 999999999999: not the scanned account's
  role (before: its policies were filed under that ARN, and the scan passed);
- `pathed`: names `logs-here` at path `/ecs/`, where the account's role is at `/`: not that role;
- `gone`: names `no-such-role`, which the account does not have: FG107, no task can start.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
import pytest
from aws_accounts import (
    TRUST,
    allow,
    fargate_task_definition,
    public_fargate_service,
    public_network,
)
from click.testing import CliRunner
from moto_server import clients_at

from scanner.cli import main

REGION = "ap-northeast-2"
OTHER_ACCOUNT = "999999999999"


def logs_policy(account: str) -> str:
    resource = f"arn:aws:logs:{REGION}:{account}:log-group:/ecs/*"
    return allow(["logs:CreateLogStream", "logs:PutLogEvents"], resource)


def build() -> dict[str, str]:
    """The account above (call inside `clients_at`): the services' ARNs by name, `account`."""
    ecs = boto3.client("ecs", region_name=REGION)
    iam = boto3.client("iam", region_name=REGION)
    account: str = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
    subnet, group = public_network(boto3.client("ec2", region_name=REGION), "10.9.0.0/16")
    for name, logs_account in (("logs-here", account), ("logs-there", OTHER_ACCOUNT)):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.put_role_policy(
            RoleName=name, PolicyName="logs", PolicyDocument=logs_policy(logs_account)
        )
    roles = {
        "own": f"arn:aws:iam::{account}:role/logs-here",
        "elsewhere": f"arn:aws:iam::{account}:role/logs-there",
        "foreign": f"arn:aws:iam::{OTHER_ACCOUNT}:role/logs-here",
        "pathed": f"arn:aws:iam::{account}:role/ecs/logs-here",
        "gone": f"arn:aws:iam::{account}:role/no-such-role",
    }
    ecs.create_cluster(clusterName="roles")
    built = {"account": account}
    for name, role in roles.items():
        options = {"awslogs-group": f"/ecs/{name}", "awslogs-stream-prefix": name}
        app = {
            "name": "app",
            "image": "public.ecr.aws/x/app:1",
            "logConfiguration": {"logDriver": "awslogs", "options": options},
        }
        definition = fargate_task_definition(ecs, name, [app], executionRoleArn=role)
        built[name] = public_fargate_service(ecs, "roles", name, definition, subnet, group)
    return built


@pytest.fixture(scope="module")
def built(moto_url: str) -> dict[str, str]:
    with clients_at(moto_url):
        return build()


def run(command: str, *flags: str) -> Any:
    args = [command, "--region", REGION, *flags]
    return CliRunner().invoke(main, args, catch_exceptions=False)


def test_the_findings_of_each_role(
    built: dict[str, str], aws_env: Any, opa_binary: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = run("scan-aws", "--format", "json")
    assert done.exit_code == 1, done.output
    report = json.loads(done.stdout)
    account = built["account"]
    got = sorted(
        (f["rule_id"], f["level"], f["service"], f["resource"], f["message"], f["fix"])
        for f in report["findings"]
    )

    def subject(name: str) -> str:
        td = f"arn:aws:ecs:{REGION}:{account}:task-definition/{name}:1"
        return f"service {built[name]}: task definition {td}"

    there = f"arn:aws:iam::{account}:role/logs-there"
    streams = f"arn:aws:logs:{REGION}:{account}:log-group:/ecs/elsewhere:log-stream:elsewhere/app/*"
    gone = f"arn:aws:iam::{account}:role/no-such-role"

    def outside(name: str, role: str) -> tuple[str, ...]:
        return (
            "FG801",
            "note",
            built[name],
            f"IAM role {role}",
            f"IAM role {role} is not settled (IAM role {role} is not in the scanned inputs): "
            f"it blocks FG104 for service {built[name]}",
            "Scan the account and region that hold it too (--region, --org-role), or check it "
            "by hand: this scan did not read it.",
        )

    assert got == sorted(
        [
            (
                "FG104",
                "error",
                built["elsewhere"],
                there,
                f"{subject('elsewhere')}: execution role {there} is not authorized to perform: "
                f"logs:CreateLogStream, logs:PutLogEvents on resource: {streams} because no "
                "identity-based policy allows these actions (needed for awslogs log group "
                "/ecs/elsewhere (container app))",
                f"Allow logs:CreateLogStream, logs:PutLogEvents on "
                f"arn:aws:logs:{REGION}:{account}:log-group:/ecs/elsewhere:* for execution role "
                f"{there}.",
            ),
            outside("foreign", f"arn:aws:iam::{OTHER_ACCOUNT}:role/logs-here"),
            outside("pathed", f"arn:aws:iam::{account}:role/ecs/logs-here"),
            (
                "FG107",
                "error",
                built["gone"],
                gone,
                f"{subject('gone')}: execution role {gone} cannot be assumed by "
                f"ecs-tasks.amazonaws.com: it does not exist in account {account} "
                "(iam:GetRole: NoSuchEntity), so no task can start",
                f"Create role {gone}, trusting ecs-tasks.amazonaws.com, or name an existing "
                "role in the task definition.",
            ),
        ]
    )
    (nonexistent,) = [f for f in report["findings"] if f["rule_id"] == "FG107"]
    assert nonexistent["location"]["file"] == f"aws://{account}/global/iam/role/no-such-role"
    # The same report from a real OPA server.
    monkeypatch.setenv("PATH", f"{os.path.dirname(opa_binary)}{os.pathsep}{os.environ['PATH']}")
    opa = run("scan-aws", "--format", "json", "--engine", "opa")
    assert opa.exit_code == 1, opa.output
    assert json.loads(opa.stdout) == report


def test_the_model_says_the_account_and_reads_only_its_roles(
    built: dict[str, str], aws_env: Any
) -> None:
    done = run("export-aws")
    assert done.exit_code == 0, done.output
    (model,) = json.loads(done.stdout)["models"]
    account = built["account"]
    assert (model["account"], model["region"]) == (account, REGION)
    assert model["coverage_gaps"] == []
    # The scanned account's roles only, each under its own ARN; a role GetRole did not find
    # is there as one that does not exist.
    assert sorted(model["roles"]) == [
        f"arn:aws:iam::{account}:role/logs-here",
        f"arn:aws:iam::{account}:role/logs-there",
        f"arn:aws:iam::{account}:role/no-such-role",
    ]
    assert [arn for arn, r in model["roles"].items() if r.get("exists") is False] == [
        f"arn:aws:iam::{account}:role/no-such-role"
    ]
