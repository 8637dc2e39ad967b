"""Nested-stack and SAM locations that point outside the scanned root (`../..`, absolute paths,
`file:` and other URLs, a symbolic link that leads out) are never read; a notice says why."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from scanner.api import ScanOptions, load
from tests.reliability.strategies import FIXTURES

OUTSIDE_VPC = (
    "Resources:\n  OutsideVpc:\n    Type: AWS::EC2::VPC\n    Properties:\n"
    "      CidrBlock: 10.9.0.0/16\n"
)


def test_locations_outside_the_root_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "child.yaml").write_text(OUTSIDE_VPC, encoding="utf-8")
    root = tmp_path / "repo" / "stacks"
    root.mkdir(parents=True)
    os.symlink(outside / "child.yaml", root / "link.yaml")  # inside by name, outside in fact
    stacks = {
        "Up": ("AWS::CloudFormation::Stack", "TemplateURL", "../../outside/child.yaml"),
        "Passwd": ("AWS::CloudFormation::Stack", "TemplateURL", "../../../../../../etc/passwd"),
        "Absolute": ("AWS::CloudFormation::Stack", "TemplateURL", str(outside / "child.yaml")),
        "FileUrl": ("AWS::CloudFormation::Stack", "TemplateURL", f"file://{outside}/child.yaml"),
        "Https": ("AWS::CloudFormation::Stack", "TemplateURL", "https://example.com/c.yaml"),
        "S3": ("AWS::CloudFormation::Stack", "TemplateURL", "s3://bucket/child.yaml"),
        "Link": ("AWS::CloudFormation::Stack", "TemplateURL", "link.yaml"),
        "Sam": ("AWS::Serverless::Application", "Location", "../../outside/child.yaml"),
    }
    lines = ["Transform: AWS::Serverless-2016-10-31", "Resources:"]
    for logical, (kind, prop, location) in stacks.items():
        lines += [
            f"  {logical}:",
            f"    Type: {kind}",
            "    Properties:",
            f"      {prop}: {location}",
        ]
    lines += [
        "  SamApp:",
        "    Type: AWS::Serverless::Application",
        "    Properties:",
        "      Location: {ApplicationId: arn:aws:serverlessrepo:us-east-1:1:applications/x,",
        "                 SemanticVersion: 1.0.0}",
    ]
    (root / "parent.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    loaded = load([root / "parent.yaml"], ScanOptions(cwd=root))

    assert loaded.errors == ()
    assert loaded.model["vpcs"] == {}  # nothing from outside/child.yaml
    real_root = os.path.realpath(root)
    outside_root = f"is outside the scanned root {real_root}"
    not_local = "is not a local relative path (URLs are never fetched)"
    assert list(loaded.notices) == [
        f"parent.yaml:6: nested stack Up is not analysed: ../../outside/child.yaml {outside_root}",
        "parent.yaml:10: nested stack Passwd is not analysed: ../../../../../../etc/passwd "
        + outside_root,
        f"parent.yaml:14: nested stack Absolute is not analysed: its TemplateURL {not_local}",
        f"parent.yaml:18: nested stack FileUrl is not analysed: its TemplateURL {not_local}",
        f"parent.yaml:22: nested stack Https is not analysed: its TemplateURL {not_local}",
        f"parent.yaml:26: nested stack S3 is not analysed: its TemplateURL {not_local}",
        f"parent.yaml:30: nested stack Link is not analysed: link.yaml {outside_root}",
        "parent.yaml:34: nested stack Sam is not analysed: ../../outside/child.yaml "
        + outside_root,
        f"parent.yaml:38: nested stack SamApp is not analysed: its Location {not_local}",
    ]


def test_a_terraform_module_outside_the_root_is_not_read(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "terraform" / "own-module", repo)
    # the module moves out of the repository; the plan's call now leaves the root
    shutil.move(repo / "modules", tmp_path / "modules")
    plan_path = repo / "plan.json"
    plan = json.loads(plan_path.read_text())
    plan["configuration"]["root_module"]["module_calls"]["net"]["source"] = "../modules/net"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")

    loaded = load([plan_path], ScanOptions(cwd=repo))

    assert loaded.errors == ()
    assert (
        f"module.net: its folder {tmp_path.as_posix()}/modules/net is outside the scanned root "
        f"{repo}, so its .tf files are not read; its resources are located in the plan"
    ) in loaded.notices
    files = {obj["source"]["file"] for obj in loaded.model["vpcs"].values()}
    assert files == {"plan.json"}


def test_a_nested_template_under_a_named_path_is_read_outside_the_root(tmp_path: Path) -> None:
    # Field test 21, D2: `cdk synth -o $RUNNER_TEMP/cdk.out` then a scan of it from the
    # checkout: the nested stack's template beside its parent was "outside the scanned root",
    # so the parent's service was analysed without it (a missed FG202).
    repo, out = tmp_path / "repo", tmp_path / "out" / "cdk.out"
    (repo / ".git").mkdir(parents=True)
    out.mkdir(parents=True)
    (out / "parent.yaml").write_text(
        "Resources:\n"
        "  Child:\n"
        "    Type: AWS::CloudFormation::Stack\n"
        "    Properties:\n"
        "      TemplateURL: child.yaml\n"
        "  Escape:\n"
        "    Type: AWS::CloudFormation::Stack\n"
        "    Properties:\n"
        "      TemplateURL: ../outside.yaml\n",
        encoding="utf-8",
    )
    (out / "child.yaml").write_text(
        "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: 10.0.0.0/16}\n",
        encoding="utf-8",
    )
    (out.parent / "outside.yaml").write_text(
        "Resources:\n  Other:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: 10.1.0.0/16}\n",
        encoding="utf-8",
    )
    for named in (out, out / "parent.yaml"):
        loaded = load([named], ScanOptions(cwd=repo))
        assert loaded.errors == ()
        assert sorted(loaded.model["vpcs"]) == ["Vpc"]  # child.yaml, not outside.yaml
        assert list(loaded.notices) == [
            f"{out / 'parent.yaml'}:9: nested stack Escape is not analysed: ../outside.yaml is "
            f"outside the scanned root {os.path.realpath(repo)}"
        ]
