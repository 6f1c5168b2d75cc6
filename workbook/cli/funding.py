"""The funding steps of ``workbook roadmap XAT STEP``: packages, quantities, costs, rates, commit,
funding, costing (and the IATI, logframe and donor-view outputs).

* ``packages [--gaps]``: the investment packages from the gaps, their state, cost and tags;
* ``quantities [--set post:land=12-14 ...]``: the counts the costing multiplies by;
* ``costs [--set ITEM=LOW[-HIGH] --currency C --year Y --source S]``: the cost catalogue;
* ``rates [--set EUR=1.08 --source S]``: the exchange rates the team enters;
* ``commit PKG ... [--note TEXT] [--backlog PKG=REASON ...]``: commit the road map;
* ``funding PKG [--government-share 0.2] [--funded-by NAME] [--status pipeline]``;
* ``costing [--all]``: the committed road map's totals by horizon and pillar, and per package;
* ``iati [-o PATH]``: the committed road map as an IATI 2.03 activity file;
* ``logframe [-o PATH]``: its results framework as an Excel sheet;
* ``donors``: the donor view (funded by whom, overlaps with initiatives, unfunded, the ask).

Registered by :mod:`workbook.cli.roadmap` (same parser, same ``run``); each step calls
:class:`~workbook.roadmap.funding.FundingStore` and prints.
"""
from __future__ import annotations

MAX_TITLE = 60


def register_steps(steps, by) -> None:
    """Add the funding steps to ``workbook roadmap``'s sub-parsers; ``by`` adds the --by option."""
    p = steps.add_parser("packages", help="list the investment packages from the gaps (state, cost, tags)")
    p.add_argument("--gaps", action="store_true", help="also list the gaps each closes and the evidence behind them")
    p.set_defaults(step=_packages)

    def table(name: str, help: str, metavar: str, example: str, step, *options) -> None:
        """A step that shows a table, or saves ``--set`` rows first (all together)."""
        s = steps.add_parser(name, help=help)
        s.add_argument("--set", dest="values", action="append", default=[], metavar=metavar,
                       help=f"e.g. {example} (repeat; saved together)")
        for flag, default, text in options:
            s.add_argument(flag, default=default, help=text)
        by(s)
        s.set_defaults(step=step)

    table("quantities", "show or set the counts of posts, booths, officers and regions", "MEASURE[:KIND]=LOW[-HIGH]",
          "post:land=12-14, booth=40, officer=600-750, region=4", _quantities,
          ("--note", "", "where the counts come from"), ("--source", "team", "team (default) or register"))
    table("costs", "show the cost catalogue, or set unit costs", "ITEM=LOW[-HIGH]", "interview_room=15000-22000",
          _costs, ("--currency", None, "ISO 4217 currency of the prices set (required with --set)"),
          ("--year", None, "price year of the prices set (required with --set)"),
          ("--source", "", "where the prices come from"))
    table("rates", "show or enter exchange rates (US dollars per unit of a currency)", "CUR=RATE", "EUR=1.08",
          _rates, ("--source", None, "where the rates come from (required with --set)"))

    m = steps.add_parser("commit", help="commit the road map: these packages, in this order; the rest go to the "
                                        "backlog")
    m.add_argument("packages", nargs="+", metavar="PKG", help="package ids from `packages`, in rank order")
    m.add_argument("--note", default="", help="why this road map (required outside 25-40 packages)")
    m.add_argument("--backlog", action="append", default=[], metavar="PKG=REASON",
                   help="why a package stays in the backlog (repeat)")
    by(m)
    m.set_defaults(step=_commit)

    f = steps.add_parser("funding", help="set who pays for a committed package")
    f.add_argument("package", metavar="PKG")
    f.add_argument("--government-share", default=None, metavar="0-1",
                   help="the government's share of the cost (empty: the recurrent costs)")
    f.add_argument("--funded-by", default=None, help="the donor(s) funding it")
    f.add_argument("--status", default=None, help="committed, pipeline or gap")
    by(f)
    f.set_defaults(step=_funding)

    t = steps.add_parser("costing", help="the road map's cost: totals by horizon and pillar, and per package")
    t.add_argument("--all", action="store_true", help="every package, not only the committed ones")
    t.set_defaults(step=_costing)

    i = steps.add_parser("iati", help="write the committed road map as an IATI 2.03 activity file")
    i.add_argument("--output", "-o", default=None, metavar="PATH",
                   help="file to write (default: outputs/<ISO3>/<round folder>/<ISO3>-<round folder>-iati.xml)")
    i.add_argument("--plan-start", default=None, metavar="YYYY-MM-DD", help="when the plan starts (planned dates)")
    i.add_argument("--reporting-org", default=None, metavar="REF",
                   help="IATI identifier of the reporting organisation (default: <ISO3>-GOV)")
    i.add_argument("--reporting-org-name", default=None, help="its name (default: Government of <country>)")
    i.set_defaults(step=_iati)

    lf = steps.add_parser("logframe", help="write the committed road map's results framework as an Excel sheet")
    lf.add_argument("--output", "-o", default=None, metavar="PATH",
                    help="file to write (default: outputs/<ISO3>/<round folder>/<ISO3>-<round folder>-logframe.xlsx)")
    lf.set_defaults(step=_logframe)

    d = steps.add_parser("donors", help="the donor view: who funds which package, overlaps, what is unfunded, the ask")
    d.add_argument("--plan-start", default=None, metavar="YYYY-MM-DD", help="when the plan starts")
    d.set_defaults(step=_donors)


