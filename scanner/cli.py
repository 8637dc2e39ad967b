"""The command line: parse flags, call scanner.api, pick a reporter, set the exit code."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from scanner import __version__
from scanner.errors import PreflightError, SourceError, UsageError, one_line
from scanner.options import parse_parameters, parse_stack_names
from scanner.report import FORMATS, plural
from scanner.sources.base import MAX_FILE_MB

if TYPE_CHECKING:  # the CLI imports scanner.api only when a command runs
    from scanner.api import ScanOptions
    from scanner.findings import Report

FAIL_ON = {"error": 0, "warning": 1, "note": 2}


def _fail(exc: PreflightError) -> NoReturn:
    # Bad input names its file and line as a report's input errors do (`error: FILE:LINE: ...`).
    prefix = "error" if isinstance(exc, SourceError) else "fargate-preflight"
    click.echo(one_line(f"{prefix}: {exc}"), err=True)
    sys.exit(exc.exit_code)


def _guard(fn: Callable[..., None]) -> Callable[..., None]:
    """Our own errors become one line and exit 2/3; nothing else is caught."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except PreflightError as exc:
            _fail(exc)

    return wrapper


def _outputs(formats: Sequence[str], output: str | None) -> list[tuple[str, str | None]]:
    """--format FORMAT (to --output or stdout), repeatable as FORMAT=FILE."""
    outs: list[tuple[str, str | None]] = []
    for value in formats or ("text",):
        fmt, sep, file = value.partition("=")
        if fmt not in FORMATS:
            raise UsageError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
        outs.append((fmt, file if sep else output))
    bare = [fmt for fmt, file in outs if file is None]
    if len(bare) > 1:
        raise UsageError("only one --format may go to stdout; give the others as FORMAT=FILE")
    if output is not None and output not in (file for _, file in outs):
        raise UsageError(
            f"--output {output}: every --format names its own file (FORMAT=FILE), so nothing "
            "would be written there"
        )
    return outs


def _write(text: str, file: str | None) -> None:
    if file is None or file == "-":
        click.echo(text, nl=False)
        return
    try:
        Path(file).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {file}: {exc.strerror}") from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fargate-preflight")
def main() -> None:
    """Check before deployment that AWS Fargate tasks can reach the AWS services they need."""


def run() -> NoReturn:
    """`main`, ended by scanner.quick_exit (no interpreter teardown after the output is
    written): the `fargate-preflight` command and `python -m scanner` (scanner.__main__)."""
    from scanner import quick_exit

    quick_exit.run(main)


def _options(decorators: list[Callable[..., Any]]) -> Callable[[Callable[..., Any]], Any]:
    """One decorator that applies click options in the order listed (as stacked decorators)."""

    def apply(fn: Callable[..., Any]) -> Any:
        for decorator in reversed(decorators):
            fn = decorator(fn)
        return fn

    return apply


_config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Configuration file (default: .fargate-preflight.yaml from here upward).",
)

_input_options = _options(
    [
        click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path)),
        _config_option,
        click.option(
            "--parameter",
            "parameters",
            multiple=True,
            metavar="[FILE:]K=V",
            help="CloudFormation parameter value (for one file, or for all).",
        ),
        click.option(
            "--region", help="Region the stacks deploy to (default: the one the inputs name)."
        ),
        click.option(
            "--stack-name",
            "stack_names",
            multiple=True,
            metavar="FILE=NAME",
            help="Stack name of a template (AWS::StackName, export names).",
        ),
        click.option(
            "--tf-dir",
            type=click.Path(path_type=Path, exists=True, file_okay=False),
            help="Terraform configuration of the plans (default: each plan's folder).",
        ),
        click.option(
            "--max-file-size",
            "max_file_mb",
            type=click.FloatRange(min=0, min_open=True),
            default=MAX_FILE_MB,
            show_default=True,
            metavar="MB",
            help="Files bigger than this are not read (exit 2, naming the file).",
        ),
    ]
)


