"""Reporters: each turns a Report into the bytes of one output format.

`REPORTERS[name](report) -> str` for every `--format`. SARIF also has `sarif.build`, which
returns how many findings GitHub's limits made it leave out (the CLI warns on stderr), and
text has `render(report, color=True)` plus `render_rules` / `render_explain`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from scanner.findings import Report
from scanner.report import github, json_report, sarif, text

Reporter = Callable[[Report], str]

REPORTERS: Mapping[str, Reporter] = MappingProxyType(
    {
        "text": text.render,
        "json": json_report.render,
        "sarif": sarif.render,
        "github": github.render,
    }
)

__all__ = ["REPORTERS", "Reporter"]
