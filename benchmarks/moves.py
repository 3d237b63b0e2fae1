"""Time of the what-if API (:mod:`pilotopt.moves`): pricing a move, a swap, and making a move.

For each roster (instances/flanders-300, and a generated one of 20,000 organisations:
``pilotopt generate --organisations 20000 --seed 1``) the organisations are dealt in a seeded
random order into the scenario's groups (even sizes: what a move costs depends on the group
sizes and each organisation's pairs and tags, not on how good the assignment is). Then, with
the same seed:

* ``move``: a random organisation priced in a random other group;
* ``swap``: two random organisations of different groups priced trading places;
* ``apply``: a random move priced and made (the assignment drifts as it goes);
* ``explain``: :func:`pilotopt.explain.explain` of one random organisation (``build_s`` here:
  the explainer's own start, what every organisation each earns now included), and ``fit``
  of one random organisation as if it were a late registration; ``--explain-samples`` each;
* ``explain_all``: every organisation explained in one call (what ``solve`` writes into
  result.json and the report), once, for rosters of at most ``--explain-all`` organisations.

Writes ``benchmarks/results/moves-<date>.csv`` (one row per roster and operation) and prints the
rows; the table in ``benchmarks/README.md`` is copied from it. Targets (issue 13): under 5 ms
per move at 300 organisations, under 50 ms at 20,000; (issue 14) explaining every organisation
under 2 s at 300 and 20 s at 3,000. Sizes with a folder ``instances/flanders-<size>`` read it.

    python benchmarks/moves.py
    python benchmarks/moves.py --samples 200 --sizes 300
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from pilotopt.explain import explain, fit
from pilotopt.generate import write_instance
from pilotopt.instance import load_instance
from pilotopt.moves import WhatIf
from pilotopt.problem import IntArray, Problem

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIELDS = ["date", "commit", "roster", "n", "groups", "operation", "samples", "mean_ms",
          "median_ms", "p95_ms", "max_ms", "cpu_mean_ms", "build_s"]


def dealt(problem: Problem, seed: int) -> IntArray:
    """The organisations in a seeded random order, dealt to the groups in turn."""
    order = np.random.default_rng(seed).permutation(problem.n)
    a = np.empty(problem.n, dtype=np.int64)
    a[order] = np.arange(problem.n) % problem.m
    return a


def timed(samples: int, step: Callable[[], object]) -> tuple[list[float], float]:
    """Milliseconds of each of ``samples`` calls, and their mean processor time (what a
    loaded machine's waits for a core do not inflate)."""
    out = []
    cpu = time.process_time()
    for _ in range(samples):
        t0 = time.perf_counter()
        step()
        out.append((time.perf_counter() - t0) * 1e3)
    return out, (time.process_time() - cpu) * 1e3 / max(samples, 1)


def measure(name: str, problem: Problem, samples: int, seed: int,
            explain_samples: int, explain_all: int = 0) -> list[dict[str, object]]:
    a = dealt(problem, seed)
    t0 = time.perf_counter()
    w = WhatIf(problem, a)
    build = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    n, m = problem.n, problem.m

    def other_group(i: int) -> int:
        return int((w.group_of(i) + rng.integers(1, m)) % m)

    def move() -> object:
        i = int(rng.integers(n))
        return w.move(i, other_group(i))

    def swap() -> object:
        i, j = (int(x) for x in rng.integers(n, size=2))
        while w.group_of(j) == w.group_of(i):
            j = int(rng.integers(n))
        return w.swap(i, j)

    def apply() -> object:
        i = int(rng.integers(n))
        return w.apply(w.move(i, other_group(i)))

    timed(min(samples, 20), move)  # first calls pay for imports and caches
    rows = []
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    def explain_one() -> object:
        return explain(problem, a, [int(rng.integers(n))])

    def fit_one() -> object:
        return fit(problem, a, int(rng.integers(n)))

    def explain_every() -> object:
        return explain(problem, a)

    for op, step, k in (("move", move, samples), ("swap", swap, samples),
                        ("apply", apply, samples), ("explain", explain_one, explain_samples),
                        ("fit", fit_one, explain_samples),
                        ("explain_all", explain_every, int(n <= explain_all))):
        if not k:
            continue
        wall, cpu = timed(k, step)
        ms = sorted(wall)
        rows.append({
            "date": dt.date.today().isoformat(), "commit": commit, "roster": name, "n": n,
            "groups": m, "operation": op, "samples": k,
            "mean_ms": round(statistics.fmean(ms), 4), "median_ms": round(ms[len(ms) // 2], 4),
            "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 4), "max_ms": round(ms[-1], 4),
            "cpu_mean_ms": round(cpu, 4),
            "build_s": round(build, 3)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="300,20000",
                    help="300 and 3000 read instances/flanders-<size>; other sizes are generated")
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--explain-samples", type=int, default=10)
    ap.add_argument("--explain-all", type=int, default=3000,
                    help="explain every organisation once on rosters up to this size")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            if (ROOT / "instances" / f"flanders-{size}").is_dir():
                folder, name = ROOT / "instances" / f"flanders-{size}", f"flanders-{size}"
            else:
                folder, name = Path(tmp) / str(size), f"generated-{size} (seed 1)"
                write_instance(folder, size, None, 1)
            problem = load_instance(folder / "roster.csv", folder / "scenario.toml").problem
            for row in measure(name, problem, args.samples, args.seed, args.explain_samples,
                               args.explain_all):
                print(row, flush=True)
                rows.append(row)
    out = HERE / "results" / f"moves-{dt.date.today().isoformat()}.csv"
    with out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
