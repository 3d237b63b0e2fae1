"""Every endpoint of the workspace app through FastAPI's TestClient: pages, uploads (bad ones
give located messages, never a traceback), hostile names escaped, moves, locks, undo, solve,
downloads, runs, language, token and origin guards."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from web_cases import DATA, EVIL, GOOD, ROSTER, SCENARIO, loaded, wait_for_solve

from pilotopt.io.outputs import assignment_csv
from pilotopt.web import create_app
from pilotopt.web.workspace import Workspace


def workspace(client: TestClient) -> Workspace:
    ws = client.app.state.workspace  # type: ignore[attr-defined]
    assert isinstance(ws, Workspace)
    return ws


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(tmp_path / "ws", workers=1)) as c:
        yield c


@pytest.fixture
def edited(client: TestClient) -> TestClient:
    """The test roster loaded with a hand-made assignment."""
    loaded(workspace(client))
    return client


def upload(client: TestClient, roster: tuple[str, bytes], scenario: tuple[str, bytes]):  # type: ignore[no-untyped-def]
    return client.post("/upload", files={"roster": roster, "scenario": scenario},
                       follow_redirects=False)


def test_the_first_page_offers_upload_and_demo(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'action="/upload"' in page.text and 'value="esf-proeftuin"' in page.text
    assert "/static/workspace.js" in page.text
    assert client.get("/static/workspace.js").status_code == 200
    assert client.get("/static/workspace.css").status_code == 200


def test_an_upload_loads_and_shows_the_profile(client: TestClient) -> None:
    done = upload(client, ("roster.csv", ROSTER.read_bytes()),
                  ("scenario.toml", SCENARIO.read_bytes()))
    assert done.status_code == 303
    page = client.get("/").text
    assert "8 organisations, 2 groups, 5 rules (4 hard)" in page
    assert "social economy 4, regular economy 3, public sector 1" in page
    assert 'id="solve-form"' in page and 'class="card' not in page  # no assignment yet


def test_a_bad_upload_lists_every_problem_located(client: TestClient) -> None:
    broken = DATA / "broken" / "several_problems.csv"
    page = upload(client, ("lijst.csv", broken.read_bytes()),
                  ("scenario.toml", (DATA / "broken" / "misspelled_key.toml").read_bytes()))
    assert page.status_code == 422
    assert "Traceback" not in page.text
    located = "lijst.csv, row 3, id se02, column &#39;economy&#39;, value &#39;sociaal&#39;"
    assert located in page.text
    assert "scenario.toml" in page.text and "did you mean" in page.text
    wrong = upload(client, ("roster.txt", b"x"), ("scenario.toml", b""))
    assert wrong.status_code == 422 and "a .csv or .xlsx or .json file is needed here" in wrong.text
    assert client.post("/upload").status_code == 422  # no files at all: FastAPI's own message


def test_hostile_names_are_shown_as_text(client: TestClient) -> None:
    rows = list(csv.DictReader(io.StringIO(ROSTER.read_text())))
    rows[0]["name"] = EVIL
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    evil_file = "<img src=x onerror=alert(1)>.csv"
    assert upload(client, (evil_file, buf.getvalue().encode()),
                  ("s.toml", SCENARIO.read_bytes())).status_code == 303
    loaded_page = client.get("/").text
    assert "<img src=x" not in loaded_page
    assert "&lt;img src=x onerror=alert(1)&gt;.csv" in loaded_page
    ws = workspace(client)
    assert ws.loaded is not None
    opened = client.post("/assignment", files={"assignment": (
        "a.csv", assignment_csv(ws.loaded.problem, GOOD).encode())}, follow_redirects=False)
    assert opened.status_code == 303
    page = client.get("/").text
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co &#34;BV&#34;" in page
    moved = client.post("/api/move", json={"id": "se01", "group": 1}).json()
    assert "<script>alert(1)" not in moved["change"] and "&lt;script&gt;" in moved["change"]
    bad = upload(client, (evil_file, b"id\n"), ("s.toml", SCENARIO.read_bytes()))
    assert bad.status_code == 422 and "<img src=x" not in bad.text


def test_an_assignment_with_problems_is_listed_and_the_current_one_stays(
        edited: TestClient) -> None:
    bad = "id,group\nse01,G9\nse02,G1\n"
    page = edited.post("/assignment", files={"assignment": ("<i>a</i>.csv", bad.encode())})
    assert page.status_code == 422 and "Traceback" not in page.text
    assert "&lt;i&gt;a&lt;/i&gt;.csv" in page.text and "G9" in page.text
    assert "the current one stays" in page.text
    assert edited.get("/api/score").json()["assignment"]["se02"] == "G2"
    wrong = edited.post("/assignment", files={"assignment": ("a.toml", b"x")})
    assert wrong.status_code == 422 and "a .csv or .xlsx file is needed here" in wrong.text


def test_the_demo_opens_with_a_preset_and_refuses_an_unknown_one(client: TestClient) -> None:
    assert client.post("/demo", data={"preset": "esf-proeftuin"},
                       follow_redirects=False).status_code == 303
    assert "40 organisations, 5 groups" in client.get("/").text
    page = client.post("/demo", data={"preset": "<b>x</b>"})
    assert page.status_code == 409 and "no preset &#39;&lt;b&gt;x&lt;/b&gt;&#39;" in page.text


def test_the_board_shows_groups_as_columns_of_cards(edited: TestClient) -> None:
    page = edited.get("/").text
    assert page.count('data-index=') == 8 and page.count('class="column"') == 2
    assert 'data-head="0"' in page and "every rule holds here" in page
    assert 'class="objective"' in page and "Every hard rule holds." in page


def test_a_move_returns_the_new_score_rules_and_heads(edited: TestClient) -> None:
    done = edited.post("/api/move", json={"id": "se02", "group": 0})
    assert done.status_code == 200
    body = done.json()
    assert body["moves"] == [{"index": 1, "id": "se02", "group": 0}]
    score = edited.get("/api/score").json()
    assert body["objective"] == f"{score['objective']:g}" and body["feasible"] is False
    assert score["assignment"]["se02"] == "G1"
    assert "Hard rules this breaks" in body["change"] and "competitors" in body["change"]
    assert set(body["heads"]) == {"0", "1"} and "broken by 1" in body["summary"]
    assert body["can_undo"] and not body["can_redo"]


def test_moves_that_cannot_be_made_are_refused_with_a_reason(edited: TestClient) -> None:
    unknown = edited.post("/api/move", json={"id": "<zz>", "group": 0})
    assert unknown.status_code == 409 and unknown.json() == {
        "error": "no organisation with id '<zz>'"}
    assert edited.post("/api/move", json={"id": "se01", "group": 7}).status_code == 409
    assert edited.post("/api/move", json={"id": "se01", "group": -1}).json()["error"] == (
        "organisation se01 may not be left out")
    assert edited.post("/api/move", json={"id": "se01"}).status_code == 422


def test_lock_undo_and_redo(edited: TestClient) -> None:
    assert edited.post("/api/undo").json() == {"error": "nothing to undo"}
    edited.post("/api/move", json={"id": "se03", "group": 1})
    assert edited.post("/api/lock", json={"id": "se03", "locked": True}).json() == {
        "id": "se03", "locked": True}
    assert edited.get("/api/score").json()["locked"] == ["se03"]
    assert "locked" in edited.post("/api/move", json={"id": "se03", "group": 0}).json()["error"]
    assert "locked" in edited.post("/api/undo").json()["error"]
    edited.post("/api/lock", json={"id": "se03", "locked": False})
    back = edited.post("/api/undo").json()
    assert back["moves"] == [{"index": 2, "id": "se03", "group": 0}] and back["can_redo"]
    assert edited.get("/api/score").json()["assignment"]["se03"] == "G1"
    again = edited.post("/api/redo").json()
    assert again["moves"][0]["group"] == 1 and not again["can_redo"]
    assert edited.post("/api/lock", json={"id": "nope", "locked": True}).status_code == 409


def test_solve_runs_in_the_background_and_is_kept_as_a_run(client: TestClient) -> None:
    assert client.get("/api/progress").json() == {"state": "idle"}
    assert client.post("/api/solve", json={"time_limit": 1}).status_code == 409  # nothing loaded
    loaded(workspace(client), assignment=None)
    assert client.post("/api/solve", json={"time_limit": -1}).status_code == 422
    started = client.post("/api/solve", json={"time_limit": 5, "seed": 3})
    assert started.status_code == 202 and started.json()["seed"] == 3
    assert client.post("/api/solve", json={"time_limit": 0.5}).status_code == 409  # busy
    wait_for_solve(workspace(client))
    progress = client.get("/api/progress").json()
    assert progress["state"] == "done", progress
    assert progress["status"] in ("optimal", "feasible")
    page = client.get("/").text
    assert page.count('data-index=') == 8 and "from run" in page
    (run,) = workspace(client).runs()
    assert run["source"] == "web" and run["seed"] == 3 and run["run_id"][:8] in page


def test_stop_asks_the_solve_to_end(client: TestClient) -> None:
    assert client.post("/api/stop").json() == {"state": "idle"}
    loaded(workspace(client), assignment=None)
    client.post("/api/solve", json={"time_limit": 30})
    assert client.post("/api/stop").json()["stopping"] is True
    wait_for_solve(workspace(client))  # well before its 30 s
    progress = client.get("/api/progress").json()
    # Stopped at once: with its best so far, or (before any) a message saying so.
    assert progress["status"] in ("interrupted", "optimal") or progress["message"] == (
        "stopped before any assignment meeting every hard rule was found"), progress


def test_downloads(edited: TestClient) -> None:
    csv_text = edited.get("/download/assignment.csv").text
    assert csv_text.splitlines()[:2] == ["id,name,group", "se01,Atelier Kempen,G1"]
    report = edited.get("/download/report.html")
    assert report.headers["content-type"].startswith("text/html") and "<html" in report.text
    book = openpyxl.load_workbook(io.BytesIO(edited.get("/download/groups.xlsx").content))
    assert len(book.sheetnames) == 3  # summary and a sheet per group
    assert edited.get("/download/scenario.toml").content == SCENARIO.read_bytes()
    assert edited.get("/download/passwd").status_code == 404


def test_downloads_need_an_assignment(client: TestClient) -> None:
    assert client.get("/download/assignment.csv").status_code == 409
    assert client.get("/api/score").status_code == 409


def test_runs_are_listed_and_two_compared(edited: TestClient) -> None:
    assert edited.post("/runs", follow_redirects=False).status_code == 303
    edited.post("/api/move", json={"id": "pb01", "group": 1})
    edited.post("/runs")
    first, second = (r["run_id"] for r in reversed(workspace(edited).runs()))
    page = edited.get("/").text
    assert page.count('name="run"') == 2
    shown = edited.get("/compare", params=[("run", first), ("run", second)])
    assert shown.status_code == 200
    assert "1 organisation(s) in another group" in shown.text
    assert "<td>pb01</td><td>Stad Mechelen</td><td>G1</td><td>G2</td>" in shown.text
    assert edited.get("/compare", params={"run": first}).status_code == 422
    assert edited.get("/compare", params=[("run", first), ("run", "x")]).status_code == 409


def test_language_switch(edited: TestClient) -> None:
    assert edited.get("/lang/nl", follow_redirects=False).status_code == 303
    page = edited.get("/").text
    assert 'lang="nl"' in page and "Proeftuinen" not in page and "Verplaatsen naar" in page
    assert "Elke harde regel is gehaald." in page
    # Rules by their Dutch labels, in the summary and the settings form alike.
    assert page.count("quotum economy=social min 1") >= 2 and "quota economy" not in page
    moved = edited.post("/api/move", json={"id": "se03", "group": 1}).json()
    assert "Wat veranderde" in moved["change"]
    edited.get("/lang/en")
    assert "Move to" in edited.get("/").text
    edited.get("/lang/xx")  # ignored
    assert 'lang="en"' in edited.get("/").text


def test_a_token_is_needed_when_one_is_set(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path, token="s3cret")) as c:
        assert c.get("/").status_code == 401
        assert c.get("/", params={"token": "wrong"}).status_code == 401
        assert c.get("/api/progress").status_code == 401
        assert c.get("/", params={"token": "s3cret"}).status_code == 200
        assert c.get("/api/progress").status_code == 200  # the cookie carries it now


def test_a_request_from_another_site_is_refused(edited: TestClient) -> None:
    other = edited.post("/api/move", json={"id": "se03", "group": 1},
                        headers={"Origin": "http://evil.example"})
    assert other.status_code == 403
    same = edited.post("/api/move", json={"id": "se03", "group": 1},
                       headers={"Origin": "http://testserver"})
    assert same.status_code == 200


def test_the_settings_form_rewrites_the_scenario_and_the_page_rescores(
        edited: TestClient) -> None:
    page = edited.get("/").text
    assert 'name="rules[4].weight" value="2"' in page and 'name="groups.count" value="2"' in page
    before = edited.get("/api/score").json()["objective"]
    done = edited.post("/settings", data={"rules[1].hard": "false", "rules[1].weight": "5",
                                          "rules[1].min": "3"}, follow_redirects=False)
    assert done.status_code == 303
    assert edited.get("/api/score").json()["objective"] == pytest.approx(before - 10)
    toml = edited.get("/download/scenario.toml").text
    assert toml.startswith("# A small scenario for the tests") and "weight = 5.0" in toml
    assert 'name="rules[1].min" value="3"' in edited.get("/").text
    # The TOML text itself, edited in the page, is taken the same way.
    text_done = edited.post("/scenario", data={"text": toml.replace("min = 3", "min = 2")},
                            follow_redirects=False)
    assert text_done.status_code == 303
    assert edited.get("/api/score").json()["objective"] == pytest.approx(before)


def test_a_bad_scenario_edit_is_located_in_the_page_and_changes_nothing(
        edited: TestClient) -> None:
    toml = edited.get("/download/scenario.toml").text
    page = edited.post("/settings", data={"rules[4].weight": "<b>x</b>", "groups.size.max": "1"})
    assert page.status_code == 422 and "Traceback" not in page.text
    assert "rules[4].weight, value &#39;&lt;b&gt;x&lt;/b&gt;&#39;: a number is needed" in page.text
    assert "groups.size.max (line 6)" in page.text and "smaller than min" in page.text
    assert 'value="&lt;b&gt;x&lt;/b&gt;" inputmode="decimal" size="6" aria-label="weight 4" ' \
        'aria-invalid="true"' in page.text  # what was typed stays in the form, marked
    bad_text = edited.post("/scenario", data={"text": "[groups]\ncount = <script>\n"})
    assert bad_text.status_code == 422 and "line 2" in bad_text.text
    assert "<script>" not in bad_text.text and "count = &lt;script&gt;" in bad_text.text
    assert edited.get("/download/scenario.toml").text == toml


def test_an_edit_that_drops_the_groups_says_so(edited: TestClient) -> None:
    page = edited.post("/settings", data={"groups.count": "1", "groups.size.max": "8"})
    assert page.status_code == 200 and "no longer fits it; solve again" in page.text
    assert edited.get("/api/score").status_code == 409


def test_re_solve_from_the_current_groups(edited: TestClient) -> None:
    page = edited.get("/").text
    assert 'id="resolve-button"' in page and 'name="stay"' in page
    started = edited.post("/api/solve", json={"time_limit": 3, "seed": 1, "from_current": True,
                                              "stay": 1000})
    assert started.status_code == 202
    wait_for_solve(workspace(edited))
    assert edited.get("/api/progress").json()["moved"] == 0
    assert edited.get("/api/score").json()["assignment"]["se02"] == "G2"
    assert "Against the previous assignment: 0 of 8 organisations moved" in edited.get("/").text
    assert edited.post("/api/solve", json={"time_limit": 1, "from_current": True,
                                           "stay": 0}).status_code == 422


def test_the_pdf_needs_chromium_and_says_so(edited: TestClient,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOTOPT_CHROMIUM", "/nonexistent/chromium")
    page = edited.get("/").text
    assert 'href="/download/report.pdf"' not in page and 'id="no-pdf"' in page
    missing = edited.get("/download/report.pdf")
    assert missing.status_code == 503 and "needs Chromium" in missing.json()["error"]
