"""When a run must stop: its time limit, a stop request from outside, or nothing left to gain."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Clock"]


class Clock:
    """Seconds since the run started and left before its limit; none left once halted.

    A run halts when the caller's ``stop`` event is set (an interrupt) or when :meth:`finish`
    is called (the objective meets the bound). Engines poll :attr:`halt` or :meth:`left`;
    phases that cannot poll (CP-SAT) register a callback with :meth:`on_halt`. A watcher
    thread, started only when there is a ``stop`` event, passes it on within ~0.05 s.
    """

    def __init__(self, limit: float, started: float | None,
                 stop: threading.Event | None = None) -> None:
        self.start = time.perf_counter() if started is None else started
        self.limit = limit
        self.stop = stop
        self.halt = threading.Event()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        if stop is not None and stop.is_set():
            self.halt.set()
        elif stop is not None:
            threading.Thread(target=self._watch, name="pilotopt-stop", daemon=True).start()

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.perf_counter() - self.start

    def left(self) -> float:
        """Seconds left before the limit; 0 once halted."""
        if self.halt.is_set():
            return 0.0
        return max(0.0, self.limit - self.elapsed())

    def interrupted(self) -> bool:
        """Whether the caller asked the run to stop."""
        return self.stop is not None and self.stop.is_set()

    def finish(self) -> None:
        """Halt the run: every phase returns its best soon."""
        with self._lock:
            self.halt.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def on_halt(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the run halts (at once if it has)."""
        with self._lock:
            if not self.halt.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def close(self) -> None:
        """End the watcher thread; callbacks registered so far are dropped."""
        self._closed.set()
        with self._lock:
            self._callbacks.clear()

    def _watch(self) -> None:
        assert self.stop is not None
        while not self._closed.is_set():
            if self.stop.wait(0.05):
                self.finish()
                return
