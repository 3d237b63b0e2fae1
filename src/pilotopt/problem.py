"""The frozen, index-based problem every backend reads.

Organisations are indices ``0..n-1`` and groups ``0..m-1``; an organisation that may be left out
(see :class:`LeaveOut`) and is, has group ``-1``. All scores and penalties are integers
(user values multiplied by :data:`SCALE`), so CP-SAT, the local search and the evaluator agree to
the unit. Each primitive carries ``rule``: the index into :attr:`Problem.rules` of the user rule it
was compiled from, so every violation maps back to the user's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = [
    "SCALE",
    "Allowed",
    "Coverage",
    "GroupSum",
    "LeaveOut",
    "LowRankScore",
    "MaxDeviation",
    "NotExactlyOne",
    "PairLink",
    "Primitive",
    "Problem",
    "Proximity",
    "RuleInfo",
    "SparseRows",
]

#: User-level numbers (weights, scores) are multiplied by this and rounded to integers.
SCALE = 1000

IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class RuleInfo:
    """A user rule as the user wrote it, for messages and reports.

    ``id`` is stable and short (``"groups.size"``, ``"rule 3"``); ``label`` says the rule in the
    user's words (``"quota economy=social min 2"``); ``note`` why it is there, if the user said.
    """

    id: str
    kind: str
    label: str
    hard: bool
    weight: float = 0.0
    note: str = ""


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


@dataclass(frozen=True, eq=False)
class Allowed:
    """``allowed[i, g]`` says whether organisation i may be placed in group g.

    Violation is the number of organisations placed in a group not allowed to them; a soft Allowed
    costs ``penalty`` per such organisation. Rows that allow every group are free.
    """

    rule: int
    allowed: BoolArray  # shape (n, m)
    hard: bool
    penalty: int = 0


@dataclass(frozen=True, eq=False)
class NotExactlyOne:
    """For each group, the members with ``w[i] == 1`` number 0 or at least 2 (no one isolated).

    Violation is the number of groups with exactly one such member.
    """

    rule: int
    w: IntArray  # 0/1 per organisation
    hard: bool
    penalty: int = 0


@dataclass(frozen=True, eq=False)
class Coverage:
    """Every need of a member is offered by another member of its group.

    ``needs[i, t]`` and ``offers[i, t]`` are 0/1 per organisation and tag. Violation is the
    number of (member, needed tag) pairs that no other member of the group offers.
    """

    rule: int
    needs: IntArray  # shape (n, tags)
    offers: IntArray  # shape (n, tags)
    hard: bool
    penalty: int = 0


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

    def far(self, i: IntArray, j: IntArray) -> BoolArray:
        """Whether each pair ``(i[k], j[k])`` may not share a group."""
        d: IntArray = self.points[i] - self.points[j]
        return np.asarray(((d * d).sum(axis=-1) > self.limit) | (self.codes[i] != self.codes[j]))

    def pairs(self, among: npt.ArrayLike) -> IntArray:
        """The pairs of ``among`` (indices) that may not share a group, as (k, 2) indices."""
        idx = np.asarray(among, dtype=np.int64)
        a, b = np.triu_indices(len(idx), 1)
        keep = self.far(idx[a], idx[b])
        return np.stack([idx[a[keep]], idx[b[keep]]], axis=1).astype(np.int64).reshape(-1, 2)


Primitive: TypeAlias = (
    GroupSum | PairLink | Allowed | NotExactlyOne | Coverage | LeaveOut | MaxDeviation | Proximity
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
    zero diagonal). The objective to maximise is the sum of ``score`` over same-group pairs minus
    the penalties of soft primitives; hard primitives must hold.

    Large problems give ``factors`` instead, and ``score`` is an empty (0, 0) array: the local
    search kernel and the CP-SAT model need the dense matrix, the large-instance search
    (:mod:`pilotopt.solve.large`) and the evaluator read either.
    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    group_names: tuple[str, ...]
    score: IntArray
    rules: tuple[RuleInfo, ...]
    primitives: tuple[Primitive, ...]
    source: dict[str, str] = field(default_factory=dict)
    factors: LowRankScore | None = None

    def __post_init__(self) -> None:
        n, m = self.n, self.m
        if len(self.names) != n:
            raise ValueError("names and ids differ in length")
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
            if isinstance(p, GroupSum) and (
                p.w.shape != (n,) or p.lo.shape != (m,) or p.hi.shape != (m,)
            ):
                raise ValueError(f"GroupSum of {self.rules[p.rule].id} has wrong shapes")
            if isinstance(p, PairLink) and (p.pairs.ndim != 2 or p.pairs.shape[1] != 2):
                raise ValueError(f"PairLink of {self.rules[p.rule].id} needs (k, 2) pairs")
            if isinstance(p, Allowed) and p.allowed.shape != (n, m):
                raise ValueError(f"Allowed of {self.rules[p.rule].id} must be {n} x {m}")
            if isinstance(p, LeaveOut) and (p.w.shape != (n,) or p.cost.shape != (n,)):
                raise ValueError(f"LeaveOut of {self.rules[p.rule].id} needs n weights and costs")
            if isinstance(p, MaxDeviation) and (p.w.shape != (n,) or p.hard):
                raise ValueError(f"MaxDeviation of {self.rules[p.rule].id} needs n weights and "
                                 "must be soft")
            if isinstance(p, NotExactlyOne) and p.w.shape != (n,):
                raise ValueError(f"NotExactlyOne of {self.rules[p.rule].id} needs n weights")
            if isinstance(p, Coverage) and (
                p.needs.shape != p.offers.shape or p.needs.ndim != 2 or len(p.needs) != n
            ):
                raise ValueError(f"Coverage of {self.rules[p.rule].id} needs two n x tags arrays")
            if isinstance(p, Proximity) and (p.points.shape != (n, 3) or p.codes.shape != (n,)):
                raise ValueError(f"Proximity of {self.rules[p.rule].id} needs n points and codes")
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
    def optional(self) -> BoolArray:
        """Whether each organisation may be left out of every group (some LeaveOut names it)."""
        mask = np.zeros(self.n, dtype=bool)
        for p in self.primitives:
            if isinstance(p, LeaveOut):
                mask |= p.w > 0
        return mask

    def size_bounds(self) -> tuple[IntArray, IntArray]:
        """Tightest hard bounds on group sizes implied by hard unit-weight GroupSums."""
        lo = np.zeros(self.m, dtype=np.int64)
        hi = np.full(self.m, self.n, dtype=np.int64)
        for p in self.primitives:
            if isinstance(p, GroupSum) and p.hard and np.all(p.w == 1):
                lo = np.maximum(lo, p.lo)
                hi = np.minimum(hi, p.hi)
        return lo, hi

    def interchangeable_groups(self) -> list[list[int]]:
        """Classes of groups that every primitive treats alike (for symmetry breaking)."""
        signature: list[tuple[object, ...]] = [() for _ in range(self.m)]
        for p in self.primitives:
            for g in range(self.m):
                if isinstance(p, GroupSum):
                    signature[g] += (int(p.lo[g]), int(p.hi[g]))
                elif isinstance(p, Allowed):
                    signature[g] += (p.allowed[:, g].tobytes(),)
                # The other primitives treat every group alike.
        classes: dict[tuple[object, ...], list[int]] = {}
        for g, sig in enumerate(signature):
            classes.setdefault(sig, []).append(g)
        return list(classes.values())
