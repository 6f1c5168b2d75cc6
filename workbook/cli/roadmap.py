"""``workbook roadmap XAT [--round R] STEP``: the road map from the command line.

Steps:

* ``suggest``: the top suggestions from the gaps and the action library (nothing saved);
* ``accept KEY ...`` (or ``--all``): add suggestions to the recommendations, with their
  prerequisites that are not in the list yet;
* ``show``: the sequenced road map by horizon, the schedule problems and the donor-map flags;
* ``exposure N --reason TEXT``: set the country's exposure (1 low, 2 medium, 3 high);
* ``export``: the road map (or the recommendations, initiatives, suggestions) as CSV;
* the funding steps (``packages``, ``quantities``, ``costs``, ``rates``, ``commit``, ``funding``,
  ``costing``): see :mod:`workbook.cli.funding`.

Each is a function of the parsed arguments that calls :class:`~workbook.roadmap.RoadmapStore` with
keyword arguments and prints the result. User errors raise :class:`~workbook.errors.WorkbookError`,
which the main command prints without a traceback (exit status 2).
"""
from __future__ import annotations

import argparse

from . import LibraryChoices, open_assessment
from .funding import register_steps

DEFAULT_LIMIT = 20
MAX_TITLE = 60


def register(sub) -> None:
    """Declare ``workbook roadmap``."""
    parser = sub.add_parser("roadmap", help="targets, suggestions, road map and donor map of an assessment")
    parser.add_argument("country", help="ISO 3166-1 alpha-3 code of the assessment, e.g. XAT")
    parser.add_argument("--round", default=None, help="assessment round (default: the latest)")
    steps = parser.add_subparsers(dest="roadmap_step", required=True, metavar="STEP")

    def filters(p: argparse.ArgumentParser) -> None:
        p.add_argument("--horizon", default="long", metavar="HORIZON",
                       choices=LibraryChoices("workbook.roadmap.library", "HORIZONS"),
                       help="%(choices)s: suggest up to the long-term target (default) or the short-term one only")
        p.add_argument("--pillar", default=None, help="only this pillar, e.g. INF")
        p.add_argument("--top", type=int, default=None, metavar="N",
                       help="only the N sub-areas with the highest priority (default: every sub-area with a gap)")

    s = steps.add_parser("suggest", help="print the top suggested actions from the gaps and the action library")
    filters(s)
    s.add_argument("--limit", type=int, default=DEFAULT_LIMIT, metavar="N",
                   help=f"print at most N suggestions (default {DEFAULT_LIMIT}; 0: all)")
    s.set_defaults(step=_suggest)

    a = steps.add_parser("accept", help="add suggestions to the recommendations (with their prerequisites)")
    a.add_argument("keys", nargs="*", metavar="KEY", help="action ids from `suggest`, e.g. INF.6.1-s3-a")
    a.add_argument("--all", action="store_true", help="accept every suggestion that the filters select")
    filters(a)
    a.add_argument("--by", default=None, help="who accepts, for the audit log (default: your login name)")
    a.set_defaults(step=_accept)

    sh = steps.add_parser("show", help="print the sequenced road map, schedule problems and donor-map flags")
    sh.add_argument("--plan-start", default=None, metavar="YYYY-MM-DD",
                    help="when the plan starts (default: the assessment's date)")
    sh.set_defaults(step=_show)

    e = steps.add_parser("exposure", help="set the country's exposure: 1 low, 2 medium, 3 high")
    e.add_argument("level", help="1, 2 or 3")
    e.add_argument("--reason", required=True, help="why, e.g. traffic volume and threat picture")
    e.add_argument("--by", default=None, help="who decides, for the audit log (default: your login name)")
    e.set_defaults(step=_exposure)

    x = steps.add_parser("export", help="write the road map (or another table) as CSV")
    x.add_argument("--what", default="roadmap", metavar="TABLE",
                   choices=LibraryChoices("workbook.exchange.roadmap", "EXPORTS"),
                   help="%(choices)s (default: roadmap)")
    x.add_argument("--output", "-o", default=None, metavar="PATH",
                   help="file to write (default: outputs/<ISO3>/<round folder>/<ISO3>-<round folder>-<what>.csv)")
    x.add_argument("--plan-start", default=None, metavar="YYYY-MM-DD", help="for the road map's dates")
    x.set_defaults(step=_export)

    def by(p: argparse.ArgumentParser) -> None:
        p.add_argument("--by", default=None, help="who, for the audit log (default: your login name)")
    register_steps(steps, by)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Open the assessment's road map and run the chosen step; returns the exit status (0)."""
    from ..roadmap.funding import FundingStore
    store, info = open_assessment(args)
    return args.step(FundingStore(store), info, args)


