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


def export(reader: Reader, fragment: Fragment, roles: set[str]) -> None:
    policies: set[str] = set()
    for arn in sorted(roles):
        role = _role(reader, arn)
        if role is not None:
            fragment.add("roles", role)
            policies.update(role["managed_policy_arns"])
            if role["permissions_boundary"]:
                policies.add(role["permissions_boundary"])
    for arn in sorted(policies):
        policy = _managed_policy(reader, arn)
        if policy is not None:
            fragment.add("managed_policies", policy)


def document(value: Any) -> Any:
    """botocore decodes IAM documents; an older one may hand back the URL-encoded JSON."""
    if isinstance(value, str):
        return json.loads(unquote(value))
    return value


def _role(reader: Reader, arn: str) -> ModelObject | None:
    name = arn.rsplit("/", 1)[-1]
    answer = reader.one("iam", "GetRole", RoleName=name)
    if answer is None:
        return None
    role = answer["Role"]
    inline = []
    for policy in reader.all("iam", "ListRolePolicies", "PolicyNames", RoleName=name) or []:
        got = reader.one("iam", "GetRolePolicy", RoleName=name, PolicyName=policy)
        if got is not None:
            inline.append(
                {
                    "name": policy,
                    "document": document(got["PolicyDocument"]),
                    "source": source(arn, f"/RolePolicies/{policy}"),
                }
            )
    attached = reader.all("iam", "ListAttachedRolePolicies", "AttachedPolicies", RoleName=name)
    gap = reader.gap("iam", "ListAttachedRolePolicies") if attached is None else None
    boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    return named(
        arn,
        arn,
        arn=arn,
        trust_policy=document(role.get("AssumeRolePolicyDocument")),
        inline_policies=inline,
        managed_policy_arns=(
            gap.unknown(f"the managed policies of {arn}")
            if gap
            else sorted(p["PolicyArn"] for p in attached or [])
        ),
        permissions_boundary=boundary,
    )


def _managed_policy(reader: Reader, arn: str) -> ModelObject | None:
    policy = reader.one("iam", "GetPolicy", PolicyArn=arn)
    if policy is None:
        return None
    version = policy["Policy"]["DefaultVersionId"]
    got = reader.one("iam", "GetPolicyVersion", PolicyArn=arn, VersionId=version)
    if got is None:
        return None
    return named(arn, arn, arn=arn, document=document(got["PolicyVersion"]["Document"]))
