"""How long does `pilotopt explain` of every organisation take, as a user sees it? Whole-process
wall time and processor time (user + system, from the child's resource usage) of the command,
from start-up to exit, with the explanations printed (to /dev/null) and with ``--out`` (the
terminal and explain.json).

    python benchmarks/explain_process.py                 # flanders-300 and flanders-3000
    python benchmarks/explain_process.py --sizes 300 --repeat 3

The assignment explained is a solve of the instance (seed 1, ``--solve-limit`` seconds, no
explanations). flanders-3000 is what ``pilotopt generate --organisations 3000 --seed 3000``
writes. The load average (1 minute) is recorded before and after each run: on a shared machine
the wall time follows the load, the processor time much less. Writes
``benchmarks/results/explain-process-<date>.csv`` (one row per run) and prints each row.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PILOTOPT = Path(sys.executable).parent / "pilotopt"


def _cpu() -> float:
    """Processor time (user + system) of the children waited for so far."""
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _timed(argv: list[str]) -> tuple[float, float, int]:
    """(wall seconds, processor seconds, exit code) of one command, its output discarded."""
    cpu, wall = _cpu(), time.perf_counter()
    code = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    return time.perf_counter() - wall, _cpu() - cpu, code


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="300,3000")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--solve-limit", type=float, default=20.0)
    ap.add_argument("--out", type=Path,
                    default=HERE / "results" / f"explain-process-{date.today()}.csv")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            folder = ROOT / "instances" / f"flanders-{size}"
            given = [str(folder / "roster.csv"), "-s", str(folder / "scenario.toml")]
            solved = Path(tmp) / f"solve-{size}"
            subprocess.run([str(PILOTOPT), "solve", *given, "-t", f"{args.solve_limit:g}",
                            "--seed", "1", "-q", "--explain-limit", "0", "--out", str(solved)],
                           check=True, stdout=subprocess.DEVNULL)
            explain = [str(PILOTOPT), "explain", *given, "-a", str(solved / "assignment.csv")]
            for k in range(args.repeat):
                for variant, extra in (("terminal", []),
                                       ("json", ["--out", str(Path(tmp) / f"ex-{size}-{k}")])):
                    before = os.getloadavg()[0]
                    wall, cpu, code = _timed(explain + extra)
                    row = {"date": str(date.today()), "organisations": size, "variant": variant,
                           "exit": code, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                           "load_before": round(before, 2),
                           "load_after": round(os.getloadavg()[0], 2)}
                    print(row, flush=True)
                    rows.append(row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
