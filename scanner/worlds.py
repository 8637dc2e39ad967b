"""Conditions the inputs do not settle: the scan of each way they may go, as one answer.

A CloudFormation resource (or nested stack) whose `Condition` waits for a value the inputs do
not give (a parameter without default) may or may not be created. The scan's model builds it;
for each such condition another model leaves out what the condition creates
(BuildContext.absent), and every model is evaluated. What they agree on stands. An error or
warning that only some of them have is not settled by the inputs: it is one of the checks the
condition blocks, in an FG801 note at the condition (one per condition, as for any unsettled
value), and the text report's path rows of its need, like every row that differs, are
"undecided". Notes are kept from every model. With nothing unsettled there is one model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from scanner.findings import Finding, PathStep
from scanner.sources.base import UnsettledCondition

# One model's answer: its findings (suppressions applied), its path rows, and the names of its
# services.
Answer = tuple[list[Finding], Sequence[PathStep], frozenset[str]]


@dataclass(frozen=True)
class World:
    """The scan's model with what one unsettled condition creates left out (`together`: what
    every one of them creates)."""

    condition: UnsettledCondition
    model: dict[str, Any]
    together: bool = False


def merge(
    main: Answer,
    others: Sequence[tuple[UnsettledCondition, Answer]],
    together: tuple[UnsettledCondition, Answer] | None = None,
) -> tuple[list[Finding], tuple[PathStep, ...], list[dict[str, Any]]]:
    """The findings and path rows of the scan's model (`main`) and of the models without an
    unsettled condition's resources (`others`), and the FG801 entries (`fg801.unsettled`) of
    the errors and warnings they disagree on. Two models agree on a rule for a service's need
    whatever the words (another path may fail the same rule for another reason), and a model
    without the service has nothing to say of it (a service that only a condition creates
    fails whenever it is created). `together` is the model without what every condition
    creates (two optional ways out, a NAT gateway and the endpoints, may each be enough alone):
    it notes only what no single condition's model already disagrees on."""
    findings, steps, services = main
    kept = {_key(f): f for f in findings}
    entries: list[dict[str, Any]] = []
    open_needs: set[tuple[str | None, str | None]] = set()
    rows = {_row(s): s for s in steps}
    differ: set[tuple[str, str, str]] = set()
    noted: set[tuple[Any, ...]] = set()
    ways = [(c, a, False) for c, a in others] + ([(*together, True)] if together else [])
    for condition, (found, their_steps, their_services), only_new in ways:
        both = services & their_services
        ours, theirs = _judged(findings), _judged(found)
        for f in [*findings, *found]:
            if f.level == "note":
                kept.setdefault(_key(f), f)
            elif (
                f.suppressed is None
                and (f.service is None or f.service in both)
                and (_judge(f) in ours) != (_judge(f) in theirs)
            ):
                if not (only_new and _judge(f) in noted):
                    entries.append(_entry(condition, f))
                noted.add(_judge(f))
                open_needs.add((f.service, f.need))
                kept.pop(_key(f), None)
        their_rows = {_row(s): s for s in their_steps}
        differ |= {
            r for r in rows.keys() & their_rows.keys() if rows[r].verdict != their_rows[r].verdict
        }
        rows = their_rows | rows
    differ |= {row for row, s in rows.items() if (s.service, s.need) in open_needs}
    merged = tuple(replace(s, verdict="undecided") if r in differ else s for r, s in rows.items())
    return list(kept.values()), merged, entries


def _key(f: Finding) -> tuple[Any, ...]:
    """One finding."""
    return (f.rule_id, f.service, f.need, f.location, f.message)


def _judge(f: Finding) -> tuple[Any, ...]:
    """What two models may agree or disagree on: a rule, for a service's need."""
    return (f.rule_id, f.service, f.need)


def _judged(found: Sequence[Finding]) -> set[tuple[Any, ...]]:
    # A suppressed finding asks nothing of the user, whichever way the condition goes.
    return {_judge(f) for f in found if f.level != "note" and f.suppressed is None}


def _row(step: PathStep) -> tuple[str, str, str]:
    return (step.service, step.need, step.subnet)


def _entry(condition: UnsettledCondition, f: Finding) -> dict[str, Any]:
    """An FG801 entry: the condition blocks `f`'s rule for its service."""
    return {
        "unknown": {
            "unknown": condition.why,
            "ref": condition.ref,
            "source": condition.source,
            "settled_by": condition.settled_by,
            **({"fix": condition.fix} if condition.fix else {}),
        },
        "service": f.service,
        "rules": [f.rule_id],
    }
