"""What the form widgets share: rating choices, the status line, shared layouts and styles,
the autosave timer, and the checks on values that come from the browser."""
from __future__ import annotations

import asyncio
import contextlib
import functools
import html
from collections.abc import Callable

import ipywidgets as widgets
from ipywidgets.widgets.widget_bool import CheckboxStyle
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

from ...errors import Conflict, InvalidInput, Problem, WorkbookError, localized
from ...framework import Framework
from ...i18n.messages import N_, translator
from ...inputs import MAX_SHORT, parse_text
from ...present import palette

NOT_RATED = ""
#: Class of every "Your name" field: the Voila template (mbm.macro.html.j2, ``session_name``) keeps
#: the name typed there for the browser session and writes it into such a field when it is empty.
EDITOR_FIELD_CLASS = "mbm-editor-name"
NAME_MISSING = N_("enter your name in “Your name” at the top of the page first")


def words(lang: str | None):
    """The form's ``gettext`` in ``lang`` (English when none)."""
    return translator(lang or "en").gettext


def signed_in_editor(field: widgets.Text, store, lang: str | None = None) -> None:
    """With accounts on, "Your name" is the signed-in account's: shown, not typed. The store records
    the account whatever the field says (and refuses another name), so the field is filled, made
    read-only and taken out of the browser session's name memory. With accounts off (or a page
    whose sign-in has ended: the store says so at the first save) it stays as it is."""
    if store is None or getattr(store, "actor_source", None) is None:
        return
    try:
        actor = store.actor
    except WorkbookError:
        return
    if actor is None or not actor.username:
        return
    field.value = actor.name or actor.username
    field.description = words(lang)("Signed in as")
    field.placeholder = ""
    field.disabled = True
    field.remove_class(EDITOR_FIELD_CLASS)
DISAGREEMENT_GAP = 1
#: Seconds of quiet typing before notes are saved; ratings and evidence are saved at once.
NOTES_DELAY = 1.0

# States of an editor's status line (``IndicatorEditor.state``).
CLEAN, SAVING, SAVED, FAILED, CONFLICT = "clean", "saving", "saved", "failed", "conflict"
STATE_COLOURS = {SAVED: palette.OK, FAILED: palette.FAILED, CONFLICT: palette.FAILED, SAVING: palette.WORKING}
WARN_STYLE = "color:#8a4b00"

#: The form's own look (framework 2.0 parts), sent with the form so that JupyterLab, which does not
#: use our Voila template, shows the same: criteria labels wrap beside their answer buttons, and the
#: chosen answer carries a check mark, so it is told by more than its colour.
FORM_STYLE = """<style>
.mbm-form .mbm-criterion{display:flex;align-items:flex-start;width:auto;margin:0.1em 0}
.mbm-form .mbm-criterion > .widget-label{flex:1 1 auto;width:auto !important;max-width:none;white-space:normal;
  height:auto;line-height:1.35;text-align:left;overflow:visible;padding-top:0.2em}
.mbm-form .mbm-criterion .widget-toggle-button.mod-active::after{content:" \\2713"}
.mbm-form .mbm-criteria-grid{grid-template-columns:minmax(0,1fr) minmax(10em,16em);column-gap:0.6em}
.mbm-form .mbm-section-toggle{text-align:left;justify-content:flex-start;height:auto;white-space:normal;
  font-weight:600;margin-top:0.3em}
.mbm-form .mbm-checks .widget-checkbox{width:auto;margin-right:1em}
</style>"""


def rating_options(framework: Framework, *, long: bool, lang: str | None = None) -> list[tuple[str, str]]:
    """Choices for a rating selector: not rated, levels 1-5, then the NA/NE/IE codes.

    ``long`` labels carry the level name ("3 Established"); short ones fit toggle buttons.
    """
    opts = [(words(lang)("not rated") if long else "–", NOT_RATED)]
    opts += [(f"{lv.level} {lv.name}" if long else str(lv.level), str(lv.level)) for lv in framework.scale.levels]
    opts += [(f"{c.code} {c.name}" if long else c.code, c.code) for c in framework.scale.codes]
    return opts


