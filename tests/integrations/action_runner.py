"""A small stand-in for the GitHub Actions runner, enough to run action.yml's steps locally.

It runs each `run:` step the way the runner does (`bash --noprofile --norc -eo pipefail`, a
fresh GITHUB_OUTPUT file per step, the step's `env:` evaluated), evaluates the `${{ }}`
expressions the action uses (contexts `inputs`, `steps`, `github`, `runner`; `always()`,
`&&`, `||`, `!`, `==`, `!=`, with GitHub's case-insensitive string comparison), and stands in
for the `uses:` steps: setup-python answers with this interpreter, the cache does nothing,
and the SARIF upload is recorded. Anything else in action.yml makes it fail loudly, so the
action cannot start depending on something this runner does not check.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
TOKEN = re.compile(r"\s*(\(|\)|&&|\|\||==|!=|!|'(?:[^']|'')*'|[A-Za-z_][A-Za-z0-9_.\-]*(?:\(\))?)")


@dataclass
class StepRun:
    name: str
    ran: bool
    returncode: int = 0
    outputs: dict[str, str] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    uses_with: dict[str, str] = field(default_factory=dict)


@dataclass
class ActionRun:
    steps: list[StepRun]
    outputs: dict[str, str]
    summary: str

    @property
    def failed(self) -> bool:
        return any(s.ran and s.returncode != 0 for s in self.steps)

    def step(self, name: str) -> StepRun:
        return next(s for s in self.steps if s.name == name)

    @property
    def stdout(self) -> str:
        return "".join(s.stdout for s in self.steps)


def run_action(
    action_path: Path,
    workspace: Path,
    temp: Path,
    inputs: Mapping[str, str],
    github: Mapping[str, str],
    *,
    stub_outputs: Mapping[str, Mapping[str, str]] | None = None,
    extra_env: Mapping[str, str] | None = None,
    github_context: Mapping[str, Any] | None = None,
) -> ActionRun:
    """Run action.yml's steps. `stub_outputs[id]` replaces the step with that id by its
    outputs (the install step, for tests that do not pip-install); `github` holds the
    GITHUB_* variables of the simulated event."""
    action = yaml.safe_load((action_path / "action.yml").read_text(encoding="utf-8"))
    declared = action.get("inputs") or {}
    unknown = set(inputs) - set(declared)
    if unknown:
        raise AssertionError(f"inputs not declared in action.yml: {sorted(unknown)}")
    values = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    values.update(inputs)
    summary = temp / "step-summary.md"
    summary.write_text("", encoding="utf-8")
    base_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "FP_"))
    }
    base_env.update(
        {
            "GITHUB_ACTION_PATH": str(action_path),
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": str(temp),
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            **github,
            **(extra_env or {}),
        }
    )
    context: dict[str, Any] = {
        "inputs": values,
        "steps": {},
        "github": {
            "action_path": str(action_path),
            "workspace": str(workspace),
            **(github_context or {}),
        },
        "runner": {"temp": str(temp), "os": "Linux", "arch": "X64"},
    }
    runs: list[StepRun] = []
    failed = False
    for index, step in enumerate(action["runs"]["steps"]):
        name = step.get("name", f"step {index}")
        condition = step.get("if")
        if condition is None:
            wanted = not failed
        else:
            wanted = _truthy(evaluate(_strip(condition), context, failed))
        if not wanted:
            runs.append(StepRun(name, ran=False))
            continue
        stub = (stub_outputs or {}).get(step.get("id", ""))
        if stub is not None:
            result = StepRun(name, ran=True, outputs=dict(stub))
        elif "uses" in step:
            result = _uses(step, name, context)
        else:
            result = _run(step, name, context, base_env, workspace, temp, index)
        runs.append(result)
        if step.get("id"):
            context["steps"][step["id"]] = {"outputs": result.outputs}
        failed = failed or result.returncode != 0
    outputs = {
        name: substitute(str(spec["value"]), context)
        for name, spec in (action.get("outputs") or {}).items()
    }
    return ActionRun(runs, outputs, summary.read_text(encoding="utf-8"))


def _uses(step: Mapping[str, Any], name: str, context: Mapping[str, Any]) -> StepRun:
    action = str(step["uses"]).split("@", 1)[0]
    given = {k: substitute(str(v), context) for k, v in (step.get("with") or {}).items()}
    if action == "actions/setup-python":
        version = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
        outputs = {"python-path": sys.executable, "python-version": version}
        return StepRun(name, ran=True, outputs=outputs, uses_with=given)
    if action in ("actions/cache", "github/codeql-action/upload-sarif"):
        return StepRun(name, ran=True, uses_with=given)
    raise AssertionError(f"action_runner does not know how to stand in for {step['uses']}")


def _run(
    step: Mapping[str, Any],
    name: str,
    context: Mapping[str, Any],
    base_env: Mapping[str, str],
    workspace: Path,
    temp: Path,
    index: int,
) -> StepRun:
    if step.get("shell") != "bash":
        raise AssertionError(f"step {name!r}: action_runner runs bash steps only")
    script = temp / f"step-{index}.sh"
    script.write_text(str(step["run"]), encoding="utf-8")
    output_file = temp / f"step-{index}.output"
    output_file.write_text("", encoding="utf-8")
    env = dict(base_env)
    env.update({k: substitute(str(v), context) for k, v in (step.get("env") or {}).items()})
    env["GITHUB_OUTPUT"] = str(output_file)
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    outputs = parse_outputs(output_file.read_text(encoding="utf-8"))
    return StepRun(name, True, done.returncode, outputs, done.stdout, done.stderr)


def parse_outputs(text: str) -> dict[str, str]:
    """`name=value` lines and `name<<DELIMITER` blocks, as the runner reads GITHUB_OUTPUT."""
    outputs: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            outputs[key] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        if "=" in line:
            key, value = line.split("=", 1)
            outputs[key] = value
        i += 1
    return outputs


# --- expressions --------------------------------------------------------------------------


def substitute(text: str, context: Mapping[str, Any]) -> str:
    return EXPRESSION.sub(lambda m: _text(evaluate(m.group(1), context, False)), text)


def _strip(condition: Any) -> str:
    text = str(condition).strip()
    match = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.S)
    return match.group(1) if match else text


def evaluate(expression: str, context: Mapping[str, Any], failed: bool) -> Any:
    tokens = _tokens(expression)
    value, rest = _or(tokens, context, failed)
    if rest:
        raise AssertionError(f"cannot evaluate {expression!r}: unexpected {rest[0]!r}")
    return value


def _tokens(expression: str) -> list[str]:
    tokens, pos = [], 0
    text = expression.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if match is None:
            raise AssertionError(f"cannot tokenize {expression!r} at {text[pos:]!r}")
        tokens.append(match.group(1))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return tokens


def _or(tokens: list[str], context: Mapping[str, Any], failed: bool) -> tuple[Any, list[str]]:
    left, tokens = _and(tokens, context, failed)
    while tokens and tokens[0] == "||":
        right, tokens = _and(tokens[1:], context, failed)
        left = left if _truthy(left) else right
    return left, tokens


def _and(tokens: list[str], context: Mapping[str, Any], failed: bool) -> tuple[Any, list[str]]:
    left, tokens = _compare(tokens, context, failed)
    while tokens and tokens[0] == "&&":
        right, tokens = _compare(tokens[1:], context, failed)
        left = right if _truthy(left) else left
    return left, tokens


def _compare(tokens: list[str], context: Mapping[str, Any], failed: bool) -> tuple[Any, list[str]]:
    left, tokens = _unary(tokens, context, failed)
    if tokens and tokens[0] in ("==", "!="):
        op = tokens[0]
        right, tokens = _unary(tokens[1:], context, failed)
        equal = _text(left).lower() == _text(right).lower()
        return (equal if op == "==" else not equal), tokens
    return left, tokens


def _unary(tokens: list[str], context: Mapping[str, Any], failed: bool) -> tuple[Any, list[str]]:
    token = tokens[0]
    if token == "!":
        value, rest = _unary(tokens[1:], context, failed)
        return not _truthy(value), rest
    if token == "(":
        value, rest = _or(tokens[1:], context, failed)
        if not rest or rest[0] != ")":
            raise AssertionError("unbalanced parentheses")
        return value, rest[1:]
    if token.startswith("'"):
        return token[1:-1].replace("''", "'"), tokens[1:]
    if token in ("true", "false"):
        return token == "true", tokens[1:]
    if token == "always()":
        return True, tokens[1:]
    if token == "success()":
        return not failed, tokens[1:]
    if token == "failure()":
        return failed, tokens[1:]
    return _lookup(token, context), tokens[1:]


def _lookup(path: str, context: Mapping[str, Any]) -> Any:
    parts = path.split(".")
    if parts[0] not in ("inputs", "steps", "github", "runner"):
        raise AssertionError(f"action_runner does not provide the context of {path!r}")
    node: Any = context
    for part in parts:
        node = node.get(part, "") if isinstance(node, dict) else ""
    return node


def _truthy(value: Any) -> bool:
    return bool(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
