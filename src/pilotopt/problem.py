"""The frozen, index-based problem every backend reads.

Organisations are indices ``0..n-1`` and groups ``0..m-1``; an organisation that may be left out
(see :class:`LeaveOut`) and is, has group ``-1``. All scores and penalties are integers
(user values multiplied by :data:`SCALE`), so CP-SAT, the local search and the evaluator agree to
the unit. Each primitive carries ``rule``: the index into :attr:`Problem.rules` of the user rule it
was compiled from, so every violation maps back to the user's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple, TypeAlias, assert_never

import numpy as np
import numpy.typing as npt

__all__ = [
    "SCALE",
    "Allowed",
    "Coverage",
    "GroupLists",
    "GroupSum",
    "LeaveOut",
    "LowRankScore",
    "MaxDeviation",
    "NotExactlyOne",
    "PairLink",
    "Part",
    "Primitive",
    "Problem",
    "Proximity",
    "RuleInfo",
    "SparseRows",
    "Stay",
]

#: User-level numbers (weights, scores) are multiplied by this and rounded to integers.
SCALE = 1000

IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class RuleInfo:
    """A user rule as the user wrote it, for messages and reports.

    ``id`` is stable and short (``"groups.size"``, ``"rule 3"``); ``label`` says the rule in the
    user's words (``"quota economy=social min 2"``), ``label_nl`` the same in Dutch ("": as
    ``label``; see :meth:`label_in`); ``note`` why it is there, if the user said; ``fact`` what
    the count behind a conflict means (``"{} pairs"``, see :meth:`GroupSum.fact_count`), "" for
    none. Machine outputs (result.json, CSV) keep ``label``.
    """

    id: str
    kind: str
    label: str
    hard: bool
    weight: float = 0.0
    note: str = ""
    fact: str = ""
    label_nl: str = ""

    def label_in(self, lang: str) -> str:
        """The label a reader of ``lang`` (``"en"`` or ``"nl"``) sees.

        >>> RuleInfo("rule 1", "size", "size max 9", True, label_nl="grootte max 9").label_in("nl")
        'grootte max 9'
        """
        return (self.label_nl or self.label) if lang == "nl" else self.label


class Part(NamedTuple):
    """The frame of a sub-problem: organisations ``free`` (in that order) among ``groups``.

    ``pos[i]`` is organisation i's position in ``free`` (-1: fixed); ``placed_elsewhere[i]``
    whether i is fixed in a group outside ``groups``; ``assignment`` the whole assignment. See
    :meth:`GroupSum.restrict` and :func:`pilotopt.solve.lns.restrict`.
    """

    free: IntArray
    groups: IntArray
    pos: IntArray
    placed_elsewhere: BoolArray
    assignment: IntArray

    @classmethod
    def of(cls, assignment: npt.ArrayLike, groups: npt.ArrayLike) -> Part:
        """The members of ``groups`` and the organisations left out, among ``groups``."""
        a = np.asarray(assignment, dtype=np.int64)
        cols = np.asarray(groups, dtype=np.int64)
        inside = np.isin(a, cols)
        free = np.flatnonzero(inside | (a < 0))
        pos = np.full(len(a), -1, dtype=np.int64)
        pos[free] = np.arange(len(free))
        return cls(free, cols, pos, (a >= 0) & ~inside, a)


def _inverse(order: IntArray) -> IntArray:
    """``where[order[k]] == k``: the new index of each old one."""
    where = np.empty(len(order), dtype=np.int64)
    where[order] = np.arange(len(order))
    return where


def _unit_count(w: IntArray) -> int | None:
    """The organisations a 0/1 weight vector counts, or None for other weights."""
    return int(w.sum()) if np.isin(w, (0, 1)).all() else None


@dataclass(frozen=True, eq=False)
class GroupSum:
    """For each group g: ``lo[g] <= sum(w[i] for i in g) <= hi[g]``.

    Violation of group g is ``max(0, lo[g] - s, s - hi[g])``; a soft GroupSum costs ``penalty``
    per unit of violation.
    """

    rule: int
    w: IntArray
    lo: IntArray
    hi: IntArray
    hard: bool
    penalty: int = 0

    def validate(self, n: int, m: int) -> None:
        """Raise ValueError unless the shapes fit n organisations and m groups."""
        if self.w.shape != (n,) or self.lo.shape != (m,) or self.hi.shape != (m,):
            raise ValueError("has wrong shapes")

    def restrict(self, part: Part) -> GroupSum:
        """The same bounds on the part's groups, over its free organisations."""
        return replace(self, w=self.w[part.free], lo=self.lo[part.groups],
                       hi=self.hi[part.groups])

    def renumber(self, order: IntArray) -> GroupSum:
        """Organisation k of the result is ``order[k]`` here."""
        return replace(self, w=self.w[order])

    def fact_count(self) -> int | None:
        """The count a conflict turns on (organisations counted), None for weighted sums."""
        return _unit_count(self.w)


