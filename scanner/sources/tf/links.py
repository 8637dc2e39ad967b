"""Following references: which resource instances an expression's value comes from.

A value that is unknown until apply (every id of a new resource) came from somewhere unknown:
a resource attribute, or a data source read during apply. The plan records, per expression,
the references it makes; following them (through `count.index`, `each.value` with the
instance key, module variables and outputs, and `locals` from the `.tf` files) gives the
resource instances the value can come from. Three outcomes per reference:

- a *target*: a resource instance (and the attribute named, when the reference names one);
- *neutral*: a value known at plan time (a variable, a constant local, `count.index`), which
  can pick between targets or add literal text, but cannot be the unknown id itself;
- *opaque*: a value that cannot be followed (a local without its `.tf` file, a data source read
  during apply): it might be the unknown value, so what depends on it stays unknown.

Instances that the plan does not have (`count = 0`, a `try()` fallback) contribute nothing:
Terraform would have failed the plan had the expression used them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from scanner.sources.tf.hcl import Configuration
from scanner.sources.tf.plan import Instance, Plan
from scanner.sources.tf.traversal import (
    SPLAT,
    Index,
    Key,
    TraversalError,
    TStep,
    join,
    show_key,
    steps_of,
)

MAX_DEPTH = 40  # module variables, outputs and locals that refer to each other
# Data sources that find one object by its id (`id = ...` alone) and have its attributes.
_BY_ID = frozenset({"aws_subnet", "aws_vpc", "aws_security_group"})


# FG801's fixes for what a plan does not settle, where FG801's fix for a Terraform input
# (scan what creates it, or the account) does not fit: a plan takes no --parameter (its
# variables are set when it is made), so "pass its value" means nothing there.
AFTER_APPLY_FIX = (
    "Terraform knows this value only after apply, so no plan settles it: write it in the "
    "configuration as a value the plan knows, or check it after apply with "
    "`fargate-preflight scan-aws`, so these checks can run."
)
TF_FILES_FIX = (
    "Scan the plan with the .tf files of its configuration (in its folder, or --tf-dir), so "
    "these checks can run."
)


@dataclass(frozen=True)
class Target:
    instance: Instance
    attr: str | None  # the attribute the reference names; None for `x[*]`, `for`, `each.value`


@dataclass(frozen=True)
class Opaque:
    ref: str  # stable key of the value that could not be followed
    why: str
    # where it sits, when that is a place of its own: the data source, the local's block
    instance: Instance | None = None
    where: tuple[str, int] | None = None
    fix: str | None = None  # FG801's fix, when it is not the one of any other Terraform value


@dataclass
class Group:
    """What one reference gives: one instance, or all instances of a resource (a splat, a `for`
    expression, `element(...)`), in Terraform's order (by index, by key)."""

    targets: list[Target]
    collection: bool


@dataclass
class Resolution:
    groups: list[Group] = field(default_factory=list)
    opaque: list[Opaque] = field(default_factory=list)
    # references to values known at plan time that may be part of the value (strings, lists)
    literals: list[str] = field(default_factory=list)
    # references known at plan time that only choose (booleans, numbers, count.index)
    controls: list[str] = field(default_factory=list)
    uses_count_index: bool = False
    # the references of a whole attribute (all inline routes of a table), of which only the
    # targets of the right kind can be this element's
    whole_attribute: bool = False

    def extend(self, other: Resolution) -> None:
        self.groups.extend(other.groups)
        self.opaque.extend(other.opaque)
        self.literals.extend(other.literals)
        self.controls.extend(other.controls)
        self.uses_count_index = self.uses_count_index or other.uses_count_index

    def chooses(self) -> bool:
        """True when the references name several values and also something that can pick
        among them (`var.public ? A : B`, `local.by_tier[var.tier]`, an `each.value` not
        followed): the value is some of the targets, not all of them."""
        several = len([g for g in self.groups if g.targets]) > 1
        return several and bool(self.controls or self.literals or self.opaque)

    def may_filter(self) -> bool:
        """True when a reference names all instances of a resource, which a `for` expression
        may filter (`[for s in aws_subnet.this : s.id if ...]` records only `aws_subnet.this`)."""
        return any(g.collection for g in self.groups)

    def targets(self) -> list[Target]:
        seen: dict[tuple[str, str | None], Target] = {}
        for group in self.groups:
            for target in group.targets:
                seen.setdefault((target.instance.address, target.attr), target)
        return list(seen.values())


