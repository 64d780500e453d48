"""Access to the process by group: the impact-ratio machinery on process columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import interviewlab as il
from interviewlab.errors import InterviewLabError


@pytest.fixture(scope="module")
def demo() -> il.Study:
    return il.load_study("demo")


@pytest.mark.parametrize("column", ["informal_visit", "pre_interview_call"])
def test_access_equals_impact_ratios_on_the_same_column(demo: il.Study, column: str) -> None:
    table = il.process_access(demo, group="ethnicity", columns=column)
    expected = il.impact_ratios(demo.candidates, group="ethnicity", selected=column)
    got = table.drop(columns=["process", "n_missing"])
    pd.testing.assert_frame_equal(got, expected)
    assert (table["process"] == column).all() and (table["n_missing"] == 0).all()


def test_planted_lower_access_is_seen(demo: il.Study) -> None:
    table = il.process_access(demo, group="ethnicity", columns="informal_visit")
    black = table[table["category"] == "Black"].iloc[0]
    # planted: 0.6 times the others' chance (0.3 -> 0.18)
    assert black["rate"] < 0.3
    assert black["ci_low"] <= 0.6 * 0.3 / black["rate"] * black["impact_ratio"] + 1


def test_missing_values_are_counted_and_left_out(demo: il.Study) -> None:
    cand = demo.candidates.copy()
    cand["informal_visit"] = cand["informal_visit"].astype("Int8")
    cand.loc[cand.index[:7], "informal_visit"] = pd.NA
    study = il.Study(meta=demo.meta, candidates=cand, ratings=demo.ratings, raters=demo.raters)
    table = il.process_access(study, group="sex", columns="informal_visit")
    assert (table["n_missing"] == 7).all()
    assert table["n"].sum() == len(cand) - 7


def test_associations_are_null_when_access_is_unrelated(demo: il.Study) -> None:
    # in the demo access is drawn independently of scores and of selection
    table = il.process_associations(demo, group="ethnicity")
    assert list(table["outcome"]) == ["score", "appointed"] * 2
    scores = table[table["outcome"] == "score"]
    assert ((scores["ci_low"] < 0) & (scores["ci_high"] > 0)).all()
    odds = table[table["outcome"] == "appointed"]
    assert ((odds["ci_low"] < 1) & (odds["ci_high"] > 1)).all()
    assert np.isinf(odds["df"]).all() and table["estimable"].all()


def test_association_with_selection_equals_statsmodels_logit(demo: il.Study) -> None:
    import statsmodels.formula.api as smf

    row = il.process_associations(demo, group="sex", columns="informal_visit").iloc[1]
    cand = demo.candidates[demo.candidates["shortlisted"] == 1].copy()
    cand["s"] = cand["candidate_id"].map(demo.ratings.groupby("candidate_id")["score"].mean())
    cand = cand.dropna(subset=["sex"])
    # statsmodels formula interface: the independent route to the same model
    fit = smf.logit(
        "appointed ~ informal_visit + s + C(sex)", cand.astype({"informal_visit": float})
    ).fit(disp=0)
    np.testing.assert_allclose(row["estimate"], np.exp(fit.params["informal_visit"]), rtol=1e-6)
    np.testing.assert_allclose(row["p_value"], fit.pvalues["informal_visit"], rtol=1e-6)


def test_undeclared_column_is_refused(demo: il.Study) -> None:
    with pytest.raises(InterviewLabError, match="not process columns"):
        il.process_access(demo, group="sex", columns="internal")
