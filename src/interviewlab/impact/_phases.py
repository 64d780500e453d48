"""The impact-ratio engine: phases over arrays of counts, then one table.

Every impact function (``impact_ratios``, ``funnel``, ``scoring_rates``, the regulators'
tables and the stage audits) runs through :func:`_impact_core`. As fairlearn separates
computation (``DisaggregatedResult``) from presentation (``MetricFrame``), the engine
reads a counts table once into :class:`_ImpactCounts` (one array per column), runs
phases that take and return arrays, and builds the DataFrame only in :func:`_assemble`.
The phases, in order (each can be called, and is tested, alone):

1. :func:`_eligibility` - shares, rates, and the known categories excluded as too small;
2. :func:`_choose_reference` - the reference of each cell (highest rate, a named
   category, or everyone: ``"overall"``) and the counts each row is compared with;
3. :func:`_comparisons` - which rows are compared, and where the reference selected no one;
4. :func:`_ratio_and_interval` - the impact ratio and its Katz or delta-method interval;
5. :func:`_four_fifths` - the exact integer test against the threshold, and flip-flop;
6. :func:`_significance` - z, Fisher and mid-P tests, adjusted within each cell;
7. :func:`_shortfall` - selections short of the reference rate;
8. :func:`_small_sample_flags` - few applicants or small expected counts;
9. :func:`_not_estimable_reasons` - why a row has no ratio or no interval;
10. :func:`_assemble` - the output table.

Phases do not warn: they return their warnings as text (``notes``), and
:func:`_compute` issues them in the order the phases run.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Hashable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy import stats

from interviewlab.errors import InterviewLabError, InterviewLabWarning
from interviewlab.impact._core import (
    Reference,
    _adjust,
    _below,
    _fisher_p,
    _join_reasons,
    _katz_interval,
    _mid_p,
    _overall_interval,
    _pooled_z,
    _reference_label,
)


@dataclass(frozen=True)
class _ImpactOptions:
    """The options of one impact computation (checked by ``_check_options`` before).

    ``frac`` is the threshold as an exact fraction; ``what`` names the outcome in
    messages ("selection", "pass at 'shortlisted'").
    """

    reference: Reference
    frac: Fraction
    confidence: float
    test: str
    p_adjust: str
    min_share: float
    min_count: int
    small_n: int
    what: str = "selection"
    not_reference: frozenset[str] = frozenset()

    @property
    def overall(self) -> bool:
        """True when each group is compared with everyone else in its cell."""
        return isinstance(self.reference, str) and self.reference == "overall"


@dataclass(frozen=True)
class _ImpactCounts:
    """A counts table as arrays: one entry per ``by`` cell x category row.

    ``cells`` numbers the ``by`` cells (all 0 without ``by``); ``unknown`` marks the
    pooled unknown rows; ``n`` counts applicants (entering the stage), ``x`` those
    selected, and ``base`` the applicants that shares are taken of (``n`` unless a
    separate column is given, as the funnel's stage steps do).
    """

    cells: np.ndarray
    category: np.ndarray
    unknown: np.ndarray
    n: np.ndarray
    x: np.ndarray
    base: np.ndarray
    has_by: bool

    @classmethod
    def from_table(
        cls,
        table: pd.DataFrame,
        *,
        by_cols: list[str],
        n_col: str,
        x_col: str,
        share_col: str | None,
    ) -> _ImpactCounts:
        """Read the arrays from a table made by ``_counts`` (``category``, ``_unknown``)."""
        t = table.reset_index(drop=True)
        size = len(t)
        if by_cols:
            cells = t.groupby(by_cols, sort=False).ngroup().to_numpy()
        else:
            cells = np.zeros(size, int)
        n = t[n_col].to_numpy(dtype=np.int64)
        return cls(
            cells=cells,
            category=t["category"].astype(str).to_numpy(dtype=object),
            unknown=t["_unknown"].to_numpy(dtype=bool),
            n=n,
            x=t[x_col].to_numpy(dtype=np.int64),
            base=t[share_col].to_numpy(dtype=np.int64) if share_col else n,
            has_by=bool(by_cols),
        )

    @property
    def known(self) -> np.ndarray:
        """Rows whose group is known (everything but the pooled unknown rows)."""
        return ~self.unknown

    @property
    def size(self) -> int:
        """The number of rows."""
        return len(self.n)

    def cell_sum(self, values: np.ndarray, where: np.ndarray) -> np.ndarray:
        """Per row, the sum of ``values`` over the rows of its cell where ``where`` holds."""
        masked = pd.Series(np.where(where, values, 0))
        return masked.groupby(self.cells).transform("sum").to_numpy()


# ------------------------------------------------------------- 1. eligibility


@dataclass(frozen=True)
class _Eligibility:
    """Shares and rates, and which known categories take part in comparisons."""

    share: np.ndarray
    rate: np.ndarray
    excluded: np.ndarray
    excluded_reason: np.ndarray
    eligible: np.ndarray


def _eligibility(counts: _ImpactCounts, options: _ImpactOptions) -> _Eligibility:
    """Share of the known applicants and rate per row; exclude small or empty categories.

    A known category is excluded when nobody entered, its share is below ``min_share``
    or it has fewer than ``min_count`` applicants; unknown rows are never eligible.
    """
    n, known = counts.n, counts.known
    known_total = counts.cell_sum(counts.base, known)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(known & (known_total > 0), counts.base / known_total, np.nan)
        rate = np.where(n > 0, counts.x / np.where(n > 0, n, 1), np.nan)
    low_share = known & (share < options.min_share)
    low_count = known & (n < options.min_count)
    empty = known & (n == 0)
    excluded = low_share | low_count | empty
    shares = [f"share {s:.3%} < min_share {options.min_share:.1%}" for s in np.nan_to_num(share)]
    excluded_reason = _join_reasons(
        [
            (empty, pd.Series(["no applicants entering"] * counts.size)),
            (low_share & ~empty, pd.Series(shares)),
            (low_count & ~empty, pd.Series([f"n={v} < min_count {options.min_count}" for v in n])),
        ]
    )
    return _Eligibility(
        share=share,
        rate=rate,
        excluded=excluded,
        excluded_reason=excluded_reason,
        eligible=known & ~excluded,
    )


# ---------------------------------------------------------------- 2. reference


@dataclass(frozen=True)
class _Comparator:
    """Whom each row is compared with.

    ``is_ref`` marks the reference row of each cell (always an eligible row; none with
    ``overall``). ``x_ref``/``n_ref`` are the counts the ratio divides by: the reference
    row's, or with ``overall`` all eligible applicants of the cell. ``x_cmp``/``n_cmp``
    are the other side of the interval and the tests: the reference row's again, or with
    ``overall`` everyone else in the cell. ``no_reference`` marks cells where a named
    reference is absent or excluded; ``name`` is the reference as written in reasons.
    """

    is_ref: np.ndarray
    no_reference: np.ndarray
    name: str
    label: np.ndarray
    x_ref: np.ndarray
    n_ref: np.ndarray
    x_cmp: np.ndarray
    n_cmp: np.ndarray
    overall: bool
    notes: tuple[str, ...] = ()


def _highest_reference(
    counts: _ImpactCounts, eligibility: _Eligibility, barred: frozenset[str] = frozenset()
) -> np.ndarray:
    """The eligible row with the highest rate in each cell (the first one on a tie).

    Categories in ``barred`` are never chosen (they are still compared).
    """
    eligible = eligibility.eligible & ~np.isin(counts.category, list(barred))
    masked = np.where(eligible, eligibility.rate, -np.inf)
    best = pd.Series(masked).groupby(counts.cells).transform("max").to_numpy()
    candidate = eligible & (masked == best)
    first = pd.Series(candidate).groupby(counts.cells).cumsum().to_numpy() == 1
    return np.asarray(candidate & first, dtype=bool)


def _named_reference(
    counts: _ImpactCounts, eligibility: _Eligibility, label: str
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """The rows of the named category, the cells without it, and the warning if any.

    Raises when the category is nowhere, or (without ``by``) is missing or excluded. With
    ``by``, a cell without a usable reference keeps its rows, not compared.
    """
    known, excluded, cells = counts.known, eligibility.excluded, counts.cells
    is_ref = known & (counts.category == label)
    found = pd.Series(is_ref).groupby(cells).any()
    if not found.any() or (not counts.has_by and not found.all()):
        have = ", ".join(sorted(pd.unique(counts.category[known])))
        where = "" if not counts.has_by else " in any by cell"
        raise InterviewLabError(
            f"The reference category {label!r} has no applicants{where}. Categories "
            f"present: {have}. Pass one of them, or reference='highest'/'overall'."
        )
    if (is_ref & excluded).any() and not counts.has_by:
        raise InterviewLabError(
            f"The reference category {label!r} is excluded (too small or empty) in at "
            "least one cell; choose another reference or lower min_share/min_count."
        )
    is_ref = is_ref & ~excluded
    no_reference = ~pd.Series(is_ref).groupby(cells).transform("any").to_numpy()
    notes: tuple[str, ...] = ()
    if no_reference.any():
        notes = (
            f"The reference category {label!r} is absent or excluded in "
            f"{len(np.unique(cells[no_reference]))} by cell(s); their groups are not "
            "compared (see the reason column).",
        )
    return is_ref, no_reference, notes


def _choose_reference(
    counts: _ImpactCounts, eligibility: _Eligibility, options: _ImpactOptions
) -> _Comparator:
    """Choose each cell's reference and the counts every row is compared with."""
    size, x, n = counts.size, counts.x, counts.n
    no_reference = np.zeros(size, dtype=bool)
    name = str(options.reference)
    notes: tuple[str, ...] = ()
    if options.overall:
        x_ref = counts.cell_sum(x, eligibility.eligible)
        n_ref = counts.cell_sum(n, eligibility.eligible)
        return _Comparator(
            is_ref=np.zeros(size, dtype=bool),
            no_reference=no_reference,
            name=name,
            label=np.full(size, "overall", dtype=object),
            x_ref=x_ref,
            n_ref=n_ref,
            x_cmp=x_ref - x,
            n_cmp=n_ref - n,
            overall=True,
        )
    if options.reference == "highest":
        is_ref = _highest_reference(counts, eligibility, options.not_reference)
    else:
        name = _reference_label(options.reference)
        is_ref, no_reference, notes = _named_reference(counts, eligibility, name)
    x_ref, n_ref = counts.cell_sum(x, is_ref), counts.cell_sum(n, is_ref)
    labels = pd.Series(np.where(is_ref, counts.category, ""))
    label = labels.groupby(counts.cells).transform("max").replace("", None)
    return _Comparator(
        is_ref=is_ref,
        no_reference=no_reference,
        name=name,
        label=label.to_numpy(dtype=object),
        x_ref=x_ref,
        n_ref=n_ref,
        x_cmp=x_ref,
        n_cmp=n_ref,
        overall=False,
        notes=notes,
    )


# -------------------------------------------------------------- 3. comparisons


@dataclass(frozen=True)
class _Comparisons:
    """``compared``: tested against a comparator; ``ok``: also has a defined ratio."""

    compared: np.ndarray
    ref_zero: np.ndarray
    ok: np.ndarray
    notes: tuple[str, ...] = ()


def _comparisons(
    counts: _ImpactCounts,
    eligibility: _Eligibility,
    comparator: _Comparator,
    what: str,
) -> _Comparisons:
    """Rows compared with someone, and those whose reference selected no one (ratio 0/0)."""
    eligible, cells = eligibility.eligible, counts.cells
    compared = eligible & ~comparator.is_ref & (comparator.n_cmp > 0)
    ref_zero = compared & (comparator.x_ref == 0)
    notes = []
    if ref_zero.any():
        notes.append(
            f"No one in the reference group had a {what} in {len(np.unique(cells[ref_zero]))} "
            "cell(s): impact ratios there are undefined (NaN)."
        )
    if eligible.sum() and not compared.any() and not ref_zero.any():
        notes.append(
            "Only one category can be compared in every cell: there is nothing to compare "
            "it with, so the table has no impact ratios."
        )
    return _Comparisons(
        compared=compared, ref_zero=ref_zero, ok=compared & ~ref_zero, notes=tuple(notes)
    )


# ------------------------------------------------------- 4. ratio and interval


@dataclass(frozen=True)
class _Ratio:
    """Impact ratio and interval; ``all_selected`` rows have a ratio but no interval."""

    ratio: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    all_selected: np.ndarray
    estimable: np.ndarray


def _ratio_and_interval(
    counts: _ImpactCounts,
    comparator: _Comparator,
    comparisons: _Comparisons,
    confidence: float,
) -> _Ratio:
    """Rate over reference rate, with a Katz interval (or delta-method with ``overall``).

    The reference row's ratio is 1. When everyone is selected on both sides the log
    interval has zero width, which measures nothing, so no interval is given.
    """
    x, n, ok, is_ref = counts.x, counts.n, comparisons.ok, comparator.is_ref
    x_cmp, n_cmp = comparator.x_cmp, comparator.n_cmp
    num = x.astype(float) * comparator.n_ref
    den = n.astype(float) * comparator.x_ref
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ok, num / den, np.nan)
    interval = _overall_interval if comparator.overall else _katz_interval
    lo, hi = interval(x, n, x_cmp, n_cmp, confidence)
    all_selected = ok & (x == n) & (x_cmp == n_cmp)
    with_interval = ok & ~all_selected
    return _Ratio(
        ratio=np.where(is_ref, 1.0, ratio),
        ci_low=np.where(with_interval, lo, np.nan),
        ci_high=np.where(with_interval, hi, np.nan),
        all_selected=all_selected,
        estimable=with_interval | is_ref,
    )


