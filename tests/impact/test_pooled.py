"""Mantel-Haenszel pooling: UC Berkeley admissions against R and statsmodels."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from impact_helpers import (
    expand,
    row,
)
from numpy.testing import assert_allclose
from scipy.stats.contingency import relative_risk
from statsmodels.stats.contingency_tables import StratifiedTable

from interviewlab import impact
from interviewlab.data import read_dataset
from interviewlab.errors import InterviewLabError, InterviewLabWarning
from interviewlab.impact import pooled

# ----------------------------------------------------------------- Berkeley / MH


def ucb_long() -> pd.DataFrame:
    counts = read_dataset("ucb_admissions")
    long = counts.melt(
        id_vars=["dept", "sex"],
        value_vars=["admitted", "rejected"],
        var_name="outcome",
        value_name="count",
    )
    long["admit"] = (long["outcome"] == "admitted").astype(int)
    return long


def test_ucb_dataset_counts():
    data = read_dataset("ucb_admissions").set_index(["dept", "sex"])
    # Every count against the published table: Bickel et al. (1975) as in R's
    # UCBAdmissions, e.g. printed as SAS datalines in Brunner, STA429 Handout 3
    # (utstat.toronto.edu) and in PSU STAT 504's SAS output (Dept A: men 512/313, women 89/19).
    published = {
        ("A", "Male"): (512, 313), ("A", "Female"): (89, 19),
        ("B", "Male"): (353, 207), ("B", "Female"): (17, 8),
        ("C", "Male"): (120, 205), ("C", "Female"): (202, 391),
        ("D", "Male"): (138, 279), ("D", "Female"): (131, 244),
        ("E", "Male"): (53, 138), ("E", "Female"): (94, 299),
        ("F", "Male"): (22, 351), ("F", "Female"): (24, 317),
    }  # fmt: skip
    for key, (admitted, rejected) in published.items():
        assert tuple(data.loc[key, ["admitted", "rejected"]]) == (admitted, rejected)
    # R ?UCBAdmissions: 2691 male applicants, 1198 admitted; 1835 female, 557 admitted.
    totals = data.groupby(level="sex").sum()
    assert tuple(totals.loc["Male"]) == (1198, 2691 - 1198)
    assert tuple(totals.loc["Female"]) == (557, 1835 - 557)


def test_ucb_crude_ratio_fails_four_fifths_but_stratified_does_not():
    data = ucb_long()
    crude = impact.impact_ratios(data, group="sex", selected="admit", weight="count")
    female = row(crude, "Female")
    # R ?UCBAdmissions: 30.4% of women vs 44.5% of men admitted: 557/1835 / (1198/2691)
    assert_allclose(female["impact_ratio"], (557 / 1835) / (1198 / 2691), rtol=1e-12)
    assert female["below_threshold"]
    with pytest.warns(InterviewLabWarning, match="Simpson's paradox"):
        mh = impact.mantel_haenszel(
            data,
            group="sex",
            selected="admit",
            strata="dept",
            focal="Female",
            reference="Male",
            weight="count",
        ).iloc[0]
    assert mh["impact_ratio_mh"] > 0.8 and mh["ci_low"] > 0.8
    assert mh["crude_impact_ratio"] < 0.8
    assert_allclose(mh["crude_impact_ratio"], female["impact_ratio"], rtol=1e-12)


def test_ucb_mantel_haenszel_against_r_and_statsmodels():
    data = ucb_long()
    with pytest.warns(InterviewLabWarning, match="Simpson"):
        mh = impact.mantel_haenszel(
            data,
            group="sex",
            selected="admit",
            strata="dept",
            focal="Female",
            reference="Male",
            weight="count",
        ).iloc[0]
    # R: mantelhaen.test(UCBAdmissions) -> common odds ratio 0.9046968, 95% CI
    # 0.7719074 1.0603298, "Mantel-Haenszel X-squared = 1.4269, df = 1, p-value = 0.2323"
    # (with continuity correction; output printed in the vcdExtra vignette "Tests of
    # independence", friendly/vcdExtra vignettes/a2-tests.Rmd). R's table has Admitted x
    # Male first, i.e. the male-vs-female odds ratio: ours (female vs male) is its inverse.
    assert_allclose(mh["odds_ratio"], 1 / 0.9046968, rtol=1e-7)
    assert_allclose([mh["ci_low"], mh["ci_high"]], [1 / 1.0603298, 1 / 0.7719074], rtol=1e-7)
    assert_allclose(mh["chi2_corrected"], 1.4269, atol=5e-5)
    assert_allclose(mh["p_value_corrected"], 0.2323, atol=5e-5)
    # Without the continuity correction: X-squared 1.5246, p 0.2169 (the figures quoted
    # in the issue; statsmodels test_null_odds(correction=False) gives the same).
    assert_allclose(mh["chi2"], 1.5246, atol=5e-5)
    assert_allclose(mh["p_value"], 0.2169, atol=5e-5)
    # statsmodels StratifiedTable on the tables built here (rows female, male).
    counts = read_dataset("ucb_admissions").set_index(["dept", "sex"])
    tables = [
        np.array(
            [counts.loc[(d, "Female")].to_numpy(), counts.loc[(d, "Male")].to_numpy()], dtype=float
        )
        for d in "ABCDEF"
    ]
    st_ = StratifiedTable(tables)
    assert_allclose(mh["odds_ratio"], st_.oddsratio_pooled, rtol=1e-12)
    bd = st_.test_equal_odds(adjust=False)
    assert_allclose(
        [mh["breslow_day_chi2"], mh["breslow_day_p"]], [bd.statistic, bd.pvalue], rtol=1e-10
    )
    assert mh["breslow_day_p"] < 0.01  # the departments' odds ratios differ (Dept A)
    assert_allclose(mh["impact_ratio_mh"], st_.riskratio_pooled, rtol=1e-12)
    assert mh["n"] == 4526 and mh["n_strata"] == 6 and mh["n_strata_informative"] == 6


@pytest.mark.filterwarnings("ignore::interviewlab.errors.InterviewLabWarning")
def test_mantel_haenszel_tarone_against_statsmodels():
    data = ucb_long()
    mh = impact.mantel_haenszel(
        data, group="sex", selected="admit", strata="dept", focal="Female", reference="Male",
        weight="count", tarone=True,
    ).iloc[0]  # fmt: skip
    counts = read_dataset("ucb_admissions").set_index(["dept", "sex"])
    tables = [
        np.array(
            [counts.loc[(d, "Female")].to_numpy(), counts.loc[(d, "Male")].to_numpy()], dtype=float
        )
        for d in "ABCDEF"
    ]
    bd = StratifiedTable(tables).test_equal_odds(adjust=True)
    assert_allclose(mh["breslow_day_chi2"], bd.statistic, rtol=1e-10)


def test_mantel_haenszel_uninformative_strata_are_counted():
    data = ucb_long()
    extra = pd.DataFrame(
        {
            "dept": ["G", "G"],
            "sex": ["Male", "Male"],
            "outcome": ["admitted", "rejected"],
            "count": [5, 5],
            "admit": [1, 0],
        }
    )
    with pytest.warns(InterviewLabWarning) as record:
        mh = impact.mantel_haenszel(
            pd.concat([data, extra]), group="sex", selected="admit", strata="dept",
            focal="Female", reference="Male", weight="count",
        ).iloc[0]  # fmt: skip
    assert any("carry no information" in str(w.message) for w in record)
    assert mh["n_strata"] == 7 and mh["n_strata_informative"] == 6
    assert mh["n_uninformative"] == 10 and mh["n"] == 4526
    assert_allclose(mh["odds_ratio"], 1 / 0.9046968, rtol=1e-7)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mantel_haenszel_random_strata_match_statsmodels(seed):
    rng = np.random.default_rng(seed)
    size = 600
    data = pd.DataFrame(
        {
            "req": rng.integers(0, 8, size),
            "sex": rng.choice(["f", "m"], size),
            "selected": (rng.random(size) < 0.35).astype(int),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        mh = impact.mantel_haenszel(
            data, group="sex", selected="selected", strata="req", focal="f", reference="m"
        ).iloc[0]
    tables = []
    for _, part in data.groupby("req"):
        f = part[part["sex"] == "f"]["selected"]
        m = part[part["sex"] == "m"]["selected"]
        tables.append([[f.sum(), (1 - f).sum()], [m.sum(), (1 - m).sum()]])
    ref = StratifiedTable(np.array(tables, dtype=float).transpose(1, 2, 0))
    assert_allclose(mh["odds_ratio"], ref.oddsratio_pooled, rtol=1e-12)
    assert_allclose([mh["ci_low"], mh["ci_high"]], ref.oddsratio_pooled_confint(), rtol=1e-12)
    null = ref.test_null_odds(correction=True)
    assert_allclose([mh["chi2_corrected"], mh["p_value_corrected"]], [null.statistic, null.pvalue])
    assert_allclose(mh["breslow_day_chi2"], ref.test_equal_odds().statistic, rtol=1e-10)
    assert_allclose(mh["impact_ratio_mh"], ref.riskratio_pooled, rtol=1e-12)


def test_single_stratum_mh_risk_ratio_interval_is_katz():
    # Greenland-Robins variance reduces to Katz's for one stratum: scipy relative_risk.
    data = expand({"f": (30, 90), "m": (50, 110)}, group="sex").assign(site="one")
    mh = impact.mantel_haenszel(
        data, group="sex", selected="selected", strata="site", focal="f", reference="m"
    ).iloc[0]
    ci = relative_risk(30, 90, 50, 110).confidence_interval()
    assert_allclose(mh["impact_ratio_mh"], (30 / 90) / (50 / 110), rtol=1e-12)
    assert_allclose(
        [mh["impact_ratio_mh_ci_low"], mh["impact_ratio_mh_ci_high"]], [ci.low, ci.high], rtol=1e-10
    )
    assert np.isnan(mh["breslow_day_chi2"])  # no homogeneity test with one stratum


def test_breslow_day_at_odds_ratio_one_is_the_limit_of_statsmodels():
    # stratum odds ratios 2 and 0.5, pooled Mantel-Haenszel odds ratio exactly 1
    a = np.array([20.0, 10.0])
    b = np.array([10.0, 10.0])
    c = np.array([10.0, 20.0])
    d = np.array([10.0, 10.0])
    mine = pooled._breslow_day_at_one(a, b, c, d, tarone=False)
    # statsmodels needs OR != 1: nudge one cell so the pooled OR is 1 + ~1e-7
    tables = np.stack([np.stack([a, b]), np.stack([c, d])]).copy()
    st_ = StratifiedTable(tables)
    assert_allclose(st_.oddsratio_pooled, 1.0, atol=1e-12)
    tables[0, 0, 0] += 1e-6
    ref = StratifiedTable(tables).test_equal_odds()
    assert_allclose(mine, [ref.statistic, ref.pvalue], rtol=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"focal": "Female", "reference": "Female"}, "different", id="same"),
        pytest.param({"focal": "X", "reference": "Male"}, "No applicant", id="absent"),
    ],
)
def test_mantel_haenszel_bad_input(kwargs, message):
    with pytest.raises(InterviewLabError, match=message):
        impact.mantel_haenszel(
            ucb_long(), group="sex", selected="admit", strata="dept", weight="count", **kwargs
        )


def test_breslow_day_ignores_strata_without_selection_variation():
    # A stratum where both groups are present but nobody was selected adds nothing to the
    # Mantel-Haenszel odds ratio; Breslow-Day must equal statsmodels' on the other strata
    # (statsmodels itself returns NaN when the empty stratum is included).
    counts = {  # stratum: (focal selected, focal n, reference selected, reference n)
        "s1": (3, 10, 6, 12),
        "s2": (5, 9, 7, 10),
        "s3": (2, 8, 5, 9),
        "s4": (0, 5, 0, 6),
    }
    rows = []
    for stratum, (xf, nf, xr, nr) in counts.items():
        rows += [(stratum, "F", 1)] * xf + [(stratum, "F", 0)] * (nf - xf)
        rows += [(stratum, "M", 1)] * xr + [(stratum, "M", 0)] * (nr - xr)
    data = pd.DataFrame(rows, columns=["stratum", "sex", "hired"])
    out = impact.mantel_haenszel(
        data, group="sex", selected="hired", strata="stratum", focal="F", reference="M"
    ).iloc[0]
    tables = [
        np.array([[xf, nf - xf], [xr, nr - xr]]) for xf, nf, xr, nr in list(counts.values())[:3]
    ]
    ref = StratifiedTable(tables).test_equal_odds()
    assert_allclose(
        [out["breslow_day_chi2"], out["breslow_day_p"]], [ref.statistic, ref.pvalue], rtol=1e-10
    )
    assert_allclose(out["odds_ratio"], StratifiedTable(tables).oddsratio_pooled, rtol=1e-12)
