"""Road-map benchmark: the funded road map (packages, costing, commitment, donor view) for N
generated countries, against the round-1 suggestion list built side by side.

Generates N fictional countries (``benchmarks/batch.py``'s generator: every indicator rated, with
evidence) in a fresh SQLite database, gives each random counts of posts, booths, officers and
regions, then per country times

(a) the baseline: the round-1 suggestion list (``RoadmapStore.suggest``, every horizon);
(b) the road map: the investment packages, the commitment of up to 30 of those that close a gap
    (most gaps first), the costing of every package (``FundingStore.road_map``) and the donor
    view of the committed ones (``donors.donor_view``).

It prints the median and 90th percentile seconds per country of each, and the ratio (b)/(a) of
the medians.

    .venv/bin/python benchmarks/roadmap_195.py                  # 195 countries
    .venv/bin/python benchmarks/roadmap_195.py --countries 10   # a quick look
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch import ROUND, generate  # noqa: E402
from workbook.roadmap.donors import donor_view  # noqa: E402
from workbook.roadmap.funding import TYPICAL_SIZE, FundingStore  # noqa: E402
from workbook.roadmap.packages import package_cycles  # noqa: E402
from workbook.store import Store  # noqa: E402

WHO = "benchmark"


def p90(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]


def counts(rng: random.Random) -> list[dict]:
    """Plausible counts with a range where a team would be unsure."""
    posts = [{"measure": "post", "kind": k, "low": n, "high": n + rng.randint(0, 2)}
             for k, n in (("air", rng.randint(1, 6)), ("land", rng.randint(0, 30)), ("sea", rng.randint(0, 8)))]
    officers = rng.randint(200, 8000)
    return posts + [{"measure": "booth", "low": rng.randint(10, 300)},
                    {"measure": "officer", "low": officers, "high": int(officers * 1.1)},
                    {"measure": "region", "low": rng.randint(2, 20)}]


def one_country(funding: FundingStore, code: str, rng: random.Random) -> tuple[float, float, int, int]:
    """(baseline seconds, road-map seconds, packages, committed) for one country."""
    a = funding.store.get_assessment(code, ROUND)
    funding.set_quantities(a.id, counts(rng), by=WHO)
    t0 = time.perf_counter()
    funding.suggest(a.id)
    baseline = time.perf_counter() - t0
    t0 = time.perf_counter()
    packs = [p for p in funding.packages(a.id) if p.gaps]
    chosen = [p.id for p in sorted(packs, key=lambda p: (-len(p.gaps), p.id))][:30]
    while cycles := package_cycles(packs, set(chosen)):  # commit refuses a circular prerequisite
        chosen.remove(cycles[0][-1])
    note = "" if TYPICAL_SIZE[0] <= len(chosen) <= TYPICAL_SIZE[1] else "benchmark: every package with a gap"
    funding.commit(a.id, chosen, note=note, by=WHO)
    road = funding.road_map(a.id)
    donor_view(road, funding.initiatives_frame(code), a.created_at.date())
    return baseline, time.perf_counter() - t0, len(road.table), len(road.committed)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--countries", type=int, default=195)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="roadmap-bench-") as work:
        url = f"sqlite:///{Path(work) / 'bench.db'}"
        t0 = time.perf_counter()
        codes = generate(url, args.countries, seed=args.seed)
        print(f"generated {len(codes)} countries in {time.perf_counter() - t0:.1f} s", flush=True)
        funding = FundingStore(Store(url))
        rng = random.Random(args.seed)
        base, road, sizes = [], [], []
        for code in codes:
            b, r, n, k = one_country(funding, code, rng)
            base.append(b)
            road.append(r)
            sizes.append((n, k))
        print(f"countries: {len(codes)}; packages per country: median {statistics.median(n for n, _ in sizes):g}, "
              f"committed median {statistics.median(k for _, k in sizes):g}")
        print(f"(a) round-1 suggestion list: median {statistics.median(base):.3f} s, p90 {p90(base):.3f} s per country")
        print(f"(b) road map (packages, commitment, costing, donor view): median {statistics.median(road):.3f} s, "
              f"p90 {p90(road):.3f} s per country")
        print(f"ratio (b)/(a) of the medians: {statistics.median(road) / statistics.median(base):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
