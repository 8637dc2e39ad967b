"""scanner.integrations.changed: which templates are scanned with the changed ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from integration_helpers import make_repo

from scanner.integrations.changed import git_templates, load_universe, scannable, select
from scanner.sources.base import BuildContext

NETWORK = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: {Type: String, Default: prod}
Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
Outputs:
  VpcId:
    Value: !Ref Vpc
    Export: {Name: !Sub "${Env}-vpc"}
"""
SERVICE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  SG:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: tasks, VpcId: !ImportValue prod-vpc}
"""
UNSETTLED = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Network: {Type: String}
Resources:
  SG:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: tasks, VpcId: !ImportValue {"Fn::Sub": "${Network}-vpc"}}
"""
OPEN_STACK_NAME = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.1.0.0/16}}
Outputs:
  VpcId:
    Value: !Ref Vpc
    Export: {Name: !Sub "${AWS::StackName}-vpc"}
"""
LONE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Bucket: {Type: AWS::S3::Bucket}
"""
PARENT = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Net:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: stacks/child.yaml, Parameters: {Env: prod}}
  Other:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: stacks/sibling.yaml}
"""
CHILD_IMPORTING = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: {Type: String}
Resources:
  SG:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: tasks, VpcId: !ImportValue {"Fn::Sub": "${Env}-vpc"}}
"""


def chosen(repo: Path, changed: list[str], universe: list[str] | None = None) -> dict[str, str]:
    files = load_universe([repo / p for p in (universe or ["."])], repo)
    selection = select([repo / c for c in changed], files, BuildContext(root=repo))
    return {p.relative_to(repo).as_posix(): why for p, why in selection.reasons}


def test_a_changed_importer_brings_its_exporter(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"net.yaml": NETWORK, "svc.yaml": SERVICE, "lone.yaml": LONE})
    assert chosen(repo, ["svc.yaml"]) == {"net.yaml": "exports to svc.yaml", "svc.yaml": "changed"}


def test_a_changed_exporter_brings_its_importers(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"net.yaml": NETWORK, "svc.yaml": SERVICE, "lone.yaml": LONE})
    assert chosen(repo, ["net.yaml"]) == {
        "net.yaml": "changed",
        "svc.yaml": "imports from net.yaml",
    }


def test_a_template_without_links_comes_alone(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"net.yaml": NETWORK, "svc.yaml": SERVICE, "lone.yaml": LONE})
    assert chosen(repo, ["lone.yaml"]) == {"lone.yaml": "changed"}


def test_parameters_decide_which_export_an_import_names(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"net.yaml": NETWORK, "svc.yaml": SERVICE})
    files = load_universe([repo], repo)
    ctx = BuildContext(root=repo, parameters={(None, "Env"): "dev"})  # exports dev-vpc now
    selection = select([repo / "svc.yaml"], files, ctx)
    assert [p.name for p in selection.files] == ["svc.yaml"]


def test_an_unsettled_import_name_takes_every_exporter(tmp_path: Path) -> None:
    files = {"net.yaml": NETWORK, "open.yaml": OPEN_STACK_NAME, "svc.yaml": UNSETTLED}
    repo = make_repo(tmp_path, {**files, "lone.yaml": LONE})
    assert chosen(repo, ["svc.yaml"]) == {
        "net.yaml": "exports to svc.yaml",
        "open.yaml": "exports to svc.yaml",
        "svc.yaml": "changed",
    }


def test_an_export_with_an_open_stack_name_may_match(tmp_path: Path) -> None:
    """`${AWS::StackName}-vpc` matches `prod-vpc` when the stack name is left open, as the
    scan links it: both exporters come, and the scan decides (FG801 when ambiguous)."""
    repo = make_repo(
        tmp_path, {"net.yaml": NETWORK, "open.yaml": OPEN_STACK_NAME, "svc.yaml": SERVICE}
    )
    assert chosen(repo, ["svc.yaml"]) == {
        "net.yaml": "exports to svc.yaml",
        "open.yaml": "exports to svc.yaml",
        "svc.yaml": "changed",
    }


