"""The ``result.json`` file that ``pilotopt solve`` writes, as a pydantic model.

Its JSON Schema ships with the package as ``schema/result.schema.json``; regenerate it with
``python -m pilotopt.schema.result`` after changing a model here (a test fails when stale).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from pilotopt.solve.result import Statistics, Status

__all__ = ["SCHEMA_PATH", "DropOutRisk", "ResultFile", "schema_text"]

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
    """An input file and its sha256 (``pilotopt verify`` reads it again by these)."""

    path: str = Field(description="The path as given on the command line.")
    sha256: str
    resolved: str | None = Field(
        default=None, description="The absolute path at the time of the run.")


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


class _Aliased(_Open):
    """Fields named after Python keywords (``from``, ``with``) go by their JSON names."""

    model_config = ConfigDict(extra="allow", validate_by_name=True, serialize_by_alias=True)


class MovedOrganisation(_Aliased):
    """One organisation of a change: from which group to which (None: no group)."""

    organisation: str
    from_: str | None = Field(alias="from")
    to: str | None


class RuleChange(_Open):
    """How one rule's figures change (only rules that change are listed)."""

    id: str
    label: str
    hard: bool
    violation: int
    penalty: float
    violation_per_group: dict[str, int]


class Alternative(_Open):
    """Another place for an organisation: moving to ``group`` (or swapping with ``swap_with``
    there), with the exact change it makes; ``blocked_by`` says which hard rules it breaks."""

    group: str
    swap_with: str | None
    blocked_by: list[str]
    moves: list[MovedOrganisation]
    objective: float = Field(description="Change of the objective, user units.")
    complementarity: float
    penalty: float
    hard_violation: int = Field(description="Change of the hard rules' total violation.")
    group_complementarity: dict[str, float]
    rules: list[RuleChange]


class Tie(_Aliased):
    """What an organisation exchanges with one member of its group."""

    with_: str = Field(alias="with")
    gives: list[str]
    gets: list[str]
    score: float


class Explanation(_Open):
    """Why one organisation sits where it does (as ``pilotopt explain`` says it)."""

    organisation: str
    group: str | None
    earns: float = Field(description="The sum of its pair scores with its group's members.")
    share: float = Field(description="Its half of those pairs over the group's complementarity.")
    gives: list[str]
    gets: list[str]
    ties: list[Tie]
    alternatives: list[Alternative] = Field(description="The best three, best first.")
    blocked: Alternative | None = Field(
        description="The best move that would raise the objective but breaks a hard rule.")


class PreviousOutcome(_Open):
    """The assignment against a previous one (``solve --previous``)."""

    drop_outs: list[str] = Field(description="Ids of the previous assignment not in the roster.")
    late_registrations: list[str] = Field(
        description="Ids of the roster the previous assignment does not name.")
    moved: list[MovedOrganisation] = Field(
        description="Each organisation now in another group than before (to None: left out).")
    moved_count: int
    had_group: int = Field(description="Organisations of the roster that had a group before.")
    pairs_before: int = Field(description="Pairs of them that shared a group before.")
    pairs_kept: int = Field(description="Of those pairs, the ones still sharing a group.")


class BaselineOutcome(_Open):
    """What a careful matchmaker would get by hand under the same hard rules (sort-and-deal,
    hard rules mended by single moves and swaps), and pilotopt's gain over it."""

    method: str
    objective: float
    all_hard_rules_hold: bool = Field(
        description="False: the baseline could not meet every hard rule (broken_hard_rules).")
    broken_hard_rules: list[str]
    steps: int = Field(description="Moves and swaps made to mend the hard rules.")
    gain: float | None = Field(default=None, description="pilotopt's objective minus this.")
    gain_share: float | None = Field(
        default=None, description="The gain over |baseline objective| (0.25: 25 % better).")


class DropOutRisk(_Open):
    """An organisation that would earn more in another group which gains by taking it (its
    complementarity per member rises), a move breaking no hard rule: figures in user units,
    priced as ``score`` would count the moved assignment."""

    organisation: str
    name: str
    group: str = Field(description="Its group.")
    to: str = Field(description="The group both would gain by.")
    earns: float = Field(description="What it earns in its group (its pair scores there).")
    would_earn: float = Field(description="What it would earn in the other group.")
    gain: float
    to_per_member: float = Field(description="The other group's complementarity per member.")
    to_per_member_after: float = Field(description="The same with the organisation in it.")
    objective_change: float = Field(description="Change of the objective if it moved.")


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
    drop_out_risks: list[DropOutRisk] | None = Field(
        default=None, description="Blocking pairs, the largest gains first (None: not "
        "checked, more organisations than pilotopt.stability.CHECKED_MAX).")
    left_out: list[str]
    explanations: list[Explanation] = Field(
        default=[], description="Per organisation, why it sits in its group (empty when "
        "explanations_skipped says why).")
    explanations_skipped: str | None = None
    baseline: BaselineOutcome | None = None
    stats: Statistics
    previous: PreviousOutcome | None = None


def schema_text() -> str:
    """The JSON Schema of :class:`ResultFile`, as shipped."""
    return json.dumps(ResultFile.model_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
