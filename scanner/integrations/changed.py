"""Which templates to scan when only some files changed (a pull request, a commit).

A changed template is scanned together with:
- the root stack that nests it: a nested template is only right with its parent's parameters;
- the templates that import from it, transitively: a changed export breaks its importers, and
  the finding is about their services;
- the templates all of those import from or are nested in, transitively, so imports resolve.

Links are read with the CloudFormation source itself (`scanner.sources.cfn.run.Run`): the same
parsing, parameters, nesting and export names as the scan. Where a link cannot be settled (an
import name built from a value the inputs do not give), every template that exports something
is taken: scanning more is slower, never wrong.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import SourceError
from scanner.sources import yamlload
from scanner.sources.base import BuildContext, LoadedFile
from scanner.sources.cfn.run import Export, Run
from scanner.sources.cfn.stack import Stack
from scanner.sources.cfn.template import NESTED_STACK_TYPES, is_cloudformation
from scanner.sources.discover import (
    TEMPLATE_SUFFIXES,
    discover,
    looks_like_template,
    read_text,
    relative_name,
    several_documents,
    unclaimed,
)
from scanner.sources.lines import line_of
from scanner.sources.terraform import not_a_plan

IMPORT_VALUE = "Fn::ImportValue"
# Text that a template taking part in a link must contain: a file without any of these can be
# left unparsed when the universe is large (the pre-commit hook reads every tracked template).
LINK_WORDS = ("ImportValue", "Export", *NESTED_STACK_TYPES)


@dataclass(frozen=True)
class Selection:
    """The files to scan (sorted) and why each one is there."""

    files: tuple[Path, ...]
    reasons: tuple[tuple[Path, str], ...]


@dataclass(frozen=True)
class _Links:
    """How the templates of the universe depend on each other (real paths)."""

    imports: Mapping[Path, frozenset[Path]]  # importer -> the templates it may import from
    # template -> every template of the nesting trees it belongs to (the root stacks above it
    # and all that they nest): a tree is scanned whole, from its root.
    family: Mapping[Path, frozenset[Path]]


def scannable(paths: Iterable[Path], root: Path) -> tuple[list[Path], list[str]]:
    """The templates among `paths` (files a scan may be given by name), and a notice for each
    file left out.

    The scan treats a file named on its command line that does not parse as bad input (exit
    2). A changed or staged file is named only because it changed, so one that does not parse
    and does not look like a template is left out with a notice instead, as a directory walk
    would (README.md "What gets scanned"): the hook never fails on a file that is not a
    template. Files that parse but are not templates are left out with the scan's notice.
    """
    detectors = template_detectors()
    keep: list[Path] = []
    notices: list[str] = []
    for path in paths:
        if not path.is_file():
            continue
        rel = relative_name(path, root)
        try:
            text = read_text(path, rel)
        except SourceError as exc:
            if path.suffix.lower() == ".template":
                keep.append(path)  # the scan reports it
            else:
                notices.append(f"{rel}: skipped: {exc.message}")
            continue
        try:
            data = yamlload.parse(text, rel)
        except yamlload.MoreDocuments as exc:  # (a Kubernetes manifest)
            outcome: SourceError | str | None = several_documents(path, exc, rel, detectors)
        except SourceError as exc:
            if looks_like_template(path, text):
                keep.append(path)  # the scan reports it
            elif hint := not_a_plan(path, text, None):
                notices.append(f"{rel}: skipped: {hint}")
            else:
                where = f"line {exc.line}: " if exc.line else ""
                notices.append(f"{rel}: skipped: not valid YAML or JSON ({where}{exc.message})")
            continue
        else:
            if any(detect(data) for detect in detectors.values()):
                keep.append(path)
                continue
            outcome = unclaimed(path, text, data, rel)
        if isinstance(outcome, SourceError):
            keep.append(path)  # meant as an input and not one: the scan reports it
        elif outcome is not None:
            notices.append(outcome)
    return keep, notices


def template_detectors() -> dict[str, Callable[[Any], bool]]:
    """What the scan recognises as an input (scanner.api.load's detectors)."""
    from scanner.api import sources

    return {s.kind: s.detect for s in sources()}


def select(changed: Sequence[Path], universe: Sequence[LoadedFile], ctx: BuildContext) -> Selection:
    """The changed files plus the templates linked to them (see the module's docstring)."""
    links = _links([f for f in universe if f.kind == "cloudformation"], ctx)
    reasons: dict[Path, str] = {}
    given = {_real(p): p for p in changed}
    for real in given:
        reasons[real] = "changed"

    def name(real: Path) -> str:
        return relative_name(given.get(real, real), ctx.root)

    _add_family(reasons, links, list(reasons), name)
    # Importers of what changed, transitively: their findings are what the change causes.
    _close(reasons, links, _importers(links), "imports from {}", name)
    # What every selected template imports from, transitively, so that its imports resolve.
    _close(reasons, links, links.imports, "exports to {}", name)
    chosen = sorted(reasons, key=name)
    return Selection(
        files=tuple(given.get(real, real) for real in chosen),
        reasons=tuple((given.get(real, real), reasons[real]) for real in chosen),
    )


def load_universe(paths: Sequence[Path], root: Path) -> list[LoadedFile]:
    """The CloudFormation templates under `paths`, read the way the scan reads them. Files
    that do not parse are left out here: if they changed, the scan itself reports them."""
    found = discover(paths, root, {"cloudformation": is_cloudformation})
    return found.files


def git_templates(root: Path) -> list[Path]:
    """Tracked and untracked (not ignored) files of the work tree that may take part in a
    link: a template suffix and one of LINK_WORDS in the text. Empty outside a git work tree."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    names = sorted({n for n in os.fsdecode(listed).split("\0") if n})
    return [
        root / name
        for name in names
        if Path(name).suffix.lower() in TEMPLATE_SUFFIXES and _mentions_links(root / name)
    ]


def _mentions_links(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return False
    return any(word in text for word in LINK_WORDS)


# --- links --------------------------------------------------------------------------------


def _links(files: list[LoadedFile], ctx: BuildContext) -> _Links:
    run = Run(ctx)
    run.load(files)
    exports = run.exports()
    exporters = frozenset(
        _real(s.tpl.path)
        for s in run.stacks
        if any(isinstance(o.get("Export"), dict) for o in s.tpl.outputs.values())
    )
    imports: dict[Path, set[Path]] = {}
    trees: dict[Path, set[Path]] = {}  # root stack -> every template of its tree
    tops: dict[Path, set[Path]] = {}  # template -> the root stacks above it (itself for a root)
    for stack in run.stacks:
        here = _real(stack.tpl.path)
        top = _real(_root_of(stack).tpl.path)
        trees.setdefault(top, set()).add(here)
        tops.setdefault(here, set()).add(top)
        for name in _import_names(stack):
            found = _exporters(name, exports)
            imports.setdefault(here, set()).update(exporters if found is None else found)
    family = {
        here: frozenset().union(*(trees[top] for top in above)) - {here}
        for here, above in tops.items()
    }
    for importer, targets in imports.items():
        targets.discard(importer)
    return _Links(
        imports={k: frozenset(v) for k, v in imports.items()},
        family={k: v for k, v in family.items() if v},
    )


def _root_of(stack: Stack) -> Stack:
    while stack.parent is not None:
        stack = stack.parent
    return stack


def _import_names(stack: Stack) -> Iterator[Any]:
    """The name each `Fn::ImportValue` of the stack imports: a string, or an unsettled value
    (also when evaluating it fails: the scan reports that, here it only widens the links)."""
    for parts, node in _import_nodes(stack.tpl.data, ()):
        line = line_of(node) or 1
        try:
            yield stack.resolve(node[IMPORT_VALUE], (*parts, IMPORT_VALUE), line)
        except (SourceError, RecursionError):
            yield None


def _import_nodes(node: Any, parts: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(node, dict):
        if len(node) == 1 and IMPORT_VALUE in node:
            yield parts, node
            return
        for key, child in node.items():
            yield from _import_nodes(child, (*parts, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _import_nodes(child, (*parts, index))


def _exporters(name: Any, exports: list[Export]) -> frozenset[Path] | None:
    """Every template whose export the scan could join with `name` (exact names and names
    with the stack name left open, a superset of the scan's choice whatever `--stack-name`
    says); None when the name is not settled."""
    if not isinstance(name, str):
        return None
    return frozenset(
        _real(e.stack.tpl.path)
        for e in exports
        if (e.exact and e.name == name) or (not e.exact and e.pattern.fullmatch(name))
    )


def _importers(links: _Links) -> dict[Path, frozenset[Path]]:
    reverse: dict[Path, set[Path]] = {}
    for importer, targets in links.imports.items():
        for target in targets:
            reverse.setdefault(target, set()).add(importer)
    return {k: frozenset(v) for k, v in reverse.items()}


def _close(
    reasons: dict[Path, str],
    links: _Links,
    edges: Mapping[Path, frozenset[Path]],
    why: str,
    name: Callable[[Path], str],
) -> None:
    """Follow `edges` from every selected template until nothing new is reached; each new
    template brings its nesting tree."""
    frontier = list(reasons)
    while frontier:
        current = frontier.pop()
        for nxt in sorted(edges.get(current, ())):
            if nxt not in reasons:
                reasons[nxt] = why.format(name(current))
                frontier.append(nxt)
                frontier.extend(_add_family(reasons, links, [nxt], name))


def _add_family(
    reasons: dict[Path, str], links: _Links, files: list[Path], name: Callable[[Path], str]
) -> list[Path]:
    added: list[Path] = []
    for real in files:
        for other in sorted(links.family.get(real, ())):
            if other not in reasons:
                reasons[other] = f"same nested stacks as {name(real)}"
                added.append(other)
    return added


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))
