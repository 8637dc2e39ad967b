"""Benchmark the scanner stage by stage, both engines, side by side with Checkov.

    python benchmarks/run.py [--sizes 100,500,1000,2000,4000] [--per-vpc 10] [--seed 1]
        [--layouts single,multi] [--engines regorus,opa] [--repeat 1]
        [--checkov | --no-checkov] [--checkov-max 2000] [--work DIR] [--markdown FILE] [--json FILE]

For each size it generates the inputs (benchmarks/generate.py: N services over N/per-vpc VPCs,
as one template and as one network + one service template per VPC), then times each stage in a
fresh process of its own, so the peak memory of a stage is that stage's alone (plus the
interpreter and its input):

- load: find and parse the files;           - model: build and validate the input model;
- evaluate: compile the policies and evaluate them on the model as a JSON scan does (each engine);
- report: findings, JSON and SARIF.

It also times what a user waits for: `python -m scanner scan PATH --format json` end to end,
interpreter start included (`scan` column), on each engine, and with `--format text` (the
default, which also asks for the path verdicts) on the first; the one-service template cold;
and, with `--checkov`, Checkov 3.3 (`checkov -f/-d … --framework cloudformation --quiet
--skip-download`) on the same files in the same run, installed into its own virtual environment
on first use (about 90 s; never by the test suite or `.ci/run`). Checkov checks each resource on
its own and reasons about no path across resources, so the ratio is what a user waits for, not
work for work.

The exponent is the least-squares slope of log(time) (or log(memory)) against log(services).
`python benchmarks/run.py stage NAME ...` is the child process of one stage (internal).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import math
import os
import pickle
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _sibling(name: str) -> ModuleType:
    """A module of benchmarks/ (not a package), under a name no other module has."""
    qualified = f"fp_bench_{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


generate = _sibling("generate")


def _import_this_checkout() -> None:
    """`import scanner` finds this checkout's scanner, also when run.py runs as a script."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


DEFAULT_SIZES = (100, 500, 1000, 2000, 4000)
STAGES = ("load", "model", "evaluate", "report")
TOOLS_BIN = Path.home() / ".cache" / "fargate-preflight" / "tools" / "bin"
CHECKOV_VENV = Path.home() / ".cache" / "fargate-preflight" / "checkov-venv"
CHECKOV_SPEC = "checkov>=3.3,<3.4"
OPA_STAGE_TIMEOUT = 1800.0


