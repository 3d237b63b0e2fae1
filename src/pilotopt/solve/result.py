"""What a run returns: :class:`Result`, its :class:`Status` and its :class:`Statistics`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pilotopt.evaluate import Evaluation, member_complementarity
from pilotopt.problem import IntArray, Problem
from pilotopt.solve.bound import gap
from pilotopt.solve.params import Params

__all__ = ["PhaseRun", "Result", "Statistics", "Status"]


class Status(StrEnum):
    """How a run ended. Every status comes with an assignment meeting every hard rule."""

    OPTIMAL = "optimal"  # the objective meets a proven bound: nothing better exists
    FEASIBLE = "feasible"  # the time limit ended the search
    INTERRUPTED = "interrupted"  # a stop request ended the search (the best so far)


@dataclass(frozen=True)
class PhaseRun:
    """How a CP-SAT phase ended: CP-SAT's status and its wall time (s)."""

    status: str
    wall_time: float


@dataclass
class Statistics:
    """How a run went, phase by phase (seconds on the run's clock unless said otherwise).

    ``trace`` lists each improvement as (seconds, objective in user units, feasible);
    ``local_search`` and ``large`` are the engines' own statistics (see
    :func:`pilotopt.solve.search.tabu.local_search` and :func:`pilotopt.solve.search.sampled.run`);
    ``output_reserve`` the seconds of the limit kept for the caller's outputs
    (:attr:`Params.reserve <pilotopt.solve.params.Params.reserve>`).
    """

    deterministic: bool = False
    output_reserve: float = 0.0
    construct: PhaseRun | None = None
    cpsat_while_compiling: PhaseRun | None = None
    cpsat: PhaseRun | None = None
    kernel_ready_at: float | None = None
    local_search: dict[str, Any] | None = None
    large: dict[str, Any] | None = None
    first_feasible_at: float | None = None
    stopped_by: str = "time limit"  # or "optimal" (the bound is met) or "interrupt"
    trace: list[tuple[float, float, bool]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values."""
        return dataclasses.asdict(self)


if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Result:
    """The best assignment found, re-checked by the evaluator, with how it was found.

    Every figure is in user units (``evaluation`` keeps the scaled integers as ``*_scaled``);
    ``problem`` is the problem solved, for :meth:`to_frame`.
    """

    assignment: IntArray
    evaluation: Evaluation
    status: Status
    bound: float | None  # upper bound on the objective, in user units
    runtime: float
    params: Params
    stats: Statistics = field(default_factory=Statistics)
    problem: Problem | None = field(default=None, repr=False, compare=False)

    @property
    def objective(self) -> float:
        """Objective in user units (complementarity minus soft penalties)."""
        return self.evaluation.objective

    def to_frame(self) -> pd.DataFrame:
        """One row per organisation (roster order): ``id``, ``name``, ``group`` (its name;
        None when left out) and ``contribution``, its share of its group's complementarity in
        user units (half its pair scores with the other members: a group's rows add up to the
        group's complementarity).

        Examples
        --------
        >>> import numpy as np
        >>> from pilotopt import Params, evaluate
        >>> from pilotopt.problem import Problem
        >>> score = np.array([[0, 4000, 0], [4000, 0, 1000], [0, 1000, 0]])
        >>> p = Problem(("a", "b", "c"), ("Ann", "Bo", "Cy"), ("G1", "G2"), score, (), ())
        >>> r = Result(np.array([0, 0, 1]), evaluate(p, [0, 0, 1]), Status.FEASIBLE, None, 0.0,
        ...            Params(time_limit=1, seed=0), problem=p)
        >>> r.to_frame()
          id name group  contribution
        0  a  Ann    G1           2.0
        1  b   Bo    G1           2.0
        2  c   Cy    G2           0.0
        """
        import pandas as pd

        if self.problem is None:
            raise ValueError("this result does not carry its problem (Result(problem=...))")
        p = self.problem
        return pd.DataFrame({
            "id": list(p.ids),
            "name": list(p.names),
            "group": [p.group_names[g] if g >= 0 else None for g in self.assignment.tolist()],
            "contribution": member_complementarity(p, self.assignment),
        })

    @property
    def gap(self) -> float | None:
        """Share of the objective that a better assignment could still add (see
        :func:`pilotopt.solve.bound.gap`); 0 when proven optimal, None without a bound."""
        return None if self.bound is None else gap(self.objective, self.bound)

    def summary(self) -> str:
        """One line for logs and terminals."""
        if self.status is Status.OPTIMAL:
            how = ", proven optimal (the objective meets the bound)"
        else:
            how = ("" if self.bound is None
                   else f", at most {self.bound:g} possible (a loose bound)")
        hard = "every hard rule holds" if self.evaluation.feasible else "HARD RULES BROKEN"
        return (f"{self.status}: objective {self.objective:g}{how}, {hard}, "
                f"{self.runtime:.1f} s, seed {self.params.seed}")
