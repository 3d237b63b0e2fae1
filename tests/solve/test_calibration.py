"""The kept machine calibration of the reproducible mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import factored_problem, random_problem
from pilotopt.solve import calibration as cal
from pilotopt.solve.search.tabu import Rates


def test_load_reads_the_file_and_refuses_a_broken_one(tmp_path: Path) -> None:
    f = tmp_path / "c.json"
    assert cal.load(f) is None  # none yet
    f.write_text(json.dumps({"plain": 3e6, "ruled": 1e6, "startup": 0.4}))
    assert cal.load(f) == cal.Calibration(Rates(3e6, 1e6), 0.4)
    for bad in ("{", json.dumps({"plain": 3e6}), json.dumps({"plain": 0, "ruled": 1,
                                                             "startup": 0})):
        f.write_text(bad)
        assert cal.load(f) is None


def test_path_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PILOTOPT_CALIBRATION", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cal.path() == tmp_path / "pilotopt" / "calibration.json"
    monkeypatch.setenv("PILOTOPT_CALIBRATION", str(tmp_path / "x.json"))
    assert cal.path() == tmp_path / "x.json"


def test_first_calibration_is_measured_and_kept(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "sub" / "c.json"
    monkeypatch.setenv("PILOTOPT_CALIBRATION", str(f))
    first = cal.calibration(startup=0.1234)
    assert min(first.rates) > 0 and first.startup == 0.123
    assert f.exists() and cal.load(f) == first
    assert cal.calibration(startup=9.0) == first  # kept: later runs get the same budgets
    f.unlink()
    assert cal.calibration(startup=60.0).startup == cal.MAX_STARTUP  # a first compilation


def test_a_problem_shape_is_measured_once_and_kept(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "c.json"
    monkeypatch.setenv("PILOTOPT_CALIBRATION", str(f))
    f.write_text(json.dumps({"plain": 3e6, "ruled": 1e6, "startup": 0.4}))
    measured: list[str] = []

    def rate(problem: object, start: object, seconds: float) -> float:
        measured.append(cal.shape(problem))  # type: ignore[arg-type]
        return 7e6

    monkeypatch.setattr(cal, "_rate", rate)
    plain, ruled = (random_problem(1, 12, 3, rules=r) for r in (False, True))
    first = 7e6 * cal.FIRST_OPTIMISM  # kept high: the first run's own rate will replace it
    assert cal.rates_for(plain, None, cal.load(f)) == Rates(first, first)  # type: ignore[arg-type]
    kept = cal.load(f)
    assert kept is not None and kept.shapes == {cal.shape(plain): first}
    assert cal.rates_for(plain, None, kept) == Rates(first, first)  # read, not measured again
    cal.rates_for(ruled, None, kept)
    assert measured == [cal.shape(plain), cal.shape(ruled)]
    assert cal.shape(plain) != cal.shape(ruled)
    assert cal.load(f).shapes.keys() == {cal.shape(plain), cal.shape(ruled)}  # type: ignore[union-attr]


def test_the_shape_is_the_same_for_the_same_problem_only() -> None:
    a = random_problem(1, 12, 3, rules=False)
    assert cal.shape(a) == cal.shape(random_problem(1, 12, 3, rules=False))
    assert cal.shape(a) != cal.shape(random_problem(2, 12, 3, rules=False))  # other scores
    assert cal.shape(a) != cal.shape(random_problem(1, 13, 3, rules=False))


def test_a_fixed_calibration_serves_every_problem_with_its_two_rates(tmp_path: Path) -> None:
    f = tmp_path / "c.json"
    f.write_text(json.dumps({"plain": 3e6, "ruled": 1e6, "startup": 0.0, "fixed": True}))
    fixed = cal.load(f)
    assert fixed is not None and fixed.fixed
    assert cal.rates_for(random_problem(1, 12, 3, rules=True), None, fixed) == Rates(3e6, 1e6)
    assert cal.load(f) == fixed  # nothing measured nor written


def test_a_measured_rate_is_work_per_cpu_second() -> None:
    rate = cal._rate(random_problem(1, 30, 3, rules=True), None, 0.03)
    assert 1e5 < rate < 1e11


def test_the_large_search_rate_and_start_are_measured_once_per_shape(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pilotopt.solve.search import sampled

    f = tmp_path / "c.json"
    monkeypatch.setenv("PILOTOPT_CALIBRATION", str(f))
    f.write_text(json.dumps({"plain": 3e6, "ruled": 1e6, "startup": 0.4}))
    measured: list[float] = []

    def visit_rate(search: object, seconds: float) -> float:
        measured.append(seconds)
        return 5000.0

    monkeypatch.setattr(sampled, "visit_rate", visit_rate)
    p = factored_problem(1, 30, 3)
    assert cal.large_rate(p, None, 1.25, cal.load(f)) == (5000.0, 1.25)  # type: ignore[arg-type]
    assert cal.large_rate(p, None, 9.0, cal.load(f)) == (5000.0, 1.25)  # type: ignore[arg-type]
    assert measured == [cal.SHAPE_SECONDS]


def test_a_run_ended_by_the_clock_lowers_its_shapes_rate_only(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    f = tmp_path / "c.json"
    monkeypatch.setenv("PILOTOPT_CALIBRATION", str(f))
    p = random_problem(1, 12, 3, rules=False)
    key = cal.shape(p)
    f.write_text(json.dumps({"plain": 3e6, "ruled": 1e6, "startup": 0.4, "shapes": {key: 8e6}}))
    cal.slower(p, 9e6)  # faster than kept: nothing changes
    cal.slower(p, 7.6e6)  # hardly slower (the machine's run-to-run spread): nothing either
    assert cal.load(f).shapes == {key: 8e6}  # type: ignore[union-attr]
    cal.slower(p, 5e6)
    assert cal.load(f).shapes == {key: 5e6 * (1 - cal.SLOWER_MARGIN)}  # type: ignore[union-attr]
    f.write_text(json.dumps({"plain": 3e6, "ruled": 1e6, "startup": 0.0, "fixed": True}))
    cal.slower(p, 1e3)
    assert cal.load(f).shapes == {}  # type: ignore[union-attr]
