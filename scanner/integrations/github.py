"""The GitHub Action's logic: `action.yml` runs `python -m scanner.integrations.github`.

The Action's inputs arrive as `FP_*` environment variables (never pasted into a script). One
`fargate-preflight scan` writes the SARIF file and a JSON report and prints the findings as
workflow-command annotations. This step always succeeds, so the SARIF upload that follows
always has its file: the scan's exit code, the verdict of `fail-on` (the input, a `--fail-on`
or `--config` in `extra-args`, as for `scan` itself), goes to the step's `exit-code` output,
which the Action's last step exits with, after the upload. The findings also go to the job
summary (`$GITHUB_STEP_SUMMARY`) as a Markdown table.

With `changed-only` on a pull request, only the templates the pull request changed are
scanned, with the templates linked to them (`scanner.integrations.changed`).

The SARIF file for upload leaves the suppressed findings out (input `upload-suppressed`):
code scanning does not honour SARIF `suppressions` and would open an alert for each.

The runner reads every line of the step's stdout and stderr that starts with `::` (after
spaces) as a workflow command. The scanned inputs are not trusted (a container named
`app\n::error::...`), so everything this step prints that holds their values goes between
`::stop-commands::TOKEN` and `::TOKEN::` (`print_inert`), and all of it goes to stdout: the
runner reads the two streams apart, so a pause begun on one does not order the other.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from scanner.errors import PreflightError, UsageError
from scanner.findings import LEVELS, InputError
from scanner.report import FORMATS, plural
from scanner.report.github import error_command, escape_data

if TYPE_CHECKING:
    from scanner.config import Config

FAIL_ON = ("error", "warning", "note", "never")
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
# A summary over GitHub's 1 MiB limit is dropped whole; the SARIF report has every finding.
MAX_SUMMARY_ROWS = 300


@dataclass(frozen=True)
class ActionInputs:
    paths: tuple[str, ...]
    formats: tuple[str, ...]
    fail_on: str  # "" until run() settles it: the input, else the configuration's, else error
    config: str  # the input, or a --config in extra-args
    parameters: tuple[str, ...]
    engine: str
    opa_url: str
    category: str
    sarif_file: str
    extra_args: tuple[str, ...]
    changed_only: bool
    upload_suppressed: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ActionInputs:
        """Read the `FP_*` variables that action.yml sets from its inputs."""

        def get(name: str, default: str = "") -> str:
            return env.get(f"FP_{name}", default).strip()

        fail_on = get("FAIL_ON")
        if fail_on and fail_on not in FAIL_ON:
            raise UsageError(f"input fail-on {fail_on!r}: choose one of {', '.join(FAIL_ON)}")
        formats = tuple(_words(get("FORMAT", "text")))
        for value in formats:
            fmt = value.partition("=")[0]
            if fmt != "none" and fmt not in FORMATS:
                raise UsageError(f"input format {fmt!r}: choose from {', '.join(FORMATS)}, none")
        extra_args = tuple(_words(get("EXTRA_ARGS")))
        _check_extra_args(extra_args)
        extra = _scan_flags(extra_args)
        return cls(
            paths=tuple(_words(get("PATHS", "."))) or (".",),
            formats=tuple(f for f in formats if f != "none"),
            fail_on=_once("fail-on", fail_on, extra.fail_on),
            config=_once("config", get("CONFIG"), extra.config),
            parameters=tuple(line.strip() for line in get("PARAMETERS").splitlines() if line),
            engine=get("ENGINE"),
            opa_url=get("OPA_URL"),
            category=get("CATEGORY", "fargate-preflight") or "fargate-preflight",
            sarif_file=get("SARIF_FILE"),
            extra_args=extra_args,
            changed_only=_flag(get("CHANGED_ONLY", "false"), "changed-only"),
            upload_suppressed=_flag(get("UPLOAD_SUPPRESSED", "false"), "upload-suppressed"),
        )


@dataclass(frozen=True)
class Outcome:
    exit_code: int  # what the Action's last step exits with
    summary: Mapping[str, int]
    sarif_file: str | None  # None when no SARIF was written (the upload is skipped)


@dataclass(frozen=True)
class Targets:
    """What to scan: the paths, or None when changed-only found nothing to scan."""

    paths: tuple[str, ...] | None
    notes: tuple[str, ...]
    region: str | None = None  # the region a full scan would infer, for changed-only


def main() -> None:
    outcome = run(os.environ, Path.cwd())
    # The step itself succeeds: the Action fails the job in its last step, after the upload.
    print(f"fargate-preflight: exit code {outcome.exit_code}", file=sys.stderr)


def run(env: Mapping[str, str], cwd: Path) -> Outcome:
    try:
        inputs = ActionInputs.from_env(env)
    except PreflightError as exc:
        print(f"::error title=fargate-preflight::{escape_data(str(exc))}", flush=True)
        return _finish(env, Outcome(exc.exit_code, dict.fromkeys(LEVELS, 0), None))
    from scanner.config import ConfigError

    try:
        config = _load_config(inputs, cwd)
    except ConfigError as exc:
        # The scan would stop at the same error before writing any report. Its file is named
        # relative to the scanned root, as annotations name files.
        error = InputError(exc.file, exc.line, exc.message)
        print(error_command(error), flush=True)
        _append(env, "GITHUB_STEP_SUMMARY", render_config_error(error))
        return _finish(env, Outcome(exc.exit_code, dict.fromkeys(LEVELS, 0), None))
    inputs = replace(inputs, fail_on=inputs.fail_on or config.fail_on or "error")
    temp = Path(env.get("RUNNER_TEMP") or tempfile.gettempdir())
    sarif = (
        _absolute(inputs.sarif_file, cwd) if inputs.sarif_file else temp / "fargate-preflight.sarif"
    )
    sarif.parent.mkdir(parents=True, exist_ok=True)
    sarif.unlink(missing_ok=True)  # never upload a report of an earlier run
    targets = choose_targets(inputs, env, cwd)
    print_inert("".join(f"fargate-preflight: {note}\n" for note in targets.notes))
    if targets.paths is None:
        _write_empty_sarif(sarif, inputs.category, cwd)
        outcome = Outcome(0, dict.fromkeys(LEVELS, 0), str(sarif))
        _append(env, "GITHUB_STEP_SUMMARY", render_summary(None, inputs, targets, outcome, env))
        return _finish(env, outcome)
    with tempfile.TemporaryDirectory(dir=temp if temp.is_dir() else None) as scratch:
        report_file = Path(scratch) / "report.json"
        shown = _shown_reports(inputs.formats, Path(scratch))
        args = scan_arguments(inputs, targets, sarif, report_file, shown)
        done = subprocess.run(
            [sys.executable, "-m", "scanner", "scan", *args], cwd=cwd, capture_output=True
        )
        # stdout holds the annotations, escaped by `--format github`; stderr the notices.
        print(_decoded(done.stdout), end="")
        print_inert(_decoded(done.stderr))
        code = done.returncode
        report = _read_json(report_file)
        warnings = _warnings(sarif, inputs, targets) if report else []
        if sarif.is_file() and not inputs.upload_suppressed:
            left_out = leave_out_suppressed(sarif)
            if left_out:
                print(
                    f"fargate-preflight: {plural(left_out, 'suppressed finding')} left out of the "
                    "SARIF file: code scanning would show each as an open alert "
                    "(upload-suppressed: true keeps them)",
                    flush=True,
                )
        for fmt, file in shown:
            _print_group(f"fargate-preflight {fmt} report", file)
    exit_code = decide(code, report)
    summary = report["summary"] if report else dict.fromkeys(LEVELS, 0)
    outcome = Outcome(exit_code, summary, str(sarif) if sarif.is_file() else None)
    text = render_summary(report, inputs, targets, outcome, env, warnings)
    _append(env, "GITHUB_STEP_SUMMARY", text)
    return _finish(env, outcome)


def scan_arguments(
    inputs: ActionInputs,
    targets: Targets,
    sarif: Path,
    report_file: Path,
    shown: Sequence[tuple[str, Path]] = (),
) -> list[str]:
    """The `fargate-preflight scan` arguments. The Action's own flags come last so that
    `extra-args` cannot turn off the SARIF file or the JSON report. The scan's exit code is the
    verdict: `fail-on` and `config` are the CLI's own flags (from_env refuses an `extra-args`
    that gives either flag a value other than the input's)."""
    args = list(targets.paths or ())
    if inputs.fail_on:
        args += ["--fail-on", inputs.fail_on]
    if inputs.config:
        args += ["--config", inputs.config]
    for value in inputs.parameters:
        args += ["--parameter", value]
    if inputs.engine:
        args += ["--engine", inputs.engine]
    if inputs.opa_url:
        args += ["--opa-url", inputs.opa_url]
    args += ["--category", inputs.category]
    if targets.region and not _has_option(inputs.extra_args, "--region"):
        args += ["--region", targets.region]
    args += list(inputs.extra_args)
    for value in inputs.formats:
        if "=" in value:
            args += ["--format", value]
    for fmt, file in shown:
        args += ["--format", f"{fmt}={file}"]
    args += ["--format", "github"]
    args += ["--format", f"sarif={sarif}", "--format", f"json={report_file}"]
    return args


