"""What a careful matchmaker would get by hand, to measure pilotopt's gain against.

:func:`sort_and_deal` sorts the organisations by their total score and deals them to the groups
in turn, forth and back, keeping the size bounds (pinned organisations, and those with a
previous group under a stability rule, go there first). :func:`by_hand` then mends the hard rules
the way a careful person would: while a hard rule is broken, it takes a member of a group that
breaks one and makes the single move or swap (among a few groups and partners drawn at random)
that repairs most, the objective deciding ties. Every change is priced by
:class:`~pilotopt.moves.WhatIf`, and the result judged by :func:`~pilotopt.evaluate.evaluate`.
The same seed gives the same baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pilotopt.evaluate import Evaluation, evaluate
from pilotopt.moves import Change, WhatIf
from pilotopt.problem import IntArray, Problem

__all__ = ["Baseline", "by_hand", "sort_and_deal"]

#: Groups tried per member in a mending step, and partners per group for a swap.
GROUPS, PARTNERS = 4, 2
#: Mending steps at most (each a move or swap).
STEPS = 1000


@dataclass(frozen=True)
class Baseline:
    """The baseline's assignment, the evaluator's judgement of it, and the mending steps made
    (moves or swaps) after sort-and-deal."""

    assignment: IntArray
    evaluation: Evaluation
    steps: int

    def to_dict(self, problem: Problem, objective: float | None = None) -> dict[str, object]:
        """Plain values in user units; with pilotopt's ``objective`` (user units) also the
        gain over the baseline."""
        ev = self.evaluation
        base = ev.objective
        out: dict[str, object] = {
            "method": "sort-and-deal, hard rules mended by single moves and swaps",
            "objective": base,
            "all_hard_rules_hold": ev.feasible,
            "broken_hard_rules": [r.label for r in ev.broken_hard_rules()],
            "steps": self.steps,
        }
        if objective is not None:
            out["gain"] = round(objective - base, 6)
            out["gain_share"] = round((objective - base) / abs(base), 6) if base else None
        return out


def _totals(problem: Problem) -> IntArray:
    """Each organisation's total score with all the others."""
    if problem.factors is None:
        return np.asarray(problem.score.sum(axis=1), dtype=np.int64)
    f = problem.factors
    everyone = np.arange(problem.n)
    y_sum = np.zeros(f.y.dense_rows(everyone[:1]).shape[1], dtype=np.int64)
    chunk = 4096  # dense rows a few thousand at a time: memory O(chunk * tags)
    for s in range(0, problem.n, chunk):
        y_sum += f.y.dense_rows(everyone[s:s + chunk]).sum(axis=0)
    out = np.empty(problem.n, dtype=np.int64)
    for s in range(0, problem.n, chunk):
        rows = everyone[s:s + chunk]
        xs, ys = f.x.dense_rows(rows), f.y.dense_rows(rows)
        out[s:s + chunk] = xs @ y_sum - (xs * ys).sum(axis=1) + f.constant * (problem.n - 1)
    return out


def sort_and_deal(problem: Problem, seed: int) -> IntArray:
    """Organisations sorted by their total score (ties in a seeded random order), dealt to the
    groups in turn, forth and back, each group taking no more than its size bound allows.
    Those a rule steers to one group (a pin, the previous group under a stability rule: see
    :meth:`~pilotopt.problem.Problem.preferred_groups`) go there first, as far as its size
    bound allows, as a person re-planning by hand would keep them.

    Sizes come out as even as the bounds allow; no other rule is looked at, so the
    evaluator may well find hard rules broken. Every organisation is placed.
    """
    rng = np.random.default_rng(seed)
    order = rng.permutation(problem.n)
    order = order[np.argsort(-_totals(problem)[order], kind="stable")]
    lo, hi = problem.size_bounds()
    m = problem.m
    capacity = np.minimum(hi, np.maximum(lo, 0)).astype(np.int64)
    # Raise the capacities evenly until everyone fits (or every group is full to its bound).
    while capacity.sum() < problem.n and (capacity < hi).any():
        capacity[int(np.argmin(np.where(capacity < hi, capacity, np.iinfo(np.int64).max)))] += 1
    if capacity.sum() < problem.n:  # the bounds cannot hold everyone: overfill evenly
        capacity += -(-(problem.n - int(capacity.sum())) // m)
    preferred = problem.preferred_groups()
    capacity = np.maximum(capacity, np.minimum(hi, np.bincount(
        preferred[preferred >= 0], minlength=m)))
    assignment = np.full(problem.n, -1, dtype=np.int64)
    taken = np.zeros(m, dtype=np.int64)
    for i in order[preferred[order] >= 0].tolist():
        g = int(preferred[i])
        if taken[g] < capacity[g]:
            assignment[i] = g
            taken[g] += 1
    forth = list(range(m))
    turn = forth + forth[::-1]
    k = 0
    for i in order[assignment[order] < 0]:
        while True:
            g = turn[k % len(turn)]
            k += 1
            if taken[g] < capacity[g]:
                break
        assignment[i] = g
        taken[g] += 1
    return assignment


def _key(c: Change) -> tuple[int, int]:
    return c.hard_violation, -c.objective_scaled


def _offending_groups(w: WhatIf) -> list[int]:
    """Groups where a hard rule is broken, most broken first."""
    ev = w.evaluation()
    per_group = np.zeros(w.problem.m, dtype=np.int64)
    for r in ev.rules:
        if r.hard:
            per_group += np.asarray(r.per_group, dtype=np.int64)
    return [int(g) for g in np.argsort(-per_group, kind="stable") if per_group[g] > 0]


def _mend(w: WhatIf, rng: np.random.Generator) -> Change | None:
    """The move or swap that repairs most, for the members of the groups breaking hard rules
    (a few target groups and partners each), or else a move into such a group (a few members
    of a few other groups); None if none repairs."""
    m = w.problem.m
    offending = _offending_groups(w) or list(range(m))  # a broken rule outside any group
    best: Change | None = None

    def consider(c: Change) -> None:
        nonlocal best
        if c.hard_violation < 0 and (best is None or _key(c) < _key(best)):
            best = c

    for g in offending:
        others = [h for h in range(m) if h != g]
        for i in rng.permutation(w.members(g)).tolist():
            for h in rng.permutation(others)[:GROUPS].tolist():
                members = w.members(h)
                partners = rng.permutation(members)[:PARTNERS].tolist() if len(members) else []
                move, swaps = w.into(i, h, partners)
                for c in (move, *swaps):
                    consider(c)
        if best is None:  # nobody leaving g repairs it (g is too small): someone joining
            for h in rng.permutation(others)[:GROUPS].tolist():
                for j in rng.permutation(w.members(h))[:PARTNERS].tolist():
                    consider(w.move(j, g))
        if best is not None:
            return best
    return None


def by_hand(problem: Problem, seed: int = 0, max_steps: int | None = None) -> Baseline:
    """Sort-and-deal, then hard rules mended one move or swap at a time (at most
    ``max_steps``, default :data:`STEPS` or twice the number of organisations if fewer), as a
    careful person would: a baseline under the same hard rules. It may still break some: its
    evaluation says so."""
    rng = np.random.default_rng(seed)
    w = WhatIf(problem, sort_and_deal(problem, seed))
    limit = min(2 * problem.n, STEPS) if max_steps is None else max_steps
    steps = 0
    while w.hard_violation > 0 and steps < limit:
        change = _mend(w, rng)
        if change is None:
            break
        w.apply(change)
        steps += 1
    a = np.array(w.assignment)
    return Baseline(a, evaluate(problem, a), steps)  # judged independently
