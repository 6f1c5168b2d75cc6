"""The road-map page: widgets built, values set and buttons clicked in plain pytest (no kernel), the
store checked after each click; then the served page in Debian's Chromium."""
from __future__ import annotations

import datetime as dt
import html as html_module
import re

import pytest
from ipywidgets.widgets import widget as widget_module

from support.browser import CHROMIUM_ARGS
from support.databases import clear_roadmap
from workbook.pages.roadmap import page as rp
from workbook.pages.roadmap.render import problem_text
from workbook.present.charts import Chart
from workbook.errors import NotFound
from workbook.roadmap import RoadmapStore

ROUND = "baseline 2026"
VOILA = {"VOILA_PREHEAT": "False", "VOILA_REQUEST_URL": "http://127.0.0.1:8866/voila/render/roadmap.ipynb"}
TABS = ["Targets", "Suggestions", "Recommendations", "Road map", "Packages", "Initiatives"]


@pytest.fixture
def shown(monkeypatch) -> list:
    out: list = []
    monkeypatch.setattr(rp, "display", lambda *objs, **kw: out.extend(objs))
    return out


@pytest.fixture
def xat(demo_store):
    return demo_store.get_assessment("XAT", ROUND)


@pytest.fixture
def bare(demo_store, xat):
    """XAT without the demo's road map and initiatives, for tests that build them from nothing."""
    clear_roadmap(demo_store, "XAT", ROUND)
    return xat


@pytest.fixture
def page(demo_store, xat) -> rp.RoadmapPage:
    p = rp.RoadmapPage(demo_store, xat)
    p.user.value = "Ana Ferreira"
    return p


def html_of(obj) -> str:
    return obj.data if hasattr(obj, "data") else obj.value


def written(store, assessment) -> tuple:
    """Everything the page can write for an assessment, to show that a refused input wrote nothing."""
    rm = RoadmapStore(store)
    return (rm.recommendations_frame(assessment.id).to_dict("records"),
            rm.initiatives_frame(assessment.country_code).to_dict("records"),
            rm.target_overrides(assessment.id).to_dict("records"), rm.get_exposure(assessment.id),
            len(store.audit_frame(assessment.id)))


def fill(section, **values) -> None:
    for key, value in values.items():
        section.fields[key].value = value


# -- opening the page ---------------------------------------------------------------------------
def test_the_address_chooses_the_assessment_and_only_the_first_tab_is_built(demo_store, shown):
    before = len(widget_module._instances)
    page = rp.open_roadmap("XAT", "", "", environ={**VOILA, "QUERY_STRING": "country=XBO&round=baseline%202026"})
    assert page.ok and page.assessment.country_code == "XBO"
    page.header()
    page.workspace()
    page.summary()  # interactive: the workspace shows it all
    header, workspace = shown
    text = html_of(header)
    assert "XBO Borduria (fictional), baseline 2026" in text and 'aria-current="page">Road map' in text
    assert 'href="operations.ipynb?country=XBO&amp;round=baseline%202026"' in text and "home.ipynb" in text
    assert workspace is page.widget
    assert list(page.tabs.titles) == TABS, "no follow-up tab: XBO has one round"
    assert [s.built for s in page.sections] == [True, False, False, False, False, False]
    assert len(widget_module._instances) - before < 120, "the closed tabs build nothing"
    page.tabs.selected_index = 3  # a click on "Road map"
    assert page.roadmap.built and "mbm-gantt" in page.roadmap.chart.value


@pytest.mark.parametrize("query, title, says", [
    ("country=XZZ", "Assessment not found", "no assessment for country"),
    ("country=%3Cscript%3E", "Cannot open this page", "is not a three-letter country code"),
])
def test_a_bad_address_gives_a_message_with_links(demo_store, shown, query, title, says):
    page = rp.open_roadmap("XAT", "", "", environ={**VOILA, "QUERY_STRING": query})
    assert not page.ok
    page.header()
    page.workspace()
    page.summary()
    assert len(shown) == 1
    text = html_of(shown[0])
    assert f"<h2>{title}</h2>" in text and says in text and "<script>" not in text
    assert "roadmap.ipynb?country=XAT&amp;round=baseline%202026" in text


