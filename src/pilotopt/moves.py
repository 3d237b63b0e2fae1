"""What if an organisation moved, or two swapped? The exact change, in O(affected) time.

A :class:`WhatIf` holds an assignment of a :class:`~pilotopt.problem.Problem` and, per primitive,
what a move needs to be priced without looking at the whole roster: the members of each group,
the per-group sums of the score factors' ``y`` rows, GroupSum and NotExactlyOne sums, Coverage
counts per tag, each organisation's PairLink pairs, the MaxDeviation sums with their largest
deviation, the LeaveOut count. :meth:`WhatIf.move` and :meth:`WhatIf.swap` give a
:class:`Change`: the change of the objective, of each group's complementarity and of each rule's
violation and penalty, per group, equal to the difference of two :func:`~pilotopt.evaluate.evaluate`
results (tests check it on random problems with every primitive). :meth:`WhatIf.apply` makes a
change. Re-planning, explanations and the web workspace build on this.

It serves interactive use (explain, fit, a matchmaker dragging an organisation): plain numpy and
Python, not the compiled search kernel. A WhatIf is not thread-safe: a swap is priced by making
its first half and undoing it.

Examples
--------
>>> import numpy as np
>>> from pilotopt.problem import GroupSum, Problem, RuleInfo
>>> score = np.array([[0, 5, 1], [5, 0, 2], [1, 2, 0]])
>>> size = GroupSum(0, np.ones(3, dtype=np.int64), np.array([1, 1]), np.array([2, 2]), True)
>>> p = Problem(("a", "b", "c"), ("a", "b", "c"), ("G1", "G2"), score,
...             (RuleInfo("groups.size", "size", "groups of 1 to 2", True),), (size,))
>>> w = WhatIf(p, [0, 0, 1])
>>> c = w.move(0, 1)  # a joins c: loses 5 with b, earns 1 with c (score 1000 = 1.0)
>>> c.complementarity, c.complementarity_scaled, c.hard_violation
(-0.004, -4, 0)
>>> w.swap(0, 2).objective_scaled  # a and c trade places: b earns 2 with c instead of 5 with a
-3
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeAlias, assert_never

import numpy as np
import numpy.typing as npt

from pilotopt.evaluate import Evaluation, RuleStatus, Scored, evaluate, per_member
from pilotopt.problem import (
    SCALE,
    Allowed,
    Coverage,
    GroupSum,
    LeaveOut,
    LowRankScore,
    MaxDeviation,
    NotExactlyOne,
    PairLink,
    Primitive,
    Problem,
    Proximity,
    SparseRows,
    Stay,
)

__all__ = ["Change", "Move", "RuleChange", "WhatIf"]

IntArray: TypeAlias = npt.NDArray[np.int64]
#: Where a change of violation falls: a group ``0..m-1``, or ``m`` for no group (as in the
#: evaluator: e.g. a LeaveOut minimum, a pair of two organisations left out).
Slots: TypeAlias = dict[int, int]


@dataclass(frozen=True)
class Move:
    """Organisation ``organisation`` goes from group ``source`` to ``target`` (-1: no group)."""

    organisation: int
    source: int
    target: int


@dataclass(frozen=True)
class RuleChange:
    """How one user rule's figures change: total violation, penalty and, per group whose part
    changes, that part's change (``(group, change)``, ascending groups)."""

    rule: int
    violation: int
    penalty_scaled: int
    per_group: tuple[tuple[int, int], ...]

    @property
    def penalty(self) -> float:
        """Change of the penalty, in user units."""
        return self.penalty_scaled / SCALE


