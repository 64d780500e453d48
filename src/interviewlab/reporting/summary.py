"""The audit's executive summary: findings in plain words, the most severe first.

Nothing is computed here: the rows come from :func:`interviewlab.stage_audit` tables
(after suppression), and this module orders them and says them in words, each with one
line on the method behind it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from interviewlab._checks import require_columns
from interviewlab.errors import InterviewLabError
from interviewlab.reporting.safety import escape_markdown
from interviewlab.reporting.tables import format_interval, format_p

__all__ = ["audit_summary", "detectable_ratios"]

_SEVERITY_WORDS = {
    1: "below the four-fifths rule and larger than chance would explain",
    2: "below the four-fifths rule, but within what chance could produce with groups of this size",
    3: "not below the four-fifths rule, but larger than chance would explain",
}


def _get(row: Mapping[Any, Any], key: str) -> Any:
    value = row.get(key)
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


def _p_column(table: pd.DataFrame) -> tuple[str, str] | None:
    for column, words in (
        ("p_adjusted", "Holm-adjusted p"),
        ("p_fisher", "Fisher's exact p"),
        ("p_z", "two-sample z test p"),
    ):
        if column in table.columns:
            return column, words
    return None


def audit_summary(
    tables: Mapping[str, pd.DataFrame],
    *,
    alpha: float = 0.05,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Order the findings of stage-audit tables by severity and word them.

    A row is a finding when its group is compared (``role == "compared"``), it is not
    suppressed, and its impact ratio is below the four-fifths threshold or its p-value
    is below ``alpha``. Severity 1: below the threshold and significant; 2: below, not
    significant; 3: significant, not below. Within a severity, the lowest ratio first.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Stage-audit tables (profile "ugesp", "ofccp" or "ll144") by group column, after
        suppression.
    alpha : float
        Significance level.
    confidence : float
        Level of the intervals, for the words.

    Returns
    -------
    pandas.DataFrame
        One row per finding: ``severity`` (1-3), ``group_column``, ``stage``,
        ``category``, ``impact_ratio``, ``plain`` (the finding in words, Markdown),
        ``method`` (one line: the ratio, its interval, the test, and why a sample is
        small). Data values in ``plain`` are escaped for Markdown.

    Examples
    --------
    >>> t = pd.DataFrame({"stage": ["offer"] * 2, "category": ["A", "B"],
    ...     "role": ["reference", "compared"], "reference": ["A", "A"], "n": [100, 80],
    ...     "selected": [50, 12], "rate": [0.5, 0.15], "impact_ratio": [1.0, 0.3],
    ...     "ci_low": [np.nan, 0.18], "ci_high": [np.nan, 0.5],
    ...     "below_threshold": [False, True], "p_fisher": [np.nan, 0.00001],
    ...     "small_sample": [False, False], "small_sample_reason": ["", ""],
    ...     "reference_rate": [0.5, 0.5]})
    >>> s = audit_summary({"sex": t})
    >>> s["severity"].tolist()
    [1]
    >>> print(s["plain"].iloc[0])
    **offer, sex = B:** 12 of 80 passed (15.0%), against 50.0% of A candidates: 0.30
    times their rate. This is below the four-fifths rule and larger than chance would
    explain.
    >>> print(s["method"].iloc[0])
    Impact ratio 0.30 (95% CI 0.18-0.50); Fisher's exact p < 0.001.
    """
    if not 0 < alpha < 1:
        raise InterviewLabError(f"alpha={alpha!r} must be between 0 and 1.")
    pct = f"{confidence:.0%}"
    rows = []
    for group_column, table in tables.items():
        if "impact_ratio" not in table.columns:
            raise InterviewLabError(
                "audit_summary reads impact-ratio tables (profiles ugesp, ofccp, ll144); "
                f"the table for {group_column!r} has no impact_ratio column."
            )
        p_info = _p_column(table)
        for row in table.to_dict("records"):
            if row.get("role") != "compared" or bool(row.get("suppressed", False)):
                continue
            ratio = _get(row, "impact_ratio")
            if ratio is None:
                continue
            below = _get(row, "below_threshold")
            below = bool(below) if below is not None else ratio < 0.8 - 1e-12
            p = _get(row, p_info[0]) if p_info else None
            significant = p is not None and float(p) < alpha
            if not below and not significant:
                continue
            severity = 1 if below and significant else 2 if below else 3
            ref_rate = _get(row, "reference_rate")
            plain = (
                f"**{escape_markdown(str(row['stage']).replace('_', ' '))}, "
                f"{escape_markdown(group_column)} = {escape_markdown(row['category'])}:** "
                f"{row['selected']} of {row['n']} passed ({float(row['rate']):.1%}), against "
                + (f"{float(ref_rate):.1%} of " if ref_rate is not None else "the rate of ")
                + f"{escape_markdown(row.get('reference'))} candidates: "
                f"{float(ratio):.2f} times their rate. "
                f"This is {_SEVERITY_WORDS[severity]}."
            )
            method = f"Impact ratio {float(ratio):.2f}"
            low, high = _get(row, "ci_low"), _get(row, "ci_high")
            if low is not None and high is not None:
                method += f" ({pct} CI {format_interval(float(low), float(high))})"
            if p_info and p is not None:
                method += f"; {p_info[1]} {_p_words(float(p))}"
            if bool(row.get("small_sample", False)):
                why = str(row.get("small_sample_reason") or "").strip()
                method += f"; a small sample ({why})" if why else "; a small sample"
            rows.append(
                {
                    "severity": severity,
                    "group_column": group_column,
                    "stage": row["stage"],
                    "category": row["category"],
                    "impact_ratio": float(ratio),
                    "plain": plain,
                    "method": method + ".",
                }
            )
    out = pd.DataFrame(
        rows,
        columns=[
            "severity",
            "group_column",
            "stage",
            "category",
            "impact_ratio",
            "plain",
            "method",
        ],
    )
    return out.sort_values(["severity", "impact_ratio"], kind="stable").reset_index(drop=True)


