"""Scoring rates for tools that score rather than select (NYC Local Law 144 bias-audit tables)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from interviewlab._checks import (
    as_list,
    check_choice,
    check_fraction,
    require_columns,
    require_frame,
)
from interviewlab.errors import InterviewLabError
from interviewlab.impact._core import (
    DEFAULT_UNKNOWN,
    Reference,
    _check_names,
)
from interviewlab.impact.ratios import (
    impact_ratios,
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
