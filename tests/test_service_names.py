"""Services that share a name in one scan are each named by their id (scanner.model.builder
.name_apart; docs/output.md, `service`): the logical ID `Service` of a template copied per
environment, an ECS JSON service named like a template's. The others keep their names, and
ignores and baselines written for the shared name still match."""

from __future__ import annotations

import json
import shutil
import textwrap
from datetime import date
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

from golden.harness import ROOT, run_cli

from scanner.config import Ignore
from scanner.findings import Finding, Location
from scanner.suppress import apply

TWO_ENVS = "tests/fixtures/cfn/two-envs"  # field test 23: dev lacks prod's S3 gateway endpoint
DEV = f"{TWO_ENVS}/dev/service.yaml#Service"
PROD = f"{TWO_ENVS}/prod/service.yaml#Service"
DEV_ROUTE_TABLE = (f"{TWO_ENVS}/dev/network.yaml", 30)  # PrivateRouteTable, no way to s3
FG202_MESSAGE = (
    "cannot reach s3: task subnets PrivateSubnetA, PrivateSubnetB -> route table "
    "PrivateRouteTable: no default route and no s3 gateway endpoint on route table "
    "PrivateRouteTable and no s3 interface endpoint"
)


def cli(*args: str, cwd: Path = ROOT) -> CompletedProcess[str]:
    result = run_cli(args, cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def scan_json(*args: str, cwd: Path = ROOT) -> dict[str, Any]:
    result = cli("scan", "--format", "json", *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def blocks(text: str) -> dict[str, list[str]]:
    """The text report's blocks by their first line (a service's name), each with its indented
    lines (its paths, a blank line, its findings)."""
    out: dict[str, list[str]] = {}
    name = ""
    for line in text.splitlines():
        if line and not line.startswith(" "):
            name = line
            out.setdefault(name, [])
        elif line:
            out[name].append(line)
    return out


def placed(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (f["rule_id"], f["service"], f["resource"], f["location"]["file"], f["location"]["line"])
        for f in report["findings"]
    )


# --- CloudFormation: one template per environment ---------------------------------------------


def test_a_template_per_environment_is_a_service_per_environment() -> None:
    """Field test 23, D2: one `Service` block held both services' rows, and dev's FG202 closed
    prod's s3 row ("blocked (FG202)"), which works."""
    result = cli("scan", TWO_ENVS)
    assert result.returncode == 1, result.stderr
    shown = blocks(result.stdout)
    assert [name for name in shown if name.endswith("#Service")] == [DEV, PROD]
    assert "Service" not in shown
    rows = {name: [" ".join(line.split()) for line in shown[name]] for name in (DEV, PROD)}
    assert "s3 via gateway endpoint S3Endpoint ok" in rows[PROD]
    assert not any("FG" in row for row in rows[PROD])
    file, line = DEV_ROUTE_TABLE
    assert "s3 no path fail" in rows[DEV]
    assert f"error FG202 {file}:{line} service {DEV} {FG202_MESSAGE}" in rows[DEV]
    assert not any(row.startswith("s3 via") for row in rows[DEV])

    report = scan_json(TWO_ENVS)
    assert placed(report) == [("FG202", DEV, "PrivateRouteTable", file, line)]
    # a scan of one environment names its service as before
    alone = scan_json(f"{TWO_ENVS}/dev")
    assert placed(alone) == [("FG202", "Service", "PrivateRouteTable", file, line)]


def test_a_service_that_a_condition_may_leave_out_keeps_the_other_named_apart(
    tmp_path: Path,
) -> None:
    """The model without dev's service (its condition is not settled: scanner.worlds) names
    prod's service as the scan's model does, or its rows would be a third block, `Service`."""
    shutil.copytree(ROOT / TWO_ENVS, tmp_path / "envs")
    path = tmp_path / "envs" / "dev" / "service.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "Resources:\n",
        "Parameters:\n  WithService: {Type: String}\n"
        "Conditions:\n  CreateService: !Equals [!Ref WithService, 'true']\n"
        "Resources:\n",
        1,
    )
    service = "  Service:\n    Type: AWS::ECS::Service\n"
    path.write_text(text.replace(service, service + "    Condition: CreateService\n"), "utf-8")
    result = cli("scan", "envs", cwd=tmp_path)
    assert "condition CreateService is not settled" in result.stderr
    shown = blocks(result.stdout)
    dev, prod = "envs/dev/service.yaml#Service", "envs/prod/service.yaml#Service"
    assert [name for name in shown if "Service" in name] == [dev, prod]
    rows = {name: [" ".join(line.split()) for line in shown[name]] for name in (dev, prod)}
    assert f"error FG202 envs/dev/network.yaml:30 service {dev} {FG202_MESSAGE}" in rows[dev]
    assert "s3 via gateway endpoint S3Endpoint ok" in rows[prod]


def test_the_model_names_the_services_apart_and_nothing_else() -> None:
    result = cli("export", TWO_ENVS)
    assert result.returncode == 0, result.stderr
    model = json.loads(result.stdout)
    assert {sid: s["name"] for sid, s in model["services"].items()} == {DEV: DEV, PROD: PROD}
    # the task definitions keep their logical ID: a message names one with its service
    assert sorted(td["name"] for td in model["task_definitions"].values()) == [
        "TaskDefinition",
        "TaskDefinition",
    ]


def test_debug_task_still_asks_which_service_the_shared_name_means(tmp_path: Path) -> None:
    result = cli("debug-task", "Service", TWO_ENVS)
    assert result.returncode == 2
    assert f"2 services are named Service: give one of their ids: {DEV}, {PROD}" in result.stderr
    result = cli("debug-task", PROD, TWO_ENVS, "--format", "json", "--output-dir", str(tmp_path))
    runbook = json.loads(result.stdout)
    assert runbook["service"] == PROD


# --- ECS JSON and CloudFormation ----------------------------------------------------------------

ECS_SERVICE = {
    "serviceName": "Service",
    "taskDefinition": "TaskDefinition",
    "launchType": "FARGATE",
    "networkConfiguration": {
        "awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"]}
    },
}
ECS_TASK_DEFINITION = {
    "family": "TaskDefinition",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [{"name": "app", "image": "public.ecr.aws/nginx/nginx:1"}],
}


