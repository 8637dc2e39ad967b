"""The library entry point: `scan(paths, options) -> Report`.

The CLI, the GitHub Action and the pre-commit hook all call this.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from scanner import __version__, forked
from scanner.config import Config, Ignore
from scanner.engine import early
from scanner.engine.base import (
    Engine,
    RawResult,
    default_engine,
    engine_data,
    shipped_policy_dir,
)
from scanner.engine.parts import PART_SERVICES
from scanner.errors import EngineError, SourceError, UsageError, redact
from scanner.findings import LEVELS, Finding, Hop, InputError, Location, PathStep, Report, Rule
from scanner.model.builder import (
    COLLECTIONS,
    build_model,
    drop_unreadable,
    infer_region,
    name_apart,
    region_value,
    schema_errors,
    taken,
    unlaunched_notice,
    validate_model,
)
from scanner.model.declared import known_endpoints
from scanner.model.declared import resolve as resolve_needs
from scanner.sources.base import (
    MAX_FILE_BYTES,
    Annotation,
    BuildContext,
    Fragment,
    LoadedFile,
    Source,
    UnsettledCondition,
    parameter_flags,
)
from scanner.sources.regions import unknown_region_notice
from scanner.worlds import Answer, World
from scanner.worlds import merge as merge_worlds

# The notice of a scan whose inputs hold no task definition or service (the Action warns).
NOTHING_TO_CHECK = "nothing to check: no ECS task definition or service was found"


@dataclass(frozen=True)
class ScanOptions:
    region: str | None = None
    parameters: dict[tuple[str | None, str], str] = field(default_factory=dict)
    parameter_flags: frozenset[tuple[str | None, str]] = frozenset()  # keys from --parameter
    stack_names: dict[str, str] = field(default_factory=dict)
    engine: str = field(default_factory=default_engine)
    opa_url: str | None = None
    opa_policies_preloaded: bool = False
    policy_dirs: tuple[Path, ...] = ()
    category: str = "fargate-preflight"
    cwd: Path | None = None
    tf_dir: Path | None = None
    # .fargate-preflight.yaml (scanner.config): declared needs and ignores. Its parameters,
    # policies and fail-on are merged into the fields above by the caller (the CLI).
    config: Config = field(default_factory=Config)
    baseline: Path | None = None  # --baseline: a previous JSON or SARIF report
    today: date | None = None  # when ignores expire (default: today)
    # The path verdicts (Report.paths) cost a tenth of a large scan; only the text report
    # prints them.
    paths: bool = True
    max_file_bytes: int = MAX_FILE_BYTES
    # --jobs: worker processes for a large model (None: one per core). Models of more than
    # `part_services` services are evaluated part by part (scanner/engine/parts.py).
    jobs: int | None = None
    part_services: int = PART_SERVICES


@dataclass(frozen=True)
class Loaded:
    """Everything before evaluation: the model, and what went wrong reading the inputs."""

    model: dict[str, Any]
    errors: tuple[InputError, ...]
    notices: tuple[str, ...]
    root: Path
    annotations: tuple[Annotation, ...] = ()
    # The model without what each unsettled condition creates (scanner.worlds).
    worlds: tuple[World, ...] = ()
    # service id -> the name it had before it shared it with another (builder.name_apart)
    former_names: dict[str, str] = field(default_factory=dict)


def sources() -> list[Source]:
    from scanner.sources.cloudformation import CloudFormationSource
    from scanner.sources.ecs_json import EcsJsonSource
    from scanner.sources.terraform import TerraformSource

    return [CloudFormationSource(), EcsJsonSource(), TerraformSource()]


# Inputs larger than this are read in a child process, where processes fork. Reading a
# template allocates several times the memory of the model it yields, and a process seldom
# gives freed memory back to the system: the evaluation (and its workers, forked later) would
# start from the reading's peak. A child's memory goes when it exits. Measured: 2,000 services
# hold 61 MiB instead of 447 MiB after reading (passing the result back takes 0.3 s); 500
# services (2.1 MB) peak at 167 MiB instead of 240 MiB, in the same time.
LOAD_APART_BYTES = 2**20
READING = "reading the inputs"
# Inputs up to this size (a few dozen services: one part, scanner/engine/parts.py) are
# evaluated by the engine that compiles from the command's start (scanner.engine.early).
EARLY_BYTES = 2**17


def load(paths: Sequence[Path], options: ScanOptions) -> Loaded:
    """Read, classify and build every input into one model (what `export` prints). Large
    inputs are read in a child process (see LOAD_APART_BYTES)."""
    if _input_bytes(paths, LOAD_APART_BYTES) > LOAD_APART_BYTES:
        return forked.start(functools.partial(_load, paths, options), READING).result()
    return _load(paths, options)


def _input_bytes(paths: Sequence[Path], enough: int) -> int:
    """The size of the files under `paths` (dot-directories skipped), counted up to `enough`."""
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.stat(os.path.join(folder, name)).st_size
            if total > enough:
                return total
    return total


def _load(paths: Sequence[Path], options: ScanOptions, worlds: bool = False) -> Loaded:
    with forked.no_cyclic_gc():
        return _read_and_build(paths, options, worlds)


def _read_and_build(paths: Sequence[Path], options: ScanOptions, worlds: bool = False) -> Loaded:
    """The model; with `worlds` (a scan), also one per unsettled condition (scanner.worlds)."""
    from scanner.sources.discover import discover, relative_name, scanned_root

    cwd = options.cwd or Path.cwd()
    root = scanned_root(cwd)

    def named(file: str | None) -> str | None:
        """A FILE of --parameter or --stack-name (relative to the scanned root) as the scan
        names files: one outside the root matches as `../x.yaml` and as `/abs/x.yaml`."""
        return None if file is None else relative_name(root / file, root)

    srcs = sources()
    detectors = {s.kind: s.detect for s in srcs}
    found = discover(paths, root, detectors, options.max_file_bytes)
    errors: list[SourceError] = list(found.errors)
    notices = list(found.notices)
    tf_dir = (cwd / options.tf_dir) if options.tf_dir is not None else None
    # A plan's provider block names the deploy region; an image or ARN may be in another.
    region = (
        options.region
        or _plan_region(found.files, root, tf_dir, options.max_file_bytes)
        or infer_region(found.files, options.parameters.values())
        or _env_region()
    )
    if region and (unknown := unknown_region_notice(region)):
        notices.append(unknown)
    ctx = BuildContext(
        root=root,
        named_roots=tuple(
            dict.fromkeys(Path(os.path.realpath(p if p.is_dir() else p.parent)) for p in paths)
        ),
        region=region,
        parameters={(named(file), key): value for (file, key), value in options.parameters.items()},
        parameter_flags=frozenset((named(file), key) for file, key in options.parameter_flags),
        stack_names={str(named(file)): name for file, name in options.stack_names.items()},
        tf_dir=tf_dir,
        max_file_bytes=options.max_file_bytes,
    )
    built: list[tuple[Source, list[LoadedFile], Fragment, BuildContext]] = []
    for src in srcs:
        files = [f for f in found.files if f.kind == src.kind]
        if files:
            # what the sources before it built: ids stay unique across sources
            its = replace(ctx, taken=taken(f for *_, f, _ in built))
            fragment = src.build(files, its)
            built.append((src, files, fragment, its))
            errors.extend(fragment.errors)
            notices.extend(fragment.notices)
    if options.parameter_flags and not any(f.kind == "cloudformation" for f in found.files):
        notices.append("--parameter: no CloudFormation template was scanned; the values are unused")
    annotations = tuple(a for *_, fragment, _ in built for a in fragment.annotations)

    def model_of(
        fragments: list[Fragment], renamed: dict[str, str] | None = None
    ) -> tuple[dict[str, Any], list[SourceError], dict[str, str]]:
        model = build_model(fragments, region_value(region, found.files))
        invalid = schema_errors(model)
        unreadable = drop_unreadable(model, invalid)
        needs, need_errors = resolve_needs(
            model,
            options.config.needs,
            annotations,
            known_endpoints(engine_data()["fargate_preflight"]["aws"]),
        )
        model["declared_needs"].extend(needs)
        # after the needs: a config `needs` key still selects services by the name they share
        renamed = name_apart(model, renamed)
        if invalid or needs or renamed:
            # else it is the model found valid above, unchanged (a check takes 0.1 s at 2,000
            # services)
            validate_model(model)
        return model, [*unreadable, *need_errors], renamed

    model, model_errors, renamed = model_of([fragment for *_, fragment, _ in built])
    errors.extend(model_errors)
    if idle := unlaunched_notice(model):
        notices.append(idle)
    # Per condition the inputs do not settle, the model without what it creates: the sources
    # that met one build again (the errors and notices are those of the scan's model).
    conditions = [c for *_, fragment, _ in built for c in fragment.unsettled] if worlds else []
    others = tuple(
        World(
            condition,
            model_of(
                [
                    src.build(files, replace(its, absent=absent))
                    if fragment.unsettled
                    else fragment
                    for src, files, fragment, its in built
                ],
                renamed,
            )[0],
            together,
        )
        for condition, absent, together in _absent_sets(conditions)
    )
    return Loaded(
        model=model,
        errors=_input_errors(errors),
        notices=tuple(redact(n) for n in notices),
        root=root,
        annotations=annotations,
        worlds=others,
        former_names=renamed,
    )


# Models per scan besides its own, at most: one per unsettled condition (past the limit, the
# last one for all the conditions beyond), and one for all of them at once (each model is a
# whole evaluation).
MAX_WORLDS = 16


def _absent_sets(
    conditions: list[UnsettledCondition],
) -> list[tuple[UnsettledCondition, frozenset[str], bool]]:
    """The conditions each other model takes as false: one each, and, with two or more, all of
    them at once (True: two optional ways out, each enough alone, may both be left out)."""
    each = _each_absent(conditions, MAX_WORLDS - 1)
    if len(conditions) < 2:
        return each
    first, others = conditions[0], conditions[1:]
    names = (
        ", ".join(c.ref.removeprefix("condition ") for c in others)
        if len(others) <= 3
        else f"{len(others)} more conditions"
    )
    every = replace(
        first,
        ref=f"{first.ref} with {names} (all false)",
        why="; ".join(dict.fromkeys(c.why for c in conditions[:4])),
        fix=_pass_values(sorted({c.settled_by for c in conditions})),
    )
    return [*each, (every, frozenset(c.key for c in conditions), True)]


def _each_absent(
    conditions: list[UnsettledCondition], most: int
) -> list[tuple[UnsettledCondition, frozenset[str], bool]]:
    """One condition false in each model, and past `most` models the rest together (an FG801
    note then names the first of them)."""
    if len(conditions) <= most:
        return [(c, frozenset({c.key}), False) for c in conditions]
    rest = conditions[most - 1 :]
    together = replace(
        rest[0], ref=f"{rest[0].ref} (with {len(rest) - 1} more conditions taken together)"
    )
    return [
        *_each_absent(conditions[: most - 1], most),
        (together, frozenset(c.key for c in rest), False),
    ]


def _pass_values(refs: Sequence[str]) -> str | None:
    """The fix that settles several parameters, as FG801 words it for one; None for other
    values."""
    flags = parameter_flags(refs)
    return f"Pass {flags}, the values they deploy with, so these checks can run." if flags else None


def _input_errors(errors: Sequence[SourceError]) -> tuple[InputError, ...]:
    return tuple(
        sorted(
            {InputError(e.file, e.line, e.message) for e in errors},
            key=lambda e: (e.file, e.line or 0, e.message),
        )
    )


def live_needs(
    exported: Any, live: Any, config: Config
) -> tuple[tuple[InputError, ...], tuple[str, ...]]:
    """The configuration's declared needs over a live export's models (scanner.sources.aws
    .export: `exported` a LiveExport, `live` its LiveOptions), as a template scan resolves
    them: the input errors of keys that name nothing, and notices of those this scan may not
    have read."""
    from scanner.model.declared import resolve_live

    errors, notices = resolve_live(
        exported.models,
        config.needs,
        known_endpoints(engine_data()["fargate_preflight"]["aws"]),
        functools.partial(exported.unread, live),
    )
    return _input_errors(errors), tuple(notices)


def scan(paths: Sequence[Path], options: ScanOptions | None = None) -> Report:
    options = options or ScanOptions()
    # (Library callers, such as the GitHub Action, start no child: their inputs are not sized.)
    engine: Engine | None = early.take(
        early.started()
        and options.engine == "regorus"
        and not options.policy_dirs
        and not options.opa_url
        and not options.opa_policies_preloaded
        and _input_bytes(paths, EARLY_BYTES) <= EARLY_BYTES
    )
    if engine is not None:
        # The shipped policies compile in the child the command started with
        # (scanner.engine.early) while the inputs are read here.
        loaded, rules = _load_and_catalogue(paths, options)
    else:
        # A child reads the inputs and the rules' metadata while the policies compile here: a
        # scan waits for the longer of the two, not for both.
        reading = forked.start(functools.partial(_load_and_catalogue, paths, options), READING)
        try:
            engine = make_engine(
                options.engine,
                options.policy_dirs,
                opa_url=options.opa_url,
                opa_policies_preloaded=options.opa_policies_preloaded,
            )
        except BaseException:
            reading.cancel()
            raise
        loaded, rules = reading.result()
    return evaluate(
        [loaded.model],
        options,
        errors=loaded.errors,
        notices=loaded.notices,
        root=loaded.root,
        inline_ignores=[i for a in loaded.annotations for i in a.ignores],
        engine=engine,
        rules=rules,
        worlds=loaded.worlds,
        former_names=loaded.former_names,
    )


def _load_and_catalogue(
    paths: Sequence[Path], options: ScanOptions
) -> tuple[Loaded, tuple[Rule, ...]]:
    return _load(paths, options, worlds=True), catalogue(options.policy_dirs)


def evaluate(
    models: Sequence[dict[str, Any]],
    options: ScanOptions,
    *,
    errors: tuple[InputError, ...] = (),
    notices: tuple[str, ...] = (),
    root: Path | None = None,
    inline_ignores: Sequence[Ignore] = (),
    engine: Engine | None = None,
    rules: tuple[Rule, ...] | None = None,
    worlds: Sequence[World] = (),
    former_names: dict[str, str] | None = None,
) -> Report:
    """Every model through the policies (the live scan has one per account and region), one
    report, with the config's and the inputs' ignores and the baseline applied. `engine` and
    `rules`: made for `options` already. `worlds`: the one model without what each unsettled
    condition creates (scanner.worlds). `former_names`: the name each service that shares it
    had before it was named by its id (Loaded.former_names), which ignores and baselines
    still match."""
    from scanner.engine import parts
    from scanner.suppress import apply, load_baseline

    cwd = options.cwd or Path.cwd()
    baseline = load_baseline(cwd / options.baseline, cwd) if options.baseline else None
    rules = rules or catalogue(options.policy_dirs)
    engine = engine or make_engine(
        options.engine,
        options.policy_dirs,
        opa_url=options.opa_url,
        opa_policies_preloaded=options.opa_policies_preloaded,
    )
    findings: list[Finding] = []
    # An ignore of a rule ID no rule has (a typo) would suppress nothing, unnoticed.
    known = {r.id for r in rules}
    warnings = [
        f"{i.file}:{i.line}: the ignore of {i.rule_id} suppresses nothing: no rule has that ID "
        "(`fargate-preflight rules` lists them)"
        for i in [*options.config.ignores, *inline_ignores]
        if i.rule_id not in known
    ]
    paths: set[PathStep] = set()
    services: list[str] = []

    def suppressed(found: list[Finding], model: dict[str, Any]) -> list[Finding]:
        out, expired = apply(
            found,
            [*options.config.ignores, *inline_ignores],
            baseline,
            unique_names(model),
            options.today or date.today(),
            former_names or {},
        )
        warnings.extend(w for w in expired if w not in warnings)
        return out

    def answer(model: dict[str, Any]) -> Answer:
        raw = evaluate_model(engine, model, options)
        names = frozenset(s["name"] for s in model["services"].values())
        return suppressed(to_findings(raw, rules), model), to_paths(raw, model), names

    with engine.session():  # OPA: one server for every model
        for model in models:
            found, steps, _ = main = answer(model)
            if worlds:
                answers = [(w, (w.condition, answer(w.model))) for w in worlds]
                found, steps, entries = merge_worlds(
                    main,
                    [a for w, a in answers if not w.together],
                    next((a for w, a in answers if w.together), None),
                )
                notes = parts.gather(engine, entries, model, engine_data()) if entries else []
                fg801 = RawResult(rules={"fg801": {"deny": notes}}, verdicts=[])
                found += suppressed(to_findings(fg801, rules), model)
            findings += found
            paths.update(steps)
            services += [s["name"] for s in model["services"].values()]
    if not errors and not any(m["task_definitions"] or m["services"] for m in models):
        # a CI job whose paths miss the templates would otherwise pass in silence
        notices = (*notices, NOTHING_TO_CHECK)
    return Report(
        findings=tuple(sorted(set(findings), key=Finding.sort_key)),
        warnings=tuple(warnings),
        rules=rules,
        errors=errors,
        paths=tuple(sorted(paths, key=lambda s: (s.service, s.need, s.subnet))),
        notices=notices,
        category=options.category,
        tool_version=__version__,
        services=tuple(sorted(services)),
        root=str(root) if root is not None else "",
    )


def evaluate_model(engine: Engine, model: dict[str, Any], options: ScanOptions) -> RawResult:
    """The engine's answer for one model; a large one part by part, on every core. Not with
    --policy: a rule of the user's may look across the whole model."""
    from scanner.engine import parts

    if options.policy_dirs:
        return engine.evaluate(model, engine_data(), paths=options.paths)
    return parts.evaluate(
        engine,
        model,
        engine_data(),
        paths=options.paths,
        jobs=options.jobs or parts.default_jobs(),
        part_services=options.part_services,
    )


