"""Time of one iteration of the dense search (a full scan of every relocation and swap, and the
move made), with pair scores alone and with every rule kind.

The problems are drawn from a seed (random scores in -20..99, per-group size bounds; with rules:
a soft and a hard quota, together/apart pairs, allowed groups, no-isolation, coverage of 4 tags,
and a balance rule). Each is searched ``--repeats`` times for ``--iterations`` iterations after
one warm-up call (compilation or cache load). Each row gives the fastest and the median repeat,
in wall-clock and in the thread's CPU time per iteration (on a shared machine the CPU time is the
steadier figure; compare figures taken together, alternating the codes, not across days).

The script runs on the current search (:mod:`pilotopt.solve.search.tabu`) and on the one before
the split (``pilotopt.solve.kernel``), whichever the interpreter imports, so that

    python benchmarks/iterations.py --label after
    /path/to/old/checkout/.venv/bin/python benchmarks/iterations.py --label before

append comparable rows to ``benchmarks/results/iterations-<date>.csv`` (``--out`` to choose).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import time
from pathlib import Path
from typing import Any

import numpy as np

from pilotopt.problem import (
    Allowed,
    Coverage,
    GroupSum,
    LeaveOut,
    MaxDeviation,
    NotExactlyOne,
    PairLink,
    Primitive,
    Problem,
    RuleInfo,
)

try:
    from pilotopt.solve.search.tabu import local_search
except ImportError:  # the search before the split
    from pilotopt.solve.kernel import local_search  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
FIELDS = ["date", "label", "n", "groups", "rules", "iterations", "repeats", "best_ms_per_it",
          "median_ms_per_it", "best_cpu_ms_per_it", "median_cpu_ms_per_it"]


def problem(seed: int, n: int, m: int, rules: bool) -> Problem:
    """Random scores and size bounds, and with ``rules`` one soft and one hard of each kind."""
    rng = np.random.default_rng(seed)
    s = np.triu(rng.integers(-20, 100, size=(n, n)), 1)
    score = (s + s.T).astype(np.int64)
    lo = np.full(m, n // m - 1, dtype=np.int64)
    hi = np.full(m, n // m + 1, dtype=np.int64)
    infos = [RuleInfo("groups.size", "size", "size", True)]
    prims: list[Primitive] = [GroupSum(0, np.ones(n, np.int64), lo, hi, True)]

    def rule(hard: bool) -> tuple[int, int]:
        infos.append(RuleInfo(f"r{len(infos)}", "x", "x", hard))
        return len(infos) - 1, 0 if hard else int(rng.integers(1, 50))

    if rules:
        for hard in (False, True):
            k, pen = rule(hard)
            prims.append(GroupSum(k, rng.integers(0, 4, size=n).astype(np.int64),
                                  np.full(m, 1, np.int64), np.full(m, 8, np.int64), hard, pen))
            for together in (True, False):
                k, pen = rule(hard)
                prims.append(PairLink(k, rng.integers(0, n, size=(3, 2)).astype(np.int64),
                                      together, hard, pen))
            k, pen = rule(hard)
            prims.append(Allowed(k, rng.random((n, m)) > 0.1, hard, pen))
            k, pen = rule(hard)
            prims.append(NotExactlyOne(k, (rng.random(n) < 0.3).astype(np.int64), hard, pen))
            k, pen = rule(hard)
            prims.append(Coverage(k, (rng.random((n, 4)) < 0.2).astype(np.int64),
                                  (rng.random((n, 4)) < 0.3).astype(np.int64), hard, pen))
        k, pen = rule(False)
        w = rng.integers(0, 30, size=n).astype(np.int64)
        prims.append(MaxDeviation(k, w, int(w.sum() // m), False, pen))
        k, pen = rule(False)
        chosen = (rng.random(n) < 0.2).astype(np.int64)
        prims.append(LeaveOut(k, chosen, 10 * chosen, int(chosen.sum()) - 2, False, pen))
    ids = tuple(str(i) for i in range(n))
    return Problem(ids, ids, tuple(f"G{g}" for g in range(m)), score, tuple(infos), tuple(prims))


def measure(p: Problem, iterations: int, repeats: int) -> tuple[list[float], list[float]]:
    """Milliseconds per iteration of each repeat (after one warm-up search): wall clock and the
    thread's CPU time (less sensitive to other processes on a shared machine)."""
    local_search(p, None, None, 0, max_iterations=50)
    wall, cpu = [], []
    for r in range(repeats):
        t0, c0 = time.perf_counter(), time.thread_time()
        _, stats = local_search(p, None, None, r, max_iterations=iterations)
        its = max(1, int(stats["iterations"]))
        wall.append(1000 * (time.perf_counter() - t0) / its)
        cpu.append(1000 * (time.thread_time() - c0) / its)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--label", default="current", help="names the code measured in the file")
    ap.add_argument("--sizes", default="60,120", help="n values (groups: n / 10)")
    ap.add_argument("--iterations", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--rules-only", action="store_true", help="skip the pair-score-only problems")
    ap.add_argument("--out", type=Path,
                    default=HERE / "results" / f"iterations-{dt.date.today()}.csv")
    args = ap.parse_args()
    rows: list[dict[str, Any]] = []
    for n in (int(x) for x in args.sizes.split(",")):
        for rules in (False, True):
            if args.rules_only and not rules:
                continue
            ms, cpu = measure(problem(1, n, n // 10, rules), args.iterations, args.repeats)
            rows.append({"date": dt.date.today().isoformat(), "label": args.label, "n": n,
                         "groups": n // 10, "rules": rules, "iterations": args.iterations,
                         "repeats": args.repeats, "best_ms_per_it": f"{min(ms):.4f}",
                         "median_ms_per_it": f"{float(np.median(ms)):.4f}",
                         "best_cpu_ms_per_it": f"{min(cpu):.4f}",
                         "median_cpu_ms_per_it": f"{float(np.median(cpu)):.4f}"})
            print(rows[-1])
    new = not args.out.exists()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a", newline="") as fh:
        w = csv.DictWriter(fh, FIELDS)
        if new:
            w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
