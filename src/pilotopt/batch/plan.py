"""Batch plans: which instances, configurations and seeds to run, read from a TOML file.

A plan is the product of its instances, configurations and seeds: each (instance,
configuration, seed) is a :class:`Cell`, keyed by the hash of the instance's inputs, the
configuration and the seed (:func:`pilotopt.store.cell_key`), so a re-run knows what is done.

Paths are relative to the plan's folder; ``${NAME}`` in a path is replaced by a value given on
the command line (``--var NAME=VALUE``), else the environment variable, else the plan's
``[vars]`` table.
"""

from __future__ import annotations

import copy
import glob
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pilotopt.errors import InputError, InputProblem
from pilotopt.io.outputs import file_digest
from pilotopt.io.scenario import _toml_problem, _validate, scenario_from_dict
from pilotopt.store import cell_key

__all__ = ["SOLVERS", "Cell", "Configuration", "InstanceSpec", "Plan", "read_plan",
           "scenario_with_overrides"]

#: ``pilotopt``: :func:`pilotopt.solve`; ``plain-cpsat``: CP-SAT on a plain model of the same
#: rules; ``sort-deal``: organisations sorted by total score, dealt over the groups in turn.
SOLVERS = ("pilotopt", "plain-cpsat", "sort-deal")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Generate(_Strict):
    organisations: int = Field(ge=2)
    groups: int | None = Field(default=None, ge=1)
    seed: int = Field(default=0, ge=0)
    provinces: list[str] | None = None


