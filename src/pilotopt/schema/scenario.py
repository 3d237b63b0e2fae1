"""What a scenario file says: the groups, the complementarity weights and the rules.

Each rule kind is one model, a member of the discriminated union :data:`Rule` (on ``kind``). The
model holds everything about the kind that is not arrays: its fields and their checks, what the
kind means (:attr:`RuleBase.meaning`, and in Dutch ``meaning_nl``; shown in reports), the count
behind a conflict (:attr:`RuleBase.fact`) and the rule in a matchmaker's words
(:meth:`RuleBase.describe`, in English or Dutch: the fixed words translated, the scenario's own
names and values as written). Its compiler to primitives is registered next to the others in
:mod:`pilotopt.compile.rules`.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pilotopt.schema.roster import parse_tags

__all__ = [
    "RULE_KINDS",
    "AnchorRule",
    "ApartRule",
    "Complementarity",
    "Groups",
    "Lang",
    "Membership",
    "PinRule",
    "QuotaRule",
    "RepeatsRule",
    "Rule",
    "RuleBase",
    "Scenario",
    "SizeRule",
    "StabilityRule",
    "TogetherRule",
    "kind_of",
]



def _group_ref(v: Any) -> int | str:
    # Strict: ``true`` or ``1.5`` is not read as group 1.
    if isinstance(v, bool) or not isinstance(v, int | str):
        raise ValueError("a group is a number (from 1) or a group name in quotes")
    return v


#: A language of the terminal, report and workbook.
Lang = Literal["en", "nl"]


def _say(lang: Lang, en: str, nl: str) -> str:
    """The fixed words of a rule's description in ``lang``."""
    return nl if lang == "nl" else en


#: A group by number (from 1) or by name.
GroupRef = Annotated[int | str, PlainValidator(_group_ref)]
#: What became of an organisation in a group of an earlier wave.
Outcome = Literal["done", "ongoing", "dropped"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _MinMax(_Model):
    """``max`` is checked against ``min``, so the message points at the key ``max``."""

    @field_validator("max", check_fields=False)
    @classmethod
    def _max_not_below_min(cls, v: int | None, info: ValidationInfo) -> int | None:
        lo = info.data.get("min")
        if lo is not None and v is not None and lo > v:
            raise ValueError(f"max ({v}) is smaller than min ({lo})")
        return v


class SizeBounds(_MinMax):
    """Members per group, inclusive."""

    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=1)


class Groups(_Model):
    """How many groups, and how large."""

    count: int | None = Field(default=None, ge=1)
    target_size: int | None = Field(default=None, ge=1)
    size: SizeBounds = SizeBounds()
    names: list[str] | None = None

    @field_validator("names")
    @classmethod
    def _names_differ(cls, names: list[str] | None) -> list[str] | None:
        # In any case: assignments, pins and rules name groups in any case.
        seen: set[str] = set()
        for name in names or []:
            if name.casefold() in seen:
                raise ValueError(f"group names must differ in any case: {name!r} is there twice")
            seen.add(name.casefold())
        return names

    @model_validator(mode="after")
    def _count_known(self) -> Self:
        if self.count is None and self.target_size is None:
            raise ValueError("give 'count' (number of groups) or 'target_size'")
        if self.count is not None and self.target_size is not None:
            raise ValueError("give 'count' or 'target_size', not both")
        if self.names is not None and self.count is not None and len(self.names) != self.count:
            raise ValueError(f"{len(self.names)} names for {self.count} groups")
        return self


class Complementarity(_Model):
    """Weights of the pair score: what two organisations earn by sharing a group."""

    offer_need: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    sector_diversity: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    economy_mix: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    tags: dict[str, float] = Field(default_factory=dict)
    #: Tags of the scenario's own, beside the capability taxonomy (no warning for them).
    extra_tags: list[str] = Field(default_factory=list)
    #: The size-fair objective: each group counts its pairs' scores divided by its size, so
    #: that a larger group does not score more merely because it has more pairs.
    per_member: bool = False

    @field_validator("extra_tags")
    @classmethod
    def _tag_form(cls, v: list[str]) -> list[str]:
        return list(parse_tags(v))

    @model_validator(mode="after")
    def _tag_weights(self) -> Self:
        bad = {t: w for t, w in self.tags.items() if not w >= 0}
        if bad:
            raise ValueError(f"tag weights must be 0 or more: {bad}")
        return self