def scan_inputs(fn: Callable[..., Any]) -> Any:
    """The options of every command that reads templates. The command gets `paths` and
    `options` (a ScanOptions with the configuration file read and the flags over it)."""

    @functools.wraps(fn)
    def wrapper(
        *args: Any,
        config_file: Path | None,
        parameters: tuple[str, ...],
        region: str | None,
        stack_names: tuple[str, ...],
        tf_dir: Path | None,
        max_file_mb: float,
        **kwargs: Any,
    ) -> Any:
        options = input_options(
            config_file=config_file,
            parameters=parameters,
            region=region,
            stack_names=stack_names,
            tf_dir=tf_dir,
            max_file_mb=max_file_mb,
        )
        return fn(*args, options=options, **kwargs)

    return _input_options(wrapper)


def input_options(
    *,
    config_file: Path | None = None,
    parameters: Sequence[str] = (),
    region: str | None = None,
    stack_names: Sequence[str] = (),
    tf_dir: Path | None = None,
    max_file_mb: float = MAX_FILE_MB,
) -> ScanOptions:
    """ScanOptions from the input flags over the configuration file: a --parameter wins over
    the config's value for the same [FILE:]KEY, and a --parameter KEY over every FILE:KEY."""
    from scanner.api import ScanOptions
    from scanner.config import load as load_config
    from scanner.sources.discover import scanned_root

    _check_regions([region] if region else [])
    cwd = Path.cwd()
    config = load_config(config_file, cwd, scanned_root(cwd))
    flags = parse_parameters(parameters)
    return ScanOptions(
        region=region,
        parameters={
            **{
                (file, key): value
                for (file, key), value in config.parameters.items()
                if (None, key) not in flags
            },
            **flags,
        },
        parameter_flags=frozenset(flags),
        stack_names=parse_stack_names(stack_names),
        tf_dir=tf_dir,
        config=config,
        policy_dirs=config.policies,
        max_file_bytes=int(max_file_mb * 1024 * 1024),
    )


def _check_regions(regions: Sequence[str]) -> None:
    """A --region that is not even shaped as a region name (`us-east1`) is a usage error: the
    scan would read it as a region without endpoints, and report errors that the typo makes.
    A well-formed unknown one is a notice of the scan (a region newer than botocore)."""
    from scanner.sources.regions import region_error

    for region in regions:
        if (problem := region_error(region)) is not None:
            raise UsageError(problem)


@dataclass(frozen=True)
class ReportArgs:
    """What `scan` (and any command that evaluates and reports) takes besides its inputs."""

    formats: tuple[str, ...]
    output: str | None
    fail_on: str | None
    engine: str | None
    opa_url: str | None
    opa_policies_preloaded: bool
    policy_dirs: tuple[Path, ...]
    category: str
    baseline: Path | None
    quiet: bool
    jobs: int | None

    def apply(self, options: ScanOptions) -> ScanOptions:
        """The ScanOptions with these flags; --policy replaces the config's `policies`."""
        from scanner.engine.base import default_engine

        return replace(
            options,
            engine=self.engine or default_engine(),
            opa_url=self.opa_url,
            opa_policies_preloaded=self.opa_policies_preloaded,
            policy_dirs=self.policy_dirs or options.policy_dirs,
            category=self.category,
            baseline=self.baseline,
            jobs=self.jobs,
            # the path verdicts cost a tenth of a large scan; only the text report prints them
            paths=any(f.partition("=")[0] == "text" for f in self.formats or ("text",)),
        )


_quiet_option = click.option("--quiet", "-q", is_flag=True, help="No notices on stderr.")

