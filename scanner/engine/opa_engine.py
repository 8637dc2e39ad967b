"""The OPA engine: Open Policy Agent's REST API, through opa-python-client.

With a URL the scan uses that server (a team's central OPA): the policies are pushed under
policy ids of ours (`fargate-preflight/...`), or are already there from a bundle (`preloaded`).
Without a URL it starts `opa run --server` on a free loopback port for the one evaluation, with
the shipped policies loaded from their files (one compile, not one per pushed module), and
always stops it. Either way the answer is the RawResult the embedded engine gives.

One OPA server holds one set of fargate-preflight policies at a time (Rego packages are global
on a server): scans with different `--policy` directories must not share a server at once.
"""

from __future__ import annotations

import contextlib
import graphlib
import importlib
import importlib.util
import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, TracebackType
from typing import IO, Any
from urllib.parse import urlsplit

from scanner.engine.base import Engine, policy_files
from scanner.errors import EngineError, PolicyError, PreflightError, UsageError

# The shipped policies compile on OPA 1.0 (.ci/lint-rego.sh checks them with its capabilities);
# older servers parse Rego v0 by default and would reject them.
MIN_OPA_VERSION = (1, 0, 0)
POLICY_PREFIX = "fargate-preflight/"
DEFAULT_TIMEOUT = 60.0  # seconds for one request: evaluating a whole account takes a few
CONNECT_TIMEOUT = 5.0  # a server that has not accepted the connection by then is down
START_TIMEOUT = 10.0  # `opa run --server` is healthy in well under a second
_RESULT = "fargate_preflight_result"  # OPA's query API answers variable bindings only

Refused = list[tuple["Module | None", list[dict[str, Any]]]]  # what OPA refused, and why


@dataclass(frozen=True)
class Module:
    """One policy file, under the policy id it gets on the server."""

    id: str
    path: Path
    text: str


class OpaEngine(Engine):
    name = "opa"

    def __init__(
        self,
        shipped: list[Path],
        user: list[Path] | None = None,
        *,
        url: str | None = None,
        preloaded: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        opa_binary: str | None = None,
    ) -> None:
        if preloaded and url is None:
            raise UsageError("--opa-policies-preloaded needs --opa-url (the server that has them)")
        self._shipped = _modules(shipped, "shipped", EngineError)
        self._user = _modules(user or [], "user", PolicyError)
        self._url = url
        self._preloaded = preloaded
        self._timeout = timeout
        # Servers that already hold exactly these policies, by URL, with the data stored there:
        # the policies and data go once per server, not once per model.
        self._ready: dict[str, dict[str, Any]] = {}
        self._binary = ""
        self._server: OpaServer | None = None  # the server of a `session`
        if importlib.util.find_spec("opa_client") is None:
            raise EngineError(
                "the OPA engine needs opa-python-client: pip install 'fargate-preflight[opa]'"
            )
        if url is not None:
            _address(url)  # a malformed URL is a usage error before any work
        else:
            self._binary = opa_binary or shutil.which("opa") or ""
            if not self._binary:
                raise EngineError(
                    "the OPA engine needs `opa` on PATH or --opa-url URL: install an OPA 1.x "
                    "release binary (in a checkout, .ci/install-tools.sh builds the pinned OPA)"
                )

    def answer(
        self, text: str, input_: dict[str, Any] | str, data: dict[str, Any]
    ) -> dict[str, Any]:
        value = json.loads(input_) if isinstance(input_, str) else input_
        if self._url is not None:
            return self._answer_at(self._url, text, value, data, shipped_loaded=False)
        if self._server is not None:
            return self._answer_at(self._server.url, text, value, data, shipped_loaded=True)
        with self._local_server() as server:
            return self._answer_at(server.url, text, value, data, shipped_loaded=True)

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        """Evaluate several inputs on one server of our own (without --opa-url)."""
        if self._url is not None or self._server is not None:
            yield
            return
        with self._local_server() as server:
            self._server = server
            try:
                yield
            finally:
                self._server = None

    @contextlib.contextmanager
    def _local_server(self) -> Iterator[OpaServer]:
        """Our own `opa run --server`, with the shipped policies loaded from their files."""
        server = OpaServer(self._binary, [m.path for m in self._shipped])
        try:
            server.start()
        except ServerStartError as exc:
            raise _start_failure(self._binary, exc) from exc
        try:
            yield server
        finally:
            self._ready.pop(server.url, None)  # a later server may get the same port
            server.stop()

    def _answer_at(
        self,
        url: str,
        text: str,
        input_: dict[str, Any],
        data: dict[str, Any],
        *,
        shipped_loaded: bool,
    ) -> dict[str, Any]:
        with OpaConnection(url, self._timeout) as conn:
            if self._ready.get(url) != data:
                conn.check_version()
                if self._preloaded:
                    conn.put_missing_data(data)
                else:
                    # a server of our own starts with the shipped policies; another gets them
                    self._sync_policies(conn, [] if shipped_loaded else self._shipped)
                    conn.put_data(data)
                self._ready[url] = data
            answer: dict[str, Any] = conn.query(text, input_, "evaluating the policies")
        if self._preloaded and not answer["result"]:
            raise EngineError(
                f"OPA at {url} has no fargate-preflight policies (data.fargate_preflight.rules "
                "is undefined there): load the policies bundle, or drop --opa-policies-preloaded"
            )
        return answer

    def _sync_policies(self, conn: OpaConnection, shipped: list[Module]) -> None:
        """Make the server's `fargate-preflight/` policies exactly ours: shipped ones first, so a
        refusal is blamed on the right side (shipped: exit 3, the user's --policy: exit 2)."""
        held = conn.our_policies()
        wanted = {m.id for m in [*shipped, *self._user]}
        stale = sorted(i for i in held if i not in wanted)
        stale, refused = conn.apply(stale, [m for m in shipped if held.get(m.id) != m.text])
        if refused:
            raise EngineError(_rejected("shipped policy", refused, self._shipped))
        stale, refused = conn.apply(stale, [m for m in self._user if held.get(m.id) != m.text])
        if refused:
            raise PolicyError(_rejected("policy", refused, [*self._shipped, *self._user]))
        if stale:
            raise EngineError(
                f"OPA at {conn.url} keeps old fargate-preflight policies that its other policies "
                f"still use: {', '.join(stale)}; delete them there"
            )


