"""The analysis of an assignment: per group, overall, and against the ecosystem's communities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt

from pilotopt.analysis.communities import compare_with_grouping
from pilotopt.analysis.graph import ecosystem_graph, group_graph, tie_graph
from pilotopt.analysis.metrics import (
    bridges,
    brokers,
    cross_economy_ties,
    gets,
    gives,
    isolated,
    reciprocal,
    share,
    transition_paths,
    unmet_needs,
)
from pilotopt.evaluate import evaluate
from pilotopt.problem import SCALE, Problem
from pilotopt.schema.roster import Organisation
from pilotopt.schema.scenario import Complementarity

__all__ = ["analyze"]


def _edges(group: nx.DiGraph) -> list[dict[str, Any]]:
    """The group's edges; a symmetric pair score once, from the earlier member."""
    position = {v: k for k, v in enumerate(group)}
    symmetric = group.graph["pair_scores"]
    return [{"source": u, "target": v, "tags": list(d["tags"]), "weight": float(d["weight"])}
            for u, v, d in group.edges(data=True)
            if not (symmetric and position[v] < position[u])]


def _group(index: int, name: str, group: nx.DiGraph, complementarity: float) -> dict[str, Any]:
    """Every figure of one group."""
    ties = tie_graph(group)
    size = group.number_of_nodes()
    cross = cross_economy_ties(ties)
    both = reciprocal(group)
    return {
        "index": index,
        "group": name,
        "members": list(group),
        "size": size,
        "complementarity": complementarity,
        "ties": ties.number_of_edges(),
        "density": float(nx.density(ties)),
        "cross_economy_ties": cross,
        "cross_economy_share": share(cross, ties.number_of_edges()),
        "isolated": isolated(ties),
        "unmet_needs": unmet_needs(group),
        "reciprocal": both,
        "reciprocity": share(len(both), size),
        "gives": gives(group),
        "gets": gets(group),
        "brokers": brokers(ties),
        "bridges": bridges(ties),
        "transition_paths": transition_paths(group),
        "edges": _edges(group),
    }


def analyze(
    problem: Problem,
    assignment: npt.ArrayLike,
    orgs: Sequence[Organisation] | None = None,
    weights: Complementarity | None = None,
) -> dict[str, Any]:
    """Analyse the ecosystem of an assignment; plain Python values only (JSON-ready).

    Parameters
    ----------
    problem
        The compiled problem.
    assignment
        Group index of each organisation in the order of ``problem.ids`` (``-1``: left out).
    orgs, weights
        The roster's organisations and the scenario's complementarity weights, as for
        :func:`~pilotopt.analysis.graph.ecosystem_graph`. Without a roster, ties are the pairs
        with a positive score and there are no tags, economies or transition paths.

    Returns
    -------
    dict
        ``overall``: ``complementarity`` (user units, as the evaluator counts it), pooled
        ``density``, ``cross_economy_share`` and ``reciprocity``, and the numbers of
        ``isolated`` members, ``unmet_needs`` and ``transition_paths``.
        ``groups``: per group ``index``, ``group``, ``members``, ``size``, ``complementarity``
        (the evaluator's), ``ties`` (tied member pairs), ``density`` (share of member pairs
        tied), ``cross_economy_ties`` and ``cross_economy_share`` (of ties, social with
        regular), ``isolated``, ``unmet_needs`` ({id: tags}), ``reciprocal`` and
        ``reciprocity`` (members that both give and get, and their share), ``gives`` and
        ``gets`` ({id: tags}), ``brokers``, ``bridges``, ``transition_paths`` and ``edges``.
        ``communities``: see :func:`~pilotopt.analysis.communities.compare_with_grouping`;
        its complementarity is the weight of ties only (offer -> need matches, or positive pair
        scores), without the sector and economy bonuses the evaluator's figure includes.
        ``ties``: ``"offer_need"`` with a roster, ``"pair_score"`` without.

    Examples
    --------
    >>> import numpy as np
    >>> from pilotopt.problem import Problem
    >>> score = np.array([[0, 2000, 0], [2000, 0, 0], [0, 0, 0]])
    >>> p = Problem(("a", "b", "c"), ("A", "B", "C"), ("G1", "G2"), score, (), ())
    >>> result = analyze(p, [0, 0, 1])
    >>> result["overall"]["complementarity"], result["groups"][0]["density"]
    (2.0, 1.0)
    """
    evaluation = evaluate(problem, assignment)  # also checks the assignment
    placed = np.asarray(assignment, dtype=np.int64)
    graph = ecosystem_graph(problem, orgs, weights)
    groups = [
        _group(g, name, group_graph(graph, [problem.ids[i] for i in np.flatnonzero(placed == g)]),
               evaluation.group_complementarity[g] / SCALE)
        for g, name in enumerate(problem.group_names)
    ]

    def total(key: str) -> int:
        return sum(int(g[key]) for g in groups)

    def count(key: str) -> int:
        return sum(len(g[key]) for g in groups)

    pairs = sum(g["size"] * (g["size"] - 1) // 2 for g in groups)
    overall = {
        "complementarity": evaluation.complementarity / SCALE,
        "density": share(total("ties"), pairs),
        "cross_economy_share": share(total("cross_economy_ties"), total("ties")),
        "isolated": count("isolated"),
        "unmet_needs": sum(len(tags) for g in groups for tags in g["unmet_needs"].values()),
        "reciprocity": share(count("reciprocal"), total("size")),
        "transition_paths": count("transition_paths"),
    }
    membership = {problem.ids[i]: int(g) for i, g in enumerate(placed.tolist()) if g >= 0}
    return {
        "ties": "pair_score" if orgs is None else "offer_need",
        "overall": overall,
        "groups": groups,
        "communities": compare_with_grouping(tie_graph(graph), membership),
    }
