"""The committed road map as an IATI 2.03 activity file: one activity per package.

Each ``iati-activity`` carries the package's title and description (the gaps it closes, the
cost range), the reporting organisation, participating organisations (the government as
accountable, the lead agency as implementing, the donors that fund it), status *pipeline*,
planned start and end dates from the road map's schedule, the recipient country (when it has an
ISO 3166-1 alpha-2 code: a fictional country has none), DAC sector codes weighted by what the
package's actions do, SDG tags (goal and target) and GCM objectives (vocabulary 99), one budget
per year of the package, and results: one output per package with an indicator per action output and per gap (the level
from and to). Budget values are the middle of the package's cost range in US dollars; the range
itself is in the description. The file validates against IATI's 2.03 schema
(``tests/data/iati-2.03/``).
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from xml.etree import ElementTree as ET

import pycountry

from ..config import round_dir
from ..errors import InvalidInput, Problem
from ..roadmap.costing import money
from ..roadmap.sequence import add_months

IATI_VERSION = "2.03"
#: DAC 5-digit purpose codes (vocabulary 1) by action type.
SECTORS = {"legislation": "15130", "policy_strategy": "15110", "coordination": "15110", "oversight": "15160",
           "financing": "15111"}
DEFAULT_SECTOR = "15136"  # immigration: support to the authorities for immigration affairs and services
ORG_GOVERNMENT = "10"
GCM_URI = "https://www.un.org/en/development/desa/population/migration/generalassembly/docs/globalcompact/A_RES_73_195.pdf"
ROLE = {"funding": "1", "accountable": "2", "implementing": "4"}


def _narrative(parent: ET.Element, tag: str, text: str, **attrs) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    ET.SubElement(el, "narrative").text = text
    return el


def _date(parent: ET.Element, tag: str, when: dt.date, **attrs) -> ET.Element:
    return ET.SubElement(parent, tag, {**attrs, "iso-date": when.isoformat()})


def _sectors(library, actions: list[str], lines) -> list[tuple[str, float]]:
    """(code, percentage) weighted by the high cost of the package's actions by type (even
    weights when nothing is costed); percentages sum to 100 with two decimals."""
    weight: dict[str, float] = {}
    for aid in actions:
        code = SECTORS.get(library.action(aid).type, DEFAULT_SECTOR)
        cost = float(lines.loc[lines["action_id"] == aid, "usd_high"].sum())
        weight[code] = weight.get(code, 0.0) + (cost or 1.0)
    total = sum(weight.values())
    shares = [(c, round(100 * w / total, 2)) for c, w in sorted(weight.items())]
    drift = round(100 - sum(s for _, s in shares), 2)
    big = max(range(len(shares)), key=lambda i: shares[i][1])
    shares[big] = (shares[big][0], round(shares[big][1] + drift, 2))
    return shares


def _years(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Budget periods of at most a year from ``start`` to ``end``."""
    out = []
    cur = start
    while cur < end:
        nxt = min(add_months(cur, 12), end)
        out.append((cur, nxt - dt.timedelta(days=1)))
        cur = nxt
    return out or [(start, start)]


