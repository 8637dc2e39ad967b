"""ECS and EFS resources of a plan: clusters, task definitions, services, file systems and mount
targets. `container_definitions` is JSON text in the plan, read as ECS JSON is."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from scanner.errors import SourceError
from scanner.sources.base import AWSLOGS_OPTION, ModelObject
from scanner.sources.ecs_json import Node, NotSettled, Unsettled, container
from scanner.sources.limits import json_text
from scanner.sources.tf.build import (
    CLUSTER,
    EFS,
    ROLE,
    SECURITY_GROUP,
    SERVICE,
    SUBNET,
    TASK_DEFINITION,
    Build,
    Collections,
    Field,
    attribute,
)
from scanner.sources.tf.expr import Attr, Obj, Opaque, Pattern
from scanner.sources.tf.hcl import nested_blocks
from scanner.sources.tf.iam import arn, role_named
from scanner.sources.tf.links import AFTER_APPLY_FIX, hcl_references
from scanner.sources.tf.plan import UNKNOWN, Instance, PathStep
from scanner.sources.tf.written import (
    after_apply,
    as_json,
    encoded,
    known_fields,
    name_of,
    role_arn_fields,
    unsettled,
)
from scanner.sources.units import parse_cpu, parse_memory

Builder = Callable[[Build, Instance], None]

_CONTAINER_DEFINITIONS: tuple[PathStep, ...] = ("container_definitions",)
_FAMILY = re.compile(r"^(?:arn:[^:]+:ecs:[^:]*:[^:]*:task-definition/)?([^:/]+)(?::\d+)?$")


def cluster(build: Build, inst: Instance) -> None:
    build.add(
        "clusters",
        build.base(inst)
        | {
            "arn": arn(build, inst, "cluster"),
            "default_capacity_provider_strategy": [],
            "execute_command_configuration": _exec_configuration(build, inst),
        },
    )


def _exec_configuration(build: Build, inst: Instance) -> Field:
    path: tuple[PathStep, ...] = ("configuration", 0, "execute_command_configuration", 0)
    found = inst.get(*path)
    if found is None:
        return None
    if found is UNKNOWN:
        return build.after_apply(inst, path)
    return _camel(build, inst, path, found)


def _camel(build: Build, inst: Instance, path: tuple[PathStep, ...], value: Any) -> Any:
    """The provider's snake_case blocks as the ECS API spells them (`kms_key_id` -> `kmsKeyId`),
    single blocks unwrapped; unknown values become unknowns."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        return _camel(build, inst, (*path, 0), value[0])
    if isinstance(value, dict):
        out = {}
        for key in [*value, *(k for k in inst.unknown_keys(*path) if k not in value)]:
            child = (*path, key)
            if inst.get(*child) is UNKNOWN:
                out[_camel_name(key)] = after_apply(build, inst, child)
            elif value[key] not in (None, "", []):
                out[_camel_name(key)] = _camel(build, inst, child, value[key])
        return out
    return value


# The provider's names that the ECS API spells otherwise.
_API_NAMES = {"s3_bucket_encryption_enabled": "s3EncryptionEnabled"}


def _camel_name(name: str) -> str:
    if name in _API_NAMES:
        return _API_NAMES[name]
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def cluster_capacity_providers(build: Build, inst: Instance) -> None:
    target = build.link(inst, ("cluster_name",), CLUSTER)
    strategy = _strategy(build, inst, "default_capacity_provider_strategy")

    def attach(model: Collections) -> None:
        found = _in(model, "clusters", target)
        if found is not None:
            found["default_capacity_provider_strategy"] = strategy

    build.later.append(attach)


def _strategy(build: Build, inst: Instance, *path: PathStep) -> Field:
    found = inst.get(*path)
    if found is UNKNOWN:
        return build.after_apply(inst, path)
    if not isinstance(found, list):
        return []
    return [
        {
            "capacity_provider": build.value(inst, *path, i, "capacity_provider"),
            "weight": build.value(inst, *path, i, "weight", default=0),
            "base": build.value(inst, *path, i, "base", default=0),
        }
        for i in range(len(found))
    ]


