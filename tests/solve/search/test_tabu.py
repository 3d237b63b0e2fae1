"""The compiled local search: exact incremental bookkeeping, hard size bounds, optimality on tiny
instances, reproducibility. No wall-clock assertions."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from helpers import (
    brute_force,
    hard_violation,
    make_problem,
    random_problem,
    stay_problem,
    unequal_groups,
)
from pilotopt.evaluate import evaluate
from pilotopt.problem import (
    Allowed,
    GroupSum,
    LeaveOut,
    MaxDeviation,
    PairLink,
    Problem,
    RuleInfo,
    Stay,
)
from pilotopt.solve.search import deltas
from pilotopt.solve.search import tabu as K
from pilotopt.solve.search import tabu_kernel as TK
from pilotopt.solve.search.construct import best_sizes
from pilotopt.solve.search.encode import Dense, dense


def random_start(problem: Problem, rng: np.random.Generator) -> np.ndarray:
    """An assignment meeting the size bounds: lower bounds first, then random free room; some
    optional organisations left out (-1) where their group keeps its lower bound."""
    lo, hi = problem.size_bounds()
    slots = [g for g in range(problem.m) for _ in range(lo[g])]
    extra = [g for g in range(problem.m) for _ in range(hi[g] - lo[g])]
    rng.shuffle(extra)
    slots += extra[: problem.n - len(slots)]
    a = np.array(slots, dtype=np.int64)
    rng.shuffle(a)
    for i in np.flatnonzero(problem.optional):
        if rng.random() < 0.5 and np.sum(a == a[i]) > lo[a[i]]:
            a[i] = -1
    return a


def search_objective(problem: Problem, enc: Dense, a: np.ndarray) -> int:
    """f as the search defines it, from the evaluator only (an 'apart' pair (i, i) is a constant
    violation the search leaves out of f and of its hard violation). ``a`` in search indices."""
    b = enc.unbench(a)
    hv = hard_violation(problem, b) - enc.hv_const
    return evaluate(problem, b).objective_scaled + enc.offset - enc.P.M * hv


def state(enc: Dense, a: np.ndarray) -> TK.State:
    n, m = len(a), len(enc.P.lo)
    one = np.zeros(1, np.int64)
    S = TK.State(a=a, C=np.zeros((n, m), np.int64), size=np.zeros(m, np.int64),
                G=deltas.new_counts(enc.P.R, m), f=one, hv=one.copy(),
                CS=np.zeros((n, m) if enc.P.pm else (0, 0), np.int64), Q=np.zeros(m, np.int64))
    TK._recompute(enc.P, S)
    return S


def same_counts(x: deltas.GroupCounts, y: deltas.GroupCounts, R: deltas.GroupRules) -> bool:
    """Equal counts, and the same deviations ranked (ties in any order)."""
    dev = [[abs(c.XS[k, q] - t) if q >= 0 else -1 for q in c.XTOP[k]]
           for c in (x, y) for k, t in enumerate(R.XT)]
    half = len(dev) // 2
    return (all(np.array_equal(getattr(x, f), getattr(y, f)) for f in ("S", "OC", "NC", "BC", "XS"))
            and dev[:half] == dev[half:])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(4, 12), m=st.integers(2, 4),
       rules=st.booleans(), optional=st.booleans(), moves=st.integers(1, 25),
       per_member=st.booleans())
def test_deltas_match_full_recomputation(seed: int, n: int, m: int, rules: bool, optional: bool,
                                         moves: int, per_member: bool) -> None:
    problem = replace(random_problem(seed, n, m, rules=rules, optional=optional),
                      per_member=per_member)
    lo, hi = problem.size_bounds()
    assume(bool(np.all(lo <= hi)))  # else no assignment exists, and the search refuses it
    rng = np.random.default_rng(seed)
    enc = dense(problem)
    P = enc.P
    a = random_start(problem, rng)
    a[a < 0] = P.bench
    S = state(enc, a)
    assert S.f[0] == search_objective(problem, enc, a)
    assert S.hv[0] == hard_violation(problem, enc.unbench(a)) - enc.hv_const
    lo, hi = P.lo, P.hi
    benchable = problem.optional
    for _ in range(moves):
        i, j = (int(x) for x in rng.integers(0, n, size=2))
        gi, gj = int(a[i]), int(a[j])
        b = a.copy()
        if gi != gj and rng.random() < 0.5:
            if (gj == P.bench and not benchable[i]) or (gi == P.bench and not benchable[j]):
                continue  # the evaluator cannot score that (the search pays M for it)
            b[i], b[j] = gj, gi
            d = TK._delta(P, S, P.R, S.G, i, j, gj)
            assert d == search_objective(problem, enc, b) - search_objective(problem, enc, a)
            TK._relocate(P, S, i, gj)
            TK._relocate(P, S, j, gi)
        else:
            h = int(rng.integers(len(lo)))
            if h == gi or S.size[gi] <= lo[gi] or S.size[h] >= hi[h]:
                continue
            if h == P.bench and not benchable[i]:
                continue
            b[i] = h
            d = TK._delta(P, S, P.R, S.G, i, -1, h)
            assert d == search_objective(problem, enc, b) - search_objective(problem, enc, a)
            TK._relocate(P, S, i, h)
        # Incremental state equals a rebuild from the assignment.
        fresh = state(enc, a.copy())
        assert np.array_equal(S.C, fresh.C) and np.array_equal(S.size, fresh.size)
        assert np.array_equal(S.CS, fresh.CS) and np.array_equal(S.Q, fresh.Q)
        assert same_counts(S.G, fresh.G, P.R)
        assert S.f[0] == fresh.f[0] == search_objective(problem, enc, a)
        assert S.hv[0] == fresh.hv[0] == hard_violation(problem, enc.unbench(a)) - enc.hv_const


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 30), m=st.integers(2, 5),
       rules=st.booleans())
def test_search_keeps_size_bounds_and_reports_true_objective(seed: int, n: int, m: int,
                                                             rules: bool) -> None:
    problem = random_problem(seed, n, m, rules=rules)
    lo, hi = problem.size_bounds()
    # A hard quota of unit weights is a size bound too: together they may admit no sizes.
    assume(bool(np.all(lo <= hi)) and lo.sum() <= n <= hi.sum())
    a, stats = K.local_search(problem, None, None, seed, max_iterations=300)
    sizes = np.bincount(a, minlength=m)
    assert a.dtype == np.int64 and a.shape == (n,)
    assert np.all(sizes >= lo) and np.all(sizes <= hi)
    ev = evaluate(problem, a)
    assert stats["objective"] == ev.objective_scaled
    assert stats["feasible"] == ev.feasible


def test_feasible_start_stays_feasible_and_improves() -> None:
    for seed in range(5):
        problem = random_problem(seed, 14, 3, rules=True)
        # Any assignment meeting every hard rule will do as a start; find one by search first.
        a0, s0 = K.local_search(problem, None, None, seed, max_iterations=2000)
        if not s0["feasible"]:
            continue
        a, stats = K.local_search(problem, a0, None, seed + 1, max_iterations=500)
        ev = evaluate(problem, a)
        assert ev.feasible
        assert stats["objective"] == ev.objective_scaled >= evaluate(problem, a0).objective_scaled


def test_finds_brute_force_optimum_n8_m2() -> None:
    for seed in range(4):
        problem = random_problem(seed, 8, 2, rules=False)
        a, stats = K.local_search(problem, None, None, seed, max_iterations=2000)
        assert stats["objective"] == brute_force(problem)


def test_finds_brute_force_optimum_with_soft_rules() -> None:
    rng = np.random.default_rng(7)
    s = np.triu(rng.integers(0, 50, size=(8, 8)), 1)
    infos = (RuleInfo("groups.size", "size", "size", True), RuleInfo("r1", "pair", "p", False),
             RuleInfo("r2", "allowed", "a", False))
    allowed = np.ones((8, 2), dtype=bool)
    allowed[0, 0] = allowed[5, 1] = False
    prims = (GroupSum(0, np.ones(8, np.int64), np.array([3, 3]), np.array([5, 5]), True),
             PairLink(1, np.array([[1, 2], [3, 4]]), True, False, 60),
             Allowed(2, allowed, False, 40))
    ids = tuple(str(i) for i in range(8))
    problem = Problem(ids, ids, ("A", "B"), (s + s.T).astype(np.int64), infos, prims)
    a, stats = K.local_search(problem, None, None, 3, max_iterations=2000)
    assert stats["objective"] == evaluate(problem, a).objective_scaled == brute_force(problem)


def test_stay_keeps_the_moves_within_the_most() -> None:
    for most, hard, penalty in ((1, True, 0), (2, True, 0), (0, False, 2), (1, False, 2)):
        p = stay_problem(most, hard, penalty)
        for start in (None, [0, 1, 0, 1]):  # the latter breaks a hard most of 1
            a, stats = K.local_search(p, start, None, 0, max_iterations=200)
            assert stats["feasible"]
            assert stats["objective"] == evaluate(p, a).objective_scaled == brute_force(p)


def test_a_stay_that_cannot_hold_leaves_out_no_one_who_must_be_placed() -> None:
    """a-d all had G1, which holds two: two must move, one more than a hard Stay allows. d may
    be left out (and then has not moved); c may not, though leaving it out would also spare a
    soft balance unit: the search must not trade c's placement for one move."""
    stay = Stay(1, np.zeros(4, np.int64), 0, True)
    out = LeaveOut(2, np.array([0, 0, 0, 1]), np.zeros(4, np.int64), 0, True)
    balance = MaxDeviation(3, np.array([0, 0, 1, 0]), 0, False, 1)
    p = make_problem(np.zeros((4, 4)), 3, size=(0, 2), extra=[
        (RuleInfo("rule 1", "stability", "stay", True), stay),
        (RuleInfo("rule 2", "optional", "optional", True), out),
        (RuleInfo("rule 3", "balance", "balance", False), balance)])
    for seed in range(3):
        a, stats = K.local_search(p, None, None, seed, max_iterations=300)
        assert not stats["feasible"] and a[2] >= 0
        ev = evaluate(p, a)
        assert hard_violation(p, a) == 1 and ev.rules[1].violation == 1
        assert stats["objective"] == ev.objective_scaled


