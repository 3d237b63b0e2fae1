"""Group metrics on the tiny roster of analysis_cases.py and a few other tiny groups, by hand.

Tiny roster, G1 = {s1, r1, p1}:
    edges s1 -> r1 (assembly), r1 -> s1 (transition_jobs, weight 2); one tie {s1, r1}.
    complementarity 3.5 + 0.5 + 0.5 = 4.5 (s1-r1, s1-p1, r1-p1)
    density 1 tie / 3 pairs = 1/3; cross-economy 1/1 (social-regular); isolated p1
    unmet: s1 financing, p1 social_impact; reciprocity: s1 and r1 give and get = 2/3
    transition path: r1 gives transition_jobs to s1, a social organisation with 10 target-group FTE
    bridge {s1, r1}; no broker (no shortest path runs through a third member)
G2 = {s2, r2}:
    edge s2 -> r2 (packaging); complementarity 1 + 0.5 = 1.5
    density 1/1, cross-economy 1/1, no one isolated
    unmet: s2 market_access (r1 offers it, in G1), r2 digital_it; reciprocity 0/2
    bridge {s2, r2}; no transition path (s2 has no target-group FTE, and it gives, not gets)
Overall: complementarity 6; density (1 + 1) / (3 + 1) = 0.5; cross-economy 2/2; isolated 1;
unmet needs 4; reciprocity 2/5; transition paths 1.
"""

from __future__ import annotations

import doctest

import networkx as nx
import pytest
from analysis_cases import ORGS, WEIGHTS, org, problem_of

import pilotopt.analysis.metrics
from pilotopt.analysis import (
    TRANSITION_TAGS,
    bridges,
    brokers,
    cross_economy_ties,
    ecosystem_graph,
    gets,
    gives,
    group_graph,
    isolated,
    reciprocal,
    tie_graph,
    transition_paths,
    unmet_needs,
)
from pilotopt.compile.complementarity import known_tags
from pilotopt.schema.roster import Organisation


def graphs(orgs: tuple[Organisation, ...], members: list[str]) -> tuple[nx.DiGraph, nx.Graph]:
    """The group graph of ``members`` and its ties."""
    problem = problem_of(orgs, WEIGHTS, 1)
    group = group_graph(ecosystem_graph(problem, orgs, WEIGHTS), members)
    return group, tie_graph(group)


def test_group_metrics_by_hand() -> None:
    group, ties = graphs(ORGS, ["s1", "r1", "p1"])
    assert cross_economy_ties(ties) == 1
    assert isolated(ties) == ["p1"]
    assert unmet_needs(group) == {"s1": ["financing"], "p1": ["social_impact"]}
    assert gives(group) == {"s1": ["assembly"], "r1": ["transition_jobs"], "p1": []}
    assert gets(group) == {"s1": ["transition_jobs"], "r1": ["assembly"], "p1": []}
    assert reciprocal(group) == ["s1", "r1"]
    assert brokers(ties) == []
    assert bridges(ties) == [["s1", "r1"]]
    assert transition_paths(group) == [
        {"social": "s1", "regular": "r1", "tags": ["transition_jobs"]}
    ]


def test_a_need_met_only_by_oneself_is_unmet() -> None:
    a = org("a", "social", "repair_refurbish", "repair_refurbish")
    b = org("b", "regular", "digital_it", "")
    group, _ = graphs((a, b), ["a", "b"])
    assert unmet_needs(group) == {"a": ["repair_refurbish"]}


CHAIN = (
    # a -> b -> c -> d along tags t1, t2, t3: the ties form the path a - b - c - d.
    org("a", "regular", "t1", ""),
    org("b", "social", "t2", "t1"),
    org("c", "social", "t3", "t2"),
    org("d", "public", "", "t3"),
)


def test_brokers_and_bridges_on_a_chain() -> None:
    # Normalised betweenness on the path a-b-c-d: b lies on the shortest paths a-c and a-d,
    # 2 of the 3 pairs not involving b: 2/3; c likewise; a and d 0.
    # Every edge of a path is a bridge.
    _, ties = graphs(CHAIN, list("abcd"))
    assert brokers(ties) == [{"id": "b", "betweenness": pytest.approx(2 / 3)},
                             {"id": "c", "betweenness": pytest.approx(2 / 3)}]
    assert brokers(ties, top=1) == [{"id": "b", "betweenness": pytest.approx(2 / 3)}]
    assert bridges(ties) == [["a", "b"], ["b", "c"], ["c", "d"]]
    # a (regular) - b (social) is the one tie across the two economies.
    assert cross_economy_ties(ties) == 1


def test_a_cycle_has_no_bridges() -> None:
    ring = (org("a", "social", "t1", "t3"), org("b", "regular", "t2", "t1"),
            org("c", "public", "t3", "t2"))
    _, ties = graphs(ring, list("abc"))
    assert bridges(ties) == []
    assert brokers(ties) == []  # every pair is adjacent


def test_transition_tags_exist_in_the_taxonomy() -> None:
    assert set(TRANSITION_TAGS) <= known_tags()


def test_transition_path_needs_target_group_employees_and_a_regular_giver() -> None:
    orgs = (org("s", "social", "", "workplace_learning;outsourcing_orders", tgf=3),
            org("r", "regular", "workplace_learning;outsourcing_orders", ""),
            org("p", "public", "workplace_learning", ""),
            org("z", "social", "", "workplace_learning", tgf=0))
    group, _ = graphs(orgs, list("srpz"))
    # p is public, z has no target-group employees: only r -> s counts.
    assert transition_paths(group) == [
        {"social": "s", "regular": "r", "tags": ["workplace_learning", "outsourcing_orders"]}
    ]


def test_doctests() -> None:
    assert doctest.testmod(pilotopt.analysis.metrics).failed == 0
