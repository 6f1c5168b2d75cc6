"""The crossing-point profile of an assessment (framework 2.0): which kinds of crossing point the
country has (air, land, sea, river/lake, rail), and whether it is an island or landlocked.

Criteria and indicators that exist only for some kinds follow from it (those the country has no
crossing point for are not shown and count as not applicable). The profile is saved with
"Save the profile", checked by the store (a landlocked country has no seaport: the store's
message is shown). A profile someone else saved since the page read it is not overwritten
silently: the first save says so and shows theirs; saving again replaces it.
"""
from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets

from ...errors import InvalidInput, Problem, WorkbookError
from ...framework import Framework
from ...store import Store
from ...store.criteria import PROFILE_KINDS, CrossingProfile
from .common import FAILED, SAVED, Look, parse_editor, problems_text, status_html, words


class ProfileEditor:
    """Checkboxes for the kinds of crossing point, island and landlocked; Save and Clear.

    Parameters
    ----------
    store : Store
    assessment_id : int
    framework : Framework
        The assessment's framework version (names of the kinds).
    profile : CrossingProfile
        The stored profile as the page read it.
    user : callable
        Returns the name typed in "Your name".
    on_saved : callable
        Called after the profile was stored (the page re-reads: criteria shown follow it).
    look : Look
    """

    def __init__(self, store: Store, assessment_id: int, framework: Framework, profile: CrossingProfile, *,
                 user: Callable[[], str], on_saved: Callable[[], None], look: Look, lang: str | None = None):
        self.lang = lang
        _ = self._ = words(lang)
        self.store, self.assessment_id, self.framework = store, assessment_id, framework
        self._user, self._on_saved = user, on_saved
        self.loaded = profile
        self.state, self.message = "", ""
        names = {k.id: k.name for k in framework.crossing_kinds}
        self.kinds = {k: widgets.Checkbox(description=names.get(k, k), indent=False, style=look.check_style,
                                          layout=look.auto) for k in PROFILE_KINDS}
        self.island = widgets.Checkbox(description=_("Island state"), indent=False, style=look.check_style,
                                       layout=look.auto)
        self.landlocked = widgets.Checkbox(description=_("Landlocked (no coast)"), indent=False,
                                           style=look.check_style, layout=look.auto)
        self.save_button = look.button_widget(_("Save the profile"),
                                              _("Save the kinds of crossing point of the country"))
        self.clear_button = look.button_widget(_("Clear the profile"),
                                               _("Forget the profile: every criterion applies again"))
        self.summary = look.html_widget()
        self.status = look.html_widget(status_html("", "", "mbm-profile-status"))
        kinds_box = widgets.HBox(list(self.kinds.values()), layout=look.row)
        kinds_box.add_class("mbm-checks")
        shape_box = widgets.HBox([self.island, self.landlocked], layout=look.row)
        shape_box.add_class("mbm-checks")
        help_text = _("Tick every kind of crossing point the country has. Criteria for kinds it does not have are "
                      "not shown and count as not applicable. Until a profile is saved, every criterion applies.")
        help_ = look.html_widget(f'<p class="mbm-help" style="margin:0.2em 0">{html.escape(help_text)}</p>')
        self.widget = widgets.VBox([help_, self.summary, kinds_box, shape_box,
                                    widgets.HBox([self.save_button, self.clear_button, self.status],
                                                 layout=look.row)], layout=look.box)
        self.widget.add_class("mbm-profile")
        self.save_button.on_click(self.save)
        self.clear_button.on_click(self.clear)
        self._fill(profile)

    # -- display ------------------------------------------------------------------------------
    def _fill(self, profile: CrossingProfile) -> None:
        for k, box in self.kinds.items():
            box.value = bool(profile.kinds and k in profile.kinds)
        self.island.value = bool(profile.island)
        self.landlocked.value = bool(profile.landlocked)
        self._shown = self._ticked()
        self.summary.value = self._summary(profile)

    def _ticked(self) -> tuple:
        return (tuple(box.value for box in self.kinds.values()), self.island.value, self.landlocked.value)

    def show(self, profile: CrossingProfile) -> None:
        """The stored profile read in after any save on the page; boxes ticked here and not saved
        keep what was ticked (saving them then says that the profile changed meanwhile)."""
        if self._ticked() == self._shown:
            self._fill(profile)
            self.loaded = profile
        else:
            self.summary.value = self._summary(profile, self._("(your ticks below are not saved yet)"))

    def _describe(self, profile: CrossingProfile) -> str:
        return profile.describe(self.framework, self.lang)

    def _summary(self, profile: CrossingProfile, after: str = "") -> str:
        recorded = self._("Recorded:")
        return (f'<p class="mbm-profile-summary" style="margin:0.2em 0"><strong>{html.escape(recorded)}'
                f"</strong> {html.escape(self._describe(profile))}" + (f" {html.escape(after)}" if after else "")
                + "</p>")

    def _say(self, state: str, text: str) -> None:
        self.state, self.message = state, text
        self.status.value = status_html(state, text, "mbm-profile-status")

    # -- actions ------------------------------------------------------------------------------
    def values(self) -> tuple[list[str], bool, bool]:
        """The ticked kinds, island and landlocked, checked (a browser can send any value)."""
        problems = []
        for name, box in list(self.kinds.items()) + [("island", self.island), ("landlocked", self.landlocked)]:
            if not isinstance(box.value, bool):
                problems.append(Problem(name, "expected ticked or not"))
        if problems:
            raise InvalidInput(problems, what="crossing-point profile")
        return [k for k, box in self.kinds.items() if box.value], self.island.value, self.landlocked.value

    def save(self, _button=None) -> bool:
        """Save the ticked profile (the store checks it). Never raises for a user error."""
        try:
            who = parse_editor(self._user(), self.lang)
            kinds, island, landlocked = self.values()
        except InvalidInput as exc:
            return self._refused(exc)
        return self._write(who, kinds, island, landlocked)

    def clear(self, _button=None) -> bool:
        """Forget the profile: every criterion applies again."""
        try:
            who = parse_editor(self._user(), self.lang)
        except InvalidInput as exc:
            return self._refused(exc)
        return self._write(who, None, None, None)

    def _refused(self, exc: InvalidInput) -> bool:
        self._say(FAILED, self._("not saved: %(why)s") % {"why": problems_text(exc, self.lang)})
        return False

    def _write(self, who: str, kinds, island, landlocked) -> bool:
        try:
            now = self.store.crossing_profile(self.assessment_id)
            if now != self.loaded:
                self.loaded = now
                self.summary.value = self._summary(now)
                self._say(FAILED, self._("not saved: someone else changed the profile since this page read it; it "
                                         "now reads: %(profile)s. Your ticks are kept: save again to replace it "
                                         "with yours.") % {"profile": self._describe(now)})
                return False
            saved = self.store.set_crossing_profile(self.assessment_id, kinds=kinds, by=who, island=island,
                                                    landlocked=landlocked)
        except InvalidInput as exc:
            return self._refused(exc)
        except WorkbookError as exc:
            self._say(FAILED, self._("not saved: %(why)s") % {"why": exc})
            return False
        self.loaded = saved
        self._fill(saved)
        self._say(SAVED, self._("saved by %(who)s: %(profile)s") % {"who": who, "profile": self._describe(saved)})
        try:
            self._on_saved()
        except Exception as exc:  # the save stands; say that the page is behind, never a traceback
            self._say(SAVED, self._("%(said)s; the page was not updated (%(error)s): reload the page") % {
                "said": self.message, "error": exc})
        return True
