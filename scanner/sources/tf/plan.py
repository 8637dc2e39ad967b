"""Reading `terraform show -json` (format 1.x): resource instances with their planned values, and
the configuration that says where unknown values come from.

A plan of new infrastructure knows almost no ids: `after` omits every value that is known only
after apply, and `after_unknown` marks it `true`. What such a value will hold is in
`configuration`: per resource, the `references` of each expression, its `count` / `for_each`
expression, and per module call the expressions behind its variables and outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from scanner.sources.lines import line_of
from scanner.sources.physical import REGION_NAME
from scanner.sources.tf.traversal import Address, Key, TraversalError, parse_address


class _Unknown:
    """A value that is known only after apply."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()

PathStep = str | int


@dataclass
class Instance:
    """One resource instance (or data source) of the plan."""

    addr: Address
    values: dict[str, Any]  # `after` (planned values); data sources: their read values
    unknown: Any  # `after_unknown`: True, or a tree of dicts/lists of bools
    actions: tuple[str, ...]
    line: int  # where the instance is in the plan file
    pointer: str
    config: dict[str, Any] | None = None  # its entry of `configuration`

    @property
    def address(self) -> str:
        return str(self.addr)

    @property
    def type(self) -> str:
        return self.addr.type

    @property
    def key(self) -> Key | None:
        return self.addr.key

    @property
    def module(self) -> str:
        return self.addr.module

    def get(self, *path: PathStep) -> Any:
        """The planned value at `path`: the value, None when absent, or UNKNOWN."""
        value: Any = self.values
        marks: Any = self.unknown
        for step in path:
            if marks is True:
                return UNKNOWN
            marks = _child(marks, step)
            value = _child(value, step)
        return UNKNOWN if marks is True else value

    def has_unknown(self, *path: PathStep) -> bool:
        """True when the value at `path`, or any part of it, is known only after apply."""
        marks: Any = self.unknown
        for step in path:
            if marks is True:
                return True
            marks = _child(marks, step)
        return _any_true(marks)

    def unknown_keys(self, *path: PathStep) -> list[str]:
        """The keys of the map at `path` whose values are known only after apply (the plan
        leaves them out of the planned values)."""
        marks: Any = self.unknown
        for step in path:
            marks = _child(marks, step)
        return [k for k, v in marks.items() if v is True] if isinstance(marks, dict) else []

    def expression(self, *path: PathStep) -> dict[str, Any] | None:
        """The configuration expression that gives the value at `path` (an enclosing attribute's
        expression when the whole attribute is one expression), or None."""
        if self.config is None:
            return None
        return expression_at(self.config.get("expressions"), path)

    @property
    def for_each(self) -> dict[str, Any] | None:
        if self.config is None:
            return None
        found = self.config.get("for_each_expression")
        return found if isinstance(found, dict) else None


def expression_at(expressions: Any, path: tuple[PathStep, ...]) -> dict[str, Any] | None:
    """The expression at `path` in a resource's `expressions`, or the expression of an enclosing
    attribute (`route` for `route[0].gateway_id`); None when the configuration has none."""
    node = expressions
    for step in path:
        if isinstance(node, dict) and isinstance(step, str):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            return None
        if is_expression(node):
            return dict(node)
    return None


def is_expression(node: Any) -> bool:
    """An expression object; `{}` is one too (Terraform writes it for an expression that has
    neither a constant value nor references, like `jsonencode([...])` of literals)."""
    return isinstance(node, dict) and (not node or "references" in node or "constant_value" in node)


def _child(node: Any, step: PathStep) -> Any:
    if isinstance(node, dict) and isinstance(step, str):
        return node.get(step)
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return node[step]
    return None


def _any_true(marks: Any) -> bool:
    if marks is True:
        return True
    if isinstance(marks, dict):
        return any(_any_true(v) for v in marks.values())
    if isinstance(marks, list):
        return any(_any_true(v) for v in marks)
    return False


