"""Findings of a pillar chapter: each sub-area's level under its stated rule, in words; its
warnings; each indicator with its criteria (what stands between the country and the next
level), overrides, "practice ahead of paper" flags and verify-first items; and the capabilities it
draws on that are rated in another sub-area (one home per capability: shown, not rated again).
"""
from __future__ import annotations

import pandas as pd

from ..framework import Indicator, SubArea
from ..present.html import e, missing, table
from ..present.levels import confidence_text, level_label, normative_text, rule_text, spread_text
from .data import ReportData
from .parts import Numbering

ANSWER_WORDS = {"yes": "met", "no": "not met", "na": "not applicable", None: "not answered"}


# -- sub-areas -------------------------------------------------------------------------------
def _names(rows: pd.DataFrame) -> str:
    return "; ".join(f"{r.indicator_id} {r.indicator}" for r in rows.itertuples())


def subarea_sentence(data: ReportData, sa: SubArea, s) -> str:
    """A sub-area's level and how its rule reached it, its spread, the method range, criticality,
    completion, confidence and normative alignment, in a few sentences."""
    ind = data.scores.indicators
    mine = ind[(ind["subarea_id"] == sa.id) & ind["level"].notna()]
    crit = f"criticality {sa.criticality}"
    counts = f"{int(s['n_scored'])} of {int(s['n_applicable'])} applicable indicators scored"
    if missing(s["level"]):
        return f"Not scored yet: {counts}; {crit}."
    label, level = level_label(s["level"], bool(s["plus"])), int(s["level"])
    low, high = int(s["min_level"]), int(s["max_level"])
    weakest = mine[mine["level"] == low]
    if s["method"] == "weakest_link":
        how = (f"Level {label} under the weakest-link rule: {_names(weakest)} at level {low} "
               f"{'sets' if len(weakest) == 1 else 'set'} the level"
               + (f"; \"+\" because another indicator is higher (up to {high})." if s["plus"] else "."))
    elif s["method"] == "median_floor":
        how = f"Level {label} under the median-with-a-floor rule: the lower median of its indicators"
        how += (f", {s['note']}" if s["note"] else "") + (" (\"+\": another indicator is higher)." if s["plus"]
                                                           else ".")
    else:
        how = (f"Level {label} under the mean rule of framework {data.framework.version}: mean "
               f"{float(s['score']):.2f} → level {level}" + (f" ({s['note']})" if s["note"] else "") + ".")
    spread = (f" Its indicators are all at {low}." if low == high
              else f" Its indicators run from {low} to {high}.")
    methods = spread_text(s["method_low"], s["method_high"])
    rng = (f" The three aggregation rules (weakest link, median with a floor, mean) would all give {methods}."
           if "–" not in methods else f" The three aggregation rules would give {methods} (method range).")
    norm = (f" Normative alignment: {normative_text(s['normative_met'], s['normative_total'])} normative criteria "
            "met (reported beside the level, never gating it)." if s["normative_total"] else "")
    conf = confidence_text(s["confidence"], "no")
    return f"{how}{spread}{rng} {crit[0].upper()}{crit[1:]}; {counts}; {conf} confidence.{norm}"


def subareas_table_html(data: ReportData, pillar_id: str, n: Numbering) -> str:
    """A pillar's sub-areas: level, rule, spread of the indicators, method range, normative
    alignment and the warning in words."""
    sub = data.scores.subareas
    rows = []
    for r in sub[sub["pillar_id"] == pillar_id].itertuples():
        rows.append([f"{r.subarea_id} {r.subarea}", level_label(r.level, r.plus),
                     rule_text(r.method, r.score),
                     spread_text(r.min_level, r.max_level), spread_text(r.method_low, r.method_high),
                     normative_text(r.normative_met, r.normative_total), r.criticality, r.warning or "none"])
    name = data.framework.pillar(pillar_id).name
    return table(n.table(f"{name}: sub-area levels, rules and spread"),
                 ["Sub-area", "Level", "Rule", "Indicators (spread)", "Method range", "Normative alignment",
                  "Criticality", "Warning"], rows, numeric=(1,), cls="mbm-wide mbm-levels",
                 widths=(22, 7, 12, 9, 9, 9, 9, 23))


# -- indicators --------------------------------------------------------------------------------
def _level_words(r) -> str:
    if r.status == "NA":
        return "not applicable" + ("" if r.level_source in ("rating", "criteria") else f": {r.level_source}")
    if r.status == "NE":
        return "not evaluated in this round"
    if r.status == "missing":
        return "not rated yet"
    if r.status == "IE":
        return "IE (insufficient evidence): counted as level 1 until verified"
    words = f"level {int(r.level)}"
    if r.capped:
        words += f", agreed {r.agreed} but capped"
    if r.level_source == "criteria":
        words += ", from the criteria (no agreed rating recorded)"
    return words


def next_level(r) -> int | None:
    """The level whose criteria stand between the country and a higher level: one above what the
    criteria give (or above the level used when no criterion is answered); None at 5 or when the
    indicator is not scored."""
    if r.status in ("NA", "NE", "missing"):
        return None
    base = r.criteria_level if not missing(r.criteria_level) else r.level
    if missing(base) or int(base) >= 5:
        return None
    return int(base) + 1


