"""What field test 23 (D6, D11) found in locations, messages and texts, through the real CLI.

Each test writes the field case it checks into tmp_path and scans it from there, so the file
names in the output are the case's own names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from golden.harness import run_cli

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
