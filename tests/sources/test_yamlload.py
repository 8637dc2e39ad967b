"""The YAML/JSON loader: short-form tags, line numbers, errors, and cfn-lint's decoder as oracle."""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.errors import SourceError
from scanner.sources import yamlload
from scanner.sources.lines import LineDict, LineList, LineStr, key_line, line_of
from scanner.sources.yamlload import parse

CORPUS = Path(__file__).parent.parent / "fixtures" / "corpus" / "cloudformation"
CORPUS_FILES = sorted(CORPUS.iterdir())


def test_corpus_is_there() -> None:
    assert len(CORPUS_FILES) == 24


def test_uses_the_c_loader_when_pyyaml_has_it() -> None:
    # Measured ten times faster on a real template; both keep line marks.
    if getattr(yaml, "CSafeLoader", None) is not None:
        assert yamlload._BaseLoader is yaml.CSafeLoader


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!Ref Foo", {"Ref": "Foo"}),
        ("!Condition IsProd", {"Condition": "IsProd"}),
        ("!GetAtt Vpc.CidrBlock", {"Fn::GetAtt": ["Vpc", "CidrBlock"]}),
        ("!GetAtt Stack.Outputs.VpcId", {"Fn::GetAtt": ["Stack", "Outputs.VpcId"]}),
        ("!GetAtt [Vpc, CidrBlock]", {"Fn::GetAtt": ["Vpc", "CidrBlock"]}),
        ("!Sub 'x-${A}'", {"Fn::Sub": "x-${A}"}),
        ("!Sub ['${A}', {A: 1}]", {"Fn::Sub": ["${A}", {"A": 1}]}),
        ("!If [C, 1, 2]", {"Fn::If": ["C", 1, 2]}),
        ("!Select [0, !GetAZs '']", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
        ("!Join [',', [a, b]]", {"Fn::Join": [",", ["a", "b"]]}),
        ("!Split [',', 'a,b']", {"Fn::Split": [",", "a,b"]}),
        ("!FindInMap [M, a, b]", {"Fn::FindInMap": ["M", "a", "b"]}),
        ("!ImportValue prod:VpcId", {"Fn::ImportValue": "prod:VpcId"}),
        ("!Cidr [10.0.0.0/16, 2, 8]", {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}),
        ("!Base64 text", {"Fn::Base64": "text"}),
        ("!Equals [a, b]", {"Fn::Equals": ["a", "b"]}),
        (
            "!And [!Condition A, !Condition B]",
            {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]},
        ),
        ("!Or [!Condition A, !Condition B]", {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}),
        ("!Not [!Condition A]", {"Fn::Not": [{"Condition": "A"}]}),
        ("!Transform {Name: M}", {"Fn::Transform": {"Name": "M"}}),
        ("!Unheard x", {"Fn::Unheard": "x"}),
    ],
)
def test_short_form_tags_become_the_long_form(text: str, expected: Any) -> None:
    assert parse(f"key: {text}\n", "t.yaml") == {"key": expected}


def test_every_mapping_sequence_and_string_has_its_line() -> None:
    data = parse(
        "Resources:\n"  # 1
        "  Vpc:\n"  # 2
        "    Type: AWS::EC2::VPC\n"  # 3
        "    Properties:\n"  # 4
        "      CidrBlock: !Ref Cidr\n"  # 5
        "      Tags:\n"  # 6
        "        - Key: Name\n"  # 7
        "          Value: x\n",  # 8
        "t.yaml",
    )
    vpc = data["Resources"]["Vpc"]
    assert isinstance(data, LineDict) and isinstance(vpc["Properties"]["Tags"], LineList)
    assert isinstance(vpc["Type"], LineStr)
    assert (line_of(data), line_of(vpc), line_of(vpc["Type"])) == (1, 3, 3)
    assert (key_line(data, "Resources"), key_line(data["Resources"], "Vpc")) == (1, 2)
    assert line_of(vpc["Properties"]["CidrBlock"]) == 5  # the tag's node
    assert line_of(vpc["Properties"]["CidrBlock"]["Ref"]) == 5
    assert key_line(vpc["Properties"]["CidrBlock"], "Ref") == 5
    assert line_of(vpc["Properties"]["Tags"]) == 7
    assert line_of(vpc["Properties"]["Tags"][0]) == 7
    assert key_line(vpc["Properties"]["Tags"][0], "Value") == 8