@dataclass(frozen=True)
class Scope:
    """Where an expression is evaluated: its module instance and, for a resource with `count` or
    `for_each` (or a module call with them), the instance key and the `for_each` expression."""

    module: str
    key: Key | None = None
    for_each: tuple[str, ...] | None = None


class Linker:
    def __init__(self, plan: Plan, config: Configuration) -> None:
        self.plan = plan
        self.config = config

    # --- entry points ------------------------------------------------------------------

    def scope_of(self, instance: Instance) -> Scope:
        for_each = instance.for_each
        return Scope(instance.module, instance.key, _references(for_each) if for_each else None)

    def resolve(
        self, expression: dict[str, Any] | None, scope: Scope, depth: int = 0
    ) -> Resolution:
        if expression is None or "references" not in expression:
            return Resolution()
        return self.resolve_refs(_references(expression), scope, depth)

    def resolve_refs(self, refs: tuple[str, ...], scope: Scope, depth: int = 0) -> Resolution:
        result = Resolution()
        if depth > MAX_DEPTH:
            result.opaque.append(Opaque(refs[0] if refs else "?", "references nest too deeply"))
            return result
        for ref in chain_heads(refs):
            result.extend(self._one(ref, scope, depth))
        return result

    # --- one reference -------------------------------------------------------------------

    def _one(self, ref: str, scope: Scope, depth: int) -> Resolution:
        out = Resolution()
        try:
            root, steps = steps_of(ref)
        except TraversalError:
            out.opaque.append(Opaque(ref, f"the reference {ref} is not understood"))
            return out
        if root == "count":
            out.uses_count_index = True
            out.controls.append(ref)
        elif root == "each":
            if steps[:1] == ("value",):
                return self._each_value(ref, steps[1:], scope, depth)
            out.literals.append(ref)  # each.key: known at plan time
        elif root in ("path", "terraform", "self"):
            out.literals.append(ref)
        elif root == "var" and steps and isinstance(steps[0], str):
            return self._variable(steps[0], steps[1:], scope, depth)
        elif root == "local" and steps and isinstance(steps[0], str):
            return self._local(steps[0], steps[1:], scope, depth)
        elif root == "module" and steps and isinstance(steps[0], str):
            return self._module_output(ref, steps, scope, depth)
        elif root == "data" and len(steps) >= 2 and _names(steps[:2]):
            return self._resource(ref, f"data.{steps[0]}.{steps[1]}", steps[2:], scope, depth)
        elif steps and isinstance(steps[0], str):
            return self._resource(ref, f"{root}.{steps[0]}", steps[1:], scope, depth)
        else:
            out.opaque.append(Opaque(ref, f"the reference {ref} is not understood"))
        return out

    def _resource(
        self, ref: str, local: str, rest: tuple[TStep, ...], scope: Scope, depth: int
    ) -> Resolution:
        out = Resolution()
        resource = join(scope.module, local)
        instances = self.plan.of_resource(resource)
        config_module = _config_path(scope.module)
        if not instances:
            if self.plan.config_resource(config_module, local) is None:
                qualified = join(scope.module, ref)
                out.opaque.append(Opaque(qualified, f"{qualified} is not in the plan"))
            return out  # count = 0: a fallback that was not taken
        collection = False
        chosen = instances
        if rest and isinstance(rest[0], Index):
            chosen = [i for i in instances if i.key == rest[0].key]
            rest = rest[1:]
        elif rest and rest[0] == SPLAT:
            collection = True
            rest = rest[1:]
        elif not (len(instances) == 1 and instances[0].key is None):
            collection = True
        attr = rest[0] if rest and isinstance(rest[0], str) else None
        if local.startswith("data."):
            return self._data(ref, chosen, attr, scope, depth)
        out.groups.append(Group([Target(i, attr) for i in chosen], collection))
        return out

    def _data(
        self, ref: str, chosen: list[Instance], attr: str | None, scope: Scope, depth: int
    ) -> Resolution:
        out = Resolution()
        for instance in chosen:
            if "read" in instance.actions or (attr and instance.has_unknown(attr)):
                same = self._looked_up_by_id(instance, depth) if attr else None
                if same:
                    out.groups.append(Group([Target(t.instance, attr) for t in same], False))
                    continue
                out.opaque.append(
                    Opaque(
                        instance.address,
                        f"data source {instance.address} is read during apply, so its values "
                        "are not in the plan",
                        instance=instance,
                        fix=AFTER_APPLY_FIX,
                    )
                )
            else:
                out.literals.append(join(scope.module, ref))
        return out

    def _looked_up_by_id(self, instance: Instance, depth: int) -> list[Target] | None:
        """The resources of the plan that a data source read during apply can be, when it
        looks an object up by nothing but the id of one of them (terraform-aws-modules/ecs:
        `data "aws_subnet" { id = element(var.subnet_ids, 0) }`). Its attributes are that
        resource's; with several candidates, the caller asks whether they agree."""
        expressions = (instance.config or {}).get("expressions")
        if instance.type not in _BY_ID or not expressions or set(expressions) != {"id"}:
            return None
        found = self.resolve(expressions["id"], self.scope_of(instance), depth + 1)
        targets = found.targets()
        if found.opaque or found.literals or not targets:
            return None
        # (no attribute: a splat or `for` through a local, which the `id` string must be ids of)
        if any(t.attr not in ("id", None) or t.instance.type != instance.type for t in targets):
            return None
        return [t for t in targets if t.instance.addr.mode == "managed"] or None

    def _each_value(
        self, ref: str, rest: tuple[TStep, ...], scope: Scope, depth: int
    ) -> Resolution:
        out = Resolution()
        if scope.for_each is None or scope.key is None:
            out.opaque.append(Opaque(join(scope.module, ref), f"{ref} outside a for_each"))
            return out
        over = self.resolve_refs(scope.for_each, Scope(scope.module), depth + 1)
        if over.opaque:
            out.opaque.extend(over.opaque)
            return out
        groups = [g for g in over.groups if g.targets]
        if not groups:
            out.literals.append(join(scope.module, ref))  # a for_each over known values
            return out
        if len(groups) > 1:
            why = f"the for_each of {ref} is over several resources"
            out.opaque.append(Opaque(join(scope.module, ref), why))
            return out
        instance = next(
            (t.instance for t in groups[0].targets if t.instance.key == scope.key), None
        )
        if instance is None:
            why = f"no instance {show_key(scope.key)} of what the for_each iterates over"
            out.opaque.append(Opaque(join(scope.module, ref), why))
            return out
        attr = rest[0] if rest and isinstance(rest[0], str) else None
        out.groups.append(Group([Target(instance, attr)], False))
        return out

    def _variable(self, name: str, rest: tuple[TStep, ...], scope: Scope, depth: int) -> Resolution:
        out = Resolution()
        if not scope.module:
            value = self.plan.variables.get(name)
            (out.controls if _is_control(value) else out.literals).append(f"var.{name}")
            return out
        parent, call_name, key = _split_module(scope.module)
        call = self._call(parent, call_name)
        expression = (call.get("expressions") or {}).get(name) if call else None
        if call is None:
            qualified = f"{scope.module}.var.{name}"
            out.opaque.append(Opaque(qualified, f"the call of {scope.module} is not in the plan"))
            return out
        if not isinstance(expression, dict) or "references" not in expression:
            value = expression.get("constant_value") if isinstance(expression, dict) else None
            if value is None and not isinstance(expression, dict):
                default = (
                    self.plan.modules.get(_config_path(scope.module)) or _EMPTY
                ).variables.get(name, {})
                value = default.get("default") if isinstance(default, dict) else None
            (out.controls if _is_control(value) else out.literals).append(
                f"{scope.module}.var.{name}"
            )
            return out
        for_each = call.get("for_each_expression")
        call_scope = Scope(
            parent, key, _references(for_each) if isinstance(for_each, dict) else None
        )
        found = self.resolve(expression, call_scope, depth + 1)
        return _subscript(found, rest)

    def _local(self, name: str, rest: tuple[TStep, ...], scope: Scope, depth: int) -> Resolution:
        out = Resolution()
        qualified = join(scope.module, f"local.{name}")
        found = self.config.local(_config_path(scope.module), name)
        if found is None:
            why = (
                f"{qualified} is not recorded in the plan and its .tf file was not found"
                if not self.config.present
                else f"{qualified} is not defined in the .tf files"
            )
            out.opaque.append(Opaque(qualified, why, fix=TF_FILES_FIX))
            return out
        value = found[0]
        refs = tuple(hcl_references(value))
        if not refs:
            (out.controls if _is_control(value) else out.literals).append(qualified)
            return out
        # Locals cannot use count or each: evaluate in the module, without the instance key.
        return _subscript(self.resolve_refs(refs, Scope(scope.module), depth + 1), rest)

    def _module_output(
        self, ref: str, steps: tuple[TStep, ...], scope: Scope, depth: int
    ) -> Resolution:
        out = Resolution()
        name = steps[0]
        assert isinstance(name, str)
        rest = steps[1:]
        key: Key | None = None
        keyed = False
        if rest and isinstance(rest[0], Index):
            key, keyed, rest = rest[0].key, True, rest[1:]
        if not rest or not isinstance(rest[0], str):
            out.opaque.append(Opaque(join(scope.module, ref), f"{ref} names no output"))
            return out
        output_name, rest = rest[0], rest[1:]
        child_config = join(_config_path(scope.module), f"module.{name}")
        output = (self.plan.modules.get(child_config) or _EMPTY).outputs.get(output_name)
        expression = output.get("expression") if isinstance(output, dict) else None
        if not isinstance(expression, dict):
            qualified = join(scope.module, f"module.{name}.{output_name}")
            out.opaque.append(Opaque(qualified, f"output {qualified} is not in the plan"))
            return out
        for child in self._module_instances(scope.module, name, key, keyed):
            out.extend(self.resolve(expression, Scope(child), depth + 1))
        return _subscript(out, rest)

    def _module_instances(self, parent: str, name: str, key: Key | None, keyed: bool) -> list[str]:
        prefix = join(parent, f"module.{name}")
        config = join(_config_path(parent), f"module.{name}")
        known = [
            m
            for m in self.plan.module_instances.get(config, [])
            if m == prefix or m.startswith(prefix + "[")
        ]
        if keyed:
            wanted = prefix + show_key(key)
            return [m for m in known if m == wanted]
        return known or [prefix]

    def _call(self, parent: str, name: str) -> dict[str, Any] | None:
        module = self.plan.modules.get(_config_path(parent))
        return module.calls.get(name) if module else None


