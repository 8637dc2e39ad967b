"""The `.tf` files behind a plan: where each resource is written, what each block declares, and
the expressions of `locals` (which the plan does not record).

The configuration directory is the plan's own folder (or `--tf-dir`); a module's folder is its
local `source`, or the one `terraform init` recorded in `.terraform/modules/modules.json`.
Parsing with python-hcl2 (a real HCL parser, with `__start_line__`) costs about half a second
per thousand lines, so each file is first cut into its top-level blocks by a scanner that knows
HCL's strings, heredocs and comments, and only the blocks a scan asks about are parsed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import SourceError
from scanner.sources.base import MAX_FILE_BYTES
from scanner.sources.discover import read_text, relative_name

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")
_LOCAL_SOURCE = ("./", "../", ".\\", "..\\")


@dataclass
class RawBlock:
    """A top-level block as written: its type, labels, first line and text."""

    file: Path
    rel: str
    kind: str
    labels: tuple[str, ...]
    line: int
    text: str
    parsed: dict[str, Any] | None = None
    failed: bool = False


class Block:
    """A block of the .tf files: file (relative to the scanned root) and line, from the block
    scanner, and its body as python-hcl2 reads it (lines made absolute), parsed when first asked
    for; None when python-hcl2 cannot read it."""

    def __init__(
        self, rel: str, line: int, body: Callable[[], dict[str, Any] | None], text: str = ""
    ) -> None:
        self.rel = rel
        self.line = line
        self.text = text
        self._body = body
        self._parsed = False
        self._value: dict[str, Any] | None = None

    def mentions(self, name: str) -> bool:
        """Whether the block's text has the word `name` after its header: when it does not, the
        block surely sets no `name` (no parsing needed to know)."""
        header = self.text.find("{")
        return (
            re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", self.text[header + 1 :]) is not None
        )

    @property
    def body(self) -> dict[str, Any] | None:
        if not self._parsed:
            self._value = self._body()
            self._parsed = True
        return self._value


class SplitError(ValueError):
    pass


def split_blocks(text: str) -> list[tuple[str, tuple[str, ...], int, str]]:
    """Top-level blocks of an HCL file: (type, labels, first line, text)."""
    blocks: list[tuple[str, tuple[str, ...], int, str]] = []
    pos, n = 0, len(text)
    counted, line = 0, 1  # newlines are counted once, as the scan moves on
    while True:
        pos = _skip_space(text, pos)
        if pos >= n:
            return blocks
        match = _IDENT.match(text, pos)
        if match is None:
            raise SplitError(f"line {_line(text, pos)}: expected a block")
        start, kind = pos, match.group()
        pos = match.end()
        labels: list[str] = []
        while True:
            pos = _skip_space(text, pos)
            if pos >= n:
                raise SplitError(f"line {_line(text, start)}: block {kind} never opens")
            if text[pos] == "{":
                break
            if text[pos] == '"':
                end = _skip_string(text, pos + 1)
                labels.append(json.loads(text[pos:end]))
                pos = end
                continue
            label = _IDENT.match(text, pos)
            if label is None:
                # `name = value` at the top level is not a block (a .tf file has none).
                raise SplitError(f"line {_line(text, pos)}: expected a block")
            labels.append(label.group())
            pos = label.end()
        end = _skip_body(text, pos + 1)
        line += text.count("\n", counted, start)
        counted = start
        blocks.append((kind, tuple(labels), line, text[start:end]))
        pos = end


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _skip_space(text: str, pos: int) -> int:
    """Past whitespace and comments."""
    n = len(text)
    while pos < n:
        char = text[pos]
        if char in " \t\r\n\ufeff":
            pos += 1
        elif char == "#" or text.startswith("//", pos):
            newline = text.find("\n", pos)
            pos = n if newline < 0 else newline + 1
        elif text.startswith("/*", pos):
            close = text.find("*/", pos + 2)
            if close < 0:
                raise SplitError(f"line {_line(text, pos)}: comment never closes")
            pos = close + 2
        else:
            return pos
    return pos


_BODY_MARK = re.compile(r'[#/"<{}]')
_STRING_MARK = re.compile(r'[\\"\n$%]')


def _skip_body(text: str, pos: int) -> int:
    """From just after a `{` to just after its `}`."""
    depth = 1
    while True:
        found = _BODY_MARK.search(text, pos)
        if found is None:
            raise SplitError("a block never closes")
        pos = found.start()
        char = text[pos]
        if char == "#" or text.startswith("//", pos) or text.startswith("/*", pos):
            pos = _skip_space(text, pos)
        elif char == '"':
            pos = _skip_string(text, pos + 1)
        elif char == "<":
            heredoc = _HEREDOC.match(text, pos)
            pos = _skip_heredoc(text, heredoc.end(), heredoc.group(1)) if heredoc else pos + 1
        elif char == "{":
            depth += 1
            pos += 1
        elif char == "}":
            depth -= 1
            pos += 1
            if depth == 0:
                return pos
        else:
            pos += 1  # a lone "/"


def _skip_string(text: str, pos: int) -> int:
    """From just after an opening `"` to just after the closing one (templates included)."""
    while True:
        found = _STRING_MARK.search(text, pos)
        if found is None:
            raise SplitError("a string never closes")
        pos = found.start()
        char = text[pos]
        if char == "\\":
            pos += 2
        elif char == '"':
            return pos + 1
        elif char == "\n":
            raise SplitError(f"line {_line(text, pos)}: string never closes")
        elif text.startswith("{", pos + 1) and not (pos > 0 and text[pos - 1] == char):
            pos = _skip_body(text, pos + 2)  # `${...}` / `%{...}`; `$${` is literal text
        else:
            pos += 1


def _skip_heredoc(text: str, pos: int, marker: str) -> int:
    terminator = re.compile(r"^[ \t]*" + re.escape(marker) + r"[ \t]*$", re.MULTILINE)
    found = terminator.search(text, pos)
    if found is None:
        raise SplitError(f"line {_line(text, pos)}: heredoc {marker} never ends")
    return found.end()


@dataclass
class ModuleFiles:
    """The `.tf` files of one module folder, cut into blocks."""

    folder: Path
    blocks: dict[tuple[str, tuple[str, ...]], RawBlock] = field(default_factory=dict)
    locals_blocks: list[RawBlock] = field(default_factory=list)
    locals_values: dict[str, Any] | None = None
    notices: list[str] = field(default_factory=list)
    unread: bool = False  # a .tf file of the folder could not be read


class Configuration:
    """The configuration directory of one plan, read on demand."""

    def __init__(
        self,
        root_folder: Path | None,
        scan_root: Path,
        calls: dict[str, str],
        max_bytes: int = MAX_FILE_BYTES,
    ) -> None:
        """`calls`: module configuration path -> its `source` as the plan records it."""
        self.max_bytes = max_bytes
        self.root_folder = root_folder
        self.scan_root = scan_root
        self.calls = calls
        self.notices: list[str] = []
        self._modules: dict[str, ModuleFiles | None] = {}
        self._installed: dict[str, str] | None = None

    @property
    def present(self) -> bool:
        return self.module("") is not None

    def module(self, config_module: str) -> ModuleFiles | None:
        if config_module not in self._modules:
            folder = self._folder(config_module)
            if folder is not None and config_module and not self._inside_root(folder):
                # a module source like ../../../elsewhere: its .tf files are not read
                self.notices.append(
                    f"{config_module}: its folder {folder.as_posix()} is outside the scanned "
                    f"root {self.scan_root}, so its .tf files are not read; its resources are "
                    "located in the plan"
                )
                folder = None
            self._modules[config_module] = self._read(folder) if folder is not None else None
        return self._modules[config_module]

    def declared(self) -> set[str] | None:
        """The managed resources (`aws_x.name`) and module calls (`module.name`) that the root
        folder's .tf files declare; None without them, or when one of them was not read."""
        files = self.module("")
        if files is None or files.unread:
            return None
        return {
            ".".join(labels) if kind == "resource" else f"module.{labels[0]}"
            for kind, labels in files.blocks
            if kind in ("resource", "module")
        }

    def _inside_root(self, folder: Path) -> bool:
        real = Path(os.path.realpath(folder))
        return real.is_relative_to(os.path.realpath(self.scan_root))

    def resource(self, config_module: str, local: str) -> Block | None:
        """The block of resource `aws_x.name` or `data.aws_x.name` in a module."""
        parts = local.split(".")
        if parts[0] == "data":
            return self._block(config_module, "data", (parts[1], parts[2]))
        return self._block(config_module, "resource", (parts[0], parts[1]))

    def module_call(self, config_module: str, name: str) -> Block | None:
        """The `module "name"` block in a module."""
        return self._labelled(config_module, "module", name)

    def output(self, config_module: str, name: str) -> Block | None:
        """The `output "name"` block of a module."""
        return self._labelled(config_module, "output", name)

    def _labelled(self, config_module: str, kind: str, name: str) -> Block | None:
        return self._block(config_module, kind, (name,))

    def _block(self, config_module: str, kind: str, labels: tuple[str, ...]) -> Block | None:
        files = self.module(config_module)
        raw = files.blocks.get((kind, labels)) if files is not None else None
        if raw is None:
            return None
        found = raw

        def body() -> dict[str, Any] | None:
            parsed = self._parse(found)
            inner: Any = parsed.get(kind, [{}])[0] if parsed else None
            for label in labels:
                inner = inner.get(label) if isinstance(inner, dict) else None
            return inner if isinstance(inner, dict) else None

        return Block(raw.rel, raw.line, body, raw.text)

    def local(self, config_module: str, name: str) -> tuple[Any, str, int] | None:
        """The expression of `local.<name>` as python-hcl2 gives it, with file and line. Only the
        `locals` blocks whose text has a line `<name> =` are parsed."""
        files = self.module(config_module)
        if files is None:
            return None
        if files.locals_values is None:
            files.locals_values = {}
        if name not in files.locals_values:
            files.locals_values[name] = None
            assignment = re.compile(rf"^[ \t]*{re.escape(name)}[ \t]*=(?!=)", re.MULTILINE)
            for raw in files.locals_blocks:
                if not assignment.search(raw.text):
                    continue
                for entry in (self._parse(raw) or {}).get("locals", []):
                    if name in entry:
                        files.locals_values[name] = (entry[name], raw.rel, raw.line)
        found = files.locals_values[name]
        return found if isinstance(found, tuple) else None

    # --- reading -----------------------------------------------------------------------

    def _folder(self, config_module: str) -> Path | None:
        if self.root_folder is None:
            return None
        if not config_module:
            return self.root_folder
        parent = config_module.rpartition(".module.")[0]
        source = self.calls.get(config_module, "")
        if source.startswith(_LOCAL_SOURCE):
            base = self._folder(parent)
            return Path(os.path.normpath(base / source)) if base is not None else None
        installed = self._installed_modules().get(_module_key(config_module))
        return self.root_folder / installed if installed is not None else None

    def _installed_modules(self) -> dict[str, str]:
        """Module key -> folder, from `terraform init`'s `.terraform/modules/modules.json`."""
        if self._installed is None:
            self._installed = {}
            assert self.root_folder is not None
            path = self.root_folder / ".terraform" / "modules" / "modules.json"
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return self._installed
            for entry in data.get("Modules", []) if isinstance(data, dict) else []:
                if isinstance(entry, dict) and isinstance(entry.get("Dir"), str):
                    self._installed[str(entry.get("Key"))] = entry["Dir"]
        return self._installed

    def _read(self, folder: Path) -> ModuleFiles | None:
        try:
            names = sorted(p for p in folder.iterdir() if p.suffix == ".tf" and p.is_file())
        except OSError:
            return None
        if not names:
            return None
        files = ModuleFiles(folder)
        for path in names:
            rel = relative_name(path, self.scan_root)
            try:
                text = read_text(path, rel, self.max_bytes)
                blocks = split_blocks(text)
            except (SourceError, SplitError, ValueError) as exc:
                why = exc.message if isinstance(exc, SourceError) else str(exc)
                self.notices.append(
                    f"{rel}: not read ({why}); its resources are located in the plan"
                )
                files.unread = True
                continue
            for kind, labels, line, block_text in blocks:
                raw = RawBlock(path, rel, kind, labels, line, block_text)
                if kind == "locals":
                    files.locals_blocks.append(raw)
                elif (kind in ("resource", "data") and len(labels) == 2) or (
                    kind in ("module", "output") and len(labels) == 1
                ):
                    files.blocks.setdefault((kind, labels), raw)
        return files

    def _parse(self, raw: RawBlock) -> dict[str, Any] | None:
        if raw.parsed is None and not raw.failed:
            raw.parsed = _parse_block(raw)
            if raw.parsed is None:
                raw.failed = True
                self.notices.append(
                    f"{raw.rel}:{raw.line}: python-hcl2 cannot read this block; "
                    "what it declares is taken from the plan only"
                )
        return raw.parsed


