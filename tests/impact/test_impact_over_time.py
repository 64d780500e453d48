"""impact_over_time: rates and impact ratios per period, the trend test, before and after.

References: R's ``glm`` for the trend (tests/impact/glm_trend/: data script, R script and
its output), statsmodels' saturated log-binomial and logistic GLMs for the before/after
ratios, ``impact_ratios`` (itself checked against the UGESP Q&A and scipy) for the rates;
simulations with a planted change for coverage and the null rejection rate.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose

import interviewlab as il
from interviewlab.errors import InterviewLabError, SmallSampleWarning

HERE = Path(__file__).parent / "glm_trend"


def _candidates(counts: pd.DataFrame) -> pd.DataFrame:
    """One row per candidate from counts of (category, period, selected, n)."""
    rows = []
    for row in counts.itertuples():
        rows += [(row.category, str(row.period), 1)] * int(row.selected)
        rows += [(row.category, str(row.period), 0)] * int(row.n - row.selected)
    return pd.DataFrame(rows, columns=["group", "period", "hired"])


def _r_output() -> dict[str, list[float]]:
    out = {}
    for line in (HERE / "glm_output.txt").read_text().splitlines():
        if line.startswith(("#", "term,")):
            continue
        name, *values = line.split(",")
        out[name] = [float(v) for v in values]
    return out


def test_trend_equals_r_glm() -> None:
    counts = pd.read_csv(HERE / "trend_counts.csv")
    result = il.impact_over_time(
        _candidates(counts), group="group", selected="hired", period="period", reference="A"
    )
    r = _r_output()
    trend = result.trend.set_index(["term", "category"])
    # R: glm(cbind(selected, n - selected) ~ category * t, binomial) -> coef(summary(.))
    for term, name in (("trend", "B"), ("trend", "C"), ("reference_trend", "A")):
        r_name = "t" if term == "reference_trend" else f"category{name}:t"
        row = trend.loc[(term, name)]
        # (R's IRLS stops at a relative deviance change of 1e-8, statsmodels' at its own
        # criterion: the two agree to about 6 digits)
        assert_allclose(
            [row["estimate"], row["se"], row["statistic"], row["p_value"]], r[r_name], rtol=2e-5
        )
    # R: anova(reduced, full, test = "Chisq") -> deviance 10.2316 on 2 df
    lr = trend.loc[("any_trend", "")]
    assert_allclose([lr["statistic"], lr["df"], lr["p_value"]], r["lr"], rtol=2e-5)


def test_rates_are_impact_ratios_against_one_fixed_reference() -> None:
    counts = pd.read_csv(HERE / "trend_counts.csv")
    data = _candidates(counts)
    result = il.impact_over_time(data, group="group", selected="hired", period="period")
    # A has the highest rate over all periods, so it is the reference in every period,
    # even in period 4 where C's rate (10/26) is higher than A's (44/115)
    assert result.reference == "A" and set(result.rates["reference"]) == {"A"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        expected = il.impact_ratios(
            data, group="group", selected="hired", by="period", reference="A"
        )
    assert_allclose(result.rates["impact_ratio"], expected["impact_ratio"])
    assert_allclose(result.rates["ci_low"], expected["ci_low"])
    assert result.rates["period_index"].tolist() == [p for p in range(5) for _ in range(3)]
    # p-chart limits: centre = the group's rate over all periods, +-3 binomial SEs
    rows = result.rates[result.rates["category"] == "B"]
    centre = (
        counts.loc[counts["category"] == "B", "selected"].sum()
        / counts.loc[counts["category"] == "B", "n"].sum()
    )
    n = rows["n"].to_numpy()
    assert_allclose(rows["ucl"], centre + 3 * np.sqrt(centre * (1 - centre) / n))
    assert_allclose(rows["lcl"], np.maximum(0, centre - 3 * np.sqrt(centre * (1 - centre) / n)))
    outside = (rows["rate"] < rows["lcl"]) | (rows["rate"] > rows["ucl"])
    assert rows["outside_limits"].tolist() == outside.tolist()


def _saturated(counts: pd.DataFrame, link: sm.families.links.Link, name: str) -> tuple:
    """Interaction of a saturated 2x2x2 binomial GLM: estimate, SE (statsmodels)."""
    exog = pd.DataFrame(
        {
            "const": 1.0,
            "g": (counts["category"] == name).astype(float),
            "after": counts["after"].astype(float),
        }
    )
    exog["g:after"] = exog["g"] * exog["after"]
    endog = np.column_stack([counts["selected"], counts["n"] - counts["selected"]])
    with warnings.catch_warnings():
        # the log link's domain (harmless for a saturated model), its "perfect prediction"
        # (a saturated model fits every cell exactly), and the scale of a fit without
        # residual degrees of freedom (not used: the binomial scale is 1)
        warnings.simplefilter("ignore", sm.tools.sm_exceptions.DomainWarning)
        warnings.simplefilter("ignore", sm.tools.sm_exceptions.PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = sm.GLM(endog, exog, family=sm.families.Binomial(link=link)).fit()
    return fit.params["g:after"], fit.bse["g:after"]


def test_before_and_after_equal_statsmodels_glms() -> None:
    counts = pd.read_csv(HERE / "trend_counts.csv")
    result = il.impact_over_time(
        _candidates(counts), group="group", selected="hired", period="period",
        reference="A", change_after="3",
    )  # fmt: skip
    pooled = (
        counts.assign(after=(counts["period"] > 3).astype(int))
        .groupby(["category", "after"], as_index=False)[["selected", "n"]]
        .sum()
    )
    z = 1.959963984540054
    for name in ("B", "C"):
        part = pooled[pooled["category"].isin(["A", name])]
        row = result.change.set_index("category").loc[name]
        # (closed forms here, IRLS in statsmodels: they agree to about 6 digits)
        # the ratio of impact ratios: a saturated log-binomial model's interaction
        est, se = _saturated(part, sm.families.links.Log(), name)
        assert_allclose([row["ratio_of_ratios"], row["ratio_low"], row["ratio_high"]],
                        np.exp([est, est - z * se, est + z * se]), rtol=1e-5)  # fmt: skip
        # the odds-ratio change: a saturated logistic model's interaction (Woolf's SE)
        est, se = _saturated(part, sm.families.links.Logit(), name)
        assert_allclose([row["odds_ratio_change"], row["or_low"], row["or_high"]],
                        np.exp([est, est - z * se, est + z * se]), rtol=1e-5)  # fmt: skip
    before = pooled[pooled["after"] == 0].set_index("category")
    rate = before["selected"] / before["n"]
    row = result.change.set_index("category").loc["B"]
    assert_allclose(row["impact_ratio_before"], rate["B"] / rate["A"])


def test_a_planted_improvement_is_recovered() -> None:
    study = il.simulate_study(
        seed=8, n_candidates=1200, n_periods=4, period_change=3.0,
        period_focal=("sex", "female"), period_stage="shortlisted",
    )  # fmt: skip
    assert study.periods == ["1", "2", "3", "4"] and study.change_after == "2"
    result = il.impact_over_time(
        study.candidates, group="sex", selected="shortlisted", period=study.period_column,
        reference="male", change_after=study.change_after,
    )  # fmt: skip
    row = result.change.set_index("category").loc["female"]
    assert row["or_low"] < 3.0 < row["or_high"] and row["or_low"] > 1
    female = result.trend.set_index(["term", "category"]).loc[("trend", "female")]
    assert female["p_value"] < 0.05 and female["estimate"] > 0


def _binomial_counts(rng: np.random.Generator, odds_ratio: float) -> pd.DataFrame:
    """Two groups over four periods; group F's odds multiplied by ``odds_ratio`` after 2."""
    rows = []
    for t in range(1, 5):
        for group, n, logit in (("M", 150, -0.9), ("F", 150, -1.2)):
            shift = np.log(odds_ratio) if group == "F" and t > 2 else 0.0
            p = 1 / (1 + np.exp(-(logit + shift)))
            rows.append((group, t, int(rng.binomial(n, p)), n))
    return pd.DataFrame(rows, columns=["category", "period", "selected", "n"])


