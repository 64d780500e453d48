"""Tests of interviewlab.reliability against published values and independent implementations.

Every reference value names its source next to it. Independent implementations used:
pingouin 0.7 (``intraclass_corr``, ``cronbach_alpha``), statsmodels (``fleiss_kappa``,
``cohens_kappa``) and the ``krippendorff`` package (fast-krippendorff).
"""

from __future__ import annotations

import warnings

import krippendorff
import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from interviewlab.datasets import read_dataset
from interviewlab.errors import InterviewLabError, InterviewLabWarning
from interviewlab.reliability import (
    cohen_kappa,
    compare_reliability,
    cronbach_alpha,
    fleiss_kappa,
    gwet_ac,
    icc,
    krippendorff_alpha,
)

# pingouin 0.7 calls DataFrame.dropna(inplace=True), which pandas 3 deprecates; the
# warning is pingouin's, not ours, so it is ignored only in the tests that call pingouin.
pingouin_call = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame")

ICC_ORDER = ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]
PINGOUIN_ORDER = ["ICC(1,1)", "ICC(A,1)", "ICC(C,1)", "ICC(1,k)", "ICC(A,k)", "ICC(C,k)"]


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def complete_ratings(seed: int, n: int = 30, k: int = 4, rater_sd: float = 0.5) -> pd.DataFrame:
    """Random complete panel: candidate effect + rater offset + noise, on a 1-5 scale."""
    rng = np.random.default_rng(seed)
    true = rng.normal(0, 1, n)
    offset = rng.normal(0, rater_sd, k)
    scores = np.clip(
        np.round(3 + true[:, None] + offset[None, :] + rng.normal(0, 0.7, (n, k))), 1, 5
    )
    return pd.DataFrame(
        {
            "candidate_id": np.repeat([f"c{i:03d}" for i in range(n)], k),
            "rater_id": np.tile([f"r{j}" for j in range(k)], n),
            "score": scores.ravel(),
        }
    )


def with_missing(data: pd.DataFrame, frac: float, seed: int) -> pd.DataFrame:
    """Drop a random fraction of rows (missing ratings)."""
    rng = np.random.default_rng(seed)
    return data.loc[rng.random(len(data)) >= frac].reset_index(drop=True)


def to_reliability_data(data: pd.DataFrame, unit: str, rater: str, score: str) -> np.ndarray:
    """Raters x units matrix with NaN for missing, as the krippendorff package wants."""
    return data.pivot(index=rater, columns=unit, values=score).to_numpy(dtype=float)


def table_to_long(table: np.ndarray) -> pd.DataFrame:
    """Two raters' contingency table (rows: rater a, columns: rater b) as long ratings."""
    rows = []
    unit = 0
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            for _ in range(int(table[i, j])):
                rows += [(unit, "a", i + 1), (unit, "b", j + 1)]
                unit += 1
    return pd.DataFrame(rows, columns=["candidate_id", "rater_id", "score"])


@pytest.fixture
def unrounded_pingouin(monkeypatch):
    """pingouin rounds its CI95 column to 2 decimals by a global option: switch it off."""
    monkeypatch.setitem(pg.options, "round.column.CI95", None)


@pytest.fixture(scope="module")
def shrout_fleiss() -> pd.DataFrame:
    return read_dataset("shrout_fleiss_1979")


@pytest.fixture(scope="module")
def kripp2011() -> pd.DataFrame:
    return read_dataset("krippendorff_2011")


@pytest.fixture(scope="module")
def fleiss1971() -> pd.DataFrame:
    return read_dataset("fleiss_1971")


# --------------------------------------------------------------------------------------
# ICC
# --------------------------------------------------------------------------------------


def test_icc_shrout_fleiss_published(shrout_fleiss):
    # Shrout & Fleiss (1979), Table 4 / text: ICC(1,1)=.17, ICC(2,1)=.29, ICC(3,1)=.71,
    # ICC(1,4)=.44, ICC(2,4)=.62, ICC(3,4)=.91 (two decimals as printed).
    res = icc(shrout_fleiss, target="target", rater="judge", score="rating")
    assert list(res.index) == ICC_ORDER
    assert_allclose(res["estimate"], [0.17, 0.29, 0.71, 0.44, 0.62, 0.91], atol=0.005)
    # Shrout & Fleiss (1979): F for targets 1.79 (one-way, df 5, 18) and 11.03 (two-way, df 5, 15).
    assert_allclose(res["f"], [1.79, 11.03, 11.03, 1.79, 11.03, 11.03], atol=0.005)
    assert res["df1"].tolist() == [5] * 6
    assert res["df2"].tolist() == [18, 15, 15, 18, 15, 15]


