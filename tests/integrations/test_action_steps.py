"""action.yml's steps, run locally with a simulated GitHub environment (action_runner.py).

The workspace is a git work tree with examples/isolated-vpc (one FG202 error) and a clean
deployment. Each test checks what GitHub would show: the `::error file=...,line=...::`
annotations in the log, the Markdown table in the job summary, the SARIF file handed to the
upload step, the step outputs and the job's result.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from action_runner import ActionRun, run_action
from integration_helpers import CLEAN, EXAMPLE, EXAMPLE_FILE, EXAMPLE_LINE, ROOT, git, write
from jsonschema import Draft4Validator

from scanner.api import catalogue

SARIF_SCHEMA = ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json"
REPOSITORY = "octo/infra"
FG202_MESSAGE = (
    "service Service cannot reach s3: task subnets PrivateSubnetA, PrivateSubnetB -> route "
    "table PrivateRouteTable: no default route and no s3 gateway endpoint on route table "
    "PrivateRouteTable and no s3 interface endpoint"
)
FG202_FIX = "Add an s3 gateway endpoint, or a NAT gateway."
# The install step pip-installs the action; most tests stand in for it with this checkout.
INSTALLED = {"install": {"python": sys.executable}}
UPLOAD = "Upload SARIF to code scanning"
FAIL = "Fail on findings"


def github_env(repo: Path, event: str = "push", **extra: str) -> dict[str, str]:
    return {
        "GITHUB_EVENT_NAME": event,
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_SHA": git(repo, "rev-parse", "HEAD").strip(),
        **extra,
    }


def run(
    repo: Path, tmp_path: Path, inputs: dict[str, str], install: bool = False, **env: str
) -> ActionRun:
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    return run_action(
        ROOT,
        repo,
        temp,
        inputs,
        github_env(repo, **env),
        stub_outputs=None if install else INSTALLED,
        # The installed package alone when the install step runs; else this checkout.
        extra_env={} if install else {"PYTHONPATH": str(ROOT)},
    )


# The example's service in a scan of the whole example repository, where the clean deployment
# has a service `Service` too: each is named by its id (docs/output.md, `service`).
EXAMPLE_SERVICE = "examples/isolated-vpc/service.yaml#Service"


def fg202_annotation(service: str = "Service") -> str:
    title = next(r.title for r in catalogue() if r.id == "FG202")
    message = FG202_MESSAGE.replace("service Service ", f"service {service} ", 1)
    return (
        f"::error file={EXAMPLE_FILE},line={EXAMPLE_LINE},title=FG202 {title}::"
        f"{message} Fix: {FG202_FIX}"
    )


def fg202_row(repo: Path) -> str:
    sha = git(repo, "rev-parse", "HEAD").strip()
    link = f"https://github.com/{REPOSITORY}/blob/{sha}/{EXAMPLE_FILE}#L{EXAMPLE_LINE}"
    message = FG202_MESSAGE.replace(">", "&gt;")
    return (
        f"| error | FG202 | [{EXAMPLE_FILE}:{EXAMPLE_LINE}]({link}) | Service | s3 | "
        f"{message}<br>**Fix:** {FG202_FIX} |"
    )


def sarif_of(result: ActionRun) -> dict[str, Any]:
    path = Path(result.step(UPLOAD).uses_with["sarif_file"])
    document = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert [e.message for e in Draft4Validator(schema).iter_errors(document)] == []
    assert isinstance(document, dict)
    return document


def located_results(sarif: dict[str, Any]) -> list[tuple[str, str, int]]:
    out = []
    for r in sarif["runs"][0]["results"]:
        where = r["locations"][0]["physicalLocation"]
        out.append((r["ruleId"], where["artifactLocation"]["uri"], where["region"]["startLine"]))
    return out


def runner_commands(log: str) -> list[str]:
    """The lines of a step's log that the Actions runner runs as workflow commands
    (ActionCommand.TryParseV2 and the legacy `##[`, after leading spaces; any line break
    ends a line), honouring `::stop-commands::TOKEN` ... `::TOKEN::`."""
    commands, token = [], None
    for line in re.split(r"\r\n|\r|\n", log):
        line = line.lstrip()
        if line.startswith("::") and "::" in line[2:]:
            name, data = line[2:].split("::", 1)[0].split(" ")[0], line[2:].split("::", 1)[1]
        elif line.startswith("##[") and "]" in line:
            name, data = line[3:].split("]", 1)[0].split(" ")[0], line.split("]", 1)[1]
        else:
            continue
        if token is not None:
            token = None if name.lower() == token.lower() else token
        elif name == "stop-commands":
            token = data
        else:
            commands.append(line)
    return commands


# --- a full scan --------------------------------------------------------------------------


def test_end_to_end_with_the_real_install(example_repo: Path, tmp_path: Path) -> None:
    """Every step as GitHub runs it, including pip-installing the action into a venv."""
    result = run(example_repo, tmp_path, {"paths": EXAMPLE}, install=True)
    install = result.step("Install fargate-preflight")
    assert install.returncode == 0, install.stderr
    venv_python = install.outputs["python"]
    assert venv_python == str(tmp_path / "runner-temp/fargate-preflight-venv/bin/python")
    assert result.step("Scan").returncode == 0, result.step("Scan").stderr
    assert fg202_annotation() in result.stdout.splitlines()
    assert located_results(sarif_of(result)) == [("FG202", EXAMPLE_FILE, EXAMPLE_LINE)]
    assert result.step(FAIL).returncode == 1
    assert result.outputs["exit-code"] == "1"


def test_findings_become_annotations_a_summary_table_and_sarif(
    example_repo: Path, tmp_path: Path
) -> None:
    result = run(example_repo, tmp_path, {"paths": EXAMPLE, "format": "none"})
    scan = result.step("Scan")
    assert scan.returncode == 0, scan.stderr
    annotations = [line for line in scan.stdout.splitlines() if line.startswith("::")]
    assert annotations == [fg202_annotation()]
    assert result.summary.splitlines()[:7] == [
        "## fargate-preflight",
        "",
        "1 error, 0 warnings, 0 notes: the check fails (fail-on: error).",
        "",
        "| Level | Rule | Location | Service | Need | Finding |",
        "|---|---|---|---|---|---|",
        fg202_row(example_repo),
    ]
    sarif = sarif_of(result)
    assert located_results(sarif) == [("FG202", EXAMPLE_FILE, EXAMPLE_LINE)]
    assert sarif["runs"][0]["automationDetails"]["id"] == "fargate-preflight/"
    assert result.outputs == {
        "exit-code": "1",
        "sarif-file": str(tmp_path / "runner-temp" / "fargate-preflight.sarif"),
        "errors": "1",
        "warnings": "0",
        "notes": "0",
    }
    # The job fails in the last step, after the upload.
    assert [(s.name, s.ran, s.returncode) for s in result.steps[-2:]] == [
        (UPLOAD, True, 0),
        (FAIL, True, 1),
    ]


def test_the_text_report_goes_to_the_log_in_a_group(example_repo: Path, tmp_path: Path) -> None:
    result = run(example_repo, tmp_path, {"paths": EXAMPLE})
    lines = result.step("Scan").stdout.splitlines()
    start = lines.index("::group::fargate-preflight text report")
    end = lines.index("::endgroup::")
    # Inert: the runner runs no line of the report as a workflow command.
    token = lines[start + 1].removeprefix("::stop-commands::")
    assert len(token) == 32
    assert lines[start + 2 : start + 7] == [
        "Service",
        "  ecr.api  via interface endpoint EcrApiEndpoint  ok",
        "  ecr.dkr  via interface endpoint EcrDkrEndpoint  ok",
        "  logs     via interface endpoint LogsEndpoint    ok",
        "  s3       no path                                fail",
    ]
    assert lines[end - 2 : end] == ["1 error, 0 warnings, 0 notes", f"::{token}::"]


def test_values_of_the_inputs_run_no_workflow_command(example_repo: Path, tmp_path: Path) -> None:
    """A container named `app\\n::error ...` in a task definition: the text report, the JSON
    report and the notices print it, but the runner runs only the scanner's own commands."""
    hostile = "app\n::error file=x::injected\r::add-mask::x\n##[warning]legacy\n"
    task = {
        "family": "web",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [
            {
                "name": hostile + "::stop-commands::x\n",
                "image": "nginx",
                "essential": True,
                "environment": [{"name": "AWS_ACCESS_KEY_ID", "value": "AKIAXXXXXXXXXXXXXXXX"}],
            }
        ],
    }
    write(example_repo, {"td/taskdef.json": json.dumps(task), "td/notes.yaml": "a: 1\n"})
    result = run(example_repo, tmp_path, {"paths": "td", "format": "text json"})
    log = result.step("Scan").stdout
    assert "::error file=x::injected" in log  # printed, but inert
    names = [re.match(r"(?:::|##\[)([\w-]+)", c).group(1) for c in runner_commands(log)]  # type: ignore[union-attr]
    assert names == [
        "warning",  # FG108, escaped by --format github
        "notice",  # FG703
        "group",
        "endgroup",
        "group",
        "endgroup",
    ]
    assert result.step("Scan").stderr == "fargate-preflight: exit code 0\n"


