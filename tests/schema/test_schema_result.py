"""result.json: written through its model, whose shipped JSON Schema is current."""

import json
from pathlib import Path

import pytest

from pilotopt import Params, read_problem, solve
from pilotopt.report.summary import result_document
from pilotopt.schema.result import SCHEMA_PATH, ResultFile, schema_text

DATA = Path(__file__).parents[1] / "data"


def test_shipped_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "result.schema.json is stale: run python -m pilotopt.schema.result")


def test_result_document_validates_and_round_trips() -> None:
    problem = read_problem(DATA / "roster.csv", DATA / "scenario.toml")
    result = solve(problem, Params(time_limit=1, seed=0, workers=1))
    doc = result_document(problem, result, {"roster": {"path": "r.csv", "sha256": "0"}})
    text = json.dumps(doc)
    again = ResultFile.model_validate_json(text)
    assert again.status == result.status and again.stats.deterministic is True
    assert doc["stats"]["trace"][-1][1] == pytest.approx(result.objective)
    assert set(json.loads(SCHEMA_PATH.read_text())["required"]) <= set(doc)
