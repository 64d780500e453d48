"""Reliability of interview ratings: ICC, Krippendorff's alpha, kappas, Gwet's AC, Cronbach's alpha.

Every function takes a long (tidy) ratings table -- one row per rating, with columns such
as ``candidate_id``, ``rater_id``, ``question_id``, ``format`` and ``score`` -- and returns
a :class:`pandas.DataFrame` whose columns are documented in its docstring. Estimates come
with their uncertainty (``ci_low``, ``ci_high``, and ``se`` where an analytic standard
error exists), the method behind the interval (``ci_method``), and their sample sizes.
With ``by=``, the coefficient is computed per subgroup (per question, per format, per
candidate group) and the output leads with the ``by`` columns.

Nothing is dropped silently: missing scores and units that cannot enter a coefficient are
counted in the output, and designs a coefficient cannot handle (an incomplete panel for the
ANOVA ICC, several rows per candidate and rater) raise an :class:`InterviewLabError` that
says what to do.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

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
from interviewlab.errors import InterviewLabError, InterviewLabWarning

__all__ = [
    "cohen_kappa",
    "compare_reliability",
    "cronbach_alpha",
    "fleiss_kappa",
    "gwet_ac",
    "icc",
    "krippendorff_alpha",
]

ICC_TYPES = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")
ICC_LABELS = {
    "ICC1": "ICC(1): one-way random, single rater",
    "ICC2": "ICC(A,1): two-way random, absolute agreement, single rater",
    "ICC3": "ICC(C,1): two-way mixed, consistency, single rater",
    "ICC1k": "ICC(k): one-way random, mean of k raters",
    "ICC2k": "ICC(A,k): two-way random, absolute agreement, mean of k raters",
    "ICC3k": "ICC(C,k): two-way mixed, consistency, mean of k raters",
}
LEVELS = ("nominal", "ordinal", "interval", "ratio")
WEIGHTS = (None, "linear", "quadratic")
ICC_METHODS = ("anova", "reml")
COEFFICIENTS = (*(t.lower() for t in ICC_TYPES), "alpha")
RESAMPLING = ("targets", "targets_raters")

Seed = int | np.random.Generator | None


# --------------------------------------------------------------------------------------
# Shared input handling
# --------------------------------------------------------------------------------------


def _check_common(
    data: Any, columns: Sequence[str], by: str | Sequence[str] | None, confidence: float
) -> tuple[pd.DataFrame, list[str]]:
    """Check the frame, the columns, ``by`` and ``confidence``; return the frame and by list."""
    frame = require_frame(data)
    by_cols = as_list(by)
    require_columns(frame, [*columns, *by_cols])
    overlap = set(by_cols) & set(columns)
    if overlap:
        raise InterviewLabError(
            f"by= names column(s) {sorted(overlap)} that are also used as unit, rater or score "
            "columns; group by other columns (e.g. question_id or format)."
        )
    check_fraction("confidence", confidence)
    return frame, by_cols


def _check_min_n(min_n: int) -> None:
    """Raise unless ``min_n`` is a positive integer."""
    if isinstance(min_n, bool) or not isinstance(min_n, int | np.integer) or min_n < 1:
        raise InterviewLabError(f"min_n={min_n!r} must be a positive integer.")


def _check_n_boot(n_boot: int) -> None:
    """Raise unless ``n_boot`` is a non-negative integer."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 0:
        raise InterviewLabError(
            f"n_boot={n_boot!r} must be a non-negative integer (0 for no bootstrap)."
        )


def _by_groups(
    frame: pd.DataFrame, by_cols: list[str]
) -> list[tuple[dict[str, Any], pd.DataFrame]]:
    """Split ``frame`` by ``by_cols`` (missing keys kept as their own group)."""
    if not by_cols:
        return [({}, frame)]
    groups = frame.groupby(by_cols, sort=True, dropna=False, observed=True)
    out = []
    for key, part in groups:
        keys = key if isinstance(key, tuple) else (key,)
        out.append((dict(zip(by_cols, keys, strict=True)), part))
    return out


def _assemble(rows: list[dict[str, Any]], by_cols: list[str], columns: list[str]) -> pd.DataFrame:
    """Build the output frame with the ``by`` columns first."""
    return pd.DataFrame(rows, columns=[*by_cols, *columns])


def _where(keys: dict[str, Any]) -> str:
    """Describe a ``by`` group for error messages."""
    if not keys:
        return ""
    return " (in group " + ", ".join(f"{k}={v!r}" for k, v in keys.items()) + ")"


def _drop_missing(part: pd.DataFrame, score: str) -> tuple[pd.DataFrame, int]:
    """Remove rows whose score is missing and return how many there were."""
    missing = part[score].isna().to_numpy()
    return part.loc[~missing], int(missing.sum())


def _check_duplicates(
    part: pd.DataFrame, unit: str, rater: str, keys: dict[str, Any], what: str = "candidate"
) -> None:
    """Raise if any unit has several rows from the same rater."""
    dup = part.duplicated([unit, rater], keep=False).to_numpy()
    if dup.any():
        n_units = part.loc[dup, unit].nunique()
        raise InterviewLabError(
            f"{n_units} {what}(s) have several rows from the same rater{_where(keys)} (e.g. "
            f"several questions or formats). Aggregate them first (e.g. the mean over "
            f"questions) or pass by= (e.g. by='question_id' or by='format') to get one "
            f"coefficient per question or format."
        )


def _require_numeric(part: pd.DataFrame, score: str, what: str, keys: dict[str, Any]) -> None:
    """Raise unless the score column is numeric."""
    if not pd.api.types.is_numeric_dtype(part[score]):
        raise InterviewLabError(
            f"{what} needs numeric scores{_where(keys)}, but column {score!r} has dtype "
            f"{part[score].dtype}; convert the rubric levels to numbers first."
        )


def _t_interval(
    estimate: float, se: float, df: int, confidence: float, bounds: tuple[float, float]
) -> tuple[float, float]:
    """Return a t interval truncated to ``bounds``."""
    if df < 1 or not np.isfinite(se):
        return (float("nan"), float("nan"))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    return (max(bounds[0], estimate - half), min(bounds[1], estimate + half))


def _z_interval(
    estimate: float, se: float, confidence: float, bounds: tuple[float, float]
) -> tuple[float, float]:
    """Return a normal (z) interval truncated to ``bounds``."""
    half = float(stats.norm.ppf(0.5 + confidence / 2)) * se
    return (max(bounds[0], estimate - half), min(bounds[1], estimate + half))


