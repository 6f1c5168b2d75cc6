"""One exception hierarchy for the workbook.

Every error a user can cause derives from :class:`WorkbookError` and carries a message that
says where the problem is, so the CLI, the notebooks and the Voila app can show it as is.

An input is checked whole before it is refused: :class:`Problems` collects the problems of
every field (each check raises :class:`InvalidInput` naming its field), and raises them
together, so a person fixes a file or a form once, not once per mistake::

    problems = Problems()
    who = problems.take(parse_text, by, "by", required=True)
    with problems.collect():
        level = parse_level(value, "level")
    problems.raise_if_any(what="exposure")
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


class Message(str):
    """A message that is English text everywhere (logs, the CLI, ``str()``) and remembers how it
    was made, so a page can show it in the person's language (:func:`localized`). Made by
    :func:`tmsg`; ``make i18n`` extracts the template (keyword ``tmsg``)."""

    template: str
    params: dict

    def __new__(cls, template: str, params: dict):
        self = super().__new__(cls, template % params if params else template)
        self.template, self.params = template, params
        return self

    def __reduce__(self):  # pickles (a process pool, the report builder) keep the template
        return Message, (self.template, self.params)


def tmsg(template: str, **params) -> Message:
    """A translatable message: ``tmsg("is %(n)s characters long", n=12)`` is English now and can be
    shown in any language later (:func:`localized`)."""
    return Message(template, params)


def localized(what, lang: str | None) -> str:
    """``what`` (a :class:`Message`, a :class:`Problem`, an exception or any text) in ``lang``.
    Only messages made with :func:`tmsg` are translated; other text is shown as it is."""
    if isinstance(what, InvalidInput):
        return "; ".join(localized(p, lang) for p in what.problems)
    if isinstance(what, Problem):
        text = localized(what.message, lang)
        return f"{what.location}: {text}" if what.location else text
    if isinstance(what, BaseException):
        return localized(what.args[0], lang) if len(what.args) == 1 and isinstance(what.args[0], Message) else str(what)
    if isinstance(what, Message) and lang not in (None, "en"):
        from .i18n.messages import translator
        template = translator(lang).gettext(what.template)
        params = {k: localized(v, lang) if isinstance(v, Message) else v for k, v in what.params.items()}
        try:
            return template % params if params else template
        except (KeyError, TypeError, ValueError):  # a broken translation: the English stands
            return str.__str__(what)
    return str.__str__(what) if isinstance(what, str) else str(what)


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


class Problems:
    """The problems of one input, collected before raising once (see the module docstring)."""

    def __init__(self, problems: Iterable[Problem] = ()):
        self.items: list[Problem] = list(problems)

    def add(self, location: str, message: str) -> None:
        self.items.append(Problem(location, message))

    def append(self, problem: Problem) -> None:
        self.items.append(problem)

    def extend(self, problems: Iterable[Problem] | InvalidInput) -> None:
        self.items.extend(problems.problems if isinstance(problems, InvalidInput) else problems)

    def take(self, check: Callable[..., T], *args, **kwargs) -> T | None:
        """``check(*args, **kwargs)``; when it raises :class:`InvalidInput` its problems are kept
        and None is returned."""
        try:
            return check(*args, **kwargs)
        except InvalidInput as exc:
            self.items.extend(exc.problems)
            return None

    @contextlib.contextmanager
    def collect(self) -> Iterator[None]:
        """Keep the problems of an :class:`InvalidInput` raised in the block (the rest of the block
        is skipped) and go on after it."""
        try:
            yield
        except InvalidInput as exc:
            self.items.extend(exc.problems)

    def raise_if_any(self, *, what: str = "input") -> None:
        if self.items:
            raise InvalidInput(self.items, what=what)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)


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
