"""Power of the audit's tests: against the audit itself, simulation, closed form, statsmodels."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from statsmodels.stats.proportion import (
    power_proportions_2indep,
    samplesize_proportions_2indep_onetail,
)

import interviewlab as il
from interviewlab.errors import InterviewLabError
from interviewlab.impact import _core, power

TESTS = list(power.POWER_TESTS)


def _by_test(table: pd.DataFrame) -> pd.Series:
    return table.set_index("test")["power"]


def _normal_power(nf: int, nr: int, pf: float, pr: float, alpha: float) -> float:
    """Closed-form power of the pooled z test, the focal group's tail (Fleiss et al. 2003)."""
    pbar = (nf * pf + nr * pr) / (nf + nr)
    sigma0 = np.sqrt(pbar * (1 - pbar) * (1 / nf + 1 / nr))
    sigma1 = np.sqrt(pf * (1 - pf) / nf + pr * (1 - pr) / nr)
    z = stats.norm.isf(alpha / 2)
    return float(stats.norm.cdf(((pr - pf) - z * sigma0) / sigma1))


# ----------------------------------------------------------------- the audit's own tests


def test_fisher_p_values_equal_scipy_on_every_table():
    # scipy.stats.fisher_exact (through the audit's _fisher_p) on every table of
    # unbalanced and balanced designs; the balanced one has exact ties of probability
    for n1, n0 in [(17, 23), (20, 20), (5, 60), (60, 5), (1, 9)]:
        x1, x0 = (a.ravel() for a in np.meshgrid(np.arange(n1 + 1), np.arange(n0 + 1)))
        ours = power._fisher_two_sided(x1, x0, n1, n0)
        scipy_p = _core._fisher_p(x1, np.full(x1.size, n1), x0, np.full(x0.size, n0))
        assert_allclose(ours, scipy_p, rtol=0, atol=1e-12)


