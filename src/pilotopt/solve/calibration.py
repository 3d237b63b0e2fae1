"""How fast this machine searches, measured once and kept: the reproducible mode's work budget.

With one worker a run's search ends after a budget of *work* (candidate moves scanned, counted
by the search itself), not at a time, so the same seed gives the same result. For that run to
use its time limit the budget is the work this machine does in the time available: the rates
(:class:`~pilotopt.solve.search.tabu.Rates`) and the start-up time measured by the first
reproducible run on the machine and kept in ``calibration.json`` under the user's cache folder
(``$XDG_CACHE_HOME/pilotopt``, else ``~/.cache/pilotopt``; ``PILOTOPT_CALIBRATION`` names
another file). Every later run reads the same figures, hence the same budgets. Delete the file
to measure again (e.g. after a hardware change); copy it to repeat runs on another machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from pilotopt.problem import Allowed, Coverage, GroupSum, Primitive, Problem, RuleInfo
from pilotopt.solve.search.tabu import Rates

__all__ = ["Calibration", "calibration", "load", "measure", "path"]


class Calibration(NamedTuple):
    """This machine's search rates and the seconds a run takes to start its search."""

    rates: Rates
    startup: float


def path() -> Path:
    """Where the calibration is kept."""
    if os.environ.get("PILOTOPT_CALIBRATION"):
        return Path(os.environ["PILOTOPT_CALIBRATION"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pilotopt" / "calibration.json"


def load(file: Path | None = None) -> Calibration | None:
    """The kept calibration, or None when there is none (or it cannot be read)."""
    try:
        d = json.loads((file or path()).read_text(encoding="utf-8"))
        cal = Calibration(Rates(float(d["plain"]), float(d["ruled"])), float(d["startup"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return cal if min(cal.rates) > 0 and cal.startup >= 0 else None


def _problem(n: int, m: int, ruled: bool) -> Problem:
    """A fixed random problem of the searches' usual kind (a quota, allowed groups and
    coverage when ``ruled``)."""
    rng = np.random.default_rng(0)
    s = np.triu(rng.integers(0, 100, size=(n, n)), 1)
    ids = tuple(str(i) for i in range(n))
    rules = [RuleInfo("size", "x", "x", True)]
    size = np.full(m, n // m)
    prims: list[Primitive] = [GroupSum(0, np.ones(n, np.int64), size, size, True)]
    if ruled:
        rules += [RuleInfo(f"r{k}", "x", "x", False) for k in (1, 2, 3)]
        prims += [GroupSum(1, rng.integers(0, 3, size=n), np.full(m, 2), np.full(m, 6), False, 5),
                  Allowed(2, rng.random((n, m)) > 0.1, False, 7),
                  Coverage(3, (rng.random((n, 3)) < 0.2).astype(np.int64),
                           (rng.random((n, 3)) < 0.3).astype(np.int64), False, 3)]
    return Problem(ids, ids, tuple(f"G{g}" for g in range(m)), (s + s.T).astype(np.int64),
                   tuple(rules), tuple(prims))


def measure(seconds: float = 0.15) -> Rates:
    """Work units per second of the compiled search, best of three short runs per kind."""
    from pilotopt.solve.search.tabu import local_search

    rates = []
    for ruled in (False, True):
        p = _problem(120, 12, ruled)
        best = 0.0
        for seed in range(3):
            t0 = time.perf_counter()
            _, st = local_search(p, None, seconds / 3, seed)
            best = max(best, st["work"] / max(1e-6, time.perf_counter() - t0))
        rates.append(best)
    return Rates(*rates)


#: The start-up kept is at most this (s): a first run may have compiled the search first.
MAX_STARTUP = 1.0


def calibration(startup: float) -> Calibration:
    """The kept calibration; else one measured now (``startup``: this run's seconds before its
    search, kept up to :data:`MAX_STARTUP`) and kept, when the file can be written."""
    from pilotopt.io.outputs import atomic_write

    cal = load()
    if cal is not None:
        return cal
    cal = Calibration(measure(), round(min(startup, MAX_STARTUP), 3))
    with contextlib.suppress(OSError):  # a read-only home: measured again next time
        atomic_write(path(), json.dumps({"plain": cal.rates.plain, "ruled": cal.rates.ruled,
                                         "startup": cal.startup}, indent=1))
    return cal
