"""Helpers of the field-mission tests: an assessment with a team, a plan and a register, and
small files of our own making (a JPEG with a GPS position, a PDF)."""
from __future__ import annotations

import datetime as dt
import io

from workbook.mission import MissionStore

TEAM = [{"name": "Ana Costa", "organisation": "Border Police", "role": "national"},
        {"name": "Max Weber", "organisation": "Assessment team", "role": "international"}]
STARTS, ENDS = dt.date(2026, 3, 2), dt.date(2026, 3, 13)
POSTS = [
    {"code": "XAT-AIR-1", "name": "Capital International Airport", "kind": "air", "region": "Capital District",
     "lat": 14.6, "lon": -17.4, "traffic": 740_000, "traffic_source": "Border agency annual report",
     "traffic_year": 2025, "agencies": "Border Police; Customs", "booths": 24, "officers": 120,
     "women_officers": 40, "interpol": "yes", "api_pnr": "yes", "bmis": "online", "hours": "24/7"},
    {"code": "XAT-LND-1", "name": "North Bridge", "kind": "land", "region": "North", "traffic": 200_000,
     "traffic_source": "Border agency annual report", "traffic_year": 2025, "agencies": "Border Police",
     "officers": 30, "interpol": "no", "bmis": "offline", "hours": "06:00-22:00"},
    {"code": "XAT-SEA-1", "name": "Old Harbour", "kind": "sea", "region": "Coast", "traffic": 60_000,
     "traffic_source": "Port authority", "traffic_year": 2024, "agencies": "Coast Guard", "bmis": "paper"},
]


def mission_assessment(store, tmp_path, *, posts=POSTS):
    """XAT with a team, a mission plan and (by default) three posts; returns (mission, assessment)."""
    a = store.create_assessment("XAT", "baseline 2026", country_name="Atlantis", team=TEAM, by="tester")
    mission = MissionStore(store, attachments_root=tmp_path / "attachments")
    mission.set_plan(a.id, by="Ana Costa", objectives=["Assess the crossing points"], scope="Main posts",
                     starts=STARTS, ends=ENDS, roles=[{"name": "Max Weber", "duty": "team lead"}])
    if posts:
        mission.save_posts(a.id, posts, by="Ana Costa")
    return mission, a


def jpeg(gps: bool = True, size: int = 8) -> bytes:
    """A small JPEG of our own, with a camera make and (by default) a GPS position in its EXIF."""
    from PIL import Image
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    if gps:
        exif[0x8825] = {1: "N", 2: (14.0, 36.0, 0.0), 3: "W", 4: (17.0, 26.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (size, size), "teal").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