class Membership(_Model):
    """Organisations that may join more than one group, never one group twice.

    ``capacity`` is the most groups each may join: one number for everyone, or a table by
    value of ``attribute`` (``{ public = 2, knowledge = 3 }``; other values: 1). A roster's
    ``capacity`` column, where filled in, overrides it per organisation. An organisation joins
    at least one group (unless an ``optional`` rule lets it out) and up to its capacity, or
    exactly its capacity with ``exact = true``.
    """

    capacity: int | dict[str, int] = 1
    attribute: str | None = None
    exact: bool = False

    @model_validator(mode="after")
    def _capacities(self) -> Self:
        values = self.capacity.values() if isinstance(self.capacity, dict) else [self.capacity]
        if any(c < 1 for c in values):
            raise ValueError("a capacity is a number of groups, 1 or more")
        if isinstance(self.capacity, dict) and self.attribute is None:
            raise ValueError("a table of capacities needs the 'attribute' its keys are values of")
        if not isinstance(self.capacity, dict) and self.attribute is not None:
            raise ValueError("with 'attribute', give 'capacity' as a table: "
                             "{ value = groups, ... }")
        return self


class _Valued:
    """A rule with ``value``: one value or a list of them."""

    value: str | int | list[str | int] | None

    @property
    def values(self) -> list[str]:
        """The values, as text."""
        vals = self.value if isinstance(self.value, list) else [self.value]
        return [str(v) for v in vals if v is not None]


def _where(groups: list[int | str] | None, lang: Lang) -> str:
    return (f" {_say(lang, 'in groups', 'in groepen')} {', '.join(map(str, groups))}"
            if groups else "")


def _bounds_text(lo: int | None, hi: int | None) -> str:
    parts = ([f"min {lo}"] if lo is not None else []) + ([f"max {hi}"] if hi is not None else [])
    return " ".join(parts)


class RuleBase(_MinMax):
    """Fields every rule has: hard (must hold) or soft with a weight per unit of violation; a
    ``name`` for reports and a ``note`` saying why the rule is there, in a matchmaker's words."""

    #: What the kind asks, in a matchmaker's words (reports show it for rules without a note).
    meaning: ClassVar[str]
    #: The same in Dutch.
    meaning_nl: ClassVar[str]
    #: What the count behind a conflict means, e.g. ``"{} pairs"`` ("": no count to show).
    fact: ClassVar[str] = ""

    kind: str
    hard: bool = True
    weight: float = Field(default=1.0, gt=0, allow_inf_nan=False)
    name: str | None = None
    note: str | None = None

    def describe(self, lang: Lang = "en") -> str:
        """The rule's settings in a matchmaker's words, e.g. ``quota economy=social min 2``
        (Dutch: ``quotum economy=social min 2``)."""
        return self.kind

    def label(self, lang: Lang = "en") -> str:
        """The rule's ``name`` (as written, in any language), or else its description."""
        return self.name or self.describe(lang)


class SizeRule(RuleBase):
    """Members per group within [min, max], for all groups or those listed."""

    meaning = "every group has a number of members within the bounds"
    meaning_nl = "elke groep telt een aantal leden binnen de grenzen"
    kind: Literal["size"]
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    groups: list[GroupRef] | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        _check_min_max(self.min, self.max)
        return self

    def describe(self, lang: Lang = "en") -> str:
        """E.g. ``size min 6 max 10 in groups 1, 2``."""
        return (f"{_say(lang, 'size', 'grootte')} {_bounds_text(self.min, self.max)}"
                f"{_where(self.groups, lang)}")


