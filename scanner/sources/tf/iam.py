"""IAM resources of a plan: roles, and the policies attached to them.

Policy documents are JSON text in the plan: rendered by `aws_iam_policy_document` or
`jsonencode` at plan time, or unknown until apply when they contain an unknown ARN.
"""

from __future__ import annotations

from collections.abc import Callable

from scanner.sources.base import ModelObject
from scanner.sources.tf.build import MANAGED_POLICY, ROLE, Build, Collections, Field
from scanner.sources.tf.network import document
from scanner.sources.tf.plan import UNKNOWN, Instance
from scanner.sources.tf.written import role_arn_pattern

Builder = Callable[[Build, Instance], None]


def arn(build: Build, inst: Instance, noun: str) -> Field:
    """An ARN from the plan; a new one holds the account id, which is not known offline."""
    found = inst.get("arn")
    if isinstance(found, str) and found:
        return found
    why = f"the ARN of {noun} {inst.address} is known only after apply (it holds the account id)"
    found = build.unknown(inst, ("arn",), why, f"{inst.address}.arn")
    partial = role_arn_pattern(build, inst) if inst.type == "aws_iam_role" else None
    return found if partial is None else found | {"partial": partial}


def role(build: Build, inst: Instance) -> None:
    build.add(
        "roles",
        build.base(inst)
        | {
            "arn": arn(build, inst, "role"),
            "trust_policy": document(
                build, inst, ("assume_role_policy",), build.value(inst, "assume_role_policy")
            ),
            "inline_policies": _inline_policies(build, inst),
            "managed_policy_arns": build.link_list(inst, ("managed_policy_arns",), MANAGED_POLICY),
            "permissions_boundary": build.link(inst, ("permissions_boundary",), MANAGED_POLICY),
        },
    )


def _inline_policies(build: Build, inst: Instance) -> list[ModelObject]:
    found = build.blocks_of(inst, "inline_policy")
    if isinstance(found, dict):
        return [{"name": found, "document": found, "source": found["source"]}]
    policies = []
    for index in range(len(found)):
        text = build.value(inst, "inline_policy", index, "policy")
        if text in (None, ""):
            continue  # `inline_policy {}` removes every inline policy
        policies.append(
            {
                "name": build.value(inst, "inline_policy", index, "name"),
                "document": document(build, inst, ("inline_policy", index, "policy"), text),
                "source": build.source(inst, "inline_policy", index),
            }
        )
    return policies


def role_policy(build: Build, inst: Instance) -> None:
    target = build.link(inst, ("role",), ROLE)
    inline = {
        "name": build.value(inst, "name"),
        "document": document(build, inst, ("policy",), build.value(inst, "policy")),
        "source": build.source(inst),
    }

    def attach(model: Collections) -> None:
        found = _role(model, target)
        if found is not None and isinstance(found["inline_policies"], list):
            found["inline_policies"].append(dict(inline))

    build.later.append(attach)


def role_policy_attachment(build: Build, inst: Instance) -> None:
    target = build.link(inst, ("role",), ROLE)
    policy = build.link(inst, ("policy_arn",), MANAGED_POLICY)
    _attach_managed(build, [target], policy)


def policy_attachment(build: Build, inst: Instance) -> None:
    """aws_iam_policy_attachment: one policy, exclusively, to roles (and users and groups)."""
    roles = build.link_list(inst, ("roles",), ROLE)
    policy = build.link(inst, ("policy_arn",), MANAGED_POLICY)
    _attach_managed(build, roles if isinstance(roles, list) else [], policy)


def _attach_managed(build: Build, targets: list[Field], policy: Field) -> None:
    def attach(model: Collections) -> None:
        for target in targets:
            found = _role(model, target)
            arns = found["managed_policy_arns"] if found is not None else None
            if isinstance(arns, list) and policy not in arns:
                arns.append(policy)

    build.later.append(attach)


def managed_policy(build: Build, inst: Instance) -> None:
    build.add(
        "managed_policies",
        build.base(inst)
        | {
            "arn": arn(build, inst, "policy"),
            "document": document(build, inst, ("policy",), build.value(inst, "policy")),
        },
    )


def role_named(build: Build, name: str) -> str | None:
    """The role of the plan with this name (or whose ARN ends with it)."""
    short = name.rsplit("/", 1)[-1] if name.startswith("arn:") else name
    found = [
        build.id(i)
        for i in build.plan.instances.values()
        if i.type == "aws_iam_role"
        and i.get("name") not in (None, UNKNOWN)
        and i.get("name") == short
    ]
    return found[0] if len(found) == 1 else None


def _role(model: Collections, ident: Field) -> ModelObject | None:
    return model.get("roles", {}).get(ident) if isinstance(ident, str) else None


BUILDERS: dict[str, Builder] = {
    "aws_iam_role": role,
    "aws_iam_role_policy": role_policy,
    "aws_iam_role_policy_attachment": role_policy_attachment,
    "aws_iam_policy_attachment": policy_attachment,
    "aws_iam_policy": managed_policy,
}
