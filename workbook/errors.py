"""One exception hierarchy for the workbook.

Every error a user can cause derives from :class:`WorkbookError` and carries a message that
says where the problem is, so the CLI, the notebooks and the Voila app can show it as is.
"""
from __future__ import annotations

from dataclasses import dataclass


class WorkbookError(Exception):
    """Base class of every error the workbook raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input, with its location (a path, a cell, a field)."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class InvalidInput(WorkbookError):
    """An input was rejected; ``problems`` lists every problem found in one pass."""

    def __init__(self, problems: list[Problem] | Problem, *, what: str = "input"):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.what = what
        lines = "\n".join(f"  - {p}" for p in self.problems)
        n = len(self.problems)
        super().__init__(f"{what}: {n} problem{'s' if n != 1 else ''}\n{lines}")


class FrameworkError(InvalidInput):
    """The framework file is missing or does not match the schema."""


class NotFound(WorkbookError):
    """An assessment, indicator or other record does not exist."""


class Conflict(WorkbookError):
    """A write was based on a stale version: someone else changed the record first.

    ``current`` holds the values now stored, so the user can see the other person's change.
    """

    def __init__(self, message: str, *, current: dict | None = None):
        super().__init__(message)
        self.current = current or {}


class Unavailable(WorkbookError):
    """The database could not be reached, even after retrying; nothing was written."""
