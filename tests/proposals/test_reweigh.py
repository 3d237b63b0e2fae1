"""Problem variants: weights scaled, a rule dropped, pairs of earlier assignments discouraged;
each checked through the evaluator on the original problem."""

from __future__ import annotations

import numpy as np

from helpers import factored_problem, make_problem, random_problem
from pilotopt.evaluate import evaluate
from pilotopt.problem import SCALE, PairLink, RuleInfo
from pilotopt.proposals.reweigh import (
    co_member_pairs,
    discouraging,
    reweighed,
    soft_rules,
    without,
)


def test_co_member_pairs_lists_each_pair_sharing_a_group_once() -> None:
    pairs = co_member_pairs(np.array([1, 0, 1, -1, 1, 0]))
    assert pairs.tolist() == [[0, 2], [0, 4], [1, 5], [2, 4]]
    assert co_member_pairs(np.array([-1, -1])).shape == (0, 2)


def test_discouraging_takes_the_weight_off_every_pair_kept() -> None:
    earlier = np.array([0, 0, 1, 1])
    s = np.triu(np.arange(16).reshape(4, 4) % 5, 1)
    for problem in (make_problem(s + s.T, 2, size=(2, 2)), factored_problem(5, 4, 2)):
        variant = discouraging(problem, [earlier, earlier], 7)
        for a in ([0, 0, 1, 1], [0, 1, 0, 1], [1, 0, 0, 1]):
            kept = len({tuple(p) for p in co_member_pairs(np.array(a)).tolist()}
                       & {tuple(p) for p in co_member_pairs(earlier).tolist()})
            assert (evaluate(variant, a).objective_scaled
                    == evaluate(problem, a).objective_scaled - 2 * 7 * kept)


def test_reweighed_scales_the_penalty_of_one_rule_only() -> None:
    problem = random_problem(4, 8, 2, rules=True, optional=True)
    soft = soft_rules(problem)
    a = np.arange(8) % 2
    base = {r.rule: r.penalty_scaled for r in evaluate(problem, a).rules}
    k = soft[0]
    doubled = {r.rule: r.penalty_scaled for r in evaluate(reweighed(problem, {k: 2.0}), a).rules}
    assert doubled[k] == 2 * base[k]
    assert all(doubled[r] == base[r] for r in base if r != k)


def test_soft_rules_are_those_with_a_weight() -> None:
    pair = np.array([[0, 1]])
    problem = make_problem(np.zeros((4, 4)), 2, extra=[
        (RuleInfo("rule 1", "apart", "hard", True), PairLink(1, pair, False, True)),
        (RuleInfo("rule 2", "apart", "soft", False), PairLink(2, pair, False, False, 5)),
        (RuleInfo("rule 3", "apart", "weightless", False), PairLink(3, pair, False, False, 0))])
    assert soft_rules(problem) == [2]


def test_without_drops_the_rule_and_keeps_the_others() -> None:
    apart = (RuleInfo("rule 1", "apart", "a and b apart", True),
             PairLink(1, np.array([[0, 1]]), False, True))
    problem = make_problem(np.full((4, 4), SCALE) - SCALE * np.eye(4, dtype=int), 2,
                           size=(2, 2), extra=[apart])
    together = np.array([0, 0, 1, 1])
    assert not evaluate(problem, together).feasible
    relaxed = without(problem, 1)
    ev = evaluate(relaxed, together)
    assert ev.feasible and ev.rules[1].violation == 0
    assert not evaluate(relaxed, [0, 0, 0, 1]).feasible  # the size rule still holds
