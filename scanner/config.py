"""`.fargate-preflight.yaml`: found from the working directory upward, or `--config FILE`.

Validated against `config.schema.json` (beside this file); a value the schema refuses is a
`ConfigError` naming the file and line (exit 2). The same schema checks a CloudFormation
resource's `Metadata: {fargate-preflight: {needs, ignore}}` (`read_metadata`). docs/configuration.md
describes every key; the CLI merges its flags over these values (scanner.options).
"""

from __future__ import annotations

import difflib
import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from scanner.errors import SourceError
from scanner.findings import Finding
from scanner.options import parse_parameters
from scanner.sources.discover import CONFIG_NAME, relative_name
from scanner.sources.lines import key_line, line_at, line_of, plain

SCHEMA = Path(__file__).parent / "config.schema.json"


class ConfigError(SourceError):
    """A configuration file (or Metadata block) the schema refuses. Exit code 2."""


@dataclass(frozen=True)
class Ignore:
    """One suppression: a rule's findings, optionally only those whose resource or file matches."""

    rule_id: str
    reason: str
    kind: str  # "config" | "inSource"
    file: str  # where the ignore is written
    line: int
    resources: tuple[str, ...] = ()  # globs on the finding's resource or location file
    expires: date | None = None
    # inSource: the resource's template; its findings there (or anywhere, when its name is
    # unique in the inputs) are the resource's own.
    scope_file: str | None = None

    def expired(self, today: date) -> bool:
        return self.expires is not None and today > self.expires

    def matches(self, f: Finding, unique_names: frozenset[str] = frozenset()) -> bool:
        if f.rule_id != self.rule_id:
            return False
        if self.kind == "inSource":
            return f.resource in self.resources and (
                f.location.file == self.scope_file or f.resource in unique_names
            )
        return not self.resources or any(
            fnmatch.fnmatchcase(f.resource, g) or fnmatch.fnmatchcase(f.location.file, g)
            for g in self.resources
        )


@dataclass(frozen=True)
class NeedSpec:
    """A declared need as written: an endpoint service (with actions) or a target and port."""

    file: str
    line: int
    pointer: str
    endpoint: str | None = None
    actions: tuple[str, ...] = ()
    resources: tuple[str, ...] | None = None
    target: str | None = None  # security group (id, name) or IPv4 CIDR
    port: int | None = None

    def source(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "pointer": self.pointer}


@dataclass(frozen=True)
class ServiceNeeds:
    """`needs: {SELECTOR: [...]}`: the needs of the services SELECTOR names."""

    selector: str
    needs: tuple[NeedSpec, ...]
    file: str
    line: int


@dataclass(frozen=True)
class Config:
    file: str | None = None  # as messages name it; None when there is no configuration
    fail_on: str | None = None
    ignores: tuple[Ignore, ...] = ()
    needs: tuple[ServiceNeeds, ...] = ()
    parameters: dict[tuple[str | None, str], str] = field(default_factory=dict)
    policies: tuple[Path, ...] = ()


def find(start: Path) -> Path | None:
    """The nearest `.fargate-preflight.yaml` from `start` upward; the search stops at a
    directory holding `.git` (the repository's top) or at the filesystem root."""
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if (directory / ".git").exists():
            return None
    return None