_report_options = _options(
    [
        click.option(
            "--format",
            "formats",
            multiple=True,
            metavar="FORMAT[=FILE]",
            help="text (default), json, sarif or github; repeat as FORMAT=FILE for several.",
        ),
        click.option("--output", "-o", help="Write the report here instead of stdout."),
        click.option(
            "--fail-on",
            type=click.Choice(["error", "warning", "note", "never"]),
            help="Lowest level that makes the exit code 1 (default: the config's, else error).",
        ),
        click.option(
            "--engine",
            type=click.Choice(["regorus", "opa"]),
            help="Embedded regorus (the default where it installs), or an OPA server.",
        ),
        click.option(
            "--opa-url",
            metavar="URL",
            help="OPA server to use (default with --engine opa: start `opa` from PATH).",
        ),
        click.option(
            "--opa-policies-preloaded",
            is_flag=True,
            help="The OPA server already has our policies (from a bundle): do not push them.",
        ),
        click.option(
            "--policy",
            "policy_dirs",
            multiple=True,
            type=click.Path(path_type=Path, exists=True, file_okay=False),
            help="Extra policy directory (Rego rules); replaces the config's `policies`.",
        ),
        click.option(
            "--category",
            default="fargate-preflight",
            show_default=True,
            help="SARIF automationDetails category.",
        ),
        click.option(
            "--baseline",
            type=click.Path(path_type=Path, dir_okay=False),
            metavar="REPORT",
            help="A previous JSON or SARIF report: only findings not in it count.",
        ),
        _quiet_option,
        click.option(
            "--jobs",
            "-j",
            type=click.IntRange(min=1),
            metavar="N",
            help="Processes that evaluate a large scan (default: one per core).",
        ),
    ]
)


def report_options(fn: Callable[..., Any]) -> Any:
    """The options of a command that evaluates and reports; the command gets `report`
    (ReportArgs). `emit` writes the reports and gives the exit code."""
    names = [f.name for f in fields(ReportArgs)]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        report = ReportArgs(**{name: kwargs.pop(name) for name in names})
        return fn(*args, report=report, **kwargs)

    return _report_options(wrapper)


@main.command()
@_guard
@scan_inputs
@report_options
def scan(paths: tuple[Path, ...], options: ScanOptions, report: ReportArgs) -> None:
    """Scan templates, task definitions and plans; report what the tasks cannot reach."""
    from scanner.api import scan as run_scan

    outs = _outputs(report.formats, report.output)
    result = run_scan(paths, report.apply(options))
    sys.exit(emit(result, report, outs, options.config.fail_on))


def emit(
    result: Report,
    report: ReportArgs,
    outs: list[tuple[str, str | None]],
    config_fail_on: str | None,
) -> int:
    """Write every requested report, say on stderr what a reader of stdout would miss, and
    return the exit code (--fail-on over the config's `fail-on`, default error)."""
    from scanner.report import reporter

    if not report.quiet:
        for notice in result.notices:
            click.echo(one_line(f"notice: {notice}"), err=True)
    for fmt, file in outs:
        if fmt == "text":
            from scanner.report.text import render as render_text

            color = file is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
            text = render_text(result, color=color)
        elif fmt == "sarif":
            from scanner.report.sarif import build as build_sarif

            sarif = build_sarif(result)
            text = sarif.text
            if sarif.dropped:
                click.echo(
                    f"warning: SARIF limits: {plural(sarif.dropped, 'result')} "
                    f"{'was' if sarif.dropped == 1 else 'were'} left out of the SARIF report "
                    "(the exit code still counts them)",
                    err=True,
                )
        else:
            text = reporter(fmt)(result)
        _write(text, file)
    # The text report on stdout shows these; any other report leaves them to stderr.
    if all(fmt != "text" or file is not None for fmt, file in outs):
        for err in result.errors:
            where = f"{err.file}:{err.line}" if err.line else err.file
            click.echo(one_line(f"error: {where}: {err.message}"), err=True)
        for warning in result.warnings:
            click.echo(one_line(f"warning: {warning}"), err=True)
    return exit_code(result, report.fail_on or config_fail_on or "error")


def exit_code(report: Any, fail_on: str) -> int:
    if report.errors:
        return 2
    if fail_on == "never":
        return 0
    limit = FAIL_ON[fail_on]
    hit = any(f.suppressed is None and FAIL_ON[f.level] <= limit for f in report.findings)
    return 1 if hit else 0


