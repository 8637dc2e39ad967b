"""Realistic scanner inputs of any size: N Fargate services spread over M VPCs.

    python benchmarks/generate.py --services 2000 --vpcs 200 [--seed 1] [--format yaml|json]
        [--layout single|multi|model|all] OUT_DIR

Writes, under OUT_DIR:
- `single/stack.yaml`: everything in one CloudFormation template (resources reference each other
  with `!Ref` / `!GetAtt`);
- `multi/Vnnn-network.yaml` + `multi/Vnnn-services.yaml`: per VPC one network template that
  exports its VPC, subnets and shared security groups, and one service template that imports them
  with `Fn::ImportValue` (the usual split between a platform team and service teams);
- `model.json`: the input model (docs/model.md) the scanner builds from either layout, written
  directly, for timing the policies without the CloudFormation source.

Every VPC has subnets, route tables, network ACLs with real entries and security groups that
reference each other; its services have task definitions (private ECR images, awslogs, secrets,
sometimes an ECS Exec or EFS volume), execution and task roles. Three kinds of VPC, in a fixed
cycle: `nat` (private subnets behind a NAT gateway, an S3 gateway endpoint on most), `isolated`
(no internet: interface endpoints and S3/DynamoDB gateway endpoints) and `public` (tasks with a
public IP in subnets routed to an internet gateway). A few of them carry the mistakes real
stacks have (a forgotten S3 gateway endpoint, a public IP that is never used, a NACL without the
ephemeral return range, an egress rule that is too narrow, a sidecar from a public registry in
an isolated VPC), so the rules have work to do. The same seed always gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
S3_PREFIX_LIST = "pl-63a5400a"  # com.amazonaws.us-east-1.s3
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
# A fixed cycle rather than random draws, so even a tiny run has every kind of VPC.
KIND_CYCLE = ("nat", "isolated", "public", "nat", "isolated", "nat", "nat", "isolated", "nat")
# Interface endpoints of an isolated VPC (ssmmessages only where a service uses ECS Exec).
ISOLATED_INTERFACE = ("ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "sqs", "sns")
# (Cpu, Memory) as templates write them -> (CPU units, MiB) as the model holds them.
SIZES = {
    ("256", "512"): (256, 512),
    ("512", "1024"): (512, 1024),
    ("1 vCPU", "2 GB"): (1024, 2048),
    ("1024", "3072"): (1024, 3072),
    ("2048", "4096"): (2048, 4096),
}
# Task-role actions; their prefixes are endpoint services the application calls.
APP_ACTIONS = (
    ("sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"),
    ("sns:Publish",),
    ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"),
    ("s3:GetObject", "s3:PutObject"),
)
SIDECAR = "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0"
# The fix the CloudFormation source gives a subnet's zone `!Select [N, !GetAZs ""]`
# (scanner/sources/cfn/network.py; tests/test_benchmarks.py compares the two models).
ZONE_FIX = (
    "Give the task's and the mount targets' subnets their zones the same way: all by name, "
    'or all as !Select [N, !GetAZs ""].'
)


# --- the plan: what to generate, independent of the output format ---------------------------


@dataclass(frozen=True)
class ServicePlan:
    logical: str  # prefix of the service's logical ids, e.g. "V007S03"
    cpu: str
    memory: str
    capacity: str  # "launch-type" | "spot" (capacity-provider strategy)
    public_ip: bool
    exec_: bool
    sidecar: bool
    ssm_secret: bool
    app_actions: tuple[str, ...]
    egress: str  # "default" (allow all) | "restricted" (listed rules only)
    efs: bool


@dataclass(frozen=True)
class VpcPlan:
    index: int
    prefix: str  # "V007"
    kind: str  # "nat" | "isolated" | "public"
    octet: int  # 10.<octet>.0.0/16
    s3_gateway: bool
    dynamodb_gateway: bool
    ssmmessages: bool
    nacl_return_range: bool  # False: the private NACL forgets the ephemeral return range
    blocklist: bool  # the private NACL denies a blocked range first
    endpoint_sg_by_reference: bool  # endpoint SG admits service SGs (True) or the VPC CIDR
    services: tuple[ServicePlan, ...]

    @property
    def cidr(self) -> str:
        return f"10.{self.octet}.0.0/16"

    def subnet_cidr(self, third: int) -> str:
        return f"10.{self.octet}.{third}.0/24"

    @property
    def private(self) -> bool:
        return self.kind != "public"

    @property
    def internet(self) -> bool:
        return self.kind != "isolated"

    @property
    def efs(self) -> bool:
        return any(s.efs for s in self.services)

    @property
    def task_subnets(self) -> tuple[str, str]:
        side = "Private" if self.private else "Public"
        return (f"{self.prefix}{side}SubnetA", f"{self.prefix}{side}SubnetB")


# The mistakes real stacks make, planted by VPC index so that every run (the tiny one in the
# tests too) has each of them, at a realistic rate; the details vary with the seed.
def _no_s3_gateway(i: int) -> bool:
    return i % 5 == 1  # every fifth isolated VPC: FG202 for ECR's image layers


def _no_return_range(i: int) -> bool:
    return i % 10 == 3  # a NAT VPC whose NACL forgets the ephemeral range: FG302


def _blocklist(i: int) -> bool:
    return i % 5 == 2  # a deny entry for a blocked range (narrower than 0.0.0.0/0): FG801


def _wrong_public_ip(kind: str, i: int, j: int, count: int) -> bool:
    """The last service of every public VPC has no public IP (FG201); that of every fourth NAT
    VPC has one it never uses (FG204)."""
    last = j == count - 1
    return last and (kind == "public" or (kind == "nat" and i % 4 == 0))


def plan(services: int, vpcs: int, seed: int) -> tuple[VpcPlan, ...]:
    """The scenario: `services` services over `vpcs` VPCs (the first ones get one more)."""
    if vpcs < 1 or services < vpcs:
        raise ValueError("need at least one VPC and at least one service per VPC")
    rng = random.Random(seed)
    width = max(3, len(str(vpcs - 1)))
    per_vpc, extra = divmod(services, vpcs)
    plans = []
    for i in range(vpcs):
        count = per_vpc + (1 if i < extra else 0)
        kind = KIND_CYCLE[i % len(KIND_CYCLE)]
        prefix = f"V{i:0{width}d}"
        efs_vpc = kind != "public" and rng.random() < 0.15
        svc_width = max(2, len(str(count - 1)))
        svcs = tuple(
            _service_plan(
                rng,
                f"{prefix}S{j:0{svc_width}d}",
                kind,
                efs=efs_vpc and j == 0,
                public_ip=(kind == "public") != _wrong_public_ip(kind, i, j, count),
            )
            for j in range(count)
        )
        plans.append(
            VpcPlan(
                index=i,
                prefix=prefix,
                kind=kind,
                octet=i % 256,
                s3_gateway=not _no_s3_gateway(i) if kind == "isolated" else rng.random() < 0.6,
                dynamodb_gateway=kind == "isolated" or rng.random() < 0.3,
                ssmmessages=kind == "isolated" and rng.random() < 0.8,
                nacl_return_range=not _no_return_range(i),
                blocklist=_blocklist(i),
                endpoint_sg_by_reference=rng.random() < 0.3,
                services=svcs,
            )
        )
    return tuple(plans)


def _service_plan(
    rng: random.Random, logical: str, kind: str, *, efs: bool, public_ip: bool
) -> ServicePlan:
    cpu, memory = rng.choice(list(SIZES))
    return ServicePlan(
        logical=logical,
        cpu=cpu,
        memory=memory,
        capacity="spot" if rng.random() < 0.3 else "launch-type",
        public_ip=public_ip,
        exec_=rng.random() < 0.2,
        # A public-registry sidecar in an isolated VPC is a mistake too (FG202), a rare one.
        sidecar=rng.random() < (0.02 if kind == "isolated" else 0.3),
        ssm_secret=rng.random() < 0.4,
        app_actions=tuple(a for group in APP_ACTIONS if rng.random() < 0.35 for a in group),
        egress="restricted" if rng.random() < 0.25 else "default",
        efs=efs,
    )


# --- CloudFormation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Fn:
    """An intrinsic function: `!Ref X` in YAML, `{"Ref": "X"}` in JSON."""

    name: str  # Ref, GetAtt, Sub, Join, Split, Select, GetAZs, ImportValue
    arg: Any


def ref(logical: str) -> Fn:
    return Fn("Ref", logical)


def get_att(logical: str, attribute: str) -> Fn:
    return Fn("GetAtt", f"{logical}.{attribute}")


class Links:
    """How a service template names what its VPC's network template defines."""

    def __init__(self, vpc: VpcPlan, single: bool) -> None:
        self.vpc = vpc
        self.single = single

    def export(self, name: str) -> str:
        return f"{self.vpc.prefix}-network:{name}"

    def id(self, logical: str) -> Any:
        return ref(logical) if self.single else Fn("ImportValue", self.export(logical))

    def task_subnets(self) -> Any:
        if self.single:
            return [ref(s) for s in self.vpc.task_subnets]
        return Fn("Split", [",", Fn("ImportValue", self.export("TaskSubnets"))])

    def task_subnet(self, k: int) -> Any:
        if self.single:
            return ref(self.vpc.task_subnets[k])
        return Fn("Select", [k, self.task_subnets()])