def task_definition(build: Build, inst: Instance) -> None:
    cpu_raw = _size(build, inst, "cpu")
    memory_raw = _size(build, inst, "memory")
    obj = build.base(inst) | {
        "family": build.value(inst, "family"),
        "network_mode": build.value(inst, "network_mode", default="bridge"),
        "requires_compatibilities": build.value(inst, "requires_compatibilities", default=[]),
        "os_family": build.value(
            inst, "runtime_platform", 0, "operating_system_family", default="LINUX"
        ),
        "cpu": parse_cpu(cpu_raw) if isinstance(cpu_raw, str) else cpu_raw,
        "memory": parse_memory(memory_raw) if isinstance(memory_raw, str) else memory_raw,
        "cpu_raw": cpu_raw,
        "memory_raw": memory_raw,
        "containers": _containers(build, inst),
        "volumes": _volumes(build, inst),
        **_proxy_configuration(build, inst),
    }
    for field, name in (("task_role", "task_role_arn"), ("execution_role", "execution_role_arn")):
        obj[field], obj[f"{field}_arn"] = _role(build, inst, name)
    build.add("task_definitions", obj)


def _proxy_configuration(build: Build, inst: Instance) -> ModelObject:
    """`proxy_configuration` when the task definition has one (an App Mesh Envoy sidecar)."""
    found = inst.get("proxy_configuration")
    if found is UNKNOWN:
        unknown = build.after_apply(inst, ("proxy_configuration",))
        configuration = {"type": unknown, "container_name": unknown}
    elif isinstance(found, list) and found:
        configuration = {
            "type": build.value(inst, "proxy_configuration", 0, "type", default="APPMESH"),
            "container_name": build.value(inst, "proxy_configuration", 0, "container_name"),
        }
    else:
        return {}
    source = build.source(inst, "proxy_configuration", 0)
    return {"proxy_configuration": configuration | {"source": source}}


def _size(build: Build, inst: Instance, name: str) -> Field:
    found = build.value(inst, name)
    if isinstance(found, int | float) and not isinstance(found, bool):
        return str(found)
    return found


def _role(build: Build, inst: Instance, name: str) -> tuple[Field, Field]:
    """(role id or unknown, the ARN as the plan knows it) of task_role_arn / execution_role_arn."""
    found = inst.get(name)
    if found is None or found == "":
        return None, None
    if isinstance(found, str):
        linked = build.known_id(found, ROLE)
        if linked == found:
            named = role_named(build, found)
            if named is not None:
                return named, found
            unknown = {
                "unknown": f"IAM role {found} is not in the scanned inputs",
                "ref": f"role {found}",
                "source": build.source(inst),
            }
            return unknown, found
        return linked, found
    linked = build.link(inst, (name,), ROLE)
    if not isinstance(linked, str):
        return linked, linked
    why = f"the ARN of role {linked} is known only after apply"
    role_arn = build.unknown(inst, (name,), why, f"{linked}.arn")
    return linked, role_arn | role_arn_fields(build, build.instance_of(linked))


