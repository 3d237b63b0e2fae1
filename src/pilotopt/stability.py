"""Drop-out risks: organisations that another group would take and that would gain by going.

An assignment is stable when no organisation and group would both gain if it moved there. Such
a *blocking pair* is a drop-out risk: the organisation earns more elsewhere, and that group
would welcome it. Precisely, organisation i in group g and another group h block when

* i earns more in h: the sum of its pair scores with h's members exceeds that with g's other
  members;
* h gains: its complementarity per member rises when i joins (i earns there more than h's
  complementarity over its size);
* the move breaks no hard rule (h is not full, no competitor there, no pin or other hard rule
  broken, here or there), so it could be made.

Every figure is priced by :class:`~pilotopt.moves.WhatIf`: it is what ``pilotopt score``
reports on the moved assignment. Each organisation at risk is listed once, with the group it
would gain most in (among the :data:`TRIED` groups that are not full where it would earn most).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pilotopt.moves import Change, WhatIf
from pilotopt.problem import SCALE, Problem

__all__ = ["CHECKED_MAX", "TRIED", "Risk", "drop_out_risks"]

#: Rosters up to this size are checked: each organisation's earnings in every group are O(n),
#: and each one at risk is priced (measured on a loaded machine: 3,000 organisations dealt
#: round-robin to 333 groups, 2,992 of them at risk, 4.0 s; flanders-300 0.2-0.3 s).
CHECKED_MAX = 2_000
#: Groups priced per organisation: those, not full, it would earn most in.
TRIED = 8


@dataclass(frozen=True)
class Risk:
    """Organisation ``organisation`` would gain by moving from ``group`` to ``to``, and ``to``
    would gain by taking it. Scores are scaled integers; :meth:`to_dict` gives user units."""

    organisation: int
    group: int
    to: int
    earns: int  # what it earns in its group
    would_earn: int  # what it would earn in ``to``
    to_complementarity: int  # ``to``'s complementarity now
    to_size: int  # and its members now
    change: Change  # the move, priced

    @property
    def gain(self) -> int:
        """What the organisation gains by moving (scaled)."""
        return self.would_earn - self.earns

    def to_dict(self, problem: Problem) -> dict[str, object]:
        """Plain values in user units."""
        size = self.to_size
        return {
            "organisation": problem.ids[self.organisation],
            "name": problem.names[self.organisation],
            "group": problem.group_names[self.group],
            "to": problem.group_names[self.to],
            "earns": self.earns / SCALE,
            "would_earn": self.would_earn / SCALE,
            "gain": self.gain / SCALE,
            "to_per_member": round(self.to_complementarity / SCALE / size, 3),
            "to_per_member_after": round(
                (self.to_complementarity + self.would_earn) / SCALE / (size + 1), 3),
            "objective_change": self.change.objective,
        }


def drop_out_risks(problem: Problem, assignment: npt.ArrayLike) -> list[Risk] | None:
    """The blocking pairs of an assignment, each organisation once (its best group), the
    largest gains first; None when the roster has more than :data:`CHECKED_MAX` organisations.

    The last answer is kept: the terminal, result.json and the report of one run ask alike.
    """
    if problem.n > CHECKED_MAX:
        return None
    a = np.asarray(assignment, dtype=np.int64)
    key = (problem, a.tobytes())
    last = _last.get("call")  # read once: another thread may replace it
    if last is not None and last[0] == key:
        return list(last[1])
    risks = _risks(problem, a)
    _last["call"] = (key, risks)
    return list(risks)


#: The last call of :func:`drop_out_risks`: its problem and assignment, and its answer.
_last: dict[str, tuple[tuple[Problem, bytes], list[Risk]]] = {}


def _risks(problem: Problem, assignment: npt.NDArray[np.int64]) -> list[Risk]:
    what = WhatIf(problem, assignment)
    ev = what.evaluation()
    comp = what.group_pairs()  # the pairs' scores (also with the size-fair objective)
    sizes = np.array(ev.group_sizes, dtype=np.int64)
    open_ = sizes < problem.size_bounds()[1]
    hard = [info.hard for info in problem.rules]
    risks = []
    for i in range(problem.n):
        g = what.group_of(i)
        if g < 0:
            continue
        earn = what.earnings(i)
        here = int(earn[g])
        # Groups where i earns more and raises the complementarity per member, best first.
        wanted = (earn > here) & (earn * sizes > comp) & (sizes > 0) & open_
        wanted[g] = False
        open_groups = np.flatnonzero(wanted)
        for h in open_groups[np.lexsort((open_groups, -earn[open_groups]))][:TRIED].tolist():
            change = what.move(i, h)
            if not any(hard[r.rule] and r.violation > 0 for r in change.rules):
                risks.append(Risk(i, g, h, here, int(earn[h]), int(comp[h]), int(sizes[h]),
                                  change))
                break
    return sorted(risks, key=lambda r: (-r.gain, r.organisation))
