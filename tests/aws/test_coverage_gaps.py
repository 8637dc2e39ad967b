"""A call the server really refuses becomes a coverage gap (FG801) and the scan goes on.

moto enforces IAM only when asked: this test runs its own server, builds the account, creates
a scanning role whose policy allows everything but denies ec2:DescribeNatGateways, then turns
enforcement on (`/moto-api/reset-auth`) and scans through `--role-arn` with a user's keys. The
AccessDenied comes from moto's own policy evaluation, not from us.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_accounts import (
    EXECUTION_POLICY,
    TRUST,
    Built,
    all_but,
    allow,
    build_account,
    fargate_service,
    fargate_task_definition,
)
from click.testing import CliRunner
from moto_server import Enforced, enforcing_iam

from scanner.cli import main

REGION = "ca-central-1"
DENY_NAT = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "ec2:DescribeNatGateways", "Resource": "*"},
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/Blocked"},
    ],
}


# Roles that cannot read the documents of IAM policies, or list a role's inline policies: what
# the policies allow is then unknown, never "nothing".
DENY_DOCUMENTS = all_but("iam:GetRolePolicy", "iam:GetPolicyVersion")
DENY_INLINE_LIST = all_but("iam:ListRolePolicies")
DENY_CLUSTERS = all_but("ecs:ListClusters")
DENY_ENDPOINTS = all_but("ec2:DescribeVpcEndpoints")
DENY_GET_ROLE = all_but("iam:GetRole")
DENY_TASK_DEFINITIONS = all_but("ecs:DescribeTaskDefinition")


# The account, and a member account of its Organization whose role `Blocked` may not be assumed.
Account = Enforced[tuple[Built, str]]


def build() -> tuple[Built, str]:
    built = build_account(REGION)
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(AccountName="blocked", Email="blocked@example.com")
    build_secrets_service(built)
    return built, member["CreateAccountStatus"]["AccountId"]


@pytest.fixture(scope="module")
def enforced() -> Iterator[Account]:
    roles = {
        "scanner": DENY_NAT,
        "no-endpoints": DENY_ENDPOINTS,
        "no-documents": DENY_DOCUMENTS,
        "no-inline-list": DENY_INLINE_LIST,
        "no-clusters": DENY_CLUSTERS,
        "no-get-role": DENY_GET_ROLE,
        "no-task-definitions": DENY_TASK_DEFINITIONS,
    }
    with enforcing_iam(build, roles) as account:
        yield account


SECRETS_CLUSTER = "secrets"


def build_secrets_service(built: Built) -> None:
    """A working service in cluster `secrets` (the healthy NAT subnet) whose execution role
    may read its secret through an inline policy and its parameter through a customer-managed
    policy: its only IAM checks are the ones those two documents settle."""
    iam = boto3.client("iam", region_name=REGION)
    ecs = boto3.client("ecs", region_name=REGION)
    account = built.account
    secret = f"arn:aws:secretsmanager:{REGION}:{account}:secret:db-AbCdEf"
    parameter = f"arn:aws:ssm:{REGION}:{account}:parameter/app/token"
    iam.create_role(RoleName="vault-exec", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.attach_role_policy(RoleName="vault-exec", PolicyArn=EXECUTION_POLICY)

    iam.put_role_policy(
        RoleName="vault-exec",
        PolicyName="secret",
        PolicyDocument=allow("secretsmanager:GetSecretValue", secret),
    )
    managed = iam.create_policy(
        PolicyName="vault-parameters", PolicyDocument=allow("ssm:GetParameters", parameter)
    )["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="vault-exec", PolicyArn=managed)
    ecs.create_cluster(clusterName=SECRETS_CLUSTER)
    vault = {
        "name": "vault",
        "image": f"{account}.dkr.ecr.{REGION}.amazonaws.com/vault:1",
        "essential": True,
        "secrets": [
            {"name": "DB", "valueFrom": secret},
            {"name": "TOKEN", "valueFrom": parameter},
        ],
    }
    execution = f"arn:aws:iam::{account}:role/vault-exec"
    definition = fargate_task_definition(ecs, "vault", [vault], executionRoleArn=execution)
    network = {
        "subnets": [built.subnets["healthy"]],
        "securityGroups": [built.groups["nat-tasks"]],
        "assignPublicIp": "DISABLED",
    }
    fargate_service(ecs, SECRETS_CLUSTER, "vault", definition, network, platformVersion="1.4.0")


def scan_as(enforced: Account, monkeypatch: Any, role: str, *flags: str) -> Any:
    """`scan-aws --format json FLAGS` as scanning role `role` (`scanner`: the one whose policy
    denies ec2:DescribeNatGateways)."""
    enforced.use(monkeypatch)
    args = ["scan-aws", "--region", REGION, "--role-arn", enforced.role(role), "--format", "json"]
    return CliRunner().invoke(main, [*args, *flags], catch_exceptions=False)


def test_a_denied_call_is_a_gap_and_the_scan_goes_on(
    enforced: Account, aws_env: Any, monkeypatch: Any, opa_binary: str
) -> None:
    built = enforced.built[0]
    apps = ("--cluster", "apps")  # not the secrets cluster (below)
    done = scan_as(enforced, monkeypatch, "scanner", *apps)
    assert done.exit_code == 1, done.output  # by the findings: FG402 errors are still found
    report = json.loads(done.stdout)
    account = built.account
    gap = f"ec2:DescribeNatGateways in account {account} region {REGION}"
    # moto 5.2.5 answers every EventBridge Scheduler call with HTTP 403 SignatureDoesNotMatch (as
    # XML, which botocore cannot parse for this JSON API) once it enforces IAM: a second gap,
    # reported alike.
    scheduler = f"scheduler:ListSchedules in account {account} region {REGION}"
    notes = [f for f in report["findings"] if f["rule_id"] == "FG801"]
    nats = built.nats
    assert sorted((f["resource"], f["location"]["file"]) for f in notes) == sorted(
        [
            (gap, f"aws://{account}/{REGION}/ec2:DescribeNatGateways"),
            (scheduler, f"aws://{account}/{REGION}/scheduler:ListSchedules"),
            *(
                (
                    f"NAT gateway {nats[name]}",
                    f"aws://{account}/{REGION}/ec2/route-table/{built.route_tables[name]}",
                )
                for name in ("healthy", "broken-nat")
            ),
        ]
    )
    (gap_note,) = [f for f in notes if f["resource"] == gap]
    assert gap_note["message"].startswith(f"{gap} could not be read (AccessDenied")
    assert gap_note["fix"].startswith("Allow ec2:DescribeNatGateways to the scanning role")
    # What the denied call does not hide is still found.
    assert {f["rule_id"] for f in report["findings"]} == {"FG801", "FG402"}
    assert "could not be read (403: <?xml" in next(
        f["message"] for f in notes if f["resource"] == scheduler
    )
    assert "2 coverage gap(s)" in done.stderr
    # The same report from a real OPA server (the coverage-gap rule runs on both engines).
    monkeypatch.setenv("PATH", f"{os.path.dirname(opa_binary)}{os.pathsep}{os.environ['PATH']}")
    opa = scan_as(enforced, monkeypatch, "scanner", *apps, "--engine", "opa")
    assert opa.exit_code == 1, opa.output
    assert json.loads(opa.stdout) == report


def test_an_account_that_cannot_be_entered_is_a_gap(
    enforced: Account, aws_env: Any, monkeypatch: Any
) -> None:
    built, member = enforced.built
    done = scan_as(enforced, monkeypatch, "scanner", "--org-role", "Blocked")
    assert done.exit_code == 1, done.output
    notes = {
        f["resource"]: f for f in json.loads(done.stdout)["findings"] if f["rule_id"] == "FG801"
    }
    entry = notes[f"sts:AssumeRole in account {member} region global"]
    assert entry["location"]["file"] == f"aws://{member}/global/sts:AssumeRole"
    assert "could not be read (AccessDenied" in entry["message"]
    # The management account (the role's own) is still read, with its own gap.
    assert f"ec2:DescribeNatGateways in account {built.account} region {REGION}" in notes
    assert "3 coverage gap(s)" in done.stderr  # and the Scheduler gap (above)


def test_a_scan_that_could_enter_no_account_is_a_usage_error(
    enforced: Account, aws_env: Any, monkeypatch: Any
) -> None:
    # Every account to scan refused sts:AssumeRole: nothing was read, and a nightly job whose
    # member role was deleted must not pass. Before, one FG801 note and exit 0.
    member = enforced.built[1]
    only = ("scanner", "--org-role", "Blocked", "--account", member)
    done = scan_as(enforced, monkeypatch, *only)
    assert done.exit_code == 2, done.output
    assert done.stdout == ""
    assert (
        "fargate-preflight: --org-role Blocked: could not enter any of the 1 account(s) to "
        f"scan (sts:AssumeRole failed): {member}: AccessDenied: User: arn:aws:sts::"
        f"{enforced.account}:assumed-role/scanner/fargate-preflight is not authorized to "
        "perform: sts:AssumeRole\n"
    ) == done.stderr
    # A shard that holds none of the accounts named has nothing to enter: not an error.
    shards = [scan_as(enforced, monkeypatch, *only, "--shard", f"{i}/2") for i in (1, 2)]
    assert sorted(s.exit_code for s in shards) == [0, 2]


def test_endpoints_that_could_not_be_listed_leave_the_paths_undecided(
    enforced: Account, aws_env: Any, monkeypatch: Any
) -> None:
    # Without DescribeVpcEndpoints, any VPC may have the endpoints a need lacks: the endpoint-sg
    # service (whose endpoints exist) and the broken-nat one are notes, not FG202 or FG203.
    built = enforced.built[0]
    done = scan_as(enforced, monkeypatch, "no-endpoints")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert {f["rule_id"] for f in report["findings"]} == {"FG801", "FG703"}
    gap = f"ec2:DescribeVpcEndpoints in account {built.account} region {REGION}"
    (note,) = [f for f in report["findings"] if f["resource"] == gap]
    services = f"arn:aws:ecs:{REGION}:{built.account}:service/apps"
    assert note["message"].endswith(
        "for services " + ", ".join(f"{services}/{name}" for name in ("broken-nat", "endpoint-sg"))
    )
    assert "whether VPC vpc-" in note["message"]


def scan_secrets_as(enforced: Account, monkeypatch: Any, role: str) -> Any:
    return scan_as(enforced, monkeypatch, role, "--cluster", SECRETS_CLUSTER)


def test_the_secrets_service_works(enforced: Account, aws_env: Any, monkeypatch: Any) -> None:
    # What the IAM tests below build on: read whole, its execution role may read its secrets.
    done = scan_secrets_as(enforced, monkeypatch, "no-endpoints")
    assert done.exit_code == 0, done.output
    findings = json.loads(done.stdout)["findings"]
    assert [f["rule_id"] for f in findings if f["level"] != "note"] == []
    assert {f["rule_id"] for f in findings} == {"FG801", "FG703"}  # FG703: it sends no logs


def iam_gap_notes(done: Any) -> dict[str, str]:
    """The messages of the scan's FG801 notes on IAM calls, by the call."""
    report = json.loads(done.stdout)
    assert [f["rule_id"] for f in report["findings"] if f["level"] != "note"] == []
    return {
        f["resource"].split(" ")[0]: f["message"]
        for f in report["findings"]
        if f["rule_id"] == "FG801" and f["resource"].startswith("iam:")
    }


