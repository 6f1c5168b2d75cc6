"""The evidence list editor of one indicator: add, edit and remove records.

Every value is checked in Python before it is stored (the store checks again): the record
chosen must be one of this indicator's, the type one of the framework's, the date not in
the future, the source given, the texts within their limits.
"""
from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets

from ...errors import Conflict, InvalidInput, WorkbookError, localized
from ...framework import Framework
from ...inputs import EVIDENCE_FIELDS
from ...present.levels import strength_name
from ...store import Store
from .common import FAILED, SAVED, Look, choice_in, parse_editor, set_by_code, status_html, words

NEW = "new"


def record_label(framework: Framework, rec: dict) -> str:
    names = {t.id: t.name for t in framework.evidence_types}
    source = rec["source"] if len(rec["source"]) <= 50 else rec["source"][:49] + "…"
    when = f" ({rec['date']:%Y-%m-%d})" if rec.get("date") else ""
    return f"{names.get(rec['type'], rec['type'])}: {source}{when}"


def type_label(framework: Framework, t) -> str:
    """An evidence type with its strength, both in the framework's language (a translated
    framework carries ``lang``): ``Témoignage recueilli (témoignage)``."""
    return f"{t.name} ({strength_name(t.strength, getattr(framework, 'lang', None))})"