def _rng(seed: Seed) -> np.random.Generator:
    """Return a numpy Generator from an int, a Generator or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, int | np.integer) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise InterviewLabError(f"seed={seed!r} must be an integer, a numpy Generator or None.")


def _resample_counts(rng: np.random.Generator, n: int, n_boot: int) -> np.ndarray:
    """Return an ``(n_boot, n)`` matrix of how often each of n units is drawn per resample."""
    draws = rng.integers(0, n, size=(n_boot, n))
    offsets = (np.arange(n_boot) * n)[:, None]
    return np.bincount((draws + offsets).ravel(), minlength=n_boot * n).reshape(n_boot, n)


# --------------------------------------------------------------------------------------
# ICC
# --------------------------------------------------------------------------------------


def _wide_complete(
    part: pd.DataFrame, target: str, rater: str, score: str, keys: dict[str, Any]
) -> np.ndarray:
    """Return the targets x raters matrix, raising if the design is not complete."""
    _require_numeric(part, score, "The ICC", keys)
    _check_duplicates(part, target, rater, keys)
    t_codes, t_levels = pd.factorize(part[target], sort=True)
    r_codes, r_levels = pd.factorize(part[rater], sort=True)
    n, k = len(t_levels), len(r_levels)
    matrix = np.full((n, k), np.nan)
    matrix[t_codes, r_codes] = part[score].to_numpy(dtype=float)
    missing = np.isnan(matrix)
    if missing.any():
        incomplete = int(missing.any(axis=1).sum())
        raise InterviewLabError(
            f"{incomplete} of {n} targets{_where(keys)} were not rated by all {k} raters (or "
            f"have missing scores): the ANOVA ICC needs every rater to rate every target. "
            f"Options: restrict the data to a complete panel (the raters who rated everyone); "
            f"use krippendorff_alpha(), which handles missing ratings; or use "
            f"method='reml' (ICCs from REML variance components, for incomplete designs)."
        )
    if n < 2 or k < 2:
        raise InterviewLabError(
            f"The ICC needs at least 2 targets and 2 raters{_where(keys)}; got {n} target(s) "
            f"and {k} rater(s)."
        )
    return matrix


def _mean_squares(matrix: np.ndarray) -> tuple[float, float, float, float]:
    """Return MSB (targets), MSW (within targets), MSJ (raters) and MSE (residual)."""
    n, k = matrix.shape
    grand = matrix.mean()
    row_means = matrix.mean(axis=1)
    col_means = matrix.mean(axis=0)
    ss_rows = k * float(np.sum((row_means - grand) ** 2))
    ss_cols = n * float(np.sum((col_means - grand) ** 2))
    ss_within = float(np.sum((matrix - row_means[:, None]) ** 2))
    ss_error = max(ss_within - ss_cols, 0.0)
    msb = ss_rows / (n - 1)
    msw = ss_within / (n * (k - 1))
    msj = ss_cols / (k - 1)
    mse = ss_error / ((n - 1) * (k - 1))
    return msb, msw, msj, mse


def _icc_point(matrix: np.ndarray) -> dict[str, float]:
    """Return the six Shrout & Fleiss ICCs of a complete targets x raters matrix."""
    n, k = matrix.shape
    msb, msw, msj, mse = _mean_squares(matrix)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "ICC1": (msb - msw) / (msb + (k - 1) * msw),
            "ICC2": (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n),
            "ICC3": (msb - mse) / (msb + (k - 1) * mse),
            "ICC1k": (msb - msw) / msb,
            "ICC2k": (msb - mse) / (msb + (msj - mse) / n),
            "ICC3k": (msb - mse) / msb,
        }


def _icc_table(matrix: np.ndarray, confidence: float, keys: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one output row per ICC form for a complete matrix."""
    n, k = matrix.shape
    msb, msw, msj, mse = _mean_squares(matrix)
    scale = max(float(np.abs(matrix).max()), 1.0) ** 2
    if msw <= 1e-12 * scale or mse <= 1e-12 * scale:
        raise InterviewLabError(
            f"The ratings{_where(keys)} have no residual variation (every rater gives each "
            f"target the same score, up to a constant rater offset), so the ANOVA F ratios and "
            f"their intervals are undefined. Report the agreement directly, or use "
            f"krippendorff_alpha()/gwet_ac(), which are defined in this case."
        )
    est = _icc_point(matrix)
    alpha = 1 - confidence
    df1 = n - 1
    df_within = n * (k - 1)
    df_error = (n - 1) * (k - 1)
    f1 = msb / msw
    f3 = msb / mse
    p1 = float(stats.f.sf(f1, df1, df_within))
    p3 = float(stats.f.sf(f3, df1, df_error))
    # Exact F intervals for the one-way and consistency forms (Shrout & Fleiss 1979).
    f1_low = f1 / stats.f.ppf(1 - alpha / 2, df1, df_within)
    f1_high = f1 * stats.f.ppf(1 - alpha / 2, df_within, df1)
    f3_low = f3 / stats.f.ppf(1 - alpha / 2, df1, df_error)
    f3_high = f3 * stats.f.ppf(1 - alpha / 2, df_error, df1)
    # Absolute agreement: Satterthwaite df (Shrout & Fleiss 1979; McGraw & Wong 1996).
    icc2 = est["ICC2"]
    fj = msj / mse
    v_num = df_error * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    v_den = df1 * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    v = v_num / v_den
    f_star_high = stats.f.ppf(1 - alpha / 2, df1, v)
    f_star_low = stats.f.ppf(1 - alpha / 2, v, df1)
    denom = k * msj + (k * n - k - n) * mse
    low2 = n * (msb - f_star_high * mse) / (f_star_high * denom + n * msb)
    high2 = n * (f_star_low * msb - mse) / (denom + n * f_star_low * msb)
    intervals = {
        "ICC1": ((f1_low - 1) / (f1_low + k - 1), (f1_high - 1) / (f1_high + k - 1)),
        "ICC2": (low2, high2),
        "ICC3": ((f3_low - 1) / (f3_low + k - 1), (f3_high - 1) / (f3_high + k - 1)),
        "ICC1k": (1 - 1 / f1_low, 1 - 1 / f1_high),
        "ICC2k": (low2 * k / (1 + low2 * (k - 1)), high2 * k / (1 + high2 * (k - 1))),
        "ICC3k": (1 - 1 / f3_low, 1 - 1 / f3_high),
    }
    f_stat = {"1": (f1, df_within, p1), "2": (f3, df_error, p3), "3": (f3, df_error, p3)}
    rows = []
    for form in ICC_TYPES:
        f_value, df2, p_value = f_stat[form[3]]
        ci_method = "F (Satterthwaite df)" if form.startswith("ICC2") else "exact F"
        rows.append(
            {
                **keys,
                "type": form,
                "label": ICC_LABELS[form],
                "estimate": float(est[form]),
                "ci_low": float(intervals[form][0]),
                "ci_high": float(intervals[form][1]),
                "f": float(f_value),
                "df1": df1,
                "df2": df2,
                "p_value": p_value,
                "n_targets": n,
                "n_raters": k,
                "ci_method": ci_method,
            }
        )
    return rows


