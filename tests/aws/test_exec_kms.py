"""ECS Exec's KMS key and log group in a live scan: the exporter reads the key policy of the key
a cluster's executeCommandConfiguration names (kms:DescribeKey, kms:GetKeyPolicy) and the log
group it logs to (logs:DescribeLogGroups), so FG605 and FG606 decide as for a template's.

One public subnet (no network finding; FG703, no log configuration, is left out below); one
cluster and one Fargate service with ECS Exec per case, all with the task role `exec-task`,
whose IAM policy allows ssmmessages and CloudWatch Logs but not kms:Decrypt:
- `granted`: the key (named by an alias) has a key policy that grants the task role
  kms:Decrypt itself: no finding (before: FG605, from the IAM policy alone);
- `rooted`: the key policy has only the account root statement (IAM policies decide): FG605;
- `plain`: logging requires encryption (cloudWatchEncryptionEnabled) to `/exec/plain`, which
  has no KMS key: FG606;
- `sealed`: the same to `/exec/sealed`, which has one: no finding.

Refused calls: GetKeyPolicy leaves FG605 undecided (the key policy is the gap's unknown), a
refused DescribeLogGroups FG606; a refused DescribeKey leaves the key out (the IAM policies
alone decide, as before). moto keeps no `enableExecuteCommand` (tests/fixtures/aws/README.md):
the tests set it on what DescribeServices answers.
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
from scanner.sources.aws import ecs as live_ecs
from scanner.sources.aws import kms as live_kms

REGION = "eu-west-2"
ALIAS = "alias/exec-granted"
TASK_POLICY = allow(["ssmmessages:*", "logs:*"], "*")


def key_policy(account: str, *grants: str) -> str:
    root = {
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    granted = [
        {"Effect": "Allow", "Principal": {"AWS": g}, "Action": "kms:Decrypt", "Resource": "*"}
        for g in grants
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": [root, *granted]})


def build() -> dict[str, str]:
    """The account above (call inside `clients_at`): services' ARNs by name, `account`, the keys'
    ARNs as `key:<case>`."""
    ecs = boto3.client("ecs", region_name=REGION)
    iam = boto3.client("iam", region_name=REGION)
    kms = boto3.client("kms", region_name=REGION)
    logs = boto3.client("logs", region_name=REGION)
    account: str = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
    subnet, group = public_network(boto3.client("ec2", region_name=REGION), "10.11.0.0/16")
    role = iam.create_role(RoleName="exec-task", AssumeRolePolicyDocument=json.dumps(TRUST))
    role_arn = role["Role"]["Arn"]
    iam.put_role_policy(RoleName="exec-task", PolicyName="exec", PolicyDocument=TASK_POLICY)
    built = {"account": account}
    for name, grants in (("granted", [role_arn]), ("rooted", []), ("logs", [])):
        key = kms.create_key(Policy=key_policy(account, *grants))["KeyMetadata"]
        built[f"key:{name}"] = key["Arn"]
    kms.create_alias(AliasName=ALIAS, TargetKeyId=built["key:granted"])
    logs.create_log_group(logGroupName="/exec/plain")
    logs.create_log_group(logGroupName="/exec/sealed", kmsKeyId=built["key:logs"])
    app = {
        "name": "app",
        "image": "public.ecr.aws/x/app:1",
        "linuxParameters": {"initProcessEnabled": True},
    }
    definition = fargate_task_definition(ecs, "exec", [app], taskRoleArn=role_arn)
    configs: dict[str, dict[str, Any]] = {
        "granted": {"kmsKeyId": ALIAS, "logging": "DEFAULT"},
        "rooted": {"kmsKeyId": built["key:rooted"], "logging": "DEFAULT"},
    }
    for name in ("plain", "sealed"):
        log = {"cloudWatchLogGroupName": f"/exec/{name}", "cloudWatchEncryptionEnabled": True}
        configs[name] = {"logging": "OVERRIDE", "logConfiguration": log}
    for name, config in configs.items():
        ecs.create_cluster(clusterName=name, configuration={"executeCommandConfiguration": config})
        built[name] = public_fargate_service(ecs, name, name, definition, subnet, group)
    return built


@pytest.fixture(scope="module")
def built(moto_url: str) -> dict[str, str]:
    with clients_at(moto_url):
        return build()


@pytest.fixture
def exec_on(monkeypatch: pytest.MonkeyPatch) -> None:
    runners = live_ecs._runners
    monkeypatch.setattr(
        live_ecs, "_runners", lambda s: runners({**s, "enableExecuteCommand": True})
    )


def run(command: str, *flags: str) -> Any:
    args = [command, "--region", REGION, *flags]
    return CliRunner().invoke(main, args, catch_exceptions=False)


EXEC_RULES = ("FG605", "FG606", "FG801")


def findings(done: Any) -> list[tuple[str, str, str]]:
    """(rule, service, message) of the exec rules' findings and notes."""
    return sorted(
        (f["rule_id"], f["service"], f["message"])
        for f in json.loads(done.stdout)["findings"]
        if f["rule_id"] in EXEC_RULES
    )


