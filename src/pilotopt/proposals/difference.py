"""How much two assignments differ, whatever the groups are called.

Two assignments that put the same organisations together under other group numbers are the same
proposal. The difference counts the organisations that would have to move to turn one into the
other once the groups of the second are renamed as well as they can be: the best matching of
group labels (an assignment problem on the groups' overlaps, solved exactly).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pilotopt.problem import IntArray

__all__ = ["difference", "matching", "share"]


def matching(a: npt.ArrayLike, b: npt.ArrayLike, m: int) -> IntArray:
    """The renaming of b's groups that keeps most organisations where a has them.

    ``out[h]`` is the group of ``a`` matched to group ``h`` of ``b``; organisations left out
    (-1) stay left out.

    >>> matching([0, 0, 1, 1], [1, 1, 0, 0], 2).tolist()
    [1, 0]
    """
    from ortools.graph.python import linear_sum_assignment  # start-up time: only when used

    x, y = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    both = (x >= 0) & (y >= 0)
    overlap = np.zeros((m, m), dtype=np.int64)
    np.add.at(overlap, (x[both], y[both]), 1)
    solver = linear_sum_assignment.SimpleLinearSumAssignment()
    rows, cols = np.meshgrid(np.arange(m), np.arange(m), indexing="ij")
    # Minimising the negated overlap maximises the organisations kept in place.
    solver.add_arcs_with_cost(rows.ravel(), cols.ravel(), -overlap.ravel())
    if m and solver.solve() != solver.OPTIMAL:
        raise RuntimeError("internal error: the group matching failed")
    out = np.empty(m, dtype=np.int64)
    for g in range(m):
        out[solver.right_mate(g)] = g
    return out


def difference(a: npt.ArrayLike, b: npt.ArrayLike, m: int) -> int:
    """Organisations placed differently by ``a`` and ``b`` under the best renaming of b's groups
    (left out in one and placed in the other counts as placed differently).

    >>> difference([0, 0, 1, 1], [1, 1, 0, 0], 2), difference([0, 0, 1, 1], [0, 1, 0, 1], 2)
    (0, 2)
    """
    x, y = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    renamed = np.where(y >= 0, matching(x, y, m)[np.maximum(y, 0)], -1)
    return int(np.count_nonzero(renamed != x))


def share(a: npt.ArrayLike, b: npt.ArrayLike, m: int) -> float:
    """:func:`difference` as a share of the organisations (0: the same proposal)."""
    n = len(np.asarray(a))
    return difference(a, b, m) / n if n else 0.0
