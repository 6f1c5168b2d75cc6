"""The funding summary: the donor brief of an assessment whose team committed a road map.

Two printed pages a reader who never saw the framework can follow. Page 1: what the country
needs (the capacity levels in plain words and the main gaps) and what it costs (the committed
packages' totals by horizon and by pillar, low-high, in US dollars at the price years of the
cost catalogue, with the exchange rates used). Page 2: what changes and for whom (per
contribution area: the sub-areas the packages raise, from which level to which), what is
already funded and by whom, the ask (the donors' part of the packages nobody funds yet) and the
alignment with the SDG targets and GCM objectives, rolled up over the committed packages.

Every figure comes from :class:`workbook.roadmap.funding.RoadMap` and
:class:`workbook.roadmap.donors.DonorView` as read once in :class:`~workbook.report.data.ReportData`
(``data.funding``); nothing is shortened: the tables wrap instead.
"""
from __future__ import annotations

from ..i18n.messages import N_, translator
from ..present.html import e, table
from ..present.levels import level_label
from ..roadmap.costing import CATEGORIES, CATEGORY_NAMES, millions, money
from .country import main_gaps
from .data import ReportData
from .parts import Numbering

#: Whom each contribution area serves, in words a donor uses.
FOR_WHOM = {"movement": N_("People who cross the border: travellers, migrants, refugees and children"),
            "cooperation": N_("The border agencies, and the neighbouring countries they work with"),
            "crime": N_("Victims of trafficking and smuggling, and the communities cross-border crime harms")}
HORIZONS = {"short": N_("Short term (first 18 months)"), "long": N_("Long term (up to five years)")}
MAX_GAPS = 3  # main gaps named on page 1 (in full, never shortened)


def _cost_rows(frame, label, lang: str) -> list[list[str]]:
    rows = []
    for r in frame.to_dict("records"):
        key = r[frame.columns[0]]
        rows.append([label(key), *[millions(r[f"{c}_low"], r[f"{c}_high"], lang) for c in CATEGORIES],
                     millions(r["total_low"], r["total_high"], lang)])
    return rows


def _p(text: str, cls: str = "") -> str:
    return f'<p class="{cls}">{e(text)}</p>' if cls else f"<p>{e(text)}</p>"


def _h2(anchor: str, text: str) -> str:
    return f'<h2 id="{anchor}">{e(text)}</h2>'


def _rates_text(road, _) -> str:
    other = {c: r for c, r in road.costing.rates.items() if c != "USD"}
    used = set(road.costing.lines["price_currency"])
    shown = [f"1 {c} = {r:g} USD" for c, r in sorted(other.items()) if c in used]
    if not shown:
        return _("every price in the catalogue is in US dollars")
    return _("prices in other currencies converted at the rates the team entered: %(rates)s") % {
        "rates": "; ".join(shown)}


