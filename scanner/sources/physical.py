"""What a reader knows, before deployment, of the values AWS gives the resources it creates: an
ECR repository's URL, a secret's or parameter's ARN. Each is a pattern with `*` for what only
deployment settles (the account, a generated suffix or name); the policies read it as an
unknown's `partial` (docs/model.md), which still names the service and the region."""

from __future__ import annotations

import re
from urllib.parse import quote

# A region's name: `us-east-1`, `us-gov-west-1`, `us-isob-east-1`, `cn-north-1`.
REGION_NAME = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")


def partition(region: str) -> str:
    """The partition of a region (`*`, the deploy region unsettled: any)."""
    if region == "*":
        return "*"
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def url_suffix(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def made_up(region: str, name: str | None) -> str:
    """A value AWS makes up and the inputs never settle: the account a resource is made in
    (`aws_ecr_repository.registry_id`)."""
    return "*"


def kms_key_id(region: str, name: str | None) -> str:
    """A KMS key's id (`1234abcd-12ab-...`, `mrk-...`): KMS makes it up, one per key (`name`
    is only ever its token in an `identity`)."""
    return name or "*"


def ecr_repository_url(region: str, name: str | None) -> str:
    """`ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME`"""
    return f"*.dkr.ecr.{region}.{url_suffix(region)}/{name or '*'}"


def ecr_repository_arn(region: str, name: str | None) -> str:
    """`arn:aws:ecr:REGION:ACCOUNT:repository/NAME`"""
    return f"arn:{partition(region)}:ecr:{region}:*:repository/{name or '*'}"


def log_group_arn(region: str, name: str | None) -> str:
    """`arn:aws:logs:REGION:ACCOUNT:log-group:NAME`, the form Terraform's `arn` attribute has
    (the provider removes the `:*` the API adds)."""
    return f"arn:{partition(region)}:logs:{region}:*:log-group:{name or '*'}"


def log_group_streams_arn(region: str, name: str | None) -> str:
    """`arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*`, the form CloudFormation's `Fn::GetAtt
    Arn` has (the API's, which names the group's log streams too)."""
    return f"{log_group_arn(region, name)}:*"


def s3_bucket_arn(region: str, name: str | None) -> str:
    """`arn:aws:s3:::NAME` (no region or account: the region gives the partition)."""
    return f"arn:{partition(region)}:s3:::{name or '*'}"


def kms_key_arn(region: str, name: str | None) -> str:
    """`arn:aws:kms:REGION:ACCOUNT:key/KEY-ID`"""
    return f"arn:{partition(region)}:kms:{region}:*:key/{kms_key_id(region, name)}"


def secret_arn(region: str, name: str | None) -> str:
    """`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX` (six random characters)."""
    return f"arn:{partition(region)}:secretsmanager:{region}:*:secret:{name or '*'}-*"


def parameter_arn(region: str, name: str | None) -> str:
    """`arn:aws:ssm:REGION:ACCOUNT:parameter/NAME` (a name that starts with `/` keeps one)."""
    path = (name if name.startswith("/") else f"/{name}") if name else "/*"
    return f"arn:{partition(region)}:ssm:{region}:*:parameter{path}"


def role_arn(region: str, path: str, name: str) -> str:
    """`arn:aws:iam::ACCOUNT:role/PATH/NAME` (IAM is global: the region gives the partition)."""
    return f"arn:{partition(region)}:iam::*:role{path}{name}"


def token(key: str, resource: bool) -> str:
    """The token that stands for one unsettled value in an `identity` (docs/model.md): the name
    deployment gives the resource of model id `key` (`<#key>`: no other resource's), or the
    value of the unknown of ref `key` (`<=key>`), without `:`, `/`, `*` or angle brackets."""
    return ("<#" if resource else "<=") + quote(key, safe="#._-") + ">"


def has_token(text: str | None) -> bool:
    return text is not None and ("<#" in text or "<=" in text)
