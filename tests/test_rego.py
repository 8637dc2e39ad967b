"""Every `test_*` rule of every `*_test.rego` file, run through the embedded engine.

Each Rego test is one pytest case, so a broken rule fails the suite with its test's name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import regorus  # a missing engine must fail the suite, not skip it

POLICIES = Path(__file__).resolve().parent.parent / "policies"
PACKAGE = re.compile(r"^package\s+([\w.]+)", re.M)
TEST_RULE = re.compile(r"^(test_\w+)\b", re.M)


def _tests() -> list[tuple[str, str]]:
    cases = []
    for path in sorted(POLICIES.rglob("*_test.rego")):
        text = path.read_text(encoding="utf-8")
        package = PACKAGE.search(text)
        assert package, f"{path}: no package line"
        rel = path.relative_to(POLICIES).as_posix()
        names = dict.fromkeys(TEST_RULE.findall(text))
        cases.extend((rel, f"data.{package.group(1)}.{name}") for name in names)
    return cases


@pytest.fixture(scope="module")
def engine() -> object:
    eng = regorus.Engine()
    for path in sorted(POLICIES.rglob("*.rego")):
        eng.add_policy_from_file(str(path))
    data = {}
    for path in sorted((POLICIES.parent / "scanner" / "data").glob("*.json")):
        data.update(json.loads(path.read_text(encoding="utf-8")))
    eng.add_data_json(json.dumps({"fargate_preflight": {"aws": data}}))
    eng.set_input_json("{}")
    return eng


def test_there_are_rego_tests() -> None:
    assert len(_tests()) >= 1


@pytest.mark.parametrize(("file", "rule"), _tests(), ids=lambda v: v)
def test_rego(engine: object, file: str, rule: str) -> None:
    answer = json.loads(engine.eval_query_as_json(rule))  # type: ignore[attr-defined]
    results = answer.get("result") or []
    value = results[0]["expressions"][0]["value"] if results else None
    assert value is True, f"{file}: {rule} is {value!r}, expected true"