def rating_tooltips(framework: Framework, lang: str | None = None) -> list[str]:
    return ([words(lang)("not rated")] + [f"{lv.level} {lv.name}" for lv in framework.scale.levels]
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


def parse_editor(value, lang: str | None = None) -> str:
    """The name of the person editing (from "Your name" or the page address), or raise (the
    missing name said in ``lang``)."""
    try:
        return parse_text(value, "Your name", max_len=MAX_SHORT, required=True)
    except InvalidInput as exc:
        if exc.problems[0].message == "is required":
            raise InvalidInput(Problem("", words(lang)(NAME_MISSING))) from None
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

    # The ones below are made when first used (framework 2.0 parts): a page that never shows them
    # never sends them to the browser.
    @functools.cached_property
    def hidden(self) -> widgets.Layout:
        return widgets.Layout(display="none")

    @functools.cached_property
    def answers(self) -> widgets.ToggleButtonsStyle:
        """Criteria answer buttons (their label wraps beside them: see FORM_STYLE)."""
        return widgets.ToggleButtonsStyle(description_width="0", button_width="3.4em")

    @functools.cached_property
    def note_label(self) -> TextStyle:
        return TextStyle(description_width="4.5em")

    @functools.cached_property
    def grid(self) -> widgets.Layout:
        return widgets.Layout(width="95%")

    @functools.cached_property
    def check_style(self) -> CheckboxStyle:
        return CheckboxStyle(description_width="0")

    def html_widget(self, value: str = "") -> widgets.HTML:
        return widgets.HTML(value, layout=self.box, style=self.html)

    def button_widget(self, description: str, tooltip: str = "", *, layout=None) -> widgets.Button:
        return widgets.Button(description=description, tooltip=tooltip or description, layout=layout or self.auto,
                              style=self.button)


def conflict_buttons(look: Look, what: str, keep: Callable[[], object], mine: Callable[[], object],
                     lang: str | None = None) -> widgets.HBox:
    """The two answers to a conflict: show the values now stored, or save mine over them."""
    _ = words(lang)
    theirs = look.button_widget(_("Use their values"), _("Show the values now stored for %(what)s") % {"what": what})
    replace = look.button_widget(_("Replace theirs with mine"),
                                 _("Save your values over theirs for %(what)s") % {"what": what})
    theirs.on_click(lambda _b: keep())
    replace.on_click(lambda _b: mine())
    return widgets.HBox([theirs, replace], layout=look.row)


@contextlib.contextmanager
def set_by_code(owner, flag: str = "_loading"):
    """Widget values set by code inside this block: ``owner.<flag>`` is true meanwhile, so that the
    owner's observers know the user did not change them."""
    setattr(owner, flag, True)
    try:
        yield
    finally:
        setattr(owner, flag, False)


def saved_or_said(write: Callable[[], object], *, say: Callable[[str, str], None],
                  on_conflict: Callable[[Conflict], None] | None = None,
                  failed: str = "not saved", lang: str | None = None) -> tuple[bool, object]:
    """Run a store write: ``(True, its result)``; or ``(False, None)`` with the refusal said on the
    status line ("not saved: <why>", ``failed`` giving the first words) and a conflict handed to
    ``on_conflict`` (None: said like any refusal). Never raises for a user error or a store that
    refuses. The why is said in ``lang`` where the store wrote it with :func:`~workbook.errors.tmsg`."""
    try:
        return True, write()
    except Conflict as exc:
        if on_conflict is None:
            say(FAILED, f"{failed}: {localized(exc, lang)}")
        else:
            on_conflict(exc)
    except InvalidInput as exc:
        say(FAILED, f"{failed}: " + problems_text(exc, lang))
    except WorkbookError as exc:  # NotFound (e.g. assessment deleted), Unavailable, ...
        say(FAILED, f"{failed}: {localized(exc, lang)}")
    return False, None


def problems_text(exc: InvalidInput, lang: str | None = None) -> str:
    """Every problem of ``exc``, in ``lang`` where it was written with :func:`~workbook.errors.tmsg`."""
    return localized(exc, lang)


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
