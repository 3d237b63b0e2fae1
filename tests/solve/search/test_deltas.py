"""The rules on group counts as both searches keep them, against the evaluator: a stability rule's
count of organisations away from home, with organisations left out (optional ones, and further
memberships of an organisation in several groups). The move deltas of every other primitive are
checked in test_tabu."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_tabu import search_objective, state

from helpers import hard_violation
from pilotopt.compile.membership import membership_rule
from pilotopt.evaluate import evaluate
from pilotopt.problem import GroupSum, LeaveOut, Primitive, Problem, RuleInfo, Stay
from pilotopt.solve.search import tabu_kernel as K
from pilotopt.solve.search.encode import dense


@st.composite
def stay_problems(draw: st.DrawFn) -> Problem:
    """2-6 organisations, some in up to two groups (copies), some (the first at least)
    optional, each with a home group or none (copies share it, as the compiler gives them), in
    2-3 groups of any size; a Stay allowing 0-2 moves, hard or soft."""
    r, m = draw(st.integers(2, 6)), draw(st.integers(2, 3))
    rows = np.repeat(np.arange(r), draw(st.lists(st.integers(1, 2), min_size=r, max_size=r)))
    n = len(rows)
    upper = np.array(draw(st.lists(st.integers(-5, 9), min_size=n * n, max_size=n * n)),
                     dtype=np.int64).reshape(n, n)
    score = np.triu(upper, 1) + np.triu(upper, 1).T
    score[rows[:, None] == rows[None, :]] = 0
    rules = [RuleInfo("groups.size", "size", "size", True)]
    prims: list[Primitive] = [GroupSum(0, np.ones(n, np.int64), np.zeros(m, np.int64),
                                       np.full(m, n, np.int64), True)]
    linked = membership_rule(rows, False, 1)
    if linked is not None:
        rules.append(linked[0])
        prims += linked[1]
    first = np.r_[True, rows[1:] != rows[:-1]]
    chosen = np.array(draw(st.lists(st.booleans(), min_size=r, max_size=r)))[rows] & first
    chosen[0] = True  # so that there is a bench
    rules.append(RuleInfo("optional", "optional", "optional", False, 1.0))
    prims.append(LeaveOut(len(rules) - 1, chosen.astype(np.int64), 3 * chosen.astype(np.int64),
                          0, False, 1))
    home = np.array(draw(st.lists(st.integers(-1, m - 1), min_size=r, max_size=r)))[rows]
    hard = draw(st.booleans())
    rules.append(RuleInfo("stability", "stability", "stability", hard))
    prims.append(Stay(len(rules) - 1, home.astype(np.int64), draw(st.integers(0, 2)), hard,
                      0 if hard else draw(st.integers(1, 9))))
    ids = tuple(chr(ord("a") + int(k)) for k in rows)
    return Problem(ids, ids, tuple(f"G{g + 1}" for g in range(m)), score, tuple(rules),
                   tuple(prims), roster_index=rows)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=stay_problems(), data=st.data())
def test_the_searchs_count_of_moves_is_the_evaluators(problem: Problem,
                                                      data: st.DataObject) -> None:
    enc = dense(problem)
    P = enc.P
    stay = problem.primitives[-1]
    assert isinstance(stay, Stay)
    benchable = problem.optional  # optional organisations and further memberships
    assert P.bench == problem.m  # the optional rule always names someone here

    def choices(i: int) -> list[int]:
        return list(range(problem.m)) + ([P.bench] if benchable[i] else [])

    a = np.array([data.draw(st.sampled_from(choices(i))) for i in range(problem.n)],
                 dtype=np.int64)
    S = state(enc, a)
    for _ in range(data.draw(st.integers(1, 12))):
        b = enc.unbench(a)
        assert S.G.SC.tolist() == [int(stay.moved(b).sum())]
        assert S.hv[0] == hard_violation(problem, b) - enc.hv_const
        assert S.f[0] == search_objective(problem, enc, a)
        i = data.draw(st.integers(0, problem.n - 1))
        h = data.draw(st.sampled_from(choices(i)))
        if h == a[i]:
            continue
        moved = a.copy()
        moved[i] = h
        d = K._delta(P, S, P.R, S.G, i, -1, h)
        assert d == search_objective(problem, enc, moved) - search_objective(problem, enc, a)
        K._relocate(P, S, i, h)
    assert S.G.SC.tolist() == [int(stay.moved(enc.unbench(a)).sum())]
    assert evaluate(problem, enc.unbench(a)).rules[-1].violation == max(
        0, int(stay.moved(enc.unbench(a)).sum()) - stay.most)
