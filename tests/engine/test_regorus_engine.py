"""The embedded engine keeps its data and its preparation between evaluations
(scanner/engine/regorus_engine.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scanner.engine.regorus_engine import RegorusEngine
from scanner.errors import EngineError

POLICY = """package t
import rego.v1
facts := data.facts
"""


class Counting:
    """The regorus engine with its calls that set data counted."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.calls: list[str] = []

    def add_data_json(self, text: str) -> None:
        self.calls.append("add")
        self.engine.add_data_json(text)

    def clear_data(self) -> None:
        self.calls.append("clear")
        self.engine.clear_data()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    (tmp_path / "t.rego").write_text(POLICY, encoding="utf-8")
    return tmp_path


def facts(engine: RegorusEngine, data: dict[str, Any]) -> Any:
    return engine.answer("data.t.facts", {}, data)["result"][0]["expressions"][0]["value"]


def test_the_data_given_at_the_start_is_not_added_again(policy_dir: Path) -> None:
    data = {"facts": {"a": 1}}
    engine = RegorusEngine([policy_dir], data=data)
    counting = Counting(engine._engine)
    engine._engine = counting
    assert [facts(engine, data) for _ in range(3)] == [{"a": 1}] * 3
    assert counting.calls == []  # adding it again would undo the engine's preparation


def test_other_data_replaces_the_data(policy_dir: Path) -> None:
    engine = RegorusEngine([policy_dir], data={"facts": {"a": 1}})
    counting = Counting(engine._engine)
    engine._engine = counting
    assert facts(engine, {"facts": {"b": 2}}) == {"b": 2}  # not merged with {"a": 1}
    assert counting.calls == ["clear", "add"]
    assert facts(engine, {"facts": {"b": 2}}) == {"b": 2}  # an equal but new object: set again
    assert counting.calls == ["clear", "add"] * 2


def test_an_error_only_evaluation_finds_is_still_reported(tmp_path: Path) -> None:
    """The engine evaluates once when it is made (to prepare the policies); a policy error that
    only evaluation finds is reported by the scan's evaluation, as before."""
    (tmp_path / "t.rego").write_text(
        "package t\nimport rego.v1\nx if nosuch(1)\n", encoding="utf-8"
    )
    engine = RegorusEngine([tmp_path], data={})
    with pytest.raises(EngineError, match="evaluation failed: .*could not find function nosuch"):
        engine.answer("data.t.x", {}, {})


def test_a_head_undefined_for_one_element_names_the_cause(tmp_path: Path) -> None:
    """regorus 0.9.1 stops where OPA skips the element (tests/reliability/README.md); a custom
    policy written that way gets the fix in the error, not only regorus's words."""
    (tmp_path / "t.rego").write_text(
        "package t\nimport rego.v1\ns contains x.name if some x in input.xs\n", encoding="utf-8"
    )
    engine = RegorusEngine([tmp_path], data={})
    xs = {"xs": [{"name": "a"}, {"id": 2}, {"name": "c"}]}
    with pytest.raises(
        EngineError, match=r"failed: not an object \(regorus stops here .* v := f\(x\) \}"
    ):
        engine.answer("data.t.s", xs, {})
    # the element without a name last: no error, and no "a" either
    assert (
        engine.answer("data.t.s", {"xs": xs["xs"][:2]}, {})["result"][0]["expressions"][0]["value"]
        == []
    )
    # bound in the body, the element without a name is skipped
    (tmp_path / "t.rego").write_text(
        "package t\nimport rego.v1\ns contains n if { some x in input.xs; n := x.name }\n",
        encoding="utf-8",
    )
    answer = RegorusEngine([tmp_path], data={}).answer("data.t.s", xs, {})
    assert answer["result"][0]["expressions"][0]["value"] == ["a", "c"]
