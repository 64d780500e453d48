"""Per-format side by side tables and question-level invariance."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose
from statsmodels.stats.multitest import multipletests
from statsmodels.tools.sm_exceptions import DomainWarning

import interviewlab as il
from interviewlab.errors import InterviewLabError, InterviewLabWarning, SmallSampleWarning
from interviewlab.formats import (
    async_completion,
    format_invariance,
    format_mixing,
    impact_by_format,
    score_gaps_by_format,
)


def stage_table(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 800
    group = rng.choice(["a", "b"], n, p=[0.6, 0.4])
    fmt = rng.choice(["async only", "live only"], n)
    p = 0.5 - 0.15 * ((group == "b") & (fmt == "async only"))
    passed = (rng.random(n) < p).astype(int)
    second = passed * (rng.random(n) < 0.5).astype(int)
    return pd.DataFrame({"g": group, "format_order": fmt, "stage1": passed, "stage2": second})


def test_ratio_of_impact_ratios_equals_log_binomial_glm():
    # statsmodels 0.15: GLM(Binomial(link=Log())) on the saturated group x format model;
    # exp(interaction) is IR_async / IR_live and its Wald interval is the delta method's
    data = stage_table()
    res = impact_by_format(data, group="g", stages=["stage1"], reference="a").iloc[0]
    x = pd.DataFrame(
        {
            "b": (data["g"] == "b").astype(float),
            "async": (data["format_order"] == "async only").astype(float),
        }
    )
    x["b_async"] = x["b"] * x["async"]
    with warnings.catch_warnings():
        # statsmodels warns that a log link can leave (0, 1); the fit stays inside here
        warnings.simplefilter("ignore", DomainWarning)
        family = sm.families.Binomial(sm.families.links.Log())
        glm = sm.GLM(data["stage1"], sm.add_constant(x), family=family).fit()
    ci = glm.conf_int().loc["b_async"]
    assert_allclose(res["ratio_of_ratios"], np.exp(glm.params["b_async"]), rtol=1e-6)
    assert_allclose([res["ci_low"], res["ci_high"]], np.exp(ci), rtol=1e-5)
    assert_allclose(res["p_value"], glm.pvalues["b_async"], rtol=1e-4)
    # each format's own ratio is impact_ratios' on that format's candidates
    own = il.impact_ratios(
        data[data["format_order"] == "live only"], group="g", selected="stage1", reference="a"
    ).set_index("category")
    assert_allclose(res["impact_ratio_live"], own.loc["b", "impact_ratio"])


def test_later_stages_use_the_previous_stage_entrants():
    data = stage_table()
    res = impact_by_format(data, group="g", stages=["stage1", "stage2"], reference="a")
    second = res[res["stage"] == "stage2"].iloc[0]
    entrants = data[(data["stage1"] == 1) & (data["g"] == "b")]
    assert second["n_async"] == int((entrants["format_order"] == "async only").sum())


def test_not_estimable_when_a_cell_is_empty_and_within_design_refused():
    data = stage_table()
    data.loc[(data["g"] == "b") & (data["format_order"] == "live only"), "stage1"] = 0
    res = impact_by_format(data, group="g", stages=["stage1"], reference="a").iloc[0]
    assert not res["estimable"] and np.isnan(res["ratio_of_ratios"])
    assert "nobody or everybody passed" in res["reason"]
    within = data.assign(format_order="async first")
    with pytest.raises(InterviewLabError, match="one format"):
        impact_by_format(within, group="g", stages=["stage1"], reference="a")


def test_format_mixing_flags_requisitions():
    ratings = pd.DataFrame(
        {
            "requisition_id": ["R1", "R1", "R1", "R2", "R2"],
            "candidate_id": ["c1", "c1", "c2", "c3", "c4"],
            "format": ["async", "async", "live", "live", "live"],
        }
    )
    with pytest.warns(InterviewLabWarning, match="1 requisition"):
        res = format_mixing(ratings)
    assert res["mixed"].tolist() == [True, False]
    assert res[["n_candidates", "n_async", "n_live"]].to_numpy().tolist() == [[2, 1, 1], [2, 0, 2]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        format_mixing(ratings[ratings["requisition_id"] == "R2"])


def test_async_completion_is_impact_ratios_among_the_invited():
    study = il.load_study("demo")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        res = async_completion(study.candidates, group="sex", reference="female")
        invited = study.candidates[study.candidates["format_order"] == "async only"]
        ref = il.impact_ratios(invited, group="sex", selected="completed_async", reference="female")
    pd.testing.assert_frame_equal(res.reset_index(drop=True), ref.reset_index(drop=True))


def test_score_gaps_by_format_are_score_gaps_of_candidate_means():
    study = il.load_study("demo")
    res = score_gaps_by_format(
        study.ratings, candidates=study.candidates, group="sex", reference="female"
    )
    live = study.ratings[study.ratings["format"] == "live"]
    means = live.groupby("candidate_id")["score"].mean().rename("s").reset_index()
    means["sex"] = means["candidate_id"].map(study.candidates.set_index("candidate_id")["sex"])
    ref = il.score_gaps(means, group="sex", score="s", reference="female")
    mine = res[res["format"] == "live"].drop(columns="format").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, ref.reset_index(drop=True))


def test_invariance_finds_the_planted_question_and_applies_holm():
    rng = np.random.default_rng(21)
    rows = []
    n_cand, raters = 240, [f"r{i}" for i in range(8)]
    ability = rng.normal(0, 0.8, n_cand)
    severity = dict(zip(raters, rng.normal(0, 0.3, 8), strict=True))
    for c in range(n_cand):
        g = "b" if c % 3 == 0 else "a"
        fmt = "async" if c % 2 else "live"
        for r in rng.choice(raters, 2, replace=False):
            for q in range(4):
                mu = 3 + ability[c] + severity[r] + 0.1 * q
                if fmt == "async" and g == "b" and q == 2:
                    mu -= 0.8  # only question q2 penalises group b in async
                rows.append((f"c{c}", r, f"q{q}", fmt, g, mu + rng.normal(0, 0.5)))
    data = pd.DataFrame(
        rows, columns=["candidate_id", "rater_id", "question_id", "format", "g", "score"]
    )
    res = format_invariance(data, group="g", reference="a")
    assert res["question"].tolist() == ["q0", "q1", "q2", "q3"]
    assert res.loc[res["p_adjusted"].idxmin(), "question"] == "q2"
    assert res.set_index("question").loc["q2", "p_adjusted"] < 0.01
    q2 = res.set_index("question").loc["q2"]
    assert q2["ci_low"] <= -0.8 <= q2["ci_high"]
    assert_allclose(res["p_adjusted"], multipletests(res["p_value"], method="holm")[1])
    with pytest.raises(InterviewLabError, match="p_adjust"):
        format_invariance(data, group="g", p_adjust="sidak")
