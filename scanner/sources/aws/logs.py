"""CloudWatch Logs: whether the log groups that containers let the awslogs driver create exist.

With `awslogs-create-group: true` the driver calls logs:CreateLogGroup only when CreateLogStream
finds no group (policies/lib/calls.rego, log_actions): a group that exists in the account needs
that permission no more than one the inputs create, so its containers (and Service Connect
proxies) get `log_group_in_inputs: true` as a template's do. Only these are looked up: the
flag changes nothing for the others.
"""

from __future__ import annotations

from typing import Any

from scanner.sources.aws.calls import Gap, Reader
from scanner.sources.base import Fragment, ModelObject


def export(reader: Reader, fragment: Fragment) -> None:
    """One DescribeLogGroups per distinct group and region (awslogs-region, else the task's),
    however many containers write to it. A lookup that fails is a coverage gap, and its
    containers' `log_group_in_inputs` the gap's unknown: a denied logs:CreateLogGroup is then
    an FG801 note, not an error (the group may exist)."""
    wanted: dict[tuple[str, str], list[ModelObject]] = {}
    for container in _writers(fragment):
        options = container["log_options"]
        if container["log_driver"] != "awslogs" or not isinstance(options, dict):
            continue
        group, create = options.get("awslogs-group"), options.get("awslogs-create-group")
        if isinstance(group, str) and isinstance(create, str) and create.lower() == "true":
            region = options.get("awslogs-region") or reader.region
            wanted.setdefault((region, group), []).append(container)
    readers: dict[str, Reader] = {}
    failed: dict[str, Gap | None] = {}  # refused (or throttled) once, it would be again
    for (region, group), containers in sorted(wanted.items()):
        here = readers.setdefault(region, reader.elsewhere(region))
        found = None
        if region not in failed:
            found = here.first("logs", "DescribeLogGroups", "logGroups", logGroupNamePrefix=group)
        exists: bool | dict[str, Any] | None
        if found is None:
            gap = failed.setdefault(region, here.gap("logs", "DescribeLogGroups"))
            exists = gap.unknown(f"whether log group {group} exists") if gap else None
        else:
            # The answer is ASCII-sorted by name (the DescribeLogGroups API reference), and a
            # name sorts before every longer name it prefixes: the group, if any, comes first.
            exists = True if found and found[0].get("logGroupName") == group else None
        if exists is not None:
            for container in containers:
                container["log_group_in_inputs"] = exists


def _writers(fragment: Fragment) -> list[ModelObject]:
    """What writes with a log driver: each container, and each service's Service Connect proxy
    (its `service_connect_log`)."""
    found: list[ModelObject] = []
    for definition in fragment.collections.get("task_definitions", {}).values():
        containers = definition["containers"]
        found += containers if isinstance(containers, list) else []
    for service in fragment.collections.get("services", {}).values():
        log = service.get("service_connect_log")
        found += [log] if isinstance(log, dict) else []
    return found
