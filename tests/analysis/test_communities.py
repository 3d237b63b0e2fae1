"""Communities of the tiny roster (analysis_cases.py) compared with its grouping, by hand.

Ties: {s1, r1} 3, {r1, s2} 1, {s2, r2} 1, p1 alone; total weight m = 5; weighted degrees
s1 3, r1 4, s2 2, r2 1, p1 0. Modularity Q = sum over communities of L_c / m - (d_c / 2m)^2:
    {s1, r1} {s2, r2} {p1}:   (3/5 - 0.7^2) + (1/5 - 0.3^2)  = 0.11 + 0.11 = 0.22
    {s1, r1, s2} {r2} {p1}:   (4/5 - 0.9^2) - 0.1^2          = -0.02
    {s1} {r1, s2, r2} {p1}:   -0.3^2 + (2/5 - 0.7^2)         = -0.18
    all in one:               5/5 - 1                        = 0
so Louvain finds {s1, r1} {s2, r2} {p1}: 3 communities keeping 3 + 1 = 4 of 5.
The grouping G1 = {s1, r1, p1}, G2 = {s2, r2} keeps the same 4: kept share 4/5. Groups of 3 and 2
filled at random keep on average the share of pairs they hold: (C(3,2) + C(2,2)) / C(5,2) = 0.4.

Adjusted Rand of groups (A A A B B) and communities (X X Z Y Y) over s1 r1 p1 s2 r2:
    same pairs in both: {s1, r1}, {s2, r2} = 2; in groups: C(3,2) + C(2,2) = 4;
    in communities: 1 + 1 = 2; all pairs C(5,2) = 10; expected 4 * 2 / 10 = 0.8;
    ARI = (2 - 0.8) / ((4 + 2) / 2 - 0.8) = 1.2 / 2.2 = 6/11.
"""

from __future__ import annotations

import doctest
from dataclasses import asdict

import pytest
from analysis_cases import ORGS, WEIGHTS, tiny

import pilotopt.analysis.communities
from pilotopt.analysis import (
    adjusted_rand,
    compare_with_grouping,
    ecosystem_graph,
    find_communities,
    internal_weight,
    tie_graph,
)

GROUPS = {"s1": 0, "r1": 0, "p1": 0, "s2": 1, "r2": 1}


def test_louvain_finds_the_best_split() -> None:
    ties = tie_graph(ecosystem_graph(tiny(), ORGS, WEIGHTS))
    assert find_communities(ties) == [["s1", "r1"], ["p1"], ["s2", "r2"]]


def test_internal_weight() -> None:
    ties = tie_graph(ecosystem_graph(tiny(), ORGS, WEIGHTS))
    assert internal_weight(ties, GROUPS) == 4.0
    assert internal_weight(ties, dict.fromkeys(GROUPS, 0)) == 5.0
    # Organisations without a label (left out) keep nothing.
    assert internal_weight(ties, {"s1": 0, "s2": 0, "r2": 0}) == 1.0


def test_compare_with_grouping_by_hand() -> None:
    ties = tie_graph(ecosystem_graph(tiny(), ORGS, WEIGHTS))
    result = compare_with_grouping(ties, GROUPS)
    assert asdict(result) == {
        "algorithm": "louvain", "count": 3, "graph_complementarity": 5.0,
        "community_complementarity": 4.0, "grouping_complementarity": 4.0,
        "kept_share": 0.8, "community_kept_share": 0.8, "random_kept_share": 0.4,
        "adjusted_rand": pytest.approx(6 / 11),
    }


def test_adjusted_rand_by_hand() -> None:
    assert adjusted_rand("AAABB", "XXZYY") == pytest.approx(6 / 11)
    assert adjusted_rand("AABB", "BBAA") == 1.0  # labels do not matter
    assert adjusted_rand("ABCD", "ABCD") == 1.0  # both all apart
    assert adjusted_rand("AAAA", "AAAA") == 1.0  # both all together
    # AABB against ABAB: no pair together in both; 2 and 2 pairs of C(4,2) = 6;
    # expected 2 * 2 / 6 = 2/3; ARI = (0 - 2/3) / (2 - 2/3) = -1/2.
    assert adjusted_rand("AABB", "ABAB") == pytest.approx(-0.5)
    with pytest.raises(ValueError):
        adjusted_rand("AB", "A")


def test_doctests() -> None:
    assert doctest.testmod(pilotopt.analysis.communities).failed == 0
