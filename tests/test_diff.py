"""Two assignments compared: who moved, pairs kept, broken and formed, and every figure before
and after as the evaluator gives it (so as `pilotopt score` reports each)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from click.testing import CliRunner

from helpers import make_problem
from pilotopt.cli import main
from pilotopt.diff import diff
from pilotopt.evaluate import evaluate
from pilotopt.problem import SCALE, PairLink, RuleInfo


def test_moves_and_pairs_on_a_hand_checked_case() -> None:
    # a b c | d e  ->  a b | c d e : c moved from G1 to G2.
    d = diff(make_problem(np.ones((5, 5)) - np.eye(5), 2), [0, 0, 0, 1, 1], [0, 0, 1, 1, 1])
    assert d.moved == ((2, 0, 1),)
    assert d.kept == 2  # a-b, d-e
    assert d.broken == ((0, 2), (1, 2))
    assert d.formed == ((2, 3), (2, 4))


def test_every_figure_is_the_evaluators_before_and_after() -> None:
    s = np.array([[0, 4, 1, 0], [4, 0, 0, 2], [1, 0, 0, 3], [0, 2, 3, 0]]) * SCALE
    apart = (RuleInfo("rule 1", "apart", "a and d apart", True),
             PairLink(1, np.array([[0, 3]]), False, True))
    p = make_problem(s, 2, size=(2, 2), extra=[apart])
    a, b = [0, 0, 1, 1], [0, 1, 0, 1]  # b and c swap; then a is with c (1), b with d (2)
    d = diff(p, a, b)
    doc = d.to_dict()
    ea, eb = evaluate(p, a), evaluate(p, b)
    assert doc["objective"] == {"a": ea.objective, "b": eb.objective,
                                "change": (eb.objective_scaled - ea.objective_scaled) / SCALE}
    assert doc["objective"]["change"] == (1 + 2) - (4 + 3)
    assert [m["organisation"] for m in doc["moved"]] == ["b", "c"]
    for r, ra, rb in zip(doc["rules"], ea.rules, eb.rules, strict=True):
        assert r["violation"]["a"] == ra.violation and r["violation"]["b"] == rb.violation
        assert r["penalty"]["change"] == (rb.penalty_scaled - ra.penalty_scaled) / SCALE
    g1, g2 = doc["groups"]
    assert g1["complementarity"] == {"a": 4.0, "b": 1.0, "change": -3.0}
    assert (g1["joined"], g1["left"], g2["joined"], g2["left"]) == (["c"], ["b"], ["b"], ["c"])
    assert doc["pairs"] == {"kept": 0, "broken": [["a", "b"], ["c", "d"]],
                            "formed": [["a", "c"], ["b", "d"]]}


def test_an_unchanged_assignment_keeps_every_pair() -> None:
    p = make_problem(np.ones((3, 3)) - np.eye(3), 2)
    d = diff(p, [0, 0, 1], [0, 0, 1])
    assert (d.moved, d.kept, d.broken, d.formed) == ((), 1, (), ())
    assert d.to_dict()["objective"]["change"] == 0


# ----------------------------------------------------------------------------------------------
# the command: each side's figures are what score reports on it
# ----------------------------------------------------------------------------------------------

DATA = Path(__file__).parent / "data"
ROSTER, SCENARIO = DATA / "roster.csv", DATA / "scenario.toml"
A = {"se01": "G1", "se02": "G2", "se03": "G1", "se04": "G2", "rg01": "G1", "rg02": "G2",
     "rg03": "G2", "pb01": "G1"}
B = {**A, "se03": "G2", "rg03": "G1"}  # se03 and rg03 trade places


def write(path: Path, groups: dict[str, str], sep: str = ",", encoding: str = "utf-8") -> Path:
    path.write_text(f"id{sep}group\n" + "".join(f"{i}{sep}{g}\n" for i, g in groups.items()),
                    encoding=encoding)
    return path


def score(path: Path, out: Path) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["score", str(ROSTER), "-s", str(SCENARIO), "-a",
                                       str(path), "--out", str(out)])
    assert result.exit_code in (0, 1), result.output
    doc: dict[str, Any] = json.loads((out / "score.json").read_text())
    return doc


def test_diff_command_figures_equal_score_of_each(tmp_path: Path) -> None:
    a = write(tmp_path / "a.csv", A)
    # B as Excel writes it on a Dutch Windows: ';'-separated, Windows-1252.
    b = write(tmp_path / "b.csv", B, sep=";", encoding="cp1252")
    result = CliRunner().invoke(main, ["diff", str(ROSTER), "-s", str(SCENARIO), str(a), str(b),
                                       "--out", str(tmp_path / "d"), "--html",
                                       str(tmp_path / "d.html")])
    assert result.exit_code == 0, result.output
    assert "se03 (" in result.output and "G1 -> G2" in result.output
    doc = json.loads((tmp_path / "d" / "diff.json").read_text())
    sa, sb = score(a, tmp_path / "sa"), score(b, tmp_path / "sb")
    assert [m["organisation"] for m in doc["moved"]] == ["se03", "rg03"]
    for key in ("objective", "complementarity", "penalty"):
        assert (doc[key]["a"], doc[key]["b"]) == (sa[key], sb[key])
        assert round(doc[key]["change"], 6) == round(sb[key] - sa[key], 6)
    for r, ra, rb in zip(doc["rules"], sa["rules"], sb["rules"], strict=True):
        assert r["id"] == ra["id"]
        assert (r["violation"]["a"], r["violation"]["b"]) == (ra["violation"], rb["violation"])
        assert (r["penalty"]["a"], r["penalty"]["b"]) == (ra["penalty"], rb["penalty"])
    for g, ga, gb in zip(doc["groups"], sa["groups"], sb["groups"], strict=True):
        assert (g["size"]["a"], g["size"]["b"]) == (ga["size"], gb["size"])
        assert (g["complementarity"]["a"], g["complementarity"]["b"]) == (
            ga["complementarity"], gb["complementarity"])
    assert doc["assignments"]["b"]["path"] == str(b)
    page = (tmp_path / "d.html").read_text()
    assert "<html" in page and "se03" in page and "http" not in page.replace(
        "http-equiv", "")


def test_diff_reads_a_workbook_and_speaks_dutch(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["id", "group"])
    for i, g in B.items():
        ws.append([i, g])
    wb.save(tmp_path / "b.xlsx")
    result = CliRunner().invoke(main, ["diff", str(ROSTER), "-s", str(SCENARIO),
                                       str(write(tmp_path / "a.csv", A)),
                                       str(tmp_path / "b.xlsx"), "--lang", "nl"])
    assert result.exit_code == 0, result.output
    assert "Verplaatst: 2" in result.output


def test_diff_names_every_problem_of_both_files_and_writes_nothing(tmp_path: Path) -> None:
    a = write(tmp_path / "a.csv", {**A, "se01": "G9"})
    b = write(tmp_path / "b.csv", {**B, "zz99": "G1"})
    result = CliRunner().invoke(main, ["diff", str(ROSTER), "-s", str(SCENARIO), str(a), str(b),
                                       "--out", str(tmp_path / "d")])
    assert result.exit_code == 2
    assert "a.csv" in result.output and "G9" in result.output
    assert "b.csv" in result.output and "zz99" in result.output
    assert not (tmp_path / "d").exists()


def test_dutch_lines_name_rules_by_their_dutch_labels_and_the_document_stays_english() -> None:
    from pilotopt.report.diff import diff_lines

    apart = (RuleInfo("rule 1", "apart", "a and d apart", True, label_nl="a en d niet samen"),
             PairLink(1, np.array([[0, 3]]), False, True))
    p = make_problem(np.zeros((4, 4)), 2, size=(2, 2), extra=[apart])
    d = diff(p, [0, 0, 1, 1], [0, 1, 1, 0])  # b and d swap: a and d together
    dutch = "\n".join(diff_lines(d, {"a": "a.csv", "b": "b.csv"}, "nl"))
    assert "a en d niet samen" in dutch and "a and d apart" not in dutch
    assert "a and d apart" in "\n".join(diff_lines(d, {"a": "a.csv", "b": "b.csv"}))
    assert [r["label"] for r in d.to_dict()["rules"]][1:] == ["a and d apart"]
