"""``workbook mission XAT [--round R] STEP``: the field mission from the command line.

Steps:

* ``show``: the plan, the register, the visits and the coverage in words;
* ``plan FILE``: record the terms of reference from a YAML file (objectives, scope, starts,
  ends, roles);
* ``register export [--output PATH]`` / ``register import FILE [--dry-run]``: the
  crossing-point register as a spreadsheet (:mod:`workbook.exchange.register`);
* ``checklist POST``: the criteria a visit to that post observes;
* ``visit FILE``: record a site visit from a YAML file (post, day, why, team, observations,
  key_observations);
* ``coverage``: coverage by kind and share of traffic;
* ``interviews --viewer NAME``: the interview log (members of the team only);
* ``attach FILE --visit N | --interview N | --evidence N``: attach a photo or document;
* ``form visit|interview [--output PATH]``: the XLSForm for KoboToolbox / ODK Collect;
* ``import FILE``: the submissions of such a form (CSV or XLSX export), all or none.

Each step calls :class:`~workbook.mission.MissionStore` with keyword arguments. User errors raise
:class:`~workbook.errors.WorkbookError`, which the main command prints (exit status 2).
"""
from __future__ import annotations

import argparse

from . import LibraryChoices, open_assessment


def register(sub) -> None:
    """Declare ``workbook mission``."""
    parser = sub.add_parser("mission", help="field mission: plan, crossing-point register, visits, interviews")
    parser.add_argument("country", help="ISO 3166-1 alpha-3 code of the assessment, e.g. XAT")
    parser.add_argument("--round", default=None, help="assessment round (default: the latest)")
    parser.add_argument("--by", default=None, help="who makes the change (default: WORKBOOK_USER or the login)")
    steps = parser.add_subparsers(dest="mission_step", required=True, metavar="STEP")
    steps.add_parser("show", help="print the plan, register, visits and coverage").set_defaults(step=_show)
    p = steps.add_parser("plan", help="record the terms of reference from a YAML file")
    p.add_argument("file", help="YAML with objectives, scope, starts, ends, roles")
    p.set_defaults(step=_plan)
    r = steps.add_parser("register", help="the crossing-point register as a spreadsheet")
    rs = r.add_subparsers(dest="register_step", required=True, metavar="ACTION")
    re_ = rs.add_parser("export", help="write the register as an Excel workbook to fill")
    re_.add_argument("--output", default=None, help="the .xlsx to write (default: the round's outputs folder)")
    re_.set_defaults(step=_register_export)
    ri = rs.add_parser("import", help="add or update posts from an .xlsx or .csv file (all rows or none)")
    ri.add_argument("file")
    ri.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    ri.set_defaults(step=_register_import)
    c = steps.add_parser("checklist", help="print the criteria a visit to a post observes")
    c.add_argument("post", help="the post's code in the register")
    c.set_defaults(step=_checklist)
    v = steps.add_parser("visit", help="record a site visit from a YAML file")
    v.add_argument("file", help="YAML with post, day, why, team, observations [{criterion, result, note}], "
                                "key_observations")
    v.set_defaults(step=_visit)
    steps.add_parser("coverage", help="coverage of the register by the visits").set_defaults(step=_coverage)
    q = steps.add_parser("quantities", help="fill the road map's quantities table (posts by kind, booths, officers, "
                                            "regions) from the register")
    q.set_defaults(step=_quantities)
    i = steps.add_parser("interviews", help="print the interview log (members of the team only)")
    i.add_argument("--viewer", required=True, help="your name, as on the assessment team")
    i.set_defaults(step=_interviews)
    a = steps.add_parser("attach", help="attach a photo or document to a visit, interview or evidence record")
    a.add_argument("file")
    to = a.add_mutually_exclusive_group(required=True)
    to.add_argument("--visit", type=int, metavar="ID")
    to.add_argument("--interview", type=int, metavar="ID")
    to.add_argument("--evidence", type=int, metavar="ID")
    a.add_argument("--caption", default="")
    a.add_argument("--keep-location", action="store_true",
                   help="keep the photo's GPS position (removed by default)")
    a.set_defaults(step=_attach)
    f = steps.add_parser("form", help="write the XLSForm of a site visit or an interview (KoboToolbox / ODK)")
    f.add_argument("form", metavar="FORM", choices=LibraryChoices("workbook.exchange.mission_forms", "FORMS"),
                   help="%(choices)s")
    f.add_argument("--output", default=None, help="the .xlsx to write (default: the round's outputs folder)")
    f.set_defaults(step=_form)
    im = steps.add_parser("import", help="save the submissions of a mission form (CSV or XLSX), all or none")
    im.add_argument("file")
    im.set_defaults(step=_import)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Open the assessment's mission and run the chosen step; returns the exit status (0)."""
    from ..mission import MissionStore
    store, info = open_assessment(args)
    return args.step(MissionStore(store), info, args) or 0


def _by(args) -> str:
    from ..config import default_user
    return args.by or default_user()


