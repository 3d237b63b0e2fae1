"""Reading earlier waves: which pairs met, with what outcome, every problem located."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from pilotopt.errors import InputError
from pilotopt.io.history import History, read_history

INDEX = {k: i for i, k in enumerate(["a", "b", "c", "d", "e"])}


def wave(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def pairs(history: History, **kw: object) -> list[list[int]]:
    return history.pairs(INDEX, **kw).tolist()  # type: ignore[arg-type]


def test_pairs_of_each_group_of_each_wave_once(tmp_path: Path) -> None:
    # Wave 1: {a, b, c}, {d, e}; wave 2: {a, d}, {b, e} and c left out; x is no longer there.
    w1 = wave(tmp_path, "w1.csv", "id,group\na,Gent\nb,gent\nc,Gent\nd,Kempen\ne,Kempen\n")
    w2 = wave(tmp_path, "w2.csv", "id;group\na;1\nd;1\nb;2\ne;2\nx;2\nc;\n")
    h = read_history([w1, w2])
    assert h.files == (str(w1), str(w2))
    assert pairs(h) == [[0, 1], [0, 2], [0, 3], [1, 2], [1, 4], [3, 4]]
    assert pairs(h, last=1) == [[0, 3], [1, 4]]
    # Each membership of the latest wave, its group as written (c is in none).
    assert h.latest == (("a", "1"), ("d", "1"), ("b", "2"), ("e", "2"), ("x", "2"))


def test_pair_outcome_is_the_worse_of_two_and_the_latest_wave_counts(tmp_path: Path) -> None:
    w1 = wave(tmp_path, "w1.csv",
              "id,group,outcome\na,G1,done\nb,G1,Done\nc,G1,dropped\nd,G2,ongoing\ne,G2,done\n")
    # a and b meet again; this time b drops out (Dutch words are read too).
    w2 = wave(tmp_path, "w2.csv", "id,group,Outcome\na,G1,afgerond\nb,G1,afgehaakt\n")
    h = read_history([w1, w2])
    assert pairs(h, outcomes=["done"]) == []
    assert pairs(h, outcomes=["dropped"]) == [[0, 1], [0, 2], [1, 2]]
    assert pairs(h, outcomes=["ongoing"]) == [[3, 4]]
    assert pairs(read_history([w1]), outcomes=["done"]) == [[0, 1]]


def test_a_missing_outcome_leaves_the_pair_unknown(tmp_path: Path) -> None:
    w = wave(tmp_path, "w.csv", "id,group,outcome\na,G1,done\nb,G1,\nc,G1,dropped\n")
    h = read_history([w])
    assert pairs(h, outcomes=["done", "ongoing"]) == []
    assert pairs(h, outcomes=["dropped"]) == [[0, 2], [1, 2]]
    assert len(pairs(h)) == 3


def test_every_problem_of_every_file_is_located(tmp_path: Path) -> None:
    w1 = wave(tmp_path, "w1.csv", "id,group,outcome\na,G1,finished\n,G1,\nb,G1,done\n")
    w2 = wave(tmp_path, "w2.csv", "name,team\na,1\n")
    with pytest.raises(InputError) as err:
        read_history([w1, w2, tmp_path / "missing.csv"])
    text = [str(p) for p in err.value.problems]
    assert len(text) == 4, text
    assert "row 2" in text[0] and "id a" in text[0] and "'finished'" in text[0]
    assert "row 3" in text[1] and "no id" in text[1]
    assert "w2.csv" in text[2] and "missing.csv" in text[3]


def test_a_groups_workbook_is_read_sheet_by_sheet(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "1 Gent"
    for row in (["id", "name", "outcome"], ["a", "A", "done"], ["b", "B", "done"]):
        first.append(row)
    second = book.create_sheet("2 Kempen")
    for row in (["id", "name"], ["c", "C"], ["d", "D"]):
        second.append(row)
    path = tmp_path / "groups.xlsx"
    book.save(path)
    h = read_history([path])
    assert pairs(h) == [[0, 1], [2, 3]]
    assert pairs(h, outcomes=["done"]) == [[0, 1]]


def test_a_wave_from_the_run_store(tmp_path: Path) -> None:
    from pilotopt.store import read_runs, record

    store = tmp_path / "runs.duckdb"
    record(store, [{"source": "solve", "outcome": "ok",
                    "assignment": {"a": "G1", "b": "G1", "c": "G2", "d": "G2", "e": ""}}])
    run = read_runs(store)[0]["run_id"]
    assert pairs(read_history([f"{store}#{run[:8]}"])) == [[0, 1], [2, 3]]
    with pytest.raises(InputError) as err:
        read_history([f"{store}#nothing"])
    [problem] = err.value.problems
    assert problem.file == f"{store}#nothing" and "no run" in problem.message
