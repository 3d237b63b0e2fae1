"""One batch cell, run in-process on a worker: load its instance, run its solver under a guard,
and return the run as a store row (:data:`pilotopt.store.COLUMNS`).

Nothing a cell does escapes as an exception: a solver that raises, runs out of memory or goes
past its time is recorded with its outcome and message, so one bad cell never stops a batch.
"""

from __future__ import annotations

import inspect
import tempfile
import threading
import time
import tomllib
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pilotopt.batch.plan import Cell, scenario_with_overrides
from pilotopt.errors import InfeasibleError, InputError, NoSolutionError
from pilotopt.problem import Problem
from pilotopt.store import environment, evaluation_fields, result_fields

__all__ = ["GRACE", "Overran", "base_row", "guarded", "load_problem", "overran", "run_cell"]

#: A run may pass its time limit by 5 % plus this many seconds before it counts as an overrun
#: (writing results and stopping threads take a moment).
GRACE = 1.0
#: A solver still running this long after its limit (times 1.5) is abandoned: the stop signal
#: goes out, and the cell is recorded as an overrun.
ABANDON_AFTER = 10.0


class Overran(Exception):
    """The solver did not return in time, even after being told to stop."""


def overran(wall: float, time_limit: float) -> bool:
    """Whether a run of ``wall`` seconds went past what ``time_limit`` allows."""
    return wall > time_limit * 1.05 + GRACE


def base_row(cell: Cell, cluster_workers: int) -> dict[str, Any]:
    """The columns known before the run: what ran, where, with which versions."""
    inst, conf = cell.instance, cell.configuration
    if "scenario" in inst.files:
        scenario = Path(inst.files["scenario"]).stem
    else:
        scenario = "mdgplib" if inst.kind == "mdgplib" else "generated"
    inputs: dict[str, Any] = {**inst.inputs, **{
        name: {"path": path, "sha256": inst.inputs[name]} for name, path in inst.files.items()}}
    return {
        "cell": cell.key, "batch": cell.batch, "source": "batch", "instance": inst.name,
        "inputs": inputs, "scenario": scenario, "configuration": conf.name,
        "solver": conf.solver, "params": {**conf.as_dict(), "time_limit": cell.time_limit},
        "seed": cell.seed, "time_limit": cell.time_limit, "workers": conf.threads,
        "cluster_workers": cluster_workers, **environment(),
    }


def load_problem(cell: Cell) -> Problem:
    """Read (or generate) and compile the cell's instance, with the configuration's overrides.

    The plain CP-SAT baseline gets dense scores and every pair rule listed, whatever the size.
    """
    from pilotopt.compile import compile_problem
    from pilotopt.io.mdgplib import read_mdgplib
    from pilotopt.io.roster import read_roster
    from pilotopt.io.scenario import scenario_from_dict

    inst, conf = cell.instance, cell.configuration
    if inst.kind == "mdgplib":
        return read_mdgplib(inst.files["mdgplib"])
    with tempfile.TemporaryDirectory() as tmp:
        if inst.kind == "generate":
            from pilotopt.generate import write_instance

            write_instance(tmp, **inst.generate)
            roster_path = Path(tmp) / "roster.csv"
            scenario_path = Path(inst.files.get("scenario") or Path(tmp) / "scenario.toml")
        else:
            roster_path, scenario_path = Path(inst.files["roster"]), Path(inst.files["scenario"])
        roster = read_roster(roster_path)
        data = tomllib.loads(scenario_path.read_text(encoding="utf-8"))
        scenario = scenario_from_dict(scenario_with_overrides(data, conf.overrides),
                                      str(scenario_path))
        return compile_problem(
            roster.organisations, scenario, columns=roster.columns,
            scenario_file=str(scenario_path),
            dense=True if conf.solver == "plain-cpsat" else None,
        )


def guarded(run: Callable[[threading.Event], Any], give_up_after: float,
            stop_wait: float = 5.0) -> Any:
    """``run(stop)`` in a thread; its value, or its exception re-raised here.

    If it is still running after ``give_up_after`` seconds, ``stop`` is set; if it still has
    not returned ``stop_wait`` seconds later, :class:`Overran` is raised (the thread is left
    behind: the caller should have its process restarted).
    """
    stop = threading.Event()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = run(stop)
        except BaseException as exc:  # re-raised in the calling thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="pilotopt-cell", daemon=True)
    thread.start()
    thread.join(give_up_after)
    if thread.is_alive():
        stop.set()
        thread.join(stop_wait)
        if thread.is_alive():
            raise Overran(f"still running {give_up_after + stop_wait:.0f} s after its start, "
                          "and did not stop when told to")
    if "error" in box:
        raise box["error"]
    return box.get("value")


