"""``workbook roadmap XAT [--round R] ACTION``: the road map from the command line.

Actions:

* ``suggest``: the top suggestions from the gaps and the action library (nothing saved);
* ``accept KEY ...`` (or ``--all``): add suggestions to the recommendations, with their
  prerequisites that are not in the list yet;
* ``show``: the sequenced road map by horizon, the schedule problems and the donor-map flags;
* ``exposure N --reason TEXT``: set the country's exposure (1 low, 2 medium, 3 high);
* ``export``: the road map (or the recommendations, initiatives, suggestions) as CSV.

Wired into :mod:`workbook.cli` with :func:`add_arguments` and :func:`main`. User errors raise
:class:`~workbook.errors.WorkbookError`, which the main command prints without a traceback (exit
status 2).
"""
from __future__ import annotations

import argparse
import csv
import getpass
from pathlib import Path

import pandas as pd

from .config import round_dir
from .errors import InvalidInput, Problem
from .roadmap import RoadmapStore
from .roadmap.fields import HORIZONS, parse_plan_date
from .roadmap.sequence import HORIZON_NAMES
from .store import AssessmentInfo, Store

EXPORTS = ("roadmap", "recommendations", "initiatives", "suggestions")
DEFAULT_LIMIT = 20
MAX_TITLE = 60
#: Road-map columns of the CSV export, in order.
ROADMAP_COLUMNS = ["order", "id", "group", "horizon", "title", "subarea_id", "indicator_id", "target_level",
                   "action_type", "lead_agency", "partners", "cost_band", "amount", "currency", "funding_status",
                   "start", "end", "deadline", "prerequisites", "after", "completion_indicator", "status",
                   "source_action_id"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``workbook roadmap`` on an argparse (sub)parser."""
    parser.add_argument("country", help="ISO 3166-1 alpha-3 code of the assessment, e.g. XAT")
    parser.add_argument("--round", default=None, help="assessment round (default: the latest)")
    sub = parser.add_subparsers(dest="roadmap_action", required=True, metavar="ACTION")

    def filters(p: argparse.ArgumentParser) -> None:
        p.add_argument("--horizon", choices=list(HORIZONS), default="long",
                       help="suggest up to the long-term target (default) or the short-term one only")
        p.add_argument("--pillar", default=None, help="only this pillar, e.g. INF")
        p.add_argument("--top", type=int, default=None, metavar="N",
                       help="only the N sub-areas with the highest priority (default: every sub-area with a gap)")

    s = sub.add_parser("suggest", help="print the top suggested actions from the gaps and the action library")
    filters(s)
    s.add_argument("--limit", type=int, default=DEFAULT_LIMIT, metavar="N",
                   help=f"print at most N suggestions (default {DEFAULT_LIMIT}; 0: all)")

    a = sub.add_parser("accept", help="add suggestions to the recommendations (with their prerequisites)")
    a.add_argument("keys", nargs="*", metavar="KEY", help="action ids from `suggest`, e.g. INF.6.1-s3-a")
    a.add_argument("--all", action="store_true", help="accept every suggestion that the filters select")
    filters(a)
    a.add_argument("--by", default=None, help="who accepts, for the audit log (default: your login name)")

    sh = sub.add_parser("show", help="print the sequenced road map, schedule problems and donor-map flags")
    sh.add_argument("--plan-start", default=None, metavar="YYYY-MM-DD",
                    help="when the plan starts (default: the assessment's date)")

    e = sub.add_parser("exposure", help="set the country's exposure: 1 low, 2 medium, 3 high")
    e.add_argument("level", help="1, 2 or 3")
    e.add_argument("--reason", required=True, help="why, e.g. traffic volume and threat picture")
    e.add_argument("--by", default=None, help="who decides, for the audit log (default: your login name)")

    x = sub.add_parser("export", help="write the road map (or another table) as CSV")
    x.add_argument("--what", choices=list(EXPORTS), default="roadmap", help="which table (default: roadmap)")
    x.add_argument("--output", "-o", default=None, metavar="PATH",
                   help="file to write (default: outputs/<ISO3>/<round folder>/<ISO3>-<round folder>-<what>.csv)")
    x.add_argument("--plan-start", default=None, metavar="YYYY-MM-DD", help="for the road map's dates")


def _by(value: str | None) -> str:
    if value:
        return value
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "command line"


def _suggestions(rm: RoadmapStore, info: AssessmentInfo, args) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every suggestion, the ones the filters select)."""
    fw = rm.framework
    problems = []
    if args.pillar is not None and args.pillar.upper() not in [p.id for p in fw.pillars]:
        problems.append(Problem("--pillar", f"{args.pillar!r} is not a pillar; use one of "
                                            f"{', '.join(p.id for p in fw.pillars)}"))
    if args.top is not None and not 1 <= args.top <= len(fw.subareas):
        problems.append(Problem("--top", f"{args.top} is not a number from 1 to {len(fw.subareas)}"))
    if problems:
        raise InvalidInput(problems, what="roadmap")
    everything = rm.suggest(info.id, horizon=args.horizon, top=args.top)
    chosen = everything
    if args.pillar:
        chosen = chosen[[fw.pillar_of(s).id == args.pillar.upper() for s in chosen["subarea_id"]]]
    return everything, chosen


def _short(text, n: int = MAX_TITLE) -> str:
    text = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _ids(values) -> str:
    return ", ".join(f"#{v}" if isinstance(v, int) else str(v) for v in (values or [])) or "-"


def _print(frame: pd.DataFrame, columns: dict[str, str]) -> None:
    shown = frame[list(columns)].rename(columns=columns)
    print(shown.to_string(index=False))


def _suggest(rm, info, args) -> int:
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
    return parse_plan_date(args.plan_start, "--plan-start") if args.plan_start else None


def _show(rm, info, args) -> int:
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


def _safe(v):
    """A CSV cell: lists joined; text that a spreadsheet would run as a formula is quoted."""
    if isinstance(v, (list, tuple)):
        v = "; ".join(f"#{x}" if isinstance(x, int) else str(x) for x in v)
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def _export(rm, info, args) -> int:
    what = args.what
    if what == "roadmap":
        table = rm.roadmap(info.id, plan_start=_plan_start(args)).table
        frame = table.reindex(columns=ROADMAP_COLUMNS)
    elif what == "recommendations":
        frame = rm.recommendations_frame(info.id).drop(columns=["assessment_id"])
    elif what == "initiatives":
        frame = rm.initiatives_frame(info.country_code).drop(columns=["scope"])
    elif what == "suggestions":
        frame = rm.suggest(info.id)
    else:  # argparse checks choices; this guards direct calls
        raise InvalidInput(Problem("--what", f"{what!r} is not one of {', '.join(EXPORTS)}"), what="roadmap export")
    folder = round_dir(info.country_code, info.round)
    out = Path(args.output) if args.output else folder / f"{info.country_code}-{folder.name}-{what}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = frame.map(_safe) if len(frame) else frame
    frame.to_csv(out, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    print(f"wrote {what} of {info.country_code} {info.label} ({len(frame)} row{'s' if len(frame) != 1 else ''}): "
          f"{out}")
    return 0


ACTIONS = {"suggest": _suggest, "accept": _accept, "show": _show, "exposure": _exposure, "export": _export}


def main(args: argparse.Namespace) -> int:
    """Run ``workbook roadmap``; returns the exit status (0)."""
    action = ACTIONS.get(args.roadmap_action)
    if action is None:
        raise InvalidInput(Problem("ACTION", f"{args.roadmap_action!r} is not one of {', '.join(ACTIONS)}"),
                           what="roadmap")
    store = Store(getattr(args, "db_url", None))
    info = store.get_assessment(args.country, args.round)
    return action(RoadmapStore(store), info, args)
