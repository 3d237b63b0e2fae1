"""Compiled iterated tabu search with dense pair scores (MDGP and its ruled variants, n <= ~250).

Objective: the sum of ``score[i, j]`` over same-group pairs minus the penalties of soft primitives;
hard primitives must hold. Hard group-size bounds are never broken: relocations are only made
when both sizes stay within bounds, and swaps keep sizes. Every other primitive is an exact
incremental term of the *search objective* ``f = objective + offset - M * hard violation``
(see :mod:`.encode`): PairLinks are folded into the pair matrix, Allowed and LeaveOut costs are
unary, the rules on group counts are :mod:`.deltas`. ``M`` outweighs anything one organisation
can earn, so the search is drawn to feasibility; the hard violation is tracked exactly, so the
best *feasible* solution is kept.

With ``C[i, g] = sum(Dp[i, j] for j in g)`` the delta of a relocation or a swap costs O(1) (plus
the rules on counts); applying a move updates ``C`` in O(n).

Search (measured on MDGPLIB, see the project notes): a tabu search scanning every feasible
relocation and swap per iteration, tenure ``0.04 n + rand(0..0.04 n)`` forbidding an element's
return to the group it left, aspiration on the phase best, and after the work of ``50 n`` full
scans without improving the phase best a perturbation of 6-12 random swaps from the best
solution, one swap more after each phase that did not improve it (up to 0.1 n). Counting work
rather than iterations lets phases run about three times as many (cheaper, pruned) iterations
on random scores, where longer phases pay, and keeps them short on geometric ones, where
pruning saves little and frequent perturbation pays. The start's group sizes maximise the
number of same-group pairs within the bounds.

With a budget of work or iterations (the one-worker mode) on pair scores and size bounds alone
(MDGP), the budget is shared by a small population (:func:`_population`): ``POOL`` tabu searches
from their own starts take ``POOL_START_SHARE`` of it, then children of two random members
(whole groups from each parent, :mod:`.memetic`) are each improved by a search of
``CHILD_SHARE``, a better child replacing the worst member unless it copies one. A single
trajectory on random ``ds`` instances (group sizes differ) stalls in different local optima from
seed to seed. Measured at equal work (``benchmarks/mdgplib_work.py``, mean gap % to the
best-knowns, max): n=120 (3 seeds) 0.045 (0.418) with one trajectory, 0.021 (0.234) with the
population; n=240 (1 seed) 0.029 (0.150), 0.024 (0.103). Four members with children of 3 %
helped at n=120 but lost at n=240 (0.058), where a trajectory needs longer: hence three
members of 15 % and children of 10 %. The spread between seeds is large; see benchmarks/README.

All randomness comes from numba's generator seeded with ``seed`` (and, for the population's
choice of parents, numpy's seeded by it); the search is driven in chunks of iterations from
Python, so time checks and ``on_improve`` calls do not change the trajectory: with
``max_iterations`` or a work budget runs are reproducible.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from pilotopt.problem import Problem
from pilotopt.solve.search import deltas
from pilotopt.solve.search.construct import fill
from pilotopt.solve.search.encode import Dense, dense
from pilotopt.solve.search.memetic import crossover, same_groups
from pilotopt.solve.search.tabu_kernel import (
    Memory,
    Settings,
    State,
    _iterate,
    _recompute,
    _seed,
)

__all__ = ["Rates", "local_search", "warm_up"]

IntArray = npt.NDArray[np.int64]

#: Tabu tenure: ``TENURE * n + rand(0..TENURE * n)`` iterations (measured: 0.1 n is much worse).
TENURE = 0.04
#: Work without improving the phase best, in full scans (every relocation and swap) times n,
#: before a perturbation. Measured at n=120 (mean gap %, 3-5 seeds): iterations-based 50 n was
#: best on geometric scores, 150 n to 400 n on random ds ones (0.18 -> 0.12 %).
PERTURB_AFTER = 50
#: Random swaps of a perturbation: PERTURB_MIN plus up to PERTURB_SPREAD, one more after each
#: phase that did not improve the best (it fell back into the best's basin), up to
#: PERTURB_GROWTH * n. Measured at n=120 (12 instances x 4 seeds, 2 s, one thread): mean gap
#: 0.054 % with fixed strength, 0.036-0.041 % growing up to 0.1 n to 0.25 n (one more per
#: phase; three more: 0.052 %); n=240 (10 s, 2 seeds): no difference.
PERTURB_MIN, PERTURB_SPREAD = 6, 6
PERTURB_GROWTH = 0.1
#: The population search (:func:`_population`): members, the share of the budget their first
#: searches take together, the share of each child's search, and the least budget (in full
#: scans, times n) for which it serves. Measured at equal work on MDGPLIB (n=240, random ds):
#: 4 members, 0.2, 0.03 lost to one trajectory; 2 members, 0.5, 0.1 too.
POOL = 3
POOL_START_SHARE = 0.45
CHILD_SHARE = 0.1
POOL_MIN_SCANS = 100


class Rates(NamedTuple):
    """Work units per second this machine does (see :mod:`pilotopt.solve.calibration`)."""

    plain: float  # with pair scores alone
    ruled: float  # with every other term


def _start(enc: Dense, n: int, start: npt.ArrayLike | None, m: int) -> IntArray:
    """The start in the search's numbering (the bench for -1), checked; or a built one."""
    P = enc.P
    mk = len(P.lo)
    if start is None:
        lo, hi = P.lo.copy(), P.hi.copy()
        if P.bench >= 0:  # place as many as the groups hold
            lo[P.bench] = hi[P.bench] = max(0, n - int(hi[:P.bench].sum()))
        a: IntArray = fill(lo, hi, P.U)
        if n and a[0] < 0:
            raise ValueError("the group size bounds admit no assignment")
        return a
    a = np.array(start, dtype=np.int64)
    if a.shape != (n,) or (n and (a.min() < -1 or a.max() >= m)):
        raise ValueError(f"start must give a group in 0..{m - 1} (or -1: left out) "
                         f"to each of {n} organisations")
    a[a < 0] = P.bench
    if np.any(a < 0):
        raise ValueError("start leaves out an organisation no optional rule names")
    sizes = np.bincount(a, minlength=mk)
    if np.any(sizes < P.lo) or np.any(sizes > P.hi):
        raise ValueError("start breaks the hard group size bounds")
    return a