_EMPTY_CALLS: dict[str, Any] = {}


class _Empty:
    outputs: dict[str, Any] = _EMPTY_CALLS
    variables: dict[str, Any] = _EMPTY_CALLS


_EMPTY: Any = _Empty()


def _names(steps: tuple[TStep, ...]) -> bool:
    return all(isinstance(s, str) for s in steps)


def _is_control(value: Any) -> bool:
    """Booleans and numbers choose between values and are never an id; an empty value adds
    nothing to a list."""
    return isinstance(value, bool | int | float) or value in (None, "", [], {})


def _subscript(found: Resolution, rest: tuple[TStep, ...]) -> Resolution:
    """`module.vpc.private_subnets[0]`: the n-th of an ordered collection, when the value is
    exactly one collection; anything else keeps every candidate (a scalar link then fails)."""
    if not rest or not isinstance(rest[0], Index) or not isinstance(rest[0].key, int):
        return found
    groups = [g for g in found.groups if g.targets]
    if len(groups) != 1 or found.opaque or found.literals:
        return found
    index = rest[0].key
    targets = groups[0].targets
    if not -len(targets) <= index < len(targets):
        return found
    found.groups = [Group([targets[index]], False)]
    return found


def _split_module(module: str) -> tuple[str, str, Key | None]:
    """`module.a["x"].module.b[0]` -> (`module.a["x"]`, "b", 0)."""
    root, steps = steps_of(module)
    items: list[TStep] = [root, *steps]
    # the last "module" step starts the last module call
    last = max(i for i, s in enumerate(items) if s == "module")
    name = items[last + 1]
    assert isinstance(name, str)
    after = items[last + 2] if last + 2 < len(items) else None
    key = after.key if isinstance(after, Index) else None
    return _show(items[:last]), name, key


