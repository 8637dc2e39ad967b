"""What building one plan shares: model ids, sources (the `.tf` line, else the plan's), and
`link`, which turns a value that names another resource into that resource's model id.

A planned value that is known is an id as AWS writes it (`subnet-0abc`, from state or a
literal): it is matched against the known ids of the plan's resources, else kept as written
(not in the inputs: the policies make it unknown). A value known only after apply is followed
through the configuration (`links.Linker`); what cannot be followed becomes an explicit unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scanner.sources.base import ModelObject, UnsettledCondition
from scanner.sources.tf.expr import Attr, Choice, Env, Evaluator, Obj
from scanner.sources.tf.expr import Opaque as Unevaluated
from scanner.sources.tf.hcl import Block, Configuration, declares
from scanner.sources.tf.links import (
    AFTER_APPLY_FIX,
    TF_FILES_FIX,
    Linker,
    Opaque,
    Resolution,
    Target,
)
from scanner.sources.tf.plan import UNKNOWN, Instance, PathStep, Plan

Collections = dict[str, dict[str, ModelObject]]
Field = Any  # a model value: str, int, bool, None, list, dict, or an unknown
Later = Callable[[Collections], None]

NOT_WRITTEN: Any = object()

# Attributes whose known values are ids that other resources may name.
_ID_ATTRIBUTES = (
    "id",
    "arn",
    "name",
    "arn_without_revision",
    "default_route_table_id",
    "main_route_table_id",
    "default_network_acl_id",
    "default_security_group_id",
    "prefix_list_id",
)


@dataclass(frozen=True)
class Kind:
    """What a field names: a noun for messages, and how a referenced instance (and attribute)
    becomes a model id, or None when it is not this kind of object."""

    noun: str
    accept: Callable[[Build, Instance, str | None], str | None]
    names_resources: bool = True  # False for plain values (CIDR blocks) that no resource is


@dataclass
class Build:
    plan: Plan
    config: Configuration
    ident: Callable[[str], str]  # resource address -> model id
    region: str | None
    # put before the refs of this plan's unknowns when another plan of the scan has some of its
    # addresses (two plans of one configuration): their unsettled values are not one value
    ref_prefix: str = ""
    linker: Linker = field(init=False)
    evaluator: Evaluator = field(init=False)
    objects: list[tuple[str, ModelObject]] = field(default_factory=list)
    later: list[Later] = field(default_factory=list)
    # changes that need every other one made: a resource that keeps a role's policies to the
    # ones it lists
    last: list[Later] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    # what the apply leaves unsettled (scanner.worlds): the keys of those this build takes
    # the other way (BuildContext.absent), and those it met
    absent: frozenset[str] = frozenset()
    unsettled: list[UnsettledCondition] = field(default_factory=list)
    # VPC id -> "route_table" | "nacl" | "security_group" -> id of the aws_default_* resource
    # that manages that default object
    managed_defaults: dict[str, dict[str, str]] = field(default_factory=dict)
    # id of an aws_default_* resource -> the VPC whose default object it manages
    managed_vpc: dict[str, Field] = field(default_factory=dict)
    # "route_table" | "nacl" -> [(subnet, route table or network ACL, source of the association)]
    associations: dict[str, list[tuple[Field, Field, ModelObject]]] = field(default_factory=dict)
    # (security group id, "ingress" | "egress") -> the rules (without source) of the rule
    # resources the plan destroys
    destroyed_rules: dict[tuple[str, str], list[ModelObject]] = field(default_factory=dict)
    # id of an aws_vpc_dhcp_options / aws_default_vpc_dhcp_options -> what a VPC associated
    # with it gets as `dhcp_options`
    dhcp_options: dict[str, ModelObject] = field(default_factory=dict)
    _blocks: dict[str, Block | None] = field(default_factory=dict)
    _known_ids: dict[str, list[tuple[Instance, str]]] | None = None
    _instances: dict[str, Instance] | None = None
    _values: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.linker = Linker(self.plan, self.config)
        self.evaluator = Evaluator(self.linker)

    # --- ids and places ----------------------------------------------------------------

    def id(self, instance: Instance) -> str:
        return self.ident(instance.address)

    def add(self, collection: str, obj: ModelObject) -> None:
        self.objects.append((collection, obj))

    def block(self, instance: Instance) -> Block | None:
        if instance.address not in self._blocks:
            self._blocks[instance.address] = self.config.resource(
                instance.addr.config_module, instance.addr.local
            )
        return self._blocks[instance.address]

    def source(
        self, instance: Instance, *nested: str | int, line: int | None = None
    ) -> ModelObject:
        """Where the user changes `instance` (or a nested block of it): its `.tf` block, else its
        entry in the plan."""
        block = self.block(instance)
        if block is None:
            return {"file": self.plan.rel, "line": instance.line, "pointer": instance.pointer}
        kind = "data" if instance.addr.mode == "data" else "resource"
        pointer = f"/{kind}/{instance.type}/{instance.addr.name}" + "".join(f"/{n}" for n in nested)
        return {"file": block.rel, "line": line or block.line, "pointer": pointer}

    def base(self, instance: Instance) -> ModelObject:
        return {"id": self.id(instance), "name": self.id(instance), "source": self.source(instance)}

    def vpc_default(self, vpc: Field, what: str) -> Field:
        """The id of a VPC's default route table / network ACL / security group."""
        if not isinstance(vpc, str):
            return vpc
        managed = self.managed_defaults.get(vpc, {}).get(what)
        if managed is not None:
            return managed
        suffix = {"route_table": "main-route-table", "nacl": "default-nacl"}.get(what, "default-sg")
        return f"{vpc}/{suffix}"

    # --- unknowns ------------------------------------------------------------------------

    def unknown(
        self,
        instance: Instance,
        path: tuple[PathStep, ...],
        why: str,
        ref: str = "",
        fix: str | None = None,
    ) -> Field:
        ref = ref or attribute(instance, path)
        if not ref.startswith(self.ref_prefix):
            ref = self.ref_prefix + ref
        found: ModelObject = {"unknown": why, "ref": ref, "source": self.source(instance)}
        if fix is not None and not ref.startswith("AWS::"):  # FG801 has fixes for these refs
            found["fix"] = fix
        return found

    def opaque_unknown(
        self, instance: Instance, path: tuple[PathStep, ...], why: str, opaque: Opaque
    ) -> Field:
        """An unknown located where the unsettled value sits (a data source), if it has a place."""
        found = self.unknown(instance, path, why, opaque.ref, fix=opaque.fix)
        if opaque.instance is not None:
            found["source"] = self.source(opaque.instance)
        return found

    def after_apply(self, instance: Instance, path: tuple[PathStep, ...]) -> Field:
        name = attribute(instance, path)
        return self.unknown(
            instance, path, f"{name} is known only after apply", fix=AFTER_APPLY_FIX
        )

    def blocks_of(self, inst: Instance, name: str) -> Field:
        """The elements of an attribute-as-blocks (`egress`, `route`, `inline_policy`): the
        planned list, [] when the configuration declares none, or an unknown. Unknown with
        nothing declared is "none"; but a `dynamic` block is invisible in the plan's
        configuration, so telling the two apart needs the .tf files."""
        found = inst.get(name)
        if isinstance(found, list):
            return found
        if found is None and not inst.has_unknown(name):
            return []
        if inst.expression(name) is not None:
            return self.after_apply(inst, (name,))
        block = self.block(inst)
        if block is not None and not block.mentions(name):
            return []
        declared = declares(block.body, name) if block is not None else None
        if declared is False or (block is not None and self._only_empty_dynamic(inst, block, name)):
            return []
        if declared is None:
            why = (
                f"the plan does not show whether {inst.address} declares {name} blocks "
                "(dynamic blocks are not in its configuration); scan it with its .tf files"
            )
            return self.unknown(inst, (name,), why, fix=TF_FILES_FIX)
        why = f"the {name} blocks of {inst.address} (dynamic) are known only after apply"
        return self.unknown(inst, (name,), why, fix=AFTER_APPLY_FIX)

    def _only_empty_dynamic(self, inst: Instance, block: Block, name: str) -> bool:
        """True when `name` is declared only by `dynamic` blocks whose for_each is empty."""
        if block.body is None or name in block.body:
            return False
        env = self.env(inst)
        for dynamic in block.body.get("dynamic", []) or []:
            inner = dynamic.get(name) if isinstance(dynamic, dict) else None
            if not isinstance(inner, dict):
                continue
            found = self.evaluator.hcl_value(inner.get("for_each"), env)
            if found not in ([()], [{}], [None]):
                return False
        return True

    # --- plain values ----------------------------------------------------------------------

    def value(self, instance: Instance, *path: PathStep, default: Field = None) -> Field:
        """A planned scalar: the value, `default` when unset, or an unknown.

        An optional attribute that the provider computes (`enable_dns_hostnames`,
        `private_dns_enabled`) is unknown in the plan when the configuration does not set it:
        without an expression behind it, it gets the provider's documented default."""
        found = instance.get(*path)
        if found is UNKNOWN:
            if instance.expression(*path) is None and unset_means_default(instance, path):
                return default
            return self.after_apply(instance, path)
        return default if found is None else found

    # --- the .tf expressions ------------------------------------------------------------

    def written(self, instance: Instance, path: tuple[PathStep, ...]) -> Any:
        """The value at `path` as the instance's .tf block writes it (python-hcl2's form), or
        NOT_WRITTEN when the block is not found or does not set it."""
        block = self.block(instance)
        node: Any = block.body if block is not None else None
        for step in path:
            in_map = isinstance(node, dict) and isinstance(step, str) and step in node
            in_list = isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
            if not (in_map or in_list):
                return NOT_WRITTEN
            node = node[step]
        return node

    def env(self, instance: Instance) -> Env:
        """Where the instance's expressions are evaluated (`count.index`, `each.value`)."""
        for_each = self.written(instance, ("for_each",))
        key = instance.key
        if for_each is NOT_WRITTEN or key is None:
            return Env(instance.module, key)

        def each_value() -> list[Any]:
            found = self.evaluator.hcl_value(for_each, Env(instance.module))
            out = []
            for value in found:
                if isinstance(value, dict):
                    out.append(value.get(str(key), Unevaluated("no such for_each key")))
                elif isinstance(value, tuple) and key in value:
                    out.append(key)
                else:
                    out.append(value if isinstance(value, Unevaluated) else Unevaluated("for_each"))
            return out

        return Env(instance.module, key, each_value)

    def evaluate(self, instance: Instance, path: tuple[PathStep, ...]) -> list[Any] | None:
        """The possible values of the .tf expression at `path`, or None when it is not written
        in a block found in the .tf files."""
        written = self.written(instance, path)
        if written is not NOT_WRITTEN:
            return self.evaluator.hcl_value(written, self.env(instance))
        found = self._dynamic_content(instance, path)
        return None if found is None else self.evaluator.hcl_value(*found)

    def _dynamic_content(
        self, instance: Instance, path: tuple[PathStep, ...]
    ) -> tuple[Any, Env] | None:
        """The expression at `path` (`network_configuration[0].subnets`) when the block is made
        by the one `dynamic` block of its name, whose for_each settles element `i`: its
        `content`, evaluated with the iterator bound (`network_configuration.value`), as
        terraform-aws-modules/ecs writes a service's network configuration."""
        block = self.block(instance)
        body = block.body if block is not None else None
        if len(path) < 3 or not isinstance(path[0], str) or not isinstance(path[1], int):
            return None
        name, index, rest = path[0], path[1], path[2:]
        if not isinstance(body, dict) or name in body:
            return None
        dynamics = [
            d[name] for d in body.get("dynamic", []) or [] if isinstance(d, dict) and name in d
        ]
        if len(dynamics) != 1 or not isinstance(dynamics[0], dict):
            return None
        dynamic = dynamics[0]
        env = self.env(instance)
        collections = self.evaluator.hcl_value(dynamic.get("for_each"), env)
        if len(collections) != 1:
            return None
        collection = collections[0]
        if isinstance(collection, dict):
            items = sorted(collection.items())  # Terraform iterates a map in key order
        elif isinstance(collection, tuple):
            items = list(enumerate(collection))
        else:
            return None
        node: Any = dynamic.get("content")
        if isinstance(node, list) and len(node) == 1:  # python-hcl2: a block is a list of one
            node = node[0]
        for step in rest:
            if not (isinstance(node, dict) and isinstance(step, str) and step in node):
                return None
            node = node[step]
        if not 0 <= index < len(items):
            return None
        iterator = dynamic.get("iterator")
        iterator = iterator if isinstance(iterator, str) else name
        key, value = items[index]
        return node, env.bind({iterator: {"key": key, "value": value}})

    def evaluated_id(self, value: Any, kind: Kind) -> Any:
        """The model id of an evaluated value (a resource, an attribute, a literal id); None
        when it names no object of this kind."""
        found = self._evaluated_id(value, kind, 0)
        return None if found is NOT_WRITTEN else found

    def _evaluated_id(self, value: Any, kind: Kind, depth: int) -> Any:
        """The id an evaluated value names; NOT_WRITTEN when it is not this kind of object."""
        if isinstance(value, Attr):
            found = self.accepted(Target(value.instance, value.name), kind, depth)
        elif isinstance(value, Obj):
            found = self.accepted(Target(value.instance, None), kind, depth)
        elif isinstance(value, str):
            found = self.known_id(value, kind) if value else None
        elif value is None:
            found = None
        else:
            return NOT_WRITTEN
        return NOT_WRITTEN if found is None and value is not None else found

    def _evaluated_one(
        self, instance: Instance, path: tuple[PathStep, ...], kind: Kind, depth: int
    ) -> Any:
        values = self.evaluate(instance, path)
        if not values or any(isinstance(v, Unevaluated) for v in values):
            return NOT_WRITTEN
        ids: list[Any] = []
        for value in values:
            ident = self._evaluated_id(value, kind, depth)
            if ident is NOT_WRITTEN or isinstance(ident, dict):
                return NOT_WRITTEN
            if ident not in ids:
                ids.append(ident)
        if len(ids) == 1:
            return ids[0]
        shown = ", ".join(sorted(str(i) for i in ids))
        why = (
            f"{attribute(instance, path)} is one of {shown}, depending on values the plan does "
            "not settle"
        )
        return self.unknown(instance, path, why, fix=AFTER_APPLY_FIX)

    def _evaluated_list(
        self, instance: Instance, path: tuple[PathStep, ...], kind: Kind, depth: int
    ) -> Any:
        """The ids of the list the .tf expression at `path` gives; an unknown when it picks
        among lists (or elements) that the plan does not settle; NOT_WRITTEN when it cannot
        be evaluated."""
        values = self.evaluate(instance, path)
        if not values:
            return NOT_WRITTEN
        choice = next((v for v in values if isinstance(v, Choice)), None)
        if choice is not None:
            why = f"{attribute(instance, path)} holds some of the values of {choice.why}"
            return self.unknown(instance, path, why, fix=AFTER_APPLY_FIX)
        lists: list[list[Any]] = []
        for value in values:
            ids = self._evaluated_ids(value, kind, depth)
            if ids is NOT_WRITTEN:
                return NOT_WRITTEN
            if ids not in lists:
                lists.append(ids)
        if len(lists) == 1:
            return lists[0]
        shown = ", ".join(sorted("[" + ", ".join(str(i) for i in ids) + "]" for ids in lists))
        why = (
            f"{attribute(instance, path)} is one of {shown}, depending on values the plan does "
            "not settle"
        )
        return self.unknown(instance, path, why, fix=AFTER_APPLY_FIX)

    def _evaluated_ids(self, value: Any, kind: Kind, depth: int) -> Any:
        if not isinstance(value, tuple):
            return NOT_WRITTEN
        ids: list[Any] = []
        for item in value:
            ident = self._evaluated_id(item, kind, depth)
            if ident is NOT_WRITTEN or isinstance(ident, dict):
                return NOT_WRITTEN
            if ident is not None and ident not in ids:
                ids.append(ident)
        return ids

    # --- links ---------------------------------------------------------------------------

    def link(
        self, instance: Instance, path: tuple[PathStep, ...], kind: Kind, depth: int = 0
    ) -> Field:
        """The model id a single-valued attribute names, None when unset (also when the
        provider computes it and nothing sets it), or an unknown."""
        found = instance.get(*path)
        if found is None or found == "":
            return None
        if found is not UNKNOWN:
            return self.known_id(str(found), kind) if isinstance(found, str) else found
        expression = instance.expression(*path)
        if expression is None:
            if unset_means_default(instance, path):
                return None
            evaluated = self._evaluated_one(instance, path, kind, depth)
            return self.after_apply(instance, path) if evaluated is NOT_WRITTEN else evaluated
        resolution = self.linker.resolve(expression, self.linker.scope_of(instance))
        linked = self._one(instance, path, kind, resolution, depth)
        if not isinstance(linked, dict):
            return linked
        # The references do not settle it (a local, a choice of index): evaluate the .tf text.
        evaluated = self._evaluated_one(instance, path, kind, depth)
        return linked if evaluated is NOT_WRITTEN else evaluated

    def link_list(
        self, instance: Instance, path: tuple[PathStep, ...], kind: Kind, depth: int = 0
    ) -> Field:
        """The model ids a list attribute names ([] when unset), or an unknown."""
        found = instance.get(*path)
        if found is None:
            return []
        if found is not UNKNOWN and not instance.has_unknown(*path):
            items = found if isinstance(found, list) else [found]
            return [self.known_id(str(v), kind) if isinstance(v, str) else v for v in items]
        expression = instance.expression(*path)
        if expression is None:
            # computed by the provider when unset: empty unless other resources add to it
            if unset_means_default(instance, path):
                return []
            evaluated = self._evaluated_list(instance, path, kind, depth)
            return self.after_apply(instance, path) if evaluated is NOT_WRITTEN else evaluated
        resolution = self.linker.resolve(expression, self.linker.scope_of(instance))
        ids: Field = self._many(instance, path, kind, resolution, depth)
        chooses = resolution.chooses()
        if chooses or resolution.may_filter() or any(isinstance(i, dict) for i in ids):
            # The references do not settle every element, or name candidates that the
            # expression may choose among (`cond ? A : B`, a `for` with an `if`): evaluate
            # the .tf text. Without it, a choice is not settled: never all of the candidates.
            evaluated = self._evaluated_list(instance, path, kind, depth)
            if evaluated is not NOT_WRITTEN:
                ids = evaluated
            elif chooses:
                ids = self._some_of(instance, path, resolution, ids)
        if isinstance(ids, dict):
            return ids
        if found is not UNKNOWN and isinstance(found, list):
            # the elements known at plan time are literal ids (the unknown ones are null)
            literal = [self.known_id(str(v), kind) for v in found if isinstance(v, str) and v]
            ids = literal + [i for i in ids if i not in literal]
        return ids

    def known_id(self, value: str, kind: Kind) -> str:
        """A literal id: the plan's resource that has it, else the id as written."""
        matches = {
            ident
            for instance, attr in self._id_index().get(value, [])
            if (ident := kind.accept(self, instance, attr)) is not None
        }
        return matches.pop() if len(matches) == 1 else value

    def string_values(self, rtype: str, attr: str) -> set[str]:
        """The planned string values of one attribute of every instance of a type (the names of
        the plan's log groups), gathered once per plan."""
        key = (rtype, attr)
        if key not in self._values:
            self._values[key] = {
                str(i.values[attr])
                for i in self.plan.instances.values()
                if i.type == rtype and isinstance(i.values.get(attr), str)
            }
        return self._values[key]

    def instance_of(self, ident: str) -> Instance | None:
        """The managed resource of the plan with this model id."""
        if self._instances is None:
            self._instances = {
                self.id(i): i for i in self.plan.instances.values() if i.addr.mode == "managed"
            }
        return self._instances.get(ident)

    def _id_index(self) -> dict[str, list[tuple[Instance, str]]]:
        if self._known_ids is None:
            self._known_ids = {}
            for instance in self.plan.instances.values():
                if instance.addr.mode != "managed":
                    continue
                for attr in _ID_ATTRIBUTES:
                    value = instance.get(attr)
                    if isinstance(value, str) and value:
                        self._known_ids.setdefault(value, []).append((instance, attr))
        return self._known_ids

    def accepted(self, target: Target, kind: Kind, depth: int) -> Field:
        """The id a reference target gives, following `aws_subnet.a.vpc_id`-style attributes
        to what they name; None when the target is not this kind of object."""
        ident = kind.accept(self, target.instance, target.attr)
        if ident is not None:
            return ident
        attr = target.attr
        if attr is None or attr in ("id", "arn", "name") or depth > 8:
            return None
        if attr not in target.instance.values and not target.instance.has_unknown(attr):
            return None
        return self.link(target.instance, (attr,), kind, depth + 1)

    def pick_one(
        self, instance: Instance, path: tuple[PathStep, ...], kind: Kind, resolution: Resolution
    ) -> Field:
        return self._one(instance, path, kind, resolution, 0)

    def pick_many(
        self, instance: Instance, path: tuple[PathStep, ...], kind: Kind, resolution: Resolution
    ) -> list[Field]:
        return self._many(instance, path, kind, resolution, 0)

    def _one(
        self,
        instance: Instance,
        path: tuple[PathStep, ...],
        kind: Kind,
        resolution: Resolution,
        depth: int,
    ) -> Field:
        name = attribute(instance, path)
        if resolution.opaque:
            opaque = resolution.opaque[0]
            why = f"{name} comes from {opaque.ref}: {opaque.why}"
            return self.opaque_unknown(instance, path, why, opaque)
        candidates = self._narrowed(instance, resolution)
        ids: list[Field] = []
        for target in candidates:
            ident = self.accepted(target, kind, depth)
            if ident is None:
                if resolution.whole_attribute:
                    continue  # another element's reference
                return self.unknown(instance, path, self._not_kind(name, target, kind))
            if ident not in ids:
                ids.append(ident)
        if len(ids) == 1:
            return ids[0]
        if not ids:
            why = f"{name} is known only after apply and names no {kind.noun} of the plan"
            return self.unknown(instance, path, why)
        return self._not_said(instance, path, "is one of", ids)

    def _some_of(
        self,
        instance: Instance,
        path: tuple[PathStep, ...],
        resolution: Resolution,
        candidates: list[Field],
    ) -> Field:
        """The unknown of a list whose references choose among `candidates` (`_many`'s ids;
        `resolution.chooses`) in a way the plan does not settle: some of them, not all."""
        ids = [i for i in candidates if isinstance(i, str)]
        if resolution.opaque:  # what chooses is itself not settled: name it
            opaque = resolution.opaque[0]
            shown = ", ".join(sorted(ids))
            why = (
                f"{attribute(instance, path)} holds some of {shown}, chosen by {opaque.ref}: "
                f"{opaque.why}"
            )
            return self.opaque_unknown(instance, path, why, opaque)
        return self._not_said(instance, path, "holds some of", ids)

    def _not_said(
        self, instance: Instance, path: tuple[PathStep, ...], what: str, ids: list[Field]
    ) -> Field:
        shown = ", ".join(sorted(str(i) if isinstance(i, str) else "(unknown)" for i in ids))
        why = f"{attribute(instance, path)} {what} {shown}; the plan does not say which"
        return self.unknown(instance, path, why, fix=AFTER_APPLY_FIX)

    @staticmethod
    def _not_kind(name: str, target: Target, kind: Kind) -> str:
        if not kind.names_resources:
            attr = f".{target.attr}" if target.attr else ""
            return f"{name} is {target.instance.address}{attr}, known only after apply"
        return f"{name} refers to {target.instance.address}, which is not a {kind.noun}"

    def _narrowed(self, instance: Instance, resolution: Resolution) -> list[Target]:
        """The candidates of a single value. `aws_subnet.a[count.index].id` (the plan records
        `aws_subnet.a` and `count.index`) is the instance with this instance's index, when
        nothing else known at plan time could change the index."""
        targets = resolution.targets()
        if len({t.instance.address for t in targets}) <= 1:
            return targets
        other_controls = [c for c in resolution.controls if c != "count.index"]
        if (
            resolution.uses_count_index
            and isinstance(instance.key, int)
            and not other_controls
            and not resolution.literals
        ):
            narrowed: list[Target] = []
            for group in resolution.groups:
                if group.collection:
                    narrowed.extend(t for t in group.targets if t.instance.key == instance.key)
                else:
                    narrowed.extend(group.targets)
            return narrowed
        return targets

    def _many(
        self,
        instance: Instance,
        path: tuple[PathStep, ...],
        kind: Kind,
        resolution: Resolution,
        depth: int,
    ) -> list[Field]:
        name = attribute(instance, path)
        ids: list[Field] = []
        for target in resolution.targets():
            ident = self.accepted(target, kind, depth)
            if ident is None and resolution.whole_attribute:
                continue
            if ident is None:
                ident = self.unknown(instance, path, self._not_kind(name, target, kind))
            if ident not in ids:
                ids.append(ident)
        for opaque in resolution.opaque:
            why = f"{name} takes values from {opaque.ref}: {opaque.why}"
            ids.append(self.opaque_unknown(instance, path, why, opaque))
        for literal in resolution.literals:
            # a variable or local known at plan time may add ids that are not in the plan
            why = f"{name} may also hold values of {literal}, which the plan does not show"
            ref = f"{attribute(instance, path)} {literal}"
            fix = None if self.config.present else TF_FILES_FIX  # the .tf files may settle it
            ids.append(self.unknown(instance, path, why, ref, fix=fix))
        if not ids:
            why = f"{name} is known only after apply and names no resource of the plan"
            ids.append(self.unknown(instance, path, why, fix=AFTER_APPLY_FIX))
        return ids