def test_fail_on_never_keeps_the_job_green(example_repo: Path, tmp_path: Path) -> None:
    result = run(example_repo, tmp_path, {"paths": EXAMPLE, "fail-on": "never"})
    assert result.outputs["exit-code"] == "0"
    assert result.outputs["errors"] == "1"
    assert not result.failed
    assert "the check passes (fail-on: never)" in result.summary


def test_the_configuration_file_decides_when_fail_on_is_not_given(
    example_repo: Path, tmp_path: Path
) -> None:
    config = example_repo / "ci" / "preflight.yaml"
    config.parent.mkdir(exist_ok=True)
    config.write_text("fail-on: never\n", encoding="utf-8")
    result = run(example_repo, tmp_path, {"paths": EXAMPLE, "config": "ci/preflight.yaml"})
    assert result.outputs["exit-code"] == "0"
    assert result.outputs["errors"] == "1"
    assert "the check passes (fail-on: never)" in result.summary
    stated = run(
        example_repo,
        tmp_path,
        {"paths": EXAMPLE, "config": "ci/preflight.yaml", "fail-on": "error"},
    )
    assert stated.outputs["exit-code"] == "1"
    assert "the check fails (fail-on: error)" in stated.summary


NOTE_ONLY = {  # a task definition that gives one FG703 note
    "family": "web",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [{"name": "app", "image": "nginx", "essential": True}],
}


