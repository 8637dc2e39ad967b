"""IAM resources: roles, and the policies that attach to them; KMS keys, with their key policy;
Secrets Manager secrets, with their KMS key."""

from __future__ import annotations

import re
from collections.abc import Callable

from scanner.sources.base import ModelObject
from scanner.sources.cfn.cursor import Cursor, Field, role_arn_known, text_of
from scanner.sources.cfn.out import Collections, Links, Out, Res, text_or
from scanner.sources.cfn.stack import Stack
from scanner.sources.cfn.values import Composite, ResRef, Unknown, Value

Builder = Callable[[Res, Out], None]


def role_arn(stack: Stack, logical: str) -> Field:
    """A role's ARN holds the account id, which is not known offline: always an unknown, with
    what its RoleName and Path settle of it as `partial` (`arn:aws:iam::*:role/svc/api-exec`)."""
    name = text_of(stack.property_value(logical, "RoleName"))
    if isinstance(name, str):
        why = f"the ARN of role {name} contains the account id, which is not known offline"
    else:
        why = f"CloudFormation names role {logical} at deploy time, so its ARN is not known"
    ident = stack.ids[logical]
    where = stack.where(("Resources", logical))
    partial, identity = role_arn_known(stack, logical)
    return Unknown(why, f"Fn::GetAtt {ident}.Arn", where, partial=partial, identity=identity).json()


def role(res: Res, out: Out) -> None:
    name = res.prop("RoleName")
    if name is not None:
        literal = name.text()
        if isinstance(literal, str):
            out.names.append(lambda links: links.role_names.setdefault(literal, res.id))
    path = role_path(*role_arn_known(res.stack, res.logical))
    if path is not None:
        out.names.append(lambda links: links.role_paths.setdefault(path, []).append(res.id))
    trust = res.prop("AssumeRolePolicyDocument")
    boundary = res.prop("PermissionsBoundary")
    out.add(
        "roles",
        res.base()
        | {
            "arn": role_arn(res.stack, res.logical),
            "trust_policy": trust.document() if trust is not None else None,
            "inline_policies": _inline_policies(res.prop("Policies")),
            "managed_policy_arns": _managed(res.prop("ManagedPolicyArns")),
            "permissions_boundary": boundary.ident("managed_policies")
            if boundary is not None
            else None,
        },
    )


def _inline_policies(cursor: Cursor | None) -> list[ModelObject]:
    if cursor is None:
        return []
    items = cursor.items()
    if isinstance(items, Unknown):
        return [{"name": items.json(), "document": items.json(), "source": cursor.where.json()}]
    return [_policy(item) for item in items]


def _policy(cursor: Cursor) -> ModelObject:
    name, document = cursor.get("PolicyName"), cursor.get("PolicyDocument")
    if name is None or document is None:
        raise cursor.fail(f"{cursor.name} needs PolicyName and PolicyDocument")
    return {"name": name.text(), "document": document.document(), "source": cursor.where.json()}


def _managed(cursor: Cursor | None) -> Field:
    return [] if cursor is None else cursor.ident_list("managed_policies")


def policy(res: Res, out: Out) -> None:
    """AWS::IAM::Policy: an inline policy of each role it names."""
    inline = _policy(res.properties()) | {"source": res.source}
    roles = res.prop("Roles")
    targets = _role_refs(roles) if roles is not None else []
    out.later.append(lambda model, links: _attach_inline(model, links, targets, inline))


def role_policy(res: Res, out: Out) -> None:
    """AWS::IAM::RolePolicy: an inline policy of one role."""
    inline = _policy(res.properties()) | {"source": res.source}
    target = _role_ref(res.require("RoleName"))
    targets = [target] if target is not None else []
    out.later.append(lambda model, links: _attach_inline(model, links, targets, inline))


def managed_policy(res: Res, out: Out) -> None:
    document = res.require("PolicyDocument").document()
    name = res.prop("ManagedPolicyName")
    literal = text_of(name.value()) if name is not None else None
    if isinstance(literal, str):
        why = f"the ARN of policy {literal} contains the account id, which is not known offline"
    else:
        why = f"CloudFormation names policy {res.logical} at deploy time, so its ARN is not known"
    arn = res.unknown(why, f"Ref {res.id}")
    out.add("managed_policies", res.base() | {"arn": arn, "document": document})
    roles = res.prop("Roles")
    targets = _role_refs(roles) if roles is not None else []
    ident = res.id

    def attach(model: Collections, links: Links) -> None:
        for target in _matched_roles(model, links, targets):
            arns = target["managed_policy_arns"]
            if isinstance(arns, list) and ident not in arns:
                arns.append(ident)

    out.later.append(attach)


