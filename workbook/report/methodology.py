"""Annex A of the country report: the methodology, written from the framework the assessment is
rated against (so it never goes stale and a 1.0 assessment gets the 1.0 rules), with what this
assessment did under it: criteria answered, overrides, the crossing-point profile and what it left
out as not applicable, and the team's moderation (consensus) record.
"""
from __future__ import annotations

from collections import Counter

from ..i18n.grammar import elide
from ..i18n.messages import translator
from ..present.html import e, format_date, items, table, text_or_dash
from ..present.levels import RULE_WORDS, rule_name, rule_words, scoring_note, strength_name
from ..scoring import STALE_AFTER_YEARS, WARN_FROM, WEAK_AT
from .data import ReportData
from .findings import criticality_name
from .parts import Numbering, chapter_heading, chapter_title, heading3, lead, para

CHAPTER = "annex-method"  # its title: parts.CHAPTER_TITLES, in the report's language


def _scale(data: ReportData, n: Numbering) -> str:
    _ = translator(data.lang).gettext
    fw = data.framework
    how = {"excluded": _("left out of scores"), "lowest": _("counted as level 1 and flagged")}
    return (heading3("method-scale", _("Scale and codes"))
            + para(_("Each indicator is rated on five gated levels: a level counts only when everything described at "
                   "the levels below it is in place. Levels are whole: no score in this report is a fraction of a "
                   "level."))
            + table(n.table(_("The five levels")), [_("Level"), _("Name"), _("What it means")],
                    [[str(lv.level), lv.name, lv.summary] for lv in fw.scale.levels])
            + table(n.table(_("Codes used instead of a level")), [_("Code"), _("Name"), _("Meaning"), _("In scores")],
                    [[c.code, c.name, c.meaning, how[c.in_aggregate]] for c in fw.scale.codes])
            + para(_("Three ratings are kept per indicator: the national team's, the external experts' and the agreed "
                   "one. Only the agreed rating is scored; national and external ratings more than one level apart "
                   "are flagged as a disagreement.")))


def _criteria(data: ReportData, n: Numbering) -> str:
    _ = translator(data.lang).gettext
    fw = data.framework
    head = heading3("method-criteria", _("Criteria behind each level"))
    if not fw.has_criteria:
        return head + para(_("Framework %(version)s has no criteria: the agreed level is the team's judgment against "
                           "each level's descriptor.") % {"version": fw.version})
    kinds = data.crossing_profile.kinds if data.crossing_profile is not None else None
    answers = data.answers
    rows = []
    for level in range(2, 6):
        crit = [c for c in fw.criteria.values() if c.level == level]
        cap = [c for c in crit if not c.normative]
        told = Counter(answers.get(c.id) for c in crit if c.applies(kinds))
        rows.append([str(level), str(len(cap)), str(len(crit) - len(cap)),
                     _("%(met)s met, %(not_met)s not met, %(na)s not applicable") % {
                         "met": told["yes"], "not_met": told["no"], "na": told["na"]}])
    ind = data.scores.indicators
    flags = [_("Overrides (an agreed level other than the criteria's, with the team's written reason): %(n)s; each "
               "is shown with its reason in the findings.") % {"n": int(ind["override"].sum())},
             _("Practice ahead of paper (a higher level's criteria are met while a lower level's are not; the level "
               "stays gated): %(n)s.") % {"n": int((ind["gated_by"] != "").sum())},
             _("Verify first (insufficient evidence, counted as level 1): %(n)s.") % {
                 "n": int(ind["verify_first"].sum())}]
    return (head + para(_("Each level from 2 to 5 of each indicator is backed by short, observable criteria, answered "
                        "yes, no or not applicable. The level they give is gated: a level counts only when every "
                        "capacity criterion of it and of every level below is met or not applicable. When no agreed "
                        "rating is recorded, a level the criteria settle is used. The team may agree another level "
                        "with a written reason: it is kept and flagged as an override. When a higher level's "
                        "criteria are met but a lower level's are not, the level stays gated and the indicator is "
                        "flagged \"practice ahead of paper\": working but undocumented practice is counted at the "
                        "documented level, and the report says so."))
            + para(_("Criteria that record a political choice rather than capacity (joining a treaty, a statelessness "
                   "determination procedure, agreements with every neighbour, a forced-return monitor, seconding "
                   "experts abroad) are marked normative. They never gate a level: normative alignment is reported "
                   "beside the capacity level, as \"normative alignment: met of answered\"."))
            + table(n.table(_("Criteria of the framework and this assessment's answers")),
                    [_("Level"), _("Capacity criteria"), _("Normative criteria"), _("Answered in this assessment")],
                    rows, numeric=(1, 2))
            + items(flags))


