"""Several good proposals that differ in structure: :func:`alternatives`.

The first proposal is a plain solve. Each next one is a solve of the problem in which every pair
of organisations that shares a group in an earlier proposal earns a *diversity weight* less
(:func:`~pilotopt.proposals.reweigh.discouraging`): the searches then prefer groupings that break
up the earlier groups, wherever a pair was worth little to begin with. The weight starts at a
share of the average pair score earned in the first proposal and grows fourfold while the
proposal found is too close to an earlier one (:data:`ATTEMPTS` tries at most: 0.15, 0.6 and 2.4
times that average); the first try that differs enough is kept. Every proposal is judged on
the original problem by the evaluator.

The difference between two proposals is measured by :func:`~pilotopt.proposals.difference.share`
(organisations placed differently once the groups are renamed as well as they can be), not by
the pairs the weight acts on: the weight steers, the measure decides.

The share asked is a guarantee: when no try differs enough, the most different one is pushed
apart by single moves and swaps that keep every hard rule (:func:`push`), each the best for
the objective among those that raise the difference; a proposal that still does not differ
enough is not given, and ``message`` says how close it came and why no more proposals follow.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from pilotopt.errors import NoSolutionError, StoppedError
from pilotopt.evaluate import evaluate
from pilotopt.moves import Change, WhatIf
from pilotopt.problem import SCALE, IntArray, Problem
from pilotopt.proposals.difference import difference, matching
from pilotopt.proposals.reweigh import co_member_pairs, discouraging
from pilotopt.solve import Params, Progress, Result, Status, solve

__all__ = ["ATTEMPTS", "FIRST_STRENGTH", "GROWTH", "PUSH_TRIED", "Alternatives", "Proposal",
           "alternatives", "push"]

#: Tries per proposal: each multiplies the diversity weight of the one before by GROWTH.
ATTEMPTS = 3
GROWTH = 4
#: The first try's diversity weight, as a share of the average pair score of the first proposal.
FIRST_STRENGTH = 0.15
#: Organisations :func:`push` tries per step (drawn with the seed among those still placed as in
#: the closest earlier proposal), each with every move and swap into every other group.
PUSH_TRIED = 8


@dataclass(frozen=True)
class Proposal:
    """One proposal: its result (judged on the original problem), the diversity weight it was
    found with (user units per pair kept from an earlier proposal; 0 for the first), the tries
    it took, how many organisations it places differently from each proposal before it, and
    how many organisations :func:`push` moved to make it differ enough (0: none)."""

    result: Result
    weight: float
    attempts: int
    differences: tuple[int, ...]
    pushed: int = 0


@dataclass(frozen=True)
class Alternatives:
    """The proposals found, in order, and the share of organisations each must differ by."""

    proposals: tuple[Proposal, ...]
    min_difference: float
    n: int
    message: str = ""  # why fewer proposals than asked were found, if so

    def differences(self) -> list[list[int]]:
        """Organisations placed differently, for every two proposals (symmetric)."""
        k = len(self.proposals)
        out = [[0] * k for _ in range(k)]
        for j, p in enumerate(self.proposals):
            for i, d in enumerate(p.differences):
                out[i][j] = out[j][i] = d
        return out

    def closest(self, j: int) -> int | None:
        """Organisations proposal j places differently from the proposal closest to it."""
        row = [d for i, d in enumerate(self.differences()[j]) if i != j]
        return min(row) if row else None

    def meets(self, j: int) -> bool:
        """Whether proposal j differs from every other in at least the share asked."""
        closest = self.closest(j)
        return closest is None or closest >= self.required

    @property
    def required(self) -> int:
        """The organisations two proposals must at least place differently."""
        return int(np.ceil(self.min_difference * self.n - 1e-9))

    def document(self, j: int) -> dict[str, object]:
        """What proposal j's result.json says of it among the others."""
        p = self.proposals[j]
        return {"index": j + 1, "of": len(self.proposals), "diversity_weight": p.weight,
                "attempts": p.attempts, "pushed": p.pushed,
                "min_difference": self.min_difference,
                "meets_min_difference": self.meets(j),
                "differences": [d / self.n for d in self.differences()[j]]}

    def summary(self, asked: int) -> dict[str, object]:
        """The search as a whole, for alternatives.json: what was asked and found, how the
        proposals differ (share of organisations, every two) and how they were found."""
        return {
            "asked": asked, "found": len(self.proposals), "min_difference": self.min_difference,
            "required_organisations": self.required, "message": self.message,
            "params": {"seeds": [p.result.params.seed for p in self.proposals],
                       "time_limits": [round(p.result.params.time_limit, 3)
                                       for p in self.proposals]},
            "differences": [[d / self.n for d in row] for row in self.differences()],
            "method": ("each proposal after the first is solved with every pair that shares a "
                       "group in an earlier proposal earning the diversity weight less; the "
                       "weight grows fourfold until the proposal differs enough; failing that, "
                       "the most different try is pushed apart by moves and swaps keeping "
                       "every hard rule, and a proposal that still does not differ enough is "
                       "not given"),
        }

    def rows(self) -> list[dict[str, object]]:
        """A row per proposal, side by side: objective, its parts, the rules not met and the
        differences from the others (share of the organisations)."""
        matrix = self.differences()
        out: list[dict[str, object]] = []
        for j, p in enumerate(self.proposals):
            ev = p.result.evaluation
            closest = self.closest(j)
            out.append({
                "alternative": j + 1,
                "objective": ev.objective,
                "complementarity": ev.complementarity,
                "penalty": ev.penalty,
                "gap": p.result.gap,
                "all_hard_rules_hold": ev.feasible,
                "soft_rules_not_met": sum(1 for r in ev.rules if not r.hard and not r.satisfied),
                "closest_difference": None if closest is None else round(closest / self.n, 4),
                "meets_min_difference": self.meets(j),
                "diversity_weight": p.weight,
                "attempts": p.attempts,
                "pushed": p.pushed,
                "seed": p.result.params.seed,
                "time_limit": round(p.result.params.time_limit, 3),
                **{f"difference_to_{i + 1}": round(matrix[j][i] / self.n, 4)
                   for i in range(len(self.proposals))},
                **{f"violation {r.id}": r.violation for r in ev.rules if not r.hard},
            })
        return out


