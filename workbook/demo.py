"""Demo data: three fictional countries with user-assigned codes, clearly marked fictional.

Each country tells one consistent story, written as data in ``workbook/data/demo/<CODE>.yaml``:

* **XAT Atlantis**, an island state: good systems, weak protection;
* **XBO Borduria**, landlocked: strong law, weak practice;
* **XSY Syldavia**, coastal with every kind of crossing point: a steady reformer with a 2023
  baseline rated against framework 1.0.0 and a 2026 follow-up rated against 2.0.0.

For every indicator the file gives the level the team's criteria answers support (and which
criteria of the next level are not met), the national and external ratings, notes, evidence, the
codes (IE, NE, NA) and the overrides with their reason; for every round the team, the crossing-
point profile, the consensus (moderation) session, the sign-offs, the donor initiatives and the
packages the team commits to. No value is random. Loading writes through the stores (so every
rule is checked) and is safe to repeat: a round that already has ratings is left alone.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path


from .errors import NotFound
from .framework import Framework, load_framework
from .store import Store
from .yamlfile import safe_load as safe_yaml

DEMO_DIR = Path(__file__).parent / "data" / "demo"
DEMO_CODES = ("XAT", "XBO", "XSY")
DEMO_USER = "demo loader"
#: The round the single-round demo countries are rated in (XSY's latest round is its follow-up).
DEMO_ROUND = "baseline 2026"
#: code, name: the demo countries (for the CLI's progress bar and the docs).
DEMO_COUNTRIES = [("XAT", "Atlantis"), ("XBO", "Borduria"), ("XSY", "Syldavia")]
_TRANSITIONS = {"in_review": ["in_review"], "validated": ["in_review", "validated"],
                "final": ["in_review", "validated", "final"]}


def demo_story(code: str) -> dict:
    """The demo country's story as data (``workbook/data/demo/<CODE>.yaml``)."""
    return safe_yaml((DEMO_DIR / f"{code}.yaml").read_text(encoding="utf-8"))


def _answers(fw: Framework, entry: dict, kinds: frozenset[str]) -> dict[str, str]:
    """The criteria answers that give the entry's level: met up to the level (``na`` where said),
    the named criteria of the next level not met and the rest of it met, the criteria met above
    (practice ahead of paper), and every normative criterion answered."""
    ind_id, level = entry["_id"], entry["level"]
    ind = fw.indicator(ind_id)
    na, unmet = set(entry.get("na") or []), set(entry.get("unmet") or [])
    above, normative = set(entry.get("met_above") or []), set(entry.get("normative_met") or [])
    out: dict[str, str] = {}
    for lv in ind.levels[1:]:
        for c in lv.criteria:
            if not c.applies(kinds):
                continue
            if c.normative:
                out[c.id] = "yes" if c.id in normative else "no"
            elif lv.level <= level:
                out[c.id] = "na" if c.id in na else "yes"
            elif lv.level == level + 1:
                out[c.id] = "no" if c.id in unmet else "yes"
            elif c.id in above:
                out[c.id] = "yes"
    return out


def _evidence(items: list[dict], today: dt.date) -> list[dict]:
    out = []
    for e in items or []:
        date = e.get("date")
        out.append({"type": e["type"], "source": e["source"], "date": date if date and date <= today else None,
                    "reference": str(e.get("reference") or ""), "supplied_by": e.get("supplied_by") or ""})
    return out