def iati_activities(road, info, framework, library, *, plan_start: dt.date, reporting_ref: str,
                    reporting_name: str, lead_agencies: dict[str, str] | None = None,
                    now: dt.datetime | None = None) -> bytes:
    """The committed packages of ``road`` (:class:`~workbook.roadmap.funding.RoadMap`) as IATI 2.03 XML."""
    committed = road.committed
    if not len(committed):
        raise InvalidInput(Problem("road map", "no package is committed yet: commit the road map first "
                                               "(`workbook roadmap XAT commit PKG ...`)"), what="IATI export")
    if not reporting_ref.strip() or not reporting_name.strip():
        raise InvalidInput(Problem("reporting organisation", "give its IATI organisation identifier and name"),
                           what="IATI export")
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0, tzinfo=None)
    country = pycountry.countries.get(alpha_3=info.country_code)
    root = ET.Element("iati-activities", {"version": IATI_VERSION, "generated-datetime": now.isoformat() + "Z"})
    lines = road.costing.lines
    government = f"Government of {info.country_name}"
    for row in committed.to_dict("records"):
        pkg = road.package(row["package_id"])
        start = add_months(plan_start, int(row["start_month"]))
        end = add_months(plan_start, int(row["end_month"]))
        act = ET.SubElement(root, "iati-activity", {"last-updated-datetime": now.isoformat() + "Z",
                                                    "{http://www.w3.org/XML/1998/namespace}lang": "en",
                                                    "default-currency": row["currency"]})
        ET.SubElement(act, "iati-identifier").text = f"{reporting_ref}-{info.country_code}-{pkg.id}"
        _narrative(act, "reporting-org", reporting_name, ref=reporting_ref, type=ORG_GOVERNMENT)
        _narrative(act, "title", pkg.title)
        gaps = "; ".join(f"{g.indicator_id} {framework.indicators[g.indicator_id].name} from "
                         f"{'unscored' if g.current is None else f'level {g.current}'} to level {g.to_level}"
                         for g in pkg.gaps)
        _narrative(act, "description", f"Investment package {pkg.id} of the {info.country_name} border management "
                                       f"road map ({info.round}). It closes these gaps: {gaps}. Estimated cost "
                                       f"{money(row['total_low'], row['total_high'])} at {row['price_years']} prices "
                                       f"over {row['duration_months']} months; budgets show the middle of the range.",
                   type="1")
        _narrative(act, "participating-org", government, role=ROLE["accountable"], type=ORG_GOVERNMENT)
        lead = (lead_agencies or {}).get(pkg.id) or government
        _narrative(act, "participating-org", lead, role=ROLE["implementing"], type=ORG_GOVERNMENT)
        for donor in [d.strip() for d in str(row.get("funded_by") or "").split(";") if d.strip()]:
            _narrative(act, "participating-org", donor, role=ROLE["funding"])
        ET.SubElement(act, "activity-status", code="1")  # pipeline/identification
        _date(act, "activity-date", start, type="1")  # planned start
        _date(act, "activity-date", end, type="3")  # planned end
        if country is not None:
            ET.SubElement(act, "recipient-country", code=country.alpha_2, percentage="100")
        for code, share in _sectors(library, pkg.actions, lines):
            ET.SubElement(act, "sector", vocabulary="1", code=code, percentage=f"{share:g}")
        for target in pkg.sdg:
            _narrative(act, "tag", f"SDG target {target}", vocabulary="3", code=target)
        for goal in sorted({t.split(".")[0] for t in pkg.sdg}, key=int):
            _narrative(act, "tag", f"SDG goal {goal}", vocabulary="2", code=goal)
        for objective in pkg.gcm:  # a reporting organisation's own vocabulary (99) with its address
            _narrative(act, "tag", f"Global Compact for Migration, objective {objective}", vocabulary="99",
                       code=f"GCM-{objective}", **{"vocabulary-uri": GCM_URI})
        periods = _years(start, end)
        middle = (row["total_low"] + row["total_high"]) / 2
        for p_start, p_end in periods:
            budget = ET.SubElement(act, "budget", type="1", status="1")  # original, indicative
            _date(budget, "period-start", p_start)
            _date(budget, "period-end", p_end)
            value = ET.SubElement(budget, "value", currency=row["currency"], **{"value-date": plan_start.isoformat()})
            value.text = f"{math.floor(middle / len(periods) * 100) / 100:.2f}"
        result = ET.SubElement(act, "result", type="1", **{"aggregation-status": "0"})  # output
        _narrative(result, "title", f"Outputs of {pkg.title}")
        for aid in pkg.actions:
            action = library.action(aid)
            ind = ET.SubElement(result, "indicator", measure="5")  # qualitative
            _narrative(ind, "title", action.output or action.title)
            _narrative(ind, "description", f"{aid}: {action.title}")
        for g in pkg.gaps:
            ind = ET.SubElement(result, "indicator", measure="1", ascending="1")
            _narrative(ind, "title", f"Maturity level of {g.indicator_id} {framework.indicators[g.indicator_id].name}"
                                     " (1-5)")
            if g.current is not None:
                ET.SubElement(ind, "baseline", year=str(plan_start.year), value=str(g.current),
                              **{"iso-date": plan_start.isoformat()})
            period = ET.SubElement(ind, "period")
            _date(period, "period-start", start)
            _date(period, "period-end", end)
            ET.SubElement(period, "target", value=str(g.to_level))
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def default_output(info) -> Path:
    """``outputs/<ISO3>/<round folder>/<ISO3>-<round folder>-iati.xml``."""
    folder = round_dir(info.country_code, info.round)
    return folder / f"{info.country_code}-{folder.name}-iati.xml"


def export_iati(rm, info, path: str | Path | None = None, *, plan_start: dt.date | None = None,
                reporting_ref: str | None = None, reporting_name: str | None = None) -> tuple[Path, int]:
    """Write the IATI file (whole or not at all); returns its path and the number of activities.

    The reporting organisation defaults to the country's government (``<ISO3>-GOV``)."""
    from ..report.render import atomic_write
    road = rm.road_map(info.id)
    start = plan_start or rm._plan_start(info.id, None)
    recs = rm.recommendations_frame(info.id)
    owner = {a: p.id for p in road.costing.packages for a in p.actions}
    lead: dict[str, str] = {}
    for src, agency in zip(recs["source_action_id"], recs["lead_agency"]):
        if isinstance(src, str) and src in owner and agency:
            lead.setdefault(owner[src], agency)
    xml = iati_activities(road, info, rm.framework_of(info.id), rm.library_of(info.id), plan_start=start,
                          reporting_ref=reporting_ref or f"{info.country_code}-GOV",
                          reporting_name=reporting_name or f"Government of {info.country_name}", lead_agencies=lead)
    out = Path(path) if path else default_output(info)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, xml)
    return out, len(road.committed)
