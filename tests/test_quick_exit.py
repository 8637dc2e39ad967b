"""scanner.quick_exit: the exit status and output of a normal exit, without the teardown.

Each case runs `quick_exit.run` in a fresh interpreter, as the `fargate-preflight` command and
the pre-commit hook do. A module-level object whose finaliser writes "teardown" shows whether
the interpreter tore its modules down.
"""

from __future__ import annotations

import subprocess
import textwrap

from golden.harness import run_python

EXAMPLE = "examples/isolated-vpc"  # FG202: exit 1
PRELUDE = textwrap.dedent(
    """\
    import atexit, sys, threading, time
    from scanner import quick_exit

    class Witness:
        def __del__(self):
            sys.stderr.write("teardown\\n")

    witness = Witness()
    atexit.register(lambda: sys.stderr.write("atexit\\n"))
    """
)


def run(body: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -c PRELUDE+body ARGS` from the repository root."""
    return run_python(["-c", PRELUDE + textwrap.dedent(body), *args])


def test_a_normal_exit_tears_down_so_the_witness_can_tell() -> None:
    done = run("sys.exit(3)")
    assert (done.returncode, done.stderr) == (3, "atexit\nteardown\n")


def test_the_status_of_sys_exit_with_exit_handlers_run_and_no_teardown() -> None:
    done = run("quick_exit.run(lambda: sys.exit(3))")
    assert (done.returncode, done.stdout, done.stderr) == (3, "", "atexit\n")


def test_a_returned_status_and_none() -> None:
    assert run("quick_exit.run(lambda: 4)").returncode == 4
    assert run("quick_exit.run(lambda: None)").returncode == 0
    assert run("quick_exit.run(lambda: sys.exit())").returncode == 0


def test_a_message_is_printed_and_exits_1_as_sys_exit_does() -> None:
    done = run("quick_exit.run(lambda: sys.exit('cannot go on'))")
    assert (done.returncode, done.stderr) == (1, "cannot go on\natexit\n")


def test_buffered_output_is_flushed() -> None:
    # Far more than a pipe's buffer, with no newline at the end: all of it must arrive.
    done = run("quick_exit.run(lambda: print('x' * 300_000, end=''))")
    assert (done.returncode, len(done.stdout), set(done.stdout)) == (0, 300_000, {"x"})


def test_a_running_thread_is_waited_for_by_a_normal_exit() -> None:
    done = run(
        """\
        def late():
            time.sleep(0.3)
            print("thread done", flush=True)

        threading.Thread(target=late).start()
        quick_exit.run(lambda: 5)
        """
    )
    assert (done.returncode, done.stdout) == (5, "thread done\n")
    assert done.stderr == "atexit\nteardown\n"


def test_the_command_exits_quickly_with_its_status() -> None:
    # The `fargate-preflight` entry point: a finding is exit 1, and the whole report arrives.
    done = run("from scanner.cli import run\nrun()", "scan", EXAMPLE)
    assert (done.returncode, done.stderr) == (1, "atexit\n"), done.stdout
    assert "FG202" in done.stdout
    assert done.stdout.endswith("1 error, 0 warnings, 0 notes\n")
