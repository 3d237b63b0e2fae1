"""Read a roster and a scenario together, reporting the problems of both at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pilotopt.compile import compile_problem, group_names
from pilotopt.errors import InputError, InputProblem
from pilotopt.io.assignment import Pin, read_pins, read_previous
from pilotopt.io.history import History, read_history
from pilotopt.io.mdgplib import is_mdgplib, read_mdgplib
from pilotopt.io.roster import Roster, read_roster
from pilotopt.io.scenario import read_scenario
from pilotopt.problem import Problem
from pilotopt.schema.roster import Organisation
from pilotopt.schema.scenario import Complementarity, Scenario

__all__ = ["Instance", "load_instance", "read_problem"]


@dataclass(frozen=True)
class Instance:
    """What the user gave (roster, scenario) and what the solvers read (problem).

    An MDGPLIB file carries its own groups and pair scores: it has no roster or scenario.
    """

    roster: Roster | None
    scenario: Scenario | None
    problem: Problem
    #: Group index (-1: left out) of each organisation id of the previous assignment, if given.
    previous: dict[str, int] | None = None

    @property
    def orgs(self) -> tuple[Organisation, ...] | None:
        """The roster's organisations in the order of ``problem.ids``, one in several groups
        once per group it may join (None for an MDGPLIB file)."""
        if self.roster is None:
            return None
        rows = self.problem.roster_index
        orgs = self.roster.organisations
        return orgs if rows is None else tuple(orgs[k] for k in rows)

    @property
    def weights(self) -> Complementarity | None:
        """The scenario's complementarity weights (None for an MDGPLIB file)."""
        return self.scenario.complementarity if self.scenario else None


def load_instance(
    roster_path: str | Path, scenario_path: str | Path | None,
    history: Sequence[str | Path] = (), previous_path: str | Path | None = None,
    pins_path: str | Path | None = None,
) -> Instance:
    """Read, validate and compile; raise one :class:`InputError` listing every problem.

    ``roster_path`` may also be an MDGPLIB instance (maximally diverse grouping), which needs no
    scenario: its group count and size bounds are in the file. ``history``: the assignments of
    earlier waves, oldest first, for ``repeats`` rules. ``previous_path`` is an earlier
    assignment (``id``, ``group``) that a ``stability`` rule keeps; ``pins_path`` a table of
    ``id`` and ``group`` pinning those organisations (hard, merged with the scenario's pins).
    """
    if is_mdgplib(roster_path) and history:
        raise InputError([InputProblem(str(roster_path), "an MDGPLIB instance has no rules to "
                                       "read earlier waves (--history); give a roster and a "
                                       "scenario with a repeats rule")])
    if is_mdgplib(roster_path):
        for path in (previous_path, pins_path):
            if path is not None:
                raise InputError([InputProblem(str(path), "this file needs a roster and a "
                                               "scenario, not an MDGPLIB file")])
        try:
            return Instance(None, None, read_mdgplib(roster_path))
        except ValueError as exc:
            raise InputError([InputProblem(str(roster_path), str(exc))]) from None
    if scenario_path is None:
        raise InputError([InputProblem(str(roster_path),
                                       "a roster needs a scenario file (--scenario)")])
    roster = scenario = None
    scenario_problems: list[InputProblem] = []
    try:
        scenario = read_scenario(scenario_path)
    except InputError as exc:
        scenario_problems = exc.problems
    # The scenario's own tags are no misspellings of the taxonomy's.
    extra_tags = scenario.complementarity.extra_tags if scenario is not None else ()
    problems: list[InputProblem] = []
    try:
        roster = read_roster(roster_path, extra_tags)
    except InputError as exc:
        problems += exc.problems
    problems += scenario_problems  # roster problems first, as the files are named
    waves: History | None = None
    if history:
        try:
            waves = read_history(history)
        except InputError as exc:
            problems += exc.problems
    if roster is None or scenario is None or (history and waves is None):
        raise InputError(problems)
    previous = None
    source = {"roster": str(roster_path), "scenario": str(scenario_path)}
    if previous_path is not None:
        source["previous"] = str(previous_path)
        try:
            previous = read_previous(previous_path,
                                     group_names(scenario, len(roster.organisations)))
        except InputError as exc:
            problems += exc.problems
    pins: list[Pin] = []
    if pins_path is not None:
        source["pins"] = str(pins_path)
        try:
            pins = read_pins(pins_path, group_names(scenario, len(roster.organisations)))
        except InputError as exc:
            problems += exc.problems
    try:
        problem = compile_problem(
            roster.organisations,
            scenario,
            columns=roster.columns,
            scenario_file=str(scenario_path),
            source=source,
            history=waves,
            previous=previous,
            pins=pins,
        )
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    return Instance(roster, scenario, problem, previous)


def read_problem(roster_path: str | Path, scenario_path: str | Path | None = None) -> Problem:
    """Read a roster and a scenario file (or an MDGPLIB file) into a :class:`Problem`."""
    return load_instance(roster_path, scenario_path).problem