@dataclass
class ModuleConfig:
    """One module of `configuration` (root or called), by its configuration path."""

    path: str  # "" for the root, "module.vpc", "module.a.module.b"
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)  # "aws_vpc.main" -> entry
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)  # module name -> module call
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Plan:
    rel: str
    instances: dict[str, Instance] = field(default_factory=dict)  # address -> instance
    modules: dict[str, ModuleConfig] = field(default_factory=dict)  # config path -> module
    variables: dict[str, Any] = field(default_factory=dict)  # root variables' values
    region: str | None = None  # the provider's region, when it is a constant
    # resource address (module instance + local, no key) -> its instances, in key order
    by_resource: dict[str, list[Instance]] = field(default_factory=dict)
    # module instance addresses that the plan has (with keys), by their config path
    module_instances: dict[str, list[str]] = field(default_factory=dict)
    # managed instances the plan destroys (and does not create again), with their values before
    destroyed: list[Instance] = field(default_factory=list)

    def of_resource(self, resource: str) -> list[Instance]:
        return self.by_resource.get(resource, [])

    def config_resource(self, config_module: str, local: str) -> dict[str, Any] | None:
        module = self.modules.get(config_module)
        return module.resources.get(local) if module else None


def read(data: Any, rel: str) -> Plan:
    """The plan's instances and configuration (`data` as parsed with line numbers)."""
    plan = Plan(rel=rel)
    _read_configuration(plan, data)
    changes = _changes(data.get("resource_changes"))
    planned = data.get("planned_values")
    if isinstance(planned, dict):
        for entry, pointer in _module_resources(planned.get("root_module"), "/planned_values"):
            _add(plan, entry, pointer, changes)
    prior = data.get("prior_state")
    values = prior.get("values") if isinstance(prior, dict) else None
    if isinstance(values, dict):
        for entry, pointer in _module_resources(values.get("root_module"), "/prior_state/values"):
            if entry.get("mode") == "data":
                _add(plan, entry, pointer, changes)
    # Data sources read during apply are in resource_changes only, with unknown values.
    for address, (change, pointer) in changes.items():
        if change.get("mode") == "data" and address not in plan.instances:
            _add(plan, change, pointer, changes)
        elif change.get("mode") == "managed":
            _destroyed(plan, change, pointer)
    variables = data.get("variables")
    if isinstance(variables, dict):
        plan.variables = {
            name: v.get("value") for name, v in variables.items() if isinstance(v, dict)
        }
    for instances in plan.by_resource.values():
        instances.sort(key=lambda i: _key_order(i.key))
    return plan


def _key_order(key: Key | None) -> tuple[int, int, str]:
    # Terraform lists count instances by index and for_each instances by key.
    if isinstance(key, int):
        return (0, key, "")
    return (1, 0, key or "")


def _changes(raw: Any) -> dict[str, tuple[dict[str, Any], str]]:
    out: dict[str, tuple[dict[str, Any], str]] = {}
    if isinstance(raw, list):
        for index, change in enumerate(raw):
            if isinstance(change, dict) and isinstance(change.get("address"), str):
                out[change["address"]] = (change, f"/resource_changes/{index}")
    return out


def _module_resources(module: Any, pointer: str) -> Iterator[tuple[dict[str, Any], str]]:
    if not isinstance(module, dict):
        return
    for index, entry in enumerate(_list(module.get("resources"))):
        if isinstance(entry, dict):
            yield entry, f"{pointer}/resources/{index}"
    for index, child in enumerate(_list(module.get("child_modules"))):
        yield from _module_resources(child, f"{pointer}/child_modules/{index}")


