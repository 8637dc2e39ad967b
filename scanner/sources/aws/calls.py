"""Every AWS call of the live export goes through here: read-only, counted, paginated, and a
refused or throttled call becomes a coverage gap instead of an exception.

`OPERATIONS` is the exporter's complete list of calls: `Reader` refuses any other, the IAM policy
in docs/examples/ is generated from it, and the read-only guard (a botocore `before-call` hook on
every client) refuses anything that is not Describe*/List*/Get* before it is sent.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from scanner.errors import EngineError
from scanner.model.partition import gap_ref

OPERATIONS: dict[str, tuple[str, ...]] = {
    "sts": ("GetCallerIdentity", "AssumeRole"),
    "organizations": ("ListAccounts",),
    "ec2": (
        "DescribeRegions",
        "DescribeSubnets",
        "DescribeVpcs",
        "DescribeVpcAttribute",
        "DescribeDhcpOptions",
        "DescribeRouteTables",
        "DescribeNetworkAcls",
        "DescribeSecurityGroups",
        "DescribeNatGateways",
        "DescribeInternetGateways",
        "DescribeEgressOnlyInternetGateways",
        "DescribeVpcEndpoints",
        "DescribePrefixLists",
        "DescribeManagedPrefixLists",
        "GetManagedPrefixListEntries",
        "DescribeNetworkInterfaces",
    ),
    "ecs": (
        "ListClusters",
        "DescribeClusters",
        "ListServices",
        "DescribeServices",
        "ListTasks",
        "DescribeTasks",
        "DescribeTaskDefinition",
    ),
    "iam": (
        "GetRole",
        "ListRolePolicies",
        "GetRolePolicy",
        "ListAttachedRolePolicies",
        "GetPolicy",
        "GetPolicyVersion",
    ),
    "efs": ("DescribeFileSystems", "DescribeMountTargets", "DescribeMountTargetSecurityGroups"),
    "logs": ("DescribeLogGroups",),
    "kms": ("DescribeKey", "GetKeyPolicy"),
    "secretsmanager": ("DescribeSecret",),
    "ssm": ("DescribeParameters",),
    "events": ("ListEventBuses", "ListRules", "ListTargetsByRule"),
    "scheduler": ("ListSchedules", "GetSchedule"),
    "stepfunctions": ("ListStateMachines", "DescribeStateMachine"),
}
READ_PREFIXES = ("Describe", "List", "Get")
GLOBAL = "global"  # the region of IAM and Organizations objects
# The only calls that are not reads: getting credentials into the accounts to scan.
NOT_READS_ALLOWED = frozenset({("sts", "AssumeRole"), ("sts", "GetCallerIdentity")})
# Error codes that mean "not allowed" or "not now": a coverage gap, never a crash.
DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "AuthFailure",
        "OptInRequired",
    }
)
# A list call without a botocore paginator (events:ListEventBuses) follows `NextToken` itself,
# for at most this many pages: more is a gap, as a token that repeats is for a paginator.
MAX_PAGES = 1000
# How much of an error's text a gap keeps: an egress proxy's block page may be kilobytes of HTML.
ERROR_CHARS = 300
THROTTLED = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
    }
)
# An object that is gone between two calls (a policy deleted since it was listed): it is missing
# from the model, and the policies say so as for any missing reference. A role that a task
# definition names and GetRole does not find is different: it does not exist (iam.py).
NOT_FOUND = frozenset(
    {"NoSuchEntity", "ClientException", "FileSystemNotFound", "MountTargetNotFound"}
)


class WriteRefused(EngineError):
    """The exporter tried an operation that is not a read: a bug, refused before it was sent."""


def is_read_only(service: str, operation: str) -> bool:
    return operation.startswith(READ_PREFIXES) or (service, operation) in NOT_READS_ALLOWED


def refuse_writes(model: Any, **_: Any) -> None:
    """botocore `before-call` hook: raising here means the request is never built or sent."""
    service = model.service_model.service_name
    if not is_read_only(service, model.name):
        raise WriteRefused(f"refused {service}:{model.name}: the live scan only reads")


class CallCounter:
    """API calls per service (every page is a call), shared by all threads of a scan."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def __call__(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.counts[model.service_model.service_name] += 1


def make_client(session: Any, service: str, region: str | None, counter: CallCounter) -> Any:
    """A client with adaptive retries, the read-only guard and the call counter."""
    from botocore.config import Config  # type: ignore[import-untyped]

    config = Config(retries={"mode": "adaptive", "max_attempts": 5}, user_agent_extra="fp")
    client = session.client(service, region_name=region, config=config)
    client.meta.events.register("before-call", refuse_writes)
    client.meta.events.register("before-call", counter)
    return client


@dataclass(frozen=True)
class Gap:
    """A call that was refused or throttled: what it returns is missing from the model."""

    api: str  # "ec2:DescribeNatGateways"
    account: str
    region: str  # "global" for IAM and Organizations
    error: str  # "AccessDenied: ..."

    @property
    def ref(self) -> str:
        return gap_ref(self.model())

    @property
    def source(self) -> dict[str, Any]:
        return {"file": f"aws://{self.account}/{self.region}/{self.api}", "line": 1, "pointer": ""}

    def model(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "account": self.account,
            "region": self.region,
            "error": self.error,
            "source": self.source,
        }

    def unknown(self, what: str) -> dict[str, Any]:
        """The value `what` that this call would have settled."""
        return {
            "unknown": f"{what} is not known: {self.api} failed ({self.error})",
            "ref": self.ref,
            "source": self.source,
        }


