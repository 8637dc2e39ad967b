"""What building one stack produces: model objects, and changes to objects of any stack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scanner.sources.base import ModelObject
from scanner.sources.cfn.cursor import Cursor, Field
from scanner.sources.cfn.stack import Stack
from scanner.sources.cfn.values import Unknown, Where

Collections = dict[str, dict[str, ModelObject]]


@dataclass
class Links:
    """Name indexes and associations gathered while building, used after every stack is built."""

    role_names: dict[str, str] = field(default_factory=dict)  # RoleName -> role id
    # what follows `:role/` in a role's ARN, as far as the inputs settle it -> role ids
    role_paths: dict[str, list[str]] = field(default_factory=dict)
    cluster_names: dict[str, str] = field(default_factory=dict)  # ClusterName -> cluster id
    # task definition Family -> ids by template: two templates (dev and prod copies) may use one
    families: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # subnet id -> ("route_table" | "nacl") -> [(id, where)]
    associations: dict[str, dict[str, list[tuple[Field, Where]]]] = field(default_factory=dict)


@dataclass
class Out:
    stack: Stack
    objects: list[tuple[str, ModelObject]] = field(default_factory=list)
    # Run after all stacks are built, in order: an SG rule resource may add to a group of
    # another template, a route to a route table of another template, and so on.
    later: list[Callable[[Collections, Links], None]] = field(default_factory=list)
    names: list[Callable[[Links], object]] = field(default_factory=list)
    # the LogGroupNames of the stack's AWS::Logs::LogGroup resources, read when first asked
    log_group_names: set[str] | None = None

    def add(self, collection: str, obj: ModelObject) -> None:
        self.objects.append((collection, obj))


class Res:
    """The resource being built: its id, name, source and properties."""

    def __init__(self, stack: Stack, logical: str) -> None:
        self.stack = stack
        self.logical = logical
        self.id = stack.ids[logical]
        self.type = stack.tpl.resource_type(logical)
        self.cursor = Cursor.resource(stack, logical)
        self.props = self.cursor.get("Properties")
        self.where = self.cursor.where

    @property
    def source(self) -> dict[str, Any]:
        return self.where.json()

    def base(self) -> ModelObject:
        return {"id": self.id, "name": self.logical, "source": self.source}

    def prop(self, *path: str) -> Cursor | None:
        cursor = self.props
        for key in path:
            if cursor is None:
                return None
            cursor = cursor.get(key)
        return cursor

    def properties(self) -> Cursor:
        if self.props is None:
            raise self.cursor.fail(f"{self.logical} ({self.type}) needs Properties")
        return self.props

    def require(self, name: str) -> Cursor:
        cursor = self.prop(name)
        if cursor is None:
            raise self.cursor.fail(f"{self.logical} ({self.type}) needs {name}")
        return cursor

    def unknown(self, why: str, ref: str, where: Where | None = None) -> dict[str, Any]:
        return Unknown(why, ref, where or self.where).json()


def text_or(cursor: Cursor | None, default: Field) -> Field:
    return default if cursor is None else cursor.text()


def bool_or(cursor: Cursor | None, default: Field) -> Field:
    return default if cursor is None else cursor.boolean()


def ids_or(cursor: Cursor | None, expect: str | None, default: Field) -> Field:
    return default if cursor is None else cursor.ident_list(expect)