def _add(
    plan: Plan,
    entry: dict[str, Any],
    pointer: str,
    changes: dict[str, tuple[dict[str, Any], str]],
) -> None:
    address = entry.get("address")
    if not isinstance(address, str):
        return
    try:
        addr = parse_address(address)
    except TraversalError:
        return
    change_entry = changes.get(address)
    change = change_entry[0].get("change") if change_entry else None
    change = change if isinstance(change, dict) else {}
    actions = tuple(str(a) for a in _list(change.get("actions")))
    if "delete" in actions and "create" not in actions:
        return  # gone after apply
    values = entry.get("values") if "values" in entry else change.get("after")
    unknown = change.get("after_unknown", False) if change else False
    if change_entry and "values" not in entry:
        pointer = change_entry[1]
    line = line_of(entry) or 1
    instance = Instance(
        addr=addr,
        values=values if isinstance(values, dict) else {},
        unknown=unknown,
        actions=actions,
        line=line,
        pointer=pointer,
        config=plan.config_resource(addr.config_module, addr.local),
    )
    plan.instances[address] = instance
    plan.by_resource.setdefault(addr.resource, []).append(instance)
    if addr.module:
        known = plan.module_instances.setdefault(addr.config_module, [])
        if addr.module not in known:
            known.append(addr.module)


def _destroyed(plan: Plan, change: dict[str, Any], pointer: str) -> None:
    detail = change.get("change")
    detail = detail if isinstance(detail, dict) else {}
    actions = tuple(str(a) for a in _list(detail.get("actions")))
    before = detail.get("before")
    if "delete" not in actions or "create" in actions or not isinstance(before, dict):
        return
    try:
        addr = parse_address(str(change.get("address")))
    except TraversalError:
        return
    line = line_of(change) or 1
    plan.destroyed.append(Instance(addr, before, False, actions, line, pointer))


def _read_configuration(plan: Plan, data: Any) -> None:
    configuration = data.get("configuration")
    if not isinstance(configuration, dict):
        return
    plan.region = provider_region(data)
    _read_module(plan, configuration.get("root_module"), "")


def provider_region(data: Any, local: Callable[[str], Any] | None = None) -> str | None:
    """The default `aws` provider's region in a plan: a constant, or the value of the one root
    variable it references when that value is a region's name (`region = var.aws_region`), or
    of the one root local, which `local` reads from the .tf files (`region = local.region`)."""
    configuration = data.get("configuration") if isinstance(data, dict) else None
    providers = configuration.get("provider_config") if isinstance(configuration, dict) else None
    aws = providers.get("aws") if isinstance(providers, dict) else None
    region = _map(aws.get("expressions")).get("region") if isinstance(aws, dict) else None
    if not isinstance(region, dict):
        return None
    value = region.get("constant_value")
    references = region.get("references")
    if value is None and isinstance(references, list) and len(references) == 1:
        root, _, name = str(references[0]).partition(".")
        if root == "var":
            variable = _map(data.get("variables")).get(name)
            value = variable.get("value") if isinstance(variable, dict) else None
        elif root == "local" and local is not None:
            value = local(name)
        value = value if isinstance(value, str) and REGION_NAME.match(value) else None
    return str(value) if isinstance(value, str) and value else None


def _read_module(plan: Plan, module: Any, path: str) -> None:
    if not isinstance(module, dict):
        return
    config = ModuleConfig(path=path)
    for entry in _list(module.get("resources")):
        if isinstance(entry, dict) and isinstance(entry.get("address"), str):
            config.resources[entry["address"]] = entry
    for name, call in _map(module.get("module_calls")).items():
        if isinstance(call, dict):
            config.calls[name] = call
            child = f"{path}.module.{name}" if path else f"module.{name}"
            _read_module(plan, call.get("module"), child)
    for name, output in _map(module.get("outputs")).items():
        if isinstance(output, dict):
            config.outputs[name] = output
    for name, variable in _map(module.get("variables")).items():
        if isinstance(variable, dict):
            config.variables[name] = variable
    plan.modules[path] = config


# A plan is machine-written, but a hand-edited or truncated one may hold anything anywhere:
# what is not the expected container counts as empty.
def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
