"""The command-line contract (README.md "Usage", docs/output.md), through the real CLI.

Every run goes through `python -m scanner` with the repository as working directory and no
AWS_REGION (tests/golden/harness.py), and no run may print a traceback.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest
from click.testing import CliRunner
from golden.harness import ROOT, case, cli_env, run_cli, run_python
from jsonschema import Draft4Validator

EXAMPLE = "examples/isolated-vpc"  # FG202 for s3: no gateway endpoint, no NAT
EXAMPLE_FILE = "examples/isolated-vpc/network.yaml"
EXAMPLE_LINE = 28  # the private route table that lacks the s3 gateway endpoint
CLEAN = "tests/fixtures/corpus/groups/public-facing-web"  # no finding at all
NOTE_ONLY = "tests/fixtures/seed/aws-cli-debug-task-definition.json"  # FG703
ISOLATED = "tests/fixtures/corpus/groups/isolated-vpc"
ISOLATED_PARENT = f"{ISOLATED}/parent.yml"
PRIVATE_ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-service:1"
SARIF_SCHEMA = ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json"
RULE_FOLDERS = ROOT / "policies" / "rules"

BROKEN_YAML = textwrap.dedent(
    """\
    AWSTemplateFormatVersion: "2010-09-09"
    Resources:
      Bucket:
        Type: AWS::S3::Bucket
        Properties: {BucketName: [unclosed
      Other:
        Type: AWS::S3::Bucket
    """
)
BROKEN_YAML_LINE = 6  # where PyYAML finds the unclosed flow sequence
DOCKER_COMPOSE = "services:\n  web:\n    image: nginx\n    ports: ['80:80']\n"
K8S_POD = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      containers:
        - name: web
          image: nginx
    """
)


def cli(*args: str, cwd: Path = ROOT) -> CompletedProcess[str]:
    result = run_cli(args, cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout
    return result


def report_of(result: CompletedProcess[str]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def rules_and_needs(report: dict[str, Any]) -> list[tuple[str, str | None]]:
    return sorted((f["rule_id"], f["need"]) for f in report["findings"])


@cache
def sarif_validator() -> Draft4Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def valid_sarif(text: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(text)
    errors = sorted(sarif_validator().iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    return document


# --- exit codes ----------------------------------------------------------------------------


def test_exit_0_when_nothing_is_found() -> None:
    result = cli("scan", CLEAN)
    assert result.returncode == 0
    assert result.stdout.endswith("0 errors, 0 warnings, 0 notes\n")


def test_exit_1_on_an_error_finding() -> None:
    result = cli("scan", EXAMPLE, "--format", "json")
    assert result.returncode == 1
    report = report_of(result)
    assert rules_and_needs(report) == [("FG202", "s3")]
    assert report["findings"][0]["location"] == {"file": EXAMPLE_FILE, "line": EXAMPLE_LINE}
    assert report["summary"] == {"error": 1, "warning": 0, "note": 0}


def test_broken_yaml_named_on_the_command_line_is_exit_2_and_the_rest_is_still_reported(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN_YAML, encoding="utf-8")
    result = cli("scan", str(broken), EXAMPLE, "--format", "json")
    # Bad input (2) outranks the error finding (1); the example is scanned all the same.
    assert result.returncode == 2
    assert f"error: {broken.as_posix()}:{BROKEN_YAML_LINE}: not valid YAML" in result.stderr
    report = report_of(result)
    assert rules_and_needs(report) == [("FG202", "s3")]
    assert [(e["file"], e["line"]) for e in report["errors"]] == [
        (broken.as_posix(), BROKEN_YAML_LINE)
    ]


def test_broken_input_is_named_with_file_and_line_in_the_text_report(tmp_path: Path) -> None:
    broken = tmp_path / "task-definition.json"
    broken.write_text(
        '{"family": "x",\n "containerDefinitions": [\n  {"name": "a" "image": "b"}\n]}\n',
        encoding="utf-8",
    )
    result = cli("scan", str(broken))
    assert result.returncode == 2
    assert f"{broken.as_posix()}:3: not valid JSON" in result.stdout + result.stderr


def test_a_missing_path_is_bad_input() -> None:
    result = cli("scan", "no/such/template.yaml", CLEAN)
    assert result.returncode == 2
    assert "no/such/template.yaml: no such file or directory" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--parameter", "NoEqualsSign"], "--parameter 'NoEqualsSign': expected [FILE:]KEY=VALUE"),
        (["--stack-name", "nameonly"], "--stack-name 'nameonly': expected FILE=NAME"),
        (["--format", "xml"], "--format 'xml': choose one of"),
        (["--format", "json", "--format", "sarif"], "only one --format may go to stdout"),
        (
            ["--format", "sarif=o.sarif", "--output", "o.txt"],
            "--output o.txt: every --format names its own file (FORMAT=FILE), so nothing would",
        ),
    ],
)
def test_bad_flags_are_usage_errors(args: list[str], message: str) -> None:
    result = cli("scan", CLEAN, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


# --- --fail-on -------------------------------------------------------------------------------

WARNING_AND_NOTE = case("private-vpc-private-subnet-public-service")  # FG204 + FG703


@pytest.mark.parametrize(
    ("inputs", "fail_on", "code"),
    [
        (WARNING_AND_NOTE.cli_args(), "error", 0),
        (WARNING_AND_NOTE.cli_args(), "warning", 1),
        (WARNING_AND_NOTE.cli_args(), "note", 1),
        ([NOTE_ONLY], "warning", 0),
        ([NOTE_ONLY], "note", 1),
        ([EXAMPLE], "warning", 1),
        ([EXAMPLE], "never", 0),
    ],
    ids=[
        "warning+note/fail-on-error",
        "warning+note/fail-on-warning",
        "warning+note/fail-on-note",
        "note/fail-on-warning",
        "note/fail-on-note",
        "error/fail-on-warning",
        "error/fail-on-never",
    ],
)
def test_fail_on_sets_the_lowest_level_that_fails(
    inputs: list[str], fail_on: str, code: int
) -> None:
    result = cli("scan", *inputs, "--fail-on", fail_on, "--format", "json")
    assert result.returncode == code
    assert report_of(result)["findings"], "the findings are reported whatever --fail-on says"


def test_fail_on_default_is_error() -> None:
    assert cli("scan", *WARNING_AND_NOTE.cli_args()).returncode == 0
    assert cli("scan", NOTE_ONLY).returncode == 0


# --- --format and --output ----------------------------------------------------------------


def test_format_json_is_the_report_contract() -> None:
    report = report_of(cli("scan", EXAMPLE, "--format", "json"))
    assert list(report) == ["model_version", "tool", "findings", "errors", "summary"]
    assert report["model_version"] == 1
    assert report["tool"]["name"] == "fargate-preflight"
    finding = report["findings"][0]
    assert list(finding) == [
        "rule_id",
        "level",
        "message",
        "fix",
        "resource",
        "service",
        "need",
        "hop",
        "location",
        "suppressed",
    ]
    assert (finding["rule_id"], finding["level"], finding["service"]) == (
        "FG202",
        "error",
        "Service",
    )
    assert finding["hop"]["via"] == "route table PrivateRouteTable"


def test_format_sarif_is_valid_and_points_at_the_route_table() -> None:
    result = cli("scan", EXAMPLE, "--format", "sarif")
    assert result.returncode == 1
    run = valid_sarif(result.stdout)["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rule_ids == sorted(rule_ids) and set(shipped_rule_ids()) <= set(rule_ids)
    [only] = run["results"]
    assert (only["ruleId"], only["level"]) == ("FG202", "error")
    assert rule_ids[only["ruleIndex"]] == "FG202"
    location = only["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": EXAMPLE_FILE, "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == EXAMPLE_LINE
    assert run["automationDetails"]["id"] == "fargate-preflight/"


def test_format_text_groups_by_service_with_the_failing_need() -> None:
    result = cli("scan", EXAMPLE, "--format", "text")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "Service"
    assert any(re.fullmatch(r"\s+s3\s+\S.*\s+fail", line) for line in lines), result.stdout
    assert (
        f"error   FG202 {EXAMPLE_FILE}:{EXAMPLE_LINE} service Service cannot reach s3"
        in result.stdout
    )
    assert lines[-1] == "1 error, 0 warnings, 0 notes"
    assert "\x1b[" not in result.stdout, "no colour when stdout is not a terminal"


def test_format_github_prints_one_annotation_per_finding() -> None:
    result = cli("scan", EXAMPLE, "--format", "github")
    assert result.returncode == 1
    [annotation] = result.stdout.splitlines()
    assert annotation.startswith(f"::error file={EXAMPLE_FILE},line={EXAMPLE_LINE},title=FG202 ")
    assert "cannot reach s3" in annotation


def test_two_formats_in_one_run(tmp_path: Path) -> None:
    sarif_file = tmp_path / "results.sarif"
    result = cli("scan", EXAMPLE, "--format", f"sarif={sarif_file}", "--format", "json")
    assert result.returncode == 1
    assert rules_and_needs(report_of(result)) == [("FG202", "s3")]
    run = valid_sarif(sarif_file.read_text(encoding="utf-8"))["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["FG202"]


def test_every_format_the_commands_accept_has_a_reporter() -> None:
    from scanner import report

    assert report.FORMATS == ("text", "json", "sarif", "github")
    for fmt in report.FORMATS:
        module = f"scanner.report.{report.MODULES[fmt]}"
        assert report.reporter(fmt) is importlib.import_module(module).render


def test_output_writes_the_report_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = cli("scan", EXAMPLE, "--format", "json", "--output", str(out))
    assert result.returncode == 1
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8") == cli("scan", EXAMPLE, "--format", "json").stdout


def test_reports_are_byte_identical_across_runs(tmp_path: Path) -> None:
    first, second = tmp_path / "1.sarif", tmp_path / "2.sarif"
    cli("scan", EXAMPLE, "--format", f"sarif={first}")
    cli("scan", EXAMPLE, "--format", f"sarif={second}")
    assert first.read_bytes() == second.read_bytes()


# --- --parameter, --region, --stack-name ---------------------------------------------------


@pytest.mark.parametrize(
    "parameter", ["ImageUri=nginx", f"{ISOLATED_PARENT}:ImageUri=nginx"], ids=["all", "file"]
)
def test_parameter_settles_a_value(parameter: str) -> None:
    result = cli(
        "scan", ISOLATED, "--parameter", parameter, "--region", "us-east-1", "--format", "json"
    )
    assert result.returncode == 1
    assert rules_and_needs(report_of(result)) == [("FG202", "registry-1.docker.io")]


def test_parameter_for_another_file_leaves_the_value_open() -> None:
    other = f"{ISOLATED}/private-service.yml:ImageUri=nginx"
    result = cli("scan", ISOLATED, "--parameter", other, "--format", "json")
    assert result.returncode == 0
    [note] = report_of(result)["findings"]
    assert note["rule_id"] == "FG801"
    assert note["resource"] == f"Parameter ImageUri of {ISOLATED_PARENT}"


@pytest.mark.parametrize(
    ("parameter", "notice"),
    [
        ("ImageUrl=nginx", "--parameter ImageUrl: no scanned template has a parameter ImageUrl"),
        (
            f"{ISOLATED}/cluster.yml:ImageUri=nginx",
            f"--parameter {ISOLATED}/cluster.yml:ImageUri: {ISOLATED}/cluster.yml has no "
            "parameter ImageUri",
        ),
        (
            "parent.yml:ImageUri=nginx",
            "--parameter parent.yml:ImageUri: parent.yml is not a scanned template",
        ),
    ],
    ids=["no-template", "not-in-file", "no-file"],
)
def test_a_parameter_no_template_uses_is_a_notice(parameter: str, notice: str) -> None:
    result = cli("scan", ISOLATED, "--parameter", parameter, "--format", "json")
    assert result.returncode == 0
    assert f"notice: {notice}; the value is not used" in result.stderr.splitlines()
    # The value is not used: the parent's ImageUri stays open.
    [note] = report_of(result)["findings"]
    assert note["resource"] == f"Parameter ImageUri of {ISOLATED_PARENT}"


def test_a_parameter_given_as_dot_slash_path_names_the_file() -> None:
    result = cli(
        "scan",
        ISOLATED,
        "--parameter",
        f"./{ISOLATED_PARENT}:ImageUri=nginx",
        "--region",
        "us-east-1",
        "--format",
        "json",
    )
    assert "notice: --parameter" not in result.stderr
    assert rules_and_needs(report_of(result)) == [("FG202", "registry-1.docker.io")]


def test_a_parameter_without_templates_is_a_notice() -> None:
    result = cli("scan", NOTE_ONLY, "--parameter", "ImageUri=nginx")
    assert (
        "notice: --parameter: no CloudFormation template was scanned; the values are "
        "unused" in result.stderr.splitlines()
    )


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        # No --region: the image URI given by --parameter names the one region of the inputs.
        ([], []),
        (["--region", "us-east-1"], []),
        (["--region", "eu-west-1"], [("FG202", "ecr.api"), ("FG202", "ecr.dkr"), ("FG202", "s3")]),
    ],
    ids=["from-parameter", "same", "other"],
)
def test_region_decides_whether_the_endpoints_serve_the_image(
    region: list[str], expected: list[tuple[str, str | None]]
) -> None:
    # The endpoints are in the deploy region (${AWS::Region}); the image is in us-east-1.
    result = cli(
        "scan", ISOLATED, "--parameter", f"ImageUri={PRIVATE_ECR}", *region, "--format", "json"
    )
    report = report_of(result)
    assert rules_and_needs(report) == expected
    assert result.returncode == (1 if report["summary"]["error"] else 0)


def test_a_route_to_a_firewall_endpoint_from_its_endpoint_ids_leaves_the_scope() -> None:
    # A field test: `VpcEndpointId: !Select [1, !Split [":", !Select [0, !GetAtt
    # Firewall.EndpointIds]]]` and `!Select [0, !GetAtt Alb.SecurityGroups]` were refused as
    # "Fn::Select needs a list to select from" (exit 2). The endpoint is only known after
    # deployment, but a VpcEndpointId route goes to a gateway load balancer (firewall) endpoint.
    fixture = "tests/fixtures/cfn/firewall-route.yaml"
    result = cli("scan", fixture, "--format", "json")
    assert result.returncode == 0, result.stderr
    report = report_of(result)
    assert report["errors"] == []
    assert rules_and_needs(report) == [("FG206", "registry-1.docker.io"), ("FG703", None)]
    (leaves,) = [f for f in report["findings"] if f["rule_id"] == "FG206"]
    assert leaves["location"] == {"file": fixture, "line": 21}  # the route table
    assert (
        "0.0.0.0/0 -> vpce <Fn::Select 0 of Fn::GetAtt Firewall.EndpointIds> "
        "(gateway load balancer endpoint), beyond which the inputs end"
    ) in leaves["message"]


def test_a_route_to_an_internet_gateway_of_another_vpc_carries_nothing() -> None:
    # A field test: routes to an internet gateway attached to another VPC (AWS refuses them:
    # "belong to different networks"), or to none in the inputs, were "via igw ok".
    fixture = "tests/fixtures/cfn/igw-attachment.yaml"
    result = cli("scan", fixture, "--format", "json")
    assert result.returncode == 1, result.stderr
    report = report_of(result)
    found = {
        (f["rule_id"], f["service"], f["location"]["line"])
        for f in report["findings"]
        if f["rule_id"] != "FG703"
    }
    assert found == {
        ("FG203", "Public", 21),  # the task subnet's route to OtherIgw
        ("FG203", "Private", 36),  # the route to the NAT gateway, whose subnet routes to OtherIgw
        ("FG801", "Loose", 13),  # LooseIgw, attached to no VPC in the inputs
    }
    by_service = {f["service"]: f for f in report["findings"] if f["rule_id"] != "FG703"}
    elsewhere = (
        "internet gateway OtherIgw is attached to VPC OtherVpc, not to VPC Vpc of the subnet "
        "and its route table, so the route carries nothing"
    )
    assert by_service["Public"]["message"].endswith(f"0.0.0.0/0 -> igw OtherIgw, but {elsewhere}")
    assert by_service["Private"]["message"].endswith(
        f"route table PublicRT has 0.0.0.0/0 -> igw OtherIgw, and {elsewhere}"
    )
    fix = (
        "Point the 0.0.0.0/0 route of route table PublicRT at an internet gateway attached to "
        "VPC Vpc, or attach OtherIgw to VPC Vpc instead of VPC OtherVpc."
    )
    assert by_service["Public"]["fix"] == by_service["Private"]["fix"] == fix
    assert by_service["Loose"]["message"].startswith(
        "attachment of internet gateway LooseIgw is not settled"
    )
    assert "Scan the template or configuration that attaches" in by_service["Loose"]["fix"]


def test_a_nat_gateways_own_way_out_is_judged_like_the_task_subnets() -> None:
    # Field test 12: every NAT gateway whose subnet did not send 0.0.0.0/0 to an internet
    # gateway was FG203, and a private one always (exit 1 on working setups), and a regional
    # NAT gateway (no SubnetId) was refused: "needs SubnetId" (exit 2).
    fixture = "tests/fixtures/cfn/nat-upstreams.yaml"
    result = cli("scan", fixture, "--format", "json")
    assert result.returncode == 1, result.stderr
    report = report_of(result)
    assert report["errors"] == []
    found = {
        (f["rule_id"], f["service"], f["location"]["line"], f["need"] is None)
        for f in report["findings"]
    }
    assert found == {
        ("FG206", "TgwService", 29, False),  # the NAT subnet's route to the transit gateway
        ("FG801", "HalvesService", 41, True),  # 0.0.0.0/1 of the NAT subnet to the igw
        ("FG203", "PrivateService", 106, False),  # a private NAT gateway to the igw
        ("FG801", "OtherService", 128, True),  # a regional NAT gateway, no igw in its VPC
        # the imported VPC's DNS and NACLs; not its internet gateway (before: a second FG801,
        # "internet gateway of VPC <Fn::ImportValue network-VpcId>", line 219)
        ("FG801", "ImportedService", 218, True),
    }  # RegionalService: ok through the VPC's internet gateway, no NAT-subnet NACL check
    needs = {"ecr.api", "ecr.dkr", "s3", "logs"}
    for rule, service in [("FG206", "TgwService"), ("FG203", "PrivateService")]:
        assert {
            f["need"] for f in report["findings"] if (f["rule_id"], f["service"]) == (rule, service)
        } == needs
    (note,) = {f["message"] for f in report["findings"] if f["service"] == "OtherService"}
    assert "NAT gateway OtherNat is regional: it reaches the internet through the internet " in (
        note
    )
    text = cli("scan", fixture).stdout
    assert "ecr.dkr  via nat RegionalNat (regional) -> igw Igw  ok" in text
    assert "ecr.dkr  via nat ImportedNat (regional) -> igw ImportedIgw  undecided" in text
    assert "0.0.0.0/0 -> nat TgwNat -> tgw tgw-0123456789abcdef0 (transit gateway)" in text


def test_stack_name_links_the_imports_of_the_service_stack() -> None:
    network, service = WARNING_AND_NOTE.paths
    named = cli(
        "scan", network, service, "--stack-name", f"{network}=production", "--format", "json"
    )
    assert rules_and_needs(report_of(named)) == [("FG204", None), ("FG703", None)]
    assert "linked to the export" not in named.stderr
    # Under another name the service's `production:` imports match nothing: unknown, not guessed.
    other = report_of(
        cli("scan", network, service, "--stack-name", f"{network}=staging", "--format", "json")
    )
    assert "FG204" not in {f["rule_id"] for f in other["findings"]}
    assert {f["rule_id"] for f in other["findings"]} == {"FG703", "FG801"}


# --- files that are not templates ----------------------------------------------------------


def test_non_template_yaml_is_skipped_with_a_notice(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(DOCKER_COMPOSE, encoding="utf-8")
    (tmp_path / "pod.yaml").write_text(K8S_POD, encoding="utf-8")
    result = cli("scan", "docker-compose.yml", "pod.yaml", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    assert report_of(result)["findings"] == []
    notices = result.stderr.splitlines()
    for name in ("docker-compose.yml", "pod.yaml"):
        assert (
            f"notice: {name}: skipped: not a CloudFormation template, ECS JSON file or "
            "Terraform plan"
        ) in notices
    quiet = cli("scan", "docker-compose.yml", "pod.yaml", "--quiet", cwd=tmp_path)
    assert (quiet.returncode, quiet.stderr) == (0, "")


def test_a_kubernetes_manifest_of_several_documents_named_is_skipped(tmp_path: Path) -> None:
    # Field test 23, D1: `scan $(git ls-files '*.yaml')` failed with exit 2 on it
    (tmp_path / "k8s.yaml").write_text(K8S_POD + "---\n" + K8S_POD, encoding="utf-8")
    result = cli("scan", "k8s.yaml", "--format", "json", cwd=tmp_path)
    assert (result.returncode, report_of(result)["errors"]) == (0, [])
    assert result.stderr.splitlines()[0] == (
        "notice: k8s.yaml: skipped: not a CloudFormation template, ECS JSON file or Terraform plan"
    )


def test_a_misspelt_task_definition_key_is_bad_input(tmp_path: Path) -> None:
    # Field test 23, D5: skipped with exit 0
    definition = {
        "family": "web",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "containerDefinitons": [{"name": "web", "image": "nginx:1.27", "essential": True}],
    }
    (tmp_path / "td.json").write_text(json.dumps(definition, indent=2), encoding="utf-8")
    result = cli("scan", "td.json", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == (
        "error: td.json:7: a task definition needs containerDefinitions, the list of its "
        "containers; did you mean 'containerDefinitions' for 'containerDefinitons'?\n\n"
        "0 errors, 0 warnings, 0 notes; 1 input error\n"
    )


def test_a_terraform_configuration_named_gets_how_to_make_a_plan(tmp_path: Path) -> None:
    # Field test 23, D7
    (tmp_path / "main.tf").write_text('resource "aws_vpc" "main" {\n}\n', encoding="utf-8")
    result = cli("scan", "main.tf", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr.splitlines()[0] == (
        "notice: main.tf: skipped: a Terraform configuration, not a plan: run `terraform plan "
        "-out tfplan && terraform show -json tfplan > plan.json` and scan plan.json"
    )


# --- export, rules, explain ---------------------------------------------------------------


def test_export_prints_the_input_model() -> None:
    result = cli("export", EXAMPLE)
    assert result.returncode == 0
    model = json.loads(result.stdout)
    assert model["model_version"] == 1
    assert [s["name"] for s in model["services"].values()] == ["Service"]
    route_table = model["route_tables"]["PrivateRouteTable"]
    assert [r["target_type"] for r in route_table["routes"]] == ["local"]
    assert model["region"] == "us-east-1"  # the one region the inputs name


def test_export_says_what_it_skipped_unless_quiet(tmp_path: Path) -> None:
    # Before: export dropped the notices (a file it skipped, a plan without its .tf files)
    # and had no --quiet, which scan, scan-aws and export-aws have.
    (tmp_path / "pod.yaml").write_text(K8S_POD, encoding="utf-8")
    shutil.copytree(ROOT / EXAMPLE, tmp_path / "stacks")
    result = cli("export", "stacks", "pod.yaml", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == (
        "notice: pod.yaml: skipped: not a CloudFormation template, ECS JSON file or Terraform "
        "plan\n"
    )
    quiet = cli("export", "stacks", "pod.yaml", "-q", cwd=tmp_path)
    assert (quiet.returncode, quiet.stderr, quiet.stdout) == (0, "", result.stdout)


def shipped_rule_ids() -> list[str]:
    return sorted(p.name[:5].upper() for p in RULE_FOLDERS.iterdir() if p.name.startswith("fg"))


def test_rules_lists_every_shipped_rule() -> None:
    result = cli("rules")
    assert result.returncode == 0
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert listed == shipped_rule_ids()
    assert (
        "FG204  warning  Public IP on a subnet without an internet gateway route" in result.stdout
    )


@pytest.mark.parametrize("rule_id", ["FG201", "fg201"])
def test_explain_a_rule(rule_id: str) -> None:
    result = cli("explain", rule_id)
    assert result.returncode == 0
    assert result.stdout.startswith("FG201: Task in a public subnet without a public IP\n")
    assert "level: error" in result.stdout


def test_explain_gives_the_meaning_of_a_level_for_shipped_rules_only() -> None:
    # Before: a company-policy rule read "level: error (the task will fail at run time or
    # deploy time)", the meaning of the shipped rules' error level.
    shipped = cli("explain", "FG201")
    assert "\nlevel: error (the task will fail at run time or deploy time)\n" in shipped.stdout
    custom = cli("explain", "ACME101", "--policy", "docs/examples/custom-policy")
    assert custom.returncode == 0
    assert custom.stdout.startswith(
        "ACME101: Container image is not in private ECR\nlevel: error\ntags: "
    )


@pytest.mark.parametrize("folder", ["empty", "tests-only"])
def test_a_policy_directory_without_rules_is_a_usage_error(folder: str, tmp_path: Path) -> None:
    # Before: accepted without a word, and the scan ran without the rules meant.
    policies = tmp_path / folder
    policies.mkdir()
    if folder == "tests-only":
        (policies / "policy_test.rego").write_text("package x_test\n", encoding="utf-8")
    for args in (("scan", EXAMPLE), ("rules",)):
        result = cli(*args, "--policy", str(policies))
        assert result.returncode == 2
        assert result.stdout == ""
        assert result.stderr == (
            f"fargate-preflight: {policies}: no rules in this policy directory (a rule is a "
            "policy.rego with METADATA in it, in */ or in rules/*/)\n"
        )
    # A folder of helpers that other rules use is loaded, with no rules of its own.
    (policies / "helpers.rego").write_text("package acme.lib\n", encoding="utf-8")
    assert cli("rules", "--policy", str(policies)).returncode == 0


def test_explain_an_unknown_rule_is_a_usage_error() -> None:
    result = cli("explain", "FG999")
    assert result.returncode == 2
    assert result.stderr == (
        "fargate-preflight: no rule 'FG999'; `fargate-preflight rules` lists them\n"
    )


# --- start-up cost ----------------------------------------------------------------------------

HEAVY_MODULES = ("boto3", "botocore", "opa_client", "aiohttp", "cfnlint")

IMPORT_PROBE = textwrap.dedent(
    """\
    import json, sys
    from scanner.cli import main
    try:
        main(["scan", "examples/isolated-vpc", "--format", "json", "--quiet"])
    except SystemExit as exc:
        code = exc.code
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy})
    print(json.dumps({{"code": code, "heavy": heavy}}), file=sys.stderr)
    """
)


def test_a_scan_imports_no_aws_sdk_opa_client_or_cfn_lint() -> None:
    probe = IMPORT_PROBE.format(heavy=repr(set(HEAVY_MODULES)))
    result = run_python(["-c", probe])
    assert "Traceback" not in result.stderr, result.stderr
    outcome = json.loads(result.stderr.splitlines()[-1])
    assert outcome == {"code": 1, "heavy": []}


@pytest.mark.parametrize("command", ["scan-aws", "export-aws"])
def test_live_commands_without_boto3_say_how_to_install_it(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scanner.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "boto3" else real(name, *a)
    )
    result = CliRunner().invoke(main, [command, "--region", "us-east-1"])
    assert result.exit_code == 2
    assert result.output == (
        "fargate-preflight: reading a live account needs boto3: "
        "pip install 'fargate-preflight[aws]'\n"
    )


def test_the_region_the_network_names_is_the_deploy_region() -> None:
    # The endpoints and subnets name us-east-1 (where the VPC is), the image us-west-2 and
    # awslogs us-east-1: without --region the deploy region is the network's, and the image is
    # in another region, reachable only over the internet (which the VPC has not).
    result = cli("scan", "tests/fixtures/cfn/region-from-network.yaml", "--format", "json")
    findings = report_of(result)["findings"]
    assert [(f["rule_id"], f["need"]) for f in findings] == [
        ("FG202", "ecr.api"),
        ("FG202", "ecr.dkr"),
        ("FG202", "s3"),
    ]
    assert findings[2]["hop"]["detail"] == (
        "s3 in us-west-2 is reachable only over the internet (endpoints serve only their own "
        "region)"
    )


@pytest.mark.parametrize(
    ("region", "message"),
    [
        (
            "us-east1",
            "--region us-east1: not the name of a region (such as us-east-1); did you mean "
            "us-east-1?",
        ),
        (
            "EU-WEST-1",
            "--region EU-WEST-1: not the name of a region (such as us-east-1); did you mean "
            "eu-west-1?",
        ),
        ("foo", "--region foo: not the name of a region (such as us-east-1)"),
    ],
)
@pytest.mark.parametrize("command", ["scan", "export", "scan-aws", "export-aws"])
def test_a_region_not_shaped_as_one_is_a_usage_error(
    command: str, region: str, message: str
) -> None:
    # Field test 23, D10: only a notice, then FG202 errors that the typo made
    paths = [EXAMPLE] if command in ("scan", "export") else []
    done = run_cli([command, *paths, "--region", region])
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"fargate-preflight: {message}\n")


@pytest.mark.parametrize(
    "region",
    [
        "us-east-1",
        "ap-southeast-7",
        "us-gov-west-1",
        "cn-northwest-1",
        "us-iso-east-1",
        "us-isob-east-1",
        "us-isof-south-1",
        "eu-isoe-west-1",
        "eusc-de-east-1",  # the European Sovereign Cloud's partition
        "xx-future-9",  # well-formed, unknown: a notice (a region newer than botocore)
        "us-esat-1",
    ],
)
def test_every_partitions_regions_have_the_shape_of_a_region(region: str) -> None:
    from scanner.sources.regions import region_error

    assert region_error(region) is None


def test_without_botocore_the_special_regions_still_have_their_shape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from scanner.sources import regions

    monkeypatch.setattr(regions, "known_regions", lambda: None)
    monkeypatch.setattr(regions, "_partition_shapes", lambda: ())
    assert [regions.region_error(r) for r in ("eusc-de-east-1", "us-gov-west-1")] == [None, None]
    assert regions.region_error("us-east1") == (
        "--region us-east1: not the name of a region (such as us-east-1)"
    )


def test_a_misspelt_region_gets_a_notice() -> None:
    # us-esat-1 has no endpoints, so every need of the example seems to be in another region
    done = run_cli(["scan", EXAMPLE, "--region", "us-esat-1", "--format", "json"])
    assert (
        "notice: region us-esat-1 is not one that this botocore knows: is it misspelt?"
        in done.stderr
    )
    assert "is not one that" not in run_cli(["scan", EXAMPLE, "--region", "us-east-1"]).stderr


# `python -m scanner` as on a platform without regorus's wheel (its import fails).
WITHOUT_REGORUS = (
    "import sys; sys.modules['regorus'] = None; sys.argv[0] = 'fargate-preflight'; "
    "from scanner.__main__ import main; main()"
)


def test_without_regorus_the_default_engine_is_opa(tmp_path: Path, opa_binary: str) -> None:
    def scan(path: str, *args: str) -> CompletedProcess[str]:
        env = {**cli_env(), "PATH": path}
        return subprocess.run(
            [sys.executable, "-c", WITHOUT_REGORUS, "scan", EXAMPLE, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    no_opa = scan(str(tmp_path))
    assert (no_opa.returncode, no_opa.stderr.splitlines()[-1]) == (
        3,
        "fargate-preflight: the OPA engine needs `opa` on PATH or --opa-url URL: install an OPA "
        "1.x release binary (in a checkout, .ci/install-tools.sh builds the pinned OPA)",
    )
    asked = scan(str(tmp_path), "--engine", "regorus")
    assert (asked.returncode, asked.stderr.splitlines()[-1]) == (
        3,
        "fargate-preflight: the embedded engine (celine-regorus) is not installed (it has no "
        "wheel for this platform): use --engine opa, with `opa` on PATH or --opa-url (README: "
        "Engines)",
    )
    with_opa = scan(str(Path(opa_binary).parent), "--format", "json")
    assert with_opa.returncode == 1, with_opa.stderr
    regorus = run_cli(["scan", EXAMPLE, "--format", "json"])
    assert report_of(with_opa)["findings"] == report_of(regorus)["findings"]


def test_a_scan_with_nothing_to_check_says_so(tmp_path: Path) -> None:
    # a CI job whose paths miss the templates, or a network-only template, passes: with a notice
    notice = "notice: nothing to check: no ECS task definition or service was found\n"
    for target in (str(tmp_path), EXAMPLE_FILE):
        done = run_cli(["scan", target])
        assert (done.returncode, done.stdout, done.stderr) == (
            0,
            "0 errors, 0 warnings, 0 notes\n",
            notice,
        )
    assert "nothing to check" not in run_cli(["scan", EXAMPLE]).stderr


def test_a_task_definition_that_nothing_runs_gets_a_notice(tmp_path: Path) -> None:
    # its IAM is checked, its network paths are not: a clean scan must not read as "reachable"
    lone = "tests/fixtures/seed/exec-task-definition.json"
    notice = (
        "notice: task definition ecs-exec-task: no service or task of the inputs runs it, so its "
        "network paths are not analysed (scan it with the service, run-task input or template "
        "that launches it)"
    )
    assert notice in run_cli(["scan", lone, "--format", "json"]).stderr.splitlines()
    run = tmp_path / "run-task.json"
    run.write_text(
        json.dumps(
            {
                "cluster": "default",
                "taskDefinition": "ecs-exec-task",
                "launchType": "FARGATE",
                "networkConfiguration": {
                    "awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"]}
                },
            }
        )
    )
    assert "no service or task" not in run_cli(["scan", lone, str(run)]).stderr


def test_a_stack_name_for_no_scanned_template_gets_a_notice() -> None:
    done = run_cli(
        ["scan", EXAMPLE, "--stack-name", "network.yaml=net", "--stack-name", f"{EXAMPLE_FILE}=n"]
    )
    assert done.returncode == 1
    assert done.stderr == (
        "notice: --stack-name network.yaml: network.yaml is not a scanned template; the name is "
        "not used\n"
    )
