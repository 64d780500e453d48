"""The over-time figures: periods in time order whatever is hidden, hidden panels said."""

from __future__ import annotations

import numpy as np
import pandas as pd

import interviewlab as il


def _rates() -> pd.DataFrame:
    # round 1 of stage s1 is hidden (dropped before drawing), so s2's rows come first in
    # the table for round 1: the axis must still read 1, 2, 3
    periods = pd.Categorical(["2", "3", "1", "2", "3"], categories=["1", "2", "3"], ordered=True)
    return pd.DataFrame(
        {
            "round": periods,
            "stage": ["s1", "s1", "s2", "s2", "s2"],
            "category": "a",
            "impact_ratio": [0.7, 0.9, 0.6, 0.8, 1.1],
            "ci_low": [0.5, 0.7, 0.4, 0.6, 0.9],
            "ci_high": [0.9, 1.1, 0.8, 1.0, 1.3],
            "rate": [0.2, 0.3, 0.1, 0.2, 0.3],
            "centre": 0.2,
            "lcl": 0.05,
            "ucl": 0.35,
        }
    )


def test_periods_are_drawn_in_time_order() -> None:
    fig = il.plot_over_time(_rates(), period="round", panel="stage")
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["1", "2", "3"]
    fig = il.plot_control_chart(_rates(), period="round", panel="stage")
    assert [t.get_text() for t in fig.axes[-1].get_xticklabels()] == ["1", "2", "3"]


def test_a_panel_hidden_in_every_period_says_so() -> None:
    table = _rates()
    b = table.assign(category="b", rate=np.where(table["stage"] == "s1", np.nan, 0.2))
    fig = il.plot_control_chart(pd.concat([table, b]), period="round", panel="stage")
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts == ["not shown"]


def test_the_ratio_axis_is_labelled_in_plain_numbers() -> None:
    axis = il.plot_over_time(_rates(), period="round", panel="stage").axes[0].yaxis
    # limits 0.36 (0.9 x the lowest 0.4) to 1.43 (1.1 x the highest 1.3)
    assert list(axis.get_majorticklocs()) == [0.5, 0.8, 1.0, 1.25]
    assert axis.get_major_formatter()(0.5, 0) == "0.5"
    assert axis.get_minor_formatter()(0.6, 0) == ""  # not 6x10^-1
