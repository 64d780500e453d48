"""Descriptive summaries of scores, per group, with their uncertainty."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from interviewlab._checks import as_list, check_fraction, require_columns, require_frame
from interviewlab.errors import InterviewLabError

__all__ = ["mean_over", "score_summary"]


def score_summary(
    data: pd.DataFrame,
    *,
    by: str | Sequence[str],
    score: str = "score",
    unit: str = "candidate_id",
    confidence: float = 0.95,
    min_n: int = 30,
) -> pd.DataFrame:
    """Mean score per group, averaging each candidate's ratings first.

    Ratings of one candidate are not independent, so each ``unit`` (candidate) is
    reduced to its mean score within the group before the group's mean, standard
    deviation and t-based confidence interval are computed over units.

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings, with the ``by`` columns (merge candidate groups in first).
    by : str or list of str
        Grouping columns (e.g. ``["format", "ethnicity"]``). Missing values form their
        own group, labelled ``<NA>``, so no rating is dropped.
    score, unit : str
        Score column and the unit of analysis (default the candidate).
    confidence : float
        Confidence level of the interval.
    min_n : int
        Groups with fewer units are flagged ``small_sample``.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``n`` (units), ``n_ratings``, ``mean``, ``sd``, ``se``,
        ``ci_low``, ``ci_high`` (Student t on ``n - 1`` df; missing for ``n < 2``), and
        ``small_sample``.

    Notes
    -----
    Validated against :func:`scipy.stats.t.interval` in the tests.

    Examples
    --------
    >>> d = pd.DataFrame({"candidate_id": ["a", "a", "b", "c"], "g": ["x", "x", "x", "y"],
    ...                   "score": [2.0, 4.0, 5.0, 1.0]})
    >>> score_summary(d, by="g", min_n=2)[["g", "n", "n_ratings", "mean", "small_sample"]]
       g  n  n_ratings  mean  small_sample
    0  x  2          3   4.0         False
    1  y  1          1   1.0          True
    """
    require_frame(data, "ratings")
    groups = as_list(by)
    if not groups:
        raise InterviewLabError("by must name at least one grouping column.")
    require_columns(data, [*groups, score, unit], "ratings")
    check_fraction("confidence", confidence)
    values = pd.to_numeric(data[score], errors="coerce")
    if values.isna().any():
        raise InterviewLabError(
            f"Column {score!r} has {int(values.isna().sum())} missing or "
            "non-numeric value(s); scores must be numbers."
        )
    frame = data[[*groups, unit]].assign(_score=values)
    per_unit = frame.groupby([*groups, unit], dropna=False, sort=True)["_score"].agg(
        ["mean", "size"]
    )
    grouped = per_unit.groupby(level=list(range(len(groups))), dropna=False, sort=True)
    out = pd.DataFrame(
        {
            "n": grouped["mean"].size(),
            "n_ratings": grouped["size"].sum(),
            "mean": grouped["mean"].mean(),
            "sd": grouped["mean"].std(ddof=1),
        }
    )
    out["se"] = out["sd"] / np.sqrt(out["n"])
    t = stats.t.ppf(0.5 + confidence / 2, np.maximum(out["n"] - 1, 1))
    ok = out["n"] >= 2
    out["ci_low"] = np.where(ok, out["mean"] - t * out["se"], np.nan)
    out["ci_high"] = np.where(ok, out["mean"] + t * out["se"], np.nan)
    out["small_sample"] = out["n"] < min_n
    return out.reset_index()


def mean_over(
    data: pd.DataFrame,
    *,
    over: str,
    keep: Sequence[str],
    score: str = "score",
) -> pd.DataFrame:
    """Average scores over one facet (e.g. questions), keeping the identifying columns.

    Used to build, say, one score per candidate and rater (the mean over the rubric's
    questions) before an ICC, or one score per candidate and question (the mean over the
    panel's raters) before Cronbach's alpha.

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings.
    over : str
        The facet averaged away; it must not be in ``keep``.
    keep : list of str
        Columns that identify the rows of the result (missing values kept as a group).
    score : str
        The score column.

    Returns
    -------
    pandas.DataFrame
        ``keep`` columns, ``score`` (the mean) and ``n_ratings`` (how many were averaged).

    Examples
    --------
    >>> d = pd.DataFrame({"c": ["a", "a", "b"], "q": [1, 2, 1], "score": [2.0, 4.0, 5.0]})
    >>> mean_over(d, over="q", keep=["c"])
       c  score  n_ratings
    0  a    3.0          2
    1  b    5.0          1
    """
    require_frame(data, "ratings")
    keep = list(keep)
    if over in keep:
        raise InterviewLabError(f"over={over!r} cannot also be in keep={keep}.")
    require_columns(data, [over, *keep, score], "ratings")
    values = pd.to_numeric(data[score], errors="coerce")
    if values.isna().any():
        raise InterviewLabError(
            f"Column {score!r} has {int(values.isna().sum())} missing or non-numeric value(s); "
            "a mean over them would silently leave them out. Remove or fix them first."
        )
    grouped = data[keep].assign(**{score: values}).groupby(keep, dropna=False, sort=True)[score]
    out = grouped.agg(["mean", "size"]).rename(columns={"mean": score, "size": "n_ratings"})
    return out.reset_index()