# ---------------------------------------------------------- 5. four-fifths test


def _four_fifths(
    counts: _ImpactCounts, comparator: _Comparator, comparisons: _Comparisons, frac: Fraction
) -> tuple[pd.api.extensions.ExtensionArray, pd.api.extensions.ExtensionArray]:
    """``below_threshold`` and ``flip_flop`` as nullable booleans (NA where not compared).

    The comparison is exact, in integers. Flip-flop: one more selection in the group
    (also counted in the pool with ``overall``) would change the verdict.
    """
    x, n, ok = counts.x, counts.n, comparisons.ok
    x_ref, n_ref = comparator.x_ref, comparator.n_ref
    below = _below(x, n, x_ref, n_ref, frac)
    x_plus = np.minimum(x + 1, n)
    x_ref_plus = x_ref + (x_plus - x) if comparator.overall else x_ref
    flip = below != _below(x_plus, n, x_ref_plus, n_ref, frac)
    below_col = pd.array(np.where(ok, below, False), dtype="boolean")
    flip_col = pd.array(np.where(ok, flip, False), dtype="boolean")
    shown = ok | comparator.is_ref
    below_col[~shown] = pd.NA
    flip_col[~shown] = pd.NA
    return below_col, flip_col


# ---------------------------------------------------------------- 6. tests


