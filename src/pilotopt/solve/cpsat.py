"""The CP-SAT model of a :class:`~pilotopt.problem.Problem`, built from its primitives.

One builder per primitive kind; each hard primitive can be made conditional on an enforcement
literal of its rule, which is how conflicting rules are named (see :func:`conflicting_rules`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import assert_never

import numpy as np
from ortools.sat.python import cp_model

from pilotopt.evaluate import evaluate
from pilotopt.problem import (
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

__all__ = [
    "AssignmentModel",
    "CpSatOutcome",
    "canonical",
    "conflicting_rules",
    "relaxations",
    "solve_cpsat",
]

log = logging.getLogger(__name__)

_STATUS = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "model_invalid",
    cp_model.UNKNOWN: "unknown",
}


class AssignmentModel:
    """Assignment variables ``x[i, g]``, the rules and the objective, for one problem.

    Parameters
    ----------
    problem
        The compiled problem.
    rule_literals
        When True, every hard rule holds only under an enforcement literal (see
        :attr:`rule_literal`), so a solve with those literals as assumptions can tell which rules
        conflict.
    objective
        When False, only the hard rules are modelled: a smaller model that finds a first
        assignment, or proves there is none, much faster.

    The size-fair objective (``problem.per_member``: each group's pairs over its size) is a
    ratio CP-SAT cannot model while sizes vary. With every group's size fixed it is linear:
    the model maximises :attr:`scale` times it (group g's pairs weigh ``scale / size[g]``,
    penalties ``scale``; :func:`solve_cpsat` divides the figures back). Otherwise only the
    hard rules are modelled (:attr:`scale` 0): CP-SAT finds assignments, the search improves
    them and the bound is :func:`pilotopt.solve.bound.pair_bound`'s.
    """

    def __init__(
        self, problem: Problem, *, rule_literals: bool = False, objective: bool = True
    ) -> None:
        if problem.factors is not None:
            raise ValueError("the CP-SAT model needs dense pair scores (a part of a large "
                             "problem: see pilotopt.solve.lns.restrict)")
        self.problem = problem
        self.model = cp_model.CpModel()
        n, m = problem.n, problem.m
        self.x = [
            [self.model.new_bool_var(f"x[{problem.ids[i]},{problem.group_names[g]}]")
             for g in range(m)]
            for i in range(n)
        ]
        optional = problem.optional
        for i in range(n):
            if optional[i]:
                self.model.add_at_most_one(self.x[i])
            else:
                self.model.add_exactly_one(self.x[i])
        self.rule_literal: dict[int, cp_model.IntVar] = {}
        if rule_literals:
            hard = sorted({p.rule for p in problem.primitives if p.hard})
            self.rule_literal = {
                k: self.model.new_bool_var(f"holds[{problem.rules[k].id}]") for k in hard
            }
        self._penalties: list[cp_model.LinearExprT] = []
        weights = np.ones(m, dtype=np.int64)
        #: The model's objective is this times the problem's (0: the size-fair objective could
        #: not be modelled; only the hard rules are).
        self.scale = 1
        if objective and problem.per_member:
            lo, hi = problem.size_bounds()
            fixed = bool(np.all(lo == hi))
            self.scale = int(np.lcm.reduce(np.maximum(hi, 1))) if fixed else 0
            weights = self.scale // np.maximum(hi, 1)
            objective = fixed
        for p in problem.primitives:
            if not (p.hard or objective):
                continue
            match p:
                case GroupSum():
                    self._group_sum(p)
                case PairLink():
                    self._pair_link(p)
                case Allowed():
                    self._allowed(p)
                case NotExactlyOne():
                    self._not_exactly_one(p)
                case Coverage():
                    self._coverage(p)
                case LeaveOut():
                    self._leave_out(p, objective)
                case MaxDeviation():
                    self._max_deviation(p)
                case Proximity():
                    self._pair_link(PairLink(p.rule, p.pairs(np.arange(n)), False, p.hard,
                                             p.penalty))
                case Stay():
                    self._stay(p)
                case _:
                    assert_never(p)
        self._break_symmetry()
        if objective:
            self.model.maximize(self._pair_terms(weights) - self.scale * sum(self._penalties))

    def in_group(self, i: int, g: int) -> cp_model.IntVar:
        """The literal 'organisation i is in group g'."""
        return self.x[i][g]

    def group_sum(self, w: IntArray, g: int) -> cp_model.LinearExprT:
        """Sum of ``w`` over the members of group g."""
        return sum(int(w[i]) * self.x[i][g] for i in np.flatnonzero(w))

    def _enforce(self, ct: cp_model.Constraint, rule: int) -> None:
        if rule in self.rule_literal:
            ct.only_enforce_if(self.rule_literal[rule])

    def _and(self, a: cp_model.IntVar, b: cp_model.IntVar, name: str) -> cp_model.IntVar:
        both = self.model.new_bool_var(name)
        self.model.add_bool_and([a, b]).only_enforce_if(both)
        self.model.add_bool_or([a.Not(), b.Not()]).only_enforce_if(both.Not())
        return both

    def _group_sum(self, p: GroupSum) -> None:
        top = int(p.w[p.w > 0].sum())
        bottom = int(p.w[p.w < 0].sum())
        for g in range(self.problem.m):
            lo, hi = int(p.lo[g]), int(p.hi[g])
            if lo <= bottom and hi >= top:
                continue  # cannot be violated
            s = self.group_sum(p.w, g)
            if p.hard:
                self._enforce(self.model.add_linear_constraint(s, lo, hi), p.rule)
                continue
            span = top - bottom + abs(lo) + abs(hi)
            under = self.model.new_int_var(0, span, f"under[{p.rule},{g}]")
            over = self.model.new_int_var(0, span, f"over[{p.rule},{g}]")
            self.model.add_max_equality(under, [0, lo - s])
            self.model.add_max_equality(over, [0, s - hi])
            self._penalties.append(p.penalty * (under + over))

    def _pair_link(self, p: PairLink) -> None:
        m = self.problem.m
        for a, b in p.pairs:
            xa, xb = self.x[int(a)], self.x[int(b)]
            if p.hard:
                for g in range(m):
                    ct = (self.model.add(xa[g] == xb[g]) if p.together
                          else self.model.add_bool_or([xa[g].Not(), xb[g].Not()]))
                    self._enforce(ct, p.rule)
                if p.together:  # as the evaluator reads it: two left out are not together
                    self._enforce(self.model.add(sum(xa) == 1), p.rule)
                continue
            same = sum(self._and(xa[g], xb[g], f"same[{a},{b},{g}]") for g in range(m))
            self._penalties.append(p.penalty * ((1 - same) if p.together else same))

    def _allowed(self, p: Allowed) -> None:
        for i, g in zip(*p.table.closed(), strict=True):
            if p.hard:
                self._enforce(self.model.add(self.x[int(i)][int(g)] == 0), p.rule)
            else:
                self._penalties.append(p.penalty * self.x[int(i)][int(g)])

    def _not_exactly_one(self, p: NotExactlyOne) -> None:
        members = np.flatnonzero(p.w)
        if len(members) == 0:
            return
        for g in range(self.problem.m):
            count = sum(self.x[int(i)][g] for i in members)
            present = self.model.new_bool_var(f"present[{p.rule},{g}]")
            self.model.add(count >= 1).only_enforce_if(present)
            self.model.add(count == 0).only_enforce_if(present.Not())
            if p.hard:
                self._enforce(self.model.add(count >= 2).only_enforce_if(present), p.rule)
                continue
            alone = self.model.new_bool_var(f"alone[{p.rule},{g}]")
            self.model.add(count == 1).only_enforce_if(alone)
            self.model.add(count != 1).only_enforce_if(alone.Not())
            self._penalties.append(p.penalty * alone)

    def _coverage(self, p: Coverage) -> None:
        for i, t in zip(*np.nonzero(p.needs), strict=True):
            offerers = [int(j) for j in np.flatnonzero(p.offers[:, t]) if j != i]
            for g in range(self.problem.m):
                xi = self.x[int(i)][g]
                offered = sum(self.x[j][g] for j in offerers)
                if p.hard:
                    self._enforce(self.model.add(offered >= 1).only_enforce_if(xi), p.rule)
                    continue
                unmet = self.model.new_bool_var(f"unmet[{p.rule},{i},{t},{g}]")
                # unmet == xi and no other member offers t
                self.model.add_implication(unmet, xi)
                if offerers:
                    self.model.add(offered == 0).only_enforce_if(unmet)
                    self.model.add_bool_or([xi.Not(), unmet, *(self.x[j][g] for j in offerers)])
                else:
                    self.model.add_implication(xi, unmet)
                self._penalties.append(p.penalty * unmet)

    def _leave_out(self, p: LeaveOut, objective: bool) -> None:
        members = np.flatnonzero(p.w)
        placed = sum(self.x[int(i)][g] for i in members for g in range(self.problem.m))
        if objective:
            self._penalties += [int(p.cost[i]) * (1 - sum(self.x[int(i)]))
                                for i in members if p.cost[i]]
        if p.lo <= 0:
            return
        if p.hard:
            self._enforce(self.model.add(placed >= p.lo), p.rule)
            return
        short = self.model.new_int_var(0, p.lo, f"short[{p.rule}]")
        self.model.add(short >= p.lo - placed)
        self._penalties.append(p.penalty * short)

    def _stay(self, p: Stay) -> None:
        kept = np.flatnonzero(p.home >= 0)
        # Placed, but not at home: a move (an organisation left out has not moved).
        moved = sum(sum(self.x[int(i)]) - self.x[int(i)][int(p.home[i])] for i in kept)
        if p.hard:
            self._enforce(self.model.add(moved <= p.most), p.rule)
            return
        over = self.model.new_int_var(0, len(kept), f"moved_over[{p.rule}]")
        self.model.add(over >= moved - p.most)
        self._penalties.append(p.penalty * over)

    def _max_deviation(self, p: MaxDeviation) -> None:
        span = int(np.abs(p.w).sum()) + abs(p.target)
        dev = self.model.new_int_var(0, span, f"deviation[{p.rule}]")
        for g in range(self.problem.m):
            s = self.group_sum(p.w, g)
            self.model.add(dev >= s - p.target)
            self.model.add(dev >= p.target - s)
        self._penalties.append(p.penalty * dev)

    def _break_symmetry(self) -> None:
        """Within each class of interchangeable groups, order groups by their first member.

        ``prefix[i][g]`` counts members of g among organisations 0..i; organisation i may open
        group g only if the previous group of its class already has an earlier member.
        """
        n = self.problem.n
        for cls in self.problem.interchangeable_groups():
            if len(cls) < 2:
                continue
            prefix: dict[int, list[cp_model.LinearExprT]] = {}
            for g in cls[:-1]:
                run: cp_model.LinearExprT = 0
                prefix[g] = []
                for i in range(n):
                    run = run + self.x[i][g]
                    prefix[g].append(run)
            for prev, g in zip(cls, cls[1:], strict=False):
                self.model.add(self.x[0][g] == 0)
                for i in range(1, n):
                    self.model.add(self.x[i][g] <= prefix[prev][i - 1])
        # Copies of one organisation (its memberships) are interchangeable: each copy sits in
        # a group after the previous copy's, and is placed only if that one is.
        m = self.problem.m
        for i in np.flatnonzero(self.problem.further).tolist():
            for g in range(m):
                self.model.add(self.x[i][g] <= sum(self.x[i - 1][h] for h in range(g)))

    def _pair_terms(self, weights: IntArray) -> cp_model.LinearExprT:
        """Score earned by same-group pairs, group g's times ``weights[g]``; pair variables
        only where a pair has weight."""
        score = self.problem.score
        m = self.problem.m
        rows, cols = np.nonzero(np.triu(score, 1))
        terms = []
        partners: list[list[list[cp_model.IntVar]]] = [
            [[] for _ in range(m)] for _ in range(self.problem.n)
        ]
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            s = int(score[i, j])
            for g in range(m):
                if s > 0:  # maximised, so upper bounds suffice
                    z = self.model.new_bool_var(f"z[{i},{j},{g}]")
                    self.model.add_implication(z, self.x[i][g])
                    self.model.add_implication(z, self.x[j][g])
                else:
                    z = self._and(self.x[i][g], self.x[j][g], f"z[{i},{j},{g}]")
                partners[i][g].append(z)
                partners[j][g].append(z)
                terms.append(s * int(weights[g]) * z)
        # A member of g has at most (largest size of g) - 1 partners there; without this the
        # linear relaxation spreads everyone over every group and the bound is useless.
        _, hi = self.problem.size_bounds()
        for i in range(self.problem.n):
            for g in range(m):
                if len(partners[i][g]) > hi[g] - 1:
                    self.model.add(sum(partners[i][g]) <= int(hi[g] - 1) * self.x[i][g])
        return sum(terms)

    def prefer(self, groups: IntArray) -> None:
        """Keep as many organisations as can be in their group ``groups[i]`` (-1: any): the
        objective of a model built without one, hinted with those groups."""
        self.model.maximize(sum(self.x[i][int(g)] for i, g in enumerate(groups) if g >= 0))
        self.hint(groups)

    def hint(self, assignment: IntArray) -> None:
        """Give a known assignment as a solution hint."""
        self.model.clear_hints()
        for i, g0 in enumerate(assignment):  # -1 (left out): in no group
            for g in range(self.problem.m):
                self.model.add_hint(self.x[i][g], int(g0) == g)

    def assignment(
        self, solver: cp_model.CpSolver | cp_model.CpSolverSolutionCallback
    ) -> IntArray:
        """Group of each organisation in the solver's current solution."""
        return np.array(
            [next((g for g in range(self.problem.m) if solver.boolean_value(self.x[i][g])), -1)
             for i in range(self.problem.n)],
            dtype=np.int64,
        )


@dataclass(frozen=True)
class CpSatOutcome:
    """What a CP-SAT run gave: status, best assignment (if any), objective and bound (scaled)."""

    status: str
    assignment: IntArray | None
    objective: float | None
    bound: float | None
    wall_time: float


def _solver(time_limit: float, seed: int, workers: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = workers
    # Signals belong to the caller (pilotopt solve turns the first SIGINT into a stop request);
    # CP-SAT's own SIGINT handler would replace it while it runs.
    solver.parameters.catch_sigint_signal = False
    solver.parameters.log_search_progress = log.isEnabledFor(logging.DEBUG)
    if log.isEnabledFor(logging.DEBUG):
        solver.log_callback = log.debug
    return solver


class _Objectives(cp_model.CpSolverSolutionCallback):
    """Hands each improving solution's objective to a function."""

    def __init__(self, report: Callable[[int], None], built: AssignmentModel) -> None:
        super().__init__()
        self.report = report
        self.built = built

    def on_solution_callback(self) -> None:
        if self.built.scale == 1:
            self.report(round(self.objective_value))
        else:  # per member, the evaluator rounds each group's figure down: its count
            problem = self.built.problem
            self.report(evaluate(problem, self.built.assignment(self)).objective_scaled)


def canonical(problem: Problem, assignment: IntArray) -> IntArray:
    """The same grouping with interchangeable groups renumbered as the symmetry breaking wants.

    Within each class of interchangeable groups, groups are ordered by their first member (empty
    groups last), and then the copies of an organisation in several groups by group
    (:meth:`Problem.canonical`, which keeps that order of the groups), so the assignment is a
    valid hint for :class:`AssignmentModel`.
    """
    out = np.array(assignment, dtype=np.int64)
    n = problem.n
    placed = out >= 0
    first = np.full(problem.m, n, dtype=np.int64)
    np.minimum.at(first, out[placed], np.flatnonzero(placed))
    mapping = np.arange(problem.m)
    for cls in problem.interchangeable_groups():
        for target, g in zip(cls, sorted(cls, key=lambda g: (first[g], g)), strict=True):
            mapping[g] = target
    return problem.canonical(np.where(placed, mapping[np.maximum(out, 0)], -1))


def solve_cpsat(
    problem: Problem,
    *,
    time_limit: float,
    seed: int,
    workers: int,
    hint: IntArray | None = None,
    first_solution: bool = False,
    prefer: IntArray | None = None,
    deterministic_time: float | None = None,
    stop_when: Callable[[Callable[[], None]], None] | None = None,
    on_objective: Callable[[int], None] | None = None,
) -> CpSatOutcome:
    """Solve with CP-SAT under a time limit.

    ``first_solution`` asks only for an assignment meeting every hard rule (no objective);
    with ``prefer`` (a group per organisation, -1: any), for the one that keeps the most of them
    in those groups (e.g. a previous assignment), close to it whatever presolve makes of a hint.
    ``deterministic_time`` bounds the work in CP-SAT's deterministic seconds, so that one
    worker with the same seed repeats the same search whatever the machine's speed.
    ``stop_when`` is handed a function that stops the search (it may be called from another
    thread), e.g. to stop when the local search is ready to take over. ``on_objective`` is
    called with the (scaled) objective of each improving solution.
    """
    built = AssignmentModel(problem, objective=not first_solution)
    # The size-fair objective with sizes that vary is not modelled: an assignment is all.
    first_solution = first_solution or not built.scale
    if hint is not None:
        built.hint(canonical(problem, hint))
    preferring = first_solution and prefer is not None and bool(np.any(prefer >= 0))
    if preferring:
        assert prefer is not None
        built.prefer(canonical(problem, prefer))
    solver = _solver(time_limit, seed, workers)
    if first_solution and not preferring:
        solver.parameters.stop_after_first_solution = True
    if deterministic_time is not None:
        solver.parameters.max_deterministic_time = max(0.01, deterministic_time)
    if stop_when is not None:
        stop_when(solver.stop_search)
    callback = (None if on_objective is None or first_solution
                else _Objectives(on_objective, built))
    status = solver.solve(built.model, callback)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    name = _STATUS.get(status, "unknown")
    if name == "optimal" and not built.scale:
        name = "feasible"  # no objective was modelled: nothing is proven optimal
    scale = max(1, built.scale)
    return CpSatOutcome(
        status=name,
        assignment=built.assignment(solver) if found else None,
        objective=solver.objective_value / scale if found and not first_solution else None,
        bound=(solver.best_objective_bound / scale
               if not first_solution and (found or status == cp_model.UNKNOWN) else None),
        wall_time=solver.wall_time,
    )


class _HardRules:
    """The hard rules alone, each under an assumption literal, to test subsets of them."""

    def __init__(self, problem: Problem, seed: int) -> None:
        self.built = AssignmentModel(problem, rule_literals=True, objective=False)
        self.lits = self.built.rule_literal
        self.seed = seed

    def check(self, rules: list[int], limit: float) -> tuple[str, list[int]]:
        """CP-SAT's status with only ``rules`` holding, and a sufficient subset when infeasible."""
        model = self.built.model
        model.clear_assumptions()
        model.add_assumptions([self.lits[k] for k in rules])
        solver = _solver(limit, self.seed, 1)
        status = _STATUS.get(solver.solve(model), "unknown")
        if status != "infeasible":
            return status, rules
        core_vars = set(solver.sufficient_assumptions_for_infeasibility())
        return status, [k for k in rules if self.lits[k].index in core_vars] or rules


def conflicting_rules(problem: Problem, *, time_limit: float, seed: int) -> list[int] | None:
    """A small set of hard rules that cannot all hold, or None if none was proven.

    Solves with every hard rule's enforcement literal as an assumption, takes CP-SAT's sufficient
    assumptions for infeasibility, then drops each rule whose removal keeps the rest infeasible,
    so the set returned is minimal when every sub-solve finishes in time.
    """
    hard = _HardRules(problem, seed)
    status, core = hard.check(sorted(hard.lits), time_limit / 2)
    if status != "infeasible":
        return None
    step = time_limit / 2 / max(1, len(core))
    for k in list(core):
        rest = [r for r in core if r != k]
        if rest and hard.check(rest, step)[0] == "infeasible":
            core = rest
    return core


def relaxations(problem: Problem, rules: list[int], *, time_limit: float, seed: int) -> list[int]:
    """Those of ``rules`` whose removal alone lets every other hard rule hold (proven)."""
    hard = _HardRules(problem, seed)
    step = time_limit / max(1, len(rules))
    return [k for k in rules
            if hard.check([r for r in sorted(hard.lits) if r != k], step)[0] in
            ("feasible", "optimal")]
