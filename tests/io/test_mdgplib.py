"""MDGPLIB reader and writer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pilotopt.io.mdgplib import read_mdgplib, write_mdgplib
from pilotopt.problem import GroupSum

INSTANCES = Path(__file__).resolve().parents[2] / "instances" / "mdgplib"


def test_reads_sample_instance() -> None:
    p = read_mdgplib(INSTANCES / "RanReal_n120_ds_01.txt")
    assert (p.n, p.m) == (120, 10)
    assert p.ids[0] == "0" and p.group_names[-1] == "G10"
    assert p.source["format"] == "mdgplib"
    lo, hi = p.size_bounds()
    assert lo.tolist() == [9, 10, 11, 8, 10, 8, 12, 8, 10, 12]
    assert hi.tolist() == [14, 15, 16, 16, 12, 14, 13, 13, 12, 16]
    (size,) = p.primitives
    assert isinstance(size, GroupSum) and size.hard and p.rules[0].id == "groups.size"
    first = (INSTANCES / "RanReal_n120_ds_01.txt").read_text().splitlines()[1].split()
    assert p.score[0, 1] == round(float(first[2]) * 1000)


def test_integer_scores_and_same_sizes() -> None:
    p = read_mdgplib(INSTANCES / "RanInt_n120_ss_01.txt")
    lo, hi = p.size_bounds()
    assert np.all(lo == 12) and np.all(hi == 12)
    assert np.all(p.score % 1000 == 0)


def test_round_trip(tmp_path: Path) -> None:
    p = read_mdgplib(INSTANCES / "Geo_n120_ds_01.txt")
    out = tmp_path / "copy.txt"
    write_mdgplib(p, out)
    q = read_mdgplib(out)
    assert np.array_equal(p.score, q.score)
    for x, y in zip(p.size_bounds(), q.size_bounds(), strict=True):
        assert np.array_equal(x, y)


def test_round_trip_small_negative(tmp_path: Path) -> None:
    src = tmp_path / "s.txt"
    src.write_text("3 1 ss 3 3 \n0 1 -1.5\n0 2 2.125\n1 2 0.001\n")
    p = read_mdgplib(src)
    assert p.score[0, 1] == -1500 and p.score[2, 0] == 2125 and p.score[1, 2] == 1
    write_mdgplib(p, tmp_path / "t.txt")
    assert np.array_equal(read_mdgplib(tmp_path / "t.txt").score, p.score)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("3 x ss 3 3\n0 1 1\n0 2 1\n1 2 1\n", ":1:"),
        ("3 1 ss 3\n0 1 1\n0 2 1\n1 2 1\n", ":1:"),
        ("3 1 ss 3 3\n0 1 1\n0 2 1\n", ":3:"),
        ("3 1 ss 3 3\n0 1 1\n0 2\n1 2 1\n", ":3:"),
        ("3 1 ss 3 3\n0 1 1\n0 2 a\n1 2 1\n", ":3:"),
        ("3 1 ss 3 3\n0 1 1\n2 0 1\n1 2 1\n", ":3:"),
        ("3 1 ss 3 3\n0 1 1\n0 1 1\n1 2 1\n", ":3:"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, text: str, where: str) -> None:
    f = tmp_path / "bad.txt"
    f.write_text(text)
    with pytest.raises(ValueError, match="bad.txt" + where):
        read_mdgplib(f)