def kms_key(res: Res, out: Out) -> None:
    """AWS::KMS::Key: its ARN (as `!GetAtt Key.Arn` names it) and its key policy; without
    KeyPolicy, KMS gives it the default key policy (null: the account's IAM policies decide)."""
    arn = text_of(ResRef(res.stack, res.logical, "Arn", res.where))
    policy = res.prop("KeyPolicy")
    out.add(
        "kms_keys",
        res.base()
        | {
            "arn": arn.json() if isinstance(arn, Unknown) else arn,
            "policy": policy.document() if policy is not None else None,
        },
    )


def secret(res: Res, out: Out) -> None:
    """AWS::SecretsManager::Secret: its ARN (as `!Ref Secret` gives it) and KMS key (`KmsKeyId`;
    null: the AWS managed key aws/secretsmanager), which FG105 reads for the secrets a task
    definition names (the execution role's kms:Decrypt on a customer managed key).
    (CloudFormation cannot create an SSM SecureString parameter: AWS::SSM::Parameter is never
    encrypted with a KMS key.)"""
    arn = text_of(ResRef(res.stack, res.logical, None, res.where))
    out.add(
        "secrets",
        res.base()
        | {
            "service": "secretsmanager",
            "arn": arn.json() if isinstance(arn, Unknown) else arn,
            "kms_key_id": text_or(res.prop("KmsKeyId"), None),
        },
    )


# A role reference: a role of the run (its id) or a name/ARN to look up once all are built.
RoleRef = tuple[str, str]  # ("id", id) | ("name", literal)


def _role_refs(cursor: Cursor) -> list[RoleRef]:
    items = cursor.items()
    if isinstance(items, Unknown):
        return []
    return [ref for ref in (_role_ref(item) for item in items) if ref is not None]


def _role_ref(cursor: Cursor) -> RoleRef | None:
    value: Value = cursor.value()
    if isinstance(value, Composite) and len(value.parts) == 1:
        value = value.parts[0]
    if isinstance(value, ResRef):
        ident = cursor.ident("roles")
        return ("id", ident) if isinstance(ident, str) else None
    text = text_of(value)
    return ("name", text) if isinstance(text, str) else None


def match_role(links: Links, literal: str) -> str | None:
    """The role of the run that a literal role name or ARN names (by its RoleName)."""
    return links.role_names.get(role_name(literal))


# `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME` (as a pattern or identity: docs/model.md)
_ROLE_ARN = re.compile(r"arn:[^:]*:iam::[^:]*:role/([^:]+)")


def role_path(partial: str | None, identity: str | None) -> str | None:
    """The `PATH/NAME` of a role ARN known in part (its `identity`, else its `partial`), when it
    is settled but for tokens (docs/model.md `identity`): a token is one value wherever the
    inputs use it, so two ARNs with the same `PATH/NAME` name one role, whatever their account
    and partition (only deployment settles those, as they do for a literal role ARN). None when
    a part of it is open (`*`)."""
    found = _ROLE_ARN.fullmatch(identity or partial or "")
    if found is None or "*" in found[1]:
        return None
    return found[1]


def role_name(literal: str) -> str:
    """The name a role name or role ARN gives (the ARN's last part)."""
    return literal.rsplit("/", 1)[-1] if literal.startswith("arn:") else literal


def _matched_roles(model: Collections, links: Links, refs: list[RoleRef]) -> list[ModelObject]:
    roles = model.get("roles", {})
    found = []
    for kind, value in refs:
        ident = value if kind == "id" else match_role(links, value)
        if ident is not None and ident in roles:
            found.append(roles[ident])
    return found


def _attach_inline(
    model: Collections, links: Links, refs: list[RoleRef], inline: ModelObject
) -> None:
    for target in _matched_roles(model, links, refs):
        target["inline_policies"].append(dict(inline))


BUILDERS: dict[str, Builder] = {
    "AWS::IAM::Role": role,
    "AWS::IAM::Policy": policy,
    "AWS::IAM::RolePolicy": role_policy,
    "AWS::IAM::ManagedPolicy": managed_policy,
    "AWS::KMS::Key": kms_key,
    "AWS::SecretsManager::Secret": secret,
}
