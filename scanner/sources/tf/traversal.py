"""Terraform addresses and references as data: `module.vpc.aws_subnet.private["a"].id`.

A plan names things in one syntax: resource addresses (`aws_subnet.private[0]`,
`module.vpc["x"].aws_vpc.this[0]`) and, in `configuration`, the references of an expression
(`aws_subnet.private["us-east-1a"].id`, `each.value.id`, `module.vpc.private_subnets`,
`var.cidr`, `count.index`). Both are a root name followed by attribute steps (`.name`) and index
steps (`[0]`, `["key"]`, `[*]`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

Key = int | str
SPLAT: tuple[str] = ("*",)  # the step of `[*]` and `.*`

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_NUMBER = re.compile(r"-?\d+")


class TraversalError(ValueError):
    """Text that is not a traversal (a plan we do not understand: never a user's mistake)."""


@dataclass(frozen=True)
class Index:
    """An index step: `[0]` or `["key"]`."""

    key: Key


# One step after the root name: an attribute name, an index, or a splat.
TStep = str | Index | tuple[str]


def _scan(text: str) -> tuple[str, list[TStep]]:
    pos = 0
    match = _NAME.match(text, pos)
    if match is None:
        raise TraversalError(f"not a reference: {text!r}")
    root = match.group()
    pos = match.end()
    steps: list[TStep] = []
    while pos < len(text):
        char = text[pos]
        if char == ".":
            if text.startswith(".*", pos):
                steps.append(SPLAT)
                pos += 2
                continue
            match = _NAME.match(text, pos + 1)
            if match is None:
                raise TraversalError(f"not a reference: {text!r}")
            steps.append(match.group())
            pos = match.end()
        elif char == "[":
            key, pos = _index(text, pos + 1)
            steps.append(key)
        else:
            raise TraversalError(f"not a reference: {text!r}")
    return root, steps


def _index(text: str, pos: int) -> tuple[TStep, int]:
    """The index that starts at `pos` (after `[`), and the position after its `]`."""
    if text.startswith("*]", pos):
        return SPLAT, pos + 2
    if text.startswith('"', pos):
        decoder = json.JSONDecoder()
        try:
            key, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            raise TraversalError(f"not a reference: {text!r}") from None
        if not isinstance(key, str) or not text.startswith("]", end):
            raise TraversalError(f"not a reference: {text!r}")
        return Index(key), end + 1
    match = _NUMBER.match(text, pos)
    if match is None or not text.startswith("]", match.end()):
        raise TraversalError(f"not a reference: {text!r}")
    return Index(int(match.group())), match.end() + 1


def steps_of(text: str) -> tuple[str, tuple[TStep, ...]]:
    root, steps = _scan(text)
    return root, tuple(steps)


def show_key(key: Key | None) -> str:
    """How Terraform prints an instance key: `[0]`, `["a"]`, or nothing."""
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    return "[" + json.dumps(key) + "]"


@dataclass(frozen=True)
class ModuleStep:
    name: str
    key: Key | None


@dataclass(frozen=True)
class Address:
    """A resource instance address: module path, mode, type, name, key."""

    modules: tuple[ModuleStep, ...]
    mode: str  # "managed" | "data"
    type: str
    name: str
    key: Key | None

    @property
    def module(self) -> str:
        """The module instance address: `module.vpc`, `module.a["x"].module.b`, or ""."""
        return module_text(self.modules)

    @property
    def config_module(self) -> str:
        """The module's configuration path, without instance keys: `module.a.module.b`."""
        return ".".join(f"module.{m.name}" for m in self.modules)

    @property
    def local(self) -> str:
        """The resource within its module, without key: `aws_subnet.private`."""
        prefix = "data." if self.mode == "data" else ""
        return f"{prefix}{self.type}.{self.name}"

    @property
    def resource(self) -> str:
        """The resource (all its instances): `module.vpc.aws_subnet.private`."""
        return join(self.module, self.local)

    def __str__(self) -> str:
        return self.resource + show_key(self.key)


def join(module: str, local: str) -> str:
    return f"{module}.{local}" if module else local


def module_text(modules: tuple[ModuleStep, ...]) -> str:
    return ".".join(f"module.{m.name}{show_key(m.key)}" for m in modules)


def parse_address(text: str) -> Address:
    """`module.vpc.aws_subnet.private[0]` -> Address."""
    root, steps = _scan(text)
    items: list[TStep] = [root, *steps]
    modules: list[ModuleStep] = []
    pos = 0
    while pos < len(items) and items[pos] == "module":
        name = items[pos + 1] if pos + 1 < len(items) else None
        if not isinstance(name, str):
            raise TraversalError(f"not a resource address: {text!r}")
        pos += 2
        key: Key | None = None
        if pos < len(items) and isinstance(items[pos], Index):
            step = items[pos]
            assert isinstance(step, Index)
            key = step.key
            pos += 1
        modules.append(ModuleStep(name, key))
    mode = "managed"
    if pos < len(items) and items[pos] == "data":
        mode = "data"
        pos += 1
    rest = items[pos:]
    if len(rest) not in (2, 3) or not isinstance(rest[0], str) or not isinstance(rest[1], str):
        raise TraversalError(f"not a resource address: {text!r}")
    key = None
    if len(rest) == 3:
        last = rest[2]
        if not isinstance(last, Index):
            raise TraversalError(f"not a resource address: {text!r}")
        key = last.key
    return Address(tuple(modules), mode, rest[0], rest[1], key)


def config_path(module: str) -> str:
    """A module instance address without its instance keys."""
    if not module:
        return ""
    return parse_address(f"{module}.x.y").config_module


def child_module(parent: str, name: str, key: Key | None) -> str:
    return join(parent, f"module.{name}{show_key(key)}")
