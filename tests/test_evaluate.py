from dataclasses import replace

import numpy as np
import pytest

from helpers import factored_problem, make_problem, stay_problem, unequal_groups
from pilotopt.evaluate import evaluate, member_complementarity
from pilotopt.problem import Allowed, GroupSum, LeaveOut, MaxDeviation, PairLink, RuleInfo


def test_complementarity_counts_each_same_group_pair_once(four_square) -> None:
    ev = evaluate(four_square, [0, 0, 1, 1])
    assert ev.complementarity_scaled == 18
    assert ev.group_complementarity_scaled == (9, 9)
    assert ev.group_sizes == (2, 2)
    assert evaluate(four_square, [0, 1, 0, 1]).complementarity_scaled == 1 + 1


def test_group_size_violation_per_group(four_square) -> None:
    ev = evaluate(four_square, [0, 0, 0, 1])
    size = ev.rules[0]
    assert size.per_group == (1, 1) and size.violation == 2
    assert not ev.feasible and [r.id for r in ev.broken_hard_rules()] == ["groups.size"]


def test_soft_quota_penalty_is_weight_times_shortfall() -> None:
    # a and b are "social": at least 2 per group, soft with penalty 7 per missing member.
    quota = GroupSum(1, np.array([1, 1, 0, 0]), np.array([2, 2]), np.array([4, 4]), False, 7)
    p = make_problem(np.zeros((4, 4)), 2, size=(2, 2),
                     extra=[(RuleInfo("rule 1", "quota", "", False, 0.007), quota)])
    ev = evaluate(p, [0, 1, 0, 1])
    assert ev.rules[1].per_group == (1, 1)
    assert ev.penalty_scaled == 14 and ev.objective_scaled == -14
    assert ev.feasible  # only a soft rule is off


def test_pair_links_and_pins() -> None:
    apart = PairLink(1, np.array([[0, 1]]), together=False, hard=True)
    together = PairLink(2, np.array([[2, 3], [0, 2]]), together=True, hard=False, penalty=5)
    allowed = np.ones((4, 2), dtype=bool)
    allowed[3] = [True, False]
    pin = Allowed(3, allowed, hard=True)
    p = make_problem(np.zeros((4, 4)), 2, extra=[
        (RuleInfo("rule 1", "apart", "", True), apart),
        (RuleInfo("rule 2", "together", "", False, 0.005), together),
        (RuleInfo("rule 3", "pin", "", True), pin),
    ])
    ev = evaluate(p, [0, 0, 1, 1])
    assert [r.violation for r in ev.rules] == [0, 1, 1, 1]
    assert ev.rules[2].penalty_scaled == 5  # (0, 2) broken, (2, 3) kept
    assert ev.rules[3].per_group == (0, 1)  # d sits in G2, pinned to G1
    assert evaluate(p, [0, 1, 0, 0]).feasible


def test_rejects_assignment_of_wrong_length_or_range(four_square) -> None:
    with pytest.raises(ValueError):
        evaluate(four_square, [0, 1])
    with pytest.raises(ValueError):
        evaluate(four_square, [0, 1, 2, 0])


def test_to_dict_is_in_user_units(four_square) -> None:
    d = evaluate(four_square, [0, 0, 1, 1]).to_dict()
    assert d["complementarity"] == 0.018 and d["all_hard_rules_hold"] is True


def test_left_out_organisations_earn_nothing_and_cost_their_price() -> None:
    # c and d may be left out (c costs 4, d costs 6); at least one of them placed, soft at 10.
    leave = LeaveOut(1, np.array([0, 0, 1, 1]), np.array([0, 0, 4, 6]), 1, False, 10)
    p = make_problem([[0, 9, 1, 0], [9, 0, 0, 1], [1, 0, 0, 9], [0, 1, 9, 0]], 2, size=(1, 4),
                     extra=[(RuleInfo("rule 1", "optional", "", False, 1.0), leave)])
    assert p.optional.tolist() == [False, False, True, True]
    ev = evaluate(p, [0, 0, -1, 1])  # c out: d alone in G2
    assert ev.complementarity_scaled == 9 and ev.group_sizes == (2, 1) and ev.left_out == (2,)
    assert ev.rules[1].violation == 0 and ev.penalty_scaled == 4
    ev = evaluate(p, [0, 0, -1, -1])  # both out: none placed of the one wanted
    assert ev.rules[1].violation == 1 and ev.rules[1].per_group == (0, 0)
    assert ev.penalty_scaled == 4 + 6 + 10 and ev.rules[0].per_group == (0, 1)  # G2 empty
    with pytest.raises(ValueError, match="a has no group and may not be left out"):
        evaluate(p, [-1, 0, 0, 1])


