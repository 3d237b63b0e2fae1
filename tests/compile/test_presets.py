"""Every scenario preset in models/ validates, compiles and solves on the demo roster."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import checked
from pilotopt.compile import compile_problem
from pilotopt.io import read_roster, read_scenario
from pilotopt.problem import Problem
from pilotopt.solve import Params, solve

ROOT = Path(__file__).parents[2]
PRESETS = sorted((ROOT / "models").glob("*.toml"))
DEMO = read_roster(ROOT / "instances" / "demo" / "roster.csv")


def compile_preset(path: Path) -> Problem:
    return compile_problem(DEMO.organisations, read_scenario(path), columns=DEMO.columns,
                           scenario_file=str(path))


@pytest.fixture(scope="module", autouse=True)
def _kernel_compiled() -> None:
    """Compile the search kernel first, so a cold numba cache does not eat the 2 s budget."""
    from pilotopt.solve.search.tabu import warm_up

    warm_up()


def test_the_presets_are_there() -> None:
    names = {p.name for p in PRESETS}
    assert {"esf-proeftuin.toml", "social-circular-hub.toml", "mdgp.toml"} <= names


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_preset_validates_and_compiles(path: Path) -> None:
    scenario = read_scenario(path)
    assert scenario.description
    problem = compile_preset(path)
    assert problem.n == 40 and problem.m == 5
    assert len(problem.rules) == 1 + len(scenario.rules)
    # Every user rule yields at least one primitive, so none is silently dropped.
    assert {p.rule for p in problem.primitives} == set(range(len(problem.rules)))


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_preset_solves_the_demo_with_every_hard_rule(path: Path) -> None:
    problem = compile_preset(path)
    result = solve(problem, Params(time_limit=2, seed=0, workers=1))
    ev = checked(problem, result)
    assert ev.complementarity > 0
