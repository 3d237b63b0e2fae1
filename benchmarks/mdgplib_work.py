"""MDGPLIB at equal work: the dense search alone with the one-worker work budget, no clock.

``pilotopt solve --workers 1`` ends its search on a work budget, ``(limit - outputs - startup)
* 0.97 - 0.1`` seconds at the calibrated rate (see :mod:`pilotopt.solve.calibration`; ``outputs``
is the reserve for writing the outputs, from the problem's size), unless the clock comes first,
which it does on a loaded machine. (Before 2026-12-03 evening: ``(limit - startup) * 0.9``; the
CSVs of 2026-12-03 were made with that.) This script gives each instance exactly that budget
from a calibration file and no time limit, so two versions of the search compare at equal work
whatever the load (the search starts from its own construction, as ``solve`` does on MDGPLIB
files):

    PILOTOPT_CALIBRATION=cal.json python benchmarks/mdgplib_work.py --sizes 120 --seeds 1,2,3
    PILOTOPT_CALIBRATION=cal.json python benchmarks/mdgplib_work.py --sizes 240 --seeds 1 \\
        --out results/mdgplib-work-n240.csv

Prints one line per run (gap to ``bks.csv``, iterations, iteration of the best, the thread's
CPU seconds) and the mean and max gap overall and per family (Geo/RanInt/RanReal, ss/ds).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from pathlib import Path

import numpy as np

from pilotopt.io.mdgplib import read_mdgplib
from pilotopt.problem import SCALE, Problem
from pilotopt.report.summary import output_seconds
from pilotopt.solve.calibration import load
from pilotopt.solve.orchestration import WORK_MARGIN, WORK_SHARE
from pilotopt.solve.search.tabu import local_search, warm_up

LIMITS = {120: 3.0, 240: 20.0, 480: 120.0}


def _seconds(problem: Problem, limit: float, startup: float) -> float:
    """The search's seconds of work in ``pilotopt solve --workers 1 --explain-limit 0`` on an
    MDGPLIB file (the calibration's two rates: equal budgets whatever the version measured)."""
    rest, _ = output_seconds(problem, 0, False, False, False)
    reserve = min(0.3 * limit, rest)
    return max(0.05, (limit - reserve - startup) * WORK_SHARE - WORK_MARGIN)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, default=Path("/work/shared/instances/mdgplib"))
    ap.add_argument("--sizes", default="120")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--filter", default="", help="regex on instance names")
    ap.add_argument("--out", type=Path, default=None, help="per-run CSV")
    args = ap.parse_args()
    cal = load()
    if cal is None:
        sys.exit("no calibration: set PILOTOPT_CALIBRATION to a calibration file")
    with open(args.dir / "bks.csv", newline="") as fh:
        bks = {r["instance"]: float(r["bks"]) for r in csv.DictReader(fh)}
    sizes = {int(x) for x in args.sizes.split(",")}
    seeds = [int(x) for x in args.seeds.split(",")]
    warm_up(ruled=False)
    rows: list[dict[str, object]] = []
    for f in sorted(args.dir.glob("*.txt")):
        mt = re.search(r"_n(\d+)_", f.name)
        if not mt or int(mt.group(1)) not in sizes or not re.search(args.filter, f.stem):
            continue
        n = int(mt.group(1))
        problem = read_mdgplib(f)
        for seed in seeds:
            c0 = time.thread_time()
            _, st = local_search(problem, None, None, seed,
                                 work=(_seconds(problem, LIMITS[n], cal.startup), cal.rates))
            cpu = time.thread_time() - c0
            gap = (bks[f.stem] - st["objective"] / SCALE) / bks[f.stem] * 100
            rows.append({"instance": f.stem, "n": n, "seed": seed, "gap_percent": round(gap, 4),
                         "iterations": st["iterations"], "best_at": st["iterations_to_best"],
                         "cpu": round(cpu, 2)})
            print(f"{f.stem:22s} seed {seed}  gap {gap:8.4f} %  it {st['iterations']:8d}  "
                  f"best at {st['iterations_to_best']:8d}  cpu {cpu:6.2f} s", flush=True)
    if not rows:
        sys.exit("no instance matched")
    gaps = np.array([r["gap_percent"] for r in rows], dtype=float)
    print(f"all: runs {len(gaps)}  mean {gaps.mean():.4f} %  max {gaps.max():.4f} %")
    for family in ("Geo", "RanInt", "RanReal"):
        for kind in ("ss", "ds"):
            g = [float(str(r["gap_percent"])) for r in rows if re.match(
                 f"{family}_n\\d+_{kind}_", str(r["instance"]))]
            if g:
                print(f"{family} {kind}: mean {np.mean(g):.4f} %  max {np.max(g):.4f} %")
    if args.out:
        with args.out.open("w", newline="") as fh:
            w = csv.DictWriter(fh, list(rows[0]))
            w.writeheader()
            w.writerows(rows)


if __name__ == "__main__":
    main()
