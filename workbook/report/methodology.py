"""Annex A of the country report: the methodology, written from the framework the assessment is
rated against (so it never goes stale and a 1.0 assessment gets the 1.0 rules), with what this
assessment did under it: criteria answered, overrides, the crossing-point profile and what it left
out as not applicable, and the team's moderation (consensus) record.
"""
from __future__ import annotations

from collections import Counter

from ..present.html import e, format_date, items, table, text_or_dash
from ..present.levels import RULE_WORDS, rule_name
from ..scoring import STALE_AFTER_YEARS, WARN_FROM, WEAK_AT
from .data import ReportData
from .parts import Numbering, chapter_heading, chapter_title

CHAPTER = "annex-method"  # its title: parts.CHAPTER_TITLES, in the report's language


def _scale(data: ReportData, n: Numbering) -> str:
    fw = data.framework
    how = {"excluded": "left out of scores", "lowest": "counted as level 1 and flagged"}
    return ('<h3 id="method-scale">Scale and codes</h3><p>Each indicator is rated on five gated levels: a level '
            "counts only when everything described at the levels below it is in place. Levels are whole: no "
            "score in this report is a fraction of a level.</p>"
            + table(n.table("The five levels"), ["Level", "Name", "What it means"],
                    [[str(lv.level), lv.name, lv.summary] for lv in fw.scale.levels])
            + table(n.table("Codes used instead of a level"), ["Code", "Name", "Meaning", "In scores"],
                    [[c.code, c.name, c.meaning, how[c.in_aggregate]] for c in fw.scale.codes])
            + "<p>Three ratings are kept per indicator: the national team's, the external experts' and the agreed "
            "one. Only the agreed rating is scored; national and external ratings more than one level apart are "
            "flagged as a disagreement.</p>")


def _criteria(data: ReportData, n: Numbering) -> str:
    fw = data.framework
    head = '<h3 id="method-criteria">Criteria behind each level</h3>'
    if not fw.has_criteria:
        return head + (f"<p>Framework {e(fw.version)} has no criteria: the agreed level is the team's judgment "
                       "against each level's descriptor.</p>")
    kinds = data.crossing_profile.kinds if data.crossing_profile is not None else None
    answers = data.answers
    rows = []
    for level in range(2, 6):
        crit = [c for c in fw.criteria.values() if c.level == level]
        cap = [c for c in crit if not c.normative]
        told = Counter(answers.get(c.id) for c in crit if c.applies(kinds))
        rows.append([str(level), str(len(cap)), str(len(crit) - len(cap)),
                     f"{told['yes']} met, {told['no']} not met, {told['na']} not applicable"])
    ind = data.scores.indicators
    flags = [f"Overrides (an agreed level other than the criteria's, with the team's written reason): "
             f"{int(ind['override'].sum())}; each is shown with its reason in the findings.",
             f"Practice ahead of paper (a higher level's criteria are met while a lower level's are not; the "
             f"level stays gated): {int((ind['gated_by'] != '').sum())}.",
             f"Verify first (insufficient evidence, counted as level 1): {int(ind['verify_first'].sum())}."]
    return (head + "<p>Each level from 2 to 5 of each indicator is backed by short, observable criteria, answered "
            "yes, no or not applicable. The level they give is gated: a level counts only when every capacity "
            "criterion of it and of every level below is met or not applicable. When no agreed rating is "
            "recorded, a level the criteria settle is used. The team may agree another level with a written "
            "reason: it is kept and flagged as an override. When a higher level's criteria are met but a lower "
            "level's are not, the level stays gated and the indicator is flagged \"practice ahead of paper\": "
            "working but undocumented practice is counted at the documented level, and the report says so.</p>"
            "<p>Criteria that record a political choice rather than capacity (joining a treaty, a statelessness "
            "determination procedure, agreements with every neighbour, a forced-return monitor, seconding "
            "experts abroad) are marked normative. They never gate a level: normative alignment is reported "
            "beside the capacity level, as \"normative alignment: met of answered\".</p>"
            + table(n.table("Criteria of the framework and this assessment's answers"),
                    ["Level", "Capacity criteria", "Normative criteria", "Answered in this assessment"], rows,
                    numeric=(1, 2))
            + items(flags))


