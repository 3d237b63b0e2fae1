"""pilotopt verify: a run's result.json against its inputs, its evaluation and a re-solve."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pilotopt import cli
from pilotopt.cli import EXIT_INPUT, main
from pilotopt.errors import InputError
from pilotopt.solve.loader import kernel
from pilotopt.verify import verify

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A reproducible solve (one worker, seed 7) of copies of the test roster and scenario,
    given by relative paths; its folder holds the inputs and out/result.json."""
    folder = tmp_path_factory.mktemp("run")
    for name in ("roster.csv", "scenario.toml"):
        shutil.copy(DATA / name, folder / name)
    here, started = Path.cwd(), cli.STARTED
    os.chdir(folder)
    # The limit counts from the command's start, not from the package's import moments ago
    # (as for a program that imported pilotopt long before): the clock must not cut the run.
    cli.STARTED = time.perf_counter() - 3600
    kernel().thread.join()  # loaded, as verify --resolve has it: the clock must not cut the run
    try:
        done = CliRunner().invoke(main, ["solve", "roster.csv", "-s", "scenario.toml", "-t",
                                         "4", "--seed", "7", "--workers", "1", "-q"])
    finally:
        os.chdir(here)
        cli.STARTED = started
    assert done.exit_code == 0, done.output
    return folder


def _copy(run: Path, tmp_path: Path) -> Path:
    """A copy of the run's folder to spoil; its result.json."""
    shutil.copytree(run, tmp_path / "copy")
    return tmp_path / "copy" / "out" / "result.json"


def _edit(path: Path, change: dict[str, object] | None = None) -> dict[str, object]:
    doc: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    if change:
        doc.update(change)
        path.write_text(json.dumps(doc), encoding="utf-8")
    return doc


def test_an_untouched_run_verifies_from_another_folder(run: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the recorded relative paths do not lead there
    found = verify(run / "out" / "result.json")
    assert found.ok, found.lines()
    assert found.inputs == {"roster": run / "roster.csv", "scenario": run / "scenario.toml"}
    doc = _edit(run / "out" / "result.json")
    assert doc["inputs"]["roster"]["resolved"] == str(run / "roster.csv")  # type: ignore[index]
    # Hashes, top-level figures, and per group and rule every number.
    assert found.checked > 2 + 5 + 2 * 5 + 5 * 5
    assert found.lines()[-1].startswith("verified: every input's sha256 and")


def test_a_changed_figure_and_a_moved_member_are_named(run: Path, tmp_path: Path) -> None:
    path = _copy(run, tmp_path)
    doc = _edit(path)
    groups = doc["groups"]
    assert isinstance(groups, list)
    groups[0]["complementarity"] += 0.5
    _edit(path, {"groups": groups, "objective": 1e6})
    keys = {d.key for d in verify(path).differences}
    assert keys == {"objective", "groups[0].complementarity"}
    # A member moved to the other group by hand: the figures no longer fit the groups.
    groups[1]["members"].append(groups[0]["members"].pop())
    _edit(path, {"groups": groups})
    keys = {d.key for d in verify(path).differences}
    assert {"groups[0].size", "groups[1].size", "groups[1].complementarity"} <= keys


def test_a_changed_input_is_caught_by_its_hash_and_a_missing_one_is_an_input_problem(
    run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = _copy(run, tmp_path)
    monkeypatch.chdir(path.parent.parent)  # the recorded relative paths lead to the copies
    scenario = path.parent.parent / "scenario.toml"
    scenario.write_text(scenario.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    found = verify(path)
    assert [d.key for d in found.differences] == ["inputs.scenario.sha256"]
    assert "not re-evaluated" in "\n".join(found.lines())
    doc = _edit(path)
    doc["inputs"]["roster"] = {"path": "gone.csv", "sha256": "0"}  # type: ignore[index]
    _edit(path, doc)
    with pytest.raises(InputError, match="gone.csv.*the roster this run read is not there"):
        verify(path)


def test_resolve_repeats_a_reproducible_run(run: Path) -> None:
    found = verify(run / "out" / "result.json", resolve=True)
    assert found.ok and found.resolved, found.lines()
    assert found.lines()[-1].endswith("and the re-solve repeats the run")


def test_exit_codes(run: Path, tmp_path: Path) -> None:
    def code(*args: object) -> tuple[int, str]:
        done = CliRunner().invoke(main, ["verify", *map(str, args)])
        return done.exit_code, done.output

    ok, said = code(run / "out" / "result.json")
    assert ok == 0 and "verified" in said, said
    path = _copy(run, tmp_path)
    _edit(path, {"objective": -1.0})
    differs, said = code(path)
    assert differs == 1 and "differs: objective: recorded -1.0" in said, said
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    bad, said = code(tmp_path / "bad.json")
    assert bad == EXIT_INPUT and "pilotopt_version" in said
    assert code(tmp_path / "none.json")[0] == EXIT_INPUT


def test_an_organisation_in_two_groups_verifies(tmp_path: Path) -> None:
    rows = (DATA / "roster.csv").read_text(encoding="utf-8").splitlines()
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join([rows[0] + ",capacity"] + [
        r + (",2" if r.startswith("rg02,") else ",1") for r in rows[1:]]) + "\n",
        encoding="utf-8")
    done = CliRunner().invoke(main, ["solve", str(roster), "-s", str(DATA / "scenario.toml"),
                                     "-t", "4", "--workers", "1", "-q", "--out",
                                     str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    doc = _edit(tmp_path / "out" / "result.json")
    members = [m for g in doc["groups"] for m in g["members"]]  # type: ignore[attr-defined]
    found = verify(tmp_path / "out" / "result.json")
    assert found.ok, found.lines()
    assert 1 <= members.count("rg02") <= 2 and doc["organisations"] == 8
