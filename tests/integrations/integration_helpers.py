"""Helpers of the integration tests: git work trees made from the repository's examples, tools."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "examples/isolated-vpc"  # one FG202 error: s3 has no path (no gateway endpoint)
EXAMPLE_FILE = "examples/isolated-vpc/network.yaml"
EXAMPLE_LINE = 28  # the private route table that lacks the s3 gateway endpoint
CLEAN = "tests/fixtures/corpus/groups/public-facing-web"  # a deployment without findings
TOOLS_BIN = (
    Path(os.environ.get("FP_TOOLS_DIR", Path.home() / ".cache/fargate-preflight/tools")) / "bin"
)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def make_repo(path: Path, files: Mapping[str, str | Path], branch: str = "main") -> Path:
    """A git work tree with one commit holding `files` (text, or a file of this repository
    to copy)."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", branch)
    write(path, files)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "base")
    return path


def write(repo: Path, files: Mapping[str, str | Path]) -> None:
    for name, content in files.items():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        else:
            target.write_text(content, encoding="utf-8")


def copied(folder: str) -> dict[str, str | Path]:
    """Every file under a folder of this repository, to copy at the same place."""
    return {
        p.relative_to(ROOT).as_posix(): p for p in sorted((ROOT / folder).rglob("*")) if p.is_file()
    }


def actionlint() -> str:
    found = shutil.which("actionlint") or shutil.which("actionlint", path=str(TOOLS_BIN))
    if found is None:
        pytest.fail(
            "`actionlint` is not installed: run `bash .ci/install-tools.sh` (builds the pinned "
            f"actionlint v1.7.12 with Go into {TOOLS_BIN}) and put that directory on PATH",
            pytrace=False,
        )
    return found
