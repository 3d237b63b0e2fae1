"""Time what `pilotopt solve` does after the search: the source of the output cost estimate that
the command keeps free of its time limit (:func:`pilotopt.report.summary.output_seconds`).

    python benchmarks/outputs.py                       # the demo, flanders-40 and flanders-300
    python benchmarks/outputs.py --html ROSTER:SCENARIO ../shared/instances/mdgplib/X.txt:

Each case: a 2 s solve for an assignment (its quality does not matter), then each output phase
timed once in this process, in the order the command runs them. Writes
``benchmarks/results/outputs-<date>.csv`` (seconds per phase, n, m, the estimate, and the
estimate's ratio to the measured total) and prints it.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from rich.console import Console

from pilotopt.baseline import by_hand
from pilotopt.explain import EXPLAIN_LIMIT, explain_all
from pilotopt.instance import load_instance
from pilotopt.report.summary import output_seconds, result_document
from pilotopt.report.terminal import print_result
from pilotopt.solve import Params, solve

T = TypeVar("T")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT = [
    f"{ROOT}/instances/demo/roster.csv:{ROOT}/models/esf-proeftuin.toml",
    f"{ROOT}/instances/flanders-40/roster.csv:{ROOT}/instances/flanders-40/scenario.toml",
    f"{ROOT}/instances/flanders-300/roster.csv:{ROOT}/instances/flanders-300/scenario.toml",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=DEFAULT, help="ROSTER:SCENARIO (scenario "
                        "may be empty for an MDGPLIB file)")
    parser.add_argument("--html", action="store_true", help="also the HTML report and workbook")
    args = parser.parse_args()

    rows = []
    for case in args.cases:
        roster, _, scenario = case.partition(":")
        if not Path(roster).exists():
            print(f"skipped (not found): {roster}")
            continue
        rows.append(measure(roster, scenario or None, args.html))
        print(rows[-1])
    out = HERE / "results" / f"outputs-{date.today()}.csv"
    out.parent.mkdir(exist_ok=True)
    keys = list(dict.fromkeys(k for r in rows for k in r))
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, keys)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {out}")


def measure(roster: str, scenario: str | None, html: bool) -> dict[str, object]:
    """One case's phases, in seconds, with the estimate beside them."""
    from pilotopt.cli import _reports  # the command's own report writer

    instance = load_instance(roster, scenario)
    problem = instance.problem
    result = solve(problem, Params(time_limit=2, seed=1))
    times: dict[str, float] = {}

    def timed(name: str, f: Callable[[], T]) -> T:
        t = time.perf_counter()
        value = f()
        times[name] = time.perf_counter() - t
        return value

    explained, skipped = timed("explain", lambda: explain_all(
        problem, result.assignment, instance.orgs, EXPLAIN_LIMIT))
    baseline = timed("baseline", lambda: by_hand(problem, 1))
    timed("document", lambda: result_document(problem, result, {}, instance.orgs, explained,
                                              skipped, None, baseline=baseline))
    timed("terminal", lambda: print_result(Console(file=io.StringIO(), width=100), problem,
                                           instance.orgs, result, files=[]))
    if html:
        with tempfile.TemporaryDirectory() as tmp:
            timed("html_xlsx", lambda: _reports(
                instance, result.assignment, result.evaluation, {}, Path(tmp) / "r.html",
                Path(tmp) / "g.xlsx", "en", None, explained))
    rest, explain = output_seconds(problem, EXPLAIN_LIMIT, html=html, xlsx=html, pdf=False)
    total = sum(times.values())
    return {"case": Path(roster).parent.name + "/" + Path(roster).stem,
            "n": problem.n, "m": problem.m, **{k: round(v, 3) for k, v in times.items()},
            "total": round(total, 3), "estimate": round(rest + explain, 3),
            "estimate_ratio": round((rest + explain) / total, 2),
            "load": round(os.getloadavg()[0], 2)}


if __name__ == "__main__":
    main()
