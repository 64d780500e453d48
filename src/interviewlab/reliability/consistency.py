"""Internal consistency of a rubric's questions: Cronbach's alpha with the Feldt interval."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from interviewlab._docs import fill_doc, grouping
from interviewlab.errors import InterviewLabError, NotEstimableError
from interviewlab.reliability._common import (
    _assemble,
    _by_groups,
    _check_common,
    _check_min_n,
    _not_estimable,
    _require_numeric,
    _where,
)

# --------------------------------------------------------------------------------------
# Cronbach's alpha
# --------------------------------------------------------------------------------------


def _cronbach(matrix: np.ndarray) -> tuple[float, float]:
    """Cronbach's alpha of a complete targets x items matrix and its normal-theory SE."""
    n, k = matrix.shape
    cov = np.cov(matrix, rowvar=False)
    total = float(cov.sum())
    trace = float(np.trace(cov))
    alpha = k / (k - 1) * (1 - trace / total)
    # van Zyl, Neudecker & Nel (2000): asymptotic variance under multivariate normality.
    trace_sq = float(np.trace(cov @ cov))
    ones_sq = float(cov.sum(axis=0) @ cov.sum(axis=0))
    q = 2 * k**2 / ((k - 1) ** 2 * total**3) * (total * (trace_sq + trace**2) - 2 * trace * ones_sq)
    return alpha, float(np.sqrt(max(q, 0.0) / n))


@fill_doc(grouping=grouping(statistic="alpha", units="complete candidates"))
def cronbach_alpha(
    data: pd.DataFrame,
    *,
    target: str = "candidate_id",
    item: str = "question_id",
    score: str = "score",
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    min_n: int = 20,
) -> pd.DataFrame:
    """Cronbach's alpha over rubric questions (candidates x questions) with Feldt's interval.

    Parameters
    ----------
    data : pandas.DataFrame
        Long table with one score per candidate and question (per ``by`` group). If several
        raters scored each question, aggregate first (e.g. the mean over raters) or pass
        ``by="rater_id"``.
    target : str, default "candidate_id"
        Column identifying the candidate.
    item : str, default "question_id"
        Column identifying the question (item).
    score : str, default "score"
        Column with the numeric score.
    {grouping}

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group: the ``by`` columns; ``estimate``; ``se`` (van Zyl,
        Neudecker & Nel 2000, normal theory); ``ci_low`` and ``ci_high`` (Feldt 1965,
        F-based); ``n`` (candidates with every question scored); ``n_items``;
        ``n_excluded`` (candidates missing some question, left out and counted);
        ``ci_method``; ``small_sample``;
        ``estimable`` and ``reason``: with ``by=``, a group where the coefficient cannot be
        computed (too few units, no variation) is kept as a row with missing estimates,
        ``estimable`` False and the reason.

    Raises
    ------
    InterviewLabError
        If a candidate has several rows for one question, if there are fewer than two
        questions or complete candidates, or if the total score has no variance.

    Notes
    -----
    alpha = k / (k - 1) * (1 - sum_j s_j^2 / s_total^2) over ``k`` items. Feldt's interval:
    ``1 - (1 - alpha) F_{1-a/2}`` to ``1 - (1 - alpha) F_{a/2}`` with F on ``n - 1`` and
    ``(n - 1)(k - 1)`` df. Candidates with any missing item are excluded (listwise) and
    counted in ``n_excluded``. The SE assumes multivariate normal scores; for
    compound-symmetric items it reduces to ``sqrt(2k (1 - alpha)^2 / ((k - 1) n))``.

    Validated against pingouin's ``cronbach_alpha`` (estimate and Feldt interval).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika, 16(3), 297-334.

    Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson
    reliability coefficient twenty. Psychometrika, 30(3), 357-370.

    van Zyl, J. M., Neudecker, H., & Nel, D. G. (2000). On the distribution of the maximum
    likelihood estimator of Cronbach's alpha. Psychometrika, 65(3), 271-280.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"candidate_id": [1, 1, 2, 2, 3, 3, 4, 4],
    ...                   "question_id": ["q1", "q2"] * 4, "score": [1, 2, 2, 2, 3, 4, 4, 5]})
    >>> round(float(cronbach_alpha(d)["estimate"].iloc[0]), 3)
    0.967
    """
    frame, by_cols = _check_common(data, [target, item, score], by, confidence)
    _check_min_n(min_n)
    rows = []
    for keys, part in _by_groups(frame, by_cols):
        _require_numeric(part, score, "Cronbach's alpha", keys)
        dup = part.duplicated([target, item], keep=False).to_numpy()
        if dup.any():
            raise InterviewLabError(
                f"{part.loc[dup, target].nunique()} candidate(s){_where(keys)} have several "
                "scores for one question (several raters?). Aggregate them first (e.g. the "
                "mean over raters) or pass by='rater_id'."
            )
        t_codes, t_levels = pd.factorize(part[target], sort=True)
        i_codes, i_levels = pd.factorize(part[item], sort=True)
        matrix = np.full((len(t_levels), len(i_levels)), np.nan)
        matrix[t_codes, i_codes] = part[score].to_numpy(dtype=float)
        complete = ~np.isnan(matrix).any(axis=1)
        matrix = matrix[complete]
        n, k = matrix.shape
        reason = ""
        if k < 2 or n < 2:
            reason = (
                f"Cronbach's alpha needs at least 2 questions and 2 complete candidates"
                f"{_where(keys)}; got {k} question(s) and {n} complete candidate(s)."
            )
        elif np.isclose(np.var(matrix.sum(axis=1)), 0.0):
            reason = f"Every candidate has the same total score{_where(keys)}, so alpha is 0/0."
        if reason:
            if not by_cols:
                raise NotEstimableError(reason)
            known = {"n": n, "n_items": k, "n_excluded": int((~complete).sum())}
            rows.append(_not_estimable(keys, NotEstimableError(reason), known))
            continue
        estimate, se = _cronbach(matrix)
        tail = (1 - confidence) / 2
        df1, df2 = n - 1, (n - 1) * (k - 1)
        ci_low = 1 - (1 - estimate) * float(stats.f.isf(tail, df1, df2))
        ci_high = 1 - (1 - estimate) * float(stats.f.isf(1 - tail, df1, df2))
        rows.append(
            {
                **keys,
                "estimate": estimate,
                "se": se,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "n": n,
                "n_items": k,
                "n_excluded": int((~complete).sum()),
                "ci_method": "Feldt (F)",
                "small_sample": n < min_n,
            }
        )
    columns = [
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "n",
        "n_items",
        "n_excluded",
        "ci_method",
        "small_sample",
    ]
    return _assemble(rows, by_cols, columns)
