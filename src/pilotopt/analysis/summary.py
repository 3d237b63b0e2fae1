"""The analysis of an assignment: per group, overall, and against the ecosystem's communities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt

from pilotopt.analysis.communities import Communities, compare_with_grouping
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
from pilotopt.problem import Problem
from pilotopt.schema.roster import Organisation
from pilotopt.schema.scenario import Complementarity

__all__ = ["COMMUNITY_LIMIT", "Analysis", "GroupAnalysis", "Overall", "analyze"]

#: Above this many organisations the clusters of the whole network are not computed: the graph
#: of every offer-need tie grows with n^2 and Louvain with it (minutes at 20,000). The figures
#: per group need only each group's own ties and are always complete.
COMMUNITY_LIMIT = 2000


@dataclass(frozen=True)
class GroupAnalysis:
    """The ecosystem of one group; organisations by id, in the group's (roster) order.

    ``complementarity`` is the evaluator's; ``ties`` counts tied member pairs, ``density`` their
    share of all member pairs; ``cross_economy_ties`` and ``cross_economy_share`` the ties
    joining the social and the regular economy; ``isolated`` the members without a tie;
    ``unmet_needs`` per member the needs no other member offers; ``reciprocal`` the members
    that both give and get and ``reciprocity`` their share; ``gives`` and ``gets`` per member
    the tags; ``brokers`` (id, betweenness), ``bridges`` (ties whose loss splits the group),
    ``transition_paths`` (social, regular, tags) and ``edges`` (source, target, tags, weight).
    """

    index: int
    group: str
    members: list[str]
    size: int
    complementarity: float
    ties: int
    density: float
    cross_economy_ties: int
    cross_economy_share: float
    isolated: list[str]
    unmet_needs: dict[str, list[str]]
    reciprocal: list[str]
    reciprocity: float
    gives: dict[str, list[str]]
    gets: dict[str, list[str]]
    brokers: list[dict[str, Any]]
    bridges: list[list[str]]
    transition_paths: list[dict[str, Any]]
    edges: list[dict[str, Any]]


@dataclass(frozen=True)
class Overall:
    """The groups together: ``complementarity`` (the evaluator's), pooled ``density``,
    ``cross_economy_share`` and ``reciprocity``, and the numbers of ``isolated`` members,
    ``unmet_needs`` and ``transition_paths``."""

    complementarity: float
    density: float
    cross_economy_share: float
    isolated: int
    unmet_needs: int
    reciprocity: float
    transition_paths: int


@dataclass(frozen=True)
class Analysis:
    """The analysis of an assignment (:func:`analyze`).

    ``ties`` is ``"offer_need"`` with a roster, ``"pair_score"`` without; ``communities`` is
    None above ``community_limit`` organisations (see :data:`COMMUNITY_LIMIT`); its
    complementarity is the weight of ties only (offer -> need matches, or positive pair
    scores), without the sector and economy bonuses the evaluator's figure includes.
    """

    ties: str
    overall: Overall
    groups: list[GroupAnalysis]
    communities: Communities | None
    community_limit: int = COMMUNITY_LIMIT

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (``analysis.json``)."""
        return asdict(self)


def _edges(group: nx.DiGraph) -> list[dict[str, Any]]:
    """The group's edges; a symmetric pair score once, from the earlier member."""
    position = {v: k for k, v in enumerate(group)}
    symmetric = group.graph["pair_scores"]
    return [{"source": u, "target": v, "tags": list(d["tags"]), "weight": float(d["weight"])}
            for u, v, d in group.edges(data=True)
            if not (symmetric and position[v] < position[u])]


def _group(index: int, name: str, group: nx.DiGraph, complementarity: float) -> GroupAnalysis:
    """Every figure of one group."""
    ties = tie_graph(group)
    size = group.number_of_nodes()
    cross = cross_economy_ties(ties)
    both = reciprocal(group)
    return GroupAnalysis(
        index=index,
        group=name,
        members=list(group),
        size=size,
        complementarity=complementarity,
        ties=ties.number_of_edges(),
        density=float(nx.density(ties)),
        cross_economy_ties=cross,
        cross_economy_share=share(cross, ties.number_of_edges()),
        isolated=isolated(ties),
        unmet_needs=unmet_needs(group),
        reciprocal=both,
        reciprocity=share(len(both), size),
        gives=gives(group),
        gets=gets(group),
        brokers=brokers(ties),
        bridges=bridges(ties),
        transition_paths=transition_paths(group),
        edges=_edges(group),
    )


def analyze(
    problem: Problem,
    assignment: npt.ArrayLike,
    orgs: Sequence[Organisation] | None = None,
    weights: Complementarity | None = None,
    community_limit: int = COMMUNITY_LIMIT,
) -> Analysis:
    """Analyse the ecosystem of an assignment.

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
    community_limit
        Compare with the clusters of the whole network only up to this many organisations.

    Returns
    -------
    Analysis
        Per group (:class:`GroupAnalysis`, built from the group's own ties: the cost follows
        the group sizes, not the roster's n^2), overall and against the clusters.

    Examples
    --------
    >>> import numpy as np
    >>> from pilotopt.problem import Problem
    >>> score = np.array([[0, 2000, 0], [2000, 0, 0], [0, 0, 0]])
    >>> p = Problem(("a", "b", "c"), ("A", "B", "C"), ("G1", "G2"), score, (), ())
    >>> result = analyze(p, [0, 0, 1])
    >>> result.overall.complementarity, result.groups[0].density
    (2.0, 1.0)
    """
    evaluation = evaluate(problem, assignment)  # also checks the assignment
    placed = np.asarray(assignment, dtype=np.int64)
    groups = []
    for g, name in enumerate(problem.group_names):
        among = np.flatnonzero(placed == g).tolist()
        graph = ecosystem_graph(problem, orgs, weights, among=among)
        groups.append(_group(g, name, group_graph(graph, [problem.ids[i] for i in among]),
                             evaluation.group_complementarity[g]))

    ties = sum(g.ties for g in groups)
    cross = sum(g.cross_economy_ties for g in groups)
    pairs = sum(g.size * (g.size - 1) // 2 for g in groups)
    overall = Overall(
        complementarity=evaluation.complementarity,
        density=share(ties, pairs),
        cross_economy_share=share(cross, ties),
        isolated=sum(len(g.isolated) for g in groups),
        unmet_needs=sum(len(tags) for g in groups for tags in g.unmet_needs.values()),
        reciprocity=share(sum(len(g.reciprocal) for g in groups), sum(g.size for g in groups)),
        transition_paths=sum(len(g.transition_paths) for g in groups),
    )
    communities = None
    if problem.n <= community_limit:
        membership = {problem.ids[i]: int(g) for i, g in enumerate(placed.tolist()) if g >= 0}
        whole = tie_graph(ecosystem_graph(problem, orgs, weights))
        communities = compare_with_grouping(whole, membership)
    return Analysis("pair_score" if orgs is None else "offer_need", overall, groups,
                    communities, community_limit)