def load(explicit: Path | None, cwd: Path, root: Path) -> Config:
    """The configuration: `explicit` (--config), else the one `find` finds, else empty.

    `root` is the scanned root: messages and declared needs name the file as the inputs are
    named (scanner.sources.discover.relative_name)."""
    path = (cwd / explicit) if explicit is not None else find(cwd)
    if path is None:
        return Config()
    shown = relative_name(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(shown, None, f"cannot read the configuration: {reason}") from exc
    from scanner.sources import yamlload  # (not at import: a scan without a config needs no YAML)

    try:
        data = yamlload.parse(text, shown) if text.strip() else {}
    except SourceError as exc:
        raise ConfigError(exc.file, exc.line, exc.message) from None
    if data is None:
        data = {}
    _validate(data, shown, "", _validator("#"))
    for i, given in enumerate(data.get("policies") or ()):
        if not (path.parent / given).is_dir():
            raise ConfigError(
                shown,
                line_at(data, ["policies", i]),
                f"policies: {given} is not a directory (relative to the configuration file)",
            )
    return Config(
        file=shown,
        fail_on=data.get("fail-on"),
        ignores=tuple(_ignores(data, shown)),
        needs=tuple(_service_needs(data, shown)),
        parameters=_parameters(data),
        policies=tuple(path.parent / p for p in data.get("policies") or ()),
    )


def read_metadata(
    block: Any, file: str, pointer: str
) -> tuple[list[NeedSpec], list[dict[str, Any]]]:
    """A resource's `Metadata.fargate-preflight`, checked: its needs, and its ignores as
    `{id, reason, expires, line}` (the caller knows the resource they apply to)."""
    _validate(block, file, "Metadata.fargate-preflight", _validator("#/$defs/metadata"))
    needs = [
        _need(raw, file, f"{pointer}/needs/{i}") for i, raw in enumerate(block.get("needs") or [])
    ]
    ignores = [
        {
            "id": raw["id"],
            "reason": raw["reason"],
            "expires": _date(raw, file),
            "line": line_of(raw) or line_of(block) or 1,
        }
        for raw in block.get("ignore") or []
    ]
    return needs, ignores


# --- reading ------------------------------------------------------------------------------


def _ignores(data: dict[str, Any], file: str) -> list[Ignore]:
    out = []
    for raw in data.get("ignore") or []:
        globs = raw.get("resources")
        out.append(
            Ignore(
                rule_id=raw["id"],
                reason=raw["reason"],
                kind="config",
                file=file,
                line=line_of(raw) or 1,
                resources=(globs,) if isinstance(globs, str) else tuple(globs or ()),
                expires=_date(raw, file),
            )
        )
    return out


def _date(raw: Any, file: str) -> date | None:
    text = raw.get("expires")
    if text is None:
        return None
    try:
        return date.fromisoformat(str(text))
    except ValueError as exc:
        line = key_line(raw, "expires") or line_of(raw)
        raise ConfigError(file, line, f"expires: {text!r} is not a date (YYYY-MM-DD)") from exc


def _service_needs(data: dict[str, Any], rel: str) -> list[ServiceNeeds]:
    needs = data.get("needs") or {}
    return [
        ServiceNeeds(
            selector=str(selector),
            needs=tuple(
                _need(raw, rel, f"/needs/{_escape(str(selector))}/{i}")
                for i, raw in enumerate(items)
            ),
            file=rel,
            line=key_line(needs, selector) or line_of(needs) or 1,
        )
        for selector, items in needs.items()
    ]


def _need(raw: Any, file: str, pointer: str) -> NeedSpec:
    line = line_of(raw) or 1
    if "target" in raw:
        target = raw["target"]
        return NeedSpec(
            file,
            line,
            pointer,
            target=str(target["Ref"] if isinstance(target, dict) else target),
            port=int(raw["port"]),
        )
    resources = raw.get("resources")
    return NeedSpec(
        file,
        line,
        pointer,
        endpoint=str(raw["service"]),
        actions=tuple(str(a) for a in raw.get("actions") or ()),
        resources=None if resources is None else tuple(str(r) for r in resources),
    )


def _parameters(data: dict[str, Any]) -> dict[tuple[str | None, str], str]:
    values = data.get("parameters") or {}
    return parse_parameters([f"{key}={_text(value)}" for key, value in values.items()])


def _text(value: Any) -> str:
    """A YAML scalar as CloudFormation would read the parameter: `true`, not `True`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


# --- schema -------------------------------------------------------------------------------


@cache
def _validator(ref: str) -> Any:
    import jsonschema_rs

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    if ref != "#":
        schema = {"$defs": schema["$defs"], "$ref": ref}
    return jsonschema_rs.Draft202012Validator(schema)


@cache
def _keys() -> list[str]:
    """Every property name config.schema.json knows, for "did you mean"."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names.update(node.get("properties") or {})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(SCHEMA.read_text(encoding="utf-8")))
    return sorted(names)


# What config.schema.json's patterns ask for, in words.
_PATTERN_MEANS = {
    r"\S": "is blank: say why",
    "^[A-Z]+[0-9]+$": "is not a rule ID (such as FG202)",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "is not a date (YYYY-MM-DD)",
    "^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$": "is not an IAM action (such as sns:Publish or s3:Get*)",
}


def _validate(data: Any, file: str, prefix: str, validator: Any) -> None:
    """The first schema error (by line) as a ConfigError; `prefix` names where `data` sits."""
    errors = sorted(
        validator.iter_errors(plain(data)),
        key=lambda e: (line_at(data, list(e.instance_path)), list(map(str, e.instance_path))),
    )
    if not errors:
        return
    error = errors[0]
    path = list(error.instance_path)
    where = _path_text([prefix, *path] if prefix else path)
    text = error.message
    if error.kind.name == "enum":  # the default names only two of the choices
        text = f"{json.dumps(error.instance)} is not one of {', '.join(error.kind.options)}"
    elif error.kind.name == "pattern" and error.kind.pattern in _PATTERN_MEANS:  # not a regex
        text = f"{json.dumps(error.instance)} {_PATTERN_MEANS[error.kind.pattern]}"
    elif error.kind.name == "additionalProperties":  # a misspelt key: say which one it may be
        text += "".join(
            f"; did you mean {close[0]!r} for {key!r}?"
            for key in error.kind.unexpected
            if (close := difflib.get_close_matches(str(key), _keys(), n=1, cutoff=0.75))
        )
    message = f"{where}: {text}" if where else text
    raise ConfigError(file, line_at(data, path), message)


def _path_text(path: Sequence[Any]) -> str:
    """`ignore[0].reason`, `needs.OrdersService[1].port`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
