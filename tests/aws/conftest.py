"""A moto server on a loopback port for the whole session, and a scan's environment.

Tests build accounts through the real boto3 API against it and scan them with the real exporter;
each test works in its own region so accounts built by other tests do not leak in.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from moto_server import start_moto, stop


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    proc, url = start_moto()
    try:
        yield url
    finally:
        stop(proc)


@pytest.fixture
def aws_env(moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Environment of a scan against the server: fake keys, its endpoint, no profile files."""
    env = {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
    }
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env
