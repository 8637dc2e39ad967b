"""Work in a forked child process: the caller goes on meanwhile, and whatever memory the work
allocates goes back to the system when the child ends (a process seldom gives back memory it
has freed). The child sends its result back pickled; an exception it raises is raised by
`result`. Where processes do not fork (Windows), or this one has other threads, the work is
done at once, in this process."""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, NoReturn, Protocol, TypeVar, cast

from scanner.errors import EngineError

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Pending(Protocol[T_co]):
    def result(self) -> T_co:
        """What the work returned (or the exception it raised, raised here)."""

    def cancel(self) -> None:
        """Stop the work; `result` may not be called after."""


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """For code that allocates hundreds of thousands of objects that all stay alive and hold no
    reference cycles worth collecting (parsing and building the inputs, unpickling the model
    they make): each of the cyclic collector's full passes would walk the whole growing heap
    (half of the load time, and growing faster than the input; unpickling the model of 2,000
    services took 0.33 s with it, 0.08 s without)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def can_fork() -> bool:
    """Whether this process may fork workers: where processes fork, and only with one thread.
    In the child of a threaded process, a lock that another thread held (logging's, an
    application's) stays locked for ever."""
    return hasattr(os, "fork") and threading.active_count() == 1


def start(work: Callable[[], T], what: str) -> Pending[T]:
    """Begin `work` (whose result must pickle); `what` it does names it in errors. Done at
    once, in this process, where it may not fork (`can_fork`)."""
    if not can_fork():
        return _Done(work())
    return _Apart(work, what)


@dataclass
class _Done(Generic[T]):
    value: T

    def result(self) -> T:
        return self.value

    def cancel(self) -> None:
        pass


class _Apart(Generic[T]):
    """`work` in a forked child, which sends its result back pickled (an exception too)."""

    def __init__(self, work: Callable[[], T], what: str) -> None:
        self.what = what
        sys.stdout.flush()
        sys.stderr.flush()
        read_end, write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            os.close(read_end)
            _run_and_send(work, what, write_end)
        os.close(write_end)
        self.pipe = read_end

    def result(self) -> T:
        import pickle

        with os.fdopen(self.pipe, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        if not data:  # killed (out of memory?) before it could say anything
            code = os.waitstatus_to_exitcode(status)
            ended = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
            raise EngineError(f"{self.what} failed: its child process {ended}")
        with no_cyclic_gc():
            outcome = pickle.loads(data)
        if isinstance(outcome, BaseException):
            raise outcome
        return cast(T, outcome)

    def cancel(self) -> None:
        os.close(self.pipe)
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


def _run_and_send(work: Callable[[], Any], what: str, write_end: int) -> NoReturn:
    import pickle

    # The child's memory all goes back at its exit, so it never runs the cyclic collector. After
    # a load, one collection walked and freed the parsed templates (the CloudFormation stacks
    # and their run refer to each other), which took 0.65 s for a 2,000-service template.
    gc.disable()
    code = 0
    try:
        try:
            outcome: Any = work()
        except BaseException as exc:  # noqa: BLE001 (the parent raises it)
            outcome, code = exc, 1
        try:
            data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 (an exception that does not pickle)
            data, code = pickle.dumps(EngineError(f"{what} failed: {exc!r}")), 1
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
    finally:
        os._exit(code)
