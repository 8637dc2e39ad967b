"""Terraform cold start: wall time of `fargate-preflight scan` on the largest plan of the test
fixtures (with its .tf files, vendored module included), a new process each run.

    python benchmarks/terraform_cold.py [--runs N] [PLAN]

Prints min / median / max over the runs (default: 10 runs of the largest
tests/fixtures/terraform/*/plan.json, which is module-vpc: the terraform-aws-modules VPC module).
Target: the cold-start target for one template with one service, 0.3 s.
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
PLANS = ROOT / "tests" / "fixtures" / "terraform"


def largest_plan() -> Path:
    return max(PLANS.rglob("plan.json"), key=lambda p: p.stat().st_size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("plan", nargs="?", type=Path, default=None)
    args = parser.parse_args()
    plan = args.plan or largest_plan()
    cmd = [sys.executable, "-m", "scanner", "scan", "--format", "json", "--quiet", str(plan)]
    # An installed package has its bytecode compiled at install time (see cold_start.py).
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
    size = plan.stat().st_size / 1024
    print(
        f"cold scan of {plan.relative_to(ROOT)} ({size:.0f} KiB): runs={args.runs} "
        f"min={min(times):.3f}s median={statistics.median(times):.3f}s max={max(times):.3f}s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
