"""User rules -> primitives. One compiler per rule kind, registered with :func:`compiles`.

A compiler receives the rule, its number and a :class:`Context`, appends located
:class:`~pilotopt.errors.InputProblem` s for anything that does not fit the roster, and returns
the primitives (the rule's ``RuleInfo`` is added by the caller).

Where things go (source files; tests mirror them):

* A new rule kind that compiles to existing primitives touches three files: its model in
  ``schema/scenario.py`` (fields and checks, ``meaning``, ``meaning_nl``, ``fact``,
  ``describe``; a member of ``Rule``), its compiler here (``@compiles(TheRule)``), and its row
  in ``README.md``. Reports, conflict messages and the scenario reader pick it up from the
  model.
* A new primitive touches at most six: its class in ``problem.py`` (fields, ``validate``,
  ``restrict``, ``renumber``, ``fact_count``; a member of ``Primitive``), its violation in
  ``evaluate.py`` and its CP-SAT constraint in ``solve/cpsat.py`` (each a ``case`` of a
  ``match`` that ends in ``assert_never``, so mypy names a forgotten one), its move delta in the
  search (``solve/search/deltas.py`` for a rule on group counts, else each engine's terms in
  ``solve/search/tabu.py`` and ``sampled.py``, encoded in ``encode.py``), and the
  rule compiler here that emits it (a new kind for it adds its model and README row, as above).
  Restricting (LNS), renumbering (large search) and conflict counts come from the methods.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, TypeVar

import numpy as np

from pilotopt.compile.complementarity import known_tags, tag_matrices
from pilotopt.errors import InputProblem
from pilotopt.io.assignment import GroupRefs
from pilotopt.io.history import History
from pilotopt.io.municipalities import find_municipality, suggest_municipalities
from pilotopt.problem import (
    SCALE,
    Allowed,
    Coverage,
    GroupLists,
    GroupSum,
    IntArray,
    LeaveOut,
    MaxDeviation,
    NotExactlyOne,
    PairLink,
    Primitive,
    Proximity,
    Stay,
)
from pilotopt.schema.roster import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, Economy, Organisation
from pilotopt.schema.scenario import (
    AnchorRule,
    ApartRule,
    BalanceRule,
    CoverageRule,
    DistinctRule,
    EligibleRule,
    ForbidRule,
    MaxDistanceRule,
    NoIsolationRule,
    OptionalRule,
    PinRule,
    QuotaRule,
    RepeatsRule,
    RuleBase,
    SizeRule,
    SpreadRule,
    StabilityRule,
    TogetherRule,
    kind_of,
)

__all__ = ["COMPILERS", "Context", "chord_limit", "compiles", "earth_points"]

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
    #: The largest group size allowed by ``[groups] size.max`` (None: no limit given).
    size_max: int | None = None
    #: Too many organisations to list pairs by the n^2: rules keep O(n) data instead.
    large: bool = False
    #: The earlier waves (``--history``), for ``repeats`` rules; None: none given.
    history: History | None = None
    #: Group index (-1: left out) of each organisation id in a previous assignment, if given.
    previous: Mapping[str, int] | None = None
    #: The roster's file, where a problem with one of its cells is located.
    roster_file: str = "<roster>"
    #: The group each organisation is pinned to by a hard pin, and where that is said.
    pinned: dict[int, tuple[int, InputProblem]] = field(default_factory=dict)
    #: The roster row each organisation stands for: one that may join several groups is there
    #: as consecutive copies (see :attr:`pilotopt.problem.Problem.roster_index`); None: once.
    roster_index: IntArray | None = None

    def __post_init__(self) -> None:
        self.index: dict[str, int] = {}
        for i, o in enumerate(self.orgs):
            self.index.setdefault(o.id, i)  # an id names the first copy, see :meth:`copies`
        r = np.arange(self.n) if self.roster_index is None else self.roster_index
        #: The first copy of each organisation, and how many copies it has.
        self.first = np.searchsorted(r, r).astype(np.int64)
        self.count = np.bincount(r, minlength=1)[r].astype(np.int64)

    @property
    def primary(self) -> np.ndarray:
        """Whether each organisation is the first copy (the organisation itself)."""
        return np.asarray(self.first == np.arange(self.n))

    def copies(self, i: int) -> list[int]:
        """Every copy of organisation i: rules that name an organisation hold for each."""
        return list(range(int(self.first[i]), int(self.first[i] + self.count[i])))

    def fan(self, pairs: np.ndarray) -> np.ndarray:
        """Every pair of copies of the pairs of organisations ``pairs`` (k, 2)."""
        a, b = self.first[pairs[:, 0]], self.first[pairs[:, 1]]
        ca, cb = self.count[a], self.count[b]
        reps = ca * cb
        k = np.repeat(np.arange(len(pairs)), reps)
        within = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
        return np.stack([a[k] + within // cb[k], b[k] + within % cb[k]], axis=1).astype(np.int64)

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

    def numeric(self, number: int, name: str, field_: str = "attribute") -> np.ndarray | None:
        """Each organisation's value of a numeric attribute, or None (problems reported)."""
        if name in ("fte", "target_group_fte", "lat", "lon"):
            return np.array([getattr(o, name) or 0.0 for o in self.orgs], dtype=float)
        if name not in self.columns and not any(name in o.attributes for o in self.orgs):
            self.problem(number, field_, "no such attribute; numeric ones are fte, "
                         "target_group_fte or a column of numbers of your own", name)
            return None
        values = []
        for o in self.orgs:
            text = o.attributes.get(name, "").replace(",", ".")
            try:
                values.append(float(text) if text else 0.0)
            except ValueError:
                self.problem(number, field_,
                             f"column '{name}' is not numeric: organisation {o.id} has {text!r}",
                             name)
                return None
        return np.array(values)

    def select(self, number: int, rule: Any) -> np.ndarray:
        """Boolean mask of the organisations a rule chooses, by ids or attribute value (all when
        it names neither)."""
        chosen = np.zeros(self.n, dtype=bool)
        if rule.organisations is None and rule.attribute is None:
            chosen[:] = True
        elif rule.organisations is not None:
            for k, org_id in enumerate(rule.organisations):
                i = self.org(number, f"organisations[{k + 1}]", org_id)
                if i is not None:
                    chosen[self.copies(i)] = True
        else:
            values = self.attribute(number, rule.attribute)
            if values is not None:
                wanted = {v.casefold() for v in rule.values}
                chosen[:] = [v.casefold() in wanted for v in values]
        return chosen

    def groups(self, number: int, refs: list[int | str] | None) -> list[int]:
        """Group indices a rule applies to (all when ``refs`` is None)."""
        if refs is None:
            return list(range(self.m))
        found = [self.group(number, "groups", r) for r in refs]
        return [g for g in found if g is not None]

    def pin(self, i: int, g: int, place: InputProblem) -> None:
        """Record a hard pin of organisation i to group g (``place``: where it is said, a
        problem without its message), reporting one that pins i elsewhere."""
        first = self.pinned.setdefault(i, (g, place))
        if first[0] != g:
            self.problems.append(replace(place, message=(
                f"{self.orgs[i].id} is pinned to {self.group_names[g]} here, and to "
                f"{self.group_names[first[0]]} by {first[1].where()}")))

    def org(self, number: int, field_: str, org_id: str) -> int | None:
        """Index of an organisation id, reporting an unknown one."""
        if org_id in self.index:
            return self.index[org_id]
        self.problem(number, field_, "no organisation with this id in the roster", org_id)
        return None