def template(
    resources: dict[str, Any], description: str, outputs: dict[str, Any]
) -> dict[str, Any]:
    tpl: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": description,
        "Resources": resources,
    }
    if outputs:
        tpl["Outputs"] = outputs
    return tpl


def network_resources(vpc: VpcPlan) -> dict[str, Any]:
    p = vpc.prefix
    res: dict[str, Any] = {
        f"{p}Vpc": _resource(
            "AWS::EC2::VPC",
            CidrBlock=vpc.cidr,
            EnableDnsSupport=True,
            EnableDnsHostnames=True,
            Tags=[{"Key": "Name", "Value": f"{p.lower()}-{vpc.kind}"}],
        )
    }
    vpc_ref = ref(f"{p}Vpc")
    if vpc.internet:
        res |= _public_network(vpc, vpc_ref)
    if vpc.private:
        res |= _private_network(vpc, vpc_ref)
    res[f"{p}EndpointSg"] = _resource(
        "AWS::EC2::SecurityGroup",
        GroupDescription="HTTPS to the interface endpoints",
        VpcId=vpc_ref,
        SecurityGroupIngress=[]
        if vpc.endpoint_sg_by_reference
        else [_sg_rule("tcp", 443, 443, CidrIp=vpc.cidr)],
    )
    res[f"{p}DbSg"] = _resource(
        "AWS::EC2::SecurityGroup",
        GroupDescription="PostgreSQL from the VPC",
        VpcId=vpc_ref,
        SecurityGroupIngress=[_sg_rule("tcp", 5432, 5432, CidrIp=vpc.cidr)],
        SecurityGroupEgress=[_sg_rule("-1", None, None, CidrIp="127.0.0.1/32")],
    )
    res |= _endpoints(vpc, vpc_ref)
    return res


def _public_network(vpc: VpcPlan, vpc_ref: Fn) -> dict[str, Any]:
    p = vpc.prefix
    res: dict[str, Any] = {
        f"{p}Igw": _resource("AWS::EC2::InternetGateway"),
        f"{p}IgwAttachment": _resource(
            "AWS::EC2::VPCGatewayAttachment", VpcId=vpc_ref, InternetGatewayId=ref(f"{p}Igw")
        ),
        f"{p}PublicRouteTable": _resource("AWS::EC2::RouteTable", VpcId=vpc_ref),
        f"{p}PublicDefaultRoute": _resource(
            "AWS::EC2::Route",
            DependsOn=f"{p}IgwAttachment",
            RouteTableId=ref(f"{p}PublicRouteTable"),
            DestinationCidrBlock="0.0.0.0/0",
            GatewayId=ref(f"{p}Igw"),
        ),
    }
    for k, letter in enumerate("AB"):
        subnet = f"{p}PublicSubnet{letter}"
        res[subnet] = _resource(
            "AWS::EC2::Subnet",
            VpcId=vpc_ref,
            CidrBlock=vpc.subnet_cidr(101 + k),
            AvailabilityZone=Fn("Select", [k, Fn("GetAZs", "")]),
            MapPublicIpOnLaunch=True,
        )
        res[f"{subnet}RouteTable"] = _resource(
            "AWS::EC2::SubnetRouteTableAssociation",
            SubnetId=ref(subnet),
            RouteTableId=ref(f"{p}PublicRouteTable"),
        )
    return res


