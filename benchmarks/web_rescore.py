"""Time of a move in the web workspace of ``pilotopt serve`` (issue 17: under 200 ms at 300
organisations), end to end in the process: the request ``POST /api/move`` through FastAPI's
TestClient (JSON in; the move priced and made by :class:`~pilotopt.moves.WhatIf`; the
evaluation, the summary, every group's head and the change rendered; JSON out). Also the page
itself (``GET /``, every card), ``/api/undo`` and an edit of the settings form (``POST
/settings``: the first rule's weight changed, the scenario rewritten, the roster and scenario
read and compiled again, the assignment re-scored).

For instances/flanders-300 and instances/flanders-3000: the organisations are dealt in a seeded
random order into the groups (as ``moves.py`` does), opened as an assignment file; then each
sample moves a random organisation to a random other group. A browser adds its own time to
draw the result (not measured here).

Writes ``benchmarks/results/web-rescore-<date>.csv`` and prints the rows.

    python benchmarks/web_rescore.py
    python benchmarks/web_rescore.py --sizes 300 --samples 50
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
from fastapi.testclient import TestClient
from moves import dealt

from pilotopt.io.outputs import assignment_csv
from pilotopt.web import create_app
from pilotopt.web.workspace import Source, Workspace

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIELDS = ["date", "commit", "roster", "n", "groups", "operation", "samples", "mean_ms",
          "median_ms", "p95_ms", "max_ms", "load_s"]


def timed(samples: int, step: Callable[[], object]) -> list[float]:
    """Milliseconds of each of ``samples`` calls, sorted."""
    out = []
    for _ in range(samples):
        t0 = time.perf_counter()
        step()
        out.append((time.perf_counter() - t0) * 1e3)
    return sorted(out)


def measure(size: int, samples: int, seed: int, tmp: Path) -> list[dict[str, object]]:
    name = f"flanders-{size}"
    folder = ROOT / "instances" / name
    client = TestClient(create_app(tmp / name))
    ws = client.app.state.workspace  # type: ignore[attr-defined]
    assert isinstance(ws, Workspace)
    t0 = time.perf_counter()
    assert ws.load(Source("roster.csv", folder / "roster.csv"),
                   Source("scenario.toml", folder / "scenario.toml")) == []
    assert ws.loaded is not None
    problem = ws.loaded.problem
    given = tmp / f"{name}.csv"
    given.write_text(assignment_csv(problem, dealt(problem, seed)))
    assert ws.open_assignment(Source(given.name, given)) == []
    load = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    n, m = problem.n, problem.m

    def move() -> object:
        i = int(rng.integers(n))
        g = int((ws.loaded.what_if.group_of(i) + rng.integers(1, m)) % m)  # type: ignore[union-attr]
        r = client.post("/api/move", json={"id": problem.ids[i], "group": g})
        assert r.status_code == 200, r.text
        return r

    def undo() -> object:
        r = client.post("/api/undo")
        assert r.status_code == 200, r.text
        return r

    weights = iter(["2", "3"] * samples)

    def edit() -> object:
        r = client.post("/settings", data={"rules[1].weight": next(weights)},
                        follow_redirects=False)
        assert r.status_code == 303, r.text
        return r

    def page() -> object:
        r = client.get("/")
        assert r.status_code == 200
        return r

    timed(3, move)  # the first calls pay for imports and template compilation
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    rows = []
    for op, step, k in (("move", move, samples), ("undo", undo, min(samples, 20)),
                        ("page", page, max(3, samples // 10)),
                        ("edit", edit, max(3, samples // 20))):
        ms = timed(k, step)
        rows.append({
            "date": dt.date.today().isoformat(), "commit": commit, "roster": name, "n": n,
            "groups": m, "operation": op, "samples": k,
            "mean_ms": round(statistics.fmean(ms), 2), "median_ms": round(ms[len(ms) // 2], 2),
            "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2), "max_ms": round(ms[-1], 2),
            "load_s": round(load, 2)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="300,3000", help="flanders-N instances to use")
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            for row in measure(size, args.samples, args.seed, Path(tmp)):
                print(row, flush=True)
                rows.append(row)
    out = HERE / "results" / f"web-rescore-{dt.date.today().isoformat()}.csv"
    with out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