class QuotaRule(_Valued, RuleBase):
    """Members whose ``attribute`` equals ``value`` (or one of the values) within [min, max],
    and/or as a share of the group within [min_share, max_share] (fractions from 0 to 1)."""

    meaning = "members with a given value (e.g. economy) per group within bounds or shares"
    meaning_nl = "leden met een bepaalde waarde (bv. economie) per groep binnen grenzen of aandelen"
    fact = "{} organisations have that value"
    kind: Literal["quota"]
    attribute: str
    value: str | int | list[str | int]
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    min_share: float | None = Field(default=None, allow_inf_nan=False)
    max_share: float | None = Field(default=None, allow_inf_nan=False)
    groups: list[GroupRef] | None = None

    @field_validator("min_share", "max_share")
    @classmethod
    def _share_is_a_fraction(cls, v: float | None) -> float | None:
        if v is not None and not 0 <= v <= 1:
            raise ValueError("a share is a fraction from 0 to 1, e.g. 0.25 for 25 %")
        return v

    @field_validator("max_share")
    @classmethod
    def _max_share_not_below_min_share(
        cls, v: float | None, info: ValidationInfo
    ) -> float | None:
        lo = info.data.get("min_share")
        if lo is not None and v is not None and lo > v:
            raise ValueError(f"max_share ({v:g}) is smaller than min_share ({lo:g})")
        return v

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if all(b is None for b in (self.min, self.max, self.min_share, self.max_share)):
            raise ValueError("give 'min', 'max', 'min_share' or 'max_share' (or several)")
        return self

    def describe(self, lang: Lang = "en") -> str:
        """E.g. ``quota economy=social min 2, max 50 % of the group``."""
        bounds = [b for b in [_bounds_text(self.min, self.max)] if b]
        bounds += [f"{word} {100 * share:g} % {_say(lang, 'of the group', 'van de groep')}"
                   for word, share in (("min", self.min_share), ("max", self.max_share))
                   if share is not None]
        return (f"{_say(lang, 'quota', 'quotum')} {self.attribute}={'|'.join(self.values)} "
                f"{', '.join(bounds)}{_where(self.groups, lang)}")


class _PairRule(RuleBase):
    fact = "{} pairs"
    #: The kind in Dutch.
    kind_nl: ClassVar[str]
    pairs: list[tuple[str, str]] | None = None
    column: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.pairs is None) == (self.column is None):
            raise ValueError("give either 'pairs' (a list of [id, id]) or 'column'")
        return self

    def describe(self, lang: Lang = "en") -> str:
        """E.g. ``apart column competitors``."""
        count = len(self.pairs or [])
        what = (f"{_say(lang, 'column', 'kolom')} {self.column}" if self.column
                else f"{count} {_say(lang, 'pairs', 'paren')}" if count != 1
                else f"1 {_say(lang, 'pair', 'paar')}")
        return f"{_say(lang, self.kind, self.kind_nl)} {what}"


class TogetherRule(_PairRule):
    """Pairs that must share a group: inline ``pairs``, a roster ``column`` of ids, or a
    ``file`` (CSV of two id columns, read by io into ``pairs``)."""

    meaning = "pairs that must share a group"
    meaning_nl = "paren die samen in een groep moeten"
    kind_nl = "samen"
    kind: Literal["together"]


class ApartRule(_PairRule):
    """Pairs that must not share a group, e.g. ``column = "competitors"``."""

    meaning = "pairs that must not share a group (e.g. competitors)"
    meaning_nl = "paren die niet samen in een groep mogen (bv. concurrenten)"
    kind_nl = "apart"
    kind: Literal["apart"]