@dataclass(frozen=True, eq=False)
class PairLink:
    """Pairs ``(a, b)`` that must share a group (``together``) or must not (apart).

    Violation is the number of pairs broken; a soft PairLink costs ``penalty`` per broken pair.
    """

    rule: int
    pairs: IntArray  # shape (k, 2)
    together: bool
    hard: bool
    penalty: int = 0

    def validate(self, n: int, m: int) -> None:
        """Raise ValueError unless pairs is (k, 2)."""
        if self.pairs.ndim != 2 or self.pairs.shape[1] != 2:
            raise ValueError("needs (k, 2) pairs")

    def restrict(self, part: Part) -> PairLink:
        """The pairs of two free organisations (the others do not depend on the part)."""
        ends = part.pos[self.pairs]
        both = (ends >= 0).all(axis=1) if len(ends) else np.zeros(0, dtype=bool)
        return replace(self, pairs=ends[both].reshape(-1, 2))

    def renumber(self, order: IntArray) -> PairLink:
        """Organisation k of the result is ``order[k]`` here (each pair ordered)."""
        return replace(self, pairs=np.sort(_inverse(order)[self.pairs].reshape(-1, 2), axis=1))

    def fact_count(self) -> int | None:
        """The number of pairs."""
        return len(self.pairs)


