"""Every backend against the evaluator on the same random tiny problems, every primitive in them.

CP-SAT (:mod:`pilotopt.solve.cpsat`), the dense search
(:func:`pilotopt.solve.search.tabu.local_search`) and the large search
(:func:`pilotopt.solve.search.sampled.run`, on the problem with its scores as factors)
each report an objective and whether every hard rule holds; the evaluator must agree on the
assignment each returns, CP-SAT's optimum must be the brute force's on the tiniest problems, and
no search may beat a proven optimum. Budgets are counted in iterations and visits, never seconds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import brute_force, copies_problem, make_problem
from pilotopt.evaluate import evaluate
from pilotopt.problem import (
    Allowed,
    Coverage,
    GroupSum,
    IntArray,
    LeaveOut,
    LowRankScore,
    MaxDeviation,
    NotExactlyOne,
    PairLink,
    Primitive,
    Problem,
    Proximity,
    RuleInfo,
    SparseRows,
    Stay,
)
from pilotopt.solve.cpsat import solve_cpsat
from pilotopt.solve.search import sampled as large
from pilotopt.solve.search import tabu as kernel

#: At most this many assignments are enumerated for the brute force.
BRUTE_LIMIT = 729
#: Examples drawn, and how many of them must be solved (CP-SAT proves a feasible optimum).
EXAMPLES = 100
MIN_SOLVED = 40
MIN_BRUTE = 50
MIN_LARGE = 50


def _ints(draw: st.DrawFn, size: int, lo: int, hi: int) -> IntArray:
    return np.array(draw(st.lists(st.integers(lo, hi), min_size=size, max_size=size)),
                    dtype=np.int64).reshape(size)


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """3-7 organisations in 2-3 groups; one primitive of each kind (LeaveOut in about half),
    each hard or soft (MaxDeviation always soft); hard rules drawn loose enough to hold often."""
    n, m = draw(st.integers(3, 7)), draw(st.integers(2, 3))
    upper = _ints(draw, n * n, -3, 9).reshape(n, n)
    score = np.triu(upper, 1) + np.triu(upper, 1).T
    # Size bounds that admit even groups, so that every search can build a start.
    size = (draw(st.integers(0, n // m)), draw(st.integers(-(-n // m), n)))
    extra: list[tuple[RuleInfo, Primitive]] = []

    def add(kind: str, make: Callable[[int, bool, int], Primitive],
            soft_only: bool = False) -> None:
        hard = not soft_only and draw(st.sampled_from([True, False, False, False]))
        k = len(extra) + 1
        extra.append((RuleInfo(f"rule {k}", kind, kind, hard),
                      make(k, hard, 0 if hard else draw(st.integers(1, 9)))))

    pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))

    def pairs() -> IntArray:
        return np.array(draw(st.lists(pair, min_size=1, max_size=2)), dtype=np.int64)

    lo = _ints(draw, m, 0, 1)
    add("quota", lambda k, h, pen: GroupSum(k, _ints(draw, n, 0, 2), lo,
                                            lo + _ints(draw, m, 1, 3), h, pen))
    add("together", lambda k, h, pen: PairLink(k, pairs(), True, h, pen))
    add("apart", lambda k, h, pen: PairLink(k, pairs(), False, h, pen))
    allowed = np.array(draw(st.lists(st.sampled_from([True, True, True, False]),
                                     min_size=n * m, max_size=n * m))).reshape(n, m)
    add("eligible", lambda k, h, pen: Allowed(k, allowed, h, pen))
    add("no_isolation", lambda k, h, pen: NotExactlyOne(k, _ints(draw, n, 0, 1), h, pen))
    needs, offers = _ints(draw, 2 * n, 0, 1).reshape(n, 2), _ints(draw, 2 * n, 0, 1).reshape(n, 2)
    add("coverage", lambda k, h, pen: Coverage(k, needs, offers, h, pen))
    balance = _ints(draw, n, 0, 4)
    add("balance", lambda k, h, pen: MaxDeviation(k, balance, int(balance.sum()) // m, h, pen),
        soft_only=True)
    points = np.zeros((n, 3), dtype=np.int64)
    points[:, :2] = _ints(draw, 2 * n, 0, 5).reshape(n, 2)
    add("max_distance", lambda k, h, pen: Proximity(k, points, draw(st.sampled_from([4, 9, 25])),
                                                    _ints(draw, n, 0, 1), h, pen))
    home = _ints(draw, n, -1, m - 1)
    add("stability", lambda k, h, pen: Stay(k, home, draw(st.integers(0, 2)), h, pen))
    if draw(st.booleans()):
        chosen = _ints(draw, n, 0, 1)
        add("optional", lambda k, h, pen: LeaveOut(
            k, chosen, _ints(draw, n, 0, 5) * chosen,
            draw(st.integers(0, int(chosen.sum()))), h, pen))
    return make_problem(score, m, size=size, extra=extra)


def factored_form(problem: Problem) -> Problem:
    """The same problem with its pair scores as factors: no rank, every nonzero pair explicit."""
    zero = SparseRows.from_dense(np.zeros((problem.n, 1), dtype=np.int64))
    i, j = np.nonzero(np.triu(problem.score, 1))
    pairs = np.stack([i, j], axis=1).astype(np.int64).reshape(-1, 2)
    factors = LowRankScore(0, zero, zero, pairs, problem.score[i, j].astype(np.int64))
    return Problem(problem.ids, problem.names, problem.group_names, np.zeros((0, 0), np.int64),
                   problem.rules, problem.primitives, factors=factors)


def countdown(ticks: int) -> Callable[[], float]:
    """A clock that says time is left for ``ticks`` readings: the large search stops by work."""
    read = iter(range(ticks, -1, -1))
    return lambda: float(next(read, 0))


def check_backends(problem: Problem) -> set[str]:
    """Run every backend on ``problem`` and check each against the evaluator; returns what
    was checked (``solved``, ``infeasible``, ``brute``, ``large``)."""
    done: set[str] = set()
    exact = solve_cpsat(problem, time_limit=60, seed=0, workers=1)
    assert exact.status in ("optimal", "infeasible"), exact.status
    optimum = None
    if exact.status == "optimal":
        assert exact.assignment is not None and exact.objective is not None
        ev = evaluate(problem, exact.assignment)
        assert ev.feasible, [r.label for r in ev.broken_hard_rules()]
        assert ev.objective_scaled == round(exact.objective)
        optimum = ev.objective_scaled
        done.add("solved")
    else:
        done.add("infeasible")
    if (problem.m + problem.optional.any()) ** problem.n <= BRUTE_LIMIT:
        assert brute_force(problem) == optimum
        done.add("brute")

    found: list[tuple[IntArray, int, bool]] = []
    a, stats = kernel.local_search(problem, None, None, 0, max_iterations=2000)
    found.append((a, stats["objective"], stats["feasible"]))
    if large.supported(problem):
        factored = factored_form(problem)
        b, lstats = large.run(factored, 0, elapsed=lambda: 0.0, left=countdown(50),
                              visits=100 * problem.n)
        assert evaluate(factored, b) == evaluate(problem, b)
        found.append((b, lstats["objective"], lstats["feasible"]))
        done.add("large")
    for assignment, objective, feasible in found:
        ev = evaluate(problem, assignment)
        assert objective == ev.objective_scaled
        assert ev.feasible or not feasible, [r.label for r in ev.broken_hard_rules()]
        if ev.feasible:
            assert optimum is not None and ev.objective_scaled <= optimum
    return done


def test_backends_agree_with_the_evaluator_on_every_primitive() -> None:
    seen: Counter[str] = Counter()

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(problems())
    def check(problem: Problem) -> None:
        seen.update(check_backends(problem))

    check()
    # Not vacuous: enough problems had a feasible optimum, a brute force and a large search.
    assert seen["solved"] >= MIN_SOLVED, seen
    assert seen["brute"] >= MIN_BRUTE, seen
    assert seen["large"] >= MIN_LARGE, seen


def test_dense_search_reads_proximity() -> None:
    # a-b attract, but they are 10 apart with a limit of 3: the penalty outweighs the score.
    points = np.zeros((4, 3), dtype=np.int64)
    points[1, 0] = 10
    near = Proximity(1, points, 9, np.zeros(4, dtype=np.int64), False, 50)
    p = make_problem([[0, 9, 0, 0], [9, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], 2, size=(2, 2),
                     extra=[(RuleInfo("rule 1", "max_distance", "max_distance", False), near)])
    a, stats = kernel.local_search(p, None, None, 0, max_iterations=200)
    assert stats["objective"] == evaluate(p, a).objective_scaled == brute_force(p)


def test_backends_handle_organisations_in_several_groups() -> None:
    # b and c may join both groups; b and c attract, a likes b. Copies are organisations to
    # every backend: CP-SAT (with its ordering of copies) must still reach the brute force.
    score = [[0, 4, 0], [4, 0, 3], [0, 3, 0]]
    up_to = copies_problem(score, 2, [1, 2, 2], size=(1, 2))
    assert check_backends(up_to) >= {"solved", "brute"}
    exact = copies_problem(score, 2, [1, 2, 2], size=(1, 3), exact=True)
    assert check_backends(exact) >= {"solved", "brute", "large"}