def _profile(data: ReportData, n: Numbering) -> str:
    fw = data.framework
    head = '<h3 id="method-profile">Crossing-point profile</h3>'
    profile = data.crossing_profile
    if profile is None or profile.kinds is None:
        return head + ("<p>The country's crossing-point profile is not recorded: every indicator and criterion "
                       "applies.</p>")
    names = {k.id: k.name.lower() for k in fw.crossing_kinds}
    text = (f"<p>The country's kinds of crossing point: {e(profile.describe(fw))}. Indicators and criteria that "
            "exist only for other kinds are left out as not applicable, and say why.</p>")
    rows = []
    ind = data.scores.indicators
    by_profile = ind[(ind["status"] == "NA") & ~ind["level_source"].isin(["rating", "criteria"])]
    for r in by_profile.itertuples():
        rows.append([f"{r.indicator_id} {r.indicator}", "the whole indicator", r.level_source])
    for iid, indicator in fw.indicators.items():
        if iid in set(by_profile["indicator_id"]):
            continue
        out = [c for c in indicator.criteria if not c.applies(profile.kinds)]
        if out:
            why = sorted({k for c in out for k in c.applies_to})
            rows.append([f"{iid} {indicator.name}", ", ".join(c.id for c in out),
                         "the country has no " + " or ".join(names.get(k, k) for k in why)])
    if not rows:
        return head + text + "<p>Nothing is left out: every indicator and criterion applies to this profile.</p>"
    coded = ind[(ind["status"] == "NA") & ind["level_source"].isin(["rating", "criteria"])]
    extra = (f"<p>Rated not applicable by the team: {e(', '.join(coded['indicator_id']))}.</p>" if len(coded) else "")
    return head + text + table(n.table("Left out as not applicable by the crossing-point profile"),
                               ["Indicator", "Left out", "Why"], rows, widths=(40, 30, 30)) + extra


def _evidence(data: ReportData, n: Numbering) -> str:
    fw = data.framework
    return ('<h3 id="method-evidence">Evidence rules</h3><p>Every rating carries evidence records. A rating at or '
            "above a rule's level needs at least one record of the strengths listed; otherwise the level used in "
            "scores is capped just below the rule, and the reason is kept.</p>"
            + table(n.table("Evidence rules"), ["From level", "Needs evidence of strength", "Rule"],
                    [[str(r.level), ", ".join(r.needs), r.text] for r in sorted(fw.evidence_rules,
                                                                               key=lambda r: r.level)])
            + table(n.table("Evidence types and their strength"), ["Evidence type", "Strength"],
                    [[t.name, t.strength] for t in fw.evidence_types])
            + '<h3 id="method-confidence">Confidence</h3>' + items([
                "Low: no evidence, insufficient evidence (IE), or national and external ratings more than one "
                "level apart.",
                f"High: at least two evidence types, the newest no more than {STALE_AFTER_YEARS} years old, and "
                "national and external ratings within one level.",
                "Medium: everything else. A sub-area's or pillar's confidence is the lower median of its parts'. "
                "Confidence is shown next to every level, never blended into it."]))


def _aggregation(data: ReportData, n: Numbering) -> str:
    fw = data.framework
    used = sorted({s.aggregation for s in fw.subareas.values()}, key=list(RULE_WORDS).index)
    rules = items(f"{rule_name(m)}: {RULE_WORDS[m]}" for m in used)
    legal = ("" if fw.aggregation.legal_cap is None else
             f" Under the mean rule a sub-area is never more than {fw.aggregation.legal_cap} level(s) above its "
             "weakest legal-lens indicator, and the mean is shown only as a detail next to the rule "
             "(\"mean 3.25 → level 3\").")
    lenses = "; ".join(f"{lens.name} ({lens.id})" for lens in fw.lenses)
    text = (f"<p>Each indicator is looked at through one of five lenses: {e(lenses)}. Each sub-area states its rule "
            "for what a weak indicator does to its level, and why (table below). Its level is whole; \"+\" marks a "
            "sub-area with an indicator above its level (PEFA's M1 convention), and the report gives the spread "
            f"of its indicators (lowest to highest).{e(legal)}</p>" + rules
            + f"<p><strong>Warnings.</strong> Whatever the rule, a sub-area that reads level {WARN_FROM} or above "
            f"while an applicable indicator is at level {WEAK_AT} or below carries a warning that names that "
            "indicator in words, in the findings, the tables and the executive summary.</p>"
            "<p><strong>No weights.</strong> Every sub-area counts once. A pillar is a profile of its sub-area "
            "levels: their lower median (the headline level), their lowest and highest, and how many sit at "
            "each level. The four pillar profiles are shown side by side; they are never added up into a "
            "single index, and no mean is a headline.</p>"
            "<p><strong>Method range.</strong> The sensitivity check varies the aggregation rule, not weights: "
            "the method range of a sub-area gives the lowest and highest level that the weakest link, the median "
            "with a floor and the mean would give. A wide range says the level depends on the rule; the stated "
            "rule is the one used.</p>")
    rows = [[f"{s.id} {s.name}", fw.pillar_of(s.id).name, s.criticality, rule_name(s.aggregation),
             text_or_dash(s.aggregation_reason)] for s in fw.subareas.values()]
    return ('<h3 id="method-aggregation">Levels of sub-areas and pillars</h3>' + text
            + table(n.table("Sub-areas: criticality, rule and why"), ["Sub-area", "Pillar", "Criticality", "Rule",
                                                                       "Why this rule"], rows,
                    widths=(22, 13, 10, 12, 43)))


