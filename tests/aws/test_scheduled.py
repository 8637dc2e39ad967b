"""Tasks that no service definition of its own describes. EventBridge's: an enabled rule's ECS
target (on a custom event bus too) and an EventBridge Scheduler schedule are read as standalone
tasks of the clusters scanned, so a scan between two runs still checks their network; a disabled
rule, a target that is not ECS and a schedule of another cluster are left out. So are the
ecs:runTask states of a Step Functions state machine. And the task sets of a service whose
deployment controller is EXTERNAL, which names no task definition."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from aws_accounts import fargate_service, fargate_task_definition
from click.testing import CliRunner
from fault_proxy import Faults, fault_proxy
from moto_server import clients_at

from scanner.cli import main

REGION = "eu-north-1"


@pytest.fixture(scope="module")
def account(moto_url: str) -> dict[str, str]:
    with clients_at(moto_url):
        ec2 = boto3.client("ec2", region_name=REGION)
        ecs = boto3.client("ecs", region_name=REGION)
        events = boto3.client("events", region_name=REGION)
        scheduler = boto3.client("scheduler", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        isolated = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="jobs", Description="j", VpcId=vpc)["GroupId"]
        cluster = ecs.create_cluster(clusterName="jobs")["cluster"]["clusterArn"]
        other = ecs.create_cluster(clusterName="other")["cluster"]["clusterArn"]
        report = {"name": "report", "image": "public.ecr.aws/docker/library/busybox:1"}
        definition = fargate_task_definition(ecs, "report", [report])
        family = definition.rsplit(":", 1)[0]  # a rule may name the family: the latest revision
        network = {"subnets": [isolated], "securityGroups": [group]}
        # the same task definition by its ARN: described once
        service = fargate_service(ecs, "jobs", "api", definition, network)
        parameters = {
            "TaskDefinitionArn": family,
            "LaunchType": "FARGATE",
            "NetworkConfiguration": {
                "awsvpcConfiguration": {"Subnets": [isolated], "SecurityGroups": [group]}
            },
        }
        # deleted: moto lists it (INACTIVE) where AWS no longer does; never scanned
        fargate_service(ecs, "jobs", "retired", definition, network, desiredCount=0)
        ecs.delete_service(cluster="jobs", service="retired")
        ecs.create_service(
            cluster="jobs",
            serviceName="blue-green",
            desiredCount=1,
            deploymentController={"type": "EXTERNAL"},
        )
        task_set = ecs.create_task_set(
            cluster="jobs",
            service="blue-green",
            taskDefinition=definition,
            launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": network},
        )["taskSet"]["taskSetArn"]
        role = "arn:aws:iam::123456789012:role/run-task"
        events.create_event_bus(Name="orders")
        for bus, name, state in (
            ("default", "nightly", "ENABLED"),
            ("orders", "on-order", "ENABLED"),
            ("default", "paused", "DISABLED"),
        ):
            rule = events.put_rule(
                Name=name,
                EventBusName=bus,
                State=state,
                **(
                    {"ScheduleExpression": "rate(1 day)"}
                    if bus == "default"
                    else {"EventPattern": json.dumps({"source": ["orders"]})}
                ),
            )["RuleArn"]
            targets = [{"Id": "run", "Arn": cluster, "RoleArn": role, "EcsParameters": parameters}]
            if name == "on-order":
                targets.append({"Id": "queue", "Arn": f"arn:aws:sqs:{REGION}:123456789012:q"})
            events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
            if name == "nightly":
                nightly = rule
            elif name == "on-order":
                on_order = rule
        for name, target_cluster in (("hourly", cluster), ("elsewhere", other)):
            scheduler.create_schedule(
                Name=name,
                ScheduleExpression="rate(1 hour)",
                FlexibleTimeWindow={"Mode": "OFF"},
                Target={"Arn": target_cluster, "RoleArn": role, "EcsParameters": parameters},
            )
        hourly = f"arn:aws:scheduler:{REGION}:123456789012:schedule/default/hourly"
        run = {
            "Type": "Task",
            "Resource": "arn:aws:states:::ecs:runTask.sync",
            "End": True,
            "Parameters": {
                "Cluster": "jobs",  # by name
                "TaskDefinition": family,
                "LaunchType": "FARGATE",
                "NetworkConfiguration": {
                    "AwsvpcConfiguration": {"Subnets": [isolated], "SecurityGroups": [group]}
                },
            },
        }
        elsewhere = {**run, "Parameters": {**run["Parameters"], "Cluster": other}}
        dynamic = {  # its subnets come from the execution's input
            **run,
            "Parameters": {
                **run["Parameters"],
                "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets.$": "$.subnets"}},
            },
        }
        anywhere = {**run, "Parameters": {**run["Parameters"], "Cluster.$": "$.cluster"}}
        del anywhere["Parameters"]["Cluster"]
        branches = [
            {"StartAt": name, "States": {name: state}}
            for name, state in (
                ("Export", run),
                ("Elsewhere", elsewhere),
                ("Import", dynamic),
                ("Anywhere", anywhere),  # its cluster comes from the input: read too
            )
        ]
        machine = boto3.client("stepfunctions", region_name=REGION).create_state_machine(
            name="pipeline",
            roleArn="arn:aws:iam::123456789012:role/states-run-task",
            definition=json.dumps(
                {
                    "StartAt": "All",
                    "States": {"All": {"Type": "Parallel", "End": True, "Branches": branches}},
                }
            ),
        )["stateMachineArn"]
        return {
            "api": service,
            "task-set": task_set,
            "nightly": f"{nightly}/run",
            "on-order": f"{on_order}/run",
            "hourly": hourly,
            "export": f"{machine}/Export",
            "import": f"{machine}/Import",
            "anywhere": f"{machine}/Anywhere",
            "cluster": cluster,
            "definition": definition,
            "isolated": isolated,
            "group": group,
        }


def test_rules_and_schedules_that_run_tasks_enter_the_model(
    account: dict[str, str], aws_env: Any
) -> None:
    done = CliRunner().invoke(
        main, ["export-aws", "--region", REGION, "--cluster", "jobs"], catch_exceptions=False
    )
    assert done.exit_code == 0, done.output
    (model,) = json.loads(done.stdout)["models"]
    assert sorted(model["services"]) == sorted(  # not the EXTERNAL service: its task set
        [account[n] for n in ("api", "task-set", "nightly", "on-order", "hourly")]
        + [account[n] for n in ("export", "import", "anywhere")]  # not Elsewhere: another's
    )
    export = model["services"][account["export"]]
    assert (export["cluster"], export["task_definition"], export["network"]["subnets"]) == (
        account["cluster"],
        account["definition"],  # the family, described
        [account["isolated"]],
    )
    assert export["source"] == {
        "file": f"aws://123456789012/{REGION}/states/stateMachine:pipeline",
        "line": 1,
        "pointer": "/States/All/Branches/0/States/Export",
    }
    imported = model["services"][account["import"]]["network"]["subnets"]
    assert (
        imported["ref"] == f"{account['import']}.NetworkConfiguration.AwsvpcConfiguration.Subnets"
    )
    task_set = model["services"][account["task-set"]]
    assert (task_set["kind"], task_set["task_definition"], task_set["network"]["subnets"]) == (
        "service",
        account["definition"],
        [account["isolated"]],
    )
    task = model["services"][account["nightly"]]
    assert task == {
        "id": account["nightly"],
        "name": account["nightly"],
        "source": {
            "file": f"aws://123456789012/{REGION}/events/rule/nightly/run",
            "line": 1,
            "pointer": "",
        },
        "kind": "task",
        "cluster": account["cluster"],
        "task_definition": account["definition"],  # the family, described: its latest ARN
        "launch_type": "FARGATE",
        "capacity_provider_strategy": None,
        "platform_version": None,
        "enable_execute_command": False,
        "network": {
            "subnets": [account["isolated"]],
            "security_groups": [account["group"]],
            "assign_public_ip": "DISABLED",
        },
    }
    assert list(model["task_definitions"]) == [account["definition"]]
    assert account["isolated"] in model["subnets"]


def test_a_scheduled_task_in_a_subnet_with_no_route_is_reported(
    account: dict[str, str], aws_env: Any
) -> None:
    done = CliRunner().invoke(
        main, ["scan-aws", "--region", REGION, "--cluster", "jobs", "--format", "json"]
    )
    assert done.exit_code == 1, done.output
    findings = json.loads(done.stdout)["findings"]
    errors = sorted(
        (f["rule_id"], f["service"], f["need"]) for f in findings if f["level"] == "error"
    )
    assert errors == sorted(
        ("FG202", account[name], "public.ecr.aws")
        for name in ("anywhere", "api", "export", "hourly", "nightly", "on-order", "task-set")
    )
    notes = [line for line in done.stderr.splitlines() if line.startswith("notice: read")]
    assert notes == [
        "notice: read 1 account-region(s), 0 coverage gap(s); "
        "API calls: ec2 10, ecs 7, events 5, scheduler 2, stepfunctions 2, sts 1 (27 in all)"
    ]


def test_every_page_of_event_buses_is_read(
    account: dict[str, str], moto_url: str, aws_env: Any, monkeypatch: Any
) -> None:
    # botocore has no paginator for events:ListEventBuses: the scan follows its NextToken. Paged
    # one bus at a time (moto does not page), the rule on the second bus (orders) is still read;
    # before, only the first page was, and its task was left out without a word.
    faults = Faults(pages={"ListEventBuses": (1, "EventBuses")})
    with fault_proxy(moto_url, faults) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        done = CliRunner().invoke(
            main, ["export-aws", "--region", REGION, "--cluster", "jobs"], catch_exceptions=False
        )
    assert done.exit_code == 0, done.output
    (model,) = json.loads(done.stdout)["models"]
    assert {account["nightly"], account["on-order"]} <= set(model["services"])
    assert faults.seen.count(("events", "ListEventBuses")) == 2
    assert model["coverage_gaps"] == []


def test_a_task_subnet_that_does_not_exist_says_so(moto_url: str, aws_env: Any) -> None:
    # An enabled rule's ECS target names a subnet that DescribeSubnets (which answered) does not
    # return: it does not exist, or is not shared with the account. No rule says so: an FG801
    # note that gives that reason, no longer "not in the scanned inputs" with the advice to scan
    # the account and region that hold it (this scan read them).
    region, ghost = "eu-central-2", "subnet-0123456789abcdef0"
    with clients_at(moto_url):
        ecs = boto3.client("ecs", region_name=region)
        cluster = ecs.create_cluster(clusterName="ghosts")["cluster"]["clusterArn"]
        ghost_container = {"name": "g", "image": "public.ecr.aws/docker/library/busybox:1"}
        definition = fargate_task_definition(ecs, "ghost", [ghost_container])
        events = boto3.client("events", region_name=region)
        rule = events.put_rule(Name="ghost", ScheduleExpression="rate(1 day)")["RuleArn"]
        parameters = {
            "TaskDefinitionArn": definition,
            "LaunchType": "FARGATE",
            "NetworkConfiguration": {"awsvpcConfiguration": {"Subnets": [ghost]}},
        }
        target = {"Id": "run", "Arn": cluster, "RoleArn": "arn:aws:iam::123456789012:role/r"}
        events.put_targets(Rule="ghost", Targets=[{**target, "EcsParameters": parameters}])
    done = CliRunner().invoke(
        main, ["scan-aws", "--region", region, "--format", "json"], catch_exceptions=False
    )
    assert done.exit_code == 0, done.output
    (note,) = [f for f in json.loads(done.stdout)["findings"] if f["resource"] == f"subnet {ghost}"]
    assert note["message"].startswith(
        f"subnet {ghost} is not settled (ec2:DescribeSubnets in account 123456789012 region "
        f"{region} does not return {ghost}: it does not exist or is not shared with this "
        "account): it blocks FG201, FG202, FG203"
    )
    assert note["message"].endswith(f"for task {rule}/run")
    assert note["fix"] == (
        "Check the subnet ID: a task cannot start in a subnet that does not exist or is not "
        "shared with account 123456789012 (AWS RAM)."
    )
    assert note["location"]["file"] == f"aws://123456789012/{region}/events/rule/ghost/run"