Compiler = Callable[[Any, int, int, Context], list[Primitive]]
_C = TypeVar("_C", bound=Callable[..., list[Primitive]])

#: The compiler of each rule kind, by ``kind`` (filled by :func:`compiles`).
COMPILERS: dict[str, Compiler] = {}


def compiles(*models: type[RuleBase]) -> Callable[[_C], _C]:
    """Register the decorated function as the compiler of the rule kinds ``models``."""

    def register(compiler: _C) -> _C:
        for model in models:
            COMPILERS[kind_of(model)] = compiler
        return compiler

    return register


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


@compiles(SizeRule)
def compile_size(rule: SizeRule, number: int, index: int, ctx: Context) -> list[Primitive]:
    """Members per group within [min, max]."""
    lo, hi = _bounds(ctx, ctx.groups(number, rule.groups), rule.min, rule.max)
    return [GroupSum(index, np.ones(ctx.n, dtype=np.int64), lo, hi, rule.hard, _penalty(rule))]


@compiles(QuotaRule)
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
    if rule.min is not None and ctx.size_max is not None and rule.min > ctx.size_max:
        ctx.problem(number, "min", f"no group can hold this many: groups have at most "
                    f"{ctx.size_max} members ([groups] size.max)", rule.min)
    wanted = {v.casefold() for v in rule.values}
    w = np.array([v.casefold() in wanted for v in values], dtype=np.int64)
    groups = ctx.groups(number, rule.groups)
    out: list[Primitive] = []
    if rule.min is not None or rule.max is not None:
        lo, hi = _bounds(ctx, groups, rule.min, rule.max)
        out.append(GroupSum(index, w, lo, hi, rule.hard, _penalty(rule)))
    for share, at_least in ((rule.min_share, True), (rule.max_share, False)):
        if share is not None:
            out.append(_share(rule, index, ctx, w, groups, share, at_least))
    return out


