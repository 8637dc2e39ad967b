"""A reverse proxy on a loopback port in front of moto's server, for what moto does not do.

It pages the answers of JSON list calls as AWS does (moto 5.2.5 ignores `Limit` and never
answers a `NextToken` for events:ListEventBuses), and answers chosen calls with an egress proxy's
HTML block page (HTTP 403, text/html), which no AWS protocol parser reads. Everything else goes
to moto unchanged; `seen` logs each (service, operation) in order.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BLOCK_PAGE = (
    b"<!DOCTYPE html><html><head><meta charset=utf-8><title>Access Denied</title></head>"
    b"<body><p>Blocked by policy</body></html>"
)


@dataclass
class Faults:
    # (service, operation) -> how many of its calls get the block page, from the first
    block: Counter[tuple[str, str]] = field(default_factory=Counter)
    # operation -> (page size, items key): pages of a JSON list call, with NextToken
    pages: dict[str, tuple[int, str]] = field(default_factory=dict)
    seen: list[tuple[str, str]] = field(default_factory=list)


def _operation(headers: dict[str, str], path: str, body: bytes) -> tuple[str, str]:
    scope = re.search(r"Credential=[^/]+/\d+/[^/]+/([^/]+)/", headers.get("authorization", ""))
    service = scope.group(1) if scope else ""
    target = headers.get("x-amz-target", "")
    if target:
        return service, target.rsplit(".", 1)[-1]
    query = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
    if b"Action=" in body:
        query.update(urllib.parse.parse_qs(body.decode()))
    return service, (query.get("Action") or [""])[0]


@contextlib.contextmanager
def fault_proxy(target: str, faults: Faults) -> Iterator[str]:
    """The proxy's URL while in the block; `target` is moto's URL."""
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            pass

        def do_POST(self) -> None:
            self._answer()

        def do_GET(self) -> None:
            self._answer()

        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            op = _operation(headers, self.path, body)
            with lock:
                faults.seen.append(op)
                blocked = faults.block[op] > 0
                if blocked:
                    faults.block[op] -= 1
            if blocked:
                return self._send(403, {"Content-Type": "text/html"}, BLOCK_PAGE)
            paged = faults.pages.get(op[1])
            offset = 0
            if paged:
                request = json.loads(body or b"{}")
                offset = int(request.pop("NextToken", 0) or 0)
                request.pop("Limit", None)
                body = json.dumps(request).encode()
            status, answer_headers, answer = self._forward(body, headers)
            if paged and status == 200:
                size, key = paged
                data = json.loads(answer)
                items = data.get(key, [])
                data[key] = items[offset : offset + size]
                data.pop("NextToken", None)
                if offset + size < len(items):
                    data["NextToken"] = str(offset + size)
                answer = json.dumps(data).encode()
            self._send(status, answer_headers, answer)

        def _forward(
            self, body: bytes, headers: dict[str, str]
        ) -> tuple[int, dict[str, str], bytes]:
            sent = {k: v for k, v in headers.items() if k not in ("host", "content-length")}
            request = urllib.request.Request(
                target + self.path, data=body or None, headers=sent, method=self.command
            )
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return response.status, dict(response.headers), response.read()
            except urllib.error.HTTPError as error:
                return error.code, dict(error.headers), error.read()

        def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
