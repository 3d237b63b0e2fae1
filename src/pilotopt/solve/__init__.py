"""Solve a :class:`~pilotopt.problem.Problem`: ``solve(problem, params) -> Result``."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from pilotopt.errors import InfeasibleError, NoSolutionError
from pilotopt.evaluate import Evaluation, evaluate
from pilotopt.problem import SCALE, GroupSum, IntArray, Problem

__all__ = ["Params", "Progress", "Result", "finish_kernel_compilation", "pair_bound", "solve"]


@dataclass(frozen=True)
class Params:
    """How to solve: an explicit time limit (seconds), seed and number of worker threads.

    ``started`` is the ``time.perf_counter()`` from which the time limit counts (default: the
    call to :func:`solve`); the command line passes its process start, so start-up counts too.
    """

    time_limit: float = 10.0
    seed: int = 0
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    started: float | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.time_limit <= 0:
            raise ValueError("time_limit must be positive")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")


@dataclass(frozen=True)
class Result:
    """The best assignment found, re-checked by the evaluator, with how it was found."""

    assignment: IntArray
    evaluation: Evaluation
    status: str  # "optimal" when proven, else "feasible"
    bound: float | None  # upper bound on the objective, in user units
    runtime: float
    params: Params
    stats: dict[str, object] = field(default_factory=dict)

    @property
    def objective(self) -> float:
        """Objective in user units (complementarity minus soft penalties)."""
        return self.evaluation.objective / SCALE

    @property
    def gap(self) -> float | None:
        """Relative distance between objective and bound (0 when proven optimal)."""
        if self.bound is None:
            return None
        return abs(self.bound - self.objective) / max(1e-9, abs(self.bound))

    def summary(self) -> str:
        """One line for logs and terminals."""
        gap = "" if self.gap is None else f", gap {100 * self.gap:.2f} %"
        hard = "every hard rule holds" if self.evaluation.feasible else "HARD RULES BROKEN"
        return (f"{self.status}: objective {self.objective:g}{gap}, {hard}, "
                f"{self.runtime:.1f} s, seed {self.params.seed}")


@dataclass(frozen=True)
class Progress:
    """A better assignment was found: when (seconds on the run's clock), by which phase, and its
    objective in user units (CP-SAT's own count, or the search's; the evaluator judges at the end).
    """

    seconds: float
    phase: str
    objective: float
    feasible: bool


class _Tracker:
    """Keeps the trace of improvements (``stats["trace"]``) and tells ``on_progress`` of each.

    Phases report from several threads; only an improvement on the best so far is kept.
    """

    def __init__(self, clock: _Clock, on_progress: Callable[[Progress], None] | None) -> None:
        self.clock = clock
        self.on_progress = on_progress
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
            self._best = key
            event = Progress(round(self.clock.elapsed(), 3), self.phase, objective / SCALE,
                             feasible)
            self.trace.append((event.seconds, event.objective, feasible))
        if self.on_progress is not None:
            self.on_progress(event)


#: Work rates used for deterministic budgets (``workers == 1``), set well below what this kind
#: of machine achieves so that the work limit, not the clock, ends each phase.
LS_MOVES_PER_SECOND = 2_000_000  # organisation-group pairs scanned per second of budget
CPSAT_DETERMINISTIC_PER_SECOND = 0.5
#: The CP-SAT model has a variable per weighted pair and group; beyond this its improvements
#: and bounds do not pay for the time they take from the local search.
CPSAT_MAX_PAIR_VARIABLES = 50_000
#: Problems with score factors, or with more organisation-group pairs than this, go to the
#: large-instance search (:mod:`pilotopt.solve.large`): the kernel's n x m tables and full scans
#: and CP-SAT's n x m booleans stop paying there.
LARGE_MIN_CELLS = 250_000
#: A large problem with a rule the large-instance search does not know (``optional``) goes to
#: the kernel with dense scores up to this many organisations (n x n scores, n x m tables).
DENSE_FALLBACK_MAX = 1_000
#: Deterministic work rate of the large-instance search (``workers == 1``): visits of an
#: organisation per second of the limit, well below what this kind of machine achieves.
LARGE_VISITS_PER_SECOND = 4_000


class _Clock:
    def __init__(self, limit: float, started: float | None) -> None:
        self.start = time.perf_counter() if started is None else started
        self.limit = limit

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def left(self) -> float:
        return max(0.0, self.limit - self.elapsed())


class _KernelLoader:
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
        from pilotopt.solve.kernel import warm_up

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


_loader: _KernelLoader | None = None


def _kernel() -> _KernelLoader:
    global _loader
    if _loader is None:
        _loader = _KernelLoader()
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


def solve(
    problem: Problem,
    params: Params | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Result:
    """Find the best assignment within ``params.time_limit`` seconds.

    Phases, under one clock: a first assignment meeting every hard rule (from CP-SAT, while the
    search kernel loads); the compiled local search from it; then CP-SAT, hinted with the best
    assignment, to improve it and bound the objective where the model is small enough. With one
    worker every phase is bounded by deterministic work, so a seed repeats its result.

    ``on_progress`` is called with a :class:`Progress` for each improvement (from solver
    threads: keep it quick); ``Result.stats["trace"]`` lists them as (seconds, objective,
    feasible).

    Raises
    ------
    InfeasibleError
        When the hard rules provably cannot all hold; names a conflicting set of them.
    NoSolutionError
        When no assignment meeting every hard rule was found in time.
    """
    # Imported here: ortools (and the pandas it pulls in) and numba cost start-up time that a
    # run which never needs them should not pay.
    from pilotopt.solve.cpsat import CpSatOutcome, solve_cpsat
    from pilotopt.solve.kernel import local_search

    params = params or Params()
    clock = _Clock(params.time_limit, params.started)
    deterministic = params.workers == 1
    stats: dict[str, object] = {"deterministic": deterministic}
    tracker = _Tracker(clock, on_progress)
    if problem.factors is not None or problem.n * problem.m > LARGE_MIN_CELLS:
        from pilotopt.solve.large import supported

        if supported(problem):
            return _solve_large(problem, params, clock, stats, tracker)
        if problem.n > DENSE_FALLBACK_MAX:
            raise NoSolutionError(
                f"{problem.n} organisations in {problem.m} groups need the large-instance "
                f"search, which does not know the optional rule (up to {DENSE_FALLBACK_MAX} "
                "organisations the kernel takes it); drop the rule or split the roster")
        if problem.factors is not None:
            problem = replace(problem, score=problem.factors.dense(), factors=None)
    kernel = _kernel()
    pairs = int(np.count_nonzero(np.triu(problem.score, 1))) * problem.m
    polish = pairs <= CPSAT_MAX_PAIR_VARIABLES

    tracker.phase = "construct"
    start = (None if _sizes_only(problem)
             else _construct(problem, params, clock, stats))
    if start is not None:
        tracker.offer(evaluate(problem, start).objective)
    candidates = [] if start is None else [start]
    status, bound = "feasible", None

    def take(outcome: CpSatOutcome, key: str) -> None:
        """Keep a CP-SAT run's assignment, and its bound when it found one (else untrusted)."""
        nonlocal bound
        stats[key] = {"status": outcome.status, "wall_time": round(outcome.wall_time, 3)}
        if outcome.assignment is None:
            return
        candidates.append(outcome.assignment)
        if outcome.bound is not None:
            b = outcome.bound / SCALE
            bound = b if bound is None else min(bound, b)

    if (start is not None and not kernel.ready.is_set() and polish
            and not deterministic):
        # First run: CP-SAT improves the start until the kernel has compiled.
        tracker.phase = "cp-sat"
        outcome = solve_cpsat(
            problem, time_limit=clock.left() * 0.95, seed=params.seed, workers=params.workers,
            hint=start, stop_when=kernel.call_when_ready, on_objective=tracker.offer,
        )
        take(outcome, "cpsat_while_compiling")
    # Without a start the search is the only way to an assignment: wait for it however long the
    # first-ever compilation takes.
    kernel.ready.wait(timeout=None if start is None else clock.left())
    stats["kernel_ready_at"] = round(clock.elapsed(), 3) if kernel.ready.is_set() else None
    share = 0.6 if polish else 0.9
    ls_time = clock.left() * share / 0.9
    ls_moves = None
    if deterministic:  # from the nominal limit, never from the clock, so runs repeat
        ls_moves = max(1000, int(params.time_limit * share * LS_MOVES_PER_SECOND
                                 / max(1, problem.n * problem.m)))
    best = start
    if kernel.ready.is_set() and (clock.left() > 0.01 or start is None):
        tracker.phase = "search"

        def improved(_: IntArray, objective: int, feasible: bool) -> None:
            tracker.offer(objective, feasible)

        if deterministic:
            best, ls_stats = local_search(
                problem, start, ls_time, params.seed, max_iterations=ls_moves,
                on_improve=improved,
            )
        else:
            best, ls_stats = _parallel_local_search(problem, start, ls_time, params, improved)
        stats["local_search"] = ls_stats
        candidates.append(best)

    if polish and clock.left() > 0.05:
        tracker.phase = "cp-sat"
        outcome = solve_cpsat(
            problem, time_limit=clock.left() * 0.95, seed=params.seed, workers=params.workers,
            hint=best,
            deterministic_time=(params.time_limit * 0.25 * CPSAT_DETERMINISTIC_PER_SECOND
                                if deterministic else None),
            on_objective=tracker.offer,
        )
        take(outcome, "cpsat")
        if outcome.status == "optimal":
            status = "optimal"

    # The evaluator is the judge: the best candidate by its count, and it must hold every rule.
    scored = [(evaluate(problem, a), a) for a in candidates]
    evaluation, assignment = max(
        ((e, a) for e, a in scored if e.feasible), key=lambda ea: ea[0].objective,
        default=(scored[0][0], scored[0][1]),
    )
    if not evaluation.feasible:
        broken = ", ".join(r.id for r in evaluation.broken_hard_rules())
        raise RuntimeError(f"internal error: the search returned an assignment breaking {broken}")
    own = pair_bound(problem) / SCALE
    bound = own if bound is None else min(bound, own)
    if status == "optimal" or bound * SCALE <= evaluation.objective:
        status, bound = "optimal", evaluation.objective / SCALE
    tracker.phase = "evaluate"
    tracker.offer(evaluation.objective)
    stats["trace"] = tracker.trace
    return Result(
        assignment=np.asarray(assignment, dtype=np.int64),
        evaluation=evaluation,
        status=status,
        bound=bound,
        runtime=clock.elapsed(),
        params=params,
        stats=stats,
    )


def _solve_large(
    problem: Problem, params: Params, clock: _Clock, stats: dict[str, object], tracker: _Tracker
) -> Result:
    """The large-instance search: construction and repair (CP-SAT only on small parts), then
    sampled moves with low-rank deltas; see :mod:`pilotopt.solve.large`."""
    from pilotopt.solve.large import cpsat_repair, even_sizes, run

    lo, hi = problem.size_bounds()
    if even_sizes(problem.n, lo, hi) is None:
        raise _infeasible(problem, sorted({p.rule for p in problem.primitives if isinstance(
            p, GroupSum) and p.hard and bool(np.all(p.w == 1))}))
    deterministic = params.workers == 1
    tracker.phase = "construct"

    def improved(objective: int, feasible: bool) -> None:
        if feasible:
            tracker.phase = "search"
        tracker.offer(objective, feasible)

    def repair(assignment: IntArray, groups: IntArray) -> IntArray | None:
        return cpsat_repair(problem, assignment, groups, time_limit=min(5.0, clock.left()),
                            seed=params.seed, workers=params.workers)

    assignment, large = run(
        problem, params.seed, elapsed=clock.elapsed, left=clock.left,
        visits=(int(params.time_limit * LARGE_VISITS_PER_SECOND) if deterministic else None),
        on_improve=improved, repair_part=repair,
    )
    stats["large"] = large
    stats["first_feasible_at"] = large["first_feasible_at"]
    evaluation = evaluate(problem, assignment)
    if not evaluation.feasible:
        broken = ", ".join(f"{r.label} ({r.id}: {r.violation})"
                           for r in evaluation.broken_hard_rules())
        raise NoSolutionError(
            f"no assignment meeting every hard rule was found in {params.time_limit:g} s; "
            f"still broken: {broken}. Give more time (--time-limit) or relax a hard rule")
    tracker.phase = "evaluate"
    tracker.offer(evaluation.objective)
    stats["trace"] = tracker.trace
    return Result(assignment=assignment, evaluation=evaluation, status="feasible", bound=None,
                  runtime=clock.elapsed(), params=params, stats=stats)


def pair_bound(problem: Problem) -> int:
    """An upper bound on the objective of a dense problem from its pair scores alone.

    A member of a group of at most ``h`` members (``h`` the largest size bound) has at most
    ``h - 1`` partners, so it earns at most the sum of its ``h - 1`` best positive scores. Every
    pair is counted from both ends, a left-out organisation earns nothing and soft rules only
    subtract. O(n^2), independent of the seed and the time limit.
    """
    k = min(problem.n - 1, int(problem.size_bounds()[1].max()) - 1)
    if k <= 0:
        return 0
    s = np.maximum(problem.score, 0)
    np.fill_diagonal(s, 0)
    return int(np.partition(s, s.shape[1] - k, axis=1)[:, -k:].sum()) // 2


def _sizes_only(problem: Problem) -> bool:
    """Whether group sizes are the only hard rules and admit an assignment.

    Then the local search builds its own start (the sizes that maximise same-group pairs).
    """
    lo, hi = problem.size_bounds()
    only = all(not p.hard or (isinstance(p, GroupSum) and bool(np.all(p.w == 1)))
               for p in problem.primitives)
    return only and bool(np.all(lo <= hi)) and lo.sum() <= problem.n <= hi.sum()


def _construct(
    problem: Problem, params: Params, clock: _Clock, stats: dict[str, object]
) -> IntArray:
    """A first assignment meeting every hard rule, from CP-SAT's hard-rules-only model."""
    from pilotopt.solve.cpsat import conflicting_rules, relaxations, solve_cpsat

    # Nothing else can run without a start, and the search stops at the first assignment: it
    # may use almost all the time (it shares the GIL with a first kernel compilation).
    # When start-up took the time already (a loaded machine), a short grace still lets a small
    # model find its start: the limit may be passed by at most a second.
    budget = params.time_limit * 0.9
    grace = min(1.0, 0.1 * params.time_limit)
    outcome = solve_cpsat(
        problem, time_limit=max(grace, min(budget, clock.left())), seed=params.seed,
        workers=params.workers, first_solution=True,
        deterministic_time=(budget * CPSAT_DETERMINISTIC_PER_SECOND
                            if params.workers == 1 else None),
    )
    stats["construct"] = {"status": outcome.status, "wall_time": round(outcome.wall_time, 3)}
    if outcome.status == "infeasible":
        limit = max(1.0, clock.left())
        core = conflicting_rules(problem, time_limit=limit, seed=params.seed)
        fixes = core and relaxations(problem, [k for k in core if k != 0], time_limit=limit,
                                     seed=params.seed)
        raise _infeasible(problem, core, fixes or None)
    if outcome.assignment is None:
        raise NoSolutionError(
            f"no assignment meeting every hard rule was found in {budget:.1f} s "
            f"(of a {params.time_limit:g} s limit); give more time (--time-limit) or relax a "
            "hard rule"
        )
    return outcome.assignment


def _infeasible(
    problem: Problem, core: list[int] | None, fixes: list[int] | None = None
) -> InfeasibleError:
    """The error naming conflicting rules with the counts behind them, and what to relax."""
    if not core:
        return InfeasibleError("the hard rules cannot all hold together", [])

    def name(k: int) -> str:
        fact = _fact(problem, k)
        return f"{problem.rules[k].label} ({problem.rules[k].id}{'; ' + fact if fact else ''})"

    lo, hi = problem.size_bounds()
    sizes = f"{lo.min()}-{hi.max()}" if lo.min() != hi.max() else f"{lo.min()}"
    if fixes:
        advice = (" Relaxing " + " or ".join(f"{problem.rules[k].label} ({problem.rules[k].id})"
                                             for k in fixes)
                  + " alone lets every other hard rule hold: make it soft (hard = false and a "
                  "weight) or widen its bounds.")
    else:
        advice = (" Relax one of them (make it soft with hard = false and a weight, or widen "
                  "its bounds).")
    message = (
        f"these hard rules cannot all hold for {problem.n} organisations in {problem.m} groups "
        f"of {sizes}: " + "; ".join(name(k) for k in core) + "." + advice
    )
    return InfeasibleError(message, [problem.rules[k].id for k in core])


def _fact(problem: Problem, k: int) -> str:
    """The count behind rule k that a conflict turns on, e.g. "4 organisations have that value"."""
    template = problem.rules[k].fact
    prims = [p for p in problem.primitives if p.rule == k]
    if not template or not prims:
        return ""
    count = prims[0].fact_count()
    if count is None:  # weighted sums, or pairs not listed (Proximity)
        return ""
    return template.format(count)


def _parallel_local_search(
    problem: Problem,
    start: IntArray | None,
    time_limit: float,
    params: Params,
    on_improve: Callable[[IntArray, int, bool], None] | None = None,
) -> tuple[IntArray, dict[str, Any]]:
    """Independent searches in ``params.workers`` threads (capped at the cores), best kept.

    The compiled kernel releases the GIL, so the threads run in parallel. Thread k uses seed
    ``params.seed + k * 1_000_003`` (thread 0 runs the single search's seed). Which thread wins
    depends on timing, so this is not reproducible; ``workers == 1`` is.
    """
    from pilotopt.solve.kernel import TUNING, local_search

    count = max(1, min(params.workers, os.cpu_count() or 1))
    if count == 1:
        return local_search(problem, start, time_limit, params.seed, on_improve=on_improve)
    others = {key[len("thread_"):]: value for key, value in TUNING.items()
              if key.startswith("thread_") and value >= 0}
    results: list[tuple[IntArray, dict[str, Any]] | None] = [None] * count
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            results[k] = local_search(problem, start, time_limit, params.seed + k * 1_000_003,
                                      tuning=others if k > 0 else None, on_improve=on_improve)
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,), name=f"pilotopt-search-{k}", daemon=True)
               for k in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    done = [r for r in results if r is not None]
    best, best_stats = max(done, key=lambda r: (bool(r[1]["feasible"]), int(r[1]["objective"])))
    merged = dict(best_stats)
    merged["threads"] = [{"objective": r[1]["objective"], "iterations": r[1]["iterations"],
                          "time_to_best": round(float(r[1]["time_to_best"]), 3)} for r in done]
    return best, merged
