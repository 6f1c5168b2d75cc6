"""Levels in words and tables, for the pages and the reports alike.

Scores are whole levels (:mod:`workbook.scoring`): a sub-area's level follows its stated rule,
with "+" when one of its indicators is higher, and its *spread* (lowest and highest indicator);
a pillar is a profile of its sub-area levels. Nothing here prints a mean as a headline: only a
framework 1.0 sub-area, whose rule *is* the mean, shows it, as a detail next to the rule
("mean 3.25 -> level 3").
"""
from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from ..scoring import CAPPED_NOTE, HELD_NOTE, LEGAL_NOTE, METHOD_NAMES, NO_KINDS_NOTE
from ..i18n.grammar import elide
from ..i18n.messages import N_, translator
from .html import TABLE_CSS, e, format_completion, missing, table

NOT_SCORED = "not scored"
#: What each aggregation rule does, in one sentence (the methodology and the findings say it).
RULE_WORDS = {
    "weakest_link": N_("the lowest indicator sets the level, with \"+\" when another is higher"),
    "median_floor": N_("the lower median of the indicators, never more than one level above the weakest"),
    "mean": N_("the mean of the indicators rounded down to a level (framework 1.0), capped by the legal basis"),
}
#: The aggregation rules' short names (``scoring.METHOD_NAMES``), marked for the catalogues.
RULE_NAMES = {"weakest_link": N_("weakest link"), "median_floor": N_("median with a floor"), "mean": N_("mean")}


def level_label(level, plus: bool = False, lang: str | None = None) -> str:
    """``2``, ``2+`` or "not scored" (in ``lang``, default English)."""
    if missing(level):
        return translator(lang or "en").gettext(NOT_SCORED)
    return f"{int(level)}{'+' if plus else ''}"


def spread_text(low, high, lang: str | None = None) -> str:
    """The lowest and highest level of the parts: ``1–4``, ``3`` when they agree, "not scored"."""
    if missing(low) or missing(high):
        return translator(lang or "en").gettext(NOT_SCORED)
    return f"{int(low)}" if int(low) == int(high) else f"{int(low)}–{int(high)}"


def spread_words(low, high, lang: str | None = None) -> str:
    """The spread in words: ``from 1 to 4``, ``all at 3`` or "none scored"."""
    t = translator(lang or "en")
    if missing(low) or missing(high):
        return t.gettext("none scored")
    if int(low) == int(high):
        return t.gettext("all at %(level)s") % {"level": int(low)}
    return t.gettext("from %(low)s to %(high)s") % {"low": int(low), "high": int(high)}


def distribution_text(counts: Mapping[int, int], lang: str | None = None) -> str:
    """How many parts sit at each level: ``1 at level 2, 5 at level 3`` ("none scored" if none)."""
    t = translator(lang or "en")
    return (t.gettext(", ").join(t.ngettext("%(n)s at level %(level)s", "%(n)s at level %(level)s", k)
                                 % {"n": k, "level": lv} for lv, k in sorted(counts.items()) if k)
            or t.gettext("none scored"))


def pillar_distribution(row: Mapping, lang: str | None = None) -> str:
    """:func:`distribution_text` of a ``score_pillars`` row (its ``n_level_1`` ... ``n_level_5``)."""
    return distribution_text({lv: int(row[f"n_level_{lv}"]) for lv in range(1, 6)}, lang)


#: Confidence values as stored, marked for the catalogues (``confidence_text`` translates them).
CONFIDENCE_WORDS = {"high": N_("high"), "medium": N_("medium"), "low": N_("low"), "none": N_("none"), "no": N_("no")}


def confidence_text(value, none: str = "none", lang: str | None = None) -> str:
    """``high``, ``medium``, ``low``, or ``none`` when nothing is scored (None or NaN)."""
    word = value if isinstance(value, str) and value else none
    if lang is None or word not in CONFIDENCE_WORDS:
        return word
    return translator(lang).gettext(CONFIDENCE_WORDS[word])


#: Evidence strengths as the framework names them (``EvidenceType.strength``, the evidence rules'
#: ``needs``), marked for the catalogues (``strength_name`` translates them).
STRENGTH_WORDS = {"testimony": N_("testimony"), "document": N_("document"), "observed": N_("observed"),
                  "quantitative": N_("quantitative"), "trend": N_("trend"), "audit": N_("audit")}