def _load_config(inputs: ActionInputs, cwd: Path) -> Config:
    """The configuration the scan reads (as `scanner.cli.input_options` loads it)."""
    from scanner.config import load
    from scanner.sources.discover import scanned_root

    return load(Path(inputs.config) if inputs.config else None, cwd, scanned_root(cwd))


def leave_out_suppressed(path: Path) -> int:
    """Take the suppressed results out of a SARIF file; how many there were. GitHub code
    scanning ingests a result with `suppressions` as an open alert (github/codeql-action#1230);
    left out, the alert an earlier upload opened for it is closed."""
    from scanner.report.sarif import dump

    document = json.loads(path.read_text(encoding="utf-8"))
    left_out = 0
    for run in document.get("runs", []):
        results = run.get("results", [])
        # With none suppressed, no result has `suppressions` (SARIF 2.1.0 §3.27.23).
        kept = [
            {k: v for k, v in r.items() if k != "suppressions"}
            for r in results
            if not r.get("suppressions")
        ]
        left_out += len(results) - len(kept)
        run["results"] = kept
    if left_out:
        path.write_text(dump(document), encoding="utf-8")
    return left_out


def decide(code: int, report: Mapping[str, Any] | None) -> int:
    """The job's exit code: the scan's, 3 when the scan did not write its JSON report (it
    stopped before the end, e.g. a traceback, which exits 1)."""
    if report is None or code not in (0, 1, 2):
        return code if code in (2, 3) else 3
    return code


