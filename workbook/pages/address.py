"""What every page of the app shares: the notebooks' names, page addresses and the step that
opens the assessment a page is asked for, or shows the problem with links.

A page's address (``?country=XAT&round=baseline%202026``) reaches the kernel through Voila:
:func:`request_parameters` reads it, and only the keys in :data:`QUERY_KEYS` (never a database
URL). :func:`open_assessment` is the first step of every page of one assessment: it opens the
store, reads the address (a preheated kernel waits there for its visitor), checks country and
round and finds the assessment; an unknown one gives a message with links to the assessments
that exist, never a traceback (in batch runs it raises, so the batch reports the cell).

Pages link to each other only through :func:`page_link` and the notebook names here, so no
page module imports another.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlencode

from .. import config
from ..errors import InvalidInput, NotFound, Problem, WorkbookError
from ..framework import Pillar
from ..i18n import SOURCE_LANG, parse_lang
from ..inputs import parse_round
from ..present.html import e
from ..present.palette import FAILED
from ..store import AssessmentInfo, Store
from .forms import parse_editor

HOME_NOTEBOOK = "home.ipynb"
ROADMAP_NOTEBOOK = "roadmap.ipynb"
RESULTS_NOTEBOOK = "results.ipynb"
MISSION_NOTEBOOK = "mission.ipynb"
FRAMEWORK_NOTEBOOK = "framework.ipynb"
QUERY_KEYS = ("country", "round", "editor", "indicator", "lang")
MAX_QUERY_FIELDS = 10
COUNTRY_RE = re.compile(r"[A-Za-z]{3}")


def notebook_for(pillar: Pillar) -> str:
    """The notebook of a pillar (by id, so rewording a pillar's name breaks no link)."""
    return config.PILLAR_NOTEBOOKS[pillar.id]


def page_link(notebook: str, country: str, round: str, editor: str = "", indicator: str = "",
              lang: str = "") -> str:
    """A relative link to a page of one assessment; works from any page under ``/voila/render/``.

    ``editor`` (the name given once per browser session), ``indicator`` and ``lang`` are added
    when given (the browser session also keeps the language and adds it to links without one).
    """
    query = {"country": country, "round": round}
    if editor:
        query["editor"] = editor
    if indicator:
        query["indicator"] = indicator
    if lang:
        query["lang"] = lang
    return f"{notebook}?{urlencode(query, quote_via=quote)}"


def request_parameters(environ: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """``country``, ``round``, ``editor``, ``indicator`` and ``lang`` from the Voila page address;
    ``None`` outside Voila.

    Voila passes the query string to the kernel as ``QUERY_STRING``; a preheated kernel gets
    it from ``voila.utils.get_query_string()``, which waits for the request. Only the keys in
    :data:`QUERY_KEYS` are read (never a database URL); the values are checked by the caller.
    """
    env = os.environ if environ is None else environ
    if env.get("VOILA_PREHEAT") == "True":
        from voila.utils import get_query_string  # waits until a browser asks for the page
        query = get_query_string() or ""
    elif "QUERY_STRING" in env and ("VOILA_PREHEAT" in env or "VOILA_REQUEST_URL" in env):
        query = env.get("QUERY_STRING") or ""
    else:
        return None
    try:
        parsed = parse_qs(query, keep_blank_values=True, max_num_fields=MAX_QUERY_FIELDS)
    except ValueError:
        raise InvalidInput(Problem("address", "the page address has too many parameters"), what="page address") \
            from None
    return {k: parsed[k][0] for k in QUERY_KEYS if k in parsed}


def resolve_parameters(country, round, environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The country and round to show: the notebook's values, unless the Voila address gives them."""
    return _resolve(country, round, request_parameters(environ))


def _resolve(country, round, asked: dict | None) -> tuple[str, str]:
    if asked:
        country = asked.get("country") or country
        round = asked["round"] if "round" in asked else round
    return country, round


def check_country(value) -> str:
    """A country code from a page address, upper-cased, or a located error."""
    v = value.strip() if isinstance(value, str) else ""
    if not COUNTRY_RE.fullmatch(v):
        shown = value if isinstance(value, str) and len(value) <= 40 else repr(value)[:40]
        raise InvalidInput(Problem("country", f"{shown!r} is not a three-letter country code such as XAT"),
                           what="page address")
    return v.upper()


def check_lang(value, default: str | None = None) -> str:
    """The page's language: ``lang`` from the address (``fr``, ``ar``...; checked, a located error
    otherwise), else ``default``, else the setting (``WORKBOOK_LANG``, English by default)."""
    if value is None or value == "":
        return config.language(default or None)
    try:
        return parse_lang(value, field="lang")
    except InvalidInput as exc:
        raise InvalidInput(exc.problems, what="page address") from None


def check_editor(value) -> tuple[str, str]:
    """The editor's name from the address: ``(name, "")`` when usable, else ``("", why)``."""
    if value is None or value == "":
        return "", ""
    try:
        return parse_editor(value), ""
    except InvalidInput as exc:
        return "", f"the name in the page address was not used ({exc.problems[0].message}): type it below"


def problem_html(title: str, message: str, *, links: list[tuple[str, str]] = (), home: bool = True) -> str:
    """A message for the page (role=alert), with links to pages that do exist."""
    lis = "".join(f'<li><a href="{e(href)}">{e(text)}</a></li>' for href, text in links)
    listing = f"<p>These assessments exist:</p><ul>{lis}</ul>" if lis else ""
    return (f'<div role="alert" class="mbm-problem" style="border-left:4px solid {FAILED};padding:0.2em 1em">'
            f"<h2>{e(title)}</h2><p>{e(message)}</p>{listing}"
            + (f'<p><a href="{HOME_NOTEBOOK}">All assessments (home)</a></p>' if home else "") + "</div>")


def open_store(db_url) -> Store:
    """The store a page works on (``db_url`` empty: ``WORKBOOK_DB_URL`` or the SQLite default)."""
    return Store(db_url or None)


@dataclass
class Opened:
    """What :func:`open_assessment` found: the store, the assessment and the address, or the problem
    (HTML, with links) when the assessment could not be opened."""

    store: Store | None
    assessment: AssessmentInfo | None = None
    asked: dict = field(default_factory=dict)
    problem: str = ""
    served: bool = False  # opened by Voila from a page address (not JupyterLab, not a batch run)
    lang: str = SOURCE_LANG  # the page's language (lang= in the address, else the setting)

    @property
    def ok(self) -> bool:
        return self.assessment is not None


def open_assessment(country, round, db_url: str = "", *, interactive: bool, notebook: Callable[[], str],
                    environ: Mapping[str, str] | None = None,
                    before: Callable[[Store], None] | None = None,
                    check: Callable[[dict], None] | None = None, lang: str = "") -> Opened:
    """Open the assessment a page is asked for, or say why not.

    The store is opened first (in a preheated kernel this work is done before the visitor
    arrives), then ``before(store)`` runs (e.g. finding the page's pillar), then the address is
    read (a preheated kernel waits here), the country and round checked and the assessment found;
    ``check(asked)`` checks the page's own address keys. The language is ``lang=`` from the address,
    else ``lang`` (a notebook parameter), else the setting. Any :class:`~workbook.errors.WorkbookError`
    raises again in batch runs (``interactive=False``); in interactive pages it becomes a problem
    message with links to ``notebook()`` of every assessment that exists.
    """
    store = None
    page_lang = SOURCE_LANG
    try:
        page_lang = config.language(lang or None)
        store = open_store(db_url)
        if before is not None:
            before(store)
        asked = request_parameters(environ)  # a preheated kernel waits here for its visitor
        country, round = _resolve(country, round, asked)
        page_lang = check_lang((asked or {}).get("lang"), lang)
        code = check_country(country)
        rnd = parse_round(round) if isinstance(round, str) and round.strip() else None
        if asked and check is not None:
            check(asked)
        assessment = store.get_assessment(code, rnd)
    except WorkbookError as exc:
        if not interactive:
            raise
        title = "Assessment not found" if isinstance(exc, NotFound) else "Cannot open this page"
        message = "; ".join(str(p) for p in exc.problems) if isinstance(exc, InvalidInput) else str(exc)
        target = notebook()
        links = ([(page_link(target, a.country_code, a.round), f"{a.country_code} {a.label}")
                  for a in store.list_assessments()] if store is not None else [])
        return Opened(store, problem=problem_html(title, message, links=links), lang=page_lang)
    return Opened(store, assessment, asked or {}, served=asked is not None, lang=page_lang)