@dataclass(frozen=True)
class Change(Scored):
    """The change a set of moves makes to every figure of :class:`~pilotopt.evaluate.Evaluation`.

    ``objective``, ``complementarity``, ``penalty`` and ``group_complementarity`` are in user
    units, the ``*_scaled`` fields the integers behind them (user units times
    :data:`~pilotopt.problem.SCALE`), as in the evaluation; :meth:`to_dict` names ids and
    groups. ``rules`` holds the rules whose figures change, by rule index;
    ``hard_violation`` is the change of the hard rules' total violation (below 0: repairs, above
    0: breaks). ``version`` is the state of the :class:`WhatIf` it was priced against.
    With the size-fair objective (``Problem.per_member``) ``group_complementarity_scaled``
    is the change of each group's figure per member, ``group_pairs_scaled`` that of its pairs'
    scores (without it the two are equal).
    """

    moves: tuple[Move, ...]
    complementarity_scaled: int
    penalty_scaled: int
    group_complementarity_scaled: tuple[tuple[int, int], ...]
    rules: tuple[RuleChange, ...]
    hard_violation: int
    version: int
    group_pairs_scaled: tuple[tuple[int, int], ...] = ()

    @property
    def group_complementarity(self) -> tuple[tuple[int, float], ...]:
        """``(group, change)`` of each group's complementarity that changes, in user units."""
        return tuple((g, c / SCALE) for g, c in self.group_complementarity_scaled)

    def rule(self, k: int) -> RuleChange:
        """The change of rule ``k`` (zeros if it does not change)."""
        for r in self.rules:
            if r.rule == k:
                return r
        return RuleChange(k, 0, 0, ())

    def to_dict(self, problem: Problem) -> dict[str, object]:
        """Plain values in user units (ids and group names), for JSON output."""
        names = problem.group_names

        def group(g: int) -> str | None:
            return names[g] if g >= 0 else None

        return {
            "moves": [{"organisation": problem.ids[mv.organisation], "from": group(mv.source),
                       "to": group(mv.target)} for mv in self.moves],
            "objective": self.objective,
            "complementarity": self.complementarity,
            "penalty": self.penalty,
            "hard_violation": self.hard_violation,
            "group_complementarity": {names[g]: c for g, c in self.group_complementarity},
            "rules": [{"id": problem.rules[r.rule].id, "label": problem.rules[r.rule].label,
                       "hard": problem.rules[r.rule].hard, "violation": r.violation,
                       "penalty": r.penalty,
                       "violation_per_group": {names[g]: v for g, v in r.per_group}}
                      for r in self.rules],
        }


# ----------------------------------------------------------------------------------------------
# shared state: the assignment and each group's members
# ----------------------------------------------------------------------------------------------


class _Groups:
    """The assignment and each group's members (ascending), kept in step."""

    def __init__(self, assignment: IntArray, m: int) -> None:
        self.a = assignment
        self.m = m
        order = np.argsort(assignment, kind="stable")
        bounds = np.searchsorted(assignment[order], np.arange(m + 1))
        self.members = [order[bounds[g]:bounds[g + 1]] for g in range(m)]

    def move(self, i: int, target: int) -> None:
        source = int(self.a[i])
        # Slices and concatenate: np.delete and np.insert cost several times more on small arrays.
        if source >= 0:
            own = self.members[source]
            k = int(np.searchsorted(own, i))
            self.members[source] = np.concatenate((own[:k], own[k + 1:]))
        if target >= 0:
            into = self.members[target]
            k = int(np.searchsorted(into, i))
            self.members[target] = np.concatenate((into[:k], np.array([i], dtype=np.int64),
                                                   into[k:]))
        self.a[i] = target


def _csr(n: int, rows: IntArray, *columns: IntArray) -> tuple[IntArray, list[IntArray]]:
    """Entries grouped by row: row pointers, and each column array in row order."""
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr, [c[order] for c in columns]


# ----------------------------------------------------------------------------------------------
# complementarity
# ----------------------------------------------------------------------------------------------


class _DenseScore:
    """What organisation i earns in group g: its scores with g's members, O(|g|)."""

    def __init__(self, score: IntArray, groups: _Groups) -> None:
        self.score = score
        self.groups = groups

    def row(self, i: int) -> IntArray:
        return np.array(self.score[i], dtype=np.int64)

    def gain(self, i: int, g: int) -> int:
        # The diagonal is zero, so i's own presence in g adds nothing.
        return int(self.score[i, self.groups.members[g]].sum()) if g >= 0 else 0

    def column(self, g: int) -> IntArray:
        return np.asarray(self.score[:, self.groups.members[g]].sum(axis=1), dtype=np.int64)

    def move(self, i: int, source: int, target: int) -> None:
        pass  # the members are all it reads