@pingouin_call
def test_icc_shrout_fleiss_matches_pingouin_full_precision(shrout_fleiss, unrounded_pingouin):
    # pingouin 0.7 intraclass_corr (independent implementation via its ANOVA), 95% CIs.
    ours = icc(shrout_fleiss, target="target", rater="judge", score="rating")
    ref = pg.intraclass_corr(shrout_fleiss, targets="target", raters="judge", ratings="rating")
    ref = ref.set_index("Type").loc[PINGOUIN_ORDER]
    assert_allclose(ours["estimate"], ref["ICC"], rtol=1e-10)
    assert_allclose(ours["f"], ref["F"], rtol=1e-10)
    assert_allclose(ours["p_value"], ref["pval"], rtol=1e-8)
    ci = np.vstack(ref["CI95"].to_numpy())
    assert_allclose(ours["ci_low"], ci[:, 0], rtol=1e-8, atol=1e-12)
    assert_allclose(ours["ci_high"], ci[:, 1], rtol=1e-8, atol=1e-12)


@pingouin_call
@pytest.mark.parametrize("seed", [pytest.param(s, id=f"seed{s}") for s in range(4)])
def test_icc_random_complete_matches_pingouin(seed, unrounded_pingouin):
    data = complete_ratings(seed, n=25 + 5 * seed, k=3 + seed % 3)
    ours = icc(data)
    ref = pg.intraclass_corr(data, targets="candidate_id", raters="rater_id", ratings="score")
    ref = ref.set_index("Type").loc[PINGOUIN_ORDER]
    assert_allclose(ours["estimate"], ref["ICC"], rtol=1e-9)
    ci = np.vstack(ref["CI95"].to_numpy())
    assert_allclose(ours[["ci_low", "ci_high"]].to_numpy(), ci, rtol=1e-8, atol=1e-12)


def test_icc_confidence_level_is_exact_not_rounded(shrout_fleiss):
    # Independent check of the ICC(3,1) exact F limits at 90% with scipy (Shrout & Fleiss
    # 1979, eq. for case 3): FL = F / F_{.95}(5, 15), FU = F * F_{.95}(15, 5).
    from scipy import stats

    res = icc(shrout_fleiss, target="target", rater="judge", score="rating", confidence=0.90)
    f3 = res.loc["ICC3", "f"]
    fl = f3 / stats.f.ppf(0.95, 5, 15)
    fu = f3 * stats.f.ppf(0.95, 15, 5)
    assert_allclose(res.loc["ICC3", "ci_low"], (fl - 1) / (fl + 3), rtol=1e-12)
    assert_allclose(res.loc["ICC3", "ci_high"], (fu - 1) / (fu + 3), rtol=1e-12)
    wide = icc(shrout_fleiss, target="target", rater="judge", score="rating", confidence=0.99)
    assert (wide["ci_low"] < res["ci_low"]).all()
    assert (wide["ci_high"] > res["ci_high"]).all()


def test_icc_incomplete_design_raises_with_count():
    data = complete_ratings(1, n=20, k=4)
    data = data.drop(index=[0, 5, 9]).reset_index(drop=True)  # 3 candidates lose a rating
    with pytest.raises(InterviewLabError, match=r"3 of 20 targets.*krippendorff_alpha.*reml"):
        icc(data)


def test_icc_missing_score_counts_as_incomplete():
    data = complete_ratings(1, n=20, k=4)
    data.loc[2, "score"] = np.nan
    with pytest.raises(InterviewLabError, match="1 of 20 targets"):
        icc(data)


def test_icc_several_rows_per_rater_asks_for_aggregation_or_by():
    data = complete_ratings(2, n=10, k=3)
    two_questions = pd.concat([data.assign(question_id="q1"), data.assign(question_id="q2")])
    with pytest.raises(InterviewLabError, match=r"several rows.*by="):
        icc(two_questions)
    per_question = icc(two_questions, by="question_id")
    assert per_question.columns[0] == "question_id"
    assert len(per_question) == 12
    alone = icc(data)
    assert_allclose(
        per_question.loc[per_question["question_id"] == "q2", "estimate"], alone["estimate"]
    )


def test_icc_reml_on_complete_data_equals_anova():
    # Shrout & Fleiss (1979): on a complete design REML variance components equal the
    # ANOVA estimators, so icc(method="reml") reproduces the published ICCs
    sf = read_dataset("shrout_fleiss_1979")
    anova = icc(sf, target="target", rater="judge", score="rating")
    reml = icc(sf, target="target", rater="judge", score="rating", method="reml", n_boot=50)
    assert_allclose(reml["estimate"], anova["estimate"], atol=1e-5)
    assert set(reml["method"]) == {"reml"} and set(anova["method"]) == {"anova"}
    with pytest.raises(InterviewLabError, match="method='lmer'"):
        icc(complete_ratings(0), method="lmer")  # type: ignore[arg-type]


