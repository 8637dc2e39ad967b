"""Resource limits: each hostile input is refused with a clear error (exit 2, file and line where
there is one) by the real CLI, within the memory and time of tests/reliability/cli.py, while
the other inputs of the run are still scanned."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.reliability.cli import assert_clean_exit, run

GOOD = (
    "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n"
)


def _alias_bomb() -> str:
    lines = ["Resources:", "  Vpc:", "    Type: AWS::EC2::VPC", "Metadata:"]
    lines.append("  a0: &a0 [x, x, x, x, x, x, x, x, x, x]")
    lines += [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


def _scan(tmp_path: Path, name: str, text: str, *flags: str) -> tuple[str, int]:
    (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    result = run(["scan", name, "good.yaml", "--format", "json", *flags], tmp_path)
    assert_clean_exit(result, 2)
    report = json.loads(result.stdout)
    # the good file was still read: its VPC has no service, so there is nothing to report
    assert report["findings"] == []
    [error] = report["errors"]
    return f"{error['file']}:{error['line']}: {error['message']}", len(report["errors"])


DEEP = 10_000
TOO_DEEP = "nested more than 100 levels deep, deeper than fargate-preflight reads"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "bomb.yaml",
            _alias_bomb(),
            "bomb.yaml:10: YAML aliases expand to more than 1,000,000 nodes; refusing to read "
            "it (an alias bomb?)",
        ),
        (
            "deep-flow.yaml",
            "Resources:\n  X: " + "[" * DEEP + "]" * DEEP + "\n",
            f"deep-flow.yaml:2: {TOO_DEEP}",
        ),
        (
            "deep-block.yaml",
            "- " * DEEP + "x\n",
            f"deep-block.yaml:1: {TOO_DEEP}",
        ),
        (
            "deep-map.yaml",
            "Resources:\n  X: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n",
            f"deep-map.yaml:2: {TOO_DEEP}",
        ),
        (
            "deep.json",
            '{"Resources": ' + '{"a": ' * DEEP + "1" + "}" * DEEP + "}",
            f"deep.json:1: {TOO_DEEP}",
        ),
        (
            # JSON text inside a template, which CloudFormation accepts for a policy document
            "deep-document.yaml",
            "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n"
            f"      AssumeRolePolicyDocument: '{'[' * DEEP}{']' * DEEP}'\n",
            "deep-document.yaml:5: Role.AssumeRolePolicyDocument must be a policy document "
            "(a map or JSON text)",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 20 else "",
)
def test_hostile_nesting_is_refused_with_file_and_line(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    assert _scan(tmp_path, name, text) == (expected, 1)


def test_nesting_just_inside_the_limit_is_read_and_reaches_the_engine(tmp_path: Path) -> None:
    # 100 levels in the file: the model wraps them a few levels deeper, still under what the
    # engine's JSON reader takes (127)
    deep = "[" * 95 + "]" * 95
    text = GOOD + f"  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies: {deep}\n"
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    result = run(["scan", "t.yaml", "--format", "json"], tmp_path)
    assert_clean_exit(result, 2)
    [error] = json.loads(result.stdout)["errors"]
    assert (error["line"], error["message"]) == (9, "Role.Policies.0 must be a map, not a list")


def _big_file(path: Path, megabytes: int) -> None:
    line = "# " + "x" * 1020 + "\n"  # comment lines: valid YAML of any length
    with path.open("w", encoding="utf-8") as handle:
        handle.write(GOOD)
        for _ in range(megabytes * 1024):
            handle.write(line)


def test_a_50_mb_file_is_refused_by_default_and_the_limit_is_a_flag(tmp_path: Path) -> None:
    _big_file(tmp_path / "big.yaml", 50)
    assert _scan(tmp_path, "big.yaml", (tmp_path / "big.yaml").read_text()) == (
        "big.yaml:None: file is 50.0 MB, over the 20 MB limit (--max-file-size); not read",
        1,
    )
    (tmp_path / "small.yaml").write_text(GOOD + "# padding\n" * 60_000, encoding="utf-8")
    assert _scan(
        tmp_path, "small.yaml", (tmp_path / "small.yaml").read_text(), "--max-file-size", "0.5"
    ) == ("small.yaml:None: file is 0.6 MB, over the 0.5 MB limit (--max-file-size); not read", 1)
    result = run(["scan", "small.yaml", "--max-file-size", "1", "--format", "json"], tmp_path)
    assert_clean_exit(result, 0)


def test_the_flag_rejects_a_size_that_is_not_positive(tmp_path: Path) -> None:
    result = run(["scan", ".", "--max-file-size", "0"], tmp_path)
    assert_clean_exit(result, 2)
    assert "Invalid value for '--max-file-size'" in result.stderr


def test_a_directory_with_a_symlink_loop_is_walked_once(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    (folder / "a" / "b").mkdir(parents=True)
    (folder / "a" / "b" / "vpc.yaml").write_text(GOOD, encoding="utf-8")
    os.symlink("..", folder / "a" / "b" / "up")
    os.symlink(folder, folder / "a" / "self")
    os.symlink("loop2.yaml", folder / "loop1.yaml")  # a file link to a link to itself
    os.symlink("loop1.yaml", folder / "loop2.yaml")
    result = run(["scan", "templates", "--format", "json"], tmp_path)
    assert_clean_exit(result, 2)
    report = json.loads(result.stdout)
    assert [(e["file"], e["message"]) for e in report["errors"]] == [
        ("templates/loop1.yaml", "cannot read: Too many levels of symbolic links"),
        ("templates/loop2.yaml", "cannot read: Too many levels of symbolic links"),
    ]
    assert result.stderr.splitlines()[:2] == [
        "notice: templates/a/b/up: skipped: a symbolic link to a directory",
        "notice: templates/a/self: skipped: a symbolic link to a directory",
    ]
