"""One exception base per layer; the CLI turns them into exit codes (2: bad input, 3: internal)."""

from __future__ import annotations


class PreflightError(Exception):
    """Base of every error the scanner raises on purpose."""

    exit_code = 3


class SourceError(PreflightError):
    """Bad user input: a file that cannot be read, parsed or resolved. Exit code 2."""

    exit_code = 2

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        super().__init__(str(self))

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
