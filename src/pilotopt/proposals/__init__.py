"""Several proposals instead of one: structurally different alternatives, the trade-off front
between complementarity and the soft rules, and how sensitive an assignment is to the weights.

Modules: :mod:`.difference` (how much two assignments differ, whatever the groups are called),
:mod:`.reweigh` (variants of a problem: weights scaled, a rule left out, earlier pairs
discouraged), :mod:`.alternatives`.
"""

from pilotopt.proposals.alternatives import Alternatives, Proposal, alternatives
from pilotopt.proposals.difference import difference, matching, share

__all__ = ["Alternatives", "Proposal", "alternatives", "difference", "matching", "share"]
