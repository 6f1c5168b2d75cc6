"""The results page: what a team does with an assessment besides rating it (Voila and JupyterLab).

The notebook ``notebooks/results.ipynb`` is a parameters cell and one call::

    page = open_results(country, round, db_url)

It shows, for one assessment:

* **Review and sign-off**: the status, the sign-off trail and one button per step the assessment
  may take now, signed with your name, role, organisation and comment. The rules are the
  store's (:meth:`workbook.store.Store.set_status`), the same as ``workbook status``: validation is
  signed by the national counterpart, reopening a final assessment needs a reason.
* **Reports**: the country report and the donor brief, as a web page or a PDF, made by the
  server's warm report builder (:mod:`workbook.batch.service`), which reruns nothing that is
  current; a progress line while it works, then a download link.
* **Files for field work**: the Excel workbook, the XLSForm and the package
  (:func:`workbook.exchange.export_file`), as download links.
* **Bring back a filled file**: upload a filled workbook, a submissions export or a package; the
  page shows what importing it would change and what was changed here since the file was made,
  and imports only when asked (:func:`workbook.exchange.plan_file`, :func:`~workbook.exchange.apply_plan`).

Files reach the browser through the server (:mod:`workbook.transfer`: checked, behind a random
link that expires); uploads are checked before they are read (one file, a known kind, its
size, content that is what its name says). Slow work runs off the kernel's loop
(:class:`Background`), so the page keeps answering and its progress line moves. Every message
the page shows is in :mod:`.text`.
"""
from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import ipywidgets as widgets
from IPython.display import HTML, display

from ... import transfer
from ...errors import Conflict, InvalidInput, WorkbookError
from ...exchange import ImportPlan, apply_plan, export_file, plan_file
from ...i18n import SOURCE_LANG, translated_framework
from ...inputs import MAX_LONG, parse_text
from ...present.html import e, format_status, message_html
from ...store import AssessmentInfo, Store
from ...store.assessments import SIGN_OFF_ROLES, TRANSITIONS
from ..address import (HOME_NOTEBOOK, MISSION_NOTEBOOK, RESULTS_NOTEBOOK, ROADMAP_NOTEBOOK, check_editor, notebook_for,
                       open_assessment, page_link)
from ..forms import EDITOR_FIELD_CLASS, parse_editor, signed_in_editor
from ..forms.common import running_loop
from . import text as T
from .render import download_html, plan_html, role_text, saved_html, status_html, trail_html, working_html


class Background:
    """Slow work off the kernel's event loop, so that the page keeps answering and its progress
    line moves. ``work(say)`` runs in a thread; ``say(event)`` and ``done(result or exception)``
    are called back on the loop, where widgets are changed. One piece of work at a time (a click
    while busy is refused: a browser can click a disabled button). Without a loop (tests, plain
    Python) the work runs at once."""

    def __init__(self, loop=None):
        self.loop = loop
        self.busy = False

    def start(self, work: Callable[[Callable], object], on_event: Callable[[dict], None],
              done: Callable[[object], None]) -> bool:
        if self.busy:
            return False
        self.busy = True
        loop = self.loop
        if loop is None:
            try:
                result = work(on_event)
            except Exception as exc:  # noqa: BLE001 - handed to done(), which says what to do
                result = exc
            self._finish(done, result)
            return True

        def run():
            try:
                result = work(lambda event: loop.call_soon_threadsafe(on_event, event))
            except Exception as exc:  # noqa: BLE001 - as above
                result = exc
            loop.call_soon_threadsafe(self._finish, done, result)
        threading.Thread(target=run, name="mbm-page-work", daemon=True).start()
        return True

    def _finish(self, done, result) -> None:
        self.busy = False
        done(result)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, InvalidInput):
        return "; ".join(str(p) for p in exc.problems)
    return str(exc) or type(exc).__name__