def strength_name(word: str, lang: str | None = None) -> str:
    """An evidence strength (``testimony``, ``quantitative``...) in ``lang`` (default English); a
    word the framework adds later stays as written."""
    if lang in (None, "en") or word not in STRENGTH_WORDS:
        return word
    return translator(lang).gettext(STRENGTH_WORDS[word])


#: Stored road-map words (action types, funding and recommendation statuses, exposure, horizons),
#: marked for the catalogues; the report and the road-map page show them with ``roadmap_word``.
ROADMAP_WORDS = {
    "legislation": N_("legislation"), "policy_strategy": N_("policy or strategy"),
    "sop": N_("standard operating procedure"), "training": N_("training"), "staffing": N_("staffing"),
    "coordination": N_("coordination"), "ict_system": N_("ICT system"), "equipment": N_("equipment"),
    "infrastructure": N_("infrastructure"), "financing": N_("financing"), "oversight": N_("oversight"),
    "committed": N_("committed"), "pipeline": N_("pipeline"), "gap": N_("gap"),
    "open": N_("open"), "in_progress": N_("in progress"), "done": N_("done"), "dropped": N_("dropped"),
    "low": N_("low"), "medium": N_("medium"), "high": N_("high"),
    "Short term (up to 18 months)": N_("Short term (up to 18 months)"),
    "Long term (2-5 years)": N_("Long term (2-5 years)")}


def roadmap_word(value, lang: str | None) -> str:
    """A stored road-map word (``in_progress``) as people read it, in ``lang``."""
    text = str(value)
    if text in ROADMAP_WORDS and lang not in (None, "en"):
        return translator(lang).gettext(ROADMAP_WORDS[text])
    return text.replace("_", " ")


def rule_name(method: str, lang: str | None = None) -> str:
    """``weakest link``, ``median with a floor`` or ``mean``."""
    if lang is not None and method in RULE_NAMES:
        return translator(lang).gettext(RULE_NAMES[method])
    return METHOD_NAMES.get(method, str(method).replace("_", " "))


def rule_words(method: str, lang: str | None = None) -> str:
    """What the rule does, in one sentence (:data:`RULE_WORDS`), in ``lang``."""
    return translator(lang or "en").gettext(RULE_WORDS[method])


def rule_text(method: str, score=None, lang: str | None = None) -> str:
    """The rule's name; a framework 1.0 ``mean`` sub-area adds its mean as a detail: ``mean (3.25)``."""
    return rule_name(method, lang) + (f" ({float(score):.2f})" if method == "mean" and not missing(score) else "")


def normative_text(met, total, lang: str | None = None) -> str:
    """``5 of 8`` normative criteria met, or a dash when none was answered."""
    if missing(total) or not int(total):
        return "–"
    return translator(lang or "en").gettext("%(met)s of %(total)s") % {"met": int(met), "total": int(total)}


def change_text(change, lang: str | None = None) -> str:
    """A change in whole levels: ``+1``, ``0``, ``-2`` or "not comparable"."""
    if missing(change):
        return translator(lang or "en").gettext("not comparable")
    return f"{int(round(float(change))):+d}".replace("+0", "0")


def subarea_level(row: Mapping) -> str:
    """A sub-area's level in a few words: ``1+ (weakest link; indicators 1–4)``; a framework 1.0
    ``mean`` sub-area adds its mean as a detail: ``3 (mean 3.25 → level 3; indicators 1–4)``."""
    if missing(row["level"]):
        return NOT_SCORED
    label = level_label(row["level"], bool(row.get("plus")))
    rule = rule_name(row["method"])
    if row["method"] == "mean" and not missing(row.get("score")):
        rule = f"mean {float(row['score']):.2f} → level {int(row['level'])}"
    return f"{label} ({rule}; indicators {spread_text(row['min_level'], row['max_level'])})"


_WARNING = re.compile(r"^(critical sub-area )?(\S+ .+?) reads level (\d+) although (.+)$")
_WEAK = re.compile(r"^(\S+ .+?) is at level (\d+)$")


