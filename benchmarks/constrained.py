"""Constrained scenarios: pilotopt against a plain CP-SAT model of the same rules, same time.

For each case (a roster with a scenario) and seed, two fresh processes get the same time limit,
the same seed and 2 workers, counted from the start of each process:

* pilotopt: ``pilotopt solve ROSTER -s SCENARIO -t LIMIT --seed S --workers 2 -q --out TMP``;
  objective and rule status come from ``TMP/result.json``.
* baseline: ``python benchmarks/constrained.py --baseline ROSTER SCENARIO -t LIMIT --seed S``
  reads and compiles the same files, builds a plain CP-SAT model of the compiled rules
  (:class:`pilotopt.batch.baselines.PlainModel`: assignment booleans, one boolean per
  weighted pair and group, each hard rule a constraint, each soft rule a penalty; no hint, no
  symmetry breaking, no extra cuts) and gives CP-SAT what is left of the limit. Its assignment
  is re-checked by ``pilotopt.evaluate``.

Both objectives are the evaluator's, in user units. Limits: 10 s below 100 organisations, 30 s
from 100 on, times ``--factor``.

    python benchmarks/constrained.py                     # every case, seeds 1..3
    python benchmarks/constrained.py --seeds 1 --factor 0.3 --no-table --label quick
    python benchmarks/constrained.py --filter 'flanders-300'
    /tmp/snap-venv/bin/python benchmarks/constrained.py --data /tmp/snap --commit abc1234

(the last: a clean export of one commit, installed in its own environment, see README.md).

Writes ``benchmarks/results/constrained-<date>.csv``, prints a per-case summary and whether the
target holds (cases of 100 or more organisations: every hard rule met, objective at least 5 %
above the baseline's), and appends one row per case to the "Constrained scenarios" table in
``benchmarks/README.md`` (``--no-table`` to skip).
"""

# ruff: noqa: E402
from __future__ import annotations

import time

#: The baseline's clock starts here, before its imports, as pilotopt's starts at its import.
STARTED = time.perf_counter()

import argparse
import csv
import datetime as dt
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from mdgplib import _command, _commit  # the same installed script and commit label

README = HERE / "README.md"
SECTION = "## Constrained scenarios (`constrained.py`)"
TABLE_END = "<!-- end of constrained table -->"
WORKERS = 2
LARGE = 100  # the target speaks of instances of this many organisations or more
MARGIN = 0.05  # ... and of an objective at least this much above the baseline's
GENERATED = ("generated-120", 120, 120)  # name, organisations, seed of `pilotopt generate`
PRESETS = ("esf-proeftuin", "social-circular-hub", "mdgp")
FIELDS = ["instance", "scenario", "n", "groups", "time_limit", "seed", "pilotopt_objective",
          "pilotopt_hard_ok", "baseline_objective", "baseline_hard_ok", "ratio",
          "pilotopt_bound", "baseline_bound", "baseline_status", "pilotopt_wall",
          "baseline_wall", "commit"]


# --------------------------------------------------------------------------- pure helpers

def limit_for(n: int, factor: float = 1.0) -> float:
    """Seconds per run: 10 below :data:`LARGE` organisations, 30 from there on, times factor."""
    return (30.0 if n >= LARGE else 10.0) * factor


def ratio(ours: float | None, theirs: float | None) -> float | None:
    """``ours / theirs`` when both exist and the baseline's objective is positive, else None."""
    if ours is None or theirs is None or theirs <= 0:
        return None
    return ours / theirs


def beats(ours: float | None, theirs: float | None, margin: float = MARGIN) -> bool:
    """Whether ``ours`` is at least ``margin`` (relative) above ``theirs``.

    A missing baseline objective is beaten by any objective; a missing one of ours beats
    nothing. The margin is taken of ``|theirs|`` so a negative baseline still compares.
    """
    if ours is None:
        return False
    if theirs is None:
        return True
    return ours >= theirs + margin * abs(theirs)


def hard_ok(found: bool, feasible: bool) -> str:
    """Rule status of a run for the table: ``yes``, ``no``, or ``none`` without an assignment."""
    if not found:
        return "none"
    return "yes" if feasible else "no"


def _float(value: object) -> float | None:
    if value is None or value == "":
        return None
    return float(value)  # type: ignore[arg-type]


def _mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


@dataclass(frozen=True)
class CaseSummary:
    """The runs of one (instance, scenario) over its seeds."""

    instance: str
    scenario: str
    n: int
    groups: int
    time_limit: float
    runs: int
    pilotopt_mean: float | None  # over the runs with an assignment
    pilotopt_ok: int  # runs meeting every hard rule
    baseline_mean: float | None
    baseline_ok: int
    baseline_none: int  # runs where the baseline had no assignment
    ratio_mean: float | None  # over the runs where a ratio is defined
    ratio_min: float | None
    target_met: bool  # every run: hard rules met and beats(ours, theirs)