def ecs_files(folder: Path) -> None:
    (folder / "svc.json").write_text(json.dumps(ECS_SERVICE, indent=1), encoding="utf-8")
    (folder / "td.json").write_text(json.dumps(ECS_TASK_DEFINITION, indent=1), encoding="utf-8")


def test_an_ecs_json_service_named_like_a_templates_is_another_service(tmp_path: Path) -> None:
    """The ECS JSON service `Service` and its family `TaskDefinition` had the ids of the
    example's service and task definition, and took their place in the model: the example's
    FG202 was gone. They are qualified by their file now."""
    shutil.copytree(ROOT / "examples" / "isolated-vpc", tmp_path / "stack")
    ecs_files(tmp_path)
    model = json.loads(cli("export", ".", "--region", "us-east-1", cwd=tmp_path).stdout)
    assert {sid: s["name"] for sid, s in model["services"].items()} == {
        "Service": "Service",
        "svc.json#Service": "svc.json#Service",
    }
    assert model["services"]["Service"]["source"]["file"] == "stack/service.yaml"
    assert sorted(model["task_definitions"]) == ["TaskDefinition", "td.json#TaskDefinition"]
    assert model["services"]["svc.json#Service"]["task_definition"] == "td.json#TaskDefinition"
    assert model["services"]["Service"]["task_definition"] == "TaskDefinition"

    report = scan_json(".", "--region", "us-east-1", cwd=tmp_path)
    assert ("FG202", "Service", "PrivateRouteTable", "stack/network.yaml", 28) in placed(report)
    # the ECS service's subnet and group are not in the inputs: its notes name it by file
    ecs = {f["service"] for f in report["findings"] if f["location"]["file"] == "svc.json"}
    assert ecs == {"svc.json#Service"}


def test_ecs_json_and_two_templates_name_all_three_apart(tmp_path: Path) -> None:
    shutil.copytree(ROOT / TWO_ENVS, tmp_path / "envs")
    ecs_files(tmp_path)
    model = json.loads(cli("export", ".", "--region", "us-east-1", cwd=tmp_path).stdout)
    assert sorted(s["name"] for s in model["services"].values()) == [
        "envs/dev/service.yaml#Service",
        "envs/prod/service.yaml#Service",
        "svc.json#Service",
    ]


# --- ignores and baselines ------------------------------------------------------------------------

# `fargate-preflight scan --format json` reports written at aedf844, before services were named
# apart: of the example alone, and of both environments (where dev's service was "Service").
BEFORE_EXAMPLE = {
    "rule_id": "FG202",
    "level": "error",
    "message": f"service Service {FG202_MESSAGE}",
    "fix": "Add an s3 gateway endpoint, or a NAT gateway.",
    "resource": "PrivateRouteTable",
    "service": "Service",
    "need": "s3",
    "hop": {
        "from": "subnet PrivateSubnetA",
        "via": "route table PrivateRouteTable",
        "to": "no default route",
        "detail": "no s3 gateway endpoint on route table PrivateRouteTable and no s3 interface "
        "endpoint",
    },
    "location": {"file": "examples/isolated-vpc/network.yaml", "line": 28},
    "suppressed": None,
}
BEFORE_TWO_ENVS = BEFORE_EXAMPLE | {"location": {"file": DEV_ROUTE_TABLE[0], "line": 30}}


