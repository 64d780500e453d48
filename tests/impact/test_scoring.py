"""NYC Local Law 144 scoring rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from impact_helpers import (
    quiet,
    row,
)
from numpy.testing import assert_allclose

from interviewlab import impact
from interviewlab.errors import InterviewLabError

# ----------------------------------------------------------------- scoring rates


@quiet
def test_scoring_rates_from_the_ll144_definitions():
    # 6 RCNY 5-300: scoring rate = share of a category scoring above the median score
    # of the full sample; impact ratio = scoring rate / highest scoring rate. The
    # DCWP rule's own worked scoring table could not be retrieved, so this table is
    # built from the definitions by hand. Ten scores, median of all 10 (unknown
    # included) = (5 + 6) / 2 = 5.5.
    data = pd.DataFrame(
        {
            "sex": ["F", "F", "F", "F", "M", "M", "M", "M", "unknown", "unknown"],
            "score": [2, 5, 6, 9, 3, 7, 8, 10, 1, 4],
        }
    )
    table = impact.scoring_rates(data, group="sex", score="score")
    assert_allclose(table["cutoff"], 5.5)
    f, m = row(table, "F"), row(table, "M")
    assert (f["above"], m["above"]) == (2, 3)  # F: 6, 9; M: 7, 8, 10
    assert_allclose([f["scoring_rate"], m["scoring_rate"]], [0.5, 0.75])
    assert_allclose(f["impact_ratio"], 0.5 / 0.75)
    assert m["role"] == "reference"
    assert row(table, "unknown")["n"] == 2


@quiet
def test_scores_equal_to_the_median_are_not_above():
    data = pd.DataFrame({"sex": ["F", "F", "M", "M", "M"], "score": [3, 3, 3, 4, 5]})
    table = impact.scoring_rates(data, group="sex", score="score")
    assert row(table, "F")["above"] == 0 and row(table, "M")["above"] == 2


@quiet
def test_sweep_at_the_median_equals_scoring_rates():
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"sex": rng.choice(["F", "M"], 501), "score": rng.normal(size=501)})
    sweep = impact.scoring_rate_sweep(data, group="sex", score="score", quantiles=[0.2, 0.5, 0.9])
    at_median = sweep[sweep["quantile"] == 0.5].drop(columns="quantile").reset_index(drop=True)
    pd.testing.assert_frame_equal(at_median, impact.scoring_rates(data, group="sex", score="score"))
    assert sorted(sweep["quantile"].unique()) == [0.2, 0.5, 0.9]


@quiet
def test_sweep_reveals_a_gap_the_median_hides():
    # Same median split, but group b is absent from the top decile.
    a = np.r_[np.linspace(0, 10, 100)]
    b = np.r_[np.linspace(0, 4.9, 50), np.linspace(5.1, 8.5, 50)]
    data = pd.DataFrame({"g": ["a"] * 100 + ["b"] * 100, "score": np.r_[a, b]})
    sweep = impact.scoring_rate_sweep(data, group="g", score="score", quantiles=[0.5, 0.9])
    median_b = sweep[(sweep["quantile"] == 0.5) & (sweep["category"] == "b")].iloc[0]
    top_b = sweep[(sweep["quantile"] == 0.9) & (sweep["category"] == "b")].iloc[0]
    assert median_b["impact_ratio"] >= 0.8
    assert top_b["impact_ratio"] < 0.8


def test_scoring_rates_bad_input():
    data = pd.DataFrame({"sex": ["F", "M"], "score": [1.0, np.nan]})
    with pytest.raises(InterviewLabError, match="missing"):
        impact.scoring_rates(data, group="sex", score="score")
    with pytest.raises(InterviewLabError, match="cutoff='mean'"):
        impact.scoring_rates(data.fillna(2), group="sex", score="score", cutoff="mean")