@dataclass(frozen=True)
class _Tests:
    """Tests of each compared row against its comparator (NaN elsewhere)."""

    z: np.ndarray
    p_z: np.ndarray
    p_fisher: np.ndarray
    p_mid: np.ndarray
    p_adjusted: np.ndarray


def _significance(
    counts: _ImpactCounts,
    comparator: _Comparator,
    compared: np.ndarray,
    options: _ImpactOptions,
) -> _Tests:
    """Pooled z, Fisher exact and mid-P per compared row; ``test``'s p adjusted per cell."""
    size = counts.size
    z, p_z, p_fisher, p_mid = (np.full(size, np.nan) for _ in range(4))
    idx = np.flatnonzero(compared)
    if idx.size:
        sides = (counts.x[idx], counts.n[idx], comparator.x_cmp[idx], comparator.n_cmp[idx])
        z[idx] = _pooled_z(*sides)
        p_z[idx] = 2 * stats.norm.sf(np.abs(z[idx]))
        p_fisher[idx] = _fisher_p(*sides)
        p_mid[idx] = _mid_p(*sides)
    chosen = {"fisher": p_fisher, "mid_p": p_mid, "z": p_z}[options.test]
    p_adjusted = _adjust(chosen, counts.cells, options.p_adjust)
    return _Tests(z=z, p_z=p_z, p_fisher=p_fisher, p_mid=p_mid, p_adjusted=p_adjusted)


