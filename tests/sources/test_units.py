"""CPU and memory units as ECS converts them (docs/rules/FG702.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.sources.units import parse_cpu, parse_memory


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("256", 256),
        ("1024", 1024),
        (512, 512),
        (0, 0),
        ("1 vcpu", 1024),
        ("1 vCPU", 1024),
        ("1VCPU", 1024),
        (".25 vcpu", 256),
        ("0.25 vcpu", 256),
        (".5 vCPU", 512),
        ("16 vcpu", 16384),
        ("  2 vcpu  ", 2048),
        ("256.0", 256),
        (256.0, 256),
        # Not whole CPU units, or not a CPU value at all.
        ("0.3 vcpu", None),
        ("0.5", None),
        ("1 gb", None),
        ("1 vcpus", None),
        ("vcpu", None),
        ("", None),
        ("1.", None),
        ("-256", None),
        (-256, None),
        ("1 024", None),
        ("1,024", None),
        ("\u0663 vcpu", None),  # ARABIC-INDIC DIGIT THREE: ECS reads ASCII digits only
        ("{{cpu}}", None),
        (True, None),
        (None, None),
        ([256], None),
        (256.5, None),
    ],
)
def test_parse_cpu(raw: object, expected: int | None) -> None:
    assert parse_cpu(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("512", 512),
        ("2048", 2048),
        (3072, 3072),
        ("1GB", 1024),
        ("1 GB", 1024),
        ("1 gb", 1024),
        ("0.5 GB", 512),
        (".5 gb", 512),
        ("120 GB", 122880),
        # Units ECS does not take for memory, and fractions of a MiB.
        ("1 MiB", None),
        ("1 MB", None),
        ("1 GiB", None),
        ("1 vcpu", None),
        ("0.0001 GB", None),
        ("0.5", None),
        ("gb", None),
        ("", None),
        (False, None),
        ({"Ref": "Memory"}, None),
    ],
)
def test_parse_memory(raw: object, expected: int | None) -> None:
    assert parse_memory(raw) == expected


@given(st.integers(min_value=0, max_value=10**9))
def test_plain_numbers_are_cpu_units_and_mib(n: int) -> None:
    assert parse_cpu(str(n)) == n
    assert parse_memory(str(n)) == n
    assert parse_cpu(n) == n


_SPACES = st.sampled_from(["", " ", "  "])
_CASES = st.sampled_from(["vcpu", "vCPU", "VCPU", "Vcpu"])
_GB_CASES = st.sampled_from(["gb", "GB", "Gb", "gB"])


@given(st.integers(min_value=0, max_value=4096), _SPACES, _CASES)
def test_quarter_vcpus_in_any_spelling(quarters: int, space: str, unit: str) -> None:
    """N vCPU = N x 1024 for every multiple of a quarter, with or without the leading zero."""
    number = Decimal(quarters) / 4
    text = format(number, "f")
    assert parse_cpu(f"{text}{space}{unit}") == quarters * 256
    if text.startswith("0."):
        assert parse_cpu(f"{text[1:]}{space}{unit}") == quarters * 256


@given(st.integers(min_value=0, max_value=1024), _SPACES, _GB_CASES)
def test_half_gigabytes_in_any_spelling(halves: int, space: str, unit: str) -> None:
    number = Decimal(halves) / 2
    text = format(number, "f")
    assert parse_memory(f"{text}{space}{unit}") == halves * 512
    if text.startswith("0."):
        assert parse_memory(f"{text[1:]}{space}{unit}") == halves * 512


@given(st.text(max_size=12))
def test_never_raises_and_result_is_whole(text: str) -> None:
    for parse in (parse_cpu, parse_memory):
        result = parse(text)
        assert result is None or (isinstance(result, int) and result >= 0)


@given(st.decimals(min_value=0, max_value=64, places=4, allow_nan=False, allow_infinity=False))
def test_vcpu_result_is_exact_or_none(number: Decimal) -> None:
    """A vCPU count that is not a whole number of CPU units is not readable."""
    result = parse_cpu(f"{number:f} vcpu")
    scaled = number * 1024
    if scaled == scaled.to_integral_value():
        assert result == int(scaled)
    else:
        assert result is None
