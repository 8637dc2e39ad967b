"""Both engines must give the same answers: every Rego test, and every fixture's model.

The comparison is exact, numbers included (an int on one side and a float on the other is a
difference): a Rego feature one engine lacks or runs differently is kept out of policies/ here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
import regorus

from scanner.api import ScanOptions, engine_data, load
from scanner.engine.base import RawResult, shipped_policy_dir
from scanner.engine.opa_engine import OpaConnection, OpaEngine, OpaServer
from scanner.engine.regorus_engine import RegorusEngine
from scanner.errors import PreflightError

REPO = Path(__file__).resolve().parents[2]
POLICIES = REPO / "policies"
FIXTURE_ROOTS = (
    REPO / "tests" / "fixtures",
    REPO / "tests" / "golden" / "repros",
    REPO / "examples",
)
TEMPLATE_SUFFIXES = {".json", ".yaml", ".yml", ".template"}
PACKAGE = re.compile(r"^package\s+([\w.]+)", re.M)
TEST_RULE = re.compile(r"^(test_\w+)\b", re.M)


def canonical(value: Any) -> str:
    """JSON text that tells 1 from 1.0 and keeps list order (sets come back sorted)."""
    return json.dumps(value, sort_keys=True, indent=1)


# --- every Rego test --------------------------------------------------------------------------


def rego_tests() -> list[str]:
    rules = []
    for path in sorted(POLICIES.rglob("*_test.rego")):
        text = path.read_text(encoding="utf-8")
        package = PACKAGE.search(text)
        assert package, f"{path}: no package line"
        rules.extend(
            f"data.{package.group(1)}.{name}" for name in dict.fromkeys(TEST_RULE.findall(text))
        )
    return rules


@pytest.fixture(scope="module")
def regorus_with_tests() -> Any:
    engine = regorus.Engine()
    for path in sorted(POLICIES.rglob("*.rego")):
        engine.add_policy_from_file(str(path))
    engine.add_data_json(json.dumps(engine_data()))
    return engine  # no input: a test brings its own with `with input as`


@pytest.fixture(scope="module")
def opa_with_tests(opa_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("opa-data") / "data.json"
    data.write_text(json.dumps(engine_data()), encoding="utf-8")
    files = [*sorted(POLICIES.rglob("*.rego")), data]
    with OpaServer(opa_binary, files) as server:
        yield server.url


def test_there_are_rego_tests() -> None:
    assert len(rego_tests()) >= 1


@pytest.mark.parametrize("rule", rego_tests())
def test_rego_test_same_on_both_engines(
    rule: str, regorus_with_tests: Any, opa_with_tests: str
) -> None:
    embedded = json.loads(regorus_with_tests.eval_query_as_json(rule))
    with OpaConnection(opa_with_tests) as conn:
        served = conn.query(rule, None, f"running {rule}")
    assert canonical(values(served)) == canonical(values(embedded))


def values(answer: dict[str, Any]) -> list[Any]:
    return [r["expressions"][0]["value"] for r in answer.get("result") or []]


# --- every fixture's model --------------------------------------------------------------------


def fixture_inputs() -> list[Path]:
    """Each template-like file, and each example directory as a whole (its files link up)."""
    found: list[Path] = []
    for root in FIXTURE_ROOTS:
        found.extend(
            p for p in sorted(root.rglob("*")) if p.is_file() and p.suffix in TEMPLATE_SUFFIXES
        )
    examples = REPO / "examples"
    found.extend(sorted(p for p in examples.iterdir() if p.is_dir()))
    return found


@pytest.fixture(scope="module")
def engines(opa_url: str) -> tuple[RegorusEngine, OpaEngine]:
    shipped = [shipped_policy_dir()]
    return RegorusEngine(shipped), OpaEngine(shipped, url=opa_url)


def test_there_are_fixtures() -> None:
    assert len(fixture_inputs()) >= 1


@pytest.mark.parametrize("path", fixture_inputs(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_fixture_same_on_both_engines(path: Path, engines: tuple[RegorusEngine, OpaEngine]) -> None:
    try:
        loaded = load([path], ScanOptions(cwd=REPO))
    except (ImportError, PreflightError) as exc:
        pytest.xfail(f"the sources cannot load {path.name} yet: {type(exc).__name__}: {exc}")
    embedded, served = (e.evaluate(loaded.model, engine_data()) for e in engines)
    assert_same(served, embedded)


def assert_same(served: RawResult, embedded: RawResult) -> None:
    for part in ("rules", "verdicts"):
        opa_text, regorus_text = (canonical(asdict(r)[part]) for r in (served, embedded))
        assert opa_text == regorus_text, f"{part} differ between OPA (left) and regorus (right)"


def test_own_server_gives_what_a_given_server_gives(opa_binary: str, opa_url: str) -> None:
    """The engine's own `opa run` (policies loaded from files) against the pushed policies."""
    example = REPO / "examples" / "isolated-vpc"
    try:
        loaded = load([example], ScanOptions(cwd=REPO))
    except (ImportError, PreflightError) as exc:
        pytest.xfail(f"the sources cannot load {example.name} yet: {type(exc).__name__}: {exc}")
    shipped = [shipped_policy_dir()]
    own = OpaEngine(shipped, opa_binary=opa_binary).evaluate(loaded.model, engine_data())
    given = OpaEngine(shipped, url=opa_url).evaluate(loaded.model, engine_data())
    assert "fg201" in own.rules  # the shipped policies ran there
    assert_same(own, given)
