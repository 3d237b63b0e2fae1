"""What a run returns: :class:`Result`, its :class:`Status` and its :class:`Statistics`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pilotopt.evaluate import Evaluation
from pilotopt.problem import SCALE, IntArray
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
    :func:`pilotopt.solve.search.tabu.local_search` and :func:`pilotopt.solve.search.sampled.run`).
    """

    deterministic: bool = False
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


@dataclass(frozen=True)
class Result:
    """The best assignment found, re-checked by the evaluator, with how it was found."""

    assignment: IntArray
    evaluation: Evaluation
    status: Status
    bound: float | None  # upper bound on the objective, in user units
    runtime: float
    params: Params
    stats: Statistics = field(default_factory=Statistics)

    @property
    def objective(self) -> float:
        """Objective in user units (complementarity minus soft penalties)."""
        return self.evaluation.objective / SCALE

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
            how = "" if self.gap is None else f", gap {100 * self.gap:.2f} %"
        hard = "every hard rule holds" if self.evaluation.feasible else "HARD RULES BROKEN"
        return (f"{self.status}: objective {self.objective:g}{how}, {hard}, "
                f"{self.runtime:.1f} s, seed {self.params.seed}")
