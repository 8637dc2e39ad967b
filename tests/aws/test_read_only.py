"""Read-only by construction: the exporter's calls are reads, and a write is refused by the
botocore hook before it reaches the server."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from scanner.sources.aws.calls import (
    OPERATIONS,
    CallCounter,
    WriteRefused,
    is_read_only,
    make_client,
)


def test_every_operation_of_the_exporter_is_a_read() -> None:
    for service, operations in OPERATIONS.items():
        for operation in operations:
            assert is_read_only(service, operation), f"{service}:{operation}"
    assert not is_read_only("ec2", "CreateVpc")
    assert not is_read_only("sts", "AssumeRoleWithSAML")


def test_every_operation_exists_in_botocore() -> None:
    session = boto3.Session()
    for service, operations in OPERATIONS.items():
        model = session._session.get_service_model(service)
        assert set(operations) <= set(model.operation_names), service


def test_a_write_is_refused_before_it_is_sent(aws_env: Any) -> None:
    counter = CallCounter()
    session = boto3.Session(region_name="ap-south-1")
    plain_ec2 = boto3.client("ec2", region_name="ap-south-1")
    before = plain_ec2.describe_vpcs()["Vpcs"]
    ec2 = make_client(session, "ec2", "ap-south-1", counter)
    with pytest.raises(WriteRefused, match="refused ec2:CreateVpc: the live scan only reads"):
        ec2.create_vpc(CidrBlock="10.9.0.0/16")
    assert plain_ec2.describe_vpcs()["Vpcs"] == before  # nothing reached the server

    plain_iam = boto3.client("iam", region_name="ap-south-1")
    trust = {"Version": "2012-10-17", "Statement": []}
    plain_iam.create_role(RoleName="guarded", AssumeRolePolicyDocument=json.dumps(trust))
    iam = make_client(session, "iam", "ap-south-1", counter)
    with pytest.raises(WriteRefused, match="refused iam:PutRolePolicy"):
        iam.put_role_policy(RoleName="guarded", PolicyName="p", PolicyDocument="{}")
    assert plain_iam.list_role_policies(RoleName="guarded")["PolicyNames"] == []
    assert iam.list_role_policies(RoleName="guarded")["PolicyNames"] == []  # reads still work
    assert counter.counts == {"iam": 1}  # refused calls were never made
