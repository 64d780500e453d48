"""Comparing two reliability coefficients, e.g. async vs live, with a cluster bootstrap."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from interviewlab._checks import (
    check_choice,
)
from interviewlab.errors import InterviewLabError, InterviewLabWarning, NotEstimableError
from interviewlab.reliability._common import (
    COEFFICIENTS,
    ICC_TYPES,
    LEVELS,
    RESAMPLING,
    Seed,
    _assemble,
    _by_groups,
    _category_codes,
    _check_common,
    _check_duplicates,
    _check_n_boot,
    _not_estimable,
    _rng,
    _where,
)
from interviewlab.reliability.icc import (
    _icc_point,
    _wide_complete,
)
from interviewlab.reliability.krippendorff import (
    _alpha_from_counts,
)

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
        ``ci_method``;
        ``estimable`` and ``reason``: with ``by=``, a group where the coefficient cannot be
        computed (too few units, no variation) is kept as a row with missing estimates,
        ``estimable`` False and the reason.

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
    >>> from interviewlab.data import read_dataset
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
        try:
            pair = _two_groups(part, between, groups, keys)
            part = part[part[between].isin(pair)]
            mats, values = _aligned_matrices(
                part, pair, target, rater, score, between, coefficient, level, keys
            )
            n_targets, n_raters = mats[0].shape
            est = [
                _resampled_statistic(
                    mat, np.arange(n_targets), np.arange(n_raters), coefficient, values, str(level)
                )
                for mat in mats
            ]
            diffs = _bootstrap_differences(
                mats, rng, n_boot=n_boot, resample=resample, coefficient=coefficient,
                values=values, level=str(level),
            )  # fmt: skip
            ok = np.isfinite(diffs)
            if not ok.all():
                warnings.warn(
                    f"{int((~ok).sum())} of {n_boot} resamples{_where(keys)} gave an undefined "
                    "coefficient and were discarded.",
                    InterviewLabWarning,
                    stacklevel=2,
                )
            good = diffs[ok]
            if good.size < 2:
                raise NotEstimableError(
                    f"Fewer than two bootstrap resamples{_where(keys)} gave a defined "
                    "difference; the data are too sparse for a comparison."
                )
            tail = (1 - confidence) / 2
            ci_low, ci_high = (float(x) for x in np.quantile(good, [tail, 1 - tail]))
            p_value = min(1.0, 2 * min(float(np.mean(good <= 0)), float(np.mean(good >= 0))))
        except NotEstimableError as err:
            if not by_cols:
                raise
            known = {
                "coefficient": coefficient,
                "n_targets": int(part[target].nunique()),
                "n_boot": 0,
                "ci_method": "none (not estimable)",
            }
            rows.append(_not_estimable(keys, err, known))
            continue
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
                "n_targets": n_targets,
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


def _two_groups(
    part: pd.DataFrame, between: str, groups: Sequence[Any] | None, keys: dict[str, Any]
) -> list[Any]:
    """The two groups to compare, checked to be present in this subgroup."""
    present = pd.unique(part[between].dropna())
    pair = list(groups) if groups is not None else sorted(present, key=str)
    if groups is None and len(pair) < 2:
        raise NotEstimableError(
            f"{between!r} has only the value(s) {list(present)}{_where(keys)}, so there are "
            "not two groups to compare there."
        )
    if len(pair) != 2 or len(set(pair)) != 2:
        raise InterviewLabError(
            f"{between!r} has values {list(present)}{_where(keys)}; compare exactly two: "
            "pass groups=(a, b) or filter the data."
        )
    missing_groups = [g for g in pair if g not in set(present)]
    if missing_groups:
        raise NotEstimableError(
            f"{between!r} has no rows for {missing_groups}{_where(keys)}, so the two "
            "groups cannot be compared there."
        )
    return pair


def _aligned_matrices(
    part: pd.DataFrame,
    pair: list[Any],
    target: str,
    rater: str,
    score: str,
    between: str,
    coefficient: str,
    level: str | None,
    keys: dict[str, Any],
) -> tuple[list[np.ndarray], np.ndarray]:
    """One targets x raters matrix per group, on the same rows and columns.

    Both groups share the row (target) and column (rater) order, so that one resample of
    targets and raters applies to both. For alpha the cells hold category codes and
    ``values`` the numeric value of each code; for ICCs the cells hold scores.
    """
    all_targets = np.unique(part[target].astype(str).to_numpy())
    all_raters = np.unique(part[rater].astype(str).to_numpy())
    values = np.empty(0)
    if coefficient == "alpha":
        scored = part.dropna(subset=[score])
        codes, levels = _category_codes(
            scored[score], None, numeric=level in ("interval", "ratio"), what=str(level)
        )
        values = (
            np.arange(len(levels), dtype=float)
            if level in ("nominal", "ordinal")
            else np.asarray(levels, dtype=float)
        )
        part = scored.assign(_code=codes)
    mats = []
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
    return mats, values


def _bootstrap_differences(
    mats: list[np.ndarray],
    rng: np.random.Generator,
    *,
    n_boot: int,
    resample: str,
    coefficient: str,
    values: np.ndarray,
    level: str,
) -> np.ndarray:
    """Bootstrap replicates of coefficient(a) - coefficient(b), NaN where undefined.

    Targets are resampled with replacement; with ``resample="targets_raters"`` raters are
    too, within strata (raters of both groups, of a only, of b only), so each group keeps
    its panel size and shared raters stay shared.
    """
    n_targets, n_raters = mats[0].shape
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
    every_r = np.arange(n_raters)
    diffs = np.empty(n_boot)
    for b in range(n_boot):
        t_idx: np.ndarray = rng.integers(0, n_targets, size=int(n_targets))
        if resample == "targets_raters":
            r_idx = np.concatenate([rng.choice(s, len(s)) for s in strata])
        else:
            r_idx = every_r
        diffs[b] = _resampled_statistic(
            mats[0], t_idx, r_idx, coefficient, values, level
        ) - _resampled_statistic(mats[1], t_idx, r_idx, coefficient, values, level)
    return diffs