def unset_means_default(instance: Instance, path: tuple[PathStep, ...]) -> bool:
    """An attribute without an expression is unset, when the plan has the resource's
    configuration and the block that holds the attribute is in it (a `dynamic` block is not)."""
    if instance.config is None:
        return False
    node: Any = instance.config.get("expressions")
    for step in path[:-1]:
        if isinstance(node, dict) and isinstance(step, str):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            return False
    return isinstance(node, dict)


def attribute(instance: Instance, path: tuple[PathStep, ...]) -> str:
    """`aws_ecs_service.app.network_configuration[0].subnets`"""
    text = instance.address
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text


def of_types(
    *types: str, attrs: tuple[str | None, ...] = (None, "id")
) -> Callable[[Build, Instance, str | None], str | None]:
    """An `accept` for kinds whose model objects are the instances of `types`."""

    def accept(build: Build, instance: Instance, attr: str | None) -> str | None:
        if instance.type in types and instance.addr.mode == "managed" and attr in attrs:
            return build.id(instance)
        return None

    return accept


def vpc_default_of(what: str, *attrs: str) -> Callable[[Build, Instance, str | None], str | None]:
    """An `accept` for `aws_vpc.x.default_route_table_id` and the like."""

    def accept(build: Build, instance: Instance, attr: str | None) -> str | None:
        if instance.type in ("aws_vpc", "aws_default_vpc") and attr in attrs:
            found = build.vpc_default(build.id(instance), what)
            return found if isinstance(found, str) else None
        return None

    return accept