def _share(
    rule: QuotaRule, index: int, ctx: Context, w: np.ndarray, groups: list[int],
    share: float, at_least: bool,
) -> GroupSum:
    """``count >= share * size`` (or ``<=``) as a GroupSum with integer weights.

    With ``share ~ p / q`` (the nearest fraction with q <= 100, so at least as exact as a
    percentage), member i weighs ``q * [has the value] - p``: the group sum is
    ``q * count - p * size``, at least 0 (resp. at most 0). One unit of violation is 1/q of a
    member, so a soft rule's penalty per unit is ``weight / q``: ``weight`` per member short.
    """
    frac = Fraction(share).limit_denominator(100)
    ws = frac.denominator * w - frac.numerator
    lo = np.full(ctx.m, ws[ws < 0].sum(), dtype=np.int64)  # free outside ``groups``
    hi = np.full(ctx.m, ws[ws > 0].sum(), dtype=np.int64)
    (lo if at_least else hi)[groups] = 0
    penalty = 0 if rule.hard else max(1, round(SCALE * rule.weight / frac.denominator))
    return GroupSum(index, ws.astype(np.int64), lo, hi, rule.hard, penalty)


_TOGETHER_MANY = ("an organisation that may join more than one group cannot be tied to "
                  "another with together; pin both instead")


