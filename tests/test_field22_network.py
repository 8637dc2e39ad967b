"""Network verdicts that field test 22 found wrong, through the real CLI.

Each fixture under tests/fixtures/cfn/field22/ is a field case trimmed to what it shows (its first
lines name the case). The tests assert the rule IDs, levels, needs, the hop's words and the
file:line of every finding, and that the twin with the defect fixed is clean.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from golden.harness import ROOT, run_cli

FIELD = "tests/fixtures/cfn/field22"


def scan(path: str, *args: str, cwd: Path = ROOT) -> tuple[int, dict[str, Any]]:
    result = run_cli(("scan", path, "--format", "json", *args), cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["errors"] == []
    return result.returncode, report


def found(report: dict[str, Any]) -> set[tuple[str, str, str | None, int]]:
    return {
        (f["rule_id"], f["level"], f["need"], f["location"]["line"]) for f in report["findings"]
    }


def fixed_twin(tmp_path: Path, fixture: str, old: str, new: str) -> str:
    """The fixture with one text replaced (the field case's fixed twin), in tmp_path."""
    text = (ROOT / fixture).read_text(encoding="utf-8")
    assert text.count(old) == 1
    twin = tmp_path / Path(fixture).name
    twin.write_text(text.replace(old, new), encoding="utf-8")
    return str(twin)


# --- D2: a return range that a NACL allows only in part -------------------------------------


def test_a_nat_subnet_that_admits_only_part_of_the_nat_gateways_ports_is_fg303(
    tmp_path: Path,
) -> None:
    # Case 97: the note "which of ports 1024-65535 a connection uses is chosen at random" (FG801,
    # exit 0); every rule and port is settled, and the connections that take 1024-32767 fail.
    fixture = f"{FIELD}/nat-return-ports.yaml"
    code, report = scan(fixture)
    assert code == 1
    needs = ("logs", "registry-1.docker.io")
    assert found(report) == {("FG303", "error", need, 56) for need in needs}  # rule 110
    for f in report["findings"]:
        assert f["message"].endswith(
            "NAT gateway subnet PublicSubnet network ACL PublicNacl has no entry that allows "
            "ports 1024-32767 of inbound TCP 1024-65535 from 0.0.0.0/0 (return traffic), so the "
            "final * rule denies them; each connection takes a random port of 1024-65535, so "
            "some fail"
        )
        assert f["fix"].startswith(
            "Add an inbound entry to network ACL PublicNacl that allows TCP 1024-32767 from "
            "0.0.0.0/0, or widen rule 110 to ports 1024-65535."
        )
        assert f["hop"]["via"] == "network ACL PublicNacl"
    twin = fixed_twin(tmp_path, fixture, "From: 32768, To: 65535", "From: 1024, To: 65535")
    assert scan(twin, cwd=tmp_path)[1]["findings"] == []


def test_a_windows_task_subnet_that_admits_the_linux_range_is_fg302(tmp_path: Path) -> None:
    # Case 36: a Windows task's replies come back on 49152-65535; 61000-65535 hit the * deny.
    fixture = f"{FIELD}/windows-return-ports.yaml"
    code, report = scan(fixture)
    assert code == 1
    needs = ("logs", "mcr.microsoft.com")
    assert found(report) == {("FG302", "error", need, 53) for need in needs}  # the entry
    (detail,) = {f["hop"]["detail"] for f in report["findings"]}
    assert detail == (
        "no entry allows ports 61000-65535 of inbound TCP 49152-65535 from 0.0.0.0/0 (return "
        "traffic), so the final * rule denies them; each connection takes a random port of "
        "49152-65535, so some fail"
    )
    twin = fixed_twin(tmp_path, fixture, "From: 32768, To: 60999", "From: 1024, To: 65535")
    assert scan(twin, cwd=tmp_path)[1]["findings"] == []


# --- D3: a ::/0 route on a subnet without an IPv6 block -------------------------------------


def test_an_ipv6_route_of_a_subnet_without_an_ipv6_block_is_no_path(tmp_path: Path) -> None:
    # Case 23: FG206 "IPv6 paths are not analysed" (exit 0), with a fix about a shared-services
    # VPC. A subnet without an IPv6 block gives its tasks no IPv6 address: no path (FG202).
    # Case 92's dual-stack subnet keeps FG206, with a fix of its own.
    fixture = f"{FIELD}/ipv6-only-egress.yaml"
    code, report = scan(fixture)
    assert code == 1
    needs = ("ecr.api", "ecr.dkr", "logs", "s3")
    by_service = {
        (f["service"], f["rule_id"], f["level"], f["need"], f["location"]["line"])
        for f in report["findings"]
    }
    assert by_service == {("V4Service", "FG202", "error", need, 26) for need in needs} | {
        ("DualService", "FG206", "note", need, 35)
        for need in needs  # the ::/0 route
    }
    fg202 = next(f for f in report["findings"] if (f["rule_id"], f["need"]) == ("FG202", "logs"))
    assert fg202["message"] == (
        "service V4Service cannot reach logs: task subnet V4Subnet -> route table "
        "PrivateRouteTable: no default route and no logs interface endpoint; ::/0 -> eigw Eigw "
        "(egress-only internet gateway) carries nothing, since the subnet has no IPv6 CIDR block"
    )
    fg206 = next(f for f in report["findings"] if (f["rule_id"], f["need"]) == ("FG206", "logs"))
    assert fg206["fix"] == (
        "IPv6 paths are not analysed: check that the tasks reach logs over IPv6 through the ::/0 "
        "route (logs must accept IPv6 connections), or give the task subnets an IPv4 path to it "
        "(interface endpoints, or a NAT gateway)."
    )
    # a block added by an AWS::EC2::SubnetCidrBlock gives the subnet one too: FG206 there
    twin = fixed_twin(
        tmp_path,
        fixture,
        "  TaskSecurityGroup:\n",
        "  V4Block:\n    Type: AWS::EC2::SubnetCidrBlock\n"
        "    Properties: {SubnetId: !Ref V4Subnet, Ipv6CidrBlock: '2600:1f18::/64'}\n"
        "  TaskSecurityGroup:\n",
    )
    assert {(f["service"], f["rule_id"]) for f in scan(twin, cwd=tmp_path)[1]["findings"]} == {
        ("V4Service", "FG206"),
        ("DualService", "FG206"),
    }


# --- W2: a subnet without a route-table association -----------------------------------------


def test_a_subnet_without_a_route_table_association_is_told_to_get_one(tmp_path: Path) -> None:
    # Case 80: the fix was "Add interface endpoints ... or a NAT gateway", at the VPC's line,
    # while PrivateRouteTable (PrivateSubnet's) already routes 0.0.0.0/0 to a NAT gateway.
    fixture = f"{FIELD}/no-route-table-association.yaml"
    code, report = scan(fixture)
    assert code == 1
    needs = ("logs", "registry-1.docker.io")
    assert found(report) == {("FG202", "error", need, 35) for need in needs}  # PrivateSubnetB
    for f in report["findings"]:
        assert f["message"].startswith(
            f"service Service cannot reach {f['need']}: task subnet PrivateSubnetB -> route table "
            "Vpc/main-route-table: no default route and "
        )
        assert f["message"].endswith(
            "; the subnet has no route-table association, so it uses the VPC's main route table"
        )
        assert f["fix"].startswith(
            "Associate subnet PrivateSubnetB with a route table that has a path, such as "
            "PrivateRouteTable; or add a NAT gateway"
        )
    twin = fixed_twin(
        tmp_path,
        fixture,
        "  PrivateDefault:\n",
        "  PrivateAssocB:\n    Type: AWS::EC2::SubnetRouteTableAssociation\n"
        "    Properties: {SubnetId: !Ref PrivateSubnetB, RouteTableId: !Ref PrivateRouteTable}\n"
        "  PrivateDefault:\n",
    )
    assert scan(twin, cwd=tmp_path)[1]["findings"] == []


# --- W1: a narrower public CIDR -------------------------------------------------------------


def test_a_narrower_public_cidr_note_says_what_to_allow_not_what_to_scan(tmp_path: Path) -> None:
    # Case 101: the FG801 fix was "Scan the template or file that defines it too, or pass its
    # value", which no file or value can do: the service's addresses are not in any input.
    fixture = f"{FIELD}/egress-public-cidr.yaml"
    code, report = scan(fixture)
    assert code == 0
    assert found(report) == {("FG801", "note", None, 50)}  # the egress rule
    (note,) = report["findings"]
    assert "covers only part of the AWS service's public addresses" in note["message"]
    assert note["fix"] == (
        "The AWS service's addresses are not in the inputs, so whether 52.0.0.0/8 holds the ones "
        "the tasks reach cannot be settled: in security group TaskSecurityGroup, allow the "
        "traffic to 0.0.0.0/0 instead, or, for an S3 or DynamoDB gateway endpoint, to the "
        "endpoint's prefix list."
    )
    twin = fixed_twin(tmp_path, fixture, "CidrIp: 52.0.0.0/8", "CidrIp: 0.0.0.0/0")
    assert scan(twin, cwd=tmp_path)[1]["findings"] == []


# --- W4: an interface endpoint without security groups of its own ---------------------------


def test_an_endpoint_on_the_default_group_is_told_to_get_a_group_of_its_own(
    tmp_path: Path,
) -> None:
    # Case 29: the fix was "Add an ingress rule to security group Vpc/default-sg", at the VPC.
    fixture = f"{FIELD}/endpoint-default-sg.yaml"
    code, report = scan(fixture)
    assert code == 1
    assert found(report) == {("FG402", "error", "logs", 44)}  # the endpoint
    (f,) = report["findings"]
    assert f["resource"] == "LogsEndpoint"
    assert f["message"] == (
        "service Service cannot reach logs: interface endpoint LogsEndpoint has no security group "
        "of its own, so it uses VPC Vpc's default security group Vpc/default-sg, which allows no "
        "inbound TCP 443 from the task (security group TaskSecurityGroup or subnet PrivateSubnet "
        "(10.0.1.0/24))"
    )
    assert f["fix"] == (
        "Give interface endpoint LogsEndpoint a security group of its own that allows TCP 443 from "
        "security group TaskSecurityGroup (CloudFormation SecurityGroupIds, Terraform "
        "security_group_ids), or add that ingress rule to security group Vpc/default-sg."
    )
    twin = fixed_twin(
        tmp_path,
        fixture,
        "      SubnetIds: [!Ref PrivateSubnet]\n",
        "      SubnetIds: [!Ref PrivateSubnet]\n"
        "      SecurityGroupIds: [!Ref EndpointSecurityGroup]\n"
        "  EndpointSecurityGroup:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n"
        "      GroupDescription: endpoints\n      VpcId: !Ref Vpc\n"
        "      SecurityGroupIngress:\n"
        "        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, "
        "SourceSecurityGroupId: !Ref TaskSecurityGroup}\n",
    )
    assert scan(twin, cwd=tmp_path)[1]["findings"] == []


# --- case 87: a DHCP option set with DNS servers of its own -----------------------------------


DNS_NOTE = (
    "DHCP option set Dhcp is not settled (it gives the DNS servers 10.0.0.53, not "
    "AmazonProvidedDNS: whether the tasks resolve the names of the AWS services and interface "
    "endpoints they reach depends on 10.0.0.53 forwarding those queries to the Route 53 Resolver "
    "(169.254.169.253 or 10.0.0.2)): it blocks FG102, FG201, FG202, FG203, FG205, FG206, FG301, "
    "FG302, FG303, FG401, FG402, FG502 for service Service"
)


def test_custom_dns_servers_leave_the_endpoint_paths_undecided(tmp_path: Path) -> None:
    # Case 87: scanned clean, though interface endpoints' private DNS names resolve to their ENIs
    # only through the Route 53 Resolver, which 10.0.0.53 may or may not forward to.
    fixture = f"{FIELD}/custom-dns-dhcp.yaml"
    code, report = scan(fixture)
    assert code == 0
    assert found(report) == {("FG801", "note", None, 102)}  # DomainNameServers
    (note,) = report["findings"]
    assert (note["resource"], note["service"]) == ("DHCP option set Dhcp", "Service")
    assert note["message"] == DNS_NOTE
    assert note["fix"] == (
        "Make AmazonProvidedDNS the only DomainNameServers of DHCP option set Dhcp, or make sure "
        "10.0.0.53 forwards the names the tasks resolve (*.amazonaws.com, and the private DNS "
        "names of interface endpoints) to the Route 53 Resolver (169.254.169.253 or 10.0.0.2)."
    )

    # the fixed twin: AmazonProvidedDNS (or the Resolver's own address) alone is clean
    for servers in ("[AmazonProvidedDNS]", "[10.0.0.2]", "[169.254.169.253]"):
        twin = fixed_twin(tmp_path, fixture, "[10.0.0.53]", servers)
        code, report = scan(twin)
        assert (code, found(report)) == (0, set()), servers

    # AmazonProvidedDNS beside another server: which one a task asks is not settled
    twin = fixed_twin(tmp_path, fixture, "[10.0.0.53]", "[AmazonProvidedDNS, 10.0.0.53]")
    code, report = scan(twin)
    assert (code, found(report)) == (0, {("FG801", "note", None, 102)})
    assert (
        "it gives the DNS servers 10.0.0.53 beside AmazonProvidedDNS, and a task's resolver "
        "may ask either: whether" in report["findings"][0]["message"]
    )


def test_a_failing_path_stays_an_error_under_custom_dns_servers(tmp_path: Path) -> None:
    # DNS does not repair a missing path: without the logs endpoint, FG202 for logs; the other
    # needs, whose paths pass, get the DNS note.
    fixture = f"{FIELD}/custom-dns-dhcp.yaml"
    twin = fixed_twin(
        tmp_path, fixture, "com.amazonaws.us-east-1.logs", "com.amazonaws.us-east-1.sns"
    )
    code, report = scan(twin)
    assert code == 1
    assert found(report) == {
        ("FG202", "error", "logs", 12),
        ("FG801", "note", None, 102),
    }  # its route table


def test_a_dhcp_option_set_the_inputs_do_not_hold_is_fg801_at_the_association(
    tmp_path: Path,
) -> None:
    fixture = f"{FIELD}/custom-dns-dhcp.yaml"
    twin = fixed_twin(tmp_path, fixture, "DhcpOptionsId: !Ref Dhcp", "DhcpOptionsId: dopt-0abc")
    code, report = scan(twin)
    assert (code, found(report)) == (0, {("FG801", "note", None, 105)})  # the association
    (note,) = report["findings"]
    assert note["resource"] == "DHCP option set dopt-0abc"
    assert note["fix"].startswith(
        "Scan the template or plan that defines DHCP option set dopt-0abc"
    )