def either(
    *accepts: Callable[[Build, Instance, str | None], str | None],
) -> Callable[[Build, Instance, str | None], str | None]:
    def accept(build: Build, instance: Instance, attr: str | None) -> str | None:
        return next((a for a in (f(build, instance, attr) for f in accepts) if a is not None), None)

    return accept


VPC = Kind("VPC", of_types("aws_vpc", "aws_default_vpc"))
DHCP_OPTIONS = Kind(
    "DHCP option set", of_types("aws_vpc_dhcp_options", "aws_default_vpc_dhcp_options")
)
# What an aws_default_* resource's `default_route_table_id` / `default_network_acl_id` names:
# the VPC whose default object it is.
VPC_OF_DEFAULT = {
    attr: Kind("VPC", of_types("aws_vpc", "aws_default_vpc", attrs=(attr,)))
    for attr in ("default_route_table_id", "default_network_acl_id", "default_security_group_id")
}
SUBNET = Kind("subnet", of_types("aws_subnet", "aws_default_subnet"))
ROUTE_TABLE = Kind(
    "route table",
    either(
        of_types("aws_route_table", "aws_default_route_table"),
        vpc_default_of("route_table", "default_route_table_id", "main_route_table_id"),
    ),
)
NACL = Kind(
    "network ACL",
    either(
        of_types("aws_network_acl", "aws_default_network_acl"),
        vpc_default_of("nacl", "default_network_acl_id"),
    ),
)
SECURITY_GROUP = Kind(
    "security group",
    either(
        of_types("aws_security_group", "aws_default_security_group"),
        vpc_default_of("security_group", "default_security_group_id"),
    ),
)
INTERNET_GATEWAY = Kind(
    "internet gateway", of_types("aws_internet_gateway", "aws_egress_only_internet_gateway")
)
NAT_GATEWAY = Kind("NAT gateway", of_types("aws_nat_gateway"))
VPC_ENDPOINT = Kind("VPC endpoint", of_types("aws_vpc_endpoint"))
ROLE = Kind("IAM role", of_types("aws_iam_role", attrs=(None, "id", "arn", "name", "unique_id")))
MANAGED_POLICY = Kind("IAM policy", of_types("aws_iam_policy", attrs=(None, "id", "arn")))
CLUSTER = Kind("ECS cluster", of_types("aws_ecs_cluster", attrs=(None, "id", "arn", "name")))
TASK_DEFINITION = Kind(
    "ECS task definition",
    of_types(
        "aws_ecs_task_definition", attrs=(None, "id", "arn", "arn_without_revision", "family")
    ),
)
SERVICE = Kind("ECS service", of_types("aws_ecs_service", attrs=(None, "id", "name")))
EFS = Kind("EFS file system", of_types("aws_efs_file_system", attrs=(None, "id", "arn")))
KMS_KEY = Kind("KMS key", of_types("aws_kms_key", attrs=(None, "id", "arn", "key_id")))


