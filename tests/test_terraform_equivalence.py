"""The same network written as CloudFormation and as a Terraform plan gives the same verdicts.

Each Terraform case under tests/fixtures/terraform/ (a real plan) has a CloudFormation twin in
tests/fixtures/terraform/equivalence/: the same VPC, subnets, routes, gateways, endpoints,
security groups, roles and service. The twins write explicitly what differs between the two
sources (a Terraform security group has only the egress it declares; CloudFormation's keeps the
default rule unless egress is listed), so the deployed networks are the same. Scanning both must
give the same rule IDs (per level and need) and the same needs with the same verdicts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.api import ScanOptions, scan
from scanner.findings import Report

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "fixtures" / "terraform"
TWINS = CASES / "equivalence"

# Terraform case -> the rule IDs (with need) both must give: one healthy and one broken variant of
# each layout.
PAIRS = {
    "public-igw": set(),
    "public-no-public-ip": {("FG201", "registry-1.docker.io"), ("FG201", "logs")},
    "private-nat": set(),
    "private-nat-in-private-subnet": {
        ("FG203", "ecr.api"),
        ("FG203", "ecr.dkr"),
        ("FG203", "s3"),
        ("FG203", "logs"),
    },
    "isolated-endpoints": set(),
    "isolated-endpoint-sg-closed": {("FG402", "ecr.api"), ("FG402", "ecr.dkr"), ("FG402", "logs")},
}


@pytest.fixture(autouse=True)
def _no_region(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)


def verdicts(report: Report) -> tuple[set[tuple[str, str | None, str]], set[tuple[str, str]]]:
    """(rule ID, need, level) of every finding, and (need, verdict) of every path."""
    assert report.errors == ()
    assert len(report.services) == 1, report.services
    rules = {(f.rule_id, f.need, f.level) for f in report.findings}
    needs = {(p.need, p.verdict) for p in report.paths}
    return rules, needs


@pytest.mark.parametrize("case", sorted(PAIRS))
def test_cloudformation_twin_gives_the_same_rules_and_needs(case: str) -> None:
    options = ScanOptions(cwd=ROOT)
    terraform = verdicts(scan([CASES / case / "plan.json"], options))
    cloudformation = verdicts(scan([TWINS / f"{case}.yaml"], options))
    assert terraform == cloudformation
    assert {(rule, need) for rule, need, level in terraform[0] if level == "error"} == PAIRS[case]
    assert terraform[1], "no need was analysed"