def _containers(build: Build, inst: Instance) -> Field:
    """The containers; an unknown (FG801) when container_definitions is known only after apply
    and its .tf expression does not give them."""
    source = build.source(inst)
    text = inst.get("container_definitions")
    if text is UNKNOWN:
        written = encoded(build, inst, _CONTAINER_DEFINITIONS)
        if written is None:
            why = (
                f"the container definitions of {inst.address} are known only after apply and "
                "are not a jsonencode() or JSON text this scanner can read, so its containers are "
                "not analysed"
            )
            return build.unknown(inst, _CONTAINER_DEFINITIONS, why, fix=AFTER_APPLY_FIX)

        def leaf(value: Attr | Obj | Opaque) -> Unsettled:
            return Unsettled(unsettled(build, inst, _CONTAINER_DEFINITIONS, value))

        definitions = as_json(written.value, leaf)
        if isinstance(definitions, Unsettled):  # jsonencode() of a value apply settles
            return definitions.model
    elif isinstance(text, str):
        try:
            definitions = json_text(text)
        except ValueError:
            message = f"{inst.address}: container_definitions is not JSON"
            raise SourceError(source["file"], source["line"], message) from None
    else:
        return []
    if not isinstance(definitions, list):
        raise SourceError(
            source["file"], source["line"], f"{inst.address}: container_definitions is not a list"
        )
    root = Node(
        source["file"], definitions, f"{source['pointer']}/container_definitions", source["line"]
    )
    try:
        containers = []
        for node in root.items():
            if not isinstance(node.value, dict):
                raise node.fail("each container definition must be an object")
            containers.append(container(node))
    except NotSettled as missing:  # where the model has no room for an unknown (a name)
        why = f"{missing}, where the container definitions of {inst.address} need a value"
        return build.unknown(inst, _CONTAINER_DEFINITIONS, why)
    for c in containers:
        options = c["log_options"]
        if isinstance(options, dict) and _log_group_in_inputs(build, options.get("awslogs-group")):
            c["log_group_in_inputs"] = True
    return containers


def _log_group_in_inputs(build: Build, group: Any) -> bool:
    """An awslogs group that a log group of the plan creates: its planned name, or the name of
    one that apply settles (`aws_cloudwatch_log_group.app.name` of a group with `name_prefix`
    or no name, also in a module)."""
    if isinstance(group, str):
        return group in build.string_values("aws_cloudwatch_log_group", "name")
    ref = group.get("ref") if isinstance(group, dict) else None
    return (
        isinstance(ref, str)
        and (ref.startswith("aws_cloudwatch_log_group.") or ".aws_cloudwatch_log_group." in ref)
        and ref.endswith(".name")
    )


def _volumes(build: Build, inst: Instance) -> list[ModelObject]:
    found = inst.get("volume")
    if not isinstance(found, list):
        return []
    block = build.block(inst)
    # the volumes' HCL blocks are needed only to follow an unknown file system id
    written = (
        nested_blocks(block.body if block else None, "volume") or []
        if inst.has_unknown("volume")
        else []
    )
    volumes = []
    for index, volume in enumerate(found):
        name = volume.get("name") if isinstance(volume, dict) else None
        hcl = [b for b in written if b.get("name") == name]
        volumes.append(
            {
                "name": build.value(inst, "volume", index, "name"),
                "efs": _efs(build, inst, index, hcl[0] if len(hcl) == 1 else None, len(found) == 1),
                "source": build.source(inst, "volume", index),
            }
        )
    return volumes


def _efs(build: Build, inst: Instance, index: int, hcl: dict[str, Any] | None, only: bool) -> Field:
    path: tuple[PathStep, ...] = ("volume", index, "efs_volume_configuration", 0)
    configuration = inst.get(*path)
    if not isinstance(configuration, dict):
        return None
    file_system: Field
    if (
        isinstance(configuration.get("file_system_id"), str)
        and inst.get(*path, "file_system_id") is not UNKNOWN
    ):
        file_system = build.known_id(configuration["file_system_id"], EFS)
    else:
        file_system = _volume_file_system(build, inst, path, hcl, only)
    iam = build.value(inst, *path, "authorization_config", 0, "iam", default="DISABLED")
    transit = build.value(inst, *path, "transit_encryption", default="DISABLED")
    return {
        "file_system": file_system,
        "iam": iam.upper() if isinstance(iam, str) else iam,
        "transit_encryption": transit.upper() if isinstance(transit, str) else transit,
    }