def _private_network(vpc: VpcPlan, vpc_ref: Fn) -> dict[str, Any]:
    p = vpc.prefix
    res: dict[str, Any] = {
        f"{p}PrivateRouteTable": _resource("AWS::EC2::RouteTable", VpcId=vpc_ref)
    }
    if vpc.kind == "nat":
        res[f"{p}NatEip"] = _resource("AWS::EC2::EIP", DependsOn=f"{p}IgwAttachment", Domain="vpc")
        res[f"{p}Nat"] = _resource(
            "AWS::EC2::NatGateway",
            AllocationId=get_att(f"{p}NatEip", "AllocationId"),
            SubnetId=ref(f"{p}PublicSubnetA"),
        )
        res[f"{p}PrivateDefaultRoute"] = _resource(
            "AWS::EC2::Route",
            RouteTableId=ref(f"{p}PrivateRouteTable"),
            DestinationCidrBlock="0.0.0.0/0",
            NatGatewayId=ref(f"{p}Nat"),
        )
    res[f"{p}PrivateNacl"] = _resource("AWS::EC2::NetworkAcl", VpcId=vpc_ref)
    res |= dict(_nacl_entries(vpc))
    for k, letter in enumerate("AB"):
        subnet = f"{p}PrivateSubnet{letter}"
        res[subnet] = _resource(
            "AWS::EC2::Subnet",
            VpcId=vpc_ref,
            CidrBlock=vpc.subnet_cidr(1 + k),
            AvailabilityZone=Fn("Select", [k, Fn("GetAZs", "")]),
        )
        res[f"{subnet}RouteTable"] = _resource(
            "AWS::EC2::SubnetRouteTableAssociation",
            SubnetId=ref(subnet),
            RouteTableId=ref(f"{p}PrivateRouteTable"),
        )
        res[f"{subnet}Nacl"] = _resource(
            "AWS::EC2::SubnetNetworkAclAssociation",
            SubnetId=ref(subnet),
            NetworkAclId=ref(f"{p}PrivateNacl"),
        )
    return res


@dataclass(frozen=True)
class NaclEntry:
    number: int
    egress: bool
    protocol: str  # CloudFormation Protocol: "6", "-1"
    action: str
    cidr: str
    ports: tuple[int, int] | None


def nacl_entries(vpc: VpcPlan) -> list[tuple[str, NaclEntry]]:
    """The private subnets' NACL: HTTPS in from the VPC and out anywhere, the return range,
    PostgreSQL and NFS inside the VPC; in some VPCs a blocked range first."""
    p = vpc.prefix
    entries = [
        (f"{p}NaclInHttps", NaclEntry(100, False, "6", "allow", vpc.cidr, (443, 443))),
        (f"{p}NaclInPostgres", NaclEntry(120, False, "6", "allow", vpc.cidr, (5432, 5432))),
        (f"{p}NaclOutHttps", NaclEntry(100, True, "6", "allow", "0.0.0.0/0", (443, 443))),
        (f"{p}NaclOutPostgres", NaclEntry(110, True, "6", "allow", vpc.cidr, (5432, 5432))),
        (f"{p}NaclOutReturn", NaclEntry(120, True, "6", "allow", vpc.cidr, (1024, 65535))),
        (f"{p}NaclOutNfs", NaclEntry(130, True, "6", "allow", vpc.cidr, (2049, 2049))),
        (f"{p}NaclInNfs", NaclEntry(130, False, "6", "allow", vpc.cidr, (2049, 2049))),
    ]
    if vpc.blocklist:
        blocked = NaclEntry(50, False, "-1", "deny", "198.51.100.0/24", None)
        entries.insert(0, (f"{p}NaclInDenyBlocked", blocked))
    if vpc.nacl_return_range:
        entries.append(
            (f"{p}NaclInReturn", NaclEntry(110, False, "6", "allow", "0.0.0.0/0", (1024, 65535)))
        )
    return entries


def _nacl_entries(vpc: VpcPlan) -> Iterator[tuple[str, Any]]:
    for logical, e in nacl_entries(vpc):
        props: dict[str, Any] = {
            "NetworkAclId": ref(f"{vpc.prefix}PrivateNacl"),
            "RuleNumber": e.number,
            "Protocol": int(e.protocol),
            "RuleAction": e.action,
            "Egress": e.egress,
            "CidrBlock": e.cidr,
        }
        if e.ports is not None:
            props["PortRange"] = {"From": e.ports[0], "To": e.ports[1]}
        yield logical, _resource("AWS::EC2::NetworkAclEntry", **props)


def interface_endpoints(vpc: VpcPlan) -> tuple[str, ...]:
    if vpc.kind != "isolated":
        return ()
    return ISOLATED_INTERFACE + (("ssmmessages",) if vpc.ssmmessages else ())


def gateway_endpoints(vpc: VpcPlan) -> tuple[str, ...]:
    if not vpc.private:
        return ()
    return (("s3",) if vpc.s3_gateway else ()) + (("dynamodb",) if vpc.dynamodb_gateway else ())


def endpoint_logical(vpc: VpcPlan, service: str) -> str:
    return f"{vpc.prefix}{''.join(w.capitalize() for w in re.split(r'[.-]', service))}Endpoint"


def _endpoints(vpc: VpcPlan, vpc_ref: Fn) -> dict[str, Any]:
    res: dict[str, Any] = {}
    subnets = [ref(s) for s in vpc.task_subnets]
    for service in interface_endpoints(vpc):
        res[endpoint_logical(vpc, service)] = _resource(
            "AWS::EC2::VPCEndpoint",
            VpcId=vpc_ref,
            ServiceName=Fn("Sub", f"com.amazonaws.${{AWS::Region}}.{service}"),
            VpcEndpointType="Interface",
            PrivateDnsEnabled=True,
            SubnetIds=subnets,
            SecurityGroupIds=[ref(f"{vpc.prefix}EndpointSg")],
        )
    for service in gateway_endpoints(vpc):
        res[endpoint_logical(vpc, service)] = _resource(
            "AWS::EC2::VPCEndpoint",
            VpcId=vpc_ref,
            ServiceName=Fn("Sub", f"com.amazonaws.${{AWS::Region}}.{service}"),
            RouteTableIds=[ref(f"{vpc.prefix}PrivateRouteTable")],
        )
    return res


def network_outputs(vpc: VpcPlan) -> dict[str, Any]:
    links = Links(vpc, single=False)
    # Exported by logical id, so the service template imports what it would otherwise `!Ref`.
    outputs: dict[str, Any] = {
        logical: {"Value": ref(logical), "Export": {"Name": links.export(logical)}}
        for logical in (f"{vpc.prefix}{name}" for name in ("Vpc", "EndpointSg", "DbSg"))
    }
    outputs["TaskSubnets"] = {
        "Value": Fn("Join", [",", [ref(s) for s in vpc.task_subnets]]),
        "Export": {"Name": links.export("TaskSubnets")},
    }
    return outputs