def _start_failure(binary: str, exc: ServerStartError) -> EngineError:
    """Why our server did not start: too old an OPA, a shipped policy it rejects, or else."""
    version = _binary_version(binary)
    found = _version_tuple(version) if version else None
    if version and found and found < MIN_OPA_VERSION:
        return _too_old(binary, version)
    # OPA prints each load error as `path:row: code: message`
    errors = [
        {
            "code": m["code"],
            "message": m["message"],
            "location": {"file": m["file"], "row": int(m["row"])},
        }
        for m in _LOAD_ERROR.finditer(exc.log)
    ]
    if errors:
        return EngineError(_rejected("shipped policy", [(None, errors)], []))
    return exc


_LOAD_ERROR = re.compile(
    r"^(?P<file>[^\n]+?\.rego):(?P<row>\d+): (?P<code>rego_\w+): (?P<message>.*)$", re.M
)


def _binary_version(binary: str) -> str | None:
    try:
        out = subprocess.run(
            [binary, "version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"^Version: (\S+)", out, re.M)
    return match.group(1) if match else None


def _too_old(what: str, version: str) -> EngineError:
    wanted = ".".join(map(str, MIN_OPA_VERSION))
    return EngineError(
        f"OPA {what} is version {version}; fargate-preflight needs OPA {wanted} or newer"
    )


def _modules(dirs: list[Path], namespace: str, error: type[PreflightError]) -> list[Module]:
    """The policy files of `dirs`, with ids `fargate-preflight/<namespace>-<n>/<relative path>`."""
    out = []
    for n, root in enumerate(dirs, 1):
        for path in policy_files([root]):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise error(f"cannot read policy {path}: {exc}") from exc
            rel = path.relative_to(root).as_posix()
            out.append(Module(f"{POLICY_PREFIX}{namespace}-{n}/{rel}", path, text))
    return out


def _rejected(what: str, refused: Refused, known: list[Module]) -> str:
    """OPA's compile errors as `file:line: code: message`, parse errors (the causes) first."""
    paths = {m.id: str(m.path) for m in known}
    errors = sorted(
        (e for _, errs in refused for e in errs), key=lambda e: e.get("code") != "rego_parse_error"
    )
    lines = list(dict.fromkeys(_located(e, paths) for e in errors))
    more = f" (and {len(lines) - 3} more)" if len(lines) > 3 else ""
    return f"{what} rejected by OPA: {'; '.join(lines[:3])}{more}"


def _located(error: dict[str, Any], paths: dict[str, str]) -> str:
    loc = error.get("location") or {}
    file = paths.get(str(loc.get("file")), str(loc.get("file", "?")))
    where = f"{file}:{loc['row']}" if loc.get("row") else file
    return f"{where}: {error.get('code', 'error')}: {error.get('message', '')}"


class OpaConnection:
    """One OPA server's REST API; every failure becomes an EngineError naming the server."""

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        # Imported here: the package pulls in aiohttp (0.4 s), and only OPA scans need it.
        client_module = importlib.import_module("opa_client.opa")
        scheme, host, port = _address(url)
        self.url = url
        self._timeout = timeout
        # requests takes (connect, read): a dead host fails fast, a long evaluation may finish.
        self._client = client_module.OpaClient(
            host=host,
            port=port,
            ssl=scheme == "https",
            retries=1,
            timeout=(min(CONNECT_TIMEOUT, timeout), timeout),
        )

    def __enter__(self) -> OpaConnection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._client.close_connection()

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        requests = _requests()
        try:
            yield
        except requests.Timeout as exc:
            raise EngineError(
                f"OPA at {self.url} did not answer within {self._timeout:g} s ({doing})"
            ) from exc
        except requests.ConnectionError as exc:
            raise EngineError(
                f"OPA at {self.url} is unreachable ({doing}): {_reason(exc)}"
            ) from exc
        except requests.HTTPError as exc:
            raise EngineError(
                f"OPA at {self.url} failed {doing}: {_http_message(exc.response)}"
            ) from exc
        except requests.RequestException as exc:
            raise EngineError(f"OPA at {self.url} failed {doing}: {exc}") from exc

    def query(self, query: str, input_data: Any, doing: str) -> dict[str, Any]:
        """Run `query`; answer in the shape regorus's eval_query_as_json gives, so both engines
        feed RawResult.from_query_answer the same document."""
        with self._errors(doing):
            body = self._client.ad_hoc_query(f"{_RESULT} := {query}", input_data)
        rows = body.get("result") or []
        return {"result": [{"expressions": [{"value": row[_RESULT]}]} for row in rows]}

    def version(self) -> str | None:
        """The server's version, or None when it will not say (capabilities may drop
        opa.runtime)."""
        requests = _requests()
        with self._errors("reading its version"):
            try:
                body = self._client.ad_hoc_query(f"{_RESULT} := opa.runtime().version")
            except requests.HTTPError:
                return None
        rows = body.get("result") or []
        value = rows[0].get(_RESULT) if rows else None
        return value if isinstance(value, str) else None

    def check_version(self) -> None:
        version = self.version()
        found = _version_tuple(version) if version else None
        if version and found and found < MIN_OPA_VERSION:
            raise _too_old(f"at {self.url}", version)

    def our_policies(self) -> dict[str, str]:
        """The text of each policy on the server under our prefix, by id."""
        with self._errors("listing its policies"):
            ids = [i for i in self._client.get_policies_list() if i.startswith(POLICY_PREFIX)]
            return {i: str(self._client.get_policy(i)["result"]["raw"]) for i in ids}

    def apply(self, deletes: list[str], puts: list[Module]) -> tuple[list[str], Refused]:
        """Delete and push until nothing more succeeds; return what is left, with OPA's errors.

        OPA compiles every module on each change, so a module that calls a function of one not
        pushed yet (or clashes with a stale one) is refused until the other change is made.
        """
        puts = _push_order(puts)
        while True:
            kept = [i for i in deletes if not self._try_delete(i)]
            failed = [(m, errors) for m in puts if (errors := self._try_put(m))]
            if not failed and not kept:
                return [], []
            if len(kept) == len(deletes) and len(failed) == len(puts):
                return kept, list(failed)
            deletes, puts = kept, [m for m, _ in failed]

    def _try_put(self, module: Module) -> list[dict[str, Any]]:
        """Push one policy: [] when stored, else OPA's compile errors."""
        errors = _client_errors()

        try:
            with self._errors(f"storing policy {module.id}"):
                self._client.update_policy_from_string(module.text, module.id, rego_compat=False)
        except errors.RegoParseError as exc:
            if not exc.errors:  # refused without compile errors (auth, a proxy): not the policy
                raise EngineError(
                    f"OPA at {self.url} refused policy {module.id}: {exc.expression}: {exc.message}"
                ) from exc
            return [e for e in exc.errors if isinstance(e, dict)]
        return []

    def _try_delete(self, policy_id: str) -> bool:
        errors = _client_errors()

        try:
            with self._errors(f"deleting policy {policy_id}"):
                self._client.delete_policy(policy_id)
        except errors.DeletePolicyError:
            return False  # another policy still uses it; retried after the other changes
        return True

    def put_data(self, data: dict[str, Any]) -> None:
        errors = _client_errors()

        for path, value in _documents(data):
            try:
                with self._errors(f"storing data {path}"):
                    self._client.update_or_create_data(value, path)
            except errors.RegoParseError as exc:  # the client's exception for any refused write
                raise EngineError(f"OPA at {self.url} refused data {path}: {exc.message}") from exc

    def put_missing_data(self, data: dict[str, Any]) -> None:
        """Store only the documents the server lacks: a bundle brings its own (read-only)."""
        errors = _client_errors()

        for path, value in _documents(data):
            try:
                with self._errors(f"reading data {path}"):
                    self._client.get_data(path)
            except errors.PolicyNotFoundError:
                top, key = path.split("/", 1)
                self.put_data({top: {key: value}})


_PACKAGE = re.compile(r"^package\s+([\w.]+)", re.M)
_DATA_REF = re.compile(r"\bdata\.([\w.]+)")


def _push_order(modules: list[Module]) -> list[Module]:
    """Each module after the ones whose packages it refers to, so OPA (which compiles every
    module on each push) takes it on the first try; packages that refer to each other keep
    the given order, and apply() retries what was refused."""
    packages = {m.id: match.group(1) + "." for m in modules if (match := _PACKAGE.search(m.text))}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for m in modules:
        refs = {r + "." for r in _DATA_REF.findall(m.text)}
        uses = {
            o.id
            for o in modules
            if o.id != m.id and o.id in packages and any(r.startswith(packages[o.id]) for r in refs)
        }
        sorter.add(m.id, *uses)
    try:
        order = list(sorter.static_order())
    except graphlib.CycleError:
        return modules
    by_id = {m.id: m for m in modules}
    return [by_id[i] for i in order]


def _client_errors() -> ModuleType:
    """opa-python-client's exception classes (the package has no type information)."""
    return importlib.import_module("opa_client.errors")


def _requests() -> ModuleType:
    """opa-python-client's transport: the errors it lets through are requests' own."""
    return importlib.import_module("requests")


def _documents(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each document two levels down (`fargate_preflight/aws`): a write to a shorter path would
    replace what others keep beside ours."""
    for top, tree in data.items():
        for key, value in tree.items():
            if not isinstance(value, dict):
                raise EngineError(f"engine data {top}.{key} must be an object")
            yield f"{top}/{key}", value


def _address(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an OPA base URL; opa-python-client takes no path prefix."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"--opa-url {url!r}: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--opa-url {url!r}: expected http://HOST:PORT or https://HOST:PORT")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise UsageError(f"--opa-url {url!r}: give the server's base URL, without a path")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def _version_tuple(version: str) -> tuple[int, ...] | None:
    match = re.match(r"v?(\d+)\.(\d+)\.(\d+)", version)
    return tuple(int(g) for g in match.groups()) if match else None


def _reason(exc: BaseException) -> str:
    """The innermost cause ("Connection refused"): requests nests urllib3's errors three deep."""
    while (inner := exc.__cause__ or exc.__context__) is not None:
        exc = inner
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _http_message(response: Any) -> str:
    if response is None:
        return "no response"
    try:
        body = response.json()
    except ValueError:  # not OPA answering (a proxy's HTML page)
        return f"HTTP {response.status_code}"
    message = body.get("message") if isinstance(body, dict) else None
    return f"HTTP {response.status_code}: {message}" if message else f"HTTP {response.status_code}"


class ServerStartError(EngineError):
    """`opa run --server` exited before it was healthy; `log` is what it printed."""

    def __init__(self, message: str, log: str) -> None:
        super().__init__(message)
        self.log = log


class OpaServer:
    """`opa run --server` on a free loopback port for one run; use it as a context manager.

    `files` (policies, data) are loaded at start: OPA compiles them once.
    """

    def __init__(
        self, binary: str = "opa", files: Sequence[Path] = (), start_timeout: float = START_TIMEOUT
    ) -> None:
        self._binary = binary
        self._files = [str(f) for f in files]
        self._start_timeout = start_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.url = ""

    def __enter__(self) -> OpaServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start and wait until /health answers; always leaves no process behind on failure."""
        try:
            # Another process may take the probed port before OPA binds it: try another.
            for _ in range(3):
                if self._start_once():
                    return
            raise EngineError(
                f"`{self._binary} run --server` found no free port: {self._log_text()}"
            )
        except BaseException:
            self.stop()
            raise

    def _start_once(self) -> bool:
        self.stop()
        port = _free_port()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop(), with the process)
        cmd = [
            self._binary,
            "run",
            "--server",
            "--addr",
            f"127.0.0.1:{port}",
            "--log-level",
            "error",
            "--skip-version-check",
            *self._files,
        ]
        try:
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT
            )
        except OSError as exc:
            raise EngineError(f"cannot run {self._binary}: {exc.strerror}") from exc
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + self._start_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                log = self._log_text()
                if "address already in use" in log:
                    return False
                last = log.splitlines()[-1] if log else "no output"
                raise ServerStartError(f"`{self._binary} run --server` exited: {last}", log)
            if _healthy(self.url):
                return True
            time.sleep(0.02)
        raise EngineError(
            f"`{self._binary} run --server` was not healthy within {self._start_timeout:g} s"
        )

    def _log_text(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace").strip()

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=0.5) as response:
            return bool(response.status == 200)
    except OSError:  # URLError, refused, reset: not up yet
        return False
