"""Baselines a batch compares pilotopt with: a plain CP-SAT model of the same rules, and
sort-and-deal (:func:`pilotopt.baseline.sort_and_deal`, which every solve's baseline starts
from). Both answers are judged by :func:`pilotopt.evaluate`, like pilotopt's."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, assert_never

import numpy as np

from pilotopt.evaluate import Evaluation, evaluate
from pilotopt.problem import (
    SCALE,
    Allowed,
    Coverage,
    GroupSum,
    IntArray,
    LeaveOut,
    MaxDeviation,
    NotExactlyOne,
    PairLink,
    Problem,
    Proximity,
    Stay,
)

__all__ = ["OutOfTime", "PlainModel", "PlainOutcome", "solve_plain"]


class OutOfTime(Exception):
    """The plain model could not be built within the time limit."""


class PlainModel:
    """A plain CP-SAT model of a compiled problem: the rules as written, nothing added.

    ``x[i][g]`` says organisation i is in group g (exactly one per organisation). Each pair with a
    non-zero net weight (complementarity, plus the penalty of a soft together / apart rule on that
    pair) gets a boolean per group, linked to the assignment in the direction the objective
    needs: at most both members for a positive weight, at least both for a negative one. Hard
    primitives are constraints; soft primitives are penalty variables in the objective, in the
    problem's integer units, so CP-SAT's objective never exceeds the evaluator's for the same
    assignment (and equals it at an optimum). The problem must have dense scores (compile it
    with ``dense=True``); rules it has no plain form of (optional, balance by deviation, travel
    without listed pairs) raise ValueError.

    ``deadline`` (a ``time.perf_counter()`` value) stops the building with :class:`OutOfTime`.
    """

    def __init__(self, problem: Problem, deadline: float | None = None) -> None:
        from ortools.sat.python import cp_model

        def check() -> None:
            if deadline is not None and time.perf_counter() > deadline:
                raise OutOfTime

        if problem.factors is not None:
            raise ValueError("the plain model needs dense scores (compile with dense=True)")
        self.problem = problem
        self.model = md = cp_model.CpModel()
        n, m = problem.n, problem.m
        x = self.x = [[md.new_bool_var(f"x[{i},{g}]") for g in range(m)] for i in range(n)]
        for i in range(n):
            md.add_exactly_one(x[i])
        weight: dict[tuple[int, int], int] = {}
        rows, cols = np.nonzero(np.triu(problem.score, 1))
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            weight[i, j] = int(problem.score[i, j])
        pvars: list[Any] = []  # penalty variables and their costs
        pcost: list[int] = []
        offset = 0
        for p in problem.primitives:
            check()
            if not p.hard and p.penalty < 0:
                raise ValueError(f"negative penalty in rule {p.rule}")
            match p:
                case GroupSum():
                    members = np.flatnonzero(p.w).tolist()
                    for g in range(m):
                        s = cp_model.LinearExpr.weighted_sum(
                            [x[i][g] for i in members], [int(p.w[i]) for i in members])
                        lo, hi = int(p.lo[g]), int(p.hi[g])
                        if p.hard:
                            md.add_linear_constraint(s, lo, hi)
                            continue
                        span = int(np.abs(p.w).sum()) + abs(lo) + abs(hi)
                        under = md.new_int_var(0, span, f"under[{p.rule},{g}]")
                        over = md.new_int_var(0, span, f"over[{p.rule},{g}]")
                        md.add(under >= lo - s)
                        md.add(over >= s - hi)
                        pvars += [under, over]
                        pcost += [p.penalty, p.penalty]
                case PairLink():
                    for a, b in p.pairs.tolist():
                        if a == b:
                            continue
                        key = (min(a, b), max(a, b))
                        if p.hard:
                            for g in range(m):
                                if p.together:
                                    md.add(x[a][g] == x[b][g])
                                else:
                                    md.add_bool_or([x[a][g].Not(), x[b][g].Not()])
                        elif p.together:  # penalty * (1 - same)
                            weight[key] = weight.get(key, 0) + p.penalty
                            offset -= p.penalty
                        else:  # penalty * same
                            weight[key] = weight.get(key, 0) - p.penalty
                case Allowed():
                    for i, g in zip(*np.nonzero(~p.allowed), strict=True):
                        if p.hard:
                            md.add(x[int(i)][int(g)] == 0)
                        else:
                            pvars.append(x[int(i)][int(g)])
                            pcost.append(p.penalty)
                case NotExactlyOne():
                    members = np.flatnonzero(p.w).tolist()
                    if not members:
                        continue
                    for g in range(m):
                        count = sum(x[i][g] for i in members)
                        if p.hard:
                            present = md.new_bool_var(f"present[{p.rule},{g}]")
                            md.add(count >= 2).only_enforce_if(present)
                            md.add(count == 0).only_enforce_if(present.Not())
                        else:
                            alone = md.new_bool_var(f"alone[{p.rule},{g}]")
                            md.add(count != 1).only_enforce_if(alone.Not())
                            pvars.append(alone)
                            pcost.append(p.penalty)
                case Coverage():
                    for i, t in zip(*np.nonzero(p.needs), strict=True):
                        offerers = [int(j) for j in np.flatnonzero(p.offers[:, t]) if j != i]
                        for g in range(m):
                            offered = sum(x[j][g] for j in offerers)
                            if p.hard:
                                md.add(offered >= x[int(i)][g])
                            else:
                                unmet = md.new_bool_var(f"unmet[{p.rule},{i},{t},{g}]")
                                md.add(offered + unmet >= x[int(i)][g])
                                pvars.append(unmet)
                                pcost.append(p.penalty)
                case LeaveOut() | MaxDeviation() | Proximity() | Stay():
                    raise ValueError(f"the plain model has no form of the "
                                     f"{problem.rules[p.rule].kind} rule ({type(p).__name__})")
                case _:
                    assert_never(p)
        zvars: list[Any] = []
        zcost: list[int] = []
        for k, ((i, j), c) in enumerate(weight.items()):
            if k % 256 == 0:
                check()
            if c == 0:
                continue
            for g in range(m):
                z = md.new_bool_var(f"z[{i},{j},{g}]")
                if c > 0:
                    md.add_implication(z, x[i][g])
                    md.add_implication(z, x[j][g])
                else:
                    md.add_bool_or([x[i][g].Not(), x[j][g].Not(), z])
                zvars.append(z)
                zcost.append(c)
        check()
        self.pair_variables = len(zvars)
        md.maximize(cp_model.LinearExpr.weighted_sum(zvars, zcost)
                    - cp_model.LinearExpr.weighted_sum(pvars, pcost) + offset)

    def assignment(self, solver: Any) -> list[int]:
        """Group of each organisation in the solver's current solution."""
        m = self.problem.m
        return [next(g for g in range(m) if solver.boolean_value(row[g])) for row in self.x]


