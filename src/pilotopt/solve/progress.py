"""Improvements as they happen: :class:`Progress` events and the trace a run keeps."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from pilotopt.problem import SCALE
from pilotopt.solve.clock import Clock

__all__ = ["Progress", "Tracker"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """A better assignment was found: when (seconds on the run's clock), by which phase, and its
    objective in user units (CP-SAT's own count, or the search's; the evaluator judges at the end).
    """

    seconds: float
    phase: str
    objective: float
    feasible: bool


class Tracker:
    """Keeps the trace of improvements (``Statistics.trace``) and tells ``on_progress`` of each.

    Phases report from several threads; only an improvement on the best so far is kept. A
    feasible objective that meets ``target`` (a proven bound, scaled) halts the run: nothing
    better exists.
    """

    def __init__(self, clock: Clock, on_progress: Callable[[Progress], None] | None,
                 target: int | None = None) -> None:
        self.clock = clock
        self.on_progress = on_progress
        self.target = target
        self.trace: list[tuple[float, float, bool]] = []
        self.phase = "start"
        self._best: tuple[bool, int] | None = None
        self._lock = threading.Lock()

    def offer(self, objective: int, feasible: bool = True) -> None:
        """Record a found assignment's scaled objective, if it improves on the best."""
        with self._lock:
            key = (feasible, objective)
            if self._best is not None and key <= self._best:
                return
            if feasible and (self._best is None or not self._best[0]):
                log.info("first assignment meeting every hard rule (%s)", self.phase)
            self._best = key
            event = Progress(round(self.clock.elapsed(), 3), self.phase, objective / SCALE,
                             feasible)
            self.trace.append((event.seconds, event.objective, feasible))
        if self.on_progress is not None:
            self.on_progress(event)
        if feasible and self.target is not None and objective >= self.target:
            self.clock.finish()

    @property
    def proven(self) -> bool:
        """Whether the best feasible objective met the target."""
        return (self._best is not None and self._best[0] and self.target is not None
                and self._best[1] >= self.target)
