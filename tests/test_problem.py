import numpy as np
import pytest

from helpers import copies_problem, make_problem
from pilotopt.evaluate import evaluate
from pilotopt.problem import (
    Allowed,
    Coverage,
    GroupLists,
    GroupSum,
    LeaveOut,
    LowRankScore,
    MaxDeviation,
    NotExactlyOne,
    PairLink,
    Part,
    Primitive,
    Problem,
    Proximity,
    RuleInfo,
    SparseRows,
    Stay,
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
        make_problem([[0, 1], [1, 0]], 2, extra=[(rule, GroupSum(
            1, np.ones(3, np.int64), np.zeros(2, np.int64), np.ones(2, np.int64), True))])


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


def test_preferred_groups_are_the_single_open_group_of_a_row() -> None:
    n, m = 4, 3
    allowed = np.ones((n, m), dtype=bool)
    allowed[0] = [False, True, False]  # a: only G2
    allowed[1] = [True, True, False]  # b: two groups, no single preference
    allowed[2] = [False, True, True]  # c: G1 closed
    p = make_problem(np.zeros((n, n)), m, extra=[
        (RuleInfo("pin", "pin", "", True), Allowed(1, allowed, True)),
        (RuleInfo("stay", "stability", "", False),
         Allowed(2, GroupLists.opening(n, m, [3], [2]), False, 5)),
    ])
    assert p.preferred_groups().tolist() == [1, -1, -1, 2]


def test_stay_counts_moves_restricts_and_renumbers() -> None:
    stay = Stay(1, np.array([0, 0, 1, -1, 2]), 1, True)
    assert stay.moved([0, 1, 1, 2, -1]).tolist() == [False, True, False, False, False]
    # Free: the members of G2 and G3 (b, c, d); a (home G1) is fixed at home, e (home G3) is
    # fixed away in G1: one move the part cannot undo, and b's home G1 lies outside it.
    part = Part.of(np.array([0, 1, 1, 2, 0]), [1, 2])
    sub = stay.restrict(part)
    assert part.free.tolist() == [1, 2, 3]
    assert sub.home.tolist() == [-1, 0, -1] and sub.most == 0
    assert stay.renumber(np.array([4, 3, 2, 1, 0])).home.tolist() == [2, -1, 1, 0, 0]
    assert stay.fact_count() == 4
    p = make_problem(np.zeros((5, 5)), 3, extra=[(RuleInfo("s", "stability", "", True), stay)])
    assert p.preferred_groups().tolist() == [0, 0, 1, -1, 2]
    assert sorted(p.interchangeable_groups()) == [[0], [1], [2]]
    with pytest.raises(ValueError, match="home group"):
        make_problem(np.zeros((5, 5)), 2, extra=[(RuleInfo("s", "stability", "", True), stay)])


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


# --- Allowed as group lists -------------------------------------------------------------------


def test_group_lists_keep_the_shorter_list_and_give_the_matrix_back() -> None:
    allowed = np.array([
        [True, True, True, True],     # free: not stored
        [False, False, True, False],  # pinned to G3: one open group listed
        [True, False, True, True],    # kept out of G2: one closed group listed
        [False, False, False, False],  # nowhere: no open group
    ])
    t = GroupLists.from_dense(allowed)
    assert t.rows.tolist() == [1, 2, 3] and t.opens.tolist() == [True, False, True]
    assert t.groups.tolist() == [2, 1] and t.indptr.tolist() == [0, 1, 2, 2]
    assert np.array_equal(t.dense(), allowed)
    i, g = np.nonzero(np.ones_like(allowed))
    assert np.array_equal(t.allows(i, g), allowed[i, g])


def test_group_lists_built_from_closed_pairs_flip_to_the_open_ones() -> None:
    # Organisation 0 closed to three of four groups: stored as the one open group.
    t = GroupLists.closing(2, 4, [0, 0, 0], [0, 1, 3])
    assert t.rows.tolist() == [0] and t.opens.tolist() == [True] and t.groups.tolist() == [2]
    assert GroupLists.opening(2, 4, [1], [0]).dense()[1].tolist() == [True, False, False, False]


def test_group_lists_take_and_renumber() -> None:
    allowed = np.array([[False, True, False], [True, True, True], [True, False, False]])
    t = GroupLists.from_dense(allowed)
    part = t.take(np.array([2, 0]), np.array([0, 1]))
    assert np.array_equal(part.dense(), allowed[np.ix_([2, 0], [0, 1])])
    order = np.array([2, 0, 1])
    assert np.array_equal(t.renumber(order).dense(), allowed[order])


def test_group_keys_equal_for_groups_open_to_the_same_organisations() -> None:
    allowed = np.array([[True, False, True, False], [True, True, True, False]])
    keys = GroupLists.from_dense(allowed).group_keys()
    assert keys[0] == keys[2] and len({keys[0], keys[1], keys[3]}) == 3


# --- what every primitive does for the backends ------------------------------------------------


def every_primitive(n: int = 6, m: int = 3) -> Problem:
    rng = np.random.default_rng(3)
    prims: list[Primitive] = [
        GroupSum(1, np.array([1, 0, 1, 1, 0, 0]), np.zeros(m, dtype=np.int64),
                 np.ones(m, dtype=np.int64), False, 2),
        PairLink(2, np.array([[0, 1], [2, 5]]), False, False, 3),
        Allowed(3, rng.random((n, m)) > 0.4, False, 5),
        NotExactlyOne(4, np.array([1, 1, 0, 0, 1, 0]), False, 7),
        Coverage(5, np.array([[1, 0]] * 3 + [[0, 1]] * 3), np.array([[0, 1], [1, 1]] * 3),
                 False, 11),
        LeaveOut(6, np.array([0, 0, 0, 0, 1, 1]), np.array([0, 0, 0, 0, 4, 9]), 1, False, 13),
        MaxDeviation(7, np.arange(n, dtype=np.int64), 5, False, 17),
        Proximity(8, rng.integers(0, 10, size=(n, 3)), 60, np.array([0, 0, 1, 1, 0, 0]), False,
                  19),
    ]
    infos = [RuleInfo(f"r{k}", "k", "k", False) for k in range(len(prims) + 1)]
    return Problem(tuple("abcdef"), tuple("abcdef"), ("G1", "G2", "G3"),
                   np.zeros((n, n), dtype=np.int64), tuple(infos), (GroupSum(
                       0, np.ones(n, dtype=np.int64), np.zeros(m, dtype=np.int64),
                       np.full(m, n, dtype=np.int64), False, 1), *prims))


def test_renumbering_every_primitive_keeps_every_violation() -> None:
    p = every_primitive()
    order = np.array([3, 5, 0, 1, 4, 2])
    q = Problem(tuple(p.ids[i] for i in order), tuple(p.names[i] for i in order), p.group_names,
                p.score, p.rules, tuple(x.renumber(order) for x in p.primitives))
    for a in ([0, 1, 2, 0, 1, -1], [2, 2, 1, 1, 0, 0], [1, 0, 1, 0, -1, -1]):
        assignment = np.array(a)
        before, after = evaluate(p, assignment), evaluate(q, assignment[order])
        assert [r.per_group for r in before.rules] == [r.per_group for r in after.rules]
        assert before.objective == after.objective


def test_fact_counts() -> None:
    facts = [x.fact_count() for x in every_primitive().primitives]
    # size (all ones: 6), 3 of 0/1 weights, 2 pairs, restricted rows, 3 lonely-rule members,
    # 6 needs, 2 optional, no count for a deviation or unlisted pairs.
    p = every_primitive()
    assert facts[:3] == [6, 3, 2]
    assert facts[3] == int((~p.primitives[3].allowed).any(axis=1).sum())  # type: ignore[union-attr]
    assert facts[4:] == [3, 6, 2, None, None]


def test_primitive_errors_name_kind_and_rule() -> None:
    bad = LeaveOut(1, np.ones(3, dtype=np.int64), np.ones(2, dtype=np.int64), 0, True)
    with pytest.raises(ValueError, match="LeaveOut of r needs n weights and costs"):
        make_problem([[0, 1], [1, 0]], 1, extra=[(RuleInfo("r", "optional", "", True), bad)])
    wide = Allowed(1, np.ones((2, 3), dtype=bool), True)
    with pytest.raises(ValueError, match="Allowed of r must be 2 x 1"):
        make_problem([[0, 1], [1, 0]], 1, extra=[(RuleInfo("r", "pin", "", True), wide)])


@pytest.mark.parametrize("seed", range(6))
def test_group_lists_agree_with_the_matrix_on_random_tables(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = 9, int(rng.integers(1, 6))
    allowed = rng.random((n, m)) < rng.choice([0.2, 0.5, 0.9])
    allowed[rng.random(n) < 0.3] = True  # some free rows
    t = GroupLists.from_dense(allowed)
    assert np.array_equal(t.dense(), allowed)
    assert (np.diff(t.indptr) <= (m + 1) // 2).all()  # the shorter of the two lists
    closed_i, closed_g = np.nonzero(~allowed)
    assert np.array_equal(GroupLists.closing(n, m, closed_i, closed_g).dense(), allowed)
    free, cols = rng.permutation(n)[:5], rng.permutation(m)[: max(1, m - 1)]
    assert np.array_equal(t.take(free, cols).dense(), allowed[np.ix_(free, cols)])
    order = rng.permutation(n)
    assert np.array_equal(t.renumber(order).dense(), allowed[order])
    i, g = rng.integers(0, n, 40), rng.integers(0, m, 40)
    assert np.array_equal(t.allows(i, g), allowed[i, g])


def test_copies_of_an_organisation_in_several_groups() -> None:
    p = copies_problem(np.ones((3, 3)) - np.eye(3), 3, [1, 3, 2])  # a; b, b, b; c, c
    assert p.ids == ("a", "b", "b", "b", "c", "c")
    assert p.further.tolist() == [False, False, True, True, False, True]
    assert p.canonical([1, -1, 2, 0, -1, 1]).tolist() == [1, 0, 2, -1, 1, -1]
    # b is placed through a further copy: only organisations in no group at all are left out.
    assert p.left_out([1, -1, 2, -1, -1, -1]).tolist() == [4]
    with pytest.raises(ValueError, match="roster_index"):
        Problem(("a", "b"), ("a", "b"), ("G1",), np.zeros((2, 2), np.int64), (), (),
                roster_index=np.array([0, 2]))
