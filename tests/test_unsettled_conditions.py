"""CloudFormation conditions the inputs do not settle (scanner/worlds.py): what such a condition
creates is analysed both created and not created; an error or warning only one of them has is an
FG801 note at the condition, and a path row that differs is "undecided", never "ok"."""

from __future__ import annotations

import json
import os
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest
from golden.harness import ROOT, run_cli

from scanner import api
from scanner.sources.base import UnsettledCondition

FIXTURES = "tests/fixtures/cfn/unsettled-conditions"
NACL = f"{FIXTURES}/nacl.yaml"
NAT = f"{FIXTURES}/nat.yaml"
NESTED = f"{FIXTURES}/nested/parent.yaml"
TF_FG201 = "tests/fixtures/terraform/public-no-public-ip/plan.json"


def no_default(name: str) -> str:
    return f"parameter {name} has no default and no value was given (--parameter {name}=VALUE)"


def condition_note(
    condition: str, parameter: str, blocks: str, file: str, line: int
) -> dict[str, Any]:
    return {
        "rule_id": "FG801",
        "level": "note",
        "message": f"condition {condition} is not settled ({no_default(parameter)}): it blocks "
        f"{blocks} for service Service",
        "fix": f"Pass --parameter {parameter}=VALUE, the value it deploys with, so these checks "
        "can run.",
        "resource": f"condition {condition}",
        "service": "Service",
        "need": None,
        "hop": None,
        "location": {"file": file, "line": line},
        "suppressed": None,
    }


LOCKDOWN_NOTE = condition_note("IsLockdown", "Lockdown", "FG301, FG302", NACL, 11)


def scan(*args: str) -> tuple[CompletedProcess[str], dict[str, Any]]:
    result = run_cli(["scan", *args, "--format", "json"])
    assert "Traceback" not in result.stderr, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return result, report