class RepeatsRule(RuleBase):
    """Pairs that shared a group in an earlier wave (the assignments given with ``--history``,
    oldest first): kept apart, so new partners meet, or with ``keep = true`` kept together
    (pairs that worked). ``outcome`` (``done``, ``ongoing``, ``dropped`` or a list) takes only
    the pairs with that outcome in the latest wave they met; ``last`` only the last waves. Soft:
    ``weight`` per pair that meets again (kept apart) or is split (kept together)."""

    meaning = "pairs that met in an earlier wave do not meet again (or, keep: stay together)"
    meaning_nl = ("paren die elkaar in een vorige ronde troffen, komen niet opnieuw samen "
                  "(of, keep: blijven samen)")
    fact = "{} pairs met before"
    kind: Literal["repeats"]
    keep: bool = False
    outcome: Outcome | list[Outcome] | None = None
    last: int | None = Field(default=None, ge=1)

    @property
    def outcomes(self) -> list[str] | None:
        """The outcomes taken (None: every pair that met)."""
        if self.outcome is None:
            return None
        return list(self.outcome) if isinstance(self.outcome, list) else [self.outcome]

    def describe(self, lang: Lang = "en") -> str:
        """E.g. ``repeats kept apart (outcome dropped, last 2 waves)``."""
        how = ([f"{_say(lang, 'outcome', 'uitkomst')} " + "|".join(self.outcomes)]
               if self.outcomes else [])
        how += [_say(lang, f"last {self.last} waves", f"laatste {self.last} rondes")
                ] if self.last else []
        kept = (_say(lang, "repeats kept together", "herhaalde paren samen gehouden") if self.keep
                else _say(lang, "repeats kept apart", "herhaalde paren uit elkaar gehouden"))
        return kept + (f" ({', '.join(how)})" if how else "")


class PinRule(RuleBase):
    """Organisations fixed to a group: ``pins = { se01 = 1, rg07 = "Kempen" }``, and/or a
    roster ``column`` naming each organisation's group (name in any case, or number; empty:
    not pinned)."""

    meaning = "organisations fixed to a group"
    meaning_nl = "organisaties vast in een groep"
    fact = "{} organisations pinned"
    kind: Literal["pin"]
    pins: dict[str, GroupRef] | None = Field(default=None, min_length=1)
    column: str | None = None

    @model_validator(mode="after")
    def _some_source(self) -> Self:
        if self.pins is None and self.column is None:
            raise ValueError("give 'pins' (id = group), a roster 'column' of groups, or both")
        return self

    def describe(self, lang: Lang = "en") -> str:
        """E.g. ``pin se01->1, rg07->Kempen``, ``pin by column groep``."""
        parts = ([", ".join(f"{k}->{v}" for k, v in self.pins.items())] if self.pins else [])
        parts += ([f"{_say(lang, 'by column', 'volgens kolom')} {self.column}"]
                  if self.column else [])
        return f"{_say(lang, 'pin', 'vast')} {_say(lang, ' and ', ' en ').join(parts)}"


class _Selection(_Valued, RuleBase):
    """Organisations chosen by id (``organisations``) or by ``attribute`` = ``value``."""

    fact = "{} organisations restricted"
    #: The rule in words, English and Dutch, with fields ``who`` and ``groups``.
    says: ClassVar[tuple[str, str]]

    organisations: list[str] | None = None
    attribute: str | None = None
    value: str | int | list[str | int] | None = None
    groups: list[GroupRef] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_selection(self) -> Self:
        by_attr = self.attribute is not None
        if (self.organisations is None) == (not by_attr):
            raise ValueError("choose organisations by 'organisations' (ids) or by 'attribute'")
        if by_attr and self.value is None:
            raise ValueError("give the 'value' of the attribute")
        return self

    def describe(self, lang: Lang = "en") -> str:
        """E.g. ``forbid: se01 kept out of groups 2``."""
        who = (", ".join(self.organisations) if self.organisations is not None
               else f"{self.attribute}={'|'.join(self.values)}")
        return _say(lang, *self.says).format(who=who, groups=", ".join(map(str, self.groups)))


class ForbidRule(_Selection):
    """The chosen organisations are kept out of ``groups``."""

    meaning = "organisations kept out of some groups"
    meaning_nl = "organisaties buiten bepaalde groepen gehouden"
    says = ("forbid: {who} kept out of groups {groups}", "verbod: {who} buiten groepen {groups}")
    kind: Literal["forbid"]


