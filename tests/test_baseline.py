"""The baseline by hand: sort-and-deal, then hard rules mended one move or swap at a time."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from helpers import make_problem
from pilotopt.baseline import _totals, by_hand, sort_and_deal
from pilotopt.evaluate import evaluate
from pilotopt.problem import SCALE, PairLink, Problem, RuleInfo, Stay


def test_sort_and_deal_spreads_the_strongest_and_fills_evenly(four_square: Problem) -> None:
    # Totals: every organisation 10; the seed orders the ties, the sizes stay 2 and 2.
    a = sort_and_deal(four_square, seed=3)
    assert sorted(np.bincount(a, minlength=2).tolist()) == [2, 2]
    s = np.array([[0, 5, 1, 1, 1], [5, 0, 1, 1, 1], [1, 1, 0, 0, 0], [1, 1, 0, 0, 0],
                  [1, 1, 0, 0, 0]])
    problem = make_problem(s, 2, size=(2, 3))
    a = sort_and_deal(problem, seed=0)
    assert a[0] != a[1]  # the two strongest (totals 8) are dealt first, one to each group
    assert sorted(np.bincount(a, minlength=2).tolist()) == [2, 3]
    assert evaluate(problem, a).feasible
    assert np.array_equal(a, sort_and_deal(problem, seed=0))


def test_sort_and_deal_on_score_factors_matches_dense() -> None:
    from pilotopt.compile import compile_problem
    from pilotopt.io.roster import read_roster
    from pilotopt.io.scenario import read_scenario

    data = Path(__file__).resolve().parent / "data"
    roster, scenario = read_roster(data / "roster.csv"), read_scenario(data / "scenario.toml")
    dense = compile_problem(roster.organisations, scenario, columns=roster.columns, dense=True)
    factors = compile_problem(roster.organisations, scenario, columns=roster.columns,
                              dense=False)
    assert np.array_equal(_totals(dense), _totals(factors))


#: Pair scores a-b 5, a-c 3, a-d 2, b-c 2, b-d 1: totals a 10, b 8, c 5, d 3, so
#: sort-and-deal makes {a, d} and {b, c} (objective 4).
SCORES = np.array([[0, 5, 3, 2], [5, 0, 2, 1], [3, 2, 0, 0], [2, 1, 0, 0]]) * SCALE


def apart(*pairs: tuple[int, int]) -> tuple[RuleInfo, PairLink]:
    return (RuleInfo("rule 1", "apart", "competitors apart", True),
            PairLink(1, np.array(pairs), False, True))


def test_hard_rules_are_mended_by_the_best_repairing_swap() -> None:
    p = make_problem(SCORES, 2, size=(2, 2), extra=[apart((0, 3))])
    assert sort_and_deal(p, 0).tolist() == [0, 1, 1, 0]
    b = by_hand(p, seed=0)
    # Every swap repairs a-d; {a, b} and {c, d} earns most (5; {a, c}, {b, d} earns 4).
    assert b.steps == 1 and b.evaluation == evaluate(p, b.assignment)
    assert b.evaluation.feasible and b.evaluation.objective_scaled == 5 * SCALE
    assert b.assignment[0] == b.assignment[1]
    doc = b.to_dict(p, objective=7.5)
    assert (doc["objective"], doc["all_hard_rules_hold"], doc["gain"], doc["gain_share"]) == (
        5.0, True, 2.5, 0.5)


def test_a_baseline_that_cannot_meet_the_hard_rules_says_so() -> None:
    # a may share a group with nobody: no move or swap repairs that.
    p = make_problem(SCORES, 2, size=(2, 2), extra=[apart((0, 1), (0, 2), (0, 3))])
    b = by_hand(p, seed=0)
    assert not b.evaluation.feasible and b.steps == 0
    assert b.to_dict(p)["broken_hard_rules"] == ["competitors apart"]


def test_by_hand_keeps_the_previous_groups_and_fills_one_too_small() -> None:
    # a, b, c had G1 and d had G2 (its partner dropped out: G2 is one short). At most one may
    # move: a person keeps the groups and brings the one who loses least (c) into G2.
    stay = Stay(1, np.array([0, 0, 0, 1]), 1, True)
    p = make_problem(SCORES, 2, size=(2, 3),
                     extra=[(RuleInfo("rule 1", "stability", "at most 1 moves", True), stay)])
    assert sort_and_deal(p, 0).tolist() == [0, 0, 0, 1]
    b = by_hand(p, seed=0)
    assert b.steps == 1 and b.evaluation.feasible
    assert b.assignment.tolist() == [0, 0, 1, 1]
