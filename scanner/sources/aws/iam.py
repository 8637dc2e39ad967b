"""IAM: the task and execution roles, with every policy document the policies read.

Managed policies (AWS-managed ones too) are read at their default version, so the model holds
the document that is in force, not a snapshot.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from scanner.sources.aws.calls import Reader
from scanner.sources.aws.where import named, source
from scanner.sources.base import Fragment, ModelObject


def export(reader: Reader, fragment: Fragment, roles: set[str]) -> dict[str, Any]:
    """Reads the roles and their policies into `fragment`; returns the roles whose GetRole
    failed (a gap), each with the gap's unknown, for the task definitions that name them."""
    policies: set[str] = set()
    unread: dict[str, Any] = {}
    for arn in sorted(roles):
        role = _role(reader, arn, unread)
        if role is not None:
            fragment.add("roles", role)
            policies.update(role["managed_policy_arns"])
            if role["permissions_boundary"]:
                policies.add(role["permissions_boundary"])
    for arn in sorted(policies):
        policy = _managed_policy(reader, arn)
        if policy is not None:
            fragment.add("managed_policies", policy)
    return unread


def document(value: Any) -> Any:
    """botocore decodes IAM documents; an older one may hand back the URL-encoded JSON."""
    if isinstance(value, str):
        return json.loads(unquote(value))
    return value


def _role(reader: Reader, arn: str, unread: dict[str, Any]) -> ModelObject | None:
    """The role `arn` names, read in the scanned account; None when it is not read: a role of
    another account, or a role of that name whose ARN is another (its path differs), which the
    policies treat as a role outside the inputs (FG801), or a failed GetRole, whose unknown goes
    to `unread`. A role that GetRole does not find does not exist: ECS cannot assume it (FG107)."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[4] != reader.account:
        return None
    name = arn.rsplit("/", 1)[-1]
    answer = reader.one_or_gone("iam", "GetRole", RoleName=name)
    if answer is False:
        return named(
            arn,
            arn,
            arn=arn,
            exists=False,
            trust_policy=None,
            inline_policies=[],
            managed_policy_arns=[],
            permissions_boundary=None,
        )
    if answer is None:
        gap = reader.gap("iam", "GetRole")
        assert gap is not None
        unread[arn] = gap.unknown(f"IAM role {arn}")
        return None
    if answer["Role"]["Arn"] != arn:
        return None
    role = answer["Role"]
    attached = reader.all("iam", "ListAttachedRolePolicies", "AttachedPolicies", RoleName=name)
    gap = reader.gap("iam", "ListAttachedRolePolicies") if attached is None else None
    boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    return named(
        arn,
        arn,
        arn=arn,
        trust_policy=document(role.get("AssumeRolePolicyDocument")),
        inline_policies=_inline_policies(reader, arn, name),
        managed_policy_arns=(
            gap.unknown(f"the managed policies of {arn}")
            if gap
            else sorted(p["PolicyArn"] for p in attached or [])
        ),
        permissions_boundary=boundary,
    )


def _inline_policies(reader: Reader, arn: str, name: str) -> list[ModelObject]:
    """The role's inline policies. One that could not be read (or a list that could not be
    listed) stands as a policy whose document is the gap's unknown: a denied call says nothing
    about what the role may do, so the checks it blocks are notes, never errors."""
    names = reader.all("iam", "ListRolePolicies", "PolicyNames", RoleName=name)
    if names is None:
        gap = reader.gap("iam", "ListRolePolicies")
        if gap is None:
            return []  # the role is gone since GetRole
        return [
            {
                "name": "(not listed)",
                "document": gap.unknown(f"the list of inline policies of {arn}"),
                "source": source(arn, "/RolePolicies"),
            }
        ]
    inline = []
    for policy in names:
        got = reader.one("iam", "GetRolePolicy", RoleName=name, PolicyName=policy)
        if got is not None:
            text = document(got["PolicyDocument"])
        elif gap := reader.gap("iam", "GetRolePolicy"):
            text = gap.unknown(f"inline policy {policy} of {arn}")
        else:
            continue  # deleted since it was listed
        inline.append(
            {"name": policy, "document": text, "source": source(arn, f"/RolePolicies/{policy}")}
        )
    return inline


def _managed_policy(reader: Reader, arn: str) -> ModelObject | None:
    """A managed policy at its default version. A customer-managed one that could not be read
    has the gap's unknown as its document; an AWS-managed one is then left out, so the
    scanner's snapshot of AWS managed policies stands in for it, as in a template scan."""
    policy = reader.one("iam", "GetPolicy", PolicyArn=arn)
    got = None
    if policy is not None:
        version = policy["Policy"]["DefaultVersionId"]
        got = reader.one("iam", "GetPolicyVersion", PolicyArn=arn, VersionId=version)
    if got is not None:
        return named(arn, arn, arn=arn, document=document(got["PolicyVersion"]["Document"]))
    api = "GetPolicy" if policy is None else "GetPolicyVersion"
    gap = reader.gap("iam", api)
    if gap is None or arn.split(":")[4] == "aws":
        return None
    return named(arn, arn, arn=arn, document=gap.unknown(f"the document of managed policy {arn}"))
