"""Values that cross layers: findings, rules, the report."""

from __future__ import annotations

from dataclasses import dataclass, field

LEVELS = ("error", "warning", "note")
SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "note": "2.0"}


@dataclass(frozen=True)
class Location:
    file: str
    line: int


@dataclass(frozen=True)
class Hop:
    from_: str
    via: str
    to: str
    detail: str


@dataclass(frozen=True)
class Suppression:
    kind: str  # "inSource" | "config" | "baseline"
    reason: str


@dataclass(frozen=True)
class Finding:
    rule_id: str
    level: str
    message: str
    fix: str
    resource: str
    service: str | None
    need: str | None
    hop: Hop | None
    location: Location
    suppressed: Suppression | None = None

    def sort_key(self) -> tuple[str, int, str, str, str, str, str]:
        return (
            self.location.file,
            self.location.line,
            self.rule_id,
            self.need or "",
            self.service or "",
            self.resource,
            self.message,
        )


@dataclass(frozen=True)
class Rule:
    """A catalogue entry, read from a policy's METADATA block."""

    id: str
    title: str
    description: str
    level: str
    remediation: str
    tags: tuple[str, ...]
    package: str
    path: str
    failing_example: str = ""
    passing_example: str = ""
    # A rule of this repository's policies/, with a page in docs/rules/ (SARIF helpUri,
    # `explain`); a --policy rule has none.
    shipped: bool = False


@dataclass(frozen=True)
class PathStep:
    """One need of one service, as the policies routed it (for the text report)."""

    service: str
    need: str
    subnet: str
    path: str
    verdict: str  # "ok" | "fail" | "undecided" | "out-of-scope"
    # The rules whose checks of this path wait for a value the inputs do not settle (an FG801
    # note): an "ok" row without an error is then "undecided".
    unsettled: tuple[str, ...] = ()


@dataclass(frozen=True)
class InputError:
    """A bad input (exit 2), reported beside the findings of the other inputs."""

    file: str
    line: int | None
    message: str


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    rules: tuple[Rule, ...]
    errors: tuple[InputError, ...] = ()
    paths: tuple[PathStep, ...] = ()
    notices: tuple[str, ...] = ()
    category: str = "fargate-preflight"
    tool_version: str = ""
    services: tuple[str, ...] = field(default=())
    # Absolute path of the scanned root (SARIF originalUriBaseIds %SRCROOT%); "" when unknown.
    root: str = ""
    # Things the user should act on that are not findings (an expired ignore).
    warnings: tuple[str, ...] = ()

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(LEVELS, 0)
        for f in self.findings:
            if f.suppressed is None:
                counts[f.level] += 1
        return counts
