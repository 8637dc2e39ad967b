"""Evaluate a large model part by part (scanner.model.partition), on several cores.

A model of more than PART_SERVICES services is split into independent parts; regorus
evaluates them in `jobs` worker processes (forked with the engine already compiled and
prepared, and with the parts' JSON; a model of a few dozen services is split too, so that every
core works), OPA one after the other on one server, and so does regorus in a process that may
not fork (scanner.forked.can_fork: a threaded one, or on Windows) and regorus in the child that
a scan of small inputs starts with (scanner.engine.early). The answers are
joined into the answer for the whole model. FG801 is the one rule that gathers across parts:
it names each unsettled value once with every service it blocks. Each part returns the
entries FG801 gathers (`fg801.unsettled`), and FG801 is evaluated once more over all of them.
"""

from __future__ import annotations

import json
import os
from typing import Any

from scanner import forked
from scanner.engine.base import RULES_QUERY, Engine, RawResult, answer_value
from scanner.model.partition import split

# Services per part: small enough that a part's evaluation stays small (regorus holds the
# whole input as its own values, and a few lookups are not indexed), large enough that
# per-part costs (the query, the input's JSON) stay small against the work.
PART_SERVICES = 150

# Fewer services than this per part do not pay for a worker process.
MIN_PART_SERVICES = 20

# A comprehension: defined when the set is empty (regorus leaves an empty partial set undefined).
UNSETTLED = "[u | some u in data.fargate_preflight.rules.fg801.unsettled]"
VERDICTS = "data.fargate_preflight.lib.paths.verdicts"
# FG801 over the entries of all parts: its own `unsettled` replaced by them.
GATHERED = (
    "data.fargate_preflight.rules.fg801.deny "
    "with data.fargate_preflight.rules.fg801.unsettled as input.unsettled"
)


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 1


def evaluate(
    local: Engine,
    model: dict[str, Any],
    data: dict[str, Any],
    *,
    paths: bool,
    jobs: int,
    part_services: int = PART_SERVICES,
) -> RawResult:
    """The answer of `local` for `model`, computed part by part when it is large (by workers
    forked with `local` when it allows them: `Engine.workers`)."""
    workers = jobs > 1 and local.workers and forked.can_fork()
    size = part_size(len(model["services"]), jobs, part_services) if workers else part_services
    # The walk allocates many short-lived lists while the model fills the heap (each full pass
    # of the cyclic collector walks it all): 2,000 services 0.45 -> 0.36 s without it.
    with forked.no_cyclic_gc():
        parts = split(model, size)
    if len(parts) == 1:
        return local.evaluate(model, data, paths=paths)
    text = "[" + ", ".join([RULES_QUERY[1:-1], UNSETTLED, *([VERDICTS] if paths else [])]) + "]"
    with local.session():
        if workers:
            answers = _in_workers(local, parts, text, data, jobs)
        else:
            answers = [_values(local.answer(text, part, data)) for part in parts]
        fg801 = gather(local, [entry for answer in answers for entry in answer[1]], model, data)
    rules: dict[str, dict[str, list[Any]]] = {}
    for answer in answers:
        for package, outputs in (answer[0] or {}).items():
            joined = rules.setdefault(package, {})
            for name, values in outputs.items():
                joined.setdefault(name, []).extend(values or [])
    if "fg801" in rules:
        rules["fg801"]["deny"] = list(fg801)
    verdicts = [v for answer in answers if paths for v in answer[2] or []]
    return RawResult(rules=rules, verdicts=verdicts)


def gather(
    local: Engine, entries: list[dict[str, Any]], model: dict[str, Any], data: dict[str, Any]
) -> list[dict[str, Any]]:
    """FG801's findings over `entries` (what `fg801.unsettled` holds: one note per unsettled
    value, naming every rule and service it blocks)."""
    unique = {json.dumps(entry, sort_keys=True): entry for entry in entries}
    found: list[dict[str, Any]] = _values(
        local.answer(
            GATHERED,
            {
                "unsettled": [unique[k] for k in sorted(unique)],
                "coverage_gaps": model.get("coverage_gaps", []),
                # what lib.model.runner reads to call a task a task
                "services": {
                    sid: {"name": svc["name"], "kind": svc["kind"]}
                    for sid, svc in model["services"].items()
                    if svc["kind"] == "task"
                },
            },
            data,
        )
    )
    return found


def part_size(services: int, jobs: int, most: int) -> int:
    """Services per part when `jobs` workers evaluate them: at most `most`, and as many parts
    as keep every worker busy to the end (a multiple of `jobs` parts of equal size), so a model
    of a few hundred services uses every core too. Below MIN_PART_SERVICES a part is not worth
    a worker."""
    if services < jobs * MIN_PART_SERVICES or most <= 0:
        return most
    rounds = -(-services // (jobs * most))
    return -(-services // (jobs * rounds))


def _values(answer: dict[str, Any]) -> Any:
    return answer_value(answer, [])


# --- worker processes ------------------------------------------------------------------------

# What forked workers read: set before the pool starts, inherited, never pickled.
_work: dict[str, Any] = {}


def _in_workers(
    engine: Engine,
    parts: list[dict[str, Any]],
    text: str,
    data: dict[str, Any],
    jobs: int,
) -> list[Any]:
    import multiprocessing

    # Each worker is forked with `engine`, its policies already compiled.
    _work.update(text=text, data=data, engine=engine)
    # The parts go to the workers as JSON text, written here (a worker that walked the parent's
    # objects to write them would touch, and so copy, every page that holds them) one after
    # the other as the pool sends them: the first parts are evaluated while the others are
    # written (2,000 services: 14 parts, 0.3 s of writing).
    inputs = (json.dumps(part) for part in parts)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(jobs, len(parts))) as pool:
            return list(pool.imap(_evaluate_part, inputs))
    finally:
        _work.clear()


def _evaluate_part(part: str) -> Any:
    engine: Engine = _work["engine"]
    return _values(engine.answer(_work["text"], part, _work["data"]))
