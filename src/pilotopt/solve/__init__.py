"""Solve a :class:`~pilotopt.problem.Problem`: ``solve(problem, params) -> Result``."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

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


def solve(problem: Problem, params: Params | None = None) -> Result:
    """Find the best assignment within ``params.time_limit`` seconds.

    Raises
    ------
    InfeasibleError
        When the hard rules provably cannot all hold; names a conflicting set of them.
    NoSolutionError
        When no assignment meeting every hard rule was found in time.
    """
    params = params or Params()
    start = time.perf_counter()
    outcome = solve_cpsat(
        problem, time_limit=params.time_limit, seed=params.seed, workers=params.workers
    )
    if outcome.status == "infeasible":
        left = max(1.0, params.time_limit - (time.perf_counter() - start))
        core = conflicting_rules(problem, time_limit=left, seed=params.seed)
        raise _infeasible(problem, core)
    if outcome.assignment is None:
        raise NoSolutionError(
            f"no assignment meeting every hard rule was found in {params.time_limit:g} s; "
            "give more time (--time-limit) or relax a hard rule"
        )
    assignment = outcome.assignment
    evaluation = evaluate(problem, assignment)
    if not evaluation.feasible:  # the evaluator is the judge, not the solver
        broken = ", ".join(r.id for r in evaluation.broken_hard_rules())
        raise RuntimeError(f"internal error: solver returned an assignment breaking {broken}")
    bound = None if outcome.bound is None else outcome.bound / SCALE
    if bound is not None:
        bound = max(bound, evaluation.objective / SCALE)
    return Result(
        assignment=assignment,
        evaluation=evaluation,
        status=outcome.status,
        bound=bound,
        runtime=time.perf_counter() - start,
        params=params,
        stats={"cpsat_status": outcome.status, "cpsat_wall_time": outcome.wall_time},
    )


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
