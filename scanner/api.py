"""The library entry point: `scan(paths, options) -> Report`.

The CLI, the GitHub Action and the pre-commit hook all call this.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.engine.base import Engine, RawResult, shipped_policy_dir
from scanner.errors import EngineError, SourceError, UsageError, redact
from scanner.findings import LEVELS, Finding, Hop, InputError, Location, PathStep, Report, Rule
from scanner.model.builder import (
    build_model,
    drop_unreadable,
    infer_region,
    region_value,
    validate_model,
)
from scanner.sources.base import MAX_FILE_BYTES, BuildContext, Fragment, LoadedFile, Source


@dataclass(frozen=True)
class ScanOptions:
    region: str | None = None
    parameters: dict[tuple[str | None, str], str] = field(default_factory=dict)
    stack_names: dict[str, str] = field(default_factory=dict)
    engine: str = "regorus"
    opa_url: str | None = None
    opa_policies_preloaded: bool = False
    policy_dirs: tuple[Path, ...] = ()
    category: str = "fargate-preflight"
    cwd: Path | None = None
    tf_dir: Path | None = None
    max_file_bytes: int = MAX_FILE_BYTES


@dataclass(frozen=True)
class Loaded:
    """Everything before evaluation: the model, and what went wrong reading the inputs."""

    model: dict[str, Any]
    errors: tuple[InputError, ...]
    notices: tuple[str, ...]
    root: Path


def sources() -> list[Source]:
    from scanner.sources.cloudformation import CloudFormationSource
    from scanner.sources.ecs_json import EcsJsonSource
    from scanner.sources.terraform import TerraformSource

    return [CloudFormationSource(), EcsJsonSource(), TerraformSource()]


def load(paths: Sequence[Path], options: ScanOptions) -> Loaded:
    """Read, classify and build every input into one model (what `export` prints)."""
    from scanner.sources.discover import discover, scanned_root

    cwd = options.cwd or Path.cwd()
    root = scanned_root(cwd)
    srcs = sources()
    detectors = {s.kind: s.detect for s in srcs}
    found = discover(paths, root, detectors, options.max_file_bytes)
    errors: list[SourceError] = list(found.errors)
    notices = list(found.notices)
    # A plan's provider block names the deploy region; an image or ARN may be in another.
    region = (
        options.region
        or _plan_region(found.files)
        or infer_region(found.files, options.parameters.values())
        or _env_region()
    )
    tf_dir = (cwd / options.tf_dir) if options.tf_dir is not None else None
    ctx = BuildContext(
        root=root,
        region=region,
        parameters=options.parameters,
        stack_names=options.stack_names,
        tf_dir=tf_dir,
        max_file_bytes=options.max_file_bytes,
    )
    fragments: list[Fragment] = []
    for src in srcs:
        files = [f for f in found.files if f.kind == src.kind]
        if files:
            fragment = src.build(files, ctx)
            fragments.append(fragment)
            errors.extend(fragment.errors)
            notices.extend(fragment.notices)
    model = build_model(fragments, region_value(region, found.files))
    errors.extend(drop_unreadable(model))
    validate_model(model)
    input_errors = tuple(
        sorted(
            {InputError(e.file, e.line, e.message) for e in errors},
            key=lambda e: (e.file, e.line or 0, e.message),
        )
    )
    return Loaded(
        model=model, errors=input_errors, notices=tuple(redact(n) for n in notices), root=root
    )


def scan(paths: Sequence[Path], options: ScanOptions | None = None) -> Report:
    options = options or ScanOptions()
    loaded = load(paths, options)
    rules = catalogue(options.policy_dirs)
    engine = make_engine(
        options.engine,
        options.policy_dirs,
        opa_url=options.opa_url,
        opa_policies_preloaded=options.opa_policies_preloaded,
    )
    raw = engine.evaluate(loaded.model, engine_data())
    findings = tuple(sorted(to_findings(raw, rules), key=Finding.sort_key))
    return Report(
        findings=findings,
        rules=rules,
        errors=loaded.errors,
        paths=to_paths(raw, loaded.model),
        notices=loaded.notices,
        category=options.category,
        tool_version=__version__,
        services=tuple(sorted(s["name"] for s in loaded.model["services"].values())),
        root=str(loaded.root),
    )


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

        return RegorusEngine([shipped_policy_dir()], list(policy_dirs))
    raise UsageError(f"unknown engine {name!r}: choose regorus or opa")


@cache
def engine_data() -> dict[str, Any]:
    """AWS facts the policies read as data.fargate_preflight.aws (scanner/data/*.json)."""
    facts: dict[str, Any] = {}
    for path in sorted((Path(__file__).parent / "data").glob("*.json")):
        facts.update(json.loads(path.read_text(encoding="utf-8")))
    return {"fargate_preflight": {"aws": facts}}


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

    steps = {
        PathStep(
            service=name("services", v["service"]),
            need=v["need"],
            subnet=name("subnets", v["subnet"]),
            path=v["path"],
            verdict=v["verdict"],
        )
        for v in raw.verdicts
    }
    return tuple(sorted(steps, key=lambda s: (s.service, s.need, s.subnet)))


def _is_terraform_plan(data: Any) -> bool:
    """The Terraform source's `detect` (benchmarks/run.py calls this name)."""
    from scanner.sources.terraform import is_plan

    return is_plan(data)


def _plan_region(files: list[LoadedFile]) -> str | None:
    """The region the Terraform plans' `aws` provider is configured with, if they agree."""
    if not any(f.kind == "terraform" for f in files):
        return None
    from scanner.sources.tf.plan import provider_region

    found = {provider_region(f.data) for f in files if f.kind == "terraform"}
    found.discard(None)
    return found.pop() if len(found) == 1 else None


def _env_region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
