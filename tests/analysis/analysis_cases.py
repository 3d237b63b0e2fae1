"""A tiny roster whose ecosystem figures are worked out by hand in the tests.

Not a conftest.py: tests import it by name, as they import tests/helpers.py.

Weights: offer_need 1, tag transition_jobs counts 2, economy_mix 0.5, sector_diversity 0.

    id  economy  target_group_fte  offers                needs
    s1  social   10                assembly              transition_jobs; financing
    r1  regular  0                 transition_jobs;      assembly
                                   market_access
    p1  public   0                 public_procurement    social_impact
    s2  social   0                 packaging             market_access
    r2  regular  0                 outsourcing_orders    packaging; digital_it

Directed offer -> need edges (weight in user units):
    s1 -> r1  assembly         1
    r1 -> s1  transition_jobs  2
    r1 -> s2  market_access    1
    s2 -> r2  packaging        1
Nobody offers financing, social_impact or digital_it; nobody needs outsourcing_orders or
public_procurement.

Undirected ties: {s1, r1} 3, {r1, s2} 1, {s2, r2} 1; p1 has none. Total 5.

Pair scores (offer->need both ways + 0.5 for different economies):
    s1-r1 3.5   s1-p1 0.5   r1-p1 0.5   s2-r2 1.5   r1-s2 1.5   (and 0.5 for the other
    cross-economy pairs, 0 for s1-s2 and r1-r2).

Grouping: G1 = {s1, r1, p1} (index 0), G2 = {s2, r2} (index 1).
"""

from __future__ import annotations

import numpy as np

from pilotopt.compile.complementarity import pair_scores
from pilotopt.problem import GroupSum, Problem, RuleInfo
from pilotopt.schema.roster import Organisation
from pilotopt.schema.scenario import Complementarity


def org(id_: str, economy: str, offers: str, needs: str, tgf: float = 0) -> Organisation:
    """An organisation in Geel, sector 25, 20 FTE."""
    return Organisation(id=id_, name=f"Org {id_}", economy=economy, sector="25",
                        municipality="Geel", lat=51.16, lon=4.99, fte=20, target_group_fte=tgf,
                        offers=offers, needs=needs, competitors="",
                        attributes={"type": "test"})


def problem_of(orgs: tuple[Organisation, ...], weights: Complementarity, m: int) -> Problem:
    """The problem of ``orgs`` in ``m`` groups, scored as the compiler scores them."""
    n = len(orgs)
    ids = tuple(o.id for o in orgs)
    size = GroupSum(0, np.ones(n, dtype=np.int64), np.ones(m, dtype=np.int64),
                    np.full(m, n, dtype=np.int64), True)
    return Problem(ids, tuple(o.name for o in orgs), tuple(f"G{g + 1}" for g in range(m)),
                   pair_scores(orgs, weights), (RuleInfo("groups.size", "size", "size", True),),
                   (size,))


WEIGHTS = Complementarity(offer_need=1.0, economy_mix=0.5, tags={"transition_jobs": 2.0})
ORGS = (
    org("s1", "social", "assembly", "transition_jobs;financing", tgf=10),
    org("r1", "regular", "transition_jobs;market_access", "assembly"),
    org("p1", "public", "public_procurement", "social_impact"),
    org("s2", "social", "packaging", "market_access"),
    org("r2", "regular", "outsourcing_orders", "packaging;digital_it"),
)
ASSIGNMENT = [0, 0, 0, 1, 1]


def tiny() -> Problem:
    """The five organisations above in two groups."""
    return problem_of(ORGS, WEIGHTS, 2)
