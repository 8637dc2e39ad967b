"""Flag values shared by the CLI, the configuration file and the integrations."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence

from scanner.errors import UsageError


def parse_parameters(values: Sequence[str]) -> dict[tuple[str | None, str], str]:
    """`[FILE:]K=V` (--parameter), FILE relative to the scanned root."""
    out: dict[tuple[str | None, str], str] = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise UsageError(f"--parameter {value!r}: expected [FILE:]KEY=VALUE")
        file, colon, name = key.rpartition(":")
        out[(_rel(file) if colon else None, name)] = val
    return out


def parse_stack_names(values: Sequence[str]) -> dict[str, str]:
    """`FILE=NAME` (--stack-name), FILE relative to the scanned root."""
    out: dict[str, str] = {}
    for value in values:
        file, sep, name = value.partition("=")
        if not sep or not file or not name:
            raise UsageError(f"--stack-name {value!r}: expected FILE=NAME")
        out[_rel(file)] = name
    return out


def _rel(file: str) -> str:
    """A FILE of a flag as the scan names files: `/` separators, no `./` or `a/../`."""
    return posixpath.normpath(file.replace(os.sep, "/"))