def test_finds_brute_force_optimum_with_every_primitive() -> None:
    solved = 0
    for seed in range(12):
        problem = random_problem(seed, 7, 2, rules=True, optional=True,
                                 with_hard=seed % 2 == 0)
        best = brute_force(problem)
        if best is None:
            continue
        a, stats = K.local_search(problem, None, None, seed, max_iterations=3000)
        objective = evaluate(problem, a).objective_scaled
        assert stats["feasible"] and stats["objective"] == objective == best
        solved += 1
    assert solved >= 3


def test_per_member_finds_the_size_fair_optimum() -> None:
    # Summing pairs {a, b, c} + {d, e} wins; per member {b, c} + {a, d, e} (tests/helpers.py).
    for per_member, best in ((False, [0, 0, 0, 1, 1]), (True, [1, 0, 0, 1, 1])):
        problem = unequal_groups(per_member)
        a, stats = K.local_search(problem, None, None, 0, max_iterations=300)
        same = a[:, None] == a[None, :]
        assert same.tolist() == (np.array(best)[:, None] == np.array(best)[None, :]).tolist()
        assert stats["objective"] == evaluate(problem, a).objective_scaled == brute_force(problem)


def test_reproducible_with_iteration_budget() -> None:
    problem = random_problem(11, 40, 4, rules=True)
    a1, s1 = K.local_search(problem, None, None, 5, max_iterations=3000)
    a2, s2 = K.local_search(problem, None, None, 5, max_iterations=3000)
    assert np.array_equal(a1, a2) and s1["objective"] == s2["objective"]
    assert s1["iterations"] == 3000