def test_a_batch_run_shows_tables_and_chart_without_widgets(demo_store, shown):
    before = len(widget_module._instances)
    page = rp.open_roadmap("XAT", ROUND, "", interactive=False, environ={})
    page.header()
    page.workspace()
    page.summary()
    assert len(widget_module._instances) == before
    texts = [html_of(o) for o in shown if hasattr(o, "data")]
    assert any("mbm-targets" in t for t in texts) and any("Schedule check" in t for t in texts)
    chart = next(o for o in shown if isinstance(o, Chart))
    assert "<svg" in chart.svg and chart.alt.startswith("Gantt chart of the road map")
    with pytest.raises(NotFound):
        rp.open_roadmap("XZZ", "", "", interactive=False, environ={})


# -- exposure and targets ---------------------------------------------------------------------
def test_exposure_needs_a_name_and_a_reason_and_is_saved(demo_store, xat, page):
    sec = page.targets
    before = written(demo_store, xat)
    page.user.value = ""
    sec.exposure.value, sec.exposure_reason.value = 3, "main hub airport; high smuggling threat"
    assert not sec.save_exposure()
    assert "enter your name" in sec.exposure_message
    page.user.value = "Ana Ferreira"
    sec.exposure_reason.value = "   "
    assert not sec.save_exposure()
    assert sec.exposure_message == "not saved: 1 problem Reason: is required"
    sec.exposure._trait_values["value"] = 7  # forged past the widget
    assert not sec.save_exposure()
    assert "Exposure: 7 is not one of 1, 2, 3" in sec.exposure_message
    assert written(demo_store, xat) == before
    sec.exposure.value, sec.exposure_reason.value = 3, "main hub airport; high smuggling threat"
    assert sec.save_exposure(), sec.exposure_message
    assert RoadmapStore(demo_store).get_exposure(xat.id)["level"] == 3
    assert "exposure 3 (high)" in page._header.value and (sec.targets["exposure"] == 3).all()


def test_targets_are_edited_with_a_reason_and_never_below_the_current_level(demo_store, xat, page):
    sec = page.targets
    t = sec.targets.dropna(subset=["score"])
    row = t[t["current_level"] >= 2].iloc[0]
    sid, level = row["subarea_id"], int(row["current_level"])
    sec.subarea.value = sid
    before = written(demo_store, xat)
    sec.short.value, sec.long.value, sec.reason.value = str(level - 1), "5", ""
    assert not sec.save_target()
    assert f"Short-term target: target {level - 1} is below the current level {level} of {sid}" in sec.message
    assert "Reason: is required" in sec.message
    assert written(demo_store, xat) == before
    sec.short.value, sec.reason.value = "", "the government aims for the top level"
    assert sec.save_target(), sec.message
    stored = RoadmapStore(demo_store).targets(xat.id).set_index("subarea_id").loc[sid]
    assert (stored["long_term_target"], stored["long_term_source"], stored["short_term_source"]) == (5, "edited",
                                                                                                     "default")
    assert "5 (edited; default" in sec.table.value and sec.long.value == "5"


# -- suggestions ------------------------------------------------------------------------------
def test_suggestions_are_filtered_and_accepted_with_their_prerequisites(demo_store, xat, page):
    sec = page.open("Suggestions")
    sec.pillar.value, sec.top.value, sec.horizon.value = "INF", 0, "long"
    assert sec.show()
    assert len(sec.shown) and {demo_store.framework.pillar_of(s).id for s in sec.shown["subarea_id"]} == {"INF"}
    needs = sec.shown[[len(p) > 0 for p in sec.shown["prerequisites"]]].iloc[0]
    sec.choice.value = (needs["key"],)
    assert sec.accept(), sec.message
    recs = RoadmapStore(demo_store).recommendations_frame(xat.id)
    by_source = dict(zip(recs["source_action_id"], recs["id"]))
    assert needs["key"] in by_source and set(needs["prerequisites"]) <= set(by_source)
    assert "including" in sec.message and needs["prerequisites"][0] in sec.message
    mine = recs.set_index("source_action_id").loc[needs["key"]]
    assert set(mine["prerequisites"]) >= {by_source[p] for p in needs["prerequisites"]}
    assert needs["key"] not in [v for _, v in sec.choice.options], "accepted ones leave the choice"
    assert f"#{by_source[needs['key']]}" in sec.table.value
    # a forged choice, and filters out of range, are refused and write nothing
    before = written(demo_store, xat)
    sec.choice._trait_values["value"] = ("INF.9.9-s2-z",)
    assert not sec.accept() and "Suggestion: 'INF.9.9-s2-z' is not among the suggestions" in sec.message
    sec.top.value = 99
    assert not sec.show() and "Top sub-areas: 99 is not a number from 0 (all) to 28" in sec.message
    assert written(demo_store, xat) == before


