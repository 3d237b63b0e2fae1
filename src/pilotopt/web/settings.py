"""The scenario's main settings as a form: the groups' count (or target size) and size bounds,
and per rule hard or soft, its weight and the numbers of the common kinds (a quota's bounds and
shares, a distinct rule's maximum, a balance's tolerance, a distance in km, ...).

The TOML file stays the source of truth. :func:`form` reads the fields from the validated
scenario; :func:`changes` turns what the form sent into the keys to set or remove (only those
that differ from the scenario, each checked to be a number first); :func:`rewrite` writes them
into the file's text with tomlkit, which keeps the user's comments, order and layout. The
caller validates the new text with the scenario loader, as any scenario file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import tomlkit
from tomlkit.items import Table

from pilotopt.errors import InputProblem
from pilotopt.schema.scenario import Scenario

__all__ = ["NUMBERS", "Field", "Form", "RuleFields", "changes", "form", "rewrite"]

#: The numbers the form offers per rule kind, beyond hard/soft and the weight.
NUMBERS: dict[str, tuple[str, ...]] = {
    "size": ("min", "max"),
    "quota": ("min", "max", "min_share", "max_share"),
    "distinct": ("max",),
    "spread": ("slack",),
    "balance": ("tolerance",),
    "max_distance": ("km",),
    "anchor": ("km",),
    "optional": ("min",),
}

Value = bool | int | float | None


@dataclass(frozen=True)
class Field:
    """One field of the form: its dotted key in the file (``groups.size.min``,
    ``rules[2].weight``), what it holds, and the scenario's value (None: not set)."""

    key: str
    kind: Literal["int", "float", "hard"]
    current: Value

    @property
    def name(self) -> str:
        """The key's last part (``min``, ``weight``, ``hard``)."""
        return self.key.rsplit(".", 1)[-1]

    @property
    def shown(self) -> str:
        """The value as the form shows it ("" when not set)."""
        v = self.current
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)


@dataclass(frozen=True)
class RuleFields:
    """The fields of one rule (``number`` from 1, as ``rules[1]`` in problems)."""

    number: int
    kind: str
    label: str
    fields: tuple[Field, ...]
    #: The label in Dutch.
    label_nl: str = ""


@dataclass(frozen=True)
class Form:
    """The groups' fields and each rule's."""

    groups: tuple[Field, ...]
    rules: tuple[RuleFields, ...]

    def fields(self) -> Iterator[Field]:
        """Every field, the groups' first."""
        yield from self.groups
        for r in self.rules:
            yield from r.fields


def _kind(model: Any, name: str) -> Literal["int", "float"]:
    annotation = str(type(model).model_fields[name].annotation)
    return "float" if "float" in annotation else "int"


def form(scenario: Scenario) -> Form:
    """The form's fields with the scenario's values.

    >>> from pilotopt.io.scenario import scenario_from_dict
    >>> f = form(scenario_from_dict({"groups": {"count": 2}, "rules": [
    ...     {"kind": "quota", "attribute": "economy", "value": "social", "min": 1}]}))
    >>> [(x.key, x.shown) for x in f.fields()]  # doctest: +NORMALIZE_WHITESPACE
    [('groups.count', '2'), ('groups.size.min', ''), ('groups.size.max', ''),
     ('rules[1].hard', 'true'), ('rules[1].weight', '1'), ('rules[1].min', '1'),
     ('rules[1].max', ''), ('rules[1].min_share', ''), ('rules[1].max_share', '')]
    """
    g = scenario.groups
    count = "count" if g.target_size is None else "target_size"
    groups = (Field(f"groups.{count}", "int", getattr(g, count)),
              Field("groups.size.min", "int", g.size.min),
              Field("groups.size.max", "int", g.size.max))
    rules = tuple(
        RuleFields(k, rule.kind, rule.label(), (
            Field(f"rules[{k}].hard", "hard", rule.hard),
            Field(f"rules[{k}].weight", "float", rule.weight),
            *(Field(f"rules[{k}].{name}", _kind(rule, name), getattr(rule, name))
              for name in NUMBERS.get(rule.kind, ()))), rule.label("nl"))
        for k, rule in enumerate(scenario.rules, start=1))
    return Form(groups, rules)


def _parse(f: Field, raw: str) -> Value:
    """The value of a field as typed; raises ValueError with a user's message."""
    if f.kind == "hard":
        if raw not in ("true", "false"):
            raise ValueError("choose hard or soft")
        return raw == "true"
    if raw == "":
        return None
    try:
        if f.kind == "int":
            return int(raw)
        return float(raw.replace(",", "."))  # 0,5 as a Dutch user writes it
    except ValueError:
        raise ValueError("a whole number is needed" if f.kind == "int"
                         else "a number is needed, e.g. 0.5") from None


def changes(fields: Form, sent: Mapping[str, str], file: str
            ) -> tuple[list[InputProblem], dict[str, Value]]:
    """What the form sent (field key -> text) against the scenario: the problems (a field that
    is no number, naming ``file``, its key and what was typed) and the keys to change (None:
    remove the key, the kind's default applies). Fields not sent stay as they are."""
    problems: list[InputProblem] = []
    changed: dict[str, Value] = {}
    for f in fields.fields():
        raw = sent.get(f.key)
        if raw is None:
            continue
        try:
            value = _parse(f, raw.strip())
        except ValueError as exc:
            problems.append(InputProblem(file, str(exc), key=f.key, value=raw))
            continue
        # Compared with the validated scenario, defaults included: a default left as it was
        # is not written into the file.
        if value != f.current:
            changed[f.key] = value
    return problems, changed


def _path(key: str) -> list[str | int]:
    """``rules[3].weight`` -> ``["rules", 2, "weight"]`` (list positions from 0)."""
    return [int(n) - 1 if n else name for name, n in re.findall(r"([^.\[\]]+)|\[(\d+)\]", key)]


def _set(table: Any, name: str, value: Any) -> None:
    """Set (or remove, for None) a key; a new key goes right after the table's last key, not
    after the comments that precede the next table."""
    if value is None:
        if name in table:
            del table[name]
        return
    body = table.value.body if isinstance(table, Table) else []
    last = max((k for k, (key, _) in enumerate(body) if key is not None), default=-1)
    if name in table or last + 1 >= len(body):  # nothing after the last key: append
        table[name] = value
    else:
        table.value._insert_at(last + 1, name, value)


def rewrite(text: str, changed: Mapping[str, Value]) -> str:
    """The scenario's TOML ``text`` with the ``changed`` keys set (or removed, for None); every
    other line, comment and key order as it was.

    >>> print(rewrite('[groups]\\ncount = 2  # two\\n\\n# soft\\n[[rules]]\\nkind = "x"\\n\\n'
    ...               '# next\\n[[rules]]\\nkind = "y"\\n',
    ...               {"groups.count": 3, "groups.size.min": 2, "rules[1].weight": 2.5}))
    [groups]
    count = 3  # two
    size = {min = 2}
    <BLANKLINE>
    # soft
    [[rules]]
    kind = "x"
    weight = 2.5
    <BLANKLINE>
    # next
    [[rules]]
    kind = "y"
    <BLANKLINE>
    """
    doc = tomlkit.parse(text)
    for key, value in changed.items():
        *path, name = _path(key)
        table: Any = doc
        for part in path:
            if isinstance(part, str) and part not in table:
                if value is None:
                    break
                _set(table, part, tomlkit.inline_table())
            table = table[part]
        else:
            _set(table, str(name), value)
    return tomlkit.dumps(doc)
