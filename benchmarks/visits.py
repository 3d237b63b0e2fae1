"""Time per visit of the large-instance search, against n, with and without the rules.

A sweep is n visits, so "time per sweep grows at most linearly with n" means a flat time per
visit. For each size (generated as in ``scale.py``: N organisations in N // 10 groups) this
builds :class:`pilotopt.solve.search.sampled.LargeSearch` in this process, repairs until every
hard rule holds, then times ``--visits`` visits of descent (temperature 0) in three variants of
the same roster:

* ``all``: the generated scenario;
* ``no apart``: without the competitor rule (whose lists grow with the roster's density);
* ``sizes only``: pair scores and group sizes, no other rule.

Alongside: candidate groups and moves per visit (the work a visit does) and hard pairs per
organisation. Writes ``benchmarks/results/visits-<date>.csv``.

    python benchmarks/visits.py
    python benchmarks/visits.py --sizes 300,3000 --visits 20000
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from pilotopt.generate import write_instance
from pilotopt.instance import load_instance
from pilotopt.problem import GroupSum, PairLink, Problem
from pilotopt.solve.search import sampled as L

HERE = Path(__file__).resolve().parent
FIELDS = ["n", "groups", "variant", "visits", "us_per_visit", "sweep_s", "candidate_groups",
          "moves_per_visit", "hard_pairs_per_organisation"]


def variants(p: Problem) -> dict[str, Problem]:
    def keep(ok: object) -> Problem:
        return replace(p, primitives=tuple(q for q in p.primitives if ok(q)))  # type: ignore[operator]

    def sizes(q: object) -> bool:
        return isinstance(q, GroupSum) and q.hard and bool(np.all(q.w == 1))

    return {"all": p, "no apart": keep(lambda q: not isinstance(q, PairLink)),
            "sizes only": keep(sizes)}


def measure(problem: Problem, visits: int, seed: int) -> dict[str, float]:
    s = L.LargeSearch(problem, seed)
    for _ in range(50):
        if s.hard_violation == 0:
            break
        s.repair_round()
    s.search(min(visits, 2000), 0.0)
    t0 = time.perf_counter()
    s.search(visits, 0.0)
    per = (time.perf_counter() - t0) / visits
    rng = np.random.default_rng(seed)
    groups = moves = 0
    sample = rng.integers(0, problem.n, size=2000)
    for i in sample.tolist():
        k = L._candidates(s.D, s.S, i, False, s.cand)
        groups += k
        moves += k + int(s.S.size[s.cand[:k]].sum())
    return {"us_per_visit": per * 1e6, "sweep_s": per * problem.n,
            "candidate_groups": groups / len(sample), "moves_per_visit": moves / len(sample),
            "hard_pairs_per_organisation": (len(s.D.hn) / problem.n)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="300,3000,20000,100000")
    ap.add_argument("--visits", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    L.warm_up()
    out = HERE / "results" / f"visits-{dt.date.today().isoformat()}.csv"
    with open(out, "w", newline="") as fh, tempfile.TemporaryDirectory() as tmp:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for n in sorted(int(x) for x in args.sizes.split(",") if x):
            d = Path(tmp) / f"n{n}"
            write_instance(d, n, n // 10, seed=args.seed)
            problem = load_instance(d / "roster.csv", d / "scenario.toml").problem
            for name, prob in variants(problem).items():
                row = {"n": n, "groups": n // 10, "variant": name, "visits": args.visits,
                       **{k: round(v, 4) for k, v in measure(prob, args.visits,
                                                             args.seed).items()}}
                writer.writerow(row)
                fh.flush()
                print("  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    print(f"results: {out}")


if __name__ == "__main__":
    main()
