import numpy as np
import pytest

from conftest import make_problem
from pilotopt.problem import (
    Allowed,
    GroupSum,
    LowRankScore,
    PairLink,
    Problem,
    RuleInfo,
    SparseRows,
)


def test_rejects_asymmetric_score() -> None:
    with pytest.raises(ValueError, match="symmetric"):
        make_problem([[0, 1], [2, 0]], 1)


def test_rejects_nonzero_diagonal() -> None:
    with pytest.raises(ValueError, match="diagonal"):
        make_problem([[1, 0], [0, 0]], 1)


def test_rejects_primitive_of_wrong_shape() -> None:
    rule = RuleInfo("r", "size", "r", True)
    with pytest.raises(ValueError, match="wrong shapes"):
        make_problem([[0, 1], [1, 0]], 2, extra=[(rule, GroupSum(1, np.ones(3), np.zeros(2),
                                                                   np.ones(2), True))])


def test_size_bounds_take_the_tightest_hard_unit_sum() -> None:
    n = 4
    tighter = GroupSum(1, np.ones(n, dtype=np.int64), np.array([2, 0]), np.array([3, 2]), True)
    soft = GroupSum(2, np.ones(n, dtype=np.int64), np.array([3, 3]), np.array([3, 3]), False, 5)
    weighted = GroupSum(3, np.array([1, 0, 0, 1]), np.array([2, 2]), np.array([2, 2]), True)
    prims = (tighter, soft, weighted)
    rules = [(RuleInfo(f"r{k}", "size", "", True), p) for k, p in enumerate(prims)]
    p = make_problem(np.zeros((n, n)), 2, size=(1, 4), extra=rules)
    lo, hi = p.size_bounds()
    assert lo.tolist() == [2, 1] and hi.tolist() == [3, 2]


def test_interchangeable_groups_split_by_pins_and_bounds() -> None:
    n, m = 3, 4
    allowed = np.ones((n, m), dtype=bool)
    allowed[0] = [False, False, True, False]  # organisation a pinned to G3
    bounds = GroupSum(2, np.ones(n, dtype=np.int64), np.zeros(m, dtype=np.int64),
                      np.array([3, 3, 3, 2]), True)
    p = make_problem(np.zeros((n, n)), m, extra=[
        (RuleInfo("pin", "pin", "", True), Allowed(1, allowed, True)),
        (RuleInfo("size", "size", "", True), bounds),
    ])
    assert sorted(p.interchangeable_groups()) == [[0, 1], [2], [3]]


def test_problem_is_read_only() -> None:
    p: Problem = make_problem([[0, 1], [1, 0]], 1)
    with pytest.raises(ValueError):
        p.score[0, 1] = 5


def test_pair_link_needs_pairs_of_two() -> None:
    bad = PairLink(1, np.array([0, 1]), together=True, hard=True)
    with pytest.raises(ValueError, match="pairs"):
        make_problem([[0, 1], [1, 0]], 1, extra=[(RuleInfo("r", "apart", "", True), bad)])


def test_sparse_rows_round_trip_and_row_dots() -> None:
    a = np.array([[0, 2, 0], [1, 0, 3], [0, 0, 0]])
    b = np.array([[5, 1, 0], [2, 0, 1], [7, 7, 7]])
    sa, sb = SparseRows.from_dense(a), SparseRows.from_dense(b)
    assert np.array_equal(sa.dense_rows([2, 0, 1]), a[[2, 0, 1]])
    assert sa.row_dots(sb).tolist() == (a * b).sum(axis=1).tolist()


def test_factors_must_give_symmetric_scores() -> None:
    x = SparseRows.from_dense(np.array([[1, 0], [0, 1], [1, 1]]))
    y = SparseRows.from_dense(np.array([[0, 1], [1, 0], [2, 0]]))  # x y^T not symmetric
    ids = ("a", "b", "c")
    with pytest.raises(ValueError, match="symmetric"):
        Problem(ids, ids, ("G1",), np.zeros((0, 0), dtype=np.int64), (), (),
                factors=LowRankScore(0, x, y))
    ok = LowRankScore(5, x, x, np.array([[0, 2]]), np.array([7]))
    p = Problem(ids, ids, ("G1",), np.zeros((0, 0), dtype=np.int64), (), (), factors=ok)
    xd = np.array([[1, 0], [0, 1], [1, 1]])
    expected = 5 + xd @ xd.T
    expected[0, 2] += 7
    expected[2, 0] += 7
    np.fill_diagonal(expected, 0)
    assert p.factors is not None and np.array_equal(p.factors.dense(), expected)