def test_icc_reml_handles_incomplete_panels():
    data = complete_ratings(0)
    rng = np.random.default_rng(1)
    incomplete = data.drop(index=rng.choice(data.index, size=len(data) // 5, replace=False))
    with pytest.raises(InterviewLabError, match="use method='reml'"):
        icc(incomplete)
    table = icc(incomplete, method="reml", n_boot=50, seed=3)
    assert (table["ci_low"] <= table["estimate"]).all()
    assert (table["estimate"] <= table["ci_high"]).all()
    assert table["n_targets"].iloc[0] == incomplete["candidate_id"].nunique()


@pytest.mark.parametrize(
    "mutate, message",
    [
        pytest.param(
            lambda d: d[d["rater_id"] == "r0"], "at least 2 targets and 2 raters", id="one-rater"
        ),
        pytest.param(
            lambda d: d[d["candidate_id"] == "c000"], "at least 2 targets", id="one-target"
        ),
        pytest.param(lambda d: d.assign(score=3.0), "no residual variation", id="constant"),
    ],
)
def test_icc_degenerate_inputs_raise(mutate, message):
    with pytest.raises(InterviewLabError, match=message):
        icc(mutate(complete_ratings(3, n=10, k=3)))


def test_icc_and_cronbach_need_numeric_scores():
    data = complete_ratings(0)
    with pytest.raises(InterviewLabError, match="numeric scores"):
        icc(data.assign(score=data["score"].astype(str)))
    with pytest.raises(InterviewLabError, match="numeric scores"):
        cronbach_alpha(rubric_scores(0).assign(score="high"))


def test_icc_does_not_mutate_input():
    data = complete_ratings(5)
    copy = data.copy()
    icc(data)
    pd.testing.assert_frame_equal(data, copy)


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
    from interviewlab.reliability import _alpha_from_counts, _resample_counts

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


# --------------------------------------------------------------------------------------
# Cronbach's alpha
# --------------------------------------------------------------------------------------


def rubric_scores(seed: int, n: int = 50, k: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ability = rng.normal(0, 1, n)
    scores = ability[:, None] + rng.normal(0, 0.8, (n, k))
    return pd.DataFrame(
        {
            "candidate_id": np.repeat(np.arange(n), k),
            "question_id": np.tile([f"q{j}" for j in range(k)], n),
            "score": scores.ravel(),
        }
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
@pingouin_call
def test_cronbach_alpha_matches_pingouin(seed):
    data = rubric_scores(seed, n=30 + 10 * seed, k=3 + seed)
    res = cronbach_alpha(data).iloc[0]
    # pingouin.cronbach_alpha: estimate, and Feldt 95% CI rounded by pingouin to 3 decimals
    ref, ci = pg.cronbach_alpha(data, items="question_id", scores="score", subject="candidate_id")
    assert_allclose(res["estimate"], ref, rtol=1e-10)
    assert_allclose([res["ci_low"], res["ci_high"]], ci, atol=5e-4)


def test_cronbach_alpha_se_matches_monte_carlo():
    # The van Zyl et al. (2000) SE should match the spread of alpha over repeated samples.
    estimates, ses = [], []
    for s in range(300):
        res = cronbach_alpha(rubric_scores(100 + s, n=100, k=5)).iloc[0]
        estimates.append(res["estimate"])
        ses.append(res["se"])
    assert_allclose(np.mean(ses), np.std(estimates, ddof=1), rtol=0.15)


def test_cronbach_alpha_se_compound_symmetry_closed_form():
    # For compound symmetry the normal-theory variance is 2k(1-alpha)^2 / ((k-1) n)
    # (van Zyl, Neudecker & Nel 2000, eq. 2.4 special case). Use data whose sample
    # covariance is exactly compound symmetric: a balanced design with Helmert contrasts.
    from interviewlab.reliability import _cronbach

    k, n = 4, 400
    rng = np.random.default_rng(0)
    z = rng.normal(size=(n, k))
    z = (z - z.mean(axis=0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T
    cov = 0.5 * np.eye(k) + 0.5 * np.ones((k, k))
    matrix = z @ np.linalg.cholesky(cov).T
    alpha, se = _cronbach(matrix)
    assert_allclose(alpha, k * 0.5 / (1 + (k - 1) * 0.5), rtol=1e-10)
    assert_allclose(se, np.sqrt(2 * k * (1 - alpha) ** 2 / ((k - 1) * n)), rtol=1e-10)


def test_cronbach_alpha_excludes_incomplete_and_refuses_duplicates():
    data = rubric_scores(0, n=30, k=3).drop(index=[0, 4]).reset_index(drop=True)
    res = cronbach_alpha(data).iloc[0]
    assert (res["n"], res["n_excluded"]) == (28, 2)
    doubled = pd.concat([data.assign(rater_id="a"), data.assign(rater_id="b")])
    with pytest.raises(InterviewLabError, match="by='rater_id'"):
        cronbach_alpha(doubled)
    assert len(cronbach_alpha(doubled, by="rater_id")) == 2


# --------------------------------------------------------------------------------------
# by=, invariance and properties
# --------------------------------------------------------------------------------------


ALL_FUNCTIONS = [
    pytest.param(lambda d, **kw: icc(d, **kw), id="icc"),
    pytest.param(lambda d, **kw: krippendorff_alpha(d, level="ordinal", **kw), id="alpha"),
    pytest.param(lambda d, **kw: fleiss_kappa(d, **kw), id="fleiss"),
    pytest.param(lambda d, **kw: gwet_ac(d, weights="quadratic", **kw), id="gwet"),
]


@pytest.mark.parametrize("func", ALL_FUNCTIONS)
def test_by_leads_with_groups_and_equals_separate_calls(func):
    live = complete_ratings(1, n=30, k=3).assign(format="live")
    recorded = complete_ratings(2, n=30, k=3).assign(format="async")
    both = pd.concat([live, recorded], ignore_index=True)
    res = func(both, by="format")
    assert res.columns[0] == "format"
    assert sorted(res["format"].unique()) == ["async", "live"]
    for name, part in (("live", live), ("async", recorded)):
        separate = func(part.drop(columns="format"))
        assert_allclose(
            res.loc[res["format"] == name, "estimate"], separate["estimate"], rtol=1e-12
        )


@pytest.mark.parametrize("func", ALL_FUNCTIONS)
def test_row_order_and_relabelling_invariance(func):
    data = complete_ratings(8, n=30, k=4)
    base = func(data)["estimate"].to_numpy()
    shuffled = data.sample(frac=1, random_state=3).reset_index(drop=True)
    relabelled = data.assign(
        candidate_id=data["candidate_id"].map(lambda c: f"z{c[::-1]}"),
        rater_id=data["rater_id"].map({"r0": "x9", "r1": "a1", "r2": "m5", "r3": "b0"}),
    )
    assert_allclose(func(shuffled)["estimate"], base, rtol=1e-12)
    assert_allclose(func(relabelled)["estimate"], base, rtol=1e-12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=0, max_value=10_000),
    st.sampled_from(["nominal", "ordinal", "interval", "ratio"]),
    st.floats(min_value=0.0, max_value=0.5),
)
def test_alpha_property_matches_package_and_is_bounded(seed, level, missing):
    data = with_missing(complete_ratings(seed, n=15, k=4), missing, seed)
    try:
        res = krippendorff_alpha(data, level=level)
    except InterviewLabError:
        return  # degenerate draw (no variation or <2 pairable units): the error is the contract
    ref = krippendorff.alpha(
        to_reliability_data(data, "candidate_id", "rater_id", "score"), level_of_measurement=level
    )
    assert_allclose(res["estimate"].iloc[0], ref, rtol=1e-9, atol=1e-12)
    assert res["estimate"].iloc[0] <= 1 + 1e-12


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.floats(min_value=0.1, max_value=10.0))
def test_icc_property_affine_invariance(seed, scale):
    # ICCs are invariant to a positive linear transformation of the scores.
    data = complete_ratings(seed, n=12, k=3)
    try:
        base = icc(data)
    except InterviewLabError:
        return
    moved = icc(data.assign(score=data["score"] * scale + 7))
    assert_allclose(moved["estimate"], base["estimate"], rtol=1e-8, atol=1e-10)
    assert_allclose(moved["ci_low"], base["ci_low"], rtol=1e-8, atol=1e-10)


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
    from interviewlab.reliability import _matrix_alpha

    data = with_missing(complete_ratings(2, n=40, k=5), 0.3, 2)
    wide = data.pivot(index="candidate_id", columns="rater_id", values="score").to_numpy()
    direct = krippendorff_alpha(data, level="ordinal")["estimate"].iloc[0]
    codes = wide - 1  # scores 1..5 -> codes 0..4 (all five levels occur)
    assert_allclose(_matrix_alpha(codes, np.arange(5.0), "ordinal", np.ones(5)), direct, rtol=1e-12)
