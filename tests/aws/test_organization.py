"""An Organization with two member accounts, scanned with --org-role: whole, and in two shards
merged back (JSON and SARIF), with the same findings."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_accounts import build_account
from click.testing import CliRunner
from fault_proxy import Faults, fault_proxy
from moto_server import MEMBER_ROLE, clients_at

from scanner.cli import main

REGION = "us-west-2"


@pytest.fixture(scope="module")
def members(moto_url: str) -> list[str]:
    with clients_at(moto_url):
        org = boto3.client("organizations", region_name="us-east-1")
        org.create_organization(FeatureSet="ALL")
        ids = []
        for name in ("payments", "search"):
            status = org.create_account(AccountName=name, Email=f"{name}@example.com")
            ids.append(status["CreateAccountStatus"]["AccountId"])
        sts = boto3.client("sts", region_name=REGION)
        for account in ids:
            role = f"arn:aws:iam::{account}:role/{MEMBER_ROLE}"
            creds = sts.assume_role(RoleArn=role, RoleSessionName="setup")["Credentials"]
            build_account(
                REGION,
                cluster=f"apps-{account[-4:]}",
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
        return sorted(ids)


def scan(tmp_path: Path, name: str, *extra: str) -> tuple[int, dict[str, Any], dict[str, Any]]:
    json_file, sarif_file = tmp_path / f"{name}.json", tmp_path / f"{name}.sarif"
    done = CliRunner().invoke(
        main,
        [
            "scan-aws",
            "--org-role",
            MEMBER_ROLE,
            "--region",
            REGION,
            "--format",
            f"json={json_file}",
            "--format",
            f"sarif={sarif_file}",
            *extra,
        ],
        catch_exceptions=False,
    )
    return (
        done.exit_code,
        json.loads(json_file.read_text(encoding="utf-8")),
        json.loads(sarif_file.read_text(encoding="utf-8")),
    )


def accounts_in(report: dict[str, Any]) -> set[str]:
    return {f["service"].split(":")[4] for f in report["findings"]}


def test_org_scan_whole_and_sharded(members: list[str], aws_env: Any, tmp_path: Path) -> None:
    code, whole, whole_sarif = scan(tmp_path, "whole")
    assert code == 1
    assert accounts_in(whole) == set(members)
    per_account = {
        a: sorted(
            (f["rule_id"], f["service"].split(":", 5)[5].split("/", 2)[2], f["need"])
            for f in whole["findings"]
            if f["service"].split(":")[4] == a
        )
        for a in members
    }
    for account in members:  # the same three services, the same findings, in each member
        assert [r for r, _, _ in per_account[account]].count("FG203") == 5
        assert [r for r, _, _ in per_account[account]].count("FG402") == 4
        assert {s for _, s, _ in per_account[account]} == {"broken-nat", "endpoint-sg"}
    locations = {f["location"]["file"].split("/")[2] for f in whole["findings"]}
    assert locations == set(members)

    shards = [scan(tmp_path, f"shard{i}", "--shard", f"{i}/2") for i in (1, 2)]
    seen = [accounts_in(report) for _, report, _ in shards]
    assert seen[0].isdisjoint(seen[1]) and seen[0] | seen[1] == set(members)

    runner = CliRunner()
    merged = runner.invoke(main, ["merge", *(str(tmp_path / f"shard{i}.json") for i in (1, 2))])
    assert merged.exit_code == 0, merged.output
    merged_report = json.loads(merged.stdout)
    assert merged_report == whole

    out = tmp_path / "all.sarif"
    done = runner.invoke(
        main, ["merge", *(str(tmp_path / f"shard{i}.sarif") for i in (1, 2)), "-o", str(out)]
    )
    assert done.exit_code == 0, done.output
    merged_sarif = json.loads(out.read_text(encoding="utf-8"))
    (run,), (whole_run,) = merged_sarif["runs"], whole_sarif["runs"]
    assert run["results"] == whole_run["results"]
    assert run["tool"] == whole_run["tool"]
    assert run["automationDetails"] == whole_run["automationDetails"]
    # The SARIF shards read back to the same aws:// locations as the JSON report.
    as_json = runner.invoke(
        main, ["merge", *(str(tmp_path / f"shard{i}.sarif") for i in (1, 2)), "--format", "json"]
    )
    assert json.loads(as_json.stdout)["findings"] == whole["findings"]


def test_merging_the_same_shard_twice_keeps_each_finding_once(
    members: list[str], aws_env: Any, tmp_path: Path
) -> None:
    _, report, _ = scan(tmp_path, "one", "--shard", "1/2")
    path = str(tmp_path / "one.json")
    merged = CliRunner().invoke(main, ["merge", path, path, "--format", "json"])
    assert json.loads(merged.stdout) == report


def test_account_scans_only_the_accounts_named(
    members: list[str], aws_env: Any, tmp_path: Path
) -> None:
    code, report, _ = scan(tmp_path, "one", "--account", members[1])
    assert code == 1
    assert accounts_in(report) == {members[1]}
    # with shards too: the named accounts are what the shards split
    _, first, _ = scan(tmp_path, "first", "--account", members[0], "--shard", "1/2")
    _, second, _ = scan(tmp_path, "second", "--account", members[0], "--shard", "2/2")
    assert (accounts_in(first), accounts_in(second)) == ({members[0]}, set())


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--org-role", MEMBER_ROLE, "--account", "999999999999"],
            "--account 999999999999: not an ACTIVE account of the Organization",
        ),
        (["--account", "123456789012"], "--account chooses accounts of the Organization"),
        (["--org-role", MEMBER_ROLE, "--account", "12345"], "an account ID is 12 digits"),
    ],
)
def test_a_wrong_account_is_a_usage_error(
    members: list[str], aws_env: Any, flags: list[str], message: str
) -> None:
    done = CliRunner().invoke(main, ["scan-aws", "--region", REGION, *flags])
    assert done.exit_code == 2, done.output
    assert message in done.output


@pytest.mark.parametrize(
    ("service", "operation"),
    [
        ("ec2", "DescribeSubnets"),
        ("sts", "AssumeRole"),
        ("iam", "GetRole"),
        ("ecs", "ListClusters"),
    ],
)
def test_an_html_page_instead_of_an_answer_is_a_gap(
    members: list[str],
    moto_url: str,
    aws_env: Any,
    monkeypatch: Any,
    tmp_path: Path,
    service: str,
    operation: str,
) -> None:
    # An egress proxy's HTML block page (403) on one call. botocore cannot parse it for the XML
    # APIs (ec2, iam, sts) and raises ResponseParserError, which is not a BotoCoreError: the
    # scan crashed with a traceback, exit 1 and no report. It is that call's gap, as the same
    # page already was for a JSON API (ecs), and the other accounts are scanned whole.
    faults = Faults(block=Counter({(service, operation): 1}))
    with fault_proxy(moto_url, faults) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        code, report, _ = scan(tmp_path, "blocked")
    assert code == 1
    assert faults.block[(service, operation)] == 0  # the page was served
    api = f"{service}:{operation}"
    (gap,) = [f for f in report["findings"] if f["resource"].startswith(f"{api} in account ")]
    account = gap["resource"].split()[3]
    assert gap["location"]["file"].startswith(f"aws://{account}/")
    error = "403" if service == "ecs" else "ResponseParserError: Unable to parse response"
    assert (
        f"{api} failed ({error}" in gap["message"]
        or f"could not be read ({error}" in (gap["message"])
    )
    assert "<!DOCTYPE html><html><head><meta charset=utf-8><title>Access Denied" in gap["message"]
    # What the failed call would have told is its gap's, never "not in the scanned inputs"
    # (DescribeSubnets: the subnets, and the security groups of their VPCs).
    assert [f["message"] for f in report["findings"] if "scanned inputs" in f["message"]] == []
    for other in set(members) - {account}:
        rules = [f["rule_id"] for f in report["findings"] if f"//{other}/" in f["location"]["file"]]
        assert (rules.count("FG203"), rules.count("FG402")) == (5, 4)