class _FactorScore:
    """What i earns in g from the factors: ``constant * |g - i| + x_i . Y_g - x_i . y_i [i in g]
    + explicit pairs``, with ``Y_g`` the sum of g's members' ``y`` rows, O(nonzeros of x_i +
    explicit pairs of i). Only ``y`` sums are needed: ``x y^T`` is symmetric, so i's side of
    each pair is ``x_i . y_j``."""

    def __init__(self, f: LowRankScore, groups: _Groups) -> None:
        self.f = f
        self.groups = groups
        a = groups.a
        placed = a >= 0
        self.Y = np.zeros((groups.m, f.y.width), dtype=np.int64)
        rows = f.y.entry_rows()
        keep = placed[rows]
        np.add.at(self.Y, (a[rows[keep]], f.y.indices[keep]), f.y.data[keep])
        self.own = f.x.row_dots(f.y)
        both = np.concatenate([f.pairs, f.pairs[:, ::-1]]) if len(f.pairs) else f.pairs
        values = np.concatenate([f.values, f.values]) if len(f.pairs) else f.values
        self.pp, (self.partner, self.value) = _csr(f.n, both[:, 0].copy(), both[:, 1].copy(),
                                                   values)
        self.y_rows = f.y.entry_rows()
        self.x_rows = f.x.entry_rows()
        self.pair_rows = np.repeat(np.arange(f.n, dtype=np.int64), np.diff(self.pp))

    def row(self, i: int) -> IntArray:
        cols, data = self._row(self.f.x, i)
        xi = np.zeros(self.f.x.width, dtype=np.int64)
        xi[cols] = data
        out = np.bincount(self.y_rows, weights=self.f.y.data * xi[self.f.y.indices],
                          minlength=self.f.n).round().astype(np.int64) + self.f.constant
        lo, hi = self.pp[i], self.pp[i + 1]
        np.add.at(out, self.partner[lo:hi], self.value[lo:hi])
        out[i] = 0
        return out

    @staticmethod
    def _row(s: SparseRows, i: int) -> tuple[IntArray, IntArray]:
        lo, hi = s.indptr[i], s.indptr[i + 1]
        return s.indices[lo:hi], s.data[lo:hi]

    def gain(self, i: int, g: int) -> int:
        if g < 0:
            return 0
        a = self.groups.a
        inside = int(a[i] == g)
        cols, data = self._row(self.f.x, i)
        total = self.f.constant * (len(self.groups.members[g]) - inside)
        total += int(self.Y[g, cols] @ data) - inside * int(self.own[i])
        lo, hi = self.pp[i], self.pp[i + 1]
        if hi > lo:
            total += int(self.value[lo:hi][a[self.partner[lo:hi]] == g].sum())
        return total

    def column(self, g: int) -> IntArray:
        f, a = self.f, self.groups.a
        out = np.bincount(self.x_rows, weights=f.x.data * self.Y[g, f.x.indices],
                          minlength=f.n).round().astype(np.int64)
        inside = a == g
        out += f.constant * (len(self.groups.members[g]) - inside) - np.where(inside, self.own,
                                                                                0)
        hit = a[self.partner] == g
        np.add.at(out, self.pair_rows[hit], self.value[hit])
        return out

    def move(self, i: int, source: int, target: int) -> None:
        cols, data = self._row(self.f.y, i)
        if source >= 0:
            self.Y[source, cols] -= data
        if target >= 0:
            self.Y[target, cols] += data


_Score: TypeAlias = _DenseScore | _FactorScore


# ----------------------------------------------------------------------------------------------
# one incremental state per primitive: change(i, source, target, out) adds the change of the
# violation per slot to out and returns the change of penalty beyond penalty * violation
# (LeaveOut's cost); move(...) keeps the state. Both run before the move is made.
# ----------------------------------------------------------------------------------------------


def _sums(w: IntArray, groups: _Groups) -> list[int]:
    """Sum of ``w`` over each group's members (exact integers)."""
    out = np.zeros(groups.m, dtype=np.int64)
    placed = groups.a >= 0
    np.add.at(out, groups.a[placed], w[placed].astype(np.int64))
    return [int(x) for x in out]


def _bound_violation(s: int, lo: int, hi: int) -> int:
    return max(0, lo - s, s - hi)


class _GroupSumState:
    def __init__(self, p: GroupSum, groups: _Groups) -> None:
        self.p = p
        self.w: list[int] = p.w.tolist()  # list items: far cheaper to read than numpy's
        self.lo = [int(x) for x in p.lo]
        self.hi = [int(x) for x in p.hi]
        self.sums = _sums(p.w, groups)

    def change(self, i: int, source: int, target: int, out: Slots) -> int:
        w = self.w[i]
        if not w:
            return 0
        for g, d in ((source, -w), (target, w)):
            if g >= 0:
                s, lo, hi = self.sums[g], self.lo[g], self.hi[g]
                out[g] = out.get(g, 0) + max(0, lo - s - d, s + d - hi) - max(0, lo - s, s - hi)
        return 0

    def move(self, i: int, source: int, target: int) -> None:
        w = self.w[i]
        if source >= 0:
            self.sums[source] -= w
        if target >= 0:
            self.sums[target] += w


class _NotExactlyOneState:
    def __init__(self, p: NotExactlyOne, groups: _Groups) -> None:
        self.p = p
        self.w: list[int] = p.w.tolist()
        self.counts = _sums(p.w, groups)

    def change(self, i: int, source: int, target: int, out: Slots) -> int:
        w = self.w[i]
        for g, d in ((source, -w), (target, w)):
            if g >= 0 and d:
                c = self.counts[g]
                out[g] = out.get(g, 0) + int(c + d == 1) - int(c == 1)
        return 0

    def move(self, i: int, source: int, target: int) -> None:
        w = self.w[i]
        if source >= 0:
            self.counts[source] -= w
        if target >= 0:
            self.counts[target] += w


