"""Who breaks each rule: the organisations, pairs and groups behind every unit of violation.

The evaluator says *how much* a rule is off and in which group; :func:`offenders` says *who*:
which competitors share a group, which pair lies too far apart, which group misses which quota,
which need no other member offers. Like the evaluator it reads only the
:class:`~pilotopt.problem.Problem` and the assignment, and it costs O(n * largest group), so it
serves a roster of 100,000 as well as one of 40.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeAlias, assert_never

import numpy as np
import numpy.typing as npt

from pilotopt.problem import (
    Allowed,
    Coverage,
    GroupSum,
    IntArray,
    LeaveOut,
    MaxDeviation,
    NotExactlyOne,
    PairLink,
    Primitive,
    Problem,
    Proximity,
    Stay,
)
from pilotopt.report.i18n import Lang, tag, text
from pilotopt.schema.roster import Organisation

__all__ = ["Breach", "Offence", "first_offenders", "group_members", "offenders", "pair_km",
           "same_group_pairs", "sentence"]

EARTH_RADIUS_KM = 6371.0088


class Breach(StrEnum):
    """How a rule is broken; each kind has its own sentence in :mod:`pilotopt.report.i18n`."""

    too_few = "too_few"  # a group's count or total below the rule's minimum
    too_many = "too_many"  # ... above its maximum
    separated = "separated"  # a pair that must share a group does not
    together = "together"  # a pair that must not share a group does (e.g. competitors)
    too_far = "too_far"  # a pair of one group lies too far apart
    not_allowed = "not_allowed"  # an organisation in a group closed to it
    moved = "moved"  # an organisation out of its previous group (stability)
    too_many_moved = "too_many_moved"  # more organisations moved than a stability rule allows
    alone = "alone"  # the only member of its kind in a group
    unmet_need = "unmet_need"  # a need no other member of the group offers
    too_few_placed = "too_few_placed"  # fewer organisations placed than the rule asks
    deviation = "deviation"  # the group farthest from the balance target


@dataclass(frozen=True)
class Offence:
    """One reason a rule is off.

    ``group`` is the group it happens in (-1: in none, e.g. too few placed); ``members`` the
    organisations behind it (indices; a pair for pair rules, the counted members where a group
    has too many); ``amount`` the units of violation it accounts for (they add up to the
    evaluator's violation of the rule). For counts and totals ``value`` is the group's figure and
    ``bound`` the limit it misses; for shares of the group, ``value`` counts the members with the
    value and ``size`` the group's members. ``tag`` is the unmet need, ``km`` a pair's distance.
    """

    rule: int
    breach: Breach
    group: int
    members: tuple[int, ...] = ()
    amount: int = 1
    value: int = 0
    bound: int = 0
    size: int = 0
    tag: str = ""
    km: float | None = None

    @property
    def share(self) -> bool:
        """Whether ``value`` and ``size`` say a share of the group (a quota in per cent)."""
        return self.size > 0


def group_members(groups: IntArray, m: int) -> list[IntArray]:
    """The members of each group, in roster order, with one sort (no loop over organisations).

    >>> [g.tolist() for g in group_members(np.array([1, 0, 1, -1]), 2)]
    [[1], [0, 2]]
    """
    order = np.argsort(groups, kind="stable")
    order = order[groups[order] >= 0]
    counts = np.bincount(groups[order], minlength=m)[:m]
    return np.split(order, np.cumsum(counts)[:-1]) if m else []


def same_group_pairs(groups: IntArray, m: int) -> tuple[IntArray, IntArray]:
    """Every pair (a, b) of members of one group, a before b in the group's roster order.

    O(n * largest group) in vectorised batches: the k-th batch pairs each member with the one k
    places after it, never an n x n matrix.

    >>> a, b = same_group_pairs(np.array([0, 1, 0, 0]), 2)
    >>> sorted(zip(a.tolist(), b.tolist()))
    [(0, 2), (0, 3), (2, 3)]
    """
    order = np.argsort(groups, kind="stable")
    order = order[groups[order] >= 0]
    ranked = groups[order]
    largest = int(np.bincount(ranked, minlength=max(m, 1)).max()) if len(order) else 0
    firsts, seconds = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for k in range(1, largest):
        same = ranked[:-k] == ranked[k:]
        firsts.append(order[:-k][same])
        seconds.append(order[k:][same])
    return np.concatenate(firsts), np.concatenate(seconds)


def pair_km(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], a: IntArray,
            b: IntArray) -> npt.NDArray[np.float64]:
    """Great-circle distance in km of each pair (a[k], b[k]); NaN where a coordinate is missing.

    >>> lat, lon = np.array([51.05, 51.22]), np.array([3.72, 4.40])  # Gent, Antwerpen
    >>> round(float(pair_km(lat, lon, np.array([0]), np.array([1]))[0]))
    51
    """
    la, lo = np.radians(lat), np.radians(lon)
    h = (np.sin((la[b] - la[a]) / 2) ** 2
         + np.cos(la[a]) * np.cos(la[b]) * np.sin((lo[b] - lo[a]) / 2) ** 2)
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def _chord_km(p: Proximity, a: IntArray, b: IntArray) -> list[float | None]:
    """Distance along the Earth of pairs of a Proximity's integer points (metres)."""
    if p.limit >= 1 << 62:  # a rule on ``same`` alone: no coordinates to speak of
        return [None] * len(a)
    d = (p.points[a] - p.points[b]).astype(np.float64)
    chord = np.sqrt((d * d).sum(axis=1)) / 1000
    arc = 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / (2 * EARTH_RADIUS_KM), 0.0, 1.0))
    return [float(x) for x in arc]


