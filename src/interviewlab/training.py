"""Panel-training demonstrations: planted biases, counterfactual scenarios, recovery.

A trainer plants biases in a simulated study (:func:`simulate_scenarios`) and shows
that the statistics see them (:func:`bias_estimates`: each planted effect beside its
estimate and confidence interval) and what they do to who is appointed
(:func:`appointment_table`), compared with the same candidates under no bias, a diverse
rater pool, or a structured rubric. The candidates are the same in every scenario (the
same seed draws the same abilities), so differences come from the process alone.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import SingularMatrixWarning

from interviewlab._checks import check_fraction
from interviewlab.errors import InterviewLabError
from interviewlab.impact import impact_ratios
from interviewlab.simulate import simulate_study
from interviewlab.study import Study

__all__ = ["SCENARIOS", "appointment_table", "bias_estimates", "simulate_scenarios"]

#: Scenario names, in the order reports show them.
SCENARIOS = ("as planted", "no planted bias", "diverse panel", "structured rubric")

#: How the "structured rubric" scenario is modelled: an illustrative assumption (anchored
#: rating scales and note-taking reduce rater idiosyncrasy), not a published effect size.
STRUCTURED_RUBRIC = {"noise_sd": 0.45, "rater_sd": 0.15, "similarity_factor": 0.5}


def simulate_scenarios(
    *,
    seed: int,
    n_candidates: int = 3000,
    similarity_bonus: float = 0.4,
    internal_bonus: float = 0.4,
    focal_format_effect: float = -0.4,
    recording_penalty: float = 0.5,
    homogeneous_panel: bool = True,
    focal: tuple[str, str] = ("ethnicity", "Black"),
) -> dict[str, Study]:
    """Simulate the same candidates under four hiring processes.

    Parameters
    ----------
    seed : int
        Seed shared by every scenario, so the candidates are identical.
    n_candidates : int
        Number of applicants.
    similarity_bonus, internal_bonus, focal_format_effect, recording_penalty : float
        Planted biases (see :func:`interviewlab.simulate_study`), in score points.
    homogeneous_panel : bool
        If true, every rater belongs to the majority group of ``focal[0]`` in the
        "as planted" scenario.
    focal : (str, str)
        Group column and value the format penalty applies to.

    Returns
    -------
    dict of str to Study
        Keys :data:`SCENARIOS`: "as planted" (the biases above), "no planted bias" (all
        set to zero), "diverse panel" (the biases, raters drawn from the population) and
        "structured rubric" (the biases, with less rater noise and half the
        similar-to-me bonus: an illustrative assumption, see ``STRUCTURED_RUBRIC``).

    Examples
    --------
    >>> runs = simulate_scenarios(seed=1, n_candidates=120)
    >>> list(runs)
    ['as planted', 'no planted bias', 'diverse panel', 'structured rubric']
    """

    def run(name: str, *, biased: bool, majority: float | None, structured: bool) -> Study:
        scale = STRUCTURED_RUBRIC["similarity_factor"] if structured else 1.0
        return simulate_study(
            seed=seed,
            name=name,
            n_candidates=n_candidates,
            n_raters=12,
            n_requisitions=5,
            focal=focal,
            similarity_column=focal[0],
            shortlist_rate=0.4,
            appoint_rate=0.5,
            similarity_bonus=similarity_bonus * scale if biased else 0.0,
            internal_bonus=internal_bonus if biased else 0.0,
            focal_format_effect=focal_format_effect if biased else 0.0,
            recording_penalty=recording_penalty if biased else 0.0,
            rater_majority_share=majority,
            # otherwise simulate_study's own defaults (0.7 and 0.3)
            noise_sd=STRUCTURED_RUBRIC["noise_sd"] if structured else 0.7,
            rater_sd=STRUCTURED_RUBRIC["rater_sd"] if structured else 0.3,
        )

    pool = 1.0 if homogeneous_panel else None
    return {
        "as planted": run("as planted", biased=True, majority=pool, structured=False),
        "no planted bias": run("no planted bias", biased=False, majority=pool, structured=False),
        "diverse panel": run("diverse panel", biased=True, majority=None, structured=False),
        "structured rubric": run("structured rubric", biased=True, majority=pool, structured=True),
    }


def appointment_table(
    scenarios: Mapping[str, Study],
    *,
    group: str,
    stage: str = "appointed",
    threshold: float = 0.8,
    min_count: int = 10,
) -> pd.DataFrame:
    """Appointment rates and impact ratios per group in every scenario.

    Rates are cumulative over all applicants (appointed out of everyone who applied).

    Returns
    -------
    pandas.DataFrame
        ``scenario`` then the columns of :func:`interviewlab.impact_ratios`
        (reference: the highest-rate group with at least ``min_count`` applicants).
    """
    check_fraction("threshold", threshold)
    if not scenarios:
        raise InterviewLabError("scenarios is empty: pass the output of simulate_scenarios.")
    frames = [study.candidates.assign(scenario=name) for name, study in scenarios.items()]
    data = pd.concat(frames, ignore_index=True)
    table = impact_ratios(
        data, group=group, selected=stage, by="scenario", threshold=threshold, min_count=min_count
    )
    order = {name: i for i, name in enumerate(scenarios)}
    return table.sort_values("scenario", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True
    )


def _cluster_ols(
    y: np.ndarray, x: np.ndarray, groups: np.ndarray, confidence: float
) -> tuple[float, float, float, float, float]:
    with warnings.catch_warnings():
        # rater indicators are collinear within fixed panels; the pseudo-inverse that
        # statsmodels uses still identifies the last coefficient, the one reported
        warnings.simplefilter("ignore", SingularMatrixWarning)
        fit = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": groups})
    low, high = fit.conf_int(alpha=1 - confidence)[-1]
    return (
        float(fit.params[-1]),
        float(fit.bse[-1]),
        float(low),
        float(high),
        float(fit.pvalues[-1]),
    )


def bias_estimates(study: Study, *, confidence: float = 0.95) -> pd.DataFrame:
    """Estimate each planted bias of a simulated study, with its confidence interval.

    Parameters
    ----------
    study : Study
        A study from :func:`interviewlab.simulate_study` (its ``planted`` metadata names
        the rater groups, the focal group and the true values).
    confidence : float
        Level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per effect: ``effect``, ``planted`` (true value), ``estimate``, ``se``,
        ``ci_low``, ``ci_high``, ``p_value``, ``n`` (candidates used), ``method``,
        ``covered`` (the planted value lies inside the interval; missing when the effect
        cannot be estimated, e.g. similar-to-me with a homogeneous rater pool).

    Notes
    -----
    * Similar-to-me: regression of a rating on "rater shares the candidate's group" with
      candidate effects (absorbed by demeaning), rater and question effects, standard
      errors clustered by candidate. Only candidates whose panel mixes rater
      groups inform it; with a homogeneous rater pool it is confounded with the
      candidate's group and is estimated as missing.
    * Internal bonus: regression of the candidate's mean score on ``internal``.
    * Format penalty for the focal group: regression of each candidate's mean score per
      format on async, focal and their interaction (the interaction is the estimate),
      errors clustered by candidate.
    * Recording penalty: among async candidates, the slope of mean score on lost
      recording quality (1 - quality), sign flipped to match the planted penalty.

    Scores are rounded and clipped to the rubric, which attenuates every effect a
    little, so coverage is approximate.
    """
    check_fraction("confidence", confidence)
    planted = study.planted
    needed = {"rater_group", "similarity_column", "focal_column", "focal_value"}
    if not needed <= set(planted):
        raise InterviewLabError(
            "bias_estimates needs a simulated study (its metadata must hold "
            "the planted rater groups and focal group)."
        )
    cand = study.candidates.set_index("candidate_id")
    r = study.ratings
    rows = []

    # similar-to-me, within candidate
    sim_col = planted["similarity_column"]
    same = (
        r["rater_id"].map(planted["rater_group"]).to_numpy()
        == cand.loc[r["candidate_id"], sim_col].to_numpy()
    ).astype(float)
    # regressors: rater and question indicators (one of each dropped) and the same-group
    # indicator, all demeaned within candidate, over all ratings (candidates whose panel
    # shares or lacks their group only help estimate the rater effects); by
    # Frisch-Waugh-Lovell the coefficient of "same" equals that of a regression with
    # candidate, rater and question effects
    raters = pd.get_dummies(r["rater_id"], drop_first=True, dtype=float)
    questions = pd.get_dummies(r["question_id"], drop_first=True, dtype=float)
    x = np.column_stack([raters.to_numpy(), questions.to_numpy(), same])
    y = r["score"].to_numpy(dtype=float)
    groups = r["candidate_id"].to_numpy()
    codes = pd.factorize(groups)[0]
    counts = np.bincount(codes)

    def within(values: np.ndarray) -> np.ndarray:
        sums = np.zeros((counts.size, *values.shape[1:]))
        np.add.at(sums, codes, values)
        means = sums / counts.reshape(-1, *([1] * (values.ndim - 1)))
        return values - means[codes]

    informative = pd.Series(same).groupby(codes).transform("std").fillna(0).to_numpy() > 0
    n_inf = int(np.unique(codes[informative]).size)
    if n_inf >= 20:
        est = _cluster_ols(within(y), within(x), groups, confidence)
    else:
        est = (np.nan,) * 5
    rows.append(
        (
            "similar-to-me bonus",
            planted["similarity_bonus"],
            *est,
            n_inf,
            "OLS with candidate, rater and question effects, cluster-robust by candidate",
        )
    )

    # candidate-level mean scores per format
    per = r.groupby(["candidate_id", "format"], as_index=False)["score"].mean()
    per = per.join(cand, on="candidate_id")
    overall = per.groupby("candidate_id")["score"].mean()
    internal = cand.loc[overall.index, "internal"].astype(float).to_numpy()
    est = _cluster_ols(
        overall.to_numpy(), sm.add_constant(internal), overall.index.to_numpy(), confidence
    )
    rows.append(
        (
            "internal-candidate bonus",
            planted["internal_bonus"],
            *est,
            len(overall),
            "OLS of mean score on internal, robust SE",
        )
    )

    is_async = (per["format"] == "async").to_numpy(dtype=float)
    focal = (per[planted["focal_column"]] == planted["focal_value"]).to_numpy(dtype=float)
    design = np.column_stack([np.ones(len(per)), is_async, focal, is_async * focal])
    est = _cluster_ols(per["score"].to_numpy(), design, per["candidate_id"].to_numpy(), confidence)
    rows.append(
        (
            f"async penalty for {planted['focal_value']}",
            planted["focal_format_effect"],
            *est,
            int(per["candidate_id"].nunique()),
            "OLS async x focal interaction, cluster-robust by candidate",
        )
    )

    asyn = per[per["format"] == "async"]
    if "recording_quality" in asyn.columns and len(asyn) >= 20:
        lost = 1 - asyn["recording_quality"].to_numpy(dtype=float)
        est = _cluster_ols(
            asyn["score"].to_numpy(),
            sm.add_constant(lost),
            asyn["candidate_id"].to_numpy(),
            confidence,
        )
        est = (-est[0], est[1], -est[3], -est[2], est[4])
        rows.append(
            (
                "recording-quality penalty",
                planted["recording_penalty"],
                *est,
                len(asyn),
                "OLS of async mean score on lost quality, robust SE (sign flipped)",
            )
        )

    out = pd.DataFrame(
        rows,
        columns=[
            "effect",
            "planted",
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "p_value",
            "n",
            "method",
        ],
    )
    covered = (out["ci_low"] <= out["planted"]) & (out["planted"] <= out["ci_high"])
    out["covered"] = covered.astype("boolean")
    out.loc[out["estimate"].isna(), "covered"] = pd.NA
    return out
