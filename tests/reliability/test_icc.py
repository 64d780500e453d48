"""ICC against Shrout & Fleiss (1979) and pingouin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from numpy.testing import assert_allclose
from reliability_helpers import (
    ICC_ORDER,
    PINGOUIN_ORDER,
    complete_ratings,
    pingouin_call,
    rubric_scores,
)

from interviewlab.data import read_dataset
from interviewlab.errors import InterviewLabError
from interviewlab.reliability import (
    cronbach_alpha,
    icc,
    icc_reml,
)

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


def test_icc_reml_bootstrap_does_not_depend_on_n_jobs():
    # each replicate draws from its own SeedSequence child, whichever worker runs it
    data = complete_ratings(0)
    rng = np.random.default_rng(2)
    incomplete = data.drop(index=rng.choice(data.index, size=len(data) // 5, replace=False))
    one = icc_reml(incomplete, n_boot=45, seed=7, n_jobs=1)
    two = icc_reml(incomplete, n_boot=45, seed=7, n_jobs=2)
    pd.testing.assert_frame_equal(one, two)
    other = icc_reml(incomplete, n_boot=45, seed=8, n_jobs=1)
    assert not np.allclose(one["ci_low"], other["ci_low"])  # the seed matters
    with pytest.raises(InterviewLabError, match="n_jobs"):
        icc_reml(incomplete, n_jobs=0)


def test_icc_reml_bootstrap_tolerances_do_not_move_the_intervals(monkeypatch):
    # bootstrap refits stop at looser tolerances than the estimate (speed); refitting
    # every replicate at the estimate's own tolerances gives the same intervals to 1e-5
    import importlib

    module = importlib.import_module("interviewlab.reliability.icc_reml")
    data = complete_ratings(0)
    rng = np.random.default_rng(4)
    incomplete = data.drop(index=rng.choice(data.index, size=len(data) // 5, replace=False))
    loose = icc_reml(incomplete, n_boot=60, seed=5)
    strict_minimise = module.minimise

    def strict(fun, x0, lower, **options):
        return strict_minimise(fun, x0, lower)  # the defaults: ftol 1e-14, gtol 1e-7

    monkeypatch.setattr(module, "minimise", strict)
    tight = icc_reml(incomplete, n_boot=60, seed=5)
    pd.testing.assert_frame_equal(
        loose.drop(columns=["ci_low", "ci_high"]), tight.drop(columns=["ci_low", "ci_high"])
    )
    np.testing.assert_allclose(
        loose[["ci_low", "ci_high"]], tight[["ci_low", "ci_high"]], atol=1e-5
    )


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
