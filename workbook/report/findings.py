"""Findings of a pillar chapter: each sub-area's level under its stated rule, in words; its
warnings; each indicator with its criteria (what stands between the country and the next
level), overrides, "practice ahead of paper" flags and verify-first items; and the capabilities it
draws on that are rated in another sub-area (one home per capability: shown, not rated again).
"""
from __future__ import annotations

import pandas as pd

from ..framework import Indicator, SubArea
from ..i18n.messages import N_, translator
from ..present.html import e, missing, table
from ..present.levels import (confidence_text, level_label, normative_text, rule_text, scoring_note, spread_text,
                              warning_words)
from .data import ReportData
from .parts import Numbering, lead

ANSWER_WORDS = {"yes": N_("met"), "no": N_("not met"), "na": N_("not applicable"), None: N_("not answered")}


def _t(data: ReportData):
    return translator(data.lang).gettext


# -- sub-areas -------------------------------------------------------------------------------
def _names(rows: pd.DataFrame) -> str:
    return "; ".join(f"{r.indicator_id} {r.indicator}" for r in rows.itertuples())


def subarea_sentence(data: ReportData, sa: SubArea, s) -> str:
    """A sub-area's level and how its rule reached it, its spread, the method range, criticality,
    completion, confidence and normative alignment, in a few sentences."""
    t = translator(data.lang)
    _ = t.gettext
    lang = data.lang
    ind = data.scores.indicators
    mine = ind[(ind["subarea_id"] == sa.id) & ind["level"].notna()]
    crit = _("criticality %(criticality)s") % {"criticality": criticality_name(data, sa.criticality)}
    counts = _("%(scored)s of %(applicable)s applicable indicators scored") % {
        "scored": int(s["n_scored"]), "applicable": int(s["n_applicable"])}
    if missing(s["level"]):
        return _("Not scored yet: %(counts)s; %(criticality)s.") % {"counts": counts, "criticality": crit}
    label, level = level_label(s["level"], bool(s["plus"])), int(s["level"])
    low, high = int(s["min_level"]), int(s["max_level"])
    weakest = mine[mine["level"] == low]
    if s["method"] == "weakest_link":
        how = t.ngettext("Level %(label)s under the weakest-link rule: %(names)s at level %(low)s sets the level",
                         "Level %(label)s under the weakest-link rule: %(names)s at level %(low)s set the level",
                         len(weakest)) % {"label": label, "names": _names(weakest), "low": low}
        how += (_("; \"+\" because another indicator is higher (up to %(high)s).") % {"high": high}
                if s["plus"] else ".")
    elif s["method"] == "median_floor":
        how = _("Level %(label)s under the median-with-a-floor rule: the lower median of its indicators") % {
            "label": label}
        how += (f", {scoring_note(s['note'], lang)}" if s["note"] else "") + (
            _(" (\"+\": another indicator is higher).") if s["plus"] else ".")
    else:
        how = (_("Level %(label)s under the mean rule of framework %(version)s: mean %(mean)s → level %(level)s") % {
            "label": label, "version": data.framework.version, "mean": f"{float(s['score']):.2f}", "level": level}
               + (f" ({scoring_note(s['note'], lang)})" if s["note"] else "") + ".")
    spread = (" " + _("Its indicators are all at %(level)s.") % {"level": low} if low == high
              else " " + _("Its indicators run from %(low)s to %(high)s.") % {"low": low, "high": high})
    methods = spread_text(s["method_low"], s["method_high"], lang)
    rng = " " + (_("The three aggregation rules (weakest link, median with a floor, mean) would all give "
                   "%(methods)s.") if "–" not in methods else
                 _("The three aggregation rules would give %(methods)s (method range).")) % {"methods": methods}
    norm = (" " + _("Normative alignment: %(alignment)s normative criteria met (reported beside the level, never "
                    "gating it).") % {"alignment": normative_text(s["normative_met"], s["normative_total"], lang)}
            if s["normative_total"] else "")
    conf = confidence_text(s["confidence"], "no", lang)
    return (f"{how}{spread}{rng} " + _("%(criticality)s; %(counts)s; %(confidence)s confidence.") % {
        "criticality": f"{crit[0].upper()}{crit[1:]}", "counts": counts, "confidence": conf} + norm)


