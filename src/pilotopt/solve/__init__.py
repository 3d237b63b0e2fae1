"""Solve a :class:`~pilotopt.problem.Problem`: ``solve(problem, params) -> Result``."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from pilotopt.errors import InfeasibleError, NoSolutionError
from pilotopt.evaluate import Evaluation, evaluate
from pilotopt.problem import SCALE, IntArray, Problem
from pilotopt.solve.cpsat import conflicting_rules, solve_cpsat

__all__ = ["Params", "Result", "solve"]


@dataclass(frozen=True)
class Params:
    """How to solve: an explicit time limit (seconds), seed and number of worker threads."""

    time_limit: float = 10.0
    seed: int = 0
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)

    def __post_init__(self) -> None:
        if self.time_limit <= 0:
            raise ValueError("time_limit must be positive")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")


@dataclass(frozen=True)
class Result:
    """The best assignment found, re-checked by the evaluator, with how it was found."""

    assignment: IntArray
    evaluation: Evaluation
    status: str  # "optimal" when proven, else "feasible"
    bound: float | None  # upper bound on the objective, in user units
    runtime: float
    params: Params
    stats: dict[str, object] = field(default_factory=dict)

    @property
    def objective(self) -> float:
        """Objective in user units (complementarity minus soft penalties)."""
        return self.evaluation.objective / SCALE

    @property
    def gap(self) -> float | None:
        """Relative distance between objective and bound (0 when proven optimal)."""
        if self.bound is None:
            return None
        return abs(self.bound - self.objective) / max(1e-9, abs(self.bound))

    def summary(self) -> str:
        """One line for logs and terminals."""
        gap = "" if self.gap is None else f", gap {100 * self.gap:.2f} %"
        hard = "every hard rule holds" if self.evaluation.feasible else "HARD RULES BROKEN"
        return (f"{self.status}: objective {self.objective:g}{gap}, {hard}, "
                f"{self.runtime:.1f} s, seed {self.params.seed}")


#: Work rates used for deterministic budgets (``workers == 1``), set well below what this kind
#: of machine achieves so that the work limit, not the clock, ends each phase.
LS_MOVES_PER_SECOND = 2_000_000  # organisation-group pairs scanned per second of budget
CPSAT_DETERMINISTIC_PER_SECOND = 0.5
#: The CP-SAT model has a variable per weighted pair and group; beyond this it does not pay.
CPSAT_MAX_PAIR_VARIABLES = 400_000


class _Clock:
    def __init__(self, limit: float) -> None:
        self.start = time.perf_counter()
        self.limit = limit

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def left(self) -> float:
        return max(0.0, self.limit - self.elapsed())


def _warm_kernel() -> threading.Thread:
    """Compile (or load) the search kernel in the background while CP-SAT builds a start."""
    from pilotopt.solve.kernel import warm_up

    thread = threading.Thread(target=warm_up, name="pilotopt-warm-up", daemon=True)
    thread.start()
    return thread


def solve(problem: Problem, params: Params | None = None) -> Result:
    """Find the best assignment within ``params.time_limit`` seconds.

    Phases, under one clock: a first assignment meeting every hard rule (from CP-SAT, while the
    search kernel loads); the compiled local search from it; then CP-SAT, hinted with the best
    assignment, to improve it and bound the objective where the model is small enough. With one
    worker every phase is bounded by deterministic work, so a seed repeats its result.

    Raises
    ------
    InfeasibleError
        When the hard rules provably cannot all hold; names a conflicting set of them.
    NoSolutionError
        When no assignment meeting every hard rule was found in time.
    """
    from pilotopt.solve.kernel import local_search

    params = params or Params()
    clock = _Clock(params.time_limit)
    deterministic = params.workers == 1
    warming = _warm_kernel()
    stats: dict[str, object] = {"deterministic": deterministic}

    start = _construct(problem, params, clock, stats)
    warming.join()
    stats["kernel_ready_at"] = round(clock.elapsed(), 3)

    pairs = int(np.count_nonzero(np.triu(problem.score, 1))) * problem.m
    polish = pairs <= CPSAT_MAX_PAIR_VARIABLES
    share = 0.6 if polish else 0.9
    ls_time = clock.left() * share / 0.9
    ls_moves = None
    if deterministic:  # from the nominal limit, never from the clock, so runs repeat
        ls_moves = max(1000, int(params.time_limit * share * LS_MOVES_PER_SECOND
                                 / max(1, problem.n * problem.m)))
    best, ls_stats = local_search(
        problem, start, ls_time, params.seed, max_iterations=ls_moves
    )
    stats["local_search"] = ls_stats
    candidates = [start, best]

    status, bound = "feasible", None
    if polish and clock.left() > 0.05:
        outcome = solve_cpsat(
            problem, time_limit=clock.left() * 0.95, seed=params.seed, workers=params.workers,
            hint=best,
            deterministic_time=(params.time_limit * 0.25 * CPSAT_DETERMINISTIC_PER_SECOND
                                if deterministic else None),
        )
        stats["cpsat"] = {"status": outcome.status, "wall_time": round(outcome.wall_time, 3)}
        if outcome.assignment is not None:
            candidates.append(outcome.assignment)
        if outcome.bound is not None:
            bound = outcome.bound / SCALE
        if outcome.status == "optimal":
            status = "optimal"

    # The evaluator is the judge: the best candidate by its count, and it must hold every rule.
    scored = [(evaluate(problem, a), a) for a in candidates]
    evaluation, assignment = max(
        ((e, a) for e, a in scored if e.feasible), key=lambda ea: ea[0].objective,
        default=(scored[0][0], scored[0][1]),
    )
    if not evaluation.feasible:
        broken = ", ".join(r.id for r in evaluation.broken_hard_rules())
        raise RuntimeError(f"internal error: the search returned an assignment breaking {broken}")
    if bound is not None:
        bound = max(bound, evaluation.objective / SCALE)
        if status != "optimal" and bound * SCALE <= evaluation.objective:
            status = "optimal"
    elif status == "optimal":
        bound = evaluation.objective / SCALE
    return Result(
        assignment=np.asarray(assignment, dtype=np.int64),
        evaluation=evaluation,
        status=status,
        bound=bound,
        runtime=clock.elapsed(),
        params=params,
        stats=stats,
    )


def _construct(
    problem: Problem, params: Params, clock: _Clock, stats: dict[str, object]
) -> IntArray:
    """A first assignment meeting every hard rule, from CP-SAT's hard-rules-only model."""
    budget = params.time_limit * 0.4
    outcome = solve_cpsat(
        problem, time_limit=min(budget, clock.left()), seed=params.seed,
        workers=params.workers, first_solution=True,
        deterministic_time=(budget * CPSAT_DETERMINISTIC_PER_SECOND
                            if params.workers == 1 else None),
    )
    stats["construct"] = {"status": outcome.status, "wall_time": round(outcome.wall_time, 3)}
    if outcome.status == "infeasible":
        core = conflicting_rules(problem, time_limit=max(1.0, clock.left()), seed=params.seed)
        raise _infeasible(problem, core)
    if outcome.assignment is None:
        raise NoSolutionError(
            f"no assignment meeting every hard rule was found in {budget:.1f} s "
            f"(of a {params.time_limit:g} s limit); give more time (--time-limit) or relax a "
            "hard rule"
        )
    return outcome.assignment


def _infeasible(problem: Problem, core: list[int] | None) -> InfeasibleError:
    if not core:
        return InfeasibleError("the hard rules cannot all hold together", [])
    names = [f"{problem.rules[k].label} ({problem.rules[k].id})" for k in core]
    lo, hi = problem.size_bounds()
    sizes = f"{lo.min()}-{hi.max()}" if lo.min() != hi.max() else f"{lo.min()}"
    message = (
        f"these hard rules cannot all hold for {problem.n} organisations in {problem.m} groups "
        f"of {sizes}: " + "; ".join(names)
        + ". Relax one of them (make it soft with hard = false and a weight, or widen its bounds)."
    )
    return InfeasibleError(message, [problem.rules[k].id for k in core])
