"""Score gaps between groups (Hedges' g with intervals), overall and per question."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from interviewlab._checks import (
    check_choice,
    check_fraction,
    require_columns,
    require_frame,
    sentence_end,
)
from interviewlab.errors import InterviewLabError
from interviewlab.impact._core import (
    DEFAULT_UNKNOWN,
    P_ADJUST_METHODS,
    UNKNOWN_LABEL,
)
from interviewlab.impact.scoring import (
    _check_score,
)

# ------------------------------------------------------------------ score gaps


def score_gaps(
    data: pd.DataFrame,
    *,
    group: str,
    score: str,
    reference: Hashable,
    confidence: float = 0.95,
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
) -> pd.DataFrame:
    r"""Standardised score gap (Hedges' g) of each group against a reference group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per candidate with a numeric ``score`` (e.g. a rubric total).
    group : str
        Group column.
    score : str
        Numeric score column (no missing values).
    reference : hashable
        The reference group's value.
    confidence : float, default 0.95
        Level of the interval for g.
    unknown : sequence of str, default ("unknown",)
        Values meaning "not known"; pooled in an ``unknown`` row, not compared.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``group`` (value), ``role`` ("reference", "compared",
        "unknown"), ``n``, ``mean``, ``sd`` (n - 1), ``difference`` (mean minus the
        reference mean), ``d`` (Hedges' g: negative when the group scores lower),
        ``ci_low``, ``ci_high``, ``t`` and ``df`` (Welch), ``p_value`` (two-sided
        Welch t test), ``small_sample`` (either group under 20).

    Notes
    -----
    :math:`g = J\,(\bar x_g - \bar x_r)/s_p` with the pooled SD
    :math:`s_p` and :math:`J = 1 - 3/(4(n_g+n_r)-9)` (Hedges, 1981). Its standard
    error is :math:`\sqrt{(n_g+n_r)/(n_g n_r) + g^2/(2(n_g+n_r))}` and the interval
    uses the t quantile with :math:`n_g+n_r-2` df, as pingouin's ``compute_esci``
    (validated against ``pingouin.compute_effsize(eftype="hedges")`` and
    ``compute_esci``). The p-value is Welch's t test (``scipy.stats.ttest_ind`` with
    ``equal_var=False`` in the tests), which does not assume equal variances even
    though g standardises by the pooled SD.

    References
    ----------
    Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and
    related estimators. Journal of Educational Statistics, 6, 107-128.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sex": ["F"] * 3 + ["M"] * 3, "score": [1.0, 2, 3, 2, 3, 4]})
    >>> score_gaps(df, group="sex", score="score", reference="M")[["group", "mean", "d"]]
      group  mean      d
    0     F   2.0 -0.8
    1     M   3.0  0.0
    """
    frame = require_frame(data)
    check_fraction("confidence", confidence)
    require_columns(frame, [group, score])
    _check_score(frame, score)
    values = frame[group]
    unknown_set = {str(u).strip().casefold() for u in unknown}
    is_unknown = values.isna() | values.astype(str).str.strip().str.casefold().isin(unknown_set)
    labels = values.astype(object).where(~is_unknown, UNKNOWN_LABEL)
    summary = frame[score].groupby(labels.to_numpy(), sort=True).agg(["size", "mean", "var"])
    if reference not in summary.index or reference == UNKNOWN_LABEL:
        have = ", ".join(map(str, summary.index))
        raise InterviewLabError(
            f"No candidate has {group} == {reference!r}; groups: {sentence_end(have)}."
        )
    n = summary["size"].to_numpy(dtype=float)
    mean = summary["mean"].to_numpy(dtype=float)
    var = summary["var"].to_numpy(dtype=float)
    ref = summary.index.get_loc(reference)
    n0, m0, v0 = n[ref], mean[ref], var[ref]
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = np.sqrt(((n - 1) * var + (n0 - 1) * v0) / (n + n0 - 2))
        j = 1 - 3 / (4 * (n + n0) - 9)
        g = j * (mean - m0) / pooled
        se = np.sqrt((n + n0) / (n * n0) + g**2 / (2 * (n + n0)))
        crit = stats.t.ppf(0.5 + confidence / 2, n + n0 - 2)
        se_w = np.sqrt(var / n + v0 / n0)
        t = (mean - m0) / se_w
        df = se_w**4 / ((var / n) ** 2 / (n - 1) + (v0 / n0) ** 2 / (n0 - 1))
        p = 2 * stats.t.sf(np.abs(t), df)
    role = np.where(summary.index == UNKNOWN_LABEL, "unknown", "compared").astype(object)
    role[ref] = "reference"
    compared = role == "compared"
    out = pd.DataFrame(
        {
            "group": summary.index.to_numpy(dtype=object),
            "role": role,
            "n": n.astype(np.int64),
            "mean": mean,
            "sd": np.sqrt(var),
            "difference": np.where(role != "unknown", mean - m0, np.nan),
            "d": np.where(compared, g, np.where(role == "reference", 0.0, np.nan)),
            "ci_low": np.where(compared, g - crit * se, np.nan),
            "ci_high": np.where(compared, g + crit * se, np.nan),
            "t": np.where(compared, t, np.nan),
            "df": np.where(compared, df, np.nan),
            "p_value": np.where(compared, p, np.nan),
            "small_sample": (n < 20) | (n0 < 20),
        }
    )
    return out


def question_gaps(
    ratings: pd.DataFrame,
    *,
    group: str,
    reference: Hashable,
    question: str = "question_id",
    score: str = "score",
    candidate: str = "candidate_id",
    confidence: float = 0.95,
    p_adjust: str = "holm",
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
) -> pd.DataFrame:
    """Does one question open a group gap the others do not? (a DIF-style check).

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long ratings: one row per candidate x question (x rater); several ratings of
        the same candidate and question are averaged. ``group`` must be constant within
        a candidate.
    group : str
        Candidate group column (in ``ratings``).
    reference : hashable
        The reference group's value.
    question, score, candidate : str
        Column names of the question, the score and the candidate.
    confidence : float, default 0.95
        Level of the intervals.
    p_adjust : str, default "holm"
        Adjustment across all question x group coefficients (``multipletests``).
    unknown : sequence of str, default ("unknown",)
        Group values meaning "not known": those candidates are left out of the models
        and counted in ``n_unknown``.

    Returns
    -------
    pandas.DataFrame
        One row per question and non-reference group: ``question``, ``group``, ``n``
        (candidates in the model), ``n_group`` (of them, in the group), ``estimate``
        (the group's coefficient: its mean question score minus the reference's at
        equal rest score), ``se``, ``ci_low``, ``ci_high``, ``p_value``, ``p_adjusted``,
        ``n_unknown`` (candidates with an unknown group, not used).

    Notes
    -----
    For each question, an OLS regression (``statsmodels.api.OLS``) of the candidate's
    mean score on that question on the rest score (the mean of the candidate's other
    questions) and group indicators. Conditioning on the rest score separates a
    question-specific gap (differential functioning) from an overall gap that every
    question shares. Candidates missing the question, or with no other question, are
    left out of that question's model. The rest score is measured with error, so a
    large overall gap can leak into each coefficient; read the coefficients side by
    side rather than against zero alone. Validated against
    ``pingouin.linear_regression``.

    References
    ----------
    Swaminathan, H., & Rogers, H. J. (1990). Detecting differential item functioning
    using logistic regression procedures. JEM, 27, 361-370.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = []
    >>> for cid, (sex, scores) in enumerate([("F", [3, 4, 1]), ("F", [4, 5, 2]),
    ...                                      ("F", [2, 3, 1]), ("M", [3, 4, 4]),
    ...                                      ("M", [4, 4, 5]), ("M", [2, 3, 3])]):
    ...     rows += [(cid, sex, q, s) for q, s in zip("abc", scores)]
    >>> r = pd.DataFrame(rows, columns=["candidate_id", "sex", "question_id", "score"])
    >>> out = question_gaps(r, group="sex", reference="M")
    >>> out[["question", "group", "n"]]
      question group  n
    0        a     F  6
    1        b     F  6
    2        c     F  6
    """
    from statsmodels.regression.linear_model import OLS  # not statsmodels.api (0.3 s more)
    from statsmodels.stats.multitest import multipletests

    frame = require_frame(ratings, "ratings")
    check_fraction("confidence", confidence)
    check_choice("p_adjust", p_adjust, P_ADJUST_METHODS)
    require_columns(frame, [group, question, score, candidate], "ratings")
    _check_score(frame, score)
    per_candidate = frame.groupby(candidate, sort=True)[group]
    varying = per_candidate.nunique(dropna=False) > 1
    if varying.any():
        raise InterviewLabError(
            f"{int(varying.sum())} candidate(s) have more than one {group!r} value "
            f"(e.g. {varying[varying].index[0]!r}); a candidate's group must be constant."
        )
    groups = per_candidate.first()
    unknown_set = {str(u).strip().casefold() for u in unknown}
    is_unknown = groups.isna() | groups.astype(str).str.strip().str.casefold().isin(unknown_set)
    if reference not in set(groups[~is_unknown]):
        raise InterviewLabError(f"No candidate has {group} == {reference!r}.")
    n_unknown = int(is_unknown.sum())
    groups = groups[~is_unknown]
    wide = frame.pivot_table(index=candidate, columns=question, values=score, aggfunc="mean")
    wide = wide.loc[groups.index]
    others = [g for g in sorted(groups.unique(), key=str) if g != reference]
    if not others:
        raise InterviewLabError("Only the reference group is present; nothing to compare.")
    dummies = np.column_stack([(groups == g).to_numpy(dtype=float) for g in others])
    answered = wide.notna().to_numpy()
    totals = np.nansum(wide.to_numpy(), axis=1)
    counts = answered.sum(axis=1)
    rows = []
    for j, q in enumerate(wide.columns):
        y = wide[q].to_numpy(dtype=float)
        rest_n = counts - answered[:, j]
        use = answered[:, j] & (rest_n > 0)
        rest = np.where(use, (totals - np.nan_to_num(y)) / np.where(rest_n > 0, rest_n, 1), 0)
        x = np.column_stack([np.ones(use.sum()), rest[use], dummies[use]])
        keep = x[:, 2:].sum(axis=0) > 0
        design = x[:, np.r_[True, True, keep]]
        fit = OLS(y[use], design).fit()
        params = np.asarray(fit.params)
        bse = np.asarray(fit.bse)
        pvalues = np.asarray(fit.pvalues)
        crit = stats.t.ppf(0.5 + confidence / 2, fit.df_resid)
        k = 2
        for g, present in zip(others, keep, strict=True):
            if not present:
                continue
            rows.append(
                {
                    "question": q,
                    "group": g,
                    "n": int(use.sum()),
                    "n_group": int(dummies[use][:, others.index(g)].sum()),
                    "estimate": params[k],
                    "se": bse[k],
                    "ci_low": params[k] - crit * bse[k],
                    "ci_high": params[k] + crit * bse[k],
                    "p_value": pvalues[k],
                }
            )
            k += 1
    out = pd.DataFrame(rows)
    p = out["p_value"].to_numpy(dtype=float)
    out["p_adjusted"] = p if p_adjust == "none" else multipletests(p, method=p_adjust)[1]
    out["n_unknown"] = n_unknown
    return out