# -- recommendations --------------------------------------------------------------------------
def test_a_recommendation_is_added_with_every_field(demo_store, xat, page):
    sec = page.open("Recommendations")
    first = RoadmapStore(demo_store).add_recommendation(
        xat.id, {"subarea_id": "INF.6", "target_level": 5, "action_type": "legislation", "title": "Adopt the law",
                 "horizon": "short"}, by="Max")
    sec.refresh()
    fill(sec, subarea_id="INF.6")
    fill(sec, indicator_id="INF.6.2", target_level="5", action_type="ict_system", title="Set up the API/PNR system",
         description="Passenger data unit with a targeting system", lead_agency="Ministry of Interior",
         partners="Data protection authority; Civil aviation authority", cost_band="high", amount="1,250,000",
         currency="eur", funding_status="pipeline", horizon="long", prerequisites=(first,),
         completion_indicator="System receives API data from all carriers", deadline="2029-12-31",
         status="in_progress")
    assert sec.save(), sec.message
    rec = RoadmapStore(demo_store).recommendations_frame(xat.id).iloc[-1]
    assert (rec["subarea_id"], rec["indicator_id"], rec["target_level"], rec["action_type"]) == (
        "INF.6", "INF.6.2", 5, "ict_system")
    assert (rec["lead_agency"], rec["partners"], rec["cost_band"], rec["amount"], rec["currency"]) == (
        "Ministry of Interior", ["Data protection authority", "Civil aviation authority"], "high", 1_250_000.0, "EUR")
    assert (rec["funding_status"], rec["horizon"], rec["prerequisites"], rec["deadline"], rec["status"]) == (
        "pipeline", "long", [first], dt.date(2029, 12, 31), "in_progress")
    assert rec["completion_indicator"] == "System receives API data from all carriers"
    assert rec["updated_by"] == "Ana Ferreira"
    assert sec.pick.value == rec["id"] and "Set up the API/PNR system" in sec.table.value
    assert "Ana Ferreira" in sec.message and sec.currency.value == "EUR"


def test_bad_recommendation_lists_every_problem_and_writes_nothing(demo_store, xat, page):
    sec = page.open("Recommendations")
    levels = RoadmapStore(demo_store).targets(xat.id).dropna(subset=["score"])
    high = levels[levels["current_level"] >= 2].iloc[0]
    before = written(demo_store, xat)
    fill(sec, title="Something", amount="10", currency="XYZ", deadline="31/12/2027")
    assert not sec.save()
    for expected in ("Sub-area: is required", "Target level: is required",
                     "Currency: 'XYZ' is not an ISO 4217 currency code", "Deadline: '31/12/2027' is not a date"):
        assert expected in sec.message
    fill(sec, subarea_id=high["subarea_id"], target_level="1", currency="", deadline="")
    assert not sec.save()
    assert f"Target level: target level 1 is below the current level {int(high['current_level'])}" in sec.message
    assert "Currency: is required with an amount" in sec.message
    page.user.value = ""
    fill(sec, target_level="5", amount="")
    assert not sec.save() and "enter your name" in sec.message
    assert written(demo_store, xat) == before


def test_an_edit_is_saved_and_a_stale_edit_is_refused_then_confirmed(demo_store, xat, page):
    rm = RoadmapStore(demo_store)
    rid = rm.add_recommendation(xat.id, {"subarea_id": "INF.6", "target_level": 5, "action_type": "training",
                                         "title": "Train the unit", "horizon": "short"}, by="Max")
    sec = page.open("Recommendations")
    sec.pick.value = rid
    assert sec.title_.value == "Train the unit" and sec.version == 1
    sec.status_.value = "in_progress"
    assert sec.save() and rm.get_recommendation(rid)["status"] == "in_progress"
    assert not sec.save() or sec.message == "no changes to save"
    rm.update_recommendation(rid, {"funding_status": "committed"}, by="Max")  # someone else, meanwhile
    sec.status_.value = "done"
    assert not sec.save()
    assert "changed by Max" in sec.message and rm.get_recommendation(rid)["status"] == "in_progress"
    assert sec.save(), sec.message  # saving again is a deliberate overwrite
    assert rm.get_recommendation(rid)["status"] == "done"


