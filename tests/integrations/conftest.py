"""Fixtures of the integration tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from integration_helpers import CLEAN, EXAMPLE, copied, make_repo


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """A git work tree with the isolated-VPC example (one FG202) and a clean deployment."""
    return make_repo(tmp_path / "repo", {**copied(EXAMPLE), **copied(CLEAN)})
