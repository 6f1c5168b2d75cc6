"""Sample and coverage of the field mission, and the register's quantities: pure functions on the
frames the mission store returns (no database, no widgets, no charts).

* :func:`coverage` says which share of the posts and of the recorded traffic the visits covered,
  kind by kind, and writes it in words ("visited posts handle 74 % of recorded crossings; no sea
  post visited");
* :func:`checklist_matrix` is the posts x checklist heat map's data: per sub-area and visited
  post, how many checklist items were observed and met;
* :func:`observed_summary` counts each criterion's observations across visits ("met at 3 of 4
  posts visited") and compares them with the team's answer;
* :func:`register_quantities` counts what the road map's costing multiplies by (posts by kind,
  booths, officers, regions) from the register.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..framework import CROSSING_KINDS, Framework
from ..i18n.formats import format_number, format_percent
from ..i18n.messages import translator
from .fields import KIND_NAMES, kind_name


@dataclass(frozen=True)
class Coverage:
    """How the visits cover the register."""

    by_kind: pd.DataFrame  # kind, posts, visited, traffic, traffic_visited, share
    posts: int
    visited: int
    traffic: int
    traffic_visited: int
    unknown_traffic: int  # posts of the register without a traffic figure
    years: tuple[int, ...]  # the years the traffic figures are for
    missing_kinds: tuple[str, ...]  # kinds of the country's profile with no post in the register
    unvisited_kinds: tuple[str, ...]  # kinds in the register with no post visited

    @property
    def share(self) -> float | None:
        """The visited posts' share of the recorded traffic (0-1), None when no traffic is recorded."""
        return self.traffic_visited / self.traffic if self.traffic else None

    @property
    def sentence(self) -> str:
        """The coverage in words, for the report and the page (English: :meth:`describe` in a language)."""
        return self.describe()

    def describe(self, lang: str | None = None) -> str:
        """The coverage in words in ``lang`` (default English)."""
        t = translator(lang or "en")
        if not self.posts:
            return t.gettext("No crossing point is recorded in the register yet.")
        first = t.ngettext("The team visited %(visited)s of the %(posts)s post in the register",
                           "The team visited %(visited)s of the %(posts)s posts in the register",
                           self.posts) % {"visited": self.visited, "posts": self.posts}
        if self.share is not None and self.visited:
            years = "/".join(str(y) for y in self.years)
            share = f"{self.share * 100:.0f} %" if lang in (None, "en") else format_percent(self.share, lang)
            values = {"share": share, "visited": format_number(self.traffic_visited, lang or "en"),
                      "traffic": format_number(self.traffic, lang or "en"), "years": years}
            first += (t.gettext("; visited posts handle %(share)s of recorded crossings (%(visited)s of %(traffic)s "
                                "people a year, %(years)s figures)") if years else
                      t.gettext("; visited posts handle %(share)s of recorded crossings (%(visited)s of %(traffic)s "
                                "people a year)")) % values
        words = [t.gettext("no %(kind)s post visited") % {"kind": kind_name(k, lang)} for k in self.unvisited_kinds]
        words += [t.gettext("no %(kind)s post in the register") % {"kind": kind_name(k, lang)}
                  for k in self.missing_kinds]
        text = first + (t.gettext("; ") + t.gettext("; ").join(words) if words else "") + "."
        if self.unknown_traffic:
            text += " " + t.ngettext("%(n)s post of the register has no traffic figure.",
                                     "%(n)s posts of the register have no traffic figure.",
                                     self.unknown_traffic) % {"n": self.unknown_traffic}
        return text


def coverage(posts: pd.DataFrame, visits: pd.DataFrame, profile_kinds: frozenset[str] | None = None) -> Coverage:
    """Coverage of ``posts`` (:meth:`MissionStore.posts_frame`) by ``visits`` (``visits_frame``)."""
    visited_codes = set(visits["post"]) if len(visits) else set()
    rows = []
    for kind in CROSSING_KINDS:
        p = posts[posts["kind"] == kind] if len(posts) else posts
        if not len(p):
            continue
        seen = p[p["code"].isin(visited_codes)]
        traffic = int(p["traffic"].fillna(0).sum())
        traffic_seen = int(seen["traffic"].fillna(0).sum())
        rows.append({"kind": kind, "posts": len(p), "visited": len(seen), "traffic": traffic,
                     "traffic_visited": traffic_seen, "share": traffic_seen / traffic if traffic else None})
    by_kind = pd.DataFrame(rows, columns=["kind", "posts", "visited", "traffic", "traffic_visited", "share"])
    kinds_in_register = set(by_kind["kind"])
    missing = tuple(k for k in CROSSING_KINDS if profile_kinds and k in profile_kinds and k not in kinds_in_register)
    unvisited = tuple(r.kind for r in by_kind.itertuples() if r.visited == 0)
    years = tuple(sorted({int(y) for y in posts["traffic_year"].dropna()})) if len(posts) else ()
    return Coverage(by_kind, len(posts), int(by_kind["visited"].sum()) if len(by_kind) else 0,
                    int(by_kind["traffic"].sum()) if len(by_kind) else 0,
                    int(by_kind["traffic_visited"].sum()) if len(by_kind) else 0,
                    int(posts["traffic"].isna().sum()) if len(posts) else 0, years, missing, unvisited)


