"""The roster's profile before solving (``pilotopt validate --profile``, the report's first
section): how many organisations per economy, type and province; needs that nobody in the
roster offers (orphan needs) and offers that nobody needs; how many groups each quota can be
met in, given how many organisations have the value; and a warning when the group sizes can
differ, since the objective sums the pairs of each group and a larger group has more pairs.

Examples
--------
>>> from pilotopt.instance import load_instance
>>> found = profile(load_instance("tests/data/roster.csv", "tests/data/scenario.toml"))
>>> found.counts["economy"]
{'social': 4, 'regular': 3, 'public': 1}
>>> [(q.label, q.count, q.need, q.can_meet, q.groups) for q in found.quotas][:1]
[('quota economy=social min 1', 4, 1, 2, 2)]
>>> found.orphan_needs
{'social_impact': ['rg01', 'rg03']}
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from pilotopt.compile.rules import Context
from pilotopt.instance import Instance
from pilotopt.problem import RuleInfo
from pilotopt.report.i18n import Lang, economy, text
from pilotopt.schema.scenario import QuotaRule

__all__ = ["COUNTED", "Profile", "QuotaReach", "profile", "quota_text"]

#: The roster's categories counted (those present): economy, then the free columns.
COUNTED = ("economy", "type", "province")


@dataclass(frozen=True)
class QuotaReach:
    """How far a quota can be met: ``count`` organisations have the value; the minimum asks
    ``need`` of them per group (at the smallest size a group may have, for a share), so at
    most ``can_meet`` of the rule's ``groups`` groups meet it. ``max_fits`` whether the
    organisations with the value fit under the maximum (None: no maximum)."""

    rule: str
    label: str
    hard: bool
    count: int
    groups: int
    need: int | None
    can_meet: int | None
    max_fits: bool | None
    #: The rule's label in Dutch.
    label_nl: str = ""

    def label_in(self, lang: Lang) -> str:
        """The rule's label in ``lang``."""
        return (self.label_nl or self.label) if lang == "nl" else self.label

    @property
    def short(self) -> bool:
        """Whether the roster cannot meet the rule in every group it applies to."""
        return (self.can_meet is not None and self.can_meet < self.groups) or (
            self.max_fits is False)


@dataclass(frozen=True)
class Profile:
    """What :func:`profile` finds (ids and tags sorted)."""

    organisations: int
    groups: int
    counts: dict[str, dict[str, int]]
    orphan_needs: dict[str, list[str]]  # tag -> who needs it (nobody offers it)
    unneeded_offers: dict[str, list[str]]  # tag -> who offers it (nobody needs it)
    quotas: list[QuotaReach]
    sizes: tuple[int, int]  # the smallest and largest group size the rules allow
    unequal_sizes: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values."""
        return {**asdict(self), "sizes": list(self.sizes)}

    def lines(self, lang: Lang = "en") -> list[str]:
        """The profile as plain text lines, for the terminal."""
        out = [text("profile.title", lang, n=self.organisations, m=self.groups)]
        for name, counts in self.counts.items():
            out.append(f"  {text('profile.' + name, lang)}: {_counted(name, counts, lang)}")
        for key, tags in (("profile.orphan_needs", self.orphan_needs),
                          ("profile.unneeded_offers", self.unneeded_offers)):
            out.append("  " + text(key, lang, count=len(tags)))
            out += [f"    {t}: {', '.join(ids)}" for t, ids in tags.items()]
        if self.quotas:
            out.append(f"  {text('profile.quotas', lang)}:")
            out += [f"    {q.label_in(lang)}: {quota_text(q, lang)}" for q in self.quotas]
        warning = self.warning(lang)
        if warning:
            out.append(warning)
        return out

    def view(self, lang: Lang = "en") -> dict[str, Any]:
        """Plain values in words, for the HTML report's first section."""
        return {
            "title": text("profile.title", lang, n=self.organisations, m=self.groups),
            "counts": [(text("profile." + k, lang), _counted(k, v, lang))
                       for k, v in self.counts.items()],
            "tags": [(text(key, lang, count=len(tags)), tags) for key, tags in (
                ("profile.orphan_needs", self.orphan_needs),
                ("profile.unneeded_offers", self.unneeded_offers))],
            "quotas_title": text("profile.quotas", lang),
            "quotas": [(q.label_in(lang), quota_text(q, lang)) for q in self.quotas],
            "warning": self.warning(lang),
        }

    def warning(self, lang: Lang = "en") -> str:
        """The warning about unequal group sizes ("" when sizes cannot differ)."""
        if not self.unequal_sizes:
            return ""
        return text("profile.unequal", lang, lo=self.sizes[0], hi=self.sizes[1])


