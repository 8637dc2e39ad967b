"""Cold start: wall time of `fargate-preflight scan` on one service template, new process each run.

    python benchmarks/cold_start.py [--runs N] [PATH ...]

Prints min / median / max over the runs (default: 10 runs of examples/isolated-vpc). The target
is under 0.3 s for one template with one service, interpreter start included.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("paths", nargs="*", default=[str(ROOT / "examples" / "isolated-vpc")])
    args = parser.parse_args()
    cmd = [sys.executable, "-m", "scanner", "scan", "--format", "json", "--quiet", *args.paths]
    # An installed package has its bytecode compiled at install time; a source checkout with
    # PYTHONDONTWRITEBYTECODE set would recompile every module on every run.
    compileall.compile_dir(ROOT / "scanner", quiet=1)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, cwd=ROOT, env=env, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            print(done.stderr.decode(), file=sys.stderr)
            return done.returncode
    print(
        f"cold scan of {' '.join(args.paths)}: runs={args.runs} "
        f"min={min(times):.3f}s median={statistics.median(times):.3f}s max={max(times):.3f}s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
