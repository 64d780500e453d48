"""format_power: false-positive rate near alpha, reproducibility, pilot variances."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from interviewlab.errors import InterviewLabError
from interviewlab.formats import compare_formats, format_power
from interviewlab.models import fit_mixed


def test_null_simulation_rejects_at_about_the_nominal_rate():
    # no planted effect: 160 simulated studies, Binomial(160, 0.05) rejections expected
    # (mean 8); fewer than 2 or more than 16 would have probability below 0.01
    res = format_power(
        effect=0.0, n_candidates=60, n_raters=6, n_sims=160, seed=2026, progress=False
    ).iloc[0]
    assert res["n_failed"] == 0
    assert 2 <= res["n_rejected"] <= 16, res["n_rejected"]
    assert res["ci_low"] <= 0.05 <= res["ci_high"]
    # the Monte-Carlo interval is the exact (Clopper-Pearson) one: scipy's binomtest
    ci = stats.binomtest(int(res["n_rejected"]), 160).proportion_ci(method="exact")
    assert_allclose([res["ci_low"], res["ci_high"]], [ci.low, ci.high], rtol=1e-8)


def test_power_grows_with_n_and_marks_smallest_n():
    res = format_power(effect=-0.5, n_candidates=[40, 200], n_sims=30, seed=5, progress=False)
    assert list(res["n_candidates"]) == [40, 200]
    assert res["power"].iloc[1] > res["power"].iloc[0]
    assert res["power"].iloc[1] >= 0.8
    assert list(res["smallest"]) == [False, True]
    # rounding to the 1-5 scale shrinks the latent effect a little, not its sign
    assert -0.6 < res["mean_estimate"].iloc[1] < -0.3


def test_results_do_not_depend_on_n_jobs():
    kwargs = {"effect": -0.3, "n_candidates": 60, "n_sims": 6, "seed": 9, "progress": False}
    one = format_power(**kwargs, n_jobs=1)
    two = format_power(**kwargs, n_jobs=2)
    pd.testing.assert_frame_equal(one, two)


def test_interaction_target_and_within_design():
    res = format_power(
        effect=-1.0,
        target="interaction",
        design="within",
        n_candidates=200,
        n_sims=8,
        seed=3,
        progress=False,
    ).iloc[0]
    assert res["target"] == "interaction" and res["design"] == "within"
    assert res["n_failed"] == 0
    assert res["mean_estimate"] < -0.5


def test_variances_from_a_pilot_fit_or_mapping():
    rng = np.random.default_rng(4)
    cand = np.repeat(np.arange(40), 6)
    rater = np.tile(np.arange(6), 40)
    y = rng.normal(0, 0.5, 40)[cand] + rng.normal(0, 0.2, 6)[rater] + rng.normal(0, 0.6, 240)
    pilot = pd.DataFrame({"candidate_id": cand, "rater_id": rater, "score": 3 + y})
    fit = fit_mixed(pilot, "score ~ 1", random=["candidate_id", "rater_id"], variance_ci=False)
    res = format_power(
        effect=-0.3, variances=fit, n_candidates=40, n_sims=3, seed=1, progress=False
    )
    assert res["n_sims"].iloc[0] == 3
    with pytest.raises(InterviewLabError, match="unknown key"):
        format_power(effect=-0.3, variances={"ability": 1.0}, n_sims=2, seed=1, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        only_cand = fit_mixed(pilot, "score ~ 1", random=["candidate_id"], variance_ci=False)
    with pytest.raises(InterviewLabError, match="rater_id"):
        format_power(effect=-0.3, variances=only_cand, n_sims=2, seed=1, progress=False)


def test_bad_options_raise():
    with pytest.raises(InterviewLabError, match="target='gap'"):
        format_power(effect=-0.3, target="gap", seed=1)
    with pytest.raises(InterviewLabError, match="n_candidates"):
        format_power(effect=-0.3, n_candidates=2, seed=1)
    with pytest.raises(InterviewLabError, match="seed"):
        format_power(effect=-0.3, seed=None)  # type: ignore[arg-type]


def test_simulations_fit_the_same_model_as_a_checked_study():
    # format_power skips checking the simulator's tables; the fast path's estimate and
    # Satterthwaite p equal fit_mixed on the checked study simulate_study returns
    from interviewlab.data import simulate_study
    from interviewlab.formats.power import DEMO_SDS, _one_simulation

    options = {"n_questions": 5, "panel_size": 3, "scale": (1, 5)}
    estimate, p_value, failed = _one_simulation(
        11, design="between", n_candidates=300, n_raters=12, effect=-0.4,
        target="interaction", sds=DEMO_SDS, alpha=0.05, options=options,
    )  # fmt: skip
    study = simulate_study(seed=11, n_candidates=300, n_raters=12, focal_format_effect=-0.4)
    rated = study.ratings.merge(study.candidates, on="candidate_id")
    rated = rated.assign(fa=(rated["format"] == "async").astype(float),
                         g1=(rated["ethnicity"] == "Black").astype(float))  # fmt: skip
    fit = fit_mixed(rated, formula="score ~ fa * g1 + C(question_id)",
                    random=["candidate_id", "rater_id"])  # fmt: skip
    row = fit.fixed.set_index("term").loc["fa:g1"]
    assert not failed
    assert_allclose([estimate, p_value], [row["estimate"], row["p_value"]], rtol=1e-6)


def test_within_simulations_fit_the_format_model_without_sequence_and_period():
    # the docstring: for a within design format_power fits compare_formats' model without
    # its sequence and period terms, i.e. fit_mixed(score ~ fa + C(question_id), random =
    # candidate, rater, candidate:format) on the study simulate_study returns
    from interviewlab.data import simulate_study
    from interviewlab.formats.power import DEMO_SDS, _one_simulation

    options = {"n_questions": 5, "panel_size": 3, "scale": (1, 5)}
    estimate, p_value, failed = _one_simulation(
        12, design="within", n_candidates=60, n_raters=12, effect=-0.1,
        target="format", sds=DEMO_SDS, alpha=0.05, options=options,
    )  # fmt: skip
    study = simulate_study(
        seed=12, n_candidates=60, n_raters=12, design="within", format_effect=-0.1
    )
    rated = study.ratings.assign(fa=(study.ratings["format"] == "async").astype(float))
    fit = fit_mixed(rated, formula="score ~ fa + C(question_id)",
                    random=["candidate_id", "rater_id", "candidate_id:fa"])  # fmt: skip
    row = fit.fixed.set_index("term").loc["fa"]
    assert not failed and 1e-4 < p_value < 0.5
    assert_allclose(estimate, row["estimate"], rtol=1e-6)
    # rows in another order: the optimiser of three variances stops a little elsewhere,
    # which moves the Satterthwaite df (and p) by about 1e-4
    assert_allclose(p_value, row["p_value"], rtol=1e-3)
    # compare_formats on the same study adds sequence and period (the crossover model)
    full = compare_formats(study.ratings, candidates=study.candidates)
    assert {"period", "carryover"} <= set(full["kind"])