def subject(built: dict[str, str], name: str) -> str:
    td = f"arn:aws:ecs:{REGION}:{built['account']}:task-definition/exec:1"
    return f"service {built[name]}: task definition {td}"


def decrypt_denial(
    built: dict[str, str], name: str, named: str | None = None
) -> tuple[str, str, str]:
    """FG605 for the key of cluster `name`, as the cluster names it (`named`: its alias, which
    names some key of the account that only AWS settles) or as the model has it (its ARN)."""
    key, role = built[f"key:{name}"], f"arn:aws:iam::{built['account']}:role/exec-task"
    resource = f"arn:aws:kms:{REGION}:{built['account']}:key/*" if named else key
    return (
        "FG605",
        built[name],
        f"{subject(built, name)}: task role {role} is not authorized to perform: kms:Decrypt on "
        f"resource: {resource} because no identity-based policy allows the kms:Decrypt action "
        f"(needed for the cluster's ECS Exec KMS key {named or key})",
    )


def unencrypted(built: dict[str, str]) -> tuple[str, str, str]:
    group = f"arn:aws:logs:{REGION}:{built['account']}:log-group:/exec/plain"
    return (
        "FG606",
        built["plain"],
        f"{subject(built, 'plain')}: the cluster's ECS Exec logging requires an encrypted log "
        f"group (cloudWatchEncryptionEnabled), but log group {group} has no KMS key, so the SSM "
        'agent refuses every session ("encryption is not set up on the selected CloudWatch Logs '
        'log group")',
    )


def test_the_key_policy_and_the_log_group_decide(
    built: dict[str, str], aws_env: Any, exec_on: None
) -> None:
    done = run("scan-aws", "--format", "json")
    assert done.exit_code == 1, done.output
    # `granted`: its key policy grants the task role kms:Decrypt, so no FG605 although the
    # role's IAM policy does not; `sealed`'s log group has a key, so no FG606.
    assert findings(done) == sorted([decrypt_denial(built, "rooted"), unencrypted(built)])
    # Two DescribeKey and two GetKeyPolicy (the log group's key is not read), one
    # DescribeLogGroups per exec log group.
    (notice,) = [line for line in done.stderr.splitlines() if line.startswith("notice: ")]
    assert "0 coverage gap(s)" in notice and " kms 4, logs 2, " in notice