def _warnings(sarif: Path, inputs: ActionInputs, targets: Targets) -> list[str]:
    """The scan's warnings for the summary (an expired ignore, an ignore that suppresses
    nothing: annotations of `--format github` already; results left out of the SARIF file),
    and, annotated here, a scan of the `paths` input that found nothing to check: `paths`
    naming a folder without templates would otherwise give a green job with one line in its
    log (a path that does not exist is exit code 2)."""
    from scanner.api import NOTHING_TO_CHECK

    notifications = _notifications(sarif)
    warnings = [text for level, text in notifications if level == "warning"]
    if ("note", NOTHING_TO_CHECK) in notifications and targets.paths == inputs.paths:
        warning = (
            f"{NOTHING_TO_CHECK} in paths {shlex.join(inputs.paths)}: is the paths input right?"
        )
        print(f"::warning title=fargate-preflight::{escape_data(warning)}", flush=True)
        warnings.append(warning)
    return warnings


def _notifications(sarif: Path) -> list[tuple[str, str]]:
    """The (level, text) of the SARIF file's toolExecutionNotifications."""
    document = _read_json(sarif) or {}
    return [
        (str(n.get("level")), str((n.get("message") or {}).get("text", "")))
        for run in document.get("runs", [])
        for invocation in run.get("invocations", [])
        for n in invocation.get("toolExecutionNotifications", [])
    ]