def summarise(rows: Iterable[dict[str, Any]], margin: float = MARGIN) -> list[CaseSummary]:
    """One :class:`CaseSummary` per (instance, scenario), in order of first appearance.

    ``rows`` are CSV rows (strings or numbers): a missing objective or ratio is ``""``/None.
    """
    cases: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        cases.setdefault((str(row["instance"]), str(row["scenario"])), []).append(row)
    out = []
    for (instance, scenario), runs in cases.items():
        ours = [_float(r["pilotopt_objective"]) for r in runs]
        theirs = [_float(r["baseline_objective"]) for r in runs]
        ratios = [x for x in (_float(r["ratio"]) for r in runs) if x is not None]
        met = all(r["pilotopt_hard_ok"] == "yes" and beats(o, t, margin)
                  for r, o, t in zip(runs, ours, theirs, strict=True))
        first = runs[0]
        out.append(CaseSummary(
            instance=instance, scenario=scenario, n=int(first["n"]), groups=int(first["groups"]),
            time_limit=float(first["time_limit"]), runs=len(runs),
            pilotopt_mean=_mean([o for o in ours if o is not None]),
            pilotopt_ok=sum(r["pilotopt_hard_ok"] == "yes" for r in runs),
            baseline_mean=_mean([t for t in theirs if t is not None]),
            baseline_ok=sum(r["baseline_hard_ok"] == "yes" for r in runs),
            baseline_none=sum(t is None for t in theirs),
            ratio_mean=_mean(ratios), ratio_min=min(ratios) if ratios else None,
            target_met=met,
        ))
    return out


def target_holds(summary: Iterable[CaseSummary], min_n: int = LARGE) -> bool | None:
    """Whether every case of at least ``min_n`` organisations meets the target (None: no case)."""
    large = [c for c in summary if c.n >= min_n]
    return all(c.target_met for c in large) if large else None


def _fmt(x: float | None, spec: str = ".1f") -> str:
    return "-" if x is None else format(x, spec)


def _cell(x: float | None, spec: str = ".3f") -> str:
    """A CSV cell: empty when there is no value."""
    return "" if x is None else format(x, spec)


def table_row(c: CaseSummary, date: str, commit: str, csv_name: str) -> str:
    """One Markdown row of the README table for a case."""
    base = f"{c.baseline_ok}/{c.runs}"
    if c.baseline_none:
        base += f" ({c.baseline_none} none)"
    ratio_text = ("-" if c.ratio_mean is None
                  else f"{c.ratio_mean:.3f} (min {_fmt(c.ratio_min, '.3f')})")
    target = ("-" if c.n < LARGE else "yes" if c.target_met else "no")
    return (f"| {date} | {commit} | {c.instance} | {c.scenario} | {c.n} | {c.groups} "
            f"| {c.time_limit:g} | {c.runs} | {_fmt(c.pilotopt_mean)} | {c.pilotopt_ok}/{c.runs} "
            f"| {_fmt(c.baseline_mean)} | {base} | {ratio_text} | {target} | {csv_name} |")


def insert_rows(text: str, lines: Sequence[str], marker: str = TABLE_END) -> str:
    """``text`` with ``lines`` put just before ``marker`` (its first occurrence)."""
    if marker not in text:
        raise ValueError(f"no {marker!r} in the text")
    return text.replace(marker, "".join(line + "\n" for line in lines) + marker, 1)


# --------------------------------------------------------------------------- the baseline model

def solve_plain(problem: Any, *, time_limit: float, seed: int, workers: int,
                started: float) -> dict[str, Any]:
    """:func:`pilotopt.batch.baselines.solve_plain` as this benchmark's JSON outcome."""
    from pilotopt.batch.baselines import solve_plain as plain

    got = plain(problem, time_limit=time_limit, seed=seed, workers=workers, started=started)
    feasible = got.evaluation is not None and got.evaluation.feasible
    return {"status": got.status, "objective": got.objective,
            "hard_ok": hard_ok(got.evaluation is not None, feasible),
            "cpsat_objective": got.cpsat_objective, "bound": got.bound,
            "pair_variables": got.pair_variables, "build_seconds": got.build_seconds}


def baseline_main(roster: str, scenario: str, time_limit: float, seed: int, workers: int,
                  json_out: str | None) -> None:
    """The ``--baseline`` process: load, build, solve, evaluate, print or write JSON."""
    from pilotopt.compile import compile_problem
    from pilotopt.io.roster import read_roster
    from pilotopt.io.scenario import read_scenario

    # Dense scores and every pair rule listed, whatever the roster's size: the plain model.
    r = read_roster(roster)
    problem = compile_problem(r.organisations, read_scenario(scenario), columns=r.columns,
                              dense=True)
    out = solve_plain(problem, time_limit=time_limit, seed=seed, workers=workers,
                      started=STARTED)
    out["runtime"] = round(time.perf_counter() - STARTED, 3)
    text = json.dumps(out, indent=2)
    if json_out:
        Path(json_out).write_text(text + "\n")
    else:
        print(text)


