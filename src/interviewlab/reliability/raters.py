"""Rater effects: severity, drift over time and differential rater functioning.

A rater's severity is their random intercept in a crossed candidates x raters mixed
model (:func:`interviewlab.models.fit_mixed`): the shrunken amount by which their scores
sit above (lenient) or below (severe) what the same candidates get from the other
raters. Drift is a change of that offset over time; differential rater functioning
(DRF) is a severity that differs by candidate group beyond chance.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from interviewlab._checks import (
    as_list,
    check_choice,
    check_fraction,
    require_columns,
    require_frame,
)
from interviewlab.errors import InterviewLabError, InterviewLabWarning, SmallSampleWarning
from interviewlab.models import MixedFit
from interviewlab.models.engine import Design, build_design, fit_design, single_threaded_blas

__all__ = ["rater_effects"]

ADJUSTMENTS = ("holm", "bonferroni", "none")
#: raters with fewer ratings than this are marked ``small_sample``
MIN_RATINGS = 10


def _adjust(p: np.ndarray, method: str) -> np.ndarray:
    """Multiplicity-adjusted p-values across raters (missing values left missing).

    Holm's step-down and Bonferroni adjustments, written out because statsmodels'
    ``multipletests`` runs a full garbage collection on every call (about 0.1 s, more
    than the model fit); the tests check equality with ``multipletests``.
    """
    out = np.full(len(p), np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    values = p[ok]
    m = len(values)
    if method == "none" or m == 0:
        out[ok] = values
    elif method == "bonferroni":
        out[ok] = np.minimum(values * m, 1.0)
    else:
        order = np.argsort(values, kind="stable")
        stepped = np.maximum.accumulate(values[order] * (m - np.arange(m)))
        adjusted = np.empty(m)
        adjusted[order] = np.minimum(stepped, 1.0)
        out[ok] = adjusted
    return out


def _time_axis(values: pd.Series) -> tuple[np.ndarray, str]:
    """Numeric time and its unit: days for datetimes, the column's own unit otherwise."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float), "unit"
    try:
        stamps = pd.to_datetime(values)
    except (ValueError, TypeError) as exc:
        raise InterviewLabError(
            "rated_at must hold dates/times or numbers (e.g. session order); "
            f"could not read it: {exc}"
        ) from exc
    seconds = (stamps - stamps.min()).dt.total_seconds().to_numpy(dtype=float)
    return seconds / 86400.0, "day"


