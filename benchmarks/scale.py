"""How time and memory grow with the roster: generated Flemish instances of 300 to 100,000.

For each size n (groups of about 10: ``n // 10`` groups), one seed:

1. ``pilotopt generate -n N -g N//10 --seed S --out TMP`` (timed, with its peak memory);
2. ``pilotopt solve TMP/roster.csv -s TMP/scenario.toml -t LIMIT --seed S -q --out RES`` in a
   fresh process, timed from spawn to exit, its peak resident memory read with
   ``resource.getrusage(RUSAGE_CHILDREN)`` by a small wrapper process that starts it alone.

From ``RES/result.json``: the time of the first assignment meeting every hard rule
(``stats.first_feasible_at``, counted like the limit from the process start), the best
objective found by 10 %, 50 % and 100 % of the limit (from ``stats.trace``; the last one is the
evaluator's), and the time per sweep of the local search (n visits, ``stats.large.sweep_time``).

    python benchmarks/scale.py                          # 300, 3,000, 20,000, 100,000
    python benchmarks/scale.py --sizes 300,3000 --factor 0.2 --no-table --label quick

Writes ``benchmarks/results/scale-<date>-<label>.csv`` and appends one row per size to the
scale table in ``benchmarks/README.md``, with the growth of sweep time and memory against the
previous size as an exponent (1.0 = linear in n).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mdgplib import _command, _commit  # noqa: E402  (same folder)

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
TABLE_END = "<!-- end of scale table -->"
#: Time limit per size in seconds (``--factor`` multiplies them): enough to reach the targets'
#: first feasible assignment (20,000: 60 s, 100,000: 10 min) and then search.
LIMITS = {300: 30.0, 3000: 60.0, 20000: 120.0, 100000: 600.0}
FIELDS = ["n", "groups", "seed", "time_limit", "generate_s", "generate_peak_mb",
          "first_feasible_s", "objective_10", "objective_50", "objective_100", "hard_ok",
          "visits", "sweep_s", "solve_peak_mb", "wall_s"]

#: Runs argv[1:] as its only child and prints the child's exit code and peak RSS in kB.
WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def measured(argv: list[str]) -> tuple[int, float, float]:
    """(exit code, wall seconds, peak memory in MB) of ``argv`` run alone in a wrapper."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", WRAPPER, *argv], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if out.returncode != 0 or not out.stdout.strip():
        sys.exit(f"wrapper failed for {argv}:\n{out.stderr}")
    code, kb = out.stdout.split()
    if int(code) != 0:
        sys.exit(f"{' '.join(argv)} exited with {code}:\n{out.stderr}")
    return int(code), wall, int(kb) / 1024


def best_by(trace: list[list[float]], seconds: float) -> float | None:
    """Best objective of an assignment meeting every hard rule found by ``seconds``."""
    found = [obj for t, obj, feasible in trace if feasible and t <= seconds]
    return max(found) if found else None


def exponent(a: float | None, b: float | None, n_a: int, n_b: int) -> str:
    """log(b / a) / log(n_b / n_a): 1.0 is linear growth."""
    if not a or not b or n_a == n_b:
        return "-"
    return f"{math.log(b / a) / math.log(n_b / n_a):.2f}"


def _fmt(x: float | None, digits: int = 1) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="300,3000,20000,100000", help="comma-separated n")
    ap.add_argument("--seed", type=int, default=1, help="seed of generator and solver")
    ap.add_argument("--factor", type=float, default=1.0, help="multiplies the time limits")
    ap.add_argument("--label", default=None, help="CSV name suffix (default: the sizes)")
    ap.add_argument("--note", default="", help="free text for the README table")
    ap.add_argument("--no-table", action="store_true", help="do not append to README.md")
    args = ap.parse_args()
    sizes = sorted(int(x) for x in args.sizes.split(",") if x)

    subprocess.run([sys.executable, "-c",  # the compile cache, untimed
                    "from pilotopt.solve.search.sampled import warm_up; warm_up()"], check=True)
    today = dt.date.today().isoformat()
    label = args.label or "-".join(str(n) for n in sizes)
    out = HERE / "results" / f"scale-{today}-{label}.csv"
    k = 2
    while out.exists():
        out = HERE / "results" / f"scale-{today}-{label}-{k}.csv"
        k += 1
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = _command()
    commit = _commit()
    rows: list[dict[str, object]] = []
    with open(out, "w", newline="") as fh, tempfile.TemporaryDirectory() as tmp:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for n in sizes:
            groups = max(1, n // 10)
            limit = LIMITS.get(n, 60.0) * args.factor
            inst, res = Path(tmp) / f"n{n}", Path(tmp) / f"n{n}-result"
            _, gen_s, gen_mb = measured(cmd + ["generate", "-n", str(n), "-g", str(groups),
                                               "--seed", str(args.seed), "--out", str(inst)])
            _, wall, peak = measured(cmd + [
                "solve", str(inst / "roster.csv"), "-s", str(inst / "scenario.toml"),
                "-t", f"{limit:g}", "--seed", str(args.seed), "-q", "--out", str(res)])
            result = json.loads((res / "result.json").read_text())
            stats = result["stats"]
            large = stats.get("large") or {}
            trace = stats.get("trace") or []
            row: dict[str, object] = {
                "n": n, "groups": groups, "seed": args.seed, "time_limit": limit,
                "generate_s": f"{gen_s:.1f}", "generate_peak_mb": f"{gen_mb:.0f}",
                "first_feasible_s": _fmt(stats.get("first_feasible_at"), 2),
                "objective_10": _fmt(best_by(trace, 0.1 * limit)),
                "objective_50": _fmt(best_by(trace, 0.5 * limit)),
                "objective_100": _fmt(float(result["objective"])),
                "hard_ok": "yes" if result["all_hard_rules_hold"] else "no",
                "visits": large.get("visits", ""),
                "sweep_s": _fmt(large.get("sweep_time"), 4),
                "solve_peak_mb": f"{peak:.0f}", "wall_s": f"{wall:.1f}",
            }
            writer.writerow(row)
            fh.flush()
            rows.append(row)
            print("  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    print(f"\nresults: {out}")
    if args.no_table:
        return
    lines = []
    prev: dict[str, object] | None = None
    for row in rows:
        n = int(str(row["n"]))
        sweep = float(str(row["sweep_s"])) if row["sweep_s"] else None
        mem = float(str(row["solve_peak_mb"]))
        grow_t = grow_m = "-"
        if prev is not None:
            pn = int(str(prev["n"]))
            grow_t = exponent(float(str(prev["sweep_s"])) if prev["sweep_s"] else None, sweep,
                              pn, n)
            grow_m = exponent(float(str(prev["solve_peak_mb"])), mem, pn, n)
        lines.append(
            f"| {today} | {commit} | {n} | {row['groups']} | {row['time_limit']:g} "
            f"| {row['generate_s']} | {row['first_feasible_s'] or 'none'} "
            f"| {row['objective_10'] or '-'} | {row['objective_50'] or '-'} "
            f"| {row['objective_100']} | {row['hard_ok']} | {row['sweep_s'] or '-'} | {grow_t} "
            f"| {row['solve_peak_mb']} | {grow_m} | {row['wall_s']} | {out.name} | {args.note} |")
        prev = row
    text = README.read_text()
    if TABLE_END not in text:
        print("README.md has no scale table; rows:\n" + "\n".join(lines))
        return
    README.write_text(text.replace(TABLE_END, "\n".join(lines) + "\n" + TABLE_END, 1))


if __name__ == "__main__":
    main()