def _profile(data: ReportData, n: Numbering) -> str:
    _ = translator(data.lang).gettext
    fw = data.framework
    head = heading3("method-profile", _("Crossing-point profile"))
    profile = data.crossing_profile
    if profile is None or profile.kinds is None:
        return head + para(_("The country's crossing-point profile is not recorded: every indicator and criterion "
                           "applies."))
    names = {k.id: k.name.lower() for k in fw.crossing_kinds}
    text = para(_("The country's kinds of crossing point: %(kinds)s. Indicators and criteria that exist only for other "
                "kinds are left out as not applicable, and say why.") % {"kinds": profile.describe(fw)})
    rows = []
    ind = data.scores.indicators
    by_profile = ind[(ind["status"] == "NA") & ~ind["level_source"].isin(["rating", "criteria"])]
    for r in by_profile.itertuples():
        rows.append([f"{r.indicator_id} {r.indicator}", _("the whole indicator"),
                     scoring_note(r.level_source, data.lang)])
    for iid, indicator in fw.indicators.items():
        if iid in set(by_profile["indicator_id"]):
            continue
        out = [c for c in indicator.criteria if not c.applies(profile.kinds)]
        if out:
            why = sorted({k for c in out for k in c.applies_to})
            kinds = [names.get(k, k) for k in why]
            rows.append([f"{iid} {indicator.name}", ", ".join(c.id for c in out),
                         elide(_("the country has no %(kinds)s") % {"kinds": _(" or ").join(kinds)}, data.lang,
                               *kinds)])
    if not rows:
        return head + text + para(_("Nothing is left out: every indicator and criterion applies to this profile."))
    coded = ind[(ind["status"] == "NA") & ind["level_source"].isin(["rating", "criteria"])]
    extra = (para(_("Rated not applicable by the team: %(indicators)s.") % {
        "indicators": ", ".join(coded["indicator_id"])}) if len(coded) else "")
    return head + text + table(n.table(_("Left out as not applicable by the crossing-point profile")),
                               [_("Indicator"), _("Left out"), _("Why")], rows, widths=(40, 30, 30)) + extra


def _evidence(data: ReportData, n: Numbering) -> str:
    _ = translator(data.lang).gettext
    fw = data.framework
    return (heading3("method-evidence", _("Evidence rules"))
            + para(_("Every rating carries evidence records. A rating at or above a rule's level needs at least one "
                   "record of the strengths listed; otherwise the level used in scores is capped just below the "
                   "rule, and the reason is kept."))
            + table(n.table(_("Evidence rules")), [_("From level"), _("Needs evidence of strength"), _("Rule")],
                    [[str(r.level), _(", ").join(strength_name(x, data.lang) for x in r.needs), r.text]
                     for r in sorted(fw.evidence_rules,
                                                                               key=lambda r: r.level)])
            + table(n.table(_("Evidence types and their strength")), [_("Evidence type"), _("Strength")],
                    [[t.name, strength_name(t.strength, data.lang)] for t in fw.evidence_types])
            + heading3("method-confidence", _("Confidence")) + items([
                _("Low: no evidence, insufficient evidence (IE), or national and external ratings more than one "
                  "level apart."),
                _("High: at least two evidence types, the newest no more than %(years)s years old, and national and "
                  "external ratings within one level.") % {"years": STALE_AFTER_YEARS},
                _("Medium: everything else. A sub-area's or pillar's confidence is the lower median of its parts'. "
                  "Confidence is shown next to every level, never blended into it.")]))


def _aggregation(data: ReportData, n: Numbering) -> str:
    _ = translator(data.lang).gettext
    lang = data.lang
    fw = data.framework
    used = sorted({s.aggregation for s in fw.subareas.values()}, key=list(RULE_WORDS).index)
    rules = items(f"{rule_name(m, lang)}: {rule_words(m, lang)}" for m in used)
    legal = ("" if fw.aggregation.legal_cap is None else
             " " + _("Under the mean rule a sub-area is never more than %(cap)s level(s) above its weakest legal-lens "
                     "indicator, and the mean is shown only as a detail next to the rule (\"mean 3.25 → level "
                     "3\").") % {"cap": fw.aggregation.legal_cap})
    lenses = _("; ").join(f"{lens.name} ({lens.id})" for lens in fw.lenses)
    levels = {"from": WARN_FROM, "weak": WEAK_AT}
    text = (para(_("Each indicator is looked at through one of five lenses: %(lenses)s. Each sub-area states its rule "
                 "for what a weak indicator does to its level, and why (table below). Its level is whole; \"+\" "
                 "marks a sub-area with an indicator above its level (PEFA's M1 convention), and the report gives "
                 "the spread of its indicators (lowest to highest).") % {"lenses": lenses} + legal) + rules
            + "<p>" + lead(_("Warnings.")) + " "
            + e(_("Whatever the rule, a sub-area that reads level %(from)s or above while an applicable indicator is "
                  "at level %(weak)s or below carries a warning that names that indicator in words, in the "
                  "findings, the tables and the executive summary.") % levels) + "</p>"
            + "<p>" + lead(_("No weights.")) + " "
            + e(_("Every sub-area counts once. A pillar is a profile of its sub-area levels: their lower median (the "
                  "headline level), their lowest and highest, and how many sit at each level. The four pillar "
                  "profiles are shown side by side; they are never added up into a single index, and no mean is a "
                  "headline.")) + "</p>"
            + "<p>" + lead(_("Method range.")) + " "
            + e(_("The sensitivity check varies the aggregation rule, not weights: the method range of a sub-area "
                  "gives the lowest and highest level that the weakest link, the median with a floor and the mean "
                  "would give. A wide range says the level depends on the rule; the stated rule is the one used."))
            + "</p>")
    rows = [[f"{s.id} {s.name}", fw.pillar_of(s.id).name, criticality_name(data, s.criticality),
             rule_name(s.aggregation, lang), text_or_dash(s.aggregation_reason)] for s in fw.subareas.values()]
    return (heading3("method-aggregation", _("Levels of sub-areas and pillars")) + text
            + table(n.table(_("Sub-areas: criticality, rule and why")),
                    [_("Sub-area"), _("Pillar"), _("Criticality"), _("Rule"), _("Why this rule")], rows,
                    widths=(22, 13, 10, 12, 43)))