def page1(data: ReportData, n: Numbering) -> str:
    """What the country needs and what it costs."""
    _ = translator(data.lang).gettext
    f = data.funding
    road, info = f.road, data.info
    committed = road.committed
    n_all, n_in = len(road.table), len(committed)
    years = ", ".join(sorted({y.strip() for ys in committed["price_years"] for y in str(ys).split(",") if y.strip()}))
    status = _("final") if info.status == "final" else _("%(status)s: results may still change") % {
        "status": info.status.replace("_", " ")}
    subtitle = _("Migration and border management road map, %(round)s") % {"round": info.round}
    # gettext calls stay outside the f-strings: Babel does not extract them from inside one
    label, title = _("Summary heading"), _("%(country)s: funding summary") % {"country": data.country_label}
    fictional = _("Fictional country: demonstration data")
    head = (f'<header class="mbm-cover" aria-label="{e(label)}">'
            f'<p class="mbm-running">{e(data.running_title)}</p>'
            f"<h1>{e(title)}</h1>"
            f'<p class="mbm-subtitle">{e(subtitle)}'
            f' (<span class="mbm-status">{e(status)}</span>; {e(data.generated.isoformat())})</p>'
            + (f'<p><span class="mbm-fictional">{e(fictional)}</span></p>'
               if info.fictional else "") + "</header>")
    low, high = road.total
    intro = _("An assessment team rated how well %(country)s manages migration and its borders on a common "
              "framework: four pillars, each rated from level 1 (basic) to level 5 (advanced). It turned the gaps "
              "it found into %(n_all)d investment packages, each a project a donor can fund as one, and committed "
              "%(n_in)d of them as the road map; the other %(n_out)d stay in a documented backlog. The road map "
              "costs %(total)s in all.") % {
        "country": info.country_name, "n_all": n_all, "n_in": n_in, "n_out": n_all - n_in,
        "total": money(low, high, lang=data.lang)}
    p = data.scores.pillars
    needs = table(n.table(_("Capacity today by pillar (level 1 basic to 5 advanced)")),
                  [_("Pillar"), _("Level today"), _("Committed packages"), _("Cost (USD million)")],
                  _pillar_rows(data, p), numeric=(1, 2, 3), widths=(40, 16, 20, 24))
    gaps = main_gaps(data)[:MAX_GAPS]
    names = {k: _(CATEGORY_NAMES[k]).capitalize() for k in CATEGORIES}
    cost_cols = [names[c] for c in CATEGORIES] + [_("Total")]
    caption = _("in USD million at %(years)s prices; a range where quantities or prices are uncertain") % {
        "years": years or "–"}
    by_horizon = table(n.table(_("Cost by horizon, %(what)s") % {"what": caption}), [_("Horizon")] + cost_cols,
                       _cost_rows(road.totals("horizon"), lambda k: _(HORIZONS.get(k, "All packages"))
                                  if k != "all" else _("All packages"), data.lang),
                       numeric=(1, 2, 3, 4), widths=(32, 17, 17, 17, 17))
    pillar_names = {x.id: x.name for x in data.framework.pillars}
    by_pillar = table(n.table(_("Cost by pillar, %(what)s") % {"what": caption}), [_("Pillar")] + cost_cols,
                      _cost_rows(road.totals("pillar_id"), lambda k: pillar_names.get(k, k)
                                 if k != "all" else _("All packages"), data.lang),
                      numeric=(1, 2, 3, 4), widths=(32, 17, 17, 17, 17))
    gov = (float(committed["government_low"].sum()), float(committed["government_high"].sum()))
    donors = (float(committed["donor_low"].sum()), float(committed["donor_high"].sum()))
    ask = f.view.ask
    split = _("Of this, the government takes on %(gov)s (mostly the recurrent costs that continue after the "
              "projects end) and donors %(donors)s: partners already fund %(funded)s of it, and %(ask)s is the ask "
              "(page 2). Costs are in US dollars; %(rates)s.") % {
        "gov": money(*gov, lang=data.lang), "donors": money(*donors, lang=data.lang),
        "funded": money(donors[0] - ask[0], donors[1] - ask[1], lang=data.lang),
        "ask": money(*ask, lang=data.lang), "rates": _rates_text(road, _)}
    return (head + f"<p>{e(intro)}</p>"
            + _h2("needs", _("What the country needs")) + needs
            + _p(_("The largest gaps, by priority:"))
            + "<ul>" + "".join(f"<li>{e(g)}</li>" for g in gaps) + "</ul>"
            + _h2("costs", _("What it costs")) + by_horizon + by_pillar + f"<p>{e(split)}</p>")


def _pillar_rows(data: ReportData, pillars) -> list[list[str]]:
    road = data.funding.road
    committed = road.committed
    totals = road.totals("pillar_id").set_index("pillar_id")
    rows = []
    for r in pillars.itertuples():
        k = int(sum(r.pillar_id in [x.strip() for x in str(ps).split(",")] for ps in committed["pillars"]))
        cost = millions(totals.at[r.pillar_id, "total_low"], totals.at[r.pillar_id, "total_high"], data.lang) \
            if r.pillar_id in totals.index else "0"
        rows.append([r.pillar, level_label(r.level, r.label.endswith("+")), str(k), cost])
    return rows