def _average_pair_score(problem: Problem, assignment: np.ndarray) -> int:
    """The complementarity an assignment earns per pair sharing a group (scaled, at least 1)."""
    pairs = len(co_member_pairs(assignment))
    earned = evaluate(problem, assignment).complementarity_scaled
    return max(1, earned // max(1, pairs))


def _closest(a: IntArray, earlier: list[IntArray], m: int) -> tuple[int, int]:
    """(organisations placed differently from the closest earlier proposal, its index)."""
    diffs = [difference(e, a, m) for e in earlier]
    k = int(np.argmin(diffs))
    return diffs[k], k


def push(problem: Problem, assignment: IntArray, earlier: list[IntArray], need: int,
         seed: int, deadline: float) -> IntArray | None:
    """``assignment`` made to place at least ``need`` organisations differently from each of
    ``earlier`` (under the best renaming of groups) by single moves and swaps that keep every
    hard rule; None if that cannot be done so or not before ``deadline`` (``time.perf_counter``).

    Each step takes the closest earlier proposal, draws :data:`PUSH_TRIED` organisations still
    placed as there, prices every move and swap of them into the other groups
    (:class:`~pilotopt.moves.WhatIf`) and makes, of those keeping every hard rule, the best for
    the objective that raises the smallest difference. The assignment must meet every hard rule.

    >>> import numpy as np
    >>> from pilotopt.problem import Problem
    >>> p = Problem(tuple("abcd"), tuple("abcd"), ("G1", "G2"), np.zeros((4, 4), np.int64), (),
    ...             ())
    >>> a = np.array([0, 0, 1, 1])
    >>> difference(a, push(p, a, [a], 2, 0, float("inf")), 2) >= 2
    True
    """
    rng = np.random.default_rng(seed)
    what = WhatIf(problem, assignment)
    m = problem.m
    current = np.array(assignment, dtype=np.int64)
    closest, k = _closest(current, earlier, m)
    while closest < need:
        if time.perf_counter() > deadline:
            return None
        renamed = matching(earlier[k], current, m)
        same = np.flatnonzero((current >= 0) & (renamed[np.maximum(current, 0)]
                                                 == earlier[k]))
        tried = rng.permutation(same)[:PUSH_TRIED].tolist()
        options: list[Change] = []
        for i in tried:
            for g in range(m):
                if g == current[i]:
                    continue
                move, swaps = what.into(i, g, what.members(g).tolist())
                options += [c for c in (move, *swaps) if c.hard_violation <= 0]
        options.sort(key=lambda c: -c.objective_scaled)
        for change in options:
            after = current.copy()
            for mv in change.moves:
                after[mv.organisation] = mv.target
            found = _closest(after, earlier, m)
            if found[0] > closest:
                what.apply(change)
                current, (closest, k) = after, found
                break
        else:
            return None
    return current


def alternatives(
    problem: Problem,
    params: Params,
    k: int,
    min_difference: float = 0.2,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
) -> Alternatives:
    """Up to ``k`` good proposals, each placing at least ``min_difference`` of the organisations
    differently from every other (under the best renaming of groups), within
    ``params.time_limit`` for all of them.

    Time: proposal j (from 0) gets the time left divided by the proposals still to find; a try
    gets half of what is left of that (the last try all of it), so time a proposal does not use
    passes to the next. Proposal j is solved with seed ``params.seed + j``. A proposal that
    cannot be made to differ enough within its tries is pushed apart (:func:`push`, in the last
    fifth of its time); if that fails too it is not given, no more are sought, and ``message``
    says how close it came: every proposal given differs from every other in at least
    ``min_difference`` of the organisations. The proposals are returned best first (by the
    objective), whatever the order they were found in. A stop request (``stop``) or a try that
    finds no assignment in its time ends the search with the proposals found so far
    (``message`` says why); before the first one, the solve's error is raised.
    """
    if k < 1:
        raise ValueError("ask for at least one proposal")
    if not 0 <= min_difference <= 1:
        raise ValueError("min_difference is a share of the organisations, from 0 to 1")
    start = time.perf_counter() if params.started is None else params.started
    deadline = start + params.time_limit - params.reserve

    def left() -> float:
        return max(0.0, deadline - time.perf_counter())

    first = solve(problem, replace(params, time_limit=max(0.01, left() / k), started=None,
                                   reserve=0.0),
                  on_progress=on_progress, stop=stop)
    found = [Proposal(first, 0.0, 1, ())]
    need = int(np.ceil(min_difference * problem.n - 1e-9))
    base = _average_pair_score(problem, first.assignment)
    message = ""
    for j in range(1, k):
        if first.status is Status.INTERRUPTED or (stop is not None and stop.is_set()):
            message = "interrupted"
            break
        budget_end = time.perf_counter() + left() / (k - j)
        tries_end = budget_end - 0.2 * left() / (k - j)  # the last fifth: to push apart
        earlier = [p.result.assignment for p in found]
        tries: list[tuple[Result, int, tuple[int, ...]]] = []
        weight = max(1, round(base * FIRST_STRENGTH))
        for attempt in range(ATTEMPTS):
            last = attempt == ATTEMPTS - 1
            budget = max(0.0, tries_end - time.perf_counter()) * (1.0 if last else 0.5)
            if budget < 0.01:
                break
            variant = discouraging(problem, earlier, weight)
            sub = replace(params, time_limit=budget, seed=params.seed + j, started=None,
                          reserve=0.0)
            try:
                run = solve(variant, sub, on_progress=on_progress, stop=stop)
            except (NoSolutionError, StoppedError) as exc:
                message = str(exc)
                break
            a = run.assignment
            ev = evaluate(problem, a)
            if not ev.feasible:  # the variant has the same hard rules: never expected
                raise RuntimeError("internal error: a proposal breaks a hard rule")
            result = replace(run, evaluation=ev, bound=first.bound, problem=problem,
                             status=(Status.INTERRUPTED if run.status is Status.INTERRUPTED
                                     else Status.FEASIBLE))
            diffs = tuple(difference(e, a, problem.m) for e in earlier)
            tries.append((result, weight, diffs))
            if min(diffs) >= need or result.status is Status.INTERRUPTED:
                break
            weight *= GROWTH
        if not tries:
            message = message or "no time left for more proposals"
            break
        meeting = [t for t in tries if min(t[2]) >= need]
        result, weight, diffs = meeting[0] if meeting else max(
            tries, key=lambda t: (min(t[2]), t[0].evaluation.objective_scaled))
        pushed = 0
        if not meeting:
            apart = push(problem, result.assignment, earlier, need, params.seed + j, budget_end)
            if apart is None:
                closest = int(np.argmin(diffs))
                message = (
                    f"proposal {j + 1} could not be made to differ enough: the most different "
                    f"of {len(tries)} tries placed {diffs[closest]} of {problem.n} organisations "
                    f"differently from proposal {closest + 1}, {min_difference:.0%} asks for "
                    f"{need}, and moves and swaps keeping every hard rule did not get there "
                    f"{'in its time' if time.perf_counter() > budget_end else 'either'}")
                break
            pushed = int(np.count_nonzero(apart != result.assignment))
            result = replace(result, assignment=apart, evaluation=evaluate(problem, apart))
            diffs = tuple(difference(e, apart, problem.m) for e in earlier)
        found.append(Proposal(result, weight / SCALE, len(tries), diffs, pushed))
        if result.status is Status.INTERRUPTED:
            message = "interrupted"
            break
    # Best first; the differences are kept for every two, so they follow the new order.
    order = sorted(range(len(found)), key=lambda j: -found[j].result.evaluation.objective_scaled)
    ranked = tuple(replace(found[j], differences=tuple(
        difference(found[i].result.assignment, found[j].result.assignment, problem.m)
        for i in order[:r])) for r, j in enumerate(order))
    return Alternatives(ranked, min_difference, problem.n, message)
