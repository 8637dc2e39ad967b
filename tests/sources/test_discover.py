"""Which files a scan reads: README.md "What gets scanned"."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from scanner.sources.cloudformation import is_cloudformation
from scanner.sources.discover import Discovery, discover, relative_name, scanned_root

TEMPLATE = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n"


def _is_ecs(data: Any) -> bool:
    return isinstance(data, dict) and "containerDefinitions" in data


DETECTORS = {"cloudformation": is_cloudformation, "ecs": _is_ecs}


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _run(root: Path, *paths: str | Path) -> Discovery:
    return discover([root / p for p in paths] or [root], root, DETECTORS)


def _errors(found: Discovery) -> list[tuple[str, int | None, str]]:
    return [(e.file, e.line, e.message) for e in found.errors]


def test_a_directory_is_walked_in_name_order_skipping_dot_directories(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "b.yaml": TEMPLATE,
            "a/z.yml": TEMPLATE,
            "a/b.json": '{"Resources": {}}',
            "a.template": TEMPLATE,
            ".github/ci.yaml": TEMPLATE,
            "x/.hidden/t.yaml": TEMPLATE,
            "x/.dot.yaml": TEMPLATE,  # a dot-file is read; only dot-directories are skipped
            "notes.txt": TEMPLATE,  # not a template suffix: not read when walking
            "ecs.json": '{"family": "f", "containerDefinitions": []}',
        },
    )
    found = _run(tmp_path, ".")
    assert [(f.rel, f.kind, f.named) for f in found.files] == [
        ("a/b.json", "cloudformation", False),
        ("a/z.yml", "cloudformation", False),
        ("a.template", "cloudformation", False),
        ("b.yaml", "cloudformation", False),
        ("ecs.json", "ecs", False),
        ("x/.dot.yaml", "cloudformation", False),
    ]
    assert found.errors == [] and found.notices == []
    first = found.files[0]
    assert first.path == tmp_path / "a" / "b.json" and first.text == '{"Resources": {}}'
    assert first.data == {"Resources": {}}


def test_a_named_file_of_any_extension_is_read(tmp_path: Path) -> None:
    _write(tmp_path, {"stack.cfn": TEMPLATE})
    found = _run(tmp_path, "stack.cfn")
    assert [(f.rel, f.kind, f.named) for f in found.files] == [
        ("stack.cfn", "cloudformation", True)
    ]


def test_a_file_reached_twice_is_read_once_and_counts_as_named(tmp_path: Path) -> None:
    _write(tmp_path, {"t/a.yaml": TEMPLATE})
    found = _run(tmp_path, "t", "t/a.yaml", "t/../t/a.yaml")
    assert [(f.rel, f.named) for f in found.files] == [("t/a.yaml", True)]


def test_symlinked_directories_are_not_followed(tmp_path: Path) -> None:
    _write(tmp_path, {"real/a.yaml": TEMPLATE})
    (tmp_path / "scan").mkdir()
    (tmp_path / "scan" / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "scan" / "file.yaml").symlink_to(tmp_path / "real" / "a.yaml")
    found = _run(tmp_path, "scan")
    assert [f.rel for f in found.files] == ["scan/file.yaml"]
    assert found.notices == [
        f"{(tmp_path / 'scan' / 'link').as_posix()}: skipped: a symbolic link to a directory"
    ]


def test_other_files_that_parse_are_skipped_with_a_notice(tmp_path: Path) -> None:
    _write(tmp_path, {"ci.yaml": "on: push\n", "empty.yml": "", "list.json": "[1, 2]"})
    found = _run(tmp_path, ".")
    assert found.files == [] and found.errors == []
    assert found.notices == [
        f"{name}: skipped: not a CloudFormation template, ECS JSON file or Terraform plan"
        for name in ("ci.yaml", "empty.yml", "list.json")
    ]


def test_a_codedeploy_appspec_beside_a_task_definition_is_skipped_with_a_notice(
    tmp_path: Path,
) -> None:
    # its Resources are a list: not a broken template (as `Resources: []` without version is)
    appspec = (
        "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n"
        '      Properties: {TaskDefinition: "<TASK_DEFINITION>"}\n'
    )
    _write(tmp_path, {"appspec.yaml": appspec, "broken.yaml": "Resources:\n  - X\n"})
    found = _run(tmp_path, ".")
    assert found.notices == ["appspec.yaml: skipped: a CodeDeploy AppSpec file"]
    assert [(e.file, e.line) for e in found.errors] == [("broken.yaml", 1)]
    assert _run(tmp_path, "appspec.yaml").errors == []


def test_a_cdk_cloud_assemblys_own_files_are_skipped_without_a_notice(tmp_path: Path) -> None:
    # manifest.json names the stacks (the CloudFormation source reads it); tree.json and the
    # asset manifests are CDK's. A manifest.json of something else is still a notice.
    _write(
        tmp_path,
        {
            "cdk.out/manifest.json": '{"version": "36.0.0", "artifacts": {}}',
            "cdk.out/tree.json": '{"version": "tree-0.1", "tree": {}}',
            "cdk.out/App.assets.json": '{"version": "36.0.0", "files": {}, "dockerImages": {}}',
            # (cdk synth 2.275: field test 21)
            "cdk.out/App.metadata.json": '{"/App": [{"type": "aws:cdk:logicalId", "data": "A"}]}',
            "cdk.out/validation-report.json": '{"version": "55.0.0", "pluginReports": []}',
            "web/manifest.json": '{"name": "app", "version": "1.0"}',
            "other/app.metadata.json": '{"name": "app"}',  # no cloud assembly here
        },
    )
    found = _run(tmp_path, ".")
    assert (found.files, found.errors) == ([], [])
    assert found.notices == [
        "other/app.metadata.json: skipped: not a CloudFormation template, ECS JSON file or "
        "Terraform plan",
        "web/manifest.json: skipped: not a CloudFormation template, ECS JSON file or "
        "Terraform plan",
    ]


def test_a_named_file_that_is_no_template_is_a_notice_too(tmp_path: Path) -> None:
    _write(tmp_path, {"values.yaml": "replicas: 3\n"})
    found = _run(tmp_path, "values.yaml")
    assert found.errors == [] and len(found.notices) == 1


@pytest.mark.parametrize(
    ("name", "text", "line", "message"),
    [
        ("named.txt", "a: [\n", 1, "not valid YAML"),
        ("bad.template", "a: [\n", 1, "not valid YAML"),
        ("looks.yaml", "Resources:\n  X: [\n", 2, "not valid YAML"),
        (
            "format.json",
            '{"AWSTemplateFormatVersion": "2010-09-09",\n "a": [}',
            2,
            "not valid JSON",
        ),
    ],
)
def test_an_unparsable_template_is_an_error_with_its_line(
    tmp_path: Path, name: str, text: str, line: int, message: str
) -> None:
    _write(tmp_path, {name: text})
    found = _run(tmp_path, name) if name == "named.txt" else _run(tmp_path, ".")
    assert [(e.file, e.line) for e in found.errors] == [(name, line)]
    assert found.errors[0].message.startswith(message)
    assert found.files == [] and found.notices == []


def test_an_unparsable_file_that_is_no_template_is_skipped_when_walking(tmp_path: Path) -> None:
    _write(tmp_path, {"chart/values.yaml": "a: {{ .Values.x }}\n"})
    found = _run(tmp_path, ".")
    assert found.errors == []
    assert found.notices == [
        "chart/values.yaml: skipped: not valid YAML or JSON (line 1: a mapping key must be a "
        "string or number)"
    ]


def test_a_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    found = discover([tmp_path / "nope.yaml"], tmp_path, DETECTORS)
    assert _errors(found) == [
        ((tmp_path / "nope.yaml").as_posix(), None, "no such file or directory")
    ]


def test_non_utf8_and_unreadable_files_are_errors(tmp_path: Path) -> None:
    _write(tmp_path, {"latin.yaml": b"Resources:\n  # caf\xe9\n", "locked.yaml": TEMPLATE})
    (tmp_path / "locked.yaml").chmod(0)
    try:
        found = _run(tmp_path, ".")
    finally:
        (tmp_path / "locked.yaml").chmod(0o644)
    errors = _errors(found)
    assert errors[0] == ("latin.yaml", 2, "not UTF-8 text (byte 0xe9 at offset 18)")
    if os.geteuid() != 0:  # root reads anything
        assert errors[1] == ("locked.yaml", None, "cannot read: Permission denied")


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    _write(tmp_path, {"bom.yaml": "\ufeff" + TEMPLATE})
    found = _run(tmp_path, "bom.yaml")
    assert [f.kind for f in found.files] == ["cloudformation"] and found.errors == []


def test_files_over_20_mb_are_errors_and_not_read(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024 + 1)  # sparse: nothing is written
    found = _run(tmp_path, "big.json")
    assert _errors(found) == [
        ("big.json", None, "file is 20.0 MB, over the 20 MB limit (--max-file-size); not read")
    ]


def test_rel_is_relative_to_the_root_else_the_absolute_real_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, outside = tmp_path / "repo", tmp_path / "elsewhere"
    _write(root, {"t/a.yaml": TEMPLATE})
    _write(outside, {"b.yaml": TEMPLATE})
    os.symlink(outside, tmp_path / "link")
    found = discover([root / "t" / "a.yaml", outside / "b.yaml"], root, DETECTORS)
    real = Path(os.path.realpath(outside / "b.yaml")).as_posix()
    assert [f.rel for f in found.files] == ["t/a.yaml", real]
    assert relative_name(Path("t/a.yaml"), Path(".")) == "t/a.yaml"
    # Before: a file outside the root kept the name the command gave it (`../elsewhere/b.yaml`
    # here, relative to the working directory), so one file had several names.
    monkeypatch.chdir(root / "t")
    for named in ("../../elsewhere/b.yaml", outside / "b.yaml", tmp_path / "link" / "b.yaml"):
        assert relative_name(Path(named), root) == real
    assert relative_name(Path("a.yaml"), root) == "t/a.yaml"


def test_the_first_detector_that_claims_a_file_names_its_kind(tmp_path: Path) -> None:
    _write(tmp_path, {"both.json": '{"Resources": {}, "containerDefinitions": []}'})
    found = discover([tmp_path], tmp_path, {"ecs": _is_ecs, "cloudformation": is_cloudformation})
    assert [f.kind for f in found.files] == ["ecs"]


def test_scanned_root_is_the_git_work_tree_else_the_directory(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "a" / "b").mkdir(parents=True)
    (tmp_path / "wt" / "c").mkdir(parents=True)
    (tmp_path / "wt" / ".git").write_text("gitdir: /elsewhere\n")  # a worktree's .git is a file
    (tmp_path / "plain").mkdir()
    assert scanned_root(tmp_path / "repo" / "a" / "b") == tmp_path / "repo"
    assert scanned_root(tmp_path / "wt" / "c") == tmp_path / "wt"
    plain = tmp_path / "plain"
    expected = plain if not any((p / ".git").exists() for p in plain.parents) else None
    if expected is not None:
        assert scanned_root(plain) == plain


@pytest.mark.parametrize(
    ("data", "claimed"),
    [
        ({"Resources": {"A": {"Type": "AWS::SNS::Topic"}}}, True),
        ({"AWSTemplateFormatVersion": "2010-09-09"}, True),
        ({"Resources": "not a map"}, False),
        ({"resources": {}}, False),
        (["Resources"], False),
        (None, False),
    ],
)
def test_is_cloudformation(data: Any, claimed: bool) -> None:
    assert is_cloudformation(data) is claimed


def test_a_repeated_key_in_ecs_json_is_read_as_the_aws_cli_reads_it(tmp_path: Path) -> None:
    # Python's json, JSON.parse and Go keep the last value; CloudFormation rejects the template
    ecs = (
        '{"family": "app",\n "containerDefinitions": [{"name": "a",\n  "essential": true,\n'
        '  "essential": false}]}'
    )
    template = (
        '{"Resources": {"A": {"Type": "AWS::SNS::Topic"},\n "A": {"Type": "AWS::SNS::Topic"}}}'
    )
    _write(tmp_path, {"td.json": ecs, "stack.json": template})
    found = _run(tmp_path)
    (loaded,) = found.files
    assert loaded.rel == "td.json"
    assert loaded.data["containerDefinitions"][0]["essential"] is False
    assert loaded.data["containerDefinitions"][0].key_lines["essential"] == 4
    assert found.notices == [
        "td.json:4: duplicate key 'essential' (first at line 3): the last value is used, as the "
        "AWS CLI reads it"
    ]
    assert _errors(found) == [("stack.json", 2, "duplicate key 'A' (first at line 1)")]


def test_ecs_json_that_only_yaml_reads_is_an_error(tmp_path: Path) -> None:
    # Field test 19, D2: a trailing comma. The AWS CLI (--cli-input-json), ecspresso and the ECS
    # deploy Action read an ECS file as JSON and refuse it; CloudFormation reads a template
    # that is not JSON as YAML, so the same comma in a template is fine.
    ecs = '{"family": "app",\n "containerDefinitions": [{"name": "a", "image": "nginx"}],\n}'
    template = '{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"},\n}}'
    _write(tmp_path, {"td.json": ecs, "stack.json": template})
    found = _run(tmp_path)
    assert [f.rel for f in found.files] == ["stack.json"]
    assert _errors(found) == [
        (
            "td.json",
            3,
            "not valid JSON: expected a string key (the AWS CLI and ECS deploy tools read it "
            "as JSON)",
        )
    ]


# --- inputs as the scan detects them (every source's detector) -------------------------------

TF_NOT_A_PLAN = Path(__file__).parent.parent / "fixtures" / "terraform" / "not-a-plan"
PLAN_RECIPE = (
    "run `terraform plan -out tfplan && terraform show -json tfplan > plan.json` and scan plan.json"
)
SKIPPED = "skipped: not a CloudFormation template, ECS JSON file or Terraform plan"
K8S = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n---\n"
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
)


def _scan(root: Path, *paths: str) -> Discovery:
    from scanner.api import sources

    detectors = {s.kind: s.detect for s in sources()}
    return discover([root / p for p in paths] or [root], root, detectors)


@pytest.mark.parametrize("named", [False, True])
def test_a_kubernetes_manifest_of_several_documents_is_skipped(tmp_path: Path, named: bool) -> None:
    # Field test 23, D1: `---` between documents is valid YAML; named, it was exit 2
    _write(tmp_path, {"k8s.yaml": K8S, "empty-first.yml": "---\n---\nkind: Service\n"})
    found = _scan(tmp_path, *(["k8s.yaml", "empty-first.yml"] if named else []))
    assert (found.files, found.errors) == ([], [])
    assert sorted(found.notices) == [f"empty-first.yml: {SKIPPED}", f"k8s.yaml: {SKIPPED}"]


@pytest.mark.parametrize("named", [False, True])
def test_a_template_with_more_documents_after_it_is_an_error(tmp_path: Path, named: bool) -> None:
    _write(
        tmp_path,
        {
            "two.yaml": TEMPLATE + "---\n" + TEMPLATE,
            "ecs.yml": "family: web\ncontainerDefinitions: []\n---\nkind: Service\n",
            "broken.yaml": "Resources: []\n---\nkind: Service\n",
            "x.template": "kind: Deployment\n---\nkind: Service\n",
        },
    )
    found = _scan(
        tmp_path, *(["two.yaml", "ecs.yml", "broken.yaml", "x.template"] if named else [])
    )
    assert (found.files, found.notices) == ([], [])
    assert sorted(_errors(found)) == [
        (
            "broken.yaml",
            2,
            "a CloudFormation template is one YAML document; this file has more (line 2)",
        ),
        ("ecs.yml", 3, "an ECS JSON file is one YAML document; this file has more (line 3)"),
        (
            "two.yaml",
            5,
            "a CloudFormation template is one YAML document; this file has more (line 5)",
        ),
        (
            "x.template",
            2,
            "a CloudFormation template is one YAML document; this file has more (line 2)",
        ),
    ]


TASK_DEFINITION = (
    '{{\n  "family": "web",\n  "networkMode": "awsvpc",\n  "requiresCompatibilities": '
    '["FARGATE"],\n  "cpu": "256",\n  "memory": "512",\n  {containers}\n}}\n'
)
CONTAINERS = '[{"name": "web", "image": "nginx:1.27", "essential": true}]'


@pytest.mark.parametrize(
    ("containers", "line", "message"),
    [
        (
            f'"containerDefinitons": {CONTAINERS}',
            7,
            "a task definition needs containerDefinitions, the list of its containers; did you "
            "mean 'containerDefinitions' for 'containerDefinitons'?",
        ),
        (  # CloudFormation's spelling
            f'"ContainerDefinitions": {CONTAINERS}',
            7,
            "a task definition needs containerDefinitions, the list of its containers; did you "
            "mean 'containerDefinitions' for 'ContainerDefinitions'?",
        ),
        ('"containerDefinitions": "nope"', 7, "containerDefinitions must be a list, not a string"),
        (
            '"containerDefinitions": {"name": "web"}',
            7,
            "containerDefinitions must be a list, not an object",
        ),
        ('"containerDefinitions": null', 7, "containerDefinitions must be a list, not null"),
        (
            '"containers": []',
            1,
            "a task definition needs containerDefinitions, the list of its containers",
        ),
    ],
)
@pytest.mark.parametrize("named", [False, True])
def test_a_task_definition_without_its_containers_is_an_error(
    tmp_path: Path, containers: str, line: int, message: str, named: bool
) -> None:
    # Field test 23, D5: skipped with exit 0, and a CI check on it stayed green
    _write(tmp_path, {"td.json": TASK_DEFINITION.format(containers=containers)})
    found = _scan(tmp_path, *(["td.json"] if named else []))
    assert (found.files, found.notices) == ([], [])
    assert _errors(found) == [("td.json", line, message)]


def test_a_described_task_definition_without_its_containers_is_an_error(tmp_path: Path) -> None:
    inner = TASK_DEFINITION.format(containers=f'"containerDefinition": {CONTAINERS}')
    _write(tmp_path, {"describe.json": '{"taskDefinition":\n' + inner + "}"})
    found = _scan(tmp_path)
    assert _errors(found) == [
        (
            "describe.json",
            8,
            "a task definition needs containerDefinitions, the list of its containers; did you "
            "mean 'containerDefinitions' for 'containerDefinition'?",
        )
    ]


def test_other_json_files_are_still_skipped(tmp_path: Path) -> None:
    files = {
        "package.json": '{"name": "web", "version": "1.0.0", "scripts": {"build": "tsc"}}',
        "tsconfig.json": '{"compilerOptions": {"target": "es2022", "strict": true}}',
        "compose.json": '{"services": {"web": {"image": "nginx", "cpus": "0.5", '
        '"mem_limit": "512m"}}}',
        # a family without another key of a task definition (a font's metadata)
        "font.json": '{"family": "Inter", "weight": 400, "containerDefinitons": []}',
        # the keys of a task definition without its family
        "sizes.json": '{"cpu": "256", "memory": "512", "networkMode": "awsvpc"}',
    }
    _write(tmp_path, files)
    found = _scan(tmp_path)
    assert (found.files, found.errors) == ([], [])
    assert found.notices == [f"{name}: {SKIPPED}" for name in sorted(files)]


@pytest.mark.parametrize("named", [False, True])
def test_a_terraform_state_is_skipped_with_how_to_make_a_plan(tmp_path: Path, named: bool) -> None:
    # Field test 23, D7: the real `terraform show -json` of a state
    _write(tmp_path, {"state.json": (TF_NOT_A_PLAN / "state.json").read_text(encoding="utf-8")})
    found = _scan(tmp_path, *(["state.json"] if named else []))
    assert (found.files, found.errors) == ([], [])
    assert found.notices == [
        "state.json: skipped: the JSON of a Terraform state (`terraform show -json` without a "
        f"plan file), not a plan: {PLAN_RECIPE}"
    ]


def test_a_terraform_plan_log_is_skipped_when_walking_and_an_error_when_named(
    tmp_path: Path,
) -> None:
    # `terraform plan -json` writes JSON lines, not a plan: not valid JSON (a named file that
    # does not parse is an error), with how to make a plan
    log = (TF_NOT_A_PLAN / "plan-log.json").read_text(encoding="utf-8")
    _write(tmp_path, {"plan.json": log})
    what = f"the log of `terraform plan -json`, not a plan: {PLAN_RECIPE}"
    walked = _scan(tmp_path)
    assert (walked.files, walked.errors, walked.notices) == (
        [],
        [],
        [f"plan.json: skipped: {what}"],
    )
    named = _scan(tmp_path, "plan.json")
    assert (named.files, named.notices, _errors(named)) == ([], [], [("plan.json", 1, what)])
    # its first line alone is valid JSON: skipped, named or not
    _write(tmp_path / "one", {"plan.json": log.partition("\n")[0]})
    for found in (_scan(tmp_path / "one"), _scan(tmp_path / "one", "plan.json")):
        assert (found.files, found.errors) == ([], [])
        assert found.notices == [f"plan.json: skipped: {what}"]


def test_a_terraform_configuration_is_skipped_with_how_to_make_a_plan(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "main.tf": 'resource "aws_ecs_service" "web" {\n  name = "web"\n  # a: b: c\n}\n',
            "sub/override.tf.json": '{"resource": {"aws_ecs_service": {"web": {}}}}',
        },
    )
    what = f"skipped: a Terraform configuration, not a plan: {PLAN_RECIPE}"
    named = _scan(tmp_path, "main.tf")
    assert (named.files, named.errors, named.notices) == ([], [], [f"main.tf: {what}"])
    # a walk reads no `.tf` file (it is no YAML or JSON); a `.tf.json` it reads
    walked = _scan(tmp_path)
    assert (walked.files, walked.errors, walked.notices) == (
        [],
        [],
        [f"sub/override.tf.json: {what}"],
    )


def test_lines_that_end_in_cr_alone_are_lines(tmp_path: Path) -> None:
    # Field test 23, D9: a classic Mac editor's file was all line 1
    cr = "AWSTemplateFormatVersion: '2010-09-09'\rResources:\r  Vpc:\r    Type: AWS::EC2::VPC\r"
    _write(
        tmp_path,
        {
            "cr.yaml": cr,
            "cr.json": '{\r "Resources": {\r  "Vpc": {"Type": "AWS::EC2::VPC"}\r }\r}\r',
            "broken.yaml": "Resources:\r  A: 1\r  A: 2\r",
            # with a line feed anywhere, lines are counted in line feeds (as git counts them)
            "mixed.yaml": "Resources:\r  A: 1\n  B: 2\r  B: 3\n",
            "latin.yaml": b"Resources:\r  # caf\xe9\r",
        },
    )
    found = _scan(tmp_path)
    files = {f.rel: f.data for f in found.files}
    assert files["cr.yaml"]["Resources"].key_lines == {"Vpc": 3}
    assert files["cr.yaml"]["Resources"]["Vpc"].key_lines == {"Type": 4}
    assert files["cr.json"]["Resources"].key_lines == {"Vpc": 3}
    assert _errors(found) == [
        ("broken.yaml", 3, "duplicate key 'A' (first at line 2)"),
        ("latin.yaml", 2, "not UTF-8 text (byte 0xe9 at offset 18)"),
        ("mixed.yaml", 2, "duplicate key 'B' (first at line 2)"),
    ]
