"""How fast this machine searches, measured once and kept: the reproducible mode's work budget.

With one worker a run's search ends after a budget of *work* (candidate moves scanned, counted
by the search itself), not at a time, so the same seed gives the same result. For that run to
use its time limit the budget is the work this machine does in the time available: the rates
(:class:`~pilotopt.solve.search.tabu.Rates`) and the start-up time measured by the first
reproducible run on the machine and kept in ``calibration.json`` under the user's cache folder
(``$XDG_CACHE_HOME/pilotopt``, else ``~/.cache/pilotopt``; ``PILOTOPT_CALIBRATION`` names
another file). Every later run reads the same figures, hence the same budgets. Delete the file
to measure again (e.g. after a hardware change); copy it to repeat runs on another machine.

A work unit's cost depends on the rules (measured: 3e7 to 9e7 units per second on rosters of 40
to 120 organisations with rules, 3.3e8 to 4.2e8 with pair scores alone), so the first
reproducible run of a problem *shape* (its organisations, groups, rule tables and pair scores,
see :func:`shape`) also measures that shape's own rate, in 0.15 s of search, and keeps it: a
run that measured starts 0.15 s later than the runs after it. Rates are CPU-time rates,
so a busy machine when measuring does not shrink every later budget. A file with ``"fixed":
true`` keeps its two rates for every problem (equal budgets whatever the rules: tests and
equal-work benchmarks).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import numpy.typing as npt

from pilotopt.problem import Allowed, Coverage, GroupSum, Primitive, Problem, RuleInfo
from pilotopt.solve.search.tabu import Rates

if TYPE_CHECKING:
    from pilotopt.solve.search.sampled import LargeSearch

__all__ = ["Calibration", "calibration", "large_rate", "load", "measure", "path", "rates_for",
           "shape", "slower"]


class Calibration(NamedTuple):
    """This machine's search rates and the seconds a run takes to start its search; the rates
    of the problem shapes measured so far; whether the two rates serve every problem."""

    rates: Rates
    startup: float
    shapes: dict[str, float] = {}
    fixed: bool = False


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
        shapes = {str(k): float(v) for k, v in d.get("shapes", {}).items() if float(v) > 0}
        cal = Calibration(Rates(float(d["plain"]), float(d["ruled"])), float(d["startup"]),
                          shapes, bool(d.get("fixed", False)))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return cal if min(cal.rates) > 0 and cal.startup >= 0 else None


def _keep(cal: Calibration) -> None:
    """Write the calibration (whole, atomically); a read-only home measures again next time."""
    from pilotopt.io.outputs import atomic_write

    doc: dict[str, object] = {"plain": cal.rates.plain, "ruled": cal.rates.ruled,
                              "startup": cal.startup}
    if cal.fixed:
        doc["fixed"] = True
    if cal.shapes:
        doc["shapes"] = cal.shapes
    with contextlib.suppress(OSError):
        atomic_write(path(), json.dumps(doc, indent=1))


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


def _rate(problem: Problem, start: npt.ArrayLike | None, seconds: float) -> float:
    """Work units per CPU second of the compiled search on ``problem`` where a run spends most
    of its time: a third of ``seconds`` descends from ``start`` (untimed), the rest is timed from
    there. (The descent from a fresh start scans at another rate per unit: timed alone, 0.1 s
    from the start read 10-30 % above a whole run's rate on MDGPLIB n=120-240.)"""
    from pilotopt.solve.search.tabu import local_search

    descended, _ = local_search(problem, start, seconds / 3, 0)
    c0 = time.thread_time()
    _, st = local_search(problem, descended, seconds * 2 / 3, 1)
    return float(st["work"]) / max(1e-6, time.thread_time() - c0)


def measure(seconds: float = 0.15) -> Rates:
    """Work units per CPU second of the compiled search, for each kind."""
    return Rates(*(_rate(_problem(120, 12, ruled), None, seconds / 2) for ruled in (False, True)))


def shape(problem: Problem) -> str:
    """What a work unit's cost depends on: organisations, groups (and the bench), the tables of
    the rules the search keeps (:mod:`~pilotopt.solve.search.encode`) and the pair scores (how
    many swaps the plain scan can skip: rates differ by 25 % between MDGPLIB instances of one
    size, measured at n=240)."""
    from pilotopt.solve.search.encode import dense

    enc = dense(problem)
    P, R = enc.P, enc.P.R
    tables = (len(P.hn), R.W.shape[1], len(R.cc), R.XT.shape[0], R.SH.shape[1], P.pm)
    scores = hashlib.sha1(np.ascontiguousarray(P.Dp).tobytes()).hexdigest()[:12]
    return (f"{problem.n}x{len(P.lo)}:{'ruled' if enc.ruled else 'plain'}:"
            + ",".join(map(str, tables)) + f":{scores}")


#: Seconds of the search that measure a new problem shape's rate.
SHAPE_SECONDS = 0.15
#: The measured rate is kept this much higher: so short a slice is within 20-35 % of a
#: whole run's rate, so the first run (almost always) searches to its time limit and keeps its
#: own rate instead (:func:`slower`), rather than keeping a budget too small for every later run.
FIRST_OPTIMISM = 1.5
#: Shapes kept in the file at most (the oldest are dropped).
MAX_SHAPES = 200


def _keep_shapes(cal: Calibration, measured: dict[str, float]) -> None:
    """Keep ``measured`` beside the shapes ``cal`` has (the last :data:`MAX_SHAPES`)."""
    shapes = {**cal.shapes, **measured}
    _keep(cal._replace(shapes=dict(list(shapes.items())[-MAX_SHAPES:])))


def large_rate(problem: Problem, search: LargeSearch, before: float,
               cal: Calibration) -> tuple[float, float]:
    """The large-instance search's visits per CPU second on ``problem``'s shape and the seconds
    its runs take before the search phase: kept, else measured now on ``search`` (at the start
    of its search phase, ``before`` seconds into the run) and kept."""
    from pilotopt.solve.search.sampled import visit_rate

    f = problem.factors
    rules = ",".join(sorted(f"{type(p).__name__}{'!' if p.hard else ''}"
                            for p in problem.primitives))
    key = (f"large:{problem.n}x{problem.m}:{rules}:"
           f"{0 if f is None else len(f.x.data) // max(1, problem.n)}")
    kept = cal.shapes.get(key + ":visits"), cal.shapes.get(key + ":before")
    if kept[0] is not None and kept[1] is not None:
        return kept[0], kept[1]
    rate = visit_rate(search, SHAPE_SECONDS)
    _keep_shapes(cal, {key + ":visits": rate, key + ":before": round(before, 3)})
    return rate, before


def rates_for(problem: Problem, start: npt.ArrayLike | None, cal: Calibration) -> Rates:
    """The work rates for ``problem``'s budget: its shape's kept rate, else measured now (from
    ``start``) and kept; the calibration's own two with ``fixed``."""
    if cal.fixed:
        return cal.rates
    key = shape(problem)
    rate = cal.shapes.get(key)
    if rate is None:
        rate = _rate(problem, start, SHAPE_SECONDS) * FIRST_OPTIMISM
        _keep_shapes(cal, {key: rate})
    return Rates(rate, rate)


#: A run ended by the clock keeps its own rate less SLOWER_MARGIN when that is below
#: SLOWER_BELOW times the kept rate (see :func:`slower`): the same problem's CPU rate varies by
#: 10-20 % from run to run on the project's machine, and lowering it on every slower run would
#: shrink the budget towards the slowest run ever seen.
SLOWER_MARGIN = 0.03
SLOWER_BELOW = 0.9


def slower(problem: Problem, rate: float) -> None:
    """Keep ``rate`` (work units per CPU second of a run of ``problem`` that the clock ended
    before its budget), less :data:`SLOWER_MARGIN`, as its shape's rate when well below the
    kept one (the first run's optimistic measurement, see :data:`FIRST_OPTIMISM`): the runs
    after it end by their budget, and repeat. A busy machine's runs keep their CPU rate: they
    lower nothing."""
    cal = load()
    if cal is None or cal.fixed:
        return
    key = shape(problem)
    lower = rate * (1 - SLOWER_MARGIN)
    if lower < SLOWER_BELOW * cal.shapes.get(key, float("inf")):
        _keep_shapes(cal, {key: lower})


#: The start-up kept is at most this (s): a first run may have compiled the search first.
#: Measured on a 2-core machine, idle: the search starts 1.2 to 1.8 s after the process.
MAX_STARTUP = 2.0


def calibration(startup: float) -> Calibration:
    """The kept calibration; else one measured now (``startup``: this run's seconds before its
    search, kept up to :data:`MAX_STARTUP`) and kept, when the file can be written."""
    cal = load()
    if cal is not None:
        return cal
    cal = Calibration(measure(), round(min(startup, MAX_STARTUP), 3))
    _keep(cal)
    return cal