def live_notices(exported: Any) -> tuple[str, ...]:
    """The closing note of a live scan: what was read, and the API calls per service."""
    calls = ", ".join(f"{service} {n}" for service, n in exported.calls.items())
    total = sum(exported.calls.values())
    return (
        *exported.notices,
        f"read {len(exported.units)} account-region(s), {len(exported.gaps)} coverage gap(s); "
        f"API calls: {calls} ({total} in all)",
    )


def unique_names(model: dict[str, Any]) -> frozenset[str]:
    """Names that only one object of the model has (an inline ignore may follow them)."""
    counts = Counter(obj["name"] for name in COLLECTIONS for obj in model[name].values())
    return frozenset(name for name, n in counts.items() if n == 1)


def catalogue(policy_dirs: Sequence[Path] = ()) -> tuple[Rule, ...]:
    from scanner.engine.metadata import load_rules

    shipped = shipped_policy_dir()
    return load_rules([shipped, *policy_dirs], shipped=[shipped])


def make_engine(
    name: str,
    policy_dirs: Sequence[Path] = (),
    *,
    opa_url: str | None = None,
    opa_policies_preloaded: bool = False,
) -> Engine:
    if name == "opa":
        from scanner.engine.opa_engine import OpaEngine

        return OpaEngine(
            [shipped_policy_dir()], list(policy_dirs), url=opa_url, preloaded=opa_policies_preloaded
        )
    if opa_url or opa_policies_preloaded:
        raise UsageError("--opa-url and --opa-policies-preloaded need --engine opa")
    if name == "regorus":
        from scanner.engine.regorus_engine import RegorusEngine

        return RegorusEngine([shipped_policy_dir()], list(policy_dirs), engine_data())
    raise UsageError(f"unknown engine {name!r}: choose regorus or opa")


