"""Read a scenario TOML file into a validated :class:`~pilotopt.schema.scenario.Scenario`."""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from pilotopt.errors import InputError, InputProblem
from pilotopt.io.tables import read_table
from pilotopt.schema.scenario import RULE_KINDS, Complementarity, Groups, Membership, Scenario

__all__ = ["read_scenario", "scenario_from_dict"]

_TOP_LEVEL = {"groups", "complementarity", "rules", "membership", "description", "lang"}


def _key(prefix: str, loc: tuple[Any, ...]) -> str:
    """Dotted key of an error location; list positions count from 1, as ``rules[1]`` does."""
    key = prefix
    for part in loc:
        key += f"[{part + 1}]" if isinstance(part, int) else f".{part}"
    return key.lstrip(".")


def _did_you_mean(word: str, known: list[str]) -> str:
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return f"did you mean {close[0]}?" if close else f"known: {', '.join(known)}"


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys a model allows at ``loc`` (the path to the unknown key's table)."""
    for part in loc:
        field = model.model_fields.get(str(part))
        inner = field.annotation if field is not None else None
        if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
            return []
        model = inner
    return list(model.model_fields)


def _validate(
    file: str, model: type[BaseModel], data: Any, prefix: str, problems: list[InputProblem]
) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if p not in ("tagged-union", "function-after"))
            value = err.get("input")
            message = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden" and loc:
                message = "unknown key; " + _did_you_mean(
                    str(loc[-1]), _fields_at(model, loc[:-1]))
            problems.append(InputProblem(
                file,
                message,
                key=_key(prefix, loc),
                value=None if isinstance(value, dict | list) else value,
            ))
        return None


def _line_of(lines: list[str], key: str) -> int | None:
    """The line (from 1) where a dotted key such as ``rules[2].mni`` is written, if found.

    TOML parsers give no positions, so the text is searched: the key's table (``[groups]``, the
    k-th ``[[rules]]``), then the first line in it that assigns the key's last name.
    """
    parts = re.findall(r"\[(\d+)\]|([^.\[\]]+)", key)
    names = [name for _, name in parts if name]
    if not names:
        return None
    if names[0] == "rules" and parts[1:2] and parts[1][0]:
        header = re.compile(r"^\s*\[\[\s*rules\s*\]\]")
        starts = [k for k, line in enumerate(lines) if header.match(line)]
        number = int(parts[1][0])
        if not 0 < number <= len(starts):
            return None
        start = starts[number - 1]
    else:
        header = re.compile(rf"^\s*\[\s*{re.escape(names[0])}\s*[\].]")
        start = next((k for k, line in enumerate(lines) if header.match(line)), -1)
        if start < 0:
            return None
    end = next((k for k in range(start + 1, len(lines)) if lines[k].lstrip().startswith("[")),
               len(lines))
    for name in reversed(names[1:]):
        assign = re.compile(rf"(^|[{{,\s]){re.escape(name)}\s*=")
        found = next((k for k in range(start + 1, end) if assign.search(lines[k])), None)
        if found is not None:
            return found + 1
    return start + 1


def _pairs_from_file(
    file: str, raw: dict[str, Any], prefix: str, problems: list[InputProblem]
) -> dict[str, Any]:
    """Replace ``file = "pairs.csv"`` (two columns of ids, a header row) by the pairs it lists.

    The path is relative to the scenario file.
    """
    path = Path(file).parent / raw["file"]
    rest = {k: v for k, v in raw.items() if k != "file"}
    try:
        table = read_table(path, what="pairs file")
    except InputError as exc:
        problems.extend(InputProblem(file, f"cannot read the pairs file: {p}",
                                     key=f"{prefix}.file", value=raw["file"])
                        for p in exc.problems)
        return rest
    pairs = []
    for row in table.rows:
        cells = [c for c in row.values if c]
        if len(cells) != 2:
            problems.append(table.problem("a pair is two ids", row=row.number,
                                          value=",".join(cells)))
            continue
        pairs.append((cells[0], cells[1]))
    return {**rest, "pairs": pairs}


def scenario_from_dict(
    data: dict[str, Any], file: str = "<scenario>", text: str | None = None
) -> Scenario:
    """Validate a scenario given as a dict (as parsed from TOML), listing every problem.

    With the file's ``text``, each problem's key also names its line.
    """
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
    membership = _validate(file, Membership, data.get("membership", {}), "membership", problems)
    rules = []
    named: dict[str | None, str] = {}
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
            hint = _did_you_mean(str(kind), list(RULE_KINDS))
            problems.append(InputProblem(
                file, f"unknown rule kind; {hint} (kinds: {', '.join(RULE_KINDS)})",
                key=f"{prefix}.kind", value=kind,
            ))
            continue
        if kind in ("together", "apart") and isinstance(raw.get("file"), str):
            raw = _pairs_from_file(file, raw, prefix, problems)
        rule = _validate(file, model, raw, prefix, problems)
        if rule is not None:
            rules.append(rule)
            if rule.name is not None and rule.name in named:
                problems.append(InputProblem(
                    file, f"another rule ({named[rule.name]}) has this name; names tell rules "
                    "apart in reports", key=f"{prefix}.name", value=rule.name))
            named.setdefault(rule.name, prefix)
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        problems.append(InputProblem(
            file, "the description is text in quotes", key="description", value=description
        ))
    lang = data.get("lang")
    if lang is not None and lang not in ("en", "nl"):
        problems.append(InputProblem(file, "the language is \"en\" or \"nl\"", key="lang",
                                     value=lang))
    if problems:
        if text is not None:
            lines = text.splitlines()
            problems = [replace(p, key=f"{p.key} (line {line})") if p.key and (
                line := _line_of(lines, p.key)) else p for p in problems]
        raise InputError(problems)
    return Scenario(groups=groups, complementarity=comp, rules=rules, membership=membership,
                    description=description, lang=lang)


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
        raw = Path(path).read_bytes()
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise InputError([InputProblem(file, "file not found")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError([_toml_problem(file, exc)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([InputProblem(file, f"cannot be read: {exc}")]) from None
    return scenario_from_dict(data, file, text)
