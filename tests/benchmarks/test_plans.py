"""The project's benchmark plans are valid, and the README tables are put in their block."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from pilotopt.batch.plan import read_plan

ROOT = Path(__file__).resolve().parents[2]
PLANS = sorted((ROOT / "benchmarks" / "plans").glob("*.toml"))

_spec = importlib.util.spec_from_file_location("tables", ROOT / "benchmarks" / "tables.py")
assert _spec is not None and _spec.loader is not None
tables = importlib.util.module_from_spec(_spec)
sys.modules["tables"] = tables
_spec.loader.exec_module(tables)


@pytest.mark.parametrize("path", PLANS, ids=[p.stem for p in PLANS])
def test_plan_is_valid(path: Path) -> None:
    # The repository's three n=120 MDGPLIB files stand in for the shared folder.
    plan = read_plan(path, {"MDGPLIB": str(ROOT / "instances" / "mdgplib")})
    assert plan.cells() and plan.name == path.stem


def test_block_is_replaced_or_appended() -> None:
    text = "head\n<!-- batch x -->\nold\n<!-- end batch x -->\ntail\n"
    assert tables.replace_block(text, "x", "new\n") == (
        "head\n<!-- batch x -->\nnew\n<!-- end batch x -->\ntail\n")
    assert tables.replace_block("head\n", "y", "t") == (
        "head\n\n<!-- batch y -->\nt\n<!-- end batch y -->\n")
