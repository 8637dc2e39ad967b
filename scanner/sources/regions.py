"""The region names botocore knows, from its endpoints data (read without importing botocore,
which takes about 0.4 s): a misspelt region (`us-esat-1`) reads as a region without endpoints,
so every need seems to be in another region; a notice says so."""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path


@functools.cache
def known_regions() -> frozenset[str] | None:
    """Every region of every partition in the installed botocore; None without it."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or spec.origin is None:
        return None
    try:
        data = json.loads((Path(spec.origin).parent / "data" / "endpoints.json").read_text())
        return frozenset(r for p in data["partitions"] for r in p["regions"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def unknown_region_notice(region: str) -> str | None:
    """A notice when `region` is not one botocore knows (a new region needs a newer botocore)."""
    known = known_regions()
    if known is None or region in known:
        return None
    return f"region {region} is not one that this botocore knows: is it misspelt?"
