"""Values known only after apply, read for what they still tell: container definitions,
policy documents and state machine definitions written as `jsonencode()` (or as a JSON
template) around an attribute of a resource the same apply creates (an ECR repository's URL, a
secret's ARN), and `aws_iam_policy_document`s read during apply. The plan records such a value
as unknown as a whole; the `.tf` expression (or the data source's planned statements) settles
every other part, and an attribute keeps its name (the unknown's ref) and, where its form is
known, its pattern."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from scanner.sources import physical
from scanner.sources.base import ModelObject
from scanner.sources.limits import json_text
from scanner.sources.physical import has_token
from scanner.sources.tf.build import Build, attribute
from scanner.sources.tf.expr import Attr, Encoded, Obj, Opaque, Pattern
from scanner.sources.tf.plan import UNKNOWN, Instance, PathStep


def encoded(build: Build, inst: Instance, path: tuple[PathStep, ...]) -> Encoded | None:
    """The jsonencode() (or JSON template) written at `path`, when that is what the .tf file
    has there."""
    values = build.evaluate(inst, path) or []
    return json_written(values[0]) if len(values) == 1 else None


def json_written(value: Any) -> Encoded | None:
    """An evaluated value as a JSON document: a jsonencode(), or a string template of JSON
    whose interpolations only apply settles (`templated`)."""
    return value if isinstance(value, Encoded) else templated(value)


def templated(pattern: Any) -> Encoded | None:
    """A string template of JSON whose interpolations only apply settles (a heredoc,
    `"[${jsonencode(local.container)}]"`), as if it were a jsonencode(): each interpolation
    stands inside a JSON string, which becomes it (the whole string) or a Pattern around it.
    None when the text is not JSON with every interpolation inside a value string (`"cpu":
    ${var.cpu}`, a key)."""
    if not isinstance(pattern, Pattern):
        return None
    held: list[Any] = []

    def mark(value: Any) -> str:
        held.append(value)
        return f"{_MARK}{len(held) - 1}{_MARK}"

    text = "".join(
        part
        if isinstance(part, str)
        else json.dumps(as_json(part.value, mark))
        if isinstance(part, Encoded)
        else mark(part)
        for part in pattern.parts
    )
    try:
        document = json_text(text)
    except ValueError:  # not JSON, or nested too deep for the engine
        return None

    def restore(value: Any) -> Any:
        if isinstance(value, dict):
            if any(_MARK in key for key in value):
                raise ValueError("an interpolated key")
            return {key: restore(v) for key, v in value.items()}
        if isinstance(value, list):
            return [restore(v) for v in value]
        if not isinstance(value, str) or _MARK not in value:
            return value
        pieces = value.split(_MARK)  # literal, marker number, literal, ...
        parts = [piece if i % 2 == 0 else held[int(piece)] for i, piece in enumerate(pieces)]
        parts = [p for p in parts if p != ""]
        if len(parts) == 1:
            return parts[0]
        flat = tuple(q for p in parts for q in (p.parts if isinstance(p, Pattern) else (p,)))
        return Pattern(pattern.why, flat)

    try:
        return Encoded(pattern.why, restore(document))
    except ValueError:
        return None


# Stands for an interpolation in a template's JSON text: a private-use character, which JSON
# strings keep as it is and a container definition has no use for.
_MARK = "\ue000"


def as_json(value: Any, leaf: Callable[[Attr | Obj | Opaque], Any]) -> Any:
    """An evaluated value as JSON (lists for tuples); `leaf` gives what stands for a value
    that only apply settles."""
    if isinstance(value, dict):
        return {str(k): as_json(v, leaf) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [as_json(v, leaf) for v in value]
    if isinstance(value, Attr | Obj | Opaque):
        return leaf(value)
    return value


def unsettled(
    build: Build, inst: Instance, path: tuple[PathStep, ...], value: Attr | Obj | Opaque
) -> ModelObject:
    """The model's unknown for a value that only apply settles: its ref names the attributes
    it comes from (so that two uses of one ARN are one unknown), and its `partial` pattern
    keeps what is known of them."""
    parts = value.parts if isinstance(value, Pattern) else (value,)
    named = [p.address for p in parts if isinstance(p, Attr)]
    names = ", ".join(dict.fromkeys(named))
    if named:
        why = f"{names} {'is' if len(set(named)) == 1 else 'are'} known only after apply"
    else:
        detail = f" ({value.why})" if isinstance(value, Opaque) else ""
        why = f"a value of the .tf expression is known only after apply{detail}"
    found: ModelObject = build.unknown(inst, path, why, names)
    known = [_known_part(build, p) for p in parts]
    partial = "".join(pattern for pattern, _ in known)
    identities = [identity for _, identity in known]
    identity = "".join(i for i in identities if i is not None)
    if None not in identities and has_token(identity):
        found["identity"] = identity
    if partial.strip("*"):  # something is known of it
        found["partial"] = partial
        if named and all(_account_only(build, p) for p in parts if not isinstance(p, str)):
            # only the account is unsettled: the pattern matches as a policy names the same
            # resource (docs/model.md), as CloudFormation's `${AWS::AccountId}` does
            found["ref"] = "AWS::AccountId"
    elif len(parts) == 1 and _is_account_id(parts[0]):
        # the plan's account as a whole (`data.aws_caller_identity.current.account_id` read
        # during apply), as CloudFormation's `!Ref AWS::AccountId` is
        found["ref"] = "AWS::AccountId"
    return found


def _is_account_id(part: Any) -> bool:
    return isinstance(part, Attr) and (part.instance.type, part.name) == (
        "aws_caller_identity",
        "account_id",
    )


def after_apply(build: Build, inst: Instance, path: tuple[PathStep, ...]) -> ModelObject:
    """The unknown of a planned value known only after apply, named by the attribute its .tf
    expression reads when that is one (`kms_key_id = aws_kms_key.exec.arn`), so that a policy
    that names the same attribute names the same value."""
    written = build.evaluate(inst, path) or []
    if len(written) == 1 and isinstance(written[0], Attr | Pattern):
        return unsettled(build, inst, path, written[0])
    found: ModelObject = build.after_apply(inst, path)
    return found


def _known_part(build: Build, part: Any) -> tuple[str, str | None]:
    """A part of a string as a `partial` pattern and as an `identity` (docs/model.md; None when
    it is unsettled and not one value of the inputs): `*` for what apply settles, but an
    attribute of a repository, log group, secret or parameter of the plan still names its
    service and region, and a name the provider makes up is that resource's (`name_of`). A
    literal `*` stays: in a policy it is a wildcard, as the `*` of an unsettled part is
    (`${aws_cloudwatch_log_group.app.arn}:*`, the group's log streams)."""
    if isinstance(part, str):
        return part, part
    if not isinstance(part, Attr):
        return "*", None
    if (part.instance.type, part.name) == ("aws_iam_role", "arn"):
        pattern, identity = role_arn_known(build, part.instance)
        return pattern or "*", identity
    if part.instance.type == "aws_kms_key" and part.name in ("arn", "key_id", "id"):
        return kms_key_known(build, part.instance, part.name)
    if (part.instance.type, part.name) in _NAMES:
        pattern, identity = name_of(build, part.instance, _NAMES[part.instance.type, part.name])
        return pattern or "*", identity if has_token(identity) else None
    found = _PHYSICAL.get((part.instance.type, part.name))
    if found is None or not build.region:
        return "*", None
    if found[0] is None:  # the account: `*` in an identity too
        return found[1](build.region, None), found[1](build.region, None)
    pattern, identity = name_of(build, part.instance, found[0])
    own = found[1](build.region, identity) if found[2] and identity is not None else None
    return found[1](build.region, pattern), own


def _account_only(build: Build, part: Any) -> bool:
    """Whether a part is an attribute whose only unsettled part is the account: the ARN or URL
    of a resource of the plan, in the provider's region, whose name the plan knows."""
    found = _PHYSICAL.get((part.instance.type, part.name)) if isinstance(part, Attr) else None
    return (
        found is not None
        and found[2]
        and build.region is not None
        and (found[0] is None or isinstance(part.instance.get(found[0]), str))
    )


# (resource type, attribute) -> (the attribute that holds the name, its pattern, whether the
# name settles all but the account: a secret's ARN ends with six random characters)
_PHYSICAL: dict[tuple[str, str], tuple[str | None, Callable[[str, str | None], str], bool]] = {
    ("aws_caller_identity", "account_id"): (None, physical.made_up, True),
    ("aws_cloudwatch_log_group", "arn"): ("name", physical.log_group_arn, True),
    ("aws_ecr_repository", "arn"): ("name", physical.ecr_repository_arn, True),
    ("aws_ecr_repository", "registry_id"): (None, physical.made_up, True),
    ("aws_ecr_repository", "repository_url"): ("name", physical.ecr_repository_url, True),
    ("aws_s3_bucket", "arn"): ("bucket", physical.s3_bucket_arn, True),
    ("aws_secretsmanager_secret", "arn"): ("name", physical.secret_arn, False),
    ("aws_secretsmanager_secret", "id"): ("name", physical.secret_arn, False),
    ("aws_ssm_parameter", "arn"): ("name", physical.parameter_arn, True),
}


# The attributes that are a resource's name: (resource type, attribute) -> the one it is set by.
_NAMES = {
    ("aws_cloudwatch_log_group", "name"): "name",
    ("aws_cloudwatch_log_group", "id"): "name",
    ("aws_s3_bucket", "bucket"): "bucket",
    ("aws_s3_bucket", "id"): "bucket",
    ("aws_iam_role", "name"): "name",
    ("aws_iam_role", "id"): "name",
}

# Resources whose name the provider makes up at apply when the configuration writes none: its
# `name_prefix` followed by a unique id, or "terraform-" and one (AWS provider, each resource's
# "Argument Reference"). type -> (the name's attribute, the prefix's)
_MADE_UP = {
    "aws_cloudwatch_log_group": ("name", "name_prefix"),
    "aws_s3_bucket": ("bucket", "bucket_prefix"),
    "aws_iam_role": ("name", "name_prefix"),
    "aws_secretsmanager_secret": ("name", "name_prefix"),
}


def name_of(build: Build, inst: Instance, attr: str) -> tuple[str | None, str | None]:
    """A resource's name as the plan knows it, as a pattern and an identity: a name the plan
    settles, as it is; one the provider makes up at apply (the configuration writes none), its
    prefix and `*`, and its prefix and the resource's token (no other resource gets that name:
    docs/model.md); else (None, None)."""
    name = inst.get(attr)
    if isinstance(name, str):
        return name, name
    made_up = _MADE_UP.get(inst.type)
    if (
        made_up is None
        or made_up[0] != attr
        or name is not UNKNOWN
        or inst.addr.mode != "managed"
        or inst.config is None
        or inst.expression(attr) is not None
    ):
        return None, None
    prefix = inst.get(made_up[1])
    known = prefix if isinstance(prefix, str) else ""
    return f"{known}*", known + physical.token(build.id(inst), resource=True)


def kms_key_known(build: Build, key: Instance, attr: str) -> tuple[str, str | None]:
    """A KMS key's ARN (`arn`) or id (`key_id`, `id`) before apply, as a pattern and an identity:
    KMS makes the id up, one per key, so the key's token stands for it (docs/model.md)."""
    own = physical.token(build.id(key), resource=True)
    if attr != "arn":
        return "*", own
    region = build.region or "*"
    return physical.kms_key_arn(region, None), physical.kms_key_arn(region, own)


def role_arn_known(build: Build, role: Instance) -> tuple[str | None, str | None]:
    """A role's ARN before apply, as a pattern (`*` for the account, and for a path apply
    settles; None when apply names the role without a prefix) and an identity (None unless
    apply names the role: `arn:aws:iam::*:role/PATH/<#role>`)."""
    name, identity = name_of(build, role, "name")
    path = role.get("path")
    known_path = path if isinstance(path, str) and path else "/" if path is None else None
    pattern = None
    if name and name != "*":
        pattern = physical.role_arn(build.region or "*", known_path or "/*", name)
    if known_path is None or not has_token(identity):
        return pattern, None
    return pattern, physical.role_arn(build.region or "*", known_path, str(identity))


def role_arn_fields(build: Build, role: Instance | None) -> ModelObject:
    """What the model's unknown for a role's ARN knows of it: `partial`, `identity`."""
    if role is None or role.type != "aws_iam_role":
        return {}
    return known_fields(*role_arn_known(build, role))


def known_fields(pattern: str | None, identity: str | None) -> ModelObject:
    """The `partial` and `identity` of an unknown (docs/model.md), those that say something."""
    fields = {"partial": pattern, "identity": identity}
    return {key: value for key, value in fields.items() if value}


def policy_document(build: Build, inst: Instance) -> ModelObject | None:
    """The JSON of an `aws_iam_policy_document` data source read during apply (one of its
    values holds an ARN the same apply creates), rendered from its planned `statement` blocks
    as the provider renders them: `effect` Allow by default, `principals` and `condition`
    blocks as maps. An element only apply settles is read from the .tf block (an attribute's
    unknown, so that the role's ARN in a principal or a secret's ARN in a resource is the same
    value wherever it is named). None when the document is not made of statements alone."""
    if inst.type != "aws_iam_policy_document" or inst.get("statement") is UNKNOWN:
        return None
    merged = ("source_policy_documents", "override_policy_documents", "source_json", "policy_id")
    if any(inst.get(name) not in (None, [], "") for name in merged):
        return None
    block = build.block(inst)
    dynamic = block is not None and block.body is not None and "dynamic" in block.body
    statements = inst.get("statement") or []

    def value(*path: PathStep) -> Any:
        found = inst.get(*path)
        if found is not UNKNOWN and not inst.has_unknown(*path):
            return found
        if isinstance(found, list):  # some elements only: each one alone
            return [value(*path, i) for i in range(len(found))]
        written = None if dynamic else build.evaluate(inst, path)
        if written and len(written) == 1 and isinstance(written[0], Attr | Obj | Opaque):
            return unsettled(build, inst, path, written[0])
        why = f"{attribute(inst, path)} is known only after apply"
        return build.unknown(inst, path, why)

    rendered = []
    for i in range(len(statements)):
        statement: dict[str, Any] = {"Effect": value("statement", i, "effect") or "Allow"}
        if value("statement", i, "sid"):
            statement["Sid"] = value("statement", i, "sid")
        for key, name in _STATEMENT_LISTS:
            items = value("statement", i, name)
            if items not in (None, []):
                statement[key] = items
        for key, name in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
            blocks = inst.get("statement", i, name) or []
            if blocks:
                statement[key] = _principals(value, i, name, len(blocks))
        conditions: dict[str, Any] = {}
        for j in range(len(inst.get("statement", i, "condition") or [])):
            test = value("statement", i, "condition", j, "test")
            variable = value("statement", i, "condition", j, "variable")
            values = value("statement", i, "condition", j, "values")
            if not isinstance(test, str) or not isinstance(variable, str):
                return None
            conditions.setdefault(test, {})[variable] = values
        if conditions:
            statement["Condition"] = conditions
        rendered.append(statement)
    return {"Version": value("version") or "2012-10-17", "Statement": rendered}


_STATEMENT_LISTS = (
    ("Action", "actions"),
    ("NotAction", "not_actions"),
    ("Resource", "resources"),
    ("NotResource", "not_resources"),
)


def _principals(value: Callable[..., Any], i: int, name: str, count: int) -> Any:
    """`principals` blocks as a Principal: `*` for type `*`, else a map of type to identifiers."""
    principal: dict[str, Any] = {}
    for j in range(count):
        kind = value("statement", i, name, j, "type")
        identifiers = value("statement", i, name, j, "identifiers")
        if kind == "*":
            return "*"
        if isinstance(identifiers, list):
            principal.setdefault(str(kind), []).extend(identifiers)
        else:
            principal[str(kind)] = identifiers
    return principal
