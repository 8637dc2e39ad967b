"""ECS and EFS resources: clusters, task definitions, services, file systems, mount targets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.sources.base import AWSLOGS_OPTION, ModelObject
from scanner.sources.cfn.cursor import Cursor, Field, text_of
from scanner.sources.cfn.iam import match_role, role_arn, role_path
from scanner.sources.cfn.out import Collections, Links, Out, Res, bool_or, ids_or, text_or
from scanner.sources.cfn.values import Composite, ResRef, Unknown, Value, Where

Builder = Callable[[Res, Out], None]


def cluster(res: Res, out: Out) -> None:
    name = res.prop("ClusterName")
    if name is not None:
        literal = name.text()
        if isinstance(literal, str):
            out.names.append(lambda links: links.cluster_names.setdefault(literal, res.id))
    exec_config = res.prop("Configuration", "ExecuteCommandConfiguration")
    out.add(
        "clusters",
        res.base()
        | {
            "arn": res.unknown(
                f"the ARN of cluster {res.logical} contains the account id, which is not known "
                "offline",
                f"Fn::GetAtt {res.id}.Arn",
            ),
            "default_capacity_provider_strategy": _strategy(
                res.prop("DefaultCapacityProviderStrategy")
            )
            or [],
            "execute_command_configuration": _camel(exec_config.plain()) if exec_config else None,
        },
    )


def cluster_capacity_provider_associations(res: Res, out: Out) -> None:
    target, literal = _reference(res.require("Cluster"), "clusters")
    strategy = _strategy(res.require("DefaultCapacityProviderStrategy"))

    def attach(model: Collections, links: Links) -> None:
        ident = links.cluster_names.get(_last_segment(literal)) if literal else target
        found = model.get("clusters", {}).get(ident) if isinstance(ident, str) else None
        if found is not None:
            found["default_capacity_provider_strategy"] = strategy

    out.later.append(attach)


def _strategy(cursor: Cursor | None) -> Field:
    if cursor is None:
        return None
    items = cursor.items()
    if isinstance(items, Unknown):
        return items.json()
    strategy = []
    for item in items:
        provider = item.get("CapacityProvider")
        if provider is None:
            raise item.fail(f"{item.name} needs CapacityProvider")
        weight, base = item.get("Weight"), item.get("Base")
        strategy.append(
            {
                "capacity_provider": provider.text(),
                "weight": weight.integer() if weight is not None else 0,
                "base": base.integer() if base is not None else 0,
            }
        )
    return strategy


def _camel(value: Any) -> Any:
    """CloudFormation's PascalCase keys as the ECS API spells them (KmsKeyId -> kmsKeyId)."""
    if isinstance(value, dict) and "unknown" not in value:
        return {k[:1].lower() + k[1:]: _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def task_definition(res: Res, out: Out) -> None:
    from scanner.sources.units import parse_cpu, parse_memory

    family = res.prop("Family")
    family_value = (
        family.text()
        if family is not None
        else res.unknown(
            f"task definition {res.logical} has no Family: CloudFormation names it at deploy time",
            f"{res.id}.Family",
        )
    )
    if isinstance(family_value, str):
        out.names.append(
            lambda links: (
                links.families.setdefault(family_value, {})
                .setdefault(res.stack.rel, [])
                .append(res.id)
            )
        )
    cpu, cpu_raw = _size(res.prop("Cpu"), parse_cpu)
    memory, memory_raw = _size(res.prop("Memory"), parse_memory)
    network_mode = res.prop("NetworkMode")
    obj = res.base() | {
        "family": family_value,
        "network_mode": text_or(network_mode, "bridge"),
        "requires_compatibilities": _texts(res.prop("RequiresCompatibilities")),
        "os_family": text_or(res.prop("RuntimePlatform", "OperatingSystemFamily"), "LINUX"),
        "cpu": cpu,
        "memory": memory,
        "cpu_raw": cpu_raw,
        "memory_raw": memory_raw,
        "containers": _containers(res),
        "volumes": _volumes(res.prop("Volumes")),
        **_proxy_configuration(res.prop("ProxyConfiguration")),
    }
    if network_mode is not None:
        obj["network_mode_source"] = network_mode.where.json()
    for field, prop in (("task_role", "TaskRoleArn"), ("execution_role", "ExecutionRoleArn")):
        obj[field], obj[f"{field}_arn"] = _role(res, out, obj, field, prop)
    out.add("task_definitions", obj)
    _mark_named_log_groups(out, obj["containers"])


def _proxy_configuration(cursor: Cursor | None) -> ModelObject:
    """`proxy_configuration` when the task definition has one (an App Mesh Envoy sidecar)."""
    if cursor is None:
        return {}
    return {
        "proxy_configuration": {
            "type": text_or(cursor.get("Type"), None),
            "container_name": text_or(cursor.get("ContainerName"), None),
            "source": cursor.where.json(),
        }
    }


def _mark_named_log_groups(out: Out, containers: list[ModelObject]) -> None:
    """Containers that name their awslogs group by the LogGroupName of an AWS::Logs::LogGroup
    of the same stack write to a group the inputs create (see _log_group_in_inputs). The stack's
    names are read once, whatever the number of containers."""
    named = [c for c in containers if isinstance(c["log_options"].get("awslogs-group"), str)]
    if not named:
        return
    if out.log_group_names is None:
        stack = out.stack
        out.log_group_names = {
            name
            for logical in stack.tpl.resources
            if stack.tpl.resource_type(logical) == _LOG_GROUP
            and isinstance(name := text_of(stack.property_value(logical, "LogGroupName")), str)
        }
    for c in named:
        if c["log_options"]["awslogs-group"] in out.log_group_names:
            c["log_group_in_inputs"] = True


def _size(cursor: Cursor | None, parse: Callable[[Any], int | None]) -> tuple[Field, Field]:
    if cursor is None:
        return None, None
    raw = cursor.text()
    if isinstance(raw, dict):  # unknown
        return raw, raw
    return parse(raw), raw


def _texts(cursor: Cursor | None) -> Field:
    return [] if cursor is None else cursor.text_list()


def _role(res: Res, out: Out, obj: ModelObject, field: str, prop: str) -> tuple[Field, Field]:
    """(role id or unknown, ARN as written) for TaskRoleArn / ExecutionRoleArn."""
    cursor = res.prop(prop)
    if cursor is None:
        return None, None
    value = _single(cursor.value())
    if isinstance(value, ResRef):
        ident = cursor.ident("roles")
        return ident, role_arn(value.stack, value.logical)
    text = text_of(value)
    if text is None:
        raise cursor.fail(f"{cursor.name} must be a role ARN or name")
    if isinstance(text, Unknown):
        # `!Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${ExecName}`: the one role of
        # the inputs with that path and name (iam.role_path), else unknown
        missing = text.json()
        path = role_path(text.partial, text.identity)
        if path is None:
            return missing, missing

        def link_path(model: Collections, links: Links) -> None:
            found = links.role_paths.get(path, [])
            obj[field] = found[0] if len(found) == 1 else missing

        out.later.append(link_path)
        return missing, missing
    name = text
    missing = Unknown(
        f"IAM role {name} is not in the scanned inputs", f"role {name}", cursor.where
    ).json()

    def link(model: Collections, links: Links) -> None:
        found = match_role(links, name)
        obj[field] = found if found is not None else missing

    out.later.append(link)
    return missing, name


def _containers(res: Res) -> list[ModelObject]:
    cursor = res.prop("ContainerDefinitions")
    if cursor is None:
        return []
    items = cursor.items()
    if isinstance(items, Unknown):
        res.stack.run.notice(
            f"{cursor.where.file}:{cursor.line}: the containers of {res.logical} are not settled "
            f"({items.why}); they are not analysed"
        )
        return []
    return [_container(item) for item in items]


def _container(cursor: Cursor) -> ModelObject:
    name = cursor.get("Name")
    image = cursor.get("Image")
    if name is None or image is None:
        raise cursor.fail(f"{cursor.name}: a container definition needs Name and Image")
    log = cursor.get("LogConfiguration")
    driver = log.get("LogDriver") if log is not None else None
    credentials = cursor.get("RepositoryCredentials")
    parameter = credentials.get("CredentialsParameter") if credentials is not None else None
    options = log.get("Options") if log is not None else None
    group = options.get("awslogs-group") if options is not None else None
    return {
        "name": name.text(),
        "image": image.text(),
        "essential": bool_or(cursor.get("Essential"), True),
        "log_driver": driver.text() if driver is not None else None,
        "log_options": _log_options(options),
        **({"log_group_in_inputs": True} if _log_group_in_inputs(group) else {}),
        "secrets": [_secret(item) for item in _list(cursor.get("Secrets"))],
        "repository_credentials": parameter.text() if parameter is not None else None,
        # Names only: environment values never enter the model.
        "environment_names": [_name(item) for item in _list(cursor.get("Environment"))],
        "environment_files": [
            item.require("Value").text() for item in _list(cursor.get("EnvironmentFiles"))
        ],
        "readonly_root_filesystem": bool_or(cursor.get("ReadonlyRootFilesystem"), False),
        "init_process_enabled": bool_or(
            _nested(cursor, "LinuxParameters", "InitProcessEnabled"), False
        ),
        "mount_points": [_mount_point(item) for item in _list(cursor.get("MountPoints"))],
        "source": cursor.where.json(),
    }


def _list(cursor: Cursor | None) -> list[Cursor]:
    if cursor is None:
        return []
    items = cursor.items()
    return [] if isinstance(items, Unknown) else items


def _nested(cursor: Cursor, *path: str) -> Cursor | None:
    found: Cursor | None = cursor
    for key in path:
        found = found.get(key) if found is not None else None
    return found


def _log_group_in_inputs(group: Cursor | None) -> bool:
    """Whether the awslogs group is a `Ref` to an AWS::Logs::LogGroup of the inputs (of this
    template, or of another one through Fn::ImportValue): it exists before a task starts, so
    awslogs-create-group never creates it. (A group named by its LogGroupName:
    _mark_named_log_groups.)"""
    if group is None:
        return False
    value = _single(group.value())
    return isinstance(value, ResRef) and value.attr is None and value.type == _LOG_GROUP


_LOG_GROUP = "AWS::Logs::LogGroup"


def _log_options(cursor: Cursor | None) -> Field:
    if cursor is None:
        return {}
    entries = cursor.entries()
    if isinstance(entries, Unknown):
        return entries.json()
    options = {key: value.text() for key, value in entries if key.startswith(AWSLOGS_OPTION)}
    create = options.get("awslogs-create-group")
    if isinstance(create, str):
        options["awslogs-create-group"] = create.lower()  # ECS reads it case-insensitively
    return options


def _secret(cursor: Cursor) -> ModelObject:
    name, value_from = cursor.get("Name"), cursor.get("ValueFrom")
    if name is None or value_from is None:
        raise cursor.fail(f"{cursor.name}: a secret needs Name and ValueFrom")
    return {"name": name.text(), "value_from": value_from.text()}


def _name(cursor: Cursor) -> Field:
    name = cursor.get("Name")
    if name is None:
        raise cursor.fail(f"{cursor.name}: an environment variable needs Name")
    return name.text()


def _mount_point(cursor: Cursor) -> ModelObject:
    return {
        "source_volume": text_or(cursor.get("SourceVolume"), None),
        "container_path": text_or(cursor.get("ContainerPath"), None),
        "read_only": bool_or(cursor.get("ReadOnly"), False),
    }


def _volumes(cursor: Cursor | None) -> list[ModelObject]:
    return [_volume(item) for item in _list(cursor)]


def _volume(cursor: Cursor) -> ModelObject:
    efs = cursor.get("EFSVolumeConfiguration")
    return {
        "name": text_or(cursor.get("Name"), None),
        "efs": _efs_volume(efs) if efs is not None else None,
        "source": cursor.where.json(),
    }


def _efs_volume(cursor: Cursor) -> ModelObject:
    file_system = cursor.get("FilesystemId")
    if file_system is None:
        raise cursor.fail(f"{cursor.name} needs FilesystemId")
    return {
        "file_system": file_system.ident("efs_file_systems"),
        "iam": _upper(text_or(_nested(cursor, "AuthorizationConfig", "IAM"), "DISABLED")),
        "transit_encryption": _upper(text_or(cursor.get("TransitEncryption"), "DISABLED")),
    }


def _upper(value: Field) -> Field:
    return value.upper() if isinstance(value, str) else value


def service(res: Res, out: Out) -> None:
    obj = runner(res.base(), "service", res.props, "AwsvpcConfiguration", out)
    obj |= _service_connect_log(res.prop("ServiceConnectConfiguration"), out)
    task = res.prop("TaskDefinition")
    place(out, obj, res.prop("Cluster"), task)
    if task is None:
        obj["task_definition"] = res.unknown(
            f"service {res.logical} names no TaskDefinition (an external deployment controller "
            "sets it)",
            f"{res.id}.TaskDefinition",
        )


def _service_connect_log(cursor: Cursor | None, out: Out) -> ModelObject:
    """`service_connect_log` when Service Connect is on (or not settled) and its proxy has a
    LogConfiguration (the proxy is a container ECS adds to each task: its logs go where this
    says), read as a container's."""
    log = cursor.get("LogConfiguration") if cursor is not None else None
    enabled = bool_or(cursor.get("Enabled"), False) if cursor is not None else False
    if log is None or enabled is False:
        return {}
    driver, options = log.get("LogDriver"), log.get("Options")
    group = options.get("awslogs-group") if options is not None else None
    entry: ModelObject = {
        "enabled": enabled,
        "log_driver": text_or(driver, None),
        "log_options": _log_options(options),
        **({"log_group_in_inputs": True} if _log_group_in_inputs(group) else {}),
        "source": log.where.json(),
    }
    _mark_named_log_groups(out, [entry])
    return {"service_connect_log": entry}


def task_set(res: Res, out: Out) -> None:
    """AWS::ECS::TaskSet: the tasks of a service whose deployment controller is EXTERNAL. The
    task set runs them, so the service it belongs to is not analysed on its own (it names no
    task definition of its own)."""
    obj = runner(res.base(), "service", res.props, "AwsVpcConfiguration", out)
    place(out, obj, res.require("Cluster"), res.require("TaskDefinition"))
    parent = res.require("Service").ident("services")

    def replace(model: Collections, links: Links) -> None:
        service = model.get("services", {}).get(parent) if isinstance(parent, str) else None
        if service is not None and isinstance(service["task_definition"], dict):
            del model["services"][parent]

    out.later.append(replace)


def events_rule(res: Res, out: Out) -> None:
    """AWS::Events::Rule: each target with EcsParameters runs standalone tasks (a scheduled
    task, as CDK's ScheduledFargateTask writes it)."""
    _scheduled(res, out, _list(res.prop("Targets")), "AwsVpcConfiguration")


def schedule(res: Res, out: Out) -> None:
    """AWS::Scheduler::Schedule: a target with EcsParameters runs standalone tasks."""
    target = res.prop("Target")
    _scheduled(res, out, [target] if target is not None else [], "AwsvpcConfiguration")


def _scheduled(res: Res, out: Out, targets: list[Cursor], awsvpc: str) -> None:
    runs = [(t, ecs) for t in targets if (ecs := t.get("EcsParameters")) is not None]
    for index, (target, ecs) in enumerate(runs):
        base = res.base()
        if len(runs) > 1:  # a task for each target, named by its Id
            label = text_of(target.require("Id").value())
            suffix = label if isinstance(label, str) else str(index)
            base = {
                "id": f"{res.id}/{suffix}",
                "name": f"{res.logical}/{suffix}",
                "source": target.where.json(),
            }
        obj = runner(base, "task", ecs, awsvpc, out)
        place(out, obj, target.require("Arn"), ecs.require("TaskDefinitionArn"))


def runner(
    base: ModelObject,
    kind: str,
    props: Cursor | None,
    awsvpc: str,
    out: Out,
    *,
    checked: bool = True,
) -> ModelObject:
    """A service or standalone task from its ECS properties (a service's, or EcsParameters);
    `checked` when CloudFormation validates their spelling (not a state machine's text)."""

    def prop(*path: str) -> Cursor | None:
        return _nested(props, *path) if props is not None else None

    obj = base | {
        "kind": kind,
        "cluster": None,
        "task_definition": None,
        "launch_type": text_or(prop("LaunchType"), None),
        "capacity_provider_strategy": _strategy(prop("CapacityProviderStrategy")),
        "platform_version": text_or(prop("PlatformVersion"), None),
        "enable_execute_command": bool_or(prop("EnableExecuteCommand"), False),
        "network": _network(_awsvpc(prop("NetworkConfiguration"), awsvpc, checked)),
    }
    out.add("services", obj)
    return obj


def _awsvpc(network: Cursor | None, key: str, checked: bool) -> Cursor | None:
    """NetworkConfiguration's awsvpc block, spelled as this resource type spells it (a service
    and a Scheduler target `AwsvpcConfiguration`, a task set and an Events rule target
    `AwsVpcConfiguration`): CloudFormation rejects the other spelling, and reading nothing
    would say nothing of the service's network."""
    if network is None:
        return None
    found = network.get(key)
    if found is None and checked:
        entries = network.entries()
        other = [k for k, _ in entries] if not isinstance(entries, Unknown) else []
        for name in other:
            if name.lower() == key.lower():
                raise network.fail(
                    f"{network.name} has {name}, which this resource type spells {key}: "
                    "CloudFormation rejects the template"
                )
    return found


def place(out: Out, obj: ModelObject, cluster: Cursor | None, task: Cursor | None) -> None:
    """The cluster and task definition a service or task names (by reference, name or ARN)."""
    if cluster is not None:
        obj["cluster"], literal = _reference(cluster, "clusters")
        if literal is not None:
            _link_by_name(out, obj, "cluster", literal, lambda links: links.cluster_names)
    if task is not None:
        obj["task_definition"], literal = _reference(task, "task_definitions")
        if literal is not None:
            _link_by_family(out, obj, _family(literal), task.where)


def _reference(cursor: Cursor, collection: str) -> tuple[Field, str | None]:
    """(id, the literal name or ARN when it was written as text rather than a reference)."""
    ident = cursor.ident(collection)
    value = _single(cursor.value())
    literal = ident if isinstance(ident, str) and not isinstance(value, ResRef) else None
    return ident, literal


def _link_by_name(
    out: Out, obj: ModelObject, field: str, name: str, index: Callable[[Links], dict[str, str]]
) -> None:
    def link(model: Collections, links: Links) -> None:
        found = index(links).get(_last_segment(name))
        if found is not None:
            obj[field] = found

    out.later.append(link)


def _link_by_family(out: Out, obj: ModelObject, family: str, where: Where) -> None:
    """A task definition named by its family: the one of this template, else the only one of
    the scanned templates; with several elsewhere (dev and prod copies), which one is open."""

    def link(model: Collections, links: Links) -> None:
        by_template = links.families.get(family, {})
        here = by_template.get(out.stack.rel, [])
        found = here or [i for ids in by_template.values() for i in ids]
        if len(found) == 1:
            obj["task_definition"] = found[0]
        elif len(found) > 1:
            obj["task_definition"] = Unknown(
                f"task definition family {family} is one of {', '.join(sorted(found))}",
                f"task definition {family}",
                where,
            ).json()

    out.later.append(link)


def _last_segment(literal: str) -> str:
    """`arn:aws:ecs:r:a:cluster/name` -> `name`; a plain name stays."""
    return literal.rsplit("/", 1)[-1] if literal.startswith("arn:") else literal


def _family(literal: str) -> str:
    """`family`, `family:3` or a task-definition ARN -> the family."""
    return _last_segment(literal).split(":", 1)[0]


def _network(cursor: Cursor | None) -> Field:
    if cursor is None:
        return None
    unsettled = cursor.unknown()
    if unsettled is not None:
        unknown = unsettled.json()
        return {"subnets": unknown, "security_groups": unknown, "assign_public_ip": unknown}
    subnets = cursor.get("Subnets")
    if subnets is None:
        raise cursor.fail(f"{cursor.name} needs Subnets")
    assign = text_or(cursor.get("AssignPublicIp"), "DISABLED")
    if isinstance(assign, str):
        assign = assign.upper()  # ECS reads it case-insensitively
        if assign not in ("ENABLED", "DISABLED"):
            raise cursor.fail(f"{cursor.name}.AssignPublicIp must be ENABLED or DISABLED")
    return {
        "subnets": subnets.ident_list("subnets"),
        "security_groups": ids_or(cursor.get("SecurityGroups"), "security_groups", []),
        "assign_public_ip": assign,
    }


def _single(value: Value) -> Value:
    if isinstance(value, Composite) and len(value.parts) == 1:
        return value.parts[0]
    return value


def efs_file_system(res: Res, out: Out) -> None:
    out.add("efs_file_systems", res.base())


def efs_mount_target(res: Res, out: Out) -> None:
    out.add(
        "efs_mount_targets",
        res.base()
        | {
            "file_system": res.require("FileSystemId").ident("efs_file_systems"),
            "subnet": res.require("SubnetId").ident("subnets"),
            "security_groups": res.require("SecurityGroups").ident_list("security_groups"),
        },
    )


def log_group(res: Res, out: Out) -> None:
    """AWS::Logs::LogGroup: its name (as `!Ref Group` gives it) and KMS key (null: none), which
    FG606 reads for the log group of a cluster's ECS Exec logging."""
    name = text_of(ResRef(res.stack, res.logical, None, res.where))
    out.add(
        "log_groups",
        res.base()
        | {
            "group_name": name.json() if isinstance(name, Unknown) else name,
            "kms_key_id": text_or(res.prop("KmsKeyId"), None),
        },
    )


BUILDERS: dict[str, Builder] = {
    "AWS::Logs::LogGroup": log_group,
    "AWS::ECS::Cluster": cluster,
    "AWS::ECS::ClusterCapacityProviderAssociations": cluster_capacity_provider_associations,
    "AWS::ECS::TaskDefinition": task_definition,
    "AWS::ECS::Service": service,
    "AWS::ECS::TaskSet": task_set,
    "AWS::Events::Rule": events_rule,
    "AWS::Scheduler::Schedule": schedule,
    "AWS::EFS::FileSystem": efs_file_system,
    "AWS::EFS::MountTarget": efs_mount_target,
}