def _pairs(values: list[str], option: str) -> list[tuple[str, str, int]]:
    """``KEY=VALUE`` options as (key, value, index); a located error when one has no ``=``."""
    from ..errors import InvalidInput, Problem
    bad = [Problem(f"{option}[{n}]", f"{v!r} is not KEY=VALUE") for n, v in enumerate(values) if "=" not in v]
    if bad:
        raise InvalidInput(bad, what=option)
    return [(v.split("=", 1)[0].strip(), v.split("=", 1)[1].strip(), n) for n, v in enumerate(values)]


def _span(value: str) -> dict:
    """``"3-5"`` -> low 3, high 5; ``"3"`` -> low 3 (negative numbers are refused by the store)."""
    lo, sep, hi = value.partition("-") if not value.startswith("-") else (value, "", "")
    return {"low": lo.strip(), "high": hi.strip() if sep else None}


def _money(lo, hi) -> str:
    from ..roadmap.costing import money
    return money(lo, hi)


def _short(text, n: int = MAX_TITLE) -> str:
    from .roadmap import _short as short
    return short(text, n)


def _road_map(rm, info, *, strict: bool = False):
    """The costed road map, or None (with the reason printed) when the costing lacks inputs."""
    from ..errors import InvalidInput
    try:
        return rm.road_map(info.id)
    except InvalidInput as exc:
        if strict:
            raise
        print(f"(not costed yet: {exc})")
        return None


def _packages(rm, info, args) -> int:
    road = _road_map(rm, info)
    packs = rm.packages(info.id) if road is None else road.costing.packages
    plan = rm.plan_frame(info.id).set_index("package_id")
    print(f"{info.country_code} {info.label}: {len(packs)} investment package{'s' if len(packs) != 1 else ''} "
          "from the gaps (up to the long-term targets)")
    for p in packs:
        state = plan.loc[p.id, "state"] if p.id in plan.index else "proposed"
        cost = ""
        if road is not None:
            row = road.table.set_index("package_id").loc[p.id]
            cost = f"  {_money(row['total_low'], row['total_high'])}, {row['duration_months']} months"
        print(f"- {p.id} [{state}] {_short(p.title)}: {len(p.actions)} action{'s' if len(p.actions) != 1 else ''},"
              f" closes {len(p.gaps)} gap{'s' if len(p.gaps) != 1 else ''} ({', '.join(p.indicators) or 'none'})"
              f"{cost}; SDG {', '.join(p.sdg)}; GCM {', '.join(str(g) for g in p.gcm)}")
        if p.needs:
            print(f"    needs: {', '.join(p.needs)}")
        if args.gaps:
            for g in p.gaps:
                now = "not scored" if g.current is None else f"level {g.current}"
                print(f"    {g.indicator_id}: {now} -> {g.to_level}; evidence: "
                      f"{'; '.join(p.evidence.get(g.indicator_id) or []) or 'none recorded'}")
    return 0


