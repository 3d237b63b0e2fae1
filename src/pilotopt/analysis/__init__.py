"""The ecosystem graph and its metrics (networkx).

:func:`analyze` gives every figure of an assignment as a typed :class:`Analysis`;
:func:`ecosystem_graph` gives the graph itself, e.g. to draw it.
"""

from pilotopt.analysis.communities import (
    ALGORITHM,
    SEED,
    Communities,
    adjusted_rand,
    compare_with_grouping,
    find_communities,
    internal_weight,
)
from pilotopt.analysis.graph import NODE_ATTRIBUTES, ecosystem_graph, group_graph, tie_graph
from pilotopt.analysis.metrics import (
    BROKERS,
    TRANSITION_TAGS,
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
from pilotopt.analysis.summary import COMMUNITY_LIMIT, Analysis, GroupAnalysis, Overall, analyze

__all__ = [
    "ALGORITHM",
    "COMMUNITY_LIMIT",
    "Analysis",
    "Communities",
    "GroupAnalysis",
    "Overall",
    "BROKERS",
    "NODE_ATTRIBUTES",
    "SEED",
    "TRANSITION_TAGS",
    "adjusted_rand",
    "analyze",
    "bridges",
    "brokers",
    "compare_with_grouping",
    "cross_economy_ties",
    "ecosystem_graph",
    "find_communities",
    "gets",
    "gives",
    "group_graph",
    "internal_weight",
    "isolated",
    "reciprocal",
    "share",
    "tie_graph",
    "transition_paths",
    "unmet_needs",
]
