"""Shared machinery of the impact functions: input checks, counts per category, intervals and tests.

Conventions (used by every public function of :mod:`interviewlab.impact`):

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

import warnings
from collections.abc import Collection, Hashable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from interviewlab._checks import (
    check_choice,
    check_fraction,
    sentence_end,
)
from interviewlab.errors import InterviewLabError, InterviewLabWarning, SmallSampleWarning

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
                    f"{sentence_end(', '.join(map(str, unused)))}. They have no rate and are not "
                    "in the table.",
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
    """Log (Katz) interval for (x1/n1)/(x0/n0); 0.5 added to each cell if a count is 0.

    When nobody in the compared group was selected (``x1 == 0``) the ratio is 0 and the
    lower limit is 0 (as scipy's ``relative_risk`` gives); the upper limit comes from the
    corrected table. Without this the corrected interval would exclude its own estimate.
    """
    zero = (x1 == 0) | (x0 == 0)
    a = np.where(zero, x1 + 0.5, x1).astype(float)
    c = np.where(zero, x0 + 0.5, x0).astype(float)
    m1 = np.where(zero, n1 + 1.0, n1).astype(float)
    m0 = np.where(zero, n0 + 1.0, n0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(a / m1) - np.log(c / m0)
        se = np.sqrt(1 / a - 1 / m1 + 1 / c - 1 / m0)
    z = _z_crit(confidence)
    low = np.where(x1 == 0, 0.0, np.exp(log_ratio - z * se))
    return low, np.exp(log_ratio + z * se)


def _overall_interval(
    x: np.ndarray, n: np.ndarray, xc: np.ndarray, nc: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Delta-method interval for p_g / p_all where the group is part of the pool.

    ``xc``/``nc`` are the complement (everyone else); 0.5 is added to a zero count, and
    the lower limit of a group with nobody selected is its estimate, 0.
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
    low = np.where(x == 0, 0.0, np.exp(log_ratio - z * se))
    return low, np.exp(log_ratio + z * se)


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
    not_reference: Collection[Hashable] = (),
) -> pd.DataFrame:
    """Impact-ratio columns for a counts table (one row per cell x category).

    ``not_reference``: categories never chosen as the ``"highest"`` reference.
    """
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
    no_reference = np.zeros(size, dtype=bool)
    ref_name = str(reference)
    overall = reference == "overall"
    if reference == "highest":
        barred = t["category"].astype(str).isin([str(v) for v in not_reference]).to_numpy()
        allowed = eligible & ~barred
        masked = np.where(allowed, rate, -np.inf)
        best = pd.Series(masked).groupby(cells).transform("max").to_numpy()
        candidate = allowed & (masked == best)
        first = pd.Series(candidate).groupby(cells).cumsum().to_numpy() == 1
        is_ref = candidate & first
    elif not overall:
        label = ref_name = _reference_label(reference)
        is_ref = known & (t["category"].astype(str).to_numpy() == label)
        found = pd.Series(is_ref).groupby(cells).any()
        have = ", ".join(sorted(t.loc[known, "category"].astype(str).unique()))
        if not found.any() or (not by_cols and not found.all()):
            where = "" if not by_cols else " in any by cell"
            raise InterviewLabError(
                f"The reference category {label!r} has no applicants{where}. Categories "
                f"present: {have}. Pass one of them, or reference='highest'/'overall'."
            )
        if (is_ref & excluded).any() and not by_cols:
            raise InterviewLabError(
                f"The reference category {label!r} is excluded (too small or empty) in at "
                "least one cell; choose another reference or lower min_share/min_count."
            )
        # with by=, a cell without a usable reference keeps its rows, not estimable
        is_ref = is_ref & ~excluded
        no_reference = ~pd.Series(is_ref).groupby(cells).transform("any").to_numpy()
        if no_reference.any():
            warnings.warn(
                f"The reference category {label!r} is absent or excluded in "
                f"{len(np.unique(cells[no_reference]))} by cell(s); their groups are not "
                "compared (see the reason column).",
                InterviewLabWarning,
                stacklevel=3,
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
    # everyone selected on both sides: the ratio is 1 by construction and the log
    # interval has zero width ([1, 1]); that is no measure of uncertainty, so none is given
    all_selected = ok & (x == n) & (x_cmp == n_cmp)
    ci_low = np.where(ok & ~all_selected, lo, np.nan)
    ci_high = np.where(ok & ~all_selected, hi, np.nan)
    ratio = np.where(is_ref & eligible, 1.0, ratio)
    comparator = "everyone else" if overall else "the reference group"
    estimable = (ok & ~all_selected) | (is_ref & eligible)
    not_estimable = _join_reasons(
        [
            (
                ref_zero,
                pd.Series(
                    [
                        f"no one in {comparator} had a {what} (rate 0), so the ratio divides "
                        "by 0; compare the counts, or choose another reference"
                    ]
                    * size
                ),
            ),
            (
                all_selected,
                pd.Series(
                    [
                        f"everyone in this group and in {comparator} had a {what}: the ratio "
                        "is 1 by construction and its interval has zero width, so no "
                        "interval is given"
                    ]
                    * size
                ),
            ),
            (excluded & ~unknown, pd.Series(["excluded: "] * size) + excluded_reason),
            (unknown, pd.Series(["group not known: not compared"] * size)),
            (
                eligible & ~is_ref & ~compared & no_reference,
                pd.Series(
                    [
                        f"the reference category {ref_name!r} has no "
                        "applicants in this cell, or is excluded there"
                    ]
                    * size
                ),
            ),
            (
                eligible & ~is_ref & ~compared & ~no_reference,
                pd.Series(["nothing to compare this group with in its cell"] * size),
            ),
        ]
    )

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
    out["estimable"] = estimable
    out["reason"] = not_estimable
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