def _quantities(rm, info, args) -> int:
    if args.values:
        rows = []
        for key, value, _ in _pairs(args.values, "--set"):
            measure, _, kind = key.partition(":")
            rows.append({"measure": measure, "kind": kind or None, **_span(value), "note": args.note})
        rm.set_quantities(info.id, rows, by=_by(args.by), source=args.source)
        print(f"saved {len(rows)} count{'s' if len(rows) != 1 else ''} for {info.country_code} {info.label}")
    f = rm.quantities_frame(info.id)
    print("Quantities (what the costing multiplies by):" if len(f) else "No quantities yet: "
          "workbook roadmap " + info.country_code + " quantities --set post:air=3 --set officer=600-750 ...")
    for r in f.to_dict("records"):
        what = f"{r['measure']}s" + (f" ({r['kind']})" if r["kind"] else "")
        span = f"{r['low']:g}" if r["low"] == r["high"] else f"{r['low']:g}-{r['high']:g}"
        print(f"  {what}: {span}  [{r['source']}] {r['note']}")
    return 0


def _costs(rm, info, args) -> int:
    if args.values:
        rows = [{"item": k, **_span(v), "currency": args.currency, "price_year": args.year, "source": args.source}
                for k, v, _ in _pairs(args.values, "--set")]
        rm.set_unit_costs(info.id, rows, by=_by(args.by))
        print(f"saved {len(rows)} unit cost{'s' if len(rows) != 1 else ''} for {info.country_code} {info.label}")
    f = rm.catalogue_frame(info.id)
    print(f"Cost catalogue of {info.country_code} {info.label} (price of one unit):")
    for r in f.to_dict("records"):
        price = f"{r['low']:,.0f}" if r["low"] == r["high"] else f"{r['low']:,.0f}-{r['high']:,.0f}"
        print(f"  {r['item']:<22} {r['category']:<9} {r['currency']} {price} ({r['price_year']} prices; "
              f"{r['source']}): {r['unit']}")
    return 0


def _rates(rm, info, args) -> int:
    if args.values:
        rows = [{"currency": k, "usd_per_unit": v, "source": args.source} for k, v, _ in _pairs(args.values, "--set")]
        rm.set_rates(info.id, rows, by=_by(args.by))
    f = rm.rates_frame(info.id)
    print("Exchange rates (US dollars per unit):" if len(f) else "No exchange rates yet (only USD prices can be used)")
    for r in f.to_dict("records"):
        print(f"  1 {r['currency']} = {r['usd_per_unit']:g} USD ({r['source']}; {r['updated_by']})")
    return 0


def _commit(rm, info, args) -> int:
    reasons = {k: v for k, v, _ in _pairs(args.backlog, "--backlog")}
    plan = rm.commit(info.id, args.packages, note=args.note, by=_by(args.by), backlog_reasons=reasons)
    n = int((plan["state"] == "committed").sum())
    print(f"committed {n} package{'s' if n != 1 else ''} for {info.country_code} {info.label}; "
          f"{len(plan) - n} in the backlog")
    return 0


def _funding(rm, info, args) -> int:
    rm.set_package_funding(info.id, args.package, government_share=args.government_share, funded_by=args.funded_by,
                           funding_status=args.status, by=_by(args.by))
    row = rm.plan_frame(info.id).set_index("package_id").loc[args.package]
    share = row["government_share"]
    print(f"{args.package}: {row['funding_status']}, funded by {row['funded_by'] or 'nobody yet'}, government share "
          f"{'the recurrent costs' if share is None or share != share else f'{share:.0%}'}")
    return 0