def test_fail_on_and_config_in_extra_args_decide_the_job(
    example_repo: Path, tmp_path: Path
) -> None:
    """As `scan --fail-on note` and `scan --config alt.yaml` do (field test 19: the job passed
    on `fail-on: error` whatever extra-args said)."""
    write(
        example_repo, {"td/taskdef.json": json.dumps(NOTE_ONLY), "ci/alt.yaml": "fail-on: note\n"}
    )
    base = {"paths": "td", "format": "none"}
    assert run(example_repo, tmp_path, base).outputs["exit-code"] == "0"
    for extra in ("--fail-on note", "--fail-on=note", "--config ci/alt.yaml"):
        result = run(example_repo, tmp_path, {**base, "extra-args": extra})
        assert (result.outputs["exit-code"], result.outputs["notes"]) == ("1", "1"), extra
        assert result.step(FAIL).returncode == 1
        assert "0 errors, 0 warnings, 1 note: the check fails (fail-on: note)." in result.summary
    never = run(example_repo, tmp_path, {"paths": EXAMPLE, "extra-args": "--fail-on never"})
    assert (never.outputs["exit-code"], never.outputs["errors"]) == ("0", "1")
    assert "the check passes (fail-on: never)" in never.summary
    both = run(example_repo, tmp_path, {**base, "fail-on": "error", "extra-args": "--fail-on note"})
    assert both.step("Scan").stdout.splitlines()[0] == (
        "::error title=fargate-preflight::input fail-on is 'error' and extra-args has "
        "--fail-on note: give one of them"
    )
    assert not both.step(UPLOAD).ran
    assert both.step(FAIL).returncode == 2


