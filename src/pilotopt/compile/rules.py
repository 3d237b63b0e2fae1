"""User rules -> primitives. One compiler per rule kind, registered in :data:`COMPILERS`.

A compiler receives the rule, its number and a :class:`Context`, appends located
:class:`~pilotopt.errors.InputProblem` s for anything that does not fit the roster, and returns
the primitives (the rule's ``RuleInfo`` is added by the caller).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pilotopt.errors import InputProblem
from pilotopt.problem import SCALE, Allowed, GroupSum, PairLink, Primitive
from pilotopt.schema.roster import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, Economy, Organisation
from pilotopt.schema.scenario import (
    ApartRule,
    PinRule,
    QuotaRule,
    RuleBase,
    SizeRule,
    TogetherRule,
)

__all__ = ["COMPILERS", "Context", "describe"]

_BUILTIN_ATTRIBUTES: dict[str, Callable[[Organisation], str]] = {
    "id": lambda o: o.id,
    "name": lambda o: o.name,
    "economy": lambda o: o.economy.value,
    "sector": lambda o: o.sector,
    "division": lambda o: o.division,
    "municipality": lambda o: o.municipality or "",
}
#: Roster columns with a meaning of their own that are not a category to count by.
_NOT_CATEGORIES = {
    *(set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)) - set(_BUILTIN_ATTRIBUTES)
}


@dataclass
class Context:
    """What a rule compiler may read, and where it reports problems."""

    file: str
    orgs: Sequence[Organisation]
    columns: Sequence[str]
    group_names: Sequence[str]
    problems: list[InputProblem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.index = {o.id: i for i, o in enumerate(self.orgs)}

    @property
    def n(self) -> int:
        return len(self.orgs)

    @property
    def m(self) -> int:
        return len(self.group_names)

    def problem(self, number: int, field_: str, message: str, value: Any = None) -> None:
        """Report a problem with rule ``number`` (1-based), field ``field_``."""
        key = f"rules[{number}].{field_}" if number else field_
        self.problems.append(InputProblem(self.file, message, key=key, value=value))

    def attribute(self, number: int, name: str) -> list[str] | None:
        """Each organisation's value of attribute ``name`` as text, or None if unknown."""
        if name in _BUILTIN_ATTRIBUTES:
            return [_BUILTIN_ATTRIBUTES[name](o) for o in self.orgs]
        if name in _NOT_CATEGORIES:
            self.problem(
                number, "attribute",
                "this column holds numbers, tags or ids, not a category to count by; use e.g. "
                "economy, sector, division, municipality, province or a column of your own",
                name,
            )
            return None
        if name in self.columns or any(name in o.attributes for o in self.orgs):
            return [o.attributes.get(name, "") for o in self.orgs]
        known = sorted(
            {*_BUILTIN_ATTRIBUTES, *self.columns, *self.orgs[0].attributes} - _NOT_CATEGORIES
        )
        self.problem(number, "attribute", f"no such attribute; known: {', '.join(known)}", name)
        return None

    def group(self, number: int, field_: str, ref: int | str) -> int | None:
        """Group index of a user reference: a number 1..m or a group name."""
        if isinstance(ref, int) and not isinstance(ref, bool) and 1 <= ref <= self.m:
            return ref - 1
        if isinstance(ref, str) and ref in self.group_names:
            return self.group_names.index(ref)
        self.problem(
            number, field_,
            f"no such group; groups are numbered 1 to {self.m}"
            + (f" or named {', '.join(self.group_names)}" if ref and isinstance(ref, str) else ""),
            ref,
        )
        return None

    def groups(self, number: int, refs: list[int | str] | None) -> list[int]:
        """Group indices a rule applies to (all when ``refs`` is None)."""
        if refs is None:
            return list(range(self.m))
        found = [self.group(number, "groups", r) for r in refs]
        return [g for g in found if g is not None]

    def org(self, number: int, field_: str, org_id: str) -> int | None:
        """Index of an organisation id, reporting an unknown one."""
        if org_id in self.index:
            return self.index[org_id]
        self.problem(number, field_, "no organisation with this id in the roster", org_id)
        return None


def _penalty(rule: RuleBase) -> int:
    return 0 if rule.hard else max(1, round(SCALE * rule.weight))