def to_findings(raw: RawResult, rules: tuple[Rule, ...]) -> list[Finding]:
    by_package = {r.package.rsplit(".", 1)[-1]: r for r in rules}
    seen: set[Finding] = set()
    for package, values in raw.rules.items():
        rule = by_package.get(package)
        if rule is None or not isinstance(values, dict):
            continue
        for f in values.get("deny", []):
            seen.add(_finding(rule, f))
    return list(seen)


def _finding(rule: Rule, f: dict[str, Any]) -> Finding:
    hop = f.get("hop")
    level = f.get("level") or rule.level
    if level not in LEVELS:
        raise EngineError(f"rule {rule.id} produced a finding with level {level!r}")
    return Finding(
        rule_id=rule.id,
        level=level,
        message=redact(f["message"]),
        fix=redact(f["fix"]),
        resource=f["resource"],
        service=f.get("service"),
        need=f.get("need"),
        hop=Hop(hop["from"], hop["via"], hop["to"], hop.get("detail", "")) if hop else None,
        location=Location(f["location"]["file"], max(1, int(f["location"]["line"]))),
    )


def to_paths(raw: RawResult, model: dict[str, Any]) -> tuple[PathStep, ...]:
    def name(kind: str, ident: Any) -> str:
        obj = model[kind].get(ident) if isinstance(ident, str) else None
        return str(obj["name"]) if obj else str(ident)

    # The rules' undecided entries that name the path they concern (docs/policies.md).
    unsettled: dict[tuple[str, str, str], set[str]] = {}
    for outputs in raw.rules.values():
        for u in outputs.get("undecided") or []:
            at = u.get("path")
            if isinstance(at, dict) and isinstance(u.get("service"), str):
                row = (u["service"], str(at.get("need")), name("subnets", at.get("subnet")))
                unsettled.setdefault(row, set()).update(u.get("rules") or [])
    steps = set()
    for v in raw.verdicts:
        service, subnet = name("services", v["service"]), name("subnets", v["subnet"])
        rules = unsettled.get((service, v["need"], subnet), set())
        steps.add(
            PathStep(
                service=service,
                need=v["need"],
                subnet=subnet,
                path=v["path"],
                verdict=v["verdict"],
                unsettled=tuple(sorted(rules)),
            )
        )
    return tuple(sorted(steps, key=lambda s: (s.service, s.need, s.subnet)))


def _is_terraform_plan(data: Any) -> bool:
    """The Terraform source's `detect` (benchmarks/run.py calls this name)."""
    from scanner.sources.terraform import is_plan

    return is_plan(data)


def _plan_region(
    files: list[LoadedFile], root: Path, tf_dir: Path | None, max_bytes: int
) -> str | None:
    """The region the Terraform plans' `aws` provider is configured with, if they agree."""
    if not any(f.kind == "terraform" for f in files):
        return None
    from scanner.sources.tf.source import plan_region

    found = {plan_region(f, root, tf_dir, max_bytes) for f in files if f.kind == "terraform"}
    found.discard(None)
    return found.pop() if len(found) == 1 else None


def _env_region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
