"""Pydantic models of what users write."""

from pilotopt.schema.roster import Economy, Organisation
from pilotopt.schema.scenario import RULE_KINDS, Scenario

__all__ = ["RULE_KINDS", "Economy", "Organisation", "Scenario"]