def warning_words(warning: str, lang: str | None = None) -> str:
    """A sub-area's warning (written in English by :mod:`workbook.scoring`: "ADM.5 Training reads
    level 3 although ADM.5.3 Protection training is at level 2") in ``lang``; a warning of another
    form stays as it is."""
    m = _WARNING.match(warning or "")
    if m is None or lang in (None, "en"):
        return warning
    weak = [_WEAK.match(part) for part in m.group(4).split("; ")]
    if not all(weak):
        return warning
    t = translator(lang)
    which = t.gettext("; ").join(t.gettext("%(indicator)s is at level %(level)s") % {
        "indicator": w.group(1), "level": w.group(2)} for w in weak)
    values = {"subarea": m.group(2), "level": m.group(3), "which": which}
    if m.group(1):
        return t.gettext("critical sub-area %(subarea)s reads level %(level)s although %(which)s") % values
    return t.gettext("%(subarea)s reads level %(level)s although %(which)s") % values


def _template(message: str) -> re.Pattern:
    """A gettext message read back: its ``%(name)s`` placeholders as named groups."""
    parts = re.split(r"%\((\w+)\)s", message)
    return re.compile("^" + "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)"
                                    for i, p in enumerate(parts)) + "$", re.S)


_NOTES = tuple((m, _template(m)) for m in (HELD_NOTE, LEGAL_NOTE, CAPPED_NOTE, NO_KINDS_NOTE))


def scoring_note(note: str, lang: str | None = None) -> str:
    """A note the scoring wrote in English (a median held one level above the weakest indicator, a
    mean capped by the legal basis, an indicator capped by its evidence, not applicable for want of
    a kind of crossing point) in ``lang``; a note of another form stays as it is. The framework's
    words inside it (the evidence rule, the kinds) are those of the framework scored."""
    if lang in (None, "en") or not note:
        return note
    t = translator(lang)
    for message, pattern in _NOTES:
        m = pattern.match(note)
        if m is None:
            continue
        values = m.groupdict()
        names = ()
        if message == NO_KINDS_NOTE:
            from ..i18n.formats import format_list
            names = tuple(values["kinds"].split(" or "))
            values["kinds"] = format_list(names, lang, style="or")
        return elide(t.gettext(message) % values, lang, *names)
    return note


def subarea_table_html(subareas: pd.DataFrame, pillar_row: Mapping, caption: str, lang: str | None = None) -> str:
    """A pillar's sub-areas as an accessible table: level, rule, spread of the indicators, method
    range, completion, confidence and flags; the pillar's profile in the footer; every warning
    written out in words below the table. ``lang``: the language of its words (default English)."""
    _ = translator(lang or "en").gettext
    rows = []
    for _i, r in subareas.iterrows():
        rule = rule_text(r["method"], r["score"], lang)
        if r.get("capped_by_legal"):
            rule += _(", capped by the legal basis")
        rows.append([f"{r['subarea_id']} {r['subarea']}", level_label(r["level"], bool(r["plus"]), lang), rule,
                     spread_text(r["min_level"], r["max_level"], lang),
                     spread_text(r["method_low"], r["method_high"], lang),
                     format_completion(r["n_scored"], r["n_applicable"], lang=lang),
                     confidence_text(r["confidence"], "–", lang), int(r["flags"])])
    p = pillar_row
    foot = [[_("Pillar profile (%(distribution)s)") % {"distribution": pillar_distribution(p, lang)},
             level_label(p["level"], _plus(p), lang), _("lower median"),
             spread_text(p["min_level"], p["max_level"], lang), spread_text(p["method_low"], p["method_high"], lang),
             format_completion(p["n_rated"], p["n_applicable"], lang=lang),
             confidence_text(p["confidence"], "–", lang), int(p["flags"])]]
    out = TABLE_CSS + table(caption, [_("Sub-area"), _("Level"), _("Rule"), _("Spread"), _("Method range"),
                                      _("Completion"), _("Confidence"), _("Flags")], rows, numeric=(1, 7),
                            cls="mbm-table mbm-scores", foot=foot)
    warnings = [warning_words(w, lang) for w in subareas["warning"] if w]
    if warnings:
        lead = _("Warning:")
        out += ('<ul class="mbm-warnings">' + "".join(f"<li><strong>{e(lead)}</strong> {e(w)}</li>"
                                                       for w in warnings) + "</ul>")
    return out


def _plus(row: Mapping) -> bool:
    """A pillar carries "+" when one of its sub-areas is above its level (its label says so)."""
    return str(row.get("label", "")).endswith("+")