def test_work_budget_ends_the_search_at_the_same_iteration() -> None:
    """The work budget, counted from the moves scanned, stops each run at the same point; a
    bigger one goes further. Pair scores alone and with rules (each counts its own work)."""
    for rules in (False, True):
        p = random_problem(5, 24, 4, rules=rules)
        budget = (0.01, K.Rates(plain=2e6, ruled=2e6))
        runs = [K.local_search(p, None, None, 3, work=budget) for _ in range(2)]
        (a1, s1), (a2, s2) = runs
        assert np.array_equal(a1, a2) and s1["iterations"] == s2["iterations"] > 0
        assert s1["stopped_by"] == "work" and s1["max_work"] == 20_000
        assert s1["work"] >= 20_000 and s1["work"] == s2["work"]
        _, more = K.local_search(p, None, None, 3, work=(0.02, budget[1]))
        assert more["iterations"] > s1["iterations"] and more["stopped_by"] == "work"


def _zero_scores() -> tuple[Dense, TK.State, TK.Memory]:
    """Six organisations with zero scores in two groups of three (nothing ever improves), their
    encoding, state and a fresh memory (perturbations of 2 swaps to start with)."""
    problem = make_problem(np.zeros((6, 6)), 2, size=(3, 3))
    enc = dense(problem)
    S = state(enc, np.array([0, 0, 0, 1, 1, 1]))
    one = np.zeros(1, np.int64)
    T = TK.Memory(tabu=np.zeros((6, 2), np.int64), best_a=S.a.copy(), any_a=S.a.copy(),
                 it=one.copy(), best_f=S.f.copy(), feasible=np.ones(1, np.int64),
                 any_f=S.f.copy(), any_hv=one.copy(), phase_f=S.f.copy(), stall=one.copy(),
                 improved=one.copy(), best_it=one.copy(), plain_until=np.full(1, 10**9),
                 work=one.copy(), strength=np.full(1, 2), kept_f=S.f.copy())
    return enc, S, T