def _yaml(path: str) -> dict:
    """A YAML mapping from a file, or a located error."""
    from pathlib import Path

    import yaml

    from ..errors import InvalidInput, Problem
    from ..yamlfile import safe_load as safe_yaml
    p = Path(path)
    try:
        data = safe_yaml(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(Problem(p.name, f"cannot read the file ({exc.strerror})"), what="mission") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{p.name}:{mark.line + 1}" if mark else p.name
        raise InvalidInput(Problem(where, f"not valid YAML ({getattr(exc, 'problem', exc)})"), what="mission") from None
    if not isinstance(data, dict):
        raise InvalidInput(Problem(p.name, "expected a mapping of fields (key: value lines)"), what="mission")
    return data


def _table(frame, columns: dict[str, str]) -> None:
    if frame.empty:
        print("  (none)")
        return
    print(frame[list(columns)].rename(columns=columns).to_string(index=False))


def _show(mission, info, args) -> None:
    plan = mission.get_plan(info.id)
    print(f"Field mission of {info.country_code} {info.label}")
    if plan:
        print(f"  {plan['starts']} to {plan['ends']}: " + "; ".join(plan["objectives"]))
    else:
        print("  no plan recorded yet (workbook mission ... plan FILE)")
    print("\nRegister:")
    _table(mission.posts_frame(info.id), {"code": "code", "name": "name", "kind": "kind", "traffic": "people/year",
                                          "traffic_year": "year"})
    print("\nVisits:")
    _table(mission.visits_frame(info.id), {"day": "day", "post": "post", "observed": "items observed", "met": "met"})
    print("\n" + mission.coverage(info.id).sentence)


def _plan(mission, info, args) -> None:
    plan = mission.set_plan(info.id, by=_by(args), **_yaml(args.file))
    print(f"mission plan of {info.country_code} {info.label} saved (version {plan['version']}): "
          f"{plan['starts']} to {plan['ends']}")


def _register_export(mission, info, args) -> None:
    from ..exchange.register import export_register
    out = export_register(mission, info.id, _outputs(info, "register.xlsx", args.output))
    print(f"wrote the register of {info.country_code} {info.label}: {out}")


def _register_import(mission, info, args) -> None:
    from ..exchange.register import import_register
    counts = import_register(mission, info.id, args.file, by=_by(args), dry_run=args.dry_run)
    verb = "would add" if args.dry_run else "added"
    print(f"{args.file}: {counts['rows']} row(s); {verb} {counts['added']} post(s), "
          f"{'would update' if args.dry_run else 'updated'} {counts['updated']}"
          + (" (dry run: nothing saved)" if args.dry_run else ""))


def _checklist(mission, info, args) -> None:
    items = mission.checklist(info.id, args.post)
    print(f"Checklist of a visit to {args.post}: {len(items)} item{'s' if len(items) != 1 else ''}")
    for c in items:
        print(f"  {c.id}  {c.text}")


def _visit(mission, info, args) -> None:
    vid = mission.record_visit(info.id, by=_by(args), **_yaml(args.file))
    row = mission.visits_frame(info.id).set_index("visit_id").loc[vid]
    print(f"visit #{vid} to {row['post']} on {row['day']} recorded: {row['observed']} checklist item(s) observed, "
          f"{row['met']} met")


def _coverage(mission, info, args) -> None:
    c = mission.coverage(info.id)
    print(c.sentence)
    if len(c.by_kind):
        frame = c.by_kind.assign(share=[f"{s * 100:.0f} %" if s == s and s is not None else "-"
                                        for s in c.by_kind["share"]])
        _table(frame, {"kind": "kind", "posts": "posts", "visited": "visited", "traffic": "people/year",
                       "share": "share visited"})


def _quantities(mission, info, args) -> None:
    rows = mission.fill_quantities(info.id, by=_by(args))
    if not rows:
        print("The register is empty: nothing to count (add posts with `register import` first).")
        return
    print(f"Quantities of the road map filled from the register of {info.country_code} {info.round}:")
    for r in rows:
        what = f"{r['measure']}:{r['kind']}" if r["kind"] else r["measure"]
        print(f"  {what:<18} {r['low']:>7,}  {r['note']}")


def _interviews(mission, info, args) -> None:
    _table(mission.interviews_frame(info.id, viewer=args.viewer),
           {"interview_id": "id", "day": "day", "role": "role", "agency": "agency", "sex": "sex", "consent": "consent",
            "anonymity": "anonymous"})


def _attach(mission, info, args) -> None:
    from pathlib import Path

    from ..errors import InvalidInput, Problem
    from ..config import attachment_max_bytes
    p = Path(args.file)
    try:
        if p.stat().st_size > attachment_max_bytes():  # refused before reading it all
            raise InvalidInput(Problem(p.name, f"{p.stat().st_size / 1024 / 1024:.1f} MB is over the limit of "
                                               f"{attachment_max_bytes() / 1024 / 1024:.1f} MB "
                                               "(WORKBOOK_ATTACHMENT_MAX_MB)"), what="attachment")
        content = p.read_bytes()
    except OSError as exc:
        raise InvalidInput(Problem(p.name, f"cannot read the file ({exc.strerror})"), what="attachment") from None
    aid = mission.add_attachment(info.id, content, p.name, by=_by(args), visit=args.visit, interview=args.interview,
                                 evidence=args.evidence, caption=args.caption, keep_location=args.keep_location)
    print(f"attachment #{aid} saved ({p.name})")


def _outputs(info, suffix: str, given: str | None):
    from pathlib import Path

    from ..config import round_dir
    folder = round_dir(info.country_code, info.round)
    return Path(given) if given else folder / f"{info.country_code}-{folder.name}-{suffix}"


def _form(mission, info, args) -> None:
    from ..exchange.mission_forms import export_mission_form
    out = export_mission_form(mission, info, args.form, _outputs(info, f"{args.form}-xlsform.xlsx", args.output))
    print(f"wrote the {args.form} form of {info.country_code} {info.label}: {out}")


def _import(mission, info, args) -> None:
    from ..exchange.mission_forms import import_mission_submissions
    done = import_mission_submissions(mission, args.file, by=_by(args), country=info.country_code, round=info.round)
    print(f"{args.file}: {done['saved']} {done['form']}(s) saved to {done['country']} {done['round']}")
