"""Rule catalogue: read each rule's package-scope `# METADATA` block (docs/policies.md).

This runs on every scan, so it reads each `policy.rego` only up to its `package` line and
parses only the comment block above it; nothing is cached on disk.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml

from scanner.errors import EngineError, PolicyError, PreflightError
from scanner.findings import LEVELS, Rule

SHIPPED_ID = re.compile(r"FG\d{3}")
# User policies may bring their own prefix (ACME12, X1); shipped rules are FGNNN.
USER_ID = re.compile(r"[A-Z][A-Z0-9]*\d+")
PACKAGE_LINE = re.compile(r"package\s+([A-Za-z_][A-Za-z0-9_.]*)\s*(?:#.*)?$")
# libyaml is several times faster than the pure-Python parser when it is there.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class _Block:
    """The METADATA comment block above a package line, with where it sits."""

    file: Path
    first_line: int  # 1-based line of `# METADATA`
    yaml_text: str
    package: str
    package_line: int


def load_rules(policy_dirs: Sequence[Path], *, shipped: Collection[Path] = ()) -> tuple[Rule, ...]:
    """Every rule under `policy_dirs`, sorted by id.

    A policy dir is a policies root (`rules/*/policy.rego`), a rules folder (`*/policy.rego`)
    or one rule folder (`policy.rego`). A malformed rule in a dir listed in `shipped` is our
    bug and raises EngineError (exit 3); anywhere else it is the user's `--policy` and raises
    PolicyError (exit 2). Both name the file and line.
    """
    shipped_dirs = {d.resolve() for d in shipped}
    rules: dict[str, Rule] = {}
    packages: dict[str, Rule] = {}
    for policy_dir in policy_dirs:
        error = EngineError if policy_dir.resolve() in shipped_dirs else PolicyError
        for file in _policy_files(policy_dir):
            rule = _read_rule(file, error, shipped=error is EngineError)
            _reject_duplicate(rule, rules.get(rule.id), "rule id", error)
            _reject_duplicate(rule, packages.get(rule.package), "package", error)
            rules[rule.id] = rule
            packages[rule.package] = rule
    return tuple(rules[rule_id] for rule_id in sorted(rules))


def _policy_files(policy_dir: Path) -> list[Path]:
    if not policy_dir.is_dir():
        raise PolicyError(f"{policy_dir}: policy directory does not exist")
    patterns = ("policy.rego", "*/policy.rego", "rules/*/policy.rego")
    found = {file for pattern in patterns for file in policy_dir.glob(pattern) if file.is_file()}
    # (a folder of helpers that another directory's rules use has .rego files and no rules)
    helpers = (p for p in policy_dir.rglob("*.rego") if not p.name.endswith("_test.rego"))
    if not found and next(helpers, None) is None:
        raise PolicyError(
            f"{policy_dir}: no rules in this policy directory (a rule is a policy.rego with "
            "METADATA in it, in */ or in rules/*/)"
        )
    return sorted(found)


def _reject_duplicate(
    rule: Rule, earlier: Rule | None, what: str, error: type[PreflightError]
) -> None:
    if earlier is not None:
        value = rule.id if what == "rule id" else rule.package
        raise error(f"{rule.path}: {what} {value} is already used by {earlier.path}")


def _read_rule(file: Path, error: type[PreflightError], *, shipped: bool) -> Rule:
    block = _metadata_block(file, error)
    data = _parse_yaml(block, error)
    where = _Where(block, error)
    custom = where.mapping(data, "custom")
    rule_id = where.text(custom, "custom", "id")
    pattern = SHIPPED_ID if shipped else USER_ID
    if not pattern.fullmatch(rule_id):
        expected = "FG followed by three digits" if shipped else "like FG201 or ACME12"
        where.fail(f"rule id {rule_id!r} must be {expected}", "custom", "id")
    level = where.text(custom, "custom", "level")
    if level not in LEVELS:
        where.fail(f"level {level!r} must be one of {', '.join(LEVELS)}", "custom", "level")
    if shipped and block.package != f"fargate_preflight.rules.{rule_id.lower()}":
        raise error(
            f"{file}:{block.package_line}: package {block.package} must be "
            f"fargate_preflight.rules.{rule_id.lower()} for rule {rule_id}"
        )
    if not block.package.startswith("fargate_preflight.rules."):
        raise error(
            f"{file}:{block.package_line}: package {block.package} is not under "
            f"fargate_preflight.rules, so a scan would never evaluate rule {rule_id} "
            f"(e.g. package fargate_preflight.rules.{rule_id.lower()})"
        )
    examples = where.mapping(custom, "custom", "examples", optional=True)
    return Rule(
        id=rule_id,
        title=where.text(data, "title"),
        description=where.text(data, "description"),
        level=level,
        remediation=where.text(custom, "custom", "remediation"),
        tags=where.tags(custom),
        package=block.package,
        path=file.as_posix(),
        failing_example=where.example(examples, "failing"),
        passing_example=where.example(examples, "passing"),
        shipped=shipped,
    )


def _metadata_block(file: Path, error: type[PreflightError]) -> _Block:
    """The comment block that directly precedes the package line and starts with METADATA."""
    comments: list[tuple[int, str]] = []
    for number, raw in _lines_until_package(file, error):
        line = raw.rstrip("\r\n")
        match = PACKAGE_LINE.match(line)
        if match:
            return _block_from_comments(file, comments, match.group(1), number, error)
        if line.startswith("#"):
            comments.append((number, line))
        else:
            comments = []
    raise error(f"{file}:1: no package line")


def _lines_until_package(file: Path, error: type[PreflightError]) -> Iterator[tuple[int, str]]:
    try:
        with file.open(encoding="utf-8") as handle:
            yield from enumerate(handle, start=1)
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{file}: cannot read policy: {exc}") from exc


def _block_from_comments(
    file: Path,
    comments: list[tuple[int, str]],
    package: str,
    package_line: int,
    error: type[PreflightError],
) -> _Block:
    starts = [i for i, (_, text) in enumerate(comments) if text.strip() == "# METADATA"]
    if not starts:
        raise error(
            f"{file}:{package_line}: no `# METADATA` comment block directly above the package "
            "line (title, description, custom: {id, level, remediation, tags})"
        )
    # OPA reads a block from its `# METADATA` line to the end of the comments.
    first = starts[-1]
    body = [_uncomment(text) for _, text in comments[first + 1 :]]
    return _Block(file, comments[first][0], "\n".join(body) + "\n", package, package_line)


def _uncomment(text: str) -> str:
    rest = text[1:]
    return rest[1:] if rest.startswith(" ") else rest


def _parse_yaml(block: _Block, error: type[PreflightError]) -> dict[str, Any]:
    try:
        data = yaml.load(block.yaml_text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = block.first_line + 1 + (mark.line if mark is not None else 0)
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{block.file}:{line}: METADATA is not valid YAML: {problem}") from exc
    if not isinstance(data, dict):
        raise error(f"{block.file}:{block.first_line}: METADATA must be a YAML mapping")
    return data


class _Where:
    """Typed field access that reports a bad field at its own line.

    Each accessor takes the parent mapping and the key path from the block's top, the last
    key being the one read from the parent.
    """

    def __init__(self, block: _Block, error: type[PreflightError]) -> None:
        self.block = block
        self.error = error

    def fail(self, message: str, *keys: str) -> NoReturn:
        line = self.block.first_line + 1 + _key_line(self.block.yaml_text, keys)
        raise self.error(f"{self.block.file}:{line}: METADATA {message}")

    def mapping(self, parent: dict[str, Any], *keys: str, optional: bool = False) -> dict[str, Any]:
        value = parent.get(keys[-1])
        if value is None and optional:
            return {}
        if not isinstance(value, dict):
            self.fail(f"needs `{'.'.join(keys)}` as a mapping", *keys)
        return value

    def text(self, parent: dict[str, Any], *keys: str) -> str:
        value = parent.get(keys[-1])
        if not isinstance(value, str) or not value.strip():
            self.fail(f"needs `{'.'.join(keys)}` as a non-empty string", *keys)
        return value.strip()

    def tags(self, custom: dict[str, Any]) -> tuple[str, ...]:
        value = custom.get("tags", [])
        if not isinstance(value, list) or not all(isinstance(t, str) and t for t in value):
            self.fail("needs `custom.tags` as a list of strings", "custom", "tags")
        return tuple(value)

    def example(self, examples: dict[str, Any], key: str) -> str:
        value = examples.get(key, "")
        if not isinstance(value, str):
            self.fail(f"needs `custom.examples.{key}` as a string", "custom", "examples", key)
        return value.strip("\n").rstrip()


def _key_line(yaml_text: str, keys: Sequence[str]) -> int:
    """0-based line of the deepest of `keys` present in the block, -1 (the `# METADATA` line)
    when even the first is missing. Only runs on the error path."""
    try:
        node = yaml.compose(yaml_text, Loader=_Loader)
    except yaml.YAMLError:
        return -1
    line = -1
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            break
        pair = next((p for p in node.value if getattr(p[0], "value", None) == key), None)
        if pair is None:
            break
        line = pair[0].start_mark.line
        node = pair[1]
    return line