@main.command()
@_guard
@scan_inputs
@click.option("--output", "-o", help="Write the model here instead of stdout.")
@_quiet_option
def export(paths: tuple[Path, ...], options: ScanOptions, output: str | None, quiet: bool) -> None:
    """Print the input model (JSON) that the policies evaluate."""
    from scanner.api import load

    loaded = load(paths, options)
    _write(json.dumps(loaded.model, indent=2, sort_keys=True) + "\n", output)
    if not quiet:
        for notice in loaded.notices:
            click.echo(one_line(f"notice: {notice}"), err=True)
    for err in loaded.errors:
        where = f"{err.file}:{err.line}" if err.line else err.file
        click.echo(one_line(f"error: {where}: {err.message}"), err=True)
    sys.exit(2 if loaded.errors else 0)


@main.command("debug-task")
@_guard
@click.argument("service")
@scan_inputs
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: the runbook; json: write the --cli-input-json files, print commands and probes.",
)
@click.option(
    "--output-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write the task-definition and service JSON files here (json: default .).",
)
@click.option(
    "--image",
    default="amazon/aws-cli",
    show_default=True,
    help="Debug image (a private ECR copy where the subnets have no internet).",
)
def debug_task(
    service: str,
    paths: tuple[Path, ...],
    options: ScanOptions,
    fmt: str,
    output_dir: Path | None,
    image: str,
) -> None:
    """Print the runbook for a debug task with SERVICE's network settings and ECS Exec."""
    from scanner.debug_task import main as debug_main

    sys.exit(debug_main(service, paths, options, fmt=fmt, output_dir=output_dir, image=image))


_policy_option = click.option(
    "--policy",
    "policy_dirs",
    multiple=True,
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="Also the rules of this policy directory.",
)


@main.command()
@_guard
@_policy_option
def rules(policy_dirs: tuple[Path, ...]) -> None:
    """List the rule catalogue."""
    from scanner.api import catalogue
    from scanner.report.text import render_rules

    click.echo(render_rules(catalogue(policy_dirs)), nl=False)


@main.command()
@_guard
@click.argument("rule_id")
@_policy_option
def explain(rule_id: str, policy_dirs: tuple[Path, ...]) -> None:
    """Explain one rule: what it checks, why, and how to fix it."""
    from scanner.api import catalogue
    from scanner.report.text import render_explain

    wanted = rule_id.upper()
    for rule in catalogue(policy_dirs):
        if rule.id == wanted:
            click.echo(render_explain(rule), nl=False)
            return
    raise UsageError(f"no rule {rule_id!r}; `fargate-preflight rules` lists them")


_live_options = [
    click.option("--profile", help="AWS profile (default: the standard credential chain)."),
    click.option(
        "--region",
        "regions",
        multiple=True,
        metavar="R",
        help="Region to read (repeatable; default: the profile's or AWS_REGION).",
    ),
    click.option("--all-regions", is_flag=True, help="Every region enabled in the account."),
    click.option("--role-arn", metavar="ARN", help="Assume this role first (sts:AssumeRole)."),
    click.option(
        "--org-role",
        metavar="NAME",
        help="Scan every ACTIVE account of the Organization through role NAME in each.",
    ),
    click.option(
        "--account",
        "accounts",
        multiple=True,
        metavar="ID",
        help="With --org-role: only this account of the Organization (repeatable).",
    ),
    click.option(
        "--cluster",
        "clusters",
        multiple=True,
        metavar="C",
        help="Only this ECS cluster (name or ARN; repeatable).",
    ),
    click.option(
        "--shard",
        metavar="I/N",
        help="Scan only shard I of N (accounts; regions when there is one account).",
    ),
]