class EligibleRule(_Selection):
    """``groups`` are open only to the chosen organisations (e.g. a theme group)."""

    meaning = "organisations allowed only in some groups"
    meaning_nl = "organisaties enkel toegelaten in bepaalde groepen"
    says = ("eligible: {who} only ones in groups {groups}",
            "voorbehouden: groepen {groups} enkel voor {who}")
    kind: Literal["eligible"]


class DistinctRule(RuleBase):
    """At most ``max`` members of a group share a value of ``attribute``."""

    meaning = "at most a few members of a group share one value (e.g. sector)"
    meaning_nl = "hoogstens enkele leden van een groep delen een waarde (bv. sector)"
    kind: Literal["distinct"]
    attribute: str
    max: int = Field(ge=1)

    def describe(self, lang: Lang = "en") -> str:
        """E.g. ``distinct sector max 2 per value``."""
        return _say(lang, f"distinct {self.attribute} max {self.max} per value",
                    f"verschillend {self.attribute} max {self.max} per waarde")


class SpreadRule(RuleBase):
    """Each value of ``attribute`` spread in proportion: per group its share of the roster
    times the group's own size, rounded down and up, widened by ``slack`` members."""

    meaning = "each value's count in a group close to its share of the whole roster"
    meaning_nl = "elke waarde in een groep ongeveer naar haar aandeel in de hele lijst"
    kind: Literal["spread"]
    attribute: str
    slack: int = Field(default=0, ge=0)

    def describe(self, lang: Lang = "en") -> str:
        """E.g. ``spread province (slack 1)``."""
        slack = f" ({_say(lang, 'slack', 'speling')} {self.slack})" if self.slack else ""
        return f"{_say(lang, 'spread', 'spreiding')} {self.attribute}{slack}"


class BalanceRule(RuleBase):
    """Group totals of a numeric ``attribute`` within ``tolerance`` (a fraction) of the mean;
    without a tolerance, the largest deviation from the mean is made as small as it can be
    (soft: ``weight`` per unit of it)."""

    meaning = "group totals of a number (e.g. FTE) within a tolerance of the mean group"
    meaning_nl = "groepstotalen van een getal (bv. VTE) binnen een marge rond de gemiddelde groep"
    kind: Literal["balance"]
    attribute: str
    tolerance: float | None = Field(default=None, ge=0, allow_inf_nan=False)

    def describe(self, lang: Lang = "en") -> str:
        """E.g. ``balance fte within 25 % of the mean``."""
        if self.tolerance is None:
            return _say(lang, f"balance {self.attribute}: smallest largest deviation from the mean",
                        f"evenwicht {self.attribute}: kleinste grootste afwijking van het "
                        "gemiddelde")
        share = f"{100 * self.tolerance:g} %"
        return _say(lang, f"balance {self.attribute} within {share} of the mean",
                    f"evenwicht {self.attribute} binnen {share} van het gemiddelde")

    @model_validator(mode="after")
    def _minimising_is_soft(self) -> Self:
        if self.tolerance is None and self.hard:
            raise ValueError("without a 'tolerance' the rule makes the largest deviation from "
                             "the mean small: give it hard = false and a weight, or a tolerance")
        return self


class MaxDistanceRule(RuleBase):
    """No two members of a group further apart than ``km`` (as the crow flies), and/or all
    members sharing the value of ``same`` (e.g. ``"province"``)."""

    meaning = "members of a group lie within a travel distance of each other"
    meaning_nl = "leden van een groep liggen binnen een reisafstand van elkaar"
    fact = "{} pairs too far apart"
    kind: Literal["max_distance"]
    km: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    same: str | None = None

    def describe(self, lang: Lang = "en") -> str:
        """E.g. ``max_distance 50 km and same province``."""
        parts = ([f"{self.km:g} km"] if self.km is not None else []) + (
            [f"{_say(lang, 'same', 'zelfde')} {self.same}"] if self.same else [])
        return (f"{_say(lang, 'max_distance', 'max. afstand')} "
                f"{_say(lang, ' and ', ' en ').join(parts)}")

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.km is None and self.same is None:
            raise ValueError("give 'km', 'same' (an attribute such as province) or both")
        return self