def test_policy_documents_that_could_not_be_read_are_unknown_not_empty(
    enforced: Account, aws_env: Any, monkeypatch: Any
) -> None:
    # iam:GetRolePolicy and iam:GetPolicyVersion denied: the inline policy that allows the
    # secret and the customer-managed one that allows the parameter are unknown, and so is
    # whether the execution role may read them. Before, the inline policy was dropped (the
    # role "had none") and the secret was an FG105 error.
    account = enforced.account
    done = scan_secrets_as(enforced, monkeypatch, "no-documents")
    assert done.exit_code == 0, done.output
    role = f"arn:aws:iam::{account}:role/vault-exec"
    policy = f"arn:aws:iam::{account}:policy/vault-parameters"
    service = f"arn:aws:ecs:{REGION}:{account}:service/secrets/vault"

    def note(api: str, what: str) -> str:
        return (
            f"{api} in account {account} region global is not settled ({what} is not known: "
            f"{api} failed (AccessDenied: User: arn:aws:sts::{account}:assumed-role/"
            f"no-documents/fargate-preflight is not authorized to perform: {api})): it blocks "
            f"FG103, FG105 for service {service}"
        )

    assert iam_gap_notes(done) == {
        "iam:GetRolePolicy": note("iam:GetRolePolicy", f"inline policy secret of {role}"),
        "iam:GetPolicyVersion": note(
            "iam:GetPolicyVersion", f"the document of managed policy {policy}"
        ),
    }


