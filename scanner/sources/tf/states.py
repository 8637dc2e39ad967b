"""aws_sfn_state_machine: each Task state that runs ECS tasks is a standalone task
(scanner.sources.states). The plan holds the definition as JSON text once it is known; a
definition written as `jsonencode({...})` around resources of the same plan is known only after
apply, and is then read from the `.tf` expression, its references linked like any other."""

from __future__ import annotations

from typing import Any

from scanner.errors import SourceError
from scanner.sources.limits import json_text
from scanner.sources.states import at_run_time, run_task_states, task_fields
from scanner.sources.tf.build import (
    SECURITY_GROUP,
    SUBNET,
    Build,
    Field,
    attribute,
)
from scanner.sources.tf.ecs import BY_NAME, named
from scanner.sources.tf.expr import Attr, Obj, Opaque
from scanner.sources.tf.plan import UNKNOWN, Instance
from scanner.sources.tf.written import as_json, encoded

_KINDS = {
    **{collection: kind for collection, (kind, _, _) in BY_NAME.items()},
    "subnets": SUBNET,
    "security_groups": SECURITY_GROUP,
}
_AT = ("definition",)


def state_machine(build: Build, inst: Instance) -> None:
    definition = _definition(build, inst)
    if definition is None:
        return

    def unknown(field: str, why: str, fix: str | None = None) -> Field:
        return build.unknown(inst, _AT, why, f"{build.id(inst)}.{field}", fix=fix)

    def link(value: Any, collection: str) -> Any:
        if isinstance(value, str):
            if collection in BY_NAME:
                return named(build, value, collection)
            return build.known_id(value, _KINDS[collection])
        found = build.evaluated_id(value, _KINDS[collection])
        if found is None:
            return unknown(collection, f"{attribute(inst, _AT)} names {_shown(value)} there")
        return found

    tasks, partial = run_task_states(definition)
    if partial:
        build.notices.append(
            f"{build.plan.rel}: parts of the definition of {inst.address} are not settled; any "
            "ECS task they run is not analysed"
        )
    for label, params, _ in tasks:
        base = build.base(inst)
        if len(tasks) > 1:  # a task for each state, named by the state
            base |= {"id": f"{base['id']}/{label}", "name": f"{base['name']}/{label}"}

        def at_run(field: str, expression: str, label: str = label) -> Field:
            why = f"state {label} takes {field} from its input when it runs ({expression})"
            fix = (
                f"Write {field} in state {label}'s Parameters (the input of each execution is "
                "in no file), so these checks can run."
            )
            return unknown(f"{label}.{field}", why, fix)

        settled = at_run_time(params or {}, at_run)
        none = unknown(f"{label}.TaskDefinition", f"state {label} names no TaskDefinition")
        build.add("services", base | task_fields(settled, link, none))


def _definition(build: Build, inst: Instance) -> Any:
    """The definition as JSON (resources and attributes of the plan as expr.Obj and expr.Attr),
    or None (with a notice when the plan and the .tf files do not settle it)."""
    text = inst.get(*_AT)
    if isinstance(text, str):
        try:
            return json_text(text)
        except ValueError as exc:
            source = build.source(inst)
            message = f"{inst.address}: definition is not JSON: {exc}"
            raise SourceError(source["file"], source["line"], message) from None
    if text is not UNKNOWN:
        return None
    written = encoded(build, inst, _AT)
    if written is not None:
        # resources and attributes stay for `link`; anything else apply settles is unknown
        def leaf(value: Attr | Obj | Opaque) -> Any:
            if isinstance(value, Attr | Obj):
                return value
            why = f"{attribute(inst, _AT)} holds a value this scanner does not settle ({value.why})"
            return build.unknown(inst, _AT, why)

        return as_json(written.value, leaf)
    build.notices.append(
        f"{build.plan.rel}: the definition of {inst.address} is known only after apply and is "
        "not a jsonencode() this scanner can read; the ECS tasks it runs are not analysed"
    )
    return None


def _shown(value: Any) -> str:
    """How a message names what the definition holds where an id goes."""
    if isinstance(value, Attr):
        return value.address
    if isinstance(value, Obj):
        return value.instance.address
    return repr(value)