def _by(value: str | None) -> str:
    from ..config import default_user
    return value or default_user()


def _suggestions(rm, info, args):
    """(every suggestion, the ones the filters select)."""
    from ..errors import Problem, Problems
    fw = rm.framework
    problems = Problems()
    if args.pillar is not None and args.pillar.upper() not in [p.id for p in fw.pillars]:
        problems.append(Problem("--pillar", f"{args.pillar!r} is not a pillar; use one of "
                                            f"{', '.join(p.id for p in fw.pillars)}"))
    if args.top is not None and not 1 <= args.top <= len(fw.subareas):
        problems.append(Problem("--top", f"{args.top} is not a number from 1 to {len(fw.subareas)}"))
    problems.raise_if_any(what="roadmap")
    everything = rm.suggest(info.id, horizon=args.horizon, top=args.top)
    chosen = everything
    if args.pillar:
        chosen = chosen[[fw.pillar_of(s).id == args.pillar.upper() for s in chosen["subarea_id"]]]
    return everything, chosen


def _short(text, n: int = MAX_TITLE) -> str:
    from ..present.html import missing
    text = "" if missing(text) else str(text)
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _ids(values) -> str:
    return ", ".join(f"#{v}" if isinstance(v, int) else str(v) for v in (values or [])) or "-"


def _print(frame, columns: dict[str, str]) -> None:
    shown = frame[list(columns)].rename(columns=columns)
    print(shown.to_string(index=False))


def _suggest(rm, info, args) -> int:
    from ..errors import InvalidInput, Problem
    if args.limit < 0:
        raise InvalidInput(Problem("--limit", f"{args.limit} is negative"), what="roadmap")
    _, chosen = _suggestions(rm, info, args)
    recs = rm.recommendations_frame(info.id)
    accepted = {s: i for s, i in zip(recs["source_action_id"], recs["id"]) if isinstance(s, str)}
    print(f"{info.country_code} {info.label}: {len(chosen)} suggestion{'s' if len(chosen) != 1 else ''} "
          f"({'up to the long-term targets' if args.horizon == 'long' else 'short-term only'})")
    if not len(chosen):
        return 0
    rows = chosen.head(args.limit or None).assign(
        title=lambda f: [_short(t) for t in f["title"]], prerequisites=lambda f: [_ids(p) for p in f["prerequisites"]],
        listed=lambda f: [f"#{accepted[k]}" if k in accepted else "" for k in f["key"]])
    _print(rows, {"key": "action", "subarea_id": "sub-area", "horizon": "horizon", "priority": "priority",
                  "action_type": "type", "title": "title", "prerequisites": "needs", "listed": "in list"})
    if args.limit and len(chosen) > args.limit:
        print(f"... {len(chosen) - args.limit} more (--limit 0 shows all)")
    print("accept with: workbook roadmap " + info.country_code + " accept KEY ...")
    return 0


