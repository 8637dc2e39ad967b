"""The engine compiled in a child from the command's start (scanner/engine/early.py): the same
answers as an engine in this process, its errors raised here, and no child left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner import api
from scanner.engine import early
from scanner.engine.base import engine_data
from scanner.errors import EngineError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "isolated-vpc"


@pytest.fixture
def child() -> Iterator[early.Child]:
    assert threading.active_count() == 1, "a thread left running: the child cannot be forked"
    early.start()
    engine = early.take(True)
    assert engine is not None
    yield engine
    engine.stop()


def _started() -> early.Child:
    early.start()
    assert early._child is not None
    return early._child


def _gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # reaped already
        return True
    return False


def test_answers_as_an_engine_compiled_here(child: early.Child) -> None:
    model = api.load([EXAMPLE], api.ScanOptions()).model
    here = api.make_engine("regorus").evaluate(model, engine_data())
    there = child.evaluate(model, engine_data())
    assert there == here
    denied = [(d["service"], d["need"], d["hop"]["via"]) for d in there.rules["fg202"]["deny"]]
    assert denied == [("Service", "s3", "route table PrivateRouteTable")]
    assert {(v["need"], v["verdict"]) for v in there.verdicts} == {
        ("ecr.api", "ok"),
        ("ecr.dkr", "ok"),
        ("logs", "ok"),
        ("s3", "fail"),
    }


def test_a_scan_takes_the_child_for_small_inputs() -> None:
    expected = api.scan([EXAMPLE])
    child = _started()
    report = api.scan([EXAMPLE])
    assert early._child is None  # taken
    assert report == expected
    assert [(f.rule_id, f.location.line) for f in report.findings] == [("FG202", 28)]
    assert not _gone(child.pid)  # it serves until the process ends (atexit stops it)
    child.stop()
    assert _gone(child.pid)


def test_without_a_child_the_inputs_are_not_sized(monkeypatch: pytest.MonkeyPatch) -> None:
    """Library callers (the GitHub Action) start no child: nothing walks their inputs for it."""
    sized: list[int] = []
    real = api._input_bytes
    monkeypatch.setattr(api, "_input_bytes", lambda p, n: sized.append(n) or real(p, n))
    assert not early.started()
    report = api.scan([EXAMPLE])
    assert [(f.rule_id, f.location.line) for f in report.findings] == [("FG202", 28)]
    assert sized == []
    child = _started()
    api.scan([EXAMPLE])
    assert sized == [api.EARLY_BYTES]
    assert not early.started()  # taken
    child.stop()
    assert _gone(child.pid)


def test_other_policies_stop_the_child_unused(tmp_path: Path) -> None:
    pid = _started().pid
    (tmp_path / "helpers.rego").write_text("package acme.lib\n\nanswer := 42\n", encoding="utf-8")
    options = api.ScanOptions(policy_dirs=(tmp_path,))
    report = api.scan([EXAMPLE], options)
    assert [f.rule_id for f in report.findings] == ["FG202"]
    assert early._child is None
    assert _gone(pid)


def test_not_wanted_stops_and_reaps_the_child() -> None:
    pid = _started().pid
    assert early.take(False) is None
    assert _gone(pid)
    assert early.take(True) is None  # once per start


def test_another_query_and_data_are_sent(child: early.Child) -> None:
    answer = child.answer("data.extra.value", {}, {"extra": {"value": 42}})
    assert answer["result"][0]["expressions"][0]["value"] == 42
    # and back to the shipped facts
    text = "count(data.fargate_preflight.aws.managed_policies) > 0"
    assert child.answer(text, {}, engine_data())["result"][0]["expressions"][0]["value"] is True


def test_an_evaluation_error_is_raised_here(child: early.Child) -> None:
    with pytest.raises(EngineError, match="policy evaluation failed"):
        child.answer("no_such_function(1)", {}, engine_data())
    assert child.answer("1 + 1", {}, engine_data())["result"][0]["expressions"][0]["value"] == 2


def test_a_child_that_died_is_an_engine_error(child: early.Child) -> None:
    os.kill(child.pid, signal.SIGKILL)
    with pytest.raises(EngineError, match=r"the policy engine's process \(pid \d+\) ended"):
        child.answer("1 + 1", {}, engine_data())


def test_nothing_starts_while_a_thread_runs() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        early.start()
        assert early._child is None
        assert early.take(True) is None
    finally:
        stop.set()
        thread.join()


# `python -m scanner`, with `early.take` saying on stderr whether the child was started and
# whether the scan wanted it.
TAKE_REPORTED = """
import sys
from scanner.engine import early

take = early.take


def reporting(wanted):
    started = "started" if early._child is not None else "not started"
    print(started, "wanted" if wanted else "not wanted", file=sys.stderr)
    return take(wanted)


early.take = reporting
from scanner.__main__ import main

sys.argv = ["fargate-preflight", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize(
    ("flags", "said", "code"),
    [
        ((), "started wanted", 1),
        (("--engine", "opa", "--opa-url", "http://127.0.0.1:9"), "started not wanted", 3),
    ],
)
def test_the_command_starts_the_child_and_a_small_scan_takes_it(
    flags: tuple[str, ...], said: str, code: int
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", TAKE_REPORTED, "scan", *flags, str(EXAMPLE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stderr.splitlines()[0] == said
    assert done.returncode == code
    if code == 1:
        assert "FG202" in done.stdout