def test_numbers_booleans_and_null_are_plain_and_have_no_line() -> None:
    data = parse("a: 1\nb: true\nc: ~\nd: 1.5\n", "t.yaml")
    assert data == {"a": 1, "b": True, "c": None, "d": 1.5}
    assert [line_of(v) for v in data.values()] == [None, None, None, None]
    assert key_line(data, "d") == 4
    assert line_of("plain") is None and key_line({"a": 1}, "a") is None


def test_mappings_and_sequences_keep_their_lines_in_slots() -> None:
    # No instance dict: a large template has hundreds of thousands of them (scanner.sources.lines).
    doc = parse("a:\n  - b\n", "t.yaml")
    assert (type(doc), type(doc["a"])) == (LineDict, LineList)
    assert not hasattr(doc, "__dict__")
    assert not hasattr(doc["a"], "__dict__")
    assert (doc.line, doc.key_lines, doc["a"].line, doc["a"][0].line) == (1, {"a": 1}, 2, 2)


def test_an_unquoted_date_stays_a_string() -> None:
    assert parse("AWSTemplateFormatVersion: 2010-09-09\n", "t.yaml") == {
        "AWSTemplateFormatVersion": "2010-09-09"
    }


def test_empty_text_is_none() -> None:
    assert parse("", "t.yaml") is None


def test_aliases_and_merge_keys_are_allowed() -> None:
    data = parse("base: &b {A: 1, B: 2}\nuse: *b\nmerged:\n  <<: *b\n  B: 3\n", "t.yaml")
    assert data == {"base": {"A": 1, "B": 2}, "use": {"A": 1, "B": 2}, "merged": {"A": 1, "B": 3}}


@pytest.mark.parametrize(
    "text",
    [
        "m:\n  <<: {A: 1, B: 2}\n  B: 3\n",  # a merge key without an alias
        "m:\n  !!merge x: {A: 1, B: 2}\n  B: 3\n",  # an explicit merge tag, no `<<`
    ],
)
def test_merge_keys_without_aliases(text: str) -> None:
    assert parse(text, "t.yaml") == {"m": {"A": 1, "B": 3}}


def test_the_loader_memoises_implicit_tags_per_document() -> None:
    loader = yamlload._Loader("a: yes\nb: yes\nc: '1'\nd: 1\ne: 2010-09-09\n")
    try:
        node = loader.get_single_node()
        tags = [value.tag.rsplit(":", 1)[1] for _, value in node.value]
        assert tags == ["bool", "bool", "str", "int", "timestamp"]
        assert loader.resolve.cache_info().hits >= 1
    finally:
        loader.dispose()
    assert "resolve" not in vars(loader)  # the cache (which refers to the loader) is dropped


