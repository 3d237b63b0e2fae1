"""Re-planning against a previous assignment (``solve --previous``): who dropped out, who
registered late, who moved, and how many pairs of the previous groups are still together.

The previous assignment is read by :func:`pilotopt.io.assignment.read_previous` (ids to group
indices); a ``stability`` rule in the scenario keeps organisations where they were (see
:func:`pilotopt.compile.rules.compile_stability`). This module only compares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from pilotopt.problem import Problem
from pilotopt.report.i18n import Lang, text
from pilotopt.schema.scenario import Scenario, StabilityRule

__all__ = ["Continuity", "continuity", "replan_warnings"]


@dataclass(frozen=True)
class Continuity:
    """An assignment against the previous one.

    ``drop_outs``: ids of the previous assignment the roster no longer has; ``late``: ids of
    the roster the previous assignment does not name; ``moved``: (id, previous group, group)
    of each organisation placed in another group than before (group names; "" for left out);
    ``had``: organisations of the roster that had a group before; ``pairs``: pairs of them that
    shared a group before, ``kept`` of which still do.
    """

    drop_outs: tuple[str, ...]
    late: tuple[str, ...]
    moved: tuple[tuple[str, str, str], ...]
    had: int
    pairs: int
    kept: int

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (``result.json``'s ``previous``)."""
        return {
            "drop_outs": list(self.drop_outs),
            "late_registrations": list(self.late),
            "moved": [{"organisation": i, "from": a, "to": b or None} for i, a, b in self.moved],
            "moved_count": len(self.moved),
            "had_group": self.had,
            "pairs_before": self.pairs,
            "pairs_kept": self.kept,
        }

    def lines(self, lang: Lang = "en", shown: int = 20) -> list[str]:
        """What the terminal prints: the summary, then drop-outs, late registrations and moves
        (the first ``shown`` of each; result.json has them all)."""

        def listed(items: list[str]) -> str:
            more = len(items) - shown
            return ", ".join(items[:shown]) + (f", ... (+{more})" if more > 0 else "")

        out = [text("previous.summary", lang, moved=len(self.moved), had=self.had,
                    kept=self.kept, pairs=self.pairs)]
        if self.drop_outs:
            out.append(text("previous.drop_outs", lang, count=len(self.drop_outs),
                            ids=listed(list(self.drop_outs))))
        if self.late:
            out.append(text("previous.late", lang, count=len(self.late),
                            ids=listed(list(self.late))))
        if self.moved:
            out.append(text("previous.moved", lang, count=len(self.moved), moves=listed(
                [f"{i} {a or '-'} -> {b or '-'}" for i, a, b in self.moved])))
        return out


def _pairs(counts: npt.NDArray[np.int64]) -> int:
    return int((counts * (counts - 1) // 2).sum())


def continuity(
    problem: Problem, previous: Mapping[str, int], assignment: npt.ArrayLike
) -> Continuity:
    """Compare ``assignment`` (a group index per organisation of ``problem``, -1: left out)
    with ``previous`` (group index per id, as :func:`~pilotopt.io.assignment.read_previous`
    gives it). O(n + m^2).

    >>> from pilotopt.problem import Problem
    >>> p = Problem(("a", "b", "c"), ("a", "b", "c"), ("G1", "G2"), np.zeros((3, 3), np.int64),
    ...             (), ())
    >>> c = continuity(p, {"a": 0, "b": 0, "x": 1}, [0, 1, 1])
    >>> c.drop_outs, c.late, c.moved, (c.pairs, c.kept)
    (('x',), ('c',), (('b', 'G1', 'G2'),), (1, 0))
    """
    now = np.asarray(assignment, dtype=np.int64)
    before = np.array([previous.get(i, -1) for i in problem.ids], dtype=np.int64)
    roster = set(problem.ids)
    names = problem.group_names

    def name(g: int) -> str:
        return names[g] if g >= 0 else ""

    had = before >= 0
    moved = np.flatnonzero(had & (now != before))
    m = problem.m
    both = had & (now >= 0)
    cells = np.bincount(before[both] * m + now[both], minlength=m * m)
    return Continuity(
        drop_outs=tuple(i for i in previous if i not in roster),
        late=tuple(i for i in problem.ids if i not in previous),
        moved=tuple((problem.ids[i], name(int(before[i])), name(int(now[i])))
                    for i in moved.tolist()),
        had=int(had.sum()),
        pairs=_pairs(np.bincount(before[had], minlength=m)),
        kept=_pairs(cells),
    )


def replan_warnings(scenario: Scenario | None, previous: Mapping[str, int] | None) -> list[str]:
    """What a solve should say about a stability rule without a previous assignment (it keeps
    nobody), or a previous assignment without a stability rule (it is only compared with)."""
    if scenario is None:
        return []
    rules = [k for k, r in enumerate(scenario.rules, start=1)
             if isinstance(r, StabilityRule) and r.against == "previous"]
    if previous is None:
        return [f"rules[{k}] (stability) keeps nobody without the previous assignment: give it "
                "with --previous FILE" for k in rules]
    if not rules:
        return ["the scenario has no stability rule: the previous assignment is only compared "
                "with, not kept (add [[rules]] kind = \"stability\")"]
    return []
