"""The real corpus: golden findings per deployment group, and every file through the real CLI.

Issue 3's acceptance: every corpus file scans with exit 0 or 1 (never 2 or 3), alone and in
the groups that deploy together; the isolated-VPC pattern demands no ecs/ecs-agent/
ecs-telemetry endpoint and reports no FG2xx error; the private-subnet-public-service stack
with private-vpc reports FG204. The cases, and what an AWS expert expects of each, are in
tests/golden/cases.yaml; `FP_UPDATE_GOLDEN=1 python -m pytest tests/test_corpus.py` rewrites
tests/golden/expected/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from golden.harness import (
    EXPECTED,
    NEVER_NEEDED,
    REGION_VARIABLES,
    ROOT,
    Case,
    case,
    check_golden,
    expected_findings,
    findings_json,
    load_cases,
    parse_json,
    paths_json,
    run_cli,
    scan_case,
)

from scanner.api import ScanOptions, load, scan
from scanner.findings import Report

CORPUS = ROOT / "tests" / "fixtures" / "corpus"
GROUPS = CORPUS / "groups"
CORPUS_FILES = sorted(
    p.relative_to(ROOT).as_posix()
    for kind in ("cloudformation", "task-definition")
    for p in (CORPUS / kind).iterdir()
    if p.is_file()
)
CASES = load_cases()
# Files in the group folders that were written for these tests, not copied from upstream:
# each folder's README.md says so (and points at the upstream NOTICE).
WRITTEN_HERE = {
    "public-facing-web/parent.yml",
    "public-facing-api/parent.yml",
    "dual-stack-ipv6/parent.yml",
    "ecs-refarch/parent.yml",
}


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scan as the CLI would from the repository root, whatever the caller's environment."""
    monkeypatch.chdir(ROOT)
    for name in REGION_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@cache
def scanned(c: Case) -> Report:
    """One scan per case for all the checks below (callers use the `at_root` fixture)."""
    return scan_case(c)


# --- golden findings through the library API --------------------------------------------


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
@pytest.mark.usefixtures("at_root")
def test_case_matches_its_golden_findings(c: Case) -> None:
    report = scanned(c)
    check_golden(EXPECTED / f"{c.name}.json", findings_json(report))
    check_golden(EXPECTED / f"{c.name}.paths.json", paths_json(report))


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
@pytest.mark.usefixtures("at_root")
def test_case_reports_what_an_expert_expects(c: Case) -> None:
    report = scanned(c)
    assert expected_findings(report) == sorted(c.expect), c.note
    assert not report.errors, c.note


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
@pytest.mark.usefixtures("at_root")
def test_no_case_demands_an_ecs_endpoint(c: Case) -> None:
    report = scanned(c)
    demanded = {s.need for s in report.paths} | {f.need for f in report.findings}
    assert not demanded & NEVER_NEEDED


# --- the two acceptance facts, asserted apart from the golden bytes ----------------------


@pytest.mark.parametrize("name", ["isolated-vpc", "isolated-vpc-private-ecr"])
@pytest.mark.usefixtures("at_root")
def test_isolated_vpc_pattern_needs_no_ecs_endpoint_and_has_no_routing_error(name: str) -> None:
    report = scanned(case(name))
    needs = {s.need for s in report.paths}
    assert needs, "the service's needs were analysed"
    assert not needs & NEVER_NEEDED
    routing_errors = [
        f for f in report.findings if f.rule_id.startswith("FG2") and f.level == "error"
    ]
    assert routing_errors == []
    assert report.services == ("Service",)


@pytest.mark.usefixtures("at_root")
def test_isolated_vpc_pattern_routes_every_need_through_its_endpoints() -> None:
    report = scanned(case("isolated-vpc-private-ecr"))
    routes = {(s.need, s.subnet): (s.path, s.verdict) for s in report.paths}
    subnets = ("PrivateSubnetOne", "PrivateSubnetTwo")
    assert routes == {
        **{("ecr.api", s): ("interface endpoint EcrApiEndpoint", "ok") for s in subnets},
        **{("ecr.dkr", s): ("interface endpoint EcrDkrEndpoint", "ok") for s in subnets},
        **{("logs", s): ("interface endpoint CloudWatchLogsEndpoint", "ok") for s in subnets},
        **{("s3", s): ("gateway endpoint S3Endpoint", "ok") for s in subnets},
    }
    assert report.findings == ()


