"""The pre-commit hooks' entry point: `python -m scanner.integrations.precommit [FLAGS] FILE...`.

pre-commit passes the staged files that match the hook's `files` pattern, after the hook's
`args`. They are scanned with `fargate-preflight scan` and its flags, with two differences:
- a file that does not parse and does not look like a template (a Helm chart, a YAML file
  with templating) gets a notice instead of failing the commit (the hook never fails on a
  file that is not a template);
- the other templates of the work tree that a staged template imports from, is nested in or
  exports to are scanned with it, so that imports resolve and a changed export shows its
  effect on the services that import it (`scanner.integrations.changed`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from scanner import quick_exit
from scanner.errors import PreflightError


def main(argv: Sequence[str] | None = None) -> int:
    from scanner import cli

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        ctx = cli.scan.make_context("fargate-preflight scan", args)
    except click.exceptions.Exit as exc:  # --help
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    with ctx:
        try:
            paths, notices = staged_targets(ctx.params, Path.cwd())
        except PreflightError as exc:
            click.echo(f"fargate-preflight: {exc}", err=True)
            return exc.exit_code
        if not ctx.params.get("quiet"):
            for notice in notices:
                click.echo(f"notice: {notice}", err=True)
        if not paths:
            return 0
        ctx.params["paths"] = tuple(paths)
        try:
            cli.scan.invoke(ctx)
        except SystemExit as exc:  # the scan command always ends with sys.exit
            return quick_exit.exit_status(exc.code)
    return 0


def staged_targets(params: Mapping[str, Any], cwd: Path) -> tuple[list[Path], list[str]]:
    """The files to scan for the files pre-commit gave, and notices for those left out."""
    from scanner.cli import input_options
    from scanner.integrations.changed import git_templates, load_universe, scannable, select
    from scanner.model.builder import infer_region
    from scanner.sources.base import BuildContext
    from scanner.sources.discover import scanned_root

    root = scanned_root(cwd)
    given = [Path(p) for p in params.get("paths") or ()]
    keep, notices = scannable(given, root)
    if not keep:
        return [], notices
    universe = load_universe([*git_templates(root), *keep], root)
    # The same order as scanner.api.load, since export names can hold the region.
    region = params.get("region") or infer_region(universe) or _env_region()
    # The parameters the scan will use: the configuration file's, with the flags over them.
    options = input_options(
        config_file=params.get("config_file"),
        parameters=params.get("parameters") or (),
        stack_names=params.get("stack_names") or (),
    )
    ctx = BuildContext(
        root=root,
        region=region,
        parameters=options.parameters,
        stack_names=options.stack_names,
    )
    selection = select(keep, universe, ctx)
    return [_relative(p, cwd) for p in selection.files], notices


def _env_region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None


def _relative(path: Path, cwd: Path) -> Path:
    try:
        return Path(os.path.relpath(path, cwd))
    except ValueError:  # another drive on Windows
        return path


if __name__ == "__main__":
    from scanner.engine import early

    early.start()  # the policies compile while the staged files are looked at
    quick_exit.run(main)
