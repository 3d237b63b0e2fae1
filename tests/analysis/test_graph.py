"""The ecosystem graph of the tiny roster (analysis_cases.py) and of bare pair scores."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from analysis_cases import ORGS, WEIGHTS, problem_of, tiny

import pilotopt.analysis.graph
from pilotopt.analysis import ecosystem_graph, group_graph, tie_graph
from pilotopt.problem import Problem
from pilotopt.schema.scenario import Complementarity


def test_nodes_carry_the_roster_attributes() -> None:
    g = ecosystem_graph(tiny(), ORGS, WEIGHTS)
    assert list(g.nodes) == ["s1", "r1", "p1", "s2", "r2"]
    s1 = g.nodes["s1"]
    assert s1["name"] == "Org s1" and s1["economy"] == "social" and s1["type"] == "test"
    assert s1["sector"] == "25" and s1["municipality"] == "Geel"
    assert (s1["lat"], s1["lon"], s1["fte"], s1["target_group_fte"]) == (51.16, 4.99, 20, 10)
    assert s1["offers"] == ["assembly"] and s1["needs"] == ["transition_jobs", "financing"]
    assert g.graph["pair_scores"] is False


def test_offer_need_edges_with_tags_and_user_weights() -> None:
    g = ecosystem_graph(tiny(), ORGS, WEIGHTS)
    edges = {(u, v): (d["tags"], d["weight"]) for u, v, d in g.edges(data=True)}
    assert edges == {
        ("s1", "r1"): (["assembly"], 1.0),
        ("r1", "s1"): (["transition_jobs"], 2.0),  # tag weight 2
        ("r1", "s2"): (["market_access"], 1.0),
        ("s2", "r2"): (["packaging"], 1.0),
    }


def test_offer_need_weight_scales_every_tag() -> None:
    # offer_need 0.5: transition_jobs weighs 0.5 * 2 = 1, assembly 0.5 * 1 = 0.5.
    weights = Complementarity(offer_need=0.5, tags={"transition_jobs": 2.0})
    g = ecosystem_graph(problem_of(ORGS, weights, 2), ORGS, weights)
    assert g.edges["r1", "s1"]["weight"] == 1.0 and g.edges["s1", "r1"]["weight"] == 0.5


def test_default_weights_count_each_tag_once() -> None:
    g = ecosystem_graph(tiny(), ORGS)
    assert g.edges["r1", "s1"]["weight"] == 1.0


def test_roster_must_match_the_problem() -> None:
    with pytest.raises(ValueError, match="roster"):
        ecosystem_graph(tiny(), ORGS[::-1], WEIGHTS)


def test_tie_graph_sums_both_directions() -> None:
    ties = tie_graph(ecosystem_graph(tiny(), ORGS, WEIGHTS))
    weights = {frozenset((u, v)): w for u, v, w in ties.edges(data="weight")}
    assert weights == {frozenset(("s1", "r1")): 3.0, frozenset(("r1", "s2")): 1.0,
                       frozenset(("s2", "r2")): 1.0}
    assert ties.nodes["p1"]["economy"] == "public"


def test_group_graph_keeps_members_in_order() -> None:
    g = group_graph(ecosystem_graph(tiny(), ORGS, WEIGHTS), ["p1", "r1", "s1"])
    assert list(g.nodes) == ["p1", "r1", "s1"]
    assert list(g.edges) == [("r1", "s1"), ("s1", "r1")]


def bare() -> Problem:
    """Three organisations with pair scores a-b 2.5, a-c 0, b-c -1 (user units)."""
    score = np.array([[0, 2500, 0], [2500, 0, -1000], [0, -1000, 0]])
    return Problem(("a", "b", "c"), ("A", "B", "C"), ("G1",), score, (), ())


def test_without_a_roster_positive_pair_scores_are_edges_both_ways() -> None:
    g = ecosystem_graph(bare())
    assert g.graph["pair_scores"] is True
    assert g.nodes["a"]["name"] == "A" and g.nodes["a"]["economy"] is None
    assert g.nodes["a"]["offers"] == [] and g.nodes["a"]["target_group_fte"] is None
    assert {(u, v): w for u, v, w in g.edges(data="weight")} == {("a", "b"): 2.5, ("b", "a"): 2.5}
    assert g.edges["a", "b"]["tags"] == []
    ties = tie_graph(g)
    assert list(ties.edges(data="weight")) == [("a", "b", 2.5)]  # not summed twice


def test_doctests() -> None:
    assert doctest.testmod(pilotopt.analysis.graph).failed == 0