# --- changed-only -----------------------------------------------------------------------


def choose_targets(inputs: ActionInputs, env: Mapping[str, str], cwd: Path) -> Targets:
    if not inputs.changed_only:
        return Targets(inputs.paths, ())
    if env.get("GITHUB_EVENT_NAME") not in PULL_REQUEST_EVENTS:
        return Targets(inputs.paths, ("changed-only applies to pull requests: scanning all paths",))
    changes = pull_request_changes(cwd, env)
    if changes is None:
        return Targets(
            inputs.paths,
            (
                "changed-only: the pull request's base commit is not in the checkout "
                "(use actions/checkout with fetch-depth: 0 or 2): scanning all paths",
            ),
        )
    if changes.deleted:
        return Targets(
            inputs.paths,
            (
                f"changed-only: {changes.deleted[0]} was deleted and other templates may have "
                "imported from it: scanning all paths",
            ),
        )
    return _changed_targets(inputs, changes, env, cwd)


@dataclass(frozen=True)
class Changes:
    files: tuple[Path, ...]  # added or modified files, absolute
    deleted: tuple[str, ...]  # deleted (or renamed away) files with a template suffix


def pull_request_changes(cwd: Path, env: Mapping[str, str]) -> Changes | None:
    """What the pull request changed, from `git diff` against its base; None when the
    checkout does not have the base commit."""
    top = _git(cwd, "rev-parse", "--show-toplevel")
    if top is None:
        return None
    base = _pull_request_base(cwd, env)
    if base is None:
        return None
    listed = _git(cwd, "diff", "--name-status", "-z", "--no-renames", base, "HEAD")
    if listed is None:
        return None
    return _parse_name_status(listed, Path(top.strip()))


def _pull_request_base(cwd: Path, env: Mapping[str, str]) -> str | None:
    """The commit to diff against. The checkout of a `pull_request` event is a merge commit
    (GITHUB_SHA) whose first parent is the base branch; else the merge base of HEAD and the
    base branch (a full clone) or the event's base commit."""
    head = (_git(cwd, "rev-parse", "--verify", "--quiet", "HEAD") or "").strip()
    if (
        head
        and head == env.get("GITHUB_SHA")
        and _git(cwd, "rev-parse", "--verify", "-q", "HEAD^2")
    ):
        return "HEAD^1"
    candidates = []
    if env.get("GITHUB_BASE_REF"):
        candidates.append(f"refs/remotes/origin/{env['GITHUB_BASE_REF']}")
    event_base = _event_base_sha(env.get("GITHUB_EVENT_PATH"))
    if event_base:
        candidates.append(event_base)
    for candidate in candidates:
        merge_base = _git(cwd, "merge-base", candidate, "HEAD")
        if merge_base:
            return merge_base.strip()
    return None


def _event_base_sha(path: str | None) -> str | None:
    if not path:
        return None
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    sha = ((event.get("pull_request") or {}).get("base") or {}).get("sha")
    return sha if isinstance(sha, str) else None


def _parse_name_status(listed: str, top: Path) -> Changes:
    from scanner.sources.discover import TEMPLATE_SUFFIXES

    fields = listed.split("\0")
    files: list[Path] = []
    deleted: list[str] = []
    for status, name in zip(fields[::2], fields[1::2], strict=False):
        if not status:
            continue
        if status.startswith("D"):
            if Path(name).suffix.lower() in TEMPLATE_SUFFIXES:
                deleted.append(name)
        else:
            files.append(top / name)
    return Changes(tuple(files), tuple(deleted))