@dataclass(frozen=True, eq=False)
class GroupLists:
    """Which groups each organisation may join, kept only for the restricted organisations.

    Entry k is about organisation ``rows[k]`` (ascending) and lists the groups
    ``groups[indptr[k]:indptr[k + 1]]`` (ascending): those open to it when ``opens[k]``, else
    those closed to it, whichever list is shorter (open ones when at most half the groups are
    open). Every other organisation may join every group. Memory O(listed groups), never n x m:
    a pin is one entry, not a row of m.
    """

    n: int
    m: int
    rows: IntArray
    indptr: IntArray
    groups: IntArray
    opens: BoolArray

    @classmethod
    def from_lists(
        cls, n: int, m: int, rows: npt.ArrayLike, opens: npt.ArrayLike,
        org: npt.ArrayLike, group: npt.ArrayLike,
    ) -> GroupLists:
        """Organisations ``rows`` (distinct) with ``opens`` each, and listed pairs
        ``(org[k], group[k])`` of them, in any order, stored in the shorter form."""
        r = np.asarray(rows, dtype=np.int64).reshape(-1)
        op = np.asarray(opens, dtype=bool).reshape(-1)
        keys = np.unique(np.asarray(org, dtype=np.int64) * m + np.asarray(group, dtype=np.int64))
        order = np.argsort(r, kind="stable")
        r, op = r[order], op[order]
        k = np.searchsorted(r, keys // max(m, 1))
        counts = np.bincount(k, minlength=len(r))
        open_count = np.where(op, counts, m - counts)
        keep = open_count < m
        flip = keep & ((open_count <= m // 2) != op)
        # A list longer than half the groups is turned into its complement, which is shorter.
        mask = np.zeros((int(flip.sum()), m), dtype=bool)
        slot = np.cumsum(flip) - 1
        stay = ~flip[k]
        mask[slot[k[~stay]], keys[~stay] % max(m, 1)] = True
        fr, fg = np.nonzero(~mask)
        new_keys = np.concatenate([keys[stay & keep[k]], r[flip][fr] * m + fg])
        new_keys.sort()
        r, op = r[keep], np.where(flip, ~op, op)[keep]
        indptr = np.zeros(len(r) + 1, dtype=np.int64)
        np.cumsum(np.bincount(np.searchsorted(r, new_keys // max(m, 1)), minlength=len(r)),
                  out=indptr[1:])
        return cls(n, m, r, indptr, new_keys % max(m, 1), op)

    @classmethod
    def from_dense(cls, allowed: npt.ArrayLike) -> GroupLists:
        """The lists of a dense n x m boolean matrix (True: may join)."""
        a = np.asarray(allowed, dtype=bool)
        n, m = a.shape
        rows = np.flatnonzero(~a.all(axis=1))
        org, group = np.nonzero(a[rows])
        return cls.from_lists(n, m, rows, np.ones(len(rows), dtype=bool), rows[org], group)

    @classmethod
    def closing(cls, n: int, m: int, org: npt.ArrayLike, group: npt.ArrayLike) -> GroupLists:
        """Every group open to everyone but the pairs ``(org[k], group[k])``."""
        rows = np.unique(np.asarray(org, dtype=np.int64))
        return cls.from_lists(n, m, rows, np.zeros(len(rows), dtype=bool), org, group)

    @classmethod
    def opening(cls, n: int, m: int, org: npt.ArrayLike, group: npt.ArrayLike) -> GroupLists:
        """Each organisation of ``org`` may join only its listed groups; the others any."""
        rows = np.unique(np.asarray(org, dtype=np.int64))
        return cls.from_lists(n, m, rows, np.ones(len(rows), dtype=bool), org, group)

    def entry_orgs(self) -> IntArray:
        """The organisation of each listed group."""
        return np.repeat(self.rows, np.diff(self.indptr))

    def allows(self, org: npt.ArrayLike, group: npt.ArrayLike) -> BoolArray:
        """Whether each ``org[k]`` may join ``group[k]``."""
        i = np.asarray(org, dtype=np.int64)
        g = np.asarray(group, dtype=np.int64)
        k = np.minimum(np.searchsorted(self.rows, i), max(len(self.rows) - 1, 0))
        if not len(self.rows):
            return np.ones(i.shape, dtype=bool)
        restricted = self.rows[k] == i
        keys = self.entry_orgs() * self.m + self.groups
        at = np.minimum(np.searchsorted(keys, i * self.m + g), max(len(keys) - 1, 0))
        listed = (keys[at] == i * self.m + g) if len(keys) else np.zeros(i.shape, dtype=bool)
        return np.asarray(~restricted | (listed == self.opens[k]))

    def closed(self) -> tuple[IntArray, IntArray]:
        """Every (organisation, group) pair that is not allowed, as two index arrays."""
        m = self.m
        mask = np.zeros((len(self.rows), m), dtype=bool)
        mask[np.repeat(np.arange(len(self.rows)), np.diff(self.indptr)), self.groups] = True
        k, g = np.nonzero(mask != self.opens[:, None])
        return self.rows[k], g.astype(np.int64)

    def dense(self) -> BoolArray:
        """The n x m matrix (True: may join), for small problems."""
        out = np.ones((self.n, self.m), dtype=bool)
        i, g = self.closed()
        out[i, g] = False
        return out

    def take(self, free: IntArray, groups: IntArray) -> GroupLists:
        """The lists of organisations ``free`` among ``groups``, both renumbered from 0."""
        pos = np.full(self.n, -1, dtype=np.int64)
        pos[free] = np.arange(len(free))
        gpos = np.full(self.m, -1, dtype=np.int64)
        gpos[groups] = np.arange(len(groups))
        orgs = pos[self.entry_orgs()]
        keep = (orgs >= 0) & (gpos[self.groups] >= 0)
        mine = pos[self.rows] >= 0
        return GroupLists.from_lists(len(free), len(groups), pos[self.rows[mine]],
                                     self.opens[mine], orgs[keep], gpos[self.groups[keep]])

    def renumber(self, order: IntArray) -> GroupLists:
        """Organisation k of the result is ``order[k]`` here."""
        where = _inverse(order)
        return GroupLists.from_lists(self.n, self.m, where[self.rows], self.opens,
                                     where[self.entry_orgs()], self.groups)

    def group_keys(self) -> list[bytes]:
        """Per group, the entries whose list names it: two groups with equal keys are open to
        the same organisations."""
        at = np.repeat(np.arange(len(self.rows), dtype=np.int64), np.diff(self.indptr))
        order = np.lexsort((at, self.groups))
        bounds = np.searchsorted(self.groups[order], np.arange(self.m + 1))
        return [at[order[bounds[g]:bounds[g + 1]]].tobytes() for g in range(self.m)]


@dataclass(frozen=True, eq=False, init=False)
class Allowed:
    """The groups each organisation may be placed in (``table``, see :class:`GroupLists`).

    Violation is the number of organisations placed in a group not allowed to them; a soft Allowed
    costs ``penalty`` per such organisation. The table may be given as a dense n x m boolean
    matrix (small problems); it is stored as lists, and :attr:`allowed` gives the matrix back.
    """

    rule: int
    table: GroupLists
    hard: bool
    penalty: int

    def __init__(
        self, rule: int, table: GroupLists | npt.ArrayLike, hard: bool, penalty: int = 0
    ) -> None:
        lists = table if isinstance(table, GroupLists) else GroupLists.from_dense(table)
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "table", lists)
        object.__setattr__(self, "hard", hard)
        object.__setattr__(self, "penalty", penalty)

    @property
    def allowed(self) -> BoolArray:
        """The dense n x m matrix: ``allowed[i, g]`` whether i may be placed in g (small n)."""
        return self.table.dense()

    def validate(self, n: int, m: int) -> None:
        """Raise ValueError unless the table is of n organisations and m groups."""
        if (self.table.n, self.table.m) != (n, m):
            raise ValueError(f"must be {n} x {m}")

    def restrict(self, part: Part) -> Allowed:
        """The lists of the free organisations among the part's groups."""
        return replace(self, table=self.table.take(part.free, part.groups))

    def renumber(self, order: IntArray) -> Allowed:
        """Organisation k of the result is ``order[k]`` here."""
        return replace(self, table=self.table.renumber(order))

    def fact_count(self) -> int | None:
        """The number of organisations restricted."""
        return len(self.table.rows)


@dataclass(frozen=True, eq=False)
class NotExactlyOne:
    """For each group, the members with ``w[i] == 1`` number 0 or at least 2 (no one isolated).

    Violation is the number of groups with exactly one such member.
    """

    rule: int
    w: IntArray  # 0/1 per organisation
    hard: bool
    penalty: int = 0

    def validate(self, n: int, m: int) -> None:
        """Raise ValueError unless there is a weight per organisation."""
        if self.w.shape != (n,):
            raise ValueError("needs n weights")

    def restrict(self, part: Part) -> NotExactlyOne:
        """The weights of the free organisations."""
        return replace(self, w=self.w[part.free])

    def renumber(self, order: IntArray) -> NotExactlyOne:
        """Organisation k of the result is ``order[k]`` here."""
        return replace(self, w=self.w[order])

    def fact_count(self) -> int | None:
        """The organisations counted."""
        return _unit_count(self.w)


@dataclass(frozen=True, eq=False)
class Coverage:
    """Every need of a member is offered by another member of its group.

    ``needs[i, t]`` and ``offers[i, t]`` are 0/1 per organisation and tag. Violation is the
    number of (member, needed tag) pairs that no other member of the group offers. ``tags``
    names the columns, for reports (empty: unnamed).
    """

    rule: int
    needs: IntArray  # shape (n, tags)
    offers: IntArray  # shape (n, tags)
    hard: bool
    penalty: int = 0
    tags: tuple[str, ...] = ()

    def validate(self, n: int, m: int) -> None:
        """Raise ValueError unless needs and offers are both n x tags."""
        if self.needs.shape != self.offers.shape or self.needs.ndim != 2 or len(self.needs) != n:
            raise ValueError("needs two n x tags arrays")

    def restrict(self, part: Part) -> Coverage:
        """The needs and offers of the free organisations."""
        return replace(self, needs=self.needs[part.free], offers=self.offers[part.free])

    def renumber(self, order: IntArray) -> Coverage:
        """Organisation k of the result is ``order[k]`` here."""
        return replace(self, needs=self.needs[order], offers=self.offers[order])

    def fact_count(self) -> int | None:
        """The number of needs."""
        return int(self.needs.sum())


@dataclass(frozen=True, eq=False)
class LeaveOut:
    """Organisations with ``w[i] == 1`` may be left out of every group (group ``-1``).

    Leaving out i costs ``cost[i]`` (scaled, always counted); at least ``lo`` of them are placed.
    Violation is ``max(0, lo - placed)``; a soft LeaveOut costs ``penalty`` per unit of it.
    Organisations no LeaveOut names must be placed.
    """

    rule: int
    w: IntArray  # 0/1 per organisation
    cost: IntArray  # scaled, per organisation left out
    lo: int
    hard: bool
    penalty: int = 0

    def validate(self, n: int, m: int) -> None:
        """Raise ValueError unless there are n weights and costs."""
        if self.w.shape != (n,) or self.cost.shape != (n,):
            raise ValueError("needs n weights and costs")

    def restrict(self, part: Part) -> LeaveOut:
        """The free organisations; the minimum counts those fixed in other groups as placed."""
        lo = max(0, self.lo - int(self.w[part.placed_elsewhere].sum()))
        return replace(self, w=self.w[part.free], cost=self.cost[part.free], lo=lo)

    def renumber(self, order: IntArray) -> LeaveOut:
        """Organisation k of the result is ``order[k]`` here."""
        return replace(self, w=self.w[order], cost=self.cost[order])

    def fact_count(self) -> int | None:
        """The organisations that may be left out."""
        return _unit_count(self.w)


@dataclass(frozen=True, eq=False)
class MaxDeviation:
    """The largest ``|sum(w[i] for i in g) - target|`` over the groups, to be made small.

    Always soft: it costs ``penalty`` per unit of that largest deviation. Its violation is
    counted in the group where the deviation is largest.
    """

    rule: int
    w: IntArray
    target: int
    hard: bool  # must be False
    penalty: int = 0

    def validate(self, n: int, m: int) -> None:
        """Raise ValueError unless there are n weights and the primitive is soft."""
        if self.w.shape != (n,) or self.hard:
            raise ValueError("needs n weights and must be soft")

    def restrict(self, part: Part) -> MaxDeviation:
        """The weights of the free organisations (the fixed groups' deviations are left out:
        the one approximation of a restricted problem)."""
        return replace(self, w=self.w[part.free])

    def renumber(self, order: IntArray) -> MaxDeviation:
        """Organisation k of the result is ``order[k]`` here."""
        return replace(self, w=self.w[order])

    def fact_count(self) -> int | None:
        """None: a deviation has no count to show."""
        return None


@dataclass(frozen=True, eq=False)
class Proximity:
    """Members of a group are pairwise near: ``|points[i] - points[j]|^2 <= limit`` and
    ``codes[i] == codes[j]``.

    The same as a PairLink keeping apart every pair too far away or of different codes, without
    listing those pairs (there are about n^2 / 2 of them): memory O(n). Each such pair in one
    group is a unit of violation, counted in that group. ``points`` are integer coordinates
    (metres, see :func:`pilotopt.compile.rules.earth_points`).
    """

    rule: int
    points: IntArray  # shape (n, 3)
    limit: int  # squared distance
    codes: IntArray  # shape (n,)
    hard: bool
    penalty: int = 0

    def far(self, i: IntArray | int, j: IntArray) -> BoolArray:
        """Whether each pair ``(i[k], j[k])`` may not share a group (``i`` an index: the pairs
        ``(i, j[k])``)."""
        d: IntArray = self.points[i] - self.points[j]
        return np.asarray(((d * d).sum(axis=-1) > self.limit) | (self.codes[i] != self.codes[j]))

    def pairs(self, among: npt.ArrayLike) -> IntArray:
        """The pairs of ``among`` (indices) that may not share a group, as (k, 2) indices."""
        idx = np.asarray(among, dtype=np.int64)
        a, b = np.triu_indices(len(idx), 1)
        keep = self.far(idx[a], idx[b])
        return np.stack([idx[a[keep]], idx[b[keep]]], axis=1).astype(np.int64).reshape(-1, 2)

    def validate(self, n: int, m: int) -> None:
        """Raise ValueError unless there are n points and codes."""
        if self.points.shape != (n, 3) or self.codes.shape != (n,):
            raise ValueError("needs n points and codes")

    def restrict(self, part: Part) -> PairLink:
        """The PairLink of the pairs among the free organisations that may not meet."""
        return PairLink(self.rule, part.pos[self.pairs(part.free)].reshape(-1, 2), False,
                        self.hard, self.penalty)

    def renumber(self, order: IntArray) -> Proximity:
        """Organisation k of the result is ``order[k]`` here."""
        return replace(self, points=self.points[order], codes=self.codes[order])

    def fact_count(self) -> int | None:
        """None: the pairs are not listed."""
        return None


@dataclass(frozen=True, eq=False)
class Stay:
    """At most ``most`` of the organisations with a home group (``home[i] >= 0``) are placed in
    another group than their home (a stability rule's most moves).

    Violation is the number of such moves beyond ``most``, counted in no group; a soft Stay
    costs ``penalty`` per move beyond it. An organisation left out has not moved.
    """

    rule: int
    home: IntArray  # group per organisation, -1: none
    most: int
    hard: bool
    penalty: int = 0

    def validate(self, n: int, m: int) -> None:
        """Raise ValueError unless there is a home (or -1) per organisation, a group of m."""
        if self.home.shape != (n,) or (n and (self.home.min() < -1 or self.home.max() >= m)):
            raise ValueError("needs a home group (or -1) per organisation")

    def moved(self, assignment: npt.ArrayLike) -> BoolArray:
        """Whether each organisation is placed away from its home."""
        a = np.asarray(assignment, dtype=np.int64)
        return np.asarray((self.home >= 0) & (a >= 0) & (a != self.home))

    def restrict(self, part: Part) -> Stay:
        """Homes among the part's groups, renumbered; the moves the part cannot undo (fixed
        organisations away from home, free ones whose home is outside the part) use up
        ``most`` (at least 0 is left: the one approximation when they exceed it)."""
        top = max(int(self.home.max(initial=-1)), int(part.groups.max(initial=-1))) + 1
        where = np.full(top + 1, -1, dtype=np.int64)  # the last entry: no home
        where[part.groups] = np.arange(len(part.groups))
        home = self.home[part.free]
        inside = where[home]
        fixed = part.pos < 0
        settled = int(self.moved(part.assignment)[fixed].sum()) + int(
            ((home >= 0) & (inside < 0)).sum())
        return replace(self, home=inside, most=max(0, self.most - settled))

    def renumber(self, order: IntArray) -> Stay:
        """Organisation k of the result is ``order[k]`` here."""
        return replace(self, home=self.home[order])

    def fact_count(self) -> int | None:
        """The organisations with a home."""
        return int((self.home >= 0).sum())


Primitive: TypeAlias = (
    GroupSum | PairLink | Allowed | NotExactlyOne | Coverage | LeaveOut | MaxDeviation | Proximity
    | Stay
)


@dataclass(frozen=True, eq=False)
class SparseRows:
    """An integer matrix kept by rows: row i holds ``data[indptr[i]:indptr[i + 1]]`` in the
    (ascending) columns ``indices[indptr[i]:indptr[i + 1]]``; every other entry is zero."""

    indptr: IntArray
    indices: IntArray
    data: IntArray
    width: int

    @classmethod
    def from_dense(cls, a: npt.ArrayLike) -> SparseRows:
        """The nonzero entries of a 2-d array."""
        arr = np.asarray(a, dtype=np.int64)
        rows, cols = np.nonzero(arr)
        indptr = np.zeros(len(arr) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(arr)), out=indptr[1:])
        return cls(indptr, cols.astype(np.int64), arr[rows, cols], arr.shape[1])

    @property
    def rows(self) -> int:
        """Number of rows."""
        return len(self.indptr) - 1

    def entry_rows(self) -> IntArray:
        """The row of each stored entry."""
        return np.repeat(np.arange(self.rows, dtype=np.int64), np.diff(self.indptr))

    def take_rows(self, rows: npt.ArrayLike) -> SparseRows:
        """The given rows, in that order."""
        idx = np.asarray(rows, dtype=np.int64)
        counts = self.indptr[idx + 1] - self.indptr[idx]
        indptr = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        at = np.repeat(self.indptr[idx] - indptr[:-1], counts) + np.arange(indptr[-1])
        return SparseRows(indptr, self.indices[at], self.data[at], self.width)

    def dense_rows(self, rows: npt.ArrayLike) -> IntArray:
        """The given rows as a dense (len(rows), width) array."""
        part = self.take_rows(rows)
        out = np.zeros((part.rows, self.width), dtype=np.int64)
        out[part.entry_rows(), part.indices] = part.data
        return out

    def row_dots(self, other: SparseRows) -> IntArray:
        """``self[i] . other[i]`` for every row i."""
        width = max(self.width, other.width, 1)
        keys = self.entry_rows() * width + self.indices
        other_keys = other.entry_rows() * width + other.indices
        _, at, other_at = np.intersect1d(keys, other_keys, assume_unique=True,
                                         return_indices=True)
        out = np.zeros(self.rows, dtype=np.int64)
        np.add.at(out, keys[at] // width, self.data[at] * other.data[other_at])
        return out


@dataclass(frozen=True, eq=False)
class LowRankScore:
    """Pair scores as factors: ``score(i, j) = constant + x[i] . y[j] + extra(i, j)``, i != j.

    Scores derived from offers, needs and categories take this form (see
    :func:`pilotopt.compile.complementarity.pair_factors`), so they need memory O(n * rank), never
    n x n, and a group's total follows from its sums of ``x`` and ``y`` rows. ``x @ y.T`` must
    be symmetric off its diagonal, which is never used. ``extra(i, j)`` is ``values[k]`` for the
    pair ``pairs[k] == (i, j)`` (i < j), else 0.
    """

    constant: int
    x: SparseRows
    y: SparseRows
    pairs: IntArray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    values: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n(self) -> int:
        """Number of organisations."""
        return self.x.rows

    def block(self, among: npt.ArrayLike) -> IntArray:
        """The dense scores among the organisations ``among`` (symmetric, zero diagonal)."""
        idx = np.asarray(among, dtype=np.int64)
        # Float products are exact here (integers far below 2**53) and use BLAS.
        xs = self.x.dense_rows(idx).astype(np.float64)
        ys = self.y.dense_rows(idx).astype(np.float64)
        out = np.rint(xs @ ys.T).astype(np.int64) + self.constant
        where = np.full(self.n, -1, dtype=np.int64)
        where[idx] = np.arange(len(idx))
        if len(self.pairs):
            a, b = where[self.pairs[:, 0]], where[self.pairs[:, 1]]
            keep = (a >= 0) & (b >= 0)
            np.add.at(out, (a[keep], b[keep]), self.values[keep])
            np.add.at(out, (b[keep], a[keep]), self.values[keep])
        np.fill_diagonal(out, 0)
        return out

    def dense(self) -> IntArray:
        """The whole n x n score matrix (for small n only)."""
        return self.block(np.arange(self.n))

    def check(self) -> None:
        """Raise ValueError unless shapes agree and ``x @ y.T`` is symmetric off its diagonal.

        Symmetry is tested on random integer vectors u, v: ``u.(x y^T - y x^T).v == 0``,
        O(nonzeros); a non-symmetric product passes with negligible probability.
        """
        if self.y.rows != self.n or self.x.width != self.y.width:
            raise ValueError("score factors x and y must have the same shape")
        if self.pairs.ndim != 2 or self.pairs.shape[1] != 2 or len(self.values) != len(self.pairs):
            raise ValueError("explicit pair scores need (k, 2) pairs and k values")
        if len(self.pairs) and (np.any(self.pairs[:, 0] >= self.pairs[:, 1])
                                or self.pairs.min() < 0 or self.pairs.max() >= self.n):
            raise ValueError("explicit pairs must be (i, j) with 0 <= i < j < n")
        rng = np.random.default_rng(0)
        u, v = rng.integers(-1000, 1000, size=(2, self.n))

        def project(f: SparseRows, w: IntArray) -> IntArray:
            out = np.zeros(f.width, dtype=np.int64)
            np.add.at(out, f.indices, f.data * w[f.entry_rows()])
            return out

        xu, xv, yu, yv = (project(f, w) for f in (self.x, self.y) for w in (u, v))
        # The diagonal cancels from both sides, so only the off-diagonal part is tested.
        if int(xu @ yv) != int(xv @ yu):
            raise ValueError("score factors must give symmetric scores (x @ y.T symmetric)")


@dataclass(frozen=True, eq=False)
class Problem:
    """Everything a solver needs, and nothing it does not.

    ``score[i, j]`` is the scaled complementarity earned when i and j share a group (symmetric,
    zero diagonal). The objective to maximise is the sum of ``score`` over same-group pairs
    (per member with ``per_member``) minus the penalties of soft primitives; hard primitives
    must hold.

    Large problems give ``factors`` instead, and ``score`` is an empty (0, 0) array: the local
    search kernel and the CP-SAT model need the dense matrix, the large-instance search
    (:mod:`pilotopt.solve.search.sampled`) and the evaluator read either.

    ``roster_index`` gives the roster row (from 0) each organisation stands for: one that may
    join several groups stands there once per group it may join, as consecutive copies with its
    id (the first copy is the organisation itself, the others further memberships). Every
    primitive treats copies alike, so which copy sits in which group does not matter
    (:meth:`canonical`). None: each organisation once.

    ``per_member``: the size-fair objective. Each group then counts its pairs' scores divided
    by its size (rounded down to the integer: 1/SCALE of a user unit), so a larger group does
    not score more merely because it has more pairs; the soft rules' penalties are as ever.
    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    group_names: tuple[str, ...]
    score: IntArray
    rules: tuple[RuleInfo, ...]
    primitives: tuple[Primitive, ...]
    source: dict[str, str] = field(default_factory=dict)
    factors: LowRankScore | None = None
    roster_index: IntArray | None = None
    per_member: bool = False

    def __post_init__(self) -> None:
        n, m = self.n, self.m
        if len(self.names) != n:
            raise ValueError("names and ids differ in length")
        r = self.roster_index
        if r is not None and (r.shape != (n,) or (n and (r[0] != 0 or np.any(
                np.diff(r) < 0) or np.any(np.diff(r) > 1)))):
            raise ValueError("roster_index must count the roster rows 0, 1, ... in order")
        if self.factors is not None:
            if self.score.shape != (0, 0) or self.factors.n != n:
                raise ValueError(f"factors must be of {n} organisations, with an empty score")
            self.factors.check()
        elif self.score.shape != (n, n):
            raise ValueError(f"score must be {n} x {n}, got {self.score.shape}")
        if not np.array_equal(self.score, self.score.T):
            raise ValueError("score must be symmetric")
        if np.any(np.diag(self.score) != 0):
            raise ValueError("score must have a zero diagonal")
        for p in self.primitives:
            if not 0 <= p.rule < len(self.rules):
                raise ValueError(f"primitive refers to unknown rule {p.rule}")
            try:
                p.validate(n, m)
            except ValueError as exc:
                raise ValueError(f"{type(p).__name__} of {self.rules[p.rule].id} {exc}") from None
        self.score.setflags(write=False)

    @property
    def n(self) -> int:
        """Number of organisations."""
        return len(self.ids)

    @property
    def m(self) -> int:
        """Number of groups."""
        return len(self.group_names)

    @property
    def organisations(self) -> int:
        """Number of organisations of the roster (``n`` counts each membership it may take)."""
        return self.n if self.roster_index is None or not self.n else int(self.roster_index[-1]) + 1

    @property
    def further(self) -> BoolArray:
        """Whether each organisation is a further membership of the one before it (a copy
        beyond the first, see :attr:`roster_index`)."""
        r = self.roster_index
        if r is None or not len(r):
            return np.zeros(self.n, dtype=bool)
        return np.asarray(np.r_[False, r[1:] == r[:-1]], dtype=bool)

    def canonical(self, assignment: npt.ArrayLike) -> IntArray:
        """The same memberships, each organisation's copies in ascending group order and those
        in no group last (the order CP-SAT's symmetry breaking asks for).

        >>> p = Problem(("a", "a", "b"), ("A", "A", "B"), ("G1", "G2"), np.zeros((3, 3), np.int64),
        ...             (), (), roster_index=np.array([0, 0, 1]))
        >>> p.canonical([-1, 0, 1]).tolist()
        [0, -1, 1]
        """
        a = np.asarray(assignment, dtype=np.int64)
        if self.roster_index is None:
            return a.copy()
        key = np.where(a >= 0, a, self.m)
        return a[np.lexsort((key, self.roster_index))]

    def left_out(self, assignment: npt.ArrayLike) -> IntArray:
        """The organisations in no group (their first copy; a further membership left out is
        none)."""
        placed = np.asarray(assignment, dtype=np.int64) >= 0
        if self.roster_index is None:
            return np.flatnonzero(~placed)
        anywhere = np.zeros(int(self.roster_index[-1]) + 1, dtype=bool)
        anywhere[self.roster_index[placed]] = True
        return np.flatnonzero(~self.further & ~anywhere[self.roster_index])

    @property
    def optional(self) -> BoolArray:
        """Whether each organisation may be left out of every group (some LeaveOut names it)."""
        mask = np.zeros(self.n, dtype=bool)
        for p in self.primitives:
            match p:
                case LeaveOut():
                    mask |= p.w > 0
                case GroupSum() | PairLink() | Allowed() | NotExactlyOne() | Coverage() \
                        | MaxDeviation() | Proximity() | Stay():
                    pass  # every organisation they name is placed
                case _:
                    assert_never(p)
        return mask

    def size_bounds(self) -> tuple[IntArray, IntArray]:
        """Tightest hard bounds on group sizes implied by hard unit-weight GroupSums."""
        lo = np.zeros(self.m, dtype=np.int64)
        hi = np.full(self.m, self.n, dtype=np.int64)
        for p in self.primitives:
            match p:
                case GroupSum():
                    if p.hard and np.all(p.w == 1):
                        lo = np.maximum(lo, p.lo)
                        hi = np.minimum(hi, p.hi)
                case PairLink() | Allowed() | NotExactlyOne() | Coverage() | LeaveOut() \
                        | MaxDeviation() | Proximity() | Stay():
                    pass  # they bound no group's size
                case _:
                    assert_never(p)
        return lo, hi

    def preferred_groups(self) -> IntArray:
        """The one group a rule steers each organisation to (a pin, its previous group under a
        stability rule: an Allowed that opens a single group to it), -1 for none. A start
        for the solvers."""
        out = np.full(self.n, -1, dtype=np.int64)
        for p in self.primitives:
            match p:
                case Allowed():
                    t = p.table
                    single = t.opens & (np.diff(t.indptr) == 1)
                    out[t.rows[single]] = t.groups[t.indptr[:-1][single]]
                case Stay():
                    out[p.home >= 0] = p.home[p.home >= 0]
                case GroupSum() | PairLink() | NotExactlyOne() | Coverage() | LeaveOut() \
                        | MaxDeviation() | Proximity():
                    pass  # they steer nobody to one group
                case _:
                    assert_never(p)
        return out

    def interchangeable_groups(self) -> list[list[int]]:
        """Classes of groups that every primitive treats alike (for symmetry breaking)."""
        signature: list[tuple[object, ...]] = [() for _ in range(self.m)]
        for p in self.primitives:
            match p:
                case GroupSum():
                    for g in range(self.m):
                        signature[g] += (int(p.lo[g]), int(p.hi[g]))
                case Allowed():
                    for g, key in enumerate(p.table.group_keys()):
                        signature[g] += (p.rule, key)
                case Stay():
                    for g in range(self.m):
                        signature[g] += (p.rule, np.flatnonzero(p.home == g).tobytes())
                case PairLink() | NotExactlyOne() | Coverage() | LeaveOut() | MaxDeviation() \
                        | Proximity():
                    pass  # they treat every group alike
                case _:
                    assert_never(p)
        classes: dict[tuple[object, ...], list[int]] = {}
        for g, sig in enumerate(signature):
            classes.setdefault(sig, []).append(g)
        return list(classes.values())
