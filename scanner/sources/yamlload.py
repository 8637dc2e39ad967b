"""Parse YAML or JSON into plain containers that remember their 1-based line numbers.

CloudFormation short-form tags (`!Ref`, `!GetAtt`, `!Sub`, ...) become their long form
(`{"Ref": x}`, `{"Fn::GetAtt": [A, B]}`), as cfn-lint's decoder does, so the sources see one
shape for YAML and JSON templates. Mappings are `LineDict` (with a per-key line table), sequences
`LineList` and strings `LineStr`; numbers, booleans and null are plain and have no line of their
own (use `key_line` of the mapping that holds them).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import operator
import re
from collections.abc import Callable
from typing import Any

import yaml
from yaml.events import (
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from scanner.errors import SourceError
from scanner.sources.lines import LineDict, LineList, LineStr, lined

# The C parser is about ten times faster than the pure-Python one on real templates (measured:
# 10 ms against 113 ms for a 1,200-line Copilot template); both keep line marks.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# A YAML alias makes a node appear again wherever it is used; a few nested aliases can stand for
# billions of nodes ("billion laughs"). Documents that expand beyond this are refused.
MAX_EXPANDED_NODES = 1_000_000
# Deeper nesting than this is no template; the engine reads JSON only 127 levels deep, and the
# model wraps values a few levels deeper than the file.
MAX_DEPTH = 100
# What a deeper file is told (valid YAML or JSON: it is the limit of this tool, not of the format).
TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep, deeper than fargate-preflight reads"

# Tags that keep their name in the long form; every other `!X` becomes `Fn::X` (as cfn-lint does).
_UNPREFIXED_TAGS = ("Ref", "Condition")


class DuplicateKey(SourceError):
    """A key repeated in a mapping: CloudFormation rejects it (YAML and JSON readers would keep
    the last value)."""


class MoreDocuments(SourceError):
    """A stream of more than one YAML document (`---` between them: a Kubernetes manifest).
    Valid YAML, but no template: `first` is the first document (read only after the error),
    which tells a manifest (skipped) from a template with more after it (an error); the line
    is where the second one starts."""

    def __init__(self, file: str, line: int | None, message: str, first: Any) -> None:
        super().__init__(file, line, message)
        self.first = first


def _repeated(key: Any, first: int) -> str:
    return f"duplicate key {str(key)!r} (first at line {first})"


def parse_json_last_wins(text: str, file: str) -> tuple[Any, list[DuplicateKey]]:
    """JSON text as the AWS CLI reads it: a repeated key's last value wins (and is listed)."""
    repeated: list[DuplicateKey] = []
    return _JsonParser(text, file, repeated).document(), repeated


def parse(text: str, file: str) -> Any:
    """Parse YAML or JSON text; raise SourceError(file, line, message) when it is not valid."""
    if not _looks_like_json(text):
        return _parse_yaml(text, file)
    # JSON is read by a JSON reader (three times faster than the YAML path, and exactly JSON's
    # rules); text that only looks like JSON (`{a: 1}`, a YAML flow map) is YAML.
    try:
        try:
            return _fast_json(text)
        except _GiveUp:  # not valid JSON, or too deep: `_JsonParser` says where
            return _JsonParser(text, file).document()
    except SourceError as json_error:
        try:
            return _parse_yaml(text, file)
        except SourceError:
            raise json_error from None


def json_error(text: str, file: str) -> SourceError | None:
    """Why text that looks like JSON is not valid JSON (its YAML reading may still succeed:
    CloudFormation accepts that, the AWS CLI and ECS deploy tools do not); None when it is."""
    if not _looks_like_json(text):
        return None
    try:
        _fast_json(text)
    except _GiveUp:
        try:
            _JsonParser(text, file).document()
        except DuplicateKey:
            return None  # valid JSON, which the AWS CLI reads (the last value wins)
        except SourceError as exc:
            return exc
    return None


def _looks_like_json(text: str) -> bool:
    stripped = text.lstrip(" \t\r\n\ufeff")
    return stripped.startswith(("{", "["))


