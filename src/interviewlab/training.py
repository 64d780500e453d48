"""Panel-training demonstrations: planted biases, counterfactual scenarios, recovery.

A trainer plants biases in a simulated study (:func:`simulate_scenarios`) and shows
that the statistics see them (:func:`bias_estimates`: each planted effect beside the
estimate and confidence interval of the function a researcher would run on real data,
:func:`interviewlab.panel_effects` or :func:`interviewlab.compare_formats`) and what
they do to who is appointed (:func:`appointment_table`), compared with the same
candidates under no bias, a diverse rater pool, or a structured rubric. The candidates
are the same in every scenario (the same seed draws the same abilities), so differences
come from the process alone.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from interviewlab._checks import check_fraction
from interviewlab.data import Study, simulate_study
from interviewlab.errors import InterviewLabError
from interviewlab.formats import compare_formats
from interviewlab.impact import impact_ratios
from interviewlab.panels import panel_effects

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
    # imported here (and not statsmodels.api): `import interviewlab` stays fast
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.sm_exceptions import SingularMatrixWarning

    with warnings.catch_warnings():
        # rater indicators are collinear within fixed panels; the pseudo-inverse that
        # statsmodels uses still identifies the last coefficient, the one reported
        warnings.simplefilter("ignore", SingularMatrixWarning)
        fit = OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    low, high = fit.conf_int(alpha=1 - confidence)[-1]
    return (
        float(fit.params[-1]),
        float(fit.bse[-1]),
        float(low),
        float(high),
        float(fit.pvalues[-1]),
    )


#: columns of :func:`bias_estimates`, in order
_BIAS_COLUMNS = (
    "effect",
    "term",
    "planted",
    "estimate",
    "se",
    "df",
    "ci_low",
    "ci_high",
    "p_value",
    "n",
    "small_sample",
    "estimable",
    "reason",
    "source",
    "method",
    "covered",
)

#: ``term`` codes of the rows that do not come from panel_effects
_FORMAT = "format_interaction"
_RECORDING = "recording_penalty"

_PANEL_METHOD = (
    "panel_effects: REML mixed model with candidate, rater and question intercepts, "
    "Satterthwaite df"
)


def bias_estimates(study: Study, *, confidence: float = 0.95, min_n: int = 20) -> pd.DataFrame:
    """Estimate each planted bias of a simulated study with the researchers' functions.

    The similar-to-me, panel-composition and internal-candidate rows are rows of
    :func:`interviewlab.panel_effects`, the format penalty a row of
    :func:`interviewlab.compare_formats`: exactly what a researcher would run on real
    data, with the planted value beside each estimate.

    Parameters
    ----------
    study : Study
        A study from :func:`interviewlab.simulate_study` (its ``planted`` metadata holds
        the true values, the similarity column and the focal group; its raters table
        the raters' groups).
    confidence : float
        Level of the intervals.
    min_n : int, default 20
        Rows resting on fewer candidates are flagged ``small_sample`` (passed to
        :func:`interviewlab.panel_effects`; :func:`interviewlab.compare_formats` gets it
        as ``small_n``).

    Returns
    -------
    pandas.DataFrame
        One row per planted effect, in this order: similar-to-me bonus,
        panel-composition bonus, internal-candidate bonus, async penalty for the focal
        group, recording-quality penalty (when the study has recording qualities).
        Columns: ``effect`` (in words, for reading), ``term`` (a stable code to find
        rows by: ``similar_to_me``, ``panel_share`` and ``internal``, the
        :func:`interviewlab.panel_effects` codes of the rows they come from;
        ``format_interaction``; ``recording_penalty``), ``planted`` (true value),
        ``estimate``, ``se``, ``df``,
        ``ci_low``, ``ci_high``, ``p_value``, ``n`` (candidates that inform the
        estimate), ``small_sample``, ``estimable``, ``reason`` (why not, e.g.
        similar-to-me with a homogeneous rater pool; then the numbers are missing, never
        0), ``source`` (the function and row the estimate comes from), ``method``,
        ``covered`` (the planted value lies inside the interval; missing when not
        estimable).

    Notes
    -----
    * Similar-to-me bonus: the ``similar_to_me`` row of
      :func:`interviewlab.panel_effects` on the similarity column (within candidate,
      rater and candidate groups from the raters table); panel-composition bonus: its
      ``panel_share`` row (all of the panel in the candidate's group versus none), which
      is what the simulator's ``panel_share_bonus`` plants; internal-candidate bonus:
      its ``internal`` row.
    * Async penalty for the focal group: the ``interaction`` row (``kind``) of
      :func:`interviewlab.compare_formats` for the focal group against the largest other
      group (the planted penalty applies to the focal group only, so the difference in
      format effects between it and any other group is the planted value).
    * Recording-quality penalty: no researcher's function takes a simulated quality
      score (real studies measure recordings with :func:`interviewlab.audio_features`
      and :func:`interviewlab.recording_effects`), so it stays a regression of each
      async candidate's mean score on lost quality (1 - quality) with panel indicators
      and errors clustered by candidate, sign flipped to match the planted penalty.

    Scores are rounded and clipped to the rubric, which attenuates every effect a
    little (for a 0.4 bonus by about 0.03 at the simulator's defaults), so coverage is
    approximate.

    Examples
    --------
    >>> from interviewlab import simulate_study
    >>> study = simulate_study(seed=2, n_candidates=300, similarity_bonus=0.5)
    >>> table = bias_estimates(study)
    >>> list(table["effect"])  # doctest: +NORMALIZE_WHITESPACE
    ['similar-to-me bonus', 'panel-composition bonus', 'internal-candidate bonus',
     'async penalty for Black', 'recording-quality penalty']
    >>> list(table["term"])  # doctest: +NORMALIZE_WHITESPACE
    ['similar_to_me', 'panel_share', 'internal', 'format_interaction',
     'recording_penalty']
    >>> table.loc[0, "source"]
    "panel_effects: similar-to-me (rater shares the candidate's ethnicity)"
    """
    check_fraction("confidence", confidence)
    planted = study.planted
    needed = {"similarity_column", "focal_column", "focal_value"}
    if not needed <= set(planted):
        raise InterviewLabError(
            "bias_estimates needs a simulated study (its metadata must hold "
            "the planted similarity column and focal group)."
        )
    sim_col = planted["similarity_column"]
    panel = panel_effects(study, group=sim_col, confidence=confidence, min_n=min_n)
    rows = [
        _from_panel(panel, "similar_to_me", "similar-to-me bonus", planted["similarity_bonus"]),
        _from_panel(
            panel, "panel_share", "panel-composition bonus", planted.get("panel_share_bonus", 0.0)
        ),
        _from_panel(panel, "internal", "internal-candidate bonus", planted["internal_bonus"]),
        _format_penalty(study, confidence, min_n),
    ]
    recording = _recording_penalty(study, confidence, min_n)
    if recording is not None:
        rows.append(recording)
    out = pd.DataFrame(rows, columns=list(_BIAS_COLUMNS[:-1]))
    out["estimable"] = out["estimable"].astype(bool)
    out["small_sample"] = out["small_sample"].astype(bool)
    covered = (out["ci_low"] <= out["planted"]) & (out["planted"] <= out["ci_high"])
    out["covered"] = covered.astype("boolean")
    out.loc[~out["estimable"], "covered"] = pd.NA
    return out


def _from_panel(panel: pd.DataFrame, term: str, label: str, true: float) -> dict[str, object]:
    """The row of panel_effects whose ``term`` is ``term``, as a bias row."""
    row = panel[panel["term"] == term].iloc[0]
    return {
        "effect": label,
        "term": term,
        "planted": float(true),
        **{k: float(row[k]) for k in ("estimate", "se", "df", "ci_low", "ci_high", "p_value")},
        "n": int(row["n_candidates"]),
        "small_sample": bool(row["small_sample"]),
        "estimable": bool(row["estimable"]),
        "reason": str(row["reason"]),
        "source": f"panel_effects: {row['effect']}",
        "method": _PANEL_METHOD,
    }


def _blank(
    label: str, term: str, true: float, n: int, reason: str, source: str, method: str
) -> dict:
    return {
        "effect": label,
        "term": term,
        "planted": float(true),
        **dict.fromkeys(("estimate", "se", "df", "ci_low", "ci_high", "p_value"), np.nan),
        "n": n,
        "small_sample": False,
        "estimable": False,
        "reason": reason,
        "source": source,
        "method": method,
    }


def _format_penalty(study: Study, confidence: float, min_n: int) -> dict[str, object]:
    """compare_formats' format x group interaction of the focal group."""
    planted = study.planted
    column, focal = planted["focal_column"], planted["focal_value"]
    label = f"async penalty for {focal}"
    true = float(planted["focal_format_effect"])
    method = "compare_formats: REML mixed model, format x group, Satterthwaite df"
    counts = study.candidates[column].value_counts()
    others = counts.drop(index=focal, errors="ignore")
    if focal not in counts.index or others.empty:
        reason = (
            f"not estimable: the study needs {focal} candidates and candidates of another group"
        )
        n = int(counts.get(focal, 0))
        return _blank(label, _FORMAT, true, n, reason, "compare_formats", method)
    # the largest other group (ties: the first in sorted order) is the reference
    reference = sorted(others.index[others == others.max()])[0]
    table = compare_formats(
        study.ratings,
        candidates=study.candidates,
        group=column,
        reference=reference,
        confidence=confidence,
        small_n=min_n,
    )
    row = table[(table["kind"] == "interaction") & (table["group"] == focal)].iloc[0]
    return {
        "effect": label,
        "term": _FORMAT,
        "planted": true,
        **{k: float(row[k]) for k in ("estimate", "se", "df", "ci_low", "ci_high", "p_value")},
        "n": int(row["n_candidates"]),
        "small_sample": bool(row["small_sample"]),
        "estimable": bool(row["estimable"]),
        "reason": str(row["reason"]),
        "source": f"compare_formats: {row['effect']}",
        "method": method,
    }


def _recording_penalty(study: Study, confidence: float, min_n: int) -> dict[str, object] | None:
    """Async mean score on lost recording quality, panel indicators, clustered errors."""
    cand = study.candidates.set_index("candidate_id")
    if "recording_quality" not in cand.columns:
        return None
    label = "recording-quality penalty"
    true = float(study.planted["recording_penalty"])
    method = "OLS of async mean score on lost quality, panel effects, cluster-robust (sign flipped)"
    r = study.ratings[study.ratings["format"] == "async"]
    keys = ["candidate_id", *(["panel_id"] if "panel_id" in r.columns else [])]
    per = r.groupby(keys, as_index=False)["score"].mean()
    lost = 1 - pd.to_numeric(cand["recording_quality"], errors="coerce").reindex(
        per["candidate_id"]
    )
    per["lost"] = lost.to_numpy(dtype=float, na_value=np.nan)
    per = per[per["lost"].notna()]
    n = int(per["candidate_id"].nunique())
    if n < 3 or np.ptp(per["lost"].to_numpy()) == 0:
        reason = (
            "not estimable: fewer than 3 async candidates with a recording quality, or "
            "the quality does not vary"
        )
        return _blank(label, _RECORDING, true, n, reason, "regression in bias_estimates", method)
    panels = (
        pd.get_dummies(per["panel_id"], drop_first=True, dtype=float).to_numpy()
        if "panel_id" in per.columns
        else np.empty((len(per), 0))
    )
    design = np.column_stack([np.ones(len(per)), panels, per["lost"].to_numpy()])
    fit = _cluster_ols(
        per["score"].to_numpy(dtype=float), design, per["candidate_id"].to_numpy(), confidence
    )
    estimate, se, low, high, p = fit
    return {
        "effect": label,
        "term": _RECORDING,
        "planted": true,
        "estimate": -estimate,
        "se": se,
        "df": float(n - 1),
        "ci_low": -high,
        "ci_high": -low,
        "p_value": p,
        "n": n,
        "small_sample": n < min_n,
        "estimable": True,
        "reason": "",
        "source": "regression in bias_estimates",
        "method": method,
    }
