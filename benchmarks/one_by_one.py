"""Run a plan's cells one by one, each as its own ``pilotopt solve`` process, for comparison
with ``pilotopt batch`` (same instances, configurations, seeds and limits).

    python benchmarks/one_by_one.py benchmarks/plans/mdgplib-120.toml --store serial.duckdb

Each run is ``pilotopt solve FILE [-s SCENARIO] -t LIMIT --seed S [--workers K] -q --store F``;
prints the total wall time. Only cells that ``solve`` can run as such: pilotopt configurations
without scenario overrides, on MDGPLIB files or rosters with their scenario.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from pilotopt.batch.plan import Cell, read_plan


def solve_argv(cell: Cell, out: Path, store: str) -> list[str] | None:
    """The ``pilotopt solve`` command of a cell, or None when solve cannot run it alone."""
    conf, inst = cell.configuration, cell.instance
    if conf.solver != "pilotopt" or conf.overrides or inst.kind == "generate":
        return None
    files = [inst.files["mdgplib"]] if inst.kind == "mdgplib" else [
        inst.files["roster"], "-s", inst.files["scenario"]]
    workers = ["--workers", str(conf.threads)] if conf.workers or conf.reproducible else []
    script = Path(sys.executable).parent / "pilotopt"
    return [str(script), "solve", *files, "-t", f"{cell.time_limit:g}", "--seed",
            str(cell.seed), *workers, "-q", "--out", str(out), "--store", store]


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("plan", type=Path)
    ap.add_argument("--store", default="one-by-one.duckdb", help="run store for the runs")
    ap.add_argument("--var", action="append", default=[], metavar="NAME=VALUE")
    args = ap.parse_args(argv)
    plan = read_plan(args.plan, dict(v.split("=", 1) for v in args.var))
    skipped = 0
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for k, cell in enumerate(plan.cells()):
            argv_k = solve_argv(cell, Path(tmp) / str(k), args.store)
            if argv_k is None:
                skipped += 1
                continue
            subprocess.run(argv_k, check=False, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    print(f"{plan.name}: {len(plan.cells()) - skipped} cells one by one in {wall:.1f} s "
          f"({skipped} skipped: not a plain solve)")


if __name__ == "__main__":
    main()