# --- YAML ------------------------------------------------------------------------------------


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The C (else Python) safe loader; `_Builder` turns its nodes into our containers.

    The C composer calls three Python methods for every node: `resolve` (the implicit tag of a
    plain scalar: a few regular expressions), `descend_resolver` and `ascend_resolver` (which do
    nothing without path resolvers). Here `resolve` is memoised per document (templates repeat
    their keys and values: two calls in three are repeats) and the other two are C built-ins
    that do nothing of note: composing takes 40 % less time (2,000 services: 1.7 -> 1.0 s)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        if not self.yaml_path_resolvers:  # else the resolvers depend on where the node is
            # `resolve` reads only the class's implicit resolvers: the same answer for the
            # same arguments. A C cache: a hit runs no Python code.
            self.resolve = functools.lru_cache(maxsize=None)(
                functools.partial(_BaseLoader.resolve, self)
            )
            self.descend_resolver = slice  # (parent, index) -> a slice, dropped
            self.ascend_resolver = tuple  # () -> the empty tuple, dropped

    def dispose(self) -> None:
        # The cache refers back to the loader: drop it so that the loader is freed without
        # waiting for the cyclic collector (which a load runs without).
        self.__dict__.pop("resolve", None)
        super().dispose()


class _JsonTextLoader(_Loader):
    """For text that looks like JSON: numbers with an exponent (`2e3`) are numbers, as in JSON
    (YAML 1.1 reads them as strings)."""


_JsonTextLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?[eE][-+]?[0-9]+$"),
    list("-0123456789"),
)

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
# `AWSTemplateFormatVersion: 2010-09-09` (unquoted) is a version string, not a date.
_TEXT = frozenset({_STR, "tag:yaml.org,2002:timestamp"})


class _Builder:
    """Nodes -> LineDict / LineList / LineStr in one pass (PyYAML's generic constructor, with
    its per-node bookkeeping, took twice as long); other scalars go to the safe constructor."""

    def __init__(
        self,
        loader: Any,
        file: str,
        *,
        consume: bool = False,
        merges: bool = True,
        at: Callable[[int], int] = int,
    ) -> None:
        self.loader = loader
        self.file = file
        # Errors name the file's line (`_line_feed_lines`); built values are renumbered after.
        self.at = at
        # Without aliases every node has one parent: a built node's children can go at once,
        # so the node graph shrinks as our tree grows instead of both being whole at the end.
        self.consume = consume
        # False when the text has no `<<` and no `merge`: no key can be a merge key.
        self.merges = merges

    def build(self, node: Node, depth: int = 1) -> Any:
        if depth > MAX_DEPTH:
            raise self.error(node, TOO_DEEP)
        tag = node.tag
        if tag in _TEXT and isinstance(node, ScalarNode):  # most nodes: decided first
            return _line_str(node.value, node.start_mark.line + 1)
        if tag[0] == "!":
            return self.intrinsic(tag[1:], node, depth)
        if isinstance(node, ScalarNode):
            return self.construct(node)
        if isinstance(node, SequenceNode) and tag == _SEQ:
            return self.sequence(node, depth)
        if isinstance(node, MappingNode) and tag == _MAP:
            return self.mapping(node, depth)
        return self.construct(node)  # !!set, !!omap, ...

    def construct(self, node: Node) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, KeyError, TypeError, OverflowError):  # `!!int abc`, `!!bool maybe`
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise self.error(node, f"not valid YAML: not a {tag} value") from None

    def sequence(self, node: SequenceNode, depth: int) -> LineList:
        items: list[Any] = []
        append = items.append
        build = self.build
        child_depth = depth + 1
        # A string item (most items) is made here, not by a call of `build` (same result).
        flat = child_depth <= MAX_DEPTH
        for child in node.value:
            if flat and type(child) is ScalarNode and child.tag in _TEXT:
                text = LineStr(child.value)
                text.line = child.start_mark.line + 1
                append(text)
            else:
                append(build(child, child_depth))
        result = LineList(items)
        result.line = node.start_mark.line + 1
        if self.consume:
            node.value = []
        return result

    def mapping(self, node: MappingNode, depth: int) -> LineDict:
        merged = self.merges and any(key.tag == _MERGE for key, _ in node.value)
        if merged:
            # `<<: *base`: explicit keys override merged ones, as YAML says; only explicit keys
            # can be duplicates.
            self.reject_duplicates(node)
            self.loader.flatten_mapping(node)
        result = LineDict()
        result.line = node.start_mark.line + 1
        lines: dict[Any, int] = {}
        result.key_lines = lines
        build = self.build
        child_depth = depth + 1
        # A string value (most values) is made here, not by a call of `build` (same result).
        flat = child_depth <= MAX_DEPTH
        for key_node, value_node in node.value:
            # Keys are plain strings: their lines are in key_lines.
            key = key_node.value if key_node.tag == _STR else build(key_node, child_depth)
            line = key_node.start_mark.line + 1
            try:
                seen = key in lines
            except TypeError:
                raise self.error(key_node, "a mapping key must be a string or number") from None
            if seen and not merged:
                # CloudFormation rejects a repeated key; YAML would silently keep the last.
                first = self.at(lines[key])
                raise self.duplicate(key_node, key, first)
            if flat and type(value_node) is ScalarNode and value_node.tag in _TEXT:
                value = LineStr(value_node.value)
                value.line = value_node.start_mark.line + 1
                result[key] = value
            else:
                result[key] = build(value_node, child_depth)
            lines[key] = line
        if self.consume:
            node.value = []
        return result

    def reject_duplicates(self, node: MappingNode) -> None:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE or not isinstance(key_node, ScalarNode):
                continue
            key = key_node.value
            if key in seen:
                raise self.duplicate(key_node, key, self.at(seen[key]))
            seen[key] = _line(key_node)

    def error(self, node: Node, message: str) -> SourceError:
        return _node_error(self.file, self.at, node, message)

    def duplicate(self, node: Node, key: Any, first: int) -> DuplicateKey:
        return DuplicateKey(self.file, self.at(_line(node)), _repeated(key, first))

    def intrinsic(self, suffix: str, node: Node, depth: int) -> LineDict:
        if isinstance(node, ScalarNode):
            return _intrinsic(suffix, _line(node), node.value)
        if isinstance(node, SequenceNode):
            return _intrinsic(suffix, _line(node), self.sequence(node, depth))
        return _intrinsic(suffix, _line(node), self.mapping(node, depth))  # type: ignore[arg-type]


