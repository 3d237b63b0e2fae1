"""Pair scores on three organisations, checked by hand (values are scaled by SCALE = 1000).

    a  social   25     offers x, y   needs z
    b  regular  25.61  offers z      needs x
    c  public   82     offers -      needs y, z

Directed matches: a->b x;  b->a z;  a->c y;  b->c z;  c offers nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pilotopt.compile.complementarity import pair_scores, tag_matrices
from pilotopt.problem import SCALE
from pilotopt.schema.roster import Organisation
from pilotopt.schema.scenario import Complementarity


def _org(id_: str, economy: str, sector: str, offers: str, needs: str) -> Organisation:
    return Organisation(id=id_, name=id_, economy=economy, sector=sector, lat=51, lon=4, fte=1,
                        target_group_fte=0, offers=offers, needs=needs, competitors="")


ORGS = (
    _org("a", "social", "25", "x;y", "z"),
    _org("b", "regular", "25.61", "z", "x"),
    _org("c", "public", "82", "", "y;z"),
)


def _scores(**weights: Any) -> list[list[int]]:
    score = pair_scores(ORGS, Complementarity(**weights))
    assert score.dtype == np.int64
    assert np.array_equal(score, score.T) and not np.diag(score).any()
    return score.tolist()


def test_scale() -> None:
    assert SCALE == 1000


def test_tag_matrices() -> None:
    tags, offers, needs = tag_matrices(ORGS)
    assert tags == ["x", "y", "z"]
    assert offers.tolist() == [[1, 1, 0], [0, 0, 1], [0, 0, 0]]
    assert needs.tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 1]]


def test_offer_need_counts_both_ways() -> None:
    # a-b: x one way, z the other = 2; a-c: y = 1; b-c: z = 1.
    assert _scores() == [[0, 2000, 1000], [2000, 0, 1000], [1000, 1000, 0]]


def test_tag_weights_and_offer_need_weight() -> None:
    # a-b: 0.5 * (3 for x + 2 for z) = 2.5; a-c: 0.5 * 1 for y; b-c: 0.5 * 2 for z.
    assert _scores(offer_need=0.5, tags={"x": 3.0, "z": 2.0}) == [
        [0, 2500, 500], [2500, 0, 1000], [500, 1000, 0]
    ]


def test_sector_diversity_uses_the_division() -> None:
    # a (25) and b (25.61) share division 25: no bonus; c (82) differs from both.
    assert _scores(offer_need=0, sector_diversity=0.2) == [
        [0, 0, 200], [0, 0, 200], [200, 200, 0]
    ]


def test_economy_mix() -> None:
    assert _scores(offer_need=0, economy_mix=0.5) == [[0, 500, 500], [500, 0, 500], [500, 500, 0]]


def test_terms_add_up() -> None:
    total = np.array(_scores(offer_need=1, sector_diversity=0.2, economy_mix=0.5))
    parts = (np.array(_scores()) + np.array(_scores(offer_need=0, sector_diversity=0.2))
             + np.array(_scores(offer_need=0, economy_mix=0.5)))
    assert np.array_equal(total, parts)


def test_same_economy_earns_no_mix_bonus() -> None:
    twins = (ORGS[0], ORGS[0].model_copy(update={"id": "a2"}))
    score = pair_scores(twins, Complementarity(offer_need=0, economy_mix=0.5))
    assert score.tolist() == [[0, 0], [0, 0]]


@pytest.mark.parametrize("weights", [{"offer_need": -1}, {"tags": {"x": -0.5}}])
def test_negative_weights_are_refused(weights: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Complementarity(**weights)
