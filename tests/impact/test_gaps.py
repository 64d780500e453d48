"""Score gaps (Hedges' g) and question gaps against pingouin and scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from impact_helpers import (
    row,
)
from numpy.testing import assert_allclose
from scipy import stats
from statsmodels.stats.multitest import multipletests

from interviewlab import impact
from interviewlab.errors import InterviewLabError

# ----------------------------------------------------------------- score gaps


def test_score_gaps_against_pingouin_and_scipy():
    pg = pytest.importorskip("pingouin")
    rng = np.random.default_rng(3)
    x = rng.normal(3.0, 1.0, 40)
    y = rng.normal(3.5, 1.3, 55)
    data = pd.DataFrame({"sex": ["F"] * 40 + ["M"] * 55, "score": np.r_[x, y]})
    out = row(
        impact.score_gaps(data, group="sex", score="score", reference="M").rename(
            columns={"group": "category"}
        ),
        "F",
    )
    g = pg.compute_effsize(x, y, paired=False, eftype="hedges")
    ci = pg.compute_esci(g, nx=40, ny=55, eftype="hedges", decimals=12)
    assert_allclose(out["d"], g, rtol=1e-10)
    assert_allclose([out["ci_low"], out["ci_high"]], ci, rtol=1e-9)
    welch = stats.ttest_ind(x, y, equal_var=False)
    assert_allclose([out["t"], out["p_value"]], [welch.statistic, welch.pvalue], rtol=1e-10)
    assert_allclose(out["sd"], np.std(x, ddof=1), rtol=1e-12)


def test_score_gaps_unknown_and_bad_reference():
    data = pd.DataFrame({"sex": ["F", "F", "M", "M", None], "score": [1.0, 2, 3, 4, 5]})
    table = impact.score_gaps(data, group="sex", score="score", reference="M")
    assert list(table["role"]) == ["compared", "reference", "unknown"]
    with pytest.raises(InterviewLabError, match="groups"):
        impact.score_gaps(data, group="sex", score="score", reference="X")


def question_ratings(gap_on: str = "q3", seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    candidates = 300
    sex = rng.choice(["F", "M"], candidates)
    ability = rng.normal(size=candidates)
    rows = []
    for q in ["q1", "q2", "q3", "q4"]:
        shift = np.where((sex == "F") & (q == gap_on), -0.8, 0.0)
        for rater in range(2):
            score = 3 + ability + shift + rng.normal(scale=0.7, size=candidates)
            rows.append(
                pd.DataFrame(
                    {
                        "candidate_id": np.arange(candidates),
                        "sex": sex,
                        "question_id": q,
                        "rater": rater,
                        "score": score,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def test_question_gaps_against_pingouin_linear_regression():
    pg = pytest.importorskip("pingouin")
    ratings = question_ratings()
    out = impact.question_gaps(ratings, group="sex", reference="M")
    wide = ratings.pivot_table(
        index="candidate_id", columns="question_id", values="score", aggfunc="mean"
    )
    sex = ratings.groupby("candidate_id")["sex"].first()
    for q in wide.columns:
        rest = wide.drop(columns=q).mean(axis=1)
        design = pd.DataFrame({"rest": rest, "F": (sex == "F").astype(float)})
        lm = pg.linear_regression(design, wide[q])
        mine = out[out["question"] == q].iloc[0]
        ref = lm.set_index("names").loc["F"]
        assert_allclose(
            [mine["estimate"], mine["se"], mine["p_value"]],
            [ref["coef"], ref["se"], ref["pval"]],
            rtol=1e-8,
        )
    expected = multipletests(out["p_value"], method="holm")[1]
    assert_allclose(out["p_adjusted"], expected)


def test_question_gaps_finds_the_planted_question():
    # Planted: women score 0.8 lower on q3 only. Conditioning on a rest score that
    # contains q3's gap leaks a little of it into the other questions (with the
    # opposite sign), so the check is that q3 stands out, not that the others are 0.
    out = impact.question_gaps(question_ratings(gap_on="q3"), group="sex", reference="M")
    by_question = out.set_index("question")
    assert by_question.loc["q3", "estimate"] < -0.5
    assert by_question.loc["q3", "p_adjusted"] < 1e-6
    others = by_question.drop(index="q3")
    assert (others["estimate"].abs() < 0.35).all()
    assert by_question["p_value"].idxmin() == "q3"


def test_question_gaps_group_must_be_constant_per_candidate():
    ratings = question_ratings()
    ratings.loc[0, "sex"] = "M" if ratings.loc[0, "sex"] == "F" else "F"
    with pytest.raises(InterviewLabError, match="constant"):
        impact.question_gaps(ratings, group="sex", reference="M")
