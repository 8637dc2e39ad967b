"""Step Functions state machines: the Task states that run ECS tasks (the `ecs:runTask`
integration), found the same way in a CloudFormation template, a Terraform plan and a live
account. Each such state starts standalone tasks with the ECS RunTask API's parameters
(`Cluster`, `TaskDefinition`, `LaunchType`, `NetworkConfiguration.AwsvpcConfiguration`, ...)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# arn:aws:states:::ecs:runTask, with .sync or .waitForTaskToken, and the SDK integration
# arn:aws:states:::aws-sdk:ecs:runTask (the same RunTask parameters); `*` for an unsettled
# partition.
RUN_TASK = re.compile(
    r"arn:[\w*-]+:states:::(?:aws-sdk:)?ecs:runTask(?:\.sync|\.waitForTaskToken)?"
)


def is_unknown(value: Any) -> bool:
    """A model unknown object (Terraform, live); CloudFormation has its own `Unknown`."""
    return isinstance(value, dict) and "unknown" in value and "ref" in value


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def run_task_states(
    definition: Any,
    text: Callable[[Any], str | None] = _string,
    unsettled: Callable[[Any], bool] = is_unknown,
) -> tuple[list[tuple[str, Any, tuple[str, ...]]], bool]:
    """(label, parameters, path) of each Task state whose Resource is ecs:runTask, in the
    machine and in its Parallel branches and Map processors; and whether some of the states, or a
    Task state's Resource, are `unsettled` (the tasks there, if any, are not found). `text` gives
    a Resource as a string (with `*` for unsettled parts), or None. The defaults read JSON with
    model unknowns in it (a Terraform plan's, a live account's). The label is the state's
    name, with `#2`, `#3` after a name that another branch already used; the parameters are its
    `Arguments` (JSONata) or `Parameters` (JSONPath), None without either; the path leads to
    the state."""
    found: list[tuple[str, Any, tuple[str, ...]]] = []
    partial = False
    seen: dict[str, int] = {}
    pending: list[tuple[Any, tuple[str, ...]]] = [(definition, ())]
    while pending:
        machine, at = pending.pop(0)
        states = machine.get("States") if isinstance(machine, dict) else None
        if unsettled(machine) or unsettled(states):
            partial = True
        if not isinstance(states, dict) or unsettled(states):
            continue
        for name, state in states.items():
            if not isinstance(state, dict) or unsettled(state):
                partial = partial or unsettled(state)
                continue
            path = (*at, "States", str(name))
            branches = state.get("Branches")
            partial = partial or unsettled(branches)
            for index, branch in enumerate(branches if isinstance(branches, list) else []):
                pending.append((branch, (*path, "Branches", str(index))))
            pending.extend((state.get(key), (*path, key)) for key in ("ItemProcessor", "Iterator"))
            if state.get("Type") != "Task":
                continue
            resource = text(state.get("Resource"))
            if resource is None:
                partial = partial or unsettled(state.get("Resource"))
            elif RUN_TASK.fullmatch(resource):
                seen[name] = seen.get(name, 0) + 1
                label = str(name) if seen[name] == 1 else f"{name}#{seen[name]}"
                params = state.get("Arguments", state.get("Parameters"))
                found.append((label, params, path))
    return found, partial


def at_run_time(value: Any, unknown: Callable[[str, str], Any], path: str = "") -> Any:
    """`value` with what the state takes from its input when it runs as unknowns: a `Key.$`
    field (a JSONPath, `"Subnets.$": "$.subnets"`) becomes `Key`, and a JSONata expression
    (`"{% $states.input.subnets %}"`) its own value; `unknown(field path, expression)`."""
    if isinstance(value, dict):
        settled: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key)
            if name.endswith(".$"):
                field = name[:-2]
                settled[field] = unknown(_join(path, field), str(item))
            else:
                settled[name] = at_run_time(item, unknown, _join(path, name))
        return settled
    if isinstance(value, list):
        return [at_run_time(item, unknown, _join(path, str(i))) for i, item in enumerate(value)]
    if isinstance(value, str) and value.startswith("{%") and value.endswith("%}"):
        return unknown(path, value)
    return value


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def task_fields(params: Any, link: Callable[[Any, str], Any], none: Any) -> dict[str, Any]:
    """The model fields of the tasks a state starts, from its parameters as literal JSON (a
    Terraform plan's definition, a live one), unknown objects where `at_run_time` put them.
    `link(value, collection)` gives the model id of a value the definition names an object by
    (a literal id, name or ARN); `none` is the task definition of a state that names none."""

    def get(*path: str) -> Any:
        node = params
        for key in path:
            if is_unknown(node) or not isinstance(node, dict):
                return node if is_unknown(node) else None
            node = node.get(key)
        return node

    def linked(value: Any, collection: str) -> Any:
        return value if value is None or is_unknown(value) else link(value, collection)

    def ids(value: Any, collection: str) -> Any:
        if isinstance(value, list):
            return [linked(v, collection) for v in value]
        return [] if value is None else value

    awsvpc = get("NetworkConfiguration", "AwsvpcConfiguration")
    network: Any = None
    if is_unknown(awsvpc):
        network = {"subnets": awsvpc, "security_groups": awsvpc, "assign_public_ip": awsvpc}
    elif isinstance(awsvpc, dict):
        public = awsvpc.get("AssignPublicIp") or "DISABLED"
        network = {
            "subnets": ids(awsvpc.get("Subnets"), "subnets"),
            "security_groups": ids(awsvpc.get("SecurityGroups"), "security_groups"),
            "assign_public_ip": public.upper() if isinstance(public, str) else public,
        }
    strategy = get("CapacityProviderStrategy")
    if isinstance(strategy, list):
        strategy = [
            {
                "capacity_provider": item.get("CapacityProvider"),
                "weight": item.get("Weight", 0),
                "base": item.get("Base", 0),
            }
            if isinstance(item, dict)
            else item
            for item in strategy
        ]
    task = get("TaskDefinition")
    return {
        "kind": "task",
        "cluster": linked(get("Cluster"), "clusters"),
        "task_definition": none if task is None else linked(task, "task_definitions"),
        "launch_type": get("LaunchType"),
        "capacity_provider_strategy": strategy,
        "platform_version": get("PlatformVersion"),
        "enable_execute_command": get("EnableExecuteCommand") or False,
        "network": network,
    }