def _volume_file_system(
    build: Build, inst: Instance, path: tuple[PathStep, ...], hcl: dict[str, Any] | None, only: bool
) -> Field:
    """`volume` is a set: its planned order is not the configuration's. The volume's own HCL
    block (found by name) gives the reference; without it, only a lone volume can be matched."""
    scope = build.linker.scope_of(inst)
    efs_blocks = nested_blocks(hcl, "efs_volume_configuration") if hcl else None
    if efs_blocks and len(efs_blocks) == 1 and "file_system_id" in efs_blocks[0]:
        refs = tuple(hcl_references(efs_blocks[0]["file_system_id"]))
        return build.pick_one(
            inst, (*path, "file_system_id"), EFS, build.linker.resolve_refs(refs, scope)
        )
    if only:
        return build.link(inst, (*path, "file_system_id"), EFS)
    return build.after_apply(inst, (*path, "file_system_id"))


def service(build: Build, inst: Instance) -> None:
    obj = _runner(build, inst, "service", (), ("cluster",), ("task_definition",))
    obj |= _service_connect_log(build, inst)


def _service_connect_log(build: Build, inst: Instance) -> ModelObject:
    """`service_connect_log` when Service Connect is on (or known only after apply) and its
    proxy has a log_configuration (the proxy is a container ECS adds to each task: its logs go
    where this says), read as a container's."""
    at: tuple[PathStep, ...] = ("service_connect_configuration", 0)
    log: tuple[PathStep, ...] = (*at, "log_configuration", 0)
    enabled = build.value(inst, *at, "enabled", default=False)
    if inst.get(*log) is None or enabled is False:
        return {}
    options: Field
    if inst.get(*log, "options") is UNKNOWN:
        options = _written_options(build, inst, (*log, "options"))
    else:
        found = inst.get(*log, "options") or {}
        keys = [*found, *inst.unknown_keys(*log, "options")]
        options = {
            str(k): build.value(inst, *log, "options", k)
            for k in keys
            if str(k).startswith(AWSLOGS_OPTION)
        }
    if isinstance(options, dict) and isinstance(options.get("awslogs-create-group"), str):
        options["awslogs-create-group"] = options["awslogs-create-group"].lower()
    group = options.get("awslogs-group") if isinstance(options, dict) else None
    in_inputs = _log_group_in_inputs(build, group)
    entry = {
        "enabled": enabled,
        "log_driver": build.value(inst, *log, "log_driver"),
        "log_options": options,
        **({"log_group_in_inputs": True} if in_inputs else {}),
        "source": build.source(inst, "service_connect_configuration", 0, "log_configuration", 0),
    }
    return {"service_connect_log": entry}


def _written_options(build: Build, inst: Instance, path: tuple[PathStep, ...]) -> Field:
    """Log options that the plan knows only after apply as a whole (one of them is, such as
    `awslogs-group = aws_cloudwatch_log_group.proxy.name`), from their .tf map: each value
    apply settles is its own unknown, named by the attribute it reads."""
    written = build.evaluate(inst, path) or []
    if len(written) != 1 or not isinstance(written[0], dict):
        return build.after_apply(inst, path)

    def leaf(value: Attr | Obj | Opaque) -> ModelObject:
        return unsettled(build, inst, path, value)

    return {
        str(k): as_json(v, leaf) for k, v in written[0].items() if str(k).startswith(AWSLOGS_OPTION)
    }


def task_set(build: Build, inst: Instance) -> None:
    """aws_ecs_task_set: the tasks of a service whose deployment controller is EXTERNAL, which
    is then not analysed on its own (it names no task definition of its own)."""
    _runner(build, inst, "service", (), ("cluster",), ("task_definition",))
    parent = build.link(inst, ("service",), SERVICE)

    def replace(model: Collections) -> None:
        found = _in(model, "services", parent)
        if found is not None and not isinstance(found["task_definition"], str):
            del model["services"][found["id"]]

    build.later.append(replace)


