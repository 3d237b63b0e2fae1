"""Time the terminal output (``print_evaluation``) on a generated roster.

    pilotopt generate --organisations 20000 --seed 1 --out /tmp/g20k
    python benchmarks/terminal.py /tmp/g20k [--repeat 3]

The assignment is round-robin (any valid assignment will do: the output does not depend on how
good it is, and the solve is not what is timed). Prints the best of ``--repeat`` timings in
seconds, and the number of lines and characters printed at 80 columns.
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

import numpy as np
from rich.console import Console

from pilotopt.evaluate import evaluate
from pilotopt.instance import load_instance
from pilotopt.report.terminal import print_evaluation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder with roster.csv and scenario.toml")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    inst = load_instance(args.folder / "roster.csv", args.folder / "scenario.toml")
    problem = inst.problem
    assignment = np.arange(problem.n, dtype=np.int64) % problem.m
    evaluation = evaluate(problem, assignment)
    best, out = float("inf"), ""
    for _ in range(args.repeat):
        buf = io.StringIO()
        started = time.perf_counter()
        print_evaluation(Console(file=buf, width=80), problem, inst.orgs, assignment,
                         evaluation, files=["out/assignment.csv", "out/result.json"])
        best = min(best, time.perf_counter() - started)
        out = buf.getvalue()
    print(f"{problem.n} organisations, {problem.m} groups: print_evaluation {best:.3f} s "
          f"(best of {args.repeat}), {len(out.splitlines())} lines, {len(out)} characters")


if __name__ == "__main__":
    main()
