"""A large model is evaluated part by part (scanner/model/partition.py, scanner/engine/parts.py):
the report must be exactly the report of the whole model, on both engines."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from scanner import api, forked
from scanner.engine import parts
from scanner.engine.base import RawResult, shipped_policy_dir
from scanner.engine.opa_engine import OpaEngine
from scanner.engine.regorus_engine import RegorusEngine
from scanner.findings import Finding
from scanner.model.partition import LINKED, SHARED, gap_ref, split
from tests.golden.harness import ROOT, load_cases
from tests.script_modules import script_module

RULES = api.catalogue()
GENERATE = ROOT / "benchmarks" / "generate.py"
DATA = api.engine_data()


@pytest.fixture(autouse=True)
def _one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # Another test may have left a thread running (a server's), and a process with threads
    # evaluates the parts itself (scanner.forked.can_fork): these tests use the workers.
    monkeypatch.setattr(forked.threading, "active_count", lambda: 1)


@pytest.fixture(scope="module")
def regorus() -> RegorusEngine:
    return RegorusEngine([shipped_policy_dir()])


def report(raw: RawResult, model: dict[str, Any]) -> tuple[list[Finding], tuple[Any, ...]]:
    return sorted(set(api.to_findings(raw, RULES)), key=Finding.sort_key), api.to_paths(raw, model)


def generator() -> Any:
    """benchmarks/generate.py."""
    return script_module(GENERATE, "fp_bench_generate")


def generated_model(services: int, vpcs: int) -> dict[str, Any]:
    generate = generator()
    model: dict[str, Any] = generate.model(generate.plan(services, vpcs, seed=1))
    return model


@pytest.fixture(scope="module")
def big() -> dict[str, Any]:
    """100 generated services in 10 VPCs (the generator's model layout)."""
    return generated_model(100, 10)


# --- the split itself ----------------------------------------------------------------------------


def named_ids(value: Any, ids: set[str]) -> set[str]:
    if isinstance(value, str):
        return {value} & ids
    if isinstance(value, dict):
        return set().union(*(named_ids(v, ids) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(named_ids(v, ids) for v in value))
    return set()


def test_parts_are_closed_under_references(big: dict[str, Any]) -> None:
    pieces = split(big, 10)
    assert len(pieces) == 10  # ten services per VPC, nothing shared between VPCs but clusters
    all_ids = {i for c in LINKED for i in big[c]}
    for piece in pieces:
        own = {i for c in LINKED for i in piece[c]}
        for collection in LINKED:
            for obj in piece[collection].values():
                assert named_ids(obj, all_ids) <= own
        for collection in SHARED:
            assert piece[collection] == big[collection]
    for collection in LINKED:  # every object in exactly one part
        assert sorted(i for p in pieces for i in p[collection]) == sorted(big[collection])


def test_small_models_are_not_split(big: dict[str, Any]) -> None:
    assert split(big, 100) == [big]


def test_services_that_share_a_subnet_stay_together(big: dict[str, Any]) -> None:
    model = copy.deepcopy(big)
    first, *_, last = sorted(model["services"])
    model["services"][last]["network"]["subnets"] = model["services"][first]["network"]["subnets"]
    together = [p for p in split(model, 1) if first in p["services"]]
    assert len(together) == 1 and last in together[0]["services"]


def test_declared_needs_and_coverage_gaps_follow_what_they_name(big: dict[str, Any]) -> None:
    model = copy.deepcopy(big)
    sid = sorted(model["services"])[-1]
    model["declared_needs"] = [{"service": sid, "endpoint": "sns", "kind": "endpoint"}]
    gap = {"api": "ec2:DescribeNatGateways", "account": "123456789012", "region": "eu-west-1"}
    source = {"file": "aws://123456789012/eu-west-1/ec2", "line": 1}
    model["coverage_gaps"] = [{**gap, "error": "AccessDenied", "source": source}]
    nat = next(iter(model["nat_gateways"]))
    model["nat_gateways"][nat]["state"] = {"unknown": "denied", "ref": gap_ref(gap), "source": {}}
    pieces = split(model, 1)
    (with_need,) = [p for p in pieces if p["declared_needs"]]
    assert sid in with_need["services"]
    (with_gap,) = [p for p in pieces if p.get("coverage_gaps")]
    assert nat in with_gap["nat_gateways"]


def test_a_large_group_does_not_make_later_parts_larger(big: dict[str, Any]) -> None:
    """A part ends where the running total of services reaches a multiple of part_services."""
    model = copy.deepcopy(big)
    by_vpc = sorted(model["services"].values(), key=lambda s: s["name"])
    first = by_vpc[0]["network"]["subnets"]
    for svc in (by_vpc[10], by_vpc[20]):  # join the first three VPCs' groups: 30 services
        svc["network"]["subnets"] = first
    assert [len(p["services"]) for p in split(model, 25)] == [30, 20, 30, 20]


@pytest.mark.parametrize(
    ("services", "jobs", "size"),
    [
        (1, 2, 150),  # one part
        (39, 2, 150),  # below 2 x MIN_PART_SERVICES: not worth a worker
        (40, 2, 20),
        (100, 2, 50),  # 2 parts, one per core
        (500, 2, 125),  # 4 parts of 125, not 150, 150, 150 and 50
        (2000, 2, 143),  # 14 parts
        (2000, 4, 125),  # 16 parts
        (100, 2, 0),  # part_services 0 (every group its own part) is kept
    ],
)
def test_part_size_keeps_every_worker_busy(services: int, jobs: int, size: int) -> None:
    most = 0 if size == 0 else parts.PART_SERVICES
    assert parts.part_size(services, jobs, most) == size


def test_100_services_are_two_parts_on_two_workers(big: dict[str, Any]) -> None:
    assert [len(p["services"]) for p in split(big, parts.part_size(100, 2, 150))] == [50, 50]


# --- the same report -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", load_cases(), ids=lambda c: c.name)
def test_golden_case_in_parts_gives_the_whole_report(
    case: Any, regorus: RegorusEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    model = api.load([Path(p) for p in case.paths], case.options()).model
    whole = regorus.evaluate(model, DATA)
    # part_services 0: every group of linked objects is its own part, in two worker processes
    split_up = parts.evaluate(regorus, model, DATA, paths=True, jobs=2, part_services=0)
    assert report(split_up, model) == report(whole, model)


def test_fg801_gathers_services_of_several_parts(
    big: dict[str, Any], regorus: RegorusEngine
) -> None:
    """The generated VPCs all name the S3 prefix list, which is not in the inputs: one FG801
    note lists the services of every part."""
    whole = regorus.evaluate(big, DATA, paths=False)
    split_up = parts.evaluate(regorus, big, DATA, paths=False, jobs=2, part_services=10)
    assert report(split_up, big) == report(whole, big)
    (note,) = [f for f in report(split_up, big)[0] if f.resource == "prefix list pl-63a5400a"]
    named = note.message.split(" for services ")[1].split(", ")
    assert named == ["V004S05Service", "V007S09Service"]
    names = [{s["name"] for s in p["services"].values()} for p in split(big, 10)]
    assert sum(1 for part in names if part & set(named)) == 2  # one service in each of two parts


def test_one_worker_gives_what_two_give(big: dict[str, Any], regorus: RegorusEngine) -> None:
    answers = [
        parts.evaluate(regorus, big, DATA, paths=True, jobs=j, part_services=10) for j in (1, 2)
    ]
    one, two = (json.dumps(a.rules, sort_keys=True) for a in answers)
    assert one == two
    assert report(answers[0], big) == report(answers[1], big)


def test_a_threaded_process_evaluates_the_parts_itself(
    big: dict[str, Any], regorus: RegorusEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A child forked from a threaded process can hang on a lock another thread held
    # (scanner.forked.can_fork): with a second thread, the parts are evaluated here.
    def no_workers(*args: Any) -> Any:
        raise AssertionError("workers were forked")

    monkeypatch.setattr(parts, "_in_workers", no_workers)
    with pytest.raises(AssertionError, match="workers were forked"):  # one thread: workers
        parts.evaluate(regorus, big, DATA, paths=True, jobs=2, part_services=10)
    monkeypatch.setattr(forked.threading, "active_count", lambda: 2)
    threaded = parts.evaluate(regorus, big, DATA, paths=True, jobs=2, part_services=10)
    assert report(threaded, big) == report(regorus.evaluate(big, DATA), big)


def test_opa_evaluates_the_parts_on_one_server(
    big: dict[str, Any], regorus: RegorusEngine, opa_binary: str
) -> None:
    opa = OpaEngine([shipped_policy_dir()], opa_binary=opa_binary)
    started: list[object] = []
    original = opa._local_server

    def counting() -> Any:
        started.append(1)
        return original()

    opa._local_server = counting  # type: ignore[method-assign]
    split_up = parts.evaluate(opa, big, DATA, paths=True, jobs=2, part_services=20)
    assert started == [1]
    assert report(split_up, big) == report(regorus.evaluate(big, DATA), big)


def test_scan_jobs_flag_gives_the_same_json(tmp_path: Path) -> None:
    """The CLI end to end: 160 services, more than one part, in 1 or 2 processes."""
    from tests.golden.harness import run_cli

    assert parts.PART_SERVICES < 160
    written = generator().write(tmp_path, 160, 16, seed=3, layouts=("single",))
    args = ["scan", str(written["single"]), "--format", "json", "--region", "eu-west-1"]
    outs = [run_cli([*args, "--jobs", j]) for j in ("1", "2")]
    assert [o.returncode for o in outs] == [1, 1], outs[0].stderr
    assert outs[0].stdout == outs[1].stdout
    assert json.loads(outs[0].stdout)["summary"]["error"] > 0