def test_depth_limit_holds_for_strings_at_the_limit() -> None:
    # The builder makes strings inline: one at depth 100 is read, one at 101 refused.
    def nested(lists: int, inner: str) -> str:
        return "k: " + "[" * lists + inner + "]" * lists

    assert parse(nested(98, "x"), "t.yaml") is not None
    assert parse(nested(97, "{a: x}"), "t.yaml") is not None
    for text in (nested(99, "x"), nested(98, "{a: x}")):
        with pytest.raises(SourceError, match="nested more than 100 levels deep"):
            parse(text, "t.yaml")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: 1\nb:\n  c: 1\n  c: 2\n", 4, "duplicate key 'c' (first at line 3)"),
        ("a: b: c\n", 1, "not valid YAML: mapping values are not allowed in this context"),
        ("a:\n\tb: 1\n", 2, "not valid YAML: while scanning for the next token (from line 2)"),
        ("a: 'open\n", 1, "not valid YAML: while scanning a quoted scalar"),
        # The end of the stream is on the last line; the quote opened two lines before.
        ("a: 'open\nb\nc\n", 3, "not valid YAML: while scanning a quoted scalar (from line 1)"),
        ("a: *nope\n", 1, "not valid YAML: found undefined alias"),
        ("a: &x [*x]\n", 1, "a YAML alias refers to a node that contains it"),
        ("--- 1\n--- 2\n", 2, "not valid YAML: expected a single document"),
        ("? [a]\n: 1\n", 1, "a mapping key must be a string or number"),
        ("a: 1\nb: !!int abc\n", 2, "not valid YAML: not a !!int value"),
        ("a:\n  - !!float x\n", 2, "not valid YAML: not a !!float value"),
        ("a: !!bool maybe\n", 1, "not valid YAML: not a !!bool value"),
        # A lone CR, a NEL and an LS end a line for YAML but not in git, GitHub or SARIF.
        ("a: 1\rb: 2\ra: 3\n", 1, "duplicate key 'a' (first at line 1)"),
        ("a: 1\nb: 2\u2028\na: 3\n", 3, "duplicate key 'a' (first at line 1)"),
        ("a: 1\x85b: &x [*x]\n", 1, "a YAML alias refers to a node that contains it"),
        ("a: 1\r\rb: !!int x\nc: 1\n", 1, "not valid YAML: not a !!int value"),
        ("a: 1\rb: [\r\n", 1, "not valid YAML: while parsing a flow node"),
        ("a: 1\r\nb: 2\r\nb: 3\r\n", 3, "duplicate key 'b' (first at line 2)"),
    ],
)
def test_yaml_errors_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse(text, "bad.yaml")
    assert (caught.value.file, caught.value.line) == ("bad.yaml", line)
    assert caught.value.message.startswith(message)


@pytest.mark.parametrize(
    ("text", "line", "first", "first_lines"),
    [
        # a Kubernetes manifest: a Deployment, then a Service
        (
            "kind: Deployment\nspec: {replicas: 2}\n---\nkind: Service\n",
            3,
            {"kind": "Deployment", "spec": {"replicas": 2}},
            {"kind": 1, "spec": 2},
        ),
        # the first document is read on its own: the second may be anything, even broken
        ("a: 1\n---\nb: [\n", 2, {"a": 1}, {"a": 1}),
        ("--- {a: 1}\n--- {b: 2}\n", 2, {"a": 1}, {"a": 1}),
        ("x: &s [1]\ny: *s\n---\n", 3, {"x": [1], "y": [1]}, {"x": 1, "y": 2}),
        ("---\n---\nb: 1\n", 2, None, None),  # the first document is empty
        # lines as everywhere else: in line feeds
        ("a: 1\rb: 2\n---\n", 2, {"a": 1, "b": 2}, {"a": 1, "b": 1}),
    ],
)
def test_a_stream_of_several_documents_keeps_the_first(
    text: str, line: int, first: Any, first_lines: dict[str, int] | None
) -> None:
    with pytest.raises(yamlload.MoreDocuments) as caught:
        parse(text, "k8s.yaml")
    error = caught.value
    assert (error.file, error.line) == ("k8s.yaml", line)
    assert error.message.startswith("not valid YAML: expected a single document in the stream")
    assert error.message.endswith("but found another document")
    assert error.first == first
    if first is not None:
        assert error.first.key_lines == first_lines


def test_an_error_in_the_first_of_several_documents_is_that_error() -> None:
    with pytest.raises(SourceError) as caught:
        parse("a: 1\na: 2\n---\nb: 1\n", "t.yaml")
    assert not isinstance(caught.value, yamlload.MoreDocuments)
    assert (caught.value.line, caught.value.message) == (2, "duplicate key 'a' (first at line 1)")