def test_stall_before_a_perturbation_counts_scan_work() -> None:
    """Phases end on the work scanned without improving, not on iterations: pruned scans
    (cheaper) make longer phases. Zero scores never improve the phase best."""
    enc, S, T = _zero_scores()  # plain scans: every swap, n (n - 1) / 2
    X = TK.Settings(tenure=1, perturb_after=10**9, ruled=False, min_d=0, can_reloc=False, unit=1,
                   max_work=0, perturb_min=2, perturb_max=4, perturb_spread=6)
    TK._iterate(enc.P, S, T, X, 5)
    assert T.it[0] == 5 and T.stall[0] == T.work[0] == 5 * (2 * 6 * 2 + 15)


def test_a_perturbation_grows_after_each_phase_that_did_not_improve_the_best() -> None:
    """Zero scores never improve the best: every phase (here one iteration) perturbs one swap
    harder than the last, up to ``perturb_max``."""
    enc, S, T = _zero_scores()
    X = TK.Settings(tenure=1, perturb_after=1, ruled=False, min_d=0, can_reloc=False, unit=1,
                   max_work=0, perturb_min=2, perturb_max=4, perturb_spread=6)
    grown = []
    for _ in range(4):
        TK._iterate(enc.P, S, T, X, 1)
        grown.append(int(T.strength[0]))
    assert grown == [3, 4, 4, 4]
    T.best_f[0] = T.kept_f[0] + 1  # the last phase improved the best: back to the least
    TK._iterate(enc.P, S, T, X, 1)
    assert T.strength[0] == 2


