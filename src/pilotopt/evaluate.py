"""Objective and rule violations of any assignment, independent of the solvers.

Every assignment a solver returns passes through :func:`evaluate`; so does one made or edited by
hand. The code here reads only the :class:`~pilotopt.problem.Problem`, never solver state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import assert_never

import numpy as np
import numpy.typing as npt

from pilotopt.problem import (
    SCALE,
    Allowed,
    Coverage,
    GroupSum,
    LeaveOut,
    MaxDeviation,
    NotExactlyOne,
    PairLink,
    Primitive,
    Problem,
    Proximity,
    SparseRows,
)

__all__ = ["Evaluation", "RuleStatus", "evaluate"]


@dataclass(frozen=True)
class RuleStatus:
    """How one user rule holds: total violation, penalty and violation per group.

    ``per_group[g]`` is the part of the violation that falls in group g (a broken pair counts in
    the group of its first placed member); what falls in no group (organisations left out) is in
    ``violation`` only.
    """

    rule: int
    id: str
    kind: str
    label: str
    hard: bool
    violation: int
    penalty: int
    per_group: tuple[int, ...]

    @property
    def satisfied(self) -> bool:
        """Whether the rule holds exactly."""
        return self.violation == 0


@dataclass(frozen=True)
class Evaluation:
    """Scaled integer figures of one assignment; divide by ``SCALE`` for user units."""

    complementarity: int
    penalty: int
    group_complementarity: tuple[int, ...]
    group_sizes: tuple[int, ...]
    rules: tuple[RuleStatus, ...]
    left_out: tuple[int, ...] = ()  # organisations in no group

    @property
    def objective(self) -> int:
        """Complementarity minus the penalties of soft rules (scaled)."""
        return self.complementarity - self.penalty

    @property
    def feasible(self) -> bool:
        """Whether every hard rule holds."""
        return all(r.satisfied for r in self.rules if r.hard)

    def broken_hard_rules(self) -> list[RuleStatus]:
        """The hard rules that do not hold."""
        return [r for r in self.rules if r.hard and not r.satisfied]

    def to_dict(self) -> dict[str, object]:
        """Plain values in user units, for JSON output."""
        return {
            "objective": self.objective / SCALE,
            "complementarity": self.complementarity / SCALE,
            "penalty": self.penalty / SCALE,
            "all_hard_rules_hold": self.feasible,
            "groups": [
                {"group": g, "size": s, "complementarity": c / SCALE}
                for g, (s, c) in enumerate(
                    zip(self.group_sizes, self.group_complementarity, strict=True)
                )
            ],
            "rules": [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "label": r.label,
                    "hard": r.hard,
                    "satisfied": r.satisfied,
                    "violation": r.violation,
                    "penalty": r.penalty / SCALE,
                    "violation_per_group": list(r.per_group),
                }
                for r in self.rules
            ],
        }


def _primitive_violation(
    p: Primitive, groups: npt.NDArray[np.int64], m: int
) -> npt.NDArray[np.int64]:
    """Violation of one primitive per group; entry ``m`` holds what falls in no group."""
    per_group = np.zeros(m + 1, dtype=np.int64)
    placed = groups >= 0
    slot = np.where(placed, groups, m)  # group, or m for organisations left out
    match p:
        case GroupSum():
            sums = np.bincount(slot, weights=p.w, minlength=m + 1)[:m].astype(np.int64)
            per_group[:m] = np.maximum(0, np.maximum(p.lo - sums, sums - p.hi))
        case PairLink():
            if len(p.pairs):
                a, b = p.pairs[:, 0], p.pairs[:, 1]
                same = (groups[a] == groups[b]) & placed[a]
                broken = ~same if p.together else same
                where = np.where(placed[a], slot[a], slot[b])
                np.add.at(per_group, where[broken], 1)
        case Allowed():
            members = np.flatnonzero(placed)
            bad = members[~p.table.allows(members, groups[members])]
            np.add.at(per_group, groups[bad], 1)
        case NotExactlyOne():
            counts = np.bincount(slot, weights=p.w, minlength=m + 1)[:m]
            per_group[:m] = counts == 1
        case Coverage():
            offered = np.zeros((m + 1, p.offers.shape[1]), dtype=np.int64)
            np.add.at(offered, slot, p.offers)
            # Offered by someone else: the group's offer count without the member's own offer.
            others = offered[slot] - p.offers
            unmet = ((p.needs > 0) & (others <= 0) & placed[:, None]).sum(axis=1)
            np.add.at(per_group, slot, unmet)
        case LeaveOut():
            per_group[m] = max(0, p.lo - int(p.w[placed].sum()))
        case MaxDeviation():
            if m:
                sums = np.bincount(slot, weights=p.w, minlength=m + 1)[:m].astype(np.int64)
                dev = np.abs(sums - p.target)
                per_group[int(np.argmax(dev))] = dev.max()
        case Proximity():
            for a, b in _same_group_pairs(slot, m):
                np.add.at(per_group, slot[a[p.far(a, b)]], 1)
        case _:
            assert_never(p)
    return per_group


def _same_group_pairs(
    slot: npt.NDArray[np.int64], m: int
) -> Iterator[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
    """Every pair of members of one group, in batches: the k-th batch pairs each member with
    the one k places after it (by group). O(n * largest group), never n x n."""
    order = np.argsort(slot, kind="stable")
    order = order[slot[order] < m]
    ranked = slot[order]
    largest = int(np.bincount(ranked, minlength=1).max()) if len(order) else 0
    for k in range(1, largest):
        same = ranked[:-k] == ranked[k:]
        yield order[:-k][same], order[k:][same]


def _group_totals(f: SparseRows, slot: npt.NDArray[np.int64], m: int) -> npt.NDArray[np.int64]:
    """Sum of the rows of each group's members (m + 1 rows: the last for no group)."""
    out = np.zeros((m + 1, f.width), dtype=np.int64)
    np.add.at(out, (slot[f.entry_rows()], f.indices), f.data)
    return out