def _changed_targets(
    inputs: ActionInputs, changes: Changes, env: Mapping[str, str], cwd: Path
) -> Targets:
    from scanner.integrations.changed import load_universe, scannable, select
    from scanner.model.builder import infer_region
    from scanner.sources.base import BuildContext
    from scanner.sources.discover import scanned_root

    root = scanned_root(cwd)
    scope = [_absolute(p, cwd) for p in inputs.paths]
    in_scope = [f for f in changes.files if any(_in_scan(f, s) for s in scope)]
    keep, notes = scannable(in_scope, root)
    if not keep:
        return Targets(None, (*notes, "changed-only: no template changed: nothing to scan"))
    universe = load_universe([Path(p) for p in inputs.paths], root)
    flags = _scan_flags([*inputs.paths, *_parameter_args(inputs), *inputs.extra_args])
    inferred = infer_region(universe)
    # The region the scan of every path would use (api.load), since export names can hold it.
    region = flags.region or inferred or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    ctx = BuildContext(
        root=root, region=region, parameters=flags.parameters, stack_names=flags.stack_names
    )
    selection = select(keep, universe, ctx)
    paths = tuple(_relative(p, cwd) for p in selection.files)
    notes.append(f"changed-only: scanning {len(paths)} of {plural(len(universe), 'template')}:")
    notes += [f"  {_relative(p, cwd)}: {why}" for p, why in selection.reasons]
    return Targets(paths, tuple(notes), inferred)


@dataclass(frozen=True)
class _Flags:
    region: str | None
    parameters: dict[tuple[str | None, str], str]
    stack_names: dict[str, str]
    fail_on: str | None
    config: str | None


def _scan_flags(args: Sequence[str]) -> _Flags:
    """The flags of `scan` that change how templates link (parsed by the CLI's own parser)."""
    import click

    from scanner.cli import scan
    from scanner.options import parse_parameters, parse_stack_names

    try:
        ctx = scan.make_context("scan", list(args), resilient_parsing=True)
    except click.ClickException as exc:
        raise UsageError(f"extra-args: {exc.format_message()}") from exc
    params = ctx.params
    # (resilient parsing leaves out a value the option refuses)
    if _has_option(args, "--fail-on") and params.get("fail_on") is None:
        raise UsageError(f"extra-args: --fail-on takes one of {', '.join(FAIL_ON)}")
    config = params.get("config_file")
    return _Flags(
        region=params.get("region"),
        parameters=parse_parameters(params.get("parameters") or ()),
        stack_names=parse_stack_names(params.get("stack_names") or ()),
        fail_on=params.get("fail_on"),
        config=str(config) if config is not None else None,
    )


def _parameter_args(inputs: ActionInputs) -> list[str]:
    return [arg for value in inputs.parameters for arg in ("--parameter", value)]


# --- the job summary --------------------------------------------------------------------


def render_summary(
    report: Mapping[str, Any] | None,
    inputs: ActionInputs,
    targets: Targets,
    outcome: Outcome,
    env: Mapping[str, str],
    warnings: Sequence[str] = (),
) -> str:
    lines = ["## fargate-preflight", ""]
    if targets.paths is None:
        lines += ["No template changed in this pull request: nothing to scan.", ""]
        return "\n".join(lines) + "\n"
    if report is None:
        lines += [
            f"The scan failed (exit code {outcome.exit_code}): see the job log.",
            "",
        ]
        return "\n".join(lines) + "\n"
    counts = report.get("summary", {})
    errors = report.get("errors", [])
    if errors and outcome.exit_code == 2:
        # Bad input fails the check whatever fail-on says (exit code 2).
        verdict = (
            f"; {plural(len(errors), 'input error')}: the check fails because of the bad "
            "input below (exit code 2)."
        )
    else:
        verdict = f": the check {'fails' if outcome.exit_code else 'passes'} "
        verdict += f"(fail-on: {inputs.fail_on})."
    lines += [f"{_counts(counts)}{verdict}", ""]
    findings = [f for f in report.get("findings", []) if f.get("suppressed") is None]
    findings.sort(key=lambda f: LEVELS.index(f["level"]) if f["level"] in LEVELS else 3)
    if findings:
        lines += [
            "| Level | Rule | Location | Service | Need | Finding |",
            "|---|---|---|---|---|---|",
        ]
        lines += [_row(f, env) for f in findings[:MAX_SUMMARY_ROWS]]
        if len(findings) > MAX_SUMMARY_ROWS:
            rest = len(findings) - MAX_SUMMARY_ROWS
            more = f"{rest} more finding is" if rest == 1 else f"{rest} more findings are"
            lines += ["", f"{more} in the SARIF report and the job log."]
        lines.append("")
    suppressed = sum(1 for f in report.get("findings", []) if f.get("suppressed") is not None)
    if suppressed:
        counted = "is" if suppressed == 1 else "are"
        lines += [f"{plural(suppressed, 'suppressed finding')} {counted} not counted.", ""]
    if errors:
        lines += ["### Bad input", ""]
        lines += [f"- {_cell(_where(e))}: {_cell(e.get('message', ''))}" for e in errors]
        lines.append("")
    if warnings:
        lines += ["### Warnings", ""]
        lines += [f"- {_cell(w)}" for w in warnings]
        lines.append("")
    if targets.notes:
        lines += ["<details><summary>What was scanned</summary>", ""]
        lines += [f"    {note}" for note in targets.notes]
        lines += ["", "</details>", ""]
    return "\n".join(lines) + "\n"