def checklist_matrix(framework: Framework, observations: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """One row per sub-area observed and visit: ``subarea_id``, ``subarea``, ``visit_id``,
    ``post``, ``observed`` (items answered yes or no), ``met``, ``share`` (met / observed)."""
    cols = ["subarea_id", "subarea", "visit_id", "post", "observed", "met", "share"]
    if not len(observations):
        return pd.DataFrame(columns=cols)
    obs = observations[observations["result"] != "na"].copy()
    if not len(obs):
        return pd.DataFrame(columns=cols)
    obs["subarea_id"] = [framework.subarea_of(i).id for i in obs["indicator_id"]]
    grouped = obs.groupby(["subarea_id", "visit_id"], sort=False)
    rows = []
    post_of = dict(zip(visits["visit_id"], visits["post"])) if len(visits) else {}
    for (sid, vid), g in grouped:
        met = int((g["result"] == "yes").sum())
        rows.append({"subarea_id": sid, "subarea": framework.subareas[sid].name, "visit_id": vid,
                     "post": post_of.get(vid, ""), "observed": len(g), "met": met, "share": met / len(g)})
    order = {sid: n for n, sid in enumerate(framework.subareas)}
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["subarea_id", "visit_id"], key=lambda s: s.map(order) if s.name == "subarea_id" else s,
                           ignore_index=True)


def observed_summary(observations: pd.DataFrame, answers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per criterion observed: ``criterion_id``, ``indicator_id``, ``posts`` (visits that observed
    it), ``met``, ``not_met``, ``na``, ``text`` ("met at 3 of 4 posts visited"), ``answer`` (the
    team's answer, or None) and ``agrees`` (False when the answer says met but a post showed it
    not met, or says not met though every post observed met it)."""
    cols = ["criterion_id", "indicator_id", "posts", "met", "not_met", "na", "text", "answer", "agrees"]
    if not len(observations):
        return pd.DataFrame(columns=cols)
    given = dict(zip(answers["criterion_id"], answers["answer"])) if answers is not None and len(answers) else {}
    rows = []
    for cid, g in observations.groupby("criterion_id", sort=True):
        met, not_met, na = (int((g["result"] == r).sum()) for r in ("yes", "no", "na"))
        seen = met + not_met
        if seen:
            text = f"met at {met} of {seen} post{'s' if seen != 1 else ''} visited"
        else:
            text = f"not applicable at the {na} post{'s' if na != 1 else ''} visited"
        answer = given.get(cid)
        agrees = not ((answer == "yes" and not_met) or (answer == "no" and seen and met == seen))
        rows.append({"criterion_id": cid, "indicator_id": g["indicator_id"].iloc[0], "posts": len(g), "met": met,
                     "not_met": not_met, "na": na, "text": text, "answer": answer, "agrees": agrees})
    return pd.DataFrame(rows, columns=cols)


#: The measures of the road map's quantities table the register counts (see workbook.roadmap.costing).
REGISTER_MEASURES = ("post", "booth", "officer", "region")


def register_quantities(posts: pd.DataFrame) -> list[dict]:
    """The rows of the road map's quantities table the register gives (``measure, kind, low,
    high, note``, as :meth:`FundingStore.set_quantities` takes them):

    * ``post``, one row per kind in the register: the number of posts of that kind;
    * ``booth`` and ``officer``: the sum over the posts that record it; when some posts do not,
      the count is a floor and the note says how many posts are missing;
    * ``region``: the number of different regions with a post (by ISO code when known, else by name).

    A measure no post records (no booth count anywhere) gives no row: the team enters it.
    """
    rows: list[dict] = []
    if not len(posts):
        return rows
    for kind in CROSSING_KINDS:
        n = int((posts["kind"] == kind).sum())
        if n:
            rows.append({"measure": "post", "kind": kind, "low": n, "high": n,
                         "note": f"{n} {KIND_NAMES[kind]} post{'s' if n != 1 else ''} in the register"})
    total = len(posts)
    for measure, column in (("booth", "booths"), ("officer", "officers")):
        known = posts[column].dropna()
        if not len(known):
            continue
        count = int(known.sum())
        note = f"sum over the {len(known)} post{'s' if len(known) != 1 else ''} of the register"
        if len(known) < total:
            note = (f"at least: {total - len(known)} of the {total} posts of the register record no "
                    f"{column}; sum over the {len(known)} that do")
        rows.append({"measure": measure, "kind": "", "low": count, "high": count, "note": note})
    regions = {(code or str(name).strip().casefold()) for code, name in zip(posts["region_code"], posts["region"])
               if (isinstance(code, str) and code) or (isinstance(name, str) and name.strip())}
    if regions:
        rows.append({"measure": "region", "kind": "", "low": len(regions), "high": len(regions),
                     "note": f"regions with a post in the register ({len(regions)})"})
    return rows
