"""Question-level invariance across formats: whether a question treats a group differently."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from interviewlab._checks import check_choice, require_columns, require_frame
from interviewlab.errors import InterviewLabError
from interviewlab.formats._model import DEFAULT_UNKNOWN, RatingColumns
from interviewlab.formats.compare import _effect_table, _format_model

__all__ = ["format_invariance"]

P_ADJUST = ("holm", "bonferroni", "fdr_bh", "none")


def format_invariance(
    ratings: pd.DataFrame,
    *,
    group: str,
    candidates: pd.DataFrame | None = None,
    reference: Hashable | None = None,
    design: str = "auto",
    formats: Sequence[str] = ("async", "live"),
    order: str | None = "format_order",
    candidate: str = "candidate_id",
    rater: str = "rater_id",
    question: str = "question_id",
    format_column: str = "format",
    score: str = "score",
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
    confidence: float = 0.95,
    p_adjust: str = "holm",
    small_n: int = 30,
) -> pd.DataFrame:
    """Format x group interaction question by question, with multiplicity control.

    Parameters
    ----------
    ratings : pandas.DataFrame
        One row per rating.
    group : str
        Candidate group column (in ``ratings`` or ``candidates``).
    candidates : pandas.DataFrame, optional
        Candidates table supplying ``group`` (and ``order``).
    reference : hashable, optional
        Reference group; default the largest.
    design, formats, order : see :func:`compare_formats`
    candidate, rater, question, format_column, score : str
        Column names.
    unknown : sequence of str, default ("unknown",)
        Group values meaning "not known" (left out with a warning per question).
    confidence : float, default 0.95
        Level of the intervals (not adjusted).
    p_adjust : {"holm", "bonferroni", "fdr_bh", "none"}, default "holm"
        Adjustment over all question x group interactions
        (``statsmodels.stats.multitest.multipletests``).
    small_n : int, default 30
        Flag rows whose smallest group x format cell has fewer candidates.

    Returns
    -------
    pandas.DataFrame
        One row per question and compared group: ``question``, ``group``, ``estimate``
        (how much more the group's gap on this question is in the focal format than in
        the reference format, score points), ``se``, ``df``, ``ci_low``, ``ci_high``,
        ``p_value``, ``p_adjusted``, ``n_candidates``, ``n_ratings``, ``small_sample``,
        ``estimable``, ``reason``.

    Notes
    -----
    For each question, the model of :func:`compare_formats` is fitted to that
    question's ratings alone (``score ~ format x group [+ sequence + period] +
    (1 | candidate) + (1 | rater) [+ (1 | candidate:format)]``, sequence and period in a
    within design) and the ``format x group`` coefficient is tested
    with Satterthwaite df. A question whose interaction stands out from the others is
    not measured the same way in both formats for that group (a lack of measurement
    invariance at the question level, in the spirit of differential item functioning).
    Unlike :func:`interviewlab.question_gaps`, which conditions on the rest score within
    one format, this compares formats directly. Not-estimable rows are left out of the
    adjustment.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    Scandinavian Journal of Statistics, 6(2), 65-70.

    Examples
    --------
    >>> import warnings
    >>> import interviewlab as il
    >>> study = il.load_study("demo")
    >>> with warnings.catch_warnings():  # candidates with an unknown sex are left out
    ...     warnings.simplefilter("ignore", il.InterviewLabWarning)
    ...     res = format_invariance(study.ratings, candidates=study.candidates, group="sex")
    >>> res[["question", "group", "n_candidates"]]
      question   group  n_candidates
    0       q1  female           518
    1       q2  female           518
    2       q3  female           518
    3       q4  female           518
    4       q5  female           518
    """
    require_frame(ratings, "ratings")
    require_columns(ratings, [question], "ratings")
    check_choice("p_adjust", p_adjust, P_ADJUST)
    rating_columns = RatingColumns(
        candidate=candidate, rater=rater, question=question, format=format_column, score=score
    )
    parts = []
    for label, subset in ratings.groupby(question, sort=True):
        try:
            model = _format_model(
                subset,
                candidates,
                group=group,
                reference=reference,
                formats=formats,
                design=design,
                order=order,
                covariates=None,
                panel=None,
                columns=rating_columns,
                unknown=unknown,
                confidence=confidence,
            )
        except InterviewLabError as exc:
            raise InterviewLabError(f"Question {label!r}: {exc}") from exc
        table = _effect_table(model, [], small_n)
        rows = table[table["kind"] == "interaction"].copy()
        rows.insert(0, "question", label)
        parts.append(rows)
    out = pd.concat(parts, ignore_index=True)
    out["p_adjusted"] = np.nan
    ok = out["estimable"].to_numpy() & np.isfinite(out["p_value"].to_numpy())
    if ok.any():
        p = out.loc[ok, "p_value"].to_numpy()
        from statsmodels.stats.multitest import multipletests  # imported when needed

        adjusted = p if p_adjust == "none" else multipletests(p, method=p_adjust)[1]
        out.loc[ok, "p_adjusted"] = adjusted
    columns = [
        "question", "group", "estimate", "se", "df", "ci_low", "ci_high", "p_value",
        "p_adjusted", "n_candidates", "n_ratings", "small_sample", "estimable", "reason",
    ]  # fmt: skip
    return out[columns]