def icc(
    data: pd.DataFrame,
    *,
    target: str = "candidate_id",
    rater: str = "rater_id",
    score: str = "score",
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    method: Literal["anova", "reml"] = "anova",
    min_n: int = 20,
    n_boot: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """Intraclass correlations: the six Shrout & Fleiss (1979) forms with exact F intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings table, one row per rating.
    target : str, default "candidate_id"
        Column identifying what is rated (the candidate).
    rater : str, default "rater_id"
        Column identifying the rater.
    score : str, default "score"
        Column with the numeric rating.
    by : str or list of str, optional
        Compute the ICCs separately per value of these columns (e.g. ``"question_id"`` or
        ``"format"``); the output then leads with them.
    confidence : float, default 0.95
        Confidence level of the intervals.
    method : {"anova", "reml"}, default "anova"
        ``"anova"``: the two-way ANOVA mean squares of a complete design. ``"reml"``:
        variance components from REML fits (:func:`interviewlab.mixed.icc_reml`), for
        incomplete and unbalanced designs (panels where not every rater sees every
        candidate), as R psych::ICC does with lme4; intervals by parametric bootstrap.
    min_n : int, default 20
        Fewer targets than this set ``small_sample``.
    n_boot, seed : int
        For ``method="reml"``: parametric bootstrap replicates and their seed.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``type`` (ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k; repeated per ``by``
        group), with columns: the ``by`` columns; ``label`` (the McGraw & Wong 1996 name
        and model); ``estimate``; ``ci_low`` and ``ci_high`` at ``confidence``; ``f``,
        ``df1``, ``df2`` and ``p_value`` of the F test of no target variance;
        ``n_targets``; ``n_raters``; ``ci_method`` (``"exact F"``, or ``"F (Satterthwaite
        df)"`` for the absolute-agreement forms; the bootstrap for REML);
        ``small_sample`` (``n_targets < min_n``); ``k`` (raters per target used by the
        average forms: the number of raters, or for REML their harmonic mean); ``method``
        (``"anova"`` or ``"reml"``). For REML ``f``, ``df1`` and ``df2`` are missing and
        ``p_value`` is a likelihood-ratio test of no target variance.

    Raises
    ------
    InterviewLabError
        If a target was not rated by every rater (the message counts them and lists the
        options), if a target has several rows from one rater (aggregate or use ``by=``),
        if there are fewer than 2 targets or raters, or if there is no residual variation.

    Notes
    -----
    With ``n`` targets and ``k`` raters, the mean squares for targets (MSB), within targets
    (MSW), raters (MSJ) and residual (MSE) give

    - ICC1 = (MSB - MSW) / (MSB + (k-1) MSW), ICC1k = (MSB - MSW) / MSB;
    - ICC2 = (MSB - MSE) / (MSB + (k-1) MSE + k (MSJ - MSE)/n),
      ICC2k = (MSB - MSE) / (MSB + (MSJ - MSE)/n);
    - ICC3 = (MSB - MSE) / (MSB + (k-1) MSE), ICC3k = (MSB - MSE) / MSB.

    ICC1/ICC3 intervals are exact F intervals; ICC2 intervals use the Satterthwaite
    degrees of freedom of Shrout & Fleiss (1979, eq. 9-10); the k-rater forms follow by the
    Spearman-Brown formula. ICC1 and ICC2 measure absolute agreement (a severe rater lowers
    them), ICC3 consistency (rater offsets are removed). Estimates can be negative when
    targets differ less than chance would make them.

    Not handled: incomplete designs (use the REML ICC once ``interviewlab.mixed`` provides
    it, or :func:`krippendorff_alpha`) and several ratings per target and rater.

    Validated against the Shrout & Fleiss (1979) Table 2 example (ICCs .17, .29, .71, .44,
    .62, .91) and to full precision against pingouin's ``intraclass_corr``.

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
    reliability. Psychological Bulletin, 86(2), 420-428.

    McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some intraclass
    correlation coefficients. Psychological Methods, 1(1), 30-46.

    Examples
    --------
    >>> from interviewlab.datasets import read_dataset
    >>> sf = read_dataset("shrout_fleiss_1979")
    >>> res = icc(sf, target="target", rater="judge", score="rating")
    >>> res["estimate"].round(2).tolist()
    [0.17, 0.29, 0.71, 0.44, 0.62, 0.91]
    """
    frame, by_cols = _check_common(data, [target, rater, score], by, confidence)
    check_choice("method", method, ICC_METHODS)
    _check_min_n(min_n)
    rows: list[dict[str, Any]] = []
    for keys, part in _by_groups(frame, by_cols):
        if method == "reml":
            from interviewlab.mixed import icc_reml  # the engine imports this module

            table = icc_reml(
                part,
                target=target,
                rater=rater,
                score=score,
                confidence=confidence,
                n_boot=n_boot,
                seed=seed,
            ).reset_index()
            for record in table.to_dict("records"):
                row = {str(name): value for name, value in record.items()}
                rows.append({**keys, **row, "small_sample": row["n_targets"] < min_n})
            continue
        matrix = _wide_complete(part, target, rater, score, keys)
        rows.extend(
            {
                **row,
                "small_sample": row["n_targets"] < min_n,
                "k": row["n_raters"],
                "method": "anova",
            }
            for row in _icc_table(matrix, confidence, keys)
        )
    columns = [
        "type",
        "label",
        "estimate",
        "ci_low",
        "ci_high",
        "f",
        "df1",
        "df2",
        "p_value",
        "n_targets",
        "n_raters",
        "ci_method",
        "small_sample",
        "k",
        "method",
    ]
    return _assemble(rows, by_cols, columns).set_index("type")


# --------------------------------------------------------------------------------------
# Category handling shared by alpha, kappas and AC
# --------------------------------------------------------------------------------------


def _category_codes(
    values: pd.Series, categories: Sequence[Any] | None, *, numeric: bool, what: str
) -> tuple[np.ndarray, np.ndarray]:
    """Map scores to codes 0..q-1 of the (declared or observed) ordered categories."""
    if categories is not None:
        cats = list(categories)
        if len(cats) == 0 or len(set(cats)) != len(cats):
            raise InterviewLabError("categories must be a non-empty list of distinct values.")
        lookup = pd.Index(cats)
        codes = lookup.get_indexer(values)
        if (codes < 0).any():
            unknown = sorted(map(str, pd.unique(values[codes < 0])))[:5]
            raise InterviewLabError(
                f"Scores {unknown} are not among the declared categories {cats}; fix the "
                "scores or declare every rubric level in categories=."
            )
        levels = np.asarray(cats, dtype=object)
    else:
        codes, uniques = pd.factorize(values, sort=True)
        levels = np.asarray(uniques, dtype=object)
    if numeric:
        try:
            levels = levels.astype(float)
        except (TypeError, ValueError):
            raise InterviewLabError(
                f"{what} needs numeric scores (or numeric categories); got {list(levels)[:5]}."
            ) from None
    return np.asarray(codes, dtype=np.int64), levels


def _unit_counts(
    part: pd.DataFrame, unit: str, codes: np.ndarray, q: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the units x categories count matrix and the unit labels."""
    u_codes, u_levels = pd.factorize(part[unit], sort=True)
    n_units = len(u_levels)
    counts = np.bincount(u_codes * q + codes, minlength=n_units * q).reshape(n_units, q)
    return counts.astype(float), np.asarray(u_levels)


# --------------------------------------------------------------------------------------
# Krippendorff's alpha
# --------------------------------------------------------------------------------------


def _alpha_from_counts(
    counts: np.ndarray,
    values: np.ndarray,
    level: str,
    weights: np.ndarray | None = None,
    divisor: np.ndarray | None = None,
) -> np.ndarray:
    """Krippendorff's alpha for each row of unit ``weights`` (one row of ones if None).

    ``counts`` holds pairable units only (at least two values each). The coincidence matrix
    is never formed unit by unit: the observed disagreement of each unit is a closed-form
    function of its category counts, so a resample is a weighted sum over units.
    ``divisor`` replaces each unit's ``m_u - 1`` (the number of partners of each value),
    which the two-way bootstrap needs when copies of one rater must not pair up.
    """
    m = counts.sum(axis=1)
    div = m - 1 if divisor is None else divisor
    w = np.ones((1, counts.shape[0])) if weights is None else weights
    n_c = w @ counts
    n = n_c.sum(axis=1)
    if level == "nominal":
        per_unit = (m**2 - (counts**2).sum(axis=1)) / div
        observed = w @ per_unit
        expected = n**2 - (n_c**2).sum(axis=1)
    elif level == "interval":
        s1 = counts @ values
        s2 = counts @ values**2
        per_unit = 2 * (m * s2 - s1**2) / div
        observed = w @ per_unit
        expected = 2 * (n * (n_c @ values**2) - (n_c @ values) ** 2)
    elif level == "ratio":
        total = values[:, None] + values[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = np.where(total == 0, 0.0, ((values[:, None] - values[None, :]) / total) ** 2)
        per_unit = ((counts @ delta) * counts).sum(axis=1) / div
        observed = w @ per_unit
        expected = ((n_c @ delta) * n_c).sum(axis=1)
    else:  # ordinal: squared differences of mid-ranks of the pooled values
        mid = np.cumsum(n_c, axis=1) - n_c / 2
        s1 = counts @ mid.T
        s2 = counts @ (mid**2).T
        per_unit_b = 2 * (m[:, None] * s2 - s1**2) / div[:, None]
        observed = np.einsum("bu,ub->b", w, per_unit_b)
        expected = 2 * (n * (n_c * mid**2).sum(axis=1) - ((n_c * mid).sum(axis=1)) ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(1 - (n - 1) * observed / expected, dtype=float)


def _alpha_two_way_boot(
    part: pd.DataFrame,
    unit: str,
    rater: str,
    codes: np.ndarray,
    values: np.ndarray,
    level: str,
    rng: np.random.Generator,
    n_boot: int,
) -> np.ndarray:
    """Bootstrap alphas resampling units and raters independently (two-way cluster)."""
    q = len(values)
    u_codes, u_levels = pd.factorize(part[unit], sort=True)
    r_codes, r_levels = pd.factorize(part[rater], sort=True)
    n_u, n_r = len(u_levels), len(r_levels)
    # per rater: units x categories one-hot counts, stacked as (raters, units * q)
    onehot = np.zeros((n_r, n_u * q))
    onehot[r_codes, u_codes * q + codes] = 1.0
    rated = np.zeros((n_r, n_u))
    rated[r_codes, u_codes] = 1.0
    out = np.full(n_boot, np.nan)
    for b in range(n_boot):
        r_draw = np.bincount(rng.integers(0, n_r, n_r), minlength=n_r).astype(float)
        counts = (r_draw @ onehot).reshape(n_u, q)
        m = counts.sum(axis=1)
        # Pairs of values from two copies of one rater are not pairs of raters: each value
        # pairs with the m_u - v_r values of other raters, on average (m^2 - sum v^2) / m.
        own = r_draw**2 @ rated
        distinct = (r_draw > 0) @ rated
        u_draw = np.bincount(rng.integers(0, n_u, n_u), minlength=n_u)
        keep = (distinct >= 2) & (u_draw > 0)
        if keep.sum() < 2:
            continue
        divisor = (m[keep] ** 2 - own[keep]) / m[keep]
        weights = u_draw[keep][None, :].astype(float)
        out[b] = _alpha_from_counts(counts[keep], values, level, weights, divisor)[0]
    return out


def krippendorff_alpha(
    data: pd.DataFrame,
    *,
    unit: str = "candidate_id",
    rater: str = "rater_id",
    score: str = "score",
    level: Literal["nominal", "ordinal", "interval", "ratio"],
    categories: Sequence[Any] | None = None,
    n_boot: int = 0,
    seed: Seed = None,
    resample: Literal["units", "units_raters"] = "units",
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    min_n: int = 20,
) -> pd.DataFrame:
    """Krippendorff's alpha for any number of raters, missing ratings and four metrics.

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings table, one row per rating; missing scores are allowed (and counted).
    unit : str, default "candidate_id"
        Column identifying the rated unit (candidate, or candidate x question).
    rater : str, default "rater_id"
        Column identifying the rater (used to refuse duplicate ratings).
    score : str, default "score"
        Column with the rating.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Level of measurement, which sets the difference function.
    categories : sequence, optional
        The declared rubric levels, in order. Scores outside them raise an error; for
        ``level="ordinal"`` they fix the order of non-numeric labels.
    n_boot : int, default 0
        Number of bootstrap resamples of units for the interval (0: no interval).
    seed : int or numpy.random.Generator, optional
        Seed of the bootstrap.
    resample : {"units", "units_raters"}, default "units"
        ``"units"``: resample units (candidates) with all their ratings; fast and
        vectorised. ``"units_raters"``: a two-way cluster bootstrap that also resamples the
        raters, so the interval reflects which raters happened to be on the panel (slower).
    by : str or list of str, optional
        Compute alpha per value of these columns; the output then leads with them.
    confidence : float, default 0.95
        Confidence level of the bootstrap interval.
    min_n : int, default 20
        Fewer pairable units than this set ``small_sample``.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group: the ``by`` columns; ``level``; ``estimate``; ``ci_low``
        and ``ci_high`` (NaN when ``n_boot=0``, as ``ci_method`` says); ``n_units`` (units
        with at least two ratings, which enter alpha); ``n_units_excluded`` (units with a
        single rating, which cannot be paired); ``n_pairable`` (ratings in pairable units);
        ``n_missing`` (rows with a missing score); ``n_boot``; ``ci_method``;
        ``small_sample`` (``n_units < min_n``).

    Raises
    ------
    InterviewLabError
        If a unit has several rows from the same rater, if fewer than two units can be
        paired, or if every pairable rating is the same value (alpha is then 0/0).

    Notes
    -----
    alpha = 1 - D_o / D_e = 1 - (n - 1) sum_ck o_ck d_ck / sum_ck n_c n_k d_ck, where
    ``o_ck`` is the coincidence matrix (each unit with ``m_u`` values contributes
    ``n_uc n_uk / (m_u - 1)`` for c != k), ``n_c`` its margins, ``n`` the number of
    pairable values, and ``d_ck`` the squared difference: 1 for c != k (nominal),
    ``(c - k)^2`` (interval), ``((c - k)/(c + k))^2`` (ratio), and for ordinal the squared
    difference of mid-ranks, ``(sum_{g=c..k} n_g - (n_c + n_k)/2)^2``. A rubric level that
    no rater used has ``n_g = 0`` and so does not change the ordinal metric; declaring it
    in ``categories`` documents the scale and catches out-of-scale scores.

    The per-unit disagreement has a closed form in the unit's category counts, so the
    coefficient is a ratio of weighted sums over units. The bootstrap resamples units with
    replacement (a cluster bootstrap of candidates: their ratings travel together) and
    recomputes alpha from the resampled sums with one matrix product per resample set; the
    interval is the percentile interval. Krippendorff (2016) instead bootstraps the
    distribution of alpha by drawing pairable values from the observed coincidences, which
    treats pairs as independent; resampling whole units keeps the dependence between the
    ratings of one candidate and is the usual choice when candidates are the sampled units.
    The two-way bootstrap (``resample="units_raters"``) draws units and raters
    independently with replacement; a rater drawn twice enters twice, but the two copies
    of a rater's value are not paired with each other (that would be spurious perfect
    agreement): each value pairs only with the values of other raters, the divisor
    ``m_u - 1`` becoming ``(m_u^2 - sum_r v_r^2) / m_u`` for rater multiplicities
    ``v_r``. Units left with fewer than two distinct raters are not pairable in that
    resample. Resamples in which alpha is undefined (no
    variation) are discarded and counted in a warning.

    Validated against Krippendorff (2011, "Computing Krippendorff's alpha-reliability"),
    4 observers x 12 units with missing data: nominal .743, ordinal .815, interval .849,
    ratio .797, and against the ``krippendorff`` package on random data.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School
    for Communication, University of Pennsylvania.

    Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a standard reliability
    measure for coding data. Communication Methods and Measures, 1(1), 77-89.

    Krippendorff, K. (2016). Bootstrapping distributions for Krippendorff's alpha.
    Annenberg School for Communication, University of Pennsylvania.

    Examples
    --------
    >>> from interviewlab.datasets import read_dataset
    >>> k = read_dataset("krippendorff_2011")
    >>> res = krippendorff_alpha(k, unit="unit", rater="observer", score="value", level="nominal")
    >>> round(float(res["estimate"].iloc[0]), 3)
    0.743
    """
    frame, by_cols = _check_common(data, [unit, rater, score], by, confidence)
    check_choice("level", level, LEVELS)
    check_choice("resample", resample, ("units", "units_raters"))
    _check_n_boot(n_boot)
    _check_min_n(min_n)
    rng = _rng(seed)
    rows = []
    for keys, part in _by_groups(frame, by_cols):
        part, n_missing = _drop_missing(part, score)
        _check_duplicates(part, unit, rater, keys, what="unit")
        if level == "ordinal" and categories is None:
            if not pd.api.types.is_numeric_dtype(part[score]):
                raise InterviewLabError(
                    f"level='ordinal' with non-numeric scores{_where(keys)} needs their order: "
                    "pass categories=[lowest, ..., highest]."
                )
        codes, values = _category_codes(
            part[score], categories, numeric=level in ("interval", "ratio"), what=level
        )
        if level in ("nominal", "ordinal"):
            values = np.arange(len(values), dtype=float)
        if level == "ratio" and (np.asarray(values, dtype=float) < 0).any():
            raise InterviewLabError("level='ratio' needs non-negative scores.")
        counts, _ = _unit_counts(part, unit, codes, len(values))
        m = counts.sum(axis=1)
        pairable = m >= 2
        counts = counts[pairable]
        n_units = int(pairable.sum())
        if n_units < 2:
            raise InterviewLabError(
                f"Only {n_units} unit(s){_where(keys)} have two or more ratings; alpha needs "
                "at least two units rated by at least two raters."
            )
        if (counts.sum(axis=0) > 0).sum() < 2:
            raise InterviewLabError(
                f"Every pairable rating{_where(keys)} has the same value, so alpha is 0/0 "
                "(undefined): there is no variation to be reliable about. Report the "
                "percentage agreement instead."
            )
        vals = np.asarray(values, dtype=float)
        estimate = float(_alpha_from_counts(counts, vals, level)[0])
        ci_low = ci_high = float("nan")
        ci_method = "none (n_boot=0)"
        if n_boot > 0:
            if resample == "units":
                weights = _resample_counts(rng, n_units, n_boot).astype(float)
                boot = _alpha_from_counts(counts, vals, level, weights)
            else:
                boot = _alpha_two_way_boot(part, unit, rater, codes, vals, level, rng, n_boot)
            ok = np.isfinite(boot)
            if not ok.all():
                warnings.warn(
                    f"{int((~ok).sum())} of {n_boot} bootstrap resamples{_where(keys)} had no "
                    "variation (alpha undefined) and were discarded.",
                    InterviewLabWarning,
                    stacklevel=2,
                )
            if ok.sum() < 2:
                raise InterviewLabError(
                    f"Fewer than two bootstrap resamples{_where(keys)} gave a defined alpha; "
                    "the data are too sparse for a bootstrap interval."
                )
            tail = (1 - confidence) / 2
            ci_low, ci_high = (float(x) for x in np.quantile(boot[ok], [tail, 1 - tail]))
            ci_method = (
                "bootstrap percentile (units resampled)"
                if resample == "units"
                else "bootstrap percentile (two-way: units and raters resampled)"
            )
        rows.append(
            {
                **keys,
                "level": level,
                "estimate": estimate,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "n_units": n_units,
                "n_units_excluded": int((~pairable).sum()),
                "n_pairable": int(counts.sum()),
                "n_missing": n_missing,
                "n_boot": n_boot,
                "ci_method": ci_method,
                "small_sample": n_units < min_n,
            }
        )
    columns = [
        "level",
        "estimate",
        "ci_low",
        "ci_high",
        "n_units",
        "n_units_excluded",
        "n_pairable",
        "n_missing",
        "n_boot",
        "ci_method",
        "small_sample",
    ]
    return _assemble(rows, by_cols, columns)


# --------------------------------------------------------------------------------------
# Chance-corrected agreement: Cohen's kappa, Fleiss' kappa, Gwet's AC1/AC2
# --------------------------------------------------------------------------------------


def _weight_matrix(values: np.ndarray, weights: str | None) -> np.ndarray:
    """Agreement weights between categories: 1 on the diagonal, less for distant levels."""
    q = len(values)
    if weights is None or q == 1:
        return np.eye(q)
    span = float(values.max() - values.min())
    diff = np.abs(values[:, None] - values[None, :]) / span
    return 1 - diff if weights == "linear" else 1 - diff**2


def _category_values(levels: np.ndarray, weights: str | None) -> np.ndarray:
    """Numeric positions of the categories used by the weights (their values, else ranks)."""
    if weights is None:
        return np.arange(len(levels), dtype=float)
    try:
        return np.asarray(levels, dtype=float)
    except (TypeError, ValueError):
        return np.arange(len(levels), dtype=float)


def _prepare_categorical(
    part: pd.DataFrame,
    unit: str,
    rater: str,
    score: str,
    categories: Sequence[Any] | None,
    weights: str | None,
    keys: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, int]:
    """Return unit x category counts, the weight matrix and the number of missing scores."""
    part, n_missing = _drop_missing(part, score)
    _check_duplicates(part, unit, rater, keys, what="unit")
    if part.empty:
        raise InterviewLabError(f"No non-missing scores{_where(keys)}.")
    codes, levels = _category_codes(part[score], categories, numeric=False, what="the score")
    counts, _ = _unit_counts(part, unit, codes, len(levels))
    values = _category_values(levels, weights)
    return counts, _weight_matrix(values, weights), n_missing


def _gwet_framework(
    counts: np.ndarray, wmat: np.ndarray, kind: Literal["fleiss", "ac"], keys: dict[str, Any]
) -> tuple[float, float, int, int]:
    """Fleiss' kappa or Gwet's AC1/AC2 and Gwet's (2014) linearised standard error.

    ``counts[i, k]`` is the number of raters who put unit ``i`` in category ``k``; every
    unit has at least one rating. Returns the estimate, its SE, the number of units and
    the number of units with two or more ratings.
    """
    n, q = counts.shape
    r_i = counts.sum(axis=1)
    multi = r_i >= 2
    n_multi = int(multi.sum())
    if n_multi < 2:
        raise InterviewLabError(
            f"Only {n_multi} unit(s){_where(keys)} have two or more ratings; agreement "
            "needs at least two units rated by at least two raters."
        )
    weighted = counts @ wmat.T
    pairs = np.where(multi, r_i * (r_i - 1), 1.0)
    pa_i = np.where(multi, (counts * (weighted - 1)).sum(axis=1) / pairs, 0.0)
    pa = float(pa_i[multi].mean())
    pi = (counts / r_i[:, None]).mean(axis=0)
    if kind == "ac":
        if q < 2:
            raise InterviewLabError(
                f"Only one category was used{_where(keys)} and none other was declared, so "
                "Gwet's AC is undefined; declare the rubric's levels with categories=."
            )
        t_w = wmat.sum() / (q * (q - 1))
        pe = float(t_w * (pi * (1 - pi)).sum())
        pe_i = t_w * (counts @ (1 - pi)) / r_i
    else:
        pe = float(pi @ wmat @ pi)
        pi_w = (wmat @ pi + wmat.T @ pi) / 2
        pe_i = (counts @ pi_w) / r_i
    if np.isclose(pe, 1.0):
        raise InterviewLabError(
            f"Every rating{_where(keys)} is in the same category, so chance agreement is 1 and "
            "Fleiss' kappa is 0/0 (undefined). Report the percentage agreement, or use gwet_ac() "
            "with the rubric's levels declared in categories=."
        )
    estimate = (pa - pe) / (1 - pe)
    coef_i = (n / n_multi) * (pa_i - pe * multi) / (1 - pe)
    coef_i_star = coef_i - 2 * (1 - estimate) * (pe_i - pe) / (1 - pe)
    variance = float(((coef_i_star - estimate) ** 2).sum()) / (n * (n - 1))
    return float(estimate), float(np.sqrt(variance)), n, n_multi


_AGREEMENT_COLUMNS = [
    "method",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "n_multi",
    "n_missing",
    "ci_method",
    "small_sample",
]


def _agreement(
    data: pd.DataFrame,
    *,
    unit: str,
    rater: str,
    score: str,
    weights: str | None,
    categories: Sequence[Any] | None,
    by: str | Sequence[str] | None,
    confidence: float,
    min_n: int,
    kind: Literal["fleiss", "ac"],
) -> pd.DataFrame:
    """Shared body of :func:`fleiss_kappa` and :func:`gwet_ac`."""
    frame, by_cols = _check_common(data, [unit, rater, score], by, confidence)
    check_choice("weights", weights, WEIGHTS)
    _check_min_n(min_n)
    if kind == "ac":
        method = "AC1" if weights is None else f"AC2 ({weights} weights)"
    else:
        method = "Fleiss' kappa" + ("" if weights is None else f" ({weights} weights)")
    rows = []
    for keys, part in _by_groups(frame, by_cols):
        counts, wmat, n_missing = _prepare_categorical(
            part, unit, rater, score, categories, weights, keys
        )
        estimate, se, n, n_multi = _gwet_framework(counts, wmat, kind, keys)
        ci_low, ci_high = _t_interval(estimate, se, n - 1, confidence, (-1.0, 1.0))
        rows.append(
            {
                **keys,
                "method": method,
                "estimate": estimate,
                "se": se,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "n": n,
                "n_multi": n_multi,
                "n_missing": n_missing,
                "ci_method": "t (n-1 df), truncated to [-1, 1]",
                "small_sample": n < min_n,
            }
        )
    return _assemble(rows, by_cols, _AGREEMENT_COLUMNS)


def fleiss_kappa(
    data: pd.DataFrame,
    *,
    unit: str = "candidate_id",
    rater: str = "rater_id",
    score: str = "score",
    weights: Literal["linear", "quadratic"] | None = None,
    categories: Sequence[Any] | None = None,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    min_n: int = 20,
) -> pd.DataFrame:
    """Fleiss' kappa for many raters, allowing different numbers of raters per candidate.

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings table, one row per rating; missing scores are allowed (and counted).
    unit : str, default "candidate_id"
        Column identifying the rated unit.
    rater : str, default "rater_id"
        Column identifying the rater (used to refuse duplicate ratings). Rater identities
        do not otherwise enter Fleiss' kappa.
    score : str, default "score"
        Column with the category given.
    weights : {None, "linear", "quadratic"}, default None
        Agreement weights between categories (from their numeric values, else their order).
    categories : sequence, optional
        Declared categories (order used by the weights); scores outside raise an error.
    by : str or list of str, optional
        Compute kappa per value of these columns; the output then leads with them.
    confidence : float, default 0.95
        Confidence level of the interval.
    min_n : int, default 20
        Fewer units than this set ``small_sample``.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group: the ``by`` columns; ``method``; ``estimate``; ``se``
        (Gwet 2014, linearisation, conditional on the raters); ``ci_low`` and
        ``ci_high``; ``n`` (units with at least one rating); ``n_multi`` (units with two
        or more, which enter the observed agreement); ``n_missing`` (rows with a missing
        score); ``ci_method``; ``small_sample`` (``n < min_n``).

    Raises
    ------
    InterviewLabError
        If a unit has several rows from one rater, if fewer than two units have two
        ratings, or if all ratings fall in one category (kappa is then 0/0).

    Notes
    -----
    Gwet's (2014, ch. 2 and 5) generalisation of Fleiss (1971) to unequal numbers of raters:
    with ``r_ik`` raters putting unit ``i`` in category ``k`` and ``r_i`` ratings of unit
    ``i``, the observed agreement is the mean over units with ``r_i >= 2`` of
    ``sum_k r_ik (r*_ik - 1) / (r_i (r_i - 1))`` (``r*_ik = sum_l w_kl r_il``), the
    category shares ``pi_k`` are averaged over all units, and chance agreement is
    ``sum_kl w_kl pi_k pi_l``. With the same number of raters for every unit and no weights
    this is Fleiss' kappa. The standard error is Gwet's linearisation (unit-level
    contributions), and the interval uses a t distribution with ``n - 1`` df truncated to
    [-1, 1], as in the irrCAC package. It treats the raters as fixed: it does not include
    the variation from sampling raters.

    Validated against Fleiss (1971): kappa .430 (R ``irr::kappam.fleiss`` 0.4302445,
    statsmodels ``fleiss_kappa``), and irrCAC's ``fleiss.kappa.raw(cac.raw4raters)`` (0.76117,
    SE 0.15302) and ``fleiss.kappa.dist(distrib.6raters)`` (0.4139265, SE 0.08119291).

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    Psychological Bulletin, 76(5), 378-382.

    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.). Advanced Analytics.

    Examples
    --------
    >>> from interviewlab.datasets import read_dataset
    >>> f = read_dataset("fleiss_1971")
    >>> res = fleiss_kappa(f, unit="patient", rater="rating_slot", score="diagnosis")
    >>> round(float(res["estimate"].iloc[0]), 4)
    0.4302
    """
    return _agreement(
        data,
        unit=unit,
        rater=rater,
        score=score,
        weights=weights,
        categories=categories,
        by=by,
        confidence=confidence,
        min_n=min_n,
        kind="fleiss",
    )


def gwet_ac(
    data: pd.DataFrame,
    *,
    unit: str = "candidate_id",
    rater: str = "rater_id",
    score: str = "score",
    weights: Literal["linear", "quadratic"] | None = None,
    categories: Sequence[Any] | None = None,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    min_n: int = 20,
) -> pd.DataFrame:
    """Gwet's AC1 (unweighted) or AC2 (weighted) agreement coefficient for many raters.

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings table, one row per rating; missing scores are allowed (and counted).
    unit : str, default "candidate_id"
        Column identifying the rated unit.
    rater : str, default "rater_id"
        Column identifying the rater (used to refuse duplicate ratings).
    score : str, default "score"
        Column with the category given.
    weights : {None, "linear", "quadratic"}, default None
        None gives AC1; linear or quadratic weights (from the categories' numeric values,
        else their order) give AC2.
    categories : sequence, optional
        Declared categories. AC1's chance agreement depends on how many categories there
        are, so declare the rubric's levels when some were not used.
    by : str or list of str, optional
        Compute the coefficient per value of these columns; the output leads with them.
    confidence : float, default 0.95
        Confidence level of the interval.
    min_n : int, default 20
        Fewer units than this set ``small_sample``.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group, with the same columns as :func:`fleiss_kappa`: the
        ``by`` columns, ``method`` ("AC1" or "AC2 (... weights)"), ``estimate``, ``se``,
        ``ci_low``, ``ci_high``, ``n``, ``n_multi``, ``n_missing``, ``ci_method``,
        ``small_sample``.

    Raises
    ------
    InterviewLabError
        If a unit has several rows from one rater, if fewer than two units have two
        ratings, or if only one category is used and no others are declared.

    Notes
    -----
    Observed agreement as in :func:`fleiss_kappa`; chance agreement is
    ``T_w / (q (q - 1)) * sum_k pi_k (1 - pi_k)``, where ``q`` is the number of categories
    and ``T_w`` the sum of the weights (``q`` without weights). Unlike kappa, AC1 stays
    defined and high when nearly everyone agrees on one category (the "kappa paradox"),
    which is common for pass/fail interview decisions. Standard error: Gwet's (2008, 2014)
    linearisation conditional on the raters; t interval with ``n - 1`` df truncated to
    [-1, 1] (as irrCAC).

    Validated against irrCAC (Gwet's R package) documentation: ``gwet.ac1.raw(
    cac.raw4raters)`` AC1 0.77544, SE 0.14295 and ``gwet.ac1.dist(distrib.6raters)``
    0.4448007, SE 0.08418757.

    References
    ----------
    Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the presence
    of high agreement. British Journal of Mathematical and Statistical Psychology, 61,
    29-48.

    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.). Advanced Analytics.

    Examples
    --------
    >>> from interviewlab.datasets import read_dataset
    >>> k = read_dataset("krippendorff_2011")
    >>> res = gwet_ac(k, unit="unit", rater="observer", score="value")
    >>> res[["estimate", "se"]].round(5).iloc[0].tolist()
    [0.77544, 0.14295]
    """
    return _agreement(
        data,
        unit=unit,
        rater=rater,
        score=score,
        weights=weights,
        categories=categories,
        by=by,
        confidence=confidence,
        min_n=min_n,
        kind="ac",
    )


def _cohen_from_table(table: np.ndarray, wmat: np.ndarray) -> tuple[float, float]:
    """Weighted kappa and its Fleiss, Cohen & Everitt (1969) large-sample SE."""
    n = table.sum()
    p = table / n
    row = p.sum(axis=1)
    col = p.sum(axis=0)
    po = float((wmat * p).sum())
    pe = float(row @ wmat @ col)
    kappa = (po - pe) / (1 - pe)
    w_row = wmat @ col  # mean weight of row category i over the column margin
    w_col = row @ wmat  # mean weight of column category j over the row margin
    dev = wmat - (w_row[:, None] + w_col[None, :]) * (1 - kappa)
    variance = (float((p * dev**2).sum()) - (kappa - pe * (1 - kappa)) ** 2) / (n * (1 - pe) ** 2)
    return float(kappa), float(np.sqrt(max(variance, 0.0)))


def cohen_kappa(
    data: pd.DataFrame,
    *,
    unit: str = "candidate_id",
    rater: str = "rater_id",
    score: str = "score",
    weights: Literal["linear", "quadratic"] | None = None,
    categories: Sequence[Any] | None = None,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    min_n: int = 20,
) -> pd.DataFrame:
    """Cohen's kappa between two raters, unweighted or weighted, with its analytic SE.

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings table with exactly two raters (per ``by`` group).
    unit : str, default "candidate_id"
        Column identifying the rated unit.
    rater : str, default "rater_id"
        Column identifying the two raters.
    score : str, default "score"
        Column with the category given.
    weights : {None, "linear", "quadratic"}, default None
        Agreement weights ``1 - |i - j| / (max - min)`` (linear) or its square form
        (quadratic), from the categories' numeric values, else their order.
    categories : sequence, optional
        Declared categories (they fix the table's rows/columns and the weights' range).
    by : str or list of str, optional
        Compute kappa per value of these columns; the output leads with them.
    confidence : float, default 0.95
        Confidence level of the interval.
    min_n : int, default 20
        Fewer units than this set ``small_sample``.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group: the ``by`` columns; ``method``; ``estimate``; ``se``
        (Fleiss, Cohen & Everitt 1969); ``ci_low`` and ``ci_high``; ``n`` (units rated by
        both raters); ``n_excluded`` (units rated by only one of them, left out and
        counted); ``n_missing`` (rows with a missing score); ``ci_method``;
        ``small_sample``.

    Raises
    ------
    InterviewLabError
        If there are not exactly two raters, a unit has two rows from one rater, fewer
        than two units are rated by both, or both raters use one and the same category
        for every unit (kappa is 0/0).

    Notes
    -----
    kappa_w = (p_o - p_e) / (1 - p_e) with ``p_o = sum w_ij p_ij`` and ``p_e = sum w_ij
    p_i. p_.j``. The SE is the large-sample (non-null) standard error of Fleiss, Cohen &
    Everitt (1969); the interval is a normal (z) interval truncated to [-1, 1]. Rater
    identities matter (unlike Fleiss' kappa), so each rater's margins are kept.

    Validated against statsmodels' ``cohens_kappa`` (kappa and ``std_kappa``) for
    unweighted, linear and quadratic weights.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
    Psychological Measurement, 20(1), 37-46.

    Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample standard errors of
    kappa and weighted kappa. Psychological Bulletin, 72(5), 323-327.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"candidate_id": [1, 1, 2, 2, 3, 3, 4, 4],
    ...                   "rater_id": ["a", "b"] * 4, "score": [1, 1, 2, 2, 2, 1, 1, 1]})
    >>> round(float(cohen_kappa(d)["estimate"].iloc[0]), 3)
    0.5
    """
    frame, by_cols = _check_common(data, [unit, rater, score], by, confidence)
    check_choice("weights", weights, WEIGHTS)
    _check_min_n(min_n)
    method = "Cohen's kappa" + ("" if weights is None else f" ({weights} weights)")
    rows = []
    for keys, part in _by_groups(frame, by_cols):
        part, n_missing = _drop_missing(part, score)
        raters = pd.unique(part[rater])
        if len(raters) != 2:
            raise InterviewLabError(
                f"Cohen's kappa needs exactly two raters{_where(keys)}; found {len(raters)}: "
                f"{list(map(str, raters))[:10]}. Filter to a pair of raters, pass by=, or use "
                "fleiss_kappa() / gwet_ac() / krippendorff_alpha() for more raters."
            )
        _check_duplicates(part, unit, rater, keys, what="unit")
        codes, levels = _category_codes(part[score], categories, numeric=False, what="kappa")
        q = len(levels)
        first = (part[rater] == raters[0]).to_numpy()
        s1 = pd.Series(codes[first], index=part.loc[first, unit].to_numpy())
        s2 = pd.Series(codes[~first], index=part.loc[~first, unit].to_numpy())
        both = s1.index.intersection(s2.index)
        n_excluded = len(s1.index.union(s2.index)) - len(both)
        if len(both) < 2:
            raise InterviewLabError(
                f"Only {len(both)} unit(s){_where(keys)} were rated by both raters; kappa "
                "needs at least two."
            )
        a = s1.loc[both].to_numpy()
        b = s2.loc[both].to_numpy()
        table = np.bincount(a * q + b, minlength=q * q).reshape(q, q).astype(float)
        wmat = _weight_matrix(_category_values(levels, weights), weights)
        p_e = (table.sum(axis=1) / len(both)) @ wmat @ (table.sum(axis=0) / len(both))
        if np.isclose(p_e, 1.0):
            raise InterviewLabError(
                f"Both raters put every unit in the same single category{_where(keys)}, so "
                "chance agreement is 1 and kappa is 0/0 (undefined). Report the percentage "
                "agreement, or gwet_ac() with the rubric's categories declared."
            )
        kappa, se = _cohen_from_table(table, wmat)
        ci_low, ci_high = _z_interval(kappa, se, confidence, (-1.0, 1.0))
        rows.append(
            {
                **keys,
                "method": method,
                "estimate": kappa,
                "se": se,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "n": len(both),
                "n_excluded": n_excluded,
                "n_missing": n_missing,
                "ci_method": "z (Fleiss-Cohen-Everitt SE), truncated to [-1, 1]",
                "small_sample": len(both) < min_n,
            }
        )
    columns = [
        "method",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "n",
        "n_excluded",
        "n_missing",
        "ci_method",
        "small_sample",
    ]
    return _assemble(rows, by_cols, columns)


# --------------------------------------------------------------------------------------
# Cronbach's alpha
# --------------------------------------------------------------------------------------


def _cronbach(matrix: np.ndarray) -> tuple[float, float]:
    """Cronbach's alpha of a complete targets x items matrix and its normal-theory SE."""
    n, k = matrix.shape
    cov = np.cov(matrix, rowvar=False)
    total = float(cov.sum())
    trace = float(np.trace(cov))
    alpha = k / (k - 1) * (1 - trace / total)
    # van Zyl, Neudecker & Nel (2000): asymptotic variance under multivariate normality.
    trace_sq = float(np.trace(cov @ cov))
    ones_sq = float(cov.sum(axis=0) @ cov.sum(axis=0))
    q = 2 * k**2 / ((k - 1) ** 2 * total**3) * (total * (trace_sq + trace**2) - 2 * trace * ones_sq)
    return alpha, float(np.sqrt(max(q, 0.0) / n))


