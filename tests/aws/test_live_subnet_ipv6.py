"""A subnet's IPv6 block, read live: a ::/0 route of a subnet without one carries nothing.

Field test 22 (case 23): task subnets whose only way out is ::/0 -> an egress-only internet
gateway gave FG206 "IPv6 paths are not analysed", also where the subnet has no IPv6 block and
its tasks get no IPv6 address. The live reader takes the subnet's Ipv6CidrBlockAssociationSet
(moto 5.2.5 shows a subnet block's state as the text of a map, "{'State': 'associated'}": the
reader counts every block that is not disassociated or failed).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from aws_accounts import fargate_service, fargate_task_definition
from click.testing import CliRunner
from moto_server import clients_at

from scanner.cli import main

REGION = "eu-south-1"


@pytest.fixture(scope="module")
def ipv6_account(moto_url: str) -> dict[str, str]:
    with clients_at(moto_url):
        ec2 = boto3.client("ec2", region_name=REGION)
        ecs = boto3.client("ecs", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
        vpc_id = vpc["VpcId"]
        described = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
        vpc_block = described["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
        subnets = {}
        for name, cidr in (("v4only", "10.9.1.0/24"), ("dualstack", "10.9.2.0/24")):
            subnets[name] = ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr)["Subnet"]["SubnetId"]
        ec2.associate_subnet_cidr_block(
            SubnetId=subnets["dualstack"], Ipv6CidrBlock=vpc_block.replace("/56", "/64")
        )
        eigw = ec2.create_egress_only_internet_gateway(VpcId=vpc_id)
        eigw_id = eigw["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
        table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
        ec2.create_route(
            RouteTableId=table, DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=eigw_id
        )
        group = ec2.create_security_group(GroupName="t", Description="t", VpcId=vpc_id)["GroupId"]
        ecs.create_cluster(clusterName="v6")
        web = {"name": "web", "image": "public.ecr.aws/nginx/nginx:1", "essential": True}
        definition = fargate_task_definition(ecs, "web", [web])
        for name, subnet in subnets.items():
            ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
            network = {"subnets": [subnet], "securityGroups": [group]}
            fargate_service(ecs, "v6", name, definition, network)
        return subnets | {"table": table}


def test_a_subnet_without_an_ipv6_block_has_no_path_over_its_ipv6_route(
    ipv6_account: dict[str, str], aws_env: Any
) -> None:
    exported = CliRunner().invoke(main, ["export-aws", "--region", REGION], catch_exceptions=False)
    assert exported.exit_code == 0, exported.output
    (model,) = json.loads(exported.stdout)["models"]
    assert model["subnets"][ipv6_account["v4only"]]["ipv6"] is False
    assert model["subnets"][ipv6_account["dualstack"]]["ipv6"] is True

    done = CliRunner().invoke(main, ["scan-aws", "--region", REGION, "--format", "json", "-q"])
    assert done.exit_code == 1, done.output
    findings = json.loads(done.stdout)["findings"]
    arn = f"arn:aws:{{}}:{REGION}:123456789012:{{}}"
    table = arn.format("ec2", f"route-table/{ipv6_account['table']}")
    found = {(f["rule_id"], f["level"], f["service"], f["need"]) for f in findings}
    assert found - {f for f in found if f[0] == "FG703"} == {
        ("FG202", "error", arn.format("ecs", "service/v6/v4only"), "public.ecr.aws"),
        ("FG206", "note", arn.format("ecs", "service/v6/dualstack"), "public.ecr.aws"),
    }
    by_rule = {f["rule_id"]: f for f in findings}
    assert by_rule["FG202"]["resource"] == table
    assert by_rule["FG202"]["message"].endswith(
        "carries nothing, since the subnet has no IPv6 CIDR block"
    )
    assert "shared-services" not in by_rule["FG206"]["fix"]
