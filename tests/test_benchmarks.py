"""The benchmark generator and runner at a tiny size, so they cannot rot (seconds, not minutes).

Checkov is never installed here: the runner only installs it with `--checkov`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from scanner import api
from tests.script_modules import script_module

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"


def _module(name: str) -> ModuleType:
    """A module of benchmarks/ under the name run.py gives it."""
    return script_module(BENCHMARKS / f"{name}.py", f"fp_bench_{name}")


generate = _module("generate")
run = _module("run")

SERVICES, VPCS = 12, 4  # every kind of VPC (nat, isolated, public, nat)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("generated")
    paths: dict[str, Path] = generate.write(out, SERVICES, VPCS, seed=1)
    return paths


def _without_sources(value: Any) -> Any:
    """Sources differ between layouts (files and lines); everything else must not. The direct
    model gives each object its one `source`, not the optional ones of a property
    (`network_mode_source`)."""
    if isinstance(value, dict):
        return {
            k: _without_sources(v)
            for k, v in value.items()
            if k != "source" and not k.endswith("_source")
        }
    if isinstance(value, list):
        return [_without_sources(v) for v in value]
    return value


@cache
def _model_of(path: Path) -> dict[str, Any]:
    loaded = api.load([path], api.ScanOptions(cwd=path))
    assert loaded.errors == ()
    return loaded.model


def _findings(model: dict[str, Any]) -> set[tuple[Any, ...]]:
    raw = api.make_engine("regorus").evaluate(model, api.engine_data())
    return {
        (f.rule_id, f.level, f.service, f.need, f.resource, f.message)
        for f in api.to_findings(raw, api.catalogue())
    }


# --- generator ------------------------------------------------------------------------------


def test_plan_spreads_services_over_vpcs_in_the_kind_cycle() -> None:
    plans = generate.plan(SERVICES, VPCS, seed=1)
    assert [p.prefix for p in plans] == ["V000", "V001", "V002", "V003"]
    assert [p.kind for p in plans] == ["nat", "isolated", "public", "nat"]
    assert [len(p.services) for p in plans] == [3, 3, 3, 3]
    assert plans[0].services[0].logical == "V000S00"
    assert generate.plan(13, 4, seed=1)[0].services[-1].logical == "V000S03"


def test_plan_refuses_fewer_services_than_vpcs() -> None:
    with pytest.raises(ValueError, match="at least one service per VPC"):
        generate.plan(2, 3, seed=1)


def test_same_seed_same_bytes_other_seed_other_inputs(tmp_path: Path) -> None:
    first = generate.write(tmp_path / "a", 20, 2, seed=7)
    second = generate.write(tmp_path / "b", 20, 2, seed=7)
    third = generate.write(tmp_path / "c", 20, 2, seed=8)
    for layout in ("single", "model"):
        a = sorted(p.read_bytes() for p in _files(first[layout]))
        assert a == sorted(p.read_bytes() for p in _files(second[layout]))
        assert a != sorted(p.read_bytes() for p in _files(third[layout]))


def _files(path: Path) -> list[Path]:
    return [path] if path.is_file() else sorted(path.rglob("*.yaml"))


def test_multi_layout_is_a_network_and_a_service_template_per_vpc(
    written: dict[str, Path],
) -> None:
    names = sorted(p.name for p in written["multi"].iterdir())
    assert names == [f"V00{i}-{kind}.yaml" for i in range(VPCS) for kind in ("network", "services")]
    text = (written["multi"] / "V001-services.yaml").read_text(encoding="utf-8")
    assert "!ImportValue V001-network:V001Vpc" in text
    assert '!Split [",", !ImportValue V001-network:TaskSubnets]' in text


def test_yaml_reads_like_cfn_lint_reads_it(written: dict[str, Path]) -> None:
    """cfn-lint's decoder is the oracle for our short-form YAML writer."""
    from cfnlint.decode import decode_str

    plans = generate.plan(SERVICES, VPCS, seed=1)
    expected = generate.to_json(generate.single_template(plans))
    text = (written["single"] / "stack.yaml").read_text(encoding="utf-8")
    decoded, matches = decode_str(text)
    assert matches == []
    assert json.loads(json.dumps(decoded)) == expected


