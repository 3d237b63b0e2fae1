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
    "MaxDeviation",
    "NotExactlyOne",
    "PairLink",
    "Primitive",
    "Problem",
    "RuleInfo",
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


Primitive: TypeAlias = (
    GroupSum | PairLink | Allowed | NotExactlyOne | Coverage | LeaveOut | MaxDeviation
)


@dataclass(frozen=True, eq=False)
class Problem:
    """Everything a solver needs, and nothing it does not.

    ``score[i, j]`` is the scaled complementarity earned when i and j share a group (symmetric,
    zero diagonal). The objective to maximise is the sum of ``score`` over same-group pairs minus
    the penalties of soft primitives; hard primitives must hold.
    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    group_names: tuple[str, ...]
    score: IntArray
    rules: tuple[RuleInfo, ...]
    primitives: tuple[Primitive, ...]
    source: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n, m = self.n, self.m
        if len(self.names) != n:
            raise ValueError("names and ids differ in length")
        if self.score.shape != (n, n):
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
