"""Tests of rater effects: statsmodels BLUPs, planted effects recovered by simulation."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from numpy.testing import assert_allclose
from statsmodels.stats.multitest import multipletests

from interviewlab.errors import InterviewLabError, InterviewLabWarning, SmallSampleWarning
from interviewlab.reliability import rater_effects
from interviewlab.reliability.raters import _adjust


def simulate(
    seed: int,
    *,
    n_cand: int = 200,
    n_rater: int = 10,
    per_cand: int = 4,
    severity: np.ndarray | None = None,
    drift: dict[int, float] | None = None,
    drf: dict[int, float] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Candidates each rated by ``per_cand`` random raters, with planted rater effects."""
    rng = np.random.default_rng(seed)
    cand = np.repeat(np.arange(n_cand), per_cand)
    rater = np.concatenate([rng.choice(n_rater, per_cand, replace=False) for _ in range(n_cand)])
    sev = rng.normal(0, 0.5, n_rater) if severity is None else np.asarray(severity, float)
    sex = np.where(rng.random(n_cand) < 0.5, "f", "m")[cand]
    day = rng.uniform(0, 100, len(cand))
    y = rng.normal(0, 1, n_cand)[cand] + sev[rater] + 0.3 * (sex == "m")
    for r, slope in (drift or {}).items():
        y = y + slope * (day - 50) * (rater == r)
    for r, gap in (drf or {}).items():
        y = y - gap * ((rater == r) & (sex == "f"))
    y = y + rng.normal(0, 0.6, len(cand))
    frame = pd.DataFrame(
        {"candidate_id": cand, "rater_id": rater, "score": y, "sex": sex, "day": day}
    )
    return frame, sev


def test_severity_matches_statsmodels_blups():
    df, _ = simulate(1, n_cand=60, n_rater=6, per_cand=3)
    res = rater_effects(df)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = smf.mixedlm(
            "score ~ 1",
            df.assign(one=1),
            groups="one",
            re_formula="0",
            vc_formula={"c": "0 + C(candidate_id)", "r": "0 + C(rater_id)"},
        ).fit(reml=True, method=["lbfgs"], gtol=1e-10)
    # statsmodels MixedLM conditional means of the rater variance component
    sm = ref.random_effects[1][[f"r[C(rater_id)[{r}]]" for r in range(6)]].to_numpy()
    assert_allclose(res["severity"], sm, rtol=1e-3, atol=1e-5)
    assert list(res.columns[:13]) == [
        "rater_id",
        "n",
        "n_targets",
        "severity",
        "se",
        "ci_low",
        "ci_high",
        "p_value",
        "p_adjusted",
        "flag",
        "small_sample",
        "rater_variance",
        "adjust",
    ]
    assert res["n"].sum() == len(df)


def test_severity_intervals_cover_planted_severities():
    # 100 simulated studies, 8 raters each: the 95% intervals should cover the planted
    # severities (centred, since severity is relative to the average rater) about 95%
    # of the time; 800 intervals, so a rate outside 0.92-0.98 would be very unlikely
    # for a correct method
    hits = total = 0
    for rep in range(100):
        df, sev = simulate(100 + rep, n_cand=40, n_rater=8, per_cand=3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InterviewLabWarning)
            res = rater_effects(df)
        truth = sev - sev.mean()
        hits += int(np.sum((res["ci_low"] <= truth) & (truth <= res["ci_high"])))
        total += len(truth)
    assert 0.92 <= hits / total <= 0.98, hits / total


def test_planted_severe_rater_is_flagged_and_others_are_not():
    sev = np.zeros(10)
    sev[3] = -1.2
    df, _ = simulate(2, severity=sev)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        res = rater_effects(df)
    assert res.loc[res["flag"], "rater_id"].tolist() == [3]
    assert res.loc[3, "severity"] < 0