@pytest.mark.parametrize(
    "text",
    ["Resources:\n\tVpc: {}\n", "\ufeffResources:\n\tVpc: {}\n", "\tA: 1\n"],
)
def test_a_tab_that_cannot_start_a_token_is_named(text: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse(text, "tabs.yaml")
    assert caught.value.message.endswith(
        "found character that cannot start any token (a tab: YAML does not allow tabs for "
        "indentation)"
    )


def test_another_character_that_cannot_start_a_token_is_not_called_a_tab() -> None:
    with pytest.raises(SourceError) as caught:
        parse("a: 1\nb: @x\n", "at.yaml")
    assert caught.value.message == (
        "not valid YAML: while scanning for the next token (from line 2), found character that "
        "cannot start any token"
    )


@pytest.mark.parametrize("aliases", [False, True])
def test_lines_count_line_feeds_only(aliases: bool) -> None:
    anchor = "&s " if aliases else ""
    text = f"A: 1\rB:\x85  - !Ref X\n  - {anchor}[y]\u2029\nC:\r\n  D: |\r    e\r    f\nG: g\n"
    data = parse(text, "t.yaml")
    assert data.key_lines == {"A": 1, "B": 1, "C": 3, "G": 5}
    assert (line_of(data["B"]), line_of(data["B"][0]), line_of(data["B"][1])) == (1, 1, 2)
    assert (data["C"].key_lines, data["C"]["D"], line_of(data["C"]["D"])) == ({"D": 4}, "e\nf\n", 4)
    assert line_of(data["G"]) == 5


def test_alias_bombs_are_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    with pytest.raises(SourceError) as caught:
        parse("\n".join(lines) + "\n", "bomb.yaml")
    assert caught.value.line == 6  # a5 is the first to pass the limit
    assert caught.value.message == (
        "YAML aliases expand to more than 1,000,000 nodes; refusing to read it (an alias bomb?)"
    )


def test_a_few_aliases_under_the_limit_are_read() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 4)]
    data = parse("\n".join(lines) + "\n", "ok.yaml")
    assert len(data["a3"]) == 10 and data["a3"][0][0][0] == ["x"] * 10


ROOT = Path(__file__).parent.parent.parent
# The repository's own files: not what .gitignore leaves out (the checkout's .venv, which
# .ci/run creates, holds the YAML files of every installed package).
_NOT_OURS = {".git", ".venv", ".hypothesis", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
_NOT_OURS |= {"__pycache__", "build", "dist"}


def _yaml_files() -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in _NOT_OURS and not d.endswith(".egg-info")]
        found += [Path(folder, f) for f in files]
    return sorted(p for p in found if p.suffix in {".yaml", ".yml", ".template"})


YAML_FILES = _yaml_files()


def _same_tree(a: Any, b: Any, path: tuple[Any, ...] = ()) -> list[str]:
    """Where two parsed documents differ in type, value, line or key lines."""
    if type(a) is not type(b) or a != b or line_of(a) != line_of(b):
        return [f"{path}: {a!r} (line {line_of(a)}) != {b!r} (line {line_of(b)})"]
    if isinstance(a, dict):
        if a.key_lines != b.key_lines:
            return [f"{path}: key lines {a.key_lines} != {b.key_lines}"]
        return [d for k in a for d in _same_tree(a[k], b[k], (*path, k))]
    if isinstance(a, list):
        pairs = enumerate(zip(a, b, strict=True))
        return [d for i, (x, y) in pairs for d in _same_tree(x, y, (*path, i))]
    return []


def test_the_repository_has_yaml_files_to_compare() -> None:
    assert len(YAML_FILES) >= 90


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT))[-70:])
def test_events_and_nodes_build_the_same_tree(path: Path) -> None:
    # Text without anchors and merge keys is built from the parser's events; the node builder
    # (which does anchors and merges) is the reference.
    text = path.read_text(encoding="utf-8")
    loader = yamlload._Loader(text)
    try:
        events = yamlload._EventBuilder(loader, path.name).document()
    except yamlload._Unusual:
        pytest.skip("left to the node builder")
    finally:
        loader.dispose()
    nodes = yamlload._parse_yaml_nodes(text, path.name, aliases=False, merges=False)
    assert _same_tree(events, nodes) == []


