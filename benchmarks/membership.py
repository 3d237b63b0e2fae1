"""What organisations in several groups cost: objective and time with and without them.

A generated roster (``pilotopt generate --organisations 120 --seed 1``: 13 groups of 6 to 12)
is solved three ways with the same seeds and time limit:

* ``single``: as generated, every organisation in one group;
* ``up_to``: the first ``--multi`` public and knowledge organisations (cities, colleges) get
  ``capacity`` 2 in the roster: each may join a second group (``up to``, the default);
* ``exact``: the same, with ``[membership] exact = true``: each must join two groups.

Per run: the memberships in the problem (organisations plus further copies), the objective,
complementarity and penalty, whether every hard rule holds, the memberships taken up beyond
the first, the time to the first assignment meeting every hard rule and the run's wall time
(the process's start-up included, as ``pilotopt solve`` counts it), status and gap. ``single``
runs are also scored as ``up_to`` assignments with no second membership taken (``as_up_to``):
what the multi-members add over the same grouping without them.

Writes ``benchmarks/results/membership-<date>.csv`` (one row per variant and seed) and prints
the rows; the table in ``benchmarks/README.md`` is copied from it.

    python benchmarks/membership.py
    python benchmarks/membership.py --organisations 60 --seeds 1 --time-limit 5
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from pilotopt import Params, evaluate, solve
from pilotopt.generate import write_instance
from pilotopt.instance import load_instance

HERE = Path(__file__).resolve().parent
FIELDS = ["date", "commit", "organisations", "multi", "variant", "seed", "time_limit",
          "memberships", "objective", "complementarity", "penalty", "feasible", "taken",
          "first_feasible_s", "runtime_s", "status", "gap", "as_up_to"]


def with_capacity(roster: Path, out: Path, multi: int) -> list[str]:
    """``roster`` with a ``capacity`` column: 2 for its first ``multi`` public and knowledge
    organisations. Returns their ids."""
    with roster.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    chosen = [r["id"] for r in rows if r["economy"] in ("public", "knowledge")][:multi]
    for r in rows:
        r["capacity"] = "2" if r["id"] in chosen else ""
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return chosen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--organisations", type=int, default=120)
    ap.add_argument("--multi", type=int, default=8, help="organisations given capacity 2")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    today = dt.date.today().isoformat()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=HERE).stdout.strip()
    out = args.out or HERE / "results" / f"membership-{today}.csv"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        write_instance(d, args.organisations, seed=1)
        with_capacity(d / "roster.csv", d / "multi.csv", args.multi)
        scenario = (d / "scenario.toml").read_text(encoding="utf-8")
        (d / "exact.toml").write_text(scenario + "\n[membership]\nexact = true\n",
                                      encoding="utf-8")
        variants = {"single": (d / "roster.csv", d / "scenario.toml"),
                    "up_to": (d / "multi.csv", d / "scenario.toml"),
                    "exact": (d / "multi.csv", d / "exact.toml")}
        up_to = load_instance(*variants["up_to"]).problem
        for seed in range(1, args.seeds + 1):
            for variant, (roster, scen) in variants.items():
                problem = load_instance(roster, scen).problem
                result = solve(problem, Params(time_limit=args.time_limit, seed=seed))
                ev = result.evaluation
                placed = result.assignment >= 0
                trace = [t for t in result.stats.trace if t[2]]
                as_up_to = ""
                if variant == "single":
                    assert up_to.roster_index is not None
                    lifted = np.where(up_to.further, -1, result.assignment[up_to.roster_index])
                    as_up_to = f"{evaluate(up_to, lifted).objective:.1f}"
                rows.append({
                    "date": today, "commit": commit, "organisations": args.organisations,
                    "multi": args.multi, "variant": variant, "seed": seed,
                    "time_limit": args.time_limit, "memberships": problem.n,
                    "objective": f"{ev.objective:.1f}",
                    "complementarity": f"{ev.complementarity:.1f}",
                    "penalty": f"{ev.penalty:.1f}", "feasible": ev.feasible,
                    "taken": int((placed & problem.further).sum()),
                    "first_feasible_s": f"{trace[0][0]:.2f}" if trace else "",
                    "runtime_s": f"{result.runtime:.2f}", "status": result.status.value,
                    "gap": f"{result.gap:.4f}" if result.gap is not None else "",
                    "as_up_to": as_up_to,
                })
                print(rows[-1], flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
