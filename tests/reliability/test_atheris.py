"""The atheris harness (fuzz/fuzz_loaders.py) runs: a few seconds of coverage-guided fuzzing of
the YAML/JSON loader and the CloudFormation builder from the seed templates. `.ci/run` runs it
for 60 s; a crash fails with the input saved beside the test's temporary files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.cli import ROOT, env

pytest.importorskip("atheris", reason="atheris 3.0.0 has wheels only for CPython 3.11 on Linux")


# fuzz/regressions: inputs that crashed the harness once, run first.
SEEDS = (
    "fuzz/regressions",
    "examples",
    "tests/fixtures/cfn",
    "tests/fixtures/corpus/cloudformation",
)


def test_the_loader_harness_finds_no_crash(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "fuzz" / "fuzz_loaders.py"),
            "-max_total_time=5",
            f"-artifact_prefix={tmp_path}/",
            str(corpus),  # new inputs go here, not into the seed folders
            *(str(ROOT / seeds) for seeds in SEEDS),
        ],
        cwd=tmp_path,
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    runs = [line for line in result.stderr.splitlines() if line.startswith("Done ")]
    assert runs and int(runs[0].split()[1]) > 100, result.stderr[-2000:]
