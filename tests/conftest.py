"""A real `opa` for the tests that evaluate on OPA: found on PATH or where .ci/install-tools.sh
puts it.

A missing `opa` fails these tests (it never skips them): CI must run them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.engine.opa_engine import OpaServer

TOOLS_BIN = (
    Path(os.environ.get("FP_TOOLS_DIR", Path.home() / ".cache/fargate-preflight/tools")) / "bin"
)


@pytest.fixture(scope="session")
def opa_binary() -> str:
    found = shutil.which("opa") or shutil.which("opa", path=str(TOOLS_BIN))
    if found is None:
        pytest.fail(
            "`opa` is not installed: run `bash .ci/install-tools.sh` (builds the pinned OPA into "
            f"{TOOLS_BIN}) and put that directory on PATH",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="session")
def opa_url(opa_binary: str) -> Iterator[str]:
    """One OPA server for the session, on a free loopback port; stopped at the end."""
    with OpaServer(opa_binary) as server:
        yield server.url


@pytest.fixture
def fresh_opa_url(opa_binary: str) -> Iterator[str]:
    """A server of the test's own, for tests that put other policies on it."""
    with OpaServer(opa_binary) as server:
        yield server.url
