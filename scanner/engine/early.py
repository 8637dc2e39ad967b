"""The shipped policies, compiled in a child process from the moment a scan command starts.

A scan of one template is mostly start-up: the command's imports and compiling the policies
took about as long as each other, and came one after the other. `start`, called first thing by
the scan commands, forks a child that compiles the shipped policies with regorus while this
process imports, reads its flags and reads the inputs; the scan then sends the child its
queries (`take`). A scan with other policies, another engine or large inputs stops the child
unused (large inputs are evaluated by workers forked from an engine compiled in this process,
scanner/engine/parts.py). Nothing starts where processes do not fork, or with threads running.
"""

from __future__ import annotations

# Only what forking needs is imported before the child starts: `json`, `pickle` and `typing`
# took 20-30 ms, on the path that the child shortens.
import atexit
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from typing import Any, NoReturn

    from scanner.engine.base import RawResult

_child: Child | None = None


def start() -> None:
    """Fork the compiling child (once per process; see the module's description)."""
    global _child
    if _child is None and _can_fork():
        _child = Child()
        atexit.register(_child.stop)


def _can_fork() -> bool:
    """scanner.forked.can_fork, without its imports: `threading` is imported already by
    whoever started a thread."""
    threading = sys.modules.get("threading")
    return hasattr(os, "fork") and (threading is None or threading.active_count() == 1)


def started() -> bool:
    """Whether a child is waiting to be taken (only the scan commands start one)."""
    return _child is not None


def take(wanted: bool) -> Child | None:
    """The started child as an engine if `wanted` (once); otherwise it is stopped, so that its
    core is free for the scan."""
    global _child
    child, _child = _child, None
    if child is not None and not wanted:
        child.stop()
        return None
    return child


class Child:
    """A regorus engine in a forked child that answers `answer` requests over two pipes."""

    name = "regorus"
    workers = False  # its queries are answered one after another, in the child

    def __init__(self) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        requests, self._requests = os.pipe()
        self._answers, answers = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self._requests)
            os.close(self._answers)
            _serve(requests, answers)
        os.close(requests)
        os.close(answers)
        self._stopped = False

    def evaluate(
        self, model: dict[str, Any], data: dict[str, Any], *, paths: bool = True
    ) -> RawResult:
        from scanner.engine.base import RawResult, query

        return RawResult.from_query_answer(self.answer(query(paths), model, data))

    def answer(
        self, text: str, input_: dict[str, Any] | str, data: dict[str, Any]
    ) -> dict[str, Any]:
        import json
        import pickle

        from scanner.engine.base import engine_data
        from scanner.errors import EngineError

        request = (
            text,
            input_ if isinstance(input_, str) else json.dumps(input_),
            None if data is engine_data() else json.dumps(data),
        )
        try:
            _send(self._requests, pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))
            reply = _receive(self._answers)
        except OSError:  # a closed pipe: the child has gone
            reply = None
        if reply is None:
            raise EngineError(f"the policy engine's process (pid {self.pid}) ended unexpectedly")
        ok, value = pickle.loads(reply)
        if not ok:
            raise value
        answer: dict[str, Any] = json.loads(value)
        return answer

    def session(self) -> AbstractContextManager[None]:
        import contextlib

        return contextlib.nullcontext()

    def stop(self) -> None:
        """End the child (it may be compiling still) and reap it; again does nothing."""
        if self._stopped:
            return
        self._stopped = True
        import contextlib
        import signal

        os.close(self._requests)
        os.close(self._answers)
        with contextlib.suppress(OSError):  # gone already
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):  # reaped already
            os.waitpid(self.pid, 0)


def _serve(requests: int, answers: int) -> NoReturn:
    """The child: compile, then answer each request until the parent closes its end."""
    import pickle

    code = 0
    try:
        import json

        from scanner.engine.base import engine_data, shipped_policy_dir
        from scanner.errors import EngineError

        try:
            from scanner.engine.regorus_engine import RegorusEngine

            engine = RegorusEngine([shipped_policy_dir()], [], engine_data())
            failure: Exception | None = None
        except Exception as exc:  # noqa: BLE001 (each request is answered with it)
            failure = exc
        while (request := _receive(requests)) is not None:
            text, input_json, data_json = pickle.loads(request)
            try:
                if failure is not None:
                    raise failure
                data = engine_data() if data_json is None else json.loads(data_json)
                reply = pickle.dumps((True, engine.answer_text(text, input_json, data)))
            except Exception as exc:  # noqa: BLE001 (the parent raises it)
                try:
                    reply = pickle.dumps((False, exc))
                except Exception:  # noqa: BLE001 (an exception that does not pickle)
                    reply = pickle.dumps((False, EngineError(f"policy evaluation failed: {exc!r}")))
            _send(answers, reply)
    except BaseException:  # noqa: BLE001 (the parent sees the pipe close)
        code = 1
    finally:
        os._exit(code)


def _send(fd: int, payload: bytes) -> None:
    data = memoryview(len(payload).to_bytes(8, "little") + payload)
    while data:
        data = data[os.write(fd, data) :]


def _receive(fd: int) -> bytes | None:
    """One message, or None when the pipe ends first."""
    head = _read(fd, 8)
    return None if head is None else _read(fd, int.from_bytes(head, "little"))


def _read(fd: int, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