def _changes(data: ReportData, _) -> list[list[str]]:
    """Per contribution area: for whom, the sub-areas raised (from the level today to the level
    the packages bring them to), how many packages and what they cost."""
    road = data.funding.road
    sub = data.scores.subareas.set_index("subarea_id")
    summary = road.committed.set_index("package_id")
    rows = []
    for area in FOR_WHOM:
        packs = [road.package(pid) for pid in road.committed["package_id"] if area in road.package(pid).contributes]
        if not packs:
            continue
        raised: dict[str, int] = {}
        for pk in packs:
            for g in pk.gaps:
                raised[g.subarea_id] = max(raised.get(g.subarea_id, 0), g.to_level)
        what = "; ".join(
            _("%(subarea)s %(now)s → %(to)d") % {
                "subarea": data.framework.subareas[sid].name,
                "now": level_label(sub.at[sid, "level"], bool(sub.at[sid, "plus"])) if sid in sub.index else "–",
                "to": to}
            for sid, to in sorted(raised.items()))
        low = float(sum(summary.at[pk.id, "total_low"] for pk in packs))
        high = float(sum(summary.at[pk.id, "total_high"] for pk in packs))
        who = _(FOR_WHOM[area]) + " " + _("(%(n)d packages)") % {"n": len(packs)}
        rows.append([who, what, millions(low, high, data.lang)])
    return rows


def page2(data: ReportData, n: Numbering) -> str:
    """What changes for whom, what is already funded, the ask and the SDG/GCM alignment."""
    _ = translator(data.lang).gettext
    f = data.funding
    road, view = f.road, f.view
    parts = ['<section class="mbm-page2" aria-labelledby="changes">',
             _h2("changes", _("What changes, and for whom")),
             table(n.table(_("What the committed packages change: the parts of the framework each group depends on, "
                             "level today → level after (cost in USD million; a package counts under each group)")),
                   [_("For whom"), _("What changes"), _("Cost")], _changes(data, _),
                   numeric=(2,), widths=(20, 69, 11)),
             _h2("funded", _("What is already funded, and by whom"))]
    t = view.table
    funded = t[t["funding_status"] != "gap"]
    if len(view.by_donor):
        said = [_("%(donor)s funds %(packages)s: %(amount)s.") % {
            "donor": r.donor, "amount": money(r.low, r.high, lang=data.lang),
            "packages": "; ".join(funded.loc[funded["funded_by"].str.contains(r.donor, regex=False), "title"])}
            for r in view.by_donor.itertuples()]
        parts.append("<p>" + " ".join(e(x) for x in said) + "</p>")
    else:
        parts.append(_p(_("No donor funds a committed package yet.")))
    overlapping = int((t["overlaps"] != "").sum())
    if overlapping:
        parts.append(_p(_("%(n)d committed package(s) share a gap with an initiative already running; the full "
                          "report names them, so that partners build on it rather than duplicate it.")
                        % {"n": overlapping}))
    gap = t[t["funding_status"] == "gap"].merge(road.committed[["package_id", "start_month", "end_month"]],
                                                 on="package_id", how="left")
    parts.append(_h2("ask", _("The ask")))
    if len(gap):
        ask = _("Donors are asked for %(ask)s for the %(n)d committed packages nobody funds yet.") % {
            "ask": money(*view.ask, lang=data.lang), "n": len(gap)}
        parts.append(f"<p><strong>{e(ask)}</strong></p>")
        parts.append(table(n.table(_("Packages nobody funds yet: the donors' part (USD million) and when they run")),
                           [_("Package"), _("Months"), _("Donors' part")],
                           [[r.title, f"{int(r.start_month)}–{int(r.end_month)}",
                             millions(r.unfunded_low, r.unfunded_high, data.lang)]
                            for r in gap.itertuples()], numeric=(2,), widths=(70, 12, 18)))
    else:
        parts.append(_p(_("Every committed package has a donor or the government behind it: there is no ask.")))
    parts.append(_h2("alignment", _("Alignment with the SDGs and the Global Compact for Migration")))
    tags = road.tags()
    for kind, words in (("SDG target", _("SDG targets")), ("GCM objective", _("GCM objectives"))):
        mine = tags[tags["tag"] == kind]
        if len(mine):
            listed = "; ".join(_("%(tag)s (%(n)d, %(cost)s)") % {
                "tag": r.value, "n": r.n_packages, "cost": millions(r.low, r.high, data.lang)}
                for r in mine.itertuples())
            unit = _("packages, USD million")
            parts.append(f"<p><strong>{e(words)}</strong> ({e(unit)}): {e(listed)}.</p>")
    parts.append(_p(_("SDG target 10.7: safe, orderly and regular migration; the Global Compact for Migration "
                      "(GCM) has 23 objectives. A package counts under each tag. The country report holds the "
                      "method, the evidence, the logframe and the backlog."), "mbm-note"))
    parts.append("</section>")
    return "".join(parts)
