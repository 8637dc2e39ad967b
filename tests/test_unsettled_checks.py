"""Checks that wait for a value the inputs do not settle: an FG801 note naming the value and how
to settle it, never silence and never a guess, and the text report's row of a path such a note
blocks reads "undecided (RULE)", not "ok". From a field test: S3's AWS-managed prefix list
(pl-63a5400a, us-east-1) named by ID in a task security group's egress, and a task definition
whose OperatingSystemFamily is a parameter without default."""

from __future__ import annotations

import json
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest
from golden.harness import ROOT, run_cli

TEMPLATE = ROOT / "tests/fixtures/cfn/prefix-list-egress.yaml"
EGRESS_LINE = 58  # the egress rule that names the list (DestinationPrefixListId)
PARAMETER_LINE = 7  # OsFamily (no default)
LINUX = ("--parameter", "OsFamily=LINUX")
WINDOWS = ("--parameter", "OsFamily=WINDOWS_SERVER_2019_CORE")


def scan(template: Path, *args: str) -> tuple[CompletedProcess[str], dict[str, Any]]:
    result = run_cli(["scan", str(template), *args, "--format", "json"])
    assert "Traceback" not in result.stderr, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return result, report


def found(report: dict[str, Any]) -> list[tuple[str, str, int]]:
    return sorted((f["rule_id"], f["resource"], f["location"]["line"]) for f in report["findings"])


def rows(template: Path, *args: str) -> list[str]:
    """The text report's path rows (the service's lines up to its first blank line)."""
    lines = run_cli(["scan", str(template), *args]).stdout.splitlines()
    return [line.strip() for line in lines[1 : lines.index("")]]


def edited(tmp_path: Path, old: str, new: str) -> Path:
    text = TEMPLATE.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "t.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_an_aws_managed_prefix_list_id_is_a_note_and_leaves_its_row_undecided() -> None:
    result, report = scan(TEMPLATE, *LINUX)

    assert result.returncode == 0
    assert found(report) == [("FG801", "prefix list pl-63a5400a", EGRESS_LINE)]
    [note] = report["findings"]
    assert note["message"] == (
        "prefix list pl-63a5400a is not settled (prefix list pl-63a5400a is not in the scanned "
        "inputs, and its ID does not say whose addresses it holds: an AWS service's (S3's, "
        "DynamoDB's) or the account's own): it blocks FG401 for service Service"
    )
    # No template defines an AWS-managed list: the fix says what does settle it.
    assert note["fix"].startswith("Make sure pl-63a5400a is the destination's list")
    assert "scan the deployed account with scan-aws" in note["fix"]
    assert "allow the traffic to 0.0.0.0/0 instead" in note["fix"]
    assert "Scan the template or file that defines it" not in note["fix"]
    assert rows(TEMPLATE, *LINUX) == [
        "ecr.api  via interface endpoint EcrApi   ok",
        "ecr.dkr  via interface endpoint EcrDkr   ok",
        "logs     via interface endpoint Logs     ok",
        "s3       via gateway endpoint S3Gateway  undecided (FG401)",
    ]


def test_egress_to_0_0_0_0_settles_the_gateway_path(tmp_path: Path) -> None:
    template = edited(
        tmp_path,
        'DestinationPrefixListId: !FindInMap [S3PrefixList, !Ref "AWS::Region", Id]',
        "CidrIp: 0.0.0.0/0",
    )

    result, report = scan(template, *LINUX)

    assert (result.returncode, found(report)) == (0, [])
    assert "s3       via gateway endpoint S3Gateway  ok" in rows(template, *LINUX)


@pytest.mark.parametrize(
    ("cpu", "memory", "args", "expected"),
    [
        # Windows containers take cpu 1024, 2048 or 4096 only: 256 waits for the family.
        ("256", "512", (), [("FG801", "Parameter OsFamily", PARAMETER_LINE)]),
        ("256", "512", WINDOWS, [("FG702", "TaskDef", 133)]),
        ("256", "512", LINUX, []),
        # A size both take does not depend on it.
        ("1024", "2048", (), []),
    ],
)
def test_an_unsettled_os_family_blocks_fg702_only_where_windows_differs(
    tmp_path: Path, cpu: str, memory: str, args: tuple[str, ...], expected: list[Any]
) -> None:
    template = edited(
        tmp_path,
        'Cpu: "256"\n      Memory: "512"',
        f'Cpu: "{cpu}"\n      Memory: "{memory}"',
    )

    result, report = scan(template, *args)

    prefix_note = ("FG801", "prefix list pl-63a5400a", EGRESS_LINE)
    assert found(report) == sorted([prefix_note, *expected])
    assert result.returncode == (1 if expected and expected[0][0] == "FG702" else 0)
    if expected and expected[0][0] == "FG801":
        [note] = [f for f in report["findings"] if f["resource"] == "Parameter OsFamily"]
        assert note["message"].endswith("it blocks FG702 for service Service")
        assert note["fix"].startswith("Pass --parameter OsFamily=VALUE")
