"""Solve a :class:`~pilotopt.problem.Problem`: ``solve(problem, params) -> Result``.

Modules, one job each: :mod:`.params` (how to solve), :mod:`.orchestration` (the run: phases
under one clock), :mod:`.clock` (time limit and stop requests), :mod:`.progress` (improvement
events and trace), :mod:`.result` (Result, Status, Statistics), :mod:`.loader` (the compiled
kernel, loaded in the background), :mod:`.bound` (bounds and the gap), :mod:`.conflicts` (the
infeasibility message); engines: :mod:`.cpsat`, :mod:`.search`, :mod:`.lns`.
"""

from pilotopt.solve.bound import gap, pair_bound
from pilotopt.solve.loader import compile_in_background, finish_kernel_compilation
from pilotopt.solve.orchestration import solve
from pilotopt.solve.params import Params
from pilotopt.solve.progress import Progress
from pilotopt.solve.result import PhaseRun, Result, Statistics, Status

__all__ = ["Params", "PhaseRun", "Progress", "Result", "Statistics", "Status",
           "compile_in_background", "finish_kernel_compilation", "gap", "pair_bound", "solve"]
