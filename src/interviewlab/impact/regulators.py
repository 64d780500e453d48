"""Regulators' forms: NHS WRES relative likelihood and the audit-table profiles.

The profiles are UGESP, OFCCP, NYC LL144 and WRES.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass
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
    PROFILES,
    _check_binary,
    _check_weight,
    _fisher_p,
    _katz_interval,
)
from interviewlab.impact.ratios import (
    impact_ratios,
)


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
    weight: str | None = None,
    not_reference: Collection[Hashable] = (),
) -> pd.DataFrame:
    """The adverse-impact table a regulator expects, from the shared statistics.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per applicant (or per cell of counts, with ``weight``).
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
    weight : str, optional
        Column of frequency counts when each row stands for several applicants (e.g.
        ``n_applicants`` from :func:`interviewlab.applicant_counts`).
    not_reference : collection, optional
        Categories never chosen as the reference (see :func:`impact_ratios`); not
        used by "wres".

    Returns
    -------
    pandas.DataFrame
        For "ugesp", "ofccp" and "ll144": the ``by`` and ``group`` columns,
        ``category``, the profile's columns of :func:`impact_ratios` (for "ofccp"
        also ``exceeds_2sd``), ``excluded`` with ``excluded_reason``, and ``estimable``
        with ``reason``. For "wres": the table of :func:`relative_likelihood`.

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
            weight=weight,
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
        weight=weight,
        not_reference=not_reference,
    )
    exceeds = pd.array(table["z"].abs().to_numpy() >= 2, dtype="boolean")
    exceeds[table["z"].isna().to_numpy()] = pd.NA
    table["exceeds_2sd"] = exceeds
    lead = [*as_list(by), *as_list(group), "category"]
    tail = [
        c for c in ("excluded", "excluded_reason", "estimable", "reason") if c not in spec.columns
    ]
    return table[[*lead, *spec.columns, *tail]]
