"""Readable renderings of the framework, so experts can review it without Python.

One structure, three flavours (and a browser page built from the HTML one):

* :func:`export_framework` writes the whole framework as a self-contained HTML page, an Excel
  workbook or GitHub-flavoured Markdown (``workbook framework export --format html|xlsx|md``);
* :func:`subarea_html` is one sub-area in HTML, which the framework browser page
  (:mod:`workbook.pages.framework`, ``notebooks/framework.ipynb``) shows in its panels.

Every flavour walks the framework in the same order (title, version, change log, scale and
codes, evidence rules, criticality classes, lenses, then pillar / sub-area / indicator, then an
annex of references with the indicators that cite them) and shares the small helpers below, so
a field added to one rendering is easy to add to the others.
"""
from __future__ import annotations

import html
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..errors import InvalidInput, Problem, WorkbookError
from .model import Framework, Indicator, SubArea

#: format name -> file suffix
FORMATS: dict[str, str] = {"html": ".html", "xlsx": ".xlsx", "md": ".md"}


# -- public API ---------------------------------------------------------------------------------
def export_framework(framework: Framework, fmt: str, output_path: str | Path) -> Path:
    """Write ``framework`` in format ``fmt`` to ``output_path``, atomically.

    Parameters
    ----------
    framework : Framework
        A loaded framework (see :func:`workbook.framework.load_framework`).
    fmt : {"html", "xlsx", "md"}
        The rendering to write.
    output_path : str or Path
        The file to write. Missing parent folders are created. The file is written to a
        temporary file in the same folder and moved into place, so a reader never sees half a
        file and a failed export leaves the previous file untouched.

    Returns
    -------
    Path
        The absolute path written.

    Raises
    ------
    InvalidInput
        ``fmt`` is not one of :data:`FORMATS`.
    WorkbookError
        The file cannot be written (permissions, a folder in the way, ...).
    """
    writer = _WRITERS.get(str(fmt).lower())
    if writer is None:
        raise InvalidInput(Problem("--format", f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}"),
                           what="framework export")
    path = Path(output_path).expanduser().resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
    except OSError as exc:
        raise WorkbookError(f"cannot write {path}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        writer(framework, tmp)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; an export is meant to be shared
        os.replace(tmp, path)
    except OSError as exc:
        raise WorkbookError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return path


def default_output_path(framework: Framework, fmt: str) -> Path:
    """``<outputs>/framework-<version>.<ext>``; ``<outputs>`` is ``WORKBOOK_OUTPUTS`` or ``./outputs``."""
    from ..config import outputs_dir
    return outputs_dir() / f"framework-{framework.version}{FORMATS[fmt]}"


# -- shared structure ---------------------------------------------------------------------------
def _citations(fw: Framework) -> dict[str, list[tuple[Indicator, str]]]:
    """Reference id -> [(indicator, provision)] in framework order; every reference is a key."""
    cited: dict[str, list[tuple[Indicator, str]]] = {r.id: [] for r in fw.references}
    for ind in fw.indicators.values():
        for c in ind.crosswalk:
            cited.setdefault(c.ref, []).append((ind, c.provision))
    return cited


def _lens_name(fw: Framework, lens_id: str) -> str:
    return next((x.name for x in fw.lenses if x.id == lens_id), lens_id)


def _level_name(fw: Framework, level: int) -> str:
    return next((x.name for x in fw.scale.levels if x.level == level), str(level))


def _aggregation_text(fw: Framework, sub: SubArea) -> str:
    if sub.aggregation == "weakest_link":
        text = "weakest link: the sub-area scores as its lowest indicator"
    else:
        cap = fw.aggregation.legal_cap
        text = (f"mean of its indicators, at most {cap} level{'s' if cap != 1 else ''} above "
                f"its weakest legal-lens indicator")
    return text + (f"; weight {sub.weight:g} in the pillar mean" if sub.weight != 1 else "")


def _criticality_text(fw: Framework, sub: SubArea) -> str:
    c = fw.criticality_of(sub.id)
    return f"{c.name} (long-term target level {c.long_term_target})"


def _crosswalk_line(fw: Framework, ref: str, provision: str) -> str:
    title = _ref_title(fw, ref)
    return f"{ref}{f' ({provision})' if provision else ''}: {title}"


def _ref_title(fw: Framework, ref: str) -> str:
    return next((r.title for r in fw.references if r.id == ref), "(not in the catalogue)")


def _mapping_text(m) -> str:
    return f"{m.from_} {m.kind} to {', '.join(m.to)}" + (f": {m.note}" if m.note else "")


# -- HTML ---------------------------------------------------------------------------------------
_CSS = """
:root { --ink: #1b1f24; --muted: #4a5360; --line: #c9d0d8; --band: #eef2f6; --accent: #0b4f8a; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem 3rem; }
a { color: var(--accent); }
a:focus { outline: 3px solid #f2b600; outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .25rem .5rem; }
h1 { font-size: 1.9rem; margin: .5rem 0; }
h2 { font-size: 1.5rem; margin-top: 2.5rem; border-bottom: 2px solid var(--accent); padding-bottom: .2rem; }
h3 { font-size: 1.25rem; margin-top: 2rem; }
h4 { font-size: 1.05rem; margin: 1.5rem 0 .4rem; }
.meta { color: var(--muted); }
.id { font-family: ui-monospace, "SFMono-Regular", Consolas, monospace; font-size: .95em; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
thead th { background: var(--band); }
tbody th { background: #f8fafc; font-weight: 600; width: 11rem; }
table.levels td.evidence { width: 32%; }
td ul, dd ul { margin: 0; padding-left: 1.1rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .5rem 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
article.indicator { border-left: 4px solid var(--band); padding-left: 1rem; margin-bottom: 1.5rem; }
nav ol { padding-left: 1.3rem; }
nav ol ol { columns: 2; }
@media print {
  body { font-size: 10.5pt; max-width: none; padding: 0; }
  a { color: inherit; text-decoration: none; }
  .skip { display: none; }
  section.pillar, #annex { break-before: page; }
  h2, h3, h4, caption { break-after: avoid; }
  tr, dl.facts { break-inside: avoid; }
  thead { display: table-header-group; }
}
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _anchor(kind: str, item_id: str) -> str:
    # ids are letters, digits, dots and dashes: valid HTML ids once prefixed
    return f"{kind}-{re.sub(r'[^A-Za-z0-9._-]', '-', item_id)}"


def _html_list(items) -> str:
    return "<ul>" + "".join(f"<li>{x}</li>" for x in items) + "</ul>"


def _html_indicator(fw: Framework, ind: Indicator, heading: int = 4, *, links: bool = True) -> str:
    """One indicator as an ``<article>``; ``links=False`` drops anchors to the rest of the page."""
    h = f"h{heading}"
    rows = "".join(
        f'<tr class="level" data-level="{lv.level}"><th scope="row">{lv.level} &middot; '
        f'{_e(_level_name(fw, lv.level))}</th><td class="descriptor">{_e(lv.descriptor)}</td>'
        f'<td class="evidence">{_html_list(_e(x) for x in lv.evidence)}</td></tr>'
        for lv in ind.levels)
    cross = []
    for c in ind.crosswalk:
        ref = (f'<a class="id" href="#{_anchor("ref", c.ref)}">{_e(c.ref)}</a>' if links
               else f'<span class="id">{_e(c.ref)}</span>')
        prov = f" ({_e(c.provision)})" if c.provision else ""
        cross.append(f"{ref}{prov}: {_e(_ref_title(fw, c.ref))}")
    return (
        f'<article class="indicator" id="{_anchor("ind", ind.id)}" data-indicator="{_e(ind.id)}">'
        f'<{h}><span class="id">{_e(ind.id)}</span> {_e(ind.name)}</{h}>'
        f'<dl class="facts"><dt>Question</dt><dd class="question">{_e(ind.question)}</dd>'
        f'<dt>Lens</dt><dd>{_e(_lens_name(fw, ind.lens))}</dd>'
        f'<dt>Guidance</dt><dd class="guidance">{_e(ind.guidance)}</dd>'
        f'<dt>Crosswalk</dt><dd class="crosswalk">{_html_list(cross)}</dd></dl>'
        f'<table class="levels"><caption>Level descriptors of {_e(ind.id)}</caption>'
        '<thead><tr><th scope="col">Level</th><th scope="col">Descriptor</th>'
        '<th scope="col">Examples of evidence</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></article>"
    )


def subarea_html(fw: Framework, sub: SubArea, heading: int = 4, *, links: bool = True) -> str:
    """A sub-area's description, criticality, aggregation and indicators (no heading);
    ``links=False`` drops the anchors to the rest of the exported page."""
    return (
        f'<p class="description">{_e(sub.description)}</p>'
        f'<dl class="facts"><dt>Criticality</dt><dd>{_e(_criticality_text(fw, sub))}</dd>'
        f'<dt>Why</dt><dd>{_e(sub.criticality_reason)}</dd>'
        f'<dt>Aggregation</dt><dd>{_e(_aggregation_text(fw, sub))}</dd></dl>'
        + "".join(_html_indicator(fw, ind, heading, links=links) for ind in sub.indicators)
    )


def _html_table(caption: str, headers: list[str], rows: list[list[str]], *, row_header: bool = True) -> str:
    """A table of already-escaped cells; the first cell of each row is a row header."""
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    body = ""
    for row in rows:
        first, rest = row[0], row[1:]
        cell0 = f'<th scope="row">{first}</th>' if row_header else f"<td>{first}</td>"
        body += "<tr>" + cell0 + "".join(f"<td>{c}</td>" for c in rest) + "</tr>"
    return (f"<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def render_html(fw: Framework) -> str:
    """The whole framework as one self-contained, printable HTML page (no external resources)."""
    cited = _citations(fw)
    toc_fixed = [("changelog", "Change log"), ("scale", "Rating scale and codes"),
                 ("evidence", "Evidence rules"), ("criticality", "Criticality classes"), ("lenses", "Lenses")]
    toc = "".join(f'<li><a href="#{a}">{_e(t)}</a></li>' for a, t in toc_fixed)
    for p in fw.pillars:
        subs = "".join(f'<li><a href="#{_anchor("sub", s.id)}">{_e(s.id)} {_e(s.name)}</a></li>'
                       for s in p.subareas)
        toc += f'<li><a href="#{_anchor("pillar", p.id)}">{_e(p.name)} ({_e(p.id)})</a><ol>{subs}</ol></li>'
    toc += '<li><a href="#annex">Annex: references and the indicators that cite them</a></li>'

    log = ""
    for entry in fw.changelog:
        log += (f"<h3>Version {_e(entry.version)} <span class=\"meta\">({_e(entry.date)})</span></h3>"
                + _html_list(_e(c) for c in entry.changes))
        if entry.mappings:
            log += _html_table(
                f"Indicator mappings in {entry.version}", ["From", "Change", "To", "Note"],
                [[f'<span class="id">{_e(m.from_)}</span>', _e(m.kind),
                  ", ".join(f'<a class="id" href="#{_anchor("ind", t)}">{_e(t)}</a>' for t in m.to), _e(m.note)]
                 for m in entry.mappings])
        else:
            log += "<p>No indicator was renamed, split, merged or moved in this version.</p>"

    scale = _html_table("Levels", ["Level", "Name", "Summary"],
                        [[str(x.level), _e(x.name), _e(x.summary)] for x in fw.scale.levels])
    scale += _html_table("Codes used instead of a level", ["Code", "Name", "Meaning", "In scores"],
                         [[_e(x.code), _e(x.name), _e(x.meaning),
                           "left out" if x.in_aggregate == "excluded" else "counted as level 1"]
                          for x in fw.scale.codes])
    evidence = ("<p>Levels are gated: a level counts only when everything of the levels below is in place. "
                "The rules below cap a rating by the strength of the evidence recorded for it.</p>")
    evidence += _html_table("Evidence rules", ["From level", "Needs evidence of strength", "Rule"],
                            [[str(r.level), _e(", ".join(r.needs)), _e(r.text)] for r in fw.evidence_rules])
    evidence += _html_table("Evidence types", ["Type", "Name", "Strength"],
                            [[f'<span class="id">{_e(t.id)}</span>', _e(t.name), _e(t.strength)]
                             for t in fw.evidence_types])
    crit = _html_table("Criticality classes", ["Class", "Long-term target", "Weight", "Meaning"],
                       [[_e(c.name), str(c.long_term_target), f"{c.weight:g}", _e(c.meaning)]
                        for c in fw.criticality])
    crit += (f"<p>Sub-areas aggregate as the mean of their indicators unless marked weakest link; a mean may "
             f"exceed the weakest legal-lens indicator by at most {fw.aggregation.legal_cap} level(s).</p>")
    lenses = _html_table("Lenses", ["Lens", "Name", "Description"],
                         [[f'<span class="id">{_e(x.id)}</span>', _e(x.name), _e(x.description)]
                          for x in fw.lenses])

    pillars = ""
    for p in fw.pillars:
        pillars += (f'<section class="pillar" id="{_anchor("pillar", p.id)}" aria-labelledby="{_anchor("h", p.id)}">'
                    f'<h2 id="{_anchor("h", p.id)}">{_e(p.name)} <span class="id">({_e(p.id)})</span></h2>'
                    f"<p>{_e(p.description)}</p>")
        for s in p.subareas:
            pillars += (f'<section class="subarea" id="{_anchor("sub", s.id)}">'
                        f'<h3><span class="id">{_e(s.id)}</span> {_e(s.name)}</h3>'
                        f"{subarea_html(fw, s)}</section>")
        pillars += "</section>"

    annex_rows = []
    for r in fw.references:
        uses = cited.get(r.id, [])
        by = ", ".join(f'<a class="id" href="#{_anchor("ind", i.id)}">{_e(i.id)}</a>'
                       + (f" ({_e(prov)})" if prov else "") for i, prov in uses) or "not cited"
        annex_rows.append([f'<span class="id" id="{_anchor("ref", r.id)}">{_e(r.id)}</span>', _e(r.kind),
                           _e(r.title) + (f"<br><span class=\"meta\">{_e(r.note)}</span>" if r.note else ""),
                           by])
    annex = _html_table("References", ["Reference", "Kind", "Title", "Cited by"], annex_rows)

    n_sub = sum(len(p.subareas) for p in fw.pillars)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(fw.title)} {_e(fw.version)}</title><style>{_CSS}</style></head><body>"
        '<a class="skip" href="#main">Skip to the framework</a>'
        f'<header><h1>{_e(fw.title)}</h1><p class="meta">Version <strong>{_e(fw.version)}</strong> &middot; '
        f'<span class="id">{_e(fw.id)}</span> &middot; {len(fw.pillars)} pillars, {n_sub} sub-areas, '
        f"{len(fw.indicators)} indicators</p></header>"
        f'<nav aria-labelledby="toc"><h2 id="toc">Contents</h2><ol>{toc}</ol></nav>'
        '<main id="main">'
        f'<section id="changelog"><h2>Change log</h2>{log}</section>'
        f'<section id="scale"><h2>Rating scale and codes</h2>{scale}</section>'
        f'<section id="evidence"><h2>Evidence rules</h2>{evidence}</section>'
        f'<section id="criticality"><h2>Criticality classes</h2>{crit}</section>'
        f'<section id="lenses"><h2>Lenses</h2>{lenses}</section>'
        f"{pillars}"
        f'<section id="annex"><h2>Annex: references and the indicators that cite them</h2>{annex}</section>'
        "</main></body></html>\n"
    )


def _write_html(fw: Framework, path: Path) -> None:
    path.write_text(render_html(fw), encoding="utf-8")


# -- Markdown -----------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def _m(text) -> str:
    """Escape Markdown syntax in running text (CommonMark lets any punctuation be escaped)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _mb(text) -> str:
    """Like :func:`_m`, for text that starts a paragraph or list item: "1." or "-" there would
    open a list."""
    return re.sub(r"^(\d+)([.)])|^([-+=])", lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", _m(text))


class _Slugs:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes, -1 on repeats."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def __call__(self, heading: str) -> str:
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        n = self.seen.get(slug, 0)
        self.seen[slug] = n + 1
        return slug if n == 0 else f"{slug}-{n}"


def render_markdown(fw: Framework) -> str:
    """The whole framework as GitHub-flavoured Markdown."""
    out: list[str] = []
    slug = _Slugs()
    toc: list[str] = []

    def heading(level: int, text: str, *, in_toc: bool = True) -> None:
        anchor = slug(text)
        out.extend([f"{'#' * level} {_m(text)}", ""])
        if in_toc and level in (2, 3):
            toc.append(f"{'  ' * (level - 2)}- [{_m(text)}](#{anchor})")

    def table(headers: list[str], rows: list[list[str]]) -> None:
        out.append("| " + " | ".join(headers) + " |")
        out.append("|" + "|".join(" --- " for _ in headers) + "|")
        out.extend("| " + " | ".join(_m(c) for c in row) + " |" for row in rows)
        out.append("")

    slug(fw.title)
    slug("Contents")
    n_sub = sum(len(p.subareas) for p in fw.pillars)

    heading(2, "Change log")
    for entry in fw.changelog:
        heading(3, f"Version {entry.version} ({entry.date})", in_toc=False)
        out.extend([f"- {_mb(c)}" for c in entry.changes] + [""])
        if entry.mappings:
            table(["From", "Change", "To", "Note"],
                  [[m.from_, m.kind, ", ".join(m.to), m.note] for m in entry.mappings])
        else:
            out.extend(["No indicator was renamed, split, merged or moved in this version.", ""])
    heading(2, "Rating scale and codes")
    table(["Level", "Name", "Summary"], [[str(x.level), x.name, x.summary] for x in fw.scale.levels])
    table(["Code", "Name", "Meaning", "In scores"],
          [[x.code, x.name, x.meaning, "left out" if x.in_aggregate == "excluded" else "counted as level 1"]
           for x in fw.scale.codes])
    heading(2, "Evidence rules")
    out.extend(["Levels are gated: a level counts only when everything of the levels below is in place. "
                "The rules below cap a rating by the strength of the evidence recorded for it.", ""])
    table(["From level", "Needs evidence of strength", "Rule"],
          [[str(r.level), ", ".join(r.needs), r.text] for r in fw.evidence_rules])
    table(["Type", "Name", "Strength"], [[t.id, t.name, t.strength] for t in fw.evidence_types])
    heading(2, "Criticality classes")
    table(["Class", "Long-term target", "Weight", "Meaning"],
          [[c.name, str(c.long_term_target), f"{c.weight:g}", c.meaning] for c in fw.criticality])
    heading(2, "Lenses")
    table(["Lens", "Name", "Description"], [[x.id, x.name, x.description] for x in fw.lenses])

    for p in fw.pillars:
        heading(2, f"{p.name} ({p.id})")
        out.extend([_mb(p.description), ""])
        for s in p.subareas:
            heading(3, f"{s.id} {s.name}")
            out.extend([_mb(s.description), "",
                        f"- **Criticality:** {_m(_criticality_text(fw, s))}. {_m(s.criticality_reason)}",
                        f"- **Aggregation:** {_m(_aggregation_text(fw, s))}", ""])
            for ind in s.indicators:
                heading(4, f"{ind.id} {ind.name}")
                out.extend([f"**Question:** {_m(ind.question)}", "",
                            f"**Lens:** {_m(_lens_name(fw, ind.lens))}", "",
                            f"**Guidance:** {_m(ind.guidance)}", "", "**Levels:**", ""])
                for lv in ind.levels:
                    out.append(f"{lv.level}. **{_m(_level_name(fw, lv.level))}.** {_m(lv.descriptor)}")
                    out.append("   - *Evidence:* " + "; ".join(_m(x) for x in lv.evidence))
                out.extend(["", "**Crosswalk:**", ""])
                out.extend(f"- {_mb(_crosswalk_line(fw, c.ref, c.provision))}" for c in ind.crosswalk)
                out.append("")

    heading(2, "Annex: references and the indicators that cite them")
    cited = _citations(fw)
    table(["Reference", "Kind", "Title", "Cited by"],
          [[r.id, r.kind, r.title + (f" ({r.note})" if r.note else ""),
            ", ".join(i.id + (f" ({prov})" if prov else "") for i, prov in cited.get(r.id, [])) or "not cited"]
           for r in fw.references])

    head = [f"# {_m(fw.title)}", "",
            f"Version **{_m(fw.version)}** · `{fw.id}` · {len(fw.pillars)} pillars, {n_sub} sub-areas, "
            f"{len(fw.indicators)} indicators", "", "## Contents", "", *toc, ""]
    return "\n".join(head + out).rstrip("\n") + "\n"


def _write_markdown(fw: Framework, path: Path) -> None:
    path.write_text(render_markdown(fw), encoding="utf-8")


# -- Excel --------------------------------------------------------------------------------------
INDICATOR_HEADERS = ["Pillar", "Sub-area ID", "Sub-area", "Indicator ID", "Indicator", "Question", "Lens",
                     "Guidance", "Level 1", "Level 2", "Level 3", "Level 4", "Level 5", "Crosswalk"]
LEVEL_HEADERS = ["Indicator ID", "Indicator", "Level", "Level name", "Descriptor", "Examples of evidence"]
REFERENCE_HEADERS = ["Reference", "Kind", "Title", "Note", "Citations", "Cited by"]
SUBAREA_HEADERS = ["Pillar", "Sub-area ID", "Sub-area", "Description", "Criticality", "Long-term target",
                   "Criticality reason", "Aggregation", "Indicators"]
CHANGELOG_HEADERS = ["Version", "Date", "Change", "From", "Kind", "To", "Note"]


def _write_xlsx(fw: Framework, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wrap = Alignment(wrap_text=True, vertical="top")
    bold = Font(bold=True)
    band = PatternFill("solid", fgColor="DCE6F0")

    def put(ws, row: int, col: int, value) -> None:
        cell = ws.cell(row=row, column=col)
        if isinstance(value, str):
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell.data_type = "s"  # text such as "=..." is text here, never a formula
        else:
            cell.value = value
        cell.alignment = wrap

    def sheet(title: str, headers: list[str], widths: list[int], rows) -> None:
        ws = wb.create_sheet(title)
        for c, h in enumerate(headers, 1):
            put(ws, 1, c, h)
            ws.cell(row=1, column=c).font = bold
            ws.cell(row=1, column=c).fill = band
        n = 1
        for n, row in enumerate(rows, 2):
            for c, v in enumerate(row, 1):
                put(ws, n, c, v)
        for c, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(c)].width = w
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(n, 1)}"
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True

    wb = Workbook()
    readme = wb.active
    readme.title = "Read me"
    n_sub = sum(len(p.subareas) for p in fw.pillars)
    lines: list[tuple[str, str]] = [
        (fw.title, ""),
        ("Framework", fw.id),
        ("Version", fw.version),
        ("Contents", f"{len(fw.pillars)} pillars, {n_sub} sub-areas, {len(fw.indicators)} indicators"),
        ("", ""),
        ("Sheets", ""),
        ("Indicators", "one row per indicator: question, lens, guidance, the five level descriptors, crosswalk"),
        ("Levels", "one row per indicator and level, with examples of evidence"),
        ("Sub-areas", "description, criticality and why, how indicators aggregate"),
        ("References", "the crosswalk catalogue, with the indicators that cite each reference"),
        ("Change log", "changes per version; mappings record renamed, split, merged or moved indicators"),
        ("", ""),
        ("Rating scale", "levels are gated: a level counts only when everything of the levels below is in place"),
        *[(f"Level {x.level}: {x.name}", x.summary) for x in fw.scale.levels],
        *[(f"{x.code}: {x.name}", x.meaning) for x in fw.scale.codes],
        ("", ""),
        ("Evidence rules", "a rating is capped by the strength of the evidence recorded for it"),
        *[(f"Level {r.level}+", f"{r.text} (strengths: {', '.join(r.needs)})") for r in fw.evidence_rules],
        *[(f"Evidence type {t.id}", f"{t.name} (strength: {t.strength})") for t in fw.evidence_types],
        ("", ""),
        ("Criticality classes", f"a sub-area mean may exceed its weakest legal-lens indicator by at most "
                                f"{fw.aggregation.legal_cap} level(s)"),
        *[(c.name, f"long-term target {c.long_term_target}, weight {c.weight:g}: {c.meaning}")
          for c in fw.criticality],
        ("", ""),
        ("Lenses", ""),
        *[(f"{x.id}: {x.name}", x.description) for x in fw.lenses],
    ]
    for r, (a, b) in enumerate(lines, 1):
        put(readme, r, 1, a)
        put(readme, r, 2, b)
        if a and not b or r == 1:
            readme.cell(row=r, column=1).font = Font(bold=True, size=14 if r == 1 else 11)
    readme.column_dimensions["A"].width = 34
    readme.column_dimensions["B"].width = 110

    sheet("Indicators", INDICATOR_HEADERS, [16, 9, 24, 10, 26, 40, 18, 70, 45, 45, 45, 45, 45, 45],
          ([p.name, s.id, s.name, i.id, i.name, i.question, _lens_name(fw, i.lens), i.guidance,
            *[lv.descriptor for lv in i.levels],
            "\n".join(_crosswalk_line(fw, c.ref, c.provision) for c in i.crosswalk)]
           for p in fw.pillars for s in p.subareas for i in s.indicators))
    sheet("Levels", LEVEL_HEADERS, [10, 28, 7, 18, 70, 60],
          ([i.id, i.name, lv.level, _level_name(fw, lv.level), lv.descriptor, "\n".join(lv.evidence)]
           for i in fw.indicators.values() for lv in i.levels))
    sheet("Sub-areas", SUBAREA_HEADERS, [16, 9, 28, 70, 12, 10, 50, 40, 10],
          ([p.name, s.id, s.name, s.description, fw.criticality_of(s.id).name,
            fw.criticality_of(s.id).long_term_target, s.criticality_reason, _aggregation_text(fw, s),
            len(s.indicators)] for p in fw.pillars for s in p.subareas))
    cited = _citations(fw)
    sheet("References", REFERENCE_HEADERS, [14, 11, 70, 30, 10, 60],
          ([r.id, r.kind, r.title, r.note, len(cited.get(r.id, [])),
            ", ".join(i.id + (f" ({prov})" if prov else "") for i, prov in cited.get(r.id, []))]
           for r in fw.references))
    sheet("Change log", CHANGELOG_HEADERS, [10, 12, 70, 12, 10, 24, 40],
          [[e.version, e.date, c, "", "", "", ""] for e in fw.changelog for c in e.changes]
          + [[e.version, e.date, "mapping", m.from_, m.kind, ", ".join(m.to), m.note]
             for e in fw.changelog for m in e.mappings])
    wb.properties.title = f"{fw.title} {fw.version}"
    wb.properties.identifier = fw.id
    wb.properties.version = fw.version
    wb.save(path)


_WRITERS: dict[str, Callable[[Framework, Path], None]] = {
    "html": _write_html, "xlsx": _write_xlsx, "md": _write_markdown}
