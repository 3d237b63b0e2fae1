"""Organisations in more than one group.

An organisation that may join c groups becomes c copies (consecutive, with its id and its
attributes, so it counts in each group it joins): the first is the organisation itself, the
others further memberships. One hard rule, ``membership``, keeps the copies of an organisation
apart (never twice in one group) and, unless the scenario asks for exactly c, lets the further
ones stay out of every group at no cost. Complementarity only grows when a member joins, so the
objective still favours joining wherever the other rules allow it. Every other rule treats the
copies alike (rules naming an organisation hold for each of its copies), so outputs merge them
back by id and a file that lists an id once per group it joins is read into them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from pilotopt.compile.rules import Context
from pilotopt.errors import InputProblem
from pilotopt.problem import IntArray, LeaveOut, PairLink, Primitive, RuleInfo
from pilotopt.schema.roster import Organisation
from pilotopt.schema.scenario import Membership

__all__ = ["capacities", "membership_rule"]


def capacities(
    orgs: Sequence[Organisation], membership: Membership, group_count: Callable[[int], int],
    ctx: Context,
) -> IntArray:
    """The most groups each organisation may join: the roster's ``capacity`` where given, else
    the scenario's ``[membership]``; at most the number of groups (``group_count`` of the
    memberships), or a problem with ``exact``.

    ``ctx`` is a context over ``orgs`` (one copy each); problems are added to it.
    """
    caps = np.ones(len(orgs), dtype=np.int64)
    if isinstance(membership.capacity, int):
        caps[:] = membership.capacity
    elif membership.attribute is not None:
        before = len(ctx.problems)
        values = ctx.attribute(0, membership.attribute)
        ctx.problems[before:] = [replace(p, key="membership.attribute")
                                 for p in ctx.problems[before:]]
        table = {k.casefold(): c for k, c in membership.capacity.items()}
        if values is not None:
            caps[:] = [table.get(v.casefold(), 1) for v in values]
    own = np.array([o.capacity or 0 for o in orgs], dtype=np.int64)
    caps = np.where(own > 0, own, caps)
    m = group_count(int(caps.sum()))
    if membership.exact:
        for i in np.flatnonzero(caps > m).tolist():
            ctx.problems.append(InputProblem(
                ctx.file, f"organisation {orgs[i].id} is to join exactly {caps[i]} groups, and "
                f"there are {m}", key="membership.exact", value=True))
    return np.minimum(caps, max(m, 1))


def membership_rule(
    roster_index: IntArray, exact: bool, index: int
) -> tuple[RuleInfo, list[Primitive]] | None:
    """The rule on the copies of ``roster_index`` (rule ``index``), None when each organisation
    has one."""
    counts = np.bincount(roster_index)
    many = counts[counts > 1]
    if not len(many):
        return None
    first = np.searchsorted(roster_index, roster_index)
    further = first != np.arange(len(roster_index))
    # Every pair of copies of one organisation: (first + a, first + b), a < b.
    pairs = [(f + a, f + b) for f, c in zip(np.flatnonzero(np.r_[True, ~further[1:]]),
                                            counts, strict=True)
             for a in range(c) for b in range(a + 1, c)]
    how, how_nl = ("exactly", "precies") if exact else ("up to", "hoogstens")
    most = int(many.max())
    info = RuleInfo("membership", "membership",
                    f"membership: {len(many)} in {how} {most} groups, never one twice", True,
                    label_nl=f"lidmaatschap: {len(many)} in {how_nl} {most} groepen, nooit twee "
                             "keer in dezelfde")
    out: list[Primitive] = [PairLink(index, np.array(pairs, dtype=np.int64).reshape(-1, 2),
                                     together=False, hard=True)]
    if not exact:
        w = further.astype(np.int64)
        out.append(LeaveOut(index, w, np.zeros_like(w), 0, hard=True))
    return info, out