# --------------------------------------------------------------------------- the benchmark

@dataclass(frozen=True)
class Case:
    """A roster with a scenario, named for the table."""

    instance: str
    roster: Path
    scenario: str
    scenario_path: Path


def cases(generated_dir: Path, data: Path = ROOT) -> list[Case]:
    """The demo with each preset, the Flanders instances with their own scenario and each
    preset, and a generated instance of 120 organisations likewise; ``instances/`` and
    ``models/`` are read from ``data``."""
    models = data / "models"
    demo = data / "instances" / "demo" / "roster.csv"
    out = [Case("demo", demo, name, models / f"{name}.toml") for name in PRESETS]
    for name, folder in (("flanders-40", data / "instances" / "flanders-40"),
                         ("flanders-300", data / "instances" / "flanders-300"),
                         (GENERATED[0], generated_dir)):
        out.append(Case(name, folder / "roster.csv", "scenario", folder / "scenario.toml"))
        if name != "flanders-40":
            out += [Case(name, folder / "roster.csv", p, models / f"{p}.toml") for p in PRESETS]
    return out


def _run_pilotopt(case: Case, limit: float, seed: int, tmp: Path) -> dict[str, Any]:
    res_dir = tmp / f"{case.instance}-{case.scenario}-{seed}"
    argv = _command() + ["solve", str(case.roster), "-s", str(case.scenario_path),
                         "-t", f"{limit:g}", "--seed", str(seed), "--workers", str(WORKERS),
                         "-q", "--out", str(res_dir)]
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode in (3, 4):  # proven infeasible / no assignment in time
        return {"objective": None, "hard_ok": "none", "bound": None, "wall": wall}
    if proc.returncode != 0:
        sys.exit(f"pilotopt failed on {case.instance}/{case.scenario} seed {seed} "
                 f"({proc.returncode}):\n{proc.stderr}")
    res = json.loads((res_dir / "result.json").read_text())
    return {"objective": float(res["objective"]),
            "hard_ok": hard_ok(True, bool(res["all_hard_rules_hold"])),
            "bound": res.get("bound"), "wall": wall}


def _run_baseline(case: Case, limit: float, seed: int, tmp: Path) -> dict[str, Any]:
    out = tmp / f"baseline-{case.instance}-{case.scenario}-{seed}.json"
    argv = [sys.executable, str(Path(__file__).resolve()), "--baseline", str(case.roster),
            str(case.scenario_path), "-t", f"{limit:g}", "--seed", str(seed),
            "--workers", str(WORKERS), "--json", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"baseline failed on {case.instance}/{case.scenario} seed {seed}:\n"
                 f"{proc.stderr}")
    res: dict[str, Any] = json.loads(out.read_text())
    res["wall"] = wall
    return res


def _append_readme(lines: Sequence[str]) -> None:
    text = README.read_text() if README.exists() else ""
    try:
        README.write_text(insert_rows(text, lines))
    except ValueError:
        print(f"{README} has no constrained-scenarios table; rows not recorded:")
        print("\n".join(lines))


