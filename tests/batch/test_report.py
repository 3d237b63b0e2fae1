"""The batch report: summaries, ranks, win/tie/loss, profiles and time to target, by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from pilotopt.batch.report import (
    profile,
    ranks,
    read_best_known,
    summarise,
    time_to_target,
    win_tie_loss,
    write_report,
)
from pilotopt.errors import InputError


def _run(inst: str, conf: str, seed: int, obj: float | None, feasible: bool = True,
         outcome: str = "ok", trace: list[list[object]] | None = None) -> dict[str, object]:
    return {"instance": inst, "configuration": conf, "seed": seed, "objective": obj,
            "feasible": feasible if obj is not None else None, "outcome": outcome,
            "wall_time": 1.0, "trace": trace or [], "pilotopt_version": "0.1",
            "ortools_version": "9", "numba_version": "0.6", "host": "h"}


ROWS = [
    _run("i1", "a", 1, 100, trace=[[0.5, 90, True], [1.0, 100, True]]),
    _run("i1", "a", 2, 96, trace=[[2.0, 96, True]]),
    _run("i1", "b", 1, 100, trace=[[3.0, 100, True]]),
    _run("i1", "b", 2, 90),
    _run("i2", "a", 1, 50, feasible=False),  # breaks a hard rule: does not count
    _run("i2", "b", 1, 40),
    _run("i2", "a", 2, None, outcome="error"),
    _run("i2", "b", 2, 45),
]


def test_ranks_share_ties_and_put_missing_last() -> None:
    assert ranks({"a": 3.0, "b": 5.0, "c": 3.0, "d": None}) == {
        "b": 1, "a": 2.5, "c": 2.5, "d": 4}


def test_summaries_count_only_feasible_objectives() -> None:
    got = {(s.instance, s.configuration): s for s in summarise(ROWS, {"i1": 100.0})}
    a1 = got["i1", "a"]
    assert (a1.mean, a1.best, a1.worst) == (98, 100, 96)
    assert a1.gap_mean == pytest.approx(2.0) and a1.gap_best == 0
    assert a1.rank == 1 and got["i1", "b"].rank == 2  # 98 against 95
    a2 = got["i2", "a"]
    assert a2.feasible == 0 and a2.failed == 1 and a2.mean is None and a2.rank == 2
    assert got["i2", "b"].mean == 42.5 and got["i2", "b"].gap_mean is None


def test_win_tie_loss_per_instance_and_seed() -> None:
    wtl = win_tie_loss(ROWS)
    # i1/1: tie; i1/2: a wins; i2/1: a has no counted objective, loses; i2/2: a failed, loses.
    assert wtl["a", "b"] == (1, 1, 2)
    assert wtl["b", "a"] == (2, 1, 1)


def test_profile_and_time_to_target_from_references() -> None:
    refs = {"i1": 100.0, "i2": 45.0}
    summaries = summarise(ROWS)
    prof = profile(summaries, refs)
    assert prof["a"] == pytest.approx([2.0, math.inf])
    assert prof["b"] == pytest.approx([5.0, 100 * 2.5 / 45])
    ttt = time_to_target(ROWS, refs, within=5.0)  # targets 95 and 42.75
    assert ttt["a"] == [1.0, 2.0, math.inf, math.inf]
    assert ttt["b"] == [3.0, math.inf, math.inf, math.inf]  # b's i2 runs have no trace


def test_best_known_file_problems_are_located(tmp_path: Path) -> None:
    good = tmp_path / "bks.csv"
    good.write_text("instance,n,bks\ni1,10,100.5\n")
    assert read_best_known(good) == {"i1": 100.5}
    bad = tmp_path / "bad.csv"
    bad.write_text("instance,bks\ni1,lots\ni2,3\n")
    with pytest.raises(InputError) as err:
        read_best_known(bad)
    assert "row 2, column 'bks', value 'lots'" in str(err.value)
    (tmp_path / "x.csv").write_text("instance,best\ni1,3\n")
    with pytest.raises(InputError, match="missing bks"):
        read_best_known(tmp_path / "x.csv")


def test_the_report_is_self_contained(tmp_path: Path) -> None:
    bks = tmp_path / "bks.csv"
    bks.write_text("instance,bks\ni1,100\n")
    written = write_report(ROWS, tmp_path / "out", name="demo", store="runs.duckdb",
                           best_known=bks)
    assert sorted(p.name for p in written) == ["report.html", "summary.csv", "summary.md"]
    html = (tmp_path / "out" / "report.html").read_text()
    assert html.count("<svg") == 2
    assert "<script" not in html and "<link" not in html and 'src="' not in html
    assert "1 / 1 / 2" in html
    csv_text = (tmp_path / "out" / "summary.csv").read_text().splitlines()
    assert csv_text[0].startswith("instance,configuration,runs,feasible,failed,mean")
    assert len(csv_text) == 5
    md = (tmp_path / "out" / "summary.md").read_text()
    assert "| a | 1.50 | 4 | 2 | 1 | 2.000 |" in md


def test_best_known_file_as_excel_saves_it_on_a_dutch_windows(tmp_path: Path) -> None:
    path = tmp_path / "bks.csv"
    path.write_bytes("Beste bekende waarden\r\ninstance;bks\r\ni1;100,5\r\ni2;42\r\n"
                     .encode("cp1252"))
    assert read_best_known(path) == {"i1": 100.5, "i2": 42.0}