def _counted(name: str, counts: dict[str, int], lang: Lang) -> str:
    return ", ".join(f"{economy(v, lang) if name == 'economy' else v or '-'} {c}"
                     for v, c in counts.items())


def quota_text(q: QuotaReach, lang: Lang = "en") -> str:
    """How far a quota can be met, in words (ends in " !" when not in every group)."""
    parts = [text("profile.quota_count", lang, count=q.count)]
    if q.can_meet is not None:
        parts.append(text("profile.quota_min", lang, need=q.need, can=q.can_meet, m=q.groups))
    if q.max_fits is not None:
        parts.append(text("profile.quota_max_ok" if q.max_fits else "profile.quota_max_no",
                          lang))
    return "; ".join(parts) + (" !" if q.short else "")


def _tag_owners(instance: Instance) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    offered: dict[str, list[str]] = {}
    needed: dict[str, list[str]] = {}
    for o in instance.orgs or ():
        for t in o.offers:
            offered.setdefault(t, []).append(o.id)
        for t in o.needs:
            needed.setdefault(t, []).append(o.id)
    orphan = {t: sorted(ids) for t, ids in sorted(needed.items()) if t not in offered}
    unneeded = {t: sorted(ids) for t, ids in sorted(offered.items()) if t not in needed}
    return orphan, unneeded


def _quota(rule: QuotaRule, number: int, ctx: Context, lo: np.ndarray, hi: np.ndarray,
           info: RuleInfo) -> QuotaReach | None:
    values = ctx.attribute(number, rule.attribute)
    if values is None:
        return None
    wanted = {v.casefold() for v in rule.values}
    count = sum(v.casefold() in wanted for v in values)
    groups = ctx.groups(number, rule.groups)
    smallest = max(1, int(lo[groups].min())) if groups else 1
    largest = int(hi[groups].min()) if groups else 0
    needs = [x for x in (rule.min,
                         None if rule.min_share is None else math.ceil(rule.min_share * smallest))
             if x]
    need = max(needs) if needs else None
    can_meet = None if need is None else min(len(groups), count // need)
    caps = [x for x in (rule.max, None if rule.max_share is None
                        else math.floor(rule.max_share * largest)) if x is not None]
    # Outside the rule's groups nothing bounds them: they always fit when there are some.
    max_fits = None if not caps else (
        len(groups) < ctx.m or count <= min(caps) * len(groups))
    return QuotaReach(info.id, info.label, rule.hard, count, len(groups), need, can_meet,
                      max_fits, info.label_in("nl"))


def profile(instance: Instance) -> Profile:
    """The profile of a roster and scenario (an MDGPLIB instance: sizes only)."""
    problem = instance.problem
    lo, hi = problem.size_bounds()
    smallest, largest = (int(lo.min()), int(hi.max())) if problem.m else (0, 0)
    n, m = problem.n, problem.m
    # Sizes can differ when the organisations do not divide evenly, or when the bounds let
    # one group grow above the even size while another shrinks below it.
    even = n // m if m else 0
    # No warning once the objective counts each group per member.
    unequal = m > 1 and not problem.per_member and (
        n % m != 0 or (bool((hi > even).any()) and bool((lo < even).any())))
    counts: dict[str, dict[str, int]] = {}
    quotas: list[QuotaReach] = []
    orphan: dict[str, list[str]] = {}
    unneeded: dict[str, list[str]] = {}
    if instance.orgs is not None and instance.scenario is not None:
        orgs = instance.orgs
        columns = instance.roster.columns if instance.roster else ()
        for name in COUNTED:
            if name == "economy":
                found = Counter(o.economy.value for o in orgs)
            elif any(name in o.attributes for o in orgs):
                found = Counter(o.attributes.get(name, "") for o in orgs)
            else:
                continue
            counts[name] = dict(found.most_common())
        orphan, unneeded = _tag_owners(instance)
        ctx = Context("", orgs, columns, problem.group_names)
        for number, rule in enumerate(instance.scenario.rules, start=1):
            if isinstance(rule, QuotaRule):
                info = problem.rules[number]  # rule k of the scenario is rule k of the problem
                reach = _quota(rule, number, ctx, lo, hi, info)
                if reach is not None:
                    quotas.append(reach)
    return Profile(n, m, counts, orphan, unneeded, quotas, (smallest, largest), unequal)