def event_target(build: Build, inst: Instance) -> None:
    """aws_cloudwatch_event_target with an ecs_target: EventBridge runs standalone tasks."""
    if _block(inst, "ecs_target"):
        ecs = ("ecs_target", 0)
        _runner(build, inst, "task", ecs, ("arn",), (*ecs, "task_definition_arn"))


def schedule(build: Build, inst: Instance) -> None:
    """aws_scheduler_schedule whose target has ecs_parameters: standalone tasks."""
    if _block(inst, "target") and _block(inst, "target", 0, "ecs_parameters"):
        ecs = ("target", 0, "ecs_parameters", 0)
        _runner(build, inst, "task", ecs, ("target", 0, "arn"), (*ecs, "task_definition_arn"))


def _block(inst: Instance, *path: PathStep) -> bool:
    found = inst.get(*path)
    return isinstance(found, list) and bool(found)


def _runner(
    build: Build,
    inst: Instance,
    kind: str,
    at: tuple[PathStep, ...],
    cluster: tuple[PathStep, ...],
    task_definition: tuple[PathStep, ...],
) -> ModelObject:
    """A service, or a task from EcsParameters at `at`, with its cluster and task definition."""
    definition = _by_name(build, inst, task_definition, "task_definitions")
    if definition is None:
        why = (
            f"{build.id(inst)} names no task_definition (an external deployment controller sets it)"
        )
        definition = build.unknown(inst, task_definition, why)
    obj = build.base(inst) | {
        "kind": kind,
        "cluster": _by_name(build, inst, cluster, "clusters"),
        "task_definition": definition,
        "launch_type": build.value(inst, *at, "launch_type"),
        "capacity_provider_strategy": _strategy(build, inst, *at, "capacity_provider_strategy")
        or None,
        "platform_version": build.value(inst, *at, "platform_version"),
        "enable_execute_command": build.value(inst, *at, "enable_execute_command", default=False),
        "network": _network(build, inst, at),
    }
    build.add("services", obj)
    return obj


# What a cluster or task definition is named by: its kind, and the attribute of the resource
# type that holds its name.
BY_NAME: dict[str, tuple[Any, str, str]] = {
    "clusters": (CLUSTER, "aws_ecs_cluster", "name"),
    "task_definitions": (TASK_DEFINITION, "aws_ecs_task_definition", "family"),
}


def _by_name(build: Build, inst: Instance, path: tuple[PathStep, ...], collection: str) -> Field:
    """A cluster or task definition named by reference, ARN, or name / `family:revision`."""
    found = inst.get(*path)
    if isinstance(found, str) and found:
        return named(build, found, collection)
    if found is None and path == ("cluster",):
        return None  # the region's default cluster
    linked = build.link(inst, path, BY_NAME[collection][0])
    if isinstance(linked, dict) and collection == "task_definitions":
        # `"${aws_ecs_task_definition.app.family}:${...revision}"` (terraform-aws-modules/ecs:
        # the revision is the larger of the resource's and a data source's): the family is
        # known at plan time, and names the task definition of the plan
        family = _family_of(build.evaluate(inst, path) or [])
        by_family = named(build, family, collection) if family else None
        if by_family is not None and by_family != family:
            return by_family
    return linked


def _family_of(values: list[Any]) -> str | None:
    """The family of a `family:revision` string whose revision only apply settles."""
    if len(values) != 1 or not isinstance(values[0], Pattern):
        return None
    prefix = "".join(itertools.takewhile(lambda p: isinstance(p, str), values[0].parts))
    family, colon, _ = prefix.partition(":")
    return family if colon and family else None