def baseline(tmp_path: Path, finding: dict[str, Any]) -> Path:
    path = tmp_path / "baseline.json"
    report = {
        "model_version": 1,
        "tool": {"name": "fargate-preflight", "version": "0.1.0"},
        "findings": [finding],
        "errors": [],
        "summary": {"error": 1, "warning": 0, "note": 0},
    }
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return path


def test_a_baseline_made_before_matches_a_scan_without_shared_names(tmp_path: Path) -> None:
    made = baseline(tmp_path, BEFORE_EXAMPLE)
    result = cli("scan", "examples/isolated-vpc", "--format", "json", "--baseline", str(made))
    assert result.returncode == 0, result.stderr
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding | {"suppressed": None} == BEFORE_EXAMPLE
    assert finding["suppressed"] == {"kind": "baseline", "reason": f"in the baseline {made}"}


def test_a_baseline_made_before_still_matches_a_renamed_service(tmp_path: Path) -> None:
    made = baseline(tmp_path, BEFORE_TWO_ENVS)
    result = cli("scan", TWO_ENVS, "--format", "json", "--baseline", str(made))
    assert result.returncode == 0, result.stderr
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["service"] == DEV
    assert finding["suppressed"] == {"kind": "baseline", "reason": f"in the baseline {made}"}


def test_ignores_of_the_logical_id_still_match_a_renamed_service(tmp_path: Path) -> None:
    """FG404's resource is the service (its name): an inline ignore names its logical ID, a
    config ignore may too."""
    (tmp_path / ".git").mkdir()
    shutil.copytree(ROOT / TWO_ENVS, tmp_path / "envs")
    for env in ("dev", "prod"):
        path = tmp_path / "envs" / env / "service.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("          SecurityGroups: [!Ref ServiceSecurityGroup]\n", ""), "utf-8"
        )
    path = tmp_path / "envs" / "dev" / "service.yaml"
    metadata = textwrap.indent(
        "Metadata:\n  fargate-preflight:\n    ignore:\n      - {id: FG404, reason: dev}\n", "    "
    )
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  Service:\n", "  Service:\n" + metadata, 1), "utf-8")
    report = scan_json("envs", cwd=tmp_path)
    fg404 = {f["service"]: f for f in report["findings"] if f["rule_id"] == "FG404"}
    assert sorted(fg404) == ["envs/dev/service.yaml#Service", "envs/prod/service.yaml#Service"]
    assert fg404["envs/dev/service.yaml#Service"]["resource"] == "envs/dev/service.yaml#Service"
    assert fg404["envs/dev/service.yaml#Service"]["suppressed"] == {
        "kind": "inSource",
        "reason": "dev",
    }
    assert fg404["envs/prod/service.yaml#Service"]["suppressed"] is None

    (tmp_path / ".fargate-preflight.yaml").write_text(
        "ignore:\n  - {id: FG404, resources: [Service], reason: both}\n", encoding="utf-8"
    )
    report = scan_json("envs", cwd=tmp_path)
    kinds = {
        f["service"]: f["suppressed"]["kind"] for f in report["findings"] if f["rule_id"] == "FG404"
    }
    assert kinds == {
        "envs/dev/service.yaml#Service": "inSource",
        "envs/prod/service.yaml#Service": "config",
    }


def test_only_a_renamed_service_is_matched_by_the_name_it_had() -> None:
    def fg404(service: str, file: str) -> Finding:
        return Finding("FG404", "note", "m", "f", service, service, None, None, Location(file, 5))

    ignore = Ignore("FG404", "dev", kind="config", file="c.yaml", line=1, resources=("Service",))
    found = [fg404("dev/s.yaml#Service", "dev/s.yaml"), fg404("ecs.json#Service", "ecs.json")]
    out, _ = apply(
        found, [ignore], None, frozenset(), date(2024, 1, 1), {"dev/s.yaml#Service": "Service"}
    )
    assert [f.suppressed is not None for f in out] == [True, False]
    out, _ = apply(found, [ignore], None, frozenset(), date(2024, 1, 1))
    assert [f.suppressed is not None for f in out] == [False, False]
