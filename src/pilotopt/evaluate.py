"""Objective and rule violations of any assignment, independent of the solvers.

Every assignment a solver returns passes through :func:`evaluate`; so does one made or edited by
hand. The code here reads only the :class:`~pilotopt.problem.Problem`, never solver state.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, assert_never

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
    Stay,
)

__all__ = ["AssignmentLike", "Evaluation", "RuleStatus", "Scored", "evaluate", "group_indices",
           "member_complementarity", "per_member"]

#: An assignment as the library takes it: per organisation (in the order of ``problem.ids``)
#: a group index from 0 or a group name (any case), and -1 or None for one left out; or a
#: mapping from organisation id to the same (every id present).
AssignmentLike: TypeAlias = (
    "npt.ArrayLike | Sequence[int | str | None] | Mapping[str, int | str | None]"
)


@dataclass(frozen=True)
class RuleStatus:
    """How one user rule holds: total violation, penalty and violation per group.

    ``per_group[g]`` is the part of the violation that falls in group g (a broken pair counts in
    the group of its first placed member); what falls in no group (organisations left out) is in
    ``violation`` only. Violations count the rule's units (members, pairs, needs); ``penalty``
    is in user units, ``penalty_scaled`` the integer the solvers use.
    """

    rule: int
    id: str
    kind: str
    label: str
    hard: bool
    violation: int
    penalty_scaled: int
    per_group: tuple[int, ...]

    @property
    def satisfied(self) -> bool:
        """Whether the rule holds exactly."""
        return self.violation == 0

    @property
    def penalty(self) -> float:
        """Penalty in user units (0 for a hard rule)."""
        return self.penalty_scaled / SCALE


class Scored:
    """The objective (complementarity minus the soft rules' penalties), complementarity and
    penalty in user units, from the scaled integers ``complementarity_scaled`` and
    ``penalty_scaled`` (user units times :data:`~pilotopt.problem.SCALE`): of an assignment
    (:class:`Evaluation`) or of a change to one (:class:`pilotopt.moves.Change`)."""

    complementarity_scaled: int
    penalty_scaled: int

    @property
    def objective_scaled(self) -> int:
        """Complementarity minus the penalties of soft rules (scaled integer)."""
        return self.complementarity_scaled - self.penalty_scaled

    @property
    def objective(self) -> float:
        """Complementarity minus the penalties of soft rules, in user units."""
        return self.objective_scaled / SCALE

    @property
    def complementarity(self) -> float:
        """Complementarity of the groups' pairs (per member of each group with
        ``Problem.per_member``), in user units."""
        return self.complementarity_scaled / SCALE

    @property
    def penalty(self) -> float:
        """Penalty of the soft rules, in user units."""
        return self.penalty_scaled / SCALE


@dataclass(frozen=True)
class Evaluation(Scored):
    """The figures of one assignment.

    ``objective``, ``complementarity``, ``penalty`` and ``group_complementarity`` are in user
    units; the ``*_scaled`` fields are the integers (user units times
    :data:`~pilotopt.problem.SCALE`) in which the solvers and the evaluator agree to the unit.
    ``group_names`` names the groups (from the problem) for :meth:`to_dict`.

    Examples
    --------
    >>> import numpy as np
    >>> from pilotopt.problem import Problem
    >>> score = np.array([[0, 5500, 1000], [5500, 0, 2000], [1000, 2000, 0]])
    >>> p = Problem(("a", "b", "c"), ("A", "B", "C"), ("Kempen", "Leuven"), score, (), ())
    >>> ev = evaluate(p, ["Kempen", "kempen", "Leuven"])
    >>> ev.objective, ev.objective_scaled, ev.group_complementarity
    (5.5, 5500, (5.5, 0.0))
    >>> ev.to_dict()["groups"][0]
    {'group': 'Kempen', 'index': 0, 'size': 2, 'complementarity': 5.5}
    """

    complementarity_scaled: int
    penalty_scaled: int
    group_complementarity_scaled: tuple[int, ...]
    group_sizes: tuple[int, ...]
    rules: tuple[RuleStatus, ...]
    left_out: tuple[int, ...] = ()  # organisations in no group (see Problem.left_out)
    group_names: tuple[str, ...] = ()
    per_member: bool = False  # each group's complementarity is per member (Problem.per_member)

    @property
    def group_complementarity(self) -> tuple[float, ...]:
        """Each group's complementarity, in user units."""
        return tuple(c / SCALE for c in self.group_complementarity_scaled)

    def group_name(self, g: int) -> str:
        """The name of group g (its number from 1 without names)."""
        return self.group_names[g] if g < len(self.group_names) else str(g + 1)

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
            "objective": self.objective,
            "complementarity": self.complementarity,
            "penalty": self.penalty,
            "per_member": self.per_member,
            "all_hard_rules_hold": self.feasible,
            "groups": [
                {"group": self.group_name(g), "index": g, "size": s, "complementarity": c}
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
                    "penalty": r.penalty,
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
        case Stay():
            per_group[m] = max(0, int(p.moved(groups).sum()) - p.most)
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


def group_indices(problem: Problem, assignment: AssignmentLike) -> npt.NDArray[np.int64]:
    """The assignment as group indices (``-1``: left out), in the order of ``problem.ids``.

    Takes what :func:`evaluate` takes: per organisation a group index, a group name (any case)
    or None; or a mapping from id to the same, covering every organisation.

    Examples
    --------
    >>> import numpy as np
    >>> from pilotopt.problem import Problem
    >>> p = Problem(("a", "b"), ("A", "B"), ("Kempen", "Leuven"), np.zeros((2, 2), int), (), ())
    >>> group_indices(p, {"b": "LEUVEN", "a": 0}).tolist()
    [0, 1]
    """
    if isinstance(assignment, Mapping):
        known = set(problem.ids)
        missing = [i for i in problem.ids if i not in assignment]
        unknown = [k for k in assignment if k not in known]
        if missing or unknown:
            raise ValueError(f"the assignment must name every organisation once: missing "
                             f"{missing[:5]}, unknown {unknown[:5]}")
        assignment = [assignment[i] for i in problem.ids]
    if isinstance(assignment, np.ndarray) and assignment.dtype.kind in "iu":
        return np.asarray(assignment, dtype=np.int64)
    values: list[Any] = list(assignment)  # type: ignore[arg-type]
    if not any(isinstance(v, str) or v is None for v in values):
        return np.asarray(values, dtype=np.int64)
    by_name = {name.casefold(): g for g, name in enumerate(problem.group_names)}
    out = np.empty(len(values), dtype=np.int64)
    for k, v in enumerate(values):
        if v is None:
            out[k] = -1
        elif isinstance(v, str):
            if v.casefold() not in by_name:
                raise ValueError(f"no group named {v!r}: groups are "
                                 f"{', '.join(problem.group_names)}")
            out[k] = by_name[v.casefold()]
        else:
            out[k] = int(v)
    return out


def member_complementarity(
    problem: Problem, assignment: AssignmentLike
) -> npt.NDArray[np.float64]:
    """Each organisation's contribution to its group's complementarity, in user units: half
    its pair scores with the other members (so a group's members add up to the group's
    complementarity); 0 for one left out. O(n * rank) with factors, O(n^2) dense. With the
    size-fair objective (``problem.per_member``) each is also divided by its group's size.

    Examples
    --------
    >>> import numpy as np
    >>> from pilotopt.problem import Problem
    >>> score = np.array([[0, 5000, 1000], [5000, 0, 2000], [1000, 2000, 0]])
    >>> p = Problem(("a", "b", "c"), ("A", "B", "C"), ("G1",), score, (), ())
    >>> member_complementarity(p, [0, 0, 0]).tolist()
    [3.0, 3.5, 1.5]
    """
    groups = group_indices(problem, assignment)
    placed = groups >= 0
    m = problem.m
    slot = np.where(placed, groups, m)
    sizes = np.bincount(slot, minlength=m + 1)
    f = problem.factors
    if f is None:
        same = (groups[:, None] == groups[None, :]) & placed[:, None]
        earned = np.where(same, problem.score, 0).sum(axis=1)
    else:
        ytot = _group_totals(f.y, slot, m)
        rows = f.x.entry_rows()
        earned = np.zeros(problem.n, dtype=np.int64)
        np.add.at(earned, rows, f.x.data * ytot[slot[rows], f.x.indices])
        earned -= f.x.row_dots(f.y)
        earned += f.constant * (sizes[slot] - 1)
        if len(f.pairs):
            a, b = f.pairs[:, 0], f.pairs[:, 1]
            same = (groups[a] == groups[b]) & placed[a]
            np.add.at(earned, a[same], f.values[same])
            np.add.at(earned, b[same], f.values[same])
        earned[~placed] = 0
    if problem.per_member:  # the group's figure is per member: so is each member's share
        return np.asarray(earned / (2 * SCALE * np.maximum(sizes[slot], 1)), dtype=np.float64)
    return np.asarray(earned, dtype=np.float64) / (2 * SCALE)


def evaluate(problem: Problem, assignment: AssignmentLike) -> Evaluation:
    """Recompute the objective and every rule's status for ``assignment``.

    Parameters
    ----------
    problem
        The compiled problem.
    assignment
        Group of each organisation, in the order of ``problem.ids``: an index ``0..m-1`` or a
        group name (any case); ``-1`` or None for one left out (allowed only where a LeaveOut
        rule names it). Or a mapping from each id to its group.

    Examples
    --------
    >>> import numpy as np
    >>> from pilotopt.problem import Problem, RuleInfo
    >>> score = np.array([[0, 5000, 1000], [5000, 0, 2000], [1000, 2000, 0]])
    >>> p = Problem(("a", "b", "c"), ("a", "b", "c"), ("G1", "G2"), score, (), ())
    >>> evaluate(p, [0, 0, 1]).complementarity
    5.0
    >>> evaluate(p, {"a": "G2", "b": "g2", "c": "G1"}).group_complementarity
    (0.0, 5.0)
    """
    groups = group_indices(problem, assignment)
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
    sizes = np.bincount(slot, minlength=m + 1)[:m]
    group_comp = _group_complementarity(problem, groups, m)
    if problem.per_member:
        group_comp = per_member(group_comp, sizes)

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
            penalty_scaled=int(penalty[k]),
            per_group=tuple(int(x) for x in per_rule[k, :m]),
        )
        for k, info in enumerate(problem.rules)
    )
    return Evaluation(
        complementarity_scaled=int(group_comp.sum()),
        penalty_scaled=int(penalty.sum()),
        group_complementarity_scaled=tuple(int(x) for x in group_comp),
        group_sizes=tuple(int(x) for x in sizes),
        rules=statuses,
        left_out=tuple(int(i) for i in problem.left_out(groups)),
        group_names=problem.group_names,
        per_member=problem.per_member,
    )


def per_member(pairs: npt.ArrayLike, sizes: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Each group's complementarity per member (the size-fair objective): its pairs' scaled
    score over its size, rounded down to the integer; 0 for an empty group.

    >>> per_member([12000, 10000, 5], [3, 2, 0]).tolist()
    [4000, 5000, 0]
    """
    p = np.asarray(pairs, dtype=np.int64)
    s = np.asarray(sizes, dtype=np.int64)
    return np.where(s > 0, p // np.maximum(s, 1), 0).astype(np.int64)