def criticality_name(data: ReportData, value) -> str:
    """The criticality class in running text: its id in English, its translated name otherwise."""
    if data.lang == "en":
        return str(value)
    found = next((c for c in data.framework.criticality if c.id == value), None)
    return found.name.lower() if found is not None else str(value)


def warning_text(data: ReportData, subarea_id: str, warning: str) -> str:
    """A sub-area's warning (the scoring's words, in English) in the report's language."""
    return warning_words(warning, data.lang)


def subarea_warnings(data: ReportData) -> list[str]:
    """Every sub-area's warning (``Scores.warnings``) in the report's language."""
    sub = data.scores.subareas
    return [warning_text(data, r.subarea_id, r.warning) for r in sub.itertuples() if r.warning]


def subareas_table_html(data: ReportData, pillar_id: str, n: Numbering) -> str:
    """A pillar's sub-areas: level, rule, spread of the indicators, method range, normative
    alignment and the warning in words."""
    _ = _t(data)
    lang = data.lang
    sub = data.scores.subareas
    rows = []
    for r in sub[sub["pillar_id"] == pillar_id].itertuples():
        rows.append([f"{r.subarea_id} {r.subarea}", level_label(r.level, r.plus, lang),
                     rule_text(r.method, r.score, lang),
                     spread_text(r.min_level, r.max_level, lang), spread_text(r.method_low, r.method_high, lang),
                     normative_text(r.normative_met, r.normative_total, lang), criticality_name(data, r.criticality),
                     warning_text(data, r.subarea_id, r.warning) or _("none")])
    name = data.framework.pillar(pillar_id).name
    return table(n.table(_("%(pillar)s: sub-area levels, rules and spread") % {"pillar": name}),
                 [_("Sub-area"), _("Level"), _("Rule"), _("Indicators (spread)"), _("Method range"),
                  _("Normative alignment"), _("Criticality"), _("Warning")], rows, numeric=(1,),
                 cls="mbm-wide mbm-levels", widths=(22, 7, 12, 9, 9, 9, 9, 23))


# -- indicators --------------------------------------------------------------------------------
def _level_words(r, lang: str = "en") -> str:
    _ = translator(lang).gettext
    if r.status == "NA":
        return _("not applicable") + ("" if r.level_source in ("rating", "criteria")
                                      else f": {scoring_note(r.level_source, lang)}")
    if r.status == "NE":
        return _("not evaluated in this round")
    if r.status == "missing":
        return _("not rated yet")
    if r.status == "IE":
        return _("IE (insufficient evidence): counted as level 1 until verified")
    words = _("level %(level)s") % {"level": int(r.level)}
    if r.capped:
        words += _(", agreed %(agreed)s but capped") % {"agreed": r.agreed}
    if r.level_source == "criteria":
        words += _(", from the criteria (no agreed rating recorded)")
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
    _ = _t(data)
    kinds = data.crossing_profile.kinds if data.crossing_profile is not None else None
    answers = data.answers
    names = {k.id: k.name.lower() for k in data.framework.crossing_kinds}
    out = []
    for c in indicator.levels[level - 1].criteria:
        if not c.applies(kinds):
            status = _("not applicable (the country has no %(kinds)s)") % {
                "kinds": _(" or ").join(names.get(k, k) for k in c.applies_to)}
        else:
            status = _(ANSWER_WORDS.get(answers.get(c.id), ANSWER_WORDS[None]))
        kind = _(" (normative alignment: reported, never gating)") if c.normative else ""
        out.append(f"<li><em>{e(status)}:</em> {e(c.id)} {e(c.text)}{e(kind)}</li>")
    return out


