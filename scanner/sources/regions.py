"""The region names botocore knows, from its endpoints data (read without importing botocore,
which takes about 0.4 s): a misspelt region (`us-esat-1`) reads as a region without endpoints,
so every need seems to be in another region; a notice says so. A value that does not even have
the shape of a region name (`us-east1`) is a usage error (`region_error`)."""

from __future__ import annotations

import difflib
import functools
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

# The shape of a region name: `us-east-1`, `us-gov-west-1`, `cn-north-1`, `eu-isoe-west-1`, and
# the European Sovereign Cloud's `eusc-de-east-1` (botocore's partitions: `regionRegex`).
_REGION_SHAPE = re.compile(r"(?:[a-z]{2}|eusc)(?:-[a-z]+)+-\d+")


@functools.cache
def _endpoints() -> dict[str, Any] | None:
    """The installed botocore's endpoints data; None without it."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or spec.origin is None:
        return None
    try:
        data = json.loads((Path(spec.origin).parent / "data" / "endpoints.json").read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@functools.cache
def known_regions() -> frozenset[str] | None:
    """Every region of every partition in the installed botocore; None without it."""
    try:
        return frozenset(r for p in (_endpoints() or {})["partitions"] for r in p["regions"])
    except (KeyError, TypeError):
        return None


@functools.cache
def _partition_shapes() -> tuple[re.Pattern[str], ...]:
    """The region name patterns of botocore's partitions (a new partition's names too)."""
    try:
        return tuple(re.compile(p["regionRegex"]) for p in (_endpoints() or {})["partitions"])
    except (KeyError, TypeError, re.error):
        return ()


def unknown_region_notice(region: str) -> str | None:
    """A notice when `region` is not one botocore knows (a new region needs a newer botocore)."""
    known = known_regions()
    if known is None or region in known:
        return None
    return f"region {region} is not one that this botocore knows: is it misspelt?"


def region_error(region: str) -> str | None:
    """Why `region` (a --region value) cannot name a region, with the known region it may be;
    None when it has the shape of a region name, known or not (a new region must work)."""
    known = known_regions() or frozenset()
    if (
        region in known
        or _REGION_SHAPE.fullmatch(region)
        or any(shape.fullmatch(region) for shape in _partition_shapes())
    ):
        return None
    message = f"--region {region}: not the name of a region (such as us-east-1)"
    names = sorted(r for r in known if _REGION_SHAPE.fullmatch(r))
    if close := difflib.get_close_matches(region.lower(), names, n=1, cutoff=0.75):
        message += f"; did you mean {close[0]}?"
    return message
