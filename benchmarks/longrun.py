"""How close is a short run to what a long run finds? The objective of `pilotopt solve` at short
limits against the best of a long run on the same case, with the reported bound beside it.

    python benchmarks/longrun.py --reference 600 --workers 1          # the long runs only
    python benchmarks/longrun.py --limits 10,30 --reference-csv results/longrun-....csv

Cases: the demo roster with each preset of ``models/`` and ``instances/flanders-300``. Each run
is one ``pilotopt solve`` process (seed 1, explanations off). Writes
``benchmarks/results/longrun-<date>[-k].csv`` (case, limit, workers, objective, bound, wall time,
the gap the run reported and the ratio of its objective to the reference) and prints the table.
With ``--reference-csv`` the reference objectives come from an earlier run-set's CSV (its
longest limit per case), so the long runs can be made once.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from installed import compile_bytecode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CASES = {
    "demo/esf-proeftuin": ("instances/demo/roster.csv", "models/esf-proeftuin.toml"),
    "demo/social-circular-hub": ("instances/demo/roster.csv", "models/social-circular-hub.toml"),
    "demo/mdgp": ("instances/demo/roster.csv", "models/mdgp.toml"),
    "flanders-300": ("instances/flanders-300/roster.csv", "instances/flanders-300/scenario.toml"),
}
FIELDS = ["case", "limit", "workers", "seed", "objective", "bound", "reported_gap", "wall",
          "reference", "ratio"]


def _run(case: str, limit: float, workers: str, seed: int) -> dict[str, object]:
    roster, scenario = CASES[case]
    script = Path(sys.executable).parent / "pilotopt"
    with tempfile.TemporaryDirectory() as out:
        argv = [str(script), "solve", roster, "-s", scenario, "-t", f"{limit:g}", "--seed",
                str(seed), "-q", "--explain-limit", "0", "--out", out]
        if workers != "default":
            argv += ["--workers", workers]
        t0 = time.perf_counter()
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            sys.exit(f"{case} at {limit:g} s failed ({proc.returncode}):\n{proc.stderr}")
        res = json.loads((Path(out) / "result.json").read_text())
    return {"case": case, "limit": limit, "workers": workers, "seed": seed,
            "objective": res["objective"], "bound": res.get("bound"),
            "reported_gap": res.get("gap"), "wall": round(wall, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limits", default="", help="short limits in seconds, comma-separated")
    ap.add_argument("--reference", type=float, default=None, help="the long run's limit (s)")
    ap.add_argument("--reference-csv", type=Path, default=None,
                    help="take the reference objectives from this earlier CSV instead")
    ap.add_argument("--workers", default="default", help="pilotopt --workers, or 'default'")
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated case names")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    compile_bytecode()  # as pip install . does, untimed
    cases = [c for c in args.cases.split(",") if c]
    limits = [float(x) for x in args.limits.split(",") if x]
    rows: list[dict[str, object]] = []
    reference: dict[str, float] = {}
    if args.reference_csv is not None:
        with args.reference_csv.open(newline="") as fh:
            old = list(csv.DictReader(fh))
        for case in cases:
            mine = [r for r in old if r["case"] == case]
            if mine:
                longest = max(float(r["limit"]) for r in mine)
                reference[case] = max(float(r["objective"]) for r in mine
                                      if float(r["limit"]) == longest)
    for case in cases:
        if args.reference is not None:
            row = _run(case, args.reference, args.workers, args.seed)
            reference[case] = max(reference.get(case, float("-inf")), float(row["objective"]))
            rows.append(row)
            print(row, flush=True)
        for limit in limits:
            row = _run(case, limit, args.workers, args.seed)
            rows.append(row)
            print(row, flush=True)
    for row in rows:
        ref = reference.get(str(row["case"]))
        row["reference"] = ref
        row["ratio"] = None if not ref else round(float(str(row["objective"])) / ref, 4)
    out = HERE / "results" / f"longrun-{date.today().isoformat()}.csv"
    k = 2
    while out.exists():
        out = out.with_name(f"longrun-{date.today().isoformat()}-{k}.csv")
        k += 1
    with out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    print("\n| case | limit (s) | workers | objective | reference | ratio | bound | reported "
          "gap |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        gap = "" if r["reported_gap"] is None else f"{100 * float(str(r['reported_gap'])):.1f} %"
        print(f"| {r['case']} | {r['limit']:g} | {r['workers']} | {r['objective']} | "
              f"{r['reference']} | {r['ratio']} | {r['bound']} | {gap} |")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