def _sums(p: GroupSum | MaxDeviation, groups: IntArray, m: int) -> IntArray:
    placed = groups >= 0
    return np.bincount(groups[placed], weights=p.w[placed], minlength=m)[:m].astype(np.int64)


#: Offences found per primitive, and the first ones as objects (all, without a limit).
Found: TypeAlias = tuple[int, list[Offence]]


def _first(k: int, limit: int | None) -> int:
    return k if limit is None else min(k, limit)


def _group_sum(p: GroupSum, groups: IntArray, members: list[IntArray], limit: int | None
               ) -> Found:
    m = len(members)
    sums = _sums(p, groups, m)
    share = bool((p.w < 0).any())  # a share of the group, compiled as q * [has value] - p
    # Members are named where some count and some do not (a quota, at most k of a sector);
    # for a size rule everybody counts and the count says it all.
    unit = bool(np.isin(p.w, (0, 1)).all()) and not bool((p.w == 1).all())
    off = np.flatnonzero((sums < p.lo) | (sums > p.hi))
    out = []
    for g in off[:_first(len(off), limit)].tolist():
        low = sums[g] < p.lo[g]
        breach = Breach.too_few if low else Breach.too_many
        amount = int(p.lo[g] - sums[g] if low else sums[g] - p.hi[g])
        counted = members[g][p.w[members[g]] > 0]
        who = tuple(counted.tolist()) if unit and not low else ()
        if share:
            out.append(Offence(p.rule, breach, g, who, amount, value=len(counted),
                               size=len(members[g])))
        else:
            out.append(Offence(p.rule, breach, g, who, amount, value=int(sums[g]),
                               bound=int(p.lo[g] if low else p.hi[g])))
    return len(off), out


def _pair_link(p: PairLink, groups: IntArray, distance: bool, limit: int | None) -> Found:
    if not len(p.pairs):
        return 0, []
    a, b = p.pairs[:, 0], p.pairs[:, 1]
    placed = groups >= 0
    same = (groups[a] == groups[b]) & placed[a]
    broken = np.flatnonzero(~same if p.together else same)
    where = np.where(placed[a], groups[a], groups[b])
    # A small roster's max_distance is a list of pairs kept apart: they are too far, not rivals.
    breach = Breach.separated if p.together else Breach.too_far if distance else Breach.together
    return len(broken), [Offence(p.rule, breach, int(where[k]), (int(a[k]), int(b[k])))
                         for k in broken[:_first(len(broken), limit)].tolist()]


def _allowed(p: Allowed, groups: IntArray, moved: bool, limit: int | None) -> Found:
    placed = np.flatnonzero(groups >= 0)
    bad = placed[~p.table.allows(placed, groups[placed])]
    breach = Breach.moved if moved else Breach.not_allowed
    return len(bad), [Offence(p.rule, breach, int(groups[i]), (int(i),))
                      for i in bad[:_first(len(bad), limit)].tolist()]