def _one() -> IntArray:
    return np.zeros(1, dtype=np.int64)


def local_search(
    problem: Problem,
    start: npt.ArrayLike | None,
    time_limit: float | None,
    seed: int,
    *,
    on_improve: Callable[[IntArray, int, bool], None] | None = None,
    max_iterations: int | None = None,
    stop: threading.Event | None = None,
    work: tuple[float, Rates] | None = None,
) -> tuple[IntArray, dict[str, Any]]:
    """Iterated tabu search (with a budget on pair scores and size bounds alone, a population
    of them, see the module); returns the best assignment found and statistics.

    Parameters
    ----------
    problem
        The compiled problem (dense scores). Its hard size bounds are kept at every step.
    start
        Group index per organisation (-1: left out) within the hard size bounds, or ``None`` to
        build a start (pair-maximising group sizes, then a random fill preferring allowed
        groups).
    time_limit
        Seconds of search (wall clock, measured from the call); ``None`` for no limit.
    seed
        Seeds every random choice; with ``max_iterations`` (and no binding time limit or stop)
        the result is reproducible.
    on_improve
        Called as ``on_improve(assignment, objective, feasible)`` when the best solution
        improves (checked between chunks of iterations, at most every ~20 ms).
    max_iterations
        Iteration budget (one tabu move each); at least one of it and ``time_limit`` is needed.
    stop
        When set, the search returns its best within about 20 ms.
    work
        ``(seconds, rates)``: a work budget, the work this machine does in ``seconds`` at
        ``rates``. Work is counted from the candidate moves scanned, so it ends the search at
        the same iteration on every run: reproducible (unless ``time_limit`` or ``stop`` come
        first, or the machine is slower than ``rates`` say).

    The compiled functions release the GIL, so searches in several threads run in parallel
    (numba's random generator is per thread: each thread's search is seeded by its call).

    Returns
    -------
    (assignment, stats)
        ``assignment``: int64 group per organisation, the best feasible one seen (else the least
        penalised). ``stats``: ``iterations``, ``time_to_best`` (s), ``iterations_to_best``,
        ``objective`` (scaled, as :func:`pilotopt.evaluate.evaluate` computes it), ``feasible``,
        ``time`` (s), ``work`` and ``max_work`` (work units done and the budget, 0 for none;
        iterations and work are summed over a population's searches),
        ``stopped_by`` (``"work"``, ``"iterations"``, ``"time"`` or ``"stop"``; ``"nothing to
        move"`` with one group or organisation).
    """
    t0 = time.perf_counter()
    if time_limit is None and max_iterations is None and work is None:
        raise ValueError("give a time_limit, max_iterations or work")
    n = problem.n
    enc = dense(problem)
    P = enc.P
    mk = len(P.lo)
    if np.any(P.lo > P.hi) or P.lo.sum() > n or P.hi.sum() < n:
        raise ValueError("the group size bounds admit no assignment")
    _seed(seed)
    a = _start(enc, n, start, problem.m)
    unit = _unit(P.R, n) if enc.ruled else 1
    full = (n * mk + unit * (n * mk + n * (n - 1) // 2) if enc.ruled
            else 2 * n * mk + n * (n - 1) // 2)
    max_work = 0
    if work is not None:
        seconds, rates = work
        max_work = max(1, int(seconds * (rates.ruled if enc.ruled else rates.plain)))
    X = Settings(tenure=max(1, int(TENURE * n)), perturb_after=PERTURB_AFTER * max(n, 1) * full,
                 ruled=enc.ruled, min_d=min(0, int(P.Dp.min(initial=0))),
                 can_reloc=bool(np.any(P.lo < P.hi)), unit=unit, max_work=max_work,
                 perturb_min=PERTURB_MIN, perturb_max=max(PERTURB_MIN, int(PERTURB_GROWTH * n)),
                 perturb_spread=PERTURB_SPREAD)
    deadline = None if time_limit is None else t0 + time_limit
    run = _Runs(enc, t0, deadline, stop, on_improve)
    if mk > 1 and n > 1 and _pooled(enc, max_work // full if max_work else max_iterations, n):
        _population(run, a, X, max_iterations, seed)
    else:
        run.search(a, X, max_iterations)
    feas = bool(run.feasible)
    stats = {  # an 'apart' pair (i, i) can never hold: such a problem is never feasible
        "iterations": run.iterations,
        "iterations_to_best": run.best_it,
        "time_to_best": run.time_to_best,
        "objective": enc.objective(run.best_f, run.best_hv),
        "feasible": feas and enc.hv_const == 0,
        "time": time.perf_counter() - t0,
        "work": run.work,
        "max_work": max_work,
        "stopped_by": run.stopped_by,
    }
    return enc.unbench(run.best_a), stats


class _Runs:
    """One or more tabu searches of one problem (fresh state each), and the best over them:
    each run is driven in chunks of iterations from Python, between which the clock and
    ``stop`` are checked and ``on_improve`` hears of a better best."""

    def __init__(self, enc: Dense, t0: float, deadline: float | None,
                 stop: threading.Event | None,
                 on_improve: Callable[[IntArray, int, bool], None] | None) -> None:
        self.enc, self.t0, self.deadline, self.stop, self.on_improve = (
            enc, t0, deadline, stop, on_improve)
        self.iterations = self.work = self.best_it = 0
        self.feasible = 0
        self.best_f = self.best_hv = 0
        self.best_a: IntArray = np.zeros(0, dtype=np.int64)
        self.time_to_best = 0.0
        self.stopped_by = "nothing to move"

    def search(self, a: IntArray, X: Settings, max_iterations: int | None) -> Memory:
        """Run the search from ``a`` until ``X.max_work``, ``max_iterations``, the deadline or
        ``stop``; ``stopped_by`` says which (``"nothing to move"`` with one group or
        organisation). Returns the run's memory (its best: ``best_a``, ``best_f``)."""
        P = self.enc.P
        n, mk = len(a), len(P.lo)
        S = State(a=a, C=np.zeros((n, mk), dtype=np.int64), size=np.zeros(mk, dtype=np.int64),
                  G=deltas.new_counts(P.R, mk), f=_one(), hv=_one(),
                  CS=np.zeros((n, mk) if P.pm else (0, 0), dtype=np.int64),
                  Q=np.zeros(mk, dtype=np.int64))
        _recompute(P, S)
        T = Memory(tabu=np.zeros((n, mk), dtype=np.int64), best_a=a.copy(), any_a=a.copy(),
                   it=_one(), best_f=S.f.copy(), feasible=(S.hv == 0).astype(np.int64),
                   any_f=S.f.copy(), any_hv=S.hv.copy(), phase_f=S.f.copy(), stall=_one(),
                   improved=_one(), best_it=_one(), plain_until=_one(), work=_one(),
                   strength=np.full(1, X.perturb_min, dtype=np.int64), kept_f=S.f.copy())
        if not self.best_a.shape[0]:
            self._offer(T, time.perf_counter() - self.t0)
        chunk = 16
        stopped_by = "work" if X.max_work else "nothing to move"
        while mk > 1 and n > 1:
            todo = chunk if max_iterations is None else min(chunk, max_iterations - int(T.it[0]))
            if todo <= 0:
                stopped_by = "iterations"
                break
            if X.max_work and T.work[0] >= X.max_work:
                break
            if self.stop is not None and self.stop.is_set():
                stopped_by = "stop"
                break
            if self.deadline is not None and time.perf_counter() >= self.deadline:
                stopped_by = "time"
                break
            t1 = time.perf_counter()
            _iterate(P, S, T, X, todo)
            now = time.perf_counter()
            if T.improved[0]:
                T.improved[0] = 0
                self._offer(T, now - self.t0)
            # Size the next chunk to about 20 ms, or less near the deadline.
            per_it = max((now - t1) / todo, 1e-9)
            target = (0.02 if self.deadline is None
                      else max(1e-3, min(0.02, (self.deadline - now) / 2)))
            chunk = int(min(max(1, target / per_it), 4 * chunk + 16))
        self.iterations += int(T.it[0])
        self.work += int(T.work[0])
        self.stopped_by = stopped_by
        return T

    def _offer(self, T: Memory, at: float) -> None:
        """Keep the run's best (the feasible best, else the least penalised) if it beats the
        best so far, and tell ``on_improve``."""
        feas = int(T.feasible[0])
        f, hv = (int(T.best_f[0]), 0) if feas else (int(T.any_f[0]), int(T.any_hv[0]))
        if self.best_a.shape[0] and (feas, f) <= (self.feasible, self.best_f):
            return
        first = not self.best_a.shape[0]
        self.feasible, self.best_f, self.best_hv = feas, f, hv
        self.best_a = (T.best_a if feas else T.any_a).copy()
        self.best_it = self.iterations + int(T.best_it[0])
        self.time_to_best = at
        if self.on_improve is not None and not first:
            out = self.enc.unbench(self.best_a)
            self.on_improve(out, self.enc.objective(f, hv), bool(feas))


def _pooled(enc: Dense, scans: int | None, n: int) -> bool:
    """Whether the population serves: a budget of work or iterations (not a clock alone) of at
    least ``POOL_MIN_SCANS * n`` full scans, on pair scores and size bounds alone."""
    P = enc.P
    return (scans is not None and scans >= POOL_MIN_SCANS * n and not enc.ruled
            and P.hn.shape[0] == 0 and enc.hv_const == 0 and P.bench < 0)


def _population(run: _Runs, a: IntArray, X: Settings, max_iterations: int | None,
                seed: int) -> None:
    """The population search: ``POOL`` members, each a tabu search from its own start (the
    first from ``a``), then children of two random members (:func:`.memetic.crossover`), each
    improved by a tabu search of ``CHILD_SHARE`` of the budget, replacing the worst member when
    better and not a copy of a member. Ends with the budget (work, else iterations), the clock
    or ``stop``; ``run`` keeps the best of every search."""
    P = run.enc.P
    n, m = len(a), len(P.lo)
    rng = np.random.default_rng(seed)
    work, its = X.max_work, max_iterations

    def search(start: IntArray, share: float) -> tuple[int, IntArray] | None:
        """A search from ``start`` on ``share`` of the budget (at most what is left): its best,
        or None when nothing is left or the clock or ``stop`` ended it."""
        left_w = work - run.work
        if work and left_w <= 0 or its is not None and its <= run.iterations:
            return None
        x = X._replace(max_work=min(left_w, max(1, int(share * work)))) if work else X
        i = None if its is None else min(its - run.iterations, max(1, int(share * its)))
        T = run.search(start, x, i)
        if run.stopped_by in ("time", "stop"):
            return None
        return int(T.best_f[0]), T.best_a.copy()

    def keep(member: tuple[int, IntArray], pool: list[tuple[int, IntArray]]) -> None:
        if any(same_groups(member[1], b) for _, b in pool):
            return
        if len(pool) < POOL:
            pool.append(member)
            return
        worst = min(range(len(pool)), key=lambda k: pool[k][0])
        if member[0] > pool[worst][0]:
            pool[worst] = member

    pool: list[tuple[int, IntArray]] = []
    for k in range(POOL):
        member = search(a if k == 0 else _start(run.enc, n, None, m), POOL_START_SHARE / POOL)
        if member is None:
            return
        keep(member, pool)
    while True:
        if len(pool) > 1:
            i, j = rng.choice(len(pool), size=2, replace=False)
            x, y = pool[int(i)][1], pool[int(j)][1]
        else:  # every member alike: a fresh start is the other parent
            x, y = pool[0][1], _start(run.enc, n, None, m)
        child = crossover(P.Dp, P.lo, P.hi, x, y, int(rng.integers(2)))
        member = search(child, CHILD_SHARE)
        if member is None:
            return
        keep(member, pool)


def _unit(R: deltas.GroupRules, n: int) -> int:
    """Work units of one candidate move of a ruled scan: its pair, unary and hard terms and,
    per rule on counts, about one term (coverage: the tags of two organisations)."""
    return int(4 + R.W.shape[1] + R.XT.shape[0] + 2 * len(R.cc) // max(1, n))


#: The compiled entry point whose cached compilation tells whether the search loads at once.
KERNELS = (_iterate,)


def warm_up(ruled: bool = True) -> None:
    """Compile (or load from the cache) the search: the pair-score-only variant, and with
    ``ruled`` the variant with every other term."""
    from pilotopt.problem import Allowed, GroupSum, PairLink, RuleInfo

    n, m = 6, 2
    rng = np.random.default_rng(0)
    s = rng.integers(0, 10, size=(n, n))
    score = np.triu(s, 1) + np.triu(s, 1).T
    ids = tuple(str(i) for i in range(n))
    size = GroupSum(0, np.ones(n, dtype=np.int64), np.array([2, 2]), np.array([4, 4]), True)
    info = RuleInfo("size", "x", "x", hard=True)
    local_search(Problem(ids, ids, ("A", "B"), score.astype(np.int64), (info,), (size,)),
                 None, None, 0, max_iterations=200)
    if not ruled:
        return
    allowed = np.ones((n, m), dtype=bool)
    allowed[0, 1] = False
    rules = tuple(RuleInfo(f"r{k}", "x", "x", hard=k < 2) for k in range(4))
    prims = (
        size,
        PairLink(1, np.array([[1, 2]]), together=True, hard=True),
        GroupSum(2, np.arange(n, dtype=np.int64), np.zeros(m, np.int64), np.full(m, 8), False, 1),
        Allowed(3, allowed, False, 5),
    )
    local_search(Problem(ids, ids, ("A", "B"), score.astype(np.int64), rules, prims),
                 None, None, 0, max_iterations=200)
