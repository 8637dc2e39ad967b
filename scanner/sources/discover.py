"""Which files a scan reads (README.md "What gets scanned"), parsed and classified by kind."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.errors import SourceError
from scanner.sources import terraform
from scanner.sources.base import ECS_KIND, MAX_FILE_BYTES, LoadedFile
from scanner.sources.ecs_json import not_a_task_definition
from scanner.sources.lines import key_line, line_of

if TYPE_CHECKING:
    from scanner.sources.yamlload import DuplicateKey, MoreDocuments

# Only these are read when walking a directory; a file named on the command line is always read.
TEMPLATE_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".template"})
# The scanner's own configuration (scanner.config) is never an input.
CONFIG_NAME = ".fargate-preflight.yaml"
# The notice of a file that parses and is none of these
NOT_AN_INPUT = "skipped: not a CloudFormation template, ECS JSON file or Terraform plan"
# What the error of a stream of several YAML documents calls a file of each kind
_ONE_DOCUMENT = {
    "cloudformation": "a CloudFormation template",
    ECS_KIND: "an ECS JSON file",
    "terraform": "a Terraform plan",
}

Detector = Callable[[Any], bool]


@dataclass
class Discovery:
    files: list[LoadedFile] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def scanned_root(cwd: Path) -> Path:
    """The git work tree that contains `cwd` (found by its `.git`, not by running git), else cwd."""
    start = Path(os.path.abspath(cwd))
    for folder in (start, *start.parents):
        # `.git` is a directory in a clone and a file in a worktree or submodule.
        if (folder / ".git").exists():
            return folder
    return start


def discover(
    paths: Sequence[Path],
    root: Path,
    detectors: Mapping[str, Detector],
    max_bytes: int = MAX_FILE_BYTES,
) -> Discovery:
    """Read every input file under `paths` (none bigger than `max_bytes`) and keep those a
    detector claims."""
    found = Discovery()
    # real path -> (path as found, named?): each file is read once, and counts as named when it
    # was named on the command line even if a directory walk reached it first.
    chosen: dict[Path, tuple[Path, bool]] = {}
    for given in paths:
        for path, named in _candidates(given, found):
            real = Path(os.path.realpath(path))
            first, was_named = chosen.get(real, (path, False))
            chosen[real] = (first, was_named or named)
    for path, named in chosen.values():
        loaded = _load(path, named, root, detectors, found, max_bytes)
        if loaded is not None:
            found.files.append(loaded)
    return found


def _candidates(given: Path, found: Discovery) -> Iterator[tuple[Path, bool]]:
    if given.is_dir():
        yield from ((p, False) for p in _walk(given, found))
    elif given.exists() or given.is_symlink():  # a link loop: read, and reported there
        yield given, True
    else:
        found.errors.append(SourceError(given.as_posix(), None, "no such file or directory"))


def _walk(folder: Path, found: Discovery) -> Iterator[Path]:
    """Files with a template suffix under `folder`, depth first in name order."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        found.errors.append(SourceError(folder.as_posix(), None, f"cannot read: {exc.strerror}"))
        return
    for entry in entries:
        path = folder / entry.name
        if entry.is_dir(follow_symlinks=False):
            if not entry.name.startswith("."):
                yield from _walk(path, found)
        elif entry.is_symlink() and _links_to_dir(entry):
            found.notices.append(f"{path.as_posix()}: skipped: a symbolic link to a directory")
        elif path.suffix.lower() in TEMPLATE_SUFFIXES and entry.name != CONFIG_NAME:
            yield path


