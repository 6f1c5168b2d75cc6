"""The chapter "Crossing points visited": the sample of posts and why each was chosen, the
coverage by kind and share of recorded traffic, a map of the posts when the register gives their
coordinates (drawn offline from the coordinates alone), a posts x checklist heat map (per sub-area, the
checklist items met of those observed at each post) and the key observations of the visits.

It is in a report only when the assessment has a field mission (a register or a visit). It
names no interviewee: interviews are not shown at all.
"""
from __future__ import annotations

import pandas as pd

from ..i18n import translator
from ..i18n.formats import format_date, format_number, format_percent
from ..mission.fields import kind_name
from ..present.charts import checklist_chart, posts_map_chart
from ..present.html import e, figure, items, table
from .data import ReportData
from .parts import Numbering, chapter_heading, chapter_title

CHAPTER = "mission"  # its title: parts.CHAPTER_TITLES, in the report's language


def checklist_grid(matrix: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(share met, ``met/observed`` text): sub-areas as rows, visited posts as columns."""
    if matrix.empty:
        return pd.DataFrame(), pd.DataFrame()
    labels = matrix.assign(label=matrix["subarea_id"] + " " + matrix["subarea"])
    rows = list(dict.fromkeys(labels["label"]))
    cols = list(dict.fromkeys(labels["post"]))
    share = labels.pivot_table(index="label", columns="post", values="share", aggfunc="mean").reindex(
        index=rows, columns=cols)
    counts = pd.DataFrame("", index=rows, columns=cols)
    for r in labels.groupby(["label", "post"], sort=False)[["met", "observed"]].sum().reset_index().itertuples():
        counts.at[r.label, r.post] = f"{r.met}/{r.observed}"
    return share, counts


def mission_html(data: ReportData, n: Numbering) -> str:
    """The chapter (empty when the assessment has no mission)."""
    m = data.mission
    if m is None:
        return ""
    _ = translator(data.lang).gettext
    lang = data.lang
    head = chapter_heading(CHAPTER, chapter_title(data, CHAPTER),
                           _("Which crossing points the team visited and why, how far the visits cover the "
                             "register, and what was observed there."))
    cov = m.coverage
    body = f'<p class="mbm-coverage">{e(cov.describe(lang))}</p>'
    if len(cov.by_kind):
        body += table(n.table(_("Coverage by kind of post")), [_("Kind"), _("Posts"), _("Visited"), _("People a year"),
                                                             _("Share of traffic visited")],
                      [[kind_name(r.kind, lang), r.posts, r.visited, format_number(r.traffic, lang),
                        "-" if r.share is None or r.share != r.share else format_percent(r.share, lang)]
                       for r in cov.by_kind.itertuples()], numeric=(1, 2, 3, 4))
    if not m.visits.empty:
        body += table(n.table(_("The sample: posts visited")), [_("Post"), _("Kind"), _("Day"), _("Why this post"),
                                                                 _("Checklist items met")],
                      [[f"{v.post_name} ({v.post})", kind_name(v.kind, lang), format_date(v.day, lang, "medium"),
                        v.why, _("%(met)s of %(observed)s") % {"met": v.met, "observed": v.observed}
                        if v.observed else "-"] for v in m.visits.itertuples()],
                      numeric=(4,))
    if len(m.located):
        body += figure(posts_map_chart(m.located, lang=lang),
                       n.figure(_("Where the posts are: visited posts filled, the others hollow (from the "
                                  "register's coordinates; no basemap)")))
    share, counts = checklist_grid(m.matrix)
    if not share.empty:
        body += figure(checklist_chart(share, counts, lang=lang),
                       n.figure(_("Checklist items met of those observed, by sub-area and post visited")))
    observations = [f"{v.post}, {format_date(v.day, lang, 'medium')}: {k}" for v in m.visits.itertuples()
                    for k in v.key_observations]
    if observations:
        key = _("Key observations")
        body += f"<h3>{e(key)}</h3>" + items(observations)
    return head + body
