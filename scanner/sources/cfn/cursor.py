"""Reading a resource's properties as model fields, with the line to blame when one is wrong."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from scanner.errors import SourceError
from scanner.sources import physical
from scanner.sources.cfn.stack import Stack
from scanner.sources.cfn.values import (
    DEPLOYMENT,
    NOVALUE,
    Composite,
    ResRef,
    Unknown,
    Value,
    Where,
    cidr_block,
    identity_of,
    is_intrinsic,
    kind_of,
    pattern_of,
    scalar_text,
)
from scanner.sources.limits import json_text
from scanner.sources.lines import LineDict, key_line, line_of
from scanner.sources.physical import has_token, token

Field = Any  # a model field: JSON, or an unknown object

# Which model collection a resource type's objects go to.
COLLECTION = {
    "AWS::EC2::VPC": "vpcs",
    "AWS::EC2::Subnet": "subnets",
    "AWS::EC2::RouteTable": "route_tables",
    "AWS::EC2::NetworkAcl": "nacls",
    "AWS::EC2::SecurityGroup": "security_groups",
    "AWS::EC2::NatGateway": "nat_gateways",
    "AWS::EC2::InternetGateway": "internet_gateways",
    "AWS::EC2::EgressOnlyInternetGateway": "internet_gateways",
    "AWS::EC2::VPCEndpoint": "vpc_endpoints",
    "AWS::IAM::Role": "roles",
    "AWS::IAM::ManagedPolicy": "managed_policies",
    "AWS::ECS::Cluster": "clusters",
    "AWS::ECS::TaskDefinition": "task_definitions",
    "AWS::ECS::Service": "services",
    "AWS::EFS::FileSystem": "efs_file_systems",
    "AWS::EFS::MountTarget": "efs_mount_targets",
}
_NOUN = {
    "vpcs": "VPC",
    "subnets": "subnet",
    "route_tables": "route table",
    "nacls": "network ACL",
    "security_groups": "security group",
    "nat_gateways": "NAT gateway",
    "internet_gateways": "internet gateway",
    "vpc_endpoints": "VPC endpoint",
    "roles": "IAM role",
    "managed_policies": "managed policy",
    "clusters": "ECS cluster",
    "task_definitions": "task definition",
    "services": "ECS service",
    "efs_file_systems": "EFS file system",
    "efs_mount_targets": "EFS mount target",
}
# Attributes that name an object the inputs synthesize: VPC defaults.
_SYNTHESIZED = {
    ("AWS::EC2::VPC", "DefaultSecurityGroup"): ("security_groups", "/default-sg"),
    ("AWS::EC2::VPC", "DefaultNetworkAcl"): ("nacls", "/default-nacl"),
}
# `Ref` returns the resource's name for these types; the name is known when it is written out.
_NAME_PROPERTY = {
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::ECS::Cluster": "ClusterName",
    "AWS::IAM::Role": "RoleName",
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::SSM::Parameter": "Name",
    "AWS::S3::Bucket": "BucketName",
    "AWS::DynamoDB::Table": "TableName",
}


def text_of(value: Value) -> str | Unknown | None:
    """A value as a string (None when it is a list or a map)."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, ResRef):
        return _physical_text(value)
    if isinstance(value, Composite):
        texts = [p if isinstance(p, str) else text_of(p) for p in value.parts]
        unknowns = [t for t in texts if isinstance(t, Unknown)]
        if not unknowns:
            return "".join(t for t in texts if isinstance(t, str))
        # The account id seldom decides a verdict (the partial pattern keeps it open), so the
        # note names another unsettled part when there is one, the deploy region's last.
        others = [u for u in unknowns if u.ref != "AWS::AccountId"]
        unknown = next((u for u in others if u.ref not in _REGIONAL), (others or unknowns)[0])
        pieces = [_pattern(t) for t in texts]
        identities = [identity_of(t) for t in texts]
        identity = "".join(i or "" for i in identities) if None not in identities else None
        return dataclasses.replace(
            unknown,
            partial="".join(pieces),
            deploy_region=_deploy_region(texts, pieces),
            identity=identity if has_token(identity) else None,
        )
    return scalar_text(value)


