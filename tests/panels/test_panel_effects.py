"""panel_effects recovers planted similar-to-me, panel-share and internal bonuses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import interviewlab as il
from interviewlab.errors import InterviewLabError

PLANTED = {"similarity_bonus": 0.4, "panel_share_bonus": 0.5, "internal_bonus": 0.3}


@pytest.fixture(scope="module")
def diverse(tmp_path_factory: pytest.TempPathFactory) -> il.Study:
    """A diverse rater pool (two equal groups), written to disk and loaded back."""
    study = il.simulate_study(
        seed=11,
        n_candidates=900,
        n_raters=24,
        panel_size=3,
        design="within",
        groups={"sex": {"female": 0.5, "male": 0.5}},
        focal=("sex", "female"),
        similarity_column="sex",
        internal_share=0.3,
        **PLANTED,
    )
    folder = study.save(tmp_path_factory.mktemp("diverse") / "study")
    assert (Path(folder) / "raters.csv").is_file()
    return il.load_study(folder)


def _row(table: pd.DataFrame, term: str, *, group: str = "", role: str = "") -> pd.Series:
    """The one row with this ``term`` code (and ``group`` or ``role``)."""
    hits = table[(table["term"] == term) & (table["group"] == group) & (table["role"] == role)]
    assert len(hits) == 1, (term, group, role)
    return hits.iloc[0]


@pytest.mark.parametrize(
    ("term", "group", "planted"),
    [
        pytest.param("similar_to_me", "", "similarity_bonus", id="similar-to-me"),
        pytest.param("panel_share", "", "panel_share_bonus", id="panel-share"),
        pytest.param("internal", "", "internal_bonus", id="internal"),
        pytest.param("similar_to_me_by_group", "female", "similarity_bonus", id="per-group-female"),
        pytest.param("similar_to_me_by_group", "male", "similarity_bonus", id="per-group-male"),
    ],
)
def test_planted_values_lie_in_the_intervals(
    diverse: il.Study, term: str, group: str, planted: str
) -> None:
    table = il.panel_effects(diverse, group="sex")
    row = _row(table, term, group=group)
    assert row["estimable"]
    # scores are rounded to the rubric, which attenuates effects a little
    assert row["ci_low"] <= PLANTED[planted] <= row["ci_high"], row.to_dict()
    assert row["n_candidates"] > 0 and row["n_raters"] > 0
    assert np.isfinite(row["df"]) and row["df"] > 0


def test_no_planted_moderators_are_near_zero(diverse: il.Study) -> None:
    table = il.panel_effects(diverse, group="sex")
    trained = _row(table, "similar_to_me_trained_minus_untrained")
    hr = _row(table, "internal_by_role", role="HR")
    # nothing planted: the planted value (the main effect, unmoderated) is covered
    for row, planted in ((trained, 0.0), (hr, PLANTED["internal_bonus"])):
        assert row["estimable"]
        assert row["ci_low"] < planted < row["ci_high"]


def test_columns_and_row_order(diverse: il.Study) -> None:
    table = il.panel_effects(diverse, group="sex")
    assert list(table.columns) == list(il.panels.PANEL_EFFECT_COLUMNS)
    assert table["estimable"].dtype == bool
    # rows are found by their codes: one per term, group and role
    assert list(table["term"]) == [
        "similar_to_me",
        "similar_to_me_by_group",
        "similar_to_me_by_group",
        "panel_share",
        "panel_diversity",
        "internal",
        "internal_by_role",
        "internal_by_role",
        "internal_by_role",
        "similar_to_me_trained_minus_untrained",
    ]
    assert list(table["group"]) == ["", "female", "male", *[""] * 7]
    assert list(table["role"]) == [*[""] * 6, "HR", "hiring manager", "peer", ""]
    assert not table.duplicated(["term", "group", "role"]).any()


def test_estimate_is_the_fixed_effect_of_the_documented_model(diverse: il.Study) -> None:
    # the same model written out by hand with fit_mixed (patsy coding of group and format)
    table = il.panel_effects(diverse, group="sex")
    r = diverse.ratings.merge(diverse.candidates[["candidate_id", "sex", "internal"]])
    r = r.merge(diverse.raters[["rater_id", "sex"]].rename(columns={"sex": "rsex"}))
    r["same"] = (r["sex"] == r["rsex"]).astype(float)
    r["share"] = r.groupby("candidate_id")["same"].transform("mean")
    r["diversity"] = r.groupby("candidate_id")["rsex"].transform("nunique").astype(float)
    fit = il.fit_mixed(
        r,
        "score ~ same + share + diversity + internal + C(sex) + C(format)",
        random=["candidate_id", "rater_id", "question_id"],
        variance_ci=False,
    )
    fixed = fit.fixed.set_index("term")
    assert_allclose(
        _row(table, "similar_to_me")["estimate"], fixed.at["same", "estimate"], rtol=1e-6
    )
    assert_allclose(_row(table, "panel_share")["se"], fixed.at["share", "se"], rtol=1e-6)
    assert_allclose(_row(table, "internal")["df"], fixed.at["internal", "df"], rtol=1e-5)


def test_homogeneous_pool_is_not_estimable() -> None:
    study = il.simulate_study(
        seed=5, n_candidates=200, n_raters=6, rater_majority_share=1.0, similarity_bonus=0.4
    )
    table = il.panel_effects(study, group="ethnicity")
    row = _row(table, "similar_to_me")
    assert not row["estimable"]
    assert np.isnan(row["estimate"]) and np.isnan(row["ci_low"])
    assert "homogeneous rater pool" in row["reason"]
    trained = _row(table, "similar_to_me_trained_minus_untrained")
    assert not trained["estimable"] and "not estimable" in trained["reason"]


def test_no_internal_candidates_is_not_estimable() -> None:
    study = il.simulate_study(seed=6, n_candidates=120, n_raters=6, internal_share=0.0)
    row = _row(il.panel_effects(study, group="ethnicity"), "internal")
    assert not row["estimable"] and "no internal candidates" in row["reason"]


def test_demo_runs_and_names_what_it_cannot_estimate() -> None:
    table = il.panel_effects(il.load_study("demo"), group="ethnicity")
    black = _row(table, "similar_to_me_by_group", group="Black")
    assert not black["estimable"] and "no Black candidate" in black["reason"]
    assert _row(table, "similar_to_me")["estimable"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"group": "sex"}, "not recorded for the raters", id="group-not-rater-column"),
        pytest.param({"group": "height"}, "not a candidate group column", id="unknown-group"),
        pytest.param({"group": "ethnicity", "confidence": 2}, "confidence", id="confidence"),
        pytest.param({"group": "ethnicity", "min_n": 0}, "min_n=0", id="min-n"),
        pytest.param({"group": "ethnicity", "min_raters": 2.5}, "min_raters", id="min-raters"),
    ],
)
def test_bad_options(kwargs: dict, message: str) -> None:
    with pytest.raises(InterviewLabError, match=message):
        il.panel_effects(il.load_study("demo"), **kwargs)


def test_study_without_raters_table() -> None:
    demo = il.load_study("demo")
    meta = {k: v for k, v in demo.meta.items() if k != "raters"}
    bare = il.Study(meta=meta, candidates=demo.candidates, ratings=demo.ratings)
    with pytest.raises(InterviewLabError, match="needs the raters table"):
        il.panel_effects(bare, group="ethnicity")


def test_input_is_not_modified() -> None:
    demo = il.load_study("demo")
    before = (demo.ratings.copy(), demo.candidates.copy(), demo.raters.copy())
    il.panel_effects(demo, group="ethnicity")
    for frame, copy in zip((demo.ratings, demo.candidates, demo.raters), before, strict=True):
        pd.testing.assert_frame_equal(frame, copy)


def test_small_samples_are_flagged_not_hidden() -> None:
    # the demo's role rows rest on 4 raters each (12 raters, three roles): flagged, with
    # their estimates and intervals still given
    table = il.panel_effects(il.load_study("demo"), group="ethnicity")
    expected = (table["n_candidates"] < 20) | (table["n_raters"] < 5)
    assert table["small_sample"].tolist() == expected.tolist()
    hr = _row(table, "internal_by_role", role="HR")
    assert hr["small_sample"] and hr["n_raters"] == 4 and np.isfinite(hr["estimate"])
    assert not _row(table, "internal")["small_sample"]
    strict = il.panel_effects(il.load_study("demo"), group="ethnicity", min_n=600, min_raters=1)
    assert strict["small_sample"].all()
    assert_allclose(strict["estimate"], table["estimate"])


def test_internal_with_gaps_is_the_main_model_on_recorded_candidates(diverse: il.Study) -> None:
    # every tenth candidate's internal status unrecorded: the internal row is the main
    # model fitted on the others, written out by hand with fit_mixed (patsy coding)
    candidates = diverse.candidates.copy()
    candidates["internal"] = candidates["internal"].astype(float)
    candidates.loc[candidates.index % 10 == 0, "internal"] = np.nan
    gappy = il.Study(
        meta=diverse.meta, candidates=candidates, ratings=diverse.ratings, raters=diverse.raters
    )
    table = il.panel_effects(gappy, group="sex")
    r = diverse.ratings.merge(candidates[["candidate_id", "sex", "internal"]])
    r = r.merge(diverse.raters[["rater_id", "sex"]].rename(columns={"sex": "rsex"}))
    r["same"] = (r["sex"] == r["rsex"]).astype(float)
    r["share"] = r.groupby("candidate_id")["same"].transform("mean")
    r["diversity"] = r.groupby("candidate_id")["rsex"].transform("nunique").astype(float)
    fit = il.fit_mixed(
        r[r["internal"].notna()],
        "score ~ same + share + diversity + internal + C(sex) + C(format)",
        random=["candidate_id", "rater_id", "question_id"],
        variance_ci=False,
    )
    row = _row(table, "internal")
    expected = fit.fixed.set_index("term").loc["internal"]
    assert_allclose(
        row[["estimate", "se"]].astype(float), expected[["estimate", "se"]].astype(float), rtol=1e-6
    )
