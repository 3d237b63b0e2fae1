"""The size-fair objective's tables in the dense search, on the hand-checked five organisations
of tests/helpers.py (the property against full evaluation is in test_tabu)."""

from __future__ import annotations

import numpy as np

from helpers import unequal_groups
from pilotopt.solve.search import deltas, fair
from pilotopt.solve.search import tabu_kernel as K
from pilotopt.solve.search.encode import dense


def test_share_rounds_down_and_an_empty_group_earns_nothing() -> None:
    assert fair.share.py_func(8000, 3) == 2666
    assert fair.share.py_func(-1, 2) == -1  # rounded down, as the evaluator does
    assert fair.share.py_func(5000, 0) == 0


def test_tables_figures_and_a_move_priced_by_hand() -> None:
    P = dense(unequal_groups(per_member=True)).P
    assert P.pm == 1 and not P.Dp.any()  # the scores live in Sc alone
    a = np.array([0, 0, 0, 1, 1])  # {a, b, c} + {d, e}
    S = K.State(a=a, C=np.zeros((5, 2), np.int64), size=np.zeros(2, np.int64),
                G=deltas.new_counts(P.R, 2), f=np.zeros(1, np.int64), hv=np.zeros(1, np.int64),
                CS=np.zeros((5, 2), np.int64), Q=np.zeros(2, np.int64))
    K._recompute(P, S)
    assert S.Q.tolist() == [18_000, 2000] and S.f[0] == 6000 + 1000
    assert S.CS[0].tolist() == [8000, 6000]  # a with b and c, a with d and e
    # a to {d, e}: {b, c} 10 / 2 and {a, d, e} 8 / 3, from 6 + 1.
    assert fair.delta(P, S, 0, -1, 0, 1) == 5000 + 2666 - 7000
    # b and d trade places: {a, d, c} 4 + 3 + 0 over 3 and {b, e} 0 over 2.
    assert fair.delta(P, S, 1, 3, 0, 1) == 2333 + 0 - 7000
