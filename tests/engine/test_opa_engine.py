"""The OPA engine against a real `opa` server: its own server's life cycle, the push, the errors."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from scanner.engine import opa_engine
from scanner.engine.base import shipped_policy_dir
from scanner.engine.opa_engine import (
    MIN_OPA_VERSION,
    POLICY_PREFIX,
    Module,
    OpaConnection,
    OpaEngine,
    OpaServer,
)
from scanner.errors import EngineError, PolicyError, UsageError

REPO = Path(__file__).resolve().parents[2]

# A model every rule package evaluates over without finding anything to report about: enough to
# tell "the policies ran" (every package answers) from "nothing was loaded" (no answer at all).
EMPTY_MODEL: dict[str, Any] = {
    "model_version": 1,
    "region": "eu-west-1",
    **{
        k: {}
        for k in (
            "vpcs",
            "subnets",
            "route_tables",
            "nacls",
            "security_groups",
            "nat_gateways",
            "internet_gateways",
            "vpc_endpoints",
            "prefix_lists",
            "roles",
            "managed_policies",
            "clusters",
            "task_definitions",
            "services",
            "efs_file_systems",
            "efs_mount_targets",
        )
    },
    "declared_needs": [],
}
DATA = {"fargate_preflight": {"aws": {"endpoint_for_prefix": {"ecr": "ecr.api"}}}}

TINY_RULE = """package fargate_preflight.rules.fg999

import rego.v1

deny contains {"message": sprintf("region %s", [input.region]), "n": 1} if input.region

undecided contains {"unknown": input.nothing} if input.nothing
"""
TINY_LIB = """package fargate_preflight.lib.paths

import rego.v1

