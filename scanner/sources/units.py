"""Task-level CPU and memory as ECS reads them (docs/rules/FG702.md).

ECS accepts CPU as CPU units (`"1024"`) or vCPUs (`"1 vCPU"`, `".25 vcpu"`) and memory as MiB
(`"2048"`) or GB (`"2 GB"`, `"0.5gb"`), and converts them to integers when it registers the task
definition. These functions do the same conversion, and return None where ECS would not get an
integer (an unknown unit, a fraction of a CPU unit or of a MiB): FG702 calls such a value invalid.
"""

from __future__ import annotations

import re
from decimal import Decimal

# A number (leading dot allowed, e.g. ".25"), optional space, optional unit; case-insensitive.
_VALUE = re.compile(
    r"[ \t]*(?P<number>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)[ \t]*(?P<unit>[a-z]*)[ \t]*",
    re.IGNORECASE | re.ASCII,
)

_PER_UNIT = 1024  # 1 vCPU = 1024 CPU units; 1 GB = 1024 MiB


def parse_cpu(raw: object) -> int | None:
    """CPU units for a task-level `cpu` value, or None when ECS could not read it."""
    return _parse(raw, "vcpu")


def parse_memory(raw: object) -> int | None:
    """MiB for a task-level `memory` value, or None when ECS could not read it."""
    return _parse(raw, "gb")


def _parse(raw: object, unit_name: str) -> int | None:
    if isinstance(raw, bool):  # JSON true/false is not a size
        return None
    if isinstance(raw, int):
        return raw if raw >= 0 else None
    if isinstance(raw, float):  # YAML reads `cpu: 256.0` as a float
        return int(raw) if raw >= 0 and raw.is_integer() else None
    if not isinstance(raw, str):
        return None
    match = _VALUE.fullmatch(raw)
    if match is None:
        return None
    number = Decimal(match["number"])
    unit = match["unit"].lower()
    if unit == unit_name:
        number *= _PER_UNIT
    elif unit:
        return None
    # Plain numbers and unit results must be whole CPU units / MiB.
    if number != number.to_integral_value():
        return None
    return int(number)
