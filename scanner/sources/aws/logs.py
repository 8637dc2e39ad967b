"""CloudWatch Logs: whether the log groups that containers let the awslogs driver create exist.

With `awslogs-create-group: true` the driver calls logs:CreateLogGroup only when CreateLogStream
finds no group (policies/lib/calls.rego, log_actions): a group that exists in the account needs
that permission no more than one the inputs create, so its containers (and Service Connect
proxies) get `log_group_in_inputs: true` as a template's do. Only these are looked up: the
flag changes nothing for the others.

And the log group of a cluster's ECS Exec logging that requires encryption, with its KMS key
(`log_groups`, FG606), from the same lookups.
"""

from __future__ import annotations

from typing import Any

from scanner.sources.aws.calls import Gap, Reader
from scanner.sources.aws.where import Scope, named
from scanner.sources.base import Fragment, ModelObject


def export(reader: Reader, scope: Scope, fragment: Fragment) -> None:
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
    lookup = _Lookup(reader)
    for (region, group), containers in sorted(wanted.items()):
        found = lookup.group(region, group)
        exists: bool | dict[str, Any] | None
        if found is None:
            gap = lookup.failed[region]
            exists = gap.unknown(f"whether log group {group} exists") if gap else None
        else:
            exists = True if found else None
        if exists is not None:
            for container in containers:
                container["log_group_in_inputs"] = exists
    _exec_groups(lookup, scope, fragment)


def _exec_groups(lookup: _Lookup, scope: Scope, fragment: Fragment) -> None:
    """The log group that a cluster's ECS Exec logging requires to be encrypted
    (`cloudWatchEncryptionEnabled`, Logging OVERRIDE), with its KMS key, into `log_groups`
    (FG606): only these are looked up, the key changes nothing for the others. A group that
    does not exist stays out; one whose lookup failed has the gap's unknown as its key."""
    groups: dict[str, ModelObject] = {}
    for cluster in fragment.collections.get("clusters", {}).values():
        config = cluster["execute_command_configuration"]
        logging = config.get("logging") if isinstance(config, dict) else None
        if not isinstance(logging, str) or logging.upper() != "OVERRIDE":
            continue  # (any case, as the policies take it: lib/taskdef.rego overrides_logging)
        log = config.get("logConfiguration") or {}
        name = log.get("cloudWatchLogGroupName")
        if not isinstance(name, str) or log.get("cloudWatchEncryptionEnabled") is not True:
            continue
        found = lookup.group(scope.region, name)
        gap = lookup.failed.get(scope.region)
        key: str | dict[str, Any] | None
        if found:
            key = found.get("kmsKeyId") or None
        elif found is None and gap is not None:
            key = gap.unknown(f"the KMS key of log group {name}")
        else:
            continue  # (a group that does not exist: FG606 checks the groups of the model)
        arn = scope.arn("logs", f"log-group:{name}")
        groups[arn] = named(arn, arn, group_name=name, kms_key_id=key)
    if groups:
        fragment.collections["log_groups"] = groups


class _Lookup:
    """DescribeLogGroups by region and group name, each at most once: a region whose lookup was
    refused (or throttled) once is not asked again (`failed`: its gap)."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.readers: dict[str, Reader] = {}
        self.failed: dict[str, Gap | None] = {}
        self.found: dict[tuple[str, str], dict[str, Any] | None] = {}

    def group(self, region: str, group: str) -> dict[str, Any] | None:
        """The group's description ({} when it does not exist), or None when the lookup
        failed."""
        if (region, group) in self.found:
            return self.found[(region, group)]
        here = self.readers.setdefault(region, self.reader.elsewhere(region))
        answer = None
        if region not in self.failed:
            answer = here.first("logs", "DescribeLogGroups", "logGroups", logGroupNamePrefix=group)
        result: dict[str, Any] | None = None
        if answer is None:
            self.failed.setdefault(region, here.gap("logs", "DescribeLogGroups"))
        else:
            # The answer is ASCII-sorted by name (the DescribeLogGroups API reference), and a
            # name sorts before every longer name it prefixes: the group, if any, comes first.
            exact = answer and answer[0].get("logGroupName") == group
            result = answer[0] if exact else {}
        self.found[(region, group)] = result
        return result


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