def test_a_changed_nested_template_comes_with_its_whole_tree(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path,
        {
            "parent.yaml": PARENT,
            "stacks/child.yaml": CHILD_IMPORTING,
            "stacks/sibling.yaml": LONE,
            "net.yaml": NETWORK,
            "lone.yaml": LONE.replace("Bucket", "Other"),
        },
    )
    assert chosen(repo, ["stacks/child.yaml"]) == {
        "net.yaml": "exports to stacks/child.yaml",
        "parent.yaml": "same nested stacks as stacks/child.yaml",
        "stacks/child.yaml": "changed",
        "stacks/sibling.yaml": "same nested stacks as stacks/child.yaml",
    }


def test_links_follow_transitively(tmp_path: Path) -> None:
    middle = SERVICE + "Outputs:\n  SG:\n    Value: !Ref SG\n    Export: {Name: svc-sg}\n"
    top = LONE.replace(
        "Bucket: {Type: AWS::S3::Bucket}",
        "Rule:\n    Type: AWS::EC2::SecurityGroupIngress\n"
        "    Properties: {GroupId: !ImportValue svc-sg, IpProtocol: tcp, FromPort: 1, ToPort: 1,"
        " CidrIp: 10.0.0.0/8}",
    )
    repo = make_repo(tmp_path, {"net.yaml": NETWORK, "svc.yaml": middle, "top.yaml": top})
    assert chosen(repo, ["net.yaml"]) == {
        "net.yaml": "changed",
        "svc.yaml": "imports from net.yaml",
        "top.yaml": "imports from svc.yaml",
    }


@pytest.mark.parametrize(
    ("name", "text", "kept", "notice"),
    [
        ("svc.yaml", SERVICE, True, None),
        ("broken.template", "Resources: [\n", True, None),
        ("broken.yaml", "AWSTemplateFormatVersion: x\nResources: [\n", True, None),
        ("compose.yml", "services: {web: [\n", False, "compose.yml: skipped: not valid YAML"),
        (
            "docker-compose.yml",
            "services:\n  web: {image: nginx}\n",
            False,
            "docker-compose.yml: skipped: not a CloudFormation template, ECS JSON file or "
            "Terraform plan",
        ),
        # field test 23: a Kubernetes manifest of several documents parses (its notice said
        # "not valid YAML"); a template with more after it, and a task definition without its
        # containers, are the scan's errors
        (
            "k8s.yaml",
            "kind: Deployment\n---\nkind: Service\n",
            False,
            "k8s.yaml: skipped: not a CloudFormation template, ECS JSON file or Terraform plan",
        ),
        ("two.yaml", SERVICE + "---\nkind: Service\n", True, None),
        ("td.json", '{"family": "web", "cpu": "256", "containerDefinitons": []}', True, None),
        (
            "state.json",
            '{"format_version": "1.0", "values": {"root_module": {}}}',
            False,
            "state.json: skipped: the JSON of a Terraform state",
        ),
    ],
)
def test_scannable_keeps_templates_and_files_that_look_like_them(
    tmp_path: Path, name: str, text: str, kept: bool, notice: str | None
) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    keep, notices = scannable([tmp_path / name], tmp_path)
    assert keep == ([tmp_path / name] if kept else [])
    if notice is None:
        assert notices == []
    else:
        assert len(notices) == 1 and notices[0].startswith(notice)


def test_git_templates_lists_linked_files_git_knows(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path,
        {
            "net.yaml": NETWORK,
            "lone.yaml": LONE,
            ".gitignore": "ignored/\n",
            "ignored/net.yaml": NETWORK,
            "README.md": "ImportValue\n",
        },
    )
    (repo / "new.yaml").write_text(SERVICE, encoding="utf-8")  # untracked, not ignored
    assert [p.relative_to(repo).as_posix() for p in git_templates(repo)] == ["net.yaml", "new.yaml"]
