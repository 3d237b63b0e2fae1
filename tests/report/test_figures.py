"""Group figures by hand: mix, FTE and target-group FTE against the mean, the farthest pair."""

from __future__ import annotations

import numpy as np
import pytest

from pilotopt.evaluate import evaluate
from pilotopt.problem import Problem
from pilotopt.report.figures import group_figures
from pilotopt.schema.roster import Organisation


def org(oid: str, economy: str, fte: float, target: float, lat: float | None,
        lon: float | None) -> Organisation:
    return Organisation(id=oid, name=oid.upper(), economy=economy, sector="25", fte=fte,
                        target_group_fte=target, offers=(), needs=(), lat=lat, lon=lon,
                        municipality=None if lat is not None else "Gent")


ORGS = (
    org("s1", "social", 100, 80, 51.05, 3.72),  # Gent
    org("r1", "regular", 50, 0, 51.22, 4.40),  # Antwerpen, about 51 km from Gent
    org("p1", "public", 10, 0, 51.06, 3.73),  # next to Gent
    org("k1", "knowledge", 40, 20, None, None),  # no coordinates
)


def test_figures_by_hand() -> None:
    problem = Problem(tuple(o.id for o in ORGS), tuple(o.name for o in ORGS), ("G1", "G2"),
                      np.zeros((4, 4), dtype=np.int64), (), ())
    assignment = np.array([0, 0, 0, 1])
    fig = group_figures(problem, assignment, evaluate(problem, assignment), ORGS)
    first, second = fig.groups
    assert first.members == (0, 1, 2) and second.members == (3,)
    assert first.mix == (1, 1, 1, 0) and second.mix == (0, 0, 0, 1)
    assert (first.fte, first.target_group_fte) == (160, 80)
    assert (fig.mean_fte, fig.mean_target_group_fte) == (100, 50)
    assert first.farthest in ((0, 1), (1, 2)) and first.farthest_km == pytest.approx(51, abs=2)
    assert second.farthest is None and second.farthest_km is None
    rows = fig.to_dicts(problem.ids)
    assert rows[0]["fte_vs_mean"] == pytest.approx(0.6)
    assert rows[0]["mix"] == {"social": 1, "regular": 1, "public": 1, "knowledge": 0}
    assert rows[1]["farthest_pair"] is None


def test_without_a_roster_only_sizes_and_complementarity() -> None:
    score = np.array([[0, 2000, 0], [2000, 0, 0], [0, 0, 0]])
    problem = Problem(("a", "b", "c"), ("A", "B", "C"), ("G1", "G2"), score, (), ())
    fig = group_figures(problem, [0, 0, 1], evaluate(problem, [0, 0, 1]))
    assert [g.complementarity for g in fig.groups] == [2.0, 0.0]
    assert fig.groups[0].mix is None and fig.mean_fte is None
