"""What moto does not keep, from recorded responses (tests/fixtures/aws/README.md): a route in
state `blackhole`, a service's `enableExecuteCommand` and its deployments' Service Connect
configuration, a regional NAT gateway (no subnet), read by the exporter's own conversion
code. (The policies' handling of a blackhole route is tested in policies/lib/paths_test.rego.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scanner.sources.aws import ecs, logs, network
from scanner.sources.aws.where import Scope
from scanner.sources.base import Fragment

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "aws"
SCOPE = Scope("111122223333", "eu-central-1")


def recorded(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_a_blackhole_route_keeps_its_state() -> None:
    (table,) = recorded("describe-route-tables-blackhole.json")["RouteTables"]
    model = network._route_table(SCOPE, table, {"vpce-0aa11bb22cc33dd44"})
    assert (
        model["name"] == "arn:aws:ec2:eu-central-1:111122223333:route-table/rtb-0b1ac4d2e3f4a5b6c"
    )
    routes = [
        (r["destination"], r["target_type"], r["target"], r["state"]) for r in model["routes"]
    ]
    # The gateway endpoint's route is not a route of the model (vpc_endpoints.route_tables).
    assert routes == [
        ("10.20.0.0/16", "local", "local", "active"),
        ("0.0.0.0/0", "nat", "nat-0f1e2d3c4b5a69788", "blackhole"),
    ]
    assert model["routes"][1]["source"] == {
        "file": "aws://111122223333/eu-central-1/ec2/route-table/rtb-0b1ac4d2e3f4a5b6c",
        "line": 1,
        "pointer": "/Routes/1",
    }


def test_a_service_keeps_enable_execute_command() -> None:
    (service,) = recorded("describe-services-exec.json")["services"]
    (model,) = ecs._runners(service)
    assert model["enable_execute_command"] is True
    assert model["kind"] == "service"
    assert model["cluster"] == "arn:aws:ecs:eu-central-1:111122223333:cluster/prod"
    assert model["task_definition"] == service["taskDefinition"]
    assert model["platform_version"] == "LATEST"
    assert model["source"]["file"] == "aws://111122223333/eu-central-1/ecs/service/prod/orders"


def test_a_service_keeps_its_primary_deployments_service_connect_logs() -> None:
    # DescribeServices gives the Service Connect configuration in each deployment only.
    (service,) = recorded("describe-services-service-connect.json")["services"]
    (model,) = ecs._runners(service)
    assert model["service_connect_log"] == {
        "enabled": True,
        "log_driver": "awslogs",
        "log_options": {
            "awslogs-group": "/ecs/central-sc-proxy",
            "awslogs-region": "us-west-2",
            "awslogs-stream-prefix": "proxy",
        },
        "source": {
            "file": "aws://111122223333/eu-central-1/ecs/service/prod/api",
            "line": 1,
            "pointer": "/serviceConnectConfiguration/logConfiguration",
        },
    }
    # the proxy is one more writer whose log group the live scan looks up
    fragment = Fragment()
    fragment.add("services", model)
    assert logs._writers(fragment) == [model["service_connect_log"]]
    (plain,) = ecs._runners(recorded("describe-services-exec.json")["services"][0])
    assert "service_connect_log" not in plain


def test_standalone_fargate_tasks_and_their_network_interface() -> None:
    tasks = recorded("describe-tasks.json")["tasks"]
    standalone = [t for t in tasks if ecs._standalone_fargate(t)]
    assert [t["group"] for t in standalone] == [
        "family:report"
    ]  # the service's task is its service
    interfaces = {
        i["NetworkInterfaceId"]: i
        for i in recorded("describe-network-interfaces.json")["NetworkInterfaces"]
    }
    model = ecs._task(standalone[0], interfaces)
    assert model["kind"] == "task"
    assert (
        model["task_definition"] == "arn:aws:ecs:eu-central-1:111122223333:task-definition/report:3"
    )
    assert model["network"] == {
        "subnets": ["subnet-0c1d2e3f4a5b6c7d8"],
        "security_groups": ["sg-0fedcba9876543210"],
        "assign_public_ip": "ENABLED",
    }
    assert "secret-override" not in json.dumps(model)  # overrides (env values) never enter
    unread = ecs._task(standalone[0], None)["network"]
    assert unread["security_groups"]["ref"] == f"network interface of {standalone[0]['taskArn']}"


def test_a_task_started_with_other_roles_runs_a_copy_of_its_task_definition_with_them() -> None:
    (task, _) = recorded("describe-tasks.json")["tasks"]
    role = "arn:aws:iam::111122223333:role/"
    task["overrides"] |= {"taskRoleArn": f"{role}report-task", "executionRoleArn": "report-exec"}
    overrides = {task["taskArn"]: ecs._role_overrides(task)}
    assert ecs._role_overrides(recorded("describe-tasks.json")["tasks"][0]) is None
    arn = task["taskDefinitionArn"]
    definition = {
        "taskDefinitionArn": arn,
        "family": "report",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{"name": "report", "image": "public.ecr.aws/x/report:1"}],
    }
    found = ecs.Found()
    definitions = {arn: ecs._task_definition(SCOPE, definition, found)}
    item = ecs._task(task, {})
    kept = ecs._as_run(SCOPE, [item], definitions, {}, overrides, found)
    (copy,) = kept  # the task definition itself runs only with other roles
    assert copy["id"] == item["task_definition"] == f"{arn} (as {task['taskArn']} overrides it)"
    assert (copy["task_role"], copy["execution_role"]) == (
        f"{role}report-task",
        f"{role}report-exec",  # a role's name, as its ARN
    )
    assert found.roles == {f"{role}report-task", f"{role}report-exec"}
    # beside a runner without overrides, the task definition is kept as registered too
    plain = ecs._runners(recorded("describe-services-exec.json")["services"][0])[0] | {
        "task_definition": arn
    }
    kept = ecs._as_run(SCOPE, [ecs._task(task, {}), plain], definitions, {}, overrides, found)
    assert [d["id"] for d in kept] == [arn, f"{arn} (as {task['taskArn']} overrides it)"]


class _Recorded:
    """A Reader that answers `all` from recorded items per operation ([] for the others)."""

    def __init__(self, answers: dict[str, list[Any]]) -> None:
        self.answers = answers

    def all(self, service: str, operation: str, key: str, **params: Any) -> list[Any]:
        return self.answers.get(operation, [])

    def one(self, service: str, operation: str, **params: Any) -> None:
        return None

    def gap(self, service: str, operation: str) -> None:
        return None


def test_a_regional_nat_gateway_has_no_subnet() -> None:
    # It has no SubnetId (a KeyError before); the path goes through the VPC's internet gateway.
    nats = recorded("describe-nat-gateways-regional.json")["NatGateways"]
    vpc = "vpc-0a9b8c7d6e5f40312"
    subnet = {"SubnetId": "subnet-0b1c2d3e4f5a69788", "VpcId": vpc, "CidrBlock": "10.20.1.0/24"}
    reader = _Recorded(
        {
            "DescribeSubnets": [subnet],
            "DescribeVpcs": [{"VpcId": vpc, "CidrBlock": "10.20.0.0/16"}],
            "DescribeNatGateways": nats,
        }
    )
    fragment = Fragment()
    network.export(reader, SCOPE, fragment, {subnet["SubnetId"]})  # type: ignore[arg-type]
    (nat,) = fragment.collections["nat_gateways"].values()
    assert (nat["id"], nat["subnet"], nat["availability_mode"], nat["connectivity"]) == (
        "nat-0d4c3b2a1f0e9d8c7",
        None,
        "regional",
        "public",
    )
    assert list(fragment.collections["subnets"]) == [subnet["SubnetId"]]