@dataclass(frozen=True)
class PlainOutcome:
    """What CP-SAT made of the plain model: its status and, with an assignment, the
    evaluator's judgement of it; objectives and bound in user units."""

    status: str
    assignment: IntArray | None = None
    evaluation: Evaluation | None = None
    cpsat_objective: float | None = None
    bound: float | None = None
    pair_variables: int | None = None
    build_seconds: float = 0.0

    @property
    def objective(self) -> float | None:
        """The evaluator's objective in user units (None without an assignment)."""
        return None if self.evaluation is None else self.evaluation.objective


def solve_plain(problem: Problem, *, time_limit: float, seed: int, workers: int,
                started: float) -> PlainOutcome:
    """Build and solve :class:`PlainModel` within ``time_limit`` seconds counted from
    ``started``; the outcome re-checked by the evaluator."""
    from ortools.sat.python import cp_model

    deadline = started + time_limit
    try:
        built = PlainModel(problem, deadline=deadline)
    except OutOfTime:
        return PlainOutcome("model not built in time",
                            build_seconds=round(time.perf_counter() - started, 3))
    build = round(time.perf_counter() - started, 3)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, deadline - time.perf_counter())
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = workers
    status = solver.solve(built.model)
    name = solver.status_name(status).lower()
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return PlainOutcome(name, pair_variables=built.pair_variables, build_seconds=build)
    assignment = np.asarray(built.assignment(solver), dtype=np.int64)
    ev = evaluate(problem, assignment)
    if ev.objective_scaled < solver.objective_value:  # the evaluator counts every term CP-SAT does
        raise RuntimeError("plain model: CP-SAT objective above the evaluator's")
    return PlainOutcome(name, assignment, ev, solver.objective_value / SCALE,
                        solver.best_objective_bound / SCALE, built.pair_variables, build)