def test_a_bad_configuration_file_is_annotated(example_repo: Path, tmp_path: Path) -> None:
    """Not only a line of the log between stop-commands (field test 19, D5)."""
    write(example_repo, {".fargate-preflight.yaml": "# ci\nfail_on: x\n"})
    result = run(example_repo, tmp_path, {"paths": EXAMPLE})
    message = (
        "Additional properties are not allowed ('fail_on' was unexpected); did you mean "
        "'fail-on' for 'fail_on'?"
    )
    assert runner_commands(result.step("Scan").stdout) == [
        "::error file=.fargate-preflight.yaml,line=2,title=fargate-preflight%3A bad input::"
        + message
    ]
    assert result.summary.splitlines() == [
        "## fargate-preflight",
        "",
        "The configuration file is not valid: nothing was scanned (exit code 2).",
        "",
        "### Bad input",
        "",
        "- .fargate-preflight.yaml:2: " + message.replace("_", "\\_"),
    ]
    assert result.outputs["exit-code"] == "2"
    assert not result.step(UPLOAD).ran
    assert result.step(FAIL).returncode == 2


def test_the_configurations_warnings_are_annotated(example_repo: Path, tmp_path: Path) -> None:
    ignores = (
        "ignore:\n"
        "  - {id: FG220, reason: a typo}\n"
        "  - {id: FG202, reason: old, expires: 2020-01-01}\n"
    )
    write(example_repo, {".fargate-preflight.yaml": ignores})
    result = run(example_repo, tmp_path, {"paths": EXAMPLE, "format": "none"})
    warnings = [
        ".fargate-preflight.yaml:2: the ignore of FG220 suppresses nothing: no rule has that ID "
        "(`fargate-preflight rules` lists them)",
        ".fargate-preflight.yaml:3: the ignore of FG202 expired on 2020-01-01; its findings are "
        "reported again",
    ]
    assert runner_commands(result.step("Scan").stdout) == [
        fg202_annotation(),
        *(f"::warning title=fargate-preflight::{w}" for w in warnings),
    ]
    section = result.summary.split("### Warnings\n\n")[1].splitlines()
    assert section[:2] == ["- " + w.replace("`", "\\`") for w in warnings]
    assert result.outputs["exit-code"] == "1"


def test_paths_with_nothing_to_check_give_a_warning(example_repo: Path, tmp_path: Path) -> None:
    """A typo in `paths` (an existing folder without templates) still passes, as the CLI does,
    but says so where it shows."""
    (example_repo / "infra").mkdir()
    result = run(example_repo, tmp_path, {"paths": "infra", "format": "none"})
    warning = (
        "nothing to check: no ECS task definition or service was found in paths infra: is the "
        "paths input right?"
    )
    assert runner_commands(result.step("Scan").stdout) == [
        f"::warning title=fargate-preflight::{warning}"
    ]
    assert f"### Warnings\n\n- {warning}\n" in result.summary
    assert result.step(FAIL).returncode == 0
    found = run(example_repo, tmp_path, {"paths": EXAMPLE, "format": "none"})
    assert "### Warnings" not in found.summary


def test_a_clean_deployment_passes(example_repo: Path, tmp_path: Path) -> None:
    result = run(example_repo, tmp_path, {"paths": CLEAN, "fail-on": "note"})
    assert not result.failed
    assert located_results(sarif_of(result)) == []
    assert "0 errors, 0 warnings, 0 notes: the check passes (fail-on: note)." in result.summary


def test_upload_sarif_false_skips_only_the_upload(example_repo: Path, tmp_path: Path) -> None:
    result = run(example_repo, tmp_path, {"paths": EXAMPLE, "upload-sarif": "false"})
    assert not result.step(UPLOAD).ran
    assert result.step(FAIL).returncode == 1
    assert Path(result.outputs["sarif-file"]).is_file()


def test_suppressed_findings_stay_out_of_the_upload_unless_asked(
    example_repo: Path, tmp_path: Path
) -> None:
    """Code scanning does not honour SARIF suppressions: it would open an alert for FG202."""
    ignore = "ignore:\n  - {id: FG202, reason: accepted until the endpoint lands}\n"
    write(example_repo, {".fargate-preflight.yaml": ignore, "other.yaml": "a: 1\n"})
    inputs = {"paths": f"{EXAMPLE} {CLEAN}", "format": "none"}
    result = run(example_repo, tmp_path, inputs)
    assert sarif_of(result)["runs"][0]["results"] == []
    assert (
        "fargate-preflight: 1 suppressed finding left out of the SARIF file: code scanning "
        "would show each as an open alert (upload-suppressed: true keeps them)"
    ) in result.step("Scan").stdout.splitlines()
    assert "1 suppressed finding is not counted." in result.summary
    assert result.step(FAIL).returncode == 0
    kept = run(example_repo, tmp_path, {**inputs, "upload-suppressed": "true"})
    (suppressed,) = sarif_of(kept)["runs"][0]["results"]
    assert (suppressed["ruleId"], suppressed["suppressions"][0]["kind"]) == ("FG202", "external")