def live_inputs(fn: Callable[..., Any]) -> Any:
    """The options of every command that reads live accounts; the command gets `live`
    (LiveOptions)."""

    @functools.wraps(fn)
    def wrapper(
        *args: Any,
        profile: str | None,
        regions: tuple[str, ...],
        all_regions: bool,
        role_arn: str | None,
        org_role: str | None,
        accounts: tuple[str, ...],
        clusters: tuple[str, ...],
        shard: str | None,
        **kwargs: Any,
    ) -> Any:
        if importlib.util.find_spec("boto3") is None:
            raise UsageError(
                "reading a live account needs boto3: pip install 'fargate-preflight[aws]'"
            )
        from scanner.sources.aws.export import LiveOptions, parse_shard

        if regions and all_regions:
            raise UsageError("give --region or --all-regions, not both")
        _check_regions(regions)
        if accounts and not org_role:
            raise UsageError("--account chooses accounts of the Organization: give --org-role too")
        wrong = [a for a in accounts if not (len(a) == 12 and a.isdigit())]
        if wrong:
            raise UsageError(f"--account {wrong[0]!r}: an account ID is 12 digits")
        live = LiveOptions(
            profile=profile,
            regions=regions,
            all_regions=all_regions,
            role_arn=role_arn,
            org_role=org_role,
            clusters=clusters,
            shard=parse_shard(shard) if shard else None,
            accounts=accounts,
        )
        return fn(*args, live=live, **kwargs)

    return _options(_live_options)(wrapper)


def _export_live(live: Any, quiet: bool) -> Any:
    """The live export, with a progress bar on stderr when it is a terminal."""
    from scanner.sources.aws.export import export as export_aws

    if quiet or not sys.stderr.isatty():
        return export_aws(live)
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="reading AWS", file=sys.stderr)
            bar.__enter__()
        bar.update(1)

    try:
        return export_aws(live, progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@main.command("scan-aws")
@_guard
@live_inputs
@_config_option
@report_options
def scan_aws(live: Any, config_file: Path | None, report: ReportArgs) -> None:
    """Scan the live account(s): read-only export of ECS, VPC, EFS and IAM, then the policies."""
    from scanner.api import evaluate, live_needs, live_notices

    outs = _outputs(report.formats, report.output)
    options = report.apply(input_options(config_file=config_file))
    exported = _export_live(live, report.quiet)
    errors, notices = live_needs(exported, live, options.config)
    result = evaluate(
        exported.models, options, errors=errors, notices=(*live_notices(exported), *notices)
    )
    sys.exit(emit(result, report, outs, options.config.fail_on))


@main.command("export-aws")
@_guard
@live_inputs
@_config_option
@click.option("--output", "-o", help="Write the models here instead of stdout.")
@_quiet_option
def export_aws(live: Any, config_file: Path | None, output: str | None, quiet: bool) -> None:
    """Print the input models of the live account(s), one per account and region (JSON)."""
    from scanner.api import live_needs, live_notices

    config = input_options(config_file=config_file).config
    exported = _export_live(live, quiet)
    errors, notices = live_needs(exported, live, config)
    _write(json.dumps({"models": exported.models}, indent=2, sort_keys=True) + "\n", output)
    if not quiet:
        for notice in (*live_notices(exported), *notices):
            click.echo(one_line(f"notice: {notice}"), err=True)
    for err in errors:
        where = f"{err.file}:{err.line}" if err.line else err.file
        click.echo(one_line(f"error: {where}: {err.message}"), err=True)
    sys.exit(2 if errors else 0)


@main.command()
@click.argument("reports", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "sarif"]),
    help="Output format (default: the inputs' format when they agree, else json).",
)
@click.option("--output", "-o", help="Write the merged report here instead of stdout.")
@_guard
def merge(reports: tuple[Path, ...], fmt: str | None, output: str | None) -> None:
    """Join JSON or SARIF reports (e.g. the shards of a scan-aws) into one."""
    from scanner.api import catalogue
    from scanner.report import reporter
    from scanner.report.merge import MAX_RUNS, joined, read

    merged, kind = read(reports, catalogue())
    chosen = fmt or (kind if kind in ("json", "sarif") else "json")
    if chosen == "sarif":
        if len(merged) > MAX_RUNS:
            raise UsageError(
                f"the reports have {len(merged)} categories: GitHub code scanning takes at most "
                f"{MAX_RUNS} runs (one per category) in one SARIF file; merge them in groups"
            )
        from scanner.report.sarif import render_runs

        _write(render_runs(merged), output)
    else:
        _write(reporter(chosen)(joined(merged)), output)