# ------------------------------------------------------------ 7. shortfall


def _shortfall(counts: _ImpactCounts, comparator: _Comparator, ok: np.ndarray) -> np.ndarray:
    """Selections short of the reference rate: ``n * reference rate - selected``.

    0 for the reference row, NaN where there is no ratio; negative means more selected
    than the reference rate would give.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ref_rate = comparator.x_ref / comparator.n_ref
    shortfall = np.where(ok, counts.n * ref_rate - counts.x, np.nan)
    return np.where(comparator.is_ref, 0.0, shortfall)


# ---------------------------------------------------- 8. small-sample flags


def _small_sample_flags(
    counts: _ImpactCounts,
    comparator: _Comparator,
    compared: np.ndarray,
    small_n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Flag compared rows with few applicants on either side or expected counts below 5.

    Returns the flags and their reasons (joined with "; ").
    """
    n, n_cmp = counts.n, comparator.n_cmp
    with np.errstate(divide="ignore", invalid="ignore"):
        total = n + n_cmp
        sel_total = counts.x + comparator.x_cmp
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
    ref_word = "everyone else" if comparator.overall else "reference"
    lowest = [f"smallest expected count {e:.2f} < 5" for e in np.nan_to_num(expected)]
    reason = _join_reasons(
        [
            (few, pd.Series([f"n={v} < {small_n}" for v in n])),
            (few_ref, pd.Series([f"{ref_word} n={v} < {small_n}" for v in n_cmp])),
            (low_expected, pd.Series(lowest)),
        ]
    )
    return few | few_ref | low_expected, reason