def test_a_recommendation_of_another_assessment_cannot_be_edited(demo_store, xat, page):
    xbo = demo_store.get_assessment("XBO", ROUND)
    rm = RoadmapStore(demo_store)
    theirs = rm.add_recommendation(xbo.id, {"subarea_id": "INF.6", "target_level": 5, "action_type": "training",
                                            "title": "Theirs", "horizon": "short"}, by="Max")
    sec = page.open("Recommendations")
    sec.pick._trait_values["value"] = theirs  # forged past the widget
    fill(sec, subarea_id="INF.6", target_level="5", title="Hijacked")
    before = written(demo_store, xat)
    assert not sec.save() and f"Recommendation: {theirs} is not a recommendation of this assessment" in sec.message
    assert not sec.remove()
    assert rm.get_recommendation(theirs)["title"] == "Theirs" and written(demo_store, xat) == before


# -- road map, initiatives, follow-up ------------------------------------------------------------
def test_road_map_tab_shows_the_chart_the_sequence_and_schedule_problems(demo_store, bare, page):
    rm = RoadmapStore(demo_store)
    law = rm.add_recommendation(bare.id, {"subarea_id": "INF.6", "target_level": 5, "action_type": "legislation",
                                         "title": "Adopt the API/PNR law", "horizon": "short",
                                         "deadline": "2027-06-30"}, by="Max")
    rm.add_recommendation(bare.id, {"subarea_id": "INF.6", "target_level": 5, "action_type": "ict_system",
                                   "title": "Set up the API/PNR system", "horizon": "short", "deadline": "2027-01-31",
                                   "prerequisites": [law]}, by="Max")
    sec = page.open("Road map")
    assert 'alt="Gantt chart of the road map, 2 recommendations in road-map order. 1. Adopt the API/PNR law' \
        in sec.chart.value
    assert "Schedule check: 1 problem" in sec.problems.value
    assert "deadline 2027-01-31 is before the deadline 2027-06-30 of its prerequisite" in sec.problems.value
    table = sec.table.value
    assert table.index("Adopt the API/PNR law") < table.index("Set up the API/PNR system")
    assert "Short term (up to 18 months)" in table


def test_packages_tab_shows_the_committed_packages_and_the_backlog_with_costs_and_funding(demo_store, xat, page):
    from workbook.roadmap.costing import money
    from workbook.roadmap.funding import FundingStore
    road = FundingStore(demo_store).road_map(xat.id)
    sec = page.open("Packages")
    text = sec.table.value
    committed, backlog = road.committed, road.table[road.table["state"] != "committed"]
    assert len(committed) == 12 and len(backlog) == 27
    assert f"12 packages committed, {money(*road.total)} in all (US dollars, 2025 prices); 27 in the backlog." in text
    part = text[text.index("committed packages"):text.index(": backlog")]
    assert len(re.findall(r'<th scope="row">', part)) == 12, "one row per committed package, headed by its title"
    positions = [part.index(html_module.escape(t)) for t in committed["title"]]
    assert positions == sorted(positions), "in rank order"
    for r in committed.to_dict("records"):
        row = part[part.index(html_module.escape(r["title"])):].split("</tr>")[0]
        assert html_module.escape(money(r["total_low"], r["total_high"])) in row
        assert f"{len(road.package(r['package_id']).gaps)}: " in row
        assert r["funding_status"] in row and (r["funded_by"] or "–") in row
    rest = text[text.index(": backlog"):]
    for r in backlog.to_dict("records"):
        assert html_module.escape(r["title"]) in rest and html_module.escape(r["reason"]) in rest


