"""Readers and writers of the files users touch."""

from pilotopt.io.roster import Roster, read_roster
from pilotopt.io.scenario import read_scenario, scenario_from_dict

__all__ = ["Roster", "read_roster", "read_scenario", "scenario_from_dict"]