def test_inline_policies_that_could_not_be_listed_are_unknown_not_none(
    enforced: Account, aws_env: Any, monkeypatch: Any
) -> None:
    account = enforced.account
    done = scan_secrets_as(enforced, monkeypatch, "no-inline-list")
    assert done.exit_code == 0, done.output
    role = f"arn:aws:iam::{account}:role/vault-exec"
    api = "iam:ListRolePolicies"
    assert iam_gap_notes(done) == {
        api: f"{api} in account {account} region global is not settled (the list of inline "
        f"policies of {role} is not known: {api} failed (AccessDenied: User: "
        f"arn:aws:sts::{account}:assumed-role/no-inline-list/fargate-preflight is not "
        f"authorized to perform: {api})): it blocks FG103, FG105 for service "
        f"arn:aws:ecs:{REGION}:{account}:service/secrets/vault"
    }


def test_a_cluster_that_could_not_be_listed_is_a_notice_not_a_usage_error(
    enforced: Account, aws_env: Any, monkeypatch: Any
) -> None:
    # Without ecs:ListClusters the scan cannot tell whether --cluster names a cluster.
    done = scan_secrets_as(enforced, monkeypatch, "no-clusters")
    assert done.exit_code == 0, done.output
    assert (
        f"notice: --cluster {SECRETS_CLUSTER}: no ECS cluster of that name or ARN in the 1 "
        "account-region(s) read (ecs:ListClusters failed)\n"
    ) in done.stderr
    account = enforced.account
    gaps = [f["resource"] for f in json.loads(done.stdout)["findings"]]
    assert f"ecs:ListClusters in account {account} region {REGION}" in gaps


