"""Reporters: each turns a Report into the bytes of one output format.

`reporter(name)(report) -> str` for every `--format`. SARIF also has `sarif.build`, which
returns how many findings GitHub's limits made it leave out (the CLI warns on stderr), and
text has `render(report, color=True)` plus `render_rules` / `render_explain`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI reads FORMATS before it needs a report
    from scanner.findings import Report

Reporter = Callable[["Report"], str]

# --format -> the module that renders it. Only the chosen one is imported: SARIF's needs
# hashlib, gzip and the rule docs, a few percent of a one-template run that prints text.
MODULES = {"text": "text", "json": "json_report", "sarif": "sarif", "github": "github"}
# What `scan --format` and the GitHub Action's `format` input accept.
FORMATS = tuple(MODULES)


def plural(count: int, word: str) -> str:
    """`1 finding`, `2 findings`: a count that agrees with its noun."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def reporter(name: str) -> Reporter:
    """The renderer of one output format (a key of MODULES)."""
    render: Reporter = importlib.import_module(f"scanner.report.{MODULES[name]}").render
    return render


__all__ = ["FORMATS", "MODULES", "Reporter", "plural", "reporter"]