# Pseudo parameters that follow the deploy region.
_REGIONAL = DEPLOYMENT - {"AWS::AccountId"}


def _deploy_region(texts: list[str | Unknown | None], pieces: list[str]) -> bool:
    """Whether the `*` where a pattern names its region is the deploy region: it has one of the
    deploy region's `*`s, and every other unsettled part (but the account) comes after the last
    of them, as a repository or secret name does (`${AWS::AccountId}.dkr.ecr.${AWS::Region}.
    ${AWS::URLSuffix}/${Repo}`)."""
    last_regional, others, at = -1, [], 0
    for text, piece in zip(texts, pieces, strict=True):
        if isinstance(text, Unknown) and "*" in piece:
            if text.ref in _REGIONAL or text.deploy_region:
                last_regional = at + piece.rindex("*")
            elif text.ref != "AWS::AccountId":
                others.append(at + piece.index("*"))
        at += len(piece)
    return last_regional >= 0 and all(other > last_regional for other in others)


def _pattern(text: str | Unknown | None) -> str:
    if isinstance(text, str):
        return text
    return text.partial if isinstance(text, Unknown) and text.partial is not None else "*"


def _physical_text(ref: ResRef) -> str | Unknown:
    prop = _NAME_PROPERTY.get(ref.type)
    what = ref.expression
    unknown = Unknown(
        f"{what} ({ref.type}) is only known after deployment", what, ref.where, fix=_named_fix(ref)
    )
    if ref.attr is None and prop is not None:
        name = text_of(ref.stack.property_value(ref.logical, prop))
        if isinstance(name, str):
            return name
        identity = _name_identity(ref, name)
        if isinstance(name, Unknown) and name.partial is not None:
            # its name as far as it is known (`exec-audit-*` for `exec-audit-${AWS::AccountId}`)
            return dataclasses.replace(
                unknown, partial=name.partial, deploy_region=name.deploy_region, identity=identity
            )
        return dataclasses.replace(unknown, identity=identity)
    if ref.type == "AWS::IAM::Role" and ref.attr == "Arn":
        _, identity = role_arn_known(ref.stack, ref.logical)
        return dataclasses.replace(unknown, identity=identity)
    region = ref.stack.run.ctx.region
    found = _PHYSICAL_PATTERNS.get((ref.type, ref.attr))
    if found is None:
        return unknown
    name_property, pattern, settled_by_name = found
    name = text_of(ref.stack.property_value(ref.logical, name_property)) if name_property else None
    partial = pattern(region or "*", pattern_of(name))
    own = _name_identity(ref, name) if settled_by_name or ref.type in _MADE_UP_IDS else None
    unknown = dataclasses.replace(
        unknown, identity=pattern(region or "*", own) if has_token(own) else None
    )
    if settled_by_name and (isinstance(name, str) or _deployment_only(name)):
        # a written name leaves the account (and the region, without --region) unsettled only:
        # the pattern matches as a policy names the same resource, as `${AWS::AccountId}` does
        # (docs/model.md)
        if "*" not in partial:
            return partial
        run = ref.stack.run
        pseudo = run.unknown_account(ref.where) if region else run.unknown_region(ref.where)
        return dataclasses.replace(pseudo, partial=partial, deploy_region=not region)
    # the resource is made in the deploy region, also when no --region names it
    return dataclasses.replace(unknown, partial=partial, deploy_region=not region)


def _name_identity(ref: ResRef, name: str | Unknown | None) -> str | None:
    """The `identity` of a resource's name: its token when no name is written (CloudFormation
    makes up one that no other resource has: "Name type", CloudFormation User Guide), else the
    written name's."""
    if name is None:
        return token(ref.model_id, resource=True)
    own = identity_of(name)
    return own if has_token(own) else None


