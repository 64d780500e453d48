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
from interviewlab.data import Study, simulate_study
from interviewlab.errors import InterviewLabError
from interviewlab.impact import impact_ratios

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
      errors clustered by candidate. Candidates whose group is not recorded cannot be
      classed as same or different and are left out of this one regression; ``n``
      counts the candidates whose panel mixed rater groups (those that inform it).
      With a homogeneous rater pool it is confounded with the candidate's group and is
      estimated as missing.
    * The other effects are regressions of each candidate's mean score per format (and
      panel) with panel indicators, since candidates rated by the same panel share its
      severity, and errors clustered by candidate. Internal bonus: on ``internal`` and
      format. Format penalty for the focal group: the async x focal interaction, with
      async and focal. Recording penalty: among async candidates, the slope on lost
      recording quality (1 - quality), sign flipped to match the planted penalty.
    * An effect whose regressor does not vary (e.g. no internal candidate) or that
      rests on fewer than 20 candidates is reported as missing, not as zero.

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
    # candidates whose group is not recorded cannot be classified as same or different:
    # they are left out of this regression (and counted out of ``n``)
    recorded = cand.loc[r["candidate_id"], sim_col].notna().to_numpy()
    rs = r[recorded]
    same = (
        rs["rater_id"].map(planted["rater_group"]).to_numpy()
        == cand.loc[rs["candidate_id"], sim_col].to_numpy()
    ).astype(float)
    # regressors: rater and question indicators (one of each dropped) and the same-group
    # indicator, all demeaned within candidate, over all ratings (candidates whose panel
    # shares or lacks their group only help estimate the rater effects); by
    # Frisch-Waugh-Lovell the coefficient of "same" equals that of a regression with
    # candidate, rater and question effects
    raters = pd.get_dummies(rs["rater_id"], drop_first=True, dtype=float)
    questions = pd.get_dummies(rs["question_id"], drop_first=True, dtype=float)
    x = np.column_stack([raters.to_numpy(), questions.to_numpy(), same])
    y = rs["score"].to_numpy(dtype=float)
    groups = rs["candidate_id"].to_numpy()
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

    # candidate-level mean scores per format (and panel: candidates rated by the same
    # panel share its severity, so panel indicators enter every regression below)
    keys = ["candidate_id", "format", *(["panel_id"] if "panel_id" in r.columns else [])]
    per = r.groupby(keys, as_index=False)["score"].mean().join(cand, on="candidate_id")
    panels = (
        pd.get_dummies(per["panel_id"], drop_first=True, dtype=float).to_numpy()
        if "panel_id" in per.columns
        else np.empty((len(per), 0))
    )
    is_async = (per["format"] == "async").to_numpy(dtype=float)
    focal = (per[planted["focal_column"]] == planted["focal_value"]).to_numpy(dtype=float)
    ids = per["candidate_id"].to_numpy()

    def effect(
        label: str,
        true: float,
        x: np.ndarray,
        controls: list[np.ndarray],
        used: np.ndarray,
        method: str,
        sign: float = 1.0,
    ) -> None:
        """Regress mean score on [1, panels, controls, x] over ``used``; report x's slope."""
        n_used = int(pd.unique(ids[used]).size)
        if n_used < 20 or np.ptp(x[used]) == 0:
            rows.append((label, true, *(np.nan,) * 5, n_used, method))
            return
        design = np.column_stack([np.ones(len(per)), panels, *controls, x])[used]
        est = _cluster_ols(per["score"].to_numpy()[used], design, ids[used], confidence)
        if sign < 0:
            est = (-est[0], est[1], -est[3], -est[2], est[4])
        rows.append((label, true, *est, n_used, method))

    everyone = np.ones(len(per), dtype=bool)
    effect(
        "internal-candidate bonus",
        planted["internal_bonus"],
        per["internal"].astype(float).to_numpy(),
        [is_async],
        everyone,
        "OLS of mean score on internal, panel and format effects, cluster-robust",
    )
    effect(
        f"async penalty for {planted['focal_value']}",
        planted["focal_format_effect"],
        is_async * focal,
        [is_async, focal],
        everyone,
        "OLS async x focal interaction, panel effects, cluster-robust by candidate",
    )
    if "recording_quality" in per.columns:
        effect(
            "recording-quality penalty",
            planted["recording_penalty"],
            1 - per["recording_quality"].astype(float).to_numpy(),
            [],
            is_async == 1,
            "OLS of async mean score on lost quality, panel effects, cluster-robust (sign flipped)",
            sign=-1.0,
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
