"""Adverse impact: selection rates, impact ratios and their tests, Mantel-Haenszel, funnels.

Every function takes a tidy table with one row per applicant (or per applicant and
stage outcome) and returns a :class:`pandas.DataFrame` whose columns are documented in
its docstring. A legal threshold such as the four-fifths rule is context for a human
decision, not a verdict: each table says what the figure is, how uncertain it is, and
which rule it is compared with.

Shared conventions
------------------
- ``group`` may be one column or a list of columns; a list forms intersectional
  categories (e.g. sex x ethnicity) whose label, in the ``category`` column, joins the
  values with ``" × "``.
- Missing group values, and values in ``unknown`` (compared case-insensitively), are
  pooled into one row per ``by`` cell with ``category == "unknown"`` and
  ``role == "unknown"``: counted and reported, never compared.
- Categories below ``min_share`` of the known applicants or with fewer than
  ``min_count`` applicants stay in the table with ``role == "excluded"`` and the reason;
  they are never used as the reference.
- ``role`` is one of ``"reference"``, ``"compared"``, ``"excluded"``, ``"unknown"``.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction
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
from interviewlab.errors import InterviewLabError, InterviewLabWarning, SmallSampleWarning

__all__ = [
    "audit_table",
    "funnel",
    "impact_ratios",
    "mantel_haenszel",
    "question_gaps",
    "relative_likelihood",
    "score_gaps",
    "scoring_rate_sweep",
    "scoring_rates",
    "selection_rates",
]

SEPARATOR = " × "
UNKNOWN_LABEL = "unknown"
DEFAULT_UNKNOWN: tuple[str, ...] = ("unknown",)
P_ADJUST_METHODS = (
    "holm",
    "bonferroni",
    "sidak",
    "holm-sidak",
    "simes-hochberg",
    "hommel",
    "fdr_bh",
    "fdr_by",
    "none",
)
TESTS = ("fisher", "mid_p", "z")
PROFILES = ("ugesp", "ofccp", "ll144", "wres")
# Output columns a user's group or by column may not be named (they would be overwritten).
_RESERVED = {
    "category",
    "role",
    "reference",
    "n",
    "selected",
    "rate",
    "share",
    "stage",
    "_x",
    "_unknown",
    "_cell",
}

Reference = str | tuple[Any, ...]


# --------------------------------------------------------------------------- checks


def _check_binary(data: pd.DataFrame, column: str) -> None:
    """Raise unless ``data[column]`` holds only 0/1 (or booleans) and no missing values."""
    values = data[column]
    n_missing = int(values.isna().sum())
    if n_missing:
        raise InterviewLabError(
            f"Column {column!r} has {n_missing} missing value(s); it must be 0/1 for every "
            "row. Decide what a missing outcome means (usually 0: not selected) and fill it."
        )
    if pd.api.types.is_bool_dtype(values):
        return
    if not pd.api.types.is_numeric_dtype(values):
        raise InterviewLabError(
            f"Column {column!r} must be 0/1 or boolean, got dtype {values.dtype}; "
            "recode it (e.g. data[col].eq('yes').astype(int))."
        )
    bad = ~values.isin((0, 1))
    if bool(bad.any()):
        examples = ", ".join(map(repr, pd.unique(values[bad])[:5]))
        raise InterviewLabError(
            f"Column {column!r} must be 0/1 (selected or not), but it also holds {examples}. "
            "Recode it to 0/1; for scores use scoring_rates()."
        )


def _check_weight(data: pd.DataFrame, weight: str) -> np.ndarray:
    """Return frequency weights as int64, raising unless they are non-negative integers."""
    values = data[weight]
    if values.isna().any() or not pd.api.types.is_numeric_dtype(values):
        raise InterviewLabError(f"Weight column {weight!r} must be numeric counts without gaps.")
    array = values.to_numpy(dtype=float)
    if (array < 0).any() or not np.all(np.equal(np.floor(array), array)):
        raise InterviewLabError(
            f"Weight column {weight!r} must hold non-negative whole numbers (frequency counts)."
        )
    return array.astype(np.int64)


def _check_names(group_cols: list[str], by_cols: list[str]) -> None:
    if not group_cols:
        raise InterviewLabError("group must name at least one column.")
    clash = sorted(set(group_cols + by_cols) & _RESERVED)
    if clash:
        raise InterviewLabError(
            f"Column name(s) {', '.join(map(repr, clash))} clash with output columns; rename "
            "them before the analysis (e.g. data.rename(columns={...}))."
        )
    both = sorted(set(group_cols) & set(by_cols))
    if both:
        raise InterviewLabError(f"Column(s) {both} are in both group and by; use each once.")


def _check_options(
    *,
    threshold: float,
    confidence: float,
    p_adjust: str,
    test: str,
    min_share: float,
    min_count: int,
    small_n: int,
) -> Fraction:
    check_fraction("confidence", confidence)
    check_choice("p_adjust", p_adjust, P_ADJUST_METHODS)
    check_choice("test", test, TESTS)
    if not 0 < threshold <= 1:
        raise InterviewLabError(f"threshold={threshold!r} must be in (0, 1], e.g. 0.8.")
    check_fraction("min_share", min_share, open_interval=False)
    if min_count < 0 or small_n < 0:
        raise InterviewLabError("min_count and small_n must be non-negative integers.")
    # The threshold as an exact fraction (0.8 -> 4/5), so that the comparison with the
    # ratio of counts is made in integers and 0.48/0.60 is exactly 4/5, not 0.7999...
    return Fraction(str(threshold)).limit_denominator(10**6)


# ------------------------------------------------------------------ counting helpers


def _counts(
    data: pd.DataFrame,
    *,
    by_cols: list[str],
    group_cols: list[str],
    indicators: list[str],
    weight: str | None,
    unknown: Sequence[str],
) -> pd.DataFrame:
    """Count applicants (``n``) and indicator sums per ``by`` x group category.

    Returns one row per ``by`` cell and known category plus one pooled ``unknown`` row
    per cell when there are unknown group values, with the columns ``by_cols``,
    ``group_cols``, ``category``, ``_unknown``, ``n`` and each indicator.
    """
    for column in by_cols:
        n_missing = int(data[column].isna().sum())
        if n_missing:
            raise InterviewLabError(
                f"The by column {column!r} has {n_missing} missing value(s); fill them or "
                "drop those rows explicitly before the analysis."
            )
    keys = by_cols + group_cols
    if weight is None:
        grouped = data.groupby(keys, dropna=False, observed=True, sort=True)
        table = (
            grouped[indicators].sum() if indicators else pd.DataFrame(index=grouped.size().index)
        )
        table.insert(0, "n", grouped.size())
    else:
        w = _check_weight(data, weight)
        frame = pd.DataFrame({key: data[key] for key in keys})
        frame["n"] = w
        for column in indicators:
            frame[column] = data[column].to_numpy(dtype=np.int64) * w
        table = frame.groupby(keys, dropna=False, observed=True, sort=True)[
            ["n", *indicators]
        ].sum()
    table = table.reset_index()
    for column in ["n", *indicators]:
        table[column] = table[column].astype(np.int64)
    _warn_unused_levels(data, group_cols)

    unknown_set = {str(u).strip().casefold() for u in unknown}
    is_unknown = np.zeros(len(table), dtype=bool)
    for column in group_cols:
        values = table[column]
        text = values.astype(str).str.strip().str.casefold()
        is_unknown |= values.isna().to_numpy() | text.isin(unknown_set).to_numpy()
    known = table.loc[~is_unknown].copy()
    labels = known[group_cols[0]].astype(str)
    for column in group_cols[1:]:
        labels = labels + SEPARATOR + known[column].astype(str)
    known.insert(len(keys), "category", labels.to_numpy())
    known.insert(len(keys) + 1, "_unknown", False)
    if not is_unknown.any():
        return known.reset_index(drop=True)
    unknown_rows = table.loc[is_unknown]
    value_cols = ["n", *indicators]
    if by_cols:
        pooled = unknown_rows.groupby(by_cols, sort=True)[value_cols].sum().reset_index()
    else:
        pooled = unknown_rows[value_cols].sum().to_frame().T
    for column in group_cols:
        pooled[column] = pd.NA
    pooled["category"] = UNKNOWN_LABEL
    pooled["_unknown"] = True
    out = pd.concat([known, pooled[known.columns]], ignore_index=True)
    if by_cols:
        out = out.sort_values(by_cols, kind="stable").reset_index(drop=True)
    for column in value_cols:
        out[column] = out[column].astype(np.int64)
    return out


def _warn_unused_levels(data: pd.DataFrame, group_cols: list[str]) -> None:
    """Warn about categorical levels with no applicants (they cannot appear as rows)."""
    for column in group_cols:
        values = data[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            unused = sorted(set(values.cat.categories) - set(values.dropna().unique()), key=str)
            if unused:
                warnings.warn(
                    f"Group column {column!r} has categories with no applicants: "
                    f"{', '.join(map(str, unused))}. They have no rate and are not in the table.",
                    InterviewLabWarning,
                    stacklevel=3,
                )


def _reference_label(reference: Reference) -> str:
    if isinstance(reference, tuple):
        return SEPARATOR.join(map(str, reference))
    return str(reference)


# ------------------------------------------------------------------ the shared core


def _z_crit(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _wilson(x: np.ndarray, n: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for x/n (NaN where n == 0)."""
    from statsmodels.stats.proportion import proportion_confint

    n_safe = np.where(n > 0, n, 1)
    low, high = proportion_confint(x, n_safe, alpha=1 - confidence, method="wilson")
    low = np.where(n > 0, low, np.nan)
    high = np.where(n > 0, high, np.nan)
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)


