"""Bounds on what an input may hold, so hostile files give a clear error, not a crash.

Files are parsed by `yamlload` within `yamlload.MAX_DEPTH`; JSON text inside a file (a policy
document or container definitions as a string) is held to the same bound here.
"""

from __future__ import annotations

import json
from typing import Any

from scanner.sources.yamlload import MAX_DEPTH, TOO_DEEP


def depth(value: Any) -> int:
    """How many maps and lists `value` nests (0 for a scalar); iterative, so any depth works."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            deepest = max(deepest, level)
            continue
        deepest = max(deepest, level + 1)
        stack.extend((child, level + 1) for child in children)
    return deepest


def json_text(text: str) -> Any:
    """JSON embedded in an input as a string; ValueError when it is not JSON or nests more than
    `MAX_DEPTH` levels deep (the engine's JSON reader stops a little above that)."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(TOO_DEEP) from None
    if depth(value) > MAX_DEPTH:
        raise ValueError(TOO_DEEP)
    return value
