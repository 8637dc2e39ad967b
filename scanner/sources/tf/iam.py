"""IAM resources of a plan: roles, and the policies attached to them; KMS keys, with their key
policy; Secrets Manager secrets and SSM SecureString parameters, with their KMS key.

Policy documents are JSON text in the plan: rendered by `aws_iam_policy_document` or
`jsonencode` at plan time, or unknown until apply when they contain an unknown ARN.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.sources.base import ModelObject, UnsettledCondition
from scanner.sources.tf.build import KMS_KEY, MANAGED_POLICY, ROLE, Build, Collections, Field
from scanner.sources.tf.expr import Attr
from scanner.sources.tf.network import document
from scanner.sources.tf.plan import UNKNOWN, Instance
from scanner.sources.tf.written import (
    after_apply,
    kms_key_known,
    known_fields,
    role_arn_fields,
    unsettled,
)

Builder = Callable[[Build, Instance], None]


def arn(build: Build, inst: Instance, noun: str) -> Field:
    """An ARN from the plan; a new one holds the account id, which is not known offline."""
    found = inst.get("arn")
    if isinstance(found, str) and found:
        return found
    why = f"the ARN of {noun} {inst.address} is known only after apply (it holds the account id)"
    unknown: ModelObject = build.unknown(inst, ("arn",), why, f"{inst.address}.arn")
    return unknown | role_arn_fields(build, inst)


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


def attachments_exclusive(build: Build, inst: Instance) -> None:
    """aws_iam_role_policy_attachments_exclusive: the role's managed policies are the ones it
    lists: it attaches those the role lacks and detaches the others (the provider's
    syncAttachments)."""
    listed = build.link_list(inst, ("policy_arns",), MANAGED_POLICY)

    def listed_in(arn: Any) -> bool:
        return isinstance(listed, list) and arn in listed

    _exclusive(build, inst, "managed_policy_arns", listed, listed_in)


def policies_exclusive(build: Build, inst: Instance) -> None:
    """aws_iam_role_policies_exclusive: the role's inline policies are the ones it names; it
    deletes the others (it creates none: an aws_iam_role_policy or an `inline_policy` does)."""
    names = build.value(inst, "policy_names")

    def listed_in(policy: Any) -> bool:
        return isinstance(names, list) and isinstance(policy, dict) and policy["name"] in names

    _exclusive(build, inst, "inline_policies", None, listed_in)


def _exclusive(
    build: Build,
    inst: Instance,
    field: str,
    listed: Field,
    listed_in: Callable[[Any], bool],
) -> None:
    """A resource that keeps the role's `field` to what it lists (`listed`: what it adds, None
    for nothing). What the role gets from other resources and the list leaves out is kept or
    removed depending on which is applied last: the scan's model keeps it, and the model
    without the condition this makes (scanner.worlds) has only what the list keeps, so that a
    check it decides is an FG801 note at this resource."""
    target = build.link(inst, ("role_name",), ROLE)
    key = f"{build.plan.rel}#{inst.address}"

    def sync(model: Collections) -> None:
        found = _role(model, target)
        if found is None or not isinstance(target, str):
            return
        held = found[field]
        if not isinstance(held, list) or (listed is not None and not isinstance(listed, list)):
            # what the role or the list holds only apply settles: so does what it keeps
            found[field] = listed if listed is not None and not isinstance(listed, list) else held
            return
        added = [x for x in listed or [] if x not in held]
        others = [x for x in held if not listed_in(x)]
        if others:
            _contested(build, inst, key, target, field, others)
        if key in build.absent:
            held[:] = [x for x in held if listed_in(x)]
        held.extend(added)

    build.last.append(sync)


def _contested(
    build: Build, inst: Instance, key: str, role: str, field: str, others: list[Any]
) -> None:
    kind = "managed" if field == "managed_policy_arns" else "inline"
    what = f"{kind} policies"
    named = ", ".join(str(x["name"] if isinstance(x, dict) else x) for x in others[:3])
    more = f" and {len(others) - 3} more" if len(others) > 3 else ""
    why = (
        f"{inst.address} removes the {what} of {role} it does not list ({named}{more}), which "
        "other resources add: which of them is applied last decides"
    )
    source = build.source(inst)
    build.notices.append(
        f"{source['file']}:{source['line']}: {why}; {role} is analysed both with and without "
        "them: what differs is an FG801 note"
    )
    build.unsettled.append(
        UnsettledCondition(
            key=key,
            ref=inst.address,
            why=why,
            settled_by=inst.address,
            source=source,
            fix=f"List in {inst.address} every {kind} policy {role} should keep, and give it "
            "no other, so these checks can run.",
        )
    )


def unread(build: Build, inst: Instance) -> None:
    """A notice for a resource of a type that may change a role's policies and that the
    scanner does not read (a type newer than it): a role's checks may miss what it does."""
    if inst.type.startswith("aws_iam_role"):
        build.notices.append(
            f"{build.plan.rel}: {inst.address} may change the policies of a role, and the "
            f"scanner does not read {inst.type}: checks of that role's permissions may be wrong"
        )