def _prefix_list(build: Build, instance: Instance, attr: str | None) -> str | None:
    if instance.type == "aws_vpc_endpoint" and attr == "prefix_list_id":
        return endpoint_prefix_list(build.id(instance))
    if instance.type == "aws_ec2_managed_prefix_list" and attr in (None, "id"):
        return build.id(instance)
    return None


PREFIX_LIST = Kind("prefix list", _prefix_list)


def endpoint_prefix_list(endpoint: str) -> str:
    """The id of a gateway endpoint's prefix list in the model (what `.prefix_list_id` names)."""
    return f"{endpoint}.prefix_list_id"


# A route's target: which attribute, which target_type.
ROUTE_TARGETS = {
    "gateway_id": None,  # an internet gateway or a virtual private gateway (or "local")
    "nat_gateway_id": "nat",
    "transit_gateway_id": "tgw",
    "vpc_peering_connection_id": "pcx",
    "network_interface_id": "eni",
    "egress_only_gateway_id": "eigw",
    "vpc_endpoint_id": "vpce",
    "carrier_gateway_id": "carrier",
    "local_gateway_id": "lgw",
    "instance_id": "instance",
    "core_network_arn": None,
}
# The AWS API takes a NAT gateway's or an egress-only internet gateway's id in gateway_id too,
# and routes to it (the provider's aws_route "NOTE on gateway_id").
GATEWAY_TYPES = {
    "aws_internet_gateway": "igw",
    "aws_vpn_gateway": "vgw",
    "aws_egress_only_internet_gateway": "eigw",
    "aws_nat_gateway": "nat",
}
_GATEWAY_PREFIXES = {
    "igw-": "igw",
    "vgw-": "vgw",
    "eigw-": "eigw",
    "nat-": "nat",
    "local": "local",
}


