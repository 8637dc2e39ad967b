"""The KMS keys of a task's secrets in a live scan: the exporter reads each secret and SecureString
parameter a task definition names (secretsmanager:DescribeSecret, ssm:DescribeParameters) and
the key policy of its customer managed key (kms:DescribeKey, kms:GetKeyPolicy), so FG105 checks
the execution role's kms:Decrypt as for a template's.

One public subnet and one cluster; one Fargate service per case, all with the execution role
`secrets-exec`, whose IAM policy allows secretsmanager:GetSecretValue and ssm:GetParameters on
everything, and kms:Decrypt on the key `open` only:
- `open`: a secret encrypted with `open`, whose key policy lets IAM policies decide: no finding;
- `locked`: a secret encrypted with `locked` (named by an alias), whose key policy names only
  another role: FG105 (before: no finding);
- `token`: a SecureString parameter named by its name, encrypted with `locked`: FG105;
- `managed`: a secret with the AWS managed key, `plain`: a String parameter, and `missing`: a
  secret that does not exist (DescribeSecret's ResourceNotFoundException, not a gap): no finding.

Refused DescribeSecret and DescribeParameters leave the keys unknown: FG801 notes that block
FG105, no error. moto's DescribeParameters answers without the parameter's ARN: the exporter
builds it from the name as AWS writes it.
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
    fargate_task_definition,
    public_fargate_service,
    public_network,
)
from click.testing import CliRunner
from moto_server import Enforced, clients_at, enforcing_iam

from scanner.cli import main
from scanner.sources.aws import secrets as live_secrets

REGION = "ap-southeast-2"
CASES = ("open", "locked", "token", "managed", "plain", "missing")


def key_policy(principal: str) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "kms:*",
        "Resource": "*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def build() -> dict[str, str]:
    """The account above (call inside `clients_at`): services' ARNs by case, `account`, the
    keys' ARNs as `key:<name>`, the secrets' as `secret:<case>`."""
    ec2 = boto3.client("ec2", region_name=REGION)
    ecs = boto3.client("ecs", region_name=REGION)
    iam = boto3.client("iam", region_name=REGION)
    kms = boto3.client("kms", region_name=REGION)
    sm = boto3.client("secretsmanager", region_name=REGION)
    ssm = boto3.client("ssm", region_name=REGION)
    account: str = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
    subnet, group = public_network(ec2, "10.12.0.0/16")
    built = {"account": account}
    root = f"arn:aws:iam::{account}:root"
    for name, principal in (("open", root), ("locked", f"arn:aws:iam::{account}:role/admin")):
        built[f"key:{name}"] = kms.create_key(Policy=key_policy(principal))["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/locked-secrets", TargetKeyId=built["key:locked"])
    for name, key in (
        ("open", built["key:open"]),
        ("locked", "alias/locked-secrets"),
        ("managed", None),
    ):
        extra = {"KmsKeyId": key} if key else {}
        built[f"secret:{name}"] = sm.create_secret(Name=f"app/{name}", SecretString="x", **extra)[
            "ARN"
        ]
    key_id = built["key:locked"].rsplit("/", 1)[-1]
    ssm.put_parameter(Name="/app/token", Value="x", Type="SecureString", KeyId=key_id)
    ssm.put_parameter(Name="/app/plain", Value="x", Type="String")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "ssm:GetParameters"],
                "Resource": "*",
            },
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": built["key:open"]},
        ],
    }
    role = iam.create_role(RoleName="secrets-exec", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(
        RoleName="secrets-exec", PolicyName="secrets", PolicyDocument=json.dumps(policy)
    )
    ecs.create_cluster(clusterName="secrets")
    value_from = {
        "open": built["secret:open"],
        "locked": built["secret:locked"],
        "managed": built["secret:managed"],
        "token": "/app/token",
        "plain": f"arn:aws:ssm:{REGION}:{account}:parameter/app/plain",
        "missing": f"arn:aws:secretsmanager:{REGION}:{account}:secret:app/gone-AbCdEf",
    }
    for name in CASES:
        app = {
            "name": "app",
            "image": "public.ecr.aws/x/app:1",
            "secrets": [{"name": "SECRET", "valueFrom": value_from[name]}],
        }
        definition = fargate_task_definition(
            ecs, f"secrets-{name}", [app], executionRoleArn=role["Role"]["Arn"]
        )
        built[name] = public_fargate_service(ecs, "secrets", name, definition, subnet, group)
    return built


@pytest.fixture(scope="module")
def built(moto_url: str) -> dict[str, str]:
    with clients_at(moto_url):
        return build()


def run(command: str, *flags: str) -> Any:
    return CliRunner().invoke(main, [command, "--region", REGION, *flags], catch_exceptions=False)


def findings(done: Any) -> list[tuple[str, str, str]]:
    """(rule, service, message) of FG105 and FG801."""
    return sorted(
        (f["rule_id"], f["service"], f["message"])
        for f in json.loads(done.stdout)["findings"]
        if f["rule_id"] in ("FG105", "FG801")
    )


def denial(built: dict[str, str], name: str, what: str) -> tuple[str, str, str]:
    account = built["account"]
    td = f"arn:aws:ecs:{REGION}:{account}:task-definition/secrets-{name}:1"
    role = f"arn:aws:iam::{account}:role/secrets-exec"
    key = built["key:locked"]
    return (
        "FG105",
        built[name],
        f"service {built[name]}: task definition {td}: execution role {role} is not authorized to "
        f"perform: kms:Decrypt on resource: {key} because no resource-based policy allows the "
        f"kms:Decrypt action (needed for secret SECRET (container app), whose {what} is encrypted "
        f"with KMS key {key})",
    )


def test_the_secrets_keys_decide(built: dict[str, str], aws_env: Any) -> None:
    done = run("scan-aws", "--format", "json")
    assert done.exit_code == 1, done.output
    token = f"arn:aws:ssm:{REGION}:{built['account']}:parameter/app/token"
    assert findings(done) == sorted(
        [
            denial(built, "locked", f"Secrets Manager secret {built['secret:locked']}"),
            denial(built, "token", f"SSM parameter {token}"),
        ]
    )
    # One DescribeSecret per secret (4), one DescribeParameters per parameter (2); DescribeKey
    # and GetKeyPolicy for `open`, the alias and the id of `locked` (the AWS managed key of
    # `managed` is not asked for).
    (notice,) = [line for line in done.stderr.splitlines() if line.startswith("notice: ")]
    assert "0 coverage gap(s)" in notice
    assert " kms 6, " in notice and " secretsmanager 4, " in notice and " ssm 2" in notice


def test_without_the_secrets_the_keys_are_not_checked(
    built: dict[str, str], aws_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a live scan found before: nothing (FG105 checked GetSecretValue only).
    monkeypatch.setattr(live_secrets, "export", lambda reader, fragment: None)
    done = run("scan-aws", "--format", "json")
    assert findings(done) == []


def test_the_model_has_the_secrets_and_their_keys(built: dict[str, str], aws_env: Any) -> None:
    done = run("export-aws")
    assert done.exit_code == 0, done.output
    (model,) = json.loads(done.stdout)["models"]
    token = f"arn:aws:ssm:{REGION}:{built['account']}:parameter/app/token"
    secrets = {arn: (s["service"], s["kms_key_id"]) for arn, s in model["secrets"].items()}
    # the alias and the key id are the key's ARN; the AWS managed key is none; a String
    # parameter is not encrypted
    assert secrets == {
        built["secret:open"]: ("secretsmanager", built["key:open"]),
        built["secret:locked"]: ("secretsmanager", built["key:locked"]),
        built["secret:managed"]: ("secretsmanager", None),
        token: ("ssm", built["key:locked"]),
    }
    assert sorted(model["kms_keys"]) == sorted([built["key:open"], built["key:locked"]])
    assert model["coverage_gaps"] == []


@pytest.fixture(scope="module")
def denied() -> Iterator[Enforced[dict[str, str]]]:
    """Its own server, enforcing IAM (as tests/aws/test_exec_kms.py): the account above and the
    scanning role `no-secrets` (denied secretsmanager:DescribeSecret and
    ssm:DescribeParameters), assumed with a user's keys."""
    policy = all_but("secretsmanager:DescribeSecret", "ssm:DescribeParameters")
    with enforcing_iam(build, {"no-secrets": policy}) as account:
        yield account


def test_refused_reads_leave_fg105_undecided(
    denied: Enforced[dict[str, str]], aws_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = denied.built
    denied.use(monkeypatch)
    done = run("scan-aws", "--format", "json", "--role-arn", denied.role("no-secrets"))
    assert done.exit_code == 0, done.output
    got = findings(done)
    # No FG105 is guessed: each key is the refused call's unknown, one note per gap (and one
    # for Scheduler, whose refusal moto answers in XML, as in tests/aws/test_exec_kms.py).
    assert {rule for rule, _, _ in got} == {"FG801"}
    assert len([m for _, _, m in got if "blocks FG105" in m]) == 2
    account = built["account"]
    for api, blocked in (
        (
            "secretsmanager:DescribeSecret",
            [built["locked"], built["managed"], built["missing"], built["open"]],
        ),
        ("ssm:DescribeParameters", [built["plain"], built["token"]]),
    ):
        gap = f"{api} in account {account} region {REGION}"
        (message,) = [m for _, _, m in got if m.startswith(f"{gap} is not settled")]
        assert message.endswith(f"it blocks FG105 for services {', '.join(sorted(blocked))}"), (
            message
        )
