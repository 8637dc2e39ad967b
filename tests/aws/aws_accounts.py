"""Realistic accounts built through the EC2, ECS and IAM APIs of the moto server.

Private DNS of an interface endpoint covers its whole VPC, so each case has its own VPC; one
Fargate service in each private subnet:
- `healthy`: 0.0.0.0/0 -> an available NAT gateway in the public subnet (-> internet gateway);
- `broken-nat`: 0.0.0.0/0 -> a NAT gateway that was deleted afterwards (moto keeps the route
  `active` and shows the NAT `deleted`; tests/fixtures/aws/README.md): FG203;
- `endpoint-sg`: no default route, interface endpoints for ECR, Logs and SQS whose security group
  admits 443 only from another group, an S3 gateway endpoint: FG402;
- optionally `isolated`: no route out and no endpoints: FG202.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any

import boto3

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def allow(action: str | list[str], resource: str) -> str:
    """A policy document (JSON) that allows `action` on `resource`."""
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def all_but(*actions: str) -> dict[str, Any]:
    """The policy of a scanning role that may call everything but `actions`."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": list(actions), "Resource": "*"},
        ],
    }


def restrictive(region: str) -> dict[str, Any]:
    """An S3 gateway endpoint policy that lets only ECR's image layers through (the layer
    bucket is prod-REGION-starport-layer-bucket)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::prod-{region}-starport-layer-bucket/*"],
            }
        ],
    }


@dataclass
class Built:
    account: str
    region: str
    vpcs: dict[str, str] = field(default_factory=dict)
    subnets: dict[str, str] = field(default_factory=dict)
    route_tables: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    nats: dict[str, str] = field(default_factory=dict)
    endpoints: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)  # name -> ARN
    cluster: str = ""


def public_network(ec2: Any, cidr: str) -> tuple[str, str]:
    """A VPC of `cidr` with one public subnet (its first /24; its route table sends 0.0.0.0/0 to
    an internet gateway) and a security group `tasks`: (subnet, group)."""
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    first = str(next(ipaddress.ip_network(cidr).subnets(new_prefix=24)))
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=first)["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    group = ec2.create_security_group(GroupName="tasks", Description="t", VpcId=vpc)["GroupId"]
    return subnet, group


def fargate_task_definition(
    ecs: Any, family: str, containers: list[dict[str, Any]], **properties: Any
) -> str:
    """A Fargate task definition (awsvpc, 256 CPU units, 512 MiB) of `containers`; its ARN."""
    return str(
        ecs.register_task_definition(
            family=family,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=containers,
            **properties,
        )["taskDefinition"]["taskDefinitionArn"]
    )


def fargate_service(
    ecs: Any,
    cluster: str,
    name: str,
    definition: str | None,
    network: dict[str, Any],
    **properties: Any,
) -> str:
    """A Fargate service of one task with the awsvpcConfiguration `network`; its ARN."""
    arguments = {
        "cluster": cluster,
        "serviceName": name,
        "taskDefinition": definition,
        "desiredCount": 1,
        "launchType": "FARGATE",
        "networkConfiguration": {"awsvpcConfiguration": network},
        **properties,
    }
    return str(ecs.create_service(**arguments)["service"]["serviceArn"])


def public_fargate_service(
    ecs: Any, cluster: str, name: str, definition: str, subnet: str, group: str
) -> str:
    """A Fargate service of one task in a public subnet, with a public IP; its ARN."""
    network = {"subnets": [subnet], "securityGroups": [group], "assignPublicIp": "ENABLED"}
    return fargate_service(ecs, cluster, name, definition, network)


def build_account(
    region: str, *, isolated: bool = False, cluster: str = "apps", **credentials: Any
) -> Built:
    ec2 = boto3.client("ec2", region_name=region, **credentials)
    ecs = boto3.client("ecs", region_name=region, **credentials)
    iam = boto3.client("iam", region_name=region, **credentials)
    sts = boto3.client("sts", region_name=region, **credentials)
    account = sts.get_caller_identity()["Account"]
    built = Built(account, region)

    def new_vpc(name: str) -> str:
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        built.vpcs[name] = vpc
        return vpc

    def subnet(name: str, cidr: str, vpc: str) -> str:
        sid = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
        rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=rtb, SubnetId=sid)
        built.subnets[name], built.route_tables[name] = sid, rtb
        return sid

    def group(name: str, vpc: str) -> str:
        gid = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
        built.groups[name] = gid
        return gid

    vpc = new_vpc("nat")
    public = subnet("public", "10.0.0.0/24", vpc)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.create_route(
        RouteTableId=built.route_tables["public"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw
    )
    for name in ("healthy", "broken-nat"):
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]
        built.nats[name] = nat["NatGatewayId"]
        subnet(name, {"healthy": "10.0.1.0/24", "broken-nat": "10.0.2.0/24"}[name], vpc)
        ec2.create_route(
            RouteTableId=built.route_tables[name],
            DestinationCidrBlock="0.0.0.0/0",
            NatGatewayId=nat["NatGatewayId"],
        )
    ec2.delete_nat_gateway(NatGatewayId=built.nats["broken-nat"])

    task_groups = {"healthy": group("nat-tasks", vpc)}
    task_groups["broken-nat"] = task_groups["healthy"]

    vpc = new_vpc("endpoints")
    subnet("endpoint-sg", "10.0.3.0/24", vpc)
    task_groups["endpoint-sg"] = group("tasks", vpc)
    endpoint_sg = group("endpoints", vpc)
    other_sg = group("bastion", vpc)
    ec2.authorize_security_group_ingress(
        GroupId=endpoint_sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "UserIdGroupPairs": [{"GroupId": other_sg}],
            }
        ],
    )
    for service in ("ecr.api", "ecr.dkr", "logs", "sqs"):
        endpoint = ec2.create_vpc_endpoint(
            VpcId=vpc,
            ServiceName=f"com.amazonaws.{region}.{service}",
            VpcEndpointType="Interface",
            SubnetIds=[built.subnets["endpoint-sg"]],
            SecurityGroupIds=[endpoint_sg],
            PrivateDnsEnabled=True,
        )["VpcEndpoint"]
        built.endpoints[service] = endpoint["VpcEndpointId"]
    s3 = ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{region}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[built.route_tables["endpoint-sg"]],
        PolicyDocument=json.dumps(restrictive(region)),
    )["VpcEndpoint"]
    built.endpoints["s3"] = s3["VpcEndpointId"]
    if isolated:
        vpc = new_vpc("isolated")
        subnet("isolated", "10.0.4.0/24", vpc)
        task_groups["isolated"] = group("isolated-tasks", vpc)

    execution = iam.create_role(
        RoleName=f"exec-{region}", AssumeRolePolicyDocument=json.dumps(TRUST)
    )["Role"]["Arn"]
    iam.attach_role_policy(RoleName=f"exec-{region}", PolicyArn=EXECUTION_POLICY)
    task_role = iam.create_role(
        RoleName=f"app-{region}", AssumeRolePolicyDocument=json.dumps(TRUST)
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=f"app-{region}",
        PolicyName="read-queue",
        PolicyDocument=allow("sqs:ReceiveMessage", "*"),
    )
    built.cluster = ecs.create_cluster(
        clusterName=cluster,
        configuration={"executeCommandConfiguration": {"logging": "DEFAULT"}},
    )["cluster"]["clusterArn"]
    definition = fargate_task_definition(
        ecs,
        "web",
        [
            {
                "name": "web",
                "image": f"{account}.dkr.ecr.{region}.amazonaws.com/web:1",
                "essential": True,
                "environment": [{"name": "DB_PASSWORD", "value": "hunter2-secret-value"}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/web",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "web",
                    },
                },
            }
        ],
        executionRoleArn=execution,
        taskRoleArn=task_role,
    )
    for name in built.subnets:
        if name == "public":
            continue
        network = {
            "subnets": [built.subnets[name]],
            "securityGroups": [task_groups[name]],
            "assignPublicIp": "DISABLED",
        }
        built.services[name] = fargate_service(
            ecs, cluster, name, definition, network, platformVersion="1.4.0"
        )
    return built