@pytest.mark.usefixtures("at_root")
def test_private_subnet_public_service_with_private_vpc_reports_fg204() -> None:
    report = scanned(case("private-vpc-private-subnet-public-service"))
    fg204 = [f for f in report.findings if f.rule_id == "FG204"]
    assert len(fg204) == 1
    finding = fg204[0]
    assert (finding.level, finding.service, finding.resource) == ("warning", "Service", "Service")
    assert finding.location.file.endswith("services__private-subnet-public-service.yaml")
    assert "PrivateSubnetOne" in finding.message and "PrivateSubnetTwo" in finding.message
    assert finding.hop is not None and finding.hop.to.startswith("0.0.0.0/0 -> nat ")


# --- every file and every group through the real CLI --------------------------------------

Runs = dict[tuple[str, ...], Future[CompletedProcess[str]]]

# Everything at once, as `pre-commit run --all-files` would: templates with the same logical
# IDs and export names side by side must still scan.
WHOLE_CORPUS = ("scan", CORPUS.relative_to(ROOT).as_posix(), "--format", "json")


@pytest.fixture(scope="module")
def cli() -> Iterator[Runs]:
    """All CLI runs of this module started at once (a cold process each, as a user runs it),
    so the machine's cores run them side by side."""
    commands: list[tuple[str, ...]] = [("scan", f, "--format", "json") for f in CORPUS_FILES]
    commands += [("scan", *c.cli_args(), "--format", "json") for c in CASES]
    commands.append(WHOLE_CORPUS)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        yield {command: pool.submit(run_cli, command) for command in dict.fromkeys(commands)}


def finished(runs: Runs, command: tuple[str, ...]) -> CompletedProcess[str]:
    result = runs[command].result()
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[Path(p).name for p in CORPUS_FILES])
def test_corpus_file_alone_scans_with_exit_0_or_1(cli: Runs, path: str) -> None:
    result = finished(cli, ("scan", path, "--format", "json"))
    assert result.returncode in (0, 1), result.stderr
    report = parse_json(result.stdout)
    assert report["errors"] == []
    # Every corpus file is part of a working upstream deployment: alone, what it does not
    # settle is an FG801 note, never an error.
    assert report["summary"]["error"] == 0
    assert result.returncode == 0


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_group_through_the_cli_gives_the_golden_bytes(cli: Runs, c: Case) -> None:
    result = finished(cli, ("scan", *c.cli_args(), "--format", "json"))
    assert result.returncode in (0, 1), result.stderr
    expected = (EXPECTED / f"{c.name}.json").read_text(encoding="utf-8")
    assert result.stdout == expected
    has_error = parse_json(result.stdout)["summary"]["error"] > 0
    assert result.returncode == (1 if has_error else 0)


def test_whole_corpus_in_one_scan_exits_0_or_1(cli: Runs) -> None:
    result = finished(cli, WHOLE_CORPUS)
    assert result.returncode in (0, 1), result.stderr
    report = parse_json(result.stdout)
    assert report["errors"] == []
    assert report["summary"]["error"] == 0, "no corpus deployment fails on its own inputs"


# --- the corpus itself ---------------------------------------------------------------------


def test_every_task_definition_file_is_a_case_alone() -> None:
    alone = {c.paths[0] for c in CASES if len(c.paths) == 1}
    task_definitions = {p for p in CORPUS_FILES if "/task-definition/" in p}
    assert task_definitions <= alone


def test_every_group_folder_is_a_case() -> None:
    folders = {p.relative_to(ROOT).as_posix() for p in GROUPS.iterdir() if p.is_dir()}
    assert folders <= {p for c in CASES for p in c.paths}