def role_arn_known(stack: Stack, logical: str) -> tuple[str | None, str | None]:
    """What the inputs know of a role's ARN, as a `partial` (`*` for the account and for what
    only deployment settles of its RoleName and Path; None when CloudFormation makes up the
    name) and as an `identity` (`arn:aws:iam::*:role/PATH/<#Role>` without a RoleName; None
    when no part of it is a token)."""
    name = stack.property_value(logical, "RoleName")
    path = stack.property_value(logical, "Path")
    region = stack.run.ctx.region or "*"
    name_text = text_of(name)
    path_text = "/" if path is NOVALUE else text_of(path)
    known_name, known_path = pattern_of(name_text), pattern_of(path_text)
    partial = None
    if known_name is not None:
        partial = physical.role_arn(region, known_path or "/*", known_name)
    own = token(stack.ids[logical], resource=True) if name is NOVALUE else identity_of(name_text)
    own_path = identity_of(path_text)
    if own is None or own_path is None or not has_token(own + own_path):
        return partial, None
    return partial, physical.role_arn(region, own_path, own)


def _deployment_only(name: str | Unknown | None) -> bool:
    """Whether a name's unsettled parts are only the account and what the deploy region
    settles (`exec-audit-${AWS::AccountId}`)."""
    return isinstance(name, Unknown) and name.partial is not None and name.ref in DEPLOYMENT


def _named_fix(ref: ResRef) -> str | None:
    """The fix of an FG801 note on a resource of the inputs: scanning its template or passing a
    value cannot settle what only deployment names; a policy that names it the same way or by
    a pattern that matches any name it may get can. (Other attributes, a DNS name, name
    nothing a policy does.)"""
    if not (
        ref.attr is None or ref.attr.endswith("Arn") or (ref.type, ref.attr) in _PHYSICAL_PATTERNS
    ):
        return None
    return (
        f"{ref.logical} is created by the scanned inputs, and only deployment settles its name: "
        f"where a policy names it, name it the same way ({ref.expression}) or by a pattern that "
        "matches any name it may get, so these checks can run."
    )


# What a reference to a resource of the inputs gives before deployment, as a pattern (`*` for
# the account and generated parts): an image of the stack's own repository is still a private
# ECR image in the deploy region, a secret of the stack is in Secrets Manager there (also the
# one an RDS database keeps its password in, and CDK's SecretTargetAttachment of a database's
# generated secret, whose Ref is that secret's ARN), a log group's, repository's or bucket's ARN
# is its name's (CloudFormation User Guide, each type's "Return values"), a KMS key's is a key
# (never an alias). (type, attribute) -> (name property, form, whether the name settles all but
# the account and the deploy region: a secret's ARN ends with six random characters)
_PHYSICAL_PATTERNS: dict[
    tuple[str, str | None], tuple[str | None, Callable[[str, str | None], str], bool]
] = {
    ("AWS::ECR::Repository", "RepositoryUri"): (
        "RepositoryName",
        physical.ecr_repository_url,
        False,
    ),
    ("AWS::ECR::Repository", "Arn"): ("RepositoryName", physical.ecr_repository_arn, True),
    ("AWS::Logs::LogGroup", "Arn"): ("LogGroupName", physical.log_group_streams_arn, True),
    ("AWS::S3::Bucket", "Arn"): ("BucketName", physical.s3_bucket_arn, True),
    ("AWS::KMS::Key", None): (None, physical.kms_key_id, False),
    ("AWS::KMS::Key", "KeyId"): (None, physical.kms_key_id, False),
    ("AWS::KMS::Key", "Arn"): (None, physical.kms_key_arn, False),
    ("AWS::SecretsManager::Secret", None): ("Name", physical.secret_arn, False),
    ("AWS::SecretsManager::Secret", "Id"): ("Name", physical.secret_arn, False),
    ("AWS::SecretsManager::SecretTargetAttachment", None): (None, physical.secret_arn, False),
    ("AWS::RDS::DBCluster", "MasterUserSecret.SecretArn"): (None, physical.secret_arn, False),
    ("AWS::RDS::DBInstance", "MasterUserSecret.SecretArn"): (None, physical.secret_arn, False),
}


# Resources whose id KMS (or another service) makes up whole, one that no other resource has: a
# reference to one names it by its token in an `identity` (`arn:aws:kms:REGION:*:key/<#Key>`),
# as a resource without a written name (docs/model.md).
_MADE_UP_IDS = frozenset({"AWS::KMS::Key"})


