"""Read a scenario TOML file into a validated :class:`~pilotopt.schema.scenario.Scenario`."""

from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from pilotopt.errors import InputError, InputProblem
from pilotopt.schema.scenario import RULE_KINDS, Complementarity, Groups, Scenario

__all__ = ["read_scenario", "scenario_from_dict"]

_TOP_LEVEL = {"groups", "complementarity", "rules", "description"}


def _key(prefix: str, loc: tuple[Any, ...]) -> str:
    """Dotted key of an error location; list positions count from 1, as ``rules[1]`` does."""
    key = prefix
    for part in loc:
        key += f"[{part + 1}]" if isinstance(part, int) else f".{part}"
    return key.lstrip(".")


def _validate(
    file: str, model: type[BaseModel], data: Any, prefix: str, problems: list[InputProblem]
) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if p not in ("tagged-union", "function-after"))
            value = err.get("input")
            problems.append(InputProblem(
                file,
                str(err["msg"]).removeprefix("Value error, "),
                key=_key(prefix, loc),
                value=None if isinstance(value, dict | list) else value,
            ))
        return None


def _pairs_from_file(
    file: str, raw: dict[str, Any], prefix: str, problems: list[InputProblem]
) -> dict[str, Any]:
    """Replace ``file = "pairs.csv"`` (two columns of ids, a header row) by the pairs it lists.

    The path is relative to the scenario file.
    """
    path = Path(file).parent / raw["file"]
    rest = {k: v for k, v in raw.items() if k != "file"}
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(InputProblem(file, f"cannot read the pairs file: {exc}",
                                     key=f"{prefix}.file", value=raw["file"]))
        return rest
    pairs = []
    delimiter = ";" if lines and lines[0].count(";") > lines[0].count(",") else ","
    for row_no, cells in enumerate(csv.reader(lines[1:], delimiter=delimiter), start=2):
        cells = [c.strip() for c in cells if c.strip()]
        if not cells:
            continue
        if len(cells) != 2:
            problems.append(InputProblem(str(path), "a pair is two ids", row=row_no,
                                         value=",".join(cells)))
            continue
        pairs.append((cells[0], cells[1]))
    return {**rest, "pairs": pairs}


def scenario_from_dict(data: dict[str, Any], file: str = "<scenario>") -> Scenario:
    """Validate a scenario given as a dict (as parsed from TOML), listing every problem."""
    problems: list[InputProblem] = []
    problems.extend(
        InputProblem(file, f"unknown section; expected one of {', '.join(sorted(_TOP_LEVEL))}",
                     key=k)
        for k in data if k not in _TOP_LEVEL
    )
    if "groups" not in data:
        problems.append(InputProblem(file, "the [groups] section is missing", key="groups"))
    groups = _validate(file, Groups, data.get("groups", {}), "groups", problems)
    comp = _validate(
        file, Complementarity, data.get("complementarity", {}), "complementarity", problems
    )
    rules = []
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        problems.append(InputProblem(file, "write rules as [[rules]] tables", key="rules"))
        raw_rules = []
    for k, raw in enumerate(raw_rules, start=1):
        prefix = f"rules[{k}]"
        if not isinstance(raw, dict):
            problems.append(InputProblem(file, "a rule is a table with a 'kind'", key=prefix))
            continue
        kind = raw.get("kind")
        model = RULE_KINDS.get(kind) if isinstance(kind, str) else None
        if model is None:
            problems.append(InputProblem(
                file, f"unknown rule kind; known kinds: {', '.join(RULE_KINDS)}",
                key=f"{prefix}.kind", value=kind,
            ))
            continue
        if kind in ("together", "apart") and isinstance(raw.get("file"), str):
            raw = _pairs_from_file(file, raw, prefix, problems)
        rule = _validate(file, model, raw, prefix, problems)
        if rule is not None:
            rules.append(rule)
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        problems.append(InputProblem(
            file, "the description is text in quotes", key="description", value=description
        ))
    if problems:
        raise InputError(problems)
    return Scenario(groups=groups, complementarity=comp, rules=rules, description=description)


def _toml_problem(file: str, exc: tomllib.TOMLDecodeError) -> InputProblem:
    """Name the line of a TOML syntax error and show it, e.g. ``value = social``."""
    found = re.search(r"at line (\d+)", str(exc))
    if found is None:
        return InputProblem(file, f"not valid TOML: {exc}")
    line_no = int(found.group(1))
    try:
        lines = Path(file).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    text = lines[line_no - 1].strip() if 0 < line_no <= len(lines) else None
    hint = "; text needs quotes, e.g. value = \"social\"" if "Invalid value" in str(exc) else ""
    return InputProblem(file, f"not valid TOML: {exc}{hint}", key=f"line {line_no}", value=text)


def read_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    Raises
    ------
    InputError
        Listing every problem, each with the file, the key (``rules[2].min``) and the value.
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
    return scenario_from_dict(data, file)
