"""What the results page shows, as HTML (pure functions: tested without a kernel)."""
from __future__ import annotations

import pandas as pd

from ...exchange import ImportPlan
from ...present.html import TABLE_CSS, e, format_status, message_html, table
from ...present.palette import MUTED, WORKING
from . import text as T


def size_text(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} kB"


def role_text(role: str, lang: str | None = None) -> str:
    """A sign-off role as people read it (``Team leader``), in ``lang``."""
    return T.words(lang)(T.ROLES[role]) if role in T.ROLES else role


def trail_html(signoffs: pd.DataFrame, lang: str | None = None) -> str:
    """The review trail: every status change, who signed it, as what, with the comment."""
    w = T.words(lang)
    if signoffs.empty:
        return f'<p class="mbm-empty">{e(w(T.TRAIL_EMPTY))}</p>'
    rows = [[f"{r.at:%Y-%m-%d %H:%M}", format_status(r.from_status, lang=lang), format_status(r.to_status, lang=lang),
             r.name, role_text(r.role, lang), r.organisation or "–", r.comment or "–"]
            for r in signoffs.itertuples()]
    return TABLE_CSS + table(w(T.TRAIL), [w(c) for c in T.TRAIL_COLUMNS], rows, row_header=None,
                             cls="mbm-table mbm-trail")


def status_html(status: str, signoffs: pd.DataFrame, lang: str | None = None) -> str:
    w = T.words(lang)
    line = w(T.STATUS_NOW).format(status=format_status(status, lang=lang))
    if not signoffs.empty:
        last = signoffs.iloc[-1]
        line += " " + w(T.STATUS_SINCE).format(at=f"{last['at']:%Y-%m-%d %H:%M}", name=last["name"],
                                               role=role_text(last["role"], lang))
    note = f'<p class="mbm-note">{e(w(T.FINAL_NOTE))}</p>' if status == "final" else ""
    return f'<p class="mbm-review-status"><strong>{e(line)}</strong></p>{note}'


def working_html(line: str, lang: str | None = None) -> str:
    """A progress line for work that takes more than a second: a moving bar and what is being done."""
    return (f'<div role="status" aria-live="polite" class="mbm-status mbm-status-working" '
            f'style="color:{WORKING};display:flex;gap:0.6em;align-items:center">'
            f'<progress aria-label="{e(T.words(lang)(T.WORKING))}" style="width:8em"></progress>'
            f"<span>{e(line)}</span></div>")


def download_html(url: str, what: str, size: int, note: str = "", lang: str | None = None) -> str:
    """A ready file: its download link (and a note, e.g. that nothing had changed)."""
    extra = f' <span style="color:{MUTED}">{e(note)}</span>' if note else ""
    link = T.words(lang)(T.DOWNLOAD).format(what=what, size=size_text(size))
    return (f'<div role="status" aria-live="polite" class="mbm-status mbm-status-ok">'
            f'<a class="mbm-download" href="{e(url)}" download>{e(link)}</a>{extra}</div>')


def saved_html(path: str, what: str, lang: str | None = None) -> str:
    """Outside the app there is no server to hand the file over: say where it is (analysts)."""
    w = T.words(lang)
    return message_html(True, w(T.READY).format(what=what) + ". " + w(T.SAVED_AT).format(path=path))


def plan_html(plan: ImportPlan, name: str, lang: str | None = None) -> str:
    """What an import would do: the changes, the values changed here since the file was made
    (kept unless the person says otherwise), the evidence to add, the file's notes."""
    w = T.words(lang)
    parts = [f'<h4 style="margin:0.6em 0 0.3em">{e(w(T.PLAN_TITLE).format(name=name))}</h4>']
    parts += [f'<p class="mbm-note">{e(n)}</p>' for n in plan.notes]
    if plan.empty:
        parts.append(f"<p>{e(w(T.PLAN_NOTHING))}</p>")
        return "".join(parts)
    items = []
    if plan.changes:
        items.append(w(T.PLAN_CHANGES).format(n=len(plan.changes), k=len({c.indicator_id for c in plan.changes})))
    if plan.answers:
        items.append(w(T.PLAN_ANSWERS).format(n=len(plan.answers), k=len({c.indicator_id for c in plan.answers})))
    if plan.profile is not None:
        items.append(w(T.PLAN_PROFILE).format(what=plan.profile.new.describe()))
    if plan.skipped(False):
        items.append(w(T.PLAN_CONFLICTS).format(n=plan.skipped(False)))
    if plan.evidence:
        items.append(w(T.PLAN_EVIDENCE).format(n=len(plan.evidence)))
    if plan.duplicates:
        items.append(w(T.PLAN_DUPLICATES).format(n=len(plan.duplicates)))
    items += [w(T.PLAN_EXTRA).format(what=heading) for heading, _, _ in plan.extra]
    parts.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>")
    if plan.changes or plan.answers:
        rows = [[c.location, c.key, c.field, _value(c.old, w), _value(c.new, w)] for c in plan.changes + plan.answers]
        parts.append(TABLE_CSS + table(w(T.CHANGES), [w(c) for c in T.CHANGE_COLUMNS], rows, row_header=None,
                                       cls="mbm-table mbm-plan-changes"))
    if plan.conflicts or plan.answer_conflicts:
        rows = [[c.location, c.key, c.field, _value(c.old, w), _value(c.new, w),
                 f"{c.updated_by or '?'}, {c.updated_at:%Y-%m-%d %H:%M}" if c.updated_at else c.updated_by or "?"]
                for c in plan.conflicts + plan.answer_conflicts]
        parts.append(TABLE_CSS + table(w(T.CHANGED_HERE), [w(c) for c in T.CONFLICT_COLUMNS], rows,
                                       row_header=None, cls="mbm-table mbm-plan-conflicts"))
    return "".join(parts)


def _value(v, w=str) -> str:
    if v is None or v == "":
        return w(T.EMPTY)
    s = str(v).replace("\n", " ")
    return s if len(s) <= 80 else s[:77] + "…"
