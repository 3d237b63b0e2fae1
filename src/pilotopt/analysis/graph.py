"""The ecosystem graph: organisations, and who offers what another needs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx
import numpy as np

from pilotopt.problem import SCALE, Problem
from pilotopt.schema.roster import Organisation
from pilotopt.schema.scenario import Complementarity

__all__ = ["NODE_ATTRIBUTES", "ecosystem_graph", "group_graph", "tie_graph"]

#: Attributes every node carries (``None``, or ``[]`` for tags, when there is no roster).
NODE_ATTRIBUTES = ("id", "name", "economy", "type", "sector", "municipality", "province",
                   "lat", "lon", "fte", "target_group_fte", "offers", "needs")


def _attributes(o: Organisation) -> dict[str, Any]:
    return {"id": o.id, "name": o.name, "economy": o.economy.value,
            "type": o.attributes.get("type"), "sector": o.sector,
            "municipality": o.municipality, "province": o.attributes.get("province"),
            "lat": o.lat, "lon": o.lon, "fte": o.fte, "target_group_fte": o.target_group_fte,
            "offers": list(o.offers), "needs": list(o.needs)}


def ecosystem_graph(
    problem: Problem,
    orgs: Sequence[Organisation] | None = None,
    weights: Complementarity | None = None,
    among: Sequence[int] | None = None,
) -> nx.DiGraph:
    """The directed ecosystem graph of a problem's organisations.

    Parameters
    ----------
    problem
        The compiled problem; its ids are the nodes, in its order.
    orgs
        The roster's organisations in the order of ``problem.ids``, or ``None`` (e.g. MDGPLIB).
    weights
        The scenario's complementarity weights (default: every tag counts 1).
    among
        Only these organisations (indices, e.g. one group's members), in this order; the graph
        among them is the whole graph's restricted to them, at a cost of their pairs only.

    Returns
    -------
    networkx.DiGraph
        Nodes carry :data:`NODE_ATTRIBUTES`. With a roster (``graph.graph["pair_scores"]`` is
        False), an edge u -> v means u offers tags v needs: ``tags`` lists them in v's order and
        ``weight`` is their weight in user units (``offer_need`` times the tag's weight, as in
        the pair score). Without one (``pair_scores`` True), each pair with a positive score is
        an edge both ways, ``weight`` the pair score in user units and ``tags`` empty.

    Examples
    --------
    >>> import numpy as np
    >>> from pilotopt.problem import Problem
    >>> p = Problem(("a", "b"), ("A", "B"), ("G1",), np.array([[0, 1500], [1500, 0]]), (), ())
    >>> g = ecosystem_graph(p)
    >>> g.edges["a", "b"]["weight"], g.graph["pair_scores"]
    (1.5, True)
    """
    idx = list(range(problem.n)) if among is None else [int(i) for i in among]
    if orgs is None:
        return _pair_score_graph(problem, idx)
    if tuple(o.id for o in orgs) != problem.ids:
        raise ValueError("the roster's organisations differ from the problem's (ids or order)")
    return _offer_need_graph([orgs[i] for i in idx], weights or Complementarity())


def _pair_score_graph(problem: Problem, among: list[int]) -> nx.DiGraph:
    graph = nx.DiGraph(pair_scores=True)
    unknown: dict[str, Any] = dict.fromkeys(NODE_ATTRIBUTES)
    ids = [problem.ids[i] for i in among]
    graph.add_nodes_from(
        (oid, {**unknown, "id": oid, "name": problem.names[i], "offers": [], "needs": []})
        for oid, i in zip(ids, among, strict=True))
    score = (problem.score[np.ix_(among, among)] if problem.factors is None
             else problem.factors.block(among))
    a, b = np.nonzero(np.triu(score > 0, 1))
    pairs = zip(a.tolist(), b.tolist(), (score[a, b] / SCALE).tolist(), strict=True)
    graph.add_edges_from(
        edge
        for i, j, w in pairs
        for edge in ((ids[i], ids[j], {"tags": [], "weight": w}),
                     (ids[j], ids[i], {"tags": [], "weight": w}))
    )
    return graph


def _offer_need_graph(orgs: Sequence[Organisation], weights: Complementarity) -> nx.DiGraph:
    # Matches are found through who offers each tag, so sparse rosters cost their edges, not n^2.
    graph = nx.DiGraph(pair_scores=False)
    graph.add_nodes_from((o.id, _attributes(o)) for o in orgs)
    offerers: dict[str, list[str]] = {}
    for o in orgs:
        for tag in o.offers:
            offerers.setdefault(tag, []).append(o.id)
    matches: dict[tuple[str, str], list[str]] = {}
    for o in orgs:
        for tag in o.needs:
            for giver in offerers.get(tag, ()):
                if giver != o.id:
                    matches.setdefault((giver, o.id), []).append(tag)
    tag_weight = {t: weights.offer_need * weights.tags.get(t, 1.0) for t in offerers}
    graph.add_edges_from(
        (u, v, {"tags": tags, "weight": sum(tag_weight[t] for t in tags)})
        for (u, v), tags in matches.items()
    )
    return graph


def tie_graph(graph: nx.DiGraph) -> nx.Graph:
    """The undirected ties of an ecosystem graph: an edge wherever either gives to the other.

    ``weight`` is the sum of both directions' weights (the pair score once, without a roster).
    Nodes keep their attributes.

    Examples
    --------
    >>> g = nx.DiGraph(pair_scores=False)
    >>> g.add_edge("a", "b", weight=1.0)
    >>> g.add_edge("b", "a", weight=2.0)
    >>> list(tie_graph(g).edges(data="weight"))
    [('a', 'b', 3.0)]
    """
    ties = nx.Graph()
    ties.add_nodes_from(graph.nodes(data=True))
    symmetric = graph.graph.get("pair_scores", False)
    weight: dict[tuple[str, str], float] = {}
    for u, v, w in graph.edges(data="weight"):
        if (v, u) in weight:
            if not symmetric:
                weight[v, u] += w
        else:
            weight[u, v] = w
    ties.add_weighted_edges_from((u, v, w) for (u, v), w in weight.items())
    return ties


def group_graph(graph: nx.DiGraph, members: Iterable[str]) -> nx.DiGraph:
    """The ecosystem graph among ``members`` only, nodes and edges in the members' order.

    Examples
    --------
    >>> g = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")], pair_scores=False)
    >>> list(group_graph(g, ["c", "a"]).edges)
    [('c', 'a')]
    """
    order = {v: k for k, v in enumerate(members)}
    group = nx.DiGraph(**graph.graph)
    group.add_nodes_from((v, graph.nodes[v]) for v in order)
    group.add_edges_from(
        (u, v, graph.edges[u, v])
        for u in order
        for v in sorted((v for v in graph.succ[u] if v in order), key=order.__getitem__)
    )
    return group