def _not_exactly_one(p: NotExactlyOne, groups: IntArray, m: int, limit: int | None) -> Found:
    placed = groups >= 0
    counts = np.bincount(groups[placed], weights=p.w[placed], minlength=m)[:m]
    alone = np.flatnonzero(counts == 1)
    # The one member with the value in each such group: the placed ones there, by group.
    who = np.flatnonzero(placed & (p.w == 1))
    who = who[np.isin(groups[who], alone)]
    who = who[np.argsort(groups[who], kind="stable")]
    return len(alone), [Offence(p.rule, Breach.alone, int(groups[i]), (int(i),))
                        for i in who[:_first(len(who), limit)].tolist()]


def _coverage(p: Coverage, groups: IntArray, m: int, limit: int | None) -> Found:
    placed = groups >= 0
    slot = np.where(placed, groups, m)
    offered = np.zeros((m + 1, p.offers.shape[1]), dtype=np.int64)
    np.add.at(offered, slot, p.offers)
    unmet = (p.needs > 0) & (offered[slot] - p.offers <= 0) & placed[:, None]
    rows, cols = np.nonzero(unmet)
    k = _first(len(rows), limit)
    return len(rows), [Offence(p.rule, Breach.unmet_need, int(groups[i]), (int(i),),
                               tag=p.tags[t] if t < len(p.tags) else f"#{t + 1}")
                       for i, t in zip(rows[:k].tolist(), cols[:k].tolist(), strict=True)]


def _leave_out(p: LeaveOut, groups: IntArray) -> Found:
    placed = int(p.w[groups >= 0].sum())
    if placed >= p.lo:
        return 0, []
    return 1, [Offence(p.rule, Breach.too_few_placed, -1, (), p.lo - placed, placed, p.lo)]


def _stay(p: Stay, groups: IntArray, limit: int | None) -> Found:
    moved = np.flatnonzero(p.moved(groups))
    if len(moved) <= p.most:
        return 0, []
    who = tuple(int(i) for i in moved[:_first(len(moved), limit)])
    return 1, [Offence(p.rule, Breach.too_many_moved, -1, who, len(moved) - p.most, len(moved),
                       p.most)]


def _max_deviation(p: MaxDeviation, groups: IntArray, m: int) -> Found:
    if not m:
        return 0, []
    sums = _sums(p, groups, m)
    dev = np.abs(sums - p.target)
    g = int(np.argmax(dev))
    if not dev[g]:
        return 0, []
    return 1, [Offence(p.rule, Breach.deviation, g, (), int(dev[g]), int(sums[g]), p.target)]


def _proximity(p: Proximity, groups: IntArray, m: int, limit: int | None) -> Found:
    a, b = same_group_pairs(groups, m)
    far = p.far(a, b)
    a, b = a[far], b[far]
    k = _first(len(a), limit)
    a, b, total = a[:k], b[:k], len(a)
    return total, [Offence(p.rule, Breach.too_far, int(groups[i]), (int(i), int(j)), km=km)
                   for i, j, km in zip(a.tolist(), b.tolist(), _chord_km(p, a, b), strict=True)]


def _offences(
    p: Primitive, groups: IntArray, members: list[IntArray], kind: str, limit: int | None
) -> Found:
    m = len(members)
    match p:
        case GroupSum():
            return _group_sum(p, groups, members, limit)
        case PairLink():
            return _pair_link(p, groups, kind == "max_distance", limit)
        case Allowed():
            return _allowed(p, groups, kind == "stability", limit)
        case NotExactlyOne():
            return _not_exactly_one(p, groups, m, limit)
        case Coverage():
            return _coverage(p, groups, m, limit)
        case LeaveOut():
            return _leave_out(p, groups)
        case MaxDeviation():
            return _max_deviation(p, groups, m)
        case Proximity():
            return _proximity(p, groups, m, limit)
        case Stay():
            return _stay(p, groups, limit)
        case _:
            assert_never(p)