def test_group_files_are_upstream_bytes_or_marked_as_written_here() -> None:
    upstream = {p.read_bytes() for p in (CORPUS / "cloudformation").iterdir()}
    for path in sorted(GROUPS.rglob("*")):
        if path.suffix not in (".yml", ".yaml"):
            continue
        name = path.relative_to(GROUPS).as_posix()
        if name in WRITTEN_HERE:
            readme = (GROUPS / name.split("/")[0] / "README.md").read_text(encoding="utf-8")
            assert f"`{Path(name).name}`" in readme and "../../NOTICES/" in readme, name
        else:
            assert path.read_bytes() in upstream, f"{name} is not a byte copy of a corpus file"


# --- verdicts that were once wrong (tests/golden/repros/) ------------------------------------

REPROS = Path(__file__).parent / "golden" / "repros"


@pytest.mark.usefixtures("at_root")
def test_efs_client_actions_of_the_task_role_need_no_elasticfilesystem_endpoint() -> None:
    report = scan([REPROS / "efs-iam-authorization.yaml"], ScanOptions(cwd=ROOT))
    assert {s.need for s in report.paths} == {"ecr.api", "ecr.dkr", "s3", "logs", "efs:FileSystem"}
    assert report.findings == ()


@pytest.mark.usefixtures("at_root")
def test_tasks_that_eventbridge_runs_are_analysed_like_services() -> None:
    # Events rule and Scheduler targets with EcsParameters were not read: Nightly, in a subnet
    # with no route anywhere, got no finding at all.
    report = scan([REPROS / "scheduled-tasks.yaml"], ScanOptions(cwd=ROOT, region="us-east-1"))
    assert sorted((f.rule_id, f.service, f.need, f.location.line) for f in report.findings) == [
        # on the VPC's main route table (no route out): at the subnet, which has no association
        ("FG202", "Nightly", "ecr.api", 8),
        ("FG202", "Nightly", "ecr.dkr", 8),
        ("FG202", "Nightly", "logs", 8),
        ("FG202", "Nightly", "s3", 8),
        ("FG404", "Fanout/First", None, 90),  # the target
        ("FG601", "Fanout/Second", "ssmmessages", 40),  # the task definition
        ("FG602", "Fanout/Second", None, 50),  # its container
    ]
    verdicts = {(p.service, p.need, p.verdict) for p in report.paths}
    assert {v for v in verdicts if v[0] == "Hourly"} == {
        ("Hourly", need, "ok") for need in ("ecr.api", "ecr.dkr", "logs", "s3")
    }


@pytest.mark.usefixtures("at_root")
def test_tasks_that_step_functions_runs_are_analysed_like_services() -> None:
    # ecs:runTask states were not read: Migrate, in a subnet with no route anywhere, got no
    # finding at all.
    report = scan([REPROS / "step-functions.yaml"], ScanOptions(cwd=ROOT, region="us-east-1"))
    assert sorted((f.rule_id, f.service, f.need, f.location.line) for f in report.findings) == [
        # on the VPC's main route table (no route out): at the subnet, which has no association
        ("FG202", "Migrate", "ecr.api", 9),
        ("FG202", "Migrate", "ecr.dkr", 9),
        ("FG202", "Migrate", "logs", 9),
        ("FG202", "Migrate", "s3", 9),
        ("FG404", "Pipeline/Import", None, 79),  # the state machine
        ("FG801", "Pipeline/Import", None, 83),  # its subnets come from the execution's input
    ]
    verdicts = {(p.service, p.verdict) for p in report.paths}
    assert {v for v in verdicts if v[0] in ("Daily", "Pipeline/Export")} == {
        ("Daily", "ok"),
        ("Pipeline/Export", "ok"),
    }
    assert {v for v in verdicts if v[0] == "Pipeline/Import"} == {("Pipeline/Import", "undecided")}