def _load_round(url: str, story: dict, rnd: dict, today: dt.date, seen_initiatives: set) -> bool:
    """Load one round; False when it was already there with ratings."""
    from .roadmap.funding import FundingStore
    from .roadmap.store import RoadmapStore
    from .roadmap.suggest import plan_acceptance
    fw = load_framework(version=str(rnd["framework_version"]))
    store = Store(url, framework=fw)
    code, name = story["code"], story["name"]
    try:
        info = store.get_assessment(code, rnd["round"])
        if store.ratings_frame(info.id)["version"].gt(0).any():
            return False
    except NotFound:
        info = store.create_assessment(code, rnd["round"], country_name=name, by=DEMO_USER,
                                       team=[{"name": m["name"], "organisation": m["organisation"],
                                              "role": m["role"]} for m in rnd["team"]])
    aid = info.id
    prof = story.get("crossing_profile") or {}
    kinds = frozenset(prof.get("kinds") or [])
    if fw.has_criteria:
        store.set_crossing_profile(aid, kinds=list(kinds), island=prof.get("island"),
                                   landlocked=prof.get("landlocked"), by=DEMO_USER)
    entries = {iid: dict(v, _id=iid) for iid, v in rnd["indicators"].items()}
    moderated = {ch["indicator"]: ch for m in rnd.get("moderation") or [] for ch in m.get("changes") or []}
    if fw.has_criteria:
        answers: dict[str, str] = {}
        for e in entries.values():
            if "level" in e:
                answers |= _answers(fw, e, kinds)
        store.save_criteria(aid, answers, by=DEMO_USER)
    rows = []
    for iid, e in entries.items():
        row = {"indicator_id": iid, "notes": e.get("notes") or "", "evidence": _evidence(e.get("evidence"), today)}
        if "code" in e:
            row["agreed"] = e["code"]
        else:
            final = e.get("agreed", e["level"])
            before = moderated.get(iid, {}).get("from")
            # before the consensus session the agreed value was the one the team brought to it
            row["agreed"] = str(before if before is not None else final)
            row["national"], row["external"] = str(e["national"]), str(e["external"])
            if fw.has_criteria and int(row["agreed"]) != e["level"]:
                row["override_reason"] = (e.get("override_reason") if before is None else
                                          "As proposed before the consensus session.")
        rows.append(row)
    store.save_many(aid, rows, by=DEMO_USER)
    for m in rnd.get("moderation") or []:
        changes = [{"indicator_id": ch["indicator"], "agreed": str(ch["to"]), "note": ch["note"]}
                   for ch in m.get("changes") or []]
        store.record_moderation(aid, held_on=m["date"], participants=m["participants"], changes=changes,
                                by=rnd["team"][0]["name"])
    for iid, e in entries.items():  # the written reason of an override agreed in the session
        if iid in moderated and e.get("override_reason") and store.get_rating(aid, iid)["override_reason"]:
            store.save_rating(aid, iid, by=DEMO_USER, override_reason=e["override_reason"])
    rm = RoadmapStore(store)
    new_initiatives = []
    for ini in rnd.get("initiatives") or []:
        key = (ini["donor"], ini.get("implementer") or "", str(ini["start_date"]))
        if key in seen_initiatives:
            continue
        seen_initiatives.add(key)
        notes = ini.get("notes") or ""
        if ini.get("packages"):
            notes = (notes + " " if notes else "") + "Packages: " + ", ".join(ini["packages"]) + "."
        new_initiatives.append({k: ini.get(k) for k in ("donor", "implementer", "title", "budget", "currency",
                                                        "start_date", "end_date")}
                               | {"subareas": ini.get("subareas") or [], "indicators": ini.get("indicators") or [],
                                  "notes": notes})
    if new_initiatives:
        rm.add_initiatives(aid, new_initiatives, by=DEMO_USER)
    plan = rnd.get("roadmap") or {}
    committed = set(plan.get("packages") or [])
    if committed:
        sug = rm.suggest(aid, horizon="short")
        keys = [k for k, pkg in zip(sug["key"], sug["package"]) if pkg in committed]
        rows, _ = plan_acceptance(sug, keys, rm.recommendations_frame(aid))
        lead = plan.get("lead_agencies") or {}
        for r in rows:
            r["lead_agency"] = lead.get(r.get("package") or "", "")
        if rows:
            rm.add_recommendations(aid, rows, by=DEMO_USER)
        funding = FundingStore(store)
        if plan.get("quantities"):
            funding.set_quantities(aid, plan["quantities"], by=DEMO_USER)
        funding.commit(aid, plan["packages"], note=plan.get("notes") or "", by=DEMO_USER,
                       backlog_reasons=plan.get("backlog") or {})
        for pid, paid in (plan.get("funding") or {}).items():
            funding.set_package_funding(aid, pid, funded_by=paid["funded_by"], funding_status=paid["status"],
                                        by=DEMO_USER)
    if rnd.get("mission"):
        _load_mission(store, aid, rnd)
    counterpart = {m["duty"]: m["name"] for m in rnd["team"]}
    for so in rnd.get("sign_offs") or []:
        store.set_status(aid, so["to_status"], by=so["by"], role=so["role"],
                         organisation=next((m["organisation"] for m in rnd["team"] if m["name"] == so["by"]), ""))
    status = rnd.get("status") or "draft"
    done = [so["to_status"] for so in rnd.get("sign_offs") or []]
    for step in _TRANSITIONS.get(status, []):
        if step not in done:
            role = "national_counterpart" if step == "validated" else "team_leader"
            who = counterpart.get("national_counterpart" if step == "validated" else "team_lead", DEMO_USER)
            store.set_status(aid, step, by=who, role=role)
    return True


