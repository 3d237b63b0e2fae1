"""The infeasibility message: which hard rules conflict, the counts behind them, what to relax.

The counts come from the rules themselves (each rule kind's ``fact`` template and its
primitive's ``fact_count``); this module only words them.
"""

from __future__ import annotations

from pilotopt.errors import InfeasibleError
from pilotopt.problem import Problem

__all__ = ["fact", "infeasible_error"]


def infeasible_error(
    problem: Problem, core: list[int] | None, fixes: list[int] | None = None
) -> InfeasibleError:
    """The error naming conflicting rules with the counts behind them, and what to relax."""
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
        f"of {sizes}: " + "; ".join(name(k) for k in core) + "." + advice
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