class NoIsolationRule(_Valued, RuleBase):
    """Members whose ``attribute`` has ``value`` are absent from a group or at least two."""

    meaning = "a value is absent from a group or present at least twice"
    meaning_nl = "een waarde ontbreekt in een groep of komt er minstens twee keer voor"
    fact = "{} organisations have that value"
    kind: Literal["no_isolation"]
    attribute: str
    value: str | int | list[str | int]

    def describe(self, lang: Lang = "en") -> str:
        """E.g. ``no_isolation economy=knowledge (none or at least 2)``."""
        which = f"{self.attribute}={'|'.join(self.values)}"
        return _say(lang, f"no_isolation {which} (none or at least 2)",
                    f"niet alleen {which} (geen of minstens 2)")


class OptionalRule(_Valued, RuleBase):
    """Organisations that may be left out of every group: all of them, or those chosen by id
    (``organisations``) or by ``attribute`` = ``value``. Leaving one out costs ``weight``, times
    its value in the numeric column ``priority`` if given; ``min`` of them at least are placed
    (hard, or soft at ``weight`` per organisation short)."""

    meaning = "organisations may be left out, at a cost"
    meaning_nl = "organisaties mogen buiten de indeling blijven, tegen een kost"
    fact = "{} organisations may be left out"
    kind: Literal["optional"]
    organisations: list[str] | None = None
    attribute: str | None = None
    value: str | int | list[str | int] | None = None
    priority: str | None = None
    min: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _selection(self) -> Self:
        if self.organisations is not None and self.attribute is not None:
            raise ValueError("choose organisations by 'organisations' (ids) or by 'attribute', "
                             "not both")
        if self.attribute is not None and self.value is None:
            raise ValueError("give the 'value' of the attribute")
        return self

    def describe(self, lang: Lang = "en") -> str:
        """E.g. ``optional: any organisation may be left out (by priority), at least 40 placed``."""
        who = (_say(lang, "any organisation", "elke organisatie")
               if self.organisations is None and self.attribute is None
               else ", ".join(self.organisations) if self.organisations is not None
               else f"{self.attribute}={'|'.join(self.values)}")
        priority = f" ({_say(lang, 'by', 'volgens')} {self.priority})" if self.priority else ""
        least = (_say(lang, f", at least {self.min} placed", f", minstens {self.min} ingedeeld")
                 if self.min is not None else "")
        return _say(lang, f"optional: {who} may be left out{priority}{least}",
                    f"optioneel: {who} mag buiten de indeling blijven{priority}{least}")


class CoverageRule(RuleBase):
    """Every need of a member is offered by another member of its group (only ``tags``, if
    given). Soft by default: it costs ``weight`` per need left unmet; ``hard = true`` makes
    every need a must."""

    meaning = "every need of a member is offered by another member of its group"
    meaning_nl = "elke vraag van een lid wordt aangeboden door een ander lid van de groep"
    fact = "{} needs"
    kind: Literal["coverage"]
    hard: bool = False
    tags: list[str] | None = None

    def describe(self, lang: Lang = "en") -> str:
        """E.g. ``coverage of assembly inside the group``."""
        what = ", ".join(self.tags) if self.tags else _say(lang, "every need", "elke vraag")
        return _say(lang, f"coverage of {what} inside the group",
                    f"dekking van {what} binnen de groep")


class AnchorRule(RuleBase):
    """Groups tied to places: every member of a group in ``anchors`` (group name, or number
    from 1 -> municipality name or NIS code) lies within ``km`` of that municipality, as the crow
    flies. Soft, each organisation placed further away costs ``weight``."""

    meaning = "members of a group lie within a distance of the place the group is tied to"
    meaning_nl = ("leden van een groep liggen binnen een afstand "
                  "van de plaats waaraan de groep gebonden is")
    fact = "{} organisations kept out of a group by distance"
    kind: Literal["anchor"]
    anchors: dict[str, str] = Field(min_length=1)
    km: float = Field(gt=0, allow_inf_nan=False)

    def describe(self, lang: Lang = "en") -> str:
        """E.g. ``anchor within 30 km: Gent->Gent, Kempen->Geel``."""
        places = ", ".join(f"{g}->{place}" for g, place in self.anchors.items())
        return f"{_say(lang, 'anchor within', 'anker binnen')} {self.km:g} km: {places}"