class _PeakMemory:
    """Samples this process's resident memory in a thread; ``peak_mb`` is the largest seen."""

    def __init__(self, every: float = 0.05) -> None:
        import psutil

        self._process = psutil.Process()
        self.peak_mb = self._process.memory_info().rss / 2**20
        self._done = threading.Event()
        self._every = every
        self._thread = threading.Thread(target=self._sample, name="pilotopt-memory", daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(self._every):
            self.peak_mb = max(self.peak_mb, self._process.memory_info().rss / 2**20)

    def close(self) -> float:
        """Stop sampling; the peak in MB."""
        self._done.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, self._process.memory_info().rss / 2**20)
        return float(self.peak_mb)


def _solve(cell: Cell, problem: Problem, started: float,
           stop: threading.Event) -> dict[str, Any]:
    """Run the cell's solver on ``problem``; the result columns of its row."""
    from pilotopt.evaluate import evaluate

    conf = cell.configuration
    if conf.solver == "plain-cpsat":
        from pilotopt.batch.baselines import solve_plain

        got = solve_plain(problem, time_limit=cell.time_limit, seed=cell.seed,
                          workers=conf.threads, started=started)
        if got.evaluation is None:
            outcome = "infeasible" if got.status == "infeasible" else "no_solution"
            return {"outcome": outcome, "status": got.status}
        fields = evaluation_fields(got.evaluation)
        trace = [[round(time.perf_counter() - started, 3), fields["objective"],
                  fields["feasible"]]]
        return {**fields, "outcome": "ok", "status": got.status, "bound": got.bound,
                "trace": trace}
    if conf.solver == "sort-deal":
        from pilotopt.baseline import sort_and_deal

        fields = evaluation_fields(evaluate(problem, sort_and_deal(problem, cell.seed)))
        trace = [[round(time.perf_counter() - started, 3), fields["objective"],
                  fields["feasible"]]]
        return {**fields, "outcome": "ok", "status": "heuristic", "trace": trace}
    from pilotopt.solve import Params, solve

    params = Params(time_limit=cell.time_limit, seed=cell.seed, workers=conf.threads,
                    started=started)
    solver: Callable[..., Any] = solve
    # The stop signal where this version of solve takes one (see the solve contract).
    extra = {"stop": stop} if "stop" in inspect.signature(solve).parameters else {}
    try:
        result = solver(problem, params, **extra)
    except InfeasibleError as exc:
        return {"outcome": "infeasible", "status": "infeasible", "error": str(exc)}
    except NoSolutionError as exc:
        return {"outcome": "no_solution", "status": "no_solution", "error": str(exc)}
    return {**result_fields(result), "outcome": "ok"}


def run_cell(cell: Cell, cluster_workers: int = 1) -> dict[str, Any]:
    """Run one cell here and now; its store row (never raises for what the cell does).

    The time limit counts from the start of the cell, reading the instance included, as
    ``pilotopt solve`` counts it from the start of its process. A row whose ``restart`` is
    True comes from a solver that could not be stopped: the process should be restarted.
    """
    started = time.perf_counter()
    row = base_row(cell, cluster_workers)
    memory = _PeakMemory()
    try:
        problem = load_problem(cell)
        row["organisations"], row["groups"] = problem.n, problem.m
        row.update(guarded(lambda stop: _solve(cell, problem, started, stop),
                           cell.time_limit * 1.5 + ABANDON_AFTER))
    except InputError as exc:
        row.update(outcome="error", error="input: " + "; ".join(str(p) for p in exc.problems))
    except Overran as exc:
        row.update(outcome="overrun", error=str(exc), restart=True)
    except MemoryError:
        row.update(outcome="out_of_memory", error="MemoryError")
    except Exception as exc:
        row.update(outcome="error", error="".join(
            traceback.format_exception_only(type(exc), exc)).strip())
    row["wall_time"] = round(time.perf_counter() - started, 3)
    row["peak_memory_mb"] = round(memory.close(), 1)
    if row["outcome"] == "ok" and overran(row["wall_time"], cell.time_limit):
        row["outcome"] = "overrun"
        row["error"] = (f"took {row['wall_time']:.1f} s of a {cell.time_limit:g} s limit "
                        f"(allowed: 5 % + {GRACE:g} s)")
    return row