def _pair_slot(ga: int, gb: int, together: bool, m: int) -> int:
    """Where the pair counts as broken (as the evaluator places it), or -1 if it holds."""
    same = ga == gb and ga >= 0
    if same == together:
        return -1
    return ga if ga >= 0 else (gb if gb >= 0 else m)


class _PairLinkState:
    def __init__(self, p: PairLink, groups: _Groups) -> None:
        self.p = p
        self.groups = groups
        pairs = p.pairs.reshape(-1, 2)
        k = np.arange(len(pairs), dtype=np.int64)
        # Each pair once per organisation it names (a pair (i, i) once).
        ends = np.unique(np.stack([np.concatenate([pairs[:, 0], pairs[:, 1]]),
                                   np.concatenate([k, k])], axis=1), axis=0)
        self.indptr, (self.index,) = _csr(len(groups.a), ends[:, 0].copy(), ends[:, 1].copy())
        self.pairs = [(int(x), int(y)) for x, y in pairs]

    def change(self, i: int, source: int, target: int, out: Slots) -> int:
        a, m, together = self.groups.a, self.groups.m, self.p.together
        for k in self.index[self.indptr[i]:self.indptr[i + 1]]:
            x, y = self.pairs[k]
            gx, gy = int(a[x]), int(a[y])
            before = _pair_slot(gx, gy, together, m)
            after = _pair_slot(target if x == i else gx, target if y == i else gy, together, m)
            if before != after:
                if before >= 0:
                    out[before] = out.get(before, 0) - 1
                if after >= 0:
                    out[after] = out.get(after, 0) + 1
        return 0

    def move(self, i: int, source: int, target: int) -> None:
        pass  # reads the assignment only


class _AllowedState:
    """The restricted organisations' lists as sets: whether i may join g in O(1)."""

    def __init__(self, p: Allowed, groups: _Groups) -> None:
        t = p.table
        self.lists = {int(i): (bool(opens), set(t.groups[t.indptr[k]:t.indptr[k + 1]].tolist()))
                      for k, (i, opens) in enumerate(zip(t.rows, t.opens, strict=True))}

    def _bad(self, i: int, g: int) -> int:
        if g < 0 or i not in self.lists:
            return 0
        opens, listed = self.lists[i]
        return int((g in listed) != opens)

    def change(self, i: int, source: int, target: int, out: Slots) -> int:
        for g, d in ((source, -self._bad(i, source)), (target, self._bad(i, target))):
            if d:
                out[g] = out.get(g, 0) + d
        return 0

    def move(self, i: int, source: int, target: int) -> None:
        pass


class _CoverageState:
    """Per group and tag: members offering (``CO``), needing (``CN``), both (``CB``). With 0/1
    offers a group's unmet needs of tag t are all its needers when nobody offers t, the one
    member both offering and needing t when only it offers t, else none."""

    def __init__(self, p: Coverage, groups: _Groups) -> None:
        if not np.isin(p.offers, (0, 1)).all():
            raise ValueError("Coverage offers must be 0 or 1")
        offers, needs = p.offers.astype(np.int64), (p.needs > 0).astype(np.int64)
        m, a = groups.m, groups.a
        placed = a >= 0
        self.counts = np.zeros((3, m, offers.shape[1]), dtype=np.int64)
        for k, v in enumerate((offers, needs, offers * needs)):
            np.add.at(self.counts[k], a[placed], v[placed])
        self.tags = [np.flatnonzero(o | n) for o, n in zip(offers, needs, strict=True)]
        self.rows = [np.stack([offers[i, t], needs[i, t], offers[i, t] * needs[i, t]])
                     for i, t in enumerate(self.tags)]

    @staticmethod
    def _unmet(co: int, cn: int, cb: int) -> int:
        return cn if co == 0 else (cb if co == 1 else 0)

    def change(self, i: int, source: int, target: int, out: Slots) -> int:
        t, row = self.tags[i], self.rows[i]
        if not len(t):
            return 0
        mine = row.T.tolist()
        for g, sign in ((source, -1), (target, 1)):
            if g >= 0:
                d = 0
                for (co, cn, cb), (o, n, b) in zip(self.counts[:, g, t].T.tolist(), mine,
                                                   strict=True):
                    d += self._unmet(co + sign * o, cn + sign * n, cb + sign * b) - self._unmet(
                        co, cn, cb)
                out[g] = out.get(g, 0) + d
        return 0

    def move(self, i: int, source: int, target: int) -> None:
        t, row = self.tags[i], self.rows[i]
        if source >= 0:
            self.counts[:, source, t] -= row
        if target >= 0:
            self.counts[:, target, t] += row


