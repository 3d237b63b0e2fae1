"""Solved instances and analyses shared by the report tests, each built once per run.

Not a conftest.py: tests import it by name, as they import tests/helpers.py.
"""

from __future__ import annotations

import csv
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from pilotopt.analysis import Analysis, analyze
from pilotopt.evaluate import Evaluation, evaluate
from pilotopt.instance import load_instance
from pilotopt.problem import IntArray, Problem
from pilotopt.schema.roster import Organisation
from pilotopt.solve import Params, solve

ROOT = Path(__file__).resolve().parents[2]
EVIL = '<script>alert(1)</script> & Co "BV"'


@dataclass(frozen=True)
class Case:
    """Everything a report is made of."""

    problem: Problem
    assignment: IntArray
    evaluation: Evaluation
    orgs: tuple[Organisation, ...] | None
    analysis: Analysis | None
    meta: dict[str, Any]

    def args(self) -> tuple[Problem, IntArray, Evaluation, tuple[Organisation, ...] | None,
                            Analysis | None, dict[str, Any]]:
        return (self.problem, self.assignment, self.evaluation, self.orgs, self.analysis,
                self.meta)


def analysis_of(problem: Problem, assignment: IntArray,
                orgs: tuple[Organisation, ...]) -> Analysis:
    """The ecosystem analysis of an assignment."""
    return analyze(problem, assignment, orgs=orgs)


def evil_roster(tmp: Path) -> Path:
    """The demo roster with the first organisation renamed to a script tag."""
    with open(ROOT / "instances/demo/roster.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["name"] = EVIL
    path = tmp / "roster.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@cache
def demo() -> Case:
    """The demo roster (its first name made evil) under esf-proeftuin, solved for 2 s."""
    with tempfile.TemporaryDirectory() as tmp:
        inst = load_instance(evil_roster(Path(tmp)), ROOT / "models/esf-proeftuin.toml")
    assert inst.roster is not None
    params = Params(time_limit=2, seed=1, workers=1)
    result = solve(inst.problem, params)
    orgs = inst.roster.organisations
    meta = {"status": result.status, "seed": params.seed, "time_limit": params.time_limit,
            "runtime": round(result.runtime, 2), "bound": result.bound,
            "description": inst.scenario.description if inst.scenario else None}
    return Case(inst.problem, result.assignment, result.evaluation, orgs,
                analysis_of(inst.problem, result.assignment, orgs), meta)


@cache
def flanders300() -> Case:
    """flanders-300 in round-robin groups: fast, and it breaks hard rules the report must show."""
    inst = load_instance(ROOT / "instances/flanders-300/roster.csv",
                         ROOT / "instances/flanders-300/scenario.toml")
    assert inst.roster is not None
    assignment = np.arange(inst.problem.n, dtype=np.int64) % inst.problem.m
    orgs = inst.roster.organisations
    return Case(inst.problem, assignment, evaluate(inst.problem, assignment), orgs,
                analysis_of(inst.problem, assignment, orgs), {"status": "round-robin"})


@cache
def mdgplib() -> Case:
    """An MDGPLIB instance: no roster, no economies, no coordinates, no analysis."""
    inst = load_instance(ROOT / "instances/mdgplib/Geo_n120_ds_01.txt", None)
    assignment = np.arange(inst.problem.n, dtype=np.int64) % inst.problem.m
    return Case(inst.problem, assignment, evaluate(inst.problem, assignment), None, None, {})
