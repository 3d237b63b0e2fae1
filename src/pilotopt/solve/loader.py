"""The compiled searches, each compiled (or loaded from numba's cache) in a background thread."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["KernelLoader", "compile_in_background", "finish_kernel_compilation", "kernel",
           "large_kernel"]


class KernelLoader:
    """Compiles (or loads from numba's cache) a search in a background thread: the dense
    search's kernel (:mod:`~pilotopt.solve.search.tabu`), or with ``large`` the large-instance
    search (:mod:`~pilotopt.solve.search.sampled`).

    The first run after installation compiles for a minute or more; CP-SAT or numpy's search
    work meanwhile and are told to stop as soon as the kernel is ready.
    """

    def __init__(self, large: bool = False) -> None:
        self.large = large
        self.ready = threading.Event()
        #: Set once it is known whether the search comes from numba's cache (``cached``), within
        #: about half a second (numba's import): then waiting costs less than working beside it.
        self.known = threading.Event()
        self.cached = False
        self._lock = threading.Lock()
        self._on_ready: list[Callable[[], None]] = []
        self.thread = threading.Thread(target=self._load, name="pilotopt-kernel", daemon=True)
        self.thread.start()

    def _load(self) -> None:
        if self.large:
            from pilotopt.solve.search import sampled as search
        else:
            from pilotopt.solve.search import tabu as search  # type: ignore[no-redef]
        self.cached = all(map(_in_cache, search.KERNELS))
        self.known.set()
        search.warm_up()
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


def _in_cache(function: Any) -> bool:
    """Whether numba's cache holds a compilation of ``function`` (a dispatcher) for its current
    source; False when that cannot be told."""
    try:
        return bool(function._cache._cache_file._load_index())
    except Exception:  # noqa: BLE001 - numba's internals moved: assume a compilation
        return False


_loader: KernelLoader | None = None
_large_loader: KernelLoader | None = None


def kernel() -> KernelLoader:
    """The process's one loader of the dense search, started on first use."""
    global _loader
    if _loader is None:
        _loader = KernelLoader()
    return _loader


def large_kernel() -> KernelLoader:
    """The process's one loader of the large-instance search, started on first use."""
    global _large_loader
    if _large_loader is None:
        _large_loader = KernelLoader(large=True)
    return _large_loader


def finish_kernel_compilation() -> bool:
    """Wait for a background kernel compilation still running; True if there was one.

    A solve returns at its time limit even when the first-ever compilation of the kernel is not
    done; waiting for it afterwards writes numba's cache, so later runs start at once.
    """
    if _loader is None or _loader.ready.is_set():
        return False
    _loader.thread.join()
    return True


#: What a detached process runs to finish the first-ever compilation (both searches).
_COMPILE = ("from pilotopt.solve.search import tabu, sampled; "
            "tabu.warm_up(); sampled.warm_up()")


def compile_in_background() -> bool:
    """Leave a first-ever kernel compilation still running to a detached process; True if one
    was started.

    The command line calls this instead of :func:`finish_kernel_compilation` so that the run
    ends at its time limit: numba writes its cache one function at a time, each file whole
    (written aside, then renamed), so this process may exit mid-compilation and the detached
    one completes the cache for later runs.
    """
    if all(k is None or k.ready.is_set() for k in (_loader, _large_loader)):
        return False
    subprocess.Popen([sys.executable, "-c", _COMPILE], stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)
    return True
