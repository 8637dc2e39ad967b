"""A VPC's DHCP option set, read live: DNS servers other than AmazonProvidedDNS leave the verdicts
of the needs reached by name undecided (field test 22, case 87).

Three public VPCs that differ only in their DHCP option set: `corp` gives a DNS server of its own,
`amazon` an option set with AmazonProvidedDNS, `none` no option set (DhcpOptionsId `default`,
which moto 5 also reports for every VPC it has not associated: it has no default option set),
taken as the Route 53 Resolver (AWS gives instances built on the Nitro System 169.254.169.253).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from aws_accounts import fargate_task_definition, public_fargate_service, public_network
from click.testing import CliRunner
from moto_server import clients_at

from scanner.cli import main

REGION = "eu-north-1"
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def dhcp_account(moto_url: str) -> dict[str, str]:
    with clients_at(moto_url):
        ec2 = boto3.client("ec2", region_name=REGION)
        ecs = boto3.client("ecs", region_name=REGION)
        ecs.create_cluster(clusterName="dns")
        web = {"name": "web", "image": "public.ecr.aws/nginx/nginx:1", "essential": True}
        definition = fargate_task_definition(ecs, "web", [web])
        servers = {"corp": ["10.8.0.53"], "amazon": ["AmazonProvidedDNS"], "none": None}
        ids: dict[str, str] = {}
        for index, (name, dns) in enumerate(servers.items()):
            subnet, group = public_network(ec2, f"10.{8 + index}.0.0/16")
            vpc_id = ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["VpcId"]
            options = "default"
            if dns is not None:
                options = ec2.create_dhcp_options(
                    DhcpConfigurations=[{"Key": "domain-name-servers", "Values": dns}]
                )["DhcpOptions"]["DhcpOptionsId"]
                ids[f"{name}-options"] = options
            ec2.associate_dhcp_options(DhcpOptionsId=options, VpcId=vpc_id)
            public_fargate_service(ecs, "dns", name, definition, subnet, group)
            ids[name] = vpc_id
        return ids


def test_dns_servers_other_than_amazon_provided_dns_leave_the_paths_undecided(
    dhcp_account: dict[str, str], aws_env: Any
) -> None:
    exported = CliRunner().invoke(main, ["export-aws", "--region", REGION], catch_exceptions=False)
    assert exported.exit_code == 0, exported.output
    (model,) = json.loads(exported.stdout)["models"]
    corp = model["vpcs"][dhcp_account["corp"]]["dhcp_options"]
    corp_arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:dhcp-options/{dhcp_account['corp-options']}"
    assert (corp["name"], corp["domain_name_servers"]) == (corp_arn, ["10.8.0.53"])
    amazon = model["vpcs"][dhcp_account["amazon"]]["dhcp_options"]
    assert amazon["domain_name_servers"] == ["AmazonProvidedDNS"]
    assert model["vpcs"][dhcp_account["none"]]["dhcp_options"] is None

    done = CliRunner().invoke(main, ["scan-aws", "--region", REGION, "--format", "json", "-q"])
    assert done.exit_code == 0, done.output
    findings = [f for f in json.loads(done.stdout)["findings"] if f["rule_id"] != "FG703"]
    service = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/dns/{{}}"
    found = {(f["rule_id"], f["level"], f["resource"], f["service"]) for f in findings}
    assert found == {
        ("FG801", "note", f"DHCP option set {corp_arn}", service.format("corp")),
    }
    corp_note = next(f for f in findings if f["service"] == service.format("corp"))
    assert corp_note["location"] == {
        "file": f"aws://{ACCOUNT}/{REGION}/ec2/dhcp-options/{dhcp_account['corp-options']}",
        "line": 1,
    }
    assert "it gives the DNS servers 10.8.0.53, not AmazonProvidedDNS" in corp_note["message"]
    assert corp_note["fix"].startswith(
        "Make AmazonProvidedDNS the only domain-name-servers of DHCP option set "
    )
