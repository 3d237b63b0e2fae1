"""The difference of two assignments: organisations to move once the groups are renamed as well
as they can be, checked by hand and against every renaming."""

from __future__ import annotations

import itertools

import numpy as np

from pilotopt.proposals.difference import difference, matching, share


def test_renamed_groups_are_the_same_proposal() -> None:
    assert difference([0, 0, 1, 1, 2], [2, 2, 0, 0, 1], 3) == 0
    assert matching([0, 0, 1, 1, 2], [2, 2, 0, 0, 1], 3).tolist() == [1, 2, 0]


def test_one_swap_moves_two_organisations() -> None:
    # {a, b, c}, {d, e, f} against {a, b, d}, {c, e, f}: c and d change places.
    assert difference([0, 0, 0, 1, 1, 1], [0, 0, 1, 0, 1, 1], 2) == 2
    assert share([0, 0, 0, 1, 1, 1], [0, 0, 1, 0, 1, 1], 2) == 2 / 6


def test_left_out_counts_as_a_place_of_its_own() -> None:
    assert difference([0, 1, -1], [1, 0, -1], 2) == 0
    assert difference([0, 1, -1], [1, 0, 0], 2) == 1
    assert difference([0, 0, 1], [-1, 0, 1], 2) == 1


def test_the_matching_is_the_best_renaming() -> None:
    rng = np.random.default_rng(3)
    m = 4
    for _ in range(20):
        a, b = rng.integers(-1, m, size=(2, 9))
        brute = min(int(np.count_nonzero(np.where(b >= 0, np.array(perm)[np.maximum(b, 0)], -1)
                                         != a))
                    for perm in itertools.permutations(range(m)))
        assert difference(a, b, m) == brute
        assert difference(b, a, m) == brute