def criteria_items(data: ReportData, indicator: Indicator, level: int) -> list[str]:
    """Each criterion of ``level`` with its answer in words (kinds of crossing point the country
    does not have make a criterion not applicable)."""
    kinds = data.crossing_profile.kinds if data.crossing_profile is not None else None
    answers = data.answers
    names = {k.id: k.name.lower() for k in data.framework.crossing_kinds}
    out = []
    for c in indicator.levels[level - 1].criteria:
        if not c.applies(kinds):
            status = "not applicable (the country has no " + " or ".join(names.get(k, k) for k in c.applies_to) + ")"
        else:
            status = ANSWER_WORDS.get(answers.get(c.id), "not answered")
        kind = " (normative alignment: reported, never gating)" if c.normative else ""
        out.append(f"<li><em>{e(status)}:</em> {e(c.id)} {e(c.text)}{e(kind)}</li>")
    return out


def indicator_item(data: ReportData, indicator: Indicator, r, note: str) -> str:
    """One indicator of the findings: its level, the criteria's level, normative alignment, the
    team's note, its flags, and the criteria of the next level."""
    facts = [_level_words(r)]
    if not missing(r.criteria_level):
        facts.append(f"criteria give level {int(r.criteria_level)}")
    if r.normative_total:
        facts.append(f"normative alignment: {normative_text(r.normative_met, r.normative_total)}")
    flags = []
    if r.override:
        flags.append(f"<strong>Override:</strong> the team agreed level {e(r.agreed)} where the criteria give "
                     f"{int(r.criteria_level)}, because: {e(r.override_reason)}")
    if r.gated_by:
        flags.append(f"<strong>Practice ahead of paper:</strong> {e(r.gated_by)}; the level stays below until "
                     "the lower level's criteria are met.")
    if r.verify_first:
        flags.append("<strong>Verify first:</strong> rated insufficient evidence; counted as level 1 and kept out "
                     "of the top priorities until the team has verified what exists.")
    if r.capped:
        flags.append(f"<strong>Capped:</strong> {e(r.cap_reason)}.")
    body = (f"<li><strong>{e(indicator.id)} {e(indicator.name)}</strong> ({e('; '.join(facts))}): "
            f"{e(note or 'No note recorded.')}")
    if flags:
        body += '<ul class="mbm-flags">' + "".join(f"<li>{f}</li>" for f in flags) + "</ul>"
    nxt = next_level(r) if data.framework.has_criteria else None
    if nxt is not None:
        lis = criteria_items(data, indicator, nxt)
        if lis:
            body += (f'<p class="mbm-next">What stands between it and level {nxt}:</p>'
                     f'<ul class="mbm-criteria">{"".join(lis)}</ul>')
    return body + "</li>"


def referrals_html(data: ReportData, sa: SubArea) -> str:
    """The capabilities a sub-area draws on that have their home in another sub-area: shown with
    their level there, as references, not rated again."""
    if not sa.refers_to:
        return ""
    ind = data.scores.indicators.set_index("indicator_id")
    fw = data.framework
    lis = []
    for ref in sa.refers_to:
        if ref.indicator not in ind.index:
            continue
        r = ind.loc[ref.indicator]
        home = fw.subarea_of(ref.indicator)
        level = (f"level {int(r['level'])}" if not missing(r["level"])
                 else {"NA": "not applicable", "NE": "not evaluated"}.get(r["status"], "not rated yet"))
        lis.append(f"<li>{e(ref.indicator)} {e(r['indicator'])} (rated in {e(home.id)} {e(home.name)}): "
                   f"{e(level)}. {e(ref.why)}</li>")
    return ('<p class="mbm-refs"><strong>Rated elsewhere, drawn on here</strong> (one home per capability: '
            "references, not rated again and not in this sub-area's level):</p>"
            f'<ul class="mbm-referrals">{"".join(lis)}</ul>')


def findings_html(data: ReportData, pillar_id: str) -> str:
    """Findings per sub-area: level and rule in words, warning, indicators with criteria and
    flags, and the references to capabilities rated elsewhere."""
    fw = data.framework
    ind = data.scores.indicators.set_index("indicator_id", drop=False)
    notes = dict(zip(data.ratings["indicator_id"], data.ratings["notes"]))
    sub = data.scores.subareas.set_index("subarea_id")
    parts = ['<h3 id="findings-' + e(pillar_id) + '">Findings by sub-area</h3>']
    for sa in fw.pillar(pillar_id).subareas:
        s = sub.loc[sa.id]
        parts.append(f'<h4 id="sa-{e(sa.id)}">{e(sa.id)} {e(sa.name)}</h4>'
                     f'<p class="mbm-level">{e(subarea_sentence(data, sa, s))}</p>')
        if s["warning"]:
            parts.append(f'<p class="mbm-warning"><strong>Warning:</strong> {e(s["warning"])}.</p>')
        lis = [indicator_item(data, i, ind.loc[i.id], notes.get(i.id) or "") for i in sa.indicators]
        parts.append(f"<ul class=\"mbm-findings\">{''.join(lis)}</ul>")
        parts.append(referrals_html(data, sa))
    return "".join(parts)