@pytest.mark.parametrize(
    ("text", "events"),
    [
        ("a: !Ref B\nc: [1, x, {d: !GetAtt E.F}]\n", True),
        ("a: &x 1\nb: *x\n", False),  # anchors: nodes
        ("m:\n  <<: {A: 1}\n", False),  # merge keys: nodes
        ("--- 1\n--- 2\n", False),  # an error: nodes say it
        ("? [a]\n: 1\n", False),  # a key that is not a string
        ("s: !!set {a, b}\n", False),
    ],
)
def test_which_builder_reads_the_text(
    text: str, events: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    by_nodes = yamlload._parse_yaml_nodes

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append("nodes")
        return by_nodes(*args, **kwargs)

    monkeypatch.setattr(yamlload, "_parse_yaml_nodes", spy)
    with contextlib.suppress(SourceError):
        parse(text, "t.yaml")
    assert calls == ([] if events else ["nodes"])


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(SourceError) as caught:
        parse("a: " + "[" * 5000 + "]" * 5000 + "\n", "deep.yaml")
    assert caught.value.message == (
        "nested more than 100 levels deep, deeper than fargate-preflight reads"
    )


def test_deep_json_is_not_called_invalid() -> None:
    # valid JSON: the limit is this tool's
    with pytest.raises(SourceError) as caught:
        parse('{"a":\n' + "[" * 150 + "]" * 150 + "}", "deep.json")
    assert (caught.value.line, caught.value.message) == (
        2,
        "nested more than 100 levels deep, deeper than fargate-preflight reads",
    )


# --- JSON ---------------------------------------------------------------------------------


def test_json_parses_through_the_same_function_with_lines() -> None:
    data = parse('{\n  "Resources": {\n    "Vpc": {"Type": "AWS::EC2::VPC"}\n  }\n}\n', "t.json")
    assert data == {"Resources": {"Vpc": {"Type": "AWS::EC2::VPC"}}}
    assert (key_line(data, "Resources"), line_of(data["Resources"]["Vpc"])) == (2, 3)


def test_json_numbers_with_an_exponent_are_numbers() -> None:
    assert parse('{"a": [2e3, -1E-2, 10, "2e3"]}', "t.json") == {"a": [2000.0, -0.01, 10, "2e3"]}
    assert parse("a: 2e3\n", "t.yaml") == {"a": "2e3"}  # YAML 1.1 keeps it a string


@pytest.mark.parametrize(
    "refused",
    ['"\\ud83d\\ude00"', '"' + "k" * 1100 + '"'],  # a surrogate pair; a key YAML finds too long
    ids=["surrogate-pair", "long-key"],
)
def test_json_that_yaml_rejects_falls_back_to_json_with_lines(refused: str) -> None:
    text = (
        '{\n\t"Resources": {\n\t\t"Vpc": {\n\t\t\t"Type": "AWS::EC2::VPC"\n\t\t}\n\t},\n'
        f'\t"X": [1, {{"a": null}}],\n\t{refused}: {refused}\n}}'
    )
    with pytest.raises(SourceError):
        yamlload._parse_yaml(text, "t.json")
    data = parse(text, "t.json")
    value = json.loads(refused)
    assert data == {
        "Resources": {"Vpc": {"Type": "AWS::EC2::VPC"}},
        "X": [1, {"a": None}],
        value: value,
    }
    assert key_line(data, value) == 8
    assert isinstance(data["X"], LineList)
    assert (line_of(data["Resources"]["Vpc"]), key_line(data["Resources"]["Vpc"], "Type")) == (3, 4)
    assert (line_of(data["X"]), line_of(data["Resources"]["Vpc"]["Type"])) == (7, 4)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('{\n\t"a": 1,\n\t"a": 2\n}', 3, "duplicate key 'a' (first at line 2)"),
        ('{\n\t"a": [1,\n\t\n', 4, "not valid JSON: unexpected end of text"),
        ('{\n\t"a" 1\n}', 2, "not valid JSON: expected ':'"),
        ('{\n\t"a": 1\n}\n{}', 4, "not valid JSON: extra data after the document"),
        ('{\n\t"a": "x\\q"\n}', 2, "not valid JSON: Invalid \\escape"),
    ],
)
def test_json_errors_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse(text, "bad.json")
    assert (caught.value.line, caught.value.message) == (line, message)


