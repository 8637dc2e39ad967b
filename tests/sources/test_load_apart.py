"""Large inputs are read in a forked child process (api._load_apart), which sends the result
back: it must be exactly what reading in the scanning process gives, errors included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanner import api
from scanner.errors import SourceError, UsageError
from tests.golden.harness import ROOT, Case, load_cases

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")

CASES = load_cases()


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_reading_apart_gives_what_reading_here_gives(case: Case) -> None:
    paths = [Path(p) for p in case.paths]
    options = case.options()
    here = api._load(paths, options)
    apart = api._load_apart(paths, options)
    assert apart == here
    assert apart.model["services"] == here.model["services"]


def test_input_errors_come_back_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("Resources:\n  A:\n    Type: AWS::EC2::VPC\n  A:\n    Type: AWS::EC2::VPC\n")
    options = api.ScanOptions(cwd=tmp_path)
    apart = api._load_apart([bad], options)
    assert apart.errors == api._load([bad], options).errors
    assert [(e.line, e.message) for e in apart.errors] == [
        (4, "duplicate key 'A' (first at line 2)")
    ]


def test_an_exception_in_the_child_is_raised_in_the_parent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_: object) -> api.Loaded:
        raise UsageError("no such tf dir")

    monkeypatch.setattr(api, "_load", refuse)
    with pytest.raises(UsageError, match="^no such tf dir$"):
        api._load_apart([Path("examples")], api.ScanOptions())


def test_source_errors_survive_pickling() -> None:
    import pickle

    error = pickle.loads(pickle.dumps(SourceError("t.yaml", 3, "bad")))
    assert (error.file, error.line, error.message, str(error)) == (
        "t.yaml",
        3,
        "bad",
        "t.yaml:3: bad",
    )


def test_only_large_inputs_are_read_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    apart: list[int] = []

    def spy(*_: object) -> api.Loaded:
        apart.append(1)
        return api.Loaded({}, (), (), tmp_path)

    monkeypatch.setattr(api, "_load_apart", spy)
    template = ROOT / "examples" / "isolated-vpc"
    api.load([template], api.ScanOptions())
    assert apart == []
    big = tmp_path / "big"
    (big / ".git").mkdir(parents=True)
    (big / ".git" / "pack").write_bytes(b"x" * (api.LOAD_APART_BYTES + 1))  # not counted
    (big / "a.yaml").write_bytes(b"# x\n" * (api.LOAD_APART_BYTES // 8))
    api.load([big], api.ScanOptions())
    assert apart == []
    (big / "b.yaml").write_bytes(b"# x\n" * (api.LOAD_APART_BYTES // 8 + 1))
    api.load([big], api.ScanOptions())
    assert apart == [1]