# ------------------------------------------------------ 9. not-estimable reasons


def _not_estimable_reasons(
    counts: _ImpactCounts,
    eligibility: _Eligibility,
    comparator: _Comparator,
    comparisons: _Comparisons,
    ratio: _Ratio,
    what: str,
) -> np.ndarray:
    """Why each row has no ratio or no interval ("" where it has both, or is the reference)."""
    size, unknown, excluded = counts.size, counts.unknown, eligibility.excluded
    who = "everyone else" if comparator.overall else "the reference group"
    uncompared = eligibility.eligible & ~comparator.is_ref & ~comparisons.compared

    def same(text: str) -> pd.Series:
        return pd.Series([text] * size)

    return _join_reasons(
        [
            (
                comparisons.ref_zero,
                same(
                    f"no one in {who} had a {what} (rate 0), so the ratio divides by 0; "
                    "compare the counts, or choose another reference"
                ),
            ),
            (
                ratio.all_selected,
                same(
                    f"everyone in this group and in {who} had a {what}: the ratio is 1 by "
                    "construction and its interval has zero width, so no interval is given"
                ),
            ),
            (excluded & ~unknown, same("excluded: ") + eligibility.excluded_reason),
            (unknown, same("group not known: not compared")),
            (
                uncompared & comparator.no_reference,
                same(
                    f"the reference category {comparator.name!r} has no applicants in "
                    "this cell, or is excluded there"
                ),
            ),
            (
                uncompared & ~comparator.no_reference,
                same("nothing to compare this group with in its cell"),
            ),
        ]
    )


# ------------------------------------------------- computation and presentation


@dataclass(frozen=True)
class _ImpactResult:
    """Every output column of the engine as arrays, in output order (the computation)."""

    role: np.ndarray
    reference: np.ndarray
    n: np.ndarray
    share: np.ndarray
    selected: np.ndarray
    rate: np.ndarray
    impact_ratio: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    below_threshold: pd.api.extensions.ExtensionArray
    z: np.ndarray
    p_z: np.ndarray
    p_fisher: np.ndarray
    p_mid: np.ndarray
    p_adjusted: np.ndarray
    shortfall: np.ndarray
    flip_flop: pd.api.extensions.ExtensionArray
    small_sample: np.ndarray
    small_sample_reason: np.ndarray
    excluded: np.ndarray
    excluded_reason: np.ndarray
    estimable: np.ndarray
    reason: np.ndarray