class ResultsPage:
    """Review, reports, field files and imports of one assessment. Build it with :func:`open_results`."""

    def __init__(self, store: Store | None, assessment: AssessmentInfo | None, *, problem: str = "",
                 editor: str = "", note: str = "", loop=None, lang: str = SOURCE_LANG):
        self.store, self.assessment, self.problem = store, assessment, problem
        self.lang = lang  # the page's language: reports are built in it
        self.w = T.words(lang)  # its gettext: every word of text.py is translated where it is shown
        self.background = Background(loop if loop is not None else running_loop())
        self.widget = None
        self.upload_plan: ImportPlan | None = None
        self.upload: tuple[str, bytes] | None = None
        if assessment is None:
            return
        label = {"description_width": "9em"}
        wide = widgets.Layout(width="34em")
        self.user = widgets.Text(value=editor, description=self.w(T.YOUR_NAME), placeholder=self.w(T.NAME_HINT),
                                 style=label, layout=wide)
        self.user.add_class(EDITOR_FIELD_CLASS)  # filled from the browser session by our Voila template
        signed_in_editor(self.user, store)
        self.user_note = widgets.HTML(f'<p class="mbm-note" role="status">{e(note)}</p>' if note else "")
        self.header = widgets.HTML()
        # review
        self.status = widgets.HTML()
        self.role = widgets.Dropdown(description=self.w(T.ROLE), options=[(role_text(r, lang), r)
                                                                          for r in SIGN_OFF_ROLES],
                                     value="team", style=label, layout=wide)
        self.organisation = widgets.Text(description=self.w(T.ORGANISATION), style=label, layout=wide)
        self.comment = widgets.Textarea(description=self.w(T.COMMENT), placeholder=self.w(T.COMMENT_HINT), style=label,
                                        layout=widgets.Layout(width="48em", height="4em"))
        self.moves = widgets.HBox()
        self.review_message = widgets.HTML()
        self.trail = widgets.HTML()
        # reports and files
        self.document_buttons = {key: self._button(self.w(label_), lambda _b, k=key: self.make_document(*k))
                                 for key, label_ in T.DOCUMENTS.items()}
        self.export_buttons = {fmt: self._button(self.w(label_), lambda _b, f=fmt: self.make_export(f))
                               for fmt, label_ in T.EXPORTS.items()}
        self.reports_message = widgets.HTML()
        self.files_message = widgets.HTML()
        # import
        self.chooser = widgets.FileUpload(accept=",".join(transfer.UPLOAD_SUFFIXES), multiple=False,
                                          description=self.w(T.UPLOAD))
        self.chooser.observe(self._on_upload, "value")
        self.plan = widgets.HTML()
        self.overwrite = widgets.Checkbox(description=self.w(T.OVERWRITE), value=False, indent=False,
                                          layout=widgets.Layout(width="auto", display="none"))
        self.confirm = self._button(self.w(T.CONFIRM), lambda _b: self.import_upload())
        self.cancel = self._button(self.w(T.CANCEL), lambda _b: self.forget_upload())
        self.confirm_row = widgets.HBox([self.confirm, self.cancel], layout=widgets.Layout(display="none"))
        self.import_message = widgets.HTML()
        self.widget = widgets.VBox([
            self.header, self.user, self.user_note,
            self._section(T.REVIEW, T.REVIEW_HELP), self.status, self.role, self.organisation, self.comment, self.moves,
            self.review_message, self.trail,
            self._section(T.REPORTS, T.REPORTS_HELP), widgets.HBox(list(self.document_buttons.values()),
                                                                   layout=widgets.Layout(flex_flow="row wrap")),
            self.reports_message,
            self._section(T.FILES, T.FILES_HELP), widgets.HBox(list(self.export_buttons.values()),
                                                         layout=widgets.Layout(flex_flow="row wrap")),
            self.files_message,
            self._section(T.IMPORT, T.IMPORT_HELP, limit=transfer.MAX_UPLOAD // transfer.MiB), self.chooser,
            self.import_message, self.plan, self.overwrite, self.confirm_row])
        self.widget.add_class("mbm-results")
        self.refresh()
        if self.background.loop is not None:  # served: the builder starts while the person reads
            from ...batch.service import prepare_builder
            threading.Thread(target=prepare_builder, name="mbm-prepare-builder", daemon=True).start()

    def _section(self, title: str, help_text: str, **fields) -> widgets.HTML:
        """A section's heading and help (text.py's words, in the page's language)."""
        help_text = self.w(help_text).format(**fields)
        return widgets.HTML(f'<h2>{e(self.w(title))}</h2><p class="mbm-help">{e(help_text)}</p>')

    @staticmethod
    def _button(description: str, action) -> widgets.Button:
        b = widgets.Button(description=description, tooltip=description, layout=widgets.Layout(width="auto"))
        b.on_click(action)
        return b

    @property
    def ok(self) -> bool:
        return self.assessment is not None

    def show(self) -> None:
        display(HTML(self.problem) if not self.ok else self.widget)

    # -- header and review ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the assessment and its sign-offs again; redraw the header, status, steps and trail."""
        a = self.assessment = self.store.get_assessment(self.assessment.country_code, self.assessment.round)
        signoffs = self.store.signoffs(a.id)
        framework = self.w(T.FRAMEWORK).format(id=a.framework_id, version=a.framework_version)
        nav = [f'<a href="{e(HOME_NOTEBOOK)}">{e(self.w(T.ALL))}</a>']
        nav += [f'<a href="{e(page_link(notebook_for(p), a.country_code, a.round))}">{e(p.name)}</a>'
                for p in self._pillars()]
        nav += [f'<a href="{e(page_link(ROADMAP_NOTEBOOK, a.country_code, a.round))}">{e(self.w(T.ROADMAP))}</a>',
                f'<a href="{e(page_link(MISSION_NOTEBOOK, a.country_code, a.round))}">{e(self.w(T.MISSION))}</a>',
                f'<strong aria-current="page">{e(self.w(T.TITLE))}</strong>']
        self.header.value = (f'<nav aria-label="{e(self.w(T.NAV_LABEL))}" class="mbm-nav">{" · ".join(nav)}</nav>'
                             f'<p class="mbm-assessment"><strong>{e(a.country_code)} {e(a.label)}</strong> · '
                             f"{e(framework)}</p>")
        self.status.value = status_html(a.status, signoffs, self.lang)
        self.trail.value = trail_html(signoffs, self.lang)
        buttons = []
        for (from_, to) in TRANSITIONS:
            if from_ == a.status:
                buttons.append(self._button(self.w(T.MOVES[(from_, to)]), lambda _b, s=to: self.move(s)))
        old, self.moves.children = self.moves.children, buttons
        for b in old:
            b.close()

    def _who(self) -> str | None:
        try:
            return parse_editor(self.user.value)
        except InvalidInput:
            return None

    def move(self, to_status: str) -> bool:
        """Move the assessment to ``to_status``, signed by the person on the page (the store's rules)."""
        who = self._who()
        if who is None:
            self.review_message.value = message_html(False, self.w(T.NOT_MOVED).format(why=self.w(T.NAME_NEEDED)))
            return False
        try:
            organisation = parse_text(self.organisation.value, self.w(T.ORGANISATION), max_len=200)
            comment = parse_text(self.comment.value, self.w(T.COMMENT), max_len=MAX_LONG)
            role = self.role.value if self.role.value in SIGN_OFF_ROLES else ""
            info = self.store.set_status(self.assessment.id, to_status, by=who, role=role,
                                         organisation=organisation, comment=comment)
        except WorkbookError as exc:
            self.review_message.value = message_html(False, self.w(T.NOT_MOVED).format(why=_reason(exc)))
            self.refresh()
            return False
        self.comment.value = ""
        self.review_message.value = message_html(True, self.w(T.MOVED).format(
            country=info.country_code, round=info.round, status=format_status(info.status, lang=self.lang)))
        self.refresh()
        return True

    # -- reports and field files ------------------------------------------------------------------
    def make_document(self, document: str, fmt: str) -> bool:
        """Build the country report or the donor brief (``html`` or ``pdf``) and offer it for download."""
        from ...batch.service import request_build
        what = self.w(T.DOCUMENTS[(document, fmt)])
        a = self.assessment
        if document == "report" and not self.store.can("read_restricted", a.id):
            # The builder reads the whole assessment: the full report is for those who may read
            # restricted findings (a donor viewer gets the brief, which leaves them out).
            why = self.w(T.REPORT_NOT_FOR_ROLE)
            self.reports_message.value = message_html(False, self.w(T.FAILED).format(what=what, why=why))
            return False
        started = time.monotonic()

        def work(say):
            return request_build(a.country_code, a.round, documents=(document,), formats=(fmt,), lang=self.lang,
                                 on_event=say)

        def on_event(event: dict) -> None:
            if event.get("event") == "starting":
                self.reports_message.value = working_html(self.w(T.STARTING).format(what=what), self.lang)
            elif event.get("event") == "queued" and event.get("ahead"):
                self.reports_message.value = working_html(self.w(T.WAITING).format(n=event["ahead"]), self.lang)
            elif event.get("event") == "step":
                self.reports_message.value = working_html(self.w(T.STEP_LINE).format(
                    what=what, step=self._step_text(event.get("step", "")), seconds=time.monotonic() - started))

        def done(result) -> None:
            if isinstance(result, BaseException):
                why = self.w(T.FAILED_UNAVAILABLE) if not isinstance(result, InvalidInput) else _reason(result)
                self.reports_message.value = message_html(False, self.w(T.FAILED).format(what=what, why=why))
                return
            if result.get("status") == "failed":
                failure = result.get("failure") or {}
                nb = failure.get("notebook") or ""
                pillar = next((p.name for p in self._pillars() if notebook_for(p) == nb), "")
                why = (self.w(T.FAILED_NOTEBOOK).format(pillar=pillar, error=failure.get("ename", "an error"))
                       if pillar else f"{failure.get('ename', 'error')}: {failure.get('evalue', '')}")
                self.reports_message.value = message_html(False, self.w(T.FAILED).format(what=what, why=why))
                return
            path = Path(result["path"]) / T.FILE_NAMES[(document, fmt)]
            note = self.w(T.READY_UNCHANGED) if result.get("status") == "skipped" else ""
            self._hand_over(self.reports_message, path, what, f"{a.country_code}-{path.parent.name}-{path.name}", note)

        return self._start(self.reports_message, work, on_event, done, self.w(T.BUILDING).format(what=what))

    def make_export(self, fmt: str) -> bool:
        """Write the Excel workbook, the XLSForm or the package and offer it for download."""
        what = self.w(T.EXPORTS[fmt])

        def work(_say):
            return export_file(self.store, self.assessment, fmt)

        def done(result) -> None:
            if isinstance(result, BaseException):
                self.files_message.value = message_html(False, self.w(T.FAILED).format(what=what, why=_reason(result)))
                return
            self._hand_over(self.files_message, Path(result), what, Path(result).name)

        return self._start(self.files_message, work, lambda _e: None, done, self.w(T.BUILDING).format(what=what))

    def _start(self, line_widget: widgets.HTML, work, on_event, done, line: str) -> bool:
        if self.background.busy:
            line_widget.value = message_html(False, self.w(T.BUSY))
            return False
        line_widget.value = working_html(line, self.lang)
        return self.background.start(work, on_event, done)

    def _step_text(self, step: str) -> str:
        pillar = next((p.name for p in self._pillars() if notebook_for(p) == step), None)
        return self.w(T.STEP_NOTEBOOK).format(pillar=pillar) if pillar else self.w(T.STEPS.get(step, step))

    def _pillars(self):
        """The framework's pillars, named in the page's language."""
        return translated_framework(self.store.framework, self.lang).pillars

    def _hand_over(self, line: widgets.HTML, path: Path, what: str, name: str, note: str = "") -> None:
        try:
            ticket = transfer.offer_download(path, name=name, assessment_id=self.assessment.id)
        except WorkbookError as exc:
            line.value = message_html(False, self.w(T.FAILED).format(what=what, why=_reason(exc)))
            return
        if ticket is None:
            line.value = saved_html(str(path), what, self.lang)
        else:
            line.value = download_html(ticket.url, what, ticket.path.stat().st_size, note, self.lang)

    # -- bringing a file back ---------------------------------------------------------------------
    def _on_upload(self, change) -> None:
        if change["new"]:
            self.check_upload(change["new"])

    def check_upload(self, value) -> ImportPlan | None:
        """Check what the browser sent and show what importing it would do (nothing is written)."""
        self.forget_upload(clear_chooser=False)
        try:
            name, content = transfer.check_upload(value)
        except InvalidInput as exc:
            self.import_message.value = message_html(False, self.w(T.NOT_READ), [str(p) for p in exc.problems])
            return None
        self.upload = (name, content)
        return self._plan()

    def _plan(self) -> ImportPlan | None:
        name, content = self.upload
        a = self.assessment
        try:
            with tempfile.TemporaryDirectory(prefix="mbm-upload-") as tmp:
                path = Path(tmp) / name
                path.write_bytes(content)
                plan = plan_file(self.store, path, country=a.country_code, round=a.round)
        except InvalidInput as exc:
            self.import_message.value = message_html(False, self.w(T.NOT_READ), [str(p) for p in exc.problems])
            return None
        except WorkbookError as exc:
            self.import_message.value = message_html(False, self.w(T.NOT_READ), [_reason(exc)])
            return None
        ours = f"{a.country_code} {a.round}"
        if plan is None:
            why = self.w(T.NEW_ASSESSMENT).format(theirs=name)
            self.import_message.value = message_html(False, self.w(T.NOT_READ), [why])
            return None
        if plan.assessment_id != a.id:
            theirs = f"{plan.country} {plan.round}"
            why = self.w(T.OTHER_ASSESSMENT).format(theirs=theirs, ours=ours)
            self.import_message.value = message_html(False, self.w(T.NOT_READ), [why])
            return None
        self.upload_plan = plan
        self.import_message.value = ""
        self.plan.value = plan_html(plan, name, self.lang)
        self.overwrite.value = False
        self.overwrite.layout.display = "flex" if plan.skipped(False) else "none"
        n = len(plan.changes) + len(plan.evidence)
        self.confirm.description = self.w(T.CONFIRM_N).format(n=n) if n else self.w(T.CONFIRM)
        self.confirm_row.layout.display = "none" if plan.empty else "flex"
        return plan

    def import_upload(self) -> bool:
        """Import the checked file as its plan says (conflicts only when the box is ticked)."""
        plan = self.upload_plan
        if plan is None or self.upload is None:
            return False
        who = self._who()
        if who is None:
            self.import_message.value = message_html(False, self.w(T.NOT_READ), [self.w(T.NAME_NEEDED)])
            return False
        try:
            applied = apply_plan(self.store, plan, by=who, overwrite=self.overwrite.value is True)
        except Conflict as exc:
            self._plan()  # the plan as things are now, shown with why the import did not happen
            self.import_message.value = message_html(False, self.w(T.IMPORT_STALE).format(why=str(exc)))
            return False
        except WorkbookError as exc:
            self.import_message.value = message_html(False, self.w(T.NOT_READ), [_reason(exc)])
            return False
        name = self.upload[0]
        self.forget_upload()
        self.import_message.value = message_html(True, self.w(T.IMPORTED).format(name=name, what=applied))
        self.refresh()
        return True

    def forget_upload(self, clear_chooser: bool = True) -> None:
        self.upload_plan = None
        self.plan.value = ""
        self.import_message.value = ""
        self.overwrite.layout.display = "none"
        self.confirm_row.layout.display = "none"
        if clear_chooser:
            self.upload = None
            if self.chooser.value:
                self.chooser.unobserve(self._on_upload, "value")
                self.chooser.value = ()
                self.chooser.observe(self._on_upload, "value")


def open_results(country: str, round: str, db_url: str = "", *, environ: Mapping[str, str] | None = None,
                 loop=None) -> ResultsPage:
    """Open and show the results page of one assessment (the page address overrides ``country``
    and ``round`` in Voila; an unknown one gives a message with links, never a traceback)."""
    found: dict = {"editor": "", "note": ""}

    def check(asked: dict) -> None:
        found["editor"], found["note"] = check_editor(asked.get("editor"))

    opened = open_assessment(country, round, db_url, interactive=True, environ=environ, check=check,
                             notebook=lambda: RESULTS_NOTEBOOK)
    page = (ResultsPage(opened.store, None, problem=opened.problem) if not opened.ok else
            ResultsPage(opened.store, opened.assessment, editor=found["editor"], note=found["note"], loop=loop,
                        lang=opened.lang))
    page.show()
    return page
