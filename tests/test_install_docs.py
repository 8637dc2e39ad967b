"""The README's install commands for platforms that pip cannot serve a regorus wheel: they must
name exactly the dependencies of pyproject.toml, less regorus, plus the OPA engine's client."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_lists_every_dependency_for_installs_without_regorus() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {
        str(Requirement(r).name) + str(Requirement(r).specifier)
        for r in project["dependencies"]
        if Requirement(r).name != "celine-regorus"
    }
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = r"pip install --no-deps fargate-preflight\n(pip install .*?)\n```"
    block = re.search(after, readme, re.S)
    assert block is not None
    words = shlex.split(block.group(1).replace("\\\n", " "))
    assert words[:2] == ["pip", "install"]
    listed = {str(Requirement(w).name) + str(Requirement(w).specifier) for w in words[2:]}
    assert listed == wanted
