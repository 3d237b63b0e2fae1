"""The PDF through headless Chromium where it is installed (skipped otherwise), and a clear
message with exit 2 where it is not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from report_cases import ROOT, demo

from pilotopt.cli import main
from pilotopt.report.html import render_html
from pilotopt.report.pdf import PdfError, find_chromium, write_pdf

ROSTER = ROOT / "tests/data/roster.csv"
SCENARIO = ROOT / "tests/data/scenario.toml"

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="Chromium not installed")


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


@needs_chromium
def test_a4_pdf_with_a_page_per_group(tmp_path: Path) -> None:
    case = demo()
    path = write_pdf(tmp_path / "report.pdf", render_html(*case.args()))
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    # Summary pages, then each group on a page of its own, then the rules.
    assert pages(data) >= case.problem.m + 2
    # A4 is 595 x 842 points.
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert boxes and all(round(float(w)) == 595 and round(float(h)) == 842 for w, h in boxes)
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_without_chromium_a_message_and_exit_2(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOTOPT_CHROMIUM", str(tmp_path / "no-such-browser"))
    with pytest.raises(PdfError, match="needs Chromium"):
        write_pdf(tmp_path / "r.pdf", "<p>x</p>")
    assignment = tmp_path / "a.csv"
    assignment.write_text("id,group\nse01,G1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(ROSTER), "-s", str(SCENARIO), "-a",
                                       str(assignment), "--pdf", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2 and "needs Chromium" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "r.pdf").exists()


@needs_chromium
def test_report_command_writes_the_pdf_and_html(tmp_path: Path) -> None:
    assignment = tmp_path / "a.csv"
    assignment.write_text("id,group\n" + "".join(
        f"{oid},{'G1' if k % 2 else 'G2'}\n" for k, oid in enumerate(
            ["se01", "se02", "se03", "se04", "rg01", "rg02", "rg03", "pb01"])), encoding="utf-8")
    result = CliRunner().invoke(main, [
        "report", str(ROSTER), "-s", str(SCENARIO), "-a", str(assignment), "--lang", "nl",
        "--out", str(tmp_path / "r.html"), "--pdf", str(tmp_path / "r.pdf")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert "De groepen" in (tmp_path / "r.html").read_text(encoding="utf-8")