class Clock:
    """Wall and CPU time since it was made; CPU includes child processes that ended (the OPA
    server), so the CPU of a stage is all of its work wherever it ran."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = _cpu()

    def read(self) -> dict[str, float]:
        return {"seconds": time.perf_counter() - self.wall, "cpu_seconds": _cpu() - self.cpu}


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# --- one stage, in this process ------------------------------------------------------------------


def run_stage(name: str, state: Path, engine: str, inputs: Path | None) -> dict[str, Any]:
    """Run one stage on the state the previous stage left in `state`; time only the stage."""
    _import_this_checkout()
    stage = {"load": _load, "model": _model, "evaluate": _evaluate, "report": _report}[name]
    return stage(state, engine, inputs)


def _load(state: Path, engine: str, inputs: Path | None) -> dict[str, Any]:
    from scanner import api, forked
    from scanner.sources.discover import discover, scanned_root

    assert inputs is not None
    clock = Clock()
    with forked.no_cyclic_gc():  # as scanner.api.load
        root = scanned_root(inputs)
        detectors = {s.kind: s.detect for s in api.sources()}
        detectors["terraform"] = api._is_terraform_plan
        found = discover([inputs], root, detectors)
    took = clock.read()
    with (state / "loaded.pkl").open("wb") as f:
        pickle.dump((root, found), f, protocol=pickle.HIGHEST_PROTOCOL)
    return took | {"files": len(found.files), "errors": len(found.errors)}


def _model(state: Path, engine: str, inputs: Path | None) -> dict[str, Any]:
    """What scanner.api.load does after discovery (tests/test_benchmarks.py checks they agree)."""
    from scanner import api, forked
    from scanner.model.builder import build_model, infer_region, region_value, validate_model
    from scanner.sources.base import BuildContext

    with (state / "loaded.pkl").open("rb") as f:
        root, found = pickle.load(f)
    clock = Clock()
    with forked.no_cyclic_gc():  # as scanner.api.load
        region = infer_region(found.files) or api._env_region()
        ctx = BuildContext(root=root, region=region)
        fragments = []
        errors = list(found.errors)
        for src in api.sources():
            files = [f for f in found.files if f.kind == src.kind]
            if files:
                fragment = src.build(files, ctx)
                fragments.append(fragment)
                errors.extend(fragment.errors)
        model = build_model(fragments, region_value(region, found.files))
        validate_model(model)
    took = clock.read()
    (state / "model.json").write_text(json.dumps(model), encoding="utf-8")
    return took | {"errors": len(errors), "services": len(model["services"])}


def _evaluate(state: Path, engine: str, inputs: Path | None) -> dict[str, Any]:
    from scanner import api

    model = json.loads((state / "model.json").read_text(encoding="utf-8"))
    clock = Clock()
    evaluator = _engine(engine)
    compiled = clock.read()["seconds"]
    # as a JSON or SARIF scan asks: no path verdicts; a large model in parts, on every core
    raw = api.evaluate_model(evaluator, model, api.ScanOptions(engine=engine, paths=False))
    took = clock.read()
    (state / f"raw-{engine}.json").write_text(
        json.dumps({"rules": raw.rules, "verdicts": raw.verdicts}), encoding="utf-8"
    )
    return took | {"compile_seconds": compiled}


def _engine(name: str) -> Any:
    """The scan's engine; OPA with a long request timeout, so that this stage measures how long
    OPA takes where a scan (60 s per request) gives up."""
    from scanner import api

    if name != "opa":
        return api.make_engine(name)
    from scanner.engine.base import shipped_policy_dir
    from scanner.engine.opa_engine import OpaEngine

    return OpaEngine([shipped_policy_dir()], [], timeout=OPA_STAGE_TIMEOUT)


def _report(state: Path, engine: str, inputs: Path | None) -> dict[str, Any]:
    from scanner import __version__, api
    from scanner.engine.base import RawResult
    from scanner.findings import Finding, Report
    from scanner.report import json_report, sarif

    model = json.loads((state / "model.json").read_text(encoding="utf-8"))
    answer = json.loads((state / f"raw-{engine}.json").read_text(encoding="utf-8"))
    raw = RawResult(rules=answer["rules"], verdicts=answer["verdicts"])
    clock = Clock()
    rules = api.catalogue()
    findings = tuple(sorted(api.to_findings(raw, rules), key=Finding.sort_key))
    report = Report(
        findings=findings,
        rules=rules,
        errors=(),
        paths=api.to_paths(raw, model),
        notices=(),
        category="fargate-preflight",
        tool_version=__version__,
        services=tuple(sorted(s["name"] for s in model["services"].values())),
        root=str(ROOT),
    )
    as_json = json_report.render(report)
    as_sarif = sarif.render(report)
    took = clock.read()
    (state / f"report-{engine}.json").write_text(as_json, encoding="utf-8")
    return took | {
        "findings": len(findings),
        "json_bytes": len(as_json.encode()),
        "sarif_bytes": len(as_sarif.encode()),
    }


def stage_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="run.py stage")
    parser.add_argument("name", choices=STAGES)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--engine", default="regorus")
    parser.add_argument("--inputs", type=Path)
    args = parser.parse_args(argv)
    result = run_stage(args.name, args.state, args.engine, args.inputs)
    # With the OPA engine the server is a child process: count the larger of the two.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["peak_mib"] = max(own, children) / 1024
    print(json.dumps(result))
    return 0


# --- measuring child processes ---------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    seconds: float  # wall time of the whole process
    cpu_seconds: float  # its CPU time, and that of its own children
    peak_mib: float  # its peak resident memory (or a child's, if larger)
    returncode: int
    stdout: str
    stderr: str


def measure(cmd: Sequence[str], env: dict[str, str] | None = None) -> Measured:
    """Wall time, CPU time and peak memory of one child process. os.wait4 reports the child's
    own usage with that of the children it waited for (an OPA server, the worker processes of
    a large scan), but only the largest one's peak memory: the peak is also sampled as the sum
    of the proportional set size (PSS) of the process and all its children, which counts a
    page that forked workers share with their parent once."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(list(cmd), stdout=out, stderr=err, cwd=ROOT, env=env)
        sampler = TreeMemory(child.pid)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        sampler.stop()
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(
            seconds=seconds,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            peak_mib=max(usage.ru_maxrss / 1024, sampler.peak_mib),
            returncode=child.returncode,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
        )


