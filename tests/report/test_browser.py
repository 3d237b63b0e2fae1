"""The reports in a real browser: headless Chromium loads them without a console error or a
dialog, shows every section and group card, and shows the evil name as text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from report_browser import Chromium, find_chromium
from report_cases import EVIL, Case, demo, flanders300

from pilotopt.report.html import write_html

BINARY = find_chromium()
pytestmark = pytest.mark.skipif(
    BINARY is None,
    reason="no Chromium found: install Debian's chromium (apt-get install chromium) "
           "or set PILOTOPT_CHROMIUM to a Chromium binary",
)

CHECKS = {
    "cards": "[...document.querySelectorAll('[data-group]')].map(e => e.dataset.group)",
    "visible": "[...document.querySelectorAll('[data-group]')]"
               ".every(e => e.getBoundingClientRect().height > 50)",
    "sections": "[...document.querySelectorAll('[data-section]')].map(e => e.dataset.section)",
    "evil_shown": f"document.body.innerText.includes({json.dumps(EVIL)})",
    "scripts": "document.scripts.length",
    "charts": "document.querySelectorAll('figure svg').length",
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    assert BINARY is not None
    with Chromium(BINARY) as b:
        yield b


#: A4's printable width at Chromium's default margins (1 cm a side): 190 mm at 96 dpi.
A4_PRINTED = 718
PRINT_CHECKS = {
    "page_wider": "document.documentElement.scrollWidth - document.documentElement.clientWidth",
    # Cells whose content is cut or would scroll (the "gets" and "needs not met" columns).
    "cells_cut": "[...document.querySelectorAll('td, th')]"
                 ".filter(c => c.scrollWidth > c.clientWidth + 1).length",
    "tables_beyond": "[...document.querySelectorAll('table')].filter(t => "
                     "t.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
                     ".length",
}


def test_printed_on_a4_nothing_is_cut(browser: Chromium, tmp_path: Path) -> None:
    page = write_html(tmp_path / "report.html", *demo().args())
    visit = browser.visit(page.as_uri(), PRINT_CHECKS, size=(A4_PRINTED, 1100), media="print")
    assert visit.values == {"page_wider": 0, "cells_cut": 0, "tables_beyond": 0}


def test_the_check_sees_errors_and_dialogs(browser: Chromium, tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text("<p>x</p><script>console.error('boom'); alert('hi'); nothing();</script>")
    visit = browser.visit(page.as_uri())
    assert "boom" in visit.errors and any("nothing" in e for e in visit.errors)
    assert visit.dialogs == ["alert: hi"]


@pytest.mark.parametrize("make", [demo, flanders300], ids=["demo", "flanders-300"])
def test_report_in_chromium(make: object, browser: Chromium, tmp_path: Path) -> None:
    case: Case = make()  # type: ignore[operator]
    page = write_html(tmp_path / "report.html", *case.args())
    shot = tmp_path / "report.png"
    visit = browser.visit(page.as_uri(), CHECKS, shot)
    assert visit.errors == [] and visit.dialogs == []
    v = visit.values
    assert v["cards"] == [str(g + 1) for g in range(case.problem.m)] and v["visible"]
    assert v["sections"] == ["summary", "overview", "map", "groups", "rules"]
    assert v["scripts"] == 0 and v["charts"] == 2
    assert v["evil_shown"] == (EVIL in case.problem.names)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
