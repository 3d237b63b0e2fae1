"""Variants of a problem that the proposals solve: other soft weights, a rule left out, pairs of
earlier proposals discouraged.

Each returns a new :class:`~pilotopt.problem.Problem` that every backend reads as it reads the
original (the variants change numbers only, never the primitives' kinds), so the searches and
CP-SAT need nothing of their own. Assignments found on a variant are judged on the original.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import assert_never

import numpy as np

from pilotopt.problem import (
    Allowed,
    Coverage,
    GroupSum,
    IntArray,
    LeaveOut,
    LowRankScore,
    MaxDeviation,
    NotExactlyOne,
    PairLink,
    Primitive,
    Problem,
    Proximity,
    Stay,
)

__all__ = ["co_member_pairs", "discouraging", "reweighed", "soft_rules", "without"]


def soft_rules(problem: Problem) -> list[int]:
    """The rules with a weight: soft rules, and the cost of leaving organisations out."""
    weighted = {p.rule for p in problem.primitives if not p.hard and p.penalty}
    weighted |= {p.rule for p in problem.primitives
                 if isinstance(p, LeaveOut) and bool(np.any(p.cost))}
    return sorted(weighted)


def _scaled(p: Primitive, factor: float) -> Primitive:
    """The primitive with its weights times ``factor`` (hard parts unchanged)."""
    penalty = round(p.penalty * factor)
    match p:
        case LeaveOut():
            cost = np.rint(p.cost * factor).astype(np.int64)
            return replace(p, cost=cost, penalty=penalty)
        case GroupSum() | PairLink() | Allowed() | NotExactlyOne() | Coverage() | MaxDeviation() \
                | Proximity() | Stay():
            return replace(p, penalty=penalty)
        case _:
            assert_never(p)


def reweighed(problem: Problem, factors: Mapping[int, float]) -> Problem:
    """The problem with the weights of rule ``k`` times ``factors[k]`` (soft rules; a hard rule
    stays hard)."""
    prims = tuple(_scaled(p, factors[p.rule]) if p.rule in factors else p
                  for p in problem.primitives)
    return replace(problem, primitives=prims)


def without(problem: Problem, rule: int) -> Problem:
    """The problem without rule ``rule`` (its primitives dropped; the rule keeps its number)."""
    return replace(problem, primitives=tuple(p for p in problem.primitives if p.rule != rule))


def co_member_pairs(assignment: IntArray) -> IntArray:
    """Every pair ``(i, j)``, i < j, that shares a group, as (k, 2) indices (ascending)."""
    a = np.asarray(assignment, dtype=np.int64)
    placed = np.flatnonzero(a >= 0)
    order = placed[np.argsort(a[placed], kind="stable")]
    bounds = np.flatnonzero(np.diff(a[order])) + 1
    blocks = [g[np.stack(np.triu_indices(len(g), 1), axis=1)]
              for g in (np.split(order, bounds) if len(order) else [])]
    out = np.concatenate([*blocks, np.zeros((0, 2), dtype=np.int64)]).reshape(-1, 2)
    out = np.sort(out, axis=1)
    return out[np.lexsort((out[:, 1], out[:, 0]))].astype(np.int64)


def discouraging(problem: Problem, earlier: Sequence[IntArray], weight: int) -> Problem:
    """The problem where every pair sharing a group in one of ``earlier`` earns ``weight`` less
    (scaled), once per earlier assignment that has it together.

    Pair scores are the one term every backend reads, so the discouragement reaches CP-SAT,
    the compiled search and the large-instance search alike; it does not depend on how the
    groups are numbered.
    """
    pairs = np.concatenate([co_member_pairs(a) for a in earlier]).reshape(-1, 2)
    n = problem.n
    if problem.factors is None:
        score = problem.score.copy()
        np.add.at(score, (pairs[:, 0], pairs[:, 1]), -weight)
        np.add.at(score, (pairs[:, 1], pairs[:, 0]), -weight)
        return replace(problem, score=score)
    f: LowRankScore = problem.factors
    keys = np.concatenate([f.pairs[:, 0] * n + f.pairs[:, 1], pairs[:, 0] * n + pairs[:, 1]])
    values = np.concatenate([f.values, np.full(len(pairs), -weight, dtype=np.int64)])
    unique, at = np.unique(keys, return_inverse=True)
    summed = np.bincount(at, weights=values, minlength=len(unique)).astype(np.int64)
    new = replace(f, pairs=np.stack([unique // n, unique % n], axis=1).astype(np.int64),
                  values=summed)
    return replace(problem, factors=new)
