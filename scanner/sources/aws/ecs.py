"""ECS: clusters, their services and standalone Fargate tasks, the tasks that EventBridge rules
and schedules and Step Functions state machines start on them, and the task definitions they
run.

Task definitions, services and tasks are read as the ECS API returns them, through the same
code as ECS JSON files (scanner.sources.ecs_json), so both give the same model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scanner.sources.aws.calls import Reader
from scanner.sources.aws.where import Scope, location, source
from scanner.sources.base import Fragment, ModelObject
from scanner.sources.ecs_json import (
    Node,
    as_run,
    request_fields,
    role_overrides,
    task_definition_fields,
)
from scanner.sources.limits import json_text
from scanner.sources.states import at_run_time, run_task_states, task_fields

_SERVICES_PER_CALL = 10  # DescribeServices
_PER_CALL = 100  # DescribeClusters, DescribeTasks


@dataclass
class Found:
    """What the ECS objects point at, for the network, EFS and IAM exports."""

    subnets: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    file_systems: set[str] = field(default_factory=set)


def export(reader: Reader, scope: Scope, fragment: Fragment, clusters: tuple[str, ...]) -> Found:
    found = Found()
    arns = reader.all("ecs", "ListClusters", "clusterArns") or []
    if clusters:
        arns = [a for a in arns if a in clusters or a.rsplit("/", 1)[-1] in clusters]
    items: list[ModelObject] = []
    overridden_roles: dict[str, Any] = {}  # task ARN -> its run-task `overrides`
    described: list[str] = []
    for batch in _batches(arns, _PER_CALL):
        answer = reader.one("ecs", "DescribeClusters", clusters=batch, include=["CONFIGURATIONS"])
        for cluster in (answer or {}).get("clusters", []):
            fragment.add("clusters", _cluster(cluster))
            described.append(cluster["clusterArn"])
            items += _services(reader, cluster["clusterArn"])
            items += _tasks(reader, cluster, overridden_roles)
    if described:
        items += _scheduled(reader, set(described)) + _state_machines(reader, scope, set(described))
    for item in items:
        fragment.add("services", item)
        network = item["network"]
        if network and isinstance(network["subnets"], list):
            found.subnets.update(s for s in network["subnets"] if isinstance(s, str))
    # a rule may name a family: its latest revision's ARN; a failed call: the gap's unknown
    described_as: dict[str, Any] = {}
    definitions: dict[str, ModelObject] = {}
    named = {item["task_definition"] for item in items if isinstance(item["task_definition"], str)}
    for arn in sorted(named):
        read = reader.one_or_gone("ecs", "DescribeTaskDefinition", taskDefinition=arn)
        if read is None:
            gap = reader.gap("ecs", "DescribeTaskDefinition")
            assert gap is not None
            described_as[arn] = gap.unknown(f"task definition {arn}")
            continue
        if read is False:  # deleted since: not in the inputs
            continue
        definition = _task_definition(scope, read["taskDefinition"], found)
        definitions.setdefault(definition["id"], definition)
        described_as[arn] = definition["id"]
    for definition in _as_run(scope, items, definitions, described_as, overridden_roles, found):
        fragment.add("task_definitions", definition)
    return found


def _as_run(
    scope: Scope,
    items: list[ModelObject],
    definitions: dict[str, ModelObject],
    described_as: dict[str, Any],
    overridden_roles: dict[str, Any],
    found: Found,
) -> list[ModelObject]:
    """Links each runner to its task definition (`described_as`: the ARN it was read by), and
    gives the task definitions as they run (ecs_json.as_run: a task's role overrides)."""
    runners = []
    for item in items:
        if isinstance(item["task_definition"], str):
            item["task_definition"] = described_as.get(
                item["task_definition"], item["task_definition"]
            )
        overrides = overridden_roles.get(item["id"])
        node = Node(item["source"]["file"], overrides, "/overrides", 1) if overrides else None
        fields = _linked_roles(scope, role_overrides(node), found) if node else {}
        runners.append((item, fields))
    return as_run(definitions, runners)


def _role_overrides(task: Any) -> Any:
    """A task's `overrides` when they give it other roles, else None."""
    overrides = task.get("overrides") or {}
    return overrides if overrides.get("taskRoleArn") or overrides.get("executionRoleArn") else None


def _batches(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _cluster(cluster: Any) -> ModelObject:
    arn = cluster["clusterArn"]
    execute = (cluster.get("configuration") or {}).get("executeCommandConfiguration")
    return {
        "id": arn,
        "name": arn,
        "source": source(arn),
        "arn": arn,
        "default_capacity_provider_strategy": [
            {
                "capacity_provider": s["capacityProvider"],
                "weight": s.get("weight", 0),
                "base": s.get("base", 0),
            }
            for s in cluster.get("defaultCapacityProviderStrategy", [])
        ],
        "execute_command_configuration": execute,
    }


def _services(reader: Reader, cluster: str) -> list[ModelObject]:
    arns = reader.all("ecs", "ListServices", "serviceArns", cluster=cluster) or []
    found = []
    for batch in _batches(arns, _SERVICES_PER_CALL):
        answer = reader.one("ecs", "DescribeServices", cluster=cluster, services=batch)
        found += [
            runner
            for service in (answer or {}).get("services", [])
            # DRAINING or INACTIVE: deleted (ECS DeleteService), its tasks stopping or stopped
            if service.get("status", "ACTIVE") == "ACTIVE"
            for runner in _runners(service)
        ]
    return found


def _runners(service: Any) -> list[ModelObject]:
    """A service; or, when it names no task definition (its deployment controller is EXTERNAL),
    its task sets that are not draining, which run its tasks."""
    arn = service["serviceArn"]
    sets = [s for s in service.get("taskSets") or [] if s.get("status") != "DRAINING"]
    if "taskDefinition" not in service and sets:
        execute = service.get("enableExecuteCommand", False)
        return [_service(s, s["taskSetArn"], {"enableExecuteCommand": execute}) for s in sets]
    return [_service(service, arn, _service_connect(service))]


def _service_connect(service: Any) -> dict[str, Any]:
    """DescribeServices gives the Service Connect configuration in each deployment, not in the
    service: the PRIMARY deployment's is the one its tasks start with."""
    for deployment in service.get("deployments") or []:
        configuration = deployment.get("serviceConnectConfiguration")
        if deployment.get("status") == "PRIMARY" and configuration:
            return {"serviceConnectConfiguration": configuration}
    return {}


def _service(data: Any, arn: str, extra: dict[str, Any]) -> ModelObject:
    """A service, or a task set of one, as DescribeServices gives it."""
    fields = request_fields({**data, **extra}, location(arn))
    definition = data.get("taskDefinition") or {
        "unknown": f"service {arn} names no task definition (an external deployment controller "
        "sets it)",
        "ref": f"{arn}.taskDefinition",
        "source": source(arn),
    }
    return {
        **fields,
        "id": arn,
        "name": arn,
        "kind": "service",
        "cluster": data.get("clusterArn"),
        "task_definition": definition,
    }


def _tasks(reader: Reader, cluster: Any, overridden_roles: dict[str, Any]) -> list[ModelObject]:
    """RUNNING Fargate tasks that no service started (a service's tasks are its service); the
    overrides of those started with other roles go to `overridden_roles`."""
    arn = cluster["clusterArn"]
    arns = reader.all("ecs", "ListTasks", "taskArns", cluster=arn, desiredStatus="RUNNING") or []
    tasks = []
    for batch in _batches(arns, _PER_CALL):
        answer = reader.one("ecs", "DescribeTasks", cluster=arn, tasks=batch)
        tasks += [t for t in (answer or {}).get("tasks", []) if _standalone_fargate(t)]
    interfaces = _interfaces(reader, tasks)
    for task in tasks:
        if overrides := _role_overrides(task):
            overridden_roles[task["taskArn"]] = overrides
    return [_task(t, interfaces) for t in tasks]


def _standalone_fargate(task: Any) -> bool:
    by_service = str(task.get("group", "")).startswith("service:") or str(
        task.get("startedBy", "")
    ).startswith("ecs-svc/")
    fargate = task.get("launchType") == "FARGATE" or str(
        task.get("capacityProviderName", "")
    ).startswith("FARGATE")
    return fargate and not by_service


def _eni(task: Any) -> dict[str, str]:
    for attachment in task.get("attachments", []):
        if attachment.get("type") == "ElasticNetworkInterface":
            return {d["name"]: d["value"] for d in attachment.get("details", [])}
    return {}


def _interfaces(reader: Reader, tasks: list[Any]) -> dict[str, Any] | None:
    """The tasks' network interfaces by id: a task's security groups and public IP are there."""
    ids = sorted({i for t in tasks if (i := _eni(t).get("networkInterfaceId"))})
    if not ids:
        return {}
    found = reader.all(
        "ec2", "DescribeNetworkInterfaces", "NetworkInterfaces", NetworkInterfaceIds=ids
    )
    return None if found is None else {i["NetworkInterfaceId"]: i for i in found}


def _task(task: Any, interfaces: dict[str, Any] | None) -> ModelObject:
    arn = task["taskArn"]
    fields = request_fields({k: v for k, v in task.items() if k != "overrides"}, location(arn))
    eni = _eni(task)
    network: Any = None
    if eni.get("subnetId"):
        interface = (interfaces or {}).get(eni.get("networkInterfaceId", ""))
        if interface is None:
            why = {
                "unknown": "the task's network interface could not be read",
                "ref": f"network interface of {arn}",
                "source": source(arn, "/attachments"),
            }
            groups: Any = why
            public: Any = why
        else:
            groups = [g["GroupId"] for g in interface.get("Groups", [])]
            public = (
                "ENABLED" if (interface.get("Association") or {}).get("PublicIp") else "DISABLED"
            )
        network = {
            "subnets": [eni["subnetId"]],
            "security_groups": groups,
            "assign_public_ip": public,
        }
    return {
        **fields,
        "id": arn,
        "name": arn,
        "kind": "task",
        "cluster": task.get("clusterArn"),
        "task_definition": task["taskDefinitionArn"],
        "network": network,
    }


def _scheduled(reader: Reader, clusters: set[str]) -> list[ModelObject]:
    """Tasks that enabled EventBridge rules (on any event bus) and EventBridge Scheduler
    schedules run on these clusters: they need their network only when they start, so a scan
    between two runs sees no RUNNING task."""
    found: list[ModelObject] = []
    buses = reader.all("events", "ListEventBuses", "EventBuses") or []
    for bus in buses:
        rules = reader.all("events", "ListRules", "Rules", EventBusName=bus["Name"]) or []
        for rule in rules:
            if rule.get("State") == "DISABLED":
                continue
            targets = reader.all(
                "events",
                "ListTargetsByRule",
                "Targets",
                Rule=rule["Name"],
                EventBusName=bus["Name"],
            )
            found.extend(
                _run(f"{rule['Arn']}/{target['Id']}", target)
                for target in targets or []
                if target.get("EcsParameters") and target.get("Arn") in clusters
            )
    for entry in reader.all("scheduler", "ListSchedules", "Schedules", State="ENABLED") or []:
        if (entry.get("Target") or {}).get("Arn") not in clusters:
            continue
        answer = reader.one(
            "scheduler", "GetSchedule", Name=entry["Name"], GroupName=entry["GroupName"]
        )
        target = (answer or {}).get("Target") or {}
        if target.get("EcsParameters"):
            found.append(_run(entry["Arn"], target))
    return found


def _state_machines(reader: Reader, scope: Scope, clusters: set[str]) -> list[ModelObject]:
    """Tasks that the ecs:runTask states of Step Functions state machines start on these
    clusters (scanner.sources.states), named `<state machine ARN>/<state>`."""
    found: list[ModelObject] = []
    for entry in reader.all("stepfunctions", "ListStateMachines", "stateMachines") or []:
        arn = entry["stateMachineArn"]
        answer = reader.one("stepfunctions", "DescribeStateMachine", stateMachineArn=arn)
        try:
            definition = json_text((answer or {}).get("definition") or "{}")
        except ValueError:
            continue  # Step Functions accepted it as JSON: not ours to judge
        tasks, _ = run_task_states(definition)
        for label, params, path in tasks:
            ident = f"{arn}/{label}"
            where = source(arn, "/" + "/".join(path))

            def unknown(field: str, expression: str, ident: str = ident, where: Any = where) -> Any:
                why = f"{ident} takes {field} from its input when it runs ({expression})"
                return {"unknown": why, "ref": f"{ident}.{field}", "source": where}

            none = unknown("TaskDefinition", "it names none")
            fields = task_fields(at_run_time(params or {}, unknown), _live_id(scope), none)
            cluster = fields["cluster"] = fields["cluster"] or scope.arn("ecs", "cluster/default")
            # (a cluster taken from the input may be one of these: its task is read too)
            if not isinstance(cluster, str) or cluster in clusters:
                found.append({"id": ident, "name": ident, "source": where, **fields})
    return found


def _live_id(scope: Scope) -> Any:
    """A state's cluster by name or ARN as the cluster's ARN; anything else as written (a task
    definition by family is described by that name, as other tasks' are)."""

    def link(value: Any, collection: str) -> Any:
        if collection == "clusters" and isinstance(value, str) and not value.startswith("arn:"):
            return scope.arn("ecs", f"cluster/{value}")
        return value

    return link


def _run(arn: str, target: Any) -> ModelObject:
    """A target's EcsParameters (EventBridge and Scheduler share the shape) as a run-task
    request, read as ECS JSON is."""
    ecs = target["EcsParameters"]
    awsvpc = (ecs.get("NetworkConfiguration") or {}).get("awsvpcConfiguration")
    request = {
        "launchType": ecs.get("LaunchType"),
        "platformVersion": ecs.get("PlatformVersion"),
        "capacityProviderStrategy": ecs.get("CapacityProviderStrategy"),
        "enableExecuteCommand": ecs.get("EnableExecuteCommand", False),
        "networkConfiguration": awsvpc
        and {
            "awsvpcConfiguration": {
                "subnets": awsvpc.get("Subnets", []),
                "securityGroups": awsvpc.get("SecurityGroups", []),
                "assignPublicIp": awsvpc.get("AssignPublicIp", "DISABLED"),
            }
        },
    }
    fields = request_fields({k: v for k, v in request.items() if v is not None}, location(arn))
    return {
        **fields,
        "id": arn,
        "name": arn,
        "kind": "task",
        "cluster": target["Arn"],
        "task_definition": ecs["TaskDefinitionArn"],
    }


def _linked_roles(scope: Scope, fields: ModelObject, found: Found) -> ModelObject:
    """The roles of task definition fields as the role ARNs the export reads (a role may be
    named by its name)."""
    for field_name in ("task_role", "execution_role"):
        role = fields.get(f"{field_name}_arn")
        if role:
            role_arn = (
                role
                if role.startswith("arn:")
                else scope.arn("iam", f"role/{role}", regional=False)
            )
            fields[field_name] = role_arn
            found.roles.add(role_arn)
    return fields


def _task_definition(scope: Scope, definition: Any, found: Found) -> ModelObject:
    arn = definition["taskDefinitionArn"]
    fields = _linked_roles(scope, task_definition_fields(definition, location(arn)), found)
    for volume in fields["volumes"]:
        if volume["efs"]:
            found.file_systems.add(volume["efs"]["file_system"])
    return {**fields, "id": arn, "name": arn}