def test_pairs_with_a_member_left_out() -> None:
    # together a-c: broken when c is out; apart c-d: holds when both are out.
    leave = LeaveOut(1, np.array([0, 0, 1, 1]), np.zeros(4, dtype=np.int64), 0, True)
    together = PairLink(2, np.array([[0, 2]]), True, True)
    apart = PairLink(3, np.array([[2, 3]]), False, True)
    p = make_problem(np.zeros((4, 4)), 2, extra=[
        (RuleInfo("rule 1", "optional", "", True), leave),
        (RuleInfo("rule 2", "together", "", True), together),
        (RuleInfo("rule 3", "apart", "", True), apart)])
    ev = evaluate(p, [0, 1, -1, -1])
    assert ev.rules[2].violation == 1 and ev.rules[2].per_group == (1, 0)
    assert ev.rules[3].satisfied


def test_largest_deviation_is_counted_once_in_its_group() -> None:
    # Group totals of w: G1 = 1 + 2 = 3, G2 = 3 + 6 = 9; target 5: deviations 2 and 4.
    dev = MaxDeviation(1, np.array([1, 2, 3, 6]), 5, False, 10)
    p = make_problem(np.zeros((4, 4)), 2, extra=[(RuleInfo("rule 1", "balance", "", False), dev)])
    ev = evaluate(p, [0, 0, 1, 1])
    assert ev.rules[1].per_group == (0, 4) and ev.rules[1].violation == 4
    assert ev.penalty_scaled == 40


def test_pins_at_scale_stay_sparse() -> None:
    # 100,000 organisations in 10,000 groups: a dense n x m matrix would take 1 GB; the lists
    # of three pins and one forbidden group take a few bytes, and so does their evaluation.
    import tracemalloc

    from pilotopt.problem import GroupLists, LowRankScore, Problem, SparseRows

    n, m = 100_000, 10_000
    pins = Allowed(1, GroupLists.opening(n, m, [0, 1, 2], [5, 5, 9]), True)
    kept_out = Allowed(2, GroupLists.closing(n, m, [3], [0]), True)
    zero = SparseRows.from_dense(np.zeros((n, 1), dtype=np.int64))
    ids = tuple(map(str, range(n)))
    rules = tuple(RuleInfo(f"r{k}", "pin", "", True) for k in range(3))
    p = Problem(ids, ids, tuple(map(str, range(m))), np.zeros((0, 0), dtype=np.int64), rules,
                (pins, kept_out), factors=LowRankScore(0, zero, zero))
    a = np.arange(n) % m
    tracemalloc.start()
    ev = evaluate(p, a)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # a[0..3] = 0, 1, 2, 3: all three pins broken, organisation 3 is in G4 (allowed).
    assert ev.rules[1].violation == 3 and ev.rules[2].violation == 0
    assert peak < 100_000_000


def test_user_units_beside_the_scaled_integers(four_square) -> None:
    ev = evaluate(four_square, [0, 0, 1, 1])
    assert (ev.objective, ev.complementarity, ev.penalty) == (0.018, 0.018, 0.0)
    assert ev.group_complementarity == (0.009, 0.009)
    d = ev.to_dict()
    groups = d["groups"]
    assert d["objective"] == 0.018 and isinstance(groups, list)
    assert [(g["group"], g["index"], g["complementarity"]) for g in groups] == [
        ("G1", 0, 0.009), ("G2", 1, 0.009)]


