"""The real CLI in a fresh process with bounded memory and time, as CI would meet a hostile file."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The scan of a real template needs well under 512 MiB of address space; a hostile file may not
# push it past this (the kernel kills the process with MemoryError or SIGKILL if it tries).
MEMORY_BYTES = 1024 * 1024 * 1024
TIMEOUT_SECONDS = 60


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def env(**extra: str) -> dict[str, str]:
    found = {k: v for k, v in os.environ.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    found["NO_COLOR"] = "1"
    found["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), found.get("PYTHONPATH")]))
    found.update(extra)
    return found


def run(args: Sequence[str], cwd: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """`python -m scanner ARGS` in `cwd`, within MEMORY_BYTES and TIMEOUT_SECONDS."""
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        cwd=cwd,
        env=env(**extra_env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
        preexec_fn=_bounded,
    )


def assert_clean_exit(result: subprocess.CompletedProcess[str], code: int) -> None:
    """The exit code is `code` and nothing looks like a crash."""
    assert "Traceback" not in result.stderr, result.stderr
    assert "MemoryError" not in result.stderr, result.stderr
    assert result.returncode == code, (result.returncode, result.stderr[-2000:])