def service_resources(vpc: VpcPlan, links: Links) -> dict[str, Any]:
    p = vpc.prefix
    vpc_id = links.id(f"{p}Vpc")
    res: dict[str, Any] = {
        f"{p}Cluster": _resource(
            "AWS::ECS::Cluster",
            ClusterName=f"{p.lower()}-cluster",
            CapacityProviders=["FARGATE", "FARGATE_SPOT"],
            DefaultCapacityProviderStrategy=[{"CapacityProvider": "FARGATE", "Weight": 1}],
            ClusterSettings=[{"Name": "containerInsights", "Value": "enabled"}],
        ),
        f"{p}AlbSg": _resource(
            "AWS::EC2::SecurityGroup",
            GroupDescription="Load balancer",
            VpcId=vpc_id,
            SecurityGroupIngress=[_sg_rule("tcp", 443, 443, CidrIp="0.0.0.0/0")],
        ),
    }
    for svc in vpc.services:
        res |= _service(vpc, svc, links, vpc_id)
    if vpc.efs:
        res |= _efs(vpc, links, vpc_id)
    return res


def _service(vpc: VpcPlan, svc: ServicePlan, links: Links, vpc_id: Any) -> dict[str, Any]:
    s, p = svc.logical, vpc.prefix
    res: dict[str, Any] = {
        f"{s}Sg": _resource(
            "AWS::EC2::SecurityGroup",
            GroupDescription=f"Tasks of service {s}",
            VpcId=vpc_id,
            SecurityGroupIngress=[
                _sg_rule("tcp", 8080, 8080, SourceSecurityGroupId=ref(f"{p}AlbSg"))
            ],
            **_when(_restricted(svc), SecurityGroupEgress=_restricted_egress(vpc, links)),
        ),
        f"{s}LogGroup": _resource(
            "AWS::Logs::LogGroup", LogGroupName=f"/ecs/{s.lower()}", RetentionInDays=30
        ),
        f"{s}ExecutionRole": _resource(
            "AWS::IAM::Role",
            AssumeRolePolicyDocument=_trust(),
            ManagedPolicyArns=[EXECUTION_POLICY],
            Policies=[
                _policy(
                    "secrets",
                    ["secretsmanager:GetSecretValue", "ssm:GetParameters"],
                    [secret_arn(svc), parameter_arn(svc)],
                )
            ],
        ),
        f"{s}TaskRole": _resource(
            "AWS::IAM::Role",
            AssumeRolePolicyDocument=_trust(),
            **_when(bool(task_role_policies(svc)), Policies=task_role_policies(svc)),
        ),
        f"{s}TaskDefinition": _resource("AWS::ECS::TaskDefinition", **_task_definition(vpc, svc)),
        f"{s}Service": _resource("AWS::ECS::Service", **_service_props(vpc, svc, links)),
    }
    if vpc.endpoint_sg_by_reference and interface_endpoints(vpc):
        res[f"{s}ToEndpoints"] = _resource(
            "AWS::EC2::SecurityGroupIngress",
            GroupId=links.id(f"{p}EndpointSg"),
            IpProtocol="tcp",
            FromPort=443,
            ToPort=443,
            SourceSecurityGroupId=ref(f"{s}Sg"),
        )
    return res


def _restricted(svc: ServicePlan) -> bool:
    return svc.egress == "restricted"


def restricted_egress_rules(vpc: VpcPlan) -> list[tuple[int, str, str]]:
    """(port, peer kind, peer) of a restricted service SG's egress."""
    if vpc.kind == "isolated":
        rules = [(443, "sg", f"{vpc.prefix}EndpointSg"), (443, "pl", S3_PREFIX_LIST)]
    else:
        rules = [(443, "cidr", "0.0.0.0/0")]
    return [*rules, (5432, "sg", f"{vpc.prefix}DbSg"), (2049, "cidr", vpc.cidr)]


def _restricted_egress(vpc: VpcPlan, links: Links) -> list[dict[str, Any]]:
    rules = []
    for port, kind, peer in restricted_egress_rules(vpc):
        if kind == "sg":
            rules.append(_sg_rule("tcp", port, port, DestinationSecurityGroupId=links.id(peer)))
        elif kind == "pl":
            rules.append(_sg_rule("tcp", port, port, DestinationPrefixListId=peer))
        else:
            rules.append(_sg_rule("tcp", port, port, CidrIp=peer))
    return rules


def secret_arn(svc: ServicePlan) -> str:
    return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/{svc.logical.lower()}/db-AbC123"


def parameter_arn(svc: ServicePlan) -> str:
    return f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/prod/{svc.logical.lower()}/api-key"


def image(svc: ServicePlan) -> str:
    return f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{svc.logical.lower()}:1.{len(svc.logical)}.0"


def _trust() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def _policy(name: str, actions: list[str], resources: list[str] | str) -> dict[str, Any]:
    return {
        "PolicyName": name,
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resources}],
        },
    }


def task_role_policies(svc: ServicePlan) -> list[dict[str, Any]]:
    policies = []
    if svc.app_actions:
        policies.append(_policy("app", list(svc.app_actions), "*"))
    if svc.exec_:
        channels = ["Create", "Open"]
        actions = [
            f"ssmmessages:{verb}{kind}Channel" for verb in channels for kind in ("Control", "Data")
        ]
        policies.append(_policy("exec", actions, "*"))
    return policies


def containers(vpc: VpcPlan, svc: ServicePlan) -> list[dict[str, Any]]:
    """The container definitions, as CloudFormation spells them (values already resolved)."""
    app: dict[str, Any] = {
        "Name": "app",
        "Image": image(svc),
        "Essential": True,
        "PortMappings": [{"ContainerPort": 8080, "Protocol": "tcp"}],
        "Environment": [
            {"Name": "LOG_LEVEL", "Value": "info"},
            {"Name": "SERVICE_NAME", "Value": svc.logical.lower()},
        ],
        "Secrets": [{"Name": "DB_PASSWORD", "ValueFrom": secret_arn(svc)}],
        "LogConfiguration": {
            "LogDriver": "awslogs",
            "Options": {
                "awslogs-group": f"/ecs/{svc.logical.lower()}",
                "awslogs-region": REGION,
                "awslogs-stream-prefix": "app",
            },
        },
    }
    if svc.ssm_secret:
        app["Secrets"].append({"Name": "API_KEY", "ValueFrom": parameter_arn(svc)})
    if svc.exec_:
        app["LinuxParameters"] = {"InitProcessEnabled": True}
    if svc.efs:
        app["MountPoints"] = [{"SourceVolume": "shared", "ContainerPath": "/mnt/shared"}]
    defs = [app]
    if svc.sidecar:
        defs.append({"Name": "otel", "Image": SIDECAR, "Essential": False, "Cpu": 64})
    return defs