def test_drift_is_detected_and_estimated():
    df, _ = simulate(3, drift={1: 0.02})
    res = rater_effects(df, rated_at="day").set_index("rater_id")
    assert res.loc[res["drift_flag"]].index.tolist() == [1]
    # the slope is attenuated a little because candidate BLUPs absorb part of it
    assert abs(res.loc[1, "drift"] - 0.02) < 3 * res.loc[1, "drift_se"]
    assert (res["drift_unit"] == "unit").all()


def test_drift_with_dates_is_per_day():
    df, _ = simulate(4, drift={2: 0.03})
    df["when"] = pd.Timestamp("2026-01-01") + pd.to_timedelta(df["day"], unit="D")
    by_number = rater_effects(df, rated_at="day")
    by_date = rater_effects(df, rated_at="when")
    assert_allclose(by_date["drift"], by_number["drift"], rtol=1e-6)
    assert (by_date["drift_unit"] == "day").all()


def test_differential_rater_functioning_is_detected():
    df, _ = simulate(5, drf={2: 0.9})
    res = rater_effects(df, group="sex").set_index("rater_id")
    assert res.loc[res["drf_flag"]].index.tolist() == [2]
    assert res.loc[2, "drf_low_group"] == "f"
    assert res.loc[2, "drf_df1"] == 1


def test_no_drf_means_few_false_flags():
    # Holm controls the chance of any false flag across raters at 5%: over 40 null
    # studies, expect about 2 with a flag; 7 or more would be very unlikely (P < 0.01)
    studies_with_flag = 0
    for rep in range(40):
        df, _ = simulate(500 + rep, n_cand=80, n_rater=6, per_cand=3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InterviewLabWarning)
            res = rater_effects(df, group="sex")
        studies_with_flag += bool(res["drf_flag"].any())
    assert studies_with_flag <= 6


def test_relabelling_and_row_order_do_not_matter():
    df, _ = simulate(6, n_cand=60, n_rater=6, per_cand=3)
    res = rater_effects(df).set_index("rater_id")
    other = df.sample(frac=1.0, random_state=2).reset_index(drop=True)
    other["rater_id"] = other["rater_id"].map(lambda r: f"R{r}")
    res2 = rater_effects(other).set_index("rater_id")
    res2.index = [int(i[1:]) for i in res2.index]
    assert_allclose(res2.loc[res.index, "severity"], res["severity"], rtol=1e-4, atol=1e-7)


def test_small_raters_are_marked():
    df, _ = simulate(7, n_cand=30, n_rater=12, per_cand=2)
    with pytest.warns(SmallSampleWarning, match="fewer than 10"):
        res = rater_effects(df)
    assert res["small_sample"].any()


def test_missing_rows_are_counted():
    df, _ = simulate(8, n_cand=60, n_rater=6, per_cand=3)
    df.loc[[1, 2], "score"] = np.nan
    with pytest.warns(InterviewLabWarning, match="2 of"):
        res = rater_effects(df)
    assert res["n"].sum() == len(df) - 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"adjust": "fdr"}, "adjust=", id="bad-adjust"),
        pytest.param({"group": "ethnicity"}, "no column", id="missing-group"),
        pytest.param({"confidence": 0}, "confidence", id="bad-confidence"),
    ],
)
def test_bad_input_raises(kwargs, match):
    df, _ = simulate(9, n_cand=30, n_rater=6, per_cand=3)
    with pytest.raises(InterviewLabError, match=match):
        rater_effects(df, **kwargs)


def test_single_rater_raises():
    df, _ = simulate(10, n_cand=30, n_rater=6, per_cand=3)
    with pytest.raises(InterviewLabError, match="at least 2 raters"):
        rater_effects(df[df["rater_id"] == 0])


@pytest.mark.parametrize("method", ["holm", "bonferroni"])
def test_adjustment_matches_statsmodels(method):
    rng = np.random.default_rng(11)
    p = rng.uniform(0, 0.2, 15) ** 2
    p[[3, 8]] = p[3]  # ties
    # statsmodels.stats.multitest.multipletests
    assert_allclose(_adjust(p, method), multipletests(p, method=method)[1], rtol=1e-12)
    with_missing = np.append(p, np.nan)
    assert np.isnan(_adjust(with_missing, method)[-1])
