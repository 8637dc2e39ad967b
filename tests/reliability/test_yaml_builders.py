"""The two YAML builders agree on any document: the event builder (most templates) gives the
tree the node builder (the reference) gives, lines included, or hands the text to it so that an
error is worded and located the one way (scanner/sources/yamlload.py)."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from scanner.errors import SourceError
from scanner.sources import yamlload
from tests.reliability.strategies import profile
from tests.sources.test_yamlload import _same_tree

# Scalars as templates write them, and as they go wrong: typed values that are not of their tag,
# short-form intrinsics, block scalars, flow collections, aliases without anchors, stray
# indicators.
SCALARS = [
    "a", "1", "-1", "1.5", "1e3", "0x1f", "0o17", ".inf", "yes", "no", "null", "~", "''",
    "2010-09-09", "'quoted'", '"double"', "!!int 3", "!!int x", "!!float y", "!!bool maybe",
    "!!str 5", "!!null ''", "!!binary aGk=", "!Ref X", "!GetAtt A.B.C", "!Sub '${x}'",
    "!Foo {a: [1]}", "[1, x]", "{k: v}", "!!set {a, b}", "!!map {a: 1}", "!!omap [{a: 1}]",
    "|\n  block", ">-\n  folded", "*x", "{", "]", "@", "%", "? k",
]  # fmt: skip


def _value(depth: int) -> st.SearchStrategy[str]:
    scalar = st.sampled_from(SCALARS)
    if depth >= 3:
        return scalar
    indent = "  " * (depth + 1)
    key = st.sampled_from(["a", "b", "Type", "a", "1", "yes"])
    mapping = st.lists(st.tuples(key, _value(depth + 1)), min_size=1, max_size=3).map(
        lambda pairs: "".join(f"\n{indent}{k}: {v}" for k, v in pairs)
    )
    sequence = st.lists(_value(depth + 1), min_size=1, max_size=3).map(
        lambda items: "".join(f"\n{indent}- {v}" for v in items)
    )
    return st.one_of(scalar, mapping, sequence)


DOCUMENTS = st.lists(
    st.tuples(st.sampled_from(["a", "b", "Resources", "a"]), _value(0)), min_size=1, max_size=4
).map(lambda pairs: "".join(f"{k}: {v}\n" for k, v in pairs))


def _outcome(read: Any) -> tuple[str, Any]:
    try:
        return "tree", read()
    except SourceError as exc:
        return "error", (exc.line, exc.message)


@given(DOCUMENTS)
@profile(scale=10)
def test_events_and_nodes_agree_on_any_document(text: str) -> None:
    aliases, merges = "&" in text, "<<" in text or "merge" in text
    by_events = _outcome(lambda: yamlload.parse(text, "t.yaml"))
    by_nodes = _outcome(
        lambda: yamlload._parse_yaml_nodes(text, "t.yaml", aliases=aliases, merges=merges)
    )
    assert by_events[0] == by_nodes[0]
    if by_events[0] == "tree":
        assert _same_tree(by_events[1], by_nodes[1]) == []
    else:
        assert by_events[1] == by_nodes[1]


# Breaks that YAML reads as a line feed (in values too) but that do not end a line in git, in
# GitHub's annotations or in SARIF (its default `newlineSequences` are CR LF and LF).
BREAKS = st.sampled_from(["\n", "\n", "\r\n", "\r", "\x85"])


@given(DOCUMENTS, st.data())
@profile(scale=10)
def test_lines_count_line_feeds_whatever_other_breaks_the_text_has(
    text: str, data: st.DataObject
) -> None:
    parts = text.split("\n")
    breaks = data.draw(st.lists(BREAKS, min_size=len(parts) - 1, max_size=len(parts) - 1))
    odd = parts[0] + "".join(brk + part for brk, part in zip(breaks, parts[1:], strict=True))
    # Line n of `text` is on the file line 1 + the line feeds among the breaks before it.
    file_line = [1, 1]
    for brk in breaks:
        file_line.append(file_line[-1] + brk.endswith("\n"))

    def renumbered(line: int) -> int:
        return file_line[min(line, len(file_line) - 1)]

    kind, expected = _outcome(lambda: yamlload.parse(text, "t.yaml"))
    got = _outcome(lambda: yamlload.parse(odd, "t.yaml"))
    assert got[0] == kind
    if kind == "tree":
        yamlload._renumber(expected, renumbered)
        assert _same_tree(got[1], expected) == []
    else:
        line, message = expected
        message = re.sub(
            r"\((first at|from) line (\d+)\)",
            lambda m: f"({m[1]} line {renumbered(int(m[2]))})",
            message,
        )
        assert got[1] == (None if line is None else renumbered(line), message)
