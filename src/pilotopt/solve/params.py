"""How to solve: time limit, seed, workers (:class:`Params`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

__all__ = ["Params"]


@dataclass(frozen=True)
class Params:
    """How to solve: an explicit time limit (seconds), seed and number of worker threads.

    ``started`` is the ``time.perf_counter()`` from which the time limit counts (default: the
    call to :func:`~pilotopt.solve.solve`); the command line passes its process start, so
    start-up counts too. ``reserve`` is the part of the limit the caller keeps for its own work
    after the run (the command line: explanations, reports, files): the run ends that much
    before the limit, and the reproducible mode's work budget shrinks likewise.
    """

    time_limit: float = 10.0
    seed: int = 0
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    started: float | None = field(default=None, compare=False)
    reserve: float = field(default=0.0, compare=False)

    def __post_init__(self) -> None:
        if self.time_limit <= 0:
            raise ValueError("time_limit must be positive")
        if not 0 <= self.reserve < self.time_limit:
            raise ValueError("reserve must be at least 0 and less than time_limit")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
