"""The command line: parse flags, call scanner.api, pick a reporter, set the exit code."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from scanner import __version__
from scanner.errors import PreflightError, UsageError
from scanner.sources.base import MAX_FILE_MB

FORMATS = ("text", "json", "sarif", "github")
FAIL_ON = {"error": 0, "warning": 1, "note": 2}


def _fail(exc: PreflightError) -> NoReturn:
    click.echo(f"fargate-preflight: {exc}", err=True)
    sys.exit(exc.exit_code)


def _guard(fn: Callable[..., None]) -> Callable[..., None]:
    """Our own errors become one line and exit 2/3; nothing else is caught."""

    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except PreflightError as exc:
            _fail(exc)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _parameters(values: Sequence[str]) -> dict[tuple[str | None, str], str]:
    """--parameter [FILE:]K=V, FILE relative to the scanned root."""
    out: dict[tuple[str | None, str], str] = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise UsageError(f"--parameter {value!r}: expected [FILE:]KEY=VALUE")
        file, colon, name = key.rpartition(":")
        out[(file.replace(os.sep, "/") if colon else None, name)] = val
    return out


def _stack_names(values: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        file, sep, name = value.partition("=")
        if not sep or not file or not name:
            raise UsageError(f"--stack-name {value!r}: expected FILE=NAME")
        out[file.replace(os.sep, "/")] = name
    return out


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


_scan_options = [
    click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path)),
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


def scan_inputs(fn: Callable[..., None]) -> Callable[..., None]:
    for decorator in reversed(_scan_options):
        fn = decorator(fn)
    return fn


@main.command()
@scan_inputs
@click.option(
    "--format",
    "formats",
    multiple=True,
    metavar="FORMAT[=FILE]",
    help="text (default), json, sarif or github; repeat as FORMAT=FILE for several.",
)
@click.option("--output", "-o", help="Write the report here instead of stdout.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "note", "never"]),
    default="error",
    show_default=True,
    help="Lowest level that makes the exit code 1.",
)
@click.option(
    "--engine",
    type=click.Choice(["regorus", "opa"]),
    default="regorus",
    show_default=True,
    help="Embedded regorus, or an OPA server.",
)
@click.option(
    "--opa-url",
    metavar="URL",
    help="OPA server to use (default with --engine opa: start `opa` from PATH).",
)
@click.option(
    "--opa-policies-preloaded",
    is_flag=True,
    help="The OPA server already has our policies (from a bundle): do not push them.",
)
@click.option(
    "--policy",
    "policy_dirs",
    multiple=True,
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="Extra policy directory (Rego rules).",
)
@click.option(
    "--category",
    default="fargate-preflight",
    show_default=True,
    help="SARIF automationDetails category.",
)
@click.option("--quiet", "-q", is_flag=True, help="No notices on stderr.")
@_guard
def scan(
    paths: tuple[Path, ...],
    parameters: tuple[str, ...],
    region: str | None,
    stack_names: tuple[str, ...],
    tf_dir: Path | None,
    max_file_mb: float,
    formats: tuple[str, ...],
    output: str | None,
    fail_on: str,
    engine: str,
    opa_url: str | None,
    opa_policies_preloaded: bool,
    policy_dirs: tuple[Path, ...],
    category: str,
    quiet: bool,
) -> None:
    """Scan templates, task definitions and plans; report what the tasks cannot reach."""
    from scanner.api import ScanOptions
    from scanner.api import scan as run_scan
    from scanner.report import REPORTERS
    from scanner.report.sarif import build as build_sarif
    from scanner.report.text import render as render_text

    outs = _outputs(formats, output)
    options = ScanOptions(
        region=region,
        parameters=_parameters(parameters),
        stack_names=_stack_names(stack_names),
        engine=engine,
        opa_url=opa_url,
        opa_policies_preloaded=opa_policies_preloaded,
        policy_dirs=policy_dirs,
        category=category,
        tf_dir=tf_dir,
        max_file_bytes=int(max_file_mb * 1024 * 1024),
    )
    report = run_scan(paths, options)
    if not quiet:
        for notice in report.notices:
            click.echo(f"notice: {notice}", err=True)
    for fmt, file in outs:
        if fmt == "text":
            color = file is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
            text = render_text(report, color=color)
        elif fmt == "sarif":
            sarif = build_sarif(report)
            text = sarif.text
            if sarif.dropped:
                click.echo(
                    f"warning: SARIF limits: {sarif.dropped} results were left out of "
                    "the SARIF report (the exit code still counts them)",
                    err=True,
                )
        else:
            text = REPORTERS[fmt](report)
        _write(text, file)
    for err in report.errors:
        if all(fmt != "text" or file is not None for fmt, file in outs):
            where = f"{err.file}:{err.line}" if err.line else err.file
            click.echo(f"error: {where}: {err.message}", err=True)
    sys.exit(exit_code(report, fail_on))


def exit_code(report: Any, fail_on: str) -> int:
    if report.errors:
        return 2
    if fail_on == "never":
        return 0
    limit = FAIL_ON[fail_on]
    hit = any(f.suppressed is None and FAIL_ON[f.level] <= limit for f in report.findings)
    return 1 if hit else 0


@main.command()
@scan_inputs
@click.option("--output", "-o", help="Write the model here instead of stdout.")
@_guard
def export(
    paths: tuple[Path, ...],
    parameters: tuple[str, ...],
    region: str | None,
    stack_names: tuple[str, ...],
    tf_dir: Path | None,
    max_file_mb: float,
    output: str | None,
) -> None:
    """Print the input model (JSON) that the policies evaluate."""
    from scanner.api import ScanOptions, load

    options = ScanOptions(
        region=region,
        parameters=_parameters(parameters),
        stack_names=_stack_names(stack_names),
        tf_dir=tf_dir,
        max_file_bytes=int(max_file_mb * 1024 * 1024),
    )
    loaded = load(paths, options)
    _write(json.dumps(loaded.model, indent=2, sort_keys=True) + "\n", output)
    for err in loaded.errors:
        where = f"{err.file}:{err.line}" if err.line else err.file
        click.echo(f"error: {where}: {err.message}", err=True)
    sys.exit(2 if loaded.errors else 0)


@main.command("debug-task")
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
@_guard
def debug_task(
    service: str,
    paths: tuple[Path, ...],
    parameters: tuple[str, ...],
    region: str | None,
    stack_names: tuple[str, ...],
    tf_dir: Path | None,
    max_file_mb: float,
    fmt: str,
    output_dir: Path | None,
    image: str,
) -> None:
    """Print the runbook for a debug task with SERVICE's network settings and ECS Exec."""
    from scanner.api import ScanOptions
    from scanner.debug_task import main as debug_main

    options = ScanOptions(
        region=region,
        parameters=_parameters(parameters),
        stack_names=_stack_names(stack_names),
        tf_dir=tf_dir,
        max_file_bytes=int(max_file_mb * 1024 * 1024),
    )
    sys.exit(debug_main(service, paths, options, fmt=fmt, output_dir=output_dir, image=image))


@main.command()
@_guard
def rules() -> None:
    """List the rule catalogue."""
    from scanner.api import catalogue
    from scanner.report.text import render_rules

    click.echo(render_rules(catalogue()), nl=False)


@main.command()
@click.argument("rule_id")
@_guard
def explain(rule_id: str) -> None:
    """Explain one rule: what it checks, why, and how to fix it."""
    from scanner.api import catalogue
    from scanner.report.text import render_explain

    wanted = rule_id.upper()
    for rule in catalogue():
        if rule.id == wanted:
            click.echo(render_explain(rule), nl=False)
            return
    raise UsageError(f"no rule {rule_id!r}; `fargate-preflight rules` lists them")