def test_best_sizes_maximise_pairs() -> None:
    lo, hi = np.array([2, 2, 3]), np.array([6, 4, 5])
    sizes = best_sizes(12, lo, hi)
    assert sizes.sum() == 12 and np.all(sizes >= lo) and np.all(sizes <= hi)
    best = max(
        sum(s * (s - 1) // 2 for s in c)
        for c in itertools.product(*(range(a, b + 1) for a, b in zip(lo, hi, strict=True)))
        if sum(c) == 12
    )
    assert sum(int(s) * (int(s) - 1) // 2 for s in sizes) == best
    assert best_sizes(20, lo, hi).shape == (0,)


def test_callback_hears_each_improvement() -> None:
    # An iteration budget, not a clock: the first call may spend seconds compiling.
    problem = random_problem(1, 30, 3, rules=False)
    seen: list[int] = []
    a, stats = K.local_search(problem, None, None, 1, max_iterations=3000,
                              on_improve=lambda a, obj, feasible: seen.append(obj))
    assert seen and seen[-1] == stats["objective"] == evaluate(problem, a).objective_scaled
    assert seen == sorted(seen)


def test_time_limit_alone_ends_the_search() -> None:
    problem = random_problem(1, 30, 3, rules=False)
    a, stats = K.local_search(problem, None, 0.2, 1)
    assert stats["objective"] == evaluate(problem, a).objective_scaled


def test_stop_returns_the_best_soon() -> None:
    """A set stop ends the search at its next chunk (~20 ms), with the best so far."""
    import threading

    problem = random_problem(2, 60, 4, rules=True)
    stop = threading.Event()
    seen: list[int] = []

    def on_improve(a: np.ndarray, objective: int, feasible: bool) -> None:
        seen.append(objective)
        stop.set()  # at the first improvement: the search must end at the next chunk

    a, stats = K.local_search(problem, None, None, 1, on_improve=on_improve,
                              max_iterations=10**9, stop=stop)
    assert stats["iterations"] < 10**9 and stats["objective"] == seen[-1]
    assert stats["objective"] == evaluate(problem, a).objective_scaled
    stop_now = threading.Event()
    stop_now.set()
    a, stats = K.local_search(problem, None, None, 1, max_iterations=10**9, stop=stop_now)
    assert stats["iterations"] == 0 and stats["objective"] == evaluate(problem, a).objective_scaled


def test_threads_repeat_the_single_thread_search() -> None:
    """numba's generator is per thread: a seeded search in a thread equals the same search in
    the main thread, also while another search runs next to it (the kernel releases the GIL)."""
    import threading

    p = random_problem(11, 30, 4, rules=True)
    expected = {s: K.local_search(p, None, None, s, max_iterations=3000) for s in (1, 2)}
    got: dict[int, tuple[np.ndarray, dict[str, object]]] = {}

    def run(s: int) -> None:
        got[s] = K.local_search(p, None, None, s, max_iterations=3000)

    threads = [threading.Thread(target=run, args=(s,)) for s in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in (1, 2):
        assert np.array_equal(got[s][0], expected[s][0])
        assert got[s][1]["objective"] == expected[s][1]["objective"]


def test_population_is_reproducible_and_never_worse_than_its_first_member() -> None:
    """Pair scores and per-group size bounds, a budget of work (or iterations) above the
    population's least: the same seed and work give the same assignment, and the result is at
    least the first member's, i.e. the search of the member's share from the same start."""
    p = random_problem(4, 24, 4, rules=False)
    assert K._pooled(dense(p), K.POOL_MIN_SCANS * p.n, p.n)
    budget = (0.2, K.Rates(plain=1e7, ruled=1e7))
    (a1, s1), (a2, s2) = (K.local_search(p, None, None, 7, work=budget) for _ in range(2))
    assert np.array_equal(a1, a2) and s1["work"] == s2["work"] >= s1["max_work"] == 2_000_000
    assert s1["objective"] == evaluate(p, a1).objective_scaled
    its = 4 * K.POOL_MIN_SCANS * p.n
    seen: list[int] = []
    a, st = K.local_search(p, None, None, 7, max_iterations=its,
                           on_improve=lambda a, obj, feasible: seen.append(obj))
    first = int(K.POOL_START_SHARE / K.POOL * its)
    _, alone = K.local_search(p, None, None, 7, max_iterations=first)
    assert st["iterations"] == its and st["objective"] >= alone["objective"]
    assert seen == sorted(seen) and seen[-1] == st["objective"] == evaluate(p, a).objective_scaled


def test_population_only_for_pair_scores_and_a_budget() -> None:
    """Rules beyond the sizes, or a clock alone, keep the single search."""
    p = random_problem(4, 24, 4, rules=False)
    enough = K.POOL_MIN_SCANS * p.n
    assert K._pooled(dense(p), enough, p.n) and not K._pooled(dense(p), enough - 1, p.n)
    assert not K._pooled(dense(p), None, p.n)
    assert not K._pooled(dense(random_problem(4, 24, 4, rules=True)), enough, p.n)