def _task_definition(vpc: VpcPlan, svc: ServicePlan) -> dict[str, Any]:
    defs = containers(vpc, svc)
    # The log group by reference, as a template that creates it writes it.
    defs[0]["LogConfiguration"]["Options"]["awslogs-group"] = ref(f"{svc.logical}LogGroup")
    defs[0]["LogConfiguration"]["Options"]["awslogs-region"] = ref("AWS::Region")
    props: dict[str, Any] = {
        "Family": svc.logical.lower(),
        "Cpu": svc.cpu,
        "Memory": svc.memory,
        "NetworkMode": "awsvpc",
        "RequiresCompatibilities": ["FARGATE"],
        "ExecutionRoleArn": get_att(f"{svc.logical}ExecutionRole", "Arn"),
        "TaskRoleArn": get_att(f"{svc.logical}TaskRole", "Arn"),
        "ContainerDefinitions": defs,
    }
    if svc.efs:
        props["Volumes"] = [
            {
                "Name": "shared",
                "EFSVolumeConfiguration": {
                    "FilesystemId": ref(f"{vpc.prefix}FileSystem"),
                    "TransitEncryption": "ENABLED",
                },
            }
        ]
    return props


def _service_props(vpc: VpcPlan, svc: ServicePlan, links: Links) -> dict[str, Any]:
    props: dict[str, Any] = {
        "Cluster": ref(f"{vpc.prefix}Cluster"),
        "ServiceName": svc.logical.lower(),
        "DesiredCount": 2,
        "TaskDefinition": ref(f"{svc.logical}TaskDefinition"),
        "EnableExecuteCommand": svc.exec_,
        "NetworkConfiguration": {
            "AwsvpcConfiguration": {
                "AssignPublicIp": "ENABLED" if svc.public_ip else "DISABLED",
                "Subnets": links.task_subnets(),
                "SecurityGroups": [ref(f"{svc.logical}Sg")],
            }
        },
    }
    if svc.capacity == "spot":
        props["CapacityProviderStrategy"] = [
            {"CapacityProvider": "FARGATE", "Weight": 1, "Base": 1},
            {"CapacityProvider": "FARGATE_SPOT", "Weight": 3},
        ]
    else:
        props["LaunchType"] = "FARGATE"
    return props


def efs_services(vpc: VpcPlan) -> list[ServicePlan]:
    return [s for s in vpc.services if s.efs]


def _efs(vpc: VpcPlan, links: Links, vpc_id: Any) -> dict[str, Any]:
    p = vpc.prefix
    res: dict[str, Any] = {
        f"{p}FileSystem": _resource("AWS::EFS::FileSystem", Encrypted=True),
        f"{p}EfsSg": _resource(
            "AWS::EC2::SecurityGroup",
            GroupDescription="NFS from the services that mount the file system",
            VpcId=vpc_id,
            SecurityGroupIngress=[
                _sg_rule("tcp", 2049, 2049, SourceSecurityGroupId=ref(f"{s.logical}Sg"))
                for s in efs_services(vpc)
            ],
        ),
    }
    for k, letter in enumerate("AB"):
        res[f"{p}MountTarget{letter}"] = _resource(
            "AWS::EFS::MountTarget",
            FileSystemId=ref(f"{p}FileSystem"),
            SubnetId=links.task_subnet(k),
            SecurityGroups=[ref(f"{p}EfsSg")],
        )
    return res


def _when(condition: bool, **props: Any) -> dict[str, Any]:
    """Optional properties: `props` when `condition` holds, else none."""
    return props if condition else {}


def _resource(kind: str, DependsOn: str | None = None, **props: Any) -> dict[str, Any]:  # noqa: N803
    body: dict[str, Any] = {"Type": kind}
    if DependsOn is not None:
        body["DependsOn"] = DependsOn
    if props:
        body["Properties"] = props
    return body


