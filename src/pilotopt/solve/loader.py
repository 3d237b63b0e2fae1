"""The search kernel, compiled (or loaded from numba's cache) in a background thread."""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["KernelLoader", "finish_kernel_compilation", "kernel"]


class KernelLoader:
    """Compiles (or loads from numba's cache) the search kernel in a background thread.

    The first run after installation compiles for several seconds; CP-SAT works meanwhile
    (it releases the GIL) and is told to stop as soon as the kernel is ready.
    """

    def __init__(self) -> None:
        self.ready = threading.Event()
        self._lock = threading.Lock()
        self._on_ready: list[Callable[[], None]] = []
        self.thread = threading.Thread(target=self._load, name="pilotopt-kernel", daemon=True)
        self.thread.start()

    def _load(self) -> None:
        from pilotopt.solve.search.tabu import warm_up

        warm_up()
        with self._lock:
            self.ready.set()
            callbacks, self._on_ready = self._on_ready, []
        for callback in callbacks:
            callback()

    def call_when_ready(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the kernel is ready (at once if it already is)."""
        with self._lock:
            if not self.ready.is_set():
                self._on_ready.append(callback)
                return
        callback()


_loader: KernelLoader | None = None


def kernel() -> KernelLoader:
    """The process's one loader, started on first use."""
    global _loader
    if _loader is None:
        _loader = KernelLoader()
    return _loader


def finish_kernel_compilation() -> bool:
    """Wait for a background kernel compilation still running; True if there was one.

    A solve returns at its time limit even when the first-ever compilation of the kernel is not
    done; waiting for it afterwards writes numba's cache, so later runs start at once.
    """
    if _loader is None or _loader.ready.is_set():
        return False
    _loader.thread.join()
    return True
