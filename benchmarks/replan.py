"""Re-planning after one drop-out: how many organisations move, and how many pairs of the
previous groups stay together, without and with a stability rule.

On a roster and its scenario (default instances/flanders-300), with one seed and time limit for
every solve:

1. the roster is solved: the previous assignment;
2. one organisation is removed (default: the one in the middle of the roster, then one whose
   leaving breaks a hard rule of its group: the only social-economy member of a smallest
   group);
3. the rest is solved again as before (same seed, no previous assignment): ``none``;
4. and with the previous assignment (``solve --previous``) and each stability rule of
   ``VARIANTS`` added to the scenario.

For each solve: organisations moved (of those still in the roster), pairs of the previous
groups still together, the objective and whether every hard rule holds. Writes
``benchmarks/results/replan-<date>.csv`` and prints it as the table in ``benchmarks/README.md``.

    python benchmarks/replan.py
    python benchmarks/replan.py --time-limit 10 --seed 2 --drop org-000017 --out replan.csv
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from pilotopt.instance import Instance, load_instance
from pilotopt.io.assignment import read_previous
from pilotopt.io.outputs import assignment_csv
from pilotopt.problem import IntArray
from pilotopt.replan import continuity
from pilotopt.solve import Params, solve

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: The stability rules tried, by name (TOML appended to the scenario).
VARIANTS = {
    "soft, weight 5": 'kind = "stability"\nweight = 5\n',
    "soft, weight 50": 'kind = "stability"\nweight = 50\n',
    "hard, at most 3 moves": 'kind = "stability"\nmax_moves = 3\n',
}
FIELDS = ["date", "commit", "roster", "n", "groups", "dropped", "seed", "time_limit", "workers",
          "load", "variant", "moved", "had_group", "pairs_kept", "pairs_before", "objective",
          "feasible"]


def forcing(instance: Instance, assignment: IntArray) -> str:
    """An organisation whose leaving breaks a hard rule of its group: the only social-economy
    member of a smallest group, else any member of a smallest group."""
    assert instance.orgs is not None
    sizes = np.bincount(assignment, minlength=instance.problem.m)
    smallest = np.flatnonzero(sizes == sizes.min())
    members = [i for i in range(instance.problem.n) if assignment[i] in smallest]
    social = [i for i in members if instance.orgs[i].economy.value == "social"]
    alone = [i for i in social
             if sum(assignment[j] == assignment[i] for j in social) == 1]
    return instance.problem.ids[(alone or members)[0]]


def without(roster: Path, drop: str, out: Path) -> None:
    """Write ``roster`` without the organisation ``drop`` to ``out``."""
    with roster.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = list(reader.fieldnames or []), list(reader)
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(r for r in rows if r["id"] != drop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roster", type=Path, default=ROOT / "instances/flanders-300/roster.csv")
    parser.add_argument("--scenario", type=Path,
                        default=ROOT / "instances/flanders-300/scenario.toml")
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None,
                        help="the CSV to write (default results/replan-<date>.csv)")
    parser.add_argument("--drop", nargs="*", default=None,
                        help="ids to remove, one at a time (default: the middle organisation, "
                             "and one whose leaving breaks a hard rule of its group)")
    args = parser.parse_args()
    params = Params(time_limit=args.time_limit, seed=args.seed, workers=args.workers)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT, check=False).stdout.strip()
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        loaded = load_instance(args.roster, args.scenario)
        first = loaded.problem
        before = solve(first, params)
        previous = work / "previous.csv"
        previous.write_text(assignment_csv(first, before.assignment), encoding="utf-8")
        earlier = read_previous(previous, first.group_names)
        roster = work / "roster.csv"
        text = args.scenario.read_text(encoding="utf-8")
        drops = args.drop or [first.ids[first.n // 2], forcing(loaded, before.assignment)]
        for gone, (variant, rule) in itertools.product(drops, {"none": "", **VARIANTS}.items()):
            without(args.roster, gone, roster)
            scenario = work / "scenario.toml"
            scenario.write_text(text + (f"\n[[rules]]\n{rule}" if rule else ""),
                                encoding="utf-8")
            instance = load_instance(roster, scenario, previous_path=previous if rule else None)
            result = solve(instance.problem, params)
            kept = continuity(instance.problem, earlier, result.assignment)
            rows.append({
                "date": dt.date.today().isoformat(), "commit": commit,
                "roster": str(args.roster.relative_to(ROOT)), "n": instance.problem.n,
                "groups": instance.problem.m, "dropped": gone, "seed": args.seed,
                "time_limit": args.time_limit, "workers": args.workers,
                "load": f"{os.getloadavg()[0]:.1f}", "variant": variant,
                "moved": len(kept.moved), "had_group": kept.had, "pairs_kept": kept.kept,
                "pairs_before": kept.pairs, "objective": result.objective,
                "feasible": result.evaluation.feasible,
            })
            print(rows[-1], flush=True)
    out = args.out or HERE / "results" / f"replan-{dt.date.today().isoformat()}.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {out}\n")
    print("| dropped | stability rule | moved | pairs still together | objective | hard rules "
          "hold |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['dropped']} | {r['variant']} | {r['moved']} of {r['had_group']} | "
              f"{r['pairs_kept']} of "
              f"{r['pairs_before']} | {r['objective']} | {'yes' if r['feasible'] else 'no'} |")


if __name__ == "__main__":
    main()