def test_null_rejection_rate_and_coverage_over_seeded_repetitions() -> None:
    rejected_trend = rejected_change = covered = 0
    reps = 120  # (over 600 seeds the trend test rejects 6.3%: a Wald test near nominal)
    for seed in range(reps):
        null = _candidates(_binomial_counts(np.random.default_rng(seed), 1.0))
        result = il.impact_over_time(
            null, group="group", selected="hired", period="period", reference="M",
            change_after="2",
        )  # fmt: skip
        trend = result.trend.set_index(["term", "category"]).loc[("trend", "F")]
        rejected_trend += trend["p_value"] < 0.05
        rejected_change += result.change.set_index("category").loc["F", "p_value"] < 0.05
        planted = _candidates(_binomial_counts(np.random.default_rng(10_000 + seed), 2.0))
        row = il.impact_over_time(
            planted, group="group", selected="hired", period="period", reference="M",
            change_after="2",
        ).change.set_index("category").loc["F"]  # fmt: skip
        covered += row["or_low"] < 2.0 < row["or_high"]
    # 120 tests at 5%: 6 expected; the 0.999 binomial range is 0 to 16
    assert rejected_trend <= 16, rejected_trend
    assert rejected_change <= 16, rejected_change
    assert 0.88 <= covered / reps <= 1.0, covered