def render_config_error(error: InputError) -> str:
    where = f"{error.file}:{error.line}" if error.line else error.file
    return (
        "## fargate-preflight\n\n"
        "The configuration file is not valid: nothing was scanned (exit code 2).\n\n"
        f"### Bad input\n\n- {_cell(where)}: {_cell(error.message)}\n"
    )


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(plural(int(counts.get(level, 0)), level) for level in LEVELS)


def _row(f: Mapping[str, Any], env: Mapping[str, str]) -> str:
    message = _cell(f.get("message", ""))
    if f.get("fix"):
        message += f"<br>**Fix:** {_cell(f['fix'])}"
    cells = [
        f["level"],
        f["rule_id"],
        _location_link(f.get("location") or {}, env),
        _cell(f.get("service") or ""),
        _cell(f.get("need") or ""),
        message,
    ]
    return "| " + " | ".join(cells) + " |"


def _location_link(location: Mapping[str, Any], env: Mapping[str, str]) -> str:
    file = str(location.get("file", ""))
    line = location.get("line")
    text = _cell(f"{file}:{line}" if line else file)
    server, repo, sha = (
        env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA")
    )
    if not (server and repo and sha) or "://" in file:
        return text
    url = f"{server}/{repo}/blob/{sha}/{quote(file)}"
    return f"[{text}]({url}#L{line})" if line else f"[{text}]({url})"


def _where(error: Mapping[str, Any]) -> str:
    line = error.get("line")
    return f"{error.get('file', '')}:{line}" if line else str(error.get("file", ""))


_MARKDOWN_SPECIAL = "\\`*_[]|#"