def cronbach_alpha(
    data: pd.DataFrame,
    *,
    target: str = "candidate_id",
    item: str = "question_id",
    score: str = "score",
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    min_n: int = 20,
) -> pd.DataFrame:
    """Cronbach's alpha over rubric questions (candidates x questions) with Feldt's interval.

    Parameters
    ----------
    data : pandas.DataFrame
        Long table with one score per candidate and question (per ``by`` group). If several
        raters scored each question, aggregate first (e.g. the mean over raters) or pass
        ``by="rater_id"``.
    target : str, default "candidate_id"
        Column identifying the candidate.
    item : str, default "question_id"
        Column identifying the question (item).
    score : str, default "score"
        Column with the numeric score.
    by : str or list of str, optional
        Compute alpha per value of these columns; the output leads with them.
    confidence : float, default 0.95
        Confidence level of the interval.
    min_n : int, default 20
        Fewer complete candidates than this set ``small_sample``.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group: the ``by`` columns; ``estimate``; ``se`` (van Zyl,
        Neudecker & Nel 2000, normal theory); ``ci_low`` and ``ci_high`` (Feldt 1965,
        F-based); ``n`` (candidates with every question scored); ``n_items``;
        ``n_excluded`` (candidates missing some question, left out and counted);
        ``ci_method``; ``small_sample``.

    Raises
    ------
    InterviewLabError
        If a candidate has several rows for one question, if there are fewer than two
        questions or complete candidates, or if the total score has no variance.

    Notes
    -----
    alpha = k / (k - 1) * (1 - sum_j s_j^2 / s_total^2) over ``k`` items. Feldt's interval:
    ``1 - (1 - alpha) F_{1-a/2}`` to ``1 - (1 - alpha) F_{a/2}`` with F on ``n - 1`` and
    ``(n - 1)(k - 1)`` df. Candidates with any missing item are excluded (listwise) and
    counted in ``n_excluded``. The SE assumes multivariate normal scores; for
    compound-symmetric items it reduces to ``sqrt(2k (1 - alpha)^2 / ((k - 1) n))``.

    Validated against pingouin's ``cronbach_alpha`` (estimate and Feldt interval).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika, 16(3), 297-334.

    Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson
    reliability coefficient twenty. Psychometrika, 30(3), 357-370.

    van Zyl, J. M., Neudecker, H., & Nel, D. G. (2000). On the distribution of the maximum
    likelihood estimator of Cronbach's alpha. Psychometrika, 65(3), 271-280.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"candidate_id": [1, 1, 2, 2, 3, 3, 4, 4],
    ...                   "question_id": ["q1", "q2"] * 4, "score": [1, 2, 2, 2, 3, 4, 4, 5]})
    >>> round(float(cronbach_alpha(d)["estimate"].iloc[0]), 3)
    0.967
    """
    frame, by_cols = _check_common(data, [target, item, score], by, confidence)
    _check_min_n(min_n)
    rows = []
    for keys, part in _by_groups(frame, by_cols):
        _require_numeric(part, score, "Cronbach's alpha", keys)
        dup = part.duplicated([target, item], keep=False).to_numpy()
        if dup.any():
            raise InterviewLabError(
                f"{part.loc[dup, target].nunique()} candidate(s){_where(keys)} have several "
                "scores for one question (several raters?). Aggregate them first (e.g. the "
                "mean over raters) or pass by='rater_id'."
            )
        t_codes, t_levels = pd.factorize(part[target], sort=True)
        i_codes, i_levels = pd.factorize(part[item], sort=True)
        matrix = np.full((len(t_levels), len(i_levels)), np.nan)
        matrix[t_codes, i_codes] = part[score].to_numpy(dtype=float)
        complete = ~np.isnan(matrix).any(axis=1)
        matrix = matrix[complete]
        n, k = matrix.shape
        if k < 2 or n < 2:
            raise InterviewLabError(
                f"Cronbach's alpha needs at least 2 questions and 2 complete candidates"
                f"{_where(keys)}; got {k} question(s) and {n} complete candidate(s)."
            )
        if np.isclose(np.var(matrix.sum(axis=1)), 0.0):
            raise InterviewLabError(
                f"Every candidate has the same total score{_where(keys)}, so alpha is 0/0."
            )
        estimate, se = _cronbach(matrix)
        tail = (1 - confidence) / 2
        df1, df2 = n - 1, (n - 1) * (k - 1)
        ci_low = 1 - (1 - estimate) * float(stats.f.isf(tail, df1, df2))
        ci_high = 1 - (1 - estimate) * float(stats.f.isf(1 - tail, df1, df2))
        rows.append(
            {
                **keys,
                "estimate": estimate,
                "se": se,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "n": n,
                "n_items": k,
                "n_excluded": int((~complete).sum()),
                "ci_method": "Feldt (F)",
                "small_sample": n < min_n,
            }
        )
    columns = [
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "n",
        "n_items",
        "n_excluded",
        "ci_method",
        "small_sample",
    ]
    return _assemble(rows, by_cols, columns)