def test_group_names_any_case_or_a_mapping_give_the_same_evaluation(four_square) -> None:
    by_index = evaluate(four_square, [0, 0, 1, 1])
    assert evaluate(four_square, ["G1", "g1", "G2", "g2"]) == by_index
    assert evaluate(four_square, {"d": "G2", "c": 1, "b": "G1", "a": 0}) == by_index
    assert evaluate(four_square, np.array([0, 0, 1, 1])) == by_index
    with pytest.raises(ValueError, match="no group named 'G3'"):
        evaluate(four_square, ["G1", "G1", "G2", "G3"])
    with pytest.raises(ValueError, match="missing \\['d'\\], unknown \\['x'\\]"):
        evaluate(four_square, {"a": 0, "b": 0, "c": 1, "x": 1})


def test_none_leaves_out_where_allowed() -> None:
    leave = LeaveOut(1, np.array([0, 0, 1]), np.array([0, 0, 4]), 0, True)
    p = make_problem(np.zeros((3, 3)), 1, extra=[(RuleInfo("rule 1", "optional", "", True),
                                                  leave)])
    ev = evaluate(p, ["G1", "G1", None])
    assert ev.left_out == (2,) and ev.penalty_scaled == 4
    with pytest.raises(ValueError, match="a has no group"):
        evaluate(p, [None, "G1", "G1"])


def test_member_complementarity_adds_up_to_each_group() -> None:
    # Dense: a-b 9, a-c 1; c alone in G2 earns nothing.
    p = make_problem([[0, 9, 1], [9, 0, 0], [1, 0, 0]], 2)
    assert member_complementarity(p, [0, 0, 1]).tolist() == [0.0045, 0.0045, 0.0]
    assert member_complementarity(p, ["G1", "G1", "G1"]).tolist() == [0.005, 0.0045, 0.0005]
    # Factors (with explicit pairs): the same figures as the dense matrix, and each group's
    # members add up to the evaluator's group complementarity.
    f = factored_problem(3, 12, 3)
    dense = replace(f, score=f.factors.dense(), factors=None)  # type: ignore[union-attr]
    a = np.arange(12) % 3
    got = member_complementarity(f, a)
    assert got.tolist() == member_complementarity(dense, a).tolist()
    sums = np.bincount(a, weights=got, minlength=3)
    assert sums == pytest.approx(evaluate(f, a).group_complementarity)


def test_per_member_divides_each_group_by_its_size() -> None:
    pairs, fair = unequal_groups(), unequal_groups(per_member=True)
    x, y = [0, 0, 0, 1, 1], [1, 0, 0, 1, 1]  # {a, b, c} + {d, e}; {b, c} + {a, d, e}
    assert evaluate(pairs, x).objective == 20
    assert evaluate(pairs, y).objective == 18
    assert evaluate(fair, x).group_complementarity == (6, 1)
    assert evaluate(fair, y).group_complementarity == (5, 2.666)  # 8000 // 3: rounded down
    assert evaluate(fair, y).objective == 7.666
    assert evaluate(fair, x).objective == 7
    assert evaluate(fair, y).to_dict()["per_member"] is True
    # Each member's share is divided by the size too, so a group's members add up to it.
    share = member_complementarity(fair, y)
    assert share.tolist() == pytest.approx([6 / 6, 10 / 4, 10 / 4, 5 / 6, 5 / 6])
    # Factors give the same figures as the dense matrix.
    f = replace(factored_problem(3, 12, 3), per_member=True)
    dense = replace(f, score=f.factors.dense(), factors=None)  # type: ignore[union-attr]
    a = np.arange(12) % 3
    a[:2] = 0  # groups of unequal size
    assert evaluate(f, a) == evaluate(dense, a)
    assert member_complementarity(f, a).tolist() == member_complementarity(dense, a).tolist()


def test_moves_beyond_a_stays_most_fall_in_no_group() -> None:
    p = stay_problem(1, False, 2)
    ev = evaluate(p, [0, 1, 0, 1])  # b and c moved: one beyond the most
    assert ev.rules[1].violation == 1 and ev.rules[1].per_group == (0, 0)
    assert ev.penalty_scaled == 2 and ev.objective_scaled == 18 - 2
    assert evaluate(p, [0, 0, 1, 1]).rules[1].violation == 0