def _cell(text: str) -> str:
    """Text shown as is inside a Markdown table cell: HTML and Markdown syntax escaped."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in _MARKDOWN_SPECIAL:
        text = text.replace(char, "\\" + char)
    return text.replace("\r", "").replace("\n", "<br>")


# --- files, outputs, git ----------------------------------------------------------------


def _finish(env: Mapping[str, str], outcome: Outcome) -> Outcome:
    values = {
        "exit-code": str(outcome.exit_code),
        "sarif-file": outcome.sarif_file or "",
        **{f"{level}s": str(outcome.summary.get(level, 0)) for level in LEVELS},
    }
    _append(env, "GITHUB_OUTPUT", "".join(f"{k}={v}\n" for k, v in values.items()))
    return outcome


def _append(env: Mapping[str, str], variable: str, text: str) -> None:
    target = env.get(variable)
    if not target:
        return
    with open(target, "a", encoding="utf-8") as out:
        out.write(text)


def _write_empty_sarif(path: Path, category: str, cwd: Path) -> None:
    """A SARIF run without results, so that code scanning closes the category's alerts of
    files the pull request fixed and does not report a missing analysis."""
    from scanner import __version__
    from scanner.api import catalogue
    from scanner.findings import Report
    from scanner.report.sarif import build

    report = Report(
        findings=(), rules=catalogue(), category=category, tool_version=__version__, root=str(cwd)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build(report).text, encoding="utf-8")


def _shown_reports(formats: Sequence[str], scratch: Path) -> list[tuple[str, Path]]:
    """Bare `format` entries: written to a scratch file and printed in the job log, since
    stdout carries the annotations."""
    return [
        (value, scratch / f"report.{value}")
        for value in formats
        if "=" not in value and value != "github"
    ]


def _print_group(title: str, file: Path) -> None:
    if not file.is_file():
        return
    print(f"::group::{title}")
    print_inert(file.read_text(encoding="utf-8"))
    print("::endgroup::", flush=True)


def print_inert(text: str) -> None:
    """Print `text` so that the runner runs none of its lines as a workflow command:
    between `::stop-commands::TOKEN` and `::TOKEN::` (GitHub docs, "Stopping and starting
    workflow commands"). The token is random, so the text cannot end the pause itself."""
    if not text:
        return
    token = secrets.token_hex(16)
    end = "" if text.endswith("\n") else "\n"
    print(f"::stop-commands::{token}\n{text}{end}::{token}::", flush=True)


def _decoded(output: bytes) -> str:
    return output.decode("utf-8", errors="replace")


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError:
        return None
    return os.fsdecode(done.stdout) if done.returncode == 0 else None


def _words(text: str) -> list[str]:
    """Space- or newline-separated values; quotes group a value that has spaces."""
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise UsageError(f"cannot split {text!r}: {exc}") from exc


def _flag(text: str, name: str) -> bool:
    if text.lower() in ("true", "yes", "1", "on"):
        return True
    if text.lower() in ("false", "no", "0", "off", ""):
        return False
    raise UsageError(f"input {name} {text!r}: expected true or false")


def _check_extra_args(args: Sequence[str]) -> None:
    """Refuse the flags that would take the Action's own report off stdout: its annotations
    (`--format github`) go to the log only when no other format or `--output` does."""
    for i, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if name in ("-o", "--output") or arg.startswith("-o") and len(arg) > 2:
            raise UsageError(
                f"input extra-args: {arg!r} would send the Action's annotations to a file; "
                "write a report to a file with the format input instead (format: json=FILE)"
            )
        if name == "--format":
            given = value if eq else (args[i + 1] if i + 1 < len(args) else "")
            if "=" not in given:
                raise UsageError(
                    f"input extra-args: --format {given} would print to the log in place of the "
                    "Action's annotations; use the format input (format: json=FILE, or format: "
                    f"{given or 'text'} for the log)"
                )


def _once(name: str, given: str, extra: str | None) -> str:
    """An input that `extra-args` may give as the flag of the same name, but not otherwise."""
    if given and extra is not None and extra != given:
        raise UsageError(
            f"input {name} is {given!r} and extra-args has --{name} {extra}: give one of them"
        )
    return given or extra or ""


def _has_option(args: Sequence[str], option: str) -> bool:
    return any(a == option or a.startswith(option + "=") for a in args)


def _absolute(path: str, cwd: Path) -> Path:
    given = Path(path)
    return given if given.is_absolute() else cwd / given


def _in_scan(path: Path, scope: Path) -> bool:
    """Whether scanning `scope` reads `path`: the file itself, or a file with a template
    suffix in the directory, outside dot-directories (scanner.sources.discover's walk)."""
    from scanner.sources.discover import TEMPLATE_SUFFIXES

    real, base = Path(os.path.realpath(path)), Path(os.path.realpath(scope))
    if real == base:
        return True
    if not real.is_relative_to(base) or real.suffix.lower() not in TEMPLATE_SUFFIXES:
        return False
    return not any(part.startswith(".") for part in real.relative_to(base).parts[:-1])


def _relative(path: Path, cwd: Path) -> str:
    try:
        return Path(os.path.realpath(path)).relative_to(os.path.realpath(cwd)).as_posix()
    except ValueError:
        return str(path)


if __name__ == "__main__":
    main()