# --------------------------------------------------------------------------------------
# Comparing two reliability coefficients (e.g. async vs live)
# --------------------------------------------------------------------------------------


def _matrix_alpha(
    matrix: np.ndarray, values: np.ndarray, level: str, rater_draws: np.ndarray
) -> float:
    """Alpha of a units x raters matrix of category codes (NaN: missing), raters weighted.

    ``rater_draws[r]`` is how often rater ``r`` was drawn; copies of one rater do not pair
    with each other (see :func:`krippendorff_alpha`, two-way bootstrap).
    """
    q = len(values)
    ok = ~np.isnan(matrix)
    counts = np.stack([((matrix == c) * rater_draws).sum(axis=1) for c in range(q)], axis=1)
    m = counts.sum(axis=1)
    own = (ok * rater_draws**2).sum(axis=1)
    distinct = (ok * (rater_draws > 0)).sum(axis=1)
    keep = distinct >= 2
    counts, m, own = counts[keep], m[keep], own[keep]
    if counts.shape[0] < 2 or (counts.sum(axis=0) > 0).sum() < 2:
        return float("nan")
    divisor = (m**2 - own) / m
    return float(_alpha_from_counts(counts.astype(float), values, level, None, divisor)[0])


def _matrix_icc(matrix: np.ndarray, form: str) -> float:
    """One ICC form of a complete targets x raters matrix (NaN if degenerate)."""
    if matrix.shape[0] < 2 or matrix.shape[1] < 2:
        return float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        value = _icc_point(matrix)[form]
    return float(value) if np.isfinite(value) else float("nan")