class _Unusual(Exception):
    """What `_EventBuilder` leaves to the node builder: an alias, a tag such as `!!set` on a
    collection, a key that is not a scalar, a second document."""


class _EventBuilder:
    """The parser's events -> the same containers as `_Builder`, without the node graph.

    `_Builder` needs every node of the document at once: the composer makes a node and two
    marks for each value, twice the memory of the containers built from them (a 2,000-service
    template: 423 MiB against 272 MiB, and 10 % slower). Here each event is built as it comes.
    Only for text without anchors and merge keys (`_Builder` does those)."""

    def __init__(self, loader: Any, file: str) -> None:
        self.loader = loader
        self.file = file
        self.next = loader.get_event
        self.resolve = loader.resolve
        self.scalars: dict[tuple[str, str], Any] = {}

    def document(self) -> Any:
        self.next()  # stream start
        if self.loader.check_event(StreamEndEvent):
            return None
        self.next()  # document start
        value = self.build(self.next(), 1)
        self.next()  # document end
        if not self.loader.check_event(StreamEndEvent):
            raise _Unusual("a second document")
        return value

    def build(self, event: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise _Unusual("too deep")  # `_Builder` says where
        kind = type(event)
        tag = getattr(event, "tag", None)  # an alias has none
        if kind is ScalarEvent:
            if tag is None or tag == "!":
                tag = self.resolve(ScalarNode, event.value, event.implicit)
            if tag in _TEXT:
                return _line_str(event.value, event.start_mark.line + 1)
            if tag[0] == "!":
                return self.intrinsic(tag[1:], event, depth)
            # Numbers, booleans and nulls (no line of their own, and immutable): made once per
            # tag and text (a template repeats its ports and flags).
            scalar = (tag, event.value)
            if scalar in self.scalars:
                return self.scalars[scalar]
            node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
            try:
                value = self.loader.construct_object(node, deep=True)
            except (ValueError, KeyError, TypeError, OverflowError):  # `!!int abc`
                raise _Unusual("a value that is not of its tag") from None  # `_Builder` says
            self.scalars[scalar] = value
            return value
        if tag is not None and tag != "!" and tag[0] == "!":
            return self.intrinsic(tag[1:], event, depth)
        if kind is MappingStartEvent and tag in (None, "!", _MAP):
            return self.mapping(event, depth)
        if kind is SequenceStartEvent and tag in (None, "!", _SEQ):
            return self.sequence(event, depth)
        raise _Unusual(kind.__name__)

    # `sequence` and `mapping` make string scalars (most values) themselves, the same lines
    # twice: a call per string (of `build`, or of a helper) cost 10-20 % of the parse.

    def sequence(self, start: Any, depth: int) -> LineList:
        items: list[Any] = []
        append = items.append
        next_event, resolve, build = self.next, self.resolve, self.build
        child_depth = depth + 1
        flat = child_depth <= MAX_DEPTH
        while True:
            event = next_event()
            kind = type(event)
            if kind is SequenceEndEvent:
                break
            if flat and kind is ScalarEvent:
                tag = event.tag
                if tag is None or tag == "!":
                    tag = resolve(ScalarNode, event.value, event.implicit)
                if tag in _TEXT:
                    text = LineStr(event.value)
                    text.line = event.start_mark.line + 1
                    append(text)
                    continue
            append(build(event, child_depth))
        return _line_list(items, start.start_mark.line + 1)

    def mapping(self, start: Any, depth: int) -> LineDict:
        result = LineDict()
        result.line = start.start_mark.line + 1
        lines: dict[Any, int] = {}
        result.key_lines = lines
        next_event, resolve, build = self.next, self.resolve, self.build
        child_depth = depth + 1
        flat = child_depth <= MAX_DEPTH
        while True:
            event = next_event()
            kind = type(event)  # (not `type(event) is`: mypy would narrow to an optional mark)
            if kind is MappingEndEvent:
                break
            if kind is not ScalarEvent:
                raise _Unusual("a key that is not a scalar")
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolve(ScalarNode, event.value, event.implicit)
            if tag != _STR:
                raise _Unusual("a key that is not a string")
            key = event.value  # keys are plain strings: their lines are in key_lines
            if key in lines:
                raise _Unusual("a duplicate key")  # `_Builder` says where
            lines[key] = event.start_mark.line + 1
            event = next_event()
            kind = type(event)
            if flat and kind is ScalarEvent:
                tag = event.tag
                if tag is None or tag == "!":
                    tag = resolve(ScalarNode, event.value, event.implicit)
                if tag in _TEXT:
                    text = LineStr(event.value)
                    text.line = event.start_mark.line + 1
                    result[key] = text
                    continue
            result[key] = build(event, child_depth)
        return result

    def intrinsic(self, suffix: str, event: Any, depth: int) -> LineDict:
        line = event.start_mark.line + 1
        if type(event) is ScalarEvent:
            return _intrinsic(suffix, line, event.value)
        if type(event) is SequenceStartEvent:
            return _intrinsic(suffix, line, self.sequence(event, depth))
        return _intrinsic(suffix, line, self.mapping(event, depth))


def _intrinsic(suffix: str, line: int, value: Any) -> LineDict:
    """`!Ref X` -> {"Ref": X}, `!GetAtt A.B` -> {"Fn::GetAtt": [A, B]}, `!Sub` -> {"Fn::Sub"}:
    the tag's long form around `value`, the built sequence or mapping, or a scalar's text."""
    name = suffix if suffix in _UNPREFIXED_TAGS else f"Fn::{suffix}"
    if type(value) is str:  # a scalar's text (what the builders make is a LineStr or other)
        if name == "Fn::GetAtt":
            # `A.B.C` is attribute `B.C` of resource A (`Outputs.X`), as cfn-lint reads it.
            value = _line_list([_line_str(p, line) for p in value.split(".", 1)], line)
        else:
            value = _line_str(value, line)
    result = LineDict({name: value})
    result.line = line
    result.key_lines = {name: line}
    return result


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _node_error(file: str, at: Callable[[int], int], node: Node, message: str) -> SourceError:
    return SourceError(file, at(_line(node)), message)


def _line_str(text: str, line: int) -> LineStr:
    result = LineStr(text)
    result.line = line
    return result


def _line_list(items: list[Any], line: int) -> LineList:
    result = LineList(items)
    result.line = line
    return result


def _parse_yaml(text: str, file: str) -> Any:
    at = _line_feed_lines(text)
    if at is None:
        return _read_yaml(text, file, int)
    value = _read_yaml(text, file, at)
    _renumber(value, at)
    return value


def _read_yaml(text: str, file: str, at: Callable[[int], int]) -> Any:
    """The document, lines as libyaml counts them; errors name the line `at` gives."""
    aliases = "&" in text  # aliases need an anchor; without one there is nothing to expand
    merges = "<<" in text or "merge" in text  # the implicit `<<`, an explicit `!!merge`
    if not aliases and not merges:
        # Most templates: built straight from the parser's events. Anything else, and every
        # error, goes the way of nodes below, which has the one wording of each error.
        loader = (_JsonTextLoader if _looks_like_json(text) else _Loader)(text)
        try:
            return _EventBuilder(loader, file).document()
        except (_Unusual, SourceError, yaml.YAMLError, RecursionError):
            pass
        finally:
            loader.dispose()
    return _parse_yaml_nodes(text, file, aliases=aliases, merges=merges, at=at)


# libyaml ends a line at CR LF, LF, CR, NEL, LS and PS (YAML 1.1's line breaks); git, GitHub's
# annotations and SARIF (its default `newlineSequences`) end one at CR LF and LF only, as the
# JSON readers here do. Text with a lone CR, a NEL, an LS or a PS has its lines renumbered.
_YAML_BREAKS = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_LONE_CR = re.compile("\r(?!\n)")


def _line_feed_lines(text: str) -> Callable[[int], int] | None:
    """None when libyaml counts the lines as the file has them (all but odd texts); else a map
    from libyaml's 1-based line to the 1-based line counted in line feeds."""
    if not (
        "\x85" in text
        or "\u2028" in text
        or "\u2029" in text
        or ("\r" in text and _LONE_CR.search(text))
    ):
        return None
    table = [1, 1]  # libyaml's line n is the file's line table[n]
    for brk in _YAML_BREAKS.finditer(text):
        table.append(table[-1] + ("\n" in brk.group()))
    last = len(table) - 1
    return lambda line: table[min(line, last)]


def _renumber(value: Any, at: Callable[[int], int]) -> None:
    """Give every line in a parsed document (`_Builder`'s, `_EventBuilder`'s) as `at` maps it."""
    for item in lined(value):
        item.line = at(item.line)
        if isinstance(item, LineDict):
            item.key_lines = {key: at(line) for key, line in item.key_lines.items()}


def _parse_yaml_nodes(
    text: str, file: str, *, aliases: bool, merges: bool, at: Callable[[int], int] = int
) -> Any:
    loader = (_JsonTextLoader if _looks_like_json(text) else _Loader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if aliases:
            _check_expansion(node, file, at)
        return _Builder(loader, file, consume=not aliases, merges=merges, at=at).build(node)
    except yaml.YAMLError as exc:
        line = _mark_line(exc) if isinstance(exc, yaml.MarkedYAMLError) else None
        if line is not None:  # "unexpected end of stream" is marked past the last line
            last = text.count("\n") + (not text.endswith("\n"))  # as git counts lines
            line = min(at(line), max(last, 1))
        if "maximum nesting depth" in str(exc):  # libyaml's own limit (PyYAML 6.0.4 and later)
            raise SourceError(file, line, TOO_DEEP) from None
        if not isinstance(exc, yaml.MarkedYAMLError):
            raise SourceError(file, None, f"not valid YAML: {exc}") from None
        message = _yaml_message(exc, text, at)
        if exc.problem == "but found another document":  # `---`: only the error path reads on
            first = _first_document(text, file, aliases=aliases, merges=merges, at=at)
            raise MoreDocuments(file, line, message, first) from None
        raise SourceError(file, line, message) from None
    except RecursionError:
        raise SourceError(file, None, TOO_DEEP) from None
    finally:
        loader.dispose()


def _first_document(
    text: str, file: str, *, aliases: bool, merges: bool, at: Callable[[int], int]
) -> Any:
    """The first document of a stream of several, built as a single one is (the others are
    not read: a syntax error in them is not this tool's to report)."""
    loader = (_JsonTextLoader if _looks_like_json(text) else _Loader)(text)
    try:
        if not loader.check_node():  # (reads past the stream's start, as get_node needs)
            return None
        node = loader.get_node()
        if aliases:
            _check_expansion(node, file, at)
        value = _Builder(loader, file, consume=not aliases, merges=merges, at=at).build(node)
    except RecursionError:
        raise SourceError(file, None, TOO_DEEP) from None
    finally:
        loader.dispose()
    if at is not int:
        _renumber(value, at)
    return value


def _mark_line(exc: yaml.MarkedYAMLError) -> int | None:
    mark = exc.problem_mark or exc.context_mark
    return int(mark.line) + 1 if mark is not None else None


def _yaml_message(exc: yaml.MarkedYAMLError, text: str, at: Callable[[int], int]) -> str:
    """PyYAML's words, with the line where what it was reading began ("while scanning a
    quoted scalar (from line 6), found unexpected end of stream"), and what a tab means."""
    context = exc.context
    if context and exc.context_mark is not None:
        context = f"{context} (from line {at(exc.context_mark.line + 1)})"
    parts = [p for p in (context, exc.problem) if p]
    message = "not valid YAML: " + (", ".join(parts) if parts else "syntax error")
    # (the pure-Python scanner names the character: "found character '\\t' that cannot ...")
    if "cannot start any token" in (exc.problem or "") and _at_tab(exc, text):
        message += " (a tab: YAML does not allow tabs for indentation)"
    return message


def _at_tab(exc: yaml.MarkedYAMLError, text: str) -> bool:
    """The error is marked at a tab (libyaml's marks count characters, after a BOM)."""
    body = text[1:] if text.startswith("\ufeff") else text
    index = exc.problem_mark.index if exc.problem_mark is not None else -1
    return 0 <= index < len(body) and body[index] == "\t"


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: Node, file: str, at: Callable[[int], int]) -> None:
    """Refuse documents whose aliases expand to too many nodes, or refer to themselves."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    # Iterative post-order walk: (node, depth, children done?)
    stack: list[tuple[Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            size = 1 + sum(sizes[id(c)] for c in _children(node))
            if size > MAX_EXPANDED_NODES:
                raise _node_error(
                    file,
                    at,
                    node,
                    f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} nodes; refusing "
                    "to read it (an alias bomb?)",
                )
            sizes[key] = size
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise _node_error(file, at, node, "a YAML alias refers to a node that contains it")
        if depth > MAX_DEPTH:
            raise _node_error(file, at, node, TOO_DEEP)
        on_path.add(key)
        stack.append((node, depth, True))
        stack.extend(
            (child, depth + 1, False) for child in _children(node) if id(child) not in sizes
        )


# --- JSON (fallback) -------------------------------------------------------------------------

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_LITERALS = {"true": True, "false": False, "null": None}
# The json module's own (C) string reader; typeshed does not declare it.
_scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


# Valid JSON is read by the json module's C reader (several times faster than `_JsonParser`),
# and lines are given afterwards: a walk of the result in document order meets its strings and
# containers in the order that `_JSON_MARKS` finds them in the text. `_JsonParser` reads
# anything else, so errors keep their wording and lines.
# Each string, `[` and `{` gives "" and each line feed "\n" (no string holds a line feed).
_JSON_MARKS = re.compile(r'(\n)|"[^"\\]*(?:\\.[^"\\]*)*"|[\[{]')


class _GiveUp(Exception):
    """Not valid JSON (or deeper than the limit): `_JsonParser` reads it and says where."""


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as the json module read it: its pairs in order, repeated keys kept."""


def _no_constant(name: str) -> Any:
    raise _GiveUp  # NaN, Infinity: not JSON


def _fast_json(text: str) -> Any:
    """`_JsonParser(text, ...).document()` for valid JSON (same values, types and lines), else
    raise _GiveUp."""
    body = text[1:] if text.startswith("\ufeff") else text
    try:
        value = json.loads(body, object_pairs_hook=_Pairs, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise _GiveUp from None
    # The line of each string and container in document order, counted in C: the running count
    # of line feeds, taken where a token is.
    marks = _JSON_MARKS.findall(body)
    counts = itertools.accumulate(map(len, marks))
    token_lines = itertools.compress(counts, map(operator.not_, marks))
    line_of_next = map((1).__add__, token_lines).__next__

    def walk(value: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise _GiveUp
        kind = type(value)
        if kind is str:
            text = LineStr(value)
            text.line = line_of_next()
            return text
        flat = depth < MAX_DEPTH  # strings inside are made here (the same as by `walk`)
        if kind is _Pairs:
            mapping = LineDict()
            mapping.line = line_of_next()
            lines: dict[Any, int] = {}
            mapping.key_lines = lines
            for name, item in value:
                key = LineStr(name)
                key.line = line_of_next()
                if key in mapping:
                    raise _GiveUp  # a repeated key
                if flat and type(item) is str:
                    string = LineStr(item)
                    string.line = line_of_next()
                    mapping[key] = string
                else:
                    mapping[key] = walk(item, depth + 1)
                lines[key] = key.line
            value.clear()  # what the json module read goes as ours is made: less at the peak
            return mapping
        if kind is list:
            sequence = LineList()
            sequence.line = line_of_next()
            append = sequence.append
            for item in value:
                if flat and type(item) is str:
                    string = LineStr(item)
                    string.line = line_of_next()
                    append(string)
                else:
                    append(walk(item, depth + 1))
            value.clear()
            return sequence
        return value  # a number, true, false, null: no line of its own

    return walk(value, 1)


class _JsonParser:
    """A small strict JSON reader that records lines the same way as the YAML path; a repeated
    key is an error, or with `repeated` a list, kept there while the last value wins."""

    def __init__(self, text: str, file: str, repeated: list[DuplicateKey] | None = None) -> None:
        self.text = text[1:] if text.startswith("\ufeff") else text
        self.file = file
        self.repeated = repeated
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]

    def line(self, pos: int) -> int:
        return bisect.bisect_right(self.line_starts, pos)

    def fail(self, pos: int, message: str) -> SourceError:
        return SourceError(self.file, self.line(pos), f"not valid JSON: {message}")

    def document(self) -> Any:
        value, pos = self.value(self.skip(0), 1)
        pos = self.skip(pos)
        if pos != len(self.text):
            raise self.fail(pos, "extra data after the document")
        return value

    def skip(self, pos: int) -> int:
        match = _WHITESPACE.match(self.text, pos)
        return match.end() if match else pos

    def value(self, pos: int, depth: int) -> tuple[Any, int]:
        if depth > MAX_DEPTH:  # valid JSON, maybe: not "not valid JSON"
            raise SourceError(self.file, self.line(pos), TOO_DEEP)
        char = self.text[pos : pos + 1]
        if char == "{":
            return self.mapping(pos, depth)
        if char == "[":
            return self.sequence(pos, depth)
        if char == '"':
            return self.string(pos)
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, pos):
                return literal, pos + len(word)
        match = _NUMBER.match(self.text, pos)
        if match and match.end() > pos:
            number = match.group(0)
            if match.group(1) or match.group(2):
                return float(number), match.end()
            return int(number), match.end()
        raise self.fail(pos, "expected a value" if char else "unexpected end of text")

    def string(self, pos: int) -> tuple[LineStr, int]:
        try:
            text, end = _scanstring(self.text, pos + 1, True)
        except json.JSONDecodeError as exc:
            raise self.fail(exc.pos, exc.msg) from None
        return _line_str(text, self.line(pos)), end

    def sequence(self, pos: int, depth: int) -> tuple[LineList, int]:
        result = _line_list([], self.line(pos))
        pos = self.skip(pos + 1)
        if self.text.startswith("]", pos):
            return result, pos + 1
        while True:
            item, pos = self.value(pos, depth + 1)
            result.append(item)
            pos = self.skip(pos)
            char = self.text[pos : pos + 1]
            if char == "]":
                return result, pos + 1
            if char != ",":
                raise self.fail(pos, "expected ',' or ']'")
            pos = self.skip(pos + 1)

    def mapping(self, pos: int, depth: int) -> tuple[LineDict, int]:
        result = LineDict()
        result.line = self.line(pos)
        result.key_lines = {}
        pos = self.skip(pos + 1)
        if self.text.startswith("}", pos):
            return result, pos + 1
        while True:
            if not self.text.startswith('"', pos):
                raise self.fail(pos, "expected a string key")
            key, pos = self.string(pos)
            if key in result:
                repeated = DuplicateKey(self.file, key.line, _repeated(key, result.key_lines[key]))
                if self.repeated is None:
                    raise repeated
                self.repeated.append(repeated)
                del result[key]  # the last value, in the place of the last key
            pos = self.skip(pos)
            if not self.text.startswith(":", pos):
                raise self.fail(pos, "expected ':'")
            value, pos = self.value(self.skip(pos + 1), depth + 1)
            result[key] = value
            result.key_lines[key] = key.line
            pos = self.skip(pos)
            char = self.text[pos : pos + 1]
            if char == "}":
                return result, pos + 1
            if char != ",":
                raise self.fail(pos, "expected ',' or '}'")
            pos = self.skip(pos + 1)