def _show(items: list[TStep]) -> str:
    text = ""
    for item in items:
        if isinstance(item, Index):
            text += show_key(item.key)
        elif isinstance(item, str):
            text += ("." if text else "") + item
    return text


def _config_path(module: str) -> str:
    if not module:
        return ""
    root, steps = steps_of(module)
    return _show([s for s in (root, *steps) if not isinstance(s, Index)])


def _references(expression: dict[str, Any]) -> tuple[str, ...]:
    refs = expression.get("references")
    return tuple(r for r in refs if isinstance(r, str)) if isinstance(refs, list) else ()


def chain_heads(refs: tuple[str, ...]) -> list[str]:
    """Terraform lists each reference with its shorter forms after it (`aws_vpc.a[0].id`,
    `aws_vpc.a[0]`, `aws_vpc.a`): keep the longest of each chain."""
    heads: list[str] = []
    for ref in refs:
        if heads and _extends(heads[-1], ref):
            continue
        heads.append(ref)
    return heads


def _extends(longer: str, shorter: str) -> bool:
    return (
        len(longer) > len(shorter) and longer.startswith(shorter) and longer[len(shorter)] in ".["
    )


# --- references in the text of an expression (locals, from the .tf files) ----------------

_TRAVERSAL = re.compile(
    r"[A-Za-z_][A-Za-z0-9_-]*(?:\s*(?:\.\s*(?:[A-Za-z_][A-Za-z0-9_-]*|\*|\d+)|\[\s*(?:\d+|\*|\"(?:[^\"\\]|\\.)*\")\s*\]))*"
)
_KEYWORDS = frozenset({"true", "false", "null", "for", "in", "if", "endif", "endfor", "else"})
_BOUND = re.compile(r"\bfor\s+([A-Za-z_][\w-]*)(?:\s*,\s*([A-Za-z_][\w-]*))?\s+in\b")


