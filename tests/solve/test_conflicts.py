"""Infeasibility messages, and conflicts that counting shows before any search: rounds of
groups without repeats run out (the social golfer's trap)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from helpers import make_problem
from pilotopt.errors import InfeasibleError
from pilotopt.evaluate import evaluate
from pilotopt.problem import LeaveOut, PairLink, Primitive, Problem, RuleInfo
from pilotopt.solve import Params, solve
from pilotopt.solve.conflicts import counted_conflict

#: Three rounds of four organisations (a, b, c, d) in pairs: every pair meets once.
ROUNDS = [[0, 0, 1, 1], [0, 1, 0, 1], [0, 1, 1, 0]]


def met(rounds: list[list[int]]) -> np.ndarray:
    """The pairs that shared a group in any round."""
    found = {(i, j) for a in rounds for i, j in combinations(range(len(a)), 2) if a[i] == a[j]}
    return np.array(sorted(found), dtype=np.int64).reshape(-1, 2)


def no_repeats(rounds: list[list[int]], n: int = 4, m: int = 2, size: int = 2,
               extra: list[tuple[RuleInfo, Primitive]] | None = None) -> Problem:
    rule = (RuleInfo("rule 1", "repeats", "repeats kept apart", True, fact="{} pairs met before"),
            PairLink(1, met(rounds), False, True))
    return make_problem(np.ones((n, n)) - np.eye(n), m, size=(size, size),
                        extra=[rule, *(extra or [])])


def test_golfer_rounds_run_out_and_the_count_says_so_before_solving() -> None:
    # After two rounds the third exists (the two pairs not yet met) and nothing is counted.
    third = no_repeats(ROUNDS[:2])
    assert counted_conflict(third) is None
    result = solve(third, Params(time_limit=2, seed=0, workers=1))
    a = result.assignment
    assert a[0] == a[3] and a[1] == a[2] and evaluate(third, a).feasible
    # After three every pair has met: each may share a group with none of the three others.
    err = counted_conflict(no_repeats(ROUNDS))
    assert err is not None and err.rules == ["groups.size", "rule 1"]
    message = str(err)
    assert "repeats kept apart (rule 1; 6 pairs met before)" in message
    assert "4 organisation(s) (a, b, c, d)" in message
    assert "a may share a group with only 0 of the 3 others" in message
    assert "at least 2 members" in message
    # solve raises it at once, whatever the time limit.
    with pytest.raises(InfeasibleError) as raised:
        solve(no_repeats(ROUNDS), Params(time_limit=60, seed=0, workers=1))
    assert str(raised.value) == message


def test_an_organisation_that_may_be_left_out_is_not_counted() -> None:
    leave = (RuleInfo("rule 2", "optional", "optional", True),
             LeaveOut(2, np.ones(4, dtype=np.int64), np.zeros(4, dtype=np.int64), 0, True))
    assert counted_conflict(no_repeats(ROUNDS, extra=[leave])) is None


def test_a_conflict_counting_misses_is_named_by_the_search() -> None:
    # Six in two groups of three after {a, b, c} {d, e, f}: each has 3 new partners, enough
    # for a group of 3, yet any group of 3 takes two from one old group.
    p = no_repeats([[0, 0, 0, 1, 1, 1]], n=6, size=3)
    assert counted_conflict(p) is None
    with pytest.raises(InfeasibleError) as err:
        solve(p, Params(time_limit=2, seed=0, workers=1))
    assert err.value.rules == ["rule 1"]  # group sizes are the frame every conflict is in
    assert "repeats kept apart (rule 1; 6 pairs met before)" in str(err.value)
    assert "6 organisations in 2 groups of 3" in str(err.value)
