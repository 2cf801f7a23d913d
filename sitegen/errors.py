"""Problems found in a site's files, kept as values so that a run reports all of them at once."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in one file: `path:line: message`.

    `path` is shown as given (relative to the site folder where possible);
    `line` is 1-based, or None when the problem concerns the whole file.
    """

    path: str
    line: int | None
    message: str
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_plain(self) -> tuple[str, int | None, str, str]:
        """As plain data, for the build cache."""
        return (self.path, self.line, self.message, self.severity.value)

    @classmethod
    def from_plain(cls, data: tuple) -> Problem:
        path, line, message, severity = data
        if not (isinstance(path, str) and isinstance(message, str) and (line is None or type(line) is int)):
            raise ValueError("not a problem")
        return cls(path, line, message, Severity(severity))

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        prefix = "" if self.is_error else "warning: "
        return f"{where}: {prefix}{self.message}"


def error(path: str | Path, line: int | None, message: str) -> Problem:
    return Problem(str(path), line, message, Severity.ERROR)


def warning(path: str | Path, line: int | None, message: str) -> Problem:
    return Problem(str(path), line, message, Severity.WARNING)


def shown(value: object, limit: int = 80) -> str:
    """`value` as a message quotes it: its repr, cut short when long (front matter can hold
    anything, and a message must stay readable)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class SiteError(Exception):
    """Raised by the library's entry points when a run cannot go on; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class UsageError(Exception):
    """A command was asked for something it must refuse (a bad folder, an unsafe output path)."""
