"""What the form widgets share: rating choices, the status line, shared layouts and styles,
the autosave timer, and the checks on values that come from the browser."""
from __future__ import annotations

import asyncio
import html
from collections.abc import Callable

import ipywidgets as widgets
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

from ...errors import InvalidInput, Problem
from ...framework import Framework
from ...inputs import MAX_SHORT, parse_text
from ...present import palette

NOT_RATED = ""
#: Class of every "Your name" field: the Voila template (mbm.macro.html.j2, ``session_name``) keeps
#: the name typed there for the browser session and writes it into such a field when it is empty.
EDITOR_FIELD_CLASS = "mbm-editor-name"
NAME_MISSING = "enter your name in “Your name” at the top of the page first"
DISAGREEMENT_GAP = 1
#: Seconds of quiet typing before notes are saved; ratings and evidence are saved at once.
NOTES_DELAY = 1.0

# States of an editor's status line (``IndicatorEditor.state``).
CLEAN, SAVING, SAVED, FAILED, CONFLICT = "clean", "saving", "saved", "failed", "conflict"
STATE_COLOURS = {SAVED: palette.OK, FAILED: palette.FAILED, CONFLICT: palette.FAILED, SAVING: palette.WORKING}


def rating_options(framework: Framework, *, long: bool) -> list[tuple[str, str]]:
    """Choices for a rating selector: not rated, levels 1-5, then the NA/NE/IE codes.

    ``long`` labels carry the level name ("3 Established"); short ones fit toggle buttons.
    """
    opts = [("not rated" if long else "–", NOT_RATED)]
    opts += [(f"{lv.level} {lv.name}" if long else str(lv.level), str(lv.level)) for lv in framework.scale.levels]
    opts += [(f"{c.code} {c.name}" if long else c.code, c.code) for c in framework.scale.codes]
    return opts


def rating_tooltips(framework: Framework) -> list[str]:
    return (["not rated"] + [f"{lv.level} {lv.name}" for lv in framework.scale.levels]
            + [f"{c.code}: {c.name}" for c in framework.scale.codes])


def as_choice(value) -> str:
    """A stored rating as a selector value ('' when unrated)."""
    return NOT_RATED if value is None or value != value else str(value)


def differ(national, external) -> bool:
    """National and external levels differ by more than one level (codes never count)."""
    try:
        return abs(int(national) - int(external)) > DISAGREEMENT_GAP
    except (TypeError, ValueError):
        return False


def status_html(state: str, text: str, kind: str = "mbm-status") -> str:
    """The status line: a polite live region, so screen readers hear "saved" or why not."""
    colour = STATE_COLOURS.get(state, palette.MUTED)
    return (f'<span role="status" aria-live="polite" class="{kind} {kind}-{state}" '
            f'style="color:{colour};white-space:pre-wrap">{html.escape(text)}</span>')


def parse_editor(value) -> str:
    """The name of the person editing (from "Your name" or the page address), or raise."""
    try:
        return parse_text(value, "Your name", max_len=MAX_SHORT, required=True)
    except InvalidInput as exc:
        if exc.problems[0].message == "is required":
            raise InvalidInput(Problem("", NAME_MISSING)) from None
        raise


def choice_in(value, allowed, field: str) -> str:
    """A selector value checked against the options the page offered (the browser can send any)."""
    if isinstance(value, str) and value in allowed:
        return value
    shown = value if isinstance(value, str) and len(value) <= 40 else repr(value)[:40]
    raise InvalidInput(Problem(field, f"{shown!r} is not one of the choices offered"))


class Look:
    """Layouts and styles shared by many widgets: each shared one is a single widget model in
    the browser instead of one per control, which is most of what a page has to load."""

    def __init__(self):
        # TextStyle also serves dropdowns: it is a DescriptionStyle with a few more (unset) traits.
        self.label = TextStyle(description_width="5.5em")
        self.toggles = widgets.ToggleButtonsStyle(description_width="5.5em", button_width="3.2em")
        self.button = widgets.ButtonStyle()
        self.html = HTMLStyle()
        self.auto = widgets.Layout(width="auto")
        self.full = widgets.Layout(width="95%")
        self.select = widgets.Layout(width="19em")
        self.notes = widgets.Layout(width="95%", height="4.5em")
        self.box = widgets.Layout()
        self.row = widgets.Layout(flex_flow="row wrap", align_items="center")
        self.editor = widgets.Layout(border_bottom="1px solid #ddd", padding="0 0 0.6em 0", margin="0 0 0.4em 0")

    def html_widget(self, value: str = "") -> widgets.HTML:
        return widgets.HTML(value, layout=self.box, style=self.html)

    def button_widget(self, description: str, tooltip: str = "", *, layout=None) -> widgets.Button:
        return widgets.Button(description=description, tooltip=tooltip or description, layout=layout or self.auto,
                              style=self.button)


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The kernel's event loop when code runs inside one (Voila, JupyterLab); else None."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Autosave:
    """Run ``action`` once changes have stopped for ``delay`` seconds.

    Every :meth:`touch` restarts the wait. Without an event loop (plain Python, tests) or with
    no delay the action runs at once. ``loop`` is for tests: anything with ``call_later``.
    """

    def __init__(self, action: Callable[[], object], delay: float, *, loop=None):
        self.action, self.delay = action, delay
        self._loop = loop
        self._handle = None

    @property
    def pending(self) -> bool:
        return self._handle is not None

    def touch(self) -> None:
        self.cancel()
        loop = self._loop or running_loop()
        if self.delay <= 0 or loop is None:
            self.action()
        else:
            self._handle = loop.call_later(self.delay, self._fire)

    def flush(self) -> None:
        """Run a pending action now (another field changed, or the page is refreshing)."""
        if self._handle is not None:
            self.cancel()
            self.action()

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _fire(self) -> None:
        self._handle = None
        self.action()