def _bounds(
    ctx: Context, groups: list[int], lo: int | None, hi: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per-group bounds: the rule's bounds on its groups, free elsewhere."""
    lo_g = np.zeros(ctx.m, dtype=np.int64)
    hi_g = np.full(ctx.m, ctx.n, dtype=np.int64)
    lo_g[groups] = lo or 0
    hi_g[groups] = ctx.n if hi is None else hi
    return lo_g, hi_g


def compile_size(rule: SizeRule, number: int, index: int, ctx: Context) -> list[Primitive]:
    """Members per group within [min, max]."""
    lo, hi = _bounds(ctx, ctx.groups(number, rule.groups), rule.min, rule.max)
    return [GroupSum(index, np.ones(ctx.n, dtype=np.int64), lo, hi, rule.hard, _penalty(rule))]


def compile_quota(rule: QuotaRule, number: int, index: int, ctx: Context) -> list[Primitive]:
    """Members with an attribute value within [min, max]."""
    values = ctx.attribute(number, rule.attribute)
    if values is None:
        return []
    if rule.attribute == "economy":
        unknown = [v for v in rule.values if v.casefold() not in {e.value for e in Economy}]
        for v in unknown:
            ctx.problem(number, "value", "not an economy; economies are "
                        + ", ".join(e.value for e in Economy), v)
    wanted = {v.casefold() for v in rule.values}
    w = np.array([v.casefold() in wanted for v in values], dtype=np.int64)
    lo, hi = _bounds(ctx, ctx.groups(number, rule.groups), rule.min, rule.max)
    return [GroupSum(index, w, lo, hi, rule.hard, _penalty(rule))]


def _pairs(rule: TogetherRule | ApartRule, number: int, ctx: Context) -> np.ndarray:
    found: set[tuple[int, int]] = set()
    if rule.pairs is not None:
        for k, (a, b) in enumerate(rule.pairs):
            i = ctx.org(number, f"pairs[{k + 1}]", a)
            j = ctx.org(number, f"pairs[{k + 1}]", b)
            if i is not None and i == j:
                ctx.problem(number, f"pairs[{k + 1}]", "a pair needs two different ids", a)
            elif i is not None and j is not None:
                found.add((min(i, j), max(i, j)))
    elif rule.column is not None:
        if rule.column not in ctx.columns:
            ctx.problem(number, "column", "the roster has no such column", rule.column)
        elif rule.column != "competitors" and rule.column in (
            set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
        ):
            ctx.problem(number, "column",
                        "this column does not hold organisation ids separated by ';'",
                        rule.column)
        for i, o in enumerate(ctx.orgs):
            cell = o.competitors if rule.column == "competitors" else tuple(
                x.strip() for x in o.attributes.get(rule.column, "").split(";") if x.strip()
            )
            # Ids outside the roster cannot share a group with anyone here: nothing to enforce.
            for other in cell:
                j = ctx.index.get(other)
                if j is not None and j != i:
                    found.add((min(i, j), max(i, j)))
    return np.array(sorted(found), dtype=np.int64).reshape(-1, 2)


def compile_together(rule: TogetherRule, number: int, index: int, ctx: Context) -> list[Primitive]:
    """Pairs that must share a group."""
    return [PairLink(index, _pairs(rule, number, ctx), True, rule.hard, _penalty(rule))]


def compile_apart(rule: ApartRule, number: int, index: int, ctx: Context) -> list[Primitive]:
    """Pairs that must not share a group."""
    return [PairLink(index, _pairs(rule, number, ctx), False, rule.hard, _penalty(rule))]


def compile_pin(rule: PinRule, number: int, index: int, ctx: Context) -> list[Primitive]:
    """Organisations fixed to one group each."""
    allowed = np.ones((ctx.n, ctx.m), dtype=bool)
    for org_id, ref in rule.pins.items():
        i = ctx.org(number, f"pins.{org_id}", org_id)
        g = ctx.group(number, f"pins.{org_id}", ref)
        if i is not None and g is not None:
            allowed[i] = False
            allowed[i, g] = True
    return [Allowed(index, allowed, rule.hard, _penalty(rule))]


Compiler = Callable[[Any, int, int, Context], list[Primitive]]

COMPILERS: dict[str, Compiler] = {
    "size": compile_size,
    "quota": compile_quota,
    "together": compile_together,
    "apart": compile_apart,
    "pin": compile_pin,
}


def _bounds_text(lo: int | None, hi: int | None) -> str:
    parts = ([f"min {lo}"] if lo is not None else []) + ([f"max {hi}"] if hi is not None else [])
    return " ".join(parts)


def describe(rule: Any) -> str:
    """The rule in a matchmaker's words, e.g. ``quota economy=social min 2``."""
    if rule.name:
        return str(rule.name)
    groups = getattr(rule, "groups", None)
    where = f" in groups {', '.join(map(str, groups))}" if groups else ""
    if isinstance(rule, SizeRule):
        return f"size {_bounds_text(rule.min, rule.max)}{where}"
    if isinstance(rule, QuotaRule):
        bounds = _bounds_text(rule.min, rule.max)
        return f"quota {rule.attribute}={'|'.join(rule.values)} {bounds}{where}"
    if isinstance(rule, TogetherRule | ApartRule):
        what = f"column {rule.column}" if rule.column else f"{len(rule.pairs or [])} pairs"
        return f"{rule.kind} {what}"
    if isinstance(rule, PinRule):
        return f"pin {', '.join(f'{k}->{v}' for k, v in rule.pins.items())}"
    return str(rule.kind)