def _links_to_dir(entry: os.DirEntry[str]) -> bool:
    """A symbolic link to a directory; False for a link loop (read later, and reported)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def relative_name(path: Path, root: Path) -> str:
    """How reports and messages name a file: relative to the scanned root with `/` separators;
    a file outside the root by its absolute real path. Either way the name does not depend on
    how the command named the file (`../x.yaml`, `/abs/x.yaml`), on the working directory or
    on where the checkout is."""
    absolute = Path(os.path.abspath(path))
    # realpath, not Path.resolve: it does not raise on a symbolic link loop
    real = (Path(os.path.realpath(root)), Path(os.path.realpath(path)))
    for base, target in ((Path(os.path.abspath(root)), absolute), real):
        try:
            return target.relative_to(base).as_posix()
        except ValueError:
            continue
    return real[1].as_posix()


def looks_like_template(path: Path, text: str) -> bool:
    """A file that does not parse is an error (not a notice) when it was meant as a template."""
    return (
        path.suffix.lower() == ".template"
        or "AWSTemplateFormatVersion" in text
        or _RESOURCES_KEY.search(text) is not None
    )


# `Resources:` in YAML, `"Resources":` in JSON
_RESOURCES_KEY = re.compile(r'\bResources"?\s*:')


def _ecs_json_with_repeats(
    text: str, rel: str, detectors: Mapping[str, Detector]
) -> tuple[Any, list[DuplicateKey]] | None:
    """An ECS JSON file with a repeated key, read as the AWS CLI and ecspresso read it (the last
    value wins); None for anything else, which keeps the error (CloudFormation rejects a
    repeated key)."""
    from scanner.sources import yamlload

    try:
        data, repeated = yamlload.parse_json_last_wins(text, rel)
    except SourceError:
        return None
    claims = detectors.get(ECS_KIND)
    return (data, repeated) if claims is not None and claims(data) else None


def _is_appspec(data: Any) -> bool:
    """A CodeDeploy AppSpec file (an ECS blue/green deployment keeps one beside its task
    definition): `version: 0.0` and a list of `Resources`, which no template has."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("Resources"), list)
        and str(data.get("version")) == "0.0"
    )


def _is_cdk_metadata(path: Path, data: Any) -> bool:
    """A CDK cloud assembly's own files: its manifest.json (which the CloudFormation source
    reads for the stack names), tree.json, the asset manifests, the stacks' metadata and the
    validation report."""
    name = path.name
    if name.endswith(".metadata.json") and (path.parent / "manifest.json").is_file():
        return isinstance(data, dict)  # a stack's metadata, by construct path
    keys: tuple[str, ...] = {
        "manifest.json": ("artifacts",),
        "tree.json": ("tree",),
        "validation-report.json": ("pluginReports",),
    }.get(name, ())
    if name.endswith(".assets.json"):
        keys = ("files", "dockerImages")
    return isinstance(data, dict) and "version" in data and any(k in data for k in keys)


def _not_a_template(path: Path, data: Any, rel: str) -> SourceError | None:
    """A file meant as a template (a `Resources` key, a `.template` name) that is not one."""
    if isinstance(data, dict) and "Resources" in data:
        line = key_line(data, "Resources")
        return SourceError(rel, line, "Resources must be a map of logical ids to resources")
    if path.suffix.lower() == ".template":
        line = line_of(data) or 1
        return SourceError(rel, line, "a CloudFormation template must be a map with Resources")
    return None


def unclaimed(path: Path, text: str, data: Any, rel: str) -> SourceError | str | None:
    """A parsed file that no source claims: the error it is when it was meant as an input (a
    template or task definition that is not one), else the notice that skips it (None: without
    one, for a CDK cloud assembly's own files)."""
    if _is_cdk_metadata(path, data):
        return None
    if _is_appspec(data):
        return f"{rel}: skipped: a CodeDeploy AppSpec file"
    problem = _not_a_template(path, data, rel) or not_a_task_definition(data, rel)
    if problem is not None:
        return problem
    if hint := terraform.not_a_plan(path, text, data):
        return f"{rel}: skipped: {hint}"
    return f"{rel}: {NOT_AN_INPUT}"


