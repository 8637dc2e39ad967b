"""Any model that passes the model schema is evaluated and reported: findings at a file and a
line, never an engine failure (exit 3).

The readers only hand the engine schema-valid models (`builder.drop_unreadable`), and the live
exporter builds its model the same way, so the schema is the contract between the readers and
the policies. regorus, unlike OPA, stops the whole evaluation at a builtin given a value of
another type (`contains(5, "x")`), so a value the schema allows and a policy does not expect is
an exit 3 for every service of the scan. These tests mutate the models of real inputs with values
of every JSON type, keep those the schema accepts, and evaluate them with the shipped policies.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from scanner.api import Loaded, ScanOptions, evaluate, load
from scanner.engine.base import shipped_policy_dir
from scanner.engine.regorus_engine import RegorusEngine
from scanner.errors import EngineError
from scanner.model.builder import validate_model
from scanner.report import MODULES, reporter
from tests.reliability.strategies import _delete, _set, good_template, profile, to_yaml

ROOT = Path(__file__).resolve().parents[2]
SOURCE = {"file": "t.yaml", "line": 3, "pointer": "/Resources/X"}
UNKNOWN = {"unknown": "known after deployment", "ref": "Ref X", "source": SOURCE}
# One unsettled value read at two places (`!Select [0, !Split [",", !ImportValue X]]` and
# `!Select [1, ...]`): two unknowns with one ref. A list of them stopped regorus and OPA (an
# object comprehension with one key for two values).
TWICE = [UNKNOWN, {**UNKNOWN, "source": {**SOURCE, "line": 4}}]
# Values of every JSON type, and the shapes the model uses (an unknown, a source).
VALUES: list[Any] = [
    0, 7, -1, 443, 65535, 123456789012, 1.5, True, False, None,
    "", "x", "*", "-1", "6", "0.0.0.0/0", "::/0", "10.0.0.0/33", "arn:aws:iam::123456789012:root",
    "${aws:username}", [], [7], [True], ["x"], [None], {}, {"x": 1}, UNKNOWN, [UNKNOWN], TWICE,
    SOURCE,
]  # fmt: skip


def _load(paths: list[Path], cwd: Path) -> Loaded:
    loaded = load(paths, ScanOptions(region="us-east-1", cwd=cwd))
    assert loaded.errors == ()
    return loaded


REPROS = ROOT / "tests" / "golden" / "repros"


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("good")
    (folder / "t.yaml").write_text(to_yaml(good_template()), encoding="utf-8")
    sns = ROOT / "tests" / "fixtures" / "terraform" / "sns-endpoint-deny"
    return [
        _load([folder], folder).model,
        _load([ROOT / "examples" / "isolated-vpc"], ROOT).model,
        _load([sns], sns).model,  # a Terraform plan with an endpoint policy
        _load([ROOT / "tests" / "fixtures" / "seed" / "exec-task-definition.json"], ROOT).model,
        # secrets, ECS Exec, environment; EFS volumes and mount targets
        _load([ROOT / "tests" / "fixtures" / "cfn" / "ecs.yaml"], ROOT).model,
        _load([REPROS / "efs-iam-authorization.yaml"], ROOT).model,
        _load([ROOT / "tests" / "fixtures" / "cfn" / "declared-needs.yaml"], ROOT).model,
        # environment files through a gateway endpoint with a policy; scheduled tasks
        _load([REPROS / "environment-files.yaml", REPROS / "scheduled-tasks.yaml"], ROOT).model,
    ]


def _files(node: Any) -> set[str]:
    """The files the sources in `node` name."""
    if isinstance(node, dict):
        own = {node["file"]} if isinstance(node.get("file"), str) else set()
        return own.union(*(_files(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_files(v) for v in node))
    return set()


@pytest.fixture(scope="module")
def engine() -> RegorusEngine:
    return RegorusEngine([shipped_policy_dir()])


def _places(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the model but the sources, ids and the insides of unknowns, which the
    readers make themselves (`build_model` keys each object by its id)."""
    places = [prefix] if prefix else []
    if isinstance(node, dict) and "unknown" not in node:
        for key, value in node.items():
            if key not in ("source", "id"):
                places += _places(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            places += _places(value, (*prefix, index))
    return places


_DELETE = object()


def _replace(model: dict[str, Any], place: tuple[Any, ...], value: Any) -> None:
    """Put a copy of `value` at `place` (a later change may go inside it), or with `_DELETE`
    take the key or item out."""
    if value is _DELETE:
        _delete(model, place)
    else:
        _set(model, place, copy.deepcopy(value))


# Most mutations break the schema and are rejected: about one in eight is evaluated.
FILTERED = [*profile().suppress_health_check, HealthCheck.filter_too_much]


@settings(profile(scale=5), suppress_health_check=FILTERED)
@given(st.data())
def test_any_schema_valid_model_is_evaluated_and_reported(
    models: list[dict[str, Any]], engine: RegorusEngine, data: st.DataObject
) -> None:
    which = data.draw(st.sampled_from(range(len(models))), label="model")
    model = copy.deepcopy(models[which])
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        place = data.draw(st.sampled_from(_places(model)), label="place")
        value = data.draw(st.sampled_from([*VALUES, _DELETE]), label="value")
        try:
            _replace(model, place, value)
        except (TypeError, IndexError, KeyError):
            reject()
    try:
        validate_model(model)
    except EngineError:
        reject()  # the readers never hand the engine such a model

    report = evaluate([model], ScanOptions(region="us-east-1"), engine=engine)
    for name in MODULES:
        assert isinstance(reporter(name)(report), str)
    files = _files(models[which]) | {SOURCE["file"]}
    for finding in report.findings:
        assert finding.location.file in files, finding
        assert finding.location.line >= 1, finding


def test_an_unknown_wherever_the_schema_allows_one_is_evaluated(
    models: list[dict[str, Any]], engine: RegorusEngine
) -> None:
    """Each place, one at a time, holding an unknown: what a parameter without a value or an
    attribute known only after deployment gives the readers, so the likeliest surprise."""
    failures = []
    tried = 0
    for original in models:
        for place in _places(original):
            # an unknown; in a list, also one unsettled value read at two places
            for value in (UNKNOWN, TWICE) if _is_list(original, place) else (UNKNOWN,):
                model = copy.deepcopy(original)
                _replace(model, place, value)
                try:
                    validate_model(model)
                except EngineError:
                    continue
                tried += 1
                try:
                    evaluate([model], ScanOptions(region="us-east-1"), engine=engine)
                except EngineError as exc:
                    failures.append((place, str(exc)[:300]))
    assert failures == []
    assert tried > 200  # the models and the schema still leave room for unknowns


def _is_list(model: dict[str, Any], place: tuple[Any, ...]) -> bool:
    node: Any = model
    for step in place:
        node = node[step]
    return isinstance(node, list)


def test_a_head_value_undefined_for_one_service_keeps_the_others(engine: RegorusEngine) -> None:
    """regorus 0.9.1 stops (`not an object`) or empties the whole rule when the head of a
    partial rule (`x[k] := f(k)`, `s contains f(k)`) is undefined for one key; OPA skips that key.
    FG705's members of a service without network configuration were such a head (found by
    this file's random test). The policies bind such values in the body instead."""
    model = _load([REPROS / "scheduled-tasks.yaml"], ROOT).model
    model["services"]["Hourly"]["network"] = None  # sorted before Nightly
    validate_model(model)
    report = evaluate([model], ScanOptions(region="us-east-1"), engine=engine)
    assert sorted((f.rule_id, f.need) for f in report.findings if f.service == "Nightly") == [
        ("FG202", need) for need in ("ecr.api", "ecr.dkr", "logs", "s3")
    ]
