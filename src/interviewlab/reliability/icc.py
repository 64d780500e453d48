"""Intraclass correlations (Shrout & Fleiss 1979) from the ANOVA of a complete panel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from interviewlab._checks import (
    check_choice,
)
from interviewlab.errors import NotEstimableError
from interviewlab.reliability._common import (
    ICC_LABELS,
    ICC_METHODS,
    ICC_TYPES,
    _assemble,
    _by_groups,
    _check_common,
    _check_duplicates,
    _check_min_n,
    _not_estimable,
    _require_numeric,
    _where,
)

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
        raise NotEstimableError(
            f"{incomplete} of {n} targets{_where(keys)} were not rated by all {k} raters (or "
            f"have missing scores): the ANOVA ICC needs every rater to rate every target. "
            f"Options: restrict the data to a complete panel (the raters who rated everyone); "
            f"use krippendorff_alpha(), which handles missing ratings; or use "
            f"method='reml' (ICCs from REML variance components, for incomplete designs)."
        )
    if n < 2 or k < 2:
        raise NotEstimableError(
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


def _icc_ratios(matrix: np.ndarray) -> dict[str, tuple[float, float]]:
    """The six Shrout & Fleiss ICCs of a complete matrix as (numerator, denominator)."""
    n, k = matrix.shape
    msb, msw, msj, mse = _mean_squares(matrix)
    return {
        "ICC1": (msb - msw, msb + (k - 1) * msw),
        "ICC2": (msb - mse, msb + (k - 1) * mse + k * (msj - mse) / n),
        "ICC3": (msb - mse, msb + (k - 1) * mse),
        "ICC1k": (msb - msw, msb),
        "ICC2k": (msb - mse, msb + (msj - mse) / n),
        "ICC3k": (msb - mse, msb),
    }


def _icc_point(matrix: np.ndarray) -> dict[str, float]:
    """The six ICCs of a complete matrix; NaN where the denominator is not positive."""
    return {
        form: num / den if den > 0 else float("nan")
        for form, (num, den) in _icc_ratios(matrix).items()
    }


def _icc_table(matrix: np.ndarray, confidence: float, keys: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one output row per ICC form for a complete matrix."""
    n, k = matrix.shape
    msb, msw, msj, mse = _mean_squares(matrix)
    scale = max(float(np.abs(matrix).max()), 1.0) ** 2
    if msw <= 1e-12 * scale or mse <= 1e-12 * scale:
        raise NotEstimableError(
            f"The ratings{_where(keys)} have no residual variation (every rater gives each "
            f"target the same score, up to a constant rater offset), so the ANOVA F ratios and "
            f"their intervals are undefined. Report the agreement directly, or use "
            f"krippendorff_alpha()/gwet_ac(), which are defined in this case."
        )
    tiny = 1e-12 * scale
    ratios = _icc_ratios(matrix)
    est = {form: num / den if den > tiny else np.nan for form, (num, den) in ratios.items()}
    if msb <= tiny:
        # every target has the same mean: F = 0, the F intervals collapse to a point and
        # the average-rater forms divide by MSB = 0 (pingouin 0.5 gives -inf there)
        return _icc_rows_without_target_variance(est, n, k, keys)
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
        estimable = bool(np.isfinite(est[form]))
        rows.append(
            {
                **keys,
                "type": form,
                "label": ICC_LABELS[form],
                "estimate": float(est[form]),
                "ci_low": float(intervals[form][0]) if estimable else np.nan,
                "ci_high": float(intervals[form][1]) if estimable else np.nan,
                "f": float(f_value),
                "df1": df1,
                "df2": df2,
                "p_value": p_value,
                "n_targets": n,
                "n_raters": k,
                "ci_method": ci_method,
                "estimable": estimable,
                "reason": "" if estimable else _NEGATIVE_DENOMINATOR,
            }
        )
    return rows


_NEGATIVE_DENOMINATOR = (
    "The mean squares make this form's denominator zero or negative (the raters differ "
    "more than the targets), so the coefficient is undefined."
)


