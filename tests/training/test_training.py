"""Training scenarios: the planted biases are recovered, and the scenarios differ as built."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from statsmodels.tools.sm_exceptions import SingularMatrixWarning

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


def test_similarity_estimate_matches_a_dummy_variable_regression() -> None:
    # independent check of the demeaning: statsmodels with explicit candidate, rater and
    # question indicators on a small study gives the same coefficient
    study = il.simulate_study(seed=3, n_candidates=150, similarity_bonus=0.5, completion_rate=0.999)
    ours = bias_estimates(study).set_index("effect").loc["similar-to-me bonus"]
    r = study.ratings.merge(study.candidates, on="candidate_id")
    r["same"] = (r["rater_id"].map(study.planted["rater_group"]) == r["ethnicity"]).astype(float)
    with warnings.catch_warnings():
        # raters sit in fixed panels, so rater and candidate indicators are collinear;
        # the coefficient of "same" is still identified
        warnings.simplefilter("ignore", SingularMatrixWarning)
        fit = smf.ols("score ~ same + C(candidate_id) + C(rater_id) + C(question_id)", data=r).fit()
    np.testing.assert_allclose(ours["estimate"], fit.params["same"], rtol=1e-8)


def test_planted_effects_are_recovered(runs: dict[str, il.Study]) -> None:
    planted = bias_estimates(runs["diverse panel"]).set_index("effect")
    for effect in ("similar-to-me bonus", "internal-candidate bonus", "async penalty for Black"):
        row = planted.loc[effect]
        assert (
            row["ci_low"] < row["planted"] < row["ci_high"]
            or abs(row["estimate"] - row["planted"]) < 0.1
        ), effect
        assert row["p_value"] < 0.01, effect
    none = bias_estimates(runs["no planted bias"]).set_index("effect")
    assert none.loc["internal-candidate bonus", "p_value"] > 0.05
    # a homogeneous pool confounds the bonus with the candidate's group: not estimable
    homogeneous = bias_estimates(runs["as planted"]).set_index("effect")
    assert np.isnan(homogeneous.loc["similar-to-me bonus", "estimate"])
    assert pd.isna(homogeneous.loc["similar-to-me bonus", "covered"])


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


def test_candidate_level_estimates_match_a_formula_regression() -> None:
    # independent construction of the same models with statsmodels' formula interface:
    # candidate means per format and panel, panel indicators, errors clustered by candidate
    study = il.simulate_study(
        seed=11,
        n_candidates=400,
        internal_bonus=0.3,
        focal_format_effect=-0.4,
        completion_rate=0.999,
    )
    ours = bias_estimates(study).set_index("effect")
    per = (
        study.ratings.groupby(["candidate_id", "format", "panel_id"], as_index=False)["score"]
        .mean()
        .merge(study.candidates, on="candidate_id")
    )
    per["is_async"] = (per["format"] == "async").astype(float)
    per["focal"] = (per["ethnicity"] == "Black").astype(float)
    groups = {"groups": pd.factorize(per["candidate_id"])[0]}
    fmt = smf.ols("score ~ C(panel_id) + is_async + focal + is_async:focal", data=per).fit(
        cov_type="cluster", cov_kwds=groups
    )
    row = ours.loc["async penalty for Black"]
    np.testing.assert_allclose(
        [row["estimate"], row["se"]],
        [fmt.params["is_async:focal"], fmt.bse["is_async:focal"]],
        rtol=1e-8,
    )
    internal = smf.ols("score ~ C(panel_id) + is_async + internal", data=per).fit(
        cov_type="cluster", cov_kwds=groups
    )
    row = ours.loc["internal-candidate bonus"]
    np.testing.assert_allclose(
        [row["estimate"], row["se"]],
        [internal.params["internal"], internal.bse["internal"]],
        rtol=1e-8,
    )