def several_documents(
    path: Path, exc: MoreDocuments, rel: str, detectors: Mapping[str, Detector]
) -> SourceError | str:
    """A stream of several YAML documents (a Kubernetes manifest): valid YAML, skipped with
    the notice of a file that is no input, unless its first document is an input (or meant as
    a template): then the error that an input is one document."""
    first = exc.first
    kind = next((name for name, claims in detectors.items() if claims(first)), None)
    if kind is None and _not_a_template(path, first, rel) is None:
        return f"{rel}: {NOT_AN_INPUT}"
    what = _ONE_DOCUMENT.get(kind or "cloudformation", "an input")
    message = f"{what} is one YAML document; this file has more (line {exc.line})"
    return SourceError(rel, exc.line, message)


def _report(found: Discovery, outcome: SourceError | str | None) -> None:
    if isinstance(outcome, SourceError):
        found.errors.append(outcome)
    elif outcome is not None:
        found.notices.append(outcome)


def _load(
    path: Path,
    named: bool,
    root: Path,
    detectors: Mapping[str, Detector],
    found: Discovery,
    max_bytes: int,
) -> LoadedFile | None:
    rel = relative_name(path, root)
    if terraform.is_configuration(path):  # named, or a `.tf.json` (a walk does not read `.tf`)
        found.notices.append(f"{rel}: skipped: {terraform.not_a_plan(path, '', None)}")
        return None
    try:
        text = read_text(path, rel, max_bytes)
    except SourceError as exc:
        found.errors.append(exc)
        return None
    from scanner.sources import yamlload  # (not at import: the config names CONFIG_NAME)

    try:
        data = yamlload.parse(text, rel)
    except yamlload.MoreDocuments as exc:
        _report(found, several_documents(path, exc, rel, detectors))
        return None
    except SourceError as exc:
        repeats = isinstance(exc, yamlload.DuplicateKey)
        lenient = _ecs_json_with_repeats(text, rel, detectors) if repeats else None
        if lenient is None:
            if hint := terraform.not_a_plan(path, text, None):  # a `terraform plan -json` log
                _report(found, SourceError(rel, 1, hint) if named else f"{rel}: skipped: {hint}")
            elif named or looks_like_template(path, text):
                found.errors.append(exc)
            else:
                found.notices.append(f"{rel}: skipped: not valid YAML or JSON ({_short(exc)})")
            return None
        data, repeated = lenient
        found.notices.extend(
            f"{rel}:{r.line}: {r.message}: the last value is used, as the AWS CLI reads it"
            for r in repeated
        )
    kind = next((name for name, claims in detectors.items() if claims(data)), None)
    if kind is None:
        _report(found, unclaimed(path, text, data, rel))
        return None
    if kind == ECS_KIND and (bad := yamlload.json_error(text, rel)) is not None:
        # read as YAML above; `aws ecs register-task-definition --cli-input-json`, ecspresso
        # and the ECS deploy Action read it as JSON and refuse it
        found.errors.append(
            SourceError(
                bad.file,
                bad.line,
                f"{bad.message} (the AWS CLI and ECS deploy tools read it as JSON)",
            )
        )
        return None
    return LoadedFile(
        path=Path(os.path.abspath(path)), rel=rel, kind=kind, data=data, text=text, named=named
    )


def read_text(path: Path, rel: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The file's text; SourceError when it is too big, unreadable or not UTF-8."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SourceError(
                rel,
                None,
                f"file is {size / 1024 / 1024:.1f} MB, over the {max_bytes / 1024 / 1024:g} MB "
                "limit (--max-file-size); not read",
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(rel, None, f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        brk = b"\n" if b"\n" in raw else b"\r"  # (a text with CR line ends only: below)
        line = raw.count(brk, 0, exc.start) + 1
        raise SourceError(
            rel, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        ) from None
    # Lines are counted in line feeds (as git and SARIF count them). A text whose lines end in
    # CR alone (a classic Mac editor's) has none, and would be all line 1: YAML counts a CR as
    # a line break, so it is one here too. (A text with a line feed stops the test at once.)
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")
    return text


def _short(exc: SourceError) -> str:
    return f"line {exc.line}: {exc.message}" if exc.line else exc.message