def found(report: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    return sorted(
        (f["rule_id"], f["need"] or "", f["location"]["file"], f["location"]["line"])
        for f in report["findings"]
    )


def rows(*args: str) -> list[str]:
    """The text report's path rows (each service's lines up to its first finding)."""
    lines = run_cli(["scan", *args, "--format", "text"]).stdout.splitlines()
    return [line.strip() for line in lines[1 : lines.index("")]]


def test_a_network_acl_only_an_unsettled_condition_creates_is_a_note_not_an_error() -> None:
    result, report = scan(NACL)
    assert report["findings"] == [LOCKDOWN_NOTE]
    assert result.returncode == 0
    assert (
        f"{NACL}:11: condition IsLockdown is not settled ({no_default('Lockdown')}); LockdownAcl, "
        "LockdownAclAssoc are analysed both created and not created: what differs is an FG801 note"
    ) in result.stderr
    # Settled, the condition decides as before.
    result, report = scan(NACL, "--parameter", "Lockdown=true")
    assert found(report) == [
        (rule, need, NACL, 34) for rule in ("FG301", "FG302") for need in ("logs", "public.ecr.aws")
    ]
    assert result.returncode == 1
    result, report = scan(NACL, "--parameter", "Lockdown=false")
    assert (report["findings"], result.returncode) == ([], 0)


def test_a_path_that_differs_is_undecided() -> None:
    assert rows(NACL) == [
        "logs            via igw Igw (public IP)  undecided",
        "public.ecr.aws  via igw Igw (public IP)  undecided",
    ]


def test_a_nat_gateway_only_an_unsettled_condition_creates_is_neither_ok_nor_an_error() -> None:
    result, report = scan(NAT)
    assert found(report) == [("FG703", "", NAT, 66), ("FG801", "", NAT, 8)]
    assert report["findings"][0] == condition_note("HasNat", "NatGateway", "FG202", NAT, 8)
    assert result.returncode == 0
    assert rows(NAT) == ["public.ecr.aws  via nat Nat -> igw Igw  undecided"]
    _, report = scan(NAT, "--parameter", "NatGateway=false")
    assert found(report) == [("FG202", "public.ecr.aws", NAT, 42), ("FG703", "", NAT, 66)]


def test_what_every_way_finds_stays_an_error() -> None:
    """FG702 does not depend on the condition; nor does a Terraform plan scanned beside it."""
    result, report = scan(NACL, TF_FG201, "--parameter", "Memory=4096")
    tf_ecs = "tests/fixtures/terraform/public-no-public-ip/ecs.tf"
    assert found(report) == [
        ("FG201", "logs", tf_ecs, 36),
        ("FG201", "registry-1.docker.io", tf_ecs, 36),
        ("FG702", "", NACL, 57),
        ("FG801", "", NACL, 11),
    ]
    assert LOCKDOWN_NOTE in report["findings"]
    assert result.returncode == 1


def test_a_nested_stack_under_an_unsettled_condition() -> None:
    parent_note = condition_note("IsLockdown", "LockdownOn", "FG301, FG302", NESTED, 11)
    result, report = scan(NESTED)
    assert (report["findings"], result.returncode) == ([parent_note], 0)
    _, report = scan(NESTED, "--parameter", "LockdownOn=true")
    child = f"{FIXTURES}/nested/lockdown.yaml"
    assert found(report) == [
        (rule, need, child, 5) for rule in ("FG301", "FG302") for need in ("logs", "public.ecr.aws")
    ]


def test_a_service_that_only_a_condition_creates_keeps_its_errors() -> None:
    # Whenever the service is created it fails; the model without it has nothing to say of it
    # (before: an FG801 note, exit 0)
    result, report = scan(f"{FIXTURES}/condservice.yaml")
    assert found(report) == [
        ("FG202", need, f"{FIXTURES}/condservice.yaml", 36)
        for need in ("ecr.api", "ecr.dkr", "logs", "s3")
    ]
    assert result.returncode == 1


def test_a_rule_that_fails_either_way_stays_an_error_whatever_the_words() -> None:
    # Egress on port 80 only: through the NAT gateway FG401 names 0.0.0.0/0, through the
    # endpoints their security group; the same rule fails for the same needs either way
    # (before: an FG801 note for three of the four)
    result, report = scan(f"{FIXTURES}/egress80.yaml")
    assert found(report) == [
        ("FG401", need, f"{FIXTURES}/egress80.yaml", 77)
        for need in ("ecr.api", "ecr.dkr", "logs", "s3")
    ]
    assert result.returncode == 1


def test_conditions_made_of_the_one_taken_as_false_follow_it() -> None:
    # NatForPrivate is !And [UseNat, HasPrivate]: without UseNat's NAT gateway, NatForPrivate's
    # route to it is not built either (before: a note that the NAT gateway "is not in the
    # scanned inputs", with the fix to scan another file)
    _, report = scan(f"{FIXTURES}/andcond.yaml")
    notes = [(f["rule_id"], f["resource"], f["location"]["line"]) for f in report["findings"]]
    assert sorted(notes) == [
        ("FG801", "condition NatForPrivate", 15),
        ("FG801", "condition UseNat", 12),
    ]


def test_past_the_most_models_the_other_conditions_are_taken_together() -> None:
    conditions = [
        UnsettledCondition(f"t#C{i}", f"condition C{i}", "why", f"Parameter P{i}", {})
        for i in range(api.MAX_WORLDS + 2)
    ]
    sets = api._absent_sets(conditions)
    assert len(sets) == api.MAX_WORLDS
    assert [(absent, every) for _, absent, every in sets[:-2]] == [
        (frozenset({f"t#C{i}"}), False) for i in range(api.MAX_WORLDS - 2)
    ]
    rest, absent, every = sets[-2]
    assert (absent, every) == (
        frozenset(f"t#C{i}" for i in range(api.MAX_WORLDS - 2, api.MAX_WORLDS + 2)),
        False,
    )
    assert rest.ref == f"condition C{api.MAX_WORLDS - 2} (with 3 more conditions taken together)"
    # and one model with every condition false
    last, absent, every = sets[-1]
    assert (absent, every) == (frozenset(c.key for c in conditions), True)
    assert last.ref == f"condition C0 with {api.MAX_WORLDS + 1} more conditions (all false)"
    one, two = conditions[:2]
    assert api._absent_sets([one]) == [(one, frozenset({one.key}), False)]
    assert api._absent_sets([one, two])[-1][0].fix == (
        "Pass --parameter P0=VALUE and --parameter P1=VALUE, the values they deploy with, so "
        "these checks can run."
    )


def test_two_ways_out_each_enough_alone_are_not_ok_together() -> None:
    # A NAT gateway (UseNat) and the endpoints (UseEndpoints) are each optional: with either
    # one the service works, without both it has no path. Each condition false alone agrees
    # with the scan's model; both false does not (before: every row "ok", no note).
    either = f"{FIXTURES}/either.yaml"
    result, report = scan(either)
    assert found(report) == [("FG703", "", either, 114), ("FG801", "", either, 11)]
    note = report["findings"][0]
    assert note["resource"] == "condition UseNat with UseEndpoints (all false)"
    assert note["message"] == (
        "condition UseNat with UseEndpoints (all false) is not settled "
        f"({no_default('Nat')}; {no_default('Endpoints')}): it blocks FG202 for service Service"
    )
    assert note["fix"] == (
        "Pass --parameter Endpoints=VALUE and --parameter Nat=VALUE, the values they deploy "
        "with, so these checks can run."
    )
    assert result.returncode == 0
    assert rows(either) == [
        "ecr.api  via interface endpoint EcrApi  undecided",
        "ecr.dkr  via interface endpoint EcrDkr  undecided",
        "s3       via gateway endpoint S3        undecided",
    ]
    for nat, endpoints in (("true", "false"), ("false", "true")):
        _, report = scan(
            either, "--parameter", f"Nat={nat}", "--parameter", f"Endpoints={endpoints}"
        )
        assert found(report) == [("FG703", "", either, 114)]
    result, report = scan(either, "--parameter", "Nat=false", "--parameter", "Endpoints=false")
    assert found(report) == [
        *[("FG202", need, either, 46) for need in ("ecr.api", "ecr.dkr", "s3")],
        ("FG703", "", either, 114),
    ]
    assert result.returncode == 1


def test_only_a_scan_builds_the_other_models() -> None:
    # `export` and `debug-task` print or walk the scan's model: the models without an unsettled
    # condition's resources are built for a scan only
    loaded = api.load([ROOT / NACL], api.ScanOptions(cwd=ROOT))
    assert loaded.worlds == ()
    assert "LockdownAcl" in loaded.model["nacls"]
    scanned, _ = api._load_and_catalogue([ROOT / NACL], api.ScanOptions(cwd=ROOT))
    assert [w.condition.ref for w in scanned.worlds] == ["condition IsLockdown"]
    assert "LockdownAcl" not in scanned.worlds[0].model["nacls"]


@pytest.mark.parametrize(
    "options",
    [
        {"part_services": 1, "jobs": 2},  # each service its own part, in workers
        {"part_services": 1, "jobs": 1},  # parts in this process
        {"engine": "opa"},
    ],
)
def test_every_engine_and_part_gives_the_same_report(
    options: dict[str, Any], opa_binary: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PATH", f"{Path(opa_binary).parent}{os.pathsep}{os.environ['PATH']}")
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    paths = [Path(NACL), Path(NAT), Path("examples/isolated-vpc")]
    whole = api.scan(paths, api.ScanOptions())
    notes = {f.resource for f in whole.findings if f.rule_id == "FG801"}
    assert notes == {"condition IsLockdown", "condition HasNat"}
    other = api.scan(paths, api.ScanOptions(**options))
    assert (other.findings, other.paths) == (whole.findings, whole.paths)