def _sg_rule(protocol: str, low: int | None, high: int | None, **peer: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {"IpProtocol": protocol}
    if low is not None:
        rule |= {"FromPort": low, "ToPort": high}
    return rule | peer


def single_template(plans: tuple[VpcPlan, ...]) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for vpc in plans:
        resources |= network_resources(vpc)
        resources |= service_resources(vpc, Links(vpc, single=True))
    count = sum(len(v.services) for v in plans)
    return template(resources, f"{count} Fargate services in {len(plans)} VPCs", {})


def multi_templates(plans: tuple[VpcPlan, ...]) -> dict[str, dict[str, Any]]:
    """File name -> template: one network and one service template per VPC."""
    files = {}
    for vpc in plans:
        files[f"{vpc.prefix}-network"] = template(
            network_resources(vpc),
            f"Network of VPC {vpc.prefix} ({vpc.kind})",
            network_outputs(vpc),
        )
        files[f"{vpc.prefix}-services"] = template(
            service_resources(vpc, Links(vpc, single=False)),
            f"{len(vpc.services)} Fargate services in VPC {vpc.prefix}",
            {},
        )
    return files


# --- writing templates -------------------------------------------------------------------------

_PLAIN = re.compile(r"^(?:[A-Za-z/][A-Za-z0-9_./:@-]*|\d+\.\d+\.\d+\.\d+/\d+)$")
_YAML_WORDS = frozenset(["y", "n", "yes", "no", "on", "off", "true", "false", "null"])


def to_json(value: Any) -> Any:
    """Long-form intrinsics, as a JSON template writes them."""
    if isinstance(value, Fn):
        if value.name == "Ref":
            return {"Ref": value.arg}
        if value.name == "GetAtt":
            return {"Fn::GetAtt": value.arg.split(".", 1)}
        return {f"Fn::{value.name}": to_json(value.arg)}
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


def to_yaml(value: dict[str, Any]) -> str:
    """Block YAML with short-form tags (`!Ref X`), the way people write templates."""
    return "\n".join(_block(value, 0)) + "\n"


def _block(value: Any, indent: int) -> Iterator[str]:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if _inline(item):
                yield f"{pad}{_scalar(key)}: {_flow(item)}"
            else:
                yield f"{pad}{_scalar(key)}:"
                yield from _block(item, indent + 2)
    else:
        for item in value:
            if _inline(item):
                yield f"{pad}- {_flow(item)}"
                continue
            lines = list(_block(item, indent + 2))
            yield f"{pad}- {lines[0][indent + 2 :]}"
            yield from lines[1:]


def _inline(value: Any) -> bool:
    if isinstance(value, dict | list):
        if not value:
            return True
        return (
            isinstance(value, list)
            and len(value) <= 4
            and all(not isinstance(v, dict | list) for v in value)
        )
    return True


def _flow(value: Any) -> str:
    if isinstance(value, Fn):
        arg = value.arg
        return f"!{value.name} {_scalar(arg) if isinstance(arg, str) else _flow_in(arg)}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow_in(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{}"
    return _scalar(value)


def _flow_in(value: Any) -> str:
    """A value inside a flow sequence, where `,` `[` `]` end a plain scalar."""
    if isinstance(value, str):
        return json.dumps(value)
    return _flow(value)


def _scalar(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _YAML_WORDS and not text.endswith(":"):
        return text
    return json.dumps(text)


# --- the input model, written directly ----------------------------------------------------------


class ModelWriter:
    """The input model the CloudFormation source builds from the single template, written from
    the plan. Sources point into that template (`file`, line 1): what matters for timing is the
    shape, and the differences are the lines only."""

    def __init__(self, plans: tuple[VpcPlan, ...], file: str = "single/stack.yaml") -> None:
        self.plans = plans
        self.file = file
        self.model: dict[str, Any] = {
            "model_version": 1,
            "region": REGION,
            **{name: {} for name in MODEL_COLLECTIONS},
            "declared_needs": [],
        }

    def src(self, logical: str, *path: str | int) -> dict[str, Any]:
        pointer = "/".join(["", "Resources", logical, *(str(p) for p in path)])
        if path:
            pointer = "/".join(["", "Resources", logical, "Properties", *(str(p) for p in path)])
        return {"file": self.file, "line": 1, "pointer": pointer}

    def add(self, collection: str, logical: str, **fields: Any) -> dict[str, Any]:
        obj = {"id": logical, "name": logical, "source": self.src(logical), **fields}
        self.model[collection][logical] = obj
        return obj

    def build(self) -> dict[str, Any]:
        for vpc in self.plans:
            self.network(vpc)
            self.services(vpc)
        return self.model

    # network ---------------------------------------------------------------------------------

    def network(self, vpc: VpcPlan) -> None:
        p = vpc.prefix
        vid = f"{p}Vpc"
        self.add(
            "vpcs",
            vid,
            cidr_blocks=[vpc.cidr],
            ipv6=False,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            main_route_table=f"{vid}/main-route-table",
            default_nacl=f"{vid}/default-nacl",
            default_security_group=f"{vid}/default-sg",
        )
        self.vpc_defaults(vpc, vid)
        if vpc.internet:
            self.add("internet_gateways", f"{p}Igw", vpc=vid, egress_only=False)
            self.route_table(
                vpc, f"{p}PublicRouteTable", ("igw", f"{p}Igw", f"{p}PublicDefaultRoute")
            )
            for k, letter in enumerate("AB"):
                self.subnet(
                    vpc,
                    f"{p}PublicSubnet{letter}",
                    101 + k,
                    k,
                    f"{p}PublicRouteTable",
                    f"{vid}/default-nacl",
                )
        if vpc.private:
            default = None
            if vpc.kind == "nat":
                self.add(
                    "nat_gateways",
                    f"{p}Nat",
                    subnet=f"{p}PublicSubnetA",
                    availability_mode="zonal",
                    connectivity="public",
                    state="available",
                )
                default = ("nat", f"{p}Nat", f"{p}PrivateDefaultRoute")
            self.route_table(vpc, f"{p}PrivateRouteTable", default)
            self.private_nacl(vpc)
            for k, letter in enumerate("AB"):
                self.subnet(
                    vpc,
                    f"{p}PrivateSubnet{letter}",
                    1 + k,
                    k,
                    f"{p}PrivateRouteTable",
                    f"{p}PrivateNacl",
                )
        if vpc.endpoint_sg_by_reference:
            endpoint_ingress = [
                self.sg_rule(
                    f"{s.logical}ToEndpoints",
                    443,
                    "security_group",
                    f"{s.logical}Sg",
                    standalone=True,
                )
                for s in vpc.services
                if interface_endpoints(vpc)
            ]
        else:
            endpoint_ingress = [
                self.sg_rule(
                    f"{p}EndpointSg", 443, "cidr", vpc.cidr, path=("SecurityGroupIngress", 0)
                )
            ]
        self.security_group(f"{p}EndpointSg", vid, endpoint_ingress, None)
        self.security_group(
            f"{p}DbSg",
            vid,
            [self.sg_rule(f"{p}DbSg", 5432, "cidr", vpc.cidr, path=("SecurityGroupIngress", 0))],
            [
                self.sg_rule(
                    f"{p}DbSg", None, "cidr", "127.0.0.1/32", path=("SecurityGroupEgress", 0)
                )
            ],
        )
        for service in interface_endpoints(vpc):
            self.endpoint(vpc, service, "Interface")
        for service in gateway_endpoints(vpc):
            self.endpoint(vpc, service, "Gateway")

    def vpc_defaults(self, vpc: VpcPlan, vid: str) -> None:
        source = self.src(vid)
        self.model["route_tables"][f"{vid}/main-route-table"] = {
            "id": f"{vid}/main-route-table",
            "name": f"{vid}/main-route-table",
            "source": source,
            "vpc": vid,
            "routes": [self.local_route(vpc, source)],
        }
        self.model["nacls"][f"{vid}/default-nacl"] = {
            "id": f"{vid}/default-nacl",
            "name": f"{vid}/default-nacl",
            "source": source,
            "vpc": vid,
            "is_default": True,
            "entries": [
                self.nacl_entry(100, egress, "-1", "allow", "0.0.0.0/0", None, source)
                for egress in (False, True)
            ],
        }
        group = f"{vid}/default-sg"
        self.model["security_groups"][group] = {
            "id": group,
            "name": group,
            "source": source,
            "vpc": vid,
            "ingress": [_model_rule("-1", None, "security_group", group, source)],
            "egress": [_model_rule("-1", None, "cidr", "0.0.0.0/0", source)],
        }

    def local_route(self, vpc: VpcPlan, source: dict[str, Any]) -> dict[str, Any]:
        return self.route(vpc.cidr, "local", "local", source)

    @staticmethod
    def route(dest: str, kind: str, target: str, source: dict[str, Any]) -> dict[str, Any]:
        return {
            "destination": dest,
            "destination_ipv6": None,
            "destination_prefix_list": None,
            "target_type": kind,
            "target": target,
            "state": "active",
            "source": source,
        }

    def route_table(self, vpc: VpcPlan, logical: str, default: tuple[str, str, str] | None) -> None:
        table = self.add("route_tables", logical, vpc=f"{vpc.prefix}Vpc", routes=[])
        table["routes"].append(self.local_route(vpc, table["source"]))
        if default is not None:
            kind, target, route_logical = default
            table["routes"].append(self.route("0.0.0.0/0", kind, target, self.src(route_logical)))

    def subnet(
        self, vpc: VpcPlan, logical: str, third: int, zone: int, table: str, nacl: str
    ) -> None:
        why = "the availability zones of a region are not known offline"
        self.add(
            "subnets",
            logical,
            vpc=f"{vpc.prefix}Vpc",
            cidr=vpc.subnet_cidr(third),
            # `!Select [k, !GetAZs ""]`: known at deploy time, but its index tells it apart
            availability_zone=self.unknown(why, f"Fn::Select [{zone}, Fn::GetAZs]", logical)
            | {"fix": ZONE_FIX},
            route_table=table,
            nacl=nacl,
            ipv6=False,  # no IPv6 block in the templates
        )

    @staticmethod
    def nacl_entry(
        number: int,
        egress: bool,
        protocol: str,
        action: str,
        cidr: str,
        ports: tuple[int, int] | None,
        source: dict[str, Any],
    ) -> dict[str, Any]:
        return {
            "rule_number": number,
            "egress": egress,
            "protocol": protocol,
            "action": action,
            "cidr": cidr,
            "ipv6_cidr": None,
            "from_port": ports[0] if ports else None,
            "to_port": ports[1] if ports else None,
            "source": source,
        }

    def private_nacl(self, vpc: VpcPlan) -> None:
        nacl = self.add(
            "nacls",
            f"{vpc.prefix}PrivateNacl",
            vpc=f"{vpc.prefix}Vpc",
            is_default=False,
            entries=[],
        )
        for logical, e in nacl_entries(vpc):
            nacl["entries"].append(
                self.nacl_entry(
                    e.number, e.egress, e.protocol, e.action, e.cidr, e.ports, self.src(logical)
                )
            )

    def sg_rule(
        self,
        logical: str,
        port: int | None,
        field: str,
        peer: str,
        path: tuple[str | int, ...] = (),
        standalone: bool = False,
    ) -> dict[str, Any]:
        source = self.src(logical) if standalone else self.src(logical, *path)
        return _model_rule("6" if port is not None else "-1", port, field, peer, source)

    def security_group(
        self,
        logical: str,
        vid: str,
        ingress: list[dict[str, Any]],
        egress: list[dict[str, Any]] | None,
    ) -> None:
        if egress is None:
            egress = [_model_rule("-1", None, "cidr", "0.0.0.0/0", self.src(logical))]
        self.add("security_groups", logical, vpc=vid, ingress=ingress, egress=egress)

    def endpoint(self, vpc: VpcPlan, service: str, kind: str) -> None:
        interface = kind == "Interface"
        self.add(
            "vpc_endpoints",
            endpoint_logical(vpc, service),
            vpc=f"{vpc.prefix}Vpc",
            service=service,
            service_region=REGION,
            type=kind,
            private_dns=interface,
            subnets=list(vpc.task_subnets) if interface else [],
            security_groups=[f"{vpc.prefix}EndpointSg"] if interface else [],
            route_tables=[] if interface else [f"{vpc.prefix}PrivateRouteTable"],
            prefix_list=None,
            policy=None,
            state="available",
        )

    # services --------------------------------------------------------------------------------

    def services(self, vpc: VpcPlan) -> None:
        p = vpc.prefix
        vid = f"{p}Vpc"
        cluster = f"{p}Cluster"
        self.add(
            "clusters",
            cluster,
            arn=self.unknown(
                f"the ARN of cluster {cluster} contains the account id, which is not known offline",
                f"Fn::GetAtt {cluster}.Arn",
                cluster,
            ),
            default_capacity_provider_strategy=[
                {"capacity_provider": "FARGATE", "weight": 1, "base": 0}
            ],
            execute_command_configuration=None,
        )
        self.security_group(
            f"{p}AlbSg",
            vid,
            [self.sg_rule(f"{p}AlbSg", 443, "cidr", "0.0.0.0/0", path=("SecurityGroupIngress", 0))],
            None,
        )
        for svc in vpc.services:
            self.service(vpc, svc)
        if vpc.efs:
            self.efs(vpc)

    def unknown(self, why: str, ref_: str, logical: str) -> dict[str, Any]:
        return {"unknown": why, "ref": ref_, "source": self.src(logical)}

    def service(self, vpc: VpcPlan, svc: ServicePlan) -> None:
        s, vid = svc.logical, f"{vpc.prefix}Vpc"
        egress = None
        if _restricted(svc):
            egress = []
            for k, (port, kind, peer) in enumerate(restricted_egress_rules(vpc)):
                field = {"sg": "security_group", "pl": "prefix_list", "cidr": "cidr"}[kind]
                egress.append(
                    self.sg_rule(f"{s}Sg", port, field, peer, path=("SecurityGroupEgress", k))
                )
        self.security_group(
            f"{s}Sg",
            vid,
            [
                self.sg_rule(
                    f"{s}Sg",
                    8080,
                    "security_group",
                    f"{vpc.prefix}AlbSg",
                    path=("SecurityGroupIngress", 0),
                )
            ],
            egress,
        )
        # the service's own log group (no KMS key): the source reads every AWS::Logs::LogGroup
        self.model.setdefault("log_groups", {})
        self.add("log_groups", f"{s}LogGroup", group_name=f"/ecs/{s.lower()}", kms_key_id=None)
        execution = f"{s}ExecutionRole"
        self.role(
            execution,
            [EXECUTION_POLICY],
            [
                (
                    "secrets",
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["secretsmanager:GetSecretValue", "ssm:GetParameters"],
                                "Resource": [secret_arn(svc), parameter_arn(svc)],
                            }
                        ],
                    },
                )
            ],
        )
        task = f"{s}TaskRole"
        self.role(
            task, [], [(p["PolicyName"], p["PolicyDocument"]) for p in task_role_policies(svc)]
        )
        self.task_definition(vpc, svc, execution, task)
        self.add(
            "services",
            f"{s}Service",
            kind="service",
            cluster=f"{vpc.prefix}Cluster",
            task_definition=f"{s}TaskDefinition",
            launch_type=None if svc.capacity == "spot" else "FARGATE",
            capacity_provider_strategy=[
                {"capacity_provider": "FARGATE", "weight": 1, "base": 1},
                {"capacity_provider": "FARGATE_SPOT", "weight": 3, "base": 0},
            ]
            if svc.capacity == "spot"
            else None,
            platform_version=None,
            enable_execute_command=svc.exec_,
            network={
                "subnets": list(vpc.task_subnets),
                "security_groups": [f"{s}Sg"],
                "assign_public_ip": "ENABLED" if svc.public_ip else "DISABLED",
            },
        )

    def role(
        self, logical: str, managed: list[str], inline: list[tuple[str, dict[str, Any]]]
    ) -> None:
        self.add(
            "roles",
            logical,
            arn=self.role_arn(logical),
            trust_policy=_trust(),
            inline_policies=[
                {"name": name, "document": doc, "source": self.src(logical, "Policies", k)}
                for k, (name, doc) in enumerate(inline)
            ],
            managed_policy_arns=managed,
            permissions_boundary=None,
        )

    def role_arn(self, logical: str) -> dict[str, Any]:
        """A role without RoleName: its ARN is that role's, the name CloudFormation makes up."""
        return self.unknown(
            f"CloudFormation names role {logical} at deploy time, so its ARN is not known",
            f"Fn::GetAtt {logical}.Arn",
            logical,
        ) | {"identity": f"arn:aws:iam::*:role/<#{logical}>"}

    def task_definition(self, vpc: VpcPlan, svc: ServicePlan, execution: str, task: str) -> None:
        cpu, memory = SIZES[(svc.cpu, svc.memory)]
        logical = f"{svc.logical}TaskDefinition"
        volumes = []
        if svc.efs:
            volumes.append(
                {
                    "name": "shared",
                    "efs": {
                        "file_system": f"{vpc.prefix}FileSystem",
                        "iam": "DISABLED",
                        "transit_encryption": "ENABLED",
                    },
                    "source": self.src(logical, "Volumes", 0),
                }
            )
        self.add(
            "task_definitions",
            logical,
            family=svc.logical.lower(),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            os_family="LINUX",
            cpu=cpu,
            memory=memory,
            cpu_raw=svc.cpu,
            memory_raw=svc.memory,
            containers=[self.container(logical, k, c) for k, c in enumerate(containers(vpc, svc))],
            volumes=volumes,
            task_role=task,
            task_role_arn=self.role_arn(task),
            execution_role=execution,
            execution_role_arn=self.role_arn(execution),
        )

    def container(self, logical: str, k: int, c: dict[str, Any]) -> dict[str, Any]:
        log = c.get("LogConfiguration")
        return {
            "name": c["Name"],
            "image": c["Image"],
            "essential": c["Essential"],
            "log_driver": log["LogDriver"] if log else None,
            "log_options": dict(log["Options"]) if log else {},
            # every logging container writes to its service's own AWS::Logs::LogGroup
            **({"log_group_in_inputs": True} if log else {}),
            "secrets": [
                {"name": s["Name"], "value_from": s["ValueFrom"]} for s in c.get("Secrets", [])
            ],
            "repository_credentials": None,
            "environment_names": [e["Name"] for e in c.get("Environment", [])],
            "environment_files": [],
            "readonly_root_filesystem": False,
            "init_process_enabled": bool(c.get("LinuxParameters", {}).get("InitProcessEnabled")),
            "mount_points": [
                {
                    "source_volume": m["SourceVolume"],
                    "container_path": m["ContainerPath"],
                    "read_only": False,
                }
                for m in c.get("MountPoints", [])
            ],
            "source": self.src(logical, "ContainerDefinitions", k),
        }

    def efs(self, vpc: VpcPlan) -> None:
        p = vpc.prefix
        self.add("efs_file_systems", f"{p}FileSystem")
        self.security_group(
            f"{p}EfsSg",
            f"{p}Vpc",
            [
                self.sg_rule(
                    f"{p}EfsSg",
                    2049,
                    "security_group",
                    f"{s.logical}Sg",
                    path=("SecurityGroupIngress", k),
                )
                for k, s in enumerate(efs_services(vpc))
            ],
            None,
        )
        for k, letter in enumerate("AB"):
            self.add(
                "efs_mount_targets",
                f"{p}MountTarget{letter}",
                file_system=f"{p}FileSystem",
                subnet=vpc.task_subnets[k],
                security_groups=[f"{p}EfsSg"],
            )