def _pairs(rule: TogetherRule | ApartRule, number: int, ctx: Context) -> np.ndarray:
    """The pairs a rule names, each once, for every copy of an organisation."""
    found: set[tuple[int, int]] = set()
    ends: list[int] = []  # i, j, i, j, ... of the column's pairs
    if rule.pairs is not None:
        for k, (a, b) in enumerate(rule.pairs):
            i = ctx.org(number, f"pairs[{k + 1}]", a)
            j = ctx.org(number, f"pairs[{k + 1}]", b)
            if i is not None and i == j:
                ctx.problem(number, f"pairs[{k + 1}]", "a pair needs two different ids", a)
            elif i is not None and j is not None:
                found.add((min(i, j), max(i, j)))
                if isinstance(rule, TogetherRule) and max(ctx.count[i], ctx.count[j]) > 1:
                    ctx.problem(number, f"pairs[{k + 1}]", _TOGETHER_MANY,
                                a if ctx.count[i] > 1 else b)
    elif rule.column is not None:
        if rule.column not in ctx.columns:
            ctx.problem(number, "column", "the roster has no such column", rule.column)
        elif rule.column != "competitors" and rule.column in (
            set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
        ):
            ctx.problem(number, "column",
                        "this column does not hold organisation ids separated by ';'",
                        rule.column)
        for i in np.flatnonzero(ctx.primary).tolist():
            o = ctx.orgs[i]
            cell = o.competitors if rule.column == "competitors" else tuple(
                x.strip() for x in o.attributes.get(rule.column, "").split(";") if x.strip()
            )
            # Ids outside the roster cannot share a group with anyone here: nothing to enforce.
            for other in cell:
                j = ctx.index.get(other, i)
                if j != i:
                    ends += (i, j)
                    if isinstance(rule, TogetherRule) and max(ctx.count[i], ctx.count[j]) > 1:
                        ctx.problem(number, "column", f"{_TOGETHER_MANY} ({o.id} and {other})",
                                    rule.column)
    pairs = ctx.fan(np.array(sorted(found) or ends, dtype=np.int64).reshape(-1, 2))
    pairs = np.sort(pairs, axis=1)
    # Each pair once, ordered (a column names most pairs at both ends).
    keys = np.sort(pairs[:, 0] * max(1, ctx.n) + pairs[:, 1])
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
    return np.stack([keys // max(1, ctx.n), keys % max(1, ctx.n)], axis=1).astype(np.int64)


@compiles(TogetherRule)
def compile_together(rule: TogetherRule, number: int, index: int, ctx: Context) -> list[Primitive]:
    """Pairs that must share a group."""
    return [PairLink(index, _pairs(rule, number, ctx), True, rule.hard, _penalty(rule))]


@compiles(ApartRule)
def compile_apart(rule: ApartRule, number: int, index: int, ctx: Context) -> list[Primitive]:
    """Pairs that must not share a group."""
    return [PairLink(index, _pairs(rule, number, ctx), False, rule.hard, _penalty(rule))]


@compiles(RepeatsRule)
def compile_repeats(rule: RepeatsRule, number: int, index: int, ctx: Context) -> list[Primitive]:
    """The pairs that met in earlier waves, kept apart (or together with ``keep``): a
    PairLink, so every backend knows it."""
    if ctx.history is None:
        ctx.problem(number, "kind", "a repeats rule needs the assignments of the earlier waves: "
                    "give each with --history (oldest first)", rule.kind)
        return []
    pairs = ctx.history.pairs(ctx.index, rule.outcomes, rule.last)
    many = (ctx.count[pairs] > 1).any(axis=1) if len(pairs) else np.zeros(0, dtype=bool)
    if rule.keep:  # together, as with a together rule: not with an organisation in several
        for i, j in pairs[many].tolist():
            ctx.problem(number, "keep", f"{_TOGETHER_MANY} ({ctx.orgs[i].id} and "
                        f"{ctx.orgs[j].id} met before)", True)
        return [PairLink(index, pairs, True, rule.hard, _penalty(rule))]
    return [PairLink(index, np.sort(ctx.fan(pairs), axis=1), False, rule.hard, _penalty(rule))]


def pinned(index: int, pins: Sequence[tuple[int, int]], ctx: Context, hard: bool = True,
           penalty: int = 0) -> Allowed:
    """The Allowed of rule ``index`` opening to each organisation only its pinned group (to
    every copy of one in several groups: it sits in that group only)."""
    orgs = [c for i, _ in pins for c in ctx.copies(i)]
    groups = [g for i, g in pins for _ in ctx.copies(i)]
    return Allowed(index, GroupLists.opening(ctx.n, ctx.m, orgs, groups), hard, penalty)


@compiles(PinRule)
def compile_pin(rule: PinRule, number: int, index: int, ctx: Context) -> list[Primitive]:
    """Organisations fixed to one group each: inline and/or by a roster column (group name in
    any case, or number; empty: not pinned). Hard pins of one organisation to two groups are
    located problems."""
    pins: list[tuple[int, int, InputProblem]] = []
    for org_id, ref in (rule.pins or {}).items():
        i = ctx.org(number, f"pins.{org_id}", org_id)
        g = ctx.group(number, f"pins.{org_id}", ref)
        if i is not None and g is not None:
            pins.append((i, g, InputProblem(ctx.file, "", key=f"rules[{number}].pins.{org_id}",
                                            value=ref)))
    if rule.column is not None:
        if rule.column not in ctx.columns:
            ctx.problem(number, "column", "the roster has no such column", rule.column)
        refs = GroupRefs(tuple(ctx.group_names))
        for i in np.flatnonzero(ctx.primary).tolist():
            o = ctx.orgs[i]
            cell = o.attributes.get(rule.column, "").strip()
            if not cell:
                continue
            place = InputProblem(ctx.roster_file, "", id=o.id, column=rule.column, value=cell)
            g = refs.find(cell)
            if g is None:
                ctx.problems.append(replace(place, message=f"no such group (rules[{number}] pins "
                                                           f"by this column); {refs.listing()}"))
            else:
                pins.append((i, g, place))
    if rule.hard:
        for i, g, place in pins:
            ctx.pin(i, g, place)
    return [pinned(index, [(i, g) for i, g, _ in pins], ctx, rule.hard, _penalty(rule))]


@compiles(ForbidRule, EligibleRule)
def _allowed_by_selection(
    rule: ForbidRule | EligibleRule, number: int, index: int, ctx: Context
) -> list[Primitive]:
    """forbid: the chosen stay out of the groups; eligible: only the chosen may enter them."""
    chosen = ctx.select(number, rule)
    kept_out = np.flatnonzero(chosen if isinstance(rule, ForbidRule) else ~chosen)
    groups = np.asarray(ctx.groups(number, rule.groups), dtype=np.int64)
    table = GroupLists.closing(ctx.n, ctx.m, np.repeat(kept_out, len(groups)),
                               np.tile(groups, len(kept_out)))
    return [Allowed(index, table, rule.hard, _penalty(rule))]


@compiles(NoIsolationRule)
def compile_no_isolation(
    rule: NoIsolationRule, number: int, index: int, ctx: Context
) -> list[Primitive]:
    """Members with the value: none or at least two per group."""
    values = ctx.attribute(number, rule.attribute)
    if values is None:
        return []
    wanted = {v.casefold() for v in rule.values}
    w = np.array([v.casefold() in wanted for v in values], dtype=np.int64)
    return [NotExactlyOne(index, w, rule.hard, _penalty(rule))]


@compiles(CoverageRule)
def compile_coverage(rule: CoverageRule, number: int, index: int, ctx: Context) -> list[Primitive]:
    """Needs met by another member of the group, for all tags or those listed."""
    tags, offers, needs = tag_matrices(ctx.orgs)
    if rule.tags is not None:
        for k, tag in enumerate(rule.tags, start=1):
            if tag not in tags and tag not in known_tags():
                ctx.problem(number, f"tags[{k}]", "not a tag of the roster or the capability "
                            "taxonomy", tag)
        keep = [k for k, t in enumerate(tags) if t in set(rule.tags)]
        offers, needs = offers[:, keep], needs[:, keep]
        tags = [tags[k] for k in keep]
    return [Coverage(index, needs, offers, rule.hard, _penalty(rule), tuple(tags))]


@compiles(OptionalRule)
def compile_optional(rule: OptionalRule, number: int, index: int, ctx: Context) -> list[Primitive]:
    """The chosen may be left out, at a cost (times their priority); at least ``min`` placed."""
    chosen = ctx.select(number, rule) & ctx.primary  # further memberships: see compile.membership
    if rule.min is not None and rule.min > chosen.sum():
        ctx.problem(number, "min", f"more than the {int(chosen.sum())} organisation(s) this "
                    "rule makes optional", rule.min)
    priority = np.ones(ctx.n)
    if rule.priority is not None:
        values = ctx.numeric(number, rule.priority, "priority")
        if values is None:
            return []
        for i in np.flatnonzero(chosen & (values < 0)).tolist():
            ctx.problem(number, "priority", f"priorities must be 0 or more: organisation "
                        f"{ctx.orgs[i].id} has {values[i]:g}", rule.priority)
        priority = values
    cost = np.where(chosen, np.rint(SCALE * rule.weight * priority), 0).astype(np.int64)
    return [LeaveOut(index, chosen.astype(np.int64), cost, rule.min or 0, rule.hard,
                     _penalty(rule))]


def _categories(ctx: Context, number: int, attribute: str) -> dict[str, np.ndarray]:
    """0/1 weight vector of each non-empty value of a category attribute."""
    values = ctx.attribute(number, attribute)
    if values is None:
        return {}
    keys = [v.casefold() for v in values]
    return {k: np.array([x == k for x in keys], dtype=np.int64) for k in sorted(set(keys)) if k}


@compiles(DistinctRule)
def compile_distinct(rule: DistinctRule, number: int, index: int, ctx: Context) -> list[Primitive]:
    """At most ``max`` members per value: one GroupSum per value that occurs more often."""
    return [
        GroupSum(index, w, np.zeros(ctx.m, dtype=np.int64),
                 np.full(ctx.m, rule.max, dtype=np.int64), rule.hard, _penalty(rule))
        for w in _categories(ctx, number, rule.attribute).values() if w.sum() > rule.max
    ]


@compiles(SpreadRule)
def compile_spread(rule: SpreadRule, number: int, index: int, ctx: Context) -> list[Primitive]:
    """Each value's count in a group within its roster share times the group's own size,
    rounded down and up, widened by ``slack``.

    With the share ``c / n = p / q`` (exact, in lowest terms), member i weighs
    ``q * [has the value] - p``, so a group of s members with ``count`` of them sums to
    ``q * count - p * s``; ``count >= floor(p * s / q) - slack`` holds exactly when that sum is
    at least ``-(q - 1) - slack * q``, and ``count <= ceil(p * s / q) + slack`` when it is at
    most ``q - 1 + slack * q``. Groups of equal size get the band of ``c / m``. One unit of
    violation is 1/q of a member: a soft rule costs ``weight / q`` per unit.
    """
    out: list[Primitive] = []
    for w in _categories(ctx, number, rule.attribute).values():
        share = Fraction(int(w.sum()), ctx.n)
        q, k = share.denominator, rule.slack
        ws = (q * w - share.numerator).astype(np.int64)
        if not ws.any():  # every organisation has the value: nothing to spread
            continue
        penalty = 0 if rule.hard else max(1, round(SCALE * rule.weight / q))
        out.append(GroupSum(index, ws, np.full(ctx.m, -(q - 1) - k * q, dtype=np.int64),
                            np.full(ctx.m, q - 1 + k * q, dtype=np.int64), rule.hard, penalty))
    return out


@compiles(BalanceRule)
def compile_balance(rule: BalanceRule, number: int, index: int, ctx: Context) -> list[Primitive]:
    """Group totals within ``tolerance`` of the mean, or the largest deviation from the mean
    (rounded) made small; counted in whole units of the attribute."""
    values = ctx.numeric(number, rule.attribute)
    if values is None:
        return []
    w = np.rint(values).astype(np.int64)
    mean = w.sum() / ctx.m
    if rule.tolerance is None:
        return [MaxDeviation(index, w, round(mean), False, _penalty(rule))]
    lo = int(np.floor(mean * (1 - rule.tolerance)))
    hi = int(np.ceil(mean * (1 + rule.tolerance)))
    return [GroupSum(index, w, np.full(ctx.m, lo, dtype=np.int64),
                     np.full(ctx.m, hi, dtype=np.int64), rule.hard, _penalty(rule))]


EARTH_RADIUS_M = 6_371_008.8


def earth_points(lat: np.ndarray, lon: np.ndarray) -> IntArray:
    """Points on the Earth's sphere as integer x, y, z in metres (n, 3).

    Integers make every backend agree on which pairs are too far, to the metre.
    """
    la, lo = np.radians(lat), np.radians(lon)
    xyz = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)
    return np.rint(EARTH_RADIUS_M * xyz).astype(np.int64).reshape(-1, 3)


def chord_limit(km: float) -> int:
    """The squared straight-line distance (m^2) of two points ``km`` apart along the sphere."""
    chord = 2 * EARTH_RADIUS_M * np.sin(min(np.pi / 2, km * 1000 / (2 * EARTH_RADIUS_M)))
    return int(np.floor(chord * chord))


@compiles(MaxDistanceRule)
def compile_max_distance(
    rule: MaxDistanceRule, number: int, index: int, ctx: Context
) -> list[Primitive]:
    """Pairs further apart than ``km``, or differing in ``same``, may not share a group.

    A list of such pairs (a PairLink) for a small roster, a Proximity (points and codes, O(n))
    for a large one.
    """
    points = np.zeros((ctx.n, 3), dtype=np.int64)
    limit = 1 << 62  # no distance limit: only ``same`` counts
    if rule.km is not None:
        lat = np.array([o.lat or 0.0 for o in ctx.orgs], dtype=float)
        lon = np.array([o.lon or 0.0 for o in ctx.orgs], dtype=float)
        points, limit = earth_points(lat, lon), chord_limit(rule.km)
    codes = np.zeros(ctx.n, dtype=np.int64)
    if rule.same is not None:
        values = ctx.attribute(number, rule.same)
        if values is not None:
            codes = np.unique(np.array(values), return_inverse=True)[1].astype(np.int64)
    near = Proximity(index, points, limit, codes.reshape(-1), rule.hard, _penalty(rule))
    if ctx.large:
        return [near]
    return [PairLink(index, near.pairs(np.arange(ctx.n)), False, rule.hard, _penalty(rule))]


@compiles(AnchorRule)
def compile_anchor(rule: AnchorRule, number: int, index: int, ctx: Context) -> list[Primitive]:
    """Each anchored group closed to the organisations further than ``km`` from its anchor (an
    Allowed: soft, ``weight`` per organisation placed too far)."""
    for o in (ctx.orgs[i] for i in np.flatnonzero(ctx.primary).tolist()):
        if o.lat is None or o.lon is None:
            ctx.problem(number, "anchors", f"organisation {o.id} has no location (municipality "
                        "or lat/lon): its distance to an anchor is unknown")
    lat = np.array([o.lat or 0.0 for o in ctx.orgs], dtype=float)
    lon = np.array([o.lon or 0.0 for o in ctx.orgs], dtype=float)
    points, limit = earth_points(lat, lon), chord_limit(rule.km)
    orgs, groups = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for name, place in rule.anchors.items():
        # TOML keys are text: "2" is group 2 unless a group is named "2".
        ref: int | str = int(name) if name.isdigit() and name not in ctx.group_names else name
        g = ctx.group(number, f"anchors.{name}", ref)
        found = find_municipality(place)
        if found is None:
            close = suggest_municipalities(place)
            ctx.problem(number, f"anchors.{name}", "not a Flemish or Brussels municipality"
                        + (f"; did you mean {' or '.join(close)}?" if close else ""), place)
        if g is None or found is None:
            continue
        d = points - earth_points(np.array([found.lat]), np.array([found.lon]))
        far = np.flatnonzero((d * d).sum(axis=1) > limit)
        orgs.append(far)
        groups.append(np.full(len(far), g, dtype=np.int64))
    table = GroupLists.closing(ctx.n, ctx.m, np.concatenate(orgs), np.concatenate(groups))
    return [Allowed(index, table, rule.hard, _penalty(rule))]


def _last_wave(rule: StabilityRule, number: int, ctx: Context) -> dict[str, int]:
    """The group index of each organisation in the latest wave of the history, its groups
    matched to the scenario's by name (any case) or number; none for an organisation in several
    groups of that wave, or in a group the scenario does not have."""
    if ctx.history is None:
        ctx.problem(number, "against", "a stability rule against the last wave needs the "
                    "assignments of the earlier waves: give each with --history (oldest "
                    "first)", rule.against)
        return {}
    refs = GroupRefs(tuple(ctx.group_names))
    found: dict[str, int | None] = {}
    for org_id, label in ctx.history.latest:
        found[org_id] = None if org_id in found else refs.find(label)
    return {i: g for i, g in found.items() if g is not None}


def _homes(rule: StabilityRule, number: int, ctx: Context) -> IntArray:
    """Each organisation's group in the previous assignment (or the last wave), -1 where the
    rule does not keep it there (a late registration, one left out, or a member of a group the
    rule does not name)."""
    previous = (_last_wave(rule, number, ctx) if rule.against == "last_wave"
                else ctx.previous or {})
    home = np.array([previous.get(o.id, -1) for o in ctx.orgs], dtype=np.int64)
    if rule.groups is not None:
        home[~np.isin(home, ctx.groups(number, rule.groups))] = -1
    return home


@compiles(StabilityRule)
def compile_stability(
    rule: StabilityRule, number: int, index: int, ctx: Context
) -> list[Primitive]:
    """Organisations stay in their previous group: an Allowed opening only that group to each
    (soft: ``weight`` per organisation moved); with ``max_moves``, a Stay (at most that many
    moved). Without a previous assignment nobody had a group, and the rule holds whatever the
    assignment."""
    home = _homes(rule, number, ctx)
    if rule.max_moves:
        return [Stay(index, home, rule.max_moves, rule.hard, _penalty(rule))]
    kept = np.flatnonzero(home >= 0)
    return [Allowed(index, GroupLists.opening(ctx.n, ctx.m, kept, home[kept]), rule.hard,
                    _penalty(rule))]
