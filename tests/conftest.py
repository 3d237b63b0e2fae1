"""Shared builders of tiny, hand-checkable problems."""

from __future__ import annotations

import numpy as np
import pytest

from pilotopt.problem import GroupSum, Primitive, Problem, RuleInfo


def make_problem(
    score: list[list[int]] | np.ndarray,
    m: int,
    *,
    size: tuple[int, int] | None = None,
    extra: list[tuple[RuleInfo, Primitive]] = (),  # type: ignore[assignment]
) -> Problem:
    """A problem over ``len(score)`` organisations named a, b, c, ... in ``m`` groups."""
    s = np.asarray(score, dtype=np.int64)
    n = len(s)
    ids = tuple(chr(ord("a") + i) for i in range(n))
    lo, hi = size or (1, n)
    rules = [RuleInfo("groups.size", "size", f"groups of {lo} to {hi}", True)]
    prims: list[Primitive] = [GroupSum(0, np.ones(n, dtype=np.int64), np.full(m, lo),
                                       np.full(m, hi), True)]
    for info, prim in extra:
        rules.append(info)
        prims.append(prim)
    return Problem(ids, ids, tuple(f"G{g + 1}" for g in range(m)), s, tuple(rules), tuple(prims))


@pytest.fixture
def four_square() -> Problem:
    """a-b and c-d attract strongly; two groups of two: the optimum is {a,b},{c,d} = 18."""
    return make_problem(
        [[0, 9, 1, 0], [9, 0, 0, 1], [1, 0, 0, 9], [0, 1, 9, 0]], 2, size=(2, 2)
    )