def _roles(counts: _ImpactCounts, excluded: np.ndarray, is_ref: np.ndarray) -> np.ndarray:
    """``unknown``, ``excluded``, ``reference`` or ``compared`` per row."""
    named = np.where(excluded, "excluded", np.where(is_ref, "reference", "compared"))
    return np.where(counts.unknown, "unknown", named)


def _compute(counts: _ImpactCounts, options: _ImpactOptions) -> _ImpactResult:
    """Run the phases in order and issue their warnings (for the caller's caller)."""
    eligibility = _eligibility(counts, options)
    comparator = _choose_reference(counts, eligibility, options)
    _warn(comparator.notes)
    comparisons = _comparisons(counts, eligibility, comparator, options.what)
    _warn(comparisons.notes)
    ratio = _ratio_and_interval(counts, comparator, comparisons, options.confidence)
    below, flip = _four_fifths(counts, comparator, comparisons, options.frac)
    tests = _significance(counts, comparator, comparisons.compared, options)
    small, small_reason = _small_sample_flags(
        counts, comparator, comparisons.compared, options.small_n
    )
    return _ImpactResult(
        role=_roles(counts, eligibility.excluded, comparator.is_ref),
        reference=comparator.label,
        n=counts.n,
        share=eligibility.share,
        selected=counts.x,
        rate=eligibility.rate,
        impact_ratio=ratio.ratio,
        ci_low=ratio.ci_low,
        ci_high=ratio.ci_high,
        below_threshold=below,
        z=tests.z,
        p_z=tests.p_z,
        p_fisher=tests.p_fisher,
        p_mid=tests.p_mid,
        p_adjusted=tests.p_adjusted,
        shortfall=_shortfall(counts, comparator, comparisons.ok),
        flip_flop=flip,
        small_sample=small,
        small_sample_reason=small_reason,
        excluded=eligibility.excluded,
        excluded_reason=eligibility.excluded_reason,
        estimable=ratio.estimable,
        reason=_not_estimable_reasons(
            counts, eligibility, comparator, comparisons, ratio, options.what
        ),
    )


def _warn(notes: tuple[str, ...]) -> None:
    """Issue a phase's warnings where the public function was called.

    The stack: ``_warn``, ``_compute``, ``_impact_core``, the public function, its caller.
    """
    for note in notes:
        warnings.warn(note, InterviewLabWarning, stacklevel=5)


def _assemble(
    table: pd.DataFrame, result: _ImpactResult, *, n_col: str, x_col: str, share_col: str | None
) -> pd.DataFrame:
    """The output table: the input's ``by``, group and category columns, then the result's."""
    out = table.reset_index(drop=True).drop(columns=["_unknown", n_col, x_col]).copy()
    out.insert(len(out.columns), "role", result.role)
    for name, values in vars(result).items():
        if name != "role":
            out[name] = values
    return out.drop(columns=[c for c in (share_col,) if c and c in out.columns])


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

    ``table`` comes from ``_counts``; ``n_col`` and ``x_col`` name its applicants and
    selected columns, ``share_col`` (optional) the counts shares are taken of;
    ``not_reference`` names categories never chosen as the ``"highest"`` reference.
    """
    options = _ImpactOptions(
        reference=reference,
        frac=frac,
        confidence=confidence,
        test=test,
        p_adjust=p_adjust,
        min_share=min_share,
        min_count=min_count,
        small_n=small_n,
        what=what,
        not_reference=frozenset(str(v) for v in not_reference),
    )
    counts = _ImpactCounts.from_table(
        table, by_cols=by_cols, n_col=n_col, x_col=x_col, share_col=share_col
    )
    result = _compute(counts, options)
    return _assemble(table, result, n_col=n_col, x_col=x_col, share_col=share_col)
