"""Degenerate data: ICC with identical target means, text scores, by= groups too small.

Outside source: pingouin 0.7 ``intraclass_corr`` (the same Shrout & Fleiss formulas).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import interviewlab as il
from interviewlab.errors import InterviewLabError, NotEstimableError

# two raters who disagree symmetrically: every candidate's mean is 3, so MSB = 0
SYMMETRIC = pd.DataFrame(
    {
        "candidate_id": [0, 0, 1, 1, 2, 2, 3, 3],
        "rater_id": ["a", "b"] * 4,
        "score": [2.0, 4.0, 4.0, 2.0, 1.0, 5.0, 5.0, 1.0],
    }
)


def test_icc_with_identical_target_means_matches_pingouin_and_raises_nothing():
    pg = pytest.importorskip("pingouin")
    out = il.icc(SYMMETRIC)
    with warnings.catch_warnings():
        # pingouin divides by MSB = 0 (RuntimeWarning) and its ANOVA table of a
        # zero-residual model calls a pandas API deprecated in pandas 3.1
        warnings.simplefilter("ignore")
        ref = pg.intraclass_corr(
            SYMMETRIC, targets="candidate_id", raters="rater_id", ratings="score"
        ).set_index("Type")
    # pingouin: ICC(1,1) = -1, ICC(C,1) = -1, ICC(A,1) = -2; F = 0, p = 1 for all forms
    for mine, theirs in (("ICC1", "ICC(1,1)"), ("ICC2", "ICC(A,1)"), ("ICC3", "ICC(C,1)")):
        assert_allclose(out.loc[mine, "estimate"], ref.loc[theirs, "ICC"], atol=1e-12)
        assert out.loc[mine, "estimable"]
    assert_allclose(out["f"], 0.0)
    assert_allclose(out["p_value"], 1.0)
    # pingouin: ICC(1,k) = ICC(C,k) = -inf and ICC(A,k) = 4 (a ratio of negatives):
    # the average-rater forms divide by MSB = 0 and are not estimable here
    for form in ("ICC1k", "ICC2k", "ICC3k"):
        assert np.isnan(out.loc[form, "estimate"]) and not out.loc[form, "estimable"]
        assert "MSB = 0" in out.loc[form, "reason"]
    # the F intervals collapse to a point: not shown, with the reason
    assert out["ci_low"].isna().all() and out["ci_high"].isna().all()
    assert "interval collapses" in out.loc["ICC1", "reason"]


@pytest.mark.parametrize("method", ["anova", "reml"])
def test_icc_text_scores_say_the_score_column_must_be_numeric(method):
    text = SYMMETRIC.assign(score=SYMMETRIC["score"].map({1: "one", 2: "two", 4: "4", 5: "5"}))
    with pytest.raises(InterviewLabError, match=r"needs numeric scores.*'score'"):
        il.icc(text, method=method)
    with pytest.raises(InterviewLabError, match=r"needs numeric scores.*'score'"):
        il.icc_reml(text)


def panel_with_a_lone_group(seed: int = 3) -> pd.DataFrame:
    """12 candidates x 3 raters; the 'White' group has a single candidate."""
    rng = np.random.default_rng(seed)
    true = rng.normal(3, 1, 12)
    rows = []
    for c in range(12):
        group = "White" if c == 0 else ("Black" if c % 2 else "Asian")
        for r in range(3):
            score = float(np.clip(np.round(true[c] + rng.normal(0, 0.7)), 1, 5))
            rows.append((f"c{c}", f"r{r}", group, f"q{r % 2}", score))
    return pd.DataFrame(rows, columns=["candidate_id", "rater_id", "ethnicity", "q", "score"])


def test_alpha_by_group_keeps_a_one_unit_group_as_not_estimable():
    data = panel_with_a_lone_group()
    out = il.krippendorff_alpha(
        data, unit="candidate_id", level="interval", by="ethnicity", n_boot=200, seed=1
    ).set_index("ethnicity")
    lone = out.loc["White"]
    assert not lone["estimable"] and np.isnan(lone["estimate"]) and np.isnan(lone["ci_low"])
    assert "Only 1 unit" in lone["reason"] and lone["n_units"] == 1 and lone["small_sample"]
    # the other groups are the coefficients computed on their own
    for group in ("Asian", "Black"):
        alone = il.krippendorff_alpha(
            data[data["ethnicity"] == group], unit="candidate_id", level="interval", n_boot=0
        )
        assert_allclose(out.loc[group, "estimate"], alone["estimate"].iloc[0], rtol=1e-12)
        assert out.loc[group, "estimable"] and out.loc[group, "reason"] == ""
    # without by=, the same data raise a typed error naming the problem
    with pytest.raises(NotEstimableError, match="Only 1 unit"):
        il.krippendorff_alpha(
            data[data["ethnicity"] == "White"], unit="candidate_id", level="interval"
        )


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda d: il.icc(d.drop(columns="q"), by="ethnicity"), id="icc"),
        pytest.param(
            lambda d: il.icc(d.drop(columns="q"), by="ethnicity", method="reml", n_boot=0),
            id="icc-reml",
        ),
        pytest.param(
            lambda d: il.fleiss_kappa(d, unit="candidate_id", by="ethnicity"), id="fleiss"
        ),
        pytest.param(lambda d: il.gwet_ac(d, unit="candidate_id", by="ethnicity"), id="gwet"),
        pytest.param(
            lambda d: il.cohen_kappa(d[d["rater_id"] != "r2"], unit="candidate_id", by="ethnicity"),
            id="cohen",
        ),
        pytest.param(
            lambda d: il.cronbach_alpha(
                d.groupby(["candidate_id", "q", "ethnicity"], as_index=False)["score"].mean(),
                item="q",
                by="ethnicity",
            ),
            id="cronbach",
        ),
    ],
)
def test_every_reliability_function_with_by_keeps_a_lone_group(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", il.InterviewLabWarning)
        out = call(panel_with_a_lone_group()).reset_index()
    lone = out[out["ethnicity"] == "White"]
    others = out[out["ethnicity"] != "White"]
    assert len(lone) >= 1 and not lone["estimable"].any()
    assert lone["estimate"].isna().all()
    assert lone["reason"].str.len().gt(20).all()
    assert others["estimable"].all() and others["estimate"].notna().all()


def test_compare_reliability_by_group_missing_one_side_is_not_estimable():
    base = panel_with_a_lone_group()
    two = pd.concat([base.assign(format="async"), base.assign(format="live")])
    two = two[~((two["ethnicity"] == "White") & (two["format"] == "live"))]
    out = il.compare_reliability(
        two.drop(columns="q"),
        between="format",
        coefficient="icc2",
        by="ethnicity",
        n_boot=200,
        seed=1,
    ).set_index("ethnicity")
    assert (
        not out.loc["White", "estimable"]
        and "only the value(s) ['async']" in out.loc["White", "reason"]
    )
    assert out.loc[["Asian", "Black"], "estimable"].all()
