"""What CloudFormation expressions evaluate to before they become model fields.

Besides plain JSON values, an expression can give:
- `Unknown`: a value the inputs do not settle (a parameter without default, an export no scanned
  template provides, the deploy region when none is given);
- `ResRef`: a resource of a scanned template (`Ref`, or a `Fn::GetAtt` that names the resource),
  which becomes the resource's model id where the model wants an id;
- `Composite`: a string built from text and such values (`!Sub "${SubnetA},${SubnetB}"`), kept in
  parts so that `Fn::Split` can give the references back and `com.amazonaws.${AWS::Region}.s3`
  still names its service when the region is unknown;
- `NOVALUE` (`AWS::NoValue`): the property or list item is removed.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scanner.sources.cfn.stack import Stack


@dataclass(frozen=True)
class Where:
    """A place in a file: a model `source`."""

    file: str
    line: int
    parts: tuple[Any, ...]  # the path of keys and indexes from the document's top

    @property
    def pointer(self) -> str:
        """RFC 6901 JSON pointer (computed when asked: most places are never shown)."""
        texts = [str(p) for p in self.parts]
        joined = "/".join(texts)
        if "~" not in joined and joined.count("/") == len(texts) - 1:  # nothing to escape
            return "/" + joined if texts else ""
        return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in texts)

    def json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "pointer": self.pointer}


@dataclass(frozen=True)
class Unknown:
    why: str  # one sentence
    ref: str  # stable key: all uses of one unsettled value share it (one FG801 note)
    where: Where
    label: str = ""  # how it reads inside a string: `${EnvName}`
    # AWS::StackName of a stack the run has no --stack-name for: an export name that contains it
    # can still be matched with the stack-name part left open.
    stack_name_of: str | None = None
    # A string with unsettled parts, as a pattern with `*` for each: lets the policies still see
    # that `${AWS::AccountId}.dkr.ecr.us-east-1.amazonaws.com/app` is a private ECR image.
    partial: str | None = None
    # Whether a `*` where `partial` names a region is the deploy region (`${AWS::Region}`, a
    # resource of the inputs, when no --region settles it).
    deploy_region: bool = False
    # What would settle it, when passing the value or scanning the file that defines it would
    # not (docs/model.md): a resource of the inputs that only deployment names.
    fix: str | None = None
    # Which value each unsettled part is, where the inputs settle that (docs/model.md): the
    # pattern `partial` is, with a token for each part that is one value of the inputs, the
    # name deployment gives a resource of theirs (`<#AuditGroup>`) or a stack's parameter or
    # name (`<=Parameter%20Env>`), and `*` for the account and the deploy region only.
    identity: str | None = None

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"unknown": self.why, "ref": self.ref, "source": self.where.json()}
        if self.partial is not None:
            out["partial"] = self.partial
        if self.identity is not None:
            out["identity"] = self.identity
        if self.deploy_region:
            out["deploy_region"] = True
        if self.fix is not None:
            out["fix"] = self.fix
        return out

    def text(self) -> str:
        return "${" + (self.label or self.ref) + "}"


@dataclass(frozen=True, eq=False)
class ResRef:
    """`Ref` (attr None) or `Fn::GetAtt` of a resource that identifies it."""

    stack: Stack
    logical: str
    attr: str | None
    where: Where

    @property
    def model_id(self) -> str:
        return self.stack.ids[self.logical]

    @property
    def type(self) -> str:
        return self.stack.tpl.resource_type(self.logical)

    @property
    def expression(self) -> str:
        """How messages name it: `Ref X`, `Fn::GetAtt X.Arn` (X its model id)."""
        return f"Fn::GetAtt {self.model_id}.{self.attr}" if self.attr else f"Ref {self.model_id}"


Part = str | ResRef | Unknown


@dataclass(frozen=True)
class Composite:
    parts: tuple[Part, ...]  # never two strings in a row, never only strings

    def first_unknown(self) -> Unknown | None:
        return next((p for p in self.parts if isinstance(p, Unknown)), None)

    def text(self) -> str:
        """The string with unsettled parts shown as `${...}` (for messages and refs)."""
        return "".join(part_text(p) for p in self.parts)


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NOVALUE: Any = _NoValue()

Value = Any  # JSON values, Unknown, ResRef, Composite, NOVALUE


def part_text(part: Part) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, Unknown):
        return part.text()
    suffix = f".{part.attr}" if part.attr else ""
    return "${" + part.logical + suffix + "}"


# The unsettled parts an `identity` keeps as `*`: the account, and what the deploy region settles.
DEPLOYMENT = frozenset({"AWS::AccountId", "AWS::Region", "AWS::URLSuffix", "AWS::Partition"})


def identity_of(text: str | Unknown | None) -> str | None:
    """A string as it is, an unknown one as its `identity` (None when one of its unsettled parts
    is neither a token nor the account or the deploy region)."""
    if isinstance(text, str):
        return text
    if isinstance(text, Unknown):
        if text.identity is not None:
            return text.identity
        if text.ref in DEPLOYMENT:
            return text.partial if text.partial is not None else "*"
    return None


def pattern_of(text: str | Unknown | None) -> str | None:
    """A string as it is, an unknown one as its pattern (`*` for each unsettled part)."""
    return text if isinstance(text, str) else text.partial if isinstance(text, Unknown) else None


def scalar_text(value: Any) -> str | None:
    """How CloudFormation writes a scalar into a string, or None when it is not a scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int | float):
        return str(value)
    return None