def test_a_role_that_could_not_be_read_is_unsettled_not_missing(
    enforced: Account, aws_env: Any, monkeypatch: Any
) -> None:
    # iam:GetRole denied: the scan cannot tell whether the execution role exists, so its checks
    # are notes (the gap's), never FG107 "it does not exist", which a GetRole that answers
    # NoSuchEntity gives (tests/aws/test_live_roles.py). The role is the gap's unknown: before,
    # it was "not in the scanned inputs", with the advice to scan the account that holds it.
    account = enforced.account
    done = scan_secrets_as(enforced, monkeypatch, "no-get-role")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    role = f"arn:aws:iam::{account}:role/vault-exec"
    assert {f["rule_id"] for f in report["findings"]} == {"FG801", "FG703"}
    api = "iam:GetRole"
    assert iam_gap_notes(done) == {
        api: f"{api} in account {account} region global is not settled (IAM role {role} is not "
        f"known: {api} failed (AccessDenied: User: arn:aws:sts::{account}:assumed-role/"
        f"no-get-role/fargate-preflight is not authorized to perform: {api})): it blocks "
        f"FG103, FG105 for service arn:aws:ecs:{REGION}:{account}:service/secrets/vault"
    }
    assert not [f for f in report["findings"] if "scanned inputs" in f["message"]]


def test_a_task_definition_that_could_not_be_read_is_the_gaps(
    enforced: Account, aws_env: Any, monkeypatch: Any
) -> None:
    # ecs:DescribeTaskDefinition denied: the service's task definition is the gap's unknown.
    # Before, it was "not in the scanned inputs", with the advice to scan the account and region
    # that hold it, which this scan read.
    account = enforced.account
    done = scan_secrets_as(enforced, monkeypatch, "no-task-definitions")
    assert done.exit_code == 0, done.output
    findings = json.loads(done.stdout)["findings"]
    api = "ecs:DescribeTaskDefinition"
    definition = f"arn:aws:ecs:{REGION}:{account}:task-definition/vault:1"
    (note,) = [f for f in findings if f["resource"].startswith(f"{api} in account ")]
    # (moto answers a denied ECS call in XML, which botocore keeps as the message: "403: <?xml")
    assert note["message"].startswith(
        f"{api} in account {account} region {REGION} is not settled (task definition "
        f"{definition} is not known: {api} failed (403: <?xml"
    )
    assert "assumed-role/no-task-definitions/fargate-preflight is not authorized" in note["message"]
    assert note["service"] == f"arn:aws:ecs:{REGION}:{account}:service/secrets/vault"
    assert note["fix"].startswith(f"Allow {api} to the scanning role")
    assert not [f for f in findings if "scanned inputs" in f["message"]]