def _katz_interval(
    x1: np.ndarray, n1: np.ndarray, x0: np.ndarray, n0: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Log (Katz) interval for (x1/n1)/(x0/n0); 0.5 added to each cell if a count is 0."""
    zero = (x1 == 0) | (x0 == 0)
    a = np.where(zero, x1 + 0.5, x1).astype(float)
    c = np.where(zero, x0 + 0.5, x0).astype(float)
    m1 = np.where(zero, n1 + 1.0, n1).astype(float)
    m0 = np.where(zero, n0 + 1.0, n0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(a / m1) - np.log(c / m0)
        se = np.sqrt(1 / a - 1 / m1 + 1 / c - 1 / m0)
    z = _z_crit(confidence)
    return np.exp(log_ratio - z * se), np.exp(log_ratio + z * se)


def _overall_interval(
    x: np.ndarray, n: np.ndarray, xc: np.ndarray, nc: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Delta-method interval for p_g / p_all where the group is part of the pool.

    ``xc``/``nc`` are the complement (everyone else); 0.5 is added to a zero count.
    """
    xa = np.where(x == 0, x + 0.5, x).astype(float)
    na = np.where(x == 0, n + 1.0, n).astype(float)
    xca = np.where(xc == 0, xc + 0.5, xc).astype(float)
    nca = np.where(xc == 0, nc + 1.0, nc).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_g = xa / na
        p_c = xca / nca
        w = na / (na + nca)
        p_all = w * p_g + (1 - w) * p_c
        d_g = 1 / p_g - w / p_all
        d_c = -(1 - w) / p_all
        var = d_g**2 * p_g * (1 - p_g) / na + d_c**2 * p_c * (1 - p_c) / nca
        log_ratio = np.log(p_g / p_all)
        se = np.sqrt(var)
    z = _z_crit(confidence)
    return np.exp(log_ratio - z * se), np.exp(log_ratio + z * se)


def _below(x: Any, n: Any, x_ref: Any, n_ref: Any, frac: Fraction) -> np.ndarray:
    """Exact ``(x/n) / (x_ref/n_ref) < frac`` in integer arithmetic (no rounding)."""
    x, n, x_ref, n_ref = (np.asarray(v, dtype=object) for v in (x, n, x_ref, n_ref))
    left = x * n_ref * frac.denominator
    right = x_ref * n * frac.numerator
    return np.asarray(left < right, dtype=bool)


def _pooled_z(x1: np.ndarray, n1: np.ndarray, x0: np.ndarray, n0: np.ndarray) -> np.ndarray:
    """Two-proportion z statistic with the pooled variance (NaN when it is zero)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = x1 / n1
        p0 = x0 / n0
        pooled = (x1 + x0) / (n1 + n0)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
        z = (p1 - p0) / se
    return np.where(se > 0, z, np.nan)


def _fisher_p(x1: np.ndarray, n1: np.ndarray, x0: np.ndarray, n0: np.ndarray) -> np.ndarray:
    """Two-sided Fisher exact p-values (scipy), one table at a time, cached."""
    cache: dict[tuple[int, int, int, int], float] = {}
    out = np.empty(len(x1), dtype=float)
    for i, key in enumerate(zip(x1.tolist(), n1.tolist(), x0.tolist(), n0.tolist(), strict=True)):
        if key not in cache:
            a, m1, c, m0 = key
            table = [[a, m1 - a], [c, m0 - c]]
            cache[key] = float(stats.fisher_exact(table, alternative="two-sided").pvalue)
        out[i] = cache[key]
    return out


def _mid_p(x1: np.ndarray, n1: np.ndarray, x0: np.ndarray, n0: np.ndarray) -> np.ndarray:
    """Lancaster's two-sided mid-P (doubled smaller tail) from the hypergeometric law."""
    total = n1 + n0
    selected = x1 + x0
    pmf = stats.hypergeom.pmf(x1, total, selected, n1)
    lower = stats.hypergeom.cdf(x1 - 1, total, selected, n1) + 0.5 * pmf
    upper = stats.hypergeom.sf(x1, total, selected, n1) + 0.5 * pmf
    return np.minimum(1.0, 2 * np.minimum(lower, upper))


def _holm(p: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values within each cell, all cells at once.

    Equal to ``multipletests(p, method="holm")[1]`` per cell (checked in the tests);
    done here because statsmodels' Holm branch runs a full garbage collection on each
    call (statsmodels PR #8671), which costs tens of milliseconds per ``by`` cell.
    """
    if p.size == 0:
        return p.astype(float)
    order = np.lexsort((p, cells))
    ps, cs = p[order], cells[order]
    start = np.r_[True, cs[1:] != cs[:-1]]
    family = np.cumsum(start) - 1
    position = np.arange(len(ps)) - np.flatnonzero(start)[family]
    size = np.bincount(family)[family]
    stepped = pd.Series(ps * (size - position)).groupby(family).cummax().to_numpy()
    out = np.empty(len(p))
    out[order] = np.minimum(stepped, 1.0)
    return out


def _adjust(p: np.ndarray, cells: np.ndarray, method: str) -> np.ndarray:
    """Adjust p-values within each cell (statsmodels' ``multipletests``; Holm vectorised)."""
    from statsmodels.stats.multitest import multipletests

    if method == "none":
        return p.copy()
    out = np.full(len(p), np.nan)
    usable = ~np.isnan(p)
    if method == "holm":
        out[usable] = _holm(p[usable], cells[usable])
        return out
    for cell in pd.unique(cells[usable]):
        idx = np.flatnonzero(usable & (cells == cell))
        out[idx] = p[idx] if idx.size == 1 else multipletests(p[idx], method=method)[1]
    return out


def _join_reasons(parts: list[tuple[np.ndarray, pd.Series]]) -> np.ndarray:
    """Join the reasons whose mask is true with '; ' (empty string when none is)."""
    size = len(parts[0][0])
    joined = pd.Series([""] * size, dtype=object)
    for mask, text in parts:
        piece = pd.Series(np.where(mask, text.to_numpy(dtype=object), ""), dtype=object)
        sep = np.where((joined != "") & (piece != ""), "; ", "")
        joined = joined + sep + piece
    return joined.to_numpy(dtype=object)


def _impact_core(
    table: pd.DataFrame,
    *,
    by_cols: list[str],
    n_col: str,
    x_col: str,
    share_col: str | None,
    reference: Reference,
    frac: Fraction,
    confidence: float,
    test: str,
    p_adjust: str,
    min_share: float,
    min_count: int,
    small_n: int,
    what: str = "selection",
) -> pd.DataFrame:
    """Impact-ratio columns for a counts table (one row per cell x category)."""
    t = table.reset_index(drop=True)
    size = len(t)
    cells = t.groupby(by_cols, sort=False).ngroup().to_numpy() if by_cols else np.zeros(size, int)
    unknown = t["_unknown"].to_numpy(dtype=bool)
    known = ~unknown
    n = t[n_col].to_numpy(dtype=np.int64)
    x = t[x_col].to_numpy(dtype=np.int64)
    base = t[share_col].to_numpy(dtype=np.int64) if share_col else n

    known_total = pd.Series(np.where(known, base, 0)).groupby(cells).transform("sum").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(known & (known_total > 0), base / known_total, np.nan)
        rate = np.where(n > 0, x / np.where(n > 0, n, 1), np.nan)
    low_share = known & (share < min_share)
    low_count = known & (n < min_count)
    empty = known & (n == 0)
    excluded = low_share | low_count | empty
    excluded_reason = _join_reasons(
        [
            (empty, pd.Series(["no applicants entering"] * size)),
            (
                low_share & ~empty,
                pd.Series(
                    [f"share {s:.3%} < min_share {min_share:.1%}" for s in np.nan_to_num(share)]
                ),
            ),
            (
                low_count & ~empty,
                pd.Series([f"n={v} < min_count {min_count}" for v in n]),
            ),
        ]
    )
    eligible = known & ~excluded

    # -- reference counts per cell
    is_ref = np.zeros(size, dtype=bool)
    overall = reference == "overall"
    if reference == "highest":
        masked = np.where(eligible, rate, -np.inf)
        best = pd.Series(masked).groupby(cells).transform("max").to_numpy()
        candidate = eligible & (masked == best)
        first = pd.Series(candidate).groupby(cells).cumsum().to_numpy() == 1
        is_ref = candidate & first
    elif not overall:
        label = _reference_label(reference)
        is_ref = known & (t["category"].astype(str).to_numpy() == label)
        found = pd.Series(is_ref).groupby(cells).any()
        if not found.all():
            where = "" if not by_cols else f" in {int((~found).sum())} by cell(s)"
            have = ", ".join(sorted(t.loc[known, "category"].astype(str).unique()))
            raise InterviewLabError(
                f"The reference category {label!r} has no applicants{where}. Categories "
                f"present: {have}. Pass one of them, or reference='highest'/'overall'."
            )
        if (is_ref & excluded).any():
            raise InterviewLabError(
                f"The reference category {label!r} is excluded (too small or empty) in at "
                "least one cell; choose another reference or lower min_share/min_count."
            )
    if overall:
        x_ref_cell = pd.Series(np.where(eligible, x, 0)).groupby(cells).transform("sum").to_numpy()
        n_ref_cell = pd.Series(np.where(eligible, n, 0)).groupby(cells).transform("sum").to_numpy()
        ref_label = np.full(size, "overall", dtype=object)
        x_cmp = x_ref_cell - x
        n_cmp = n_ref_cell - n
    else:
        ref_x = pd.Series(np.where(is_ref, x, 0)).groupby(cells).transform("sum").to_numpy()
        ref_n = pd.Series(np.where(is_ref, n, 0)).groupby(cells).transform("sum").to_numpy()
        names = t["category"].astype(str).to_numpy(dtype=object)
        labels = pd.Series(np.where(is_ref, names, ""))
        ref_label = labels.groupby(cells).transform("max").replace("", None).to_numpy(dtype=object)
        x_ref_cell, n_ref_cell = ref_x, ref_n
        x_cmp, n_cmp = ref_x, ref_n
    compared = eligible & ~is_ref & (n_cmp > 0)
    ref_zero = compared & (x_ref_cell == 0)
    if ref_zero.any():
        warnings.warn(
            f"No one in the reference group had a {what} in {len(np.unique(cells[ref_zero]))} "
            "cell(s): impact ratios there are undefined (NaN).",
            InterviewLabWarning,
            stacklevel=3,
        )
    ok = compared & ~ref_zero
    if eligible.sum() and not compared.any() and not ref_zero.any():
        warnings.warn(
            "Only one category can be compared in every cell: there is nothing to compare "
            "it with, so the table has no impact ratios.",
            InterviewLabWarning,
            stacklevel=3,
        )

    # -- ratio, interval and verdict (exact integer comparison with the threshold)
    num = x.astype(float) * n_ref_cell
    den = n.astype(float) * x_ref_cell
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ok, num / den, np.nan)
    if overall:
        lo, hi = _overall_interval(x, n, x_cmp, n_cmp, confidence)
    else:
        lo, hi = _katz_interval(x, n, x_cmp, n_cmp, confidence)
    ci_low = np.where(ok, lo, np.nan)
    ci_high = np.where(ok, hi, np.nan)
    ratio = np.where(is_ref & eligible, 1.0, ratio)

    below = _below(x, n, x_ref_cell, n_ref_cell, frac)
    x_plus = np.minimum(x + 1, n)
    x_ref_plus = x_ref_cell + (x_plus - x) if overall else x_ref_cell
    below_plus = _below(x_plus, n, x_ref_plus, n_ref_cell, frac)
    flip = below != below_plus
    below_col = pd.array(np.where(ok, below, False), dtype="boolean")
    flip_col = pd.array(np.where(ok, flip, False), dtype="boolean")
    below_col[~(ok | is_ref)] = pd.NA
    flip_col[~(ok | is_ref)] = pd.NA

    # -- tests of the group against its comparator (the reference, or everyone else)
    z = np.full(size, np.nan)
    p_z = np.full(size, np.nan)
    p_fisher = np.full(size, np.nan)
    p_mid = np.full(size, np.nan)
    idx = np.flatnonzero(compared)
    if idx.size:
        z[idx] = _pooled_z(x[idx], n[idx], x_cmp[idx], n_cmp[idx])
        p_z[idx] = 2 * stats.norm.sf(np.abs(z[idx]))
        p_fisher[idx] = _fisher_p(x[idx], n[idx], x_cmp[idx], n_cmp[idx])
        p_mid[idx] = _mid_p(x[idx], n[idx], x_cmp[idx], n_cmp[idx])
    chosen = {"fisher": p_fisher, "mid_p": p_mid, "z": p_z}[test]
    p_adjusted = _adjust(chosen, cells, p_adjust)

    with np.errstate(divide="ignore", invalid="ignore"):
        ref_rate = x_ref_cell / n_ref_cell
    shortfall = np.where(ok, n * ref_rate - x, np.nan)
    shortfall = np.where(is_ref & eligible, 0.0, shortfall)

    # -- small-sample flags: few applicants, or a 2x2 table with small expected counts
    with np.errstate(divide="ignore", invalid="ignore"):
        total = n + n_cmp
        sel_total = x + x_cmp
        expected = np.minimum.reduce(
            [
                n * sel_total / total,
                n * (total - sel_total) / total,
                n_cmp * sel_total / total,
                n_cmp * (total - sel_total) / total,
            ]
        )
    few = compared & (n < small_n)
    few_ref = compared & (n_cmp < small_n)
    low_expected = compared & (expected < 5)
    ref_word = "everyone else" if overall else "reference"
    reason = _join_reasons(
        [
            (few, pd.Series([f"n={v} < {small_n}" for v in n])),
            (few_ref, pd.Series([f"{ref_word} n={v} < {small_n}" for v in n_cmp])),
            (
                low_expected,
                pd.Series(
                    [f"smallest expected count {e:.2f} < 5" for e in np.nan_to_num(expected)]
                ),
            ),
        ]
    )
    small = few | few_ref | low_expected

    role = np.where(
        unknown,
        "unknown",
        np.where(excluded, "excluded", np.where(is_ref, "reference", "compared")),
    )
    out = t.drop(columns=["_unknown", n_col, x_col]).copy()
    out.insert(len(out.columns), "role", role)
    out["reference"] = ref_label
    out["n"] = n
    out["share"] = share
    out["selected"] = x
    out["rate"] = rate
    out["impact_ratio"] = ratio
    out["ci_low"] = ci_low
    out["ci_high"] = ci_high
    out["below_threshold"] = below_col
    out["z"] = z
    out["p_z"] = p_z
    out["p_fisher"] = p_fisher
    out["p_mid"] = p_mid
    out["p_adjusted"] = p_adjusted
    out["shortfall"] = shortfall
    out["flip_flop"] = flip_col
    out["small_sample"] = small
    out["small_sample_reason"] = reason
    out["excluded"] = excluded
    out["excluded_reason"] = excluded_reason
    return out.drop(columns=[c for c in (share_col,) if c and c in out.columns])


def _small_sample_warning(table: pd.DataFrame) -> None:
    n_small = int(table["small_sample"].sum())
    if n_small:
        warnings.warn(
            f"{n_small} comparison(s) rest on small samples (see small_sample_reason); read "
            "their ratios with their intervals and exact p-values, not the threshold alone.",
            SmallSampleWarning,
            stacklevel=3,
        )


# ------------------------------------------------------------------ public functions


def selection_rates(
    data: pd.DataFrame,
    *,
    group: str | Sequence[str],
    selected: str,
    by: str | Sequence[str] | None = None,
    weight: str | None = None,
    confidence: float = 0.95,
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
) -> pd.DataFrame:
    """Selection rate per group (and per ``by`` cell), with a Wilson score interval.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per applicant (or per cell of counts, with ``weight``).
    group : str or list of str
        Group column(s); a list forms intersectional categories.
    selected : str
        0/1 (or boolean) column: 1 if the applicant was selected.
    by : str or list of str, optional
        Columns to analyse separately (e.g. ``requisition_id``); they lead the output.
    weight : str, optional
        Column of frequency counts when each row stands for several applicants.
    confidence : float, default 0.95
        Level of the interval for the rate.
    unknown : sequence of str, default ("unknown",)
        Group values that mean "not known" (besides missing values), compared
        case-insensitively.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` cell and category: the ``by`` columns, the ``group`` columns,
        ``category`` (label; ``"unknown"`` for the pooled unknown row), ``unknown``
        (bool), ``n`` (applicants), ``share`` (of the known applicants in the cell),
        ``selected``, ``rate`` (selected / n), ``ci_low``, ``ci_high`` (Wilson).

    Notes
    -----
    The Wilson score interval (Wilson, 1927) keeps its coverage near the nominal level
    for small ``n`` and rates near 0 or 1, where the Wald interval fails; it is computed
    by ``statsmodels.stats.proportion.proportion_confint(method="wilson")`` and validated
    against ``scipy.stats.binomtest(...).proportion_ci(method="wilson")``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA, 22, 209-212.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sex": ["F"] * 4 + ["M"] * 4, "hired": [1, 0, 0, 0, 1, 1, 0, 0]})
    >>> selection_rates(df, group="sex", selected="hired")[["category", "n", "selected", "rate"]]
      category  n  selected  rate
    0        F  4         1  0.25
    1        M  4         2  0.50
    """
    frame = require_frame(data)
    group_cols, by_cols = as_list(group), as_list(by)
    _check_names(group_cols, by_cols)
    check_fraction("confidence", confidence)
    require_columns(frame, [*by_cols, *group_cols, selected, *as_list(weight)])
    _check_binary(frame, selected)
    table = _counts(
        frame,
        by_cols=by_cols,
        group_cols=group_cols,
        indicators=[selected],
        weight=weight,
        unknown=unknown,
    )
    n = table["n"].to_numpy(dtype=np.int64)
    x = table[selected].to_numpy(dtype=np.int64)
    known = ~table["_unknown"].to_numpy(dtype=bool)
    cells = table.groupby(by_cols, sort=False).ngroup() if by_cols else pd.Series(0, table.index)
    known_total = pd.Series(np.where(known, n, 0)).groupby(cells.to_numpy()).transform("sum")
    low, high = _wilson(x, n, confidence)
    out = table[[*by_cols, *group_cols, "category"]].copy()
    out["unknown"] = ~known
    out["n"] = n
    out["share"] = np.where(known, n / known_total.to_numpy(), np.nan)
    out["selected"] = x
    out["rate"] = x / n
    out["ci_low"] = low
    out["ci_high"] = high
    return out


def impact_ratios(
    data: pd.DataFrame,
    *,
    group: str | Sequence[str],
    selected: str,
    reference: Reference = "highest",
    threshold: float = 0.8,
    by: str | Sequence[str] | None = None,
    weight: str | None = None,
    confidence: float = 0.95,
    test: Literal["fisher", "mid_p", "z"] = "fisher",
    p_adjust: str = "holm",
    min_share: float = 0.0,
    min_count: int = 0,
    small_n: int = 30,
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
) -> pd.DataFrame:
    r"""Impact ratio of each group's selection rate to a reference rate, with its tests.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per applicant (or per cell of counts, with ``weight``).
    group : str or list of str
        Group column(s); a list forms intersectional categories (e.g. sex x ethnicity).
    selected : str
        0/1 (or boolean) column: 1 if the applicant was selected (passed).
    reference : str or tuple, default "highest"
        ``"highest"``: the category with the highest selection rate among those not
        excluded (UGESP 29 CFR 1607.4(D); NYC 6 RCNY 5-300); ties go to the first label
        in sort order. ``"overall"``: the selection rate of all known, non-excluded
        applicants. Otherwise a category label (a tuple of values for intersectional
        groups, or the label joined with ``" × "``).
    threshold : float, default 0.8
        The rule the ratio is compared with (four-fifths). A ratio exactly equal to it
        is not below it; the comparison is exact, in integers.
    by : str or list of str, optional
        Columns to analyse separately (e.g. ``requisition_id``); they lead the output,
        and the reference and the multiplicity family are per cell.
    weight : str, optional
        Column of frequency counts when each row stands for several applicants.
    confidence : float, default 0.95
        Level of the interval for the ratio.
    test : {"fisher", "mid_p", "z"}, default "fisher"
        The test whose p-values are adjusted for multiplicity into ``p_adjusted``.
    p_adjust : str, default "holm"
        Adjustment across the groups compared in a cell, by
        ``statsmodels.stats.multitest.multipletests``: "holm", "bonferroni", "sidak",
        "holm-sidak", "simes-hochberg", "hommel", "fdr_bh", "fdr_by", or "none".
    min_share : float, default 0.0
        Categories with a smaller share of the known applicants are reported but
        excluded from the comparisons (NYC 6 RCNY 5-301 allows 0.02).
    min_count : int, default 0
        Categories with fewer applicants are reported but excluded.
    small_n : int, default 30
        A comparison is flagged ``small_sample`` when either side has fewer applicants,
        or when the smallest expected count of its 2x2 table is below 5.
    unknown : sequence of str, default ("unknown",)
        Group values that mean "not known" besides missing values (case-insensitive).

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` cell and category, with columns: the ``by`` and ``group``
        columns; ``category`` (label); ``role`` ("reference", "compared", "excluded",
        "unknown"); ``reference`` (the reference category's label, or "overall");
        ``n``; ``share`` (of known applicants in the cell); ``selected``; ``rate``;
        ``impact_ratio`` (rate / reference rate; 1 for the reference);
        ``ci_low``/``ci_high`` (interval for the ratio); ``below_threshold`` (nullable
        bool: ratio < threshold); ``z`` (pooled two-proportion z, negative when the group
        is selected less); ``p_z``; ``p_fisher`` (two-sided Fisher exact); ``p_mid``
        (Lancaster's two-sided mid-P); ``p_adjusted`` (``test``'s p-value adjusted by
        ``p_adjust`` within the cell); ``shortfall`` (selections the group would have
        had at the reference rate minus its selections; negative when above);
        ``flip_flop`` (nullable bool: one more selection for the group would change
        ``below_threshold``); ``small_sample`` (bool) and ``small_sample_reason``;
        ``excluded`` (bool) and ``excluded_reason``. Test columns are NaN for the
        reference, excluded and unknown rows.

    Notes
    -----
    *Ratio and interval.* Against a reference category the ratio is
    :math:`(x_g/n_g)/(x_r/n_r)`, computed as one division of integer products so that
    0.48/0.60 prints as 0.8. Its interval is the log (Katz) interval,
    :math:`\exp(\log R \pm z\sqrt{1/x_g - 1/n_g + 1/x_r - 1/n_r})` (Katz et al.,
    1978), with 0.5 added to each cell of the 2x2 table when a selected count is 0.
    With ``reference="overall"`` the group is part of the pool, so the interval uses
    the delta method for :math:`\log(p_g/p)` with :math:`p = w p_g + (1-w) p_o`
    (:math:`w = n_g/N`, :math:`p_o` the rate of everyone else), and the tests compare
    the group with everyone else.

    *Tests.* ``z`` is the pooled two-proportion z (OFCCP's "number of standard
    deviations"); it is NaN when no one or everyone was selected in both groups.
    ``p_fisher`` is ``scipy.stats.fisher_exact`` (two-sided). ``p_mid`` is Lancaster's
    mid-P, twice the smaller of :math:`P(X<x)+P(X=x)/2` and :math:`P(X>x)+P(X=x)/2`
    under the hypergeometric law, capped at 1 (less conservative than Fisher's).

    *Flip-flop.* With small numbers the four-fifths verdict can hang on one person
    (UGESP 1607.4(D) and its Questions & Answers caution against relying on the rule for
    small samples). ``flip_flop`` is the common one-person sensitivity check: true when
    one more selection in the group (the reference rate recomputed for "overall") would
    change the threshold verdict. Other formulations exist (e.g. one selection moved from
    the reference group to the focal group); this one is not taken from the Q&A's text.

    Not handled: weighting for non-response, applicant-flow versus availability
    comparisons, and sequential testing over time.

    Validated against the UGESP Questions & Answers Q12 worked example (impact ratios
    0.75, 0.80, 0.85), ``scipy.stats.fisher_exact``, ``scipy.stats.norm`` and
    ``scipy.stats.hypergeom`` on random tables, and
    ``scipy.stats.contingency.relative_risk`` for the Katz interval.

    References
    ----------
    Uniform Guidelines on Employee Selection Procedures, 29 CFR 1607.4(D) (1978);
    Questions and Answers, 44 FR 11996 (1979), Q12.
    NYC Department of Consumer and Worker Protection, 6 RCNY 5-300 and 5-301 (2023).
    Katz, D., Baptista, J., Azen, S. P., & Pike, M. C. (1978). Obtaining confidence
    intervals for the risk ratio in cohort studies. Biometrics, 34, 469-474.
    Lancaster, H. O. (1961). Significance tests in discrete distributions. JASA, 56,
    223-234.

    Examples
    --------
    UGESP Q&A Q12 (1979): hiring rates 60%, 45%, 48% and 51% of 100 applicants each.

    >>> import pandas as pd
    >>> rows = [(g, 1) for g, k in [("White", 60), ("AmInd", 45), ("Hisp", 48), ("Black", 51)]
    ...         for _ in range(k)]
    >>> rows += [(g, 0) for g, k in [("White", 40), ("AmInd", 55), ("Hisp", 52), ("Black", 49)]
    ...          for _ in range(k)]
    >>> df = pd.DataFrame(rows, columns=["race", "hired"])
    >>> impact_ratios(df, group="race", selected="hired")[
    ...     ["category", "role", "impact_ratio", "below_threshold"]]
      category       role  impact_ratio  below_threshold
    0    AmInd   compared          0.75             True
    1    Black   compared          0.85            False
    2     Hisp   compared          0.80            False
    3    White  reference          1.00            False
    """
    frame = require_frame(data)
    group_cols, by_cols = as_list(group), as_list(by)
    _check_names(group_cols, by_cols)
    frac = _check_options(
        threshold=threshold,
        confidence=confidence,
        p_adjust=p_adjust,
        test=test,
        min_share=min_share,
        min_count=min_count,
        small_n=small_n,
    )
    require_columns(frame, [*by_cols, *group_cols, selected, *as_list(weight)])
    _check_binary(frame, selected)
    table = _counts(
        frame,
        by_cols=by_cols,
        group_cols=group_cols,
        indicators=[selected],
        weight=weight,
        unknown=unknown,
    )
    out = _impact_core(
        table,
        by_cols=by_cols,
        n_col="n",
        x_col=selected,
        share_col=None,
        reference=reference,
        frac=frac,
        confidence=confidence,
        test=test,
        p_adjust=p_adjust,
        min_share=min_share,
        min_count=min_count,
        small_n=small_n,
    )
    _small_sample_warning(out)
    return out


# ------------------------------------------------------------------ Mantel-Haenszel


def _breslow_day_at_one(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, *, tarone: bool
) -> tuple[float, float]:
    """Breslow-Day statistic when the common odds ratio is exactly 1.

    statsmodels solves a quadratic for the fitted cell whose leading coefficient is
    ``1 - OR``, which is 0 here; the fitted cell is then the independence expectation.
    """
    n1, m1, total = a + b, a + c, a + b + c + d
    e11 = n1 * m1 / total
    cells = [e11, n1 - e11, m1 - e11, total - n1 - m1 + e11]
    var = 1 / sum(1 / e for e in cells)
    chi2 = float(np.sum((a - e11) ** 2 / var))
    if tarone:
        chi2 -= float(np.sum(a - e11) ** 2 / np.sum(var))
    return chi2, float(stats.chi2.sf(chi2, len(a) - 1))


def mantel_haenszel(
    data: pd.DataFrame,
    *,
    group: str,
    selected: str,
    strata: str | Sequence[str],
    focal: Hashable,
    reference: Hashable,
    weight: str | None = None,
    confidence: float = 0.95,
    tarone: bool = False,
) -> pd.DataFrame:
    """Mantel-Haenszel common odds ratio of selection, focal vs reference, over strata.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per applicant (or per cell of counts, with ``weight``).
    group : str
        Group column.
    selected : str
        0/1 (or boolean) selection column.
    strata : str or list of str
        Column(s) defining the strata (requisitions, sites, years).
    focal, reference : hashable
        The two values of ``group`` compared; rows in other groups are not used
        (counted in ``n_other``).
    weight : str, optional
        Column of frequency counts when each row stands for several applicants.
    confidence : float, default 0.95
        Level of the interval for the common odds ratio.
    tarone : bool, default False
        Apply Tarone's correction to the Breslow-Day statistic.

    Returns
    -------
    pandas.DataFrame
        One row: ``focal``, ``reference``, ``odds_ratio`` (Mantel-Haenszel common odds
        ratio of selection, focal over reference), ``ci_low``, ``ci_high`` (Robins,
        Breslow & Greenland interval), ``chi2``/``p_value`` (Cochran-Mantel-Haenszel,
        no continuity correction), ``chi2_corrected``/``p_value_corrected`` (with the
        0.5 continuity correction, as R's ``mantelhaen.test`` default),
        ``breslow_day_chi2``/``breslow_day_p`` (homogeneity of the odds ratios over the
        informative strata where selection varies, df = their number - 1; missing with
        fewer than two), ``impact_ratio_mh`` (Mantel-Haenszel common risk
        ratio: the stratified impact ratio), ``impact_ratio_mh_ci_low``/``_ci_high``
        (Greenland-Robins interval), ``crude_odds_ratio`` and ``crude_impact_ratio``
        (pooling all strata into one table), ``n_strata``, ``n_strata_informative``
        (strata with both groups present), ``n`` (applicants in informative strata),
        ``n_focal`` and ``n_reference`` (applicants of each group, all strata),
        ``n_uninformative``
        (applicants in strata where one group is absent),
        ``n_other`` (rows in neither group).

    Warns
    -----
    InterviewLabWarning
        When the crude and the stratified odds ratios point in opposite directions
        (Simpson's paradox), or when strata carry no information.

    Notes
    -----
    The statistics come from ``statsmodels.stats.contingency_tables.StratifiedTable``
    on the informative 2x2xK tables (rows focal, reference; columns selected, not
    selected). A stratum where one group is absent has no information about the
    comparison and is counted, not used. The stratified impact ratio is the
    Mantel-Haenszel risk ratio with the Greenland-Robins (1985) variance of its log,
    which reduces to the Katz variance for a single stratum.

    Validated against R ``mantelhaen.test(UCBAdmissions)`` (common odds ratio
    0.9046968, 95% CI 0.7719074-1.0603298, corrected X-squared 1.4269) and statsmodels.

    References
    ----------
    Mantel, N., & Haenszel, W. (1959). JNCI, 22, 719-748.
    Breslow, N. E., & Day, N. E. (1980). Statistical Methods in Cancer Research I. IARC.
    Tarone, R. E. (1985). On heterogeneity tests based on efficient scores.
    Biometrika, 72, 91-95.
    Greenland, S., & Robins, J. M. (1985). Estimation of a common effect parameter from
    sparse follow-up data. Biometrics, 41, 55-68.

    Examples
    --------
    >>> import pandas as pd
    >>> counts = pd.DataFrame({
    ...     "site": ["a", "a", "a", "a", "b", "b", "b", "b"],
    ...     "sex": ["F", "F", "M", "M"] * 2,
    ...     "hired": [1, 0, 1, 0] * 2,
    ...     "count": [10, 10, 20, 20, 5, 15, 2, 6]})
    >>> mh = mantel_haenszel(counts, group="sex", selected="hired", strata="site",
    ...                      focal="F", reference="M", weight="count")
    >>> round(float(mh["odds_ratio"].iloc[0]), 3)
    1.0
    >>> round(float(mh["breslow_day_chi2"].iloc[0]), 3)
    0.0
    """
    from statsmodels.stats.contingency_tables import StratifiedTable

    frame = require_frame(data)
    strata_cols = as_list(strata)
    check_fraction("confidence", confidence)
    require_columns(frame, [group, selected, *strata_cols, *as_list(weight)])
    _check_binary(frame, selected)
    if focal == reference:
        raise InterviewLabError("focal and reference must be different groups.")
    for column in strata_cols:
        if frame[column].isna().any():
            raise InterviewLabError(
                f"The strata column {column!r} has missing values; fill or drop them first."
            )
    w = _check_weight(frame, weight) if weight else np.ones(len(frame), dtype=np.int64)
    member = frame[group]
    is_focal = (member == focal).to_numpy()
    is_ref = (member == reference).to_numpy()
    for label, mask in ((focal, is_focal), (reference, is_ref)):
        if not (mask & (w > 0)).any():
            raise InterviewLabError(
                f"No applicant has {group} == {label!r}; groups present: "
                f"{', '.join(map(str, pd.unique(member.dropna())[:20]))}."
            )
    used = is_focal | is_ref
    n_other = int(w[~used].sum())
    sel = frame[selected].to_numpy(dtype=np.int64)
    parts = pd.DataFrame({c: frame[c].to_numpy() for c in strata_cols})
    parts["a"] = np.where(is_focal, sel * w, 0)
    parts["b"] = np.where(is_focal, (1 - sel) * w, 0)
    parts["c"] = np.where(is_ref, sel * w, 0)
    parts["d"] = np.where(is_ref, (1 - sel) * w, 0)
    cells = parts.loc[used].groupby(strata_cols, sort=True)[["a", "b", "c", "d"]].sum()
    a, b, c, d = (cells[k].to_numpy(dtype=float) for k in "abcd")
    informative = (a + b > 0) & (c + d > 0)
    n_strata = len(cells)
    n_info = int(informative.sum())
    n_uninformative = int((a + b + c + d)[~informative].sum())
    if n_info == 0:
        raise InterviewLabError(
            "No stratum contains both the focal and the reference group, so the strata "
            "carry no information about the comparison; check the strata column."
        )
    if n_info < n_strata:
        warnings.warn(
            f"{n_strata - n_info} of {n_strata} strata lack one of the two groups; they carry "
            f"no information and are not used ({n_uninformative} applicants).",
            InterviewLabWarning,
            stacklevel=2,
        )
    a, b, c, d = a[informative], b[informative], c[informative], d[informative]
    tables = np.stack([np.stack([a, b]), np.stack([c, d])])  # shape (2, 2, K)
    st = StratifiedTable(tables)
    odds_ratio = float(st.oddsratio_pooled)
    ci = st.oddsratio_pooled_confint(alpha=1 - confidence)
    plain = st.test_null_odds(correction=False)
    corrected = st.test_null_odds(correction=True)
    # Breslow-Day uses the strata where selection varies: a stratum where nobody (or
    # everybody) was selected adds nothing to the common odds ratio and has no
    # expected cell to compare with (statsmodels would return NaN)
    varies = (a + c > 0) & (b + d > 0)
    av, bv, cv, dv = a[varies], b[varies], c[varies], d[varies]
    if varies.sum() > 1 and np.isclose(odds_ratio, 1.0, rtol=0, atol=1e-12):
        bd_chi2, bd_p = _breslow_day_at_one(av, bv, cv, dv, tarone=tarone)
    elif varies.sum() > 1:
        varying = StratifiedTable(np.stack([np.stack([av, bv]), np.stack([cv, dv])]))
        bd = varying.test_equal_odds(adjust=tarone)
        bd_chi2, bd_p = float(bd.statistic), float(bd.pvalue)
    else:
        bd_chi2 = bd_p = float("nan")

    # Mantel-Haenszel risk ratio with the Greenland-Robins variance of its log.
    n1, n0 = a + b, c + d
    total = n1 + n0
    r_num = np.sum(a * n0 / total)
    r_den = np.sum(c * n1 / total)
    rr = r_num / r_den if r_den > 0 else float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        var_log = np.sum((n1 * n0 * (a + c) - a * c * total) / total**2) / (r_num * r_den)
        zc = _z_crit(confidence)
        rr_low = float(np.exp(np.log(rr) - zc * np.sqrt(var_log)))
        rr_high = float(np.exp(np.log(rr) + zc * np.sqrt(var_log)))

    ta, tb, tc, td = a.sum(), b.sum(), c.sum(), d.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        crude_or = float((ta * td) / (tb * tc))
        crude_ir = float((ta / (ta + tb)) / (tc / (tc + td)))
    if np.isfinite(crude_or) and crude_or > 0 and odds_ratio > 0:
        if np.sign(np.log(crude_or)) * np.sign(np.log(odds_ratio)) < 0:
            warnings.warn(
                f"Simpson's paradox: the crude odds ratio ({crude_or:.3f}) and the stratified "
                f"Mantel-Haenszel estimate ({odds_ratio:.3f}) point in opposite directions; "
                "the strata confound the pooled comparison.",
                InterviewLabWarning,
                stacklevel=2,
            )
    return pd.DataFrame(
        {
            "focal": [focal],
            "reference": [reference],
            "odds_ratio": odds_ratio,
            "ci_low": float(ci[0]),
            "ci_high": float(ci[1]),
            "chi2": float(plain.statistic),
            "p_value": float(plain.pvalue),
            "chi2_corrected": float(corrected.statistic),
            "p_value_corrected": float(corrected.pvalue),
            "breslow_day_chi2": bd_chi2,
            "breslow_day_p": bd_p,
            "impact_ratio_mh": float(rr),
            "impact_ratio_mh_ci_low": rr_low,
            "impact_ratio_mh_ci_high": rr_high,
            "crude_odds_ratio": crude_or,
            "crude_impact_ratio": crude_ir,
            "n_strata": n_strata,
            "n_strata_informative": n_info,
            "n": int(total.sum()),
            "n_focal": int((a + b).sum()),
            "n_reference": int((c + d).sum()),
            "n_uninformative": n_uninformative,
            "n_other": n_other,
        }
    )


# ------------------------------------------------------------------ funnels


def funnel(
    data: pd.DataFrame,
    *,
    group: str | Sequence[str],
    stages: Sequence[str],
    reference: Reference = "highest",
    threshold: float = 0.8,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    min_share: float = 0.0,
    min_count: int = 0,
    small_n: int = 30,
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
) -> pd.DataFrame:
    """Stage-by-stage and cumulative selection rates and impact ratios through a funnel.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per applicant.
    group : str or list of str
        Group column(s); a list forms intersectional categories.
    stages : list of str
        Ordered 0/1 stage columns (e.g. ``["completed_async", "shortlisted",
        "appointed"]``). Passing a stage requires passing the previous one.
    reference, threshold, by, confidence, min_share, min_count, small_n, unknown
        As in :func:`impact_ratios`. ``min_share`` applies to the category's share of
        applicants (entering stage 1). ``min_count`` applies, at each stage, to the
        number entering it (a category with fewer entrants is listed but neither
        compared nor used as that stage's reference) and, for the cumulative figures, to
        the number of applicants. A named ``reference`` with fewer entrants than
        ``min_count`` at some stage is an error: lower ``min_count`` or choose another.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` cell, stage and category: the ``by`` columns, ``stage``,
        ``stage_number`` (1-based), the ``group`` columns, ``category``, ``role`` (in
        the stage comparison; exclusions follow the applicant counts),
        ``entered`` (passed the previous stage; all applicants at stage 1), ``passed``,
        ``stage_rate``, ``stage_reference``, ``stage_impact_ratio``,
        ``stage_ci_low``/``stage_ci_high``, ``stage_below_threshold``, ``stage_p_fisher``
        (two-sided Fisher exact, unadjusted),
        ``applicants``, ``cumulative_rate`` (passed / applicants),
        ``cumulative_reference``, ``cumulative_impact_ratio``,
        ``cumulative_ci_low``/``cumulative_ci_high``, ``cumulative_below_threshold``,
        ``cumulative_p_fisher`` (unadjusted), ``small_sample`` (either comparison is small),
        ``small_sample_reason``.

    Notes
    -----
    Each stage's comparison conditions on having entered it (a "step" analysis); the
    cumulative one is the "bottom line" of UGESP 1607.4(C) up to that stage. The
    cumulative rate is the product of the stage rates. The statistics are those of
    :func:`impact_ratios`, applied to the counts entering and passing each stage.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sex": ["F"] * 4 + ["M"] * 4,
    ...                    "shortlisted": [1, 1, 0, 0, 1, 1, 1, 0],
    ...                    "hired": [1, 0, 0, 0, 1, 1, 0, 0]})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     f = funnel(df, group="sex", stages=["shortlisted", "hired"])
    >>> f[["stage", "category", "entered", "passed", "stage_rate", "cumulative_rate"]]
             stage category  entered  passed  stage_rate  cumulative_rate
    0  shortlisted        F        4       2    0.500000             0.50
    1  shortlisted        M        4       3    0.750000             0.75
    2        hired        F        2       1    0.500000             0.25
    3        hired        M        3       2    0.666667             0.50
    """
    frame = require_frame(data)
    group_cols, by_cols = as_list(group), as_list(by)
    _check_names(group_cols, by_cols)
    stage_cols = as_list(stages)
    if not stage_cols:
        raise InterviewLabError("stages must name at least one 0/1 stage column, in order.")
    if len(set(stage_cols)) != len(stage_cols):
        raise InterviewLabError("stages lists a column twice; give each stage once, in order.")
    frac = _check_options(
        threshold=threshold,
        confidence=confidence,
        p_adjust="holm",
        test="fisher",
        min_share=min_share,
        min_count=min_count,
        small_n=small_n,
    )
    require_columns(frame, [*by_cols, *group_cols, *stage_cols])
    for column in stage_cols:
        _check_binary(frame, column)
    for previous, current in itertools.pairwise(stage_cols):
        jumped = frame[current].astype(bool) & ~frame[previous].astype(bool)
        if bool(jumped.any()):
            first = frame.index[jumped.to_numpy()][0]
            raise InterviewLabError(
                f"{int(jumped.sum())} row(s) pass {current!r} without passing {previous!r} "
                f"(first at index {first!r}); stages must be ordered and nested."
            )
    table = _counts(
        frame,
        by_cols=by_cols,
        group_cols=group_cols,
        indicators=stage_cols,
        weight=None,
        unknown=unknown,
    )
    common = {
        "by_cols": by_cols,
        "reference": reference,
        "frac": frac,
        "confidence": confidence,
        "test": "fisher",
        "p_adjust": "none",
        "min_share": min_share,
        "min_count": min_count,
        "small_n": small_n,
    }
    keys = [*by_cols, *group_cols, "category", "_unknown"]
    pieces = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        for number, stage in enumerate(stage_cols, start=1):
            entered = table["n"] if number == 1 else table[stage_cols[number - 2]]
            base = table[keys].assign(
                _entered=entered.to_numpy(), _passed=table[stage].to_numpy(), _n=table["n"]
            )
            step = _impact_core(
                base.drop(columns=["_n"]).assign(_base=table["n"].to_numpy()),
                n_col="_entered",
                x_col="_passed",
                share_col="_base",
                what=f"pass at {stage!r}",
                **common,  # type: ignore[arg-type]
            )
            cumulative = _impact_core(
                base.drop(columns=["_entered"]),
                n_col="_n",
                x_col="_passed",
                share_col=None,
                what=f"pass at {stage!r}",
                **common,  # type: ignore[arg-type]
            )
            piece = step[[*by_cols, *group_cols, "category", "role"]].copy()
            piece.insert(len(by_cols), "stage", stage)
            piece.insert(len(by_cols) + 1, "stage_number", number)
            piece["entered"] = step["n"].to_numpy()
            piece["passed"] = step["selected"].to_numpy()
            piece["stage_rate"] = step["rate"].to_numpy()
            piece["stage_reference"] = step["reference"].to_numpy()
            piece["stage_impact_ratio"] = step["impact_ratio"].to_numpy()
            piece["stage_ci_low"] = step["ci_low"].to_numpy()
            piece["stage_ci_high"] = step["ci_high"].to_numpy()
            piece["stage_below_threshold"] = step["below_threshold"].array
            piece["stage_p_fisher"] = step["p_fisher"].to_numpy()
            piece["applicants"] = cumulative["n"].to_numpy()
            piece["cumulative_rate"] = cumulative["rate"].to_numpy()
            piece["cumulative_reference"] = cumulative["reference"].to_numpy()
            piece["cumulative_impact_ratio"] = cumulative["impact_ratio"].to_numpy()
            piece["cumulative_ci_low"] = cumulative["ci_low"].to_numpy()
            piece["cumulative_ci_high"] = cumulative["ci_high"].to_numpy()
            piece["cumulative_below_threshold"] = cumulative["below_threshold"].array
            piece["cumulative_p_fisher"] = cumulative["p_fisher"].to_numpy()
            small = step["small_sample"].to_numpy() | cumulative["small_sample"].to_numpy()
            piece["small_sample"] = small
            piece["small_sample_reason"] = _join_reasons(
                [
                    (step["small_sample"].to_numpy(), "stage: " + step["small_sample_reason"]),
                    (
                        cumulative["small_sample"].to_numpy(),
                        "cumulative: " + cumulative["small_sample_reason"],
                    ),
                ]
            )
            pieces.append(piece)
    out = pd.concat(pieces, ignore_index=True)
    if by_cols:
        out = out.sort_values([*by_cols, "stage_number"], kind="stable").reset_index(drop=True)
    return out


def relative_likelihood(
    data: pd.DataFrame,
    *,
    group: str,
    selected: str,
    focal: Hashable | Sequence[Hashable],
    reference: Hashable | Sequence[Hashable],
    entered: str | None = None,
    confidence: float = 0.95,
    weight: str | None = None,
) -> pd.DataFrame:
    """Relative likelihood of selection, reference over focal (NHS WRES indicator 2).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per applicant (or per cell of counts, with ``weight``).
    group : str
        Group column.
    selected : str
        0/1 outcome column (e.g. ``appointed``).
    focal, reference : value or list of values
        The groups compared; a list pools several values (e.g. all BME categories).
    entered : str, optional
        0/1 column of those at risk (e.g. ``shortlisted``): only rows with 1 count, so
        the outcome is "appointed from shortlisting". Selected rows outside it raise.
    confidence : float, default 0.95
        Level of the interval.
    weight : str, optional
        Column of frequency counts.

    Returns
    -------
    pandas.DataFrame
        One row: ``focal``, ``reference`` (labels), ``n_focal``, ``selected_focal``,
        ``rate_focal``, ``n_reference``, ``selected_reference``, ``rate_reference``,
        ``relative_likelihood`` (rate_reference / rate_focal; above 1 means the
        reference group is more likely to be selected), ``ci_low``, ``ci_high`` (log /
        Katz interval), ``p_fisher`` (two-sided), ``small_sample``.

    Notes
    -----
    NHS England's Workforce Race Equality Standard indicator 2 is the relative
    likelihood of White applicants being appointed from shortlisting compared with BME
    applicants: the White rate divided by the BME rate (WRES technical guidance). The
    interval is the Katz log interval for a ratio of proportions, with 0.5 added to
    each cell if a selected count is 0; validated against
    ``scipy.stats.contingency.relative_risk``.

    References
    ----------
    NHS England (2023). NHS Workforce Race Equality Standard: technical guidance,
    indicator 2.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"eth": ["White"] * 10 + ["BME"] * 10,
    ...                    "appointed": [1] * 4 + [0] * 6 + [1] * 2 + [0] * 8})
    >>> rl = relative_likelihood(df, group="eth", selected="appointed",
    ...                          focal="BME", reference="White")
    >>> float(rl["relative_likelihood"].iloc[0])
    2.0
    """
    frame = require_frame(data)
    check_fraction("confidence", confidence)
    require_columns(frame, [group, selected, *as_list(entered), *as_list(weight)])
    _check_binary(frame, selected)
    w = _check_weight(frame, weight) if weight else np.ones(len(frame), dtype=np.int64)
    at_risk = np.ones(len(frame), dtype=bool)
    if entered is not None:
        _check_binary(frame, entered)
        at_risk = frame[entered].astype(bool).to_numpy()
        outside = frame[selected].astype(bool).to_numpy() & ~at_risk
        if outside.any():
            raise InterviewLabError(
                f"{int(outside.sum())} row(s) have {selected}=1 but {entered}=0; a selection "
                "must come from those who entered the stage."
            )
    focal_values = [focal] if isinstance(focal, str) or not isinstance(focal, Sequence) else focal
    ref_values = (
        [reference]
        if isinstance(reference, str) or not isinstance(reference, Sequence)
        else reference
    )
    if set(focal_values) & set(ref_values):
        raise InterviewLabError("focal and reference share a group; they must be disjoint.")
    sel = frame[selected].to_numpy(dtype=np.int64)
    counts = {}
    for name, values in (("focal", focal_values), ("reference", ref_values)):
        mask = frame[group].isin(list(values)).to_numpy() & at_risk
        n = int(w[mask].sum())
        if n == 0:
            raise InterviewLabError(
                f"No applicant (that entered) has {group} in {list(values)!r}; check the labels."
            )
        counts[name] = (int((sel * w)[mask].sum()), n)
    (xf, nf), (xr, nr) = counts["focal"], counts["reference"]
    lo, hi = _katz_interval(
        np.array([xr]), np.array([nr]), np.array([xf]), np.array([nf]), confidence
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (xr * nf) / (nr * xf) if xf > 0 else float("nan")
    p = _fisher_p(np.array([xr]), np.array([nr]), np.array([xf]), np.array([nf]))[0]
    label_f = ", ".join(map(str, focal_values))
    label_r = ", ".join(map(str, ref_values))
    return pd.DataFrame(
        {
            "focal": [label_f],
            "reference": [label_r],
            "n_focal": nf,
            "selected_focal": xf,
            "rate_focal": xf / nf,
            "n_reference": nr,
            "selected_reference": xr,
            "rate_reference": xr / nr,
            "relative_likelihood": ratio,
            "ci_low": float(lo[0]) if xf > 0 else float("nan"),
            "ci_high": float(hi[0]) if xf > 0 else float("nan"),
            "p_fisher": p,
            "small_sample": bool(min(nf, nr) < 30 or min(xf, xr) < 5),
        }
    )


# ------------------------------------------------------------------ scoring rates


def _check_score(data: pd.DataFrame, score: str) -> None:
    values = data[score]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise InterviewLabError(f"Score column {score!r} must be numeric, got {values.dtype}.")
    n_missing = int(values.isna().sum())
    if n_missing:
        raise InterviewLabError(
            f"Score column {score!r} has {n_missing} missing value(s); a scoring-rate audit "
            "needs a score for every applicant. Drop or fill them explicitly first."
        )


def scoring_rates(
    data: pd.DataFrame,
    *,
    group: str | Sequence[str],
    score: str,
    cutoff: Literal["median"] | float = "median",
    by: str | Sequence[str] | None = None,
    reference: Reference = "highest",
    threshold: float = 0.8,
    confidence: float = 0.95,
    p_adjust: str = "holm",
    min_share: float = 0.0,
    min_count: int = 0,
    small_n: int = 30,
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
) -> pd.DataFrame:
    """NYC Local Law 144 scoring rates and their impact ratios.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per applicant with a numeric ``score``.
    group : str or list of str
        Group column(s); a list forms intersectional categories.
    score : str
        Numeric score column (no missing values).
    cutoff : "median" or float, default "median"
        A candidate "scores" when strictly above the cutoff. ``"median"`` is the median
        of the full sample of applicants (all categories, including unknown), per ``by``
        cell when ``by`` is given, as 6 RCNY 5-301(c) requires.
    by, reference, threshold, confidence, p_adjust, min_share, min_count, small_n, unknown
        As in :func:`impact_ratios`.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`impact_ratios` with ``selected`` renamed ``above``
        (applicants scoring above the cutoff) and ``rate`` renamed ``scoring_rate``,
        plus ``cutoff`` (the value used, per cell).

    Notes
    -----
    6 RCNY 5-300 defines the scoring rate as the rate at which individuals in a
    category receive a score above the sample's median score, and the impact ratio as
    a category's scoring rate divided by the highest category's scoring rate. Scores
    equal to the median do not count as above it. A median split can hide a gap in
    the tails: see :func:`scoring_rate_sweep`.

    The worked scoring example of the DCWP final rule could not be retrieved here; the
    tests check a table built from the rule's definitions by hand arithmetic.

    References
    ----------
    NYC Department of Consumer and Worker Protection, Rules of the City of New York,
    Title 6, 5-300 (definitions) and 5-301(c) (bias audit of a scoring AEDT), 2023.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sex": ["F", "F", "F", "M", "M", "M"],
    ...                    "score": [1, 2, 3, 3, 4, 5]})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     t = scoring_rates(df, group="sex", score="score")
    >>> t[["category", "cutoff", "above", "scoring_rate", "impact_ratio"]]
      category  cutoff  above  scoring_rate  impact_ratio
    0        F     3.0      0           0.0           0.0
    1        M     3.0      2      0.666667           1.0
    """
    frame = require_frame(data)
    group_cols, by_cols = as_list(group), as_list(by)
    _check_names(group_cols, by_cols)
    require_columns(frame, [*by_cols, *group_cols, score])
    _check_score(frame, score)
    if isinstance(cutoff, str):
        check_choice("cutoff", cutoff, ("median",))
        if by_cols:
            cut = frame.groupby(by_cols, sort=False)[score].transform("median").to_numpy()
        else:
            cut = np.full(len(frame), float(frame[score].median()))
    else:
        if not np.isfinite(cutoff):
            raise InterviewLabError(f"cutoff={cutoff!r} must be 'median' or a finite number.")
        cut = np.full(len(frame), float(cutoff))
    work = pd.DataFrame({c: frame[c].to_numpy() for c in [*by_cols, *group_cols]})
    work["_above"] = (frame[score].to_numpy() > cut).astype(np.int64)
    work["_cut"] = cut
    out = impact_ratios(
        work,
        group=group_cols,
        selected="_above",
        reference=reference,
        threshold=threshold,
        by=by_cols or None,
        confidence=confidence,
        p_adjust=p_adjust,
        min_share=min_share,
        min_count=min_count,
        small_n=small_n,
        unknown=unknown,
    )
    if by_cols:
        cuts = work.groupby(by_cols, sort=True)["_cut"].first().rename("cutoff").reset_index()
        out = out.merge(cuts, on=by_cols, how="left")
    else:
        out["cutoff"] = cut[0]
    out = out.rename(columns={"selected": "above", "rate": "scoring_rate"})
    cols = list(out.columns)
    cols.remove("cutoff")
    cols.insert(cols.index("n"), "cutoff")
    return out[cols]


def scoring_rate_sweep(
    data: pd.DataFrame,
    *,
    group: str | Sequence[str],
    score: str,
    quantiles: Sequence[float] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
    reference: Reference = "highest",
    threshold: float = 0.8,
    confidence: float = 0.95,
    p_adjust: str = "holm",
    min_share: float = 0.0,
    min_count: int = 0,
    small_n: int = 30,
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
) -> pd.DataFrame:
    """Scoring-rate impact ratios at a sweep of cut-offs (quantiles of all scores).

    Parameters
    ----------
    data, group, score
        As in :func:`scoring_rates`.
    quantiles : sequence of float, default 0.1, 0.2, ..., 0.9
        Quantiles (strictly between 0 and 1) of the full sample's scores used as
        cut-offs; 0.5 reproduces the median split of :func:`scoring_rates`.
    reference, threshold, confidence, p_adjust, min_share, min_count, small_n, unknown
        As in :func:`impact_ratios`.

    Returns
    -------
    pandas.DataFrame
        The :func:`scoring_rates` table for each cut-off, stacked, led by ``quantile``.

    Notes
    -----
    A single median split can hide a gap elsewhere in the score distribution (e.g.
    among top scorers, where a shortlist is often drawn). The sweep shows the impact
    ratio for each cut-off; the multiplicity adjustment is within each cut-off only.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sex": ["F"] * 4 + ["M"] * 4, "score": [1, 2, 3, 4, 2, 3, 4, 5]})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     s = scoring_rate_sweep(df, group="sex", score="score", quantiles=[0.25, 0.75])
    >>> s[["quantile", "category", "cutoff", "scoring_rate"]]
       quantile category  cutoff  scoring_rate
    0      0.25        F    2.00          0.50
    1      0.25        M    2.00          0.75
    2      0.75        F    4.00          0.00
    3      0.75        M    4.00          0.25
    """
    frame = require_frame(data)
    require_columns(frame, [score])
    _check_score(frame, score)
    qs = [float(q) for q in quantiles]
    if not qs:
        raise InterviewLabError("quantiles must list at least one value in (0, 1).")
    for q in qs:
        check_fraction("quantile", q)
    pieces = []
    for q in qs:
        cut = float(frame[score].quantile(q))
        table = scoring_rates(
            frame,
            group=group,
            score=score,
            cutoff=cut,
            reference=reference,
            threshold=threshold,
            confidence=confidence,
            p_adjust=p_adjust,
            min_share=min_share,
            min_count=min_count,
            small_n=small_n,
            unknown=unknown,
        )
        table.insert(0, "quantile", q)
        pieces.append(table)
    return pd.concat(pieces, ignore_index=True)


# ------------------------------------------------------------------ score gaps


def score_gaps(
    data: pd.DataFrame,
    *,
    group: str,
    score: str,
    reference: Hashable,
    confidence: float = 0.95,
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
) -> pd.DataFrame:
    r"""Standardised score gap (Hedges' g) of each group against a reference group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per candidate with a numeric ``score`` (e.g. a rubric total).
    group : str
        Group column.
    score : str
        Numeric score column (no missing values).
    reference : hashable
        The reference group's value.
    confidence : float, default 0.95
        Level of the interval for g.
    unknown : sequence of str, default ("unknown",)
        Values meaning "not known"; pooled in an ``unknown`` row, not compared.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``group`` (value), ``role`` ("reference", "compared",
        "unknown"), ``n``, ``mean``, ``sd`` (n - 1), ``difference`` (mean minus the
        reference mean), ``d`` (Hedges' g: negative when the group scores lower),
        ``ci_low``, ``ci_high``, ``t`` and ``df`` (Welch), ``p_value`` (two-sided
        Welch t test), ``small_sample`` (either group under 20).

    Notes
    -----
    :math:`g = J\,(\bar x_g - \bar x_r)/s_p` with the pooled SD
    :math:`s_p` and :math:`J = 1 - 3/(4(n_g+n_r)-9)` (Hedges, 1981). Its standard
    error is :math:`\sqrt{(n_g+n_r)/(n_g n_r) + g^2/(2(n_g+n_r))}` and the interval
    uses the t quantile with :math:`n_g+n_r-2` df, as pingouin's ``compute_esci``
    (validated against ``pingouin.compute_effsize(eftype="hedges")`` and
    ``compute_esci``). The p-value is Welch's t test (``scipy.stats.ttest_ind`` with
    ``equal_var=False`` in the tests), which does not assume equal variances even
    though g standardises by the pooled SD.

    References
    ----------
    Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and
    related estimators. Journal of Educational Statistics, 6, 107-128.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sex": ["F"] * 3 + ["M"] * 3, "score": [1.0, 2, 3, 2, 3, 4]})
    >>> score_gaps(df, group="sex", score="score", reference="M")[["group", "mean", "d"]]
      group  mean      d
    0     F   2.0 -0.8
    1     M   3.0  0.0
    """
    frame = require_frame(data)
    check_fraction("confidence", confidence)
    require_columns(frame, [group, score])
    _check_score(frame, score)
    values = frame[group]
    unknown_set = {str(u).strip().casefold() for u in unknown}
    is_unknown = values.isna() | values.astype(str).str.strip().str.casefold().isin(unknown_set)
    labels = values.astype(object).where(~is_unknown, UNKNOWN_LABEL)
    summary = frame[score].groupby(labels.to_numpy(), sort=True).agg(["size", "mean", "var"])
    if reference not in summary.index or reference == UNKNOWN_LABEL:
        have = ", ".join(map(str, summary.index))
        raise InterviewLabError(f"No candidate has {group} == {reference!r}; groups: {have}.")
    n = summary["size"].to_numpy(dtype=float)
    mean = summary["mean"].to_numpy(dtype=float)
    var = summary["var"].to_numpy(dtype=float)
    ref = summary.index.get_loc(reference)
    n0, m0, v0 = n[ref], mean[ref], var[ref]
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = np.sqrt(((n - 1) * var + (n0 - 1) * v0) / (n + n0 - 2))
        j = 1 - 3 / (4 * (n + n0) - 9)
        g = j * (mean - m0) / pooled
        se = np.sqrt((n + n0) / (n * n0) + g**2 / (2 * (n + n0)))
        crit = stats.t.ppf(0.5 + confidence / 2, n + n0 - 2)
        se_w = np.sqrt(var / n + v0 / n0)
        t = (mean - m0) / se_w
        df = se_w**4 / ((var / n) ** 2 / (n - 1) + (v0 / n0) ** 2 / (n0 - 1))
        p = 2 * stats.t.sf(np.abs(t), df)
    role = np.where(summary.index == UNKNOWN_LABEL, "unknown", "compared").astype(object)
    role[ref] = "reference"
    compared = role == "compared"
    out = pd.DataFrame(
        {
            "group": summary.index.to_numpy(dtype=object),
            "role": role,
            "n": n.astype(np.int64),
            "mean": mean,
            "sd": np.sqrt(var),
            "difference": np.where(role != "unknown", mean - m0, np.nan),
            "d": np.where(compared, g, np.where(role == "reference", 0.0, np.nan)),
            "ci_low": np.where(compared, g - crit * se, np.nan),
            "ci_high": np.where(compared, g + crit * se, np.nan),
            "t": np.where(compared, t, np.nan),
            "df": np.where(compared, df, np.nan),
            "p_value": np.where(compared, p, np.nan),
            "small_sample": (n < 20) | (n0 < 20),
        }
    )
    return out


def question_gaps(
    ratings: pd.DataFrame,
    *,
    group: str,
    reference: Hashable,
    question: str = "question_id",
    score: str = "score",
    candidate: str = "candidate_id",
    confidence: float = 0.95,
    p_adjust: str = "holm",
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
) -> pd.DataFrame:
    """Does one question open a group gap the others do not? (a DIF-style check).

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long ratings: one row per candidate x question (x rater); several ratings of
        the same candidate and question are averaged. ``group`` must be constant within
        a candidate.
    group : str
        Candidate group column (in ``ratings``).
    reference : hashable
        The reference group's value.
    question, score, candidate : str
        Column names of the question, the score and the candidate.
    confidence : float, default 0.95
        Level of the intervals.
    p_adjust : str, default "holm"
        Adjustment across all question x group coefficients (``multipletests``).
    unknown : sequence of str, default ("unknown",)
        Group values meaning "not known": those candidates are left out of the models
        and counted in ``n_unknown``.

    Returns
    -------
    pandas.DataFrame
        One row per question and non-reference group: ``question``, ``group``, ``n``
        (candidates in the model), ``n_group`` (of them, in the group), ``estimate``
        (the group's coefficient: its mean question score minus the reference's at
        equal rest score), ``se``, ``ci_low``, ``ci_high``, ``p_value``, ``p_adjusted``,
        ``n_unknown`` (candidates with an unknown group, not used).

    Notes
    -----
    For each question, an OLS regression (``statsmodels.api.OLS``) of the candidate's
    mean score on that question on the rest score (the mean of the candidate's other
    questions) and group indicators. Conditioning on the rest score separates a
    question-specific gap (differential functioning) from an overall gap that every
    question shares. Candidates missing the question, or with no other question, are
    left out of that question's model. The rest score is measured with error, so a
    large overall gap can leak into each coefficient; read the coefficients side by
    side rather than against zero alone. Validated against
    ``pingouin.linear_regression``.

    References
    ----------
    Swaminathan, H., & Rogers, H. J. (1990). Detecting differential item functioning
    using logistic regression procedures. JEM, 27, 361-370.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = []
    >>> for cid, (sex, scores) in enumerate([("F", [3, 4, 1]), ("F", [4, 5, 2]),
    ...                                      ("F", [2, 3, 1]), ("M", [3, 4, 4]),
    ...                                      ("M", [4, 4, 5]), ("M", [2, 3, 3])]):
    ...     rows += [(cid, sex, q, s) for q, s in zip("abc", scores)]
    >>> r = pd.DataFrame(rows, columns=["candidate_id", "sex", "question_id", "score"])
    >>> out = question_gaps(r, group="sex", reference="M")
    >>> out[["question", "group", "n"]]
      question group  n
    0        a     F  6
    1        b     F  6
    2        c     F  6
    """
    import statsmodels.api as sm
    from statsmodels.stats.multitest import multipletests

    frame = require_frame(ratings, "ratings")
    check_fraction("confidence", confidence)
    check_choice("p_adjust", p_adjust, P_ADJUST_METHODS)
    require_columns(frame, [group, question, score, candidate], "ratings")
    _check_score(frame, score)
    per_candidate = frame.groupby(candidate, sort=True)[group]
    varying = per_candidate.nunique(dropna=False) > 1
    if varying.any():
        raise InterviewLabError(
            f"{int(varying.sum())} candidate(s) have more than one {group!r} value "
            f"(e.g. {varying[varying].index[0]!r}); a candidate's group must be constant."
        )
    groups = per_candidate.first()
    unknown_set = {str(u).strip().casefold() for u in unknown}
    is_unknown = groups.isna() | groups.astype(str).str.strip().str.casefold().isin(unknown_set)
    if reference not in set(groups[~is_unknown]):
        raise InterviewLabError(f"No candidate has {group} == {reference!r}.")
    n_unknown = int(is_unknown.sum())
    groups = groups[~is_unknown]
    wide = frame.pivot_table(index=candidate, columns=question, values=score, aggfunc="mean")
    wide = wide.loc[groups.index]
    others = [g for g in sorted(groups.unique(), key=str) if g != reference]
    if not others:
        raise InterviewLabError("Only the reference group is present; nothing to compare.")
    dummies = np.column_stack([(groups == g).to_numpy(dtype=float) for g in others])
    answered = wide.notna().to_numpy()
    totals = np.nansum(wide.to_numpy(), axis=1)
    counts = answered.sum(axis=1)
    rows = []
    for j, q in enumerate(wide.columns):
        y = wide[q].to_numpy(dtype=float)
        rest_n = counts - answered[:, j]
        use = answered[:, j] & (rest_n > 0)
        rest = np.where(use, (totals - np.nan_to_num(y)) / np.where(rest_n > 0, rest_n, 1), 0)
        x = np.column_stack([np.ones(use.sum()), rest[use], dummies[use]])
        keep = x[:, 2:].sum(axis=0) > 0
        design = x[:, np.r_[True, True, keep]]
        fit = sm.OLS(y[use], design).fit()
        params = np.asarray(fit.params)
        bse = np.asarray(fit.bse)
        pvalues = np.asarray(fit.pvalues)
        crit = stats.t.ppf(0.5 + confidence / 2, fit.df_resid)
        k = 2
        for g, present in zip(others, keep, strict=True):
            if not present:
                continue
            rows.append(
                {
                    "question": q,
                    "group": g,
                    "n": int(use.sum()),
                    "n_group": int(dummies[use][:, others.index(g)].sum()),
                    "estimate": params[k],
                    "se": bse[k],
                    "ci_low": params[k] - crit * bse[k],
                    "ci_high": params[k] + crit * bse[k],
                    "p_value": pvalues[k],
                }
            )
            k += 1
    out = pd.DataFrame(rows)
    p = out["p_value"].to_numpy(dtype=float)
    out["p_adjusted"] = p if p_adjust == "none" else multipletests(p, method=p_adjust)[1]
    out["n_unknown"] = n_unknown
    return out


# ------------------------------------------------------------------ report profiles


@dataclass(frozen=True)
class _Profile:
    reference: str
    threshold: float
    min_share: float
    columns: tuple[str, ...]


_PROFILES = {
    "ugesp": _Profile(
        "highest",
        0.8,
        0.0,
        (
            "role",
            "reference",
            "n",
            "selected",
            "rate",
            "impact_ratio",
            "ci_low",
            "ci_high",
            "below_threshold",
            "flip_flop",
            "shortfall",
            "p_fisher",
            "small_sample",
            "small_sample_reason",
        ),
    ),
    "ofccp": _Profile(
        "highest",
        0.8,
        0.0,
        (
            "role",
            "reference",
            "n",
            "selected",
            "rate",
            "impact_ratio",
            "z",
            "exceeds_2sd",
            "p_z",
            "p_fisher",
            "p_adjusted",
            "shortfall",
            "small_sample",
            "small_sample_reason",
        ),
    ),
    "ll144": _Profile(
        "highest",
        0.8,
        0.02,
        (
            "role",
            "n",
            "share",
            "selected",
            "rate",
            "impact_ratio",
            "ci_low",
            "ci_high",
            "excluded",
            "excluded_reason",
        ),
    ),
}


def audit_table(
    data: pd.DataFrame,
    *,
    group: str | Sequence[str],
    selected: str,
    profile: Literal["ugesp", "ofccp", "ll144", "wres"],
    by: str | Sequence[str] | None = None,
    focal: Hashable | Sequence[Hashable] | None = None,
    reference: Hashable | Sequence[Hashable] | None = None,
    entered: str | None = None,
    min_share: float | None = None,
    min_count: int = 0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The adverse-impact table a regulator expects, from the shared statistics.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per applicant.
    group : str or list of str
        Group column(s).
    selected : str
        0/1 selection column.
    profile : {"ugesp", "ofccp", "ll144", "wres"}
        ``"ugesp"``: Uniform Guidelines, 29 CFR 1607.4(D): each group's rate over the
        highest group's rate against four-fifths, with the one-person flip-flop check
        and Fisher's exact p. ``"ofccp"``: OFCCP practice (Federal Contract Compliance
        Manual, ch. 2; 41 CFR 60-3.4(D)): statistical significance, the pooled z in
        standard deviations (``exceeds_2sd`` when abs(z) >= 2) and Fisher's exact test,
        with Holm-adjusted p. ``"ll144"``: NYC Local Law 144 bias audit, 6 RCNY 5-300
        and 5-301: selection rate and impact ratio against the highest category,
        categories under 2% of the data excluded with their counts shown, and the
        unknown category counted. ``"wres"``: NHS Workforce Race Equality Standard
        technical guidance, indicator 2: relative likelihood of the reference group
        (e.g. White) being selected compared with the focal group (e.g. BME).
    by : str or list of str, optional
        Columns to analyse separately (not used by "wres").
    focal, reference : value or list of values, optional
        Required for "wres" (see :func:`relative_likelihood`); ignored otherwise.
    entered : str, optional
        For "wres": the 0/1 column of those shortlisted.
    min_share : float, optional
        Overrides the profile's exclusion share (0.02 for "ll144", else 0).
    min_count : int, default 0
        Categories with fewer applicants are shown but excluded from the comparison
        and never the reference (e.g. a report's minimum cell size, so that a
        suppressed category's rate is not disclosed as the reference rate).
    confidence : float, default 0.95
        Level of the intervals.

    Returns
    -------
    pandas.DataFrame
        For "ugesp", "ofccp" and "ll144": the ``by`` and ``group`` columns,
        ``category``, the profile's columns of :func:`impact_ratios` (for "ofccp"
        also ``exceeds_2sd``), and ``excluded`` with ``excluded_reason``. For "wres": the
        table of :func:`relative_likelihood`.

    Notes
    -----
    The profiles only choose the reference rule, the threshold and the columns; the
    statistics are those of :func:`impact_ratios` and :func:`relative_likelihood`.
    NYC LL144 asks for sex, race/ethnicity and their intersection separately: call
    ``audit_table`` once with ``group="sex"``, once with the ethnicity column and once
    with both. Each table shows its unknown row (the count the rule requires) and its
    excluded categories with their counts and rates.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sex": ["F"] * 50 + ["M"] * 50,
    ...                    "hired": [1] * 20 + [0] * 30 + [1] * 30 + [0] * 20})
    >>> audit_table(df, group="sex", selected="hired", profile="ll144")[
    ...     ["category", "n", "rate", "impact_ratio"]]
      category   n  rate  impact_ratio
    0        F  50   0.4      0.666667
    1        M  50   0.6      1.000000
    """
    check_choice("profile", profile, PROFILES)
    if profile == "wres":
        if focal is None or reference is None:
            raise InterviewLabError(
                "profile='wres' needs focal= (e.g. the BME categories) and reference= "
                "(e.g. 'White')."
            )
        if not isinstance(group, str):
            raise InterviewLabError("profile='wres' compares two groups of one column.")
        return relative_likelihood(
            data,
            group=group,
            selected=selected,
            focal=focal,
            reference=reference,
            entered=entered,
            confidence=confidence,
        )
    spec = _PROFILES[profile]
    table = impact_ratios(
        data,
        group=group,
        selected=selected,
        reference=spec.reference,
        threshold=spec.threshold,
        by=by,
        confidence=confidence,
        min_share=spec.min_share if min_share is None else min_share,
        min_count=min_count,
    )
    exceeds = pd.array(table["z"].abs().to_numpy() >= 2, dtype="boolean")
    exceeds[table["z"].isna().to_numpy()] = pd.NA
    table["exceeds_2sd"] = exceeds
    lead = [*as_list(by), *as_list(group), "category"]
    tail = [c for c in ("excluded", "excluded_reason") if c not in spec.columns]
    return table[[*lead, *spec.columns, *tail]]
