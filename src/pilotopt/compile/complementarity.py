"""Pair scores: what two organisations earn by sharing a group."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from functools import cache
from importlib import resources

import numpy as np

from pilotopt.problem import SCALE, IntArray
from pilotopt.schema.roster import Organisation
from pilotopt.schema.scenario import Complementarity

__all__ = ["known_tags", "pair_scores", "tag_matrices"]


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


def pair_scores(orgs: Sequence[Organisation], weights: Complementarity) -> IntArray:
    """Scaled integer score of every pair (symmetric, zero diagonal).

    score(i, j) = offer_need * (sum of tag weights of i's offers that j needs, and of j's offers
    that i needs) + sector_diversity * [different NACE division] + economy_mix * [different
    economy].
    """
    tags, offers, needs = tag_matrices(orgs)
    w = np.array(
        [round(SCALE * weights.offer_need * weights.tags.get(t, 1.0)) for t in tags],
        dtype=np.int64,
    )
    directed = (offers * w) @ needs.T  # i offers what j needs
    score = directed + directed.T
    for weight, values in (
        (weights.sector_diversity, [o.division for o in orgs]),
        (weights.economy_mix, [o.economy.value for o in orgs]),
    ):
        if weight:
            codes = np.unique(np.array(values), return_inverse=True)[1]
            score += round(SCALE * weight) * (codes[:, None] != codes[None, :])
    np.fill_diagonal(score, 0)
    return score
