"""What the web tests share: the test roster and scenario, a workspace with a hand-made
assignment (no solve needed), and how to wait for a solve."""

from __future__ import annotations

import time
from pathlib import Path

from pilotopt.io.outputs import assignment_csv
from pilotopt.web.workspace import Source, Workspace

DATA = Path(__file__).parent.parent / "data"
ROSTER, SCENARIO = DATA / "roster.csv", DATA / "scenario.toml"
EVIL = '<script>alert(1)</script> & Co "BV"'
#: se01 se02 se03 se04 rg01 rg02 rg03 pb01: every hard rule holds (se01/se02 and rg01/rg02
#: are competitors, apart here).
GOOD = [0, 1, 0, 1, 0, 1, 1, 0]


def loaded(ws: Workspace, assignment: list[int] | None = GOOD) -> Workspace:
    """Load the test roster and scenario, with ``assignment`` as the current one."""
    assert ws.load(Source("roster.csv", ROSTER), Source("scenario.toml", SCENARIO)) == []
    if assignment is not None:
        assert ws.loaded is not None
        path = ws.folder / "given.csv"
        path.write_text(assignment_csv(ws.loaded.problem, assignment))
        assert ws.open_assignment(Source("given.csv", path)) == []
    return ws


def wait_for_solve(ws: Workspace, limit: float = 60.0) -> None:
    """Wait until the workspace's solve has ended (a test's guard, not a timing)."""
    end = time.monotonic() + limit
    while ws.job is not None and ws.job.state == "running":
        assert time.monotonic() < end, "the solve did not end"
        time.sleep(0.05)