def test_resource_counts_of_one_vpc_of_each_kind() -> None:
    plans = generate.plan(SERVICES, VPCS, seed=1)
    template = generate.single_template(plans)
    counts = Counter(
        body["Type"]
        for logical, body in template["Resources"].items()
        if logical.startswith("V001")  # the isolated VPC
    )
    assert counts["AWS::EC2::Subnet"] == 2
    assert counts["AWS::EC2::NetworkAclEntry"] == len(generate.nacl_entries(plans[1]))
    assert counts["AWS::ECS::Service"] == 3
    assert counts["AWS::IAM::Role"] == 6
    interface = generate.interface_endpoints(plans[1])
    gateway = generate.gateway_endpoints(plans[1])
    assert counts["AWS::EC2::VPCEndpoint"] == len(interface) + len(gateway)
    assert "AWS::EC2::NatGateway" not in counts and "AWS::EC2::InternetGateway" not in counts


@pytest.mark.parametrize("layout", ["single", "multi"])
def test_direct_model_is_what_the_cloudformation_source_builds(
    written: dict[str, Path], layout: str
) -> None:
    direct = json.loads(written["model"].read_text(encoding="utf-8"))
    assert _without_sources(_model_of(written[layout])) == _without_sources(direct)


def test_every_layout_gives_the_same_findings(written: dict[str, Path]) -> None:
    direct = json.loads(written["model"].read_text(encoding="utf-8"))
    single = _findings(_model_of(written["single"]))
    assert _findings(_model_of(written["multi"])) == single
    assert _findings(direct) == single

    # The planted mistakes, each found by the rule made for it (generate.py, by VPC index):
    # the last public service has no public IP (V002), the last service of NAT VPC V000 one it
    # never uses, isolated V001 lacks the S3 gateway endpoint, V003's NACL the return range.
    def services(rule: str) -> set[Any]:
        return {(service, need) for r, _, service, need, *_ in single if r == rule}

    assert {s for s, _ in services("FG201")} == {"V002S02Service"}
    assert services("FG204") == {("V000S02Service", None)}
    assert services("FG202") == {(f"V001S0{k}Service", "s3") for k in range(3)}
    assert {s for s, _ in services("FG302")} == {f"V003S0{k}Service" for k in range(3)}
    assert {r for r, *_ in single} == {"FG201", "FG202", "FG204", "FG302"}


# --- runner ---------------------------------------------------------------------------------


def test_staged_pipeline_matches_the_api(written: dict[str, Path], tmp_path: Path) -> None:
    """The runner times load and model separately; together they must be scanner.api.load."""
    inputs = written["multi"]
    results = {
        name: run.run_stage(name, tmp_path, "regorus", inputs)
        for name in ("load", "model", "evaluate", "report")
    }
    staged = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    assert staged == _model_of(inputs)
    report = json.loads((tmp_path / "report-regorus.json").read_text(encoding="utf-8"))
    expected = api.scan([inputs], api.ScanOptions(cwd=inputs))
    assert len(report["findings"]) == len(expected.findings) == results["report"]["findings"]
    assert results["load"]["files"] == 2 * VPCS
    assert results["model"]["services"] == SERVICES
    assert all(r["seconds"] > 0 for r in results.values())


def test_exponent_is_the_log_log_slope() -> None:
    assert run.exponent([(100, 1.0), (200, 2.0), (400, 4.0)]) == pytest.approx(1.0)
    assert run.exponent([(100, 1.0), (200, 4.0), (400, 16.0)]) == pytest.approx(2.0)
    assert run.exponent([(100, 1.0)]) is None


def test_runner_prints_the_table_at_a_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    cmd = [sys.executable, str(BENCHMARKS / "run.py"), "--sizes", "2,4", "--per-vpc", "2"]
    cmd += ["--layouts", "single", "--engines", "regorus", "--no-cold", "--json", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert "| services | VPCs | layout |" in done.stdout
    assert "| single | evaluate regorus CPU |" in done.stdout
    assert "| scan regorus MiB | scan regorus text s | findings |" in done.stdout
    assert "| single | scan regorus text time |" in done.stdout
    rows = json.loads(out.read_text(encoding="utf-8"))["rows"]
    assert [(r["services"], r["vpcs"], r["layout"]) for r in rows] == [
        (2, 1, "single"),
        (4, 2, "single"),
    ]
    for row in rows:
        assert set(row["stages"]) == {"load", "model", "evaluate:regorus", "report:regorus"}
        assert row["scan"]["regorus"]["seconds"] > 0
        assert row["scan"]["regorus"]["peak_mib"] > 10
        assert row["scan_text"]["seconds"] > 0
        assert row["checkov"] is None