verdicts contains {"endpoint": data.fargate_preflight.aws.endpoint_for_prefix.ecr} if true
"""
TINY_ANSWER = {
    "rules": {"fg999": {"deny": [{"message": "region eu-west-1", "n": 1}], "undecided": []}},
    "verdicts": [{"endpoint": "ecr.api"}],
}


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def tiny_shipped(tmp_path: Path) -> Path:
    return write(
        tmp_path / "shipped", {"lib/paths.rego": TINY_LIB, "rules/fg999/policy.rego": TINY_RULE}
    )


@pytest.fixture
def broken_user(tmp_path: Path) -> Path:
    """A user policy with a syntax error on line 5."""
    return write(
        tmp_path / "mine",
        {"fg900/policy.rego": "package custom.fg900\n\nimport rego.v1\n\ndeny contains 1 iff 2\n"},
    )


@pytest.fixture
def broken_shipped(tmp_path: Path) -> Path:
    return write(
        tmp_path / "shipped",
        {
            "lib/paths.rego": TINY_LIB,
            "rules/fg999/policy.rego": TINY_RULE.replace("if input", "iff input"),
        },
    )


class Recorder(OpaServer):
    """An OpaServer that remembers its processes, to check none outlives the run."""

    started: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        super().start()
        assert self._proc is not None
        Recorder.started.append(self._proc)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[subprocess.Popen[bytes]]]:
    Recorder.started = []
    monkeypatch.setattr(opa_engine, "OpaServer", Recorder)
    yield Recorder.started


# --- the engine's own server ------------------------------------------------------------------


def test_own_server_answers_like_the_api_expects_and_is_stopped(
    opa_binary: str, tiny_shipped: Path, recorded: list[subprocess.Popen[bytes]]
) -> None:
    raw = OpaEngine([tiny_shipped], opa_binary=opa_binary).evaluate(EMPTY_MODEL, DATA)
    assert asdict(raw) == TINY_ANSWER
    assert len(recorded) == 1
    assert recorded[0].returncode is not None  # stopped, not left running


def test_own_server_is_stopped_when_a_user_policy_is_rejected(
    opa_binary: str,
    tiny_shipped: Path,
    broken_user: Path,
    recorded: list[subprocess.Popen[bytes]],
) -> None:
    engine = OpaEngine([tiny_shipped], [broken_user], opa_binary=opa_binary)
    with pytest.raises(PolicyError) as err:
        engine.evaluate(EMPTY_MODEL, DATA)
    assert err.value.exit_code == 2
    assert f"{broken_user / 'fg900/policy.rego'}:5: rego_parse_error:" in str(err.value)
    assert [p.returncode is not None for p in recorded] == [True]


def test_own_server_rejecting_a_shipped_policy_is_exit_3_with_file_and_line(
    opa_binary: str, broken_shipped: Path, recorded: list[subprocess.Popen[bytes]]
) -> None:
    with pytest.raises(EngineError) as err:
        OpaEngine([broken_shipped], opa_binary=opa_binary).evaluate(EMPTY_MODEL, DATA)
    assert err.value.exit_code == 3
    assert str(err.value).startswith("shipped policy rejected by OPA: ")
    assert f"{broken_shipped / 'rules/fg999/policy.rego'}:5: rego_parse_error:" in str(err.value)
    assert all(p.returncode is not None for p in recorded)


def test_a_session_prepares_each_server_once(
    opa_binary: str, tiny_shipped: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A scan with unsettled conditions evaluates one model per condition on the session's
    # server: the policies and data go to it once, not once per model (they cost a request
    # per policy). A second session's new server (which may reuse the port) gets them again.
    mine = write(
        tmp_path / "mine",
        {"fg900/policy.rego": TINY_RULE.replace("fg999", "fg900").replace("region %s", "mine %s")},
    )
    done: list[str] = []
    for name in ("check_version", "our_policies", "put_data"):
        real = getattr(OpaConnection, name)

        def spy(self: OpaConnection, *args: Any, _real: Any = real, _name: str = name) -> Any:
            done.append(_name)
            return _real(self, *args)

        monkeypatch.setattr(OpaConnection, name, spy)
    engine = OpaEngine([tiny_shipped], [mine], opa_binary=opa_binary)
    for _ in range(2):
        with engine.session():
            answers = [
                engine.evaluate({**EMPTY_MODEL, "region": region}, DATA)
                for region in ("eu-west-1", "us-east-1", "ap-south-1")
            ]
        said = [[a.rules[r]["deny"][0]["message"] for r in ("fg900", "fg999")] for a in answers]
        assert said == [
            ["mine eu-west-1", "region eu-west-1"],
            ["mine us-east-1", "region us-east-1"],
            ["mine ap-south-1", "region ap-south-1"],
        ]
    assert done == ["check_version", "our_policies", "put_data"] * 2


def test_server_is_healthy_inside_and_gone_after(opa_binary: str) -> None:
    with OpaServer(opa_binary) as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
        assert opa_engine._healthy(server.url)
    assert not opa_engine._healthy(server.url)


def test_no_opa_and_no_url_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        EngineError, match=r"needs `opa` on PATH or --opa-url URL: .*install-tools\.sh"
    ):
        OpaEngine([shipped_policy_dir()])


def test_an_old_opa_binary_is_refused(tmp_path: Path, tiny_shipped: Path) -> None:
    # OPA 0.x parses Rego v0 by default: it fails on our files, and we say why.
    fake = tmp_path / "opa"
    fake.write_text(
        '#!/bin/sh\n[ "$1" = version ] && { echo "Version: 0.69.0"; exit 0; }\n'
        'echo "error: rego_parse_error: unexpected if keyword" >&2; exit 1\n'
    )
    fake.chmod(0o755)
    with pytest.raises(EngineError) as err:
        OpaEngine([tiny_shipped], opa_binary=str(fake)).evaluate(EMPTY_MODEL, DATA)
    assert str(err.value) == (
        f"OPA {fake} is version 0.69.0; fargate-preflight needs OPA 1.0.0 or newer"
    )


# --- a server given by URL ----------------------------------------------------------------------


def test_pushes_policies_under_our_ids_and_data(fresh_opa_url: str, tiny_shipped: Path) -> None:
    raw = OpaEngine([tiny_shipped], url=fresh_opa_url).evaluate(EMPTY_MODEL, DATA)
    assert asdict(raw) == TINY_ANSWER
    with OpaConnection(fresh_opa_url) as conn:
        assert sorted(conn.our_policies()) == [
            f"{POLICY_PREFIX}shipped-1/lib/paths.rego",
            f"{POLICY_PREFIX}shipped-1/rules/fg999/policy.rego",
        ]


def test_stale_policies_of_ours_are_removed_and_others_kept(
    fresh_opa_url: str, tiny_shipped: Path
) -> None:
    old = "package fargate_preflight.rules.fg998\n\nimport rego.v1\n\ndeny contains 1 if true\n"
    theirs = "package team.other\n\nimport rego.v1\n\nallow := true\n"
    with OpaConnection(fresh_opa_url) as conn:
        assert conn.apply(
            [],
            [
                Module(f"{POLICY_PREFIX}user-1/old.rego", Path("old.rego"), old),
                Module("team/other.rego", Path("other.rego"), theirs),
            ],
        ) == ([], [])
    raw = OpaEngine([tiny_shipped], url=fresh_opa_url).evaluate(EMPTY_MODEL, DATA)
    assert sorted(raw.rules) == ["fg999"]
    with OpaConnection(fresh_opa_url) as conn:
        assert conn.query("data.team.other.allow", None, "test")["result"] == [
            {"expressions": [{"value": True}]}
        ]


def test_user_policy_rejected_by_the_server_is_exit_2(
    fresh_opa_url: str, tiny_shipped: Path, broken_user: Path
) -> None:
    with pytest.raises(PolicyError) as err:
        OpaEngine([tiny_shipped], [broken_user], url=fresh_opa_url).evaluate(EMPTY_MODEL, DATA)
    assert str(err.value).startswith(
        f"policy rejected by OPA: {broken_user / 'fg900/policy.rego'}:5: rego_parse_error: "
    )


def test_shipped_policy_rejected_by_the_server_is_exit_3(
    fresh_opa_url: str, broken_shipped: Path
) -> None:
    with pytest.raises(EngineError) as err:
        OpaEngine([broken_shipped], url=fresh_opa_url).evaluate(EMPTY_MODEL, DATA)
    assert str(err.value).startswith(
        f"shipped policy rejected by OPA: {broken_shipped / 'rules/fg999/policy.rego'}:5: "
        "rego_parse_error: "
    )


def test_a_user_policy_that_calls_a_missing_function_names_its_line(
    fresh_opa_url: str, tiny_shipped: Path, tmp_path: Path
) -> None:
    mine = write(
        tmp_path / "mine",
        {
            "a.rego": "package custom.a\n\nimport rego.v1\n\n"
            "x := data.fargate_preflight.lib.nope.f(1)\n"
        },
    )
    with pytest.raises(PolicyError) as err:
        OpaEngine([tiny_shipped], [mine], url=fresh_opa_url).evaluate(EMPTY_MODEL, DATA)
    assert str(err.value) == (
        f"policy rejected by OPA: {mine / 'a.rego'}:5: rego_type_error: "
        "undefined function data.fargate_preflight.lib.nope.f"
    )


def test_unreachable_server_is_exit_3(tiny_shipped: Path) -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(EngineError) as err:
        OpaEngine([tiny_shipped], url=url).evaluate(EMPTY_MODEL, DATA)
    assert err.value.exit_code == 3
    assert str(err.value) == (
        f"OPA at {url} is unreachable (reading its version): Connection refused"
    )


def test_a_server_that_does_not_answer_times_out(tiny_shipped: Path) -> None:
    with socket.socket() as s:  # accepts connections (the kernel's backlog) but never answers
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
        with pytest.raises(EngineError) as err:
            OpaEngine([tiny_shipped], url=url, timeout=0.3).evaluate(EMPTY_MODEL, DATA)
    assert str(err.value) == f"OPA at {url} did not answer within 0.3 s (reading its version)"


def test_an_old_server_is_refused(
    fresh_opa_url: str, tiny_shipped: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert OpaConnection(fresh_opa_url).version() is not None  # the real server tells
    monkeypatch.setattr(OpaConnection, "version", lambda self: "0.70.0")
    with pytest.raises(EngineError) as err:
        OpaEngine([tiny_shipped], url=fresh_opa_url).evaluate(EMPTY_MODEL, DATA)
    assert str(err.value) == (
        f"OPA at {fresh_opa_url} is version 0.70.0; fargate-preflight needs OPA 1.0.0 or newer"
    )


def test_preloaded_policies_are_used_as_they_are(opa_binary: str, tiny_shipped: Path) -> None:
    # Policies loaded at the server's start, as a bundle would be: nothing pushed, data added.
    files = sorted(tiny_shipped.rglob("*.rego"))
    with OpaServer(opa_binary, files) as server:
        engine = OpaEngine([tiny_shipped], url=server.url, preloaded=True)
        assert asdict(engine.evaluate(EMPTY_MODEL, DATA)) == TINY_ANSWER
        with OpaConnection(server.url) as conn:
            assert conn.our_policies() == {}


def test_preloaded_without_policies_is_an_engine_error(
    fresh_opa_url: str, tiny_shipped: Path
) -> None:
    with pytest.raises(EngineError, match=r"has no fargate-preflight policies"):
        OpaEngine([tiny_shipped], url=fresh_opa_url, preloaded=True).evaluate(EMPTY_MODEL, DATA)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("localhost:8181", "expected http://HOST:PORT"),
        ("ftp://opa:8181", "expected http://HOST:PORT"),
        ("http://opa:8181/v1/data", "without a path"),
        ("http://opa:notaport", "Port could not be cast"),
    ],
)
def test_malformed_url_is_a_usage_error(url: str, why: str) -> None:
    with pytest.raises(UsageError, match=re.escape(why)):
        OpaEngine([shipped_policy_dir()], url=url)


def test_preloaded_needs_a_url() -> None:
    with pytest.raises(UsageError, match=r"--opa-policies-preloaded needs --opa-url"):
        OpaEngine([shipped_policy_dir()], preloaded=True)


# --- helpers --------------------------------------------------------------------------------------


def test_push_order_puts_called_packages_first() -> None:
    def module(name: str, text: str) -> Module:
        return Module(name, Path(name), text)

    rule = module(
        "r", "package fargate_preflight.rules.fg1\nx := data.fargate_preflight.lib.b.f(1)"
    )
    lib_b = module(
        "b", "package fargate_preflight.lib.b\nf(x) := data.fargate_preflight.lib.a.g(x)"
    )
    lib_a = module("a", "package fargate_preflight.lib.a\ng(x) := x")
    assert [m.id for m in opa_engine._push_order([rule, lib_b, lib_a])] == ["a", "b", "r"]


def test_min_version_is_the_one_lint_checks_the_policies_against() -> None:
    script = (REPO / ".ci" / "lint-rego.sh").read_text(encoding="utf-8")
    pinned = re.search(r"^OPA_MIN_VERSION=v(\d+)\.(\d+)\.(\d+)", script, re.M)
    assert pinned is not None
    assert tuple(int(g) for g in pinned.groups()) == MIN_OPA_VERSION


def test_importing_the_engine_does_not_load_the_http_client() -> None:
    code = (
        "import sys, scanner.engine.opa_engine\n"
        "print(sorted(m for m in ('aiohttp', 'requests', 'opa_client') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip() == "[]"