def evidence_list_html(framework: Framework, records: list[dict], lang: str | None = None) -> str:
    """The evidence records as a small table (or a sentence when there are none), in ``lang``."""
    e, _ = html.escape, words(lang)
    if not records:
        none = _("No evidence recorded yet.")
        return f'<p class="mbm-evidence-none" style="margin:0.2em 0">{e(none)}</p>'
    names = {t.id: type_label(framework, t) for t in framework.evidence_types}
    body = []
    for r in records:
        date = f'{r["date"]:%Y-%m-%d}' if r.get("date") else "–"
        body.append(f'<tr><td>{e(names.get(r["type"], r["type"]))}</td><td>{e(r["source"])}</td><td>{date}</td>'
                    f'<td>{e(r.get("reference") or "–")}</td><td>{e(r.get("supplied_by") or "–")}</td></tr>')
    heads = "".join(f'<th scope="col">{e(h)}</th>' for h in (_("Type"), _("Source"), _("Date"), _("Reference"),
                                                              _("Supplied by")))
    return (f'<table class="mbm-table mbm-evidence"><thead><tr>{heads}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


class EvidenceEditor:
    """Choose a record (or "new record"), fill the fields, then Add/Save or Remove.

    Parameters
    ----------
    store : Store
    assessment_id : int
    indicator_id : str
    records : list of dict
        This indicator's records (``Snapshot.records`` shape).
    user : callable
        Returns the name typed in "Your name".
    on_change : callable
        Called after a record was added, changed or removed (to reload and re-score).
    look : Look
    framework : Framework, optional
        The assessment's framework version (its evidence types); default the store's.
    lang : str, optional
        The page's language for labels, buttons and status lines (English when none).
    """

    def __init__(self, store: Store, assessment_id: int, indicator_id: str, records: list[dict], *,
                 user: Callable[[], str], on_change: Callable[[], None], look: Look,
                 framework: Framework | None = None, lang: str | None = None):
        self.lang = lang
        _ = self._ = words(lang)
        fw = self.framework = framework or store.framework
        self.store, self.assessment_id, self.indicator_id = store, assessment_id, indicator_id
        self._user, self._on_change = user, on_change
        self.records: list[dict] = []
        self.state, self.message = "", ""
        ind = indicator_id
        self.record = widgets.Dropdown(description=_("Record"), options=[(_("new record"), NEW)], value=NEW,
                                       style=look.label, layout=look.select)
        self.type = widgets.Dropdown(description=_("Type"), options=[(_("choose a type"), "")] +
                                     [(type_label(fw, t), t.id) for t in fw.evidence_types],
                                     style=look.label, layout=look.select)
        self.source = widgets.Text(description=_("Source"), placeholder=_("document, interview, site visited"),
                                   style=look.label, layout=look.full)
        self.date = widgets.Text(description=_("Date"), placeholder="YYYY-MM-DD", style=look.label,
                                 layout=look.select)
        self.reference = widgets.Text(description=_("Reference"), placeholder=_("file, link or page"),
                                      style=look.label, layout=look.full)
        self.supplied_by = widgets.Text(description=_("Supplied by"), placeholder=_("who gave it"),
                                        style=look.label, layout=look.select)
        of = {"indicator": ind}
        self.save_button = look.button_widget(_("Add record"), _("Add an evidence record to %(indicator)s") % of)
        self.remove_button = look.button_widget(_("Remove record"),
                                                _("Remove the chosen evidence record of %(indicator)s") % of)
        self.status = look.html_widget(status_html("", "", "mbm-evidence-status"))
        self.widget = widgets.VBox(
            [self.record, self.type, self.source, self.date, self.reference, self.supplied_by,
             widgets.HBox([self.save_button, self.remove_button, self.status], layout=look.row)],
            layout=look.box)
        self.widget.add_class("mbm-evidence-editor")
        self._quiet = False
        self._base: dict | None = None
        self._shown: dict = {}
        self.record.observe(self._on_record, "value")
        self.save_button.on_click(self.save)
        self.remove_button.on_click(self.remove)
        self.set_records(records)

    # -- display ------------------------------------------------------------------------------
    def set_records(self, records: list[dict]) -> None:
        """Show the stored records; keeps the chosen one when it still exists.

        The fields follow the chosen record, unless something was typed in them since they were
        filled: then they keep what was typed (a re-read after any save on the page, or someone
        else's change read in, never wipes a record being typed). Saving it is still checked
        against the record as it was when the typing started.
        """
        self.records = list(records)
        chosen = self.record.value
        typing = self.fields() != self._shown
        options = [(self._("new record"), NEW)] + [(record_label(self.framework, r), str(r["evidence_id"]))
                                           for r in self.records]
        with set_by_code(self, "_quiet"):  # new options may move the value: that is not the user choosing
            self.record.options = options
            self.record.value = chosen if chosen in {v for _, v in options} else NEW
        if not typing:
            self._fill()
        elif self.record.value != chosen:  # the record being edited was removed meanwhile
            self._base = None
            self._buttons(None)
            self._say(FAILED, self._("the record you were editing was removed by someone else; "
                                     "Add record adds what you typed as a new one"))

    def _on_record(self, _change) -> None:
        if not self._quiet:
            self._fill()

    def _chosen(self) -> dict | None:
        value = choice_in(self.record.value, {NEW} | {str(r["evidence_id"]) for r in self.records}, "Record")
        return None if value == NEW else next(r for r in self.records if str(r["evidence_id"]) == value)

    def _fill(self) -> None:
        try:
            rec = self._chosen()
        except InvalidInput:
            rec = None
        rec = rec or {}
        self.type.value = rec.get("type") if rec.get("type") in {v for _, v in self.type.options} else ""
        self.source.value = rec.get("source") or ""
        self.date.value = f"{rec['date']:%Y-%m-%d}" if rec.get("date") else ""
        self.reference.value = rec.get("reference") or ""
        self.supplied_by.value = rec.get("supplied_by") or ""
        self._base = rec or None
        self._shown = self.fields()
        self._buttons(rec)

    def _buttons(self, rec: dict | None) -> None:
        self.save_button.description = self._("Save record") if rec else self._("Add record")
        self.remove_button.disabled = not rec

    def _as_loaded(self, rec: dict) -> dict:
        """The chosen record as it was when its fields were filled (the store refuses a change
        made over someone else's since then)."""
        base = self._base if self._base and self._base.get("evidence_id") == rec.get("evidence_id") else rec
        return _loaded(base)

    def _reload(self) -> None:
        """After a save, a removal or a refusal: the page re-reads, and the fields show what is
        stored for the chosen record (what was typed is done with, or quoted in the message)."""
        self._on_change()
        self._fill()

    def _say(self, state: str, text: str) -> None:
        self.state, self.message = state, text
        self.status.value = status_html(state, text, "mbm-evidence-status")

    # -- actions ------------------------------------------------------------------------------
    def fields(self) -> dict:
        """The typed values, as text; the store validates them (type, source, date, lengths)."""
        return {"type": self.type.value, "source": self.source.value, "date": self.date.value,
                "reference": self.reference.value, "supplied_by": self.supplied_by.value}

    def save(self, _button=None) -> bool:
        """Add a new record, or save the chosen one. Never raises for a user error."""
        _ = self._
        try:
            who = parse_editor(self._user(), self.lang)
            rec = self._chosen()
            if rec is None:
                self.store.add_evidence(self.assessment_id, self.indicator_id, by=who, **self.fields())
                done = _("evidence record added")
            else:
                self.store.update_evidence(int(rec["evidence_id"]), by=who, expected=self._as_loaded(rec),
                                           **self.fields())
                done = _("evidence record saved")
        except InvalidInput as exc:
            self._say(FAILED, _("not saved: %(why)s") % {"why": "; ".join(_short(p, self.lang) for p in exc.problems)})
            return False
        except Conflict as exc:
            yours = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in self.fields().items() if v)
            self._reload()  # the stored values (theirs) are shown; yours are in the message
            self._say(FAILED, _("not saved: %(why)s. What you typed: %(yours)s") % {
                "why": localized(exc, self.lang), "yours": yours or _("nothing")})
            return False
        except WorkbookError as exc:
            self._say(FAILED, _("not saved: %(why)s") % {"why": localized(exc, self.lang)})
            return False
        if rec is None:
            self.record.value = NEW  # ready for the next record
        self._say(SAVED, done)
        self._reload()  # what is stored now (a new record: empty fields for the next one)
        return True

    def remove(self, _button=None) -> bool:
        _ = self._
        try:
            who = parse_editor(self._user(), self.lang)
            rec = self._chosen()
            if rec is None:
                self._say(FAILED, _("not removed: choose a record first"))
                return False
            self.store.remove_evidence(int(rec["evidence_id"]), by=who, expected=self._as_loaded(rec))
        except InvalidInput as exc:
            why = "; ".join(_short(p, self.lang) for p in exc.problems)
            self._say(FAILED, _("not removed: %(why)s") % {"why": why})
            return False
        except (Conflict, WorkbookError) as exc:
            if isinstance(exc, Conflict):
                self._reload()
            self._say(FAILED, _("not removed: %(why)s") % {"why": localized(exc, self.lang)})
            return False
        self.record.value = NEW
        self._say(SAVED, _("evidence record removed"))
        self._reload()
        return True


def _loaded(rec: dict) -> dict:
    """The record as this page loaded it: the store refuses a save over someone else's change."""
    return {k: rec.get(k) for k in EVIDENCE_FIELDS}


def _short(problem, lang: str | None = None) -> str:
    """"ADM.1.1.evidence.date: ..." reads better on the page as "date: ..." (the why in ``lang``)."""
    loc = problem.location.rsplit(".", 1)[-1] if problem.location else ""
    loc = loc.replace("supplied_by", "supplied by")
    why = localized(problem.message, lang)
    return f"{loc}: {why}" if loc else why
