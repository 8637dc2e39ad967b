"""ECS JSON: task definitions and the service / task requests that run them.

Four shapes, as the AWS CLI reads and writes them:
- `register-task-definition` input: `family` and `containerDefinitions` at the top;
- `describe-task-definition` output: the same inside `{"taskDefinition": {...}}`;
- `create-service` input: `serviceName` (and usually `taskDefinition`);
- `run-task` input: `taskDefinition` with `count`, `launchType`, `networkConfiguration`, ...

A request names its task definition by family, `family:revision` or ARN; it is linked to a task
definition of the same run when one matches, else it stays an unknown (FG801). Subnets, security
groups, roles and clusters are AWS ids here and are usually not in the inputs: the model keeps
the ids and the policies treat them as unknown.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from scanner.errors import SourceError
from scanner.sources.base import (
    AWSLOGS_OPTION,
    ECS_KIND,
    BuildContext,
    Fragment,
    LoadedFile,
    ModelObject,
)
from scanner.sources.lines import LineDict, LineList, key_line, line_of
from scanner.sources.units import parse_cpu, parse_memory

# Keys that only create-service takes: with one of them, a request without `serviceName` is a
# service (ecspresso's service definitions leave the name to its config file).
_SERVICE_KEYS = frozenset(
    {
        "serviceName",
        "desiredCount",
        "deploymentConfiguration",
        "deploymentController",
        "loadBalancers",
        "schedulingStrategy",
        "serviceRegistries",
        "healthCheckGracePeriodSeconds",
        "serviceConnectConfiguration",
        "availabilityZoneRebalancing",
        "role",
    }
)
# Keys that a create-service or run-task request has beside its task definition.
_REQUEST_KEYS = frozenset(
    {
        "cluster",
        "count",
        "launchType",
        "capacityProviderStrategy",
        "networkConfiguration",
        "platformVersion",
        "enableExecuteCommand",
        "overrides",
        "startedBy",
        "group",
        "placementConstraints",
        "placementStrategy",
    }
)
_ALL_REQUEST_KEYS = _SERVICE_KEYS | _REQUEST_KEYS | {"taskDefinition"}
_TASK_DEFINITION_ARN = re.compile(
    r"arn:aws[a-z-]*:ecs:[^:]*:[^:]*:task-definition/(?P<family>[^:/]+)(?::(?P<revision>\d+))?"
)
_FAMILY_REVISION = re.compile(r"(?P<family>[^:/]+):(?P<revision>\d+)")
# The id of a request whose file gives no serviceName.
_UNNAMED = {"service": "service", "task": "run-task"}
# ECS reads these option values case-insensitively (docs/model.md: sources normalise them).
_CASE_INSENSITIVE_LOG_OPTIONS = frozenset({"awslogs-create-group"})


def shape(data: Any) -> str | None:
    """Which ECS JSON document `data` is: "register", "describe", "request", or None."""
    if not isinstance(data, dict) or "Resources" in data or "AWSTemplateFormatVersion" in data:
        return None
    if isinstance(data.get("containerDefinitions"), list) and "family" in data:
        return "register"
    inner = data.get("taskDefinition")
    if isinstance(inner, dict) and isinstance(inner.get("containerDefinitions"), list):
        return "describe"
    # A service or task names its task definition or itself, and has one more request key.
    names = isinstance(inner, str) or isinstance(data.get("serviceName"), str)
    if names and len(_ALL_REQUEST_KEYS.intersection(data)) >= 2:
        return "request"
    network = data.get("networkConfiguration")
    if isinstance(network, dict) and isinstance(network.get("awsvpcConfiguration"), dict):
        return "request"
    return None


# Keys of a task definition beside its family and containers: with `family` and one of them,
# a file is a task definition that `shape` did not take (its containerDefinitions misspelt).
_TASK_DEFINITION_KEYS = (
    "networkMode",
    "requiresCompatibilities",
    "taskRoleArn",
    "executionRoleArn",
    "cpu",
    "memory",
)
_CONTAINERS = "containerDefinitions"


def not_a_task_definition(data: Any, file: str) -> SourceError | None:
    """Why a document shaped like a task definition (`family` and another key of one, at the
    top or in describe-task-definition's `taskDefinition`) is not one that `shape` takes: no
    list of containerDefinitions. The AWS CLI refuses it; skipping it would pass a CI check."""
    if not isinstance(data, dict) or "Resources" in data or "AWSTemplateFormatVersion" in data:
        return None
    inner = data.get("taskDefinition")
    definition = Node(file, data, "", line_of(data) or 1)
    if isinstance(inner, dict):
        definition = Node(file, inner, "/taskDefinition", key_line(data, "taskDefinition") or 1)
    value = definition.value
    if "family" not in value or not any(key in value for key in _TASK_DEFINITION_KEYS):
        return None
    if _CONTAINERS in value:  # not a list (`shape` takes a list)
        line = key_line(value, _CONTAINERS) or definition.line
        kind = _type_name(value[_CONTAINERS])
        return SourceError(file, line, f"{_CONTAINERS} must be a list, not {kind}")
    needs = f"a task definition needs {_CONTAINERS}, the list of its containers"
    for key in value:
        if isinstance(key, str) and difflib.get_close_matches(key, [_CONTAINERS], cutoff=0.75):
            line = key_line(value, key) or definition.line
            return SourceError(file, line, f"{needs}; did you mean {_CONTAINERS!r} for {key!r}?")
    return definition.fail(needs)


class EcsJsonSource:
    kind = ECS_KIND

    def detect(self, data: Any) -> bool:
        return shape(data) is not None

    def build(self, files: list[LoadedFile], ctx: BuildContext) -> Fragment:
        fragment = Fragment()
        definitions: list[_TaskDefinition] = []
        requests: list[_Request] = []
        for file in sorted(files, key=lambda f: f.rel):
            try:
                found_definitions, found_requests = _read(file)
            except SourceError as error:  # drop this file's objects; the others still build
                fragment.errors.append(error)
                continue
            definitions.extend(found_definitions)
            requests.extend(found_requests)
        definitions = _with_ids(definitions, ctx.taken.get("task_definitions", frozenset()))
        runners = []
        for request in _with_request_ids(requests, ctx.taken.get("services", frozenset())):
            overrides = request.node.mapping("overrides")
            runners.append(
                (request.model(definitions), role_overrides(overrides) if overrides else {})
            )
        by_id = {d.id: d.model for d in definitions}
        for definition in as_run(by_id, runners):
            fragment.add("task_definitions", definition)
        for runner, _ in runners:
            fragment.add("services", runner)
        return fragment


def as_run(
    definitions: dict[str, ModelObject], runners: list[tuple[ModelObject, ModelObject]]
) -> list[ModelObject]:
    """The task definitions as their runners run them. A runner whose overrides give it other
    roles (its role fields: role_overrides) runs a copy of its task definition with them, and
    links to the copy; a task definition that only runs so is checked only as it runs."""
    copies: list[ModelObject] = []
    originals: set[str] = set()
    for runner, fields in runners:
        ident = runner["task_definition"]
        if fields and isinstance(ident, str) and ident in definitions:
            copy = f"{ident} (as {runner['id']} overrides it)"
            copies.append(definitions[ident] | fields | {"id": copy, "name": copy})
            originals.add(ident)
            runner["task_definition"] = copy
    running = {r["task_definition"] for r, _ in runners if isinstance(r["task_definition"], str)}
    kept = [d for ident, d in definitions.items() if ident in running or ident not in originals]
    return kept + copies


def role_overrides(overrides: Node) -> ModelObject:
    """The roles a run-task's `overrides` (ECS TaskOverride) give its task instead of the task
    definition's, as model fields; empty when it overrides neither."""
    fields: ModelObject = {}
    for key, field in (("taskRoleArn", "task_role"), ("executionRoleArn", "execution_role")):
        if overrides.text(key):
            fields |= _role(overrides, key, field)
    return fields


def task_definition_fields(data: Any, file: str) -> ModelObject:
    """The model fields (all but id and name) of a task definition as the ECS API returns it:
    the live export reads the same shape as a `describe-task-definition` file."""
    return _task_definition(Node(file, data, "", 1)).fields


def request_fields(data: Any, file: str) -> ModelObject:
    """The model fields (all but id, name and task_definition) of a service or task as the
    ECS API describes it."""
    return _request(Node(file, data, "", 1)).fields


# --- walking a document with file, line and JSON pointer ------------------------------------


@dataclass(frozen=True)
class Unsettled:
    """A value that the inputs settle only at deploy time, as the model's unknown object: the
    Terraform source puts it where `container_definitions` holds a value known only after apply,
    and an ECS JSON file's task definition where it holds a deploy tool's placeholder."""

    model: ModelObject


class NotSettled(Exception):
    """An Unsettled value where the model has no room for one (a container's name, a list)."""


@dataclass(frozen=True)
class Node:
    """A value of the document with where it sits, and typed access that reports bad input."""

    file: str
    value: Any
    pointer: str
    line: int

    @property
    def source(self) -> ModelObject:
        return {"file": self.file, "line": self.line, "pointer": self.pointer}

    def fail(self, message: str) -> SourceError:
        return SourceError(self.file, self.line, message)

    def child(self, key: str) -> Node | None:
        if not isinstance(self.value, dict) or key not in self.value:
            return None
        value = _settled(self.value[key])
        line = key_line(self.value, key) or line_of(value) or self.line
        return Node(self.file, value, f"{self.pointer}/{_escape(key)}", line)

    def items(self) -> Iterator[Node]:
        for index, value in enumerate(self.value):
            line = line_of(_settled(value)) or self.line
            yield Node(self.file, value, f"{self.pointer}/{index}", line)

    def setting(self, key: str) -> str | ModelObject | None:
        """text(), or the model's unknown where the model has room for one."""
        if isinstance(self.value, dict) and isinstance(self.value.get(key), Unsettled):
            return dict(self.value[key].model)
        return self.text(key)

    def required_setting(self, key: str, what: str) -> str | ModelObject:
        value = self.setting(key)
        if not value:
            raise self.fail(f"{what} has no {key}")
        return value

    def text(self, key: str) -> str | None:
        node = self.child(key)
        if node is None or node.value is None:
            return None
        if not isinstance(node.value, str):
            raise node.fail(f"{key} must be a string, not {_type_name(node.value)}")
        return str(node.value)

    def required_text(self, key: str, what: str) -> str:
        value = self.text(key)
        if not value:
            raise self.fail(f"{what} has no {key}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        node = self.child(key)
        if node is None or node.value is None:
            return default
        if not isinstance(node.value, bool):
            raise node.fail(f"{key} must be true or false, not {_type_name(node.value)}")
        return node.value

    def mapping(self, key: str) -> Node | None:
        node = self.child(key)
        if node is None or node.value is None:
            return None
        if not isinstance(node.value, dict):
            raise node.fail(f"{key} must be an object, not {_type_name(node.value)}")
        return node

    def sequence(self, key: str) -> list[Node]:
        node = self.child(key)
        if node is None or node.value is None:
            return []
        if not isinstance(node.value, list):
            raise node.fail(f"{key} must be a list, not {_type_name(node.value)}")
        return list(node.items())

    def objects(self, key: str) -> list[Node]:
        nodes = self.sequence(key)
        for node in nodes:
            if not isinstance(node.value, dict):
                raise node.fail(
                    f"each entry of {key} must be an object, not {_type_name(node.value)}"
                )
        return nodes

    def texts(self, key: str) -> list[str]:
        values = []
        for node in self.sequence(key):
            if not isinstance(node.value, str):
                raise node.fail(
                    f"each entry of {key} must be a string, not {_type_name(node.value)}"
                )
            values.append(str(node.value))
        return values


def _settled(value: Any) -> Any:
    if isinstance(value, Unsettled):
        raise NotSettled(value.model["unknown"])
    return value


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _root(file: LoadedFile) -> Node:
    return Node(file.rel, file.data, "", line_of(file.data) or 1)


def _read(file: LoadedFile) -> tuple[list[_TaskDefinition], list[_Request]]:
    root = _root(file)
    kind = shape(file.data)
    if kind == "register":
        return [_task_definition(_with_placeholders(root))], []
    if kind == "describe":
        inner = root.mapping("taskDefinition")
        assert inner is not None  # shape() checked it
        return [_task_definition(_with_placeholders(inner))], []
    if kind == "request":
        return [], [_request(root)]
    raise root.fail("not an ECS task definition, service or run-task document")


# --- placeholders -----------------------------------------------------------------------------

# What a deploy tool fills in before it registers a task definition file: Go templates
# (ecspresso's {{ must_env `IMAGE` }}), envsubst's ${VAR} and $VAR, CodeDeploy's <IMAGE1_NAME>,
# and a whole value in UPPER_SNAKE_CASE for sed (no image, size or ARN is written so).
_PLACEHOLDER = re.compile(
    r"\{\{.*?\}\}|\$\{[^}]*\}|\$[A-Za-z_]\w*|<[A-Za-z][\w-]*>|^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$"
)


def _with_placeholders(node: Node) -> Node:
    """The task definition with its size and images, where a file leaves them to a deploy tool,
    as unknowns (the image's known parts kept as its `partial` pattern); only in ECS JSON files
    (a registered task definition holds what it holds)."""
    if not isinstance(node.value, dict):
        return node
    changes: dict[str, Any] = {}
    for key in ("cpu", "memory"):
        if (size := node.child(key)) is not None and (unsettled := _placeholder(size, key)):
            changes[key] = unsettled
    definitions = node.child("containerDefinitions")
    if definitions is not None and isinstance(definitions.value, list):
        containers = [_container_with_placeholders(c) for c in definitions.items()]
        if any(new is not old for new, old in zip(containers, definitions.value, strict=True)):
            changes["containerDefinitions"] = _lined_as(definitions.value, containers)
    value = _lined_as(node.value, {**node.value, **changes}) if changes else node.value
    return Node(node.file, value, node.pointer, node.line)


def _container_with_placeholders(node: Node) -> Any:
    image = node.child("image") if isinstance(node.value, dict) else None
    unsettled = _placeholder(image, "image") if image is not None else None
    return (
        node.value
        if unsettled is None
        else _lined_as(node.value, {**node.value, "image": unsettled})
    )


def _lined_as(parsed: Any, value: Any) -> Any:
    """`value` (a changed copy of a parsed mapping or sequence) with the lines of `parsed`."""
    if isinstance(parsed, LineDict):
        mapping = LineDict(value)
        mapping.line, mapping.key_lines = parsed.line, parsed.key_lines
        return mapping
    if isinstance(parsed, LineList):
        sequence = LineList(value)
        sequence.line = parsed.line
        return sequence
    return value


def _placeholder(node: Node, key: str) -> Unsettled | None:
    text = node.value
    if not isinstance(text, str) or not _PLACEHOLDER.search(text):
        return None
    model: ModelObject = {
        "unknown": f"{key} {text} is a placeholder that a deploy tool fills in",
        "ref": f"placeholder {text}",
        "source": node.source,
        "fix": "Scan the task definition as the deploy tool renders it (for example the output "
        "of `ecspresso render`) so these checks can run.",
    }
    partial = _PLACEHOLDER.sub("*", text)
    if key == "image" and partial.strip("*"):
        model["partial"] = partial
    return Unsettled(model)


# --- task definitions -----------------------------------------------------------------------


@dataclass(frozen=True)
class _TaskDefinition:
    rel: str
    family: str
    revision: int | None
    fields: ModelObject  # every model field but id and name
    id: str = ""

    @property
    def model(self) -> ModelObject:
        return {"id": self.id, "name": self.id, **self.fields}


def _task_definition(node: Node) -> _TaskDefinition:
    family = node.required_text("family", "the task definition")
    revision = node.child("revision")
    platform = node.mapping("runtimePlatform")
    cpu, cpu_raw = _size(node, "cpu", parse_cpu)
    memory, memory_raw = _size(node, "memory", parse_memory)
    fields: ModelObject = {
        "source": node.source,
        "family": family,
        "network_mode": node.text("networkMode") or "bridge",
        "requires_compatibilities": node.texts("requiresCompatibilities"),
        "os_family": (platform.text("operatingSystemFamily") if platform else None) or "LINUX",
        "cpu": cpu,
        "memory": memory,
        "cpu_raw": cpu_raw,
        "memory_raw": memory_raw,
        **_role(node, "taskRoleArn", "task_role"),
        **_role(node, "executionRoleArn", "execution_role"),
        "containers": [container(c) for c in _required_objects(node, "containerDefinitions")],
        "volumes": [_volume(v) for v in node.objects("volumes")],
        **_proxy_configuration(node.mapping("proxyConfiguration")),
    }
    network_mode = node.child("networkMode")
    if network_mode is not None and network_mode.value is not None:
        fields["network_mode_source"] = network_mode.source
    number = revision.value if revision is not None and isinstance(revision.value, int) else None
    return _TaskDefinition(node.file, family, number, fields)


def _proxy_configuration(node: Node | None) -> ModelObject:
    """`proxy_configuration` when the task definition has one (an App Mesh Envoy sidecar)."""
    if node is None:
        return {}
    return {
        "proxy_configuration": {
            "type": node.setting("type"),
            "container_name": node.setting("containerName"),
            "source": node.source,
        }
    }


def _size(node: Node, key: str, parse: Callable[[str], int | None]) -> tuple[Any, Any]:
    """A task size and its text as written (both the unknown, for a placeholder)."""
    if isinstance(node.value, dict) and isinstance(node.value.get(key), Unsettled):
        unknown = dict(node.value[key].model)
        return unknown, unknown
    raw = _size_text(node, key)
    return (parse(raw) if raw is not None else None), raw


def _size_text(node: Node, key: str) -> str | None:
    """cpu/memory as written: ECS takes strings, and hand-written files often have numbers."""
    child = node.child(key)
    if child is None or child.value is None:
        return None
    if isinstance(child.value, bool) or not isinstance(child.value, str | int | float):
        raise child.fail(f'{key} must be a string like "1024", not {_type_name(child.value)}')
    return str(child.value)


def _role(node: Node, key: str, field: str) -> ModelObject:
    """A role named in ECS JSON is an ARN or a name; the role itself is not in these inputs."""
    arn = node.text(key)
    if not arn:
        return {field: None, f"{field}_arn": None}
    child = node.child(key)
    assert child is not None
    unknown = {
        "unknown": f"IAM role {arn} is not in the scanned inputs",
        "ref": f"role {arn}",
        "source": child.source,
    }
    return {field: unknown, f"{field}_arn": arn}


def _required_objects(node: Node, key: str) -> list[Node]:
    objects = node.objects(key)
    if not objects:
        raise node.fail(f"the task definition has no {key}")
    return objects


def container(node: Node) -> ModelObject:
    """One container definition (the ECS API's shape) as a model container; the Terraform source
    reads `container_definitions` through this too."""
    name = node.required_text("name", "a container definition")
    log = node.mapping("logConfiguration")
    linux = node.mapping("linuxParameters")
    credentials = node.mapping("repositoryCredentials")
    return {
        "name": name,
        "image": node.required_setting("image", f"container {name}"),
        "essential": node.flag("essential", True),
        "log_driver": _log_driver(log, name),
        "log_options": _log_options(log) if log else {},
        "secrets": _secrets(node, "secrets") + (_secrets(log, "secretOptions") if log else []),
        "repository_credentials": (
            credentials.setting("credentialsParameter") if credentials else None
        ),
        "environment_names": _environment_names(node),
        # S3 object ARNs of the environment files, which the Fargate agent downloads
        "environment_files": [
            f.required_setting("value", f"an environment file of container {name}")
            for f in node.objects("environmentFiles")
        ],
        "readonly_root_filesystem": node.flag("readonlyRootFilesystem", False),
        "init_process_enabled": linux.flag("initProcessEnabled", False) if linux else False,
        "mount_points": [_mount_point(m) for m in node.objects("mountPoints")],
        "source": node.source,
    }


def _log_driver(log: Node | None, container: str) -> str | None:
    if log is None:
        return None
    return log.required_text("logDriver", f"the logConfiguration of container {container}")


def _log_options(log: Node) -> dict[str, str | ModelObject]:
    options = log.mapping("options")
    if options is None:
        return {}
    result: dict[str, str | ModelObject] = {}
    for key in [k for k in options.value if str(k).startswith(AWSLOGS_OPTION)]:
        value = options.setting(str(key))
        if value is None:
            raise options.fail(f"log option {key} has no value")
        if isinstance(value, str) and key in _CASE_INSENSITIVE_LOG_OPTIONS:
            value = value.lower()
        result[str(key)] = value
    return result


def _secrets(node: Node, key: str) -> list[ModelObject]:
    """Container secrets, and the log driver's secretOptions: the Fargate agent fetches both."""
    return [
        {
            "name": s.required_text("name", f"an entry of {key}"),
            "value_from": s.required_setting("valueFrom", f"an entry of {key}"),
        }
        for s in node.objects(key)
    ]


def _environment_names(node: Node) -> list[str]:
    # Values never enter the model: they may hold secrets (FG108 needs only the names).
    return [v.required_text("name", "an environment variable") for v in node.objects("environment")]


def _mount_point(node: Node) -> ModelObject:
    return {
        "source_volume": node.text("sourceVolume"),
        "container_path": node.text("containerPath"),
        "read_only": node.flag("readOnly", False),
    }


def _volume(node: Node) -> ModelObject:
    efs = node.mapping("efsVolumeConfiguration")
    return {
        "name": node.required_text("name", "a volume"),
        "efs": _efs(efs) if efs else None,
        "source": node.source,
    }


def _efs(node: Node) -> ModelObject:
    authorization = node.mapping("authorizationConfig")
    iam = authorization.text("iam") if authorization else None
    return {
        "file_system": node.required_text("fileSystemId", "the efsVolumeConfiguration"),
        "iam": (iam or "DISABLED").upper(),
        "transit_encryption": (node.text("transitEncryption") or "DISABLED").upper(),
    }


def _with_ids(
    definitions: list[_TaskDefinition], taken: frozenset[str] = frozenset()
) -> list[_TaskDefinition]:
    """Each task definition with its id: the family, or `<file>#<family>` when two files of the
    run register the same family or another source's task definition has it as id or name."""
    counts = Counter([*(d.family for d in definitions), *taken])
    return [
        _TaskDefinition(
            d.rel,
            d.family,
            d.revision,
            d.fields,
            d.family if counts[d.family] == 1 else f"{d.rel}#{d.family}",
        )
        for d in definitions
    ]


# --- services and standalone tasks ----------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    rel: str
    node: Node
    kind: str  # "service" | "task"
    name: str | None  # serviceName
    fields: ModelObject  # every model field but id, name and task_definition
    id: str = ""

    def model(self, definitions: list[_TaskDefinition]) -> ModelObject:
        return {
            "id": self.id,
            "name": self.id,
            "task_definition": _task_definition_ref(self, definitions),
            **self.fields,
        }


def _request(node: Node) -> _Request:
    name = node.text("serviceName")
    kind = "service" if not _SERVICE_KEYS.isdisjoint(node.value) else "task"
    fields: ModelObject = {
        "source": node.source,
        "kind": kind,
        "cluster": node.text("cluster"),
        "launch_type": node.text("launchType"),
        "capacity_provider_strategy": _strategy(node),
        "platform_version": node.text("platformVersion"),
        "enable_execute_command": node.flag("enableExecuteCommand", False),
        "network": _network(node),
        **_service_connect_log(node.mapping("serviceConnectConfiguration")),
    }
    node.text("taskDefinition")  # a wrong type is an error even when nothing links to it
    return _Request(node.file, node, kind, name, fields)


def _service_connect_log(node: Node | None) -> ModelObject:
    """`service_connect_log` when Service Connect is on and its proxy has a logConfiguration
    (the proxy is a container ECS adds to each task: its logs go where this says)."""
    log = node.mapping("logConfiguration") if node is not None else None
    if node is None or log is None or not node.flag("enabled", False):
        return {}
    return {
        "service_connect_log": {
            "enabled": True,
            "log_driver": log.required_text("logDriver", "the Service Connect logConfiguration"),
            "log_options": _log_options(log),
            "source": log.source,
        }
    }


def _strategy(node: Node) -> list[ModelObject] | None:
    if node.child("capacityProviderStrategy") is None:
        return None
    return [
        {
            "capacity_provider": item.required_text(
                "capacityProvider", "a capacity provider strategy item"
            ),
            "weight": _count(item, "weight"),
            "base": _count(item, "base"),
        }
        for item in node.objects("capacityProviderStrategy")
    ]


def _count(node: Node, key: str) -> int:
    child = node.child(key)
    if child is None or child.value is None:
        return 0  # ECS's default for weight and base
    if isinstance(child.value, bool) or not isinstance(child.value, int):
        raise child.fail(f"{key} must be a whole number, not {_type_name(child.value)}")
    return int(child.value)


def _network(node: Node) -> ModelObject | None:
    configuration = node.mapping("networkConfiguration")
    awsvpc = configuration.mapping("awsvpcConfiguration") if configuration else None
    if awsvpc is None:
        return None
    public_ip = (awsvpc.text("assignPublicIp") or "DISABLED").upper()
    if public_ip not in ("ENABLED", "DISABLED"):
        child = awsvpc.child("assignPublicIp")
        assert child is not None
        raise child.fail(f"assignPublicIp must be ENABLED or DISABLED, not {public_ip}")
    network: ModelObject = {
        "subnets": awsvpc.texts("subnets"),
        "security_groups": awsvpc.texts("securityGroups"),
        "assign_public_ip": public_ip,
    }
    if awsvpc.line != node.line:  # a file is one service: notes about its subnets point here
        network["source"] = awsvpc.source
    return network


def _with_request_ids(
    requests: list[_Request], taken: frozenset[str] = frozenset()
) -> list[_Request]:
    """serviceName, or `<file>#run-task` / `<file>#service` when the file names none; a name
    that two files use, or that another source's service or task has as id or name, is
    qualified by the file."""
    bases = [r.name or f"{r.rel}#{_UNNAMED[r.kind]}" for r in requests]
    counts = Counter([*bases, *taken])
    return [
        _Request(
            r.rel,
            r.node,
            r.kind,
            r.name,
            r.fields,
            base if counts[base] == 1 else f"{r.rel}#{base}",
        )
        for r, base in zip(requests, bases, strict=True)
    ]


def _task_definition_ref(request: _Request, definitions: list[_TaskDefinition]) -> Any:
    node = request.node.child("taskDefinition")
    if node is None or not node.value:
        return {
            "unknown": f"{request.kind} {request.id} names no task definition",
            "ref": f"task definition of {request.id}",
            "source": request.node.source,
        }
    written = str(node.value)
    family, revision = _family_revision(written)
    matches = [
        d
        for d in definitions
        if d.family == family and (revision is None or d.revision in (None, revision))
    ]
    chosen = _latest(matches)
    if chosen is not None:
        return chosen.id
    why = (
        "matches several task definitions of the scan"
        if matches
        else "is not in the scanned inputs"
    )
    return {
        "unknown": f"task definition {written} {why}",
        "ref": f"task definition {written}",
        "source": node.source,
    }


def _family_revision(written: str) -> tuple[str, int | None]:
    match = _TASK_DEFINITION_ARN.fullmatch(written) or _FAMILY_REVISION.fullmatch(written)
    if match is None:
        return written, None
    revision = match["revision"]
    return match["family"], int(revision) if revision else None


def _latest(matches: list[_TaskDefinition]) -> _TaskDefinition | None:
    """The one match; of several revisions of a family, the highest (what ECS runs when a request
    gives no revision). Several files without revisions cannot be told apart."""
    if len(matches) == 1:
        return matches[0]
    revisions = [m.revision for m in matches]
    if not matches or None in revisions or len(set(revisions)) != len(revisions):
        return None
    return max(matches, key=lambda m: m.revision or 0)
