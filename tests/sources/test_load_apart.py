"""Inputs are read in a forked child process (scanner.forked) when they are large, and by every scan
(the policies compile meanwhile): the child sends the result back, which must be exactly what
reading in the scanning process gives, errors included."""

from __future__ import annotations

import functools
import gc
import os
from pathlib import Path

import pytest

from scanner import api, forked
from scanner.errors import EngineError, SourceError, UsageError
from tests.golden.harness import ROOT, Case, load_cases

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")

CASES = load_cases()


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    # Another test may have left a thread running (a server's), and a process with threads
    # does not fork (test_a_process_with_threads_does_the_work_itself): these tests fork.
    monkeypatch.setattr(forked.threading, "active_count", lambda: 1)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_reading_apart_gives_what_reading_here_gives(case: Case) -> None:
    paths = [Path(p) for p in case.paths]
    options = case.options()
    here = api._load(paths, options)
    apart = forked.start(functools.partial(api._load, paths, options), api.READING).result()
    assert apart == here
    assert apart.model["services"] == here.model["services"]


def test_input_errors_come_back_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("Resources:\n  A:\n    Type: AWS::EC2::VPC\n  A:\n    Type: AWS::EC2::VPC\n")
    options = api.ScanOptions(cwd=tmp_path)
    apart = forked.start(functools.partial(api._load, [bad], options), api.READING).result()
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
        options = api.ScanOptions()
        forked.start(
            functools.partial(api._load, [Path("examples")], options), api.READING
        ).result()


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

    def spy(*_: object) -> forked._Done[api.Loaded]:
        apart.append(1)
        return forked._Done(api.Loaded({}, (), (), tmp_path))

    monkeypatch.setattr(forked, "start", spy)
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


def test_a_scan_reads_apart_while_the_policies_compile(monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []
    real_apart, real_engine = forked._Apart, api.make_engine

    def apart(*args: object) -> object:
        order.append("read")
        return real_apart(*args)  # type: ignore[arg-type]

    def engine(*args: object, **kwargs: object) -> object:
        order.append("compile")
        return real_engine(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(forked, "_Apart", apart)
    monkeypatch.setattr(api, "make_engine", engine)
    report = api.scan([Path("examples/isolated-vpc")], api.ScanOptions())
    assert order == ["read", "compile"]
    assert [f.rule_id for f in report.findings] == ["FG202"]


def test_a_failing_engine_stops_the_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[forked._Apart[object]] = []
    real_apart = forked._Apart

    def apart(*args: object) -> forked._Apart[object]:
        started.append(real_apart(*args))  # type: ignore[arg-type]
        return started[-1]

    monkeypatch.setattr(forked, "_Apart", apart)
    with pytest.raises(UsageError, match="unknown engine 'nope'"):
        api.scan([Path("examples/isolated-vpc")], api.ScanOptions(engine="nope"))
    (reading,) = started
    with pytest.raises(ChildProcessError):  # reaped: no zombie left behind
        os.waitpid(reading.pid, 0)


def test_a_child_killed_before_it_answers_is_an_engine_error() -> None:
    def die() -> None:
        os.kill(os.getpid(), 9)

    with pytest.raises(
        EngineError, match="^reading the inputs failed: its child process was killed by signal 9$"
    ):
        forked.start(die, api.READING).result()


def test_the_result_is_unpickled_without_the_cyclic_collector() -> None:
    # Unpickling a large model with the collector on took four times as long (scanner.forked).
    generations: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            generations.append(info["generation"])

    reading = forked.start(lambda: [[i] for i in range(100_000)], api.READING)
    assert isinstance(reading, forked._Apart)
    gc.callbacks.append(count)
    try:
        value = reading.result()
    finally:
        gc.callbacks.remove(count)
    # (The young generations are collected once when the collector is on again.)
    assert (len(value), value[-1], gc.isenabled()) == (100_000, [99_999], True)
    assert 2 not in generations, generations


def test_the_child_works_without_the_cyclic_collector() -> None:
    # Its memory all goes at its exit; a collection after a large load only walked it.
    assert gc.isenabled()
    assert forked.start(gc.isenabled, api.READING).result() is False
    assert gc.isenabled()


def test_a_result_that_does_not_pickle_is_an_engine_error() -> None:
    with pytest.raises(EngineError, match="^reading the inputs failed: .*pickle"):
        forked.start(lambda: lambda: None, api.READING).result()


def test_without_fork_the_work_is_done_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "fork")  # as on Windows
    reading = forked.start(lambda: os.getpid(), api.READING)
    assert isinstance(reading, forked._Done)
    assert reading.result() == os.getpid()
    report = api.scan([Path("examples/isolated-vpc")], api.ScanOptions())
    assert [(f.rule_id, f.need) for f in report.findings] == [("FG202", "s3")]


def test_a_process_with_threads_does_the_work_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    monkeypatch.undo()  # the real thread count
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        reading = forked.start(lambda: os.getpid(), api.READING)
    finally:
        release.set()
        other.join()
    assert isinstance(reading, forked._Done)
    assert reading.result() == os.getpid()
    if threading.active_count() == 1:
        apart = forked.start(lambda: os.getpid(), api.READING)
        assert isinstance(apart, forked._Apart)
        assert apart.result() not in (os.getpid(), None)