def test_fisher_p_values_for_large_tables_equal_scipy():
    rng = np.random.default_rng(3)
    n1, n0 = 2500, 4000
    x1 = rng.binomial(n1, 0.2, 200)
    x0 = rng.binomial(n0, 0.23, 200)
    ours = power._fisher_two_sided(x1, x0, n1, n0)
    scipy_p = _core._fisher_p(x1, np.full(200, n1), x0, np.full(200, n0))
    assert_allclose(ours, scipy_p, rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize(
    ("nf", "nr", "pr", "ratio"),
    [
        pytest.param(6, 9, 0.5, 0.5, id="tiny"),
        pytest.param(8, 5, 0.7, 0.6, id="focal-larger"),
        pytest.param(4, 12, 0.2, 1.0, id="no-difference"),
    ],
)
def test_exact_power_equals_the_audit_run_on_every_table(nf, nr, pr, ratio):
    # the probability, summed over every pair of counts, that interviewlab.impact_ratios
    # itself flags the focal group: the power is of the audit's tests, not look-alikes
    pf = ratio * pr
    expected = dict.fromkeys(TESTS, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", il.InterviewLabWarning)
        for xf in range(nf + 1):
            for xr in range(nr + 1):
                data = pd.DataFrame(
                    {
                        "group": ["F", "F", "R", "R"],
                        "sel": [1, 0, 1, 0],
                        "w": [xf, nf - xf, xr, nr - xr],
                    }
                )
                out = (
                    il.impact_ratios(data, group="group", selected="sel", weight="w", reference="R")
                    .set_index("category")
                    .loc["F"]
                )
                lower = xf * nr < xr * nf
                below = bool(out["below_threshold"]) if pd.notna(out["below_threshold"]) else False
                flags = {
                    "fisher": lower and out["p_fisher"] < 0.05,
                    "z": lower and out["p_z"] < 0.05,
                    "four_fifths": below,
                    "four_fifths_interval": below and out["ci_high"] < 1,
                    "four_fifths_fisher": below and out["p_fisher"] < 0.05,
                }
                weight = stats.binom.pmf(xf, nf, pf) * stats.binom.pmf(xr, nr, pr)
                for test, flag in flags.items():
                    expected[test] += weight * bool(flag)
    got = _by_test(
        il.audit_power(n_focal=nf, n_reference=nr, rate_reference=pr, impact_ratio=ratio)
    )
    for test in TESTS:
        assert_allclose(got[test], expected[test], atol=1e-11, err_msg=test)


# ----------------------------------------------------------------- against simulation


@pytest.mark.parametrize(
    ("nf", "nr", "pr", "ratio"),
    [
        pytest.param(40, 200, 0.3, 0.6, id="issue-example"),
        pytest.param(150, 150, 0.1, 0.7, id="rare-selection"),
        pytest.param(25, 25, 0.8, 1.0, id="null"),
    ],
)
def test_exact_power_agrees_with_simulation(nf, nr, pr, ratio):
    exact = il.audit_power(n_focal=nf, n_reference=nr, rate_reference=pr, impact_ratio=ratio)
    simulated = il.audit_power(
        n_focal=nf,
        n_reference=nr,
        rate_reference=pr,
        impact_ratio=ratio,
        method="simulation",
        n_sims=20_000,
        seed=11,
    )
    assert set(exact["method"]) == {"exact"} and set(simulated["method"]) == {"simulation"}
    assert (exact["mc_se"] == 0).all() and (exact["n_sims"] == 0).all()
    se = simulated["mc_se"].to_numpy()
    gap = np.abs(exact["power"].to_numpy() - simulated["power"].to_numpy())
    assert (gap <= 4 * np.maximum(se, 1 / 20_000)).all(), (exact["power"], simulated["power"])
    assert (simulated["ci_low"] <= simulated["power"]).all()
    assert (simulated["power"] <= simulated["ci_high"]).all()


def test_large_groups_are_simulated_with_their_monte_carlo_error():
    res = il.audit_power(
        n_focal=60_000,
        n_reference=90_000,
        rate_reference=0.1,
        impact_ratio=0.97,
        n_sims=2_000,
        seed=5,
        max_tables=100_000,
    )
    # about 1.3 million pairs of counts carry the probability: over max_tables, simulated
    assert set(res["method"]) == {"simulation"}
    p = _by_test(res)
    se = res.set_index("test")["mc_se"]
    assert_allclose(se, np.sqrt(p * (1 - p) / 2_000))
    # the normal approximation of the z test, within the Monte-Carlo error
    closed = _normal_power(60_000, 90_000, 0.097, 0.1, 0.05)
    assert abs(p["z"] - closed) < 4 * se["z"] + 1e-3
    again = il.audit_power(
        n_focal=60_000,
        n_reference=90_000,
        rate_reference=0.1,
        impact_ratio=0.97,
        n_sims=2_000,
        seed=5,
        max_tables=100_000,
    )
    pd.testing.assert_frame_equal(res, again)  # seeded


# ----------------------------------------------------------------- z test: closed form


@pytest.mark.parametrize(
    ("nf", "nr", "pf", "pr"),
    [
        pytest.param(1500, 2500, 0.27, 0.30, id="large"),
        pytest.param(800, 800, 0.45, 0.5, id="balanced"),
        pytest.param(400, 3000, 0.08, 0.12, id="unbalanced"),
    ],
)
def test_z_power_matches_the_normal_formula_and_statsmodels(nf, nr, pf, pr):
    closed = _normal_power(nf, nr, pf, pr, 0.05)
    # statsmodels.stats.proportion.power_proportions_2indep: the same pooled-null,
    # unpooled-alternative normal formula; the focal group's tail of the two-sided test
    # is its one-sided power at alpha / 2
    sm = power_proportions_2indep(
        pf - pr, pr, nf, ratio=nr / nf, alpha=0.025, alternative="smaller", return_results=False
    )
    assert_allclose(closed, sm, rtol=1e-10)
    exact = _by_test(il.audit_power(n_focal=nf, n_reference=nr, rate_reference=pr, rate_focal=pf))[
        "z"
    ]
    assert abs(exact - closed) < 0.01, (exact, closed)


def test_z_power_of_a_two_sided_test_matches_statsmodels_two_sided():
    # both tails together: the focal group's tail (the power reported) plus the opposite
    # tail (a significant difference in its favour, about 4e-6 here) is statsmodels'
    # two-sided power_proportions_2indep
    nf, nr, pf, pr = 500, 700, 0.2, 0.26
    focal_tail = _normal_power(nf, nr, pf, pr, 0.05)
    pbar = (nf * pf + nr * pr) / (nf + nr)
    sigma0 = np.sqrt(pbar * (1 - pbar) * (1 / nf + 1 / nr))
    sigma1 = np.sqrt(pf * (1 - pf) / nf + pr * (1 - pr) / nr)
    other_tail = stats.norm.cdf((-(pr - pf) - stats.norm.isf(0.025) * sigma0) / sigma1)
    both = power_proportions_2indep(
        pf - pr, pr, nf, ratio=nr / nf, alpha=0.05, alternative="two-sided", return_results=False
    )
    assert_allclose(focal_tail + other_tail, both, rtol=1e-10)
    assert other_tail < 1e-5


def test_sample_size_for_the_z_test_matches_statsmodels():
    # statsmodels.stats.proportion.samplesize_proportions_2indep_onetail at alpha / 2
    # (normal approximation) against the exact power of the audit's z test
    nf_sm = samplesize_proportions_2indep_onetail(
        -0.06, 0.3, 0.8, ratio=1, alpha=0.025, alternative="smaller"
    )
    res = il.audit_sample_size(rate_reference=0.3, rate_focal=0.24, focal_share=0.5, test="z")
    assert res["reached"].iloc[0] and res["power"].iloc[0] >= 0.8
    assert abs(res["n_focal"].iloc[0] - nf_sm) / nf_sm < 0.03, (res["n_focal"].iloc[0], nf_sm)


# ----------------------------------------------------------------- properties


def test_exact_tests_hold_their_level_and_power_grows_with_the_gap():
    # with equal rates an exact test flags the focal group at most alpha / 2 of the time
    null = _by_test(
        il.audit_power(n_focal=30, n_reference=90, rate_reference=0.4, impact_ratio=1.0)
    )
    assert null["fisher"] <= 0.025
    ratios = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5]
    curves = pd.DataFrame(
        {
            r: _by_test(
                il.audit_power(n_focal=30, n_reference=90, rate_reference=0.4, impact_ratio=r)
            )
            for r in ratios
        }
    )
    for test in TESTS:
        assert curves.loc[test].is_monotonic_increasing, test
    # combined rules flag no more often than either part
    assert (curves.loc["four_fifths_fisher"] <= curves.loc["fisher"] + 1e-12).all()
    assert (curves.loc["four_fifths_fisher"] <= curves.loc["four_fifths"] + 1e-12).all()
    assert (curves.loc["four_fifths_interval"] <= curves.loc["four_fifths"] + 1e-12).all()


def test_the_four_fifths_rule_alone_misfires_with_small_groups():
    # 10 focal applicants, equal true rates of 20%: the rule's ratio falls below 0.8
    # whenever fewer than 2 are selected, P(X <= 1) = 0.8^10 + 10 * 0.2 * 0.8^9
    res = _by_test(
        il.audit_power(n_focal=10, n_reference=5000, rate_reference=0.2, impact_ratio=1.0)
    )
    assert_allclose(res["four_fifths"], stats.binom.cdf(1, 10, 0.2), atol=2e-3)
    assert res["fisher"] < 0.025


def test_sample_size_reaches_its_target_and_detectable_ratio_is_where_power_crosses():
    res = il.audit_sample_size(rate_reference=0.3, impact_ratio=0.6, focal_share=0.2)
    row = res.iloc[0]
    assert row["reached"] and row["power"] >= 0.8
    assert row["n_focal"] + row["n_reference"] == row["n_total"]
    assert row["n_focal"] == round(0.2 * row["n_total"])
    smaller = _by_test(
        il.audit_power(
            n_focal=round(0.2 * (row["n_total"] // 2)),
            n_reference=row["n_total"] // 2 - round(0.2 * (row["n_total"] // 2)),
            rate_reference=0.3,
            impact_ratio=0.6,
        )
    )
    assert smaller["fisher"] < 0.8
    found = il.detectable_impact_ratio(n_focal=40, n_reference=200, rate_reference=0.3)
    ratio = found["detectable_ratio"].iloc[0]
    at = _by_test(
        il.audit_power(n_focal=40, n_reference=200, rate_reference=0.3, impact_ratio=ratio)
    )
    above = _by_test(
        il.audit_power(n_focal=40, n_reference=200, rate_reference=0.3, impact_ratio=ratio + 0.003)
    )
    assert at["fisher"] >= 0.8 > above["fisher"]
    assert_allclose(found["power"].iloc[0], at["fisher"])


def test_not_reachable_cases_say_why():
    tiny = il.detectable_impact_ratio(n_focal=3, n_reference=5, rate_reference=0.5)
    assert np.isnan(tiny["detectable_ratio"].iloc[0])
    assert tiny["reason"].iloc[0].startswith("not detectable")
    rule = il.audit_sample_size(
        rate_reference=0.3, impact_ratio=0.9, test="four_fifths", max_total=2_000
    )
    assert not rule["reached"].iloc[0] and "not reached" in rule["reason"].iloc[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"impact_ratio": 0.8, "rate_focal": 0.2}, "not both", id="both"),
        pytest.param({}, "not both and not neither", id="neither"),
        pytest.param({"impact_ratio": 3.0}, "at most 1", id="rate-above-1"),
        pytest.param({"impact_ratio": 0.8, "method": "bootstrap"}, "'auto', 'exact'", id="method"),
        pytest.param({"impact_ratio": 0.8, "n_focal": 0}, "at least 1", id="n"),
        pytest.param({"impact_ratio": 0.8, "rate_reference": 0.0}, "above 0", id="ref-rate"),
        pytest.param({"impact_ratio": 0.8, "threshold": 1.5}, "threshold", id="threshold"),
    ],
)
def test_bad_input_says_what_to_do(kwargs, message):
    args = {"n_focal": 20, "n_reference": 50, "rate_reference": 0.4, **kwargs}
    with pytest.raises(InterviewLabError, match=message):
        il.audit_power(**args)


def test_detectable_ratios_beside_an_audit_table():
    # the audit page's column: detectable_impact_ratio for each compared, shown row
    table = pd.DataFrame(
        {
            "stage": ["offer"] * 4 + ["hire"] * 2,
            "category": ["A", "B", "C", "D", "A", "B"],
            "role": ["reference", "compared", "compared", "excluded", "reference", "compared"],
            "n": [200, 40, 12, 3, 90, 25],
            "reference_rate": [0.3, 0.3, 0.3, 0.3, 0.5, 0.5],
            "suppressed": [False, False, True, False, False, False],
        }
    )
    got = il.detectable_ratios(table)
    assert got.name == "detectable_ratio" and list(got.index) == list(table.index)
    assert got.isna().tolist() == [True, False, True, True, True, False]
    direct = il.detectable_impact_ratio(n_focal=25, n_reference=90, rate_reference=0.5)
    assert_allclose(got.iloc[5], direct["detectable_ratio"].iloc[0])
    # without a shown reference row the stage's ratios are not derived
    hidden = table.assign(suppressed=[True, False, False, False, False, False])
    assert il.detectable_ratios(hidden).iloc[:4].isna().all()