def concat(items: list[Any]) -> str | Composite:
    """Join strings, references and unknowns into a string when possible."""
    parts: list[Part] = []
    for item in items:
        for part in item.parts if isinstance(item, Composite) else (item,):
            if isinstance(part, str) and parts and isinstance(parts[-1], str):
                parts[-1] += part
            elif not (isinstance(part, str) and not part):
                parts.append(part)
    if all(isinstance(p, str) for p in parts):
        return "".join(p for p in parts if isinstance(p, str))
    return Composite(tuple(parts))


def split(value: str | Composite | ResRef, delimiter: str) -> list[Any]:
    """Fn::Split of a string that may hold references: pieces that are one reference stay one."""
    if isinstance(value, str):
        return list(value.split(delimiter))
    if isinstance(value, ResRef):
        return [value]
    pieces: list[list[Any]] = [[]]
    for part in value.parts:
        if isinstance(part, str):
            first, *rest = part.split(delimiter)
            pieces[-1].append(first)
            pieces.extend([piece] for piece in rest)
        else:
            pieces[-1].append(part)
    return [_piece(p) for p in pieces]


def _piece(items: list[Any]) -> Any:
    joined = concat(items)
    if isinstance(joined, Composite) and len(joined.parts) == 1:
        return joined.parts[0]
    return joined


def kind_of(value: Any) -> str:
    """What a template value is, as an error message names it ("must be a map, not a list")."""
    if isinstance(value, dict):
        return "a map"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string"


def is_intrinsic(node: Any) -> bool:
    """A one-key mapping `{"Ref": ...}` or `{"Fn::X": ...}`."""
    if not isinstance(node, dict) or len(node) != 1:
        return False
    for key in node:  # the one key, without making an iterator object
        return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::"))
    return False  # pragma: no cover - a map of one key has a key


# ADDRESS/PREFIX with a decimal prefix, as EC2 takes a CIDR block. Python's ip_network also
# takes a bare address, a netmask or hostmask (`/255.255.0.0`) and a prefix with leading zeros,
# which EC2 refuses and the engine's CIDR functions cannot parse.
_PREFIX = re.compile(r"(?:0|[1-9][0-9]{0,2})\Z", re.ASCII)


def cidr_block(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """The network of a CIDR block written as EC2 takes it (host bits allowed), else None."""
    _, slash, prefix = text.partition("/")
    if not slash or _PREFIX.match(prefix) is None:
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
