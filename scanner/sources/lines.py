"""Parsed documents that remember where they came from: mappings, sequences and strings with
the 1-based line they start on (`scanner.sources.yamlload` makes them). Apart from the parser, so
that reading a line costs no YAML import."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any


class LineDict(dict[Any, Any]):
    """A mapping with the line it starts on and the line of each key.

    The lines are in slots (LineList's too), not in an instance dict: that makes each object
    about 300 bytes smaller and twice as fast to make and free, and a 2,000-service template
    has 166,000 mappings and sequences."""

    __slots__ = ("key_lines", "line")
    line: int
    key_lines: dict[Any, int]


class LineList(list[Any]):
    """A sequence with the line it starts on."""

    __slots__ = ("line",)
    line: int


class LineStr(str):
    """A string with the line it starts on. (A subclass of str cannot have slots.)"""

    line: int


# A tuple: isinstance with a union is slower. Nodes that carry a line (`line_of`).
LINED = (LineStr, LineDict, LineList)


def lined(value: Any) -> Iterator[LineStr | LineDict | LineList]:
    """Each mapping, sequence and string with a line in a parsed document, once (with YAML
    aliases one container can be in several places)."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if not isinstance(item, LINED) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        if isinstance(item, LineDict):
            stack.extend(item.values())
        elif isinstance(item, LineList):
            stack.extend(item)


def line_of(node: Any) -> int | None:
    """The 1-based line where a parsed mapping, sequence or string starts, else None."""
    if isinstance(node, LINED):
        return node.line
    return None


def key_line(mapping: Any, key: Any) -> int | None:
    """The 1-based line of `key` in a parsed mapping, else None."""
    if type(mapping) is LineDict or isinstance(mapping, LineDict):
        return mapping.key_lines.get(key)
    return None


def line_at(data: Any, path: Sequence[Any]) -> int:
    """The line of the deepest part of `path` (keys and list indexes) the document has."""
    node, line = data, line_of(data) or 1
    for part in path:
        if isinstance(node, dict) and part in node:
            line = key_line(node, part) or line
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            line = line_of(node) or line
        else:
            break
    return line


def plain(value: Any) -> Any:
    """The same value as plain JSON types: strings, lists and maps without their lines."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)  # a plain str, also of a LineStr
    return value