# --- cfn-lint's decoder as the oracle ------------------------------------------------------


def _compare(mine: Any, theirs: Any, path: tuple[Any, ...], problems: list[str]) -> None:
    mark = getattr(theirs, "start_mark", None)
    if isinstance(theirs, dict):
        if not isinstance(mine, dict) or list(mine) != list(theirs):
            problems.append(f"{path}: keys differ")
            return
        if mark is not None and line_of(mine) != mark.line + 1:
            problems.append(f"{path}: line {line_of(mine)} != {mark.line + 1}")
        for key in theirs:
            their_key = next(k for k in theirs if k == key)
            key_mark = getattr(their_key, "start_mark", None)
            if key_mark is not None and key_line(mine, key) != key_mark.line + 1:
                problems.append(f"{(*path, key)}: key line {key_line(mine, key)}")
            _compare(mine[key], theirs[key], (*path, key), problems)
    elif isinstance(theirs, list):
        if not isinstance(mine, list) or len(mine) != len(theirs):
            problems.append(f"{path}: lists differ")
            return
        if mark is not None and line_of(mine) != mark.line + 1:
            problems.append(f"{path}: line {line_of(mine)} != {mark.line + 1}")
        for index, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            _compare(a, b, (*path, index), problems)
    else:
        expected = theirs.isoformat() if isinstance(theirs, datetime.date) else theirs
        if mine != expected or type(mine) is bool and type(expected) is not bool:
            problems.append(f"{path}: {mine!r} != {expected!r}")
        if isinstance(theirs, str) and mark is not None and line_of(mine) != mark.line + 1:
            problems.append(f"{path}: string line {line_of(mine)} != {mark.line + 1}")