def named(build: Build, found: str, collection: str) -> str:
    """The model id of a literal id or ARN of a cluster or task definition (`collection`), or
    of the one such resource whose name it ends in (`family:revision`); else the literal."""
    kind, type_, key = BY_NAME[collection]
    linked = build.known_id(found, kind)
    if linked != found:
        return linked
    match = _FAMILY.match(found.rsplit("/", 1)[-1] if type_ == "aws_ecs_cluster" else found)
    wanted = match.group(1) if match else found
    candidates = [
        build.id(i)
        for i in build.plan.instances.values()
        if i.type == type_ and i.get(key) == wanted
    ]
    return candidates[0] if len(candidates) == 1 else found


def _network(build: Build, inst: Instance, at: tuple[PathStep, ...]) -> Field:
    found = inst.get(*at, "network_configuration")
    if found is UNKNOWN:
        return build.after_apply(inst, (*at, "network_configuration"))
    if not isinstance(found, list) or not found:
        return None
    path: tuple[PathStep, ...] = (*at, "network_configuration", 0)
    public = build.value(inst, *path, "assign_public_ip", default=False)
    return {
        "subnets": build.link_list(inst, (*path, "subnets"), SUBNET),
        "security_groups": build.link_list(inst, (*path, "security_groups"), SECURITY_GROUP),
        "assign_public_ip": ("ENABLED" if public else "DISABLED")
        if isinstance(public, bool)
        else public,
    }


def efs_file_system(build: Build, inst: Instance) -> None:
    build.add("efs_file_systems", build.base(inst))


def efs_mount_target(build: Build, inst: Instance) -> None:
    subnet = build.link(inst, ("subnet_id",), SUBNET)
    groups = build.link_list(inst, ("security_groups",), SECURITY_GROUP)
    obj = build.base(inst) | {
        "file_system": build.link(inst, ("file_system_id",), EFS),
        "subnet": subnet,
        "security_groups": groups,
    }
    build.add("efs_mount_targets", obj)
    if groups == [] and inst.expression("security_groups") is None:
        # EFS gives a mount target without security groups its VPC's default group.
        def attach(model: Collections) -> None:
            found = _in(model, "subnets", subnet)
            vpc = found["vpc"] if found is not None else None
            obj["security_groups"] = (
                [build.vpc_default(vpc, "security_group")]
                if isinstance(vpc, str)
                else [
                    build.unknown(
                        inst,
                        ("security_groups",),
                        "the default security group of the VPC of "
                        f"{attribute(inst, ('subnet_id',))} is not settled",
                    )
                ]
            )

        build.later.append(attach)


def _in(model: Collections, collection: str, ident: Field) -> ModelObject | None:
    return model.get(collection, {}).get(ident) if isinstance(ident, str) else None


def log_group(build: Build, inst: Instance) -> None:
    """aws_cloudwatch_log_group: its name (as `aws_cloudwatch_log_group.x.name` gives it) and KMS
    key (null: none), which FG606 reads for the log group of a cluster's ECS Exec logging."""
    found = inst.get("name")
    if isinstance(found, str) and found:
        name: Field = found
    else:
        pattern, identity = name_of(build, inst, "name")
        why = f"the name of log group {inst.address} is known only after apply"
        name = build.unknown(inst, ("name",), why, f"{inst.address}.name")
        name |= known_fields(pattern, identity)
    key = inst.get("kms_key_id")
    if key is UNKNOWN:
        key = after_apply(build, inst, ("kms_key_id",))
    build.add("log_groups", build.base(inst) | {"group_name": name, "kms_key_id": key or None})


BUILDERS: dict[str, Builder] = {
    "aws_cloudwatch_log_group": log_group,
    "aws_ecs_cluster": cluster,
    "aws_ecs_cluster_capacity_providers": cluster_capacity_providers,
    "aws_ecs_task_definition": task_definition,
    "aws_ecs_service": service,
    "aws_ecs_task_set": task_set,
    "aws_cloudwatch_event_target": event_target,
    "aws_scheduler_schedule": schedule,
    "aws_efs_file_system": efs_file_system,
    "aws_efs_mount_target": efs_mount_target,
}