class _LeaveOutState:
    def __init__(self, p: LeaveOut, groups: _Groups) -> None:
        self.p = p
        self.m = groups.m
        self.placed = int(p.w[groups.a >= 0].sum())

    def change(self, i: int, source: int, target: int, out: Slots) -> int:
        if (source >= 0) == (target >= 0):
            return 0
        sign = 1 if target >= 0 else -1
        lo = self.p.lo
        d = max(0, lo - self.placed - sign * int(self.p.w[i])) - max(0, lo - self.placed)
        if d:
            out[self.m] = out.get(self.m, 0) + d
        return -sign * int(self.p.cost[i])

    def move(self, i: int, source: int, target: int) -> None:
        if (source >= 0) != (target >= 0):
            self.placed += (1 if target >= 0 else -1) * int(self.p.w[i])


class _StayState:
    def __init__(self, p: Stay, groups: _Groups) -> None:
        self.p = p
        self.m = groups.m
        self.moved = int(p.moved(groups.a).sum())

    def _away(self, i: int, g: int) -> int:
        home = int(self.p.home[i])
        return int(home >= 0 and g >= 0 and g != home)

    def change(self, i: int, source: int, target: int, out: Slots) -> int:
        step = self._away(i, target) - self._away(i, source)
        most = self.p.most
        d = max(0, self.moved + step - most) - max(0, self.moved - most)
        if d:
            out[self.m] = out.get(self.m, 0) + d
        return 0

    def move(self, i: int, source: int, target: int) -> None:
        self.moved += self._away(i, target) - self._away(i, source)


class _ArgMax:
    """The largest of a list of values and the first index holding it, in O(log m) per update
    (a tournament tree: each inner node holds the winner of its two children)."""

    def __init__(self, values: Sequence[int]) -> None:
        size = 1
        while size < len(values):
            size *= 2
        self.size = size
        self.values = list(values) + [-1] * (size - len(values))
        self.best = [0] * size + list(range(size))
        for k in range(size - 1, 0, -1):
            self.best[k] = self._winner(self.best[2 * k], self.best[2 * k + 1])

    def _winner(self, left: int, right: int) -> int:
        return left if self.values[left] >= self.values[right] else right

    def set(self, g: int, value: int) -> None:
        self.values[g] = value
        k = (g + self.size) // 2
        while k:
            self.best[k] = self._winner(self.best[2 * k], self.best[2 * k + 1])
            k //= 2

    def top(self) -> tuple[int, int]:
        g = self.best[1] if self.size > 1 else 0
        return self.values[g], g


class _MaxDeviationState:
    def __init__(self, p: MaxDeviation, groups: _Groups) -> None:
        self.p = p
        self.sums = _sums(p.w, groups)
        self.tree = _ArgMax([abs(s - p.target) for s in self.sums])

    def _shift(self, i: int, source: int, target: int, sign: int) -> None:
        w = sign * int(self.p.w[i])
        for g, d in ((source, -w), (target, w)):
            if g >= 0:
                self.sums[g] += d
                self.tree.set(g, abs(self.sums[g] - self.p.target))

    def change(self, i: int, source: int, target: int, out: Slots) -> int:
        if not self.sums or not self.p.w[i]:
            return 0
        v0, g0 = self.tree.top()
        self._shift(i, source, target, 1)
        v1, g1 = self.tree.top()
        self._shift(i, source, target, -1)
        out[g0] = out.get(g0, 0) - v0
        out[g1] = out.get(g1, 0) + v1
        return 0

    def move(self, i: int, source: int, target: int) -> None:
        if self.sums:
            self._shift(i, source, target, 1)


class _ProximityState:
    def __init__(self, p: Proximity, groups: _Groups) -> None:
        self.p = p
        self.groups = groups

    def _far(self, i: int, g: int) -> int:
        others = self.groups.members[g]
        return int(np.count_nonzero(self.p.far(i, others[others != i])))

    def change(self, i: int, source: int, target: int, out: Slots) -> int:
        for g, sign in ((source, -1), (target, 1)):
            if g >= 0:
                out[g] = out.get(g, 0) + sign * self._far(i, g)
        return 0

    def move(self, i: int, source: int, target: int) -> None:
        pass  # the members are all it reads


_State: TypeAlias = (
    _GroupSumState | _PairLinkState | _AllowedState | _NotExactlyOneState | _CoverageState
    | _LeaveOutState | _MaxDeviationState | _ProximityState | _StayState
)


