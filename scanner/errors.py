"""One exception base per layer; the CLI turns them into exit codes (2: bad input, 3: internal)."""

from __future__ import annotations

import re

# What looks like an AWS access key id, or a secret access key (40 base64 characters with a
# digit, a capital, a small letter and a `/` or `+`: CDK's logical ids have no `/`), is never
# printed, even where a message quotes a value back (a duplicate key, a value of the wrong
# kind): a template may hold one by mistake. A run that continues a word with `-` is a path
# (`arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role`), not a key.
_KEY = r"[A-Za-z0-9/+]"
_SECRET_SHAPES = re.compile(
    r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA|APKA)[A-Z0-9]{16}"
    r"(?![A-Za-z0-9])"
    rf"|(?<![A-Za-z0-9/+-])(?={_KEY}{{0,39}}[0-9])(?={_KEY}{{0,39}}[A-Z])(?={_KEY}{{0,39}}[a-z])"
    rf"(?={_KEY}{{0,39}}[/+]){_KEY}{{40}}(?![A-Za-z0-9/+=])"
)


def redact(text: str) -> str:
    """`text` with anything shaped like an AWS key replaced by `[redacted]`."""
    return _SECRET_SHAPES.sub("[redacted]", text)


def one_line(text: str) -> str:
    """A line of the report as one line: a line break or other control character that a value
    of the inputs brings (`!ImportValue "a\\n::error ..."`) is shown escaped, so it cannot start
    a line of its own (a workflow command, when the text is a CI job's log)."""
    return text.translate(_CONTROL) if _HAS_CONTROL.search(text) else text


# C0 controls and DEL, but the escape that colours the report and the tab
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F) if c not in (0x09, 0x1B)} | {
    0x0A: "\\n",
    0x0D: "\\r",
}
_HAS_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1a\x1c-\x1f\x7f]")


class PreflightError(Exception):
    """Base of every error the scanner raises on purpose."""

    exit_code = 3


class SourceError(PreflightError):
    """Bad user input: a file that cannot be read, parsed or resolved. Exit code 2."""

    exit_code = 2

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = redact(message)
        super().__init__(str(self))

    def __reduce__(self) -> tuple[type[SourceError], tuple[str, int | None, str]]:
        return (SourceError, (self.file, self.line, self.message))  # (for _load_apart)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class UsageError(PreflightError):
    """Bad flags or configuration. Exit code 2."""

    exit_code = 2


class PolicyError(PreflightError):
    """A user's --policy that does not compile. Exit code 2."""

    exit_code = 2


class EngineError(PreflightError):
    """The engine failed, or a shipped policy was rejected. Exit code 3."""

    exit_code = 3