def _targets(data: ReportData, n: Numbering) -> str:
    _ = translator(data.lang).gettext
    fw = data.framework
    caps = sorted({c.long_term_target for c in fw.criticality})
    cap = _(" or ").join(str(c) for c in caps)
    exposure = (" " + _("Exposure for this country: %(level)s (%(reason)s).") % {
        "level": data.exposure["level"], "reason": data.exposure["reason"]} if data.exposure else "")
    return (heading3("method-targets", _("Targets and priority"))
            + para(_("Short-term target: the current level plus one; long-term target: plus two; both capped at the "
                   "criticality class's target (%(cap)s). A sub-area already at the cap aims one level up in the "
                   "long term: level 5 measures institutionalisation and is credible only from level 4. The team "
                   "may set other targets, with a written reason. Gaps are whole levels. Priority = long-term gap x "
                   "criticality weight x exposure (1 to 3, set per country): criticality is counted once. A "
                   "sub-area held down by an indicator rated insufficient evidence is marked verify first and "
                   "ranked after every verified sub-area, so the road map never starts by building what may "
                   "already exist.") % {"cap": cap} + exposure)
            + table(n.table(_("Criticality classes")), [_("Class"), _("Priority weight"), _("Target cap"),
                                                        _("Meaning")],
                    [[c.name, f"{c.weight:g}", str(c.long_term_target), c.meaning] for c in fw.criticality],
                    numeric=(1, 2)))


def _moderation(data: ReportData, n: Numbering) -> str:
    t = translator(data.lang)
    _ = t.gettext
    head = (heading3("method-moderation", _("Moderation: the team's consensus record"))
            + para(_("In a consensus session the team reviews the ratings together and agrees each disputed one; every "
                   "change is recorded with who took part, when, the value before and after, and why.")))
    mod = data.moderation
    if mod is None or mod.empty:
        return head + para(_("No consensus session is recorded for this assessment yet."))
    fw = data.framework
    rows = []
    for r in mod.itertuples():
        name = fw.indicators[r.indicator_id].name if r.indicator_id in fw.indicators else ""
        change = (f"{text_or_dash(r.before)} → {text_or_dash(r.after)}" if r.before != r.after
                  else _("%(level)s (kept)") % {"level": text_or_dash(r.after)})
        rows.append([format_date(r.held_on), f"{r.indicator_id} {name}".strip(), change, r.note, r.participants,
                     r.recorded_by])
    sessions = mod.groupby("held_on", sort=True).size()
    summary = _("; ").join(f"{format_date(day)}: " + t.ngettext("%(n)s indicator(s)", "%(n)s indicator(s)", int(k))
                           % {"n": int(k)} for day, k in sessions.items())
    return (head + para(_("Sessions: %(sessions)s.") % {"sessions": summary})
            + table(n.table(_("Consensus record: what changed and why")),
                    [_("Date"), _("Indicator"), _("Agreed level"), _("Why"), _("Participants"), _("Recorded by")],
                    rows, row_header=None, widths=(10, 22, 10, 28, 18, 12), cls="mbm-annex"))


def methodology_html(data: ReportData, n: Numbering) -> str:
    """Annex A: scale, criteria, crossing-point profile, evidence and confidence, the rule of each
    sub-area, targets and priority, and the moderation record."""
    _ = translator(data.lang).gettext
    fw = data.framework
    crit = (_(", %(n)s criteria (%(normative)s of them normative)") % {
        "n": len(fw.criteria), "normative": sum(c.normative for c in fw.criteria.values())}
            if fw.has_criteria else "")
    intro = _("This assessment uses the %(title)s (%(id)s) version %(version)s: %(pillars)s pillars, %(subareas)s "
              "sub-areas and %(indicators)s indicators%(criteria)s. Everything below is read from the framework file "
              "and this assessment's records.") % {
        "title": fw.title, "id": fw.id, "version": fw.version, "pillars": len(fw.pillars),
        "subareas": len(fw.subareas), "indicators": len(fw.indicators), "criteria": crit}
    return (chapter_heading(CHAPTER, chapter_title(data, CHAPTER), intro) + _scale(data, n) + _criteria(data, n)
            + _profile(data, n)
            + _evidence(data, n) + _aggregation(data, n) + _targets(data, n) + _moderation(data, n))
