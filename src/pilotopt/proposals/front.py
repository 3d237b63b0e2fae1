"""The trade-off between complementarity and the soft rules: :func:`front`.

Each point is a solve with the weights of the chosen soft rules (balance, proximity, ...) times a
factor: 0 (complementarity alone), then powers of 4 around the scenario's own weights (factor 1).
Every assignment is judged on the original problem by the evaluator; a point's two coordinates
are its complementarity (higher is better) and the penalty of the chosen rules at their own
weights (lower is better). Points that another point beats on both (or matches on one and beats
on the other) are *dominated*; the rest form the front.

A weighted sum finds only the points on the convex hull of the front (the supported ones), and a
short time limit may leave a point short of its own optimum, so the front is the best one found,
not a proven one. Each point keeps the best assignment of the whole sweep under its own weights
(a solve at another factor may have found a better one for it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from pilotopt.errors import NoSolutionError, StoppedError
from pilotopt.evaluate import evaluate
from pilotopt.problem import SCALE, Problem
from pilotopt.proposals.reweigh import reweighed, soft_rules
from pilotopt.solve import Params, Progress, Result, Status, solve

__all__ = ["Front", "Point", "factors", "front"]


def factors(points: int) -> list[float]:
    """The weight factors of ``points`` points: 0, then powers of 4 with 1 among them.

    >>> factors(5), factors(2), factors(1)
    ([0.0, 0.25, 1.0, 4.0, 16.0], [0.0, 1.0], [1.0])
    """
    if points < 1:
        raise ValueError("ask for at least one point")
    if points == 1:
        return [1.0]
    low = (points - 2) // 2
    return [0.0] + [4.0 ** k for k in range(-low, points - 1 - low)]


@dataclass(frozen=True)
class Point:
    """One solve of the sweep: the factor on the chosen rules' weights, its result (judged on
    the original problem) and its two coordinates (scaled): complementarity and the penalty of
    the chosen rules at their own weights."""

    factor: float
    result: Result
    complementarity: int
    penalty: int
    dominated: bool = False


@dataclass(frozen=True)
class Front:
    """The points of a sweep, in the order of their factors, and the rules swept."""

    points: tuple[Point, ...]
    rules: tuple[int, ...]
    message: str = ""

    def rows(self, problem: Problem) -> list[dict[str, object]]:
        """A row per point: factor, coordinates, objective and whether it is on the front."""
        return [{
            "point": j + 1,
            "factor": p.factor,
            "complementarity": p.complementarity / SCALE,
            "penalty": p.penalty / SCALE,
            "objective": p.result.evaluation.objective,
            "on_front": not p.dominated,
            "all_hard_rules_hold": p.result.evaluation.feasible,
            "seed": p.result.params.seed,
            "time_limit": round(p.result.params.time_limit, 3),
            **{f"violation {problem.rules[k].id}": p.result.evaluation.rules[k].violation
               for k in self.rules},
        } for j, p in enumerate(self.points)]


def _dominated(points: Sequence[Point]) -> list[bool]:
    """Whether another point is at least as good on both coordinates and better on one."""
    def beats(q: Point, p: Point) -> bool:
        return (q.complementarity >= p.complementarity and q.penalty <= p.penalty
                and (q.complementarity, q.penalty) != (p.complementarity, p.penalty))

    return [any(beats(q, p) for q in points) for p in points]


def _best_known(problem: Problem, found: Sequence[Point], chosen: Sequence[int]) -> list[Point]:
    """Each point with the best assignment any solve of the sweep found, judged under the
    point's own weights: a short solve can miss what another factor's solve found."""
    out = []
    for p in found:
        variant = reweighed(problem, dict.fromkeys(chosen, p.factor))
        best = max(found, key=lambda q: evaluate(variant, q.result.assignment).objective_scaled)
        if evaluate(variant, best.result.assignment).objective_scaled > evaluate(
                variant, p.result.assignment).objective_scaled:
            result = replace(best.result, params=p.result.params, stats=p.result.stats,
                             status=Status.FEASIBLE, bound=p.result.bound)
            p = replace(p, result=result, complementarity=best.complementarity,
                        penalty=best.penalty)
        out.append(p)
    return out


def front(
    problem: Problem,
    params: Params,
    points: int = 5,
    rules: Sequence[int] | None = None,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
) -> Front:
    """Solve with the weights of ``rules`` (default: every soft rule) times each of
    :func:`factors` (``points``), within ``params.time_limit`` for all; mark the dominated.

    Point j gets the time left divided by the points still to solve; every point runs with
    ``params.seed``. A stop request ends the sweep with the points solved so far (before the
    first, the solve's error is raised); so does a point that finds no assignment in its time.
    """
    chosen = tuple(soft_rules(problem) if rules is None else rules)
    if not chosen:
        raise ValueError("the scenario has no soft rule to weigh against complementarity")
    start = time.perf_counter() if params.started is None else params.started
    deadline = start + params.time_limit - params.reserve
    found: list[Point] = []
    message = ""
    todo = factors(points)
    for j, f in enumerate(todo):
        budget = max(0.0, deadline - time.perf_counter()) / (len(todo) - j)
        if found and (budget < 0.01 or (stop is not None and stop.is_set())):
            message = "interrupted" if stop is not None and stop.is_set() else "no time left"
            break
        sub = replace(params, time_limit=max(0.01, budget), started=None, reserve=0.0)
        variant = reweighed(problem, dict.fromkeys(chosen, f))
        try:
            run = solve(variant, sub, on_progress=on_progress, stop=stop)
        except (NoSolutionError, StoppedError) as exc:
            if not found:
                raise
            message = str(exc)
            break
        ev = evaluate(problem, run.assignment)
        if not ev.feasible:  # the variant has the same hard rules: never expected
            raise RuntimeError("internal error: a point breaks a hard rule")
        status = Status.INTERRUPTED if run.status is Status.INTERRUPTED else Status.FEASIBLE
        if f == 1.0:
            status = run.status  # the scenario's own weights: the run's own verdict holds
        result = replace(run, evaluation=ev, status=status, problem=problem,
                         bound=run.bound if f == 1.0 else None)
        found.append(Point(f, result, ev.complementarity_scaled,
                           sum(ev.rules[k].penalty_scaled for k in chosen)))
        if run.status is Status.INTERRUPTED:
            message = "interrupted"
            break
    found = _best_known(problem, found, chosen)
    marks = _dominated(found)
    return Front(tuple(replace(p, dominated=d) for p, d in zip(found, marks, strict=True)),
                 chosen, message)