def offenders(
    problem: Problem, assignment: npt.ArrayLike, orgs: Sequence[Organisation] | None = None
) -> list[Offence]:
    """Every offence against the rules of ``problem`` in ``assignment``, by rule, then group.

    Parameters
    ----------
    problem
        The compiled problem.
    assignment
        Group index of each organisation in the order of ``problem.ids`` (-1: left out).
    orgs
        The roster's organisations in that order, if any: pairs too far apart then get their
        distance in km where the rule was compiled to a list of pairs.

    Returns
    -------
    list of Offence
        Per rule the offences' ``amount`` add up to the evaluator's violation of it.

    Examples
    --------
    >>> from pilotopt.problem import RuleInfo
    >>> apart = PairLink(0, np.array([[0, 1]]), together=False, hard=True)
    >>> p = Problem(("a", "b", "c"), ("A", "B", "C"), ("G1", "G2"), np.zeros((3, 3), np.int64),
    ...             (RuleInfo("rule 1", "apart", "competitors apart", True),), (apart,))
    >>> [(o.breach.value, o.group, o.members) for o in offenders(p, [0, 0, 1])]
    [('together', 0, (0, 1))]
    """
    return first_offenders(problem, assignment, orgs)[0]


def first_offenders(
    problem: Problem, assignment: npt.ArrayLike, orgs: Sequence[Organisation] | None = None,
    limit: int | None = None,
) -> tuple[list[Offence], dict[int, int]]:
    """The offences of :func:`offenders`, at most ``limit`` of each part of a rule (None: all),
    and the number of offences per rule (index): what a screen shows of a large roster, at the
    cost of counting the rest, not of describing it."""
    groups = np.asarray(assignment, dtype=np.int64)
    members = group_members(groups, problem.m)
    found: list[Offence] = []
    counts: dict[int, int] = {}
    for p in problem.primitives:
        total, first = _offences(p, groups, members, problem.rules[p.rule].kind, limit)
        counts[p.rule] = counts.get(p.rule, 0) + total
        found += first
    found.sort(key=lambda o: (o.rule, o.group if o.group >= 0 else math.inf))
    if orgs is None:
        return found, counts
    lat = np.array([np.nan if o.lat is None else o.lat for o in orgs], dtype=np.float64)
    lon = np.array([np.nan if o.lon is None else o.lon for o in orgs], dtype=np.float64)
    return [replace(o, km=float(pair_km(lat, lon, np.array(o.members[:1]),
                                        np.array(o.members[1:]))[0]))
            if o.breach is Breach.too_far and o.km is None and len(o.members) == 2
            and not np.isnan(lat[list(o.members)]).any() else o
            for o in found], counts


def _number(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:g}"


def sentence(problem: Problem, offence: Offence, assignment: npt.ArrayLike,
             lang: Lang = "en", labels: bool = False) -> str:
    """The offence in a matchmaker's words, organisations by name and id; a need by its tag, or
    by its label in the capability taxonomy with ``labels``.

    >>> from pilotopt.problem import RuleInfo
    >>> p = Problem(("a", "b"), ("Atelier", "Bakkerij"), ("Gent",), np.zeros((2, 2), np.int64),
    ...             (RuleInfo("rule 1", "apart", "competitors apart", True),), ())
    >>> sentence(p, Offence(0, Breach.together, 0, (0, 1)), [0, 0])
    'Atelier (a) and Bakkerij (b) are both in Gent'
    """
    groups = np.asarray(assignment, dtype=np.int64)

    def org(i: int) -> str:
        return f"{problem.names[i]} ({problem.ids[i]})"

    def group(g: int) -> str:
        return problem.group_names[g] if g >= 0 else "-"

    o = offence
    fields: dict[str, object] = {
        "group": group(o.group), "value": _number(o.value), "bound": _number(o.bound),
        "size": o.size, "amount": _number(o.amount),
        "tag": tag(o.tag, lang) if labels else o.tag,
        "who": text("who", lang, names=", ".join(map(org, o.members))) if o.members else "",
    }
    if len(o.members) >= 1:
        fields |= {"a": org(o.members[0]), "ga": group(int(groups[o.members[0]]))}
    if len(o.members) >= 2:
        fields |= {"b": org(o.members[1]), "gb": group(int(groups[o.members[1]]))}
    key = o.breach.value
    if o.breach in (Breach.too_few, Breach.too_many) and o.share:
        key += "_share"
    elif o.breach is Breach.too_far:
        if o.km is None:
            key = "too_far_same"
        else:
            fields["km"] = f"{o.km:.1f}"
    return text(f"breach.{key}", lang, **fields)
