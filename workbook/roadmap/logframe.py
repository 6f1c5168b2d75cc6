"""The results framework (logframe) of the committed road map.

Four columns a donor's template expects (result, indicators, means of verification,
assumptions and risks) on three levels:

* **impact**: safe, orderly and regular migration (SDG target 10.7) and the GCM objectives the
  committed packages serve;
* **outcomes**: one per sub-area the committed packages raise, its indicators the framework
  indicators from their current level to the level the packages bring them to, verified by the
  criteria of that level (what shows each one: a document, an observation, an interview...);
* **outputs**: one per committed package, its indicators the outputs its actions deliver,
  verified by the criteria those actions make true; the risks are the package's own: a
  prerequisite left in the backlog, a level not known (verify first), no funding yet, an
  uncertain cost.
"""
from __future__ import annotations

import pandas as pd

from ..framework import Framework
from ..i18n.grammar import elide
from ..i18n.messages import N_, translator
from .costing import money
from .library import ActionLibrary

LOGFRAME_COLUMNS = ["level", "ref", "result", "indicators", "verification", "assumptions"]
SHOWN_BY = {"document": N_("document"), "observed": N_("observation at the posts"), "interview": N_("interviews"),
            "system": N_("system demonstration"), "statistics": N_("statistics")}


def _criteria(framework: Framework, indicator_id: str, level: int, _=str) -> list[str]:
    ind = framework.indicators[indicator_id]
    return [f"{c.id} ({_(SHOWN_BY[c.shown_by]) if c.shown_by in SHOWN_BY else c.shown_by}): {c.text}"
            for c in ind.criteria
            if c.id[len(indicator_id) + 1:].rstrip("abcdefghijklmnopqrstuvwxyz") == str(level)]


def build_logframe(road, framework: Framework, library: ActionLibrary, country_name: str,
                   lang: str = "en") -> pd.DataFrame:
    """The logframe of ``road`` (:class:`~workbook.roadmap.funding.RoadMap`): one row per result,
    its own words in ``lang`` (the framework's and library's text as given)."""
    _ = translator(lang).gettext
    sep = _("; ")
    committed = road.committed
    packs = [road.package(pid) for pid in committed["package_id"]]
    gcm = sorted({g for p in packs for g in p.gcm})
    sdg = sorted({s for p in packs for s in p.sdg}, key=lambda s: [(0, int(x), "") if x.isdigit() else (1, 0, x)
                                                                   for x in s.split(".")])
    others = [s for s in sdg if s != "10.7"] if len(sdg) > 1 else []
    impact = (_("People cross the borders of %(country)s safely, in order and through regular channels, with their "
                "rights protected and cross-border crime contained (SDG target 10.7; also SDG targets %(targets)s)")
              if others else
              _("People cross the borders of %(country)s safely, in order and through regular channels, with their "
                "rights protected and cross-border crime contained (SDG target 10.7)"))
    rows = [{"level": "impact", "ref": "I",
             "result": elide(impact % {"country": country_name, "targets": ", ".join(others)}, lang, country_name),
             "indicators": _("SDG indicator 10.7.2 (well-managed migration policies); progress on the GCM objectives "
                             "%(objectives)s") % {"objectives": ", ".join(str(g) for g in gcm)},
             "verification": _("The SDG 10.7.2 inquiry (UN DESA and IOM); the country's GCM voluntary review; the "
                               "follow-up border management assessment"),
             "assumptions": _("Border management stays a government priority; the government takes on the recurrent "
                              "costs as projects end")}]
    reach: dict[str, dict[str, tuple[int | None, int]]] = {}
    for p in packs:
        for g in p.gaps:
            cur, to = reach.setdefault(g.subarea_id, {}).get(g.indicator_id, (g.current, 0))
            reach[g.subarea_id][g.indicator_id] = (cur, max(to, g.to_level))
    for n, sid in enumerate(sorted(reach), start=1):
        sa = framework.subareas[sid]
        gaps = reach[sid]
        top = max(to for _cur, to in gaps.values())
        rows.append({"level": "outcome", "ref": f"O{n}",
                     "result": _("%(id)s %(name)s: its indicators raised as listed (up to level %(level)s)") % {
                         "id": sid, "name": sa.name, "level": top},
                     "indicators": sep.join(_("%(id)s %(name)s: level %(now)s to %(to)s") % {
                         "id": iid, "name": framework.indicators[iid].name,
                         "now": _("not known") if cur is None else cur, "to": to}
                         for iid, (cur, to) in sorted(gaps.items())),
                     "verification": " | ".join(c for iid, (_cur, to) in sorted(gaps.items())
                                                for c in _criteria(framework, iid, to, _)) or _("the level criteria"),
                     "assumptions": _("The follow-up assessment rates these indicators on the same framework; the "
                                      "agencies keep the staff trained under the packages")})
    for n, (p, row) in enumerate(zip(packs, committed.to_dict("records")), start=1):
        risks = []
        backlog = [x for x in p.needs if x not in set(committed["package_id"])]
        if backlog:
            risks.append(_("needs %(packages)s (in the backlog)") % {"packages": ", ".join(backlog)})
        if p.verify_first:
            risks.append(_("some levels are not known (rated IE): verify before buying"))
        if row.get("funding_status") == "gap":
            risks.append(_("no funding yet: donors' part %(amount)s") % {
                "amount": money(row["donor_low"], row["donor_high"], lang=lang)})
        if row.get("uncertain"):
            risks.append(_("cost uncertain: %(amount)s") % {
                "amount": money(row["total_low"], row["total_high"], lang=lang)})
        outputs = [library.action(a).output or library.action(a).title for a in p.actions]
        criteria = sorted({c for a in p.actions for c in library.action(a).criteria})
        rows.append({"level": "output", "ref": f"P{n}", "result": f"{p.title} ({p.id})",
                     "indicators": sep.join(dict.fromkeys(outputs)),
                     "verification": _("criteria %(criteria)s met, records of the lead agency") % {
                         "criteria": ", ".join(criteria)} if criteria else _("records of the lead agency"),
                     "assumptions": sep.join(risks) or _("none identified")})
    return pd.DataFrame(rows, columns=LOGFRAME_COLUMNS)
