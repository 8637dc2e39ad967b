"""Errors are actionable: every class of bad input, scanned together with a good file by the
real CLI, gives exit 2 and one line naming the file, the line and what was expected; the good
file is still scanned. One row per class: (file, its text, line, message)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.reliability.cli import assert_clean_exit, run
from tests.reliability.strategies import FIXTURES

VPC = "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: {}\n"
TASK = {
    "family": "f",
    "requiresCompatibilities": ["FARGATE"],
    "networkMode": "awsvpc",
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [{"name": "app"}],
}

TABLE: list[tuple[str, str | bytes, int | None, str]] = [
    # --- reading and parsing
    (
        "yaml-syntax.yaml",
        VPC.format("[10.0.0.0/16"),
        5,  # the end of the stream, on the last line there is (not the empty one after it)
        "not valid YAML: while parsing a flow sequence (from line 5), did not find expected ',' "
        "or ']'",
    ),
    (
        "yaml-quote.yaml",
        VPC.format('"10.0.0.0/16') + "  Subnet:\n    Type: AWS::EC2::Subnet\n",
        7,
        "not valid YAML: while scanning a quoted scalar (from line 5), found unexpected end of "
        "stream",
    ),
    (
        "yaml-tab.yaml",
        "Resources:\n\tVpc: {}\n",
        2,
        "not valid YAML: while scanning for the next token (from line 2), found character that "
        "cannot start any token (a tab: YAML does not allow tabs for indentation)",
    ),
    (
        "json-extra.json",
        '{"Resources": {}}\n{"more": 1}\n',
        2,
        "not valid JSON: extra data after the document",
    ),
    (
        "duplicate-key.yaml",
        "Resources:\n  Vpc: {Type: AWS::EC2::VPC}\n  Vpc: {Type: AWS::EC2::VPC}\n",
        3,
        "duplicate key 'Vpc' (first at line 2)",
    ),
    (
        "complex-key.yaml",
        "Resources:\n  ? [a, b]\n  : {Type: AWS::EC2::VPC}\n",
        2,
        "a mapping key must be a string or number",
    ),
    (
        "latin1.yaml",
        "Resources:\n  Vpc: {Type: AWS::EC2::VPC}\n# caf\xe9\n".encode("latin-1"),
        3,
        "not UTF-8 text (byte 0xe9 at offset 45)",
    ),
    (
        "resources-list.template",
        "Resources: [a, b]\n",
        1,
        "Resources must be a map of logical ids to resources",
    ),
    ("list.template", "- a\n- b\n", 1, "a CloudFormation template must be a map with Resources"),
    # --- short-form tags with the wrong arity
    (
        "getatt.yaml",
        VPC.format("10.0.0.0/16") + "  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n"
        "      VpcId: !GetAtt [Vpc]\n      CidrBlock: 10.0.0.0/24\n",
        9,
        "Fn::GetAtt takes [resource, attribute]",
    ),
    ("select.yaml", VPC.format("!Select [0]"), 5, "Fn::Select takes a list of 2 values"),
    (
        "sub.yaml",
        VPC.format("!Sub [a, b, c]"),
        5,
        "Fn::Sub takes a string, or [string, {variables}]",
    ),
    ("ref.yaml", VPC.format("!Ref [a, b]"), 5, "Ref needs a name (a string)"),
    (
        "join-map.yaml",
        VPC.format("!Join ['', ['10.0.0.0', {a: /16}]]"),
        5,
        "Fn::Join needs a string here, not a map",
    ),
    (
        "if.yaml",
        "Conditions:\n  C: !Equals [a, a]\n" + VPC.format("!If [C, 10.0.0.0/16]"),
        7,
        "Fn::If takes a list of 3 values",
    ),
    (
        "equals.yaml",
        "Conditions:\n  C: !Equals [a]\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n"
        "    Condition: C\n",
        2,
        "Fn::Equals takes a list of 2 values",
    ),
    # --- references and values
    (
        "ref-nothing.yaml",
        VPC.format("!Ref Nope"),
        5,
        "Ref Nope: this template has no parameter or resource of that name",
    ),
    (
        "cidr.yaml",
        VPC.format("[10.0.0.0/16]"),
        5,
        "Vpc.CidrBlock must be an IPv4 CIDR block, not a list",
    ),
    (
        "cidr-text.yaml",
        VPC.format("10.0.0.0/33"),
        5,
        "Vpc.CidrBlock must be an IPv4 CIDR block, not '10.0.0.0/33'",
    ),
    # --- ECS JSON
    ("task.json", json.dumps(TASK, indent=1), 10, "container app has no image"),
]


def test_each_class_of_bad_input_names_file_line_and_what_was_expected(tmp_path: Path) -> None:
    for name, text, _, _ in TABLE:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    # Terraform plans: a value of another type than Terraform writes, and JSON text that is not
    for folder, edit in (("tf-null", "service_name"), ("tf-text", "container_definitions")):
        shutil.copytree(FIXTURES / "terraform" / "defaults-endpoint-private-dns", tmp_path / folder)
        plan_path = tmp_path / folder / "plan.json"
        plan = json.loads(plan_path.read_text())
        for resource in plan["planned_values"]["root_module"]["resources"]:
            if edit in resource["values"]:
                resource["values"][edit] = None if edit == "service_name" else "[{not json"
                break
        plan_path.write_text(json.dumps(plan, indent=1), encoding="utf-8")
    (tmp_path / "good.yaml").write_text(VPC.format("10.0.0.0/16"), encoding="utf-8")

    result = run(["scan", ".", "--format", "json"], tmp_path)

    assert_clean_exit(result, 2)
    expected = [(name, line, message) for name, _, line, message in TABLE] + [
        (
            "tf-null/main.tf",
            58,
            'tf-null/plan.json#aws_vpc_endpoint.interface["ecr.api"]: null where its service '
            "should be (a value of another type); this resource is not analysed",
        ),
        ("tf-text/main.tf", 80, "aws_ecs_task_definition.app: container_definitions is not JSON"),
    ]
    report = json.loads(result.stdout)
    assert sorted((e["file"], e["line"], e["message"]) for e in report["errors"]) == sorted(
        expected
    )
    # the same, one line each on stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert sorted(errors) == sorted(f"error: {f}:{line}: {m}" for f, line, m in expected)
    # the good file was scanned: its VPC is in the model
    export = run(["export", "good.yaml"], tmp_path)
    assert_clean_exit(export, 0)
    assert list(json.loads(export.stdout)["vpcs"]) == ["Vpc"]