@pytest.mark.usefixtures("at_root")
def test_task_sets_of_an_external_deployment_are_analysed_instead_of_their_service() -> None:
    report = scan([REPROS / "external-task-sets.yaml"], ScanOptions(cwd=ROOT, region="us-east-1"))
    assert sorted((f.rule_id, f.service, f.need, f.location.line) for f in report.findings) == [
        # at Green's subnet, which has no route-table association (before: 5, the VPC)
        ("FG202", "Green", need, 8)
        for need in ("ecr.api", "ecr.dkr", "logs", "s3")
    ]
    assert {p.service for p in report.paths} == {"Blue", "Green"}  # not Service itself
    assert {p.verdict for p in report.paths if p.service == "Blue"} == {"ok"}


@pytest.mark.usefixtures("at_root")
def test_environment_files_need_the_execution_role_and_the_s3_endpoint_policy() -> None:
    report = scan([REPROS / "environment-files.yaml"], ScanOptions(cwd=ROOT, region="us-east-1"))
    file = "arn:aws:s3:::app-config/prod/app.env"
    found = sorted(
        (f.rule_id, f.need, f.location.line, f.message.split(" on resource: ")[1].split(" ")[0])
        for f in report.findings
    )
    assert found == [
        ("FG102", "s3", 56, "arn:aws:s3:::app-config"),  # the S3 gateway endpoint's policy
        ("FG102", "s3", 56, file),
        ("FG110", "s3", 70, "arn:aws:s3:::app-config"),  # the execution role
        ("FG110", "s3", 70, file),
    ]
    assert all(
        f"(needed for environment file {file} (container app))" in f.message
        for f in report.findings
    )


@pytest.mark.usefixtures("at_root")
def test_the_stacks_own_repository_and_secret_still_name_their_service_and_region() -> None:
    # `!GetAtt Repo.RepositoryUri` and `!Ref DbSecret` were FG801 notes that hid the error.
    report = scan([REPROS / "stack-resources.yaml"], ScanOptions(cwd=ROOT, region="us-east-1"))
    assert [(f.rule_id, f.need, f.location.line) for f in report.findings] == [
        ("FG202", "secretsmanager", 13)  # the route table: no way out, no endpoint
    ]
    assert {(p.need, p.verdict) for p in report.paths} == {
        ("ecr.api", "ok"),
        ("ecr.dkr", "ok"),
        ("logs", "ok"),
        ("s3", "ok"),
        ("secretsmanager", "fail"),
    }
    model = load([REPROS / "stack-resources.yaml"], ScanOptions(cwd=ROOT, region="us-east-1"))
    (app,) = model.model["task_definitions"]["Task"]["containers"]
    assert app["image"]["partial"] == "*.dkr.ecr.us-east-1.amazonaws.com/app:1"
    assert app["secrets"][0]["value_from"]["partial"] == (
        "arn:aws:secretsmanager:us-east-1:*:secret:app/db-*"
    )


@pytest.mark.usefixtures("at_root")
def test_one_import_read_for_two_subnets_is_one_note(tmp_path: Path) -> None:
    # `!Select [0, !Split [",", !ImportValue X]]` and `!Select [1, ...]` without the exporting
    # stack: two unknowns with one ref, which stopped both engines (exit 3).
    template = tmp_path / "service.yaml"
    template.write_text(
        "Resources:\n"
        "  TD:\n"
        "    Type: AWS::ECS::TaskDefinition\n"
        "    Properties: {NetworkMode: awsvpc, RequiresCompatibilities: [FARGATE], Cpu: '256',\n"
        "                 Memory: '512', ContainerDefinitions: [{Name: a, Image: nginx}]}\n"
        "  Svc:\n"
        "    Type: AWS::ECS::Service\n"
        "    Properties:\n"
        "      LaunchType: FARGATE\n"
        "      TaskDefinition: !Ref TD\n"
        "      NetworkConfiguration:\n"
        "        AwsvpcConfiguration:\n"
        "          SecurityGroups: [sg-1]\n"
        "          Subnets:\n"
        '            - !Select [0, !Split [",", !ImportValue net-PublicSubnets]]\n'
        '            - !Select [1, !Split [",", !ImportValue net-PublicSubnets]]\n',
        encoding="utf-8",
    )
    report = scan([template], ScanOptions(cwd=tmp_path, region="us-east-1"))
    assert [(f.rule_id, f.location.line) for f in report.findings] == [
        ("FG703", 5),
        ("FG801", 6),  # sg-1, not in the inputs
        ("FG801", 15),  # the import, once, at its first place
    ]


