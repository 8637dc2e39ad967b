"""The Engine protocol: evaluate the model once against every policy, return raw results."""

from __future__ import annotations

import functools
import importlib.util
import json
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

# One evaluation asks for everything at once: every rule package (deny, undecided) and, when a
# report prints them (text), the path verdicts, so shared library rules are computed once per scan.
# Only each package's outputs: OPA and regorus disagree on empty helper rules (`a[k] contains v`
# with no members is `{}` in OPA and absent in regorus), so helpers are not asked for.
RULES_QUERY = (
    "[{name: {"
    '"deny": object.get(rules, "deny", []), '
    '"undecided": object.get(rules, "undecided", [])'
    "} | some name, rules in data.fargate_preflight.rules}]"
)
QUERY = RULES_QUERY[:-1] + ", data.fargate_preflight.lib.paths.verdicts]"


def query(paths: bool) -> str:
    """The scan's query; without the path verdicts unless `paths` (they cost a tenth of the
    evaluation on large inputs, and only the text report prints them)."""
    return QUERY if paths else RULES_QUERY


@dataclass(frozen=True)
class RawResult:
    """The engine's answer, as plain JSON values (identical for every engine)."""

    rules: dict[str, Any]  # package name (e.g. "fg201") -> {"deny": [...], ...}
    verdicts: list[dict[str, Any]]

    @classmethod
    def from_query_answer(cls, answer: dict[str, Any]) -> RawResult:
        """Read QUERY's answer in the shape OPA's REST API and regorus both return."""
        value = answer_value(answer, None)
        if value is None:
            return cls(rules={}, verdicts=[])
        rules, *verdicts = value
        return cls(rules=rules or {}, verdicts=list(verdicts[0] or []) if verdicts else [])


def answer_value(answer: dict[str, Any], undefined: Any) -> Any:
    """The value of a one-expression query's answer (OPA's REST shape, which regorus gives too),
    or `undefined` when the query has no result."""
    results = answer.get("result") or []
    return results[0]["expressions"][0]["value"] if results else undefined


def shipped_policy_dir() -> Path:
    """The policies that ship with the scanner (inside the wheel, or the source checkout)."""
    here = Path(__file__).resolve().parent.parent
    installed = here / "_policies"
    return installed if installed.is_dir() else here.parent / "policies"


@functools.cache
def default_engine() -> str:
    """The embedded regorus where its wheel installed (README: Engines), else OPA."""
    return "regorus" if importlib.util.find_spec("regorus") is not None else "opa"


def engine_data() -> dict[str, Any]:
    """AWS facts the policies read as data.fargate_preflight.aws (scanner/data/*.json)."""
    facts: dict[str, Any] = {}
    for path in sorted((Path(__file__).parent.parent / "data").glob("*.json")):
        facts.update(json.loads(path.read_text(encoding="utf-8")))
    return {"fargate_preflight": {"aws": facts}}


def policy_files(dirs: list[Path]) -> list[Path]:
    """Every .rego file that is not a test, in a stable order."""
    files: list[Path] = []
    for d in dirs:
        files.extend(p for p in sorted(d.rglob("*.rego")) if not p.name.endswith("_test.rego"))
    return files


class Engine(Protocol):
    """What an engine does; the engines subclass it for `evaluate`, which is the same for all."""

    name: str
    # Whether worker processes forked with it may evaluate parts of a model
    # (scanner/engine/parts.py): regorus in this process; not OPA's one server.
    workers: bool = False

    def evaluate(
        self, model: dict[str, Any], data: dict[str, Any], *, paths: bool = True
    ) -> RawResult:
        """Evaluate every policy over `model` (the input) with `data` loaded beside it; the path
        verdicts too when `paths`."""
        return RawResult.from_query_answer(self.answer(query(paths), model, data))

    def answer(
        self, text: str, input_: dict[str, Any] | str, data: dict[str, Any]
    ) -> dict[str, Any]:
        """The answer to any query, in the shape of OPA's REST API; `input_` may be given as
        JSON text."""

    def session(self) -> AbstractContextManager[None]:
        """Several `evaluate` calls inside share what the engine needs to start (OPA's server)."""
