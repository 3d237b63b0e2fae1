"""Metrics of one group's ecosystem: who gives and gets what, and how the members are tied.

Each function reads a group's graph from :func:`~pilotopt.analysis.graph.group_graph` (directed,
``group``) or its :func:`~pilotopt.analysis.graph.tie_graph` (undirected, ``ties``) and returns
plain Python values, members in the group's order.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import networkx as nx

__all__ = [
    "BROKERS",
    "TRANSITION_TAGS",
    "bridges",
    "brokers",
    "cross_economy_ties",
    "gets",
    "gives",
    "isolated",
    "reciprocal",
    "share",
    "transition_paths",
    "unmet_needs",
]

#: Tags of the capability taxonomy through which a regular organisation opens a transition path
#: for target-group employees: vacancies, internships and workplace learning, and purchasing
#: (subcontracting orders, public contracts).
TRANSITION_TAGS = ("transition_jobs", "workplace_learning", "outsourcing_orders",
                   "public_procurement")

#: How many brokers a group lists at most.
BROKERS = 3


def share(part: float, whole: float) -> float:
    """``part / whole``, or 0.0 when ``whole`` is 0.

    >>> share(1, 4), share(0, 0)
    (0.25, 0.0)
    """
    return part / whole if whole else 0.0


def cross_economy_ties(ties: nx.Graph) -> int:
    """Number of ties that join a social-economy and a regular-economy organisation.

    >>> t = nx.Graph([("s", "r"), ("s", "p")])
    >>> nx.set_node_attributes(t, {"s": "social", "r": "regular", "p": "public"}, "economy")
    >>> cross_economy_ties(t)
    1
    """
    economy = ties.nodes(data="economy")
    return sum(1 for u, v in ties.edges if {economy[u], economy[v]} == {"social", "regular"})


def isolated(ties: nx.Graph) -> list[str]:
    """Members without any tie inside the group.

    >>> t = nx.Graph([("a", "b")]); t.add_node("c")
    >>> isolated(t)
    ['c']
    """
    return [v for v in ties if ties.degree(v) == 0]


def unmet_needs(group: nx.DiGraph) -> dict[str, list[str]]:
    """Per member, the needs that no other member offers (members with none are left out).

    >>> g = nx.DiGraph()
    >>> g.add_node("a", offers=["x"], needs=["x", "y"]); g.add_node("b", offers=["y"], needs=[])
    >>> unmet_needs(g)
    {'a': ['x']}
    """
    offered = Counter(t for _, tags in group.nodes(data="offers") for t in tags)
    unmet = {}
    for v, data in group.nodes(data=True):
        own = set(data["offers"])
        missing = [t for t in data["needs"] if offered[t] - (t in own) <= 0]
        if missing:
            unmet[v] = missing
    return unmet


def gives(group: nx.DiGraph) -> dict[str, list[str]]:
    """Per member, the tags it offers that another member needs (in its own order).

    >>> g = nx.DiGraph(); g.add_node("a", offers=["x", "z"]); g.add_node("b", offers=[])
    >>> g.add_edge("a", "b", tags=["x"])
    >>> gives(g)
    {'a': ['x'], 'b': []}
    """
    result = {}
    for v, offers in group.nodes(data="offers"):
        given = {t for _, _, tags in group.out_edges(v, data="tags") for t in tags}
        result[v] = [t for t in offers if t in given]
    return result


def gets(group: nx.DiGraph) -> dict[str, list[str]]:
    """Per member, the tags it needs that another member offers (in its own order).

    >>> g = nx.DiGraph(); g.add_node("a", needs=[]); g.add_node("b", needs=["y", "x"])
    >>> g.add_edge("a", "b", tags=["x"])
    >>> gets(g)
    {'a': [], 'b': ['x']}
    """
    result = {}
    for v, needs in group.nodes(data="needs"):
        got = {t for _, _, tags in group.in_edges(v, data="tags") for t in tags}
        result[v] = [t for t in needs if t in got]
    return result


def reciprocal(group: nx.DiGraph) -> list[str]:
    """Members that both give to and get from another member.

    >>> reciprocal(nx.DiGraph([("a", "b"), ("b", "a"), ("b", "c")]))
    ['a', 'b']
    """
    return [v for v in group if group.out_degree(v) and group.in_degree(v)]


def brokers(ties: nx.Graph, top: int = BROKERS) -> list[dict[str, Any]]:
    """The ``top`` members with the highest betweenness above 0 (normalised, unweighted).

    A broker lies on shortest paths between members who have no tie of their own.

    >>> brokers(nx.path_graph(["a", "b", "c"]))
    [{'id': 'b', 'betweenness': 1.0}]
    """
    position = {v: k for k, v in enumerate(ties)}
    central = [(b, v) for v, b in nx.betweenness_centrality(ties).items() if b > 0]
    central.sort(key=lambda bv: (-bv[0], position[bv[1]]))
    return [{"id": v, "betweenness": float(b)} for b, v in central[:top]]


def bridges(ties: nx.Graph) -> list[list[str]]:
    """Ties whose loss would split the group's network, each as ``[member, member]``.

    >>> bridges(nx.Graph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]))
    [['c', 'd']]
    """
    position = {v: k for k, v in enumerate(ties)}
    pairs = [sorted(edge, key=position.__getitem__) for edge in nx.bridges(ties)]
    return sorted(pairs, key=lambda p: (position[p[0]], position[p[1]]))


def transition_paths(group: nx.DiGraph) -> list[dict[str, Any]]:
    """Regular organisations giving :data:`TRANSITION_TAGS` to a social one with target-group
    employees, as ``{"social": id, "regular": id, "tags": [...]}``.

    >>> g = nx.DiGraph()
    >>> g.add_node("s", economy="social", target_group_fte=4.0)
    >>> g.add_node("r", economy="regular", target_group_fte=0.0)
    >>> g.add_edge("r", "s", tags=["transition_jobs", "market_access"])
    >>> transition_paths(g)
    [{'social': 's', 'regular': 'r', 'tags': ['transition_jobs']}]
    """
    position = {v: k for k, v in enumerate(group)}
    nodes = group.nodes
    paths = [
        {"social": s, "regular": r, "tags": [t for t in tags if t in TRANSITION_TAGS]}
        for r, s, tags in group.edges(data="tags")
        if nodes[r]["economy"] == "regular" and nodes[s]["economy"] == "social"
        and (nodes[s]["target_group_fte"] or 0) > 0
    ]
    paths = [p for p in paths if p["tags"]]
    return sorted(paths, key=lambda p: (position[p["social"]], position[p["regular"]]))