class TreeMemory(threading.Thread):
    """The largest sum of the memory (PSS; RSS where the kernel has no smaps_rollup) of a
    process and its descendants, every 250 ms (Linux /proc; 0 elsewhere). Not more often:
    reading a large process's smaps_rollup walks its page tables under the lock its page
    faults take, and every 20 ms slowed a 2,000-service scan by a fifth."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_mib = 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.25):
            total = sum(self._memory(p) for p in self._tree(self.pid))
            self.peak_mib = max(self.peak_mib, total / 1024)

    def stop(self) -> None:
        self._done.set()
        self.join()

    def _tree(self, pid: int) -> list[int]:
        pids = [pid]
        for p in pids:
            try:
                for task in os.listdir(f"/proc/{p}/task"):
                    text = Path(f"/proc/{p}/task/{task}/children").read_text()
                    pids += [int(c) for c in text.split()]
            except OSError:
                continue
        return pids

    def _memory(self, pid: int) -> int:
        """KiB."""
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            pass
        try:
            pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
            return pages * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, ValueError, IndexError):
            return 0


def child_env() -> dict[str, str]:
    """The environment of every child: bytecode kept, OPA findable, this checkout imported."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PATH"] = f"{TOOLS_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    return env


def opa_available() -> bool:
    return shutil.which("opa", path=child_env()["PATH"]) is not None