def plain(value: Value) -> Field:
    """A value as plain JSON, unsettled parts as unknown objects (policy documents and the like)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, ResRef | Composite | Unknown):
        text = text_of(value)
        return text.json() if isinstance(text, Unknown) else text
    return value


class Cursor:
    """A node of a template (or of a value computed from one), with where it is."""

    __slots__ = ("stack", "node", "parts", "line", "resolved", "_value")

    def __init__(
        self, stack: Stack, node: Any, parts: tuple[Any, ...], line: int, resolved: bool
    ) -> None:
        self.stack = stack
        self.node = node
        self.parts = parts
        self.line = line
        self.resolved = resolved
        self._value: Value = NOVALUE if not resolved else node

    @classmethod
    def resource(cls, stack: Stack, logical: str) -> Cursor:
        parts = ("Resources", logical)
        return cls(stack, stack.tpl.resources[logical], parts, stack.tpl.line_at(parts), False)

    @property
    def where(self) -> Where:
        return self.stack.where(self.parts, self.line)

    @property
    def name(self) -> str:
        """`Logical.Prop.Sub` for messages."""
        shown = [str(p) for p in self.parts[1:] if p != "Properties"]
        return ".".join(shown)

    def fail(self, message: str) -> SourceError:
        return SourceError(self.stack.rel, self.line, message)

    def value(self) -> Value:
        if self._value is NOVALUE and not self.resolved:
            self._value = self.stack.resolve(self.node, self.parts, self.line)
        return self._value

    def unknown(self) -> Unknown | None:
        """The unknown this node evaluates to, if it is one (a literal map or list is not)."""
        if not self.resolved and not is_intrinsic(self.node):
            return None
        value = self.value()
        return value if isinstance(value, Unknown) else None

    def _container(self) -> Any:
        if not self.resolved and not is_intrinsic(self.node):
            return self.node
        return self.value()

    def _child(self, node: Any, key: Any, line: int | None) -> Cursor | None:
        child = Cursor(self.stack, node, (*self.parts, key), line or self.line, self.resolved)
        if not self.resolved and is_intrinsic(node) and child.value() is NOVALUE:
            return None
        return child

    def get(self, key: str) -> Cursor | None:
        """The property `key`, or None when it is absent (or AWS::NoValue)."""
        # `_container` and `_child` written out: this runs for every property read.
        node = self.node
        resolved = self.resolved
        if resolved or is_intrinsic(node):
            node = self.value()
        if isinstance(node, Unknown):
            return Cursor(self.stack, node, (*self.parts, key), self.line, True)
        if not isinstance(node, dict):
            raise self.fail(f"{self.name} must be a map, not {kind_of(node)}")
        if key not in node:
            return None
        child_node = node[key]
        line = node.key_lines.get(key) if isinstance(node, LineDict) else None
        child = Cursor(self.stack, child_node, (*self.parts, key), line or self.line, resolved)
        if not resolved and is_intrinsic(child_node) and child.value() is NOVALUE:
            return None
        return child

    def require(self, key: str) -> Cursor:
        """The property `key`; an error at this node when it is absent."""
        found = self.get(key)
        if found is None:
            raise self.fail(f"{self.name} needs {key}")
        return found

    def items(self) -> list[Cursor] | Unknown:
        node = self._container()
        if isinstance(node, Unknown):
            return node
        if not isinstance(node, list):
            raise self.fail(f"{self.name} must be a list, not {kind_of(node)}")
        found = (self._child(item, i, line_of(item)) for i, item in enumerate(node))
        return [c for c in found if c is not None]

    def entries(self) -> list[tuple[str, Cursor]] | Unknown:
        node = self._container()
        if isinstance(node, Unknown):
            return node
        if not isinstance(node, dict):
            raise self.fail(f"{self.name} must be a map, not {kind_of(node)}")
        found = ((str(k), self._child(v, k, key_line(node, k))) for k, v in node.items())
        return [(k, c) for k, c in found if c is not None]

    # --- typed fields -----------------------------------------------------------------------

    def text(self) -> Field:
        value = text_of(self.value())
        if value is None:
            raise self.fail(f"{self.name} must be a string, not {kind_of(self.value())}")
        return value.json() if isinstance(value, Unknown) else value

    def ident(self, expect: str | None = None) -> Field:
        """A reference where the model wants an id: a resource of the run becomes its model id."""
        return self._ident(self.value(), expect)

    def _ident(self, value: Value, expect: str | None) -> Field:
        if isinstance(value, Composite) and len(value.parts) == 1:
            value = value.parts[0]
        if isinstance(value, ResRef):
            return self._resource_id(value, expect)
        if isinstance(value, list | dict) or value is None:
            noun = _NOUN.get(expect or "", "resource")
            raise self.fail(f"{self.name} must be a {noun} id, not {kind_of(value)}")
        return self._field(text_of(value))

    def _resource_id(self, ref: ResRef, expect: str | None) -> Field:
        synthesized = _SYNTHESIZED.get((ref.type, ref.attr or ""))
        collection = synthesized[0] if synthesized else COLLECTION.get(ref.type)
        if expect is not None and collection is not None and collection != expect:
            raise self.fail(
                f"{self.name} refers to {ref.logical} ({ref.type}) where a {_NOUN[expect]} "
                "is expected"
            )
        if expect is not None and collection is None:
            # a resource the model does not hold (a custom resource's attribute): its value is
            # only known after deployment, not an object of the inputs
            physical = _physical_text(ref)
            return physical.json() if isinstance(physical, Unknown) else physical
        return ref.model_id + (synthesized[1] if synthesized else "")

    def ident_list(self, expect: str | None = None) -> Field:
        """A list of ids (or one unknown for a list that is not settled)."""
        value = self.value()
        if isinstance(value, Unknown):
            return value.json()
        if isinstance(value, ResRef) and value.attr is not None:  # a list attribute
            return self._field(_physical_text(value))
        if not isinstance(value, list):
            raise self.fail(f"{self.name} must be a list, not {kind_of(value)}")
        return [self._ident(item, expect) for item in value]

    def text_list(self) -> Field:
        value = self.value()
        if isinstance(value, Unknown):
            return value.json()
        if isinstance(value, ResRef) and value.attr is not None:  # a list attribute
            return self._field(_physical_text(value))
        if not isinstance(value, list):
            raise self.fail(f"{self.name} must be a list, not {kind_of(value)}")
        texts = [text_of(item) for item in value]
        if any(t is None for t in texts):
            raise self.fail(f"{self.name} must be a list of strings")
        return [t.json() if isinstance(t, Unknown) else t for t in texts]

    def boolean(self) -> Field:
        value = text_of(self.value())
        if isinstance(value, Unknown):
            return value.json()
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise self.fail(f"{self.name} must be true or false, not {_shown(self.value())}")

    def integer(self) -> Field:
        value = text_of(self.value())
        if isinstance(value, Unknown):
            return value.json()
        try:
            return int(str(value))
        except ValueError:
            raise self.fail(
                f"{self.name} must be a whole number, not {_shown(self.value())}"
            ) from None

    def cidr(self, version: int) -> Field:
        value = text_of(self.value())
        if isinstance(value, Unknown):
            return value.json()
        family = "IPv4" if version == 4 else "IPv6"
        network = cidr_block(str(value))
        if value is None or network is None or network.version != version:
            raise self.fail(
                f"{self.name} must be an {family} CIDR block, not {_shown(self.value())}"
            )
        return value

    def document(self) -> Field:
        """An IAM policy document (a map, or JSON text as CloudFormation also accepts)."""
        value = self.value()
        if isinstance(value, Unknown):
            return value.json()
        if isinstance(value, str):
            try:
                value = json_text(value)
            except ValueError:
                raise self.fail(
                    f"{self.name} must be a policy document (a map or JSON text)"
                ) from None
        if not isinstance(value, dict):
            raise self.fail(f"{self.name} must be a policy document, not {kind_of(value)}")
        return plain(value)

    def plain(self) -> Field:
        return plain(self.value())

    def _field(self, value: str | Unknown | None) -> Field:
        if isinstance(value, Unknown):
            return value.json()
        return value


def _shown(value: Value) -> str:
    text = text_of(value)
    if isinstance(text, str):
        return repr(text) if len(text) <= 60 else repr(text[:57] + "...")
    return kind_of(value)