def indicator_item(data: ReportData, indicator: Indicator, r, note: str) -> str:
    """One indicator of the findings: its level, the criteria's level, normative alignment, the
    team's note, its flags, and the criteria of the next level."""
    _ = _t(data)
    facts = [_level_words(r, data.lang)]
    if not missing(r.criteria_level):
        facts.append(_("criteria give level %(level)s") % {"level": int(r.criteria_level)})
    if r.normative_total:
        facts.append(_("normative alignment: %(alignment)s") % {
            "alignment": normative_text(r.normative_met, r.normative_total, data.lang)})
    flags = []

    def flag(title: str, text: str) -> str:
        return f"<strong>{e(title)}</strong> {text}"
    if r.override:
        flags.append(flag(_("Override:"), e(_("the team agreed level %(agreed)s where the criteria give %(criteria)s, "
                                              "because: %(reason)s") % {
            "agreed": r.agreed, "criteria": int(r.criteria_level), "reason": r.override_reason})))
    if r.gated_by:
        flags.append(flag(_("Practice ahead of paper:"), e(_("%(gated_by)s; the level stays below until the lower "
                                                             "level's criteria are met.") % {"gated_by": r.gated_by})))
    if r.verify_first:
        flags.append(flag(_("Verify first:"), e(_("rated insufficient evidence; counted as level 1 and kept out of "
                                                  "the top priorities until the team has verified what exists."))))
    if r.capped:
        flags.append(flag(_("Capped:"), f"{e(scoring_note(r.cap_reason, data.lang))}."))
    sep, no_note = _("; "), _("No note recorded.")
    body = (f"<li><strong>{e(indicator.id)} {e(indicator.name)}</strong> ({e(sep.join(facts))}): "
            f"{e(note or no_note)}")
    if flags:
        body += '<ul class="mbm-flags">' + "".join(f"<li>{f}</li>" for f in flags) + "</ul>"
    nxt = next_level(r) if data.framework.has_criteria else None
    if nxt is not None:
        lis = criteria_items(data, indicator, nxt)
        if lis:
            stands = _("What stands between it and level %(level)s:") % {"level": nxt}
            body += (f'<p class="mbm-next">{e(stands)}</p>'
                     f'<ul class="mbm-criteria">{"".join(lis)}</ul>')
    return body + "</li>"


def referrals_html(data: ReportData, sa: SubArea) -> str:
    """The capabilities a sub-area draws on that have their home in another sub-area: shown with
    their level there, as references, not rated again."""
    if not sa.refers_to:
        return ""
    _ = _t(data)
    ind = data.scores.indicators.set_index("indicator_id")
    fw = data.framework
    lis = []
    for ref in sa.refers_to:
        if ref.indicator not in ind.index:
            continue
        r = ind.loc[ref.indicator]
        home = fw.subarea_of(ref.indicator)
        unscored = {"NA": N_("not applicable"), "NE": N_("not evaluated")}.get(r["status"], N_("not rated yet"))
        level = _("level %(level)s") % {"level": int(r["level"])} if not missing(r["level"]) else _(unscored)
        rated_in = _("rated in %(subarea)s") % {"subarea": f"{home.id} {home.name}"}
        lis.append(f"<li>{e(ref.indicator)} {e(r['indicator'])} ({e(rated_in)}): {e(level)}. {e(ref.why)}</li>")
    why = _("(one home per capability: references, not rated again and not in this sub-area's level):")
    return ('<p class="mbm-refs">' + lead(_("Rated elsewhere, drawn on here")) + " "
            f"{e(why)}</p>"
            f'<ul class="mbm-referrals">{"".join(lis)}</ul>')


def findings_html(data: ReportData, pillar_id: str) -> str:
    """Findings per sub-area: level and rule in words, warning, indicators with criteria and
    flags, and the references to capabilities rated elsewhere."""
    _ = _t(data)
    fw = data.framework
    ind = data.scores.indicators.set_index("indicator_id", drop=False)
    notes = dict(zip(data.ratings["indicator_id"], data.ratings["notes"]))
    sub = data.scores.subareas.set_index("subarea_id")
    parts = ['<h3 id="findings-' + e(pillar_id) + '">' + e(_("Findings by sub-area")) + "</h3>"]
    for sa in fw.pillar(pillar_id).subareas:
        s = sub.loc[sa.id]
        parts.append(f'<h4 id="sa-{e(sa.id)}">{e(sa.id)} {e(sa.name)}</h4>'
                     f'<p class="mbm-level">{e(subarea_sentence(data, sa, s))}</p>')
        if s["warning"]:
            warning = warning_text(data, sa.id, s["warning"])
            parts.append('<p class="mbm-warning">' + lead(_("Warning:")) + f" {e(warning)}.</p>")
        lis = [indicator_item(data, i, ind.loc[i.id], notes.get(i.id) or "") for i in sa.indicators]
        parts.append(f"<ul class=\"mbm-findings\">{''.join(lis)}</ul>")
        parts.append(referrals_html(data, sa))
    return "".join(parts)