class _Instance(_Strict):
    name: str | None = None
    roster: str | None = None
    scenario: str | None = None
    mdgplib: str | None = None
    generate: _Generate | None = None
    time_limit: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_source(self) -> _Instance:
        given = [k for k in ("roster", "mdgplib", "generate") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of roster (with scenario), mdgplib or generate")
        if self.roster is not None and self.scenario is None:
            raise ValueError("a roster needs a scenario")
        if self.mdgplib is not None and self.scenario is not None:
            raise ValueError("an MDGPLIB file takes no scenario")
        return self


class _Configuration(_Strict):
    name: str = Field(min_length=1)
    solver: Literal["pilotopt", "plain-cpsat", "sort-deal"] = "pilotopt"
    time_limit: float | None = Field(default=None, gt=0)
    workers: int | None = Field(default=None, ge=1)
    reproducible: bool = False
    overrides: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _reproducible(self) -> _Configuration:
        if self.reproducible and self.workers not in (None, 1):
            raise ValueError("reproducible runs use one worker thread: drop workers or set 1")
        return self


class _Plan(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    seeds: int | list[int] = 1
    time_limit: float = Field(default=10.0, gt=0)
    best_known: str | None = None
    vars: dict[str, str] = Field(default_factory=dict)
    instances: list[_Instance] = Field(min_length=1)
    configurations: list[_Configuration] = Field(min_length=1)


@dataclass(frozen=True)
class InstanceSpec:
    """One instance of a plan: its kind, files (absolute paths) or generator arguments."""

    name: str
    kind: Literal["roster", "mdgplib", "generate"]
    files: dict[str, str] = field(default_factory=dict)  # roster, scenario | mdgplib
    generate: dict[str, Any] = field(default_factory=dict)
    time_limit: float | None = None
    #: What the cell key hashes: each file's sha256, or the generator's arguments and version.
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Configuration:
    """How to run: solver, time limit (None: the instance's or plan's), solver threads (None:
    every core of the worker), reproducible mode (one thread, work-bounded) and scenario
    overrides (merged into the scenario; ``rules`` keyed by rule number)."""

    name: str
    solver: str = "pilotopt"
    time_limit: float | None = None
    workers: int | None = None
    reproducible: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def threads(self) -> int:
        """Solver threads a run takes."""
        if self.reproducible or self.solver == "sort-deal":
            return 1
        return self.workers or os.cpu_count() or 1

    def as_dict(self) -> dict[str, Any]:
        """Plain values, as hashed into the cell key and stored with each run."""
        return {"name": self.name, "solver": self.solver, "time_limit": self.time_limit,
                "workers": self.workers, "reproducible": self.reproducible,
                "overrides": self.overrides}


@dataclass(frozen=True)
class Cell:
    """One run of a plan: an instance, a configuration, a seed and the resolved time limit."""

    key: str
    batch: str
    instance: InstanceSpec
    configuration: Configuration
    seed: int
    time_limit: float


@dataclass(frozen=True)
class Plan:
    """A validated plan: its cells are the product of instances, configurations and seeds."""

    name: str
    path: Path
    instances: tuple[InstanceSpec, ...]
    configurations: tuple[Configuration, ...]
    seeds: tuple[int, ...]
    time_limit: float
    best_known: Path | None = None
    description: str = ""

    def cells(self) -> list[Cell]:
        """Every cell, instance by instance, then configuration, then seed."""
        out = []
        for inst in self.instances:
            for conf in self.configurations:
                limit = conf.time_limit or inst.time_limit or self.time_limit
                for seed in self.seeds:
                    key = cell_key(inst.inputs, {**conf.as_dict(), "time_limit": limit,
                                                 "batch": self.name}, seed)
                    out.append(Cell(key, self.name, inst, conf, seed, limit))
        return out

    @property
    def max_threads(self) -> int:
        """The most solver threads any configuration takes."""
        return max(c.threads for c in self.configurations)


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def scenario_with_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A scenario's TOML table with ``overrides`` merged in: tables merge key by key, other
    values replace; ``rules`` is a table from rule number (1-based, as in messages) to the keys
    to change in that rule."""
    out = copy.deepcopy(data)
    for key, value in overrides.items():
        if key == "rules" and isinstance(value, dict):
            rules = out.setdefault("rules", [])
            for number, change in value.items():
                k = int(number) - 1
                if not 0 <= k < len(rules) or not isinstance(change, dict):
                    raise ValueError(f"overrides.rules: there is no rule {number}")
                rules[k] = {**rules[k], **change}
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = scenario_with_overrides(out[key], value)
        else:
            out[key] = value
    return out


def _expand(text: str, values: dict[str, str], file: str, key: str,
            problems: list[InputProblem]) -> str:
    def one(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in values:
            problems.append(InputProblem(file, f"${{{name}}} is not set (--var {name}=VALUE, "
                                         "the environment or the plan's [vars])",
                                         key=key, value=text))
            return found.group(0)
        return values[name]

    return _VAR.sub(one, text)


def read_plan(path: str | Path, variables: dict[str, str] | None = None) -> Plan:
    """Read and validate a plan file, its instance files and overrides.

    Raises
    ------
    InputError
        Listing every problem, each naming the file, the key (``instances[2].roster``) and the
        value.
    """
    file = str(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise InputError([InputProblem(file, "file not found")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError([_toml_problem(file, exc)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([InputProblem(file, f"cannot be read: {exc}")]) from None
    problems: list[InputProblem] = []
    spec: _Plan | None = _validate(file, _Plan, data, "", problems)
    if spec is None:
        raise InputError(problems)
    base = Path(path).resolve().parent
    values = {**spec.vars, **{k: v for k, v in os.environ.items() if k in _names(data)},
              **(variables or {})}

    def resolve(text: str, key: str) -> Path:
        return base / Path(os.path.expanduser(_expand(text, values, file, key, problems)))

    instances: list[InstanceSpec] = []
    configurations = tuple(Configuration(**c.model_dump()) for c in spec.configurations)
    for k, raw in enumerate(spec.instances, start=1):
        key = f"instances[{k}]"
        if raw.mdgplib is not None:
            pattern = resolve(raw.mdgplib, f"{key}.mdgplib")
            found = sorted(glob.glob(str(pattern))) if glob.has_magic(str(pattern)) else (
                [str(pattern)] if pattern.is_file() else [])
            if not found:
                problems.append(InputProblem(file, "no such MDGPLIB file", key=f"{key}.mdgplib",
                                             value=str(pattern)))
            for f in found:
                name = raw.name if raw.name and len(found) == 1 else Path(f).stem
                instances.append(InstanceSpec(name, "mdgplib", {"mdgplib": f}, {},
                                              raw.time_limit, {"mdgplib": file_digest(f)}))
            _no_overrides(configurations, file, key, problems)
        elif raw.generate is not None:
            from pilotopt.generate import GENERATOR_VERSION

            args = raw.generate.model_dump()
            name = raw.name or f"generated-{args['organisations']}-seed{args['seed']}"
            files, inputs = {}, {"generate": args, "generator_version": GENERATOR_VERSION}
            if raw.scenario is not None:  # the generated roster with another scenario
                scenario = resolve(raw.scenario, f"{key}.scenario")
                if not scenario.is_file():
                    problems.append(InputProblem(file, "file not found", key=f"{key}.scenario",
                                                 value=str(scenario)))
                    continue
                _check_overrides(scenario, configurations, file, key, problems)
                files["scenario"] = str(scenario)
                inputs["scenario"] = file_digest(scenario)
            instances.append(InstanceSpec(name, "generate", files, args, raw.time_limit,
                                          inputs))
        else:
            assert raw.roster is not None and raw.scenario is not None
            roster = resolve(raw.roster, f"{key}.roster")
            scenario = resolve(raw.scenario, f"{key}.scenario")
            missing = [(n, p) for n, p in (("roster", roster), ("scenario", scenario))
                       if not p.is_file()]
            for n, p in missing:
                problems.append(InputProblem(file, "file not found", key=f"{key}.{n}",
                                             value=str(p)))
            if missing:
                continue
            _check_overrides(scenario, configurations, file, key, problems)
            name = raw.name or roster.parent.name
            instances.append(InstanceSpec(
                name, "roster", {"roster": str(roster), "scenario": str(scenario)}, {},
                raw.time_limit,
                {"roster": file_digest(roster), "scenario": file_digest(scenario)}))
    seen: set[str] = set()
    for inst in instances:
        if inst.name in seen:
            problems.append(InputProblem(file, "two instances have this name; give each a "
                                         "name", key="instances", value=inst.name))
        seen.add(inst.name)
    names = [c.name for c in configurations]
    for n in sorted({n for n in names if names.count(n) > 1}):
        problems.append(InputProblem(file, "two configurations have this name",
                                     key="configurations", value=n))
    best_known = None
    if spec.best_known is not None:
        best_known = resolve(spec.best_known, "best_known")
        if not best_known.is_file():
            problems.append(InputProblem(file, "file not found", key="best_known",
                                         value=str(best_known)))
    if problems:
        raise InputError(problems)
    seeds = tuple(range(1, spec.seeds + 1)) if isinstance(spec.seeds, int) else tuple(
        spec.seeds)
    return Plan(spec.name, Path(path).resolve(), tuple(instances), configurations, seeds,
                spec.time_limit, best_known, spec.description)


def _names(data: dict[str, Any]) -> set[str]:
    """The ``${NAME}`` variables the plan's text uses (only those are read from the
    environment, so an unrelated variable never changes a plan)."""
    return set(_VAR.findall(repr(data)))


def _no_overrides(configurations: tuple[Configuration, ...], file: str, key: str,
                  problems: list[InputProblem]) -> None:
    for conf in configurations:
        if conf.overrides:
            problems.append(InputProblem(
                file, f"configuration {conf.name!r} overrides the scenario, but an MDGPLIB "
                "instance has none", key=key))


def _check_overrides(scenario: Path, configurations: tuple[Configuration, ...], file: str,
                     key: str, problems: list[InputProblem]) -> None:
    """Each configuration's overrides must give a valid scenario with this instance's."""
    overridden = [c for c in configurations if c.overrides]
    if not overridden:
        return
    try:
        with open(scenario, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        problems.append(InputProblem(str(scenario), f"cannot be read: {exc}"))
        return
    for conf in overridden:
        try:
            scenario_from_dict(scenario_with_overrides(data, conf.overrides), str(scenario))
        except ValueError as exc:
            problems.append(InputProblem(file, str(exc), key=f"{key} with {conf.name}"))
        except InputError as exc:
            problems += [InputProblem(file, f"with configuration {conf.name!r}: {p}", key=key)
                         for p in exc.problems]