def _icc_rows_without_target_variance(
    est: dict[str, float], n: int, k: int, keys: dict[str, Any]
) -> list[dict[str, Any]]:
    """ICC rows when every target has the same mean score (MSB = 0, F = 0, p = 1).

    The single-rater forms are -1/(k - 1)-like values as pingouin gives them; their
    F intervals collapse to a point, so they are not shown, and the average-rater forms
    (MSB in the denominator) are not estimable.
    """
    reason = (
        f"Every target has the same mean score{_where(keys)} (MSB = 0): the targets do not "
        "differ at all, F = 0 and its interval collapses to a point"
    )
    df1, df_within, df_error = n - 1, n * (k - 1), (n - 1) * (k - 1)
    rows = []
    for form in ICC_TYPES:
        estimable = bool(np.isfinite(est[form]))
        why = reason + (
            ", so no interval is given." if estimable else "; this average-rater form is undefined."
        )
        rows.append(
            {
                **keys,
                "type": form,
                "label": ICC_LABELS[form],
                "estimate": float(est[form]),
                "ci_low": np.nan,
                "ci_high": np.nan,
                "f": 0.0,
                "df1": df1,
                "df2": df_within if form[3] == "1" else df_error,
                "p_value": 1.0,
                "n_targets": n,
                "n_raters": k,
                "ci_method": "none (MSB = 0)",
                "estimable": estimable,
                "reason": why,
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
        variance components from REML fits (:func:`interviewlab.reliability.icc_reml`), for
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
        ``p_value`` is a likelihood-ratio test of no target variance. ``estimable`` and
        ``reason``: a form whose denominator is zero or negative is missing with its
        reason; when every target has the same mean (MSB = 0) F = 0, p = 1, the
        single-rater forms are given without interval and the average-rater forms are
        missing (pingouin gives -inf there); with ``by=``, a group where no ICC can be
        computed is kept as six rows with missing estimates and the reason.

    Raises
    ------
    InterviewLabError
        If the score column is not numeric, or a target has several rows from one
        rater (aggregate or use ``by=``).
    NotEstimableError
        Without ``by=``: if a target was not rated by every rater (the message counts
        them and lists the options), if there are fewer than 2 targets or raters, or if
        there is no residual variation.

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

    Not handled: incomplete designs (use ``method="reml"``, i.e. :func:`icc_reml`, or
    :func:`krippendorff_alpha`) and several ratings per target and rater.

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
    >>> from interviewlab.data import read_dataset
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
        _require_numeric(part, score, "The ICC", keys)
        try:
            rows.extend(_icc_group(part, keys, target, rater, score, method, confidence, min_n,
                                   n_boot, seed))  # fmt: skip
        except NotEstimableError as err:
            if not by_cols:
                raise
            known = {
                "n_targets": int(part[target].nunique()),
                "n_raters": int(part[rater].nunique()),
                "ci_method": "none (not estimable)",
                "method": method,
            }
            rows.extend(
                {**_not_estimable(keys, err, known), "type": form, "label": ICC_LABELS[form]}
                for form in ICC_TYPES
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


def _icc_group(
    part: pd.DataFrame,
    keys: dict[str, Any],
    target: str,
    rater: str,
    score: str,
    method: str,
    confidence: float,
    min_n: int,
    n_boot: int,
    seed: int,
) -> list[dict[str, Any]]:
    """The six ICC rows of one ``by`` group."""
    if method == "reml":
        from interviewlab.reliability import icc_reml  # the engine imports this module

        table = icc_reml(
            part,
            target=target,
            rater=rater,
            score=score,
            confidence=confidence,
            n_boot=n_boot,
            seed=seed,
        ).reset_index()
        rows = []
        for record in table.to_dict("records"):
            row = {str(name): value for name, value in record.items()}
            rows.append({**keys, **row, "small_sample": row["n_targets"] < min_n})
        return rows
    matrix = _wide_complete(part, target, rater, score, keys)
    return [
        {
            **row,
            "small_sample": row["n_targets"] < min_n,
            "k": row["n_raters"],
            "method": "anova",
        }
        for row in _icc_table(matrix, confidence, keys)
    ]
