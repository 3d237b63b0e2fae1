"""pilotopt: mixed, balanced and workable pilot groups, optimised and checked.

>>> import pilotopt
>>> problem = pilotopt.read_problem("instances/demo/roster.csv", "models/esf-proeftuin.toml")
>>> result = pilotopt.solve(problem, pilotopt.Params(time_limit=5, seed=1))  # doctest: +SKIP
"""

import time

#: When the package was first imported: the command line counts its time limit from here.
STARTED = time.perf_counter()

from pilotopt.errors import (
    InfeasibleError,
    InputError,
    InputProblem,
    NoSolutionError,
    StoppedError,
)
from pilotopt.evaluate import Evaluation, RuleStatus, evaluate
from pilotopt.instance import Instance, load_instance, read_problem
from pilotopt.problem import SCALE, Problem
from pilotopt.solve import Params, Result, Statistics, Status, solve

__all__ = [
    "SCALE",
    "Evaluation",
    "InfeasibleError",
    "InputError",
    "InputProblem",
    "Instance",
    "NoSolutionError",
    "Params",
    "Problem",
    "Result",
    "RuleStatus",
    "Statistics",
    "Status",
    "StoppedError",
    "evaluate",
    "load_instance",
    "read_problem",
    "solve",
]