def _oracle(text: str) -> Any:
    decode = pytest.importorskip("cfnlint.decode")
    theirs, matches = decode.decode_str(text)
    assert not matches
    return theirs


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name[:70])
def test_decoder_matches_cfn_lint_on_the_corpus(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    problems: list[str] = []
    _compare(parse(text, path.name), _oracle(text), (), problems)
    assert problems == []


@pytest.mark.parametrize(
    "path", [p for p in CORPUS_FILES if p.suffix == ".json"], ids=lambda p: p.name[:70]
)
def test_json_fallback_matches_cfn_lint_json_decoder(path: Path) -> None:
    # A leading tab makes YAML refuse the text, so the JSON fallback reads it. cfn-lint's own
    # fallback does not trigger with the C loader's messages, so compare with its JSON decoder
    # for the values, and check the lines against the text (its JSON marks are off by one where
    # a bracket ends a line).
    cfn_json = pytest.importorskip("cfnlint.decode.cfn_json")
    text = "\t" + json.dumps(json.loads(path.read_text(encoding="utf-8")), indent="\t")
    with pytest.raises(SourceError):
        yamlload._parse_yaml(text, "tabs.json")
    mine = parse(text, "tabs.json")
    assert mine == cfn_json.loads(text)
    lines = text.split("\n")
    checked = _check_json_lines(mine, lines)
    assert checked > 150  # every key, item and string of the template


def _check_json_lines(node: Any, lines: list[str]) -> int:
    """With json.dumps(indent=...) each key starts its line and a value starts on its key's line."""
    checked = 0
    if isinstance(node, dict):
        for key, value in node.items():
            line = key_line(node, key)
            assert line is not None and lines[line - 1].strip().startswith(json.dumps(key) + ":")
            if isinstance(value, dict | list | str):
                assert line_of(value) == line
            checked += 1 + _check_json_lines(value, lines)
    elif isinstance(node, list):
        for item in node:
            line = line_of(item)
            if isinstance(item, dict | list):
                assert line is not None and lines[line - 1].strip() in ("{", "[")
            elif isinstance(item, str):
                assert line is not None and lines[line - 1].strip().startswith(json.dumps(item))
            checked += 1 + _check_json_lines(item, lines)
    return checked


# --- JSON: the json module's reader against `_JsonParser` ------------------------------------


def _shape(value: Any) -> Any:
    """A value with its types and every line it carries, to compare two parses exactly."""
    if isinstance(value, dict):
        lines = getattr(value, "key_lines", {})
        items = [(_shape(k), lines.get(k), _shape(v)) for k, v in value.items()]
        return (type(value).__name__, line_of(value), items)
    if isinstance(value, list):
        return (type(value).__name__, line_of(value), [_shape(v) for v in value])
    return (type(value).__name__, line_of(value), repr(value))


def _json_outcomes(text: str) -> tuple[Any, Any]:
    def outcome(read: Any) -> Any:
        try:
            return _shape(read())
        except SourceError as exc:
            return ("error", exc.line, exc.message)

    def fast() -> Any:
        try:
            return yamlload._fast_json(text)
        except yamlload._GiveUp:
            return yamlload._JsonParser(text, "t.json").document()

    return outcome(fast), outcome(lambda: yamlload._JsonParser(text, "t.json").document())


JSON_TEXTS = [
    '{"a": "b", "c": [1, 2.5, -0.0, 1e3, true, false, null, "d"], "e": {}}',
    '\ufeff{\n  "a": "x\\"y\\\\z\\n",\n  "b": [\n    {"c": "[{"}\n  ]\n}',
    '{"\\u00e9": "\\ud83d\\ude00", "e\u00e9": "\u2028"}',
    '[\n"a",\n\n[[],{}],\n"b"\n]',
    '{"a": 1, "a": 2}',  # a repeated key
    '{"a": NaN}',
    '{"a": Infinity}',
    '{"a": 1,}',
    '{"a": 01}',
    '{"a": "\t"}',
    '{"a": 1} x',
    "{'a': 1}",
    "[" * 99 + "1" + "]" * 99,
    "[" * 100 + "1" + "]" * 100,
    '{"a": ' * 99 + '"s"' + "}" * 99,
    '{"a": ' * 100 + '"s"' + "}" * 100,
]


@pytest.mark.parametrize("text", JSON_TEXTS)
def test_the_json_module_path_agrees_with_the_json_parser(text: str) -> None:
    fast, slow = _json_outcomes(text)
    assert fast == slow


def test_the_json_module_path_agrees_on_generated_documents() -> None:
    rng = random.Random(3)
    strings = ["a", "", "é", 'a"b', "a\\b", "\n", "{", "[", '}"', "\U0001f600", "Ref", "a/b~c"]

    def value(depth: int) -> Any:
        roll = rng.random()
        if depth > 4 or roll < 0.4:
            return rng.choice([rng.choice(strings), rng.randint(-5, 10**12), 1.5e-7, True, None])
        if roll < 0.7:
            return {rng.choice(strings): value(depth + 1) for _ in range(rng.randint(0, 4))}
        return [value(depth + 1) for _ in range(rng.randint(0, 4))]

    for _ in range(300):
        text = json.dumps(
            {"k": value(0)},
            indent=rng.choice([None, 0, 2]),
            ensure_ascii=rng.random() < 0.5,
        )
        if rng.random() < 0.2:
            text = text[: rng.randrange(len(text) + 1)] or "{"
        fast, slow = _json_outcomes(text)
        assert fast == slow, text


def test_valid_json_is_read_by_the_json_module() -> None:
    for text in JSON_TEXTS[:4]:
        assert isinstance(yamlload._fast_json(text), LineDict | LineList)
    for text in JSON_TEXTS[4:12]:
        with pytest.raises(yamlload._GiveUp):
            yamlload._fast_json(text)
    data = parse('{\n "a": [\n  "b"\n ]\n}', "t.json")
    assert (line_of(data), key_line(data, "a"), line_of(data["a"]), line_of(data["a"][0])) == (
        1,
        2,
        2,
        3,
    )
