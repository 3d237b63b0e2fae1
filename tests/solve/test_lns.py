"""Large-neighbourhood repair: the sub-problem is the part that can change, and a repair never
makes the whole assignment worse or breaks a hard rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from helpers import random_problem
from pilotopt.evaluate import evaluate
from pilotopt.instance import read_problem
from pilotopt.problem import Problem
from pilotopt.solve.cpsat import solve_cpsat
from pilotopt.solve.lns import repair, restrict
from pilotopt.solve.search import tabu as K


def feasible_start(seed: int, n: int = 12, m: int = 4, optional: bool = False):  # type: ignore[no-untyped-def]
    problem = random_problem(seed, n, m, rules=True, optional=optional, with_hard=seed % 2 == 0)
    a, stats = K.local_search(problem, None, None, seed, max_iterations=400)
    return problem, a, stats["feasible"]


def test_sub_problem_changes_with_the_whole_objective_by_the_same_amount() -> None:
    # Two assignments that differ only inside the freed groups differ by as much in the
    # sub-problem as in the whole (no largest-deviation rule: it is the one approximation).
    for seed in range(10):
        problem, a, _ = feasible_start(seed)
        problem = type(problem)(problem.ids, problem.names, problem.group_names, problem.score,
                                problem.rules, tuple(p for p in problem.primitives
                                                     if type(p).__name__ != "MaxDeviation"))
        groups = [0, 2]
        sub, free = restrict(problem, a, groups)
        local = np.array([groups.index(g) for g in a[free]])
        other = local.copy()
        other[[0, -1]] = other[[-1, 0]]
        b = a.copy()
        b[free] = np.array(groups)[other]
        whole = evaluate(problem, b).objective_scaled - evaluate(problem, a).objective_scaled
        part = evaluate(sub, other).objective_scaled - evaluate(sub, local).objective_scaled
        assert whole == part


def check_repair(problem: Problem, a: np.ndarray, groups: list[int]) -> None:
    before = evaluate(problem, a)
    b = repair(problem, a, groups, time_limit=5, seed=0)
    assert b is not None
    keep = ~np.isin(a, groups) & (a >= 0)
    assert np.array_equal(a[keep], b[keep])
    after = evaluate(problem, b)
    assert after.feasible and after.objective_scaled >= before.objective_scaled


@pytest.mark.parametrize("seed", [1, 3, 5, 7])
def test_repair_keeps_other_groups_and_never_gets_worse(seed: int) -> None:
    problem, a, feasible = feasible_start(seed, optional=seed % 3 == 0)
    assert feasible
    check_repair(problem, a, [1, 3])


def test_repair_keeps_every_hard_rule_of_a_preset() -> None:
    demo = Path(__file__).parents[2]
    problem = read_problem(demo / "instances" / "demo" / "roster.csv",
                           demo / "models" / "esf-proeftuin.toml")
    start = solve_cpsat(problem, time_limit=10, seed=0, workers=1, first_solution=True)
    assert start.assignment is not None
    check_repair(problem, start.assignment, [0, 2])