def rater_effects(
    data: pd.DataFrame,
    *,
    rater: str = "rater_id",
    target: str = "candidate_id",
    score: str = "score",
    group: str | None = None,
    rated_at: str | None = None,
    covariates: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    adjust: str = "holm",
) -> pd.DataFrame:
    """Estimate each rater's severity, with drift over time and differential functioning.

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings, one row per rating (candidates need not be seen by every rater).
    rater : str, default "rater_id"
        Column identifying the rater.
    target : str, default "candidate_id"
        Column identifying the candidate (what is rated).
    score : str, default "score"
        Column with the numeric score.
    group : str, optional
        Candidate group column (e.g. ``"sex"``): adds differential rater functioning.
    rated_at : str, optional
        Time of each rating (dates/times or numbers): adds drift.
    covariates : str or list of str, optional
        Fixed effects to adjust for (e.g. ``"question_id"`` or ``"format"``); a
        non-numeric column enters as categorical.
    confidence : float, default 0.95
        Confidence level of the intervals and 1 - the significance level of the flags.
    adjust : {"holm", "bonferroni", "none"}
        Multiplicity control across raters for ``flag``, ``drift_flag`` and ``drf_flag``.

    Returns
    -------
    pandas.DataFrame
        One row per rater: the ``rater`` column, ``n`` (ratings), ``n_targets``,
        ``severity`` (BLUP of the rater's intercept; negative = severe, positive =
        lenient, in score units), ``se`` (conditional SD), ``ci_low``, ``ci_high``
        (unadjusted), ``p_value`` (z test of severity = 0), ``p_adjusted``, ``flag``
        (``p_adjusted < 1 - confidence``), ``small_sample`` (fewer than 10 ratings),
        ``rater_variance`` (the model's rater variance, repeated) and ``adjust``.
        With ``rated_at``: ``drift`` (change of the rater's residual per day, or per
        unit of a numeric column), ``drift_se``, ``drift_p``, ``drift_p_adjusted``,
        ``drift_flag``, ``drift_unit``. With ``group``: ``drf_f`` (F statistic of the
        rater's residuals across candidate groups), ``drf_df1``, ``drf_df2``, ``drf_p``,
        ``drf_p_adjusted``, ``drf_flag``, ``drf_gap`` (largest minus smallest group mean
        residual), ``drf_low_group`` (the group the rater scores lowest relative to
        the model), ``drf_n_groups`` (groups tested: those with at least two of the
        rater's ratings; the gap and low group refer to them) and
        ``drf_min_candidates`` (candidates in the smallest group tested: the count a
        report's minimum cell size applies to, since the gap and the low group describe
        that group).

    Notes
    -----
    Model: ``score ~ 1 [+ covariates] [+ C(group)] + (1|target) + (1|rater)`` by REML.
    Severity is the rater's conditional mode (BLUP), shrunk towards 0 in proportion to
    how little the rater's ratings say; its SE is the conditional SD (lme4's
    ``condVar``), and the test ``z = severity / se`` is approximate (it ignores the
    uncertainty of the variance estimates and is conservative because of shrinkage).

    Drift: residuals ``score - fixed - candidate BLUP - rater BLUP`` regressed on time
    separately per rater (ordinary least squares slope, t test). DRF: the same
    residuals compared across the candidate groups the rater scored (one-way ANOVA F
    test per rater); the group main effect is in the model, so a rater flagged here
    scores a group differently *from the other raters*. Both are approximate: the
    residuals share estimated effects, and candidates must be seen by several raters
    for a rater x group effect to be separable from candidate effects.

    Not handled: rater x question interactions, ordinal (non-Gaussian) scores, raters
    who rated one candidate only (their severity is confounded with that candidate).

    Validated by simulation with planted severities, drift and DRF (coverage of the
    severity intervals at the nominal rate, planted effects flagged, null raters not
    flagged more often than the error rate), and severities against statsmodels
    ``MixedLM`` random effects (``tests/test_raters.py``).

    References
    ----------
    Bates, D., Maechler, M., Bolker, B. & Walker, S. (2015). Fitting linear mixed-effects
    models using lme4. Journal of Statistical Software, 67(1), 1-48.

    Myford, C. M., & Wolfe, E. W. (2003, 2004). Detecting and measuring rater effects
    using many-facet Rasch measurement: Parts I and II. Journal of Applied Measurement,
    4(4), 386-422; 5(2), 189-227.

    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    Scandinavian Journal of Statistics, 6(2), 65-70.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> cand = np.repeat(np.arange(60), 3)
    >>> rater = np.concatenate([rng.choice(8, 3, replace=False) for _ in range(60)])
    >>> offset = np.array([-1.0, 0, 0, 0, 0, 0, 0, 0])
    >>> score = rng.normal(0, 1, 60)[cand] + offset[rater] + rng.normal(0, 0.5, 180)
    >>> df = pd.DataFrame({"candidate_id": cand, "rater_id": rater, "score": score})
    >>> res = rater_effects(df)
    >>> res.loc[res["flag"], "rater_id"].tolist()
    [0]
    """
    require_frame(data)
    check_fraction("confidence", confidence)
    check_choice("adjust", adjust, ADJUSTMENTS)
    extra = as_list(covariates)
    optional = [c for c in (group, rated_at) if c is not None]
    columns = [rater, target, score, *extra, *optional]
    require_columns(data, columns)
    if len(set(columns)) != len(columns):
        raise InterviewLabError("rater, target, score, group, rated_at and covariates must differ.")

    frame = _complete_ratings(data, columns)
    names = {c: f"c{i}" for i, c in enumerate(columns)}
    y_col, r_col, t_col = names[score], names[rater], names[target]
    if not pd.api.types.is_numeric_dtype(frame[y_col]):
        raise InterviewLabError(f"score column {score!r} must be numeric.")
    if frame[r_col].nunique() < 2:
        raise InterviewLabError("rater_effects needs at least 2 raters.")

    fixed = [names[c] for c in extra] + ([names[group]] if group is not None else [])
    design, fit = _fit_raters(frame, y_col, fixed, random=[t_col, r_col], confidence=confidence)

    blups = fit.blups(r_col)
    out = _severities(blups, frame, rater=rater, r_col=r_col, t_col=t_col, confidence=confidence)
    out["p_adjusted"] = _adjust(out["p_value"].to_numpy(), adjust)
    alpha = 1.0 - confidence
    out["flag"] = out["p_adjusted"] < alpha
    out["small_sample"] = blups["n"].to_numpy() < MIN_RATINGS
    out["rater_variance"] = float(fit.variances["variance"].to_numpy()[1])  # target, rater
    out["adjust"] = adjust
    if out["small_sample"].any():
        warnings.warn(
            f"{int(out['small_sample'].sum())} rater(s) have fewer than {MIN_RATINGS} "
            "ratings: their severities are shrunk strongly and poorly determined.",
            SmallSampleWarning,
            stacklevel=2,
        )

    if rated_at is None and group is None:
        return out

    resid = _residuals(design, fit, frame, t_col=t_col, r_col=r_col)
    order = blups["level"].tolist()
    if rated_at is not None:
        time, unit = _time_axis(frame[names[rated_at]])
        drift = _drift(resid, time, frame[r_col], order)
        drift["drift_p_adjusted"] = _adjust(drift["drift_p"].to_numpy(), adjust)
        drift["drift_flag"] = drift["drift_p_adjusted"] < alpha
        drift["drift_unit"] = unit
        out = pd.concat([out, drift.reset_index(drop=True)], axis=1)
    if group is not None:
        drf = _drf(resid, frame[names[group]], frame[r_col], order, frame[t_col])
        drf["drf_p_adjusted"] = _adjust(drf["drf_p"].to_numpy(), adjust)
        drf["drf_flag"] = drf["drf_p_adjusted"] < alpha
        out = pd.concat([out, drf.reset_index(drop=True)], axis=1)
    return out