def hcl_references(value: Any) -> list[str]:
    """The references in a value as python-hcl2 gives it (`"${aws_vpc.this[0].id}"`, nested
    lists and maps of such strings)."""
    refs: list[str] = []
    for text in _strings(value):
        for expression in _interpolations(text):
            refs.extend(_expression_references(expression))
    return refs


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and not key.startswith("__"):
                yield key
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _interpolations(template: str) -> Iterator[str]:
    """The expressions inside `${...}` of a template string."""
    pos = 0
    while True:
        start = template.find("${", pos)
        if start < 0:
            return
        if start > 0 and template[start - 1] == "$":
            pos = start + 2
            continue
        end = _expression_end(template, start + 2)
        yield template[start + 2 : end]
        pos = end + 1


def _expression_end(text: str, pos: int) -> int:
    """The index of the `}` that closes an expression starting at `pos`."""
    depth = 0
    n = len(text)
    while pos < n:
        char = text[pos]
        if char == '"':
            pos = _string_end(text, pos + 1)
            continue
        if char in "{([":
            depth += 1
        elif char in "})]":
            if depth == 0:
                return pos
            depth -= 1
        pos += 1
    return n


def _string_end(text: str, pos: int) -> int:
    n = len(text)
    while pos < n:
        char = text[pos]
        if char == "\\":
            pos += 2
            continue
        if char == '"':
            return pos + 1
        if text.startswith("${", pos):
            pos = _expression_end(text, pos + 2) + 1
            continue
        pos += 1
    return n


def _expression_references(expression: str) -> list[str]:
    bound = {name for match in _BOUND.finditer(expression) for name in match.groups() if name}
    refs: list[str] = []
    pos, n = 0, len(expression)
    while pos < n:
        char = expression[pos]
        if char == '"':
            end = _string_end(expression, pos + 1)
            for inner in _interpolations(expression[pos:end]):
                refs.extend(_expression_references(inner))
            pos = end
            continue
        if char.isalpha() or char == "_":
            if pos > 0 and (expression[pos - 1].isalnum() or expression[pos - 1] in "._-"):
                pos += 1
                continue
            match = _TRAVERSAL.match(expression, pos)
            assert match is not None
            text = re.sub(r"\s+", "", match.group())
            after = expression[match.end() : match.end() + 1]
            root = re.match(r"[A-Za-z_][A-Za-z0-9_-]*", text)
            assert root is not None
            is_reference = (
                after != "("
                and root.group() not in _KEYWORDS
                and root.group() not in bound
                and len(text) > len(root.group())
            )
            if is_reference:
                refs.append(_normalise(text))
            pos = match.end()
            continue
        pos += 1
    return refs


def _normalise(text: str) -> str:
    """`x.*.id` and `x[*].id` as the plan writes a splat reference: `x`."""
    for splat in (".*", "[*]"):
        if splat in text:
            return text[: text.index(splat)]
    return text