MODEL_COLLECTIONS = (
    "vpcs",
    "subnets",
    "route_tables",
    "nacls",
    "security_groups",
    "nat_gateways",
    "internet_gateways",
    "vpc_endpoints",
    "prefix_lists",
    "roles",
    "managed_policies",
    "clusters",
    "task_definitions",
    "services",
    "efs_file_systems",
    "efs_mount_targets",
)


def _model_rule(
    protocol: str, port: int | None, field: str, peer: str, source: dict[str, Any]
) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "protocol": protocol,
        "from_port": port,
        "to_port": port,
        "cidr": None,
        "ipv6_cidr": None,
        "security_group": None,
        "prefix_list": None,
    }
    rule[field] = peer
    rule["source"] = source
    return rule


def model(plans: tuple[VpcPlan, ...]) -> dict[str, Any]:
    return ModelWriter(plans).build()


# --- writing files -----------------------------------------------------------------------------

LAYOUTS = ("single", "multi", "model")


def write(
    out: Path,
    services: int,
    vpcs: int,
    seed: int = 1,
    fmt: str = "yaml",
    layouts: tuple[str, ...] = LAYOUTS,
) -> dict[str, Path]:
    """Write the chosen layouts under `out`; return layout -> the path to scan."""
    plans = plan(services, vpcs, seed)
    suffix = ".json" if fmt == "json" else ".yaml"

    def dump(tpl: dict[str, Any]) -> str:
        if fmt == "json":
            return json.dumps(to_json(tpl), indent=1) + "\n"
        return to_yaml(tpl)

    written: dict[str, Path] = {}
    if "single" in layouts:
        folder = out / "single"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"stack{suffix}").write_text(dump(single_template(plans)), encoding="utf-8")
        written["single"] = folder
    if "multi" in layouts:
        folder = out / "multi"
        folder.mkdir(parents=True, exist_ok=True)
        for name, tpl in multi_templates(plans).items():
            (folder / f"{name}{suffix}").write_text(dump(tpl), encoding="utf-8")
        written["multi"] = folder
    if "model" in layouts:
        out.mkdir(parents=True, exist_ok=True)
        path = out / "model.json"
        writer = ModelWriter(plans, file=f"single/stack{suffix}")
        path.write_text(json.dumps(writer.build(), sort_keys=True) + "\n", encoding="utf-8")
        written["model"] = path
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--vpcs", type=int, default=None, help="default: one per 10 services")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")
    parser.add_argument("--layout", choices=(*LAYOUTS, "all"), default="all")
    args = parser.parse_args(argv)
    vpcs = args.vpcs or max(1, args.services // 10)
    layouts = LAYOUTS if args.layout == "all" else (args.layout,)
    try:
        written = write(args.out, args.services, vpcs, args.seed, args.format, layouts)
    except ValueError as exc:
        parser.error(str(exc))
    for layout, path in written.items():
        print(f"{layout}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
