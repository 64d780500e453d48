"""Selection rates and impact ratios, with their intervals and significance tests.

A legal threshold such as the four-fifths rule is context for a human decision, not a
verdict: each table says what the figure is, how uncertain it is, and which rule it is
compared with.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from interviewlab._checks import (
    as_list,
    check_fraction,
    require_columns,
    require_frame,
)
from interviewlab.impact._core import (
    DEFAULT_UNKNOWN,
    Reference,
    _check_binary,
    _check_names,
    _check_options,
    _counts,
    _small_sample_warning,
    _wilson,
)
from interviewlab.impact._phases import _impact_core

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
    not_reference: Collection[Hashable] = (),
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
    not_reference : collection, optional
        Category labels never chosen as the ``"highest"`` reference (e.g. those a
        report's disclosure plan hides: a ratio against a hidden rate would be hidden
        too); they are still compared.

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
        ``excluded`` (bool) and ``excluded_reason``; ``estimable`` (bool: the ratio and
        its interval are given) and ``reason`` (why not: the reference rate is 0, so the
        ratio is undefined; everyone selected on both sides, so the interval would have
        zero width and is not given; excluded or unknown category). Test columns are NaN
        for the reference, excluded and unknown rows.

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
        not_reference=not_reference,
    )
    _small_sample_warning(out)
    return out
