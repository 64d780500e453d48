"""Kappas and Gwet's AC against irrCAC's published figures and statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from reliability_helpers import (
    complete_ratings,
    table_to_long,
)
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from interviewlab.errors import InterviewLabError
from interviewlab.reliability import (
    cohen_kappa,
    fleiss_kappa,
    gwet_ac,
    krippendorff_alpha,
)

# --------------------------------------------------------------------------------------
# Fleiss' kappa and Gwet's AC
# --------------------------------------------------------------------------------------


def test_fleiss_kappa_fleiss_1971(fleiss1971):
    res = fleiss_kappa(fleiss1971, unit="patient", rater="rating_slot", score="diagnosis")
    # R: kappam.fleiss(diagnoses) -> 0.4302445 (irr package; Fleiss 1971 reports .430)
    assert_allclose(res["estimate"].iloc[0], 0.4302445, atol=5e-8)
    # statsmodels fleiss_kappa on the same counts (independent implementation):
    wide = fleiss1971.pivot(index="patient", columns="rating_slot", values="diagnosis").to_numpy()
    assert_allclose(res["estimate"].iloc[0], sm_fleiss_kappa(aggregate_raters(wide)[0]), rtol=1e-12)


def test_fleiss_kappa_and_ac1_irrcac_distrib_6raters(fleiss1971):
    # irrCAC README, distrib.6raters (= the first 15 patients of Fleiss 1971):
    # fleiss.kappa.dist -> 0.4139265, stderr 0.08119291, conf.int (0.24, 0.588)
    # gwet.ac1.dist     -> 0.4448007, stderr 0.08418757, conf.int (0.264, 0.625)
    first15 = fleiss1971[fleiss1971["patient"] <= 15]
    kap = fleiss_kappa(first15, unit="patient", rater="rating_slot", score="diagnosis").iloc[0]
    assert_allclose([kap["estimate"], kap["se"]], [0.4139265, 0.08119291], atol=5e-8)
    assert_allclose([kap["ci_low"], kap["ci_high"]], [0.24, 0.588], atol=0.0005)
    ac1 = gwet_ac(first15, unit="patient", rater="rating_slot", score="diagnosis").iloc[0]
    assert_allclose([ac1["estimate"], ac1["se"]], [0.4448007, 0.08418757], atol=5e-8)
    assert_allclose([ac1["ci_low"], ac1["ci_high"]], [0.264, 0.625], atol=0.0005)


def test_gwet_and_fleiss_irrcac_raw4raters(kripp2011):
    # irrCAC README, cac.raw4raters (Gwet 2014 p. 120; same data as Krippendorff 2011):
    # gwet.ac1.raw     -> pa 0.8181818, pe 0.1903212, AC1 0.77544, se 0.14295, CI (0.461, 1)
    # fleiss.kappa.raw -> pe 0.2387153, kappa 0.76117, se 0.15302, CI (0.424, 1)
    ac1 = gwet_ac(kripp2011, unit="unit", rater="observer", score="value").iloc[0]
    assert_allclose([ac1["estimate"], ac1["se"]], [0.77544, 0.14295], atol=5e-6)
    assert_allclose([ac1["ci_low"], ac1["ci_high"]], [0.461, 1.0], atol=0.0005)
    assert (ac1["n"], ac1["n_multi"]) == (12, 11)
    kap = fleiss_kappa(kripp2011, unit="unit", rater="observer", score="value").iloc[0]
    assert_allclose([kap["estimate"], kap["se"]], [0.76117, 0.15302], atol=5e-6)
    assert_allclose([kap["ci_low"], kap["ci_high"]], [0.424, 1.0], atol=0.0005)


@pytest.mark.parametrize(
    "func, dataset, expected",
    [
        # irrCAC weighting vignette, quadratic weights, cac.raw4raters:
        # gwet.ac1.raw -> AC2 0.914, se 0.10396, CI (0.685, 1)
        pytest.param(gwet_ac, "raw4raters", (0.914, 0.10396, 0.685, 1.0), id="ac2-raw4raters"),
        # fleiss.kappa.raw -> 0.86494, se 0.14603, CI (0.544, 1)
        pytest.param(
            fleiss_kappa, "raw4raters", (0.86494, 0.14603, 0.544, 1.0), id="fk-raw4raters"
        ),
        # distrib.6raters with quadratic.weights(1:5): gwet.ac1.dist -> 0.4837438,
        # stderr 0.1058227, (0.257, 0.711); fleiss.kappa.dist -> 0.2511909, stderr
        # 0.1457381, (-0.061, 0.564)
        pytest.param(gwet_ac, "distrib6", (0.4837438, 0.1058227, 0.257, 0.711), id="ac2-distrib6"),
        pytest.param(
            fleiss_kappa, "distrib6", (0.2511909, 0.1457381, -0.061, 0.564), id="fk-distrib6"
        ),
    ],
)
def test_quadratic_weighted_irrcac(func, dataset, expected, kripp2011, fleiss1971):
    if dataset == "raw4raters":
        res = func(kripp2011, unit="unit", rater="observer", score="value", weights="quadratic")
    else:
        first15 = fleiss1971[fleiss1971["patient"] <= 15]
        res = func(
            first15, unit="patient", rater="rating_slot", score="diagnosis", weights="quadratic"
        )
    row = res.iloc[0]
    digits = 5e-8 if dataset == "distrib6" else 5e-6
    # AC2 on raw4raters is printed as 0.914 (three decimals) by irrCAC.
    est_tol = 5e-4 if expected[0] == 0.914 else digits
    assert_allclose(row["estimate"], expected[0], atol=est_tol)
    assert_allclose(row["se"], expected[1], atol=digits)
    assert_allclose([row["ci_low"], row["ci_high"]], expected[2:], atol=5e-4)


def test_two_rater_table_irrcac_estimates():
    # irrCAC README, cont3x3abstractors: gwet.ac1.table 0.8493305, scott2.table (Fleiss'
    # kappa for two raters is Scott's pi) 0.7962397, krippen2.table 0.7972585.
    data = table_to_long(np.array([[13, 0, 0], [0, 20, 7], [0, 4, 56]]))
    assert_allclose(gwet_ac(data)["estimate"].iloc[0], 0.8493305, atol=5e-8)
    assert_allclose(fleiss_kappa(data)["estimate"].iloc[0], 0.7962397, atol=5e-8)
    assert_allclose(
        krippendorff_alpha(data, level="nominal")["estimate"].iloc[0], 0.7972585, atol=5e-8
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fleiss_kappa_random_complete_matches_statsmodels(seed):
    data = complete_ratings(seed, n=50, k=5)
    wide = data.pivot(index="candidate_id", columns="rater_id", values="score").to_numpy()
    ref = sm_fleiss_kappa(aggregate_raters(wide)[0])
    assert_allclose(fleiss_kappa(data)["estimate"].iloc[0], ref, rtol=1e-12)


def test_weighted_ac2_and_kappa_reduce_to_unweighted_with_two_categories():
    # With two categories, linear and quadratic weights are both the identity.
    data = complete_ratings(0, n=40, k=3).assign(score=lambda d: (d["score"] >= 3).astype(int))
    for func in (gwet_ac, fleiss_kappa):
        plain = func(data)["estimate"].iloc[0]
        for w in ("linear", "quadratic"):
            assert_allclose(func(data, weights=w)["estimate"].iloc[0], plain, rtol=1e-12)


def test_ac1_all_agree_needs_declared_categories():
    data = complete_ratings(0, n=10, k=3).assign(score=2)
    with pytest.raises(InterviewLabError, match="categories="):
        gwet_ac(data)
    # Declared 1-5 rubric: chance agreement 0, AC1 = percent agreement = 1 (Gwet 2014).
    res = gwet_ac(data, categories=[1, 2, 3, 4, 5]).iloc[0]
    assert_allclose([res["estimate"], res["se"]], [1.0, 0.0], atol=1e-12)
    with pytest.raises(InterviewLabError, match="0/0"):
        fleiss_kappa(data, categories=[1, 2, 3, 4, 5])


# --------------------------------------------------------------------------------------
# Cohen's kappa
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("seed", [0, 1])
def test_cohen_kappa_matches_statsmodels(weights, seed):
    data = complete_ratings(seed, n=60, k=2)
    res = cohen_kappa(data, weights=weights, categories=[1, 2, 3, 4, 5]).iloc[0]
    wide = data.pivot(index="candidate_id", columns="rater_id", values="score")
    table = pd.crosstab(wide["r0"], wide["r1"]).reindex(
        index=[1, 2, 3, 4, 5], columns=[1, 2, 3, 4, 5], fill_value=0
    )
    # statsmodels cohens_kappa: kappa and std_kappa (Fleiss, Cohen & Everitt 1969 SE)
    ref = cohens_kappa(table.to_numpy(), wt=weights)
    assert_allclose(res["estimate"], ref.kappa, rtol=1e-10)
    assert_allclose(res["se"], ref.std_kappa, rtol=1e-10)
    assert_allclose([res["ci_low"], res["ci_high"]], [ref.kappa_low, ref.kappa_upp], rtol=1e-10)


def test_cohen_kappa_irrcac_cont3x3abstractors():
    # irrCAC README: kappa2.table(cont3x3abstractors) -> 0.7964094, se 0.05891072
    data = table_to_long(np.array([[13, 0, 0], [0, 20, 7], [0, 4, 56]]))
    res = cohen_kappa(data).iloc[0]
    assert_allclose([res["estimate"], res["se"]], [0.7964094, 0.05891072], atol=5e-8)


def test_cohen_kappa_needs_two_raters_and_counts_exclusions():
    data = complete_ratings(0, n=30, k=3)
    with pytest.raises(InterviewLabError, match="exactly two raters; found 3"):
        cohen_kappa(data)
    pair = data[data["rater_id"] != "r2"].drop(index=[0]).reset_index(drop=True)
    res = cohen_kappa(pair).iloc[0]
    assert (res["n"], res["n_excluded"]) == (29, 1)


def test_cohen_kappa_single_shared_category_raises():
    data = complete_ratings(0, n=10, k=2).assign(score=3)
    with pytest.raises(InterviewLabError, match="0/0"):
        cohen_kappa(data)
