"""Result in user units, and as a table."""

from __future__ import annotations

import numpy as np
import pytest

from pilotopt import Params, solve
from pilotopt.evaluate import evaluate
from pilotopt.problem import Problem
from pilotopt.solve.result import Result, Status


def test_user_units_and_a_frame_whose_rows_add_up_to_each_group(four_square: Problem) -> None:
    result = solve(four_square, Params(time_limit=2, seed=0, workers=1))
    assert result.objective == result.evaluation.objective == 0.018
    assert result.evaluation.objective_scaled == 18
    frame = result.to_frame()
    assert list(frame.columns) == ["id", "name", "group", "contribution"]
    assert frame["id"].tolist() == ["a", "b", "c", "d"]
    # {a, b} and {c, d}, 9 each (scaled): each member holds half of its pair.
    assert frame["contribution"].tolist() == [0.0045] * 4
    by_group = frame.groupby("group")["contribution"].sum()
    assert by_group.tolist() == pytest.approx(list(result.evaluation.group_complementarity))
    assert frame["group"].iloc[0] == frame["group"].iloc[1] != frame["group"].iloc[2]


def test_to_frame_without_the_problem_says_so(four_square: Problem) -> None:
    a = np.array([0, 0, 1, 1])
    result = Result(a, evaluate(four_square, a), Status.FEASIBLE, None, 0.0,
                    Params(time_limit=1, seed=0))
    with pytest.raises(ValueError, match="does not carry its problem"):
        result.to_frame()
