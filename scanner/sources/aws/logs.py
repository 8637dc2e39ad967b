"""CloudWatch Logs: whether the log groups that containers let the awslogs driver create exist.

With `awslogs-create-group: true` the driver calls logs:CreateLogGroup only when CreateLogStream
finds no group (policies/lib/calls.rego, log_actions): a group that exists in the account needs
that permission no more than one the inputs create, so its containers get
`log_group_in_inputs: true` as a template's do. Only these containers are looked up: the flag
changes nothing for the others.
"""

from __future__ import annotations

from scanner.sources.aws.calls import Reader
from scanner.sources.base import Fragment, ModelObject


def export(reader: Reader, fragment: Fragment) -> None:
    """One DescribeLogGroups per distinct group and region (awslogs-region, else the task's),
    however many containers write to it. A lookup that fails leaves its containers unmarked
    (logs:CreateLogGroup is still asked for) and is a coverage gap (FG801) that says why."""
    wanted: dict[tuple[str, str], list[ModelObject]] = {}
    for definition in fragment.collections.get("task_definitions", {}).values():
        containers = definition["containers"]
        for container in containers if isinstance(containers, list) else []:
            options = container["log_options"]
            if container["log_driver"] != "awslogs" or not isinstance(options, dict):
                continue
            group, create = options.get("awslogs-group"), options.get("awslogs-create-group")
            if isinstance(group, str) and isinstance(create, str) and create.lower() == "true":
                region = options.get("awslogs-region") or reader.region
                wanted.setdefault((region, group), []).append(container)
    readers: dict[str, Reader] = {}
    failed: set[str] = set()  # refused (or throttled) once, it would be again: one per region
    for (region, group), containers in sorted(wanted.items()):
        if region in failed:
            continue
        here = readers.setdefault(region, reader.elsewhere(region))
        found = here.first("logs", "DescribeLogGroups", "logGroups", logGroupNamePrefix=group)
        if found is None:
            failed.add(region)
        # The answer is ASCII-sorted by name (the DescribeLogGroups API reference), and a name
        # sorts before every longer name it prefixes: the group, when it exists, comes first.
        elif found and found[0].get("logGroupName") == group:
            for container in containers:
                container["log_group_in_inputs"] = True