def _fit_raters(
    frame: pd.DataFrame,
    y_col: str,
    fixed: list[str],
    *,
    random: list[str],
    confidence: float,
) -> tuple[Design, MixedFit]:
    """REML fit of ``y ~ fixed + (1|target) + (1|rater)``, warning when it is singular.

    A numeric fixed column enters as such, any other as categorical (``C(...)``);
    ``random`` is ``[target, rater]``, in that order.
    """
    terms = [c if pd.api.types.is_numeric_dtype(frame[c]) else f"C({c})" for c in fixed]
    formula = f"{y_col} ~ " + (" + ".join(terms) if terms else "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        design = build_design(frame, formula, random)
    with single_threaded_blas():
        fit = fit_design(design, method="reml", confidence=confidence, variance_ci=False)
    if fit.singular:
        warnings.warn(
            "The rater (or candidate) variance is estimated at zero: every severity is "
            "shrunk to 0 and no rater can be flagged.",
            InterviewLabWarning,
            stacklevel=3,
        )
    return design, fit


def _residuals(
    design: Design, fit: MixedFit, frame: pd.DataFrame, *, t_col: str, r_col: str
) -> np.ndarray:
    """Residuals after the fixed effects, the candidate and the rater effects (BLUPs)."""
    x_beta = design.X @ fit.fixed["estimate"].to_numpy()
    cand_effect = fit.blups(t_col).set_index("level")["blup"]
    rater_effect = fit.blups(r_col).set_index("level")["blup"]
    return (
        design.y
        - x_beta
        - frame[t_col].map(cand_effect).to_numpy(dtype=float)
        - frame[r_col].map(rater_effect).to_numpy(dtype=float)
    )


def _complete_ratings(data: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The ``columns`` of ``data`` renamed ``c0, c1, ...``, without incomplete ratings.

    Ratings with a missing value in any of the columns are left out, with a warning.
    """
    frame = pd.DataFrame({f"c{i}": data[c].to_numpy() for i, c in enumerate(columns)})
    incomplete = frame.isna().any(axis=1)
    if incomplete.any():
        warnings.warn(
            f"{int(incomplete.sum())} of {len(frame)} ratings have a missing value in "
            f"{', '.join(columns)} and were left out.",
            InterviewLabWarning,
            stacklevel=3,
        )
        frame = frame.loc[~incomplete].reset_index(drop=True)
    return frame


def _severities(
    blups: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    rater: str,
    r_col: str,
    t_col: str,
    confidence: float,
) -> pd.DataFrame:
    """Each rater's ``n``, ``n_targets``, severity, SE, interval and z-test p-value.

    ``blups`` are the rater BLUPs of the fit (``level``, ``n``, ``blup``, ``se``); the
    interval is the unadjusted ``confidence`` interval of the z test.
    """
    zcrit = float(stats.norm.ppf(0.5 + confidence / 2.0))
    sev = blups["blup"].to_numpy()
    se = blups["se"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2.0 * stats.norm.sf(np.abs(sev / se))
    p = np.where(se > 0, p, 1.0)
    n_targets = frame.groupby(r_col)[t_col].nunique().reindex(blups["level"]).to_numpy()
    return pd.DataFrame(
        {
            rater: blups["level"].to_numpy(),
            "n": blups["n"].to_numpy(),
            "n_targets": n_targets,
            "severity": sev,
            "se": se,
            "ci_low": sev - zcrit * se,
            "ci_high": sev + zcrit * se,
            "p_value": p,
        }
    )


def _drift(resid: np.ndarray, time: np.ndarray, raters: pd.Series, order: list) -> pd.DataFrame:
    """Per-rater OLS slope of residuals on time with its t test."""
    rows = []
    for level in order:
        mask = (raters == level).to_numpy()
        t, r = time[mask], resid[mask]
        if mask.sum() < 3 or np.ptp(t) == 0:
            rows.append({"drift": np.nan, "drift_se": np.nan, "drift_p": np.nan})
            continue
        fit = stats.linregress(t, r)
        rows.append({"drift": fit.slope, "drift_se": fit.stderr, "drift_p": fit.pvalue})
    return pd.DataFrame(rows)


def _drf(
    resid: np.ndarray, groups: pd.Series, raters: pd.Series, order: list, targets: pd.Series
) -> pd.DataFrame:
    """Per-rater one-way ANOVA of residuals across candidate groups."""
    rows: list[dict[str, object]] = []
    for level in order:
        mask = (raters == level).to_numpy()
        by_group = pd.Series(resid[mask]).groupby(groups[mask].to_numpy())
        # groups with a single rating carry no within-group variance: they are left out
        # of the test and, so that the gap describes the tested groups, of the means too
        tested = {name: part.to_numpy() for name, part in by_group if len(part) >= 2}
        samples = list(tested.values())
        people = pd.Series(targets[mask].to_numpy()).groupby(groups[mask].to_numpy()).nunique()
        smallest = int(people[list(tested)].min()) if tested else 0
        if len(samples) < 2 or sum(len(s) for s in samples) <= len(samples):
            rows.append(
                {
                    "drf_f": np.nan,
                    "drf_df1": np.nan,
                    "drf_df2": np.nan,
                    "drf_p": np.nan,
                    "drf_gap": np.nan,
                    "drf_low_group": None,
                    "drf_n_groups": len(samples),
                    "drf_min_candidates": smallest,
                }
            )
            continue
        means = pd.Series({name: values.mean() for name, values in tested.items()})
        test = stats.f_oneway(*samples)
        n_total = sum(len(s) for s in samples)
        rows.append(
            {
                "drf_f": float(test.statistic),
                "drf_df1": len(samples) - 1,
                "drf_df2": n_total - len(samples),
                "drf_p": float(test.pvalue),
                "drf_gap": float(means.max() - means.min()),
                "drf_low_group": means.idxmin(),
                "drf_n_groups": len(samples),
                "drf_min_candidates": smallest,
            }
        )
    return pd.DataFrame(rows)