def _costing(rm, info, args) -> int:
    from ..roadmap.costing import CATEGORY_NAMES, totals
    road = _road_map(rm, info, strict=True)
    table = road.table if args.all else road.committed
    if not len(table):
        print("No road map committed yet: `commit PKG ...` (or --all to cost every package)")
        return 0
    lines = road.costing.lines[road.costing.lines["package_id"].isin(set(table["package_id"]))]
    years = ", ".join(str(y) for y in sorted(set(lines["price_year"])))
    print(f"{'Every package' if args.all else 'Committed road map'} of {info.country_code} {info.label}: "
          f"{len(table)} package{'s' if len(table) != 1 else ''}, "
          f"{_money(table['total_low'].sum(), table['total_high'].sum())} (prices of {years}, converted at the "
          "team's rates)")
    rates = {c: r for c, r in road.costing.rates.items() if c != "USD" and c in set(lines["price_currency"])}
    if rates:
        print("  rates used: " + ", ".join(f"1 {c} = {r:g} USD" for c, r in rates.items()))
    for by, name in (("horizon", "By horizon"), ("pillar_id", "By pillar")):
        print(f"\n{name}:")
        for r in totals(lines, by).to_dict("records"):
            split = ", ".join(f"{CATEGORY_NAMES[c]} {_money(r[f'{c}_low'], r[f'{c}_high'])}" for c in CATEGORY_NAMES)
            print(f"  {r[by]}: {_money(r['total_low'], r['total_high'])} ({split})")
    print("\nPer package (government / donors):")
    for r in table.to_dict("records"):
        print(f"  {r['package_id']}: {_money(r['total_low'], r['total_high'])} over {r['duration_months']} months; "
              f"government {_money(r['government_low'], r['government_high'])}, donors "
              f"{_money(r['donor_low'], r['donor_high'])}")
    if not args.all:
        print("\nAlignment (a package counts in full under each of its tags):")
        for r in road.tags().to_dict("records"):
            print(f"  {r['tag']} {r['value']}: {r['n_packages']} package{'s' if r['n_packages'] != 1 else ''}, "
                  f"{_money(r['low'], r['high'])}")
    if not args.all and len(road.backlog):
        print(f"\nBacklog: {len(road.backlog)} package{'s' if len(road.backlog) != 1 else ''}, "
              f"{_money(road.backlog['total_low'].sum(), road.backlog['total_high'].sum())}")
        for r in road.backlog.to_dict("records"):
            print(f"  {r['package_id']}: {r['reason'] or 'not decided'}")
    return 0


def _iati(rm, info, args) -> int:
    from ..exchange.iati import export_iati
    from .roadmap import _plan_start
    out, n = export_iati(rm, info, args.output, plan_start=_plan_start(args), reporting_ref=args.reporting_org,
                         reporting_name=args.reporting_org_name)
    print(f"wrote {n} IATI activit{'ies' if n != 1 else 'y'} (one per committed package) of {info.country_code} "
          f"{info.label}: {out}")
    return 0


def _logframe(rm, info, args) -> int:
    from ..exchange.logframe import export_logframe
    out, n = export_logframe(rm, info, args.output)
    print(f"wrote the logframe of {info.country_code} {info.label} ({n} results): {out}")
    return 0


def _donors(rm, info, args) -> int:
    from .roadmap import _plan_start
    view = rm.funding_view(info.id, plan_start=_plan_start(args))
    t = view.table
    if not len(t):
        print("No road map committed yet: `commit PKG ...`")
        return 0
    print(f"Donor view of {info.country_code} {info.label}: {len(t)} committed package{'s' if len(t) != 1 else ''}, "
          f"{_money(t['total_low'].sum(), t['total_high'].sum())}, of which the government "
          f"{_money(t['government_low'].sum(), t['government_high'].sum())}")
    for r in t.to_dict("records"):
        who = r["funded_by"] or "nobody yet"
        print(f"- {r['package_id']}: {r['funding_status']} ({who}); donors' part "
              f"{_money(r['donor_low'], r['donor_high'])}")
        if r["overlaps"]:
            print(f"    overlaps: {r['overlaps']}")
    if len(view.by_donor):
        print("\nFunded or in the pipeline, by donor:")
        for r in view.by_donor.to_dict("records"):
            print(f"  {r['donor']}: {r['n_packages']} package{'s' if r['n_packages'] != 1 else ''}, "
                  f"{_money(r['low'], r['high'])}")
    unfunded = t[t["funding_status"] == "gap"]
    print(f"\nUnfunded: {len(unfunded)} package{'s' if len(unfunded) != 1 else ''}. The ask: "
          f"{_money(*view.ask)} from donors")
    return 0


def _by(value):
    from .roadmap import _by as by
    return by(value)
