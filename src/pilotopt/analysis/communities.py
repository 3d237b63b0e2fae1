"""Communities of the ecosystem found by modularity, compared with the chosen groups."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from pilotopt.analysis.metrics import share

__all__ = ["ALGORITHM", "SEED", "Communities", "adjusted_rand", "compare_with_grouping",
           "find_communities", "internal_weight"]

#: The community algorithm: networkx's Louvain modularity, weighted, with a fixed seed.
ALGORITHM = "louvain"
SEED = 0


@dataclass(frozen=True)
class Communities:
    """The clusters the ecosystem forms by itself, against the chosen groups.

    ``count`` clusters found by ``algorithm``; ``graph_complementarity`` is the weight of all
    ties, ``community_complementarity`` and ``grouping_complementarity`` the weight of the ties
    inside clusters and inside groups, ``kept_share`` and ``community_kept_share`` those as
    shares of the graph's; ``random_kept_share`` the share groups of the same sizes keep on
    average when filled at random; ``adjusted_rand`` the agreement of groups and clusters (1:
    the same split, about 0: no more alike than chance, negative: less).
    """

    algorithm: str
    count: int
    graph_complementarity: float
    community_complementarity: float
    grouping_complementarity: float
    kept_share: float
    community_kept_share: float
    random_kept_share: float
    adjusted_rand: float


def find_communities(ties: nx.Graph) -> list[list[str]]:
    """Communities of a tie graph, each in node order, ordered by their first member.

    Deterministic: Louvain runs with the fixed :data:`SEED` on the nodes in their order.

    >>> find_communities(nx.Graph([("a", "b"), ("c", "d")]))
    [['a', 'b'], ['c', 'd']]
    """
    position = {v: k for k, v in enumerate(ties)}
    found = nx.community.louvain_communities(ties, weight="weight", seed=SEED)
    ordered = [sorted(c, key=position.__getitem__) for c in found]
    return sorted(ordered, key=lambda c: position[c[0]])


def internal_weight(ties: nx.Graph, label: Mapping[str, int]) -> float:
    """Total weight of the ties whose two ends have the same label (unlabelled ends: none).

    >>> t = nx.Graph(); t.add_edge("a", "b", weight=2.0); t.add_edge("b", "c", weight=1.0)
    >>> internal_weight(t, {"a": 0, "b": 0, "c": 1})
    2.0
    """
    return float(sum(w for u, v, w in ties.edges(data="weight")
                     if u in label and v in label and label[u] == label[v]))


def adjusted_rand(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Adjusted Rand index of two labellings of the same items: 1 when they split the items
    alike, about 0 when no better than chance, negative when worse.

    >>> adjusted_rand([0, 0, 1, 1], ["x", "x", "y", "y"])
    1.0
    """
    if len(a) != len(b):
        raise ValueError("both labellings must label the same items")

    def pairs(counts: Counter[Any]) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    both, first, second = pairs(Counter(zip(a, b, strict=True))), pairs(Counter(a)), pairs(
        Counter(b))
    total = len(a) * (len(a) - 1) // 2
    expected = first * second / total if total else 0.0
    best = (first + second) / 2
    if best == expected:  # both all apart, or both all together: they agree
        return 1.0
    return (both - expected) / (best - expected)


def compare_with_grouping(ties: nx.Graph, groups: Mapping[str, int]) -> Communities:
    """How the chosen groups compare with the communities the ecosystem forms by itself.

    Parameters
    ----------
    ties
        The tie graph of the whole ecosystem.
    groups
        Group index of each placed organisation (organisations left out are absent).

    Returns
    -------
    Communities
        See :class:`Communities`; ``adjusted_rand`` is over the placed organisations.

    >>> t = nx.Graph(); t.add_edge("a", "b", weight=1.0); t.add_edge("c", "d", weight=1.0)
    >>> compare_with_grouping(t, {"a": 0, "b": 0, "c": 1, "d": 0}).kept_share
    0.5
    """
    communities = find_communities(ties)
    community = {v: k for k, members in enumerate(communities) for v in members}
    total = float(ties.size(weight="weight"))
    kept = internal_weight(ties, groups)
    found = internal_weight(ties, community)
    pairs = sum(k * (k - 1) // 2 for k in Counter(groups.values()).values())
    n = ties.number_of_nodes()
    return Communities(
        algorithm=ALGORITHM,
        count=len(communities),
        graph_complementarity=total,
        community_complementarity=found,
        grouping_complementarity=kept,
        kept_share=share(kept, total),
        community_kept_share=share(found, total),
        random_kept_share=share(pairs, n * (n - 1) // 2),
        adjusted_rand=adjusted_rand(list(groups.values()), [community[v] for v in groups]),
    )