def _sketch(caption: str, kind: str, filename: str) -> bytes:
    """A small image of our own making for a demo attachment (PNG, or PDF for a ``.pdf`` name): a
    labelled frame (a sketch or a scanned form), with the caption written in it."""
    import textwrap

    from PIL import Image, ImageDraw
    img = Image.new("RGB", (480, 320), "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle((8, 8, 471, 311), outline="#1f4e79", width=3)
    if kind == "photo":  # a floor plan: a booth row, a counter and a room
        for x in range(40, 440, 60):
            draw.rectangle((x, 200, x + 36, 236), outline="#555555", width=2)
        draw.rectangle((300, 60, 440, 160), outline="#555555", width=2)
    else:  # a form: ruled lines
        for y in range(150, 300, 22):
            draw.line((40, y, 440, y), fill="#999999", width=1)
    draw.multiline_text((24, 24), "\n".join(textwrap.wrap(caption, 60)[:4]), fill="#222222")
    out = io.BytesIO()
    img.save(out, "PDF" if filename.lower().endswith(".pdf") else "PNG")
    return out.getvalue()


def _load_mission(store: Store, aid: int, rnd: dict) -> None:
    """The round's field mission, from its story: plan, desk review, register, visits with their
    checklist answers (observed evidence follows them), interviews and attachments."""
    from .mission import MissionStore
    m = rnd["mission"]
    mission = MissionStore(store)
    lead = next((t["name"] for t in rnd["team"] if t["duty"] == "team_lead"), rnd["team"][0]["name"])
    mission.set_plan(aid, by=lead, objectives=m["objectives"], scope=m["scope"], starts=rnd["started"],
                     ends=rnd["ended"], roles=[{"name": t["name"], "duty": t["duty"].replace("_", " ")}
                                               for t in rnd["team"]])
    for d in m.get("documents") or []:
        mission.add_document(aid, by=lead, title=d["title"], requested_from=d.get("from") or "",
                             requested=d.get("requested"), received=d.get("received"), note=d.get("note") or "")
    posts = []
    for p in m.get("posts") or []:
        traffic, links = p.get("traffic") or {}, p.get("connectivity") or {}
        posts.append({"code": p["id"], "name": p["name"], "kind": p["kind"], "region": p.get("region"),
                      "lat": p.get("lat"), "lon": p.get("lon"), "traffic": traffic.get("people_per_year"),
                      "traffic_source": traffic.get("source"), "traffic_year": traffic.get("year"),
                      "agencies": p.get("agencies") or [], "booths": p.get("booths"), "officers": p.get("officers"),
                      "women_officers": p.get("women_officers"),
                      "interpol": None if "interpol" not in links else ("yes" if links["interpol"] else "no"),
                      "api_pnr": None if "api_pnr" not in links else ("yes" if links["api_pnr"] else "no"),
                      "bmis": links.get("bmis"), "hours": p.get("hours")})
    if posts:
        mission.save_posts(aid, posts, by=lead)
    visits = [{"post": v["post"], "day": v["date"], "why": v["why"], "team": v["team"],
               "observations": v.get("observations") or [], "key_observations": v.get("key_observations") or []}
              for v in m.get("visits") or []]
    ids = dict(zip(((v["post"], str(v["day"])) for v in visits), mission.record_visits(aid, visits, by=lead)))
    logged = mission.record_interviews(aid, [{"role": i["role"], "agency": i["agency"], "sex": i["sex"],
                                              "day": i["date"], "place": i["place"], "consent": i["consent"],
                                              "anonymity": i["anonymity"], "summary": i["summary"]}
                                             for i in m.get("interviews") or []], by=lead)
    visit_of = {post: vid for (post, _), vid in ids.items()}
    for t in m.get("attachments") or []:
        link = t["linked_to"]
        target = ({"visit": visit_of[link["visit"]]} if "visit" in link else {"interview": logged[link["interview"]]})
        content = _sketch(t["caption"], t["kind"], t["name"])
        mission.add_attachment(aid, content, t["name"], by=lead, caption=t["caption"], **target)


def load_demo(store: Store, *, today: dt.date | None = None, progress=None) -> list[str]:
    """Load the demo countries that are not there yet (round by round); return their codes."""
    today = today or dt.date.today()
    url = store.engine.url.render_as_string(hide_password=False)
    loaded = []
    for code in DEMO_CODES:
        story = demo_story(code)
        seen: set = set()
        new = False
        for rnd in story["rounds"]:
            new = _load_round(url, story, rnd, today, seen) or new
        if progress:
            progress(code, len(story["rounds"]))
        if new:
            loaded.append(code)
    return loaded
