"""What field test 23 (D6, D11) found in locations, messages and texts, through the real CLI.

Each test writes the field case it checks into tmp_path and scans it from there, so the file
names in the output are the case's own names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from golden.harness import ROOT, run_cli

TASK_DEFINITION = """\
{
  "family": "web",
  "networkMode": "bridge",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "256",
  "memory": "512",
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27", "essential": true}
  ]
}
"""

CFN_TASK_DEFINITIONS = """\
Parameters:
  Mode:
    Type: String
    Default: bridge
Resources:
  Bridge:
    Type: AWS::ECS::TaskDefinition
    Properties:
      RequiresCompatibilities: [FARGATE]
      Cpu: "256"
      Memory: "512"
      NetworkMode: bridge
      ContainerDefinitions:
        - Name: web
          Image: nginx:1.27
  FromParameter:
    Type: AWS::ECS::TaskDefinition
    Properties:
      RequiresCompatibilities: [FARGATE]
      Cpu: "256"
      Memory: "512"
      NetworkMode: !Ref Mode
      ContainerDefinitions:
        - Name: web
          Image: nginx:1.27
  Unset:
    Type: AWS::ECS::TaskDefinition
    Properties:
      RequiresCompatibilities: [FARGATE]
      Cpu: "256"
      Memory: "512"
      ContainerDefinitions:
        - Name: web
          Image: nginx:1.27
"""


def scan_json(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    result = run_cli(("scan", *args, "--format", "json"), cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return result.returncode, report, result.stderr


def locations(report: dict[str, Any], rule_id: str) -> list[tuple[str, str, int]]:
    return sorted(
        (f["resource"], f["location"]["file"], f["location"]["line"])
        for f in report["findings"]
        if f["rule_id"] == rule_id
    )


# --- D11.4: FG701 at networkMode ------------------------------------------------------------


def test_fg701_points_at_the_network_mode_of_ecs_json(tmp_path: Path) -> None:
    (tmp_path / "taskdef.json").write_text(TASK_DEFINITION, encoding="utf-8")
    duplicate = TASK_DEFINITION.replace(
        '  "networkMode": "bridge",\n', '  "networkMode": "awsvpc",\n  "networkMode": "bridge",\n'
    )
    (tmp_path / "taskdef-dup.json").write_text(duplicate, encoding="utf-8")
    code, report, stderr = scan_json(tmp_path, "taskdef.json", "taskdef-dup.json")
    assert code == 1
    # The duplicate key's notice names line 4, the key whose value is used: FG701 is there too.
    assert (
        "notice: taskdef-dup.json:4: duplicate key 'networkMode' (first at line 3): the last "
        "value is used, as the AWS CLI reads it"
    ) in stderr.splitlines()
    assert locations(report, "FG701") == [
        ("taskdef-dup.json#web", "taskdef-dup.json", 4),
        ("taskdef.json#web", "taskdef.json", 3),
    ]


def test_fg701_points_at_the_network_mode_property_of_a_template(tmp_path: Path) -> None:
    (tmp_path / "td.yaml").write_text(CFN_TASK_DEFINITIONS, encoding="utf-8")
    code, report, _ = scan_json(tmp_path, "td.yaml")
    assert code == 1
    assert locations(report, "FG701") == [
        ("Bridge", "td.yaml", 12),  # NetworkMode: bridge
        ("FromParameter", "td.yaml", 22),  # NetworkMode: !Ref Mode
        ("Unset", "td.yaml", 26),  # no NetworkMode (ECS uses bridge): the resource
    ]


# --- D6: FG801's fix for a Terraform input --------------------------------------------------

PASS_ITS_VALUE = "or pass its value"
SCAN_WHAT_CREATES_IT = (
    "Scan the plan or template that creates it too, or check it in the account with "
    "`fargate-preflight scan-aws`, so these checks can run."
)
AFTER_APPLY = (
    "Terraform knows this value only after apply, so no plan settles it: write it in the "
    "configuration as a value the plan knows, or check it after apply with "
    "`fargate-preflight scan-aws`, so these checks can run."
)


def fg801_fixes(folder: str) -> dict[str, str]:
    result = run_cli(("scan", folder, "--format", "json"))
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    return {f["resource"]: f["fix"] for f in report["findings"] if f["rule_id"] == "FG801"}


def test_terraform_unsettled_values_get_fixes_a_plan_can_follow() -> None:
    # A plan takes no --parameter: "pass its value" (the generic fix) has no meaning there.
    assert fg801_fixes("tests/fixtures/terraform/unsettled") == {
        "data.aws_subnet.picked": AFTER_APPLY,  # a data source read during apply
        "security group sg-0123456789abcdef0": SCAN_WHAT_CREATES_IT,  # a hard-coded ID
    }
    assert fg801_fixes("tests/fixtures/terraform/after-apply-containers") == {
        "aws_ecs_task_definition.templated.container_definitions": AFTER_APPLY,
    }
    field = "aws_sfn_state_machine.pipeline.Broken.NetworkConfiguration.AwsvpcConfiguration"
    assert fg801_fixes("tests/fixtures/terraform/step-functions") == {
        f"{field}.AssignPublicIp": "Write NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp "
        "in state Broken's Parameters (the input of each execution is in no file), so these "
        "checks can run.",
    }


def test_a_plan_without_its_tf_files_is_told_to_scan_them(tmp_path: Path) -> None:
    # Without its .tf files, a plan does not show what a variable adds to a list that apply
    # settles (the folder's .tf files name a security group there).
    plan = (ROOT / "tests/fixtures/terraform/unsettled/plan.json").read_text(encoding="utf-8")
    (tmp_path / "plan.json").write_text(plan, encoding="utf-8")
    fixes = fg801_fixes_in(tmp_path)
    tf_files = (
        "Scan the plan with the .tf files of its configuration (in its folder, or --tf-dir), so "
        "these checks can run."
    )
    assert fixes == {
        "aws_ecs_service.app.network_configuration[0].security_groups "
        "var.shared_security_group_id": tf_files,
        "data.aws_subnet.picked": AFTER_APPLY,
    }
    assert not [fix for fix in fixes.values() if PASS_ITS_VALUE in fix]


def fg801_fixes_in(folder: Path) -> dict[str, str]:
    result = run_cli(("scan", ".", "--format", "json"), cwd=folder)
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    return {f["resource"]: f["fix"] for f in report["findings"] if f["rule_id"] == "FG801"}
