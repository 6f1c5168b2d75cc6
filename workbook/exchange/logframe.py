"""The logframe as an Excel sheet (written whole or not at all)."""
from __future__ import annotations

import io
from pathlib import Path

from ..config import round_dir

HEADERS = {"level": "Level", "ref": "Ref", "result": "Result", "indicators": "Indicators",
           "verification": "Means of verification", "assumptions": "Assumptions and risks"}
WIDTHS = {"level": 10, "ref": 6, "result": 45, "indicators": 60, "verification": 70, "assumptions": 45}


def logframe_xlsx(frame, title: str) -> bytes:
    """One sheet 'Logframe': a title row, the header, one row per result, text wrapped."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    wb = Workbook()
    ws = wb.active
    ws.title = "Logframe"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([HEADERS[c] for c in HEADERS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in frame[list(HEADERS)].itertuples(index=False):
        ws.append([str(v) for v in row])
    for i, col in enumerate(HEADERS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS[col]
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def default_output(info) -> Path:
    """``outputs/<ISO3>/<round folder>/<ISO3>-<round folder>-logframe.xlsx``."""
    folder = round_dir(info.country_code, info.round)
    return folder / f"{info.country_code}-{folder.name}-logframe.xlsx"


def export_logframe(rm, info, path: str | Path | None = None) -> tuple[Path, int]:
    """Write the committed road map's logframe; returns the path and the number of results."""
    from ..report.render import atomic_write
    from ..roadmap.logframe import build_logframe
    frame = build_logframe(rm.road_map(info.id), rm.framework_of(info.id), rm.library_of(info.id), info.country_name)
    out = Path(path) if path else default_output(info)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, logframe_xlsx(frame, f"Results framework: {info.country_name}, {info.round}"))
    return out, len(frame)