def _accept(rm, info, args) -> int:
    from ..errors import InvalidInput, Problem
    everything, chosen = _suggestions(rm, info, args)
    if args.all and args.keys:
        raise InvalidInput(Problem("KEY", "give action ids or --all, not both"), what="roadmap accept")
    keys = list(chosen["key"]) if args.all else list(args.keys)
    if not keys:
        raise InvalidInput(Problem("KEY", "give the action ids to accept (see `suggest`), or --all"),
                           what="roadmap accept")
    result = rm.accept_suggestions(info.id, keys, by=_by(args.by), suggestions=everything)
    added, already = result["added"], result["already"]
    for key, rid in added.items():
        print(f"added #{rid} {key}" + ("" if key in keys else " (prerequisite)"))
    for key, rid in already.items():
        print(f"already in the list: {key} as #{rid}")
    print(f"{len(added)} recommendation{'s' if len(added) != 1 else ''} added to {info.country_code} {info.label}")
    return 0


def _plan_start(args):
    from ..roadmap.fields import parse_plan_date
    return parse_plan_date(args.plan_start, "--plan-start") if args.plan_start else None


def _show(rm, info, args) -> int:
    from ..roadmap.library import HORIZONS
    from ..roadmap.sequence import HORIZON_NAMES
    start = _plan_start(args)
    road = rm.roadmap(info.id, plan_start=start)
    print(f"Road map of {info.country_code} {info.label} (plan start {road.plan_start}): "
          f"{len(road.table)} recommendation{'s' if len(road.table) != 1 else ''}")
    for h in HORIZONS:
        g = road.group(h)
        print(f"\n{HORIZON_NAMES[h]}: {len(g)}")
        if len(g):
            _print(g.assign(ref=[f"#{i}" for i in g["id"]], title=[_short(t) for t in g["title"]],
                            needs=[_ids(p) for p in g["prerequisites"]]),
                   {"order": "step", "ref": "id", "title": "title", "subarea_id": "sub-area", "start": "start",
                    "end": "end", "needs": "after", "funding_status": "funding", "status": "status"})
    print(f"\nSchedule check: {len(road.problems) or 'no'} problem{'s' if len(road.problems) != 1 else ''}")
    for p in road.problems.to_dict("records"):
        print(f"  #{p['recommendation_id']} {_short(p['title'])}: {p['problem']}")
    dm = rm.donor_map(info.id, plan_start=start)
    print(f"\nDonor map: {len(dm.initiatives)} initiative{'s' if len(dm.initiatives) != 1 else ''} recorded")
    print(f"  covered by an initiative: {len(dm.covered)}")
    for c in dm.covered.to_dict("records"):
        print(f"    #{c['recommendation_id']} {_short(c['title'], 40)} <- I{c['initiative_id']} {c['donor']}: "
              f"{_short(c['initiative'], 40)} ({c['match']})")
    print(f"  overlapping initiatives: {len(dm.overlaps)}")
    for o in dm.overlaps.to_dict("records"):
        print(f"    I{o['initiative_a']} {o['donor_a']} and I{o['initiative_b']} {o['donor_b']} on {o['subareas']} "
              f"({o['overlap_start']} to {o['overlap_end']})")
    print(f"  gaps nobody funds: {len(dm.unfunded)}")
    for u in dm.unfunded.to_dict("records"):
        print(f"    {u['subarea_id']} {u['subarea']} (priority {u['priority']:g}): {u['note']}")
    return 0


def _exposure(rm, info, args) -> int:
    e = rm.set_exposure(info.id, args.level, reason=args.reason, by=_by(args.by))
    print(f"exposure of {info.country_code} {info.label}: {e['level']} ({e['reason']}), set by {e['updated_by']}")
    return 0


def _export(rm, info, args) -> int:
    from ..exchange.roadmap import export_roadmap
    out, n = export_roadmap(rm, info, args.what, args.output, plan_start=_plan_start(args))
    print(f"wrote {args.what} of {info.country_code} {info.label} ({n} row{'s' if n != 1 else ''}): {out}")
    return 0
