"""Krippendorff's alpha against Krippendorff (2011) and the krippendorff package."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from reliability_helpers import (
    complete_ratings,
    to_reliability_data,
    with_missing,
)

from interviewlab.errors import InterviewLabError
from interviewlab.reliability import (
    krippendorff_alpha,
)

# --------------------------------------------------------------------------------------
# Krippendorff's alpha
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "level, published",
    [
        # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
        pytest.param("nominal", 0.743, id="nominal"),
        pytest.param("ordinal", 0.815, id="ordinal"),
        pytest.param("interval", 0.849, id="interval"),
        pytest.param("ratio", 0.797, id="ratio"),
    ],
)
def test_alpha_krippendorff_2011_published_and_package(kripp2011, level, published):
    res = krippendorff_alpha(kripp2011, unit="unit", rater="observer", score="value", level=level)
    assert_allclose(res["estimate"].iloc[0], published, atol=0.0005)
    # krippendorff package (fast-krippendorff), same data:
    ref = krippendorff.alpha(
        to_reliability_data(kripp2011, "unit", "observer", "value"), level_of_measurement=level
    )
    assert_allclose(res["estimate"].iloc[0], ref, rtol=1e-10)
    row = res.iloc[0]
    # Krippendorff (2011): unit 12 has a single value, so 11 units and 40 pairable values.
    assert (row["n_units"], row["n_units_excluded"], row["n_pairable"]) == (11, 1, 40)


def test_alpha_irrcac_raw4raters(kripp2011):
    # irrCAC README: krippen.alpha.raw(cac.raw4raters) coeff.val 0.74342 (same data).
    res = krippendorff_alpha(
        kripp2011, unit="unit", rater="observer", score="value", level="nominal"
    )
    assert_allclose(res["estimate"].iloc[0], 0.74342, atol=5e-6)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_alpha_random_missing_matches_package(level, seed):
    data = with_missing(complete_ratings(seed, n=40, k=5), 0.3, seed)
    res = krippendorff_alpha(data, level=level)
    ref = krippendorff.alpha(
        to_reliability_data(data, "candidate_id", "rater_id", "score"), level_of_measurement=level
    )
    assert_allclose(res["estimate"].iloc[0], ref, rtol=1e-9)


def test_alpha_declared_unused_categories(kripp2011):
    # A rubric level nobody used (6) has zero frequency: the ordinal metric (mid-ranks) is
    # unchanged, as the krippendorff package also gives with value_domain including 6.
    declared = krippendorff_alpha(
        kripp2011,
        unit="unit",
        rater="observer",
        score="value",
        level="ordinal",
        categories=[1, 2, 3, 4, 5, 6],
    )
    ref = krippendorff.alpha(
        to_reliability_data(kripp2011, "unit", "observer", "value"),
        level_of_measurement="ordinal",
        value_domain=[1, 2, 3, 4, 5, 6],
    )
    assert_allclose(declared["estimate"].iloc[0], ref, rtol=1e-10)
    with pytest.raises(InterviewLabError, match="not among the declared categories"):
        krippendorff_alpha(
            kripp2011,
            unit="unit",
            rater="observer",
            score="value",
            level="ordinal",
            categories=[1, 2, 3],
        )


def test_alpha_ordinal_string_labels_follow_declared_order(kripp2011):
    # Same data as labels: order comes from categories=, so alpha equals the numeric one.
    labels = {1: "poor", 2: "weak", 3: "fair", 4: "good", 5: "excellent"}
    named = kripp2011.assign(value=kripp2011["value"].map(labels))
    res = krippendorff_alpha(
        named,
        unit="unit",
        rater="observer",
        score="value",
        level="ordinal",
        categories=["poor", "weak", "fair", "good", "excellent"],
    )
    assert_allclose(res["estimate"].iloc[0], 0.815, atol=0.0005)  # Krippendorff (2011)


def test_alpha_missing_scores_are_counted(kripp2011):
    padded = pd.concat(
        [
            kripp2011,
            pd.DataFrame({"unit": [1, 11], "observer": ["C", "B"], "value": [np.nan, np.nan]}),
        ]
    )
    res = krippendorff_alpha(padded, unit="unit", rater="observer", score="value", level="interval")
    assert res["n_missing"].iloc[0] == 2
    assert_allclose(res["estimate"].iloc[0], 0.849, atol=0.0005)  # Krippendorff (2011)


def test_alpha_bootstrap_is_reproducible_and_covers_estimate():
    data = with_missing(complete_ratings(7, n=80, k=4), 0.2, 7)
    a = krippendorff_alpha(data, level="interval", n_boot=500, seed=11)
    b = krippendorff_alpha(data, level="interval", n_boot=500, seed=11)
    pd.testing.assert_frame_equal(a, b)
    row = a.iloc[0]
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    assert row["ci_method"] == "bootstrap percentile (units resampled)"
    none = krippendorff_alpha(data, level="interval")
    assert np.isnan(none["ci_low"].iloc[0]) and none["ci_method"].iloc[0] == "none (n_boot=0)"


@pytest.mark.parametrize("level", ["nominal", "ordinal", "ratio"])
def test_alpha_bootstrap_replicates_equal_direct_recomputation(level):
    # The vectorised resampling must equal recomputing alpha on each resampled data set.
    from interviewlab.reliability._common import _resample_counts
    from interviewlab.reliability.krippendorff import _alpha_from_counts

    data = with_missing(complete_ratings(3, n=30, k=4), 0.25, 3)
    counts = pd.crosstab(data["candidate_id"], data["score"]).reindex(
        columns=[1, 2, 3, 4, 5], fill_value=0
    )
    counts = counts[counts.sum(axis=1) >= 2].to_numpy(dtype=float)
    values = np.arange(1.0, 6.0)
    weights = _resample_counts(np.random.default_rng(0), counts.shape[0], 5).astype(float)
    fast = _alpha_from_counts(counts, values, level, weights)
    for b in range(5):
        resampled = np.repeat(counts, weights[b].astype(int), axis=0)
        assert_allclose(fast[b], _alpha_from_counts(resampled, values, level)[0], rtol=1e-10)


def test_alpha_bootstrap_coverage_is_reasonable():
    # Percentile bootstrap of units: the 90% interval should cover the population alpha
    # (approximated by one very large study) in most of 60 simulated studies
    # (binomial(60, 0.9): expect 54, sd 2.3; accept >= 47, allowing the percentile
    # bootstrap's known slight undercoverage in small samples).
    # Raters without offsets, so that the population does not depend on the panel drawn.
    truth = krippendorff_alpha(complete_ratings(999, n=20_000, k=4, rater_sd=0.0), level="interval")
    truth = truth["estimate"].iloc[0]
    hits = 0
    for s in range(60):
        res = krippendorff_alpha(
            complete_ratings(1000 + s, n=80, k=4, rater_sd=0.0),
            level="interval",
            n_boot=300,
            seed=s,
            confidence=0.90,
        )
        hits += bool(res["ci_low"].iloc[0] <= truth <= res["ci_high"].iloc[0])
    assert hits >= 47


@pytest.mark.parametrize(
    "mutate, message",
    [
        pytest.param(lambda d: d.assign(score=4), "same value", id="all-agree"),
        pytest.param(lambda d: d[d["rater_id"] == "r0"], "two or more ratings", id="one-rater"),
        pytest.param(
            lambda d: d[d["candidate_id"] == "c000"], "two or more ratings", id="one-unit"
        ),
    ],
)
def test_alpha_degenerate_inputs_raise(mutate, message):
    with pytest.raises(InterviewLabError, match=message):
        krippendorff_alpha(mutate(complete_ratings(1, n=10, k=3)), level="interval")


def test_alpha_rejects_bad_options():
    data = complete_ratings(0)
    with pytest.raises(InterviewLabError, match="level='metric' is not allowed"):
        krippendorff_alpha(data, level="metric")  # type: ignore[arg-type]
    with pytest.raises(InterviewLabError, match="n_boot"):
        krippendorff_alpha(data, level="interval", n_boot=-1)
    with pytest.raises(InterviewLabError, match="confidence"):
        krippendorff_alpha(data, level="interval", confidence=95)
    with pytest.raises(InterviewLabError, match="no column"):
        krippendorff_alpha(data, level="interval", unit="candidate")
    with pytest.raises(InterviewLabError, match="needs their order"):
        krippendorff_alpha(data.assign(score="x" + data["score"].astype(str)), level="ordinal")
    with pytest.raises(InterviewLabError, match="resample='raters'"):
        krippendorff_alpha(data, level="ordinal", n_boot=10, resample="raters")  # type: ignore[arg-type]
    with pytest.raises(InterviewLabError, match="numeric"):
        krippendorff_alpha(data.assign(score="x" + data["score"].astype(str)), level="interval")
