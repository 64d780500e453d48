"""Descriptive summaries (checked against scipy) and small-cell suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

import interviewlab as il


def test_score_summary_matches_scipy_t_interval() -> None:
    rng = np.random.default_rng(0)
    ratings = pd.DataFrame(
        {
            "candidate_id": np.repeat([f"c{i}" for i in range(40)], 3),
            "g": np.repeat(rng.choice(["a", "b"], 40), 3),
            "score": rng.integers(1, 6, 120).astype(float),
        }
    )
    out = il.score_summary(ratings, by="g", confidence=0.9).set_index("g")
    per_candidate = ratings.groupby(["g", "candidate_id"])["score"].mean()
    for group, values in per_candidate.groupby(level="g"):
        # independent: scipy's t interval over the candidates' mean scores
        low, high = stats.t.interval(
            0.9, len(values) - 1, loc=values.mean(), scale=stats.sem(values)
        )
        assert_allclose(
            out.loc[group, ["ci_low", "ci_high"]].astype(float), [low, high], rtol=1e-12
        )
        assert out.loc[group, "n"] == len(values)
        assert out.loc[group, "n_ratings"] == 3 * len(values)


def test_score_summary_keeps_missing_groups_and_rejects_bad_scores() -> None:
    ratings = pd.DataFrame(
        {"candidate_id": ["a", "b", "c"], "g": ["x", None, "x"], "score": [1.0, 2.0, 3.0]}
    )
    out = il.score_summary(ratings, by="g", min_n=1)
    assert out["n"].sum() == 3  # the rating with a missing group is kept, as its own row
    with pytest.raises(il.InterviewLabError, match="non-numeric"):
        il.score_summary(ratings.assign(score=["1", "x", "2"]), by="g")
    with pytest.raises(il.InterviewLabError, match="no column"):
        il.score_summary(ratings, by="sex")


def test_suppression_blanks_small_cells_only() -> None:
    table = pd.DataFrame(
        {
            "group": ["a", "b", "c", "d"],
            "n": [10, 9, 0, 40],
            "rate": [0.5, 0.2, np.nan, 0.3],
            "flag": [True, False, False, True],
            "excluded_reason": ["", "n=9 < 10", "", ""],
        }
    )
    out = il.suppress_small_cells(table, counts="n", min_cell_size=10)
    # b is small; a (the smallest other non-empty row) is hidden too, so b cannot be
    # recovered from a total shown elsewhere; the empty group c discloses nobody
    assert out["suppressed"].tolist() == [True, True, False, False]
    assert out["suppression"].tolist() == ["complementary", "fewer than 10", "", ""]
    assert out.loc[1, ["n", "rate", "flag", "excluded_reason"]].isna().all()  # text too
    assert out.loc[3, "rate"] == 0.3 and out.loc[3, "flag"]
    assert table.loc[1, "n"] == 9  # input untouched
    with pytest.raises(il.InterviewLabError, match="min_cell_size=0"):
        il.suppress_small_cells(table, counts="n", min_cell_size=0)


def test_suppression_within_margins_and_reference() -> None:
    table = pd.DataFrame(
        {
            "stage": ["s1"] * 3 + ["s2"] * 3,
            "category": ["x", "y", "z"] * 2,
            "role": ["reference", "compared", "compared"] * 2,
            "n": [50, 40, 30, 5, 40, 30],
            "impact_ratio": [1.0, 0.9, 0.8, 1.0, 0.5, 0.4],
        }
    )
    out = il.suppress_small_cells(table, counts="n", within="stage")
    assert not out.loc[out["stage"] == "s1", "suppressed"].any()
    # the s2 reference has 5 people: every ratio of s2 would reveal its rate
    s2 = out[out["stage"] == "s2"]
    assert s2["suppressed"].all() and s2["impact_ratio"].isna().all()
    assert s2["suppression"].tolist()[1:] == ["reference suppressed"] * 2
    assert s2["category"].tolist() == ["x", "y", "z"]  # labels stay


def test_identifier_check() -> None:
    with pytest.raises(il.InterviewLabError, match="identifier column"):
        il.check_no_identifiers(pd.DataFrame({"candidate_id": ["c1"]}))
    with pytest.raises(il.InterviewLabError, match="'C00042'"):
        il.check_no_identifiers(pd.DataFrame({"group": ["C00042"]}), identifiers={"C00042"})
    il.check_no_identifiers(pd.DataFrame({"group": ["White"]}), identifiers={"C00042"})


def test_mean_over_refuses_missing_scores() -> None:
    ratings = pd.DataFrame(
        {"candidate_id": ["a", "a", "b"], "question_id": [1, 2, 1], "score": [2.0, np.nan, 5.0]}
    )
    with pytest.raises(il.InterviewLabError, match="1 missing or non-numeric"):
        il.mean_over(ratings, over="question_id", keep=["candidate_id"])
    with pytest.raises(il.InterviewLabError, match="cannot also be in keep"):
        il.mean_over(ratings, over="question_id", keep=["question_id"])


def test_complement_is_never_the_reference_while_another_row_protects():
    # issue 12's review: in the demo's appointed stage the reference (female, 67) was
    # hidden as the complement while male's ratio against it stayed visible, which
    # reveals the reference's rate; the complement must be a compared row
    table = pd.DataFrame(
        {
            "stage": ["s"] * 4,
            "category": ["female", "male", "other", "unknown"],
            "role": ["reference", "compared", "compared", "unknown"],
            "entered": [67, 80, 4, 0],
            "stage_impact_ratio": [1.0, 0.82, 0.5, None],
        }
    )
    out = il.suppress_small_cells(table, counts="entered", within="stage")
    assert out["suppressed"].tolist() == [False, True, True, False]
    assert out["suppression"].tolist() == ["", "complementary", "fewer than 10", ""]


def test_margin_is_hidden_when_only_the_reference_can_protect():
    table = pd.DataFrame(
        {
            "category": ["a", "b"],
            "role": ["reference", "compared"],
            "n": [40, 3],
            "impact_ratio": [1.0, 0.5],
        }
    )
    out = il.suppress_small_cells(table, counts="n")
    assert out["suppressed"].all()
    assert out["impact_ratio"].isna().all()