@dataclass
class Reader:
    """The calls of one account in one region: clients made once, gaps kept, calls counted."""

    session: Any
    account: str
    region: str
    counter: CallCounter
    gaps: list[Gap] = field(default_factory=list)
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            # Global services: IAM signs for its own region; Organizations and STS answer in
            # us-east-1 whatever the caller's region.
            region = self.region if self.region != GLOBAL else "us-east-1"
            self._clients[service] = make_client(self.session, service, region, self.counter)
        return self._clients[service]

    def all(self, service: str, operation: str, key: str, **params: Any) -> list[Any] | None:
        """Every item under `key` of every page, or None when the call failed (a gap)."""
        pages = self._call(service, operation, params, paginate=True)
        if pages is None:
            return None
        return [item for page in pages for item in page.get(key, [])]

    def first(self, service: str, operation: str, key: str, **params: Any) -> list[Any] | None:
        """The first item under `key` (a list of one, or empty when there is none), or None when
        the call failed (a gap): pages are read only until one has an item."""
        pages = self._call(service, operation, params, paginate=True, until=key)
        if pages is None:
            return None
        return [item for page in pages for item in page.get(key, [])][:1]

    def one(self, service: str, operation: str, **params: Any) -> dict[str, Any] | None:
        """The response of one call, or None when it failed (a gap) or the object is gone."""
        pages = self._call(service, operation, params, paginate=False)
        return pages[0] if pages else None

    def one_or_gone(
        self, service: str, operation: str, *, gone: frozenset[str] = frozenset(), **params: Any
    ) -> dict[str, Any] | None | Literal[False]:
        """As `one`, but False when AWS answered that the object does not exist (a NOT_FOUND
        code, or one of `gone`: the operation's own): None is then only a failed call (a gap)."""
        pages = self._call(service, operation, params, paginate=False, gone=gone)
        if pages is None:
            return None
        return pages[0] if pages else False

    def elsewhere(self, region: str) -> Reader:
        """The same account in another region (a log group's `awslogs-region`), recording its
        gaps with this reader's."""
        if region == self.region:
            return self
        return Reader(self.session, self.account, region, self.counter, self.gaps)

    def gap(self, service: str, operation: str) -> Gap | None:
        """The gap of this call where this reader makes it (its region, or IAM's global one)."""
        api, region = f"{service}:{operation}", self._region_of(service)
        return next((g for g in self.gaps if g.api == api and g.region == region), None)

    def _region_of(self, service: str) -> str:
        return GLOBAL if service in ("iam", "organizations") else self.region

    def _call(
        self,
        service: str,
        operation: str,
        params: dict[str, Any],
        *,
        paginate: bool,
        until: str | None = None,
        gone: frozenset[str] = frozenset(),
    ) -> list[dict[str, Any]] | None:
        """The pages of the call (with `until`: up to the first that has an item under that key),
        or None when it failed (a gap) or the object is gone (no pages when not paginating)."""
        from botocore import xform_name  # type: ignore[import-untyped]
        from botocore.exceptions import (  # type: ignore[import-untyped]
            BotoCoreError,
            ClientError,
        )
        from botocore.parsers import ResponseParserError  # type: ignore[import-untyped]

        if operation not in OPERATIONS.get(service, ()):
            raise EngineError(f"internal error: {service}:{operation} is not in OPERATIONS")
        name = xform_name(operation)
        try:
            # (in the try: a region botocore rejects, from a task definition's awslogs-region,
            # fails when its client is made)
            client = self.client(service)
            if paginate and client.can_paginate(name):
                pages = client.get_paginator(name).paginate(**params)
            elif paginate:
                pages = _next_token_pages(getattr(client, name), params)
            else:
                return [getattr(client, name)(**params)]
            if until is not None:
                return next(([page] for page in pages if page.get(until)), [])
            return list(pages)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
            if code in NOT_FOUND | gone and code not in DENIED:
                return [] if not paginate else None  # (`one_or_gone` tells it from a gap)
            self._record(service, operation, error_text(exc))
        except (BotoCoreError, ResponseParserError) as exc:
            # BotoCoreError: endpoint unreachable, service not in this region, a paginator's
            # repeated token. ResponseParserError (not a BotoCoreError): an answer that is not
            # the protocol's, such as an egress proxy's HTML block page to an XML API.
            self._record(service, operation, error_text(exc))
        return None

    def _record(self, service: str, operation: str, error: str) -> None:
        gap = Gap(f"{service}:{operation}", self.account, self._region_of(service), error)
        if gap not in self.gaps:
            self.gaps.append(gap)


def error_text(exc: Exception) -> str:
    """A failed call's error on one line, cut short: "Code: Message" as AWS answered it, else
    the botocore exception's name and text."""
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        text = f"{error.get('Code', 'Unknown')}: {error.get('Message', '')}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"


def _next_token_pages(call: Any, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The pages of a list call that botocore has no paginator for, following `NextToken`."""
    from botocore.exceptions import PaginationError

    token = None
    for _ in range(MAX_PAGES):
        page = call(**params, **({"NextToken": token} if token else {}))
        yield page
        if not page.get("NextToken"):
            return
        if page["NextToken"] == token:
            raise PaginationError(message=f"the same NextToken was received twice: {token}")
        token = page["NextToken"]
    raise PaginationError(message=f"more than {MAX_PAGES} pages")
