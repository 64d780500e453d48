"""Input handling shared by the reliability coefficients.

Option checks, subgroups, intervals, resampling and category handling.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from interviewlab._checks import (
    as_list,
    check_fraction,
    require_columns,
    require_frame,
)
from interviewlab.errors import InterviewLabError, NotEstimableError

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
    """Build the output frame with the ``by`` columns first, ``estimable`` and ``reason`` last.

    Rows without ``estimable`` are estimable (``reason`` empty).
    """
    rows = [{"estimable": True, "reason": "", **row} for row in rows]
    return pd.DataFrame(rows, columns=[*by_cols, *columns, "estimable", "reason"])


def _not_estimable(
    keys: dict[str, Any], err: NotEstimableError, counts: dict[str, Any]
) -> dict[str, Any]:
    """The row of a ``by`` group whose statistic cannot be computed: counts and the reason.

    Its estimate, interval and test columns are missing; ``small_sample`` is True.
    """
    return {**keys, **counts, "small_sample": True, "estimable": False, "reason": str(err)}


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
