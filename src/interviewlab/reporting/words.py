"""Findings in words for the machine-score and over-time reports, from suppressed tables.

Each function reads tables that have passed the report's suppression (rows with
``suppressed`` true are never described) and returns plain text for
:func:`interviewlab.headline` or a paragraph; values from the data are escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from interviewlab.reporting.safety import escape_markdown
from interviewlab.reporting.tables import format_p

__all__ = ["change_finding", "machine_gap_finding", "trend_finding"]


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    """The rows a reader may see: estimated and not suppressed."""
    keep = pd.Series(True, index=table.index)
    if "estimable" in table.columns:  # blank (suppressed) counts as not estimable
        keep &= table["estimable"].astype("boolean").fillna(False).astype(bool)
    if "suppressed" in table.columns:
        keep &= ~table["suppressed"].astype("boolean").fillna(True).astype(bool)
    return table.loc[keep]


def machine_gap_finding(by_group: Mapping[str, pd.DataFrame], *, confidence: float = 0.95) -> str:
    """The headline of the machine-score audit: the clearest gap at equal human score.

    A clear gap against a group (the machine scoring it lower than the humans do,
    relative to the reference) comes first, then a clear gap in its favour, then the
    gap nearest to clear; the corrected gap is described when it could be estimated.

    Parameters
    ----------
    by_group : mapping of str to pandas.DataFrame
        Group column -> ``AutomatedScoreAudit.by_group`` after suppression.
    confidence : float
        Level of the intervals, for the words.

    Returns
    -------
    str

    Examples
    --------
    >>> t = pd.DataFrame({"category": ["All candidates", "B", "B"],
    ...                   "term": ["pearson_r", "conditional_difference",
    ...                            "conditional_difference_latent"],
    ...                   "reference": "A", "estimate": [0.9, -0.35, -0.3],
    ...                   "ci_low": [0.88, -0.5, -0.45], "ci_high": [0.92, -0.2, -0.15],
    ...                   "p_value": [float("nan"), 0.0001, 0.0002], "estimable": True})
    >>> print(machine_gap_finding({"ethnicity": t}))  # doctest: +NORMALIZE_WHITESPACE
    At the same human score, the machine scores B candidates 0.30 points lower than A
    candidates (ethnicity; 95% CI -0.45 to -0.15, p < 0.001, corrected for the human
    raters' error); the machine and the humans correlate r = 0.90 over all candidates.
    """
    pct = f"{confidence:.0%}"
    best, overall = None, None
    for column, table in by_group.items():
        shown = _shown(table)
        rows = shown[shown["term"] == "conditional_difference_latent"]
        if rows.empty:
            rows = shown[shown["term"] == "conditional_difference"]
        for row in rows.to_dict("records"):
            if best is None or _rank(row, confidence) < _rank(best[1], confidence):
                best = (column, row)
        r = shown[(shown["term"] == "pearson_r") & (shown["category"] == "All candidates")]
        if overall is None and len(r):
            overall = float(r["estimate"].iloc[0])
    tail = (
        "."  # the all-candidates row can be suppressed too
        if overall is None
        else f"; the machine and the humans correlate r = {overall:.2f} over all candidates."
    )
    if best is None:
        return "No group's machine scores could be compared with its human scores" + tail
    column, row = best
    how = (
        "corrected for the human raters' error"
        if row["term"].endswith("latent")
        else ("observed human score")
    )
    sentence = (
        f"the machine scores {escape_markdown(row['category'])} candidates "
        f"{abs(row['estimate']):.2f} points {'lower' if row['estimate'] < 0 else 'higher'} "
        f"than {escape_markdown(row['reference'])} candidates ({escape_markdown(column)}; "
        f"{pct} CI {row['ci_low']:.2f} to {row['ci_high']:.2f}, "
        f"{_p_words(row['p_value'])}, {how})"
    )
    if row["p_value"] >= 1 - confidence:
        return (
            "No group is scored differently by the machine than by the human raters beyond "
            f"what chance would give; the largest gap: {sentence}" + tail
        )
    return f"At the same human score, {sentence}" + tail


def _rank(row: Mapping[Any, Any], confidence: float) -> tuple[int, float]:
    """Sort key: clear adverse gaps, other clear gaps, the rest; by p-value in each."""
    clear = row["p_value"] < 1 - confidence
    adverse = row["estimate"] < 0
    return (0 if clear and adverse else 1 if clear else 2), float(row["p_value"])


def _p_words(p: float) -> str:
    return format_p(p, sentence=True)


def change_finding(
    changes: Mapping[str, pd.DataFrame],
    *,
    period: str,
    change_after: str,
    change: str | None = None,
    confidence: float = 0.95,
) -> str:
    """The headline of the over-time report: the clearest change of an impact ratio.

    Parameters
    ----------
    changes : mapping of str to pandas.DataFrame
        Group column -> ``ImpactOverTime.change`` tables after suppression, each with a
        ``stage`` column (the outcome analysed).
    period : str
        The name of the periods (e.g. "round").
    change_after : str
        The last period before the change.
    change : str, optional
        What changed.
    confidence : float
        Level of the intervals, for the words.

    Returns
    -------
    str

    Examples
    --------
    >>> t = pd.DataFrame({"stage": "shortlisted", "category": ["female", "male"],
    ...                   "reference": "male", "impact_ratio_before": [0.48, 1.0],
    ...                   "impact_ratio_after": [1.23, 1.0], "odds_ratio_change": [3.4, 1.0],
    ...                   "or_low": [1.6, float("nan")], "or_high": [7.4, float("nan")],
    ...                   "p_value": [0.002, float("nan")]})
    >>> print(change_finding({"sex": t}, period="round", change_after="2",
    ...                      change="training"))  # doctest: +NORMALIZE_WHITESPACE
    After training (introduced after round 2), female candidates' impact ratio at the
    shortlisted stage went from 0.48 to 1.23 against male candidates (odds ratio of the
    change 3.4, 95% CI 1.6 to 7.4, p = 0.002); a before-and-after comparison shows a
    change in time, not its cause.
    """
    pct = f"{confidence:.0%}"
    best = None
    for column, table in changes.items():
        shown = _shown(table)
        shown = shown[shown["category"] != shown["reference"]].dropna(subset=["p_value"])
        for row in shown.to_dict("records"):
            if best is None or row["p_value"] < best[1]["p_value"]:
                best = (column, row)
    when = f"{escape_markdown(change)} (introduced after {period} {escape_markdown(change_after)})"
    if change is None:
        when = f"{period} {escape_markdown(change_after)}"
    caveat = "; a before-and-after comparison shows a change in time, not its cause."
    if best is None:
        return f"No impact ratio before and after {when} could be compared" + caveat
    _, row = best
    sentence = (
        f"{escape_markdown(row['category'])} candidates' impact ratio at the "
        f"{escape_markdown(str(row['stage']).replace('_', ' '))} stage went from "
        f"{row['impact_ratio_before']:.2f} to {row['impact_ratio_after']:.2f} against "
        f"{escape_markdown(row['reference'])} candidates (odds ratio of the change "
        f"{row['odds_ratio_change']:.1f}, {pct} CI {row['or_low']:.1f} to "
        f"{row['or_high']:.1f}, {_p_words(row['p_value'])})"
    )
    if row["p_value"] >= 1 - confidence:
        return f"No impact ratio changed after {when} beyond chance; the largest: {sentence}" + (
            caveat
        )
    return f"After {when}, {sentence}" + caveat


def trend_finding(trends: Mapping[str, pd.DataFrame], *, confidence: float = 0.95) -> str:
    """The headline of the over-time report without a named change: the clearest trend.

    Parameters
    ----------
    trends : mapping of str to pandas.DataFrame
        Group column -> ``ImpactOverTime.trend`` tables after suppression, each with a
        ``stage`` column (the outcome analysed).
    confidence : float
        Level of the intervals, for the words.

    Returns
    -------
    str

    Examples
    --------
    >>> t = pd.DataFrame({"stage": "shortlisted", "term": ["trend", "any_trend"],
    ...                   "category": ["female", ""], "reference": "male",
    ...                   "odds_ratio": [1.9, float("nan")],
    ...                   "odds_ratio_low": [1.3, float("nan")],
    ...                   "odds_ratio_high": [2.7, float("nan")], "p_value": [0.0005, 0.0004],
    ...                   "estimable": True})
    >>> print(trend_finding({"sex": t}))  # doctest: +NORMALIZE_WHITESPACE
    From one period to the next, female candidates' odds of shortlisted rose 1.9 times
    against male candidates' (95% CI 1.3 to 2.7, p < 0.001); a trend in time, not its
    cause.
    """
    pct = f"{confidence:.0%}"
    best = None
    for table in trends.values():
        shown = _shown(table)
        shown = shown[shown["term"] == "trend"].dropna(subset=["p_value"])
        for row in shown.to_dict("records"):
            if best is None or row["p_value"] < best["p_value"]:
                best = row
    if best is None:
        return "No group's selection could be followed over the periods."
    sentence = (
        f"{escape_markdown(best['category'])} candidates' odds of "
        f"{escape_markdown(str(best['stage']).replace('_', ' '))} "
        f"{'rose' if best['odds_ratio'] >= 1 else 'fell'} "
        f"{best['odds_ratio'] if best['odds_ratio'] >= 1 else 1 / best['odds_ratio']:.1f} "
        f"times against {escape_markdown(best['reference'])} candidates' ({pct} CI "
        f"{best['odds_ratio_low']:.1f} to {best['odds_ratio_high']:.1f}, "
        f"{_p_words(best['p_value'])}); a trend in time, not its cause."
    )
    if best["p_value"] >= 1 - confidence:
        return (
            f"No group's odds of selection changed steadily beyond chance; the largest: {sentence}"
        )
    return f"From one period to the next, {sentence}"
