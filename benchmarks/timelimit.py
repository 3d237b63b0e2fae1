"""Does every run keep its time limit? Whole-process wall time of `pilotopt solve`, as a user
sees it: warm and cold (an empty numba cache: the first run after installation), with the
machine otherwise idle and with the other cores busy, `--workers 1` and the default.

    python benchmarks/timelimit.py                      # every case below, idle and busy
    python benchmarks/timelimit.py --mdgplib ../shared/instances/mdgplib --repeat 3
    python benchmarks/timelimit.py --no-busy --no-cold

"Busy" starts one spinning process per core but one (e.g. the other core of a 2-core machine)
for the whole run. "Cold" points ``NUMBA_CACHE_DIR`` at an empty folder for that run only (the
detached compilation it leaves behind is stopped, so it does not load the next runs). A run
keeps its limit when its wall time is within 5 % + 0.3 s of it. Writes
``benchmarks/results/timelimit-<date>[-k].csv`` (one row per run: case, workers, cache, load,
wall, wall/limit, kept, objective, kernel_ready_at, search iterations, explanations) and prints
a summary per configuration.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from installed import busy as machine_busy
from installed import compile_bytecode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _cases(mdgplib: Path | None) -> list[tuple[str, list[str], float]]:
    """(name, arguments after ``solve``, limit)."""
    cases = [
        ("demo", [f"{ROOT}/instances/demo/roster.csv", "-s", f"{ROOT}/models/esf-proeftuin.toml"],
         5.0),
        ("flanders-300", [f"{ROOT}/instances/flanders-300/roster.csv", "-s",
                          f"{ROOT}/instances/flanders-300/scenario.toml"], 10.0),
        ("flanders-3000", [f"{ROOT}/instances/flanders-3000/roster.csv", "-s",
                           f"{ROOT}/instances/flanders-3000/scenario.toml"], 10.0),
    ]
    if mdgplib is not None:
        for f in sorted(mdgplib.glob("*_n120_*.txt"))[:2]:
            cases.append((f.stem, [str(f)], 3.0))
    return cases


def _run(name: str, args: list[str], limit: float, workers: int | None, cache: Path,
         out: Path) -> dict[str, object]:
    script = Path(sys.executable).parent / "pilotopt"
    argv = [str(script), "solve", *args, "-t", f"{limit:g}", "--seed", "1", "-q",
            "--out", str(out)] + ([] if workers is None else ["--workers", str(workers)])
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    t = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    row: dict[str, object] = {"case": name, "limit": limit, "workers": workers or "default",
                              "exit": proc.returncode, "wall": round(wall, 3),
                              "wall_limit": round(wall / limit, 3),
                              "kept": wall <= limit * 1.05 + 0.3}
    result = out / "result.json"
    if result.exists():
        doc = json.loads(result.read_text())
        stats = doc["stats"]
        row |= {"objective": doc["objective"], "runtime": doc["runtime"],
                "kernel_ready_at": stats.get("kernel_ready_at"),
                "iterations": (stats.get("local_search") or {}).get("iterations"),
                "explained": len(doc["explanations"])}
    else:
        row["error"] = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    return row


def _stop_compilers() -> None:
    """Stop the detached compilation a cold run left (it would load the next runs)."""
    subprocess.run(["pkill", "-f", "tabu.warm_up"], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mdgplib", type=Path, default=None,
                        help="folder of MDGPLIB files: adds two n=120 instances at 3 s")
    parser.add_argument("--repeat", type=int, default=1, help="warm runs per configuration")
    parser.add_argument("--no-busy", action="store_true", help="skip the busy-machine runs")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-cache runs")
    parser.add_argument("--cases", default=None, help="comma-separated case names to keep")
    args = parser.parse_args()
    compile_bytecode()  # as pip install . does, untimed
    cases = _cases(args.mdgplib)
    if args.cases:
        cases = [c for c in cases if c[0] in args.cases.split(",")]
    warm = Path(os.environ.get("NUMBA_CACHE_DIR") or ROOT / ".numba-cache")
    rows = []
    for load_busy in [False] + ([] if args.no_busy else [True]):
        with machine_busy(load_busy):
            for name, solve_args, limit in cases:
                for workers in (1, None):
                    plan = [("warm", warm)] * args.repeat
                    if not args.no_cold:
                        plan.append(("cold", Path(tempfile.mkdtemp(prefix="numba-cold-"))))
                    for label, cache in plan:
                        with tempfile.TemporaryDirectory() as tmp:
                            row = _run(name, solve_args, limit, workers, cache, Path(tmp) / "o")
                        row |= {"cache": label, "load": "busy" if load_busy else "idle"}
                        rows.append(row)
                        print(row, flush=True)
                        if label == "cold":
                            _stop_compilers()
    out = HERE / "results" / f"timelimit-{date.today()}.csv"
    k = 2
    while out.exists():  # never overwrite an earlier run-set's CSV
        out = HERE / "results" / f"timelimit-{date.today()}-{k}.csv"
        k += 1
    out.parent.mkdir(exist_ok=True)
    keys = list(dict.fromkeys(k for r in rows for k in r))
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, keys)
        writer.writeheader()
        writer.writerows(rows)
    for load in ("idle", "busy"):
        for kind in ("warm", "cold"):
            sel = [r for r in rows if r["load"] == load and r["cache"] == kind]
            if sel:
                worst = max(sel, key=lambda r: float(r["wall_limit"]))  # type: ignore[arg-type]
                print(f"{load:4} {kind}: {sum(bool(r['kept']) for r in sel)}/{len(sel)} kept "
                      f"the limit; worst wall/limit {worst['wall_limit']} ({worst['case']}, "
                      f"workers {worst['workers']})")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