def test_packages_tab_says_what_to_enter_when_a_road_map_cannot_be_costed(demo_store, page, xat):
    from sqlalchemy import delete
    from workbook.store.models import RoadmapQuantity
    with demo_store._sessions.begin() as s:  # the counts removed behind the page's back
        s.execute(delete(RoadmapQuantity).where(RoadmapQuantity.assessment_id == xat.id))
    sec = page.open("Packages")
    assert sec.table.value == ""
    assert "the packages cannot be costed" in sec.message and "no count of posts" in sec.message


def test_initiatives_are_added_checked_and_flagged(demo_store, bare, page):
    sec = page.open("Initiatives")
    before = written(demo_store, bare)
    fill(sec, donor="EU", title="API/PNR support", budget="2,000,000", currency="EUROS", start_date="2026-06-01",
         end_date="2025-01-01", indicators="INF.6.1, INF.99.1")
    assert not sec.save()
    for expected in ("End: the initiative ends 2025-01-01, before it starts 2026-06-01",
                     "Currency: 'EUROS' is not an ISO 4217", "Indicators: unknown indicator 'INF.99.1'"):
        assert expected in sec.message
    assert written(demo_store, bare) == before
    fill(sec, currency="EUR", end_date="2028-12-31", indicators="INF.6.1")
    assert sec.save(), sec.message
    fill(sec, donor="UNODC", title="Passenger data programme", budget="", currency="", indicators="",
         subareas=("INF.6",))
    sec.pick.value = 0
    fill(sec, donor="UNODC", title="Passenger data programme", start_date="2026-03-01", end_date="2027-12-31",
         subareas=("INF.6",))
    assert sec.save(), sec.message
    reg = RoadmapStore(demo_store).initiatives_frame("XAT")
    assert list(reg["donor"]) == ["UNODC", "EU"] and reg["scope"].tolist() == [[("INF.6", None)],
                                                                              [("INF.6", "INF.6.1")]]
    assert "API/PNR support" in sec.registry.value and "Passenger data programme" in sec.flags.value
    assert "mbm-overlaps" in sec.flags.value and "Initiatives of different donors that overlap</caption>" in \
        sec.flags.value
    # an edit of the stored initiative
    sec.pick.value = int(reg["id"][0])
    fill(sec, end_date="2028-06-30")
    assert sec.save() and RoadmapStore(demo_store).get_initiative(int(reg["id"][0]))["end_date"] == dt.date(2028, 6, 30)


def test_follow_up_tab_appears_when_the_country_has_another_round(demo_store, xat):
    later = demo_store.create_assessment("XAT", "follow-up 2028", country_name="Atlantis", by="tester")
    ev = [{"type": t, "source": f"{t} record", "date": dt.date(2026, 1, 10)} for t in ("law", "observation", "audit")]
    demo_store.save_many(later.id, [{"indicator_id": i.id, "agreed": 5, "evidence": ev}
                                    for i in demo_store.framework.subareas["INF.6"].indicators], by="tester")
    page = rp.RoadmapPage(demo_store, xat)
    assert list(page.tabs.titles) == TABS + ["Follow-up"]
    sec = page.open("Follow-up")
    assert sec.rounds() == (ROUND, "follow-up 2028")
    view = sec.view.value
    assert "mbm-dumbbell" in view and "XAT: follow-up 2028 against baseline 2026" in view
    assert "Sub-areas, XAT" in view and ">up<" in view and "not comparable" in view
    later_page = rp.RoadmapPage(demo_store, demo_store.get_assessment("XAT", "follow-up 2028"))
    assert later_page.open("Follow-up").rounds() == (ROUND, "follow-up 2028")


def test_problem_text_uses_the_labels_of_the_form():
    from workbook.errors import Problem
    assert problem_text(Problem("recommendations[0].currency", "bad")) == "Currency: bad"
    assert problem_text(Problem("#12.prerequisites[1]", "bad")) == "Prerequisites: bad"
    assert problem_text(Problem("ADM.1.short_term", "bad")) == "Short-term target: bad"
    assert problem_text(Problem("#12", "is final")) == "#12: is final"