def test_a_group_never_selected_is_kept_with_its_reason() -> None:
    counts = pd.read_csv(HERE / "trend_counts.csv")
    counts.loc[counts["category"] == "C", "selected"] = 0
    result = il.impact_over_time(
        _candidates(counts), group="group", selected="hired", period="period", reference="A"
    )
    row = result.trend.set_index(["term", "category"]).loc[("trend", "C")]
    assert not row["estimable"]
    assert row["reason"] == "never selected in any period: the odds cannot be fitted"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"change_after": "5"}, "must be a period before the last", id="last"),
        pytest.param({"change_after": "9"}, "must be a period before the last", id="unknown"),
        pytest.param({"reference": "Z"}, "reference='Z' is not a category", id="reference"),
        pytest.param({"order": ["1", "2"]}, "must list every period once", id="order"),
        pytest.param({"control_sigma": 0}, "control_sigma=0 must be positive", id="sigma"),
    ],
)
def test_bad_options_are_named(options: dict, message: str) -> None:
    data = _candidates(pd.read_csv(HERE / "trend_counts.csv"))
    with pytest.raises(InterviewLabError, match=message):
        il.impact_over_time(data, group="group", selected="hired", period="period", **options)


def test_one_period_is_not_a_change() -> None:
    data = _candidates(pd.read_csv(HERE / "trend_counts.csv")).assign(period="1")
    with pytest.raises(InterviewLabError, match="two or more periods"):
        il.impact_over_time(data, group="group", selected="hired", period="period")


def test_the_largest_group_can_be_the_fixed_reference() -> None:
    data = _candidates(pd.read_csv(HERE / "trend_counts.csv"))
    result = il.impact_over_time(
        data, group="group", selected="hired", period="period", reference="largest"
    )
    assert result.reference == "A"  # 502 candidates, B 289, C 146
    assert set(result.rates["reference"]) == {"A"}


def test_row_order_does_not_matter() -> None:
    data = _candidates(pd.read_csv(HERE / "trend_counts.csv"))
    options = {"group": "group", "selected": "hired", "period": "period", "change_after": "2"}
    first = il.impact_over_time(data, **options)
    again = il.impact_over_time(data.sample(frac=1, random_state=1), **options)
    pd.testing.assert_frame_equal(first.trend, again.trend)
    pd.testing.assert_frame_equal(first.change, again.change)