def test_sarif_file_and_category_inputs(example_repo: Path, tmp_path: Path) -> None:
    inputs = {"paths": EXAMPLE, "sarif-file": "out/scan.sarif", "category": "iac/prod"}
    result = run(example_repo, tmp_path, inputs)
    assert result.step(UPLOAD).uses_with == {"sarif_file": str(example_repo / "out/scan.sarif")}
    assert sarif_of(result)["runs"][0]["automationDetails"]["id"] == "iac/prod/"


def test_a_broken_template_fails_the_job_after_the_upload(
    example_repo: Path, tmp_path: Path
) -> None:
    write(example_repo, {"broken.template": "Resources:\n  Bad: [unclosed\n"})
    result = run(example_repo, tmp_path, {"paths": f"{EXAMPLE} broken.template"})
    assert result.step(UPLOAD).ran
    assert result.step(FAIL).returncode == 2
    assert result.summary.splitlines()[2] == (
        "1 error, 0 warnings, 0 notes; 1 input error: the check fails because of the bad input "
        "below (exit code 2)."
    )
    assert "### Bad input" in result.summary
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error file=broken")]
    assert len(errors) == 1
    assert errors[0].startswith(
        "::error file=broken.template,line=2,title=fargate-preflight%3A bad"
    )


def test_a_docker_compose_file_is_skipped_not_an_error(example_repo: Path, tmp_path: Path) -> None:
    write(example_repo, {"docker-compose.yml": "services:\n  web:\n    image: nginx\n"})
    result = run(example_repo, tmp_path, {"paths": f"{CLEAN} docker-compose.yml"})
    assert not result.failed
    assert "docker-compose.yml: skipped" in result.step("Scan").stdout


def test_an_invalid_input_fails_without_a_scan(example_repo: Path, tmp_path: Path) -> None:
    result = run(example_repo, tmp_path, {"fail-on": "critical"})
    assert result.step("Scan").stdout.startswith("::error title=fargate-preflight::input fail-on")
    assert not result.step(UPLOAD).ran  # no SARIF file
    assert result.step(FAIL).returncode == 2


# --- changed-only on pull requests --------------------------------------------------------


def pull_request(repo: Path, changes: dict[str, str | Path], delete: tuple[str, ...] = ()) -> None:
    """A `feature` branch with `changes` on top of main, checked out, with origin/main."""
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, changes)
    for name in delete:
        git(repo, "rm", "-q", name)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    git(repo, "update-ref", "refs/remotes/origin/main", "main")


def changed_only(repo: Path, tmp_path: Path, **env: str) -> ActionRun:
    inputs = {"changed-only": "true", "format": "none"}
    return run(repo, tmp_path, inputs, event="pull_request", GITHUB_BASE_REF="main", **env)


def scanned(result: ActionRun) -> list[str]:
    lines = result.step("Scan").stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "changed-only: scanning" in line)
    return [line.split(": ", 1)[1] for line in lines[start + 1 :] if line.startswith("fargate-")]


def test_changed_network_template_scans_its_importers(example_repo: Path, tmp_path: Path) -> None:
    comment = (example_repo / EXAMPLE_FILE).read_text(encoding="utf-8") + "# reviewed\n"
    pull_request(example_repo, {EXAMPLE_FILE: comment})
    result = changed_only(example_repo, tmp_path)
    assert scanned(result) == [
        "  examples/isolated-vpc/network.yaml: changed",
        "  examples/isolated-vpc/service.yaml: imports from examples/isolated-vpc/network.yaml",
    ]
    assert fg202_annotation() in result.stdout.splitlines()
    assert result.step(FAIL).returncode == 1