def _p_words(p: float) -> str:
    """What follows a test's name ending in "p": "= 0.011", "< 0.001"."""
    return format_p(p, sentence=True).removeprefix("p ")


def detectable_ratios(
    table: pd.DataFrame,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    test: str = "fisher",
) -> pd.Series:
    """For each compared group of a stage-audit table, the impact ratio it could detect.

    The ratio is :func:`interviewlab.detectable_impact_ratio` for the group's applicants
    at the stage, the reference group's applicants there and its observed rate: true
    impact ratios at or below it would be flagged by ``test`` with at least ``power``.
    Beside a finding that is not significant, it says what the audit could have seen.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`interviewlab.stage_audit` table (profiles "ugesp", "ofccp", "ll144"),
        after suppression: ``stage``, ``role``, ``n`` and ``reference_rate``.
    power, alpha, test
        As in :func:`interviewlab.detectable_impact_ratio`.

    Returns
    -------
    pandas.Series
        ``detectable_ratio``, aligned with ``table``: NaN for reference, excluded and
        unknown rows, suppressed rows (their counts are not shown, so nothing is derived
        from them), a stage without a shown reference group, and groups no ratio could
        be detected for.

    Examples
    --------
    >>> t = pd.DataFrame({"stage": ["offer"] * 2, "category": ["A", "B"],
    ...     "role": ["reference", "compared"], "n": [200, 40],
    ...     "reference_rate": [0.3, 0.3]})
    >>> detectable_ratios(t).round(3).tolist()
    [nan, 0.33]
    """
    from interviewlab.impact.power import detectable_impact_ratio

    require_columns(table, ["stage", "role", "n", "reference_rate"], "the audit table")
    hidden = (
        table["suppressed"].astype(bool)
        if "suppressed" in table.columns
        else pd.Series(False, index=table.index)
    )
    reference = table[(table["role"] == "reference") & ~hidden]
    reference_n = reference.groupby("stage", sort=False)["n"].first()
    values: dict[Any, float] = {}
    found: dict[tuple[int, int, float], float] = {}
    compared = table[(table["role"] == "compared") & ~hidden]
    for index, row in zip(compared.index, compared.to_dict("records"), strict=True):
        n_ref, rate = reference_n.get(row["stage"]), _get(row, "reference_rate")
        if n_ref is None or rate is None or not 0 < float(rate) <= 1 or int(row["n"]) < 1:
            continue
        key = (int(row["n"]), int(n_ref), float(rate))
        if key not in found:
            result = detectable_impact_ratio(
                n_focal=key[0],
                n_reference=key[1],
                rate_reference=key[2],
                test=test,  # type: ignore[arg-type]
                power=power,
                alpha=alpha,
            )
            found[key] = float(result["detectable_ratio"].iloc[0])
        values[index] = found[key]
    return pd.Series(
        [values.get(i, np.nan) for i in table.index], index=table.index, name="detectable_ratio"
    )
