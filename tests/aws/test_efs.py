"""EFS: a task definition that mounts a file system brings the file system, its mount targets
and their security groups into the model (and their subnets into the network export)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from aws_accounts import fargate_service, fargate_task_definition
from click.testing import CliRunner
from moto_server import clients_at

from scanner.cli import main

REGION = "sa-east-1"


@pytest.fixture(scope="module")
def efs_account(moto_url: str) -> dict[str, str]:
    with clients_at(moto_url):
        ec2 = boto3.client("ec2", region_name=REGION)
        efs = boto3.client("efs", region_name=REGION)
        ecs = boto3.client("ecs", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
        zone = f"{REGION}a"  # one zone: its mount target is the one the tasks' DNS gives
        tasks = ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.1.0/24", AvailabilityZone=zone)[
            "Subnet"
        ]["SubnetId"]
        storage = ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.2.0/24", AvailabilityZone=zone)[
            "Subnet"
        ]["SubnetId"]
        task_sg = ec2.create_security_group(GroupName="t", Description="t", VpcId=vpc)["GroupId"]
        nfs_sg = ec2.create_security_group(GroupName="n", Description="n", VpcId=vpc)["GroupId"]
        fs = efs.create_file_system(CreationToken="shared")["FileSystemId"]
        target = efs.create_mount_target(
            FileSystemId=fs, SubnetId=storage, SecurityGroups=[nfs_sg]
        )["MountTargetId"]
        ecs.create_cluster(clusterName="files")
        reader = {
            "name": "reader",
            "image": "public.ecr.aws/docker/library/busybox:1",
            "essential": True,
            "mountPoints": [{"sourceVolume": "shared", "containerPath": "/data"}],
        }
        volume = {"fileSystemId": fs, "transitEncryption": "ENABLED"}
        volumes = [{"name": "shared", "efsVolumeConfiguration": volume}]
        definition = fargate_task_definition(ecs, "reader", [reader], volumes=volumes)
        network = {"subnets": [tasks], "securityGroups": [task_sg]}
        fargate_service(ecs, "files", "reader", definition, network)
        return {"fs": fs, "target": target, "storage": storage, "nfs_sg": nfs_sg, "vpc": vpc}


def test_efs_objects_enter_the_model(efs_account: dict[str, str], aws_env: Any) -> None:
    done = CliRunner().invoke(main, ["export-aws", "--region", REGION], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    (model,) = json.loads(done.stdout)["models"]
    fs, target = efs_account["fs"], efs_account["target"]
    assert list(model["efs_file_systems"]) == [fs]
    assert model["efs_file_systems"][fs]["source"]["file"].endswith(f"/file-system/{fs}")
    mount = model["efs_mount_targets"][target]
    assert (mount["file_system"], mount["subnet"], mount["security_groups"]) == (
        fs,
        efs_account["storage"],
        [efs_account["nfs_sg"]],
    )
    assert efs_account["storage"] in model["subnets"]  # the mount target's subnet is read too
    (definition,) = model["task_definitions"].values()
    assert definition["volumes"][0]["efs"] == {
        "file_system": fs,
        "iam": "DISABLED",
        "transit_encryption": "ENABLED",
    }


def test_scan_reports_the_mount_target_group_that_denies_nfs(
    efs_account: dict[str, str], aws_env: Any
) -> None:
    done = CliRunner().invoke(main, ["scan-aws", "--region", REGION, "--format", "json", "-q"])
    assert done.exit_code == 1
    findings = json.loads(done.stdout)["findings"]
    account, fs = "123456789012", efs_account["fs"]
    arn = f"arn:aws:ec2:{REGION}:{account}"
    (table,) = {f["resource"] for f in findings if f["rule_id"] == "FG202"}
    assert table.startswith(f"{arn}:route-table/rtb-")  # the VPC's main route table: no route
    assert sorted((f["rule_id"], f["need"], f["resource"]) for f in findings) == [
        ("FG202", "public.ecr.aws", table),
        (
            "FG403",
            f"efs:arn:aws:elasticfilesystem:{REGION}:{account}:file-system/{fs}",
            f"{arn}:security-group/{efs_account['nfs_sg']}",
        ),
        ("FG703", None, f"arn:aws:ecs:{REGION}:{account}:task-definition/reader:1"),
    ]


def test_a_mount_target_only_in_another_availability_zone_is_no_path(
    moto_url: str, aws_env: Any
) -> None:
    # The file system's DNS name resolves to the mount target of the task's zone: with none
    # there, the task fails ("Failed to resolve"), though the VPC has a mount target.
    region = "eu-west-3"
    with clients_at(moto_url):
        ec2 = boto3.client("ec2", region_name=region)
        efs = boto3.client("efs", region_name=region)
        ecs = boto3.client("ecs", region_name=region)
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        tasks, storage = (
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=zone)[
                "Subnet"
            ]["SubnetId"]
            for i, zone in enumerate((f"{region}a", f"{region}b"))
        )
        group = ec2.create_security_group(GroupName="t", Description="t", VpcId=vpc)["GroupId"]
        fs = efs.create_file_system(CreationToken="zoned")["FileSystemId"]
        efs.create_mount_target(FileSystemId=fs, SubnetId=storage, SecurityGroups=[group])
        ecs.create_cluster(clusterName="zoned")
        app = {"name": "app", "image": "public.ecr.aws/x/app:1"}
        volumes = [{"name": "data", "efsVolumeConfiguration": {"fileSystemId": fs}}]
        definition = fargate_task_definition(ecs, "zoned", [app], volumes=volumes)
        network = {"subnets": [tasks], "securityGroups": [group]}
        fargate_service(ecs, "zoned", "app", definition, network)
    done = CliRunner().invoke(
        main, ["scan-aws", "--region", region, "--format", "json"], catch_exceptions=False
    )
    (finding,) = [
        f
        for f in json.loads(done.stdout)["findings"]
        if f["rule_id"] == "FG202" and f["need"].endswith(f"file-system/{fs}")
    ]  # (and public.ecr.aws: no route out)
    assert finding["hop"]["detail"].endswith(
        f"has no mount target in availability zone {region}a (only in {region}b), so its DNS "
        "name does not resolve there"
    )