def _any_resource(build: Build, instance: Instance, attr: str | None) -> str | None:
    if instance.addr.mode == "managed" and attr in (None, "id"):
        return build.id(instance)
    return None


ANY = Kind("resource", _any_resource)


def gateway_type(
    build: Build, instance: Instance, path: tuple[PathStep, ...]
) -> tuple[Field, Field]:
    """(target_type, target) of a `gateway_id`: it names an internet gateway, a virtual private
    gateway, a NAT gateway, an egress-only internet gateway, or `local`."""
    found = instance.get(*path)
    if isinstance(found, str) and found:
        kind = next((k for p, k in _GATEWAY_PREFIXES.items() if found.startswith(p)), None)
        target = build.known_id(found, ANY)
        if kind is None:
            kind = gateway_kind(build, target)
        if kind is None:
            why = f"{attribute(instance, path)} {found} is not a known kind of gateway"
            return build.unknown(instance, path, why), target
        return kind, "local" if kind == "local" else target
    target = build.link(instance, path, ANY)
    if not isinstance(target, str):
        return target, target
    kind = gateway_kind(build, target)
    if kind is None:
        why = f"{attribute(instance, path)} names {target}, which is not a known kind of gateway"
        return build.unknown(instance, path, why), target
    return kind, target


def gateway_kind(build: Build, target: Any) -> str | None:
    """The route target type of a gateway of the plan named by its model id (GATEWAY_TYPES)."""
    owner = build.instance_of(target) if isinstance(target, str) else None
    return GATEWAY_TYPES.get(owner.type) if owner is not None else None