def stage_in_child(name: str, state: Path, engine: str, inputs: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(HERE / "run.py"), "stage", name, "--state", str(state)]
    cmd += ["--engine", engine, "--inputs", str(inputs)]
    done = measure(cmd, child_env())
    if done.returncode != 0:
        raise RuntimeError(f"stage {name} ({engine}) failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = done.seconds
    # the stage's own figure counts only the largest of its worker processes
    result["peak_mib"] = max(result["peak_mib"], done.peak_mib)
    return result


def scan_in_child(
    inputs: Path, engine: str, python: str = sys.executable, fmt: str = "json"
) -> Measured:
    """`fargate-preflight scan` as a user runs it; exit 1 only means findings."""
    cmd = [python, "-m", "scanner", "scan", str(inputs), "--format", fmt]
    cmd += ["--engine", engine, "--fail-on", "never"]
    done = measure(cmd, child_env())
    if done.returncode != 0:
        raise RuntimeError(f"scan of {inputs} ({engine}) failed:\n{done.stderr[-3000:]}")
    return done


# --- Checkov ------------------------------------------------------------------------------------


def checkov_binary(venv: Path, install: bool) -> Path | None:
    exe = venv / "bin" / "checkov"
    if exe.exists():
        return exe
    if not install:
        return None
    print(f"installing {CHECKOV_SPEC} into {venv} (about 90 s) ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, CHECKOV_SPEC], check=True)
    return exe


def checkov_in_child(exe: Path, inputs: Path) -> Measured:
    files = sorted(p for p in inputs.iterdir() if p.is_file()) if inputs.is_dir() else [inputs]
    target = ["-f", str(files[0])] if len(files) == 1 else ["-d", str(inputs)]
    cmd = [str(exe), *target, "--framework", "cloudformation", "--quiet", "--skip-download"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    done = measure(cmd, env)
    # Checkov exits 1 when a check fails; anything else is a failed run.
    if done.returncode not in (0, 1):
        raise RuntimeError(f"checkov on {inputs} failed:\n{done.stderr[-3000:]}")
    return done


# --- where the time goes -----------------------------------------------------------------------

# The library rules in the order they build on each other; then every rule package.
LIB_CHAIN = (
    "data.fargate_preflight.lib.taskdef.analysed",
    "data.fargate_preflight.lib.needs.by_service",
    "data.fargate_preflight.lib.needs.undecided",
    "data.fargate_preflight.lib.paths.decisions",
    "data.fargate_preflight.lib.paths.selected",
    "data.fargate_preflight.lib.paths.verdicts",
    "data.fargate_preflight.lib.paths.failures",
    "data.fargate_preflight.lib.paths.undecided",
    "data.fargate_preflight.lib.network.uses",
)


def rego_engine(model_text: str, files: Sequence[Path] | None = None) -> Any:
    """A regorus engine with the model as input and `files` (default: the shipped policies)."""
    import regorus

    from scanner.engine.base import engine_data, policy_files, shipped_policy_dir

    engine = regorus.Engine()
    for path in policy_files([shipped_policy_dir()]) if files is None else files:
        engine.add_policy_from_file(str(path))
    engine.add_data_json(json.dumps(engine_data()))
    engine.set_input_json(model_text)
    return engine


def timed_query(engine: Any, query: str, runs: int) -> float:
    """The least CPU time of `runs` evaluations. CPU time, not wall time: other processes on a
    shared machine move wall time by seconds, and regorus evaluates on this one thread.
    (regorus keeps nothing between queries, so every run is a full evaluation.)"""
    times = []
    for _ in range(runs):
        start = time.process_time()
        engine.eval_query_as_json(query)
        times.append(time.process_time() - start)
    return min(times)


def rego_chain(engine: Any, runs: int) -> Iterator[tuple[str, float, float]]:
    """(step, cumulative seconds, marginal seconds): each step is the query of every step so far,
    evaluated at once (so shared rules are computed once, as in a scan); its marginal cost is
    what it adds. The marginals sum to the scan's whole query."""
    # From the loaded modules, not by evaluating data.fargate_preflight.rules (a whole scan).
    prefix = "data.fargate_preflight.rules."
    packages = sorted({p[len(prefix) :] for p in engine.get_packages() if p.startswith(prefix)})
    # FG801 reads every other package's `undecided`: last, so its marginal is its own work.
    ordered = sorted(packages, key=lambda p: (p == "fg801", p))
    steps = [*LIB_CHAIN, *(f"data.fargate_preflight.rules.{p}" for p in ordered)]
    previous = 0.0
    for k in range(len(steps)):
        # One step a line: regorus refuses a query line longer than 1,024 characters. Each
        # step in a comprehension: an empty partial object is undefined in regorus, and one
        # undefined element would make the whole array (and every later step) undefined.
        wrapped = [f"[x | x := {step}]" for step in steps[: k + 1]]
        total = timed_query(engine, "[\n" + ",\n".join(wrapped) + "\n]", runs)
        yield steps[k], total, total - previous
        previous = total


def rego_variants(
    model_text: str, trees: Sequence[Path], knockout: bool
) -> dict[str, tuple[Any, str]]:
    """name -> (engine, query): the scan as it is; without `paths.verdicts` (what JSON and SARIF
    need); each other policy tree; with --knockout, the shipped tree without one rule package."""
    from scanner.engine.base import QUERY, policy_files, shipped_policy_dir

    shipped = policy_files([shipped_policy_dir()])
    full = rego_engine(model_text, shipped)
    no_verdicts = QUERY.replace(", data.fargate_preflight.lib.paths.verdicts]", "]")
    variants = {"scan": (full, QUERY), "scan without paths.verdicts": (full, no_verdicts)}
    for tree in trees:
        variants[f"policies {tree}"] = (rego_engine(model_text, policy_files([tree])), QUERY)
    if knockout:
        rules = shipped_policy_dir() / "rules"
        for folder in sorted(p for p in rules.iterdir() if p.is_dir()):
            kept = [f for f in shipped if folder not in f.parents]
            variants[f"without {folder.name}"] = (rego_engine(model_text, kept), QUERY)
    return variants


def compare_variants(variants: dict[str, tuple[Any, str]], runs: int) -> list[str]:
    """Each variant's least CPU time, runs interleaved so that all see the same machine load,
    its difference from the scan, and whether its answer is the scan's."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    answers: dict[str, Any] = {}
    for _ in range(runs):
        for name, (engine, query) in variants.items():
            start = time.process_time()
            answers[name] = json.loads(engine.eval_query_as_json(query))
            times[name].append(time.process_time() - start)
    base = min(times["scan"])
    lines = [f"{'CPU s':>7} {'vs scan':>8}  same answer  variant"]
    for name, ts in times.items():
        same = "yes" if answers[name] == answers["scan"] else "no"
        lines.append(f"{min(ts):7.2f} {min(ts) - base:+8.2f}  {same:>11}  {name}")
    return lines


def python_profile(inputs: Path, top: int) -> str:
    """cProfile of scanner.api.load (find, parse, build the model), top functions by own time."""
    import cProfile
    import io
    import pstats

    _import_this_checkout()
    from scanner import api

    profiler = cProfile.Profile()
    profiler.enable()
    api.load([inputs], api.ScanOptions(cwd=inputs if inputs.is_dir() else inputs.parent))
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def gc_effect(inputs: Path) -> tuple[float, float]:
    """api.load with the cyclic garbage collector on, then off (each in a fresh process)."""
    code = (
        "import gc, sys, time; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "from scanner import api; p = Path(sys.argv[2]);"
        "gc.disable() if sys.argv[3] == 'off' else None;"
        "t = time.perf_counter(); api.load([p], api.ScanOptions(cwd=p));"
        "print(time.perf_counter() - t)"
    )
    results = []
    for mode in ("on", "off"):
        done = measure([sys.executable, "-c", code, str(ROOT), str(inputs), mode], child_env())
        results.append(float(done.stdout.strip()))
    return results[0], results[1]


def profile_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="run.py profile")
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--per-vpc", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1, help="best of this many per query")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--query", action="append", default=[], help="also time this query")
    parser.add_argument("--chain", action="store_true", help="also the cumulative query chain")
    parser.add_argument("--knockout", action="store_true", help="the scan without each rule")
    parser.add_argument("--policies", type=Path, action="append", default=[], help="A/B a tree")
    parser.add_argument("--no-python", action="store_true")
    parser.add_argument("--work", type=Path)
    args = parser.parse_args(argv)
    _import_this_checkout()
    work = args.work or Path(tempfile.mkdtemp(prefix="fp-profile-"))
    try:
        vpcs = max(1, args.services // args.per_vpc)
        written = generate.write(work, args.services, vpcs, args.seed, layouts=("single", "model"))
        print(f"{args.services} services in {vpcs} VPCs; load average {os.getloadavg()}")
        if not args.no_python:
            on, off = gc_effect(written["single"])
            print(f"\napi.load of the single template: {on:.2f} s, {off:.2f} s with gc disabled")
            print(python_profile(written["single"], args.top))
        model_text = written["model"].read_text(encoding="utf-8")
        variants = rego_variants(model_text, args.policies, args.knockout)
        print("\n".join(compare_variants(variants, args.runs)))
        engine = variants["scan"][0]
        for query in args.query:
            print(f"{timed_query(engine, query, args.runs):8.3f} s  {query}")
        if args.chain:
            print(f"\n{'cumulative':>10} {'marginal':>9}  step")
            for step, total, marginal in rego_chain(engine, args.runs):
                print(f"{total:10.2f} {marginal:9.2f}  {step}", flush=True)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


# --- the run -------------------------------------------------------------------------------------


@dataclass
class Row:
    services: int
    vpcs: int
    layout: str  # "single" | "multi"
    files: int
    lines: int
    megabytes: float
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)  # "evaluate:opa" -> result
    scan: dict[str, dict[str, float]] = field(default_factory=dict)  # engine -> Measured fields
    # the first engine with --format text, the default: it also asks for the path verdicts
    scan_text: dict[str, float] | None = None
    checkov: dict[str, float] | None = None
    findings: dict[str, int] = field(default_factory=dict)  # engine -> findings
    failed: dict[str, str] = field(default_factory=dict)  # engine -> why it has no numbers


def input_size(path: Path) -> tuple[int, int, float]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    data = [p.read_bytes() for p in files]
    return len(files), sum(d.count(b"\n") for d in data), sum(len(d) for d in data) / 1e6


def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest of repeated runs (the least disturbed by other load on the machine)."""
    return min(runs, key=lambda r: float(r["seconds"]))


def bench_size(
    services: int, layout: str, inputs: Path, vpcs: int, args: argparse.Namespace
) -> Row:
    files, lines, mb = input_size(inputs)
    row = Row(services, vpcs, layout, files, lines, mb)
    state = Path(tempfile.mkdtemp(prefix="fp-bench-"))
    try:
        for name in ("load", "model"):
            row.stages[name] = best(
                [stage_in_child(name, state, "regorus", inputs) for _ in range(args.repeat)]
            )
        for engine in args.engines:
            if engine == "opa" and services > args.opa_max:
                continue
            try:
                bench_engine(row, engine, state, inputs, args.repeat)
                if engine == args.engines[0]:
                    row.scan_text = best_scan(inputs, engine, args.repeat, fmt="text")
            except RuntimeError as exc:  # e.g. OPA's request timeout on the largest inputs
                row.failed[engine] = str(exc).splitlines()[-1][:200]
                print(f"{services} services, {layout}, {engine}: {exc}", file=sys.stderr)
    finally:
        shutil.rmtree(state, ignore_errors=True)
    checkov_here = services <= args.checkov_max and layout in args.checkov_layouts
    if args.checkov_exe is not None and checkov_here:
        row.checkov = _usage(checkov_in_child(args.checkov_exe, inputs))
    return row


def bench_engine(row: Row, engine: str, state: Path, inputs: Path, repeat: int) -> None:
    for name in ("evaluate", "report"):
        row.stages[f"{name}:{engine}"] = best(
            [stage_in_child(name, state, engine, inputs) for _ in range(repeat)]
        )
    row.findings[engine] = int(row.stages[f"report:{engine}"]["findings"])
    try:
        row.scan[engine] = best_scan(inputs, engine, repeat)
    except RuntimeError as exc:  # e.g. the OPA client's 60 s request timeout
        row.failed[engine] = "scan: " + str(exc).splitlines()[-1][:200]


def best_scan(inputs: Path, engine: str, repeat: int, fmt: str = "json") -> dict[str, float]:
    """The fastest of `repeat` scans (`scan_in_child`)."""
    runs = [scan_in_child(inputs, engine, fmt=fmt) for _ in range(repeat)]
    return _usage(min(runs, key=lambda m: m.seconds))


def _usage(m: Measured) -> dict[str, float]:
    return {"seconds": m.seconds, "cpu_seconds": m.cpu_seconds, "peak_mib": m.peak_mib}


def exponent(points: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(y) on log(x)."""
    pts = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in pts) / sxx


def cold(args: argparse.Namespace) -> dict[str, Any]:
    """One service in one VPC, one template: `scan` cold, several times; Checkov once or more."""
    folder = args.work / "cold"
    inputs = generate.write(folder, 1, 1, args.seed, layouts=("single",))["single"]
    runs = [scan_in_child(inputs, "regorus", args.cold_python) for _ in range(max(11, args.repeat))]
    times = sorted(m.seconds for m in runs)
    result: dict[str, Any] = {
        "python": args.cold_python,
        "runs": len(runs),
        "min": times[0],
        "median": times[len(times) // 2],
        "peak_mib": min(m.peak_mib for m in runs),
    }
    if args.checkov_exe is not None:
        checkov = [checkov_in_child(args.checkov_exe, inputs) for _ in range(max(1, args.repeat))]
        result["checkov"] = min(m.seconds for m in checkov)
    return result


def machine() -> dict[str, str]:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    head = subprocess.run(
        ["git", "-C", str(ROOT), "log", "-1", "--format=%h"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "scanner", "policies"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "commit": f"{head or 'unknown'}{' (scanner/ or policies/ modified)' if dirty else ''}",
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "cpus": str(os.cpu_count()),
        "platform": platform.platform(),
        "load": load,
        "uptime": uptime,
    }


# --- the table ----------------------------------------------------------------------------------


def _s(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _mib(x: float | None) -> str:
    return "—" if x is None else f"{x:.0f}"


def _markdown(head: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines)


def _stage(r: Row, key: str, measure: str) -> float | None:
    value = r.stages.get(key, {}).get(measure)
    return None if value is None else float(value)


def _scan(r: Row, engine: str, measure: str) -> float | None:
    value = r.scan.get(engine, {}).get(measure)
    return None if value is None else float(value)


def _text_seconds(r: Row) -> float | None:
    return None if r.scan_text is None else r.scan_text["seconds"]


def table(rows: list[Row], engines: Sequence[str]) -> str:
    """What a user waits for: wall time of each stage and of the whole scan, and Checkov's."""
    first = engines[0]
    head = ["services", "VPCs", "layout", "files", "MB", "load s", "model s"]
    head += [f"evaluate {e} s" for e in engines]
    head += ["report s"]
    head += [x for e in engines for x in (f"scan {e} s", f"scan {e} MiB")]
    head += [f"scan {first} text s"]
    head += ["findings", "Checkov s", "Checkov MiB", "Checkov ÷ scan"]
    body = []
    for r in rows:
        cells = [str(r.services), str(r.vpcs), r.layout, str(r.files), f"{r.megabytes:.1f}"]
        cells += [_s(_stage(r, "load", "seconds")), _s(_stage(r, "model", "seconds"))]
        cells += [_s(_stage(r, f"evaluate:{e}", "seconds")) for e in engines]
        cells += [_s(_stage(r, f"report:{first}", "seconds"))]
        for e in engines:
            cells += [_s(_scan(r, e, "seconds")), _mib(_scan(r, e, "peak_mib"))]
        cells += [_s(_text_seconds(r))]
        counts = sorted({str(n) for n in r.findings.values()})
        cells += [" ≠ ".join(counts) if counts else "—"]  # engines that disagree show both
        scan = _scan(r, first, "seconds")
        if r.checkov is None:
            cells += ["—", "—", "—"]
        else:
            ratio = f"{r.checkov['seconds'] / scan:.1f}×" if scan else "—"
            cells += [_s(r.checkov["seconds"]), _mib(r.checkov["peak_mib"]), ratio]
        body.append(cells)
    return _markdown(head, body)


def stage_table(rows: list[Row], engines: Sequence[str]) -> str:
    """CPU seconds and peak MiB of each stage in its own process; CPU time is what other load
    on the machine changes least."""
    stages = ["load", "model", *(f"evaluate:{e}" for e in engines), f"report:{engines[0]}"]
    head = ["services", "layout"]
    head += [f"{s.replace(':', ' ')} CPU s / MiB" for s in stages]
    head += [f"compile {e} s" for e in engines]
    head += [f"scan {e} CPU s" for e in engines]
    body = []
    for r in rows:
        cells = [str(r.services), r.layout]
        cells += [
            f"{_s(_stage(r, s, 'cpu_seconds'))} / {_mib(_stage(r, s, 'peak_mib'))}" for s in stages
        ]
        cells += [_s(_stage(r, f"evaluate:{e}", "compile_seconds")) for e in engines]
        cells += [_s(_scan(r, e, "cpu_seconds")) for e in engines]
        body.append(cells)
    return _markdown(head, body)


def exponents(rows: list[Row], engines: Sequence[str]) -> str:
    body = []
    for layout in sorted({r.layout for r in rows}):
        mine = [r for r in rows if r.layout == layout]
        measures: list[tuple[str, list[float | None]]] = [
            ("load CPU", [_stage(r, "load", "cpu_seconds") for r in mine]),
            ("model CPU", [_stage(r, "model", "cpu_seconds") for r in mine]),
        ]
        for e in engines:
            measures += [
                (f"evaluate {e} CPU", [_stage(r, f"evaluate:{e}", "cpu_seconds") for r in mine]),
                (f"evaluate {e} memory", [_stage(r, f"evaluate:{e}", "peak_mib") for r in mine]),
                (f"scan {e} time", [_scan(r, e, "seconds") for r in mine]),
                (f"scan {e} memory", [_scan(r, e, "peak_mib") for r in mine]),
            ]
        measures.append((f"scan {engines[0]} text time", [_text_seconds(r) for r in mine]))
        checkov = [r.checkov["seconds"] if r.checkov else None for r in mine]
        measures.append(("Checkov time", checkov))
        for name, values in measures:
            points = [(r.services, v) for r, v in zip(mine, values, strict=True) if v is not None]
            k = exponent(points)
            if k is not None:
                body.append([layout, name, f"{k:.2f}"])
    return _markdown(["layout", "measure", "exponent"], body)


def failures(rows: list[Row]) -> str:
    return "\n".join(
        f"- {r.services} services, {r.layout}, {engine}: failed: {why}"
        for r in rows
        for engine, why in r.failed.items()
    )


def render(
    rows: list[Row],
    engines: Sequence[str],
    cold_result: dict[str, Any] | None,
    info: dict[str, str],
    command: str,
) -> str:
    cold_line = "Cold start not measured (--no-cold)"
    if cold_result is not None:
        cold_line = (
            "Cold, one service in one template (`scan`, interpreter start included, "
            f"{cold_result['runs']} runs with `{cold_result['python']}`): "
            f"min {cold_result['min']:.2f} s, median {cold_result['median']:.2f} s, "
            f"{cold_result['peak_mib']:.0f} MiB"
        )
    if cold_result is not None and "checkov" in cold_result:
        ratio = cold_result["checkov"] / cold_result["median"]
        cold_line += f"; Checkov {cold_result['checkov']:.2f} s ({ratio:.1f}×)"
    parts = [
        f"Measured {info['date']} at commit {info['commit']}, on {info['cpus']} CPUs, "
        f"Python {info['python']}, {info['platform']}.",
        f"Load average at the start: {info['load']} (`uptime`: {info['uptime']}).",
        f"Command: `{command}`",
        "",
        cold_line + ".",
        "",
        table(rows, engines),
        "",
        "Each stage in its own process: CPU seconds / peak MiB (interpreter and the stage's "
        "input included), the policy compile time inside evaluate, and the whole scan's CPU:",
        "",
        stage_table(rows, engines),
        "",
        "Fitted exponents (time or memory ∝ services^k):",
        "",
        exponents(rows, engines),
    ]
    if any(r.failed for r in rows):
        parts += ["", "Runs without numbers:", "", failures(rows)]
    return "\n".join(parts) + "\n"


def bench_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--per-vpc", type=int, default=10, help="services per VPC")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--layouts", default="single,multi")
    parser.add_argument("--engines", default=None, help="default: regorus, and opa when found")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measure; the best counts")
    parser.add_argument("--opa-max", type=int, default=1000, help="largest size OPA runs on")
    parser.add_argument("--checkov", action=argparse.BooleanOptionalAction, default=False)
    parser.add_argument("--checkov-max", type=int, default=2000)
    parser.add_argument("--checkov-layouts", default="single")
    parser.add_argument("--checkov-venv", type=Path, default=CHECKOV_VENV)
    parser.add_argument("--no-cold", action="store_true")
    parser.add_argument(
        "--cold-python",
        default=sys.executable,
        help="the interpreter of the cold runs, e.g. the hook's own venv as pre-commit makes it "
        "(a .pth file of the environment runs at every start)",
    )
    parser.add_argument("--work", type=Path, default=None, help="where inputs are generated")
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    parser.add_argument("--json", type=Path, help="also write every measure here")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    layouts = [x for x in args.layouts.split(",") if x]
    args.checkov_layouts = [x for x in args.checkov_layouts.split(",") if x]
    if args.engines is None:
        args.engines = ["regorus", "opa"] if opa_available() else ["regorus"]
    else:
        args.engines = [e for e in args.engines.split(",") if e]
    args.checkov_exe = checkov_binary(args.checkov_venv, install=True) if args.checkov else None
    own_work = args.work is None
    args.work = args.work or Path(tempfile.mkdtemp(prefix="fp-bench-inputs-"))
    info = machine()
    command = "python benchmarks/run.py " + " ".join(argv)
    try:
        cold_result = None if args.no_cold else cold(args)
        rows = []
        for n in sizes:
            vpcs = max(1, n // args.per_vpc)
            written = generate.write(args.work / str(n), n, vpcs, args.seed, layouts=tuple(layouts))
            for layout in layouts:
                row = bench_size(n, layout, written[layout], vpcs, args)
                rows.append(row)
                print(f"done: {n} services, {layout}", file=sys.stderr, flush=True)
    finally:
        if own_work:
            shutil.rmtree(args.work, ignore_errors=True)
    text = render(rows, args.engines, cold_result, info, command)
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.json:
        document = {"machine": info, "cold": cold_result, "rows": [asdict(r) for r in rows]}
        args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "stage":
        return stage_main(argv[1:])
    if argv and argv[0] == "profile":
        return profile_main(argv[1:])
    return bench_main(argv)


if __name__ == "__main__":
    sys.exit(main())
