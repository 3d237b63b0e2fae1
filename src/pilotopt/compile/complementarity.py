"""Pair scores: what two organisations earn by sharing a group."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from functools import cache
from importlib import resources

import numpy as np

from pilotopt.problem import SCALE, IntArray, LowRankScore, SparseRows
from pilotopt.schema.roster import Organisation
from pilotopt.schema.scenario import Complementarity

__all__ = ["known_tags", "pair_factors", "pair_scores", "tag_matrices"]


@cache
def known_tags() -> frozenset[str]:
    """The tags of the capability taxonomy the package ships."""
    text = resources.files("pilotopt.data").joinpath("capability_taxonomy.csv").read_text("utf-8")
    return frozenset(row["tag"] for row in csv.DictReader(text.splitlines()))


def tag_matrices(
    orgs: Sequence[Organisation],
) -> tuple[list[str], IntArray, IntArray]:
    """Tags in use, and 0/1 matrices of who offers and who needs each (n x tags)."""
    tags = sorted({t for o in orgs for t in (*o.offers, *o.needs)})
    col = {t: k for k, t in enumerate(tags)}
    offers = np.zeros((len(orgs), len(tags)), dtype=np.int64)
    needs = np.zeros_like(offers)
    for i, o in enumerate(orgs):
        offers[i, [col[t] for t in o.offers]] = 1
        needs[i, [col[t] for t in o.needs]] = 1
    return tags, offers, needs


def pair_factors(orgs: Sequence[Organisation], weights: Complementarity) -> LowRankScore:
    """The pair scores of :func:`pair_scores` as low-rank factors, memory O(n * tags).

    score(i, j) = s + e + x[i] . y[j] with x = [offers * w, needs, -s * division, -e * economy]
    and y = [needs, offers * w, division, economy] (one-hot divisions and economies, s and e the
    scaled sector_diversity and economy_mix): the tag terms count i's offers that j needs and
    j's offers that i needs, and the category terms take s (e) back from same-division
    (same-economy) pairs.
    """
    tags, offers, needs = tag_matrices(orgs)
    w = np.array(
        [round(SCALE * weights.offer_need * weights.tags.get(t, 1.0)) for t in tags],
        dtype=np.int64,
    )
    xs, ys = [offers * w, needs], [needs, offers * w]
    constant = 0
    for weight, values in (
        (weights.sector_diversity, [o.division for o in orgs]),
        (weights.economy_mix, [o.economy.value for o in orgs]),
    ):
        scaled = round(SCALE * weight)
        if scaled:
            codes = np.unique(np.array(values), return_inverse=True)[1].reshape(-1)
            onehot = np.zeros((len(orgs), int(codes.max()) + 1), dtype=np.int64)
            onehot[np.arange(len(orgs)), codes] = 1
            xs.append(-scaled * onehot)
            ys.append(onehot)
            constant += scaled
    width = sum(a.shape[1] for a in xs)
    x = np.hstack(xs) if width else np.zeros((len(orgs), 0), dtype=np.int64)
    y = np.hstack(ys) if width else np.zeros((len(orgs), 0), dtype=np.int64)
    return LowRankScore(constant, SparseRows.from_dense(x), SparseRows.from_dense(y))


def pair_scores(orgs: Sequence[Organisation], weights: Complementarity) -> IntArray:
    """Scaled integer score of every pair (symmetric, zero diagonal).

    score(i, j) = offer_need * (sum of tag weights of i's offers that j needs, and of j's offers
    that i needs) + sector_diversity * [different NACE division] + economy_mix * [different
    economy].
    """
    return pair_factors(orgs, weights).dense()
