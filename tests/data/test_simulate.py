"""The simulator: deterministic, documented, and its planted effects are recoverable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import interviewlab as il


def test_same_seed_identical_tables() -> None:
    a = il.simulate_study(seed=11, n_candidates=120, n_raters=6, n_requisitions=3)
    b = il.simulate_study(seed=11, n_candidates=120, n_raters=6, n_requisitions=3)
    pd.testing.assert_frame_equal(a.candidates, b.candidates)
    pd.testing.assert_frame_equal(a.ratings, b.ratings)
    assert a.meta == b.meta
    c = il.simulate_study(seed=12, n_candidates=120, n_raters=6, n_requisitions=3)
    assert not a.ratings["score"].equals(c.ratings["score"])


@pytest.mark.parametrize("design", ["between", "within"])
def test_design_shapes(design: str) -> None:
    study = il.simulate_study(
        seed=5, n_candidates=200, n_raters=6, n_questions=4, design=design, completion_rate=0.999
    )
    per_candidate = study.ratings.groupby("candidate_id")["format"].nunique()
    assert set(per_candidate) == ({1} if design == "between" else {2})
    # every rated candidate sees one panel of 3 raters x 4 questions per format
    counts = study.ratings.groupby(["candidate_id", "format"]).size()
    assert set(counts) == {12}
    if design == "within":
        order = study.candidates["format_order"].value_counts()
        assert order["async first"] == order["live first"] == 100  # counterbalanced


def test_scores_respect_the_rubric_and_stages_are_ordered() -> None:
    study = il.simulate_study(seed=2, n_candidates=300, scale=(0, 4), ability_sd=3.0)
    assert study.ratings["score"].between(0, 4).all()
    assert {0.0, 4.0} <= set(study.ratings["score"])  # clipping happens at both ends
    c = study.candidates
    assert (c["shortlisted"] <= c["completed_async"]).all()
    assert (c["appointed"] <= c["shortlisted"]).all()
    assert set(study.ratings["candidate_id"]) == set(
        c.loc[c["completed_async"] == 1, "candidate_id"]
    )


def test_planted_values_are_recorded() -> None:
    study = il.simulate_study(
        seed=9, n_candidates=60, n_raters=6, similarity_bonus=0.4, stage_bias={"shortlisted": -0.5}
    )
    planted = study.planted
    assert planted["similarity_bonus"] == 0.4
    assert planted["stage_bias"]["shortlisted"] == -0.5
    assert set(planted["rater_severity"]) == set(study.ratings["rater_id"])


def _big(**options: object) -> il.Study:
    base = dict(
        seed=7,
        n_candidates=3000,
        n_raters=12,
        n_requisitions=10,
        completion_rate=0.999,
        noise_sd=0.5,
        question_sd=0.0,
        rater_sd=0.0,
    )
    base.update(options)
    return il.simulate_study(**base)  # type: ignore[arg-type]


def _rating_frame(study: il.Study) -> pd.DataFrame:
    planted = study.planted
    frame = study.ratings.merge(study.candidates, on="candidate_id")
    frame["rater_group"] = frame["rater_id"].map(planted["rater_group"])
    frame["same"] = (frame["rater_group"] == frame[planted["similarity_column"]]).astype(float)
    frame["is_async"] = (frame["format"] == "async").astype(float)
    frame["focal"] = (frame[planted["focal_column"]] == planted["focal_value"]).astype(float)
    return frame


def test_focal_format_effect_is_recovered() -> None:
    # The score scale is rounded and clipped, so the recovered effect is attenuated a little;
    # an OLS with candidate clusters (statsmodels) must find it near the planted -0.6.
    study = _big(focal_format_effect=-0.6, ability_sd=0.5)
    frame = _rating_frame(study)
    fit = smf.ols("score ~ is_async * focal", data=frame).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(frame["candidate_id"])[0]}
    )
    assert fit.params["is_async:focal"] == pytest.approx(-0.6, abs=0.15)
    assert abs(fit.params["is_async"]) < 0.1


def test_similarity_and_internal_bonus_are_recovered() -> None:
    study = _big(similarity_bonus=0.5, internal_bonus=0.4, ability_sd=0.5)
    frame = _rating_frame(study)
    fit = smf.ols("score ~ same + internal", data=frame).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(frame["candidate_id"])[0]}
    )
    assert fit.params["same"] == pytest.approx(0.5, abs=0.1)
    assert fit.params["internal"] == pytest.approx(0.4, abs=0.1)


def test_stage_bias_lowers_the_focal_groups_shortlisting_rate() -> None:
    fair = _big(seed=21)
    biased = _big(seed=21, stage_bias={"shortlisted": -1.0})

    def focal_rate(study: il.Study) -> float:
        c = study.candidates[study.candidates["completed_async"] == 1]
        return float(c.loc[c["ethnicity"] == "Black", "shortlisted"].mean())

    assert focal_rate(biased) < 0.6 * focal_rate(fair)


def test_homogeneous_rater_pool() -> None:
    study = il.simulate_study(seed=4, n_candidates=30, n_raters=12, rater_majority_share=1.0)
    assert set(study.planted["rater_group"].values()) == {"White"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"design": "mixed"}, "design='mixed' is not allowed", id="design"),
        pytest.param({"n_raters": 10}, "not a multiple of panel_size", id="panels"),
        pytest.param({"focal": ("ethnicity", "Martian")}, "focal=", id="focal"),
        pytest.param({"stage_bias": {"hired": -1}}, "unknown stage", id="stage"),
        pytest.param({"shortlist_rate": 1.5}, "shortlist_rate=1.5 must be", id="rate"),
        pytest.param({"n_candidates": 0}, "n_candidates must be a positive", id="size"),
        pytest.param({"seed": None}, "seed=None must be a whole number", id="seed"),
    ],
)
def test_bad_options(options: dict, message: str) -> None:
    with pytest.raises(il.InterviewLabError, match=message):
        il.simulate_study(**{"seed": 1, **options})


def test_single_group_pool_with_majority_share() -> None:
    groups = {"ethnicity": {"White": 1.0}, "sex": {"female": 0.5, "male": 0.5}}
    study = il.simulate_study(
        seed=1,
        n_candidates=30,
        n_raters=6,
        groups=groups,
        focal=("ethnicity", "White"),
        rater_majority_share=0.5,
    )
    assert set(study.planted["rater_group"].values()) == {"White"}


def test_demo_is_reproducible_from_its_build_script(tmp_path) -> None:
    import importlib.util
    from pathlib import Path

    script = Path(il.__file__).resolve().parents[2] / "datasets" / "build_demo.py"
    spec = importlib.util.spec_from_file_location("build_demo", script)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    rebuilt = module.build(tmp_path / "demo")
    shipped = il.data.dataset_path("demo")
    for name in ("study.toml", "candidates.csv", "ratings.csv", "raters.csv"):
        assert (rebuilt / name).read_bytes() == (shipped / name).read_bytes(), name


def test_demo_has_the_documented_shape() -> None:
    demo = il.load_study("demo")
    assert len(demo.candidates) == 600
    assert demo.ratings["rater_id"].nunique() == 12
    assert demo.ratings["question_id"].nunique() == 5
    assert set(demo.ratings["format"]) == {"async", "live"}
    assert np.isclose(demo.planted["focal_format_effect"], -0.4)


def test_dataset_lookup_lists_valid_names() -> None:
    with pytest.raises(il.InterviewLabError, match=r"no bundled dataset 'dmeo'.*demo"):
        il.load_study("dmeo")
    with pytest.raises(il.InterviewLabError, match="is a study folder"):
        il.read_dataset("demo")
    assert {"name", "path", "kind", "description", "source", "licence"} <= set(
        il.list_datasets().columns
    )
