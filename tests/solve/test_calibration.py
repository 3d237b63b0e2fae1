"""The kept machine calibration of the reproducible mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