def _resampled_statistic(
    matrix: np.ndarray,
    rows_idx: np.ndarray,
    cols_idx: np.ndarray,
    coefficient: str,
    values: np.ndarray,
    level: str,
) -> float:
    """Compute a coefficient on the matrix restricted to (resampled) rows and columns."""
    sub = matrix[rows_idx][:, cols_idx]
    rated = ~np.isnan(sub).all(axis=0)
    if len(np.unique(cols_idx[rated])) < 2:
        return float("nan")  # one distinct rater (drawn repeatedly) carries no agreement
    if coefficient == "alpha":
        draws = np.bincount(cols_idx, minlength=matrix.shape[1]).astype(float)
        return _matrix_alpha(matrix[rows_idx], values, level, draws)
    sub = sub[:, ~np.isnan(sub).all(axis=0)]
    sub = sub[~np.isnan(sub).all(axis=1)]
    return _matrix_icc(sub, ICC_TYPES[COEFFICIENTS.index(coefficient)])


def compare_reliability(
    data: pd.DataFrame,
    *,
    between: str = "format",
    groups: Sequence[Any] | None = None,
    coefficient: Literal["icc1", "icc2", "icc3", "icc1k", "icc2k", "icc3k", "alpha"] = "icc2",
    level: Literal["nominal", "ordinal", "interval", "ratio"] | None = None,
    target: str = "candidate_id",
    rater: str = "rater_id",
    score: str = "score",
    resample: Literal["targets", "targets_raters"] = "targets",
    n_boot: int = 2000,
    seed: Seed = None,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Test the difference between the reliability of two groups (e.g. async vs live).

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings table with a column ``between`` holding the two groups.
    between : str, default "format"
        Column whose two values are compared (e.g. ``"format"``: async vs live).
    groups : sequence of two values, optional
        The two values of ``between`` to compare, in order (a, b); required when the
        column has more than two values. Default: its two values, sorted.
    coefficient : {"icc1", "icc2", "icc3", "icc1k", "icc2k", "icc3k", "alpha"}
        The coefficient compared: a Shrout & Fleiss ICC form (complete designs) or
        Krippendorff's alpha (missing ratings allowed; needs ``level``).
    level : {"nominal", "ordinal", "interval", "ratio"}, optional
        Level of measurement for ``coefficient="alpha"``.
    target, rater, score : str
        Columns identifying the candidate, the rater and the score.
    resample : {"targets", "targets_raters"}, default "targets"
        ``"targets"``: a cluster bootstrap of candidates (a candidate's ratings in both
        groups travel together, keeping paired designs paired). ``"targets_raters"``: a
        two-way cluster bootstrap resampling candidates and, independently, raters (within
        strata: raters in both groups, in the first only, in the second only), so the
        interval also reflects which raters happened to be on the panels.
    n_boot : int, default 2000
        Number of bootstrap resamples.
    seed : int or numpy.random.Generator, optional
        Seed of the bootstrap.
    by : str or list of str, optional
        Compare within each value of these columns (e.g. per question); the output leads
        with them.
    confidence : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group: the ``by`` columns; ``coefficient``; ``group_a`` and
        ``group_b``; ``estimate_a`` and ``estimate_b``; ``difference`` (a - b); ``se``
        (bootstrap SD of the difference); ``ci_low`` and ``ci_high`` (percentile interval
        of the difference); ``p_value`` (two-sided bootstrap p-value of no difference);
        ``n_targets`` (candidates in either group); ``n_boot`` (usable resamples);
        ``ci_method``.

    Raises
    ------
    InterviewLabError
        If ``between`` does not hold exactly the two groups, if an option is not allowed,
        or if a group's design does not suit the coefficient (see :func:`icc`).

    Notes
    -----
    No simple analytic test covers two correlated reliability coefficients measured on
    the same candidates under different rater panels, so the difference is bootstrapped.
    The p-value is ``2 * min(P*(d <= 0), P*(d >= 0))`` over the resampled differences
    (capped at 1), which agrees with whether the percentile interval covers 0. In the
    two-way bootstrap a rater drawn twice enters twice: for the ICC as a duplicated column
    (the usual rater bootstrap), for alpha without pairing the copies with each other (as
    in :func:`krippendorff_alpha`). Resamples with fewer than two distinct raters in a
    group are discarded.
    Resamples where a coefficient is undefined (e.g. no variance) are discarded and counted
    in a warning.

    Validated by checking that resampling reproduces the point estimates of :func:`icc` and
    :func:`krippendorff_alpha`, and by simulation with equal and unequal true ICCs.

    References
    ----------
    Davison, A. C., & Hinkley, D. V. (1997). Bootstrap Methods and their Application.
    Cambridge University Press (ch. 3.8, multi-stage and crossed sampling).

    Field, C. A., & Welsh, A. H. (2007). Bootstrapping clustered data. Journal of the Royal
    Statistical Society B, 69(3), 369-390.

    Examples
    --------
    >>> from interviewlab.datasets import read_dataset
    >>> sf = read_dataset("shrout_fleiss_1979")
    >>> sf["format"] = sf["judge"].map({"J1": "live", "J2": "live", "J3": "async", "J4": "async"})
    >>> res = compare_reliability(sf, between="format", coefficient="icc3", target="target",
    ...                           rater="judge", score="rating", n_boot=200, seed=1)
    >>> res[["group_a", "group_b"]].iloc[0].tolist()
    ['async', 'live']
    """
    frame, by_cols = _check_common(data, [target, rater, score, between], by, confidence)
    check_choice("coefficient", coefficient, COEFFICIENTS)
    check_choice("resample", resample, RESAMPLING)
    _check_n_boot(n_boot)
    if n_boot < 100:
        raise InterviewLabError(f"n_boot={n_boot} is too few for an interval; use 1000 or more.")
    if coefficient == "alpha":
        if level is None:
            raise InterviewLabError(
                "coefficient='alpha' needs level= ('nominal', 'ordinal', 'interval', 'ratio')."
            )
        check_choice("level", level, LEVELS)
    rng = _rng(seed)
    rows = []
    for keys, part in _by_groups(frame, by_cols):
        present = pd.unique(part[between].dropna())
        pair = list(groups) if groups is not None else sorted(present, key=str)
        if len(pair) != 2 or len(set(pair)) != 2:
            raise InterviewLabError(
                f"{between!r} has values {list(present)}{_where(keys)}; compare exactly two: "
                "pass groups=(a, b) or filter the data."
            )
        missing_groups = [g for g in pair if g not in set(present)]
        if missing_groups:
            raise InterviewLabError(f"{between!r} has no rows for {missing_groups}{_where(keys)}.")
        part = part[part[between].isin(pair)]
        all_targets = np.unique(part[target].astype(str).to_numpy())
        all_raters = np.unique(part[rater].astype(str).to_numpy())
        mats = []
        values = np.empty(0)
        level_name = str(level)
        if coefficient == "alpha":
            scored = part.dropna(subset=[score])
            codes, levels = _category_codes(
                scored[score], None, numeric=level in ("interval", "ratio"), what=level_name
            )
            values = (
                np.arange(len(levels), dtype=float)
                if level in ("nominal", "ordinal")
                else np.asarray(levels, dtype=float)
            )
            part = scored.assign(_code=codes)
        for g in pair:
            sub = part[part[between] == g]
            if coefficient == "alpha":
                _check_duplicates(sub, target, rater, keys, what="unit")
                col = "_code"
            else:
                _wide_complete(sub, target, rater, score, {**keys, between: g})
                col = score
            t_pos = np.searchsorted(all_targets, sub[target].astype(str).to_numpy())
            r_pos = np.searchsorted(all_raters, sub[rater].astype(str).to_numpy())
            full = np.full((len(all_targets), len(all_raters)), np.nan)
            full[t_pos, r_pos] = sub[col].to_numpy(dtype=float)
            mats.append(full)

        every_t = np.arange(len(all_targets))
        every_r = np.arange(len(all_raters))
        est = [
            _resampled_statistic(mat, every_t, every_r, coefficient, values, level_name)
            for mat in mats
        ]
        # Raters are resampled within strata (raters of both groups, of a only, of b only),
        # so each group keeps its panel size and shared raters stay shared.
        in_a = ~np.isnan(mats[0]).all(axis=0)
        in_b = ~np.isnan(mats[1]).all(axis=0)
        strata = [
            s
            for s in (
                np.nonzero(in_a & in_b)[0],
                np.nonzero(in_a & ~in_b)[0],
                np.nonzero(~in_a & in_b)[0],
            )
            if len(s)
        ]
        diffs = np.empty(n_boot)
        for b in range(n_boot):
            t_idx = rng.integers(0, len(all_targets), len(all_targets))
            if resample == "targets_raters":
                r_idx = np.concatenate([rng.choice(s, len(s)) for s in strata])
            else:
                r_idx = every_r
            diffs[b] = _resampled_statistic(
                mats[0], t_idx, r_idx, coefficient, values, level_name
            ) - _resampled_statistic(mats[1], t_idx, r_idx, coefficient, values, level_name)
        ok = np.isfinite(diffs)
        if not ok.all():
            warnings.warn(
                f"{int((~ok).sum())} of {n_boot} resamples{_where(keys)} gave an undefined "
                "coefficient and were discarded.",
                InterviewLabWarning,
                stacklevel=2,
            )
        good = diffs[ok]
        tail = (1 - confidence) / 2
        ci_low, ci_high = (float(x) for x in np.quantile(good, [tail, 1 - tail]))
        p_value = min(1.0, 2 * min(float(np.mean(good <= 0)), float(np.mean(good >= 0))))
        kind = "candidates" if resample == "targets" else "candidates and raters (two-way)"
        rows.append(
            {
                **keys,
                "coefficient": coefficient,
                "group_a": pair[0],
                "group_b": pair[1],
                "estimate_a": est[0],
                "estimate_b": est[1],
                "difference": est[0] - est[1],
                "se": float(np.std(good, ddof=1)),
                "ci_low": ci_low,
                "ci_high": ci_high,
                "p_value": p_value,
                "n_targets": len(all_targets),
                "n_boot": int(ok.sum()),
                "ci_method": f"bootstrap percentile, {kind} resampled",
            }
        )
    columns = [
        "coefficient",
        "group_a",
        "group_b",
        "estimate_a",
        "estimate_b",
        "difference",
        "se",
        "ci_low",
        "ci_high",
        "p_value",
        "n_targets",
        "n_boot",
        "ci_method",
    ]
    return _assemble(rows, by_cols, columns)
