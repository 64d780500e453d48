"""compare_reliability: async vs live differences with cluster bootstraps."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from reliability_helpers import (
    complete_ratings,
    with_missing,
)

from interviewlab.errors import InterviewLabError, InterviewLabWarning
from interviewlab.reliability import (
    compare_reliability,
    icc,
    krippendorff_alpha,
)

# --------------------------------------------------------------------------------------
# compare_reliability
# --------------------------------------------------------------------------------------


def two_formats(
    seed: int, n: int = 40, noise_live: float = 0.7, noise_async: float = 0.7
) -> pd.DataFrame:
    """Same candidates rated live by r0-r2 and async by r3-r5 with different noise."""
    rng = np.random.default_rng(seed)
    true = rng.normal(0, 1, n)
    parts = []
    for fmt, raters, noise in (
        ("live", ["r0", "r1", "r2"], noise_live),
        ("async", ["r3", "r4", "r5"], noise_async),
    ):
        scores = true[:, None] + rng.normal(0, noise, (n, 3))
        parts.append(
            pd.DataFrame(
                {
                    "candidate_id": np.repeat(np.arange(n), 3),
                    "rater_id": np.tile(raters, n),
                    "format": fmt,
                    "score": scores.ravel(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def test_compare_estimates_equal_single_group_functions():
    data = two_formats(0)
    res = compare_reliability(data, coefficient="icc2", n_boot=200, seed=1).iloc[0]
    assert (res["group_a"], res["group_b"]) == ("async", "live")
    for name, col in (("async", "estimate_a"), ("live", "estimate_b")):
        direct = icc(data[data["format"] == name]).loc["ICC2", "estimate"]
        assert_allclose(res[col], direct, rtol=1e-12)
    alpha = compare_reliability(data, coefficient="alpha", level="interval", n_boot=200, seed=1)
    direct = krippendorff_alpha(data[data["format"] == "live"], level="interval")
    assert_allclose(alpha["estimate_b"].iloc[0], direct["estimate"].iloc[0], rtol=1e-12)


def test_compare_identical_groups_gives_zero_difference():
    one = complete_ratings(2, n=30, k=3)
    data = pd.concat([one.assign(format="live"), one.assign(format="async")], ignore_index=True)
    res = compare_reliability(data, coefficient="icc3", n_boot=200, seed=0).iloc[0]
    assert res["difference"] == 0 and res["ci_low"] == 0 and res["ci_high"] == 0
    assert res["p_value"] == 1


@pytest.mark.parametrize("resample", ["targets", "targets_raters"])
def test_compare_detects_a_real_difference(resample):
    data = two_formats(3, n=80, noise_live=0.4, noise_async=1.5)
    with warnings.catch_warnings():
        # A two-way resample can draw one rater for a group: such draws are discarded.
        warnings.simplefilter("ignore", InterviewLabWarning)
        res = compare_reliability(
            data,
            coefficient="icc2",
            resample=resample,
            n_boot=300,
            seed=4,
            groups=("live", "async"),
        ).iloc[0]
    assert res["difference"] > 0
    assert res["ci_low"] > 0 and res["p_value"] < 0.05
    expected = {
        "targets": "bootstrap percentile, candidates resampled",
        "targets_raters": "bootstrap percentile, candidates and raters (two-way) resampled",
    }
    assert res["ci_method"] == expected[resample]


def test_compare_two_way_interval_is_wider_than_candidates_only():
    data = two_formats(5, n=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        one = compare_reliability(data, coefficient="icc2", n_boot=300, seed=2).iloc[0]
        two = compare_reliability(
            data, coefficient="icc2", resample="targets_raters", n_boot=300, seed=2
        ).iloc[0]
    assert two["se"] > one["se"]


def test_compare_rejects_bad_groups_and_options():
    data = two_formats(0).assign(format=lambda d: d["format"].where(d.index % 7 != 0, "phone"))
    with pytest.raises(InterviewLabError, match="compare exactly two"):
        compare_reliability(data, n_boot=200)
    with pytest.raises(InterviewLabError, match="needs level"):
        compare_reliability(two_formats(0), coefficient="alpha", n_boot=200)
    with pytest.raises(InterviewLabError, match="coefficient='kappa'"):
        compare_reliability(two_formats(0), coefficient="kappa", n_boot=200)  # type: ignore[arg-type]
    with pytest.raises(InterviewLabError, match="too few"):
        compare_reliability(two_formats(0), n_boot=10)


def test_alpha_two_way_bootstrap_is_centred_and_wider_with_rater_effects():
    # Raters differ in severity: resampling raters too widens the interval. Copies of a
    # rater must not pair with each other; if they did, the resampled alphas would be
    # biased upwards and the interval would sit well above the estimate.
    data = with_missing(complete_ratings(1, n=200, k=6, rater_sd=0.5), 0.2, 1)
    units = krippendorff_alpha(data, level="interval", n_boot=500, seed=1).iloc[0]
    both = krippendorff_alpha(
        data, level="interval", n_boot=500, seed=1, resample="units_raters"
    ).iloc[0]
    assert both["ci_method"] == "bootstrap percentile (two-way: units and raters resampled)"
    width = both["ci_high"] - both["ci_low"]
    assert width > units["ci_high"] - units["ci_low"]
    assert abs((both["ci_low"] + both["ci_high"]) / 2 - both["estimate"]) < 0.3 * width


def test_alpha_two_way_without_copies_equals_point_estimate():
    # With every rater drawn once, the two-way statistic is plain alpha.
    from interviewlab.reliability.compare import _matrix_alpha

    data = with_missing(complete_ratings(2, n=40, k=5), 0.3, 2)
    wide = data.pivot(index="candidate_id", columns="rater_id", values="score").to_numpy()
    direct = krippendorff_alpha(data, level="ordinal")["estimate"].iloc[0]
    codes = wide - 1  # scores 1..5 -> codes 0..4 (all five levels occur)
    assert_allclose(_matrix_alpha(codes, np.arange(5.0), "ordinal", np.ones(5)), direct, rtol=1e-12)
