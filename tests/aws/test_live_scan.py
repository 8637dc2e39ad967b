"""scan-aws / export-aws against moto's server: exact findings, locations, model and exit codes."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_accounts import EXECUTION_POLICY, Built, build_account, restrictive
from click.testing import CliRunner
from moto_server import clients_at

from scanner.cli import main

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def built(moto_url: str) -> Built:
    with clients_at(moto_url):
        return build_account(REGION, isolated=True)


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def tail(arn: str) -> str:
    return arn.split(":", 5)[5]


def test_scan_aws_gives_exactly_the_expected_findings(built: Built, aws_env: Any) -> None:
    done = run("scan-aws", "--region", REGION, "--format", "json")
    assert done.exit_code == 1, done.output
    report = json.loads(done.stdout)
    got = sorted(
        (f["rule_id"], tail(f["service"]), f["need"], tail(f["resource"]), f["location"]["file"])
        for f in report["findings"]
    )
    account = built.account
    rt, sg = built.route_tables, built.groups["endpoints"]

    def where(kind: str, ident: str) -> str:
        return f"aws://{account}/{REGION}/ec2/{kind}/{ident}"

    expected = sorted(
        [
            (
                "FG203",
                "service/apps/broken-nat",
                need,
                f"route-table/{rt['broken-nat']}",
                where("route-table", rt["broken-nat"]),
            )
            for need in ("ecr.api", "ecr.dkr", "logs", "s3", "sqs")
        ]
        + [
            (
                "FG402",
                "service/apps/endpoint-sg",
                need,
                f"security-group/{sg}",
                where("security-group", sg),
            )
            for need in ("ecr.api", "ecr.dkr", "logs", "sqs")
        ]
        + [
            (
                "FG202",
                "service/apps/isolated",
                need,
                f"route-table/{rt['isolated']}",
                where("route-table", rt["isolated"]),
            )
            for need in ("ecr.api", "ecr.dkr", "logs", "s3", "sqs")
        ]
    )
    assert got == expected
    assert report["summary"] == {"error": 14, "warning": 0, "note": 0}
    broken = next(f for f in report["findings"] if f["rule_id"] == "FG203")
    nat = built.nats["broken-nat"]
    assert f"natgateway/{nat} is deleted" in broken["hop"]["detail"]
    assert all("service/apps/healthy" not in f["service"] for f in report["findings"])


def test_the_closing_note_counts_api_calls_per_service(built: Built, aws_env: Any) -> None:
    done = run("scan-aws", "--region", REGION, "--format", "json", "--cluster", "apps")
    notes = [line for line in done.stderr.splitlines() if line.startswith("notice: ")]
    assert notes == [
        "notice: read 1 account-region(s), 0 coverage gap(s); "
        "API calls: ec2 16, ecs 6, events 2, iam 9, scheduler 1, stepfunctions 1, sts 1 (36 in all)"
    ]
    quiet = run("scan-aws", "--region", REGION, "--format", "json", "--quiet")
    assert quiet.stderr == ""


def test_export_aws_model(built: Built, aws_env: Any) -> None:
    done = run("export-aws", "--region", REGION)
    assert done.exit_code == 0, done.output
    assert "hunter2-secret-value" not in done.stdout  # env values never enter the model
    (model,) = json.loads(done.stdout)["models"]
    assert model["region"] == REGION and model["coverage_gaps"] == []
    account = built.account
    healthy = model["services"][built.services["healthy"]]
    assert healthy["name"] == built.services["healthy"]
    assert healthy["source"] == {
        "file": f"aws://{account}/{REGION}/ecs/service/apps/healthy",
        "line": 1,
        "pointer": "",
    }
    assert healthy["platform_version"] == "1.4.0"
    assert healthy["network"] == {
        "subnets": [built.subnets["healthy"]],
        "security_groups": [built.groups["nat-tasks"]],
        "assign_public_ip": "DISABLED",
    }
    (definition,) = model["task_definitions"].values()
    assert definition["containers"][0]["environment_names"] == ["DB_PASSWORD"]
    execution = definition["execution_role"]
    assert execution == f"arn:aws:iam::{account}:role/exec-{REGION}"
    assert model["roles"][execution]["managed_policy_arns"] == [EXECUTION_POLICY]
    document = model["managed_policies"][EXECUTION_POLICY]["document"]
    assert "ecr:GetAuthorizationToken" in json.dumps(document)
    task_role = model["roles"][definition["task_role"]]
    assert [p["name"] for p in task_role["inline_policies"]] == ["read-queue"]
    assert task_role["trust_policy"]["Statement"][0]["Principal"] == {
        "Service": "ecs-tasks.amazonaws.com"
    }
    (cluster,) = model["clusters"].values()
    assert cluster["execute_command_configuration"] == {"logging": "DEFAULT"}
    assert model["nat_gateways"][built.nats["broken-nat"]]["state"] == "deleted"
    assert model["nat_gateways"][built.nats["healthy"]]["state"] == "available"
    s3 = model["vpc_endpoints"][built.endpoints["s3"]]
    assert s3["policy"] == restrictive(REGION) and s3["type"] == "Gateway"
    assert s3["route_tables"] == [built.route_tables["endpoint-sg"]]
    # The gateway endpoint's prefix list, from its route: an AWS-managed list with its service.
    prefix_list = model["prefix_lists"][s3["prefix_list"]]
    assert (prefix_list["service"], prefix_list["region"]) == ("s3", REGION)
    ecr = model["vpc_endpoints"][built.endpoints["ecr.api"]]
    assert (ecr["service"], ecr["service_region"], ecr["private_dns"]) == ("ecr.api", REGION, True)
    vpc = model["vpcs"][built.vpcs["nat"]]
    assert (vpc["enable_dns_support"], vpc["enable_dns_hostnames"]) == (True, True)
    # The NAT gateways' internet gateway, with the VPC its attachment names: a path through it
    # works only for that VPC.
    public_routes = model["route_tables"][built.route_tables["public"]]["routes"]
    (igw,) = [r["target"] for r in public_routes if r["target_type"] == "igw"]
    assert model["internet_gateways"][igw]["vpc"] == built.vpcs["nat"]
    subnet = model["subnets"][built.subnets["broken-nat"]]
    assert subnet["route_table"] == built.route_tables["broken-nat"]
    routes = model["route_tables"][built.route_tables["broken-nat"]]["routes"]
    assert [(r["destination"], r["target_type"], r["state"]) for r in routes] == [
        ("10.0.0.0/16", "local", "active"),
        ("0.0.0.0/0", "nat", "active"),
    ]


def test_cluster_filter_and_missing_region(built: Built, aws_env: Any) -> None:
    done = run("export-aws", "--region", REGION, "--cluster", built.cluster)
    (model,) = json.loads(done.stdout)["models"]
    assert sorted(model["services"]) == sorted(built.services.values())
    done = run("scan-aws")
    assert done.exit_code == 2
    assert "no region: pass --region R" in done.stderr
    done = run("scan-aws", "--region", REGION, "--shard", "3/2")
    assert done.exit_code == 2
    assert "--shard '3/2': expected I/N" in done.stderr


def test_sarif_of_a_live_scan_is_valid_and_tracks_resources(built: Built, aws_env: Any) -> None:
    from jsonschema import Draft4Validator

    schema_file = Path(__file__).resolve().parents[1] / "schemas" / "sarif-schema-2.1.0.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    done = run("scan-aws", "--region", REGION, "--format", "sarif", "--category", "live")
    assert done.exit_code == 1
    sarif = json.loads(done.stdout)
    assert list(Draft4Validator(schema).iter_errors(sarif)) == []
    (run_,) = sarif["runs"]
    assert run_["automationDetails"] == {"id": "live/"}
    sg = built.groups["endpoints"]
    where = next(
        r["locations"][0]
        for r in run_["results"]
        if r["properties"]["resource"].endswith(f"security-group/{sg}")
    )
    # Code scanning rejects an absolute URI of another scheme than the checkout's (file), so
    # the artifact is a path under %SRCROOT%; the aws:// URI is the logical location.
    assert where["physicalLocation"]["artifactLocation"] == {
        "uri": f"aws/{built.account}/{REGION}/ec2/security-group/{sg}",
        "uriBaseId": "%SRCROOT%",
    }
    assert where["logicalLocations"] == [
        {
            "fullyQualifiedName": f"aws://{built.account}/{REGION}/ec2/security-group/{sg}",
            "kind": "resource",
        }
    ]
    for result in run_["results"]:
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact["uri"].startswith(f"aws/{built.account}/")
        assert len(result["partialFingerprints"]["primaryLocationLineHash"]) == 64
    again = run("scan-aws", "--region", REGION, "--format", "sarif", "--category", "live")
    assert [r["partialFingerprints"] for r in json.loads(again.stdout)["runs"][0]["results"]] == [
        r["partialFingerprints"] for r in run_["results"]
    ]


def test_all_regions_reads_every_enabled_region(built: Built, aws_env: Any) -> None:
    import boto3

    regions = sorted(
        r["RegionName"]
        for r in boto3.client("ec2", region_name=REGION).describe_regions()["Regions"]
    )
    done = run("export-aws", "--all-regions", "--cluster", "apps", "--quiet")
    assert done.exit_code == 0, done.output
    models = json.loads(done.stdout)["models"]
    assert [m["region"] for m in models] == regions
    (here,) = [m for m in models if m["region"] == REGION]
    assert sorted(here["services"]) == sorted(built.services.values())
    done = run("export-aws", "--all-regions", "--region", REGION)
    assert done.exit_code == 2 and "give --region or --all-regions, not both" in done.stderr


def test_text_report_of_a_live_scan(built: Built, aws_env: Any) -> None:
    done = run("scan-aws", "--region", REGION, "--quiet")
    assert done.exit_code == 1
    healthy = built.services["healthy"]
    assert f"{healthy}\n" in done.stdout  # grouped by service, ok paths shown
    assert done.stdout.count("error   FG203 ") == 5
    assert done.stdout.rstrip().endswith("14 errors, 0 warnings, 0 notes")


def test_progress_bar_only_on_a_terminal_and_not_quiet(
    built: Built, aws_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scanner.cli import _export_live
    from scanner.sources.aws.export import LiveOptions

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    live = LiveOptions(regions=(REGION,), clusters=("apps",))
    for quiet, tty, drawn in ((False, True, True), (True, True, False), (False, False, False)):
        stderr = Terminal() if tty else io.StringIO()
        monkeypatch.setattr(sys, "stderr", stderr)
        exported = _export_live(live, quiet)
        assert len(exported.models) == 1
        assert ("reading AWS" in stderr.getvalue()) is drawn


def test_an_endpoint_that_does_not_answer_is_not_called_a_credentials_problem(
    aws_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto_server import free_port

    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    done = run("scan-aws", "--region", REGION)
    assert done.exit_code == 2
    assert "cannot reach AWS STS: Could not connect to the endpoint URL" in done.stderr


def test_a_region_botocore_does_not_know_gets_a_notice(built: Built, aws_env: Any) -> None:
    done = run("export-aws", "--region", REGION, "--region", "eu-wset-1")
    assert "notice: region eu-wset-1 is not one that this botocore knows: is it misspelt?" in (
        done.stderr
    )
    assert f"region {REGION} is not" not in done.stderr


def write_needs(directory: Path, built: Built) -> None:
    """A configuration whose `needs` name live services by ARN and by name, and one key that
    names nothing."""
    endpoint_sg = built.services["endpoint-sg"]
    (directory / ".fargate-preflight.yaml").write_text(
        "needs:\n"
        f"  {endpoint_sg}:\n"
        "    - service: sns\n"
        "  isolated:\n"
        "    - service: sns\n"
        "  NoSuchService:\n"
        "    - service: sqs\n",
        encoding="utf-8",
    )


def test_declared_needs_apply_to_live_services(
    built: Built, aws_env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before, a live scan ignored the configuration's `needs`: no finding, no error, exit 1.
    write_needs(tmp_path, built)
    monkeypatch.chdir(tmp_path)
    done = run("scan-aws", "--region", REGION, "--format", "json")
    assert done.exit_code == 2, done.output
    message = (
        "needs: no service of the scanned accounts and regions is named 'NoSuchService' "
        "(give its ARN, name or task-definition family)"
    )
    assert f"error: .fargate-preflight.yaml:6: {message}" in done.stderr
    report = json.loads(done.stdout)
    assert report["errors"] == [{"file": ".fargate-preflight.yaml", "line": 6, "message": message}]
    sns = sorted(
        (f["rule_id"], tail(f["service"]), tail(f["resource"]), f["location"]["file"])
        for f in report["findings"]
        if f["need"] == "sns"
    )
    rt = built.route_tables
    assert sns == [
        (
            "FG202",
            f"service/apps/{name}",
            f"route-table/{rt[name]}",
            f"aws://{built.account}/{REGION}/ec2/route-table/{rt[name]}",
        )
        for name in ("endpoint-sg", "isolated")
    ]
    assert report["summary"] == {"error": 16, "warning": 0, "note": 0}
    # export-aws shows them in the model, and the same error.
    exported = run("export-aws", "--region", REGION)
    assert exported.exit_code == 2
    assert f"error: .fargate-preflight.yaml:6: {message}" in exported.stderr
    (model,) = json.loads(exported.stdout)["models"]
    assert [
        (n["service"], n["endpoint"], n["source"]["line"]) for n in model["declared_needs"]
    ] == [(built.services["endpoint-sg"], "sns", 3), (built.services["isolated"], "sns", 5)]


def test_config_names_the_configuration_of_a_live_scan(
    built: Built, aws_env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: scan-aws and export-aws had no --config, so a configuration that is not found from
    # the working directory (a scheduled job's, say) was never read.
    (tmp_path / ".git").mkdir()
    for folder in ("ci", "sub"):
        (tmp_path / folder).mkdir()
    write_needs(tmp_path / "ci", built)
    monkeypatch.chdir(tmp_path / "sub")
    message = (
        "needs: no service of the scanned accounts and regions is named 'NoSuchService' "
        "(give its ARN, name or task-definition family)"
    )
    for command in ("scan-aws", "export-aws"):
        done = run(command, "--region", REGION, "--config", "../ci/.fargate-preflight.yaml")
        assert done.exit_code == 2, done.output
        # (the text report prints it on stdout, export-aws on stderr)
        assert f"error: ci/.fargate-preflight.yaml:6: {message}" in done.output


def test_a_needs_key_this_scan_may_not_have_read_is_a_notice(
    built: Built, aws_env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A key that names a service of another region, shard or cluster is not a typo: one
    # configuration serves every partial scan.
    elsewhere = built.services["isolated"].replace(REGION, "us-west-2")
    (tmp_path / ".fargate-preflight.yaml").write_text(
        f"needs:\n  {elsewhere}:\n    - service: sns\n  NoSuchService:\n    - service: sqs\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    done = run("scan-aws", "--region", REGION, "--format", "json", "--cluster", "apps")
    assert done.exit_code == 1, done.output
    assert json.loads(done.stdout)["errors"] == []
    notices = [line for line in done.stderr.splitlines() if "needs:" in line]
    assert notices == [
        f"notice: .fargate-preflight.yaml:2: needs: no service read is named {elsewhere!r} "
        f"(account {built.account} region us-west-2 was not read); its needs are not checked",
        "notice: .fargate-preflight.yaml:4: needs: no service read is named 'NoSuchService' "
        "(--cluster: it may run on another cluster); its needs are not checked",
    ]


def test_a_cluster_that_is_not_there_is_a_usage_error(built: Built, aws_env: Any) -> None:
    # Before: 0 errors and exit 0, so a CI job that scanned nothing passed.
    wrong = (
        "--cluster no-such-cluster: no ECS cluster of that name or ARN in the 1 "
        "account-region(s) read"
    )
    for command in ("scan-aws", "export-aws"):
        done = run(command, "--region", REGION, "--cluster", "no-such-cluster")
        assert done.exit_code == 2, done.output
        assert done.stdout == ""
        assert done.stderr == f"fargate-preflight: {wrong}\n"
    # One of several that names nothing is one too.
    done = run("scan-aws", "--region", REGION, "--cluster", "apps", "--cluster", "no-such-cluster")
    assert (done.exit_code, done.stderr) == (2, f"fargate-preflight: {wrong}\n")
    # With --shard, another shard may read it: a notice. (Shard 2 of 2 is us-west-2 alone.)
    done = run(
        "export-aws",
        "--region",
        REGION,
        "--region",
        "us-west-2",
        "--shard",
        "2/2",
        "--cluster",
        "apps",
    )
    assert done.exit_code == 0, done.output
    assert [m["region"] for m in json.loads(done.stdout)["models"]] == ["us-west-2"]
    assert (
        "notice: --cluster apps: no ECS cluster of that name or ARN in the 1 account-region(s) "
        "read (--shard 2/2: another shard may read it)\n"
    ) in done.stderr
