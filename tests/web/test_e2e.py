"""The workspace in a real browser: Playwright drives Debian's Chromium through the whole flow
(open the demo, solve, move a card by keyboard and by drag, lock, undo, download, edit the
scenario's settings, re-solve from the current groups with a lock, the PDF report) and the score
the page shows is the one ``pilotopt score`` gives for the downloaded assignment and scenario.
Screenshots of the main screens go to the test's output folder."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pilotopt.cli import main
from pilotopt.web import create_app

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium: install Debian's chromium (apt-get install chromium)")
playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="playwright not installed (the test extra has it)")

ROOT = Path(__file__).parents[2]
DEMO, PRESET = ROOT / "instances" / "demo" / "roster.csv", ROOT / "models" / "esf-proeftuin.toml"
#: Chromium's flags on a machine without network: no background connections.
FLAGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    app = create_app(tmp_path_factory.mktemp("workspace"), workers=1)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < end and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1400,
                                                                        "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # A refused move answers 409, which Chromium logs as a failed resource: expected here.
        page.on("console", lambda m: errors.append(m.text) if m.type == "error"
                and "409" not in m.text else None)
        page.goto(server)
        yield page
        browser.close()
        assert errors == []


def _group_of(page: Any, org_id: str) -> int:
    return int(page.locator(f'.card[data-id="{org_id}"]').evaluate(
        "c => c.closest('.column').dataset.group"))


def _wait_version(page: Any, version: int) -> None:
    page.wait_for_function(f"document.body.dataset.version === '{version}'")


def _score_of_download(page: Any, link: str, out: Path, scenario: Path = PRESET) -> float:
    """Download the assignment and score it with the command line; its objective."""
    with page.expect_download() as info:
        page.click(f'a[href="{link}"]')
    csv_path = out / "assignment.csv"
    info.value.save_as(csv_path)
    done = CliRunner().invoke(main, ["score", str(DEMO), "-s", str(scenario), "-a", str(csv_path),
                                     "--out", str(out)])
    assert done.exit_code in (0, 1), done.output  # 1: a hard rule is broken
    return float(json.loads((out / "score.json").read_text())["objective"])


def _shown_objective(page: Any) -> float:
    return float(page.locator("#summary .objective").inner_text())


def _assignment(page: Any) -> dict[str, str]:
    return dict(page.evaluate("fetch('/api/score').then(r => r.json())")["assignment"])


def test_the_whole_flow(page: Any, server: str, tmp_path: Path) -> None:
    shots = tmp_path / "screenshots"
    page.select_option('#demo select[name="preset"]', "esf-proeftuin")
    page.click('#demo button[type="submit"]')
    page.wait_for_selector("#profile")
    assert "40 organisations, 5 groups" in page.inner_text("#profile")
    page.screenshot(path=str(shots / "1-inputs.png"), full_page=True)

    page.fill('input[name="time_limit"]', "2")
    page.click("#solve-button")
    page.wait_for_selector(".card", timeout=60_000)  # the page reloads when the solve is done
    assert page.locator(".card").count() == 40
    page.screenshot(path=str(shots / "2-groups.png"), full_page=True)

    # By keyboard: focus the first card of group 0, Enter, choose group 1, Tab to Move, Enter.
    first = page.locator('.column[data-group="0"] .card').first
    org = first.get_attribute("data-id")
    first.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "move-to"
    page.select_option("#move-to", "1")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    _wait_version(page, 1)
    assert _group_of(page, org) == 1
    assert org in page.inner_text("#change")

    # By drag and drop: a card of group 2 onto group 3.
    dragged = page.locator('.column[data-group="2"] .card').first
    other = dragged.get_attribute("data-id")
    dragged.drag_to(page.locator('.column[data-group="3"] .cards'))
    _wait_version(page, 2)
    assert _group_of(page, other) == 3
    page.screenshot(path=str(shots / "3-moved.png"), full_page=True)
    assert _shown_objective(page) == pytest.approx(
        _score_of_download(page, "/download/assignment.csv", tmp_path / "moved"), abs=0.005)

    # Lock the keyboard-moved card: it no longer moves; undo takes back the drag.
    page.click(f'.card[data-id="{org}"] .lock')
    page.wait_for_selector(f'.card[data-id="{org}"].locked')
    assert page.evaluate("fetch('/api/score').then(r => r.json())")["locked"] == [org]
    page.click("#undo")
    _wait_version(page, 3)
    assert _group_of(page, other) == 2 and _group_of(page, org) == 1
    page.click("#undo")  # the keyboard move: its card is locked
    page.wait_for_selector("#notice:not([hidden])")
    assert "locked" in page.inner_text("#notice")
    assert _shown_objective(page) == pytest.approx(
        _score_of_download(page, "/download/assignment.csv", tmp_path / "undone"), abs=0.005)

    with page.expect_download() as report:
        page.click('a[href="/download/report.html"]')
    assert report.value.suggested_filename == "report.html"

    page.goto(f"{server}/lang/nl")
    assert "Verplaatsen naar" in page.inner_text("#move-form")
    page.screenshot(path=str(shots / "4-dutch.png"), full_page=True)
    page.goto(f"{server}/lang/en")

    # The settings form: the distance rule (rules[7], hard, 70 km) soft at 5 km; every group
    # has members further apart, so the objective drops, to what pilotopt score says with the
    # downloaded scenario (whose comments are kept).
    before = _shown_objective(page)
    page.select_option('select[name="rules[7].hard"]', "false")
    page.fill('input[name="rules[7].km"]', "5")
    page.click("#apply-settings")
    page.wait_for_selector('input[name="rules[7].km"][value="5"]')
    page.screenshot(path=str(shots / "5-settings.png"), full_page=True)
    with page.expect_download() as toml:
        page.click('#downloads a[href="/download/scenario.toml"]')
    scenario = tmp_path / "edited.toml"
    toml.value.save_as(scenario)
    assert "# Workable: mobility is a real barrier" in scenario.read_text()
    assert _shown_objective(page) < before
    assert _shown_objective(page) == pytest.approx(
        _score_of_download(page, "/download/assignment.csv", tmp_path / "edited", scenario),
        abs=0.005)

    # Re-solve from these groups, moves nearly free, the keyboard-moved card still locked: it
    # stays, and the page says how many moved, as many as the assignment shows.
    current = _assignment(page)
    page.fill('input[name="time_limit"]', "1")
    page.fill('input[name="stay"]', "0.01")
    page.click("#resolve-button")
    page.wait_for_selector("#moved", timeout=60_000)  # shown when the page reloads
    assert _group_of(page, org) == 1 and page.locator(f'.card[data-id="{org}"].locked').count()
    now = _assignment(page)
    moved = sum(now[i] != current[i] for i in now)
    assert f"Against the previous assignment: {moved} of 40 organisations moved" in (
        page.inner_text("#moved"))
    page.screenshot(path=str(shots / "6-resolved.png"), full_page=True)

    with page.expect_download() as pdf:
        page.click('a[href="/download/report.pdf"]')
    assert pdf.value.suggested_filename == "report.pdf"
    assert Path(pdf.value.path()).read_bytes()[:5] == b"%PDF-"