def _module_key(config_module: str) -> str:
    """`module.a.module.b` -> `a.b` (the key in modules.json)."""
    return ".".join(config_module.split(".")[1::2])


def _parse_block(raw: RawBlock) -> dict[str, Any] | None:
    from hcl2.api import loads
    from lark.exceptions import LarkError

    try:
        parsed = loads(raw.text + "\n", with_meta=True)
    except (LarkError, ValueError, TypeError, KeyError):
        return None
    _shift_lines(parsed, raw.line - 1)
    return parsed if isinstance(parsed, dict) else None


def _shift_lines(node: Any, offset: int) -> None:
    if isinstance(node, dict):
        for key in ("__start_line__", "__end_line__"):
            if isinstance(node.get(key), int):
                node[key] += offset
        for value in node.values():
            _shift_lines(value, offset)
    elif isinstance(node, list):
        for value in node:
            _shift_lines(value, offset)


def nested_blocks(body: dict[str, Any] | None, name: str) -> list[dict[str, Any]] | None:
    """The `name { ... }` blocks of a body (python-hcl2 lists them), or None if it has none."""
    if body is None:
        return None
    found = body.get(name)
    if isinstance(found, list) and all(isinstance(b, dict) for b in found):
        return found
    return None


def declares(body: dict[str, Any] | None, name: str) -> bool | None:
    """Whether a block sets `name` (an attribute, a nested block, or a `dynamic` block);
    None when the block could not be read."""
    if body is None:
        return None
    if name in body:
        return True
    for dynamic in body.get("dynamic", []) or []:
        if isinstance(dynamic, dict) and name in dynamic:
            return True
    return False