# -- in the browser -----------------------------------------------------------------------------
@pytest.mark.browser
def test_road_map_page_in_chromium(server, chromium, demo_url):  # noqa: F811 (fixtures)
    from playwright.sync_api import expect, sync_playwright

    from workbook.store import Store

    store = Store(demo_url)
    xat = store.get_assessment("XAT", ROUND)
    clear_roadmap(store, "XAT", ROUND)  # the browser builds XAT's road map from nothing
    title = "Set up a passenger information unit (browser test)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{server}/voila/render/roadmap.ipynb?country=XAT&round=baseline%202026")
            expect(page.locator("table.mbm-targets caption")).to_contain_text("Targets, gaps and priority",
                                                                               timeout=90_000)
            expect(page.get_by_text("XAT Atlantis (fictional), baseline 2026").first).to_be_visible()
            for tab in TABS:
                expect(page.get_by_role("tab", name=tab)).to_be_visible()
            page.get_by_role("textbox", name="Your name").fill("Browser Tester")
            page.get_by_role("textbox", name="Your name").press("Tab")
            page.get_by_role("tab", name="Recommendations").click()
            expect(page.locator(".mbm-recommendations")).to_contain_text("no recommendations yet", timeout=30_000)
            page.get_by_role("combobox", name="Sub-area").select_option(label="INF.6 " + sub_name(store, "INF.6"))
            page.get_by_role("combobox", name="Target level").select_option(label="5")
            page.get_by_role("textbox", name="Title").fill(title)
            page.get_by_role("textbox", name="Title").press("Tab")
            page.get_by_role("textbox", name="Lead agency").fill("Ministry of Interior")
            page.get_by_role("textbox", name="Lead agency").press("Tab")
            page.get_by_role("button", name="Save recommendation").click()
            expect(page.locator(".mbm-status-ok")).to_contain_text("saved #", timeout=30_000)
            expect(page.locator("table.mbm-recommendations")).to_contain_text(title)
            page.get_by_role("tab", name="Road map").click()
            expect(page.locator("figure.mbm-gantt img")).to_have_attribute(
                "alt", re.compile(r"^Gantt chart of the road map, 1 recommendations in road-map order\. 1\. "
                                  + re.escape(title)),
                timeout=30_000)
        finally:
            browser.close()
    recs = RoadmapStore(store).recommendations_frame(xat.id)
    assert recs[["title", "lead_agency", "target_level", "updated_by"]].values.tolist() == [
        [title, "Ministry of Interior", 5, "Browser Tester"]]


def sub_name(store, subarea_id: str) -> str:
    return store.framework.subareas[subarea_id].name


# -- language ----------------------------------------------------------------------------------------
def test_the_page_speaks_the_language_of_its_address(demo_store, xat):
    query = "country=XAT&round=baseline%202026&lang=fr"
    page = rp.open_roadmap("XAT", ROUND, "", environ={**VOILA, "QUERY_STRING": query})
    assert page.lang == "fr"
    assert [page.tabs.get_title(i) for i in range(len(TABS))] == [
        "Cibles", "Suggestions", "Recommandations", "Feuille de route", "Paquets d'investissement", "Initiatives"]
    head = html_module.unescape(page._header.value)
    assert "Toutes les évaluations" in head and "Feuille de route :" in head and "recommandations (" in head
    assert "All assessments" not in head and "Road map:" not in head
    targets = page.open("Cibles")  # the shown title, or the English one
    assert page.open("Targets") is targets
    text = html_module.unescape(targets.table.value)
    assert "Cibles, écarts et priorité" in text and "Cible à court terme" in text
    assert targets.exposure_button.description == "Enregistrer l'exposition"
    page.user.value = ""
    assert not targets.save_exposure() and targets.exposure_message.startswith("non enregistré :")
    packages = page.open("Packages")
    money = html_module.unescape(packages.table.value)
    assert "paquets d'investissement retenus" in money and "millions USD" in money and "USD million" not in money
    road = page.open("Road map")
    assert "Vérification du calendrier" in html_module.unescape(road.problems.value)
    recs = page.open("Recommendations")
    table = html_module.unescape(recs.table.value)
    assert "ouverte" in table and "<td>open</td>" not in table  # stored words shown in French
    assert ("système informatique", "ict_system") in recs.action_type.options
    assert recs.funding_status.options[0][1] == "committed" and recs.funding_status.value == "gap"
    # what the team typed stays as written; the English page is unchanged
    english = rp.RoadmapPage(demo_store, xat)
    assert english.tabs.get_title(0) == "Targets" and "All assessments" in english._header.value