def bench_main(args: argparse.Namespace) -> None:
    """Run every case and seed, write the CSV, print the summary, append to the README."""
    from pilotopt import read_problem

    # Build (or load) the compile cache once, outside any timed run.
    subprocess.run([sys.executable, "-c",
                    "from pilotopt.solve.search.tabu import warm_up; warm_up()"], check=True)
    today = dt.date.today().isoformat()
    stem = f"constrained-{today}" + (f"-{args.label}" if args.label else "")
    out = HERE / "results" / f"{stem}.csv"
    k = 2
    while out.exists():  # never overwrite an earlier run-set's CSV
        out = HERE / "results" / f"{stem}-{k}.csv"
        k += 1
    out.parent.mkdir(parents=True, exist_ok=True)
    commit = args.commit or _commit()
    rows: list[dict[str, Any]] = []
    skipped: list[str] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        gen = tmp / GENERATED[0]
        subprocess.run(_command() + ["generate", "-n", str(GENERATED[1]), "--seed",
                                     str(GENERATED[2]), "--out", str(gen)],
                       check=True, capture_output=True)
        todo = []
        for case in cases(gen, args.data.resolve()):
            label = f"{case.instance}/{case.scenario}"
            if not re.search(args.filter, label):
                continue
            problem = read_problem(case.roster, case.scenario_path)
            lo, hi = problem.size_bounds()
            if not lo.sum() <= problem.n <= hi.sum():
                skipped.append(f"{label}: {problem.m} groups of {lo.min()}-{hi.max()} cannot "
                               f"hold {problem.n} organisations")
                continue
            todo.append((case, problem.n, problem.m))
        for line in skipped:
            print(f"skipped {line}")
        with open(out, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=FIELDS)
            writer.writeheader()
            for case, n, m in todo:
                limit = limit_for(n, args.factor)
                for seed in range(1, args.seeds + 1):
                    ours = _run_pilotopt(case, limit, seed, tmp)
                    theirs = _run_baseline(case, limit, seed, tmp)
                    r = ratio(ours["objective"], theirs["objective"])
                    row = {
                        "instance": case.instance, "scenario": case.scenario, "n": n,
                        "groups": m, "time_limit": f"{limit:g}", "seed": seed,
                        "pilotopt_objective": _cell(ours["objective"]),
                        "pilotopt_hard_ok": ours["hard_ok"],
                        "baseline_objective": _cell(theirs["objective"]),
                        "baseline_hard_ok": theirs["hard_ok"],
                        "ratio": _cell(r, ".4f"),
                        "pilotopt_bound": _cell(_float(ours["bound"])),
                        "baseline_bound": _cell(_float(theirs["bound"])),
                        "baseline_status": theirs["status"],
                        "pilotopt_wall": f"{ours['wall']:.2f}",
                        "baseline_wall": f"{theirs['wall']:.2f}",
                        "commit": commit,
                    }
                    writer.writerow(row)
                    fh.flush()
                    rows.append(row)
                    print(f"{case.instance:14s} {case.scenario:20s} n={n:<4d} seed {seed}  "
                          f"pilotopt {row['pilotopt_objective'] or 'none':>10s} "
                          f"({ours['hard_ok']}, {ours['wall']:.1f}s)  "
                          f"baseline {row['baseline_objective'] or 'none':>10s} "
                          f"({theirs['hard_ok']}, {theirs['status']}, {theirs['wall']:.1f}s)  "
                          f"ratio {row['ratio'] or '-'}", flush=True)
    print(f"\nresults: {out}")
    summary = summarise(rows)
    for c in summary:
        print(f"{c.instance:14s} {c.scenario:20s} n={c.n:<4d} pilotopt {_fmt(c.pilotopt_mean)} "
              f"({c.pilotopt_ok}/{c.runs} ok)  baseline {_fmt(c.baseline_mean)} "
              f"({c.baseline_ok}/{c.runs} ok, {c.baseline_none} none)  ratio "
              f"{_fmt(c.ratio_mean, '.3f')} (min {_fmt(c.ratio_min, '.3f')})")
    verdict = target_holds(summary)
    print(f"target (n >= {LARGE}: hard rules met, >= {MARGIN:.0%} above the baseline): "
          + {None: "no such case run", True: "holds", False: "NOT met"}[verdict])
    if not args.no_table:
        _append_readme([table_row(c, today, commit, out.name) for c in summary])


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seeds", type=int, default=3, help="seeds 1..SEEDS per case")
    ap.add_argument("--factor", type=float, default=1.0,
                    help="multiplies the limits (10 s for n < 100, 30 s from 100 on)")
    ap.add_argument("--filter", type=str, default="", help="regex on 'instance/scenario'")
    ap.add_argument("--label", type=str, default="", help="CSV name suffix")
    ap.add_argument("--no-table", action="store_true", help="do not append to README.md")
    ap.add_argument("--data", type=Path, default=ROOT,
                    help="folder with instances/ and models/ (default: this repository)")
    ap.add_argument("--commit", type=str, default="",
                    help="commit label to record (default: this tree's HEAD, +dirty when src\n"
                         "has changes); give it when the interpreter runs another install,\n"
                         "e.g. a clean export of HEAD")
    ap.add_argument("--baseline", nargs=2, metavar=("ROSTER", "SCENARIO"),
                    help="run only the plain CP-SAT model on these files (one timed process)")
    ap.add_argument("-t", "--time-limit", type=float, default=10.0,
                    help="with --baseline: seconds from process start")
    ap.add_argument("--seed", type=int, default=0, help="with --baseline: CP-SAT's seed")
    ap.add_argument("--workers", type=int, default=WORKERS, help="with --baseline: threads")
    ap.add_argument("--json", type=str, default=None,
                    help="with --baseline: write the outcome here (default: print it)")
    args = ap.parse_args(argv)
    if args.baseline:
        baseline_main(args.baseline[0], args.baseline[1], args.time_limit, args.seed,
                      args.workers, args.json)
    else:
        bench_main(args)


if __name__ == "__main__":
    main()