class StabilityRule(RuleBase):
    """Organisations stay in the group they had in a previous assignment (``solve --previous``),
    or with ``against = "last_wave"`` in the latest wave of ``--history`` (a limit on churn
    across waves, groups matched by name or number): at most ``max_moves`` of them move
    (default 0), counting only the members of ``groups`` if given (frozen groups). Hard when it
    names ``max_moves`` or ``groups``, else soft: ``weight`` per organisation moved (beyond
    ``max_moves``). Late registrations (in no previous group) are free; an organisation left out
    has not moved."""

    meaning = "organisations stay in the group they had in the previous assignment"
    meaning_nl = "organisaties blijven in de groep van de vorige indeling"
    fact = "{} organisations had a group before"
    kind: Literal["stability"]
    max_moves: int = Field(default=0, ge=0)
    groups: list[GroupRef] | None = Field(default=None, min_length=1)
    against: Literal["previous", "last_wave"] = "previous"

    @model_validator(mode="before")
    @classmethod
    def _hard_when_bounded(cls, data: Any) -> Any:
        if isinstance(data, dict) and "hard" not in data:
            return {**data, "hard": "groups" in data or "max_moves" in data}
        return data

    def describe(self, lang: Lang = "en") -> str:
        """E.g. ``stability: at most 3 organisations move``, ``stability: groups Kempen stay``."""
        groups = ", ".join(map(str, self.groups or []))
        since = (_say(lang, " since the last wave", " sinds de laatste ronde")
                 if self.against == "last_wave" else "")
        if self.max_moves:
            one = self.max_moves == 1
            if lang == "nl":
                who = (f"{'lid' if one else 'leden'} van groepen {groups}" if groups
                       else f"organisatie{'' if one else 's'}")
                return (f"stabiliteit: hoogstens {self.max_moves} {who} "
                        f"{'verhuist' if one else 'verhuizen'}{since}")
            who = (f"member{'' if one else 's'} of groups {groups}" if groups
                   else f"organisation{'' if one else 's'}")
            return f"stability: at most {self.max_moves} {who} move{'s' if one else ''}{since}"
        if groups:
            return _say(lang, f"stability: groups {groups} stay as they were{since}",
                        f"stabiliteit: groepen {groups} blijven zoals ze waren{since}")
        return _say(lang, f"stability: organisations stay in their previous group{since}",
                    f"stabiliteit: organisaties blijven in hun vorige groep{since}")


def _check_min_max(lo: int | None, hi: int | None) -> None:
    if lo is None and hi is None:
        raise ValueError("give 'min', 'max' or both")


#: Every rule kind; pydantic picks the model by ``kind``.
Rule = Annotated[
    SizeRule | QuotaRule | TogetherRule | ApartRule | PinRule | ForbidRule | EligibleRule
    | DistinctRule | SpreadRule | BalanceRule | MaxDistanceRule | NoIsolationRule | CoverageRule
    | OptionalRule | AnchorRule | RepeatsRule | StabilityRule,
    Field(discriminator="kind"),
]


def kind_of(model: type[RuleBase]) -> str:
    """The ``kind`` a rule model is written with."""
    (kind,) = get_args(model.model_fields["kind"].annotation)
    return str(kind)


#: The model of each rule kind, by ``kind`` (read from :data:`Rule`).
RULE_KINDS: dict[str, type[RuleBase]] = {
    kind_of(model): model for model in get_args(get_args(Rule)[0])
}


class Scenario(_Model):
    """A whole scenario file, validated."""

    groups: Groups
    complementarity: Complementarity = Complementarity()
    rules: list[Rule] = Field(default_factory=list)
    membership: Membership = Membership()
    description: str | None = None
    #: Language of the terminal, report and workbook (``--lang`` overrides it).
    lang: Lang | None = None
