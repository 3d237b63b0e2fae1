"""The infeasibility message: which hard rules conflict, the counts behind them, what to relax.

The counts come from the rules themselves (each rule kind's ``fact`` template and its
primitive's ``fact_count``); this module only words them.
"""

from __future__ import annotations

import numpy as np

from pilotopt.errors import InfeasibleError
from pilotopt.problem import GroupSum, PairLink, Problem

__all__ = ["counted_conflict", "fact", "infeasible_error"]

#: Organisations named in a counted conflict's message; the rest are counted.
NAMED = 5


def infeasible_error(
    problem: Problem, core: list[int] | None, fixes: list[int] | None = None, why: str = ""
) -> InfeasibleError:
    """The error naming conflicting rules with the counts behind them, what they come down to
    (``why``, a sentence, when known) and what to relax."""
    if not core:
        return InfeasibleError("the hard rules cannot all hold together", [])

    def name(k: int) -> str:
        count = fact(problem, k)
        return f"{problem.rules[k].label} ({problem.rules[k].id}{'; ' + count if count else ''})"

    lo, hi = problem.size_bounds()
    sizes = f"{lo.min()}-{hi.max()}" if lo.min() != hi.max() else f"{lo.min()}"
    if fixes:
        advice = (" Relaxing " + " or ".join(f"{problem.rules[k].label} ({problem.rules[k].id})"
                                             for k in fixes)
                  + " alone lets every other hard rule hold: make it soft (hard = false and a "
                  "weight) or widen its bounds.")
    else:
        advice = (" Relax one of them (make it soft with hard = false and a weight, or widen "
                  "its bounds).")
    message = (
        f"these hard rules cannot all hold for {problem.n} organisations in {problem.m} groups "
        f"of {sizes}: " + "; ".join(name(k) for k in core) + "." + (f" {why}" if why else "")
        + advice
    )
    return InfeasibleError(message, [problem.rules[k].id for k in core])


def fact(problem: Problem, k: int) -> str:
    """The count behind rule k that a conflict turns on, e.g. "4 organisations have that value"."""
    template = problem.rules[k].fact
    prims = [p for p in problem.primitives if p.rule == k]
    if not template or not prims:
        return ""
    count = prims[0].fact_count()
    if count is None:  # weighted sums, or pairs not listed (Proximity)
        return ""
    return template.format(count)


def counted_conflict(problem: Problem) -> InfeasibleError | None:
    """A conflict that counting shows before any search, or None.

    Every group needs at least ``lo`` members (hard size rules), so each organisation that must
    be placed needs ``lo - 1`` others it may share a group with. Hard apart rules (competitors,
    pairs that met in earlier waves) that keep it from all but fewer than that make every
    assignment break a rule: e.g. after three rounds of four organisations in pairs, each has
    met the three others, and no fourth round exists without a repeat.
    """
    lo, _ = problem.size_bounds()
    need = int(lo.min()) - 1 if problem.m else 0
    apart = [p for p in problem.primitives
             if isinstance(p, PairLink) and p.hard and not p.together and len(p.pairs)]
    if need <= 0 or not apart:
        return None
    n = problem.n
    ends = np.concatenate([p.pairs.reshape(-1, 2) for p in apart])
    ends = ends[ends[:, 0] != ends[:, 1]]
    keys = np.unique(np.concatenate([ends[:, 0] * n + ends[:, 1], ends[:, 1] * n + ends[:, 0]]))
    kept_from = np.bincount(keys // n, minlength=n)  # distinct others each is kept apart from
    stuck = np.flatnonzero((n - 1 - kept_from < need) & ~problem.optional)
    if not len(stuck):
        return None
    i = int(stuck[0])
    sizes = sorted({p.rule for p in problem.primitives if isinstance(p, GroupSum) and p.hard
                    and bool(np.all(p.w == 1)) and int(p.lo.min()) == need + 1})
    pairs = sorted({p.rule for p in apart if bool(np.any(p.pairs == i))})
    names = ", ".join(problem.ids[k] for k in stuck[:NAMED].tolist())
    more = f" and {len(stuck) - NAMED} more" if len(stuck) > NAMED else ""
    why = (f"{len(stuck)} organisation(s) ({names}{more}) are kept apart from so many others "
           f"that {problem.ids[i]} may share a group with only {n - 1 - int(kept_from[i])} of "
           f"the {n - 1} others, and every group needs at least {need + 1} members.")
    return infeasible_error(problem, (sizes or [0]) + pairs, None, why)