def _group_complementarity(
    problem: Problem, groups: npt.NDArray[np.int64], m: int
) -> npt.NDArray[np.int64]:
    """Score of each group's pairs, from the dense matrix or from the factors."""
    placed = groups >= 0
    slot = np.where(placed, groups, m)
    f = problem.factors
    if f is None:  # each same-group pair is counted from both ends, hence the halving
        same = (groups[:, None] == groups[None, :]) & placed[:, None]
        earned = np.where(same, problem.score, 0).sum(axis=1)
        return np.bincount(slot, weights=earned, minlength=m + 1)[:m].astype(np.int64) // 2
    # Over ordered pairs i != j of a group, x_i . y_j sums to (sum x) . (sum y) minus each
    # member's x_i . y_i; every unordered pair is counted twice (x y^T is symmetric).
    ordered = (_group_totals(f.x, slot, m) * _group_totals(f.y, slot, m)).sum(axis=1)
    np.subtract.at(ordered, slot, f.x.row_dots(f.y))
    sizes = np.bincount(slot, minlength=m + 1)
    out = ordered // 2 + f.constant * (sizes * (sizes - 1) // 2)
    if len(f.pairs):
        a, b = f.pairs[:, 0], f.pairs[:, 1]
        same = (groups[a] == groups[b]) & placed[a]
        np.add.at(out, groups[a[same]], f.values[same])
    return np.asarray(out[:m], dtype=np.int64)


def evaluate(problem: Problem, assignment: npt.ArrayLike) -> Evaluation:
    """Recompute the objective and every rule's status for ``assignment``.

    Parameters
    ----------
    problem
        The compiled problem.
    assignment
        Group index (``0..m-1``) of each organisation, in the order of ``problem.ids``; ``-1``
        for one left out (allowed only where a LeaveOut rule names it).

    Examples
    --------
    >>> import numpy as np
    >>> from pilotopt.problem import Problem, RuleInfo
    >>> score = np.array([[0, 5, 1], [5, 0, 2], [1, 2, 0]])
    >>> p = Problem(("a", "b", "c"), ("a", "b", "c"), ("G1", "G2"), score, (), ())
    >>> evaluate(p, [0, 0, 1]).complementarity
    5
    """
    groups = np.asarray(assignment, dtype=np.int64)
    n, m = problem.n, problem.m
    if groups.shape != (n,):
        raise ValueError(f"assignment must give a group for each of the {n} organisations")
    if n and (groups.min() < -1 or groups.max() >= m):
        raise ValueError(f"group indices must lie in 0..{m - 1} (or -1: left out)")
    placed = groups >= 0
    stray = np.flatnonzero(~placed & ~problem.optional)
    if len(stray):
        raise ValueError(f"organisation {problem.ids[stray[0]]} has no group and may not be "
                         "left out")

    slot = np.where(placed, groups, m)
    group_comp = _group_complementarity(problem, groups, m)

    per_rule = np.zeros((len(problem.rules), m + 1), dtype=np.int64)
    penalty = np.zeros(len(problem.rules), dtype=np.int64)
    for p in problem.primitives:
        v = _primitive_violation(p, groups, m)
        per_rule[p.rule] += v
        if not p.hard:
            penalty[p.rule] += p.penalty * int(v.sum())
        if isinstance(p, LeaveOut):
            penalty[p.rule] += int(p.cost[~placed].sum())

    statuses = tuple(
        RuleStatus(
            rule=k,
            id=info.id,
            kind=info.kind,
            label=info.label,
            hard=info.hard,
            violation=int(per_rule[k].sum()),
            penalty=int(penalty[k]),
            per_group=tuple(int(x) for x in per_rule[k, :m]),
        )
        for k, info in enumerate(problem.rules)
    )
    return Evaluation(
        complementarity=int(group_comp.sum()),
        penalty=int(penalty.sum()),
        group_complementarity=tuple(int(x) for x in group_comp),
        group_sizes=tuple(int(x) for x in np.bincount(slot, minlength=m + 1)[:m]),
        rules=statuses,
        left_out=tuple(int(i) for i in np.flatnonzero(~placed)),
    )