def test_without_the_key_policy_the_iam_policies_alone_decide(
    built: dict[str, str], aws_env: Any, exec_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a live scan found before the key policies were read: FG605 on `granted` too.
    monkeypatch.setattr(live_kms, "export", lambda reader, fragment: None)
    done = run("scan-aws", "--format", "json")
    assert done.exit_code == 1, done.output
    assert findings(done) == sorted(
        [
            decrypt_denial(built, "granted", ALIAS),
            decrypt_denial(built, "rooted"),
            unencrypted(built),
        ]
    )


def test_the_model_has_the_keys_and_groups_the_clusters_name(
    built: dict[str, str], aws_env: Any
) -> None:
    done = run("export-aws")
    assert done.exit_code == 0, done.output
    (model,) = json.loads(done.stdout)["models"]
    account = built["account"]
    granted, rooted = built["key:granted"], built["key:rooted"]
    role = f"arn:aws:iam::{account}:role/exec-task"
    assert model["kms_keys"] == {
        arn: {
            "id": arn,
            "name": arn,
            "source": {
                "file": f"aws://{account}/{REGION}/kms/key/{arn.rsplit('/', 1)[-1]}",
                "line": 1,
                "pointer": "",
            },
            "arn": arn,
            "policy": json.loads(key_policy(account, *grants)),
        }
        for arn, grants in ((granted, [role]), (rooted, []))
    }
    # The alias is the key's ARN in the model (KMS authorizes kms:Decrypt on the key).
    clusters = {c["name"].rsplit("/", 1)[-1]: c for c in model["clusters"].values()}
    assert clusters["granted"]["execute_command_configuration"]["kmsKeyId"] == granted
    groups = {name: (g["group_name"], g["kms_key_id"]) for name, g in model["log_groups"].items()}
    prefix = f"arn:aws:logs:{REGION}:{account}:log-group:"
    assert groups == {
        f"{prefix}/exec/plain": ("/exec/plain", None),
        f"{prefix}/exec/sealed": ("/exec/sealed", built["key:logs"]),
    }
    assert model["coverage_gaps"] == []


def test_logging_is_read_in_any_case(moto_url: str, aws_env: Any, exec_on: None) -> None:
    # The ECS API answers OVERRIDE, but the exporter takes any case, as the policies do: a
    # `logging` of "override" (which moto keeps as given) still has its log group read, and
    # FG606 found. Before, the group was not looked up, so FG606 had nothing to check.
    region = "eu-south-1"
    with clients_at(moto_url):
        logs = boto3.client("logs", region_name=region)
        logs.create_log_group(logGroupName="/exec/lower")
        ecs = boto3.client("ecs", region_name=region)
        subnet, group = public_network(boto3.client("ec2", region_name=region), "10.12.0.0/16")
        log = {"cloudWatchLogGroupName": "/exec/lower", "cloudWatchEncryptionEnabled": True}
        config = {"logging": "override", "logConfiguration": log}
        ecs.create_cluster(
            clusterName="lower", configuration={"executeCommandConfiguration": config}
        )
        app = {"name": "app", "image": "public.ecr.aws/x/app:1"}
        definition = fargate_task_definition(ecs, "lower", [app])
        service = public_fargate_service(ecs, "lower", "lower", definition, subnet, group)
    args = ["scan-aws", "--region", region, "--format", "json"]
    done = CliRunner().invoke(main, args, catch_exceptions=False)
    assert done.exit_code == 1, done.output
    arn = f"arn:aws:logs:{region}:123456789012:log-group:/exec/lower"
    assert [
        (f["rule_id"], f["service"], f["resource"])
        for f in json.loads(done.stdout)["findings"]
        if f["rule_id"] in ("FG606", "FG801")  # (and FG605: the task definition has no task role)
    ] == [("FG606", service, arn)]


@pytest.fixture(scope="module")
def denied() -> Iterator[Enforced[dict[str, str]]]:
    """Its own server, enforcing IAM (as tests/aws/test_coverage_gaps.py): the account above and
    the scanning roles `no-key-policy` (denied kms:GetKeyPolicy and logs:DescribeLogGroups) and
    `no-keys` (denied kms:DescribeKey)."""
    roles = {
        "no-key-policy": all_but("kms:GetKeyPolicy", "logs:DescribeLogGroups"),
        "no-keys": all_but("kms:DescribeKey"),
    }
    with enforcing_iam(build, roles) as enforced:
        yield enforced


def scan_as(denied: Enforced[dict[str, str]], role: str, monkeypatch: Any) -> Any:
    denied.use(monkeypatch)
    return run("scan-aws", "--format", "json", "--role-arn", denied.role(role))


def test_a_key_policy_that_could_not_be_read_leaves_fg605_undecided(
    denied: Enforced[dict[str, str]], aws_env: Any, exec_on: None, monkeypatch: Any
) -> None:
    built = denied.built
    account = built["account"]
    done = scan_as(denied, "no-key-policy", monkeypatch)
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)["findings"]
    got = {f["resource"]: f for f in report if f["rule_id"] in EXEC_RULES}
    # Neither FG605 nor FG606 is guessed: each key policy, and the exec log groups, are the
    # refused calls' unknowns, with a note naming the services they block.
    assert {f["rule_id"] for f in got.values()} == {"FG801"}
    gap = f"kms:GetKeyPolicy in account {account} region {REGION}"
    logs_gap = f"logs:DescribeLogGroups in account {account} region {REGION}"
    scheduler = f"scheduler:ListSchedules in account {account} region {REGION}"
    assert sorted(got) == sorted([gap, logs_gap, scheduler])
    # (One note per gap, naming the first value it leaves unknown: moto answers this JSON API's
    # refusal in XML, as it does Scheduler's.)
    keys = (built["key:granted"], built["key:rooted"])
    message = got[gap]["message"]
    assert any(
        message.startswith(f"{gap} is not settled (the key policy of KMS key {k} is not known")
        for k in keys
    ), message
    assert "is not authorized to perform: kms:GetKeyPolicy" in message
    assert message.endswith(f"it blocks FG605 for services {built['granted']}, {built['rooted']}")
    message = got[logs_gap]["message"]
    assert message.startswith(
        f"{logs_gap} is not settled (the KMS key of log group /exec/plain is not known"
    )
    assert message.endswith(f"it blocks FG606 for services {built['plain']}, {built['sealed']}")


def test_a_key_that_could_not_be_described_falls_back_to_the_iam_policies(
    denied: Enforced[dict[str, str]], aws_env: Any, exec_on: None, monkeypatch: Any
) -> None:
    built = denied.built
    done = scan_as(denied, "no-keys", monkeypatch)
    assert done.exit_code == 1, done.output
    # The keys are not in the model: the task role's IAM policies alone decide, as before,
    # and the refused call is its own note.
    got = findings(done)
    assert [g for g in got if g[0] != "FG801"] == sorted(
        [
            decrypt_denial(built, "granted", ALIAS),
            decrypt_denial(built, "rooted"),
            unencrypted(built),
        ]
    )
    gap = f"kms:DescribeKey in account {built['account']} region {REGION}"
    assert any(r == "FG801" and gap in m for r, _, m in got), got
