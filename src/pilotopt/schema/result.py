"""The ``result.json`` file that ``pilotopt solve`` writes, as a pydantic model.

Its JSON Schema ships with the package as ``schema/result.schema.json``; regenerate it with
``python -m pilotopt.schema.result`` after changing a model here (a test fails when stale).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from pilotopt.solve.result import Statistics, Status

__all__ = ["SCHEMA_PATH", "ResultFile", "schema_text"]

#: Where the shipped JSON Schema of :class:`ResultFile` lives.
SCHEMA_PATH = Path(__file__).with_name("result.schema.json")


class _Open(BaseModel):
    """Documented fields typed; further fields (added by newer reports) allowed."""

    model_config = ConfigDict(extra="allow")


class RunParams(BaseModel):
    """How the run was asked for: enough to repeat it."""

    time_limit: float = Field(description="Seconds for the whole run, start-up included.")
    seed: int
    workers: int


class SourceFile(BaseModel):
    """An input file and its sha256."""

    path: str
    sha256: str


class GroupOutcome(_Open):
    """One group: its name, size, complementarity (user units) and members' ids."""

    group: str | int
    size: int
    complementarity: float
    members: list[str] = []


class RuleOutcome(_Open):
    """How one user rule holds."""

    id: str
    kind: str
    label: str
    hard: bool
    satisfied: bool
    violation: int
    penalty: float = Field(description="Penalty in user units (0 for a hard rule).")
    violation_per_group: list[int]


class Offence(_Open):
    """Who breaks a rule and how, in words."""

    rule: str
    breach: str
    group: str | None
    organisations: list[str]
    text: str


class ResultFile(_Open):
    """Everything needed to judge and reproduce a run (``result.json``)."""

    pilotopt_version: str
    created: str = Field(description="UTC time the file was written, ISO 8601.")
    python: str
    inputs: dict[str, SourceFile]
    params: RunParams
    status: Status
    objective: float = Field(description="Complementarity minus soft penalties, user units.")
    bound: float | None = Field(description="Proven upper bound on the objective, if any.")
    gap: float | None = Field(
        description="(bound - objective) / max(|bound|, |objective|); 0 when optimal.")
    runtime: float
    organisations: int
    groups_count: int
    complementarity: float
    penalty: float
    all_hard_rules_hold: bool
    groups: list[GroupOutcome]
    rules: list[RuleOutcome]
    offences: list[Offence] = []
    left_out: list[str]
    stats: Statistics


def schema_text() -> str:
    """The JSON Schema of :class:`ResultFile`, as shipped."""
    return json.dumps(ResultFile.model_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
