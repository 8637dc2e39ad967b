"""The configuration file, declared needs, suppressions and baselines, through the real CLI.

Each test copies the example deployment (one FG202 error: no path to s3) into a folder of its
own with a `.git` (the scanned root) and runs `python -m scanner` there, as a user would.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest
from golden.harness import ROOT, run_cli
from test_cli import valid_sarif

from scanner.config import ConfigError, find, load

EXAMPLE = ROOT / "examples" / "isolated-vpc"
FG202_LINE = 28  # PrivateRouteTable in network.yaml
ENGINES = ["regorus", "opa"]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    shutil.copytree(EXAMPLE, tmp_path / "stacks")
    return tmp_path


def cli(work: Path, *args: str, cwd: Path | None = None) -> CompletedProcess[str]:
    result = run_cli(args, cwd=cwd or work)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def scan_json(work: Path, *args: str, engine: str = "regorus", url: str = "") -> dict[str, Any]:
    flags = ["--engine", engine, *(["--opa-url", url] if url else [])]
    result = cli(work, "scan", "stacks", "--format", "json", *flags, *args)
    assert result.returncode in (0, 1), result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def suppressions(report: dict[str, Any]) -> list[tuple[str, str | None, Any]]:
    return [(f["rule_id"], f["need"], f["suppressed"]) for f in report["findings"]]


def add_metadata(work: Path, resource: str, block: str) -> None:
    """Give `resource` of network.yaml a Metadata block (indented under the resource)."""
    path = work / "stacks" / "network.yaml"
    text = path.read_text(encoding="utf-8")
    head = f"  {resource}:\n"
    assert head in text
    body = textwrap.indent(textwrap.dedent(block), "    ")
    path.write_text(text.replace(head, head + body, 1), encoding="utf-8")


# --- discovery and override ---------------------------------------------------------------


def test_config_is_found_from_the_working_directory_upward(work: Path) -> None:
    config = write(work / ".fargate-preflight.yaml", "fail-on: never\n")
    (work / "deep" / "er").mkdir(parents=True)
    assert find(work / "deep" / "er") == config
    result = cli(work, "scan", "../../stacks", cwd=work / "deep" / "er")
    assert result.returncode == 0  # fail-on: never
    assert "1 error, 0 warnings, 0 notes" in result.stdout
    assert ".fargate-preflight.yaml" not in result.stderr  # the config is not an input


def test_the_search_stops_at_the_repository_top(tmp_path: Path) -> None:
    write(tmp_path / ".fargate-preflight.yaml", "fail-on: never\n")
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "sub").mkdir()
    assert find(tmp_path / "repo" / "sub") is None
    assert load(None, tmp_path / "repo" / "sub", tmp_path / "repo").file is None


def test_config_flag_names_another_file_and_flags_override_it(work: Path) -> None:
    write(work / ".fargate-preflight.yaml", "fail-on: never\n")
    write(work / "ci.yaml", "fail-on: error\n")
    assert cli(work, "scan", "stacks").returncode == 0
    assert cli(work, "scan", "stacks", "--config", "ci.yaml").returncode == 1
    assert cli(work, "scan", "stacks", "--fail-on", "error").returncode == 1
    assert cli(work, "scan", "stacks", "--config", "ci.yaml", "--fail-on", "never").returncode == 0


def test_config_parameters_apply_and_a_flag_wins(work: Path) -> None:
    shutil.copytree(ROOT / "tests/fixtures/corpus/groups/isolated-vpc", work / "iso")
    write(work / ".fargate-preflight.yaml", "parameters:\n  ImageUri: nginx\n")
    found = cli(work, "scan", "iso", "--region", "us-east-1", "--format", "json")
    assert [(f["rule_id"], f["need"]) for f in json.loads(found.stdout)["findings"]] == [
        ("FG202", "registry-1.docker.io")
    ]
    image = "ImageUri=123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-service:1"
    flag = cli(work, "scan", "iso", "--region", "us-east-1", "--parameter", image)
    assert flag.returncode == 0, flag.stdout
    assert load(None, work, work).parameters == {(None, "ImageUri"): "nginx"}
    # a --parameter KEY also wins over the configuration's FILE:KEY (README: "Flags win")
    write(work / ".fargate-preflight.yaml", "parameters:\n  iso/parent.yml:ImageUri: nginx\n")
    scoped = cli(work, "scan", "iso", "--region", "us-east-1", "--parameter", image)
    assert (scoped.returncode, scoped.stderr) == (0, ""), scoped.stdout


def test_config_parameters_for_other_scans_are_quiet_and_a_typo_is_not(work: Path) -> None:
    # One configuration serves every partial scan (pre-commit scans the staged files): a
    # parameter for a template this scan does not read is no news, one that the named template
    # does not declare is a typo.
    shutil.copytree(ROOT / "tests/fixtures/corpus/groups/isolated-vpc", work / "iso")
    write(
        work / ".fargate-preflight.yaml",
        "parameters:\n  Stage: prod\n  other/app.yaml:ImageUri: nginx\n"
        "  iso/parent.yml:ImageUrl: nginx\n",
    )
    result = cli(work, "scan", "iso", "--format", "json")
    notices = [line for line in result.stderr.splitlines() if "parameter" in line]
    assert notices == [
        "notice: parameter iso/parent.yml:ImageUrl of the configuration: iso/parent.yml has no "
        "parameter ImageUrl; the value is not used"
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "ignore:\n  - id: FG202\n    resources: x\n",
            2,
            'ignore[0]: "reason" is a required property',
        ),
        (
            "fail-on: sometimes\n",
            1,
            'fail-on: "sometimes" is not one of error, warning, note, never',
        ),
        ("ignores: []\n", 1, "Additional properties are not allowed ('ignores' was unexpected)"),
        (
            "fail_on: never\n",
            1,
            "('fail_on' was unexpected); did you mean 'fail-on' for 'fail_on'?",
        ),
        (
            "ignore:\n  - id: FG202\n    reason: r\n    expires: 2025-02-30\n",
            4,
            "expires: '2025-02-30' is not a date (YYYY-MM-DD)",
        ),
        (
            "needs:\n  Service:\n    - target: 10.0.0.0/16\n      port: 70000\n",
            4,
            "needs.Service[0].port: 70000 is greater than the maximum of 65535",
        ),
        (
            "needs:\n  Service:\n    - actions: [sns:Publish]\n",
            3,
            'needs.Service[0]: "service" is a required property',
        ),
        ("fail-on: [unclosed\n", 1, "not valid YAML"),
        # a pattern of the schema is said in words, not as a regex
        ("ignore:\n  - id: FG2O2\n    reason: r\n", 2, '"FG2O2" is not a rule ID (such as FG202)'),
        ("ignore:\n  - id: FG202\n    reason: ' '\n", 3, 'ignore[0].reason: " " is blank: say why'),
        (
            "needs:\n  Service:\n    - service: sns\n      actions: [sns.Publish]\n",
            4,
            '"sns.Publish" is not an IAM action (such as sns:Publish or s3:Get*)',
        ),
        (
            "policies:\n  - stacks\n  - mine\n",
            3,
            "policies: mine is not a directory (relative to the configuration file)",
        ),
    ],
)
def test_invalid_config_is_exit_2_naming_file_and_line(
    work: Path, text: str, line: int, message: str
) -> None:
    write(work / ".fargate-preflight.yaml", text)
    result = cli(work, "scan", "stacks")
    assert result.returncode == 2
    # (as an input error: `error: FILE:LINE: ...`, the file named as the inputs are)
    prefix = f"error: .fargate-preflight.yaml:{line}: "
    assert result.stderr.startswith(prefix), result.stderr
    assert message in result.stderr
    with pytest.raises(ConfigError):
        load(None, work, work)


def test_a_missing_config_file_is_exit_2(work: Path) -> None:
    result = cli(work, "scan", "stacks", "--config", "nope.yaml")
    assert result.returncode == 2
    assert result.stderr == (
        "error: nope.yaml: cannot read the configuration: No such file or directory\n"
    )


# --- ignores --------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_config_ignore_suppresses_and_leaves_summary_and_exit_code(
    work: Path, engine: str, opa_url: str
) -> None:
    write(
        work / ".fargate-preflight.yaml",
        """\
        ignore:
          - id: FG202
            resources: "stacks/network.yaml"
            reason: the s3 gateway endpoint comes with the shared network stack
        """,
    )
    report = scan_json(work, engine=engine, url=opa_url if engine == "opa" else "")
    assert suppressions(report) == [
        (
            "FG202",
            "s3",
            {
                "kind": "config",
                "reason": "the s3 gateway endpoint comes with the shared network stack",
            },
        )
    ]
    assert report["summary"] == {"error": 0, "warning": 0, "note": 0}
    result = cli(work, "scan", "stacks")
    assert result.returncode == 0
    # The finding is not listed; its path row says the rule that it suppresses.
    assert [line for line in result.stdout.splitlines() if "FG202" in line] == [
        "  s3       no path                                suppressed (FG202)"
    ]
    assert result.stdout.endswith("0 errors, 0 warnings, 0 notes (1 suppressed)\n")
    assert cli(work, "scan", "stacks", "--format", "github").stdout == ""


@pytest.mark.parametrize(
    ("ignore", "suppressed"),
    [
        ("id: FG202\n    resources: PrivateRoute*", True),
        ("id: FG202\n    resources: [Other, stacks/*.yaml]", True),
        ("id: FG202\n    resources: Other", False),
        ("id: FG201", False),
    ],
)
def test_ignore_matches_rule_and_resource_or_file_glob(
    work: Path, ignore: str, suppressed: bool
) -> None:
    write(work / ".fargate-preflight.yaml", f"ignore:\n  - {ignore}\n    reason: known\n")
    report = scan_json(work)
    assert [f["suppressed"] is not None for f in report["findings"]] == [suppressed]


def test_expired_ignore_stops_working_and_says_so(work: Path) -> None:
    write(
        work / ".fargate-preflight.yaml",
        """\
        ignore:
          - id: FG202
            reason: until the network stack ships the endpoint
            expires: 2020-01-31
          - id: FG202
            reason: far future
            resources: Nothing
            expires: 2999-01-01
        """,
    )
    result = cli(work, "scan", "stacks")
    assert result.returncode == 1
    warning = (
        ".fargate-preflight.yaml:2: the ignore of FG202 expired on 2020-01-31; "
        "its findings are reported again"
    )
    assert f"warning: {warning}\n" in result.stdout
    assert "1 error, 0 warnings, 0 notes\n" in result.stdout
    as_json = cli(work, "scan", "stacks", "--format", "json")
    assert f"warning: {warning}\n" in as_json.stderr
    sarif = valid_sarif(cli(work, "scan", "stacks", "--format", "sarif").stdout)
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert {"level": "warning", "message": {"text": warning}} in notes


@pytest.mark.parametrize("engine", ENGINES)
def test_inline_metadata_ignore_suppresses_the_resource_findings(
    work: Path, engine: str, opa_url: str
) -> None:
    add_metadata(
        work,
        "PrivateRouteTable",
        """\
        Metadata:
          fargate-preflight:
            ignore:
              - id: FG202
                reason: s3 is reached through the proxy
        """,
    )
    report = scan_json(work, engine=engine, url=opa_url if engine == "opa" else "")
    assert suppressions(report) == [
        ("FG202", "s3", {"kind": "inSource", "reason": "s3 is reached through the proxy"})
    ]
    sarif = valid_sarif(cli(work, "scan", "stacks", "--format", "sarif").stdout)
    (result,) = sarif["runs"][0]["results"]
    assert result["suppressions"] == [
        {
            "kind": "inSource",
            "justification": "s3 is reached through the proxy",
            "properties": {"kind": "inSource"},
        }
    ]
    assert len(result["partialFingerprints"]["primaryLocationLineHash"]) == 64


def test_inline_ignore_of_another_resource_or_rule_suppresses_nothing(work: Path) -> None:
    add_metadata(
        work,
        "Vpc",
        """\
        Metadata:
          fargate-preflight:
            ignore: [{id: FG202, reason: not this resource}]
        """,
    )
    add_metadata(
        work,
        "PrivateRouteTable",
        """\
        Metadata:
          fargate-preflight:
            ignore: [{id: FG201, reason: not this rule}]
        """,
    )
    assert suppressions(scan_json(work)) == [("FG202", "s3", None)]


def test_inline_ignore_without_reason_is_exit_2_at_its_line(work: Path) -> None:
    add_metadata(
        work,
        "PrivateRouteTable",
        """\
        Metadata:
          fargate-preflight:
            ignore:
              - id: FG202
        """,
    )
    result = cli(work, "scan", "stacks", "--format", "json")
    assert result.returncode == 2
    assert json.loads(result.stdout)["errors"] == [
        {
            "file": "stacks/network.yaml",
            "line": 32,
            "message": 'Metadata.fargate-preflight.ignore[0]: "reason" is a required property',
        }
    ]


# --- baseline ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_baseline_reports_only_new_findings_and_survives_line_moves(work: Path, fmt: str) -> None:
    baseline = work / f"baseline.{fmt}"
    baseline.write_text(cli(work, "scan", "stacks", "--format", fmt).stdout, encoding="utf-8")
    # Lines added above the route table move the finding; the fingerprint has no line.
    network = work / "stacks" / "network.yaml"
    text = network.read_text(encoding="utf-8")
    network.write_text(text.replace("Resources:\n", "Resources:\n  # moved\n  # down\n"), "utf-8")
    report = scan_json(work, "--baseline", baseline.name)
    assert suppressions(report) == [
        ("FG202", "s3", {"kind": "baseline", "reason": f"in the baseline {baseline.name}"})
    ]
    assert report["findings"][0]["location"]["line"] == FG202_LINE + 2
    assert cli(work, "scan", "stacks", "--baseline", baseline.name).returncode == 0
    # New findings (an image from another region: ecr.api and ecr.dkr over the internet) count;
    # s3's has the fingerprint of the baselined one.
    service = work / "stacks" / "service.yaml"
    service.write_text(
        service.read_text("utf-8").replace("ecr.us-east-1", "ecr.eu-west-1"), "utf-8"
    )
    new = scan_json(work, "--baseline", baseline.name, "--region", "us-east-1")
    assert sorted((rule, need) for rule, need, s in suppressions(new) if s is None) == [
        ("FG202", "ecr.api"),
        ("FG202", "ecr.dkr"),
    ]
    again = cli(work, "scan", "stacks", "--baseline", baseline.name, "--region", "us-east-1")
    assert again.returncode == 1


def test_baseline_suppressions_in_sarif_are_external(work: Path) -> None:
    baseline = work / "baseline.json"
    baseline.write_text(cli(work, "scan", "stacks", "--format", "json").stdout, encoding="utf-8")
    sarif = valid_sarif(
        cli(work, "scan", "stacks", "--format", "sarif", "--baseline", "baseline.json").stdout
    )
    (result,) = sarif["runs"][0]["results"]
    assert result["suppressions"] == [
        {
            "kind": "external",
            "justification": "in the baseline baseline.json",
            "properties": {"kind": "baseline"},
        }
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"findings": [{"rule_id": "FG202"}', "baseline.json:1: the baseline is not JSON"),
        ('{"something": []}', "baseline.json: the baseline is not a fargate-preflight JSON"),
        ("[1, 2]", "baseline.json: the baseline is not a fargate-preflight JSON or SARIF report"),
    ],
)
def test_a_bad_baseline_is_exit_2(work: Path, text: str, message: str) -> None:
    write(work / "baseline.json", text)
    result = cli(work, "scan", "stacks", "--baseline", "baseline.json")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {message}"), result.stderr


# --- declared needs ---------------------------------------------------------------------------


def declared(work: Path, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    result = cli(work, "export", "stacks", *args)
    return result.returncode, json.loads(result.stdout)["declared_needs"], result.stderr


@pytest.mark.parametrize("selector", ["Service", "orders"])  # logical ID, task-definition family
def test_config_needs_become_model_declared_needs(work: Path, selector: str) -> None:
    write(
        work / ".fargate-preflight.yaml",
        f"""\
        needs:
          {selector}:
            - service: sns
              actions: [sns:ListTopics]
              resources: ["arn:aws:sns:us-east-1:123456789012:orders"]
            - target: EndpointSecurityGroup
              port: 5432
            - target: 10.0.1.7/32
              port: 6379
        """,
    )
    code, needs, stderr = declared(work)
    assert code == 0, stderr
    base = {"service": "Service", "actions": [], "resources": None, "endpoint": None}
    target = {"target_security_group": None, "target_cidr": None}
    assert needs == [
        {
            **base,
            **target,
            "endpoint": "sns",
            "actions": ["sns:ListTopics"],
            "resources": ["arn:aws:sns:us-east-1:123456789012:orders"],
            "port": None,
            "source": {
                "file": ".fargate-preflight.yaml",
                "line": 3,
                "pointer": f"/needs/{selector}/0",
            },
        },
        {
            **base,
            **target,
            "target_security_group": "EndpointSecurityGroup",
            "port": 5432,
            "source": {
                "file": ".fargate-preflight.yaml",
                "line": 6,
                "pointer": f"/needs/{selector}/1",
            },
        },
        {
            **base,
            **target,
            "target_cidr": "10.0.1.7/32",
            "port": 6379,
            "source": {
                "file": ".fargate-preflight.yaml",
                "line": 8,
                "pointer": f"/needs/{selector}/2",
            },
        },
    ]


def test_metadata_needs_of_a_task_definition_apply_to_its_services(work: Path) -> None:
    service = work / "stacks" / "service.yaml"
    text = service.read_text("utf-8").replace(
        "  TaskDefinition:\n    Type: AWS::ECS::TaskDefinition\n",
        "  TaskDefinition:\n    Type: AWS::ECS::TaskDefinition\n"
        "    Metadata:\n      fargate-preflight:\n        needs:\n"
        "          - {service: sqs}\n          - {target: !Ref ServiceSecurityGroup, port: 8080}\n",
    )
    service.write_text(text, "utf-8")
    code, needs, stderr = declared(work)
    assert code == 0, stderr
    assert [
        (n["service"], n["endpoint"], n["target_security_group"], n["source"]) for n in needs
    ] == [
        (
            "Service",
            "sqs",
            None,
            {
                "file": "stacks/service.yaml",
                "line": 37,
                "pointer": "/Resources/TaskDefinition/Metadata/fargate-preflight/needs/0",
            },
        ),
        (
            "Service",
            None,
            "ServiceSecurityGroup",
            {
                "file": "stacks/service.yaml",
                "line": 38,
                "pointer": "/Resources/TaskDefinition/Metadata/fargate-preflight/needs/1",
            },
        ),
    ]


@pytest.mark.parametrize(
    ("needs", "errors"),
    [
        (
            "  Nope:\n    - service: sns\n",
            [
                ".fargate-preflight.yaml:2: needs: no service in the inputs is named 'Nope' "
                "(give its logical ID, Terraform address, ARN or task-definition family)"
            ],
        ),
        (
            "  Service:\n    - service: snss\n    - target: DatabaseSG\n      port: 5432\n"
            "    - target: 10.0.0.0/33\n      port: 1\n",
            [
                ".fargate-preflight.yaml:3: unknown endpoint service 'snss' (did you mean sns?)",
                ".fargate-preflight.yaml:4: target 'DatabaseSG' is no security group of the inputs "
                "(give its logical ID, Terraform address or sg- id, or an IPv4 CIDR)",
                ".fargate-preflight.yaml:6: target '10.0.0.0/33' is not an IPv4 CIDR block "
                "('33' is not a valid netmask)",
            ],
        ),
    ],
)
def test_needs_that_name_nothing_are_exit_2_and_the_rest_is_scanned(
    work: Path, needs: str, errors: list[str]
) -> None:
    write(work / ".fargate-preflight.yaml", "needs:\n" + needs)
    result = cli(work, "scan", "stacks")
    assert result.returncode == 2
    assert "FG202" in result.stdout  # the templates were still scanned
    assert [
        line.removeprefix("error: ")
        for line in result.stdout.splitlines()
        if line.startswith("error: ")
    ] == errors


def test_needs_on_a_resource_that_is_no_service_or_task_definition_are_exit_2(work: Path) -> None:
    add_metadata(
        work,
        "Vpc",
        """\
        Metadata:
          fargate-preflight:
            needs: [{service: sns}]
        """,
    )
    result = cli(work, "scan", "stacks")
    assert result.returncode == 2
    assert (
        "error: stacks/network.yaml:10: fargate-preflight needs are read on AWS::ECS::Service and "
        "AWS::ECS::TaskDefinition only, not on AWS::EC2::VPC\n"
    ) in result.stdout


def test_config_needs_name_a_terraform_service_by_its_address(work: Path) -> None:
    shutil.copytree(ROOT / "tests/fixtures/terraform/isolated-endpoint-sg-closed", work / "tf")
    write(
        work / ".fargate-preflight.yaml",
        """\
        needs:
          aws_ecs_service.app:
            - target: aws_security_group.endpoints
              port: 5432
        """,
    )
    result = cli(work, "export", "tf/plan.json")
    assert result.returncode == 0, result.stderr
    needs = json.loads(result.stdout)["declared_needs"]
    assert [(n["service"], n["target_security_group"], n["port"]) for n in needs] == [
        ("aws_ecs_service.app", "aws_security_group.endpoints", 5432)
    ]
    report = json.loads(cli(work, "scan", "tf/plan.json", "--format", "json").stdout)
    assert ("FG403", "target:aws_security_group.endpoints:5432") in {
        (f["rule_id"], f["need"]) for f in report["findings"]
    }


def test_an_ignore_of_no_rule_says_it_suppresses_nothing(work: Path) -> None:
    # FG220 for FG202: a typo that would otherwise leave the error reported, unexplained
    write(
        work / ".fargate-preflight.yaml",
        """\
        ignore:
          - id: FG202
            reason: known
            resources: Nothing
          - id: FG220
            reason: the endpoint ships next sprint
        """,
    )
    result = cli(work, "scan", "stacks")
    assert result.returncode == 1
    assert result.stdout.count("warning: ") == 1
    assert (
        "warning: .fargate-preflight.yaml:5: the ignore of FG220 suppresses nothing: no rule has "
        "that ID (`fargate-preflight rules` lists them)\n"
    ) in result.stdout


def test_every_pattern_of_the_schema_is_said_in_words() -> None:
    from scanner.config import _PATTERN_MEANS

    def patterns(node: object) -> set[str]:
        if isinstance(node, dict):
            own = {node["pattern"]} if isinstance(node.get("pattern"), str) else set()
            return own.union(*(patterns(v) for v in node.values()))
        if isinstance(node, list):
            return set().union(*(patterns(v) for v in node))
        return set()

    schema = json.loads((ROOT / "scanner" / "config.schema.json").read_text(encoding="utf-8"))
    assert patterns(schema) == set(_PATTERN_MEANS)
