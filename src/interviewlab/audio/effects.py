"""Recordings joined to a study, and whether recording quality differs by group or moves scores."""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from interviewlab.audio.features import FEATURE_COLUMNS, audio_features
from interviewlab.data import Study
from interviewlab.errors import InterviewLabError
from interviewlab.impact import impact_ratios, score_gaps
from interviewlab.models import fit_mixed

__all__ = ["RecordingEffects", "recording_effects", "scores_by_quality", "study_audio_features"]

#: Quality features compared between groups and entered as predictors.
QUALITY = ("snr_db", "clipping_ratio", "bandwidth_hz")
#: Delivery features entered as predictors.
DELIVERY = ("syllables_per_s", "f0_sd_semitones", "n_pauses")


def study_audio_features(
    study: Study,
    *,
    n_jobs: int = 1,
    progress: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Features of the study's recordings joined to its ratings.

    Parameters
    ----------
    study : Study
        A study whose ``candidates.csv`` or ``ratings.csv`` has a ``recording`` column
        naming files in its ``recordings/`` folder (checked at loading).
    n_jobs, progress, cache_dir
        As for :func:`audio_features`.

    Returns
    -------
    pandas.DataFrame
        The study's ratings (all their columns, every rating kept) followed by the
        columns of :func:`audio_features` except ``path`` (``recording`` names the
        file). A recording named in ``candidates.csv`` applies to all of that
        candidate's ratings; one named in ``ratings.csv`` to its own rating. Ratings
        without a recording have missing features and ``error`` "no recording".

    Raises
    ------
    InterviewLabError
        If the study names no recordings.

    Examples
    --------
    >>> import interviewlab as il
    >>> il.study_audio_features(il.load_study("demo"))
    Traceback (most recent call last):
    ...
    interviewlab.errors.InterviewLabError: The study 'demo' names no recordings...
    """
    folder = study.recordings_dir
    in_ratings = "recording" in study.ratings.columns
    in_candidates = "recording" in study.candidates.columns
    if folder is None or not (in_ratings or in_candidates):
        raise InterviewLabError(
            f"The study {study.name!r} names no recordings: add a 'recording' column to "
            "candidates.csv or ratings.csv naming files in the study's recordings/ folder."
        )
    ratings = study.ratings.copy()
    if in_ratings:
        names = ratings["recording"].astype(str)
    else:
        lookup = study.candidates.set_index("candidate_id")["recording"].astype(str)
        names = ratings["candidate_id"].map(lookup).fillna("")
    ratings["recording"] = names.to_numpy()
    unique = sorted(set(names) - {""})
    feats = audio_features(
        [folder / name for name in unique], n_jobs=n_jobs, progress=progress, cache_dir=cache_dir
    )
    feats = feats.drop(columns="path").assign(recording=unique)
    out = ratings.drop(columns=[c for c in FEATURE_COLUMNS if c in ratings.columns])
    out = out.merge(feats, on="recording", how="left", validate="many_to_one")
    out["error"] = out["error"].astype(object).where(out["recording"] != "", "no recording")
    return out


@dataclass(frozen=True)
class RecordingEffects:
    """What :func:`recording_effects` found, quality first.

    Attributes
    ----------
    quality_gaps : pandas.DataFrame
        Per quality feature and group (candidate level): ``feature`` then the columns of
        :func:`interviewlab.score_gaps` (``group``, ``role``, ``n``, ``mean``, ``sd``,
        ``difference``, ``d``, ``ci_low``, ``ci_high``, ``t``, ``df``, ``p_value``,
        ``small_sample``), then ``estimable`` and ``reason`` (why a compared group's gap
        cannot be estimated, e.g. a feature without variation).
    below_threshold : pandas.DataFrame
        Per group: ``share_below`` (share of candidates whose recording falls below any
        quality threshold) and the columns of :func:`interviewlab.impact_ratios` where
        "selected" means a recording of acceptable quality.
    predictors : pandas.DataFrame
        The fixed effects of the mixed model of async scores (``term``, ``estimate``,
        ``se``, ``df``, ``statistic``, ``ci_low``, ``ci_high``, ``p_value``) with
        ``n_ratings`` and ``n_candidates``.
    formula : str
        The model's fixed-effects formula; random intercepts for candidate, rater and
        question.
    thresholds : dict
        The quality thresholds used.
    """

    quality_gaps: pd.DataFrame
    below_threshold: pd.DataFrame
    predictors: pd.DataFrame
    formula: str
    thresholds: dict[str, float]


def _candidate_features(features: pd.DataFrame, study: Study) -> pd.DataFrame:
    """One row per candidate with a measured recording: mean of their recordings."""
    ok = features[features["error"].isna()]
    cols = [*QUALITY, *DELIVERY]
    per = ok.groupby("candidate_id")[cols].mean()
    return study.candidates.merge(per, left_on="candidate_id", right_index=True, how="inner")


def recording_effects(
    features: pd.DataFrame,
    study: Study,
    *,
    group: str | None = None,
    reference: str | None = None,
    min_snr_db: float = 20.0,
    min_bandwidth_hz: float = 4000.0,
    max_clipping: float = 0.001,
) -> RecordingEffects:
    """Recording-quality gaps by group, and whether quality and delivery move async scores.

    Parameters
    ----------
    features : pandas.DataFrame
        The output of :func:`study_audio_features` for ``study`` (one row per rating).
    study : Study
        The study the features belong to.
    group : str, optional
        Candidate group column; default the first declared in ``study.toml``.
    reference : str, optional
        Reference group; default the one declared in ``study.toml``, else the group with
        the highest share of acceptable recordings.
    min_snr_db, min_bandwidth_hz, max_clipping : float
        Quality thresholds: a recording is acceptable when its SNR is at least
        ``min_snr_db`` (default 20 dB), its bandwidth at least ``min_bandwidth_hz``
        (default 4000 Hz, above telephone band) and its clipping ratio at most
        ``max_clipping`` (default 0.1% of samples).

    Returns
    -------
    RecordingEffects
        Quality gaps by group, shares below threshold with impact ratios, and the
        predictors of async scores (see the class).

    Raises
    ------
    InterviewLabError
        If the group column is unknown, the study has no async ratings with measured
        recordings, or a threshold is out of range.

    Notes
    -----
    Quality is technical adverse impact: if one group's recordings are noisier or
    band-limited and raters mark poor recordings down (Fiechter et al., 2018), the
    format disadvantages that group whatever its answers. The gaps are standardised
    (Hedges' g, with the raw ``difference`` in the feature's units) per candidate, a
    candidate's features being the mean over their recordings.

    The model is ``score ~ snr_db/10 + telephone_band + clipping_pct + syllables_per_s +
    f0_sd_semitones + n_pauses [+ live_score]`` on async ratings with random intercepts
    for candidate, rater and question (:func:`interviewlab.fit_mixed`, REML,
    Satterthwaite df); ``snr_db/10`` is per 10 dB, ``telephone_band`` is 1 when the
    bandwidth is under ``min_bandwidth_hz``, ``clipping_pct`` is in percent of samples.
    ``live_score`` (the candidate's mean live score, centred) is added when the design
    has live ratings of the same candidates: then the quality terms estimate what
    quality does to the async score beyond what the live panel saw in the candidate.
    Candidates without a live score are left out of that model (counted in
    ``n_candidates``). An observational association, not proof that quality caused
    the scores.

    References
    ----------
    Fiechter, J. L., Fealing, C., Gerrard, R., & Kornell, N. (2018). Audiovisual quality
    impacts assessments of job candidates in video interviews. Cognitive Research:
    Principles and Implications, 3, 47.

    DeGroot, T., & Motowidlo, S. J. (1999). Why visual and vocal interview cues can
    affect interviewers' judgments and predict job performance. Journal of Applied
    Psychology, 84(6), 986-993.
    """
    if not isinstance(study, Study):
        raise InterviewLabError("study must be an interviewlab Study (see load_study).")
    if min_bandwidth_hz <= 0 or max_clipping < 0 or max_clipping > 1:
        raise InterviewLabError(
            "min_bandwidth_hz must be positive and max_clipping between 0 and 1, got "
            f"{min_bandwidth_hz!r} and {max_clipping!r}."
        )
    if group is None:
        if not study.group_columns:
            raise InterviewLabError("The study declares no group columns; pass group=.")
        group = study.group_columns[0]
    if group not in study.candidates.columns:
        raise InterviewLabError(
            f"group {group!r} is not a candidate column; choose one of {study.group_columns}."
        )
    needed = {"candidate_id", "rater_id", "question_id", "format", "score", "error", *QUALITY}
    missing = sorted(needed - set(features.columns))
    if missing:
        raise InterviewLabError(
            f"features lack columns {missing}; pass the output of study_audio_features."
        )
    cand = _candidate_features(features, study)
    if cand.empty:
        raise InterviewLabError("No recording could be measured; see the features' error column.")
    thresholds = {
        "min_snr_db": float(min_snr_db),
        "min_bandwidth_hz": float(min_bandwidth_hz),
        "max_clipping": float(max_clipping),
    }
    acceptable = (
        (cand["snr_db"] >= min_snr_db)
        & (cand["bandwidth_hz"] >= min_bandwidth_hz)
        & (cand["clipping_ratio"] <= max_clipping)
    )
    cand = cand.assign(acceptable=acceptable.astype(int))
    known = cand[group].notna()
    ref = reference or study.reference_groups.get(group)
    ratios = impact_ratios(
        cand[known], group=group, selected="acceptable", reference=ref or "highest"
    )
    shares = 1 - cand[known].groupby(group)["acceptable"].mean()
    below = ratios.assign(share_below=ratios["category"].map(shares).to_numpy())
    if ref is None:
        ref = str(ratios.sort_values("rate", kind="stable")["category"].iloc[-1])
    gaps = []
    for feature in QUALITY:
        table = score_gaps(cand[known], group=group, score=feature, reference=ref)
        gaps.append(table.assign(feature=feature))
    quality_gaps = pd.concat(gaps, ignore_index=True)
    no_spread = quality_gaps["d"].isna() & (quality_gaps["role"] == "compared")
    quality_gaps["estimable"] = ~no_spread
    quality_gaps["reason"] = None
    quality_gaps.loc[no_spread, "reason"] = (
        "not estimable: the feature does not vary in these groups (e.g. no recording is "
        "clipped), so there is no gap to standardise"
    )
    quality_gaps = quality_gaps[["feature", *[c for c in quality_gaps if c != "feature"]]]
    predictors, formula = _score_model(features, min_bandwidth_hz)
    return RecordingEffects(
        quality_gaps=quality_gaps,
        below_threshold=below,
        predictors=predictors,
        formula=formula,
        thresholds=thresholds,
    )


def _score_model(features: pd.DataFrame, min_bandwidth_hz: float) -> tuple[pd.DataFrame, str]:
    """Fixed effects of quality and delivery on async scores (see recording_effects)."""
    live = features[features["format"] == "live"]
    data: Any = features[(features["format"] == "async") & features["error"].isna()].copy()
    if data.empty:
        raise InterviewLabError("The study has no async ratings with a measured recording.")
    data["snr_10db"] = data["snr_db"] / 10
    data["telephone_band"] = (data["bandwidth_hz"] < min_bandwidth_hz).astype(float)
    data["clipping_pct"] = data["clipping_ratio"] * 100
    data["n_pauses"] = data["n_pauses"].astype(float)
    terms = ["snr_10db", "clipping_pct", "syllables_per_s", "f0_sd_semitones", "n_pauses"]
    if data["telephone_band"].nunique() > 1:
        terms.insert(1, "telephone_band")
    if not live.empty:
        live_mean = live.groupby("candidate_id")["score"].mean()
        data["live_score"] = data["candidate_id"].map(live_mean - live_mean.mean())
        if data["live_score"].notna().any():
            terms.append("live_score")
    used = data.dropna(subset=[*terms, "score"])
    terms = [t for t in terms if used[t].nunique() > 1]
    formula = "score ~ " + " + ".join(terms)
    fit = fit_mixed(used, formula, random=["candidate_id", "rater_id", "question_id"])
    fixed = fit.fixed.assign(n_ratings=len(used), n_candidates=int(used["candidate_id"].nunique()))
    return fixed.reset_index(drop=True), formula


_UNITS = {"_db": "dB", "_hz": "Hz", "_s": "s"}


def _band_label(low: float, high: float, unit: str) -> str:
    suffix = f" {unit}" if unit else ""
    if not np.isfinite(low):
        return f"under {high:g}{suffix}"
    if not np.isfinite(high):
        return f"{low:g}{suffix} or more"
    return f"{low:g} to {high:g}{suffix}"


def scores_by_quality(
    features: pd.DataFrame,
    *,
    feature: str = "snr_db",
    edges: Sequence[float] = (15.0, 20.0, 25.0),
    in_format: str = "async",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Mean score of candidates whose recordings fall in each band of a quality feature.

    Parameters
    ----------
    features : pandas.DataFrame
        The output of :func:`study_audio_features` (one row per rating).
    feature : str, default "snr_db"
        A numeric feature column (e.g. ``"snr_db"``, ``"bandwidth_hz"``).
    edges : sequence of float, default (15, 20, 25)
        Increasing band edges; the bands are ``[-inf, e1), [e1, e2), ..., [ek, inf)``.
    in_format : str, default "async"
        The format whose ratings are averaged (the one judged from the recordings).
    confidence : float, default 0.95
        Level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per band, in order: ``band`` (label with the feature's unit), ``low``,
        ``high`` (edges; -inf/inf at the ends), ``n_candidates``, ``n_ratings``,
        ``feature_mean`` (mean of the feature over the band's candidates), ``estimate``
        (mean over candidates of each candidate's mean score), ``sd`` (SD of the
        candidate means), ``ci_low``, ``ci_high`` (Student t interval over candidates),
        ``estimable`` and ``reason`` (an empty band or a band of one candidate).

    Raises
    ------
    InterviewLabError
        If a column is missing, ``edges`` are not increasing, ``in_format`` has no rating
        with a measured recording, or ``confidence`` is not between 0 and 1.

    Notes
    -----
    Candidates, not ratings, are the unit: a candidate's ratings share one recording and
    one candidate, so they are averaged first and the interval is the t interval of the
    mean of those averages (``mean +- t(n-1) * sd / sqrt(n)``). The bands describe; the
    adjusted association of quality with scores is the model of
    :func:`recording_effects`. Ratings whose recording could not be measured are left
    out.

    Examples
    --------
    >>> feats = pd.DataFrame({"candidate_id": ["a", "a", "b", "c", "d"],
    ...                       "format": "async", "score": [2.0, 4.0, 4.0, 5.0, 3.0],
    ...                       "snr_db": [12.0, 12.0, 14.0, 26.0, 31.0], "error": None})
    >>> t = scores_by_quality(feats, edges=[20])
    >>> t[["band", "n_candidates", "estimate"]].to_dict("records")
    [{'band': 'under 20 dB', 'n_candidates': 2, 'estimate': 3.5}, \
{'band': '20 dB or more', 'n_candidates': 2, 'estimate': 4.0}]
    """
    from scipy import stats

    needed = {"candidate_id", "format", "score", "error", feature}
    missing = sorted(needed - set(features.columns))
    if missing:
        raise InterviewLabError(
            f"features lack columns {missing}; pass the output of study_audio_features."
        )
    cuts = [float(e) for e in edges]
    if not cuts or any(b <= a for a, b in itertools.pairwise(cuts)):
        raise InterviewLabError(f"edges must be one or more increasing numbers, got {edges!r}.")
    if not 0 < confidence < 1:
        raise InterviewLabError(f"confidence must be between 0 and 1, got {confidence!r}.")
    used = features[(features["format"] == in_format) & features["error"].isna()]
    used = used.dropna(subset=[feature, "score"])
    if used.empty:
        raise InterviewLabError(
            f"No {in_format!r} rating has a measured recording with {feature!r}; the formats "
            f"present are {sorted(map(str, features['format'].unique()))}."
        )
    per = used.groupby("candidate_id").agg(
        value=(feature, "mean"), score=("score", "mean"), n_ratings=("score", "size")
    )
    bounds = [-np.inf, *cuts, np.inf]
    band = pd.cut(per["value"], bounds, right=False, labels=False)
    unit = next((u for end, u in _UNITS.items() if feature.endswith(end)), "")
    rows = []
    for i, (low, high) in enumerate(itertools.pairwise(bounds)):
        inside = per[band == i]
        n = len(inside)
        row: dict[str, Any] = {
            "band": _band_label(low, high, unit),
            "low": low,
            "high": high,
            "n_candidates": n,
            "n_ratings": int(inside["n_ratings"].sum()),
            "feature_mean": float(inside["value"].mean()) if n else np.nan,
            "estimate": float(inside["score"].mean()) if n else np.nan,
            "sd": float(inside["score"].std(ddof=1)) if n > 1 else np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "estimable": n > 1,
            "reason": None,
        }
        if n > 1:
            half = stats.t.ppf(0.5 + confidence / 2, n - 1) * row["sd"] / np.sqrt(n)
            row["ci_low"], row["ci_high"] = row["estimate"] - half, row["estimate"] + half
        else:
            row["reason"] = (
                "not estimable: no candidate's recording falls in this band"
                if n == 0
                else "not estimable: one candidate, so no interval (and too few to show)"
            )
        rows.append(row)
    return pd.DataFrame(rows)
