"""No-isolation and coverage: evaluator by hand, CP-SAT and solve against brute force."""

import numpy as np
import pytest

from helpers import brute_force, make_problem
from pilotopt.evaluate import evaluate
from pilotopt.problem import Coverage, NotExactlyOne, Primitive, Problem, RuleInfo
from pilotopt.solve import Params, solve
from pilotopt.solve.cpsat import conflicting_rules, solve_cpsat

# Tags: 0 = packaging, 1 = market_access. a offers packaging, b needs it; c offers market
# access, a needs it; d needs packaging too.
OFFERS = np.array([[1, 0], [0, 0], [0, 1], [0, 0]])
NEEDS = np.array([[0, 1], [1, 0], [0, 0], [1, 0]])


def problem(hard: bool, kind: str) -> Problem:
    prim: Primitive
    if kind == "coverage":
        prim = Coverage(1, NEEDS, OFFERS, hard, 0 if hard else 5)
    else:  # at most... a and d are 'knowledge': never alone in a group
        prim = NotExactlyOne(1, np.array([1, 0, 0, 1]), hard, 0 if hard else 5)
    score = np.array([[0, 1, 1, 1], [1, 0, 4, 1], [1, 4, 0, 1], [1, 1, 1, 0]])
    return make_problem(score, 2, size=(2, 2), extra=[(RuleInfo("rule 1", kind, "", hard), prim)])


def test_coverage_counts_needs_no_other_member_offers() -> None:
    p = problem(False, "coverage")
    # {a, b} {c, d}: b's packaging met by a; a's market access unmet; d's packaging unmet.
    ev = evaluate(p, [0, 0, 1, 1])
    assert ev.rules[1].per_group == (1, 1) and ev.penalty_scaled == 10
    # {a, c} {b, d}: a's need met by c; b and d need packaging, nobody offers it there.
    assert evaluate(p, [0, 1, 0, 1]).rules[1].per_group == (0, 2)


def test_own_offer_does_not_meet_own_need() -> None:
    offers, needs = np.array([[1], [0]]), np.array([[1], [0]])
    p = make_problem([[0, 0], [0, 0]], 1, extra=[
        (RuleInfo("r", "coverage", "", True), Coverage(1, needs, offers, True))])
    assert evaluate(p, [0, 0]).rules[1].violation == 1


def test_not_exactly_one_counts_lonely_groups() -> None:
    p = problem(True, "no_isolation")
    assert evaluate(p, [0, 1, 0, 1]).rules[1].per_group == (1, 1)
    assert evaluate(p, [0, 1, 1, 0]).feasible  # a and d together


@pytest.mark.parametrize("kind", ["coverage", "no_isolation"])
@pytest.mark.parametrize("hard", [True, False])
def test_cpsat_and_solve_match_brute_force(kind: str, hard: bool) -> None:
    p = problem(hard, kind)
    best = brute_force(p)
    out = solve_cpsat(p, time_limit=10, seed=0, workers=1)
    if best is None:
        assert out.status == "infeasible"
        return
    assert out.status == "optimal" and out.assignment is not None
    assert evaluate(p, out.assignment).objective_scaled == best
    result = solve(p, Params(time_limit=3, seed=0, workers=1))
    assert result.evaluation.objective_scaled == best and result.evaluation.feasible


def test_hard_coverage_conflict_is_named() -> None:
    # c offers market access, the only offer a can use: pin them apart and coverage fails.
    from pilotopt.problem import Allowed

    allowed = np.ones((4, 2), dtype=bool)
    allowed[0] = [True, False]
    allowed[2] = [False, True]
    p = make_problem(np.zeros((4, 4)), 2, size=(2, 2), extra=[
        (RuleInfo("rule 1", "coverage", "", True), Coverage(1, NEEDS, OFFERS, True)),
        (RuleInfo("rule 2", "pin", "", True), Allowed(2, allowed, True)),
    ])
    assert conflicting_rules(p, time_limit=5, seed=0) == [1, 2]