def managed_policy(build: Build, inst: Instance) -> None:
    build.add(
        "managed_policies",
        build.base(inst)
        | {
            "arn": arn(build, inst, "policy"),
            "document": document(build, inst, ("policy",), build.value(inst, "policy")),
        },
    )


def kms_key(build: Build, inst: Instance) -> None:
    """aws_kms_key: its ARN and key policy; without `policy` (the provider computes it), KMS
    gives the key the default key policy (null), unless an aws_kms_key_policy sets one."""
    found = inst.get("arn")
    if isinstance(found, str) and found:
        key_arn: Field = found
    else:
        why = f"the ARN of KMS key {inst.address} is known only after apply"
        key_arn = build.unknown(inst, ("arn",), why, f"{inst.address}.arn") | known_fields(
            *kms_key_known(build, inst, "arn")
        )
    build.add(
        "kms_keys",
        build.base(inst)
        | {
            "arn": key_arn,
            "policy": document(build, inst, ("policy",), build.value(inst, "policy")),
        },
    )


def kms_key_policy(build: Build, inst: Instance) -> None:
    """aws_kms_key_policy: the key policy of the key it names."""
    key = build.link(inst, ("key_id",), KMS_KEY)
    policy = document(build, inst, ("policy",), build.value(inst, "policy"))

    def attach(model: Collections) -> None:
        found = model.get("kms_keys", {}).get(key) if isinstance(key, str) else None
        if found is not None:
            found["policy"] = policy

    build.later.append(attach)


def secret(build: Build, inst: Instance) -> None:
    """aws_secretsmanager_secret: its ARN (as `aws_secretsmanager_secret.x.arn` gives it) and
    KMS key (`kms_key_id`; null: the AWS managed key aws/secretsmanager), which FG105 reads for
    the secrets a task definition names."""
    build.add(
        "secrets",
        build.base(inst)
        | {
            "service": "secretsmanager",
            "arn": _as_referenced(build, inst, "arn"),
            "kms_key_id": _key(build, inst, "kms_key_id"),
        },
    )


def parameter(build: Build, inst: Instance) -> None:
    """aws_ssm_parameter of type SecureString: its ARN and KMS key (`key_id`; null: the AWS
    managed key aws/ssm). A String or StringList parameter is not encrypted."""
    if inst.get("type") != "SecureString":
        return
    build.add(
        "secrets",
        build.base(inst)
        | {
            "service": "ssm",
            "arn": _as_referenced(build, inst, "arn"),
            "kms_key_id": _key(build, inst, "key_id"),
        },
    )


def _as_referenced(build: Build, inst: Instance, attr: str) -> Field:
    """An attribute as a reference to it gives it (`aws_ssm_parameter.p.arn`): the planned value,
    else the unknown a task definition that names it holds (same ref, same pattern)."""
    found = inst.get(attr)
    if isinstance(found, str) and found:
        return found
    return unsettled(build, inst, (attr,), Attr(inst, attr))


def _key(build: Build, inst: Instance, attr: str) -> Field:
    """The KMS key a secret or parameter is encrypted with: as written, the unknown of an
    expression apply settles (`aws_kms_key.k.arn`), or None when the configuration names none
    (the provider fills aws_ssm_parameter's `key_id` with the default key's at apply)."""
    key = inst.get(attr)
    if key is UNKNOWN:
        if inst.config is not None and inst.expression(attr) is None:
            return None
        return after_apply(build, inst, (attr,))
    return key if isinstance(key, str) and key else None


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
    "aws_iam_role_policy_attachments_exclusive": attachments_exclusive,
    "aws_iam_role_policies_exclusive": policies_exclusive,
    "aws_iam_policy": managed_policy,
    "aws_kms_key": kms_key,
    "aws_kms_key_policy": kms_key_policy,
    "aws_secretsmanager_secret": secret,
    "aws_ssm_parameter": parameter,
}
