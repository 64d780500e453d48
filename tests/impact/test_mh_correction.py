"""Mantel-Haenszel continuity correction and strata without information, against R.

Reference values: R 4.2.2 ``mantelhaen.test(x, correct=TRUE/FALSE)`` on the 2x2xK
arrays below (R refuses K = 1, so a single stratum is given to R with a second stratum
where the reference group is absent: it adds nothing to sum(a - E[a]) nor to the
variance). With one stratum the Mantel-Haenszel statistic is the Pearson chi-square
times (N - 1) / N, which gives scipy's ``chi2_contingency`` as a second check.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy.stats import chi2_contingency

from interviewlab import impact
from interviewlab.errors import InterviewLabWarning


def strata_frame(tables: list[tuple[int, int, int, int]]) -> pd.DataFrame:
    """Applicants from (focal selected, focal not, reference selected, reference not)."""
    rows = []
    for k, (a, b, c, d) in enumerate(tables):
        for group, sel, count in (("F", 1, a), ("F", 0, b), ("M", 1, c), ("M", 0, d)):
            rows += [(f"s{k}", group, sel)] * count
    return pd.DataFrame(rows, columns=["site", "sex", "hired"])


def run(tables: list[tuple[int, int, int, int]]) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        out = impact.mantel_haenszel(
            strata_frame(tables),
            group="sex",
            selected="hired",
            strata="site",
            focal="F",
            reference="M",
        )
    return out.iloc[0]


# R 4.2.2: x <- array(c(a1, c1, b1, d1, a2, c2, b2, d2, ...), dim = c(2, 2, K));
# mantelhaen.test(x)$statistic, $p.value; mantelhaen.test(x, correct = FALSE) likewise
R_CASES = [
    pytest.param([(1, 1, 1, 1)], (0.0, 1.0, 0.0, 1.0), id="one-stratum-F1/2-M1/2"),
    pytest.param(
        [(0, 1, 1, 1)],
        (0.5, 0.479500122186953, 0.5, 0.479500122186953),
        id="one-stratum-|delta|<0.5-no-correction",
    ),
    pytest.param(
        [(8, 2, 3, 7)],
        (3.07070707070707, 0.0797147932966757, 4.7979797979798, 0.028493128926298),
        id="one-stratum-corrected",
    ),
    pytest.param(
        [(1, 1, 1, 1), (1, 0, 0, 1)],
        (0.0, 1.0, 0.428571428571429, 0.512690760261923),
        id="two-strata-|delta|=0.5",
    ),
    pytest.param(
        [(5, 3, 2, 6), (4, 4, 4, 4), (2, 6, 1, 7)],
        (0.813253012048193, 0.367160241141794, 1.44578313253012, 0.229205791654731),
        id="three-strata",
    ),
    pytest.param(
        [(0, 1, 1, 1), (1, 1, 1, 1)],
        (0.2, 0.654720846018577, 0.2, 0.654720846018577),
        id="two-strata-|delta|<0.5",
    ),
]


@pytest.mark.parametrize(("tables", "expected"), R_CASES)
def test_cmh_statistics_equal_r_mantelhaen_test(tables, expected):
    out = run(tables)
    assert_allclose(
        [out["chi2_corrected"], out["p_value_corrected"], out["chi2"], out["p_value"]],
        expected,
        rtol=1e-12,
        atol=1e-14,
    )
    assert out["chi2_corrected"] <= out["chi2"]


@pytest.mark.parametrize(
    "table",
    [(1, 1, 1, 1), (8, 2, 3, 7), (12, 30, 25, 20), (3, 9, 1, 14), (40, 10, 35, 15)],
)
def test_single_stratum_is_the_corrected_2x2_chi_square_of_scipy(table):
    # scipy 1.x chi2_contingency(correction=True) moves each |O - E| towards E by
    # min(0.5, |O - E|); for integer 2x2 tables with |O - E| >= 0.5 or 0, R's rule is
    # the same. The Mantel-Haenszel variance uses N - 1 where Pearson's uses N.
    a, b, c, d = table
    n = a + b + c + d
    corrected = chi2_contingency([[a, b], [c, d]], correction=True)
    plain = chi2_contingency([[a, b], [c, d]], correction=False)
    out = run([table])
    assert_allclose(out["chi2_corrected"], corrected.statistic * (n - 1) / n, rtol=1e-12)
    assert_allclose(out["chi2"], plain.statistic * (n - 1) / n, rtol=1e-12)


@pytest.mark.parametrize(
    ("tables", "word"),
    [
        pytest.param([(0, 5, 0, 6), (0, 3, 0, 4)], "no applicant", id="nobody-selected"),
        pytest.param([(5, 0, 6, 0), (3, 0, 4, 0)], "every applicant", id="everybody"),
        pytest.param([(5, 0, 6, 0), (0, 3, 0, 4)], "either", id="mixed"),
    ],
)
def test_no_variation_in_any_stratum_is_not_estimable(tables, word):
    # R 4.2.2: mantelhaen.test(array(c(0,0,5,6, 0,0,3,4), c(2,2,2))) gives
    # X-squared = NaN, p-value = NA (0/0), not p = 0.
    out = run(tables)
    for column in (
        "odds_ratio",
        "ci_low",
        "chi2",
        "p_value",
        "chi2_corrected",
        "p_value_corrected",
        "impact_ratio_mh",
        "impact_ratio_mh_ci_low",
        "impact_ratio_mh_ci_high",
        "breslow_day_chi2",
    ):
        assert np.isnan(out[column]), column
    assert not out["estimable"]
    assert "no information" in out["reason"] and word in out["reason"]
    assert out["n"] == sum(map(sum, tables))


def test_strata_without_variation_add_nothing_to_odds_ratio_and_tests():
    informative = [(8, 2, 3, 7), (5, 3, 2, 6)]
    with_empty = run([*informative, (0, 4, 0, 5), (3, 0, 2, 0)])
    alone = run(informative)
    # (the risk ratio is not invariant: a stratum where everybody was selected has a
    # risk ratio of 1 and weighs in the Mantel-Haenszel average)
    columns = ["odds_ratio", "ci_low", "ci_high", "chi2", "chi2_corrected", "breslow_day_chi2"]
    assert_allclose(with_empty[columns].astype(float), alone[columns].astype(float), rtol=1e-12)
    assert with_empty["reason"] == ""


def test_zero_odds_ratio_is_shown_as_not_estimable_with_the_test():
    # the focal group has no selected applicant anywhere: the MH odds ratio is 0, its
    # log interval undefined; the test is still defined.
    # R 4.2.2: mantelhaen.test(array(c(0,2,5,3, 0,3,4,3), c(2,2,2)), correct=FALSE)
    # X-squared = 4.81858407079646, p-value = 0.0281544640104871
    out = run([(0, 5, 2, 3), (0, 4, 3, 3)])
    assert np.isnan(out["odds_ratio"]) and np.isnan(out["ci_low"])
    assert np.isnan(out["impact_ratio_mh"])
    assert "odds ratio is 0" in out["reason"] and "No focal applicant" in out["reason"]
    assert not out["estimable"]
    assert_allclose([out["chi2"], out["p_value"]], [4.81858407079646, 0.0281544640104871])
