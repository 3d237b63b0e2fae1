"""How an assignment depends on the weights and which rules bind: :func:`sensitivity`.

Every question is answered by the same experiment: the compiled tabu search, started from the
given assignment with the same seed and the same iteration budget, on a variant of the problem.

* The *control* run keeps every weight: it shows what re-optimising the assignment gives at all
  (nothing moves when the assignment is already as good as the search can make it).
* For each soft rule, runs with its weight times 0.5 and 1.5: the placements that differ from
  the control's are those the weight decides, and the objective (at the scenario's weights) that
  the change would cost or gain.
* For each rule, a run without it: how much the objective could rise were the rule gone, the
  best of that run and of the control measured without the rule. For a soft rule this includes
  its present penalty. A rule that binds raises the objective when removed; one that does not,
  does not.

These are heuristic estimates under a short limit: a search that found nothing better does not
prove that nothing better exists.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from pilotopt.evaluate import evaluate
from pilotopt.problem import SCALE, IntArray, Problem
from pilotopt.proposals.reweigh import reweighed, soft_rules, without
from pilotopt.solve.orchestration import LS_MOVES_PER_SECOND

__all__ = ["DENSE_MAX", "FACTORS", "Binding", "Change", "Sensitivity", "sensitivity"]

#: The weight factors tried for every soft rule.
FACTORS = (0.5, 1.5)
#: Organisations the search handles with dense pair scores (a larger roster is refused).
DENSE_MAX = 1_000


@dataclass(frozen=True)
class Change:
    """Rule ``rule``'s weight times ``factor``: the organisations placed differently from the
    control run (index, control's group, this run's group) and the objective of this run's
    assignment minus the control's, both at the scenario's weights (scaled)."""

    rule: int
    factor: float
    moved: tuple[tuple[int, int, int], ...]
    objective: int
    violation: int  # the rule's violation in this run's assignment minus the control's


@dataclass(frozen=True)
class Binding:
    """Rule ``rule`` removed: how much the objective could rise (scaled, at least 0), of which
    ``penalty`` is the rule's present penalty in the control's assignment (soft rules)."""

    rule: int
    gain: int
    penalty: int
    moved: int

    @property
    def binds(self) -> bool:
        """Whether removing the rule raised the objective."""
        return self.gain > 0


@dataclass(frozen=True)
class Sensitivity:
    """The control run and the answers, with the budget each run had."""

    start: IntArray
    control: IntArray
    changes: tuple[Change, ...]
    bindings: tuple[Binding, ...]
    iterations: int
    seed: int
    time_limit: float

    def to_dict(self, problem: Problem) -> dict[str, object]:
        """Plain JSON values, organisations and groups by id and name, objectives in user
        units."""
        def group(g: int) -> str | None:
            return problem.group_names[g] if g >= 0 else None

        base = evaluate(problem, self.start).objective
        control = evaluate(problem, self.control).objective
        return {
            "method": "tabu search from the assignment, the same seed and iterations per run; "
                      "heuristic estimates, not proofs",
            "seed": self.seed, "time_limit": self.time_limit,
            "iterations_per_run": self.iterations,
            "objective": base,
            "control": {"objective": control, "moved": [
                {"id": problem.ids[i], "from": group(int(self.start[i])),
                 "to": group(int(self.control[i]))}
                for i in np.flatnonzero(self.start != self.control)]},
            "weights": [{
                "rule": problem.rules[c.rule].id, "label": problem.rules[c.rule].label,
                "factor": c.factor, "objective_change": c.objective / SCALE,
                "violation_change": c.violation,
                "moved": [{"id": problem.ids[i], "from": group(a), "to": group(b)}
                          for i, a, b in c.moved]} for c in self.changes],
            "rules": [{
                "rule": problem.rules[b.rule].id, "label": problem.rules[b.rule].label,
                "hard": problem.rules[b.rule].hard, "binds": b.binds,
                "gain": b.gain / SCALE, "present_penalty": b.penalty / SCALE,
                "moved": b.moved} for b in self.bindings],
        }


def _dense(problem: Problem) -> Problem:
    if problem.factors is None:
        return problem
    if problem.n > DENSE_MAX:
        raise ValueError(f"sensitivity handles up to {DENSE_MAX} organisations "
                         f"({problem.n} given)")
    return replace(problem, score=problem.factors.dense(), factors=None)


def sensitivity(
    problem: Problem,
    assignment: IntArray,
    *,
    time_limit: float,
    seed: int = 0,
    rules: Sequence[int] | None = None,
    stop: threading.Event | None = None,
    started: float | None = None,
) -> Sensitivity:
    """Weight changes (:data:`FACTORS`) of every soft rule and removal of every rule (or of
    ``rules`` only), each a tabu search from ``assignment``, within ``time_limit`` seconds for
    all, counted from ``started`` (a ``time.perf_counter()``; default: the call): each run
    gets an equal share as its iteration budget (see
    :data:`pilotopt.solve.orchestration.LS_MOVES_PER_SECOND`: the same for every run, so runs
    compare) and its clock. ``stop`` ends the runs early (their best so
    far counts).

    Raises ValueError when the assignment breaks the hard size bounds (the search keeps them
    from its start) or the roster is too large for dense scores.
    """
    from pilotopt.solve.search.tabu import local_search

    problem = _dense(problem)
    start = np.asarray(assignment, dtype=np.int64)
    chosen = list(range(len(problem.rules)) if rules is None else rules)
    weighted = [k for k in soft_rules(problem) if k in chosen]
    runs = 1 + len(FACTORS) * len(weighted) + len(chosen)
    deadline = (time.perf_counter() if started is None else started) + time_limit
    share = max(0.01, deadline - time.perf_counter()) / runs
    iterations = max(100, int(share * LS_MOVES_PER_SECOND / max(1, problem.n * problem.m)))

    def search(variant: Problem) -> IntArray:
        limit = max(0.01, min(share * 1.5, deadline - time.perf_counter()))
        found, _ = local_search(variant, start, limit, seed, max_iterations=iterations,
                                stop=stop)
        return found

    def best(variant: Problem, *found: IntArray) -> IntArray:
        """The best feasible of the assignments on the variant (the evaluator judges)."""
        judged = [(evaluate(variant, a), a) for a in found]
        return max((ea for ea in judged if ea[0].feasible),
                   key=lambda ea: ea[0].objective_scaled,
                   default=judged[0])[1]

    control = best(problem, search(problem), start)
    at = evaluate(problem, control)
    changes = []
    for k in weighted:
        for f in FACTORS:
            variant = reweighed(problem, {k: f})
            a = best(variant, search(variant), control)
            ev = evaluate(problem, a)
            moved = tuple((int(i), int(control[i]), int(a[i]))
                          for i in np.flatnonzero(a != control))
            changes.append(Change(k, f, moved, ev.objective_scaled - at.objective_scaled,
                                  ev.rules[k].violation - at.rules[k].violation))
    bindings = []
    for k in chosen:
        variant = without(problem, k)
        a = best(variant, search(variant), control)
        gain = evaluate(variant, a).objective_scaled - at.objective_scaled
        bindings.append(Binding(k, max(0, gain), at.rules[k].penalty_scaled,
                                int(np.count_nonzero(a != control))))
    return Sensitivity(start, control, tuple(changes), tuple(bindings), iterations, seed,
                       time_limit)