@pytest.mark.usefixtures("at_root")
def test_application_needs_are_in_the_regions_their_resource_arns_name() -> None:
    report = scan(
        [REPROS / "app-needs-in-other-regions.yaml"], ScanOptions(cwd=ROOT, region="us-east-1")
    )
    found = sorted((f.rule_id, f.need, f.location.line) for f in report.findings)
    assert found == [("FG202", "dynamodb", 17), ("FG801", None, 9)]
    [unreachable] = [f for f in report.findings if f.rule_id == "FG202"]
    assert unreachable.message.endswith(
        "no default route and dynamodb in eu-west-1 is reachable only over the internet "
        "(endpoints serve only their own region)"
    )
    [note] = [f for f in report.findings if f.rule_id == "FG801"]
    assert note.message.startswith("Parameter ArchiveTableArn is not settled")
    # the stack's own table is in the deploy region, through the gateway endpoint
    assert {(p.path, p.verdict) for p in report.paths if p.need == "dynamodb"} == {
        ("gateway endpoint DynamoDb", "ok"),
        ("none", "fail"),
        ("undecided: Parameter ArchiveTableArn", "undecided"),
    }
    # a table ARN of the deploy region settles it
    settled = scan(
        [REPROS / "app-needs-in-other-regions.yaml"],
        ScanOptions(
            cwd=ROOT,
            region="us-east-1",
            parameters={
                (None, "ArchiveTableArn"): "arn:aws:dynamodb:us-east-1:123456789012:table/a"
            },
        ),
    )
    assert sorted((f.rule_id, f.need) for f in settled.findings) == [("FG202", "dynamodb")]


@pytest.mark.usefixtures("at_root")
def test_an_app_mesh_envoy_proxy_needs_the_envoy_management_endpoint() -> None:
    report = scan([REPROS / "app-mesh-envoy.yaml"], ScanOptions(cwd=ROOT, region="us-east-1"))
    assert [(f.rule_id, f.need, f.location.line) for f in report.findings] == [
        ("FG202", "appmesh-envoy-management", 14)
    ]
    assert report.findings[0].message.endswith(
        "no default route and no appmesh-envoy-management interface endpoint"
    )


@pytest.mark.usefixtures("at_root")
def test_a_service_connect_proxy_sends_its_logs_as_the_service_says() -> None:
    report = scan(
        [REPROS / "service-connect-proxy-logs.yaml"], ScanOptions(cwd=ROOT, region="us-east-1")
    )
    found = sorted((f.rule_id, f.service, f.need, f.location.line) for f in report.findings)
    assert found == [
        ("FG104", "Web", "logs", 67),  # the execution role
        ("FG202", "Api", "logs", 16),  # the route table
    ]
    by_rule = {f.rule_id: f for f in report.findings}
    assert by_rule["FG202"].message.endswith(
        "no default route and logs in us-west-2 is reachable only over the internet "
        "(endpoints serve only their own region)"
    )
    assert by_rule["FG104"].message.endswith(
        "logs:CreateLogStream, logs:PutLogEvents on resource: "
        "arn:aws:logs:us-east-1:*:log-group:/ecs/proxy:log-stream:proxy/* because no "
        "identity-based policy allows these actions "
        "(needed for awslogs log group /ecs/proxy (Service Connect proxy))"
    )
    # the containers' logs (and Web's proxy's) go through the us-east-1 endpoint; Api's proxy
    # has no path to us-west-2; Worker (Service Connect off) has nothing more
    assert {(p.service, p.path, p.verdict) for p in report.paths if p.need == "logs"} == {
        ("Api", "interface endpoint Logs", "ok"),
        ("Api", "none", "fail"),
        ("Web", "interface endpoint Logs", "ok"),
        ("Worker", "interface endpoint Logs", "ok"),
    }