def _targets(data: ReportData, n: Numbering) -> str:
    fw = data.framework
    caps = sorted({c.long_term_target for c in fw.criticality})
    cap = " or ".join(str(c) for c in caps)
    exposure = (f" Exposure for this country: {e(data.exposure['level'])} ({e(data.exposure['reason'])})."
                if data.exposure else "")
    return ('<h3 id="method-targets">Targets and priority</h3>'
            f"<p>Short-term target: the current level plus one; long-term target: plus two; both capped at the "
            f"criticality class's target ({cap}). A sub-area already at the cap aims one level up in the long "
            "term: level 5 measures institutionalisation and is credible only from level 4. The team may set "
            "other targets, with a written reason. Gaps are whole levels. Priority = long-term gap x criticality "
            "weight x exposure (1 to 3, set per country): criticality is counted once. A sub-area held down by "
            "an indicator rated insufficient evidence is marked verify first and ranked after every verified "
            f"sub-area, so the road map never starts by building what may already exist.{exposure}</p>"
            + table(n.table("Criticality classes"), ["Class", "Priority weight", "Target cap", "Meaning"],
                    [[c.name, f"{c.weight:g}", str(c.long_term_target), c.meaning] for c in fw.criticality],
                    numeric=(1, 2)))


def _moderation(data: ReportData, n: Numbering) -> str:
    head = ('<h3 id="method-moderation">Moderation: the team\'s consensus record</h3><p>In a consensus session the '
            "team reviews the ratings together and agrees each disputed one; every change is recorded with who "
            "took part, when, the value before and after, and why.</p>")
    mod = data.moderation
    if mod is None or mod.empty:
        return head + "<p>No consensus session is recorded for this assessment yet.</p>"
    fw = data.framework
    rows = []
    for r in mod.itertuples():
        name = fw.indicators[r.indicator_id].name if r.indicator_id in fw.indicators else ""
        change = (f"{text_or_dash(r.before)} → {text_or_dash(r.after)}" if r.before != r.after
                  else f"{text_or_dash(r.after)} (kept)")
        rows.append([format_date(r.held_on), f"{r.indicator_id} {name}".strip(), change, r.note, r.participants,
                     r.recorded_by])
    sessions = mod.groupby("held_on", sort=True).size()
    summary = "; ".join(f"{format_date(day)}: {k} indicator(s)" for day, k in sessions.items())
    return (head + f"<p>Sessions: {e(summary)}.</p>"
            + table(n.table("Consensus record: what changed and why"),
                    ["Date", "Indicator", "Agreed level", "Why", "Participants", "Recorded by"], rows,
                    row_header=None, widths=(10, 22, 10, 28, 18, 12), cls="mbm-annex"))


def methodology_html(data: ReportData, n: Numbering) -> str:
    """Annex A: scale, criteria, crossing-point profile, evidence and confidence, the rule of each
    sub-area, targets and priority, and the moderation record."""
    fw = data.framework
    crit = (f", {len(fw.criteria)} criteria ({sum(c.normative for c in fw.criteria.values())} of them normative)"
            if fw.has_criteria else "")
    intro = (f"This assessment uses the {fw.title} ({fw.id}) version {fw.version}: {len(fw.pillars)} pillars, "
             f"{len(fw.subareas)} sub-areas and {len(fw.indicators)} indicators{crit}. Everything below is read "
             "from the framework file and this assessment's records.")
    return (chapter_heading(CHAPTER, chapter_title(data, CHAPTER), intro) + _scale(data, n) + _criteria(data, n)
            + _profile(data, n)
            + _evidence(data, n) + _aggregation(data, n) + _targets(data, n) + _moderation(data, n))