def test_changed_service_template_brings_its_exports(example_repo: Path, tmp_path: Path) -> None:
    service = f"{EXAMPLE}/service.yaml"
    text = (example_repo / service).read_text(encoding="utf-8") + "# reviewed\n"
    pull_request(example_repo, {service: text})
    result = changed_only(example_repo, tmp_path)
    assert scanned(result) == [
        "  examples/isolated-vpc/network.yaml: exports to examples/isolated-vpc/service.yaml",
        "  examples/isolated-vpc/service.yaml: changed",
    ]
    assert located_results(sarif_of(result)) == [("FG202", EXAMPLE_FILE, EXAMPLE_LINE)]


def test_unrelated_change_leaves_the_example_out(example_repo: Path, tmp_path: Path) -> None:
    service = f"{CLEAN}/service.yml"
    text = (example_repo / service).read_text(encoding="utf-8") + "# reviewed\n"
    pull_request(example_repo, {service: text})
    result = changed_only(example_repo, tmp_path)
    assert all(EXAMPLE not in line for line in scanned(result))
    assert f"  {service}: changed" in scanned(result)
    assert located_results(sarif_of(result)) == []
    assert not result.failed


def test_no_template_changed_uploads_an_empty_analysis(example_repo: Path, tmp_path: Path) -> None:
    broken_non_template = "services:\n  web: {image: nginx\n"
    pull_request(example_repo, {"README.md": "# infra\n", "compose.yml": broken_non_template})
    result = changed_only(example_repo, tmp_path)
    log = result.step("Scan").stdout
    assert "compose.yml: skipped: not valid YAML or JSON" in log
    assert "changed-only: no template changed: nothing to scan" in log
    assert located_results(sarif_of(result)) == []
    assert result.outputs["exit-code"] == "0"
    assert "No template changed in this pull request: nothing to scan." in result.summary
    assert not result.failed


def test_the_merge_commit_of_a_pull_request_is_enough(example_repo: Path, tmp_path: Path) -> None:
    """actions/checkout's default for pull_request: the merge commit, fetch-depth 2."""
    comment = (example_repo / EXAMPLE_FILE).read_text(encoding="utf-8") + "# reviewed\n"
    pull_request(example_repo, {EXAMPLE_FILE: comment})
    git(example_repo, "update-ref", "-d", "refs/remotes/origin/main")
    git(example_repo, "checkout", "-q", "--detach", "main")
    git(example_repo, "merge", "-q", "--no-ff", "-m", "merge", "feature")
    result = changed_only(example_repo, tmp_path)
    assert "  examples/isolated-vpc/network.yaml: changed" in scanned(result)
    assert fg202_annotation() in result.stdout.splitlines()


def test_without_the_base_commit_everything_is_scanned(example_repo: Path, tmp_path: Path) -> None:
    pull_request(example_repo, {f"{CLEAN}/extra.yml": "a: 1\n"})
    git(example_repo, "update-ref", "-d", "refs/remotes/origin/main")
    result = changed_only(example_repo, tmp_path)
    assert "the pull request's base commit is not in the checkout" in result.stdout
    assert fg202_annotation(EXAMPLE_SERVICE) in result.stdout.splitlines()


def test_a_deleted_template_makes_a_full_scan(example_repo: Path, tmp_path: Path) -> None:
    pull_request(example_repo, {}, delete=(f"{CLEAN}/cluster.yml",))
    result = changed_only(example_repo, tmp_path)
    assert f"changed-only: {CLEAN}/cluster.yml was deleted" in result.stdout
    assert fg202_annotation(EXAMPLE_SERVICE) in result.stdout.splitlines()


def test_changed_only_outside_pull_requests_scans_everything(
    example_repo: Path, tmp_path: Path
) -> None:
    result = run(example_repo, tmp_path, {"changed-only": "true"}, event="push")
    assert "changed-only applies to pull requests: scanning all paths" in result.stdout
    assert fg202_annotation(EXAMPLE_SERVICE) in result.stdout.splitlines()


@pytest.mark.parametrize("value", ["true", "TRUE", "yes"])
def test_changed_only_accepts_yaml_booleans(value: str) -> None:
    from scanner.integrations.github import ActionInputs

    assert ActionInputs.from_env({"FP_CHANGED_ONLY": value}).changed_only is True