def _state(p: Primitive, groups: _Groups) -> _State:
    match p:
        case GroupSum():
            return _GroupSumState(p, groups)
        case PairLink():
            return _PairLinkState(p, groups)
        case Allowed():
            return _AllowedState(p, groups)
        case NotExactlyOne():
            return _NotExactlyOneState(p, groups)
        case Coverage():
            return _CoverageState(p, groups)
        case LeaveOut():
            return _LeaveOutState(p, groups)
        case MaxDeviation():
            return _MaxDeviationState(p, groups)
        case Proximity():
            return _ProximityState(p, groups)
        case Stay():
            return _StayState(p, groups)
        case _:
            assert_never(p)


# ----------------------------------------------------------------------------------------------
# the public object
# ----------------------------------------------------------------------------------------------


class WhatIf:
    """An assignment of ``problem`` that prices moves and swaps, and makes them.

    Parameters
    ----------
    problem
        The compiled problem (dense scores or factors, any primitives).
    assignment
        Group of each organisation (``-1``: left out, where a LeaveOut rule allows it). It is
        copied; :attr:`assignment` is the current one.

    Each pricing costs O(the organisations' pairs, tags and factor entries + the sizes of the
    groups involved + log m); nothing is proportional to the roster.
    """

    def __init__(self, problem: Problem, assignment: npt.ArrayLike) -> None:
        a = np.array(assignment, dtype=np.int64)
        # The evaluator checks the assignment and gives the figures to start from.
        ev = evaluate(problem, a)
        self.problem = problem
        n, m = problem.n, problem.m
        self._groups = _Groups(a, m)
        self._score: _Score = (_DenseScore(problem.score, self._groups) if problem.factors is None
                               else _FactorScore(problem.factors, self._groups))
        self._states = [_state(p, self._groups) for p in problem.primitives]
        # What a pricing reads of each primitive: its state, rule and penalty (0 when hard).
        self._priced = [(s, p.rule, 0 if p.hard else p.penalty)
                        for s, p in zip(self._states, problem.primitives, strict=True)]
        self._optional = problem.optional
        self._hard = np.array([r.hard for r in problem.rules], dtype=bool)
        self._hard_rules = self._hard.tolist()
        # The figures of the current assignment, kept up to date by apply.
        self._per_rule = np.zeros((len(problem.rules), m + 1), dtype=np.int64)
        for r in ev.rules:
            self._per_rule[r.rule, :m] = r.per_group
            self._per_rule[r.rule, m] = r.violation - sum(r.per_group)
        self._penalty = np.array([r.penalty_scaled for r in ev.rules], dtype=np.int64)
        self._group_comp = np.array(ev.group_complementarity_scaled, dtype=np.int64).reshape(m)
        # The size-fair objective divides each group's pair scores by its size: both are kept.
        self._sizes = np.array(ev.group_sizes, dtype=np.int64).reshape(m)
        self._pairs = self._group_comp.copy()
        if problem.per_member:
            self._pairs = np.array([sum(self._score.gain(i, g) for i in members.tolist()) // 2
                                    for g, members in enumerate(self._groups.members)],
                                   dtype=np.int64).reshape(m)
        self.version = 0
        self._n = n

    @property
    def assignment(self) -> IntArray:
        """The current assignment (a read-only view)."""
        view = self._groups.a.view()
        view.setflags(write=False)
        return view

    def group_of(self, i: int) -> int:
        """The group of organisation i (-1: left out)."""
        return int(self._groups.a[i])

    def members(self, g: int) -> IntArray:
        """The members of group g, ascending (a read-only view)."""
        view = self._groups.members[g].view()
        view.setflags(write=False)
        return view

    def group_pairs(self) -> IntArray:
        """The sum of each group's pair scores (scaled): its complementarity, or with the
        size-fair objective that times its size (before rounding down)."""
        return self._pairs.copy()

    def earns(self, i: int, g: int | None = None) -> int:
        """What i earns (scaled) with the members of g (default: its own group) other than
        itself: the change of complementarity if it left and rejoined."""
        return self._score.gain(i, self.group_of(i) if g is None else g)

    def pair_scores(self, i: int) -> IntArray:
        """The (scaled) score of i with every organisation (0 with itself), O(n + factor
        entries): for screening many moves at once."""
        return self._score.row(i)

    def earnings_with(self, g: int) -> IntArray:
        """What every organisation would earn (scaled) with the members of group g other than
        itself, O(n + factor entries): for screening many organisations' moves at once."""
        return self._score.column(g)

    def earnings(self, i: int) -> IntArray:
        """What i would earn (scaled) in each group, with its members other than i, O(n)."""
        a = self._groups.a
        placed = a >= 0
        return np.bincount(a[placed], weights=self._score.row(i)[placed],
                           minlength=self.problem.m).round().astype(np.int64)

    def move(self, i: int, g: int) -> Change:
        """The change if organisation i went to group g (-1: left out)."""
        return self.change([(i, g)])

    def swap(self, i: int, j: int) -> Change:
        """The change if organisations i and j traded groups."""
        self._check_organisation(i)
        self._check_organisation(j)
        gi, gj = self.group_of(i), self.group_of(j)
        return self.change([(i, gj), (j, gi)])

    def change(self, moves: Iterable[tuple[int, int]]) -> Change:
        """The change if each ``(organisation, group)`` move were made, in order."""
        return self._price(list(moves), keep=False)

    def apply(self, change: Change | Iterable[tuple[int, int]]) -> Change:
        """Make a change (priced again if the assignment changed since) or a list of moves;
        return the change made."""
        if isinstance(change, Change):
            moves = [(mv.organisation, mv.target) for mv in change.moves]
            if change.version != self.version:
                change = self._price(moves, keep=True)
            else:
                for i, g in moves:
                    if self.group_of(i) != g:
                        self._move(i, g)
        else:
            change = self._price(list(change), keep=True)
        m = self.problem.m
        for g, c in change.group_complementarity_scaled:
            self._group_comp[g] += c
        for g, c in change.group_pairs_scaled:
            self._pairs[g] += c
        for mv in change.moves:
            for g, d in ((mv.source, -1), (mv.target, 1)):
                if g >= 0 and mv.source != mv.target:
                    self._sizes[g] += d
        for r in change.rules:
            self._penalty[r.rule] += r.penalty_scaled
            self._per_rule[r.rule, m] += r.violation - sum(v for _, v in r.per_group)
            for g, v in r.per_group:
                self._per_rule[r.rule, g] += v
        self.version += 1
        return change

    def evaluation(self) -> Evaluation:
        """The figures of the current assignment, as :func:`~pilotopt.evaluate.evaluate` gives
        them (from the kept state: O(rules * groups))."""
        p, m = self.problem, self.problem.m
        a = self._groups.a
        return Evaluation(
            complementarity_scaled=int(self._group_comp.sum()),
            penalty_scaled=int(self._penalty.sum()),
            group_complementarity_scaled=tuple(int(x) for x in self._group_comp),
            group_sizes=tuple(len(x) for x in self._groups.members),
            rules=tuple(
                RuleStatus(rule=k, id=info.id, kind=info.kind, label=info.label, hard=info.hard,
                           violation=int(self._per_rule[k].sum()),
                           penalty_scaled=int(self._penalty[k]),
                           per_group=tuple(int(x) for x in self._per_rule[k, :m]))
                for k, info in enumerate(p.rules)),
            left_out=tuple(int(i) for i in self.problem.left_out(a)),
            group_names=p.group_names,
            per_member=p.per_member,
        )

    @property
    def hard_violation(self) -> int:
        """The hard rules' total violation now (0: every hard rule holds)."""
        return int(self._per_rule[self._hard].sum())

    def _check_organisation(self, i: int) -> None:
        if not 0 <= i < self._n:
            raise ValueError(f"no organisation {i}: there are {self._n}")

    def _check(self, i: int, g: int) -> None:
        self._check_organisation(i)
        if not -1 <= g < self.problem.m:
            raise ValueError(f"no group {g}: groups are 0..{self.problem.m - 1} (-1: left out)")
        if g < 0 and not self._optional[i]:
            raise ValueError(f"organisation {self.problem.ids[i]} may not be left out")

    def _move(self, i: int, g: int) -> None:
        source = self.group_of(i)
        self._score.move(i, source, g)
        for s in self._states:
            s.move(i, source, g)
        self._groups.move(i, g)

    def swaps(self, i: int, partners: Iterable[int]) -> list[Change]:
        """The change if organisation i traded groups with each of ``partners`` (one change per
        partner, as :meth:`swap` gives it). Swaps into one group share the pricing of i's half:
        a partner costs one move, not two."""
        order = list(partners)
        for j in order:
            self._check_organisation(j)
        by_group: dict[int, list[int]] = {}
        for j in order:
            by_group.setdefault(self.group_of(j), []).append(j)
        found: dict[int, Change] = {}
        for g, js in by_group.items():
            found.update(zip(js, self.into(i, g, js)[1], strict=True))
        return [found[j] for j in order]

    def into(self, i: int, g: int, partners: Sequence[int] = ()) -> tuple[Change, list[Change]]:
        """The change if organisation i went to group g (as :meth:`move`), and if it traded
        places with each of ``partners`` (members of g) instead (as :meth:`swap`); the
        pricing of i's move is shared."""
        self._check(i, g)
        a = self.group_of(i)
        for j in partners:
            self._check_organisation(j)
            if self.group_of(j) != g:
                raise ValueError(f"{self.problem.ids[j]} is not in group {g}")
            self._check(j, a)
        first = _Tally(len(self.problem.rules))
        mine = self._step(i, g, first)
        if not partners:
            return self._finish((mine,), first), []
        out = []
        if g != a:
            self._move(i, g)
        try:
            for j in partners:
                tally = first.copy()
                out.append(self._finish((mine, self._step(j, a, tally)), tally))
        finally:
            if g != a:
                self._move(i, a)
        return self._finish((mine,), first), out

    def _step(self, i: int, g: int, tally: _Tally) -> Move:
        """Add the change of moving i to g (in the current state) to ``tally``."""
        source = self.group_of(i)
        if source == g:
            return Move(i, source, g)
        comp = tally.comp
        if source >= 0:
            comp[source] = comp.get(source, 0) - self._score.gain(i, source)
        if g >= 0:
            comp[g] = comp.get(g, 0) + self._score.gain(i, g)
        for s, rule, penalty in self._priced:
            found: Slots = {}
            extra = s.change(i, source, g, found)
            if not found:
                if extra:
                    tally.penalty[rule] += extra
                continue
            if penalty:
                extra += penalty * sum(found.values())
            tally.penalty[rule] += extra
            into = tally.slots[rule]
            for slot, v in found.items():
                into[slot] = into.get(slot, 0) + v
        return Move(i, source, g)

    def _finish(self, moves: tuple[Move, ...], tally: _Tally) -> Change:
        m = self.problem.m
        rules = []
        for k, found in enumerate(tally.slots):
            if not found and not tally.penalty[k]:
                continue
            violation = sum(found.values())
            per_group = tuple(sorted((g, v) for g, v in found.items() if g < m and v))
            if violation or tally.penalty[k] or per_group:
                rules.append(RuleChange(k, violation, tally.penalty[k], per_group))
        pairs = tuple(sorted((g, c) for g, c in tally.comp.items() if c))
        comp = pairs if not self.problem.per_member else self._per_member(moves, tally.comp)
        return Change(
            moves=moves,
            complementarity_scaled=sum(c for _, c in comp),
            penalty_scaled=sum(r.penalty_scaled for r in rules),
            group_complementarity_scaled=comp,
            rules=tuple(rules),
            hard_violation=sum(r.violation for r in rules if self._hard_rules[r.rule]),
            version=self.version,
            group_pairs_scaled=pairs,
        )

    def _per_member(self, moves: tuple[Move, ...], pairs: Slots) -> tuple[tuple[int, int], ...]:
        """The change of each group's figure per member when its pairs' scores change by
        ``pairs`` and its size by the moves (from the state :meth:`apply` keeps)."""
        sizes: Slots = {}
        for mv in moves:
            if mv.source != mv.target:
                for g, d in ((mv.source, -1), (mv.target, 1)):
                    if g >= 0:
                        sizes[g] = sizes.get(g, 0) + d
        groups = sorted(set(pairs) | set(sizes))
        before_p = self._pairs[groups]
        before_s = self._sizes[groups]
        after = per_member(before_p + np.array([pairs.get(g, 0) for g in groups], np.int64),
                           before_s + np.array([sizes.get(g, 0) for g in groups], np.int64))
        change = after - per_member(before_p, before_s)
        return tuple((g, int(c)) for g, c in zip(groups, change.tolist(), strict=True) if c)

    def _price(self, moves: list[tuple[int, int]], keep: bool) -> Change:
        """Price the moves one after the other, each against the state the previous ones left;
        make them, and undo them unless ``keep``."""
        for i, g in moves:
            self._check(i, g)
        tally = _Tally(len(self.problem.rules))
        made: list[Move] = []
        for step, (i, g) in enumerate(moves):
            made.append(self._step(i, g, tally))
            if made[-1].source != g and (keep or step < len(moves) - 1):
                self._move(i, g)
        if not keep:
            for mv in reversed(made[:-1]):
                if mv.source != mv.target:
                    self._move(mv.organisation, mv.source)
        return self._finish(tuple(made), tally)


class _Tally:
    """A change being priced: complementarity per group, violation per rule and slot, and
    penalty per rule."""

    def __init__(self, rules: int) -> None:
        self.comp: Slots = {}
        self.slots: list[Slots] = [{} for _ in range(rules)]
        self.penalty = [0] * rules

    def copy(self) -> _Tally:
        out = _Tally(0)
        out.comp = dict(self.comp)
        out.slots = [dict(x) for x in self.slots]
        out.penalty = list(self.penalty)
        return out
