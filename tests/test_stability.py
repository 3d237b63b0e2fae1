"""Drop-out risks: blocking pairs, with figures equal to evaluating the moved assignment."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import make_problem, random_problem
from pilotopt.evaluate import evaluate
from pilotopt.problem import SCALE, GroupSum, PairLink, Primitive, Problem, RuleInfo
from pilotopt.stability import drop_out_risks

#: a, b, c in G1; d, e in G2. a earns 1 + 1 with b and c, and would earn 3 + 3 with d and e,
#: whose group (4 for two members) would rise to 10 for three. b and c earn 5 together.
SCORE = np.array([[0, 1, 1, 3, 3],
                  [1, 0, 5, 0, 0],
                  [1, 5, 0, 0, 0],
                  [3, 0, 0, 0, 4],
                  [3, 0, 0, 4, 0]]) * SCALE
GROUPS = [0, 0, 0, 1, 1]


def test_the_organisation_and_group_that_both_gain_are_found_with_exact_figures() -> None:
    p = make_problem(SCORE, 2, size=(1, 3))
    [risk] = drop_out_risks(p, GROUPS) or []
    d = risk.to_dict(p)
    assert (d["organisation"], d["group"], d["to"]) == ("a", "G1", "G2")
    assert (d["earns"], d["would_earn"], d["gain"]) == (2, 6, 4)
    assert (d["to_per_member"], d["to_per_member_after"]) == (2, round(10 / 3, 3))
    assert d["objective_change"] == 4


@pytest.mark.parametrize("why", ["full", "competitor", "group would not gain"])
def test_no_risk_where_the_group_is_full_a_hard_rule_breaks_or_the_group_loses(why: str) -> None:
    score = SCORE.copy()
    extra: list[tuple[RuleInfo, Primitive]] = []
    if why == "full":  # G2 takes at most 2
        extra = [(RuleInfo("rule 1", "size", "size max 2 in G2", True),
                  GroupSum(1, np.ones(5, dtype=np.int64), np.zeros(2, dtype=np.int64),
                           np.array([5, 2]), True))]
    elif why == "competitor":
        extra = [(RuleInfo("rule 1", "apart", "apart", True),
                  PairLink(1, np.array([[0, 3]]), False, True))]
    else:  # G2 has 10 per member; a would bring 6 to three
        score[3, 4] = score[4, 3] = 20 * SCALE
    assert drop_out_risks(make_problem(score, 2, size=(1, 3), extra=extra), GROUPS) == []


@pytest.mark.parametrize(("seed", "with_hard"), [(0, False), (1, False), (2, False), (0, True),
                                                 (1, True)])
def test_risks_are_every_blocking_pair_and_their_figures_are_the_evaluators(
    seed: int, with_hard: bool
) -> None:
    p = random_problem(seed, 9, 3, rules=True, with_hard=with_hard)
    a = np.random.default_rng(seed).integers(0, 3, size=9)
    risks = drop_out_risks(p, a) or []
    before = evaluate(p, a)
    assert {r.organisation for r in risks} == blocking(p, a)
    assert risks or with_hard  # the soft-rule cases have risks (1 to 5 of them)
    for r in risks:
        moved = a.copy()
        moved[r.organisation] = r.to
        after = evaluate(p, moved)
        assert r.change.objective_scaled == after.objective_scaled - before.objective_scaled
        assert r.would_earn == after.group_complementarity_scaled[r.to] - \
            before.group_complementarity_scaled[r.to]
        assert r.earns == before.group_complementarity_scaled[r.group] - \
            after.group_complementarity_scaled[r.group]
        assert r.gain > 0


def blocking(p: Problem, a: np.ndarray) -> set[int]:
    """The organisations of a blocking pair, by the definition, from full evaluations."""
    before = evaluate(p, a)
    comp, sizes = before.group_complementarity_scaled, before.group_sizes
    hard = {r.rule: r.violation for r in before.rules if r.hard}
    _, hi = p.size_bounds()
    found = set()
    for i in range(p.n):
        for h in range(p.m):
            if h == a[i] or sizes[h] == 0 or sizes[h] >= hi[h]:
                continue
            moved = a.copy()
            moved[i] = h
            after = evaluate(p, moved)
            earns_there = after.group_complementarity_scaled[h] - comp[h]
            earns_here = comp[a[i]] - after.group_complementarity_scaled[a[i]]
            keeps_hard = all(r.violation <= hard[r.rule] for r in after.rules if r.hard)
            if earns_there > earns_here and earns_there * sizes[h] > comp[h] and keeps_hard:
                found.add(i)
    return found
