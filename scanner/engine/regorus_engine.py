"""The embedded engine: Microsoft's regorus interpreter, called through its JSON methods only."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from scanner.engine.base import Engine, policy_files
from scanner.errors import EngineError, PolicyError


class RegorusEngine(Engine):
    name = "regorus"
    workers = True

    def __init__(
        self,
        shipped: list[Path],
        user: list[Path] | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        try:
            import regorus
        except ImportError as exc:  # no wheel for this platform
            raise EngineError(
                "the embedded engine (celine-regorus) is not installed (it has no wheel for this "
                "platform): use --engine opa, with `opa` on PATH or --opa-url (README: Engines)"
            ) from exc
        self._engine = regorus.Engine()
        self._load(shipped, EngineError, "shipped policy")
        self._load(user or [], PolicyError, "policy")
        self._data: dict[str, Any] | None = None
        if data is not None:
            self._set_data(data)
        # regorus prepares the policies (with the data) at their first evaluation, 20-70 ms for
        # the shipped ones; preparing them now lets a scan do it while its inputs are read, and
        # the workers of a large scan are forked prepared. Errors are the real evaluation's.
        with contextlib.suppress(RuntimeError):
            self._engine.eval_query_as_json("true")

    def _set_data(self, data: dict[str, Any]) -> None:
        """Replace the engine's data, unless it is this very object already: new data undoes
        the engine's preparation (measured: the next evaluation takes 20-40 ms longer)."""
        if data is not self._data:
            self._engine.clear_data()
            self._engine.add_data_json(json.dumps(data))
            self._data = data

    def _load(self, dirs: list[Path], error: type[Exception], what: str) -> None:
        for path in policy_files(dirs):
            try:
                self._engine.add_policy_from_file(str(path))
            except RuntimeError as exc:
                raise error(f"{what} {path} does not compile: {_first_line(exc)}") from exc

    def answer(
        self, text: str, input_: dict[str, Any] | str, data: dict[str, Any]
    ) -> dict[str, Any]:
        answer: dict[str, Any] = json.loads(self.answer_text(text, input_, data))
        return answer

    def answer_text(self, text: str, input_: dict[str, Any] | str, data: dict[str, Any]) -> str:
        """`answer`, as the JSON text regorus gives."""
        engine = self._engine
        try:
            self._set_data(data)
            engine.set_input_json(input_ if isinstance(input_, str) else json.dumps(input_))
            return str(engine.eval_query_as_json(text))
        except RuntimeError as exc:
            message = _first_line(exc)
            if message.startswith(NOT_AN_OBJECT):
                message += HEAD_HINT
            raise EngineError(f"policy evaluation failed: {message}") from exc

    def session(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()


# regorus 0.9.1 stops with this when the head of a partial rule is undefined for one element,
# where OPA skips the element (tests/reliability/README.md); the shipped policies never do it.
NOT_AN_OBJECT = "not an object"
HEAD_HINT = (
    " (regorus stops here when the head of a partial rule, such as `deny contains f(x)` or"
    " `s contains x.name`, is undefined for one element: bind the value in the rule's body,"
    " `deny contains v if { ...; v := f(x) }`; see docs/policies.md)"
)


def _first_line(exc: Exception) -> str:
    """regorus errors carry a Rust backtrace after the message; keep the message."""
    text = str(exc).strip().split("Stack backtrace")[0]
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return " ".join(" ".join(lines[:6]).split())
