"""What changed between two assignments of one roster: who moved, which pairs were kept and
which broken, and the change of every rule, every group and the objective.

Both assignments are judged by :func:`~pilotopt.evaluate.evaluate`, so every figure before and
after is what ``pilotopt score`` reports on each; the change is after minus before.

Examples
--------
>>> import numpy as np
>>> from pilotopt.problem import GroupSum, Problem, RuleInfo
>>> score = np.array([[0, 5, 1], [5, 0, 2], [1, 2, 0]])
>>> size = GroupSum(0, np.ones(3, dtype=np.int64), np.array([1, 1]), np.array([2, 2]), True)
>>> p = Problem(("a", "b", "c"), ("a", "b", "c"), ("G1", "G2"), score,
...             (RuleInfo("groups.size", "size", "groups of 1 to 2", True),), (size,))
>>> d = diff(p, [0, 0, 1], [1, 0, 1])  # a joins c
>>> [(p.ids[i], f, t) for i, f, t in d.moved], d.kept, d.broken, d.formed
([('a', 0, 1)], 0, ((0, 1),), ((0, 2),))
>>> d.after.objective_scaled - d.before.objective_scaled
-4
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from pilotopt.evaluate import Evaluation, evaluate
from pilotopt.problem import SCALE, IntArray, Problem

__all__ = ["Diff", "diff"]

Pair = tuple[int, int]


@dataclass(frozen=True)
class Diff:
    """Two assignments of one problem compared (``before`` and ``after``: their evaluations).

    ``moved``: (organisation, group before, group after), -1 for no group; ``kept``: how many
    pairs share a group in both; ``broken``: pairs together before and not after; ``formed``:
    pairs together after and not before (ascending index pairs).
    """

    problem: Problem
    a: IntArray
    b: IntArray
    before: Evaluation
    after: Evaluation
    moved: tuple[tuple[int, int, int], ...]
    kept: int
    broken: tuple[Pair, ...]
    formed: tuple[Pair, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain values in user units (ids and group names); before, after and change of each
        figure as ``{"a": ..., "b": ..., "change": ...}``."""
        p, ev_a, ev_b = self.problem, self.before, self.after
        names, ids = p.group_names, p.ids

        def group(g: int) -> str | None:
            return names[g] if g >= 0 else None

        def three(x: int, y: int, scaled: bool = True) -> dict[str, float]:
            if not scaled:  # counts stay whole numbers
                return {"a": x, "b": y, "change": y - x}
            return {"a": x / SCALE, "b": y / SCALE, "change": (y - x) / SCALE}

        def pairs(found: tuple[Pair, ...]) -> list[list[str]]:
            return [[ids[i], ids[j]] for i, j in found]

        return {
            "objective": three(ev_a.objective_scaled, ev_b.objective_scaled),
            "complementarity": three(ev_a.complementarity_scaled, ev_b.complementarity_scaled),
            "penalty": three(ev_a.penalty_scaled, ev_b.penalty_scaled),
            "all_hard_rules_hold": {"a": ev_a.feasible, "b": ev_b.feasible},
            "moved": [{"organisation": ids[i], "name": p.names[i], "from": group(f),
                       "to": group(t)} for i, f, t in self.moved],
            "pairs": {"kept": self.kept, "broken": pairs(self.broken),
                      "formed": pairs(self.formed)},
            "rules": [{
                "id": ra.id, "label": ra.label, "hard": ra.hard,
                "violation": three(ra.violation, rb.violation, scaled=False),
                "penalty": three(ra.penalty_scaled, rb.penalty_scaled),
                "violation_per_group": {
                    names[g]: three(x, y, scaled=False)
                    for g, (x, y) in enumerate(zip(ra.per_group, rb.per_group, strict=True))
                    if x or y},
            } for ra, rb in zip(ev_a.rules, ev_b.rules, strict=True)],
            "groups": [{
                "group": names[g],
                "size": three(ev_a.group_sizes[g], ev_b.group_sizes[g], scaled=False),
                "complementarity": three(ev_a.group_complementarity_scaled[g],
                                         ev_b.group_complementarity_scaled[g]),
                "joined": [ids[i] for i, _, t in self.moved if t == g],
                "left": [ids[i] for i, f, _ in self.moved if f == g],
            } for g in range(p.m)],
        }


def _together(assignment: IntArray, m: int) -> set[Pair]:
    """Every pair (i < j) sharing a group."""
    out: set[Pair] = set()
    order = np.argsort(assignment, kind="stable")
    bounds = np.searchsorted(assignment[order], np.arange(m + 1))
    for g in range(m):
        members = order[bounds[g]:bounds[g + 1]].tolist()
        out.update((x, y) for k, x in enumerate(members) for y in members[k + 1:])
    return out


def diff(problem: Problem, a: npt.ArrayLike, b: npt.ArrayLike) -> Diff:
    """Compare assignment ``a`` (before) with ``b`` (after) of ``problem``.

    Both are checked and judged by the evaluator (raises ValueError as it does on an
    assignment that does not fit the problem).
    """
    aa = np.array(a, dtype=np.int64)
    bb = np.array(b, dtype=np.int64)
    before, after = evaluate(problem, aa), evaluate(problem, bb)
    moved = tuple((int(i), int(aa[i]), int(bb[i])) for i in np.flatnonzero(aa != bb))
    pa, pb = _together(aa, problem.m), _together(bb, problem.m)
    return Diff(problem, aa, bb, before, after, moved, len(pa & pb), tuple(sorted(pa - pb)),
                tuple(sorted(pb - pa)))
