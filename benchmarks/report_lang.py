"""A country's report in French against English: wall time, median of runs.

Loads the demo (fictional XAT, XBO, XSY) into a fresh SQLite database, then builds one country's
report once per language per run (after one untimed build in each: imports and caches),
alternating the languages so that other load on a shared machine falls on both alike. It prints
each run's seconds, the median per language and the ratio of the medians (the cost of the
translation: the translated framework and action library, the catalogues, the Babel formats).

Two routes:

* ``--route report`` (default): in one process, what the batch does after the notebooks ran:
  ``load_report_data(..., lang=)`` (read, translate, score, road map) and ``build_report`` (HTML
  and PDF), each pillar's report cells holding a table of its sub-areas and the report's
  sub-area chart (as a pillar page displays them);
* ``--route batch``: ``workbook batch --country XAT --lang L --no-brief --no-comparison --force``
  as a command (the pillar notebooks executed through papermill, then the report).

    .venv/bin/python benchmarks/report_lang.py                        # XAT, en and fr, 3 runs each
    .venv/bin/python benchmarks/report_lang.py --runs 5 --lang ar --route batch --format html
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def run_batch(url: str, out: Path, country: str, lang: str, formats: str) -> float:
    """Seconds of one ``workbook batch`` for one country in one language (fails loudly)."""
    cmd = [str(BIN / "workbook"), "--db-url", url, "batch", "--country", country, "--lang", lang,
           "--format", formats, "--no-brief", "--no-comparison", "--force", "--quiet", "--jobs", "1",
           "--output-dir", str(out)]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ | {"WORKBOOK_LANG": ""})
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"workbook batch --lang {lang} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds


def pillar_notebooks(data) -> dict:
    """Each pillar's notebook as papermill leaves it, reduced to its ``report`` cells: a table of
    its sub-areas and the report's sub-area chart (``present.charts.subarea_chart``)."""
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from workbook.present.charts import subarea_chart
    from workbook.present.html import format_score, table
    from workbook.report import REPORT_TAG
    out = {}
    for p in data.framework.pillars:
        sub = data.scores.subareas[data.scores.subareas["pillar_id"] == p.id]
        chart = subarea_chart(sub, p.name)
        rows = [[f"{r.subarea_id} {r.subarea}", format_score(r.score)] for r in sub.itertuples()]
        html = table(f"{p.name}: {data.info.country_code} {data.info.label}", ["Sub-area", "Score"], rows,
                     numeric=(1,))
        out[p.id] = new_notebook(cells=[
            new_code_cell("page.scores_table()", metadata={"tags": [REPORT_TAG]},
                          outputs=[new_output("display_data", data={"text/html": html})]),
            new_code_cell("page.chart()", metadata={"tags": [REPORT_TAG]},
                          outputs=[new_output("display_data", data={"image/svg+xml": chart.svg,
                                                                    "text/plain": chart.alt})])])
    return out


def build_in_process(url: str, out: Path, country: str, lang: str, formats: str) -> float:
    """Seconds to read, score and print one country's report in ``lang`` (the batch's report step)."""
    from workbook.report import build_report, load_report_data
    from workbook.store import Store
    start = time.perf_counter()
    data = load_report_data(country, store=Store(url), lang=lang)
    folder = out / lang
    folder.mkdir(parents=True, exist_ok=True)
    build_report(data, pillar_notebooks(data), folder / "report.html" if "html" in formats else None,
                 pdf=folder / "report.pdf" if "pdf" in formats else None)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--country", default="XAT", help="a demo country (default: XAT)")
    parser.add_argument("--lang", default="fr", help="the language set against English (default: fr)")
    parser.add_argument("--runs", type=int, default=3, help="runs per language (default: 3)")
    parser.add_argument("--format", default="html,pdf", help="report formats (default: html,pdf)")
    parser.add_argument("--route", choices=("report", "batch"), default="report",
                        help="report: the report step in this process (default); batch: workbook batch")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    langs = ["en", args.lang]
    with tempfile.TemporaryDirectory(prefix="bench-lang-") as tmp:
        url = f"sqlite:///{tmp}/workbook.db"
        for step in (["db", "upgrade"], ["demo", "--quiet"]):
            subprocess.run([str(BIN / "workbook"), "--db-url", url, *step], check=True, capture_output=True)
        build = run_batch if args.route == "batch" else build_in_process
        for lang in langs:  # not timed: imports, font and framework caches, the first PDF engine start
            build(url, Path(tmp) / "warm-up", args.country, lang, args.format)
        times: dict[str, list[float]] = {lang: [] for lang in langs}
        for k in range(args.runs):
            for lang in (langs if k % 2 == 0 else langs[::-1]):
                s = build(url, Path(tmp) / "outputs", args.country, lang, args.format)
                times[lang].append(s)
                print(f"run {k + 1} {lang}: {s:.1f} s", flush=True)
        medians = {lang: statistics.median(v) for lang, v in times.items()}
        for lang in langs:
            print(f"{args.country} report ({args.format}, route {args.route}) in {lang}: median {medians[lang]:.1f} s "
                  f"over {args.runs} runs ({', '.join(f'{s:.1f}' for s in times[lang])})")
        print(f"{args.lang}/en: {medians[args.lang] / medians['en']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
