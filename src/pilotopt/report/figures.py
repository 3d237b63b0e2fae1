"""What a group is judged on: size, economy mix, FTE and target-group FTE against the mean group,
the farthest pair in km and the complementarity; one pass of numpy over the roster, no loop over
organisations, so 20,000 organisations take milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from pilotopt.evaluate import Evaluation
from pilotopt.problem import IntArray, Problem
from pilotopt.report.offenders import group_members, pair_km, same_group_pairs
from pilotopt.schema.roster import Economy, Organisation

__all__ = ["ECONOMIES", "Figures", "GroupFigures", "group_figures", "names_are_labels"]

#: Economies in the order every output lists them.
ECONOMIES = tuple(e.value for e in Economy)


def names_are_labels(problem: Problem) -> bool:
    """Whether the groups have names of the scenario's own (not G1, G2, ...) while no ``anchor``
    rule ties a group to a place: a group named "Gent" then need not hold anyone from Gent,
    and the outputs say so.

    >>> from dataclasses import replace
    >>> import numpy as np
    >>> from pilotopt.problem import RuleInfo
    >>> p = Problem(("a", "b"), ("A", "B"), ("Gent", "Kempen"), np.zeros((2, 2)), (), ())
    >>> names_are_labels(p)
    True
    >>> anchored = RuleInfo("rule 1", "anchor", "anchor within 20 km: Gent->Gent", True)
    >>> names_are_labels(replace(p, rules=(anchored,)))
    False
    >>> names_are_labels(replace(p, group_names=("G1", "G2")))
    False
    """
    numbered = tuple(f"G{g + 1}" for g in range(problem.m))
    return problem.group_names != numbered and all(r.kind != "anchor" for r in problem.rules)


@dataclass(frozen=True)
class GroupFigures:
    """One group's figures; FTE, mix and distance are None without a roster.

    ``mix`` counts members per economy (in :data:`ECONOMIES` order); ``farthest`` is the pair of
    members farthest apart (indices) and ``farthest_km`` its distance.
    """

    index: int
    name: str
    members: tuple[int, ...]
    complementarity: float
    mix: tuple[int, ...] | None = None
    fte: float | None = None
    target_group_fte: float | None = None
    farthest_km: float | None = None
    farthest: tuple[int, int] | None = None

    @property
    def size(self) -> int:
        """Number of members."""
        return len(self.members)


@dataclass(frozen=True)
class Figures:
    """Every group's figures and the means they are compared with (per group, over the groups)."""

    groups: tuple[GroupFigures, ...]
    mean_fte: float | None = None
    mean_target_group_fte: float | None = None

    def to_dicts(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """Plain JSON values per group; members and the farthest pair by id."""
        out = []
        for g in self.groups:
            row: dict[str, Any] = {"group": g.name, "size": g.size,
                                   "complementarity": g.complementarity}
            if g.mix is not None:
                row |= {
                    "mix": dict(zip(ECONOMIES, g.mix, strict=True)),
                    "fte": g.fte, "fte_vs_mean": _versus(g.fte, self.mean_fte),
                    "target_group_fte": g.target_group_fte,
                    "target_group_fte_vs_mean": _versus(g.target_group_fte,
                                                        self.mean_target_group_fte),
                    "farthest_km": None if g.farthest_km is None else round(g.farthest_km, 1),
                    "farthest_pair": None if g.farthest is None else [ids[i] for i in g.farthest],
                }
            out.append(row)
        return out


def _versus(value: float | None, mean: float | None) -> float | None:
    """``value`` relative to ``mean`` (0.1: 10 % above), None when there is no mean."""
    if value is None or not mean:
        return None
    return round(value / mean - 1, 4)


def _farthest(
    orgs: Sequence[Organisation], groups: IntArray, m: int
) -> tuple[npt.NDArray[np.float64], IntArray, IntArray]:
    """Per group the largest distance between two members and that pair (NaN, -1: none)."""
    lat = np.array([np.nan if o.lat is None else o.lat for o in orgs], dtype=np.float64)
    lon = np.array([np.nan if o.lon is None else o.lon for o in orgs], dtype=np.float64)
    a, b = same_group_pairs(groups, m)
    km = pair_km(lat, lon, a, b)
    known = ~np.isnan(km)
    a, b, km = a[known], b[known], km[known]
    best = np.full(m, np.nan)
    first = np.full(m, -1, dtype=np.int64)
    second = np.full(m, -1, dtype=np.int64)
    if len(km):
        # Sorted by group, then farthest first: the first pair of each group is its farthest.
        order = np.lexsort((-km, groups[a]))
        g = groups[a][order]
        head = order[np.r_[True, g[1:] != g[:-1]]]
        best[groups[a[head]]] = km[head]
        first[groups[a[head]]] = a[head]
        second[groups[a[head]]] = b[head]
    return best, first, second


def group_figures(
    problem: Problem,
    assignment: npt.ArrayLike,
    evaluation: Evaluation,
    orgs: Sequence[Organisation] | None = None,
) -> Figures:
    """The figures of every group of ``assignment``.

    ``orgs`` are the roster's organisations in the order of ``problem.ids`` (None for an
    instance without a roster, e.g. MDGPLIB: then only sizes and complementarity). The means
    are those of the placed organisations' totals over the groups, as a balance rule reads them.
    """
    groups = np.asarray(assignment, dtype=np.int64)
    m = problem.m
    members = group_members(groups, m)
    comp = list(evaluation.group_complementarity)
    if orgs is None:
        return Figures(tuple(GroupFigures(g, problem.group_names[g], tuple(members[g].tolist()),
                                          comp[g]) for g in range(m)))
    placed = groups >= 0
    slot = groups[placed]

    def totals(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.bincount(slot, weights=values[placed], minlength=m)[:m].astype(np.float64)

    fte = totals(np.array([o.fte for o in orgs], dtype=np.float64))
    target = totals(np.array([o.target_group_fte for o in orgs], dtype=np.float64))
    economy = np.array([ECONOMIES.index(o.economy.value) for o in orgs], dtype=np.int64)
    mix = np.zeros((m, len(ECONOMIES)), dtype=np.int64)
    np.add.at(mix, (slot, economy[placed]), 1)
    km, first, second = _farthest(orgs, groups, m)
    return Figures(
        tuple(GroupFigures(
            g, problem.group_names[g], tuple(members[g].tolist()), comp[g],
            tuple(int(k) for k in mix[g]), float(fte[g]), float(target[g]),
            None if np.isnan(km[g]) else float(km[g]),
            None if first[g] < 0 else (int(first[g]), int(second[g])),
        ) for g in range(m)),
        mean_fte=float(fte.sum() / m) if m else None,
        mean_target_group_fte=float(target.sum() / m) if m else None,
    )
