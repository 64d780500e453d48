"""panel_composition counts who rated whom; checked against a pandas crosstab."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import interviewlab as il
from interviewlab.errors import InterviewLabError


@pytest.fixture(scope="module")
def demo() -> il.Study:
    return il.load_study("demo")


def test_counts_match_an_independent_crosstab(demo: il.Study) -> None:
    table = il.panel_composition(demo, group="ethnicity")
    # independent: merge the ratings with both tables and cross-tabulate
    r = demo.ratings.merge(demo.candidates[["candidate_id", "ethnicity"]], on="candidate_id")
    r = r.merge(
        demo.raters[["rater_id", "ethnicity"]].rename(columns={"ethnicity": "rater"}),
        on="rater_id",
    )
    r["ethnicity"] = r["ethnicity"].fillna("(none)")
    ratings = pd.crosstab(r["ethnicity"], r["rater"])
    candidates = r.groupby(["ethnicity", "rater"])["candidate_id"].nunique()
    raters = r.groupby(["ethnicity", "rater"])["rater_id"].nunique()
    for row in table.fillna({"ethnicity": "(none)"}).itertuples():
        key = (row.ethnicity, row.rater_ethnicity)
        assert row.n_ratings == ratings.loc[key]
        assert row.n_candidates == candidates.loc[key]
        assert row.n_raters == raters.loc[key]
        assert row.same == (row.ethnicity == row.rater_ethnicity)
        assert row.share_of_ratings == pytest.approx(ratings.loc[key] / ratings.loc[key[0]].sum())
    # every rating counted once, nothing dropped (unrecorded groups are rows of their own)
    assert table["n_ratings"].sum() == len(demo.ratings)
    assert table["ethnicity"].isna().any()
    shares = table.groupby(table["ethnicity"].fillna("(none)"))["share_of_ratings"].sum()
    np.testing.assert_allclose(shares, 1.0)


def test_unrecorded_rater_group_is_a_row() -> None:
    study = il.simulate_study(seed=3, n_candidates=60, n_raters=6, n_requisitions=2)
    raters = study.raters.copy()
    raters.loc[0, "ethnicity"] = np.nan
    changed = il.Study(
        meta=study.meta, candidates=study.candidates, ratings=study.ratings, raters=raters
    )
    table = il.panel_composition(changed, group="ethnicity")
    assert "not recorded" in set(table["rater_ethnicity"])
    assert table["n_ratings"].sum() == len(study.ratings)
    assert not table.loc[table["rater_ethnicity"] == "not recorded", "same"].any()


@pytest.mark.parametrize(
    ("group", "message"),
    [
        pytest.param("sex", "recorded for the raters", id="not-a-rater-column"),
        pytest.param("height", "not a candidate group column", id="unknown"),
    ],
)
def test_bad_group(demo: il.Study, group: str, message: str) -> None:
    with pytest.raises(InterviewLabError, match=message):
        il.panel_composition(demo, group=group)


def test_input_is_not_modified(demo: il.Study) -> None:
    before = (demo.ratings.copy(), demo.candidates.copy(), demo.raters.copy())
    il.panel_composition(demo, group="ethnicity")
    for frame, copy in zip((demo.ratings, demo.candidates, demo.raters), before, strict=True):
        pd.testing.assert_frame_equal(frame, copy)
