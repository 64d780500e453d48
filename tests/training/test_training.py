"""Training scenarios: the planted biases are recovered, and the scenarios differ as built."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import interviewlab as il
from interviewlab.training import appointment_table, bias_estimates, simulate_scenarios


@pytest.fixture(scope="module")
def runs() -> dict[str, il.Study]:
    return simulate_scenarios(seed=7, n_candidates=2000)


def test_scenarios_share_candidates(runs: dict[str, il.Study]) -> None:
    groups = [s.candidates[["candidate_id", "ethnicity", "internal"]] for s in runs.values()]
    for other in groups[1:]:
        pd.testing.assert_frame_equal(groups[0], other)
    assert set(runs["as planted"].planted["rater_group"].values()) == {"White"}
    assert len(set(runs["diverse panel"].planted["rater_group"].values())) > 1


def test_rows_are_the_researchers_analysis(runs: dict[str, il.Study]) -> None:
    # trainers see exactly what panel_effects and compare_formats give on the same study
    study = runs["diverse panel"]
    ours = bias_estimates(study).set_index("term")
    panel = il.panel_effects(study, group="ethnicity").set_index(["term", "group", "role"])
    formats = il.compare_formats(
        study.ratings, candidates=study.candidates, group="ethnicity", reference="White"
    ).set_index(["kind", "group", "format"])
    pairs = {
        "similar_to_me": panel.loc[("similar_to_me", "", "")],
        "panel_share": panel.loc[("panel_share", "", "")],
        "internal": panel.loc[("internal", "", "")],
        "format_interaction": formats.loc[("interaction", "Black", "")],
    }
    for term, row in pairs.items():
        for column in ("estimate", "se", "df", "ci_low", "ci_high", "p_value"):
            assert ours.loc[term, column] == row[column], (term, column)
        assert ours.loc[term, "n"] == row["n_candidates"]
        assert ours.loc[term, "small_sample"] == row["small_sample"]
        assert ours.loc[term, "source"].endswith(row["effect"])
    assert list(ours.index) == [*pairs, "recording_penalty"]
    assert list(bias_estimates(study).columns) == [
        "effect", "term", "planted", "estimate", "se", "df", "ci_low", "ci_high", "p_value", "n",
        "small_sample", "estimable", "reason", "source", "method", "covered",
    ]  # fmt: skip


def test_planted_effects_are_recovered(runs: dict[str, il.Study]) -> None:
    planted = bias_estimates(runs["diverse panel"]).set_index("term")
    for term in ("similar_to_me", "internal", "format_interaction"):
        row = planted.loc[term]
        assert (
            row["ci_low"] < row["planted"] < row["ci_high"]
            or abs(row["estimate"] - row["planted"]) < 0.1
        ), term
        assert row["p_value"] < 0.01, term
    none = bias_estimates(runs["no planted bias"]).set_index("term")
    assert none.loc["internal", "p_value"] > 0.05
    # a homogeneous pool confounds the bonus with the candidate's group: not estimable
    homogeneous = bias_estimates(runs["as planted"]).set_index("term")
    assert np.isnan(homogeneous.loc["similar_to_me", "estimate"])
    assert pd.isna(homogeneous.loc["similar_to_me", "covered"])


def test_appointments_differ_by_scenario(runs: dict[str, il.Study]) -> None:
    table = appointment_table(runs, group="ethnicity")
    assert list(dict.fromkeys(table["scenario"])) == list(il.training.SCENARIOS)
    black = table[table["category"] == "Black"].set_index("scenario")
    assert black.loc["as planted", "impact_ratio"] < black.loc["no planted bias", "impact_ratio"]
    assert black.loc["as planted", "below_threshold"]
    # counts are the candidates' own: same n in every scenario
    assert black["n"].nunique() == 1


def test_bias_estimates_needs_a_simulated_study() -> None:
    real = il.Study(
        meta={"name": "x", "rubric": {"min": 1, "max": 5}},
        candidates=pd.DataFrame(),
        ratings=pd.DataFrame(),
    )
    with pytest.raises(il.InterviewLabError, match="simulated study"):
        bias_estimates(real)


def test_recording_penalty_matches_a_formula_regression() -> None:
    # independent construction with statsmodels' formula interface: async candidates'
    # mean score per panel on lost quality, panel indicators, errors clustered by
    # candidate with t tests on (clusters - 1) df
    study = il.simulate_study(
        seed=11, n_candidates=400, recording_penalty=0.5, completion_rate=0.999
    )
    row = bias_estimates(study).set_index("term").loc["recording_penalty"]
    per = (
        study.ratings[study.ratings["format"] == "async"]
        .groupby(["candidate_id", "panel_id"], as_index=False)["score"]
        .mean()
        .merge(study.candidates, on="candidate_id")
    )
    per["lost"] = 1 - per["recording_quality"].astype(float)
    fit = smf.ols("score ~ C(panel_id) + lost", data=per).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(per["candidate_id"])[0]}, use_t=True
    )
    np.testing.assert_allclose(
        [row["estimate"], row["se"], row["p_value"]],
        [-fit.params["lost"], fit.bse["lost"], fit.pvalues["lost"]],
        rtol=1e-8,
    )
    low, high = fit.conf_int().loc["lost"]
    np.testing.assert_allclose([row["ci_low"], row["ci_high"]], [-high, -low], rtol=1e-8)
    assert row["n"] == per["candidate_id"].nunique()


def test_no_internal_candidates_is_a_row_saying_why() -> None:
    study = il.simulate_study(seed=4, n_candidates=150, internal_share=0.0)
    row = bias_estimates(study).set_index("term").loc["internal"]
    assert not row["estimable"] and "no internal candidates" in row["reason"]
    assert np.isnan(row["estimate"]) and pd.isna(row["covered"])
