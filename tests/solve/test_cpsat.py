"""The CP-SAT model against brute force on tiny instances, and conflict naming."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import brute_force, make_problem, stay_problem, unequal_groups
from pilotopt.evaluate import evaluate
from pilotopt.problem import Allowed, GroupSum, LeaveOut, PairLink, Primitive, Problem, RuleInfo
from pilotopt.solve.cpsat import conflicting_rules, solve_cpsat


@st.composite
def tiny_problems(draw: st.DrawFn) -> Problem:
    n = draw(st.integers(3, 6))
    m = draw(st.integers(2, 3))
    upper = draw(st.lists(st.integers(-3, 9), min_size=n * n, max_size=n * n))
    s = np.triu(np.array(upper).reshape(n, n), 1)
    extra: list[tuple[RuleInfo, Primitive]] = []
    flags = draw(st.lists(st.booleans(), min_size=4, max_size=4))
    if flags[0]:  # a quota on a random attribute
        w = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
        hard = draw(st.booleans())
        extra.append((RuleInfo("quota", "quota", "", hard),
                      GroupSum(len(extra) + 1, w, np.full(m, 1), np.full(m, n), hard,
                               0 if hard else 3)))
    if flags[1]:
        hard = draw(st.booleans())
        extra.append((RuleInfo("apart", "apart", "", hard),
                      PairLink(len(extra) + 1, np.array([[0, 1], [1, 2]]), False, hard,
                               0 if hard else 4)))
    if flags[2]:
        hard = draw(st.booleans())
        extra.append((RuleInfo("together", "together", "", hard),
                      PairLink(len(extra) + 1, np.array([[0, n - 1]]), True, hard,
                               0 if hard else 5)))
    if flags[3]:
        allowed = np.ones((n, m), dtype=bool)
        allowed[n - 2] = False
        allowed[n - 2, m - 1] = True
        hard = draw(st.booleans())
        extra.append((RuleInfo("pin", "pin", "", hard),
                      Allowed(len(extra) + 1, allowed, hard, 0 if hard else 6)))
    return make_problem(s + s.T, m, size=(1, n - 1), extra=extra)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_problems())
def test_cpsat_optimum_equals_brute_force(problem: Problem) -> None:
    out = solve_cpsat(problem, time_limit=20, seed=0, workers=1)
    best = brute_force(problem)
    if best is None:
        assert out.status == "infeasible"
        return
    assert out.status == "optimal"
    assert out.assignment is not None and out.objective is not None
    ev = evaluate(problem, out.assignment)
    assert ev.feasible
    assert ev.objective_scaled == best == round(out.objective)


def test_per_member_with_fixed_sizes_is_linear() -> None:
    # Groups of exactly 2 and 3 (tests/helpers.py): the weights 3 and 2 over lcm 6 give six
    # times the size-fair objective; CP-SAT proves {b, c} + {a, d, e} (5 + 8 / 3) best.
    base = unequal_groups(per_member=True)
    size = base.primitives[0]
    assert isinstance(size, GroupSum)
    fixed = replace(base, primitives=(replace(size, lo=np.array([2, 3]), hi=np.array([2, 3])),))
    out = solve_cpsat(fixed, time_limit=10, seed=0, workers=1)
    assert out.status == "optimal" and out.assignment is not None
    assert out.assignment.tolist() == [1, 0, 0, 1, 1]
    assert evaluate(fixed, out.assignment).objective_scaled == brute_force(fixed) == 7666
    assert out.objective == pytest.approx(7666.67, abs=0.01)  # exact, before rounding down
    assert out.bound == pytest.approx(out.objective)


def test_per_member_with_sizes_that_vary_is_left_to_the_search() -> None:
    # CP-SAT finds an assignment meeting the hard rules and proves nothing about the ratio.
    out = solve_cpsat(unequal_groups(per_member=True), time_limit=10, seed=0, workers=1,
                      hint=np.array([0, 0, 0, 1, 1]))
    assert out.status == "feasible" and out.assignment is not None
    assert out.bound is None and out.objective is None


def test_symmetry_breaking_keeps_the_optimum(four_square) -> None:
    out = solve_cpsat(four_square, time_limit=5, seed=3, workers=1)
    assert out.status == "optimal" and out.assignment is not None
    assert evaluate(four_square, out.assignment).objective_scaled == 18
    assert out.assignment[0] == 0  # the first organisation opens the first group


def test_hint_is_accepted(four_square) -> None:
    out = solve_cpsat(four_square, time_limit=5, seed=0, workers=1,
                      hint=np.array([1, 1, 0, 0]))
    assert out.status == "optimal"


def test_a_first_solution_keeps_as_many_as_it_can_in_their_preferred_group() -> None:
    # Six organisations, groups of exactly three, a and b apart. Preferred: a, b, c, d in G1
    # (a and b cannot both be), e in G2, f anywhere: four of the five can stay.
    apart = PairLink(1, np.array([[0, 1]]), together=False, hard=True)
    p = make_problem(np.zeros((6, 6)), 2, size=(3, 3),
                     extra=[(RuleInfo("rule 1", "apart", "apart", True), apart)])
    prefer = np.array([0, 0, 0, 0, 1, -1])
    out = solve_cpsat(p, time_limit=5, seed=0, workers=1, first_solution=True, prefer=prefer)
    assert out.status == "optimal" and out.assignment is not None
    assert evaluate(p, out.assignment).feasible
    assert int(np.sum(out.assignment == prefer)) == 4
    assert out.assignment[4] == 1 and out.assignment[2:4].tolist() == [0, 0]


def test_conflicting_rules_are_named_minimally() -> None:
    n = 4
    rules: list[tuple[RuleInfo, Primitive]] = [
        (RuleInfo("rule 1", "together", "", True), PairLink(1, np.array([[0, 1]]), True, True)),
        (RuleInfo("rule 2", "quota", "", True),  # harmless on its own
         GroupSum(2, np.ones(n, dtype=np.int64), np.zeros(2, dtype=np.int64),
                  np.full(2, 3, dtype=np.int64), True)),
        (RuleInfo("rule 3", "apart", "", True), PairLink(3, np.array([[0, 1]]), False, True)),
    ]
    p = make_problem(np.zeros((n, n)), 2, size=(1, 3), extra=rules)
    assert solve_cpsat(p, time_limit=5, seed=0, workers=1).status == "infeasible"
    assert conflicting_rules(p, time_limit=5, seed=0) == [1, 3]


def test_feasible_problem_has_no_conflict(four_square) -> None:
    assert conflicting_rules(four_square, time_limit=5, seed=0) is None


def test_hard_together_pair_left_out_is_broken_as_the_evaluator_says() -> None:
    # a and b may both be left out, and leaving them out pays; but two left out are not together.
    rules: list[tuple[RuleInfo, Primitive]] = [
        (RuleInfo("rule 1", "together", "", True), PairLink(1, np.array([[0, 1]]), True, True)),
        (RuleInfo("rule 2", "optional", "", True),
         LeaveOut(2, np.array([1, 1, 0]), np.zeros(3, dtype=np.int64), 0, True)),
    ]
    p = make_problem([[0, -5, -5], [-5, 0, -5], [-5, -5, 0]], 2, size=(0, 3), extra=rules)
    out = solve_cpsat(p, time_limit=5, seed=0, workers=1)
    assert out.status == "optimal" and out.assignment is not None
    assert evaluate(p, out.assignment).feasible
    assert round(out.objective or 0) == brute_force(p) == -5


def test_stay_bounds_the_moves_as_the_brute_force_does() -> None:
    for most, hard, penalty, best in ((1, True, 0, 0), (2, True, 0, 18), (0, False, 2, 14),
                                      (1, False, 2, 16)):
        p = stay_problem(most, hard, penalty)
        assert brute_force(p) == best
        out = solve_cpsat(p, time_limit=5, seed=0, workers=1)
        assert out.assignment is not None
        assert evaluate(p, out.assignment).objective_scaled == best
