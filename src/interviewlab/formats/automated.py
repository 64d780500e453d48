r"""Machine scores of recorded answers audited against the human raters, group by group.

One-way (async) interview platforms often score answers automatically. The question a
researcher or auditor asks first is whether the machine agrees with trained human raters
equally well for every group, and whether it scores one group lower than the humans do.
:func:`automated_score_audit` answers both, in the manner of the fairness analysis of
automated scoring in educational measurement (ETS's RSMTool; Loukina, Madnani & Zechner,
2019), and adds the NYC Local Law 144 scoring-rate table on the machine score beside the
same table on the human score.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from interviewlab._checks import as_list, check_fraction, require_columns, require_frame
from interviewlab.errors import InterviewLabError, SmallSampleWarning
from interviewlab.impact import scoring_rates
from interviewlab.impact._core import DEFAULT_UNKNOWN

__all__ = ["AutomatedScoreAudit", "automated_score_audit", "quadratic_weighted_kappa"]

#: the label of the row over every candidate whose group is known
ALL = "All candidates"

#: each term of :attr:`AutomatedScoreAudit.by_group`, with its label
TERMS = {
    "pearson_r": "Correlation with the human score (Pearson r)",
    "qwk": "Quadratic-weighted kappa with the human score",
    "mean_difference": "Machine minus human (score points)",
    "dsm": "Machine minus human, standardised (DSM)",
    "conditional_difference": "Machine gap at equal human score (observed human score)",
    "conditional_difference_latent": "Machine gap at equal human score (corrected for rater error)",
}


@dataclass(frozen=True)
class AutomatedScoreAudit:
    """The result of :func:`automated_score_audit`.

    Attributes
    ----------
    by_group : pandas.DataFrame
        One row per category and ``term`` (see :func:`automated_score_audit`).
    scoring_rates : pandas.DataFrame
        The NYC Local Law 144 scoring-rate tables (:func:`interviewlab.scoring_rates`)
        on the machine score and on the human score, stacked, led by ``score_source``
        (``"automated"`` or ``"human"``).
    human_error_variance : float
        The variance of one human rater's score of a candidate around the candidates'
        consensus (rater severity and rater-by-answer noise together); NaN when no
        candidate has two human raters.
    human_reliability : float
        The reliability of the human consensus score: 1 minus its mean error variance
        over its variance across candidates.
    n_candidates : int
        Candidates with a machine score and a human rating of the same answers.
    n_responses : int
        Answers with both a machine score and at least one human rating.
    """

    by_group: pd.DataFrame
    scoring_rates: pd.DataFrame
    human_error_variance: float
    human_reliability: float
    n_candidates: int
    n_responses: int


def quadratic_weighted_kappa(machine: Any, human: Any) -> float:
    r"""Quadratic-weighted kappa of two scores of the same units, on their own scale.

    Parameters
    ----------
    machine, human : array-like of float
        Two scores per unit (rubric points, decimals allowed).

    Returns
    -------
    float
        :math:`1 - \overline{(M-H)^2} / (s_M^2 + s_H^2 + (\bar M - \bar H)^2)` with
        population variances (divisor ``n``); NaN when both scores are constant and equal.

    Notes
    -----
    For whole-point scores this is exactly Cohen's (1968) weighted kappa with quadratic
    weights on the scores' values: the observed weighted disagreement is
    :math:`\overline{(M-H)^2}` and the disagreement expected by chance (from the
    margins) is :math:`s_M^2 + s_H^2 + (\bar M - \bar H)^2`. It is validated against
    ``sklearn.metrics.cohen_kappa_score(weights="quadratic")`` (whose weights are the
    squared differences of the categories' positions, the same when every point of the
    scale is observed). RSMTool (v7) uses this formula for continuous machine scores
    with divisor ``n - 1``, which differs by a factor close to ``(n - 1) / n`` in the
    chance term.

    Examples
    --------
    >>> round(quadratic_weighted_kappa([1, 2, 3, 4], [1, 2, 4, 4]), 4)
    0.9167
    """
    m = np.asarray(machine, dtype=float)
    h = np.asarray(human, dtype=float)
    if m.shape != h.shape or m.ndim != 1:
        raise InterviewLabError("machine and human must be two 1-d arrays of the same length.")
    chance = m.var() + h.var() + (m.mean() - h.mean()) ** 2
    if chance == 0:
        return float("nan")
    return float(1 - np.mean((m - h) ** 2) / chance)


def automated_score_audit(
    ratings: pd.DataFrame,
    *,
    automated: pd.DataFrame,
    group: str,
    candidates: pd.DataFrame | None = None,
    reference: str | None = None,
    answer: str | Sequence[str] = ("question_id", "format"),
    candidate: str = "candidate_id",
    rater: str = "rater_id",
    score: str = "score",
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
    min_n: int = 20,
    min_reliability: float = 0.2,
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
) -> AutomatedScoreAudit:
    r"""Agreement of machine scores with human raters, and machine-human gaps, by group.

    Parameters
    ----------
    ratings : pandas.DataFrame
        The human ratings, one row per candidate x rater x answer (``Study.ratings``).
    automated : pandas.DataFrame
        The machine scores, one row per candidate x answer (``Study.automated_scores``),
        on the rubric's scale.
    group : str
        Group column, in ``ratings`` or in ``candidates``.
    candidates : pandas.DataFrame, optional
        One row per candidate with the ``group`` column, when the ratings lack it.
    reference : str, optional
        The category the conditional differences compare with; default the most common
        known category.
    answer : str or list of str, default ("question_id", "format")
        Columns that, with the candidate, identify one answer (the unit both score).
    candidate, rater, score : str
        Column names.
    confidence : float, default 0.95
        Level of every interval.
    n_boot : int, default 2000
        Bootstrap resamples of candidates (stratified by group) for the intervals of
        the kappa and of the corrected conditional difference.
    seed : int, default 0
        Seed of the bootstrap.
    min_n : int, default 20
        Fewer candidates than this set ``small_sample``.
    min_reliability : float, default 0.2
        The corrected conditional difference is not estimated when the human score's
        reliability within groups is below this: the correction would divide by almost
        nothing.
    unknown : sequence of str, default ("unknown",)
        Group values meaning "not known" (besides missing). Candidates of unknown group
        are left out of every row, the "All candidates" row too (which is then the sum
        of the rows below it, so that no report can recover the small unknown group by
        subtraction); they count in ``n_candidates`` and in the DSM's standardisation.

    Returns
    -------
    AutomatedScoreAudit
        ``by_group`` has one row per category (``"All candidates"`` first) and term,
        with columns: the ``group`` column; ``category``; ``term`` (a stable code) and
        ``label``; ``reference`` (the category the conditional differences compare
        with); ``estimate``; ``se``; ``ci_low``, ``ci_high``; ``p_value`` (for the
        differences, NaN for agreement); ``n`` (candidates of the category; for the
        conditional differences, of the compared category); ``n_responses``;
        ``ci_method``; ``small_sample``; ``estimable`` and ``reason``. Terms:

        - ``pearson_r``: correlation of machine and human scores, Fisher-z interval;
        - ``qwk``: quadratic-weighted kappa (:func:`quadratic_weighted_kappa`),
          percentile bootstrap interval;
        - ``mean_difference``: mean machine minus human score, in score points, t
          interval over candidates;
        - ``dsm``: the difference of standardised means (RSMTool): the mean over the
          group of :math:`z_M - z_H`, each score standardised by the mean and SD of all
          candidates, t interval;
        - ``conditional_difference`` (compared categories only): the machine's gap
          between the category and the reference among candidates with the same human
          score, from the regression of the machine score on the human score and the
          group (OLS, HC3 standard errors);
        - ``conditional_difference_latent``: the same gap with the human score's
          unreliability corrected (below), bootstrap standard error, normal interval.

    Raises
    ------
    InterviewLabError
        If a column is missing, an answer has two machine scores, or no answer has
        both a machine score and a human rating.

    Notes
    -----
    *Unit.* Agreement is measured on candidates: each candidate's machine score is the
    mean of the machine's scores of the answers that humans rated too, and the human
    score is the mean over the same answers of the human raters' mean (the consensus).
    The candidate is the unit of every interval, so answers of one candidate are never
    counted as independent.

    *The human score is not the truth.* Human raters disagree, and the machine is
    compared with their consensus, which carries error. Correlation and kappa with an
    error-laden consensus understate the machine's agreement with the true score
    (attenuation). Worse for fairness, conditioning on an error-laden human score
    under-adjusts: if groups differ in true score, an unbiased machine shows a
    conditional gap in the direction of the true difference (Kelley's paradox). The
    observed-score ``conditional_difference`` is reported with this caveat; the
    ``conditional_difference_latent`` corrects it. The raters' error variance
    :math:`\sigma^2_e` is estimated from candidates with two or more human raters, as
    the pooled within-candidate variance of the raters' mean scores (as RSMTool
    estimates it from double-scored answers, generalised to any number of raters); the
    consensus of a candidate with :math:`k_c` raters has error variance
    :math:`\sigma^2_e/k_c`. The regression of the machine score on the group and the
    human score is then corrected by the method of moments for a covariate measured
    with known error variance (Fuller, 1987, section 2.2):
    :math:`\hat\beta = (X'X - \sum_c \sigma^2_e/k_c\, e e')^{-1} X'y`, with :math:`e`
    picking the human score. It assumes rater errors independent of the group and of
    the machine's errors; it is not estimated when the human score's reliability within
    groups is below ``min_reliability``.

    *Validation.* The kappa equals ``sklearn.metrics.cohen_kappa_score(weights=
    "quadratic")`` on whole-point scores; the correlation and its Fisher interval equal
    ``scipy.stats.pearsonr``; the observed conditional difference equals statsmodels'
    OLS; the DSM follows RSMTool's published formula. Simulations with a planted
    machine bias against one group (and groups differing in true score) recover it
    inside the corrected interval, and reject a null machine bias at about the nominal
    rate.

    References
    ----------
    Loukina, A., Madnani, N., & Zechner, K. (2019). The many dimensions of algorithmic
    fairness in educational applications. BEA Workshop, ACL, 1-10.
    Williamson, D. M., Xi, X., & Breyer, F. J. (2012). A framework for evaluation and use
    of automated scoring. Educational Measurement: Issues and Practice, 31(1), 2-13.
    Fuller, W. A. (1987). Measurement Error Models. Wiley.
    Cohen, J. (1968). Weighted kappa. Psychological Bulletin, 70(4), 213-220.

    Examples
    --------
    >>> import interviewlab as il
    >>> demo = il.load_study("demo")
    >>> audit = il.automated_score_audit(demo.ratings, automated=demo.automated_scores,
    ...                                  candidates=demo.candidates, group="ethnicity",
    ...                                  reference="White", n_boot=200)
    >>> row = audit.by_group.query("category == 'All candidates' and term == 'pearson_r'")
    >>> known = audit.by_group.query("category != 'All candidates' and term == 'pearson_r'")
    >>> int(row["n"].iloc[0]) == int(known["n"].sum()) <= audit.n_candidates
    True
    """
    check_fraction("confidence", confidence)
    check_fraction("min_reliability", min_reliability)
    if not isinstance(n_boot, int | np.integer) or n_boot < 100:
        raise InterviewLabError(f"n_boot={n_boot!r} must be a whole number of at least 100.")
    scores = _candidate_scores(
        ratings,
        automated,
        group=group,
        candidates=candidates,
        answer=as_list(answer),
        candidate=candidate,
        rater=rater,
        score=score,
        unknown=unknown,
    )
    error_variance = _error_variance(scores)
    known = scores[scores["category"].notna()]
    reference = _reference(known, reference)
    population = _population(scores)
    rows = [_agreement_rows(known, ALL, confidence, n_boot, seed, population)]
    for number, (value, part) in enumerate(known.groupby("category", sort=True)):
        rows.append(
            _agreement_rows(part, str(value), confidence, n_boot, seed + 1 + number, population)
        )
    conditional = _conditional_rows(
        known, reference, error_variance, confidence, n_boot, seed, min_reliability
    )
    table = pd.DataFrame([row for part in [*rows, conditional] for row in part])
    table["reference"] = reference
    table["small_sample"] = table["n"] < min_n
    table.insert(0, group, table["category"].where(table["category"] != ALL))
    columns = [
        group,
        "category",
        "term",
        "label",
        "reference",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "p_value",
        "n",
        "n_responses",
        "ci_method",
        "small_sample",
        "estimable",
        "reason",
    ]
    consensus_var = float(scores["human"].var(ddof=1)) if len(scores) > 1 else float("nan")
    mean_error = float(np.mean(error_variance / scores["k"]))
    return AutomatedScoreAudit(
        by_group=table[columns],
        scoring_rates=_scoring_tables(scores, group, confidence, unknown),
        human_error_variance=float(error_variance),
        human_reliability=1 - mean_error / consensus_var if consensus_var > 0 else float("nan"),
        n_candidates=len(scores),
        n_responses=int(scores["n_responses"].sum()),
    )


# ------------------------------------------------------------------ candidate scores
def _candidate_scores(
    ratings: pd.DataFrame,
    automated: pd.DataFrame,
    *,
    group: str,
    candidates: pd.DataFrame | None,
    answer: list[str],
    candidate: str,
    rater: str,
    score: str,
    unknown: Sequence[str],
) -> pd.DataFrame:
    """One row per candidate: machine, human consensus, raters, within-candidate spread."""
    human = require_frame(ratings, "ratings")
    machine = require_frame(automated, "automated")
    key = [candidate, *answer]
    require_columns(human, [*key, rater, score], "the ratings")
    require_columns(machine, [*key, score], "the automated scores")
    twice = machine.duplicated(key)
    if twice.any():
        first = machine.loc[twice, key].iloc[0].tolist()
        raise InterviewLabError(
            f"{int(twice.sum())} answer(s) have more than one machine score (e.g. {first}); "
            "audit one scoring engine at a time (filter the automated scores by rater_id)."
        )
    per_answer = human.groupby(key, observed=True, sort=False)[score].mean().rename("human")
    matched = (
        machine.set_index(key)[score].rename("machine").to_frame().join(per_answer, how="inner")
    )
    if matched.empty:
        raise InterviewLabError(
            "No answer has both a machine score and a human rating: the audit compares the "
            "two on the same answers (same candidate and " + ", ".join(answer) + ")."
        )
    matched = matched.reset_index()
    out = matched.groupby(candidate, sort=True).agg(
        machine=("machine", "mean"), human=("human", "mean"), n_responses=("machine", "size")
    )
    rated = human.merge(matched[key], on=key, how="inner")
    by_rater = rated.groupby([candidate, rater], observed=True)[score].mean()
    spread = by_rater.groupby(level=0).agg(["size", "var"])
    out["k"] = spread["size"].reindex(out.index).astype(int)
    df = (out["k"] - 1).clip(lower=0)
    out["df"] = df
    out["ss"] = (spread["var"].reindex(out.index).fillna(0.0) * df).to_numpy()
    out["category"] = _categories(out.index, human, candidates, group, candidate, unknown)
    return out.reset_index()


def _categories(
    index: pd.Index,
    ratings: pd.DataFrame,
    candidates: pd.DataFrame | None,
    group: str,
    candidate: str,
    unknown: Sequence[str],
) -> np.ndarray:
    """Each candidate's category (NaN for missing and unknown values)."""
    if candidates is not None:
        require_columns(candidates, [candidate, group], "the candidates")
        lookup = candidates.drop_duplicates(candidate).set_index(candidate)[group]
    elif group in ratings.columns:
        lookup = ratings.drop_duplicates(candidate).set_index(candidate)[group]
    else:
        raise InterviewLabError(
            f"The ratings have no group column {group!r}; pass candidates= with it."
        )
    values = pd.Series(lookup.reindex(index).to_numpy(), dtype=object)
    missing = values.isna() | values.astype(str).str.strip().str.lower().isin(
        [u.lower() for u in unknown]
    )
    return values.where(~missing).astype(object).to_numpy()


def _error_variance(scores: pd.DataFrame) -> float:
    """Pooled within-candidate variance of the human raters' mean scores (NaN: no pairs)."""
    df = float(scores["df"].sum())
    return float(scores["ss"].sum() / df) if df > 0 else float("nan")


def _reference(known: pd.DataFrame, reference: str | None) -> str:
    counts = known["category"].value_counts()
    if counts.empty:
        raise InterviewLabError("No candidate with a machine score has a known group.")
    if reference is None:
        return str(counts.sort_index().idxmax())
    if reference not in counts.index:
        raise InterviewLabError(
            f"reference={reference!r} is not a category of the machine-scored candidates; "
            f"they are {sorted(map(str, counts.index))}."
        )
    return reference


# ------------------------------------------------------------------ agreement
def _row(term: str, category: str, part: pd.DataFrame, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "category": category,
        "term": term,
        "label": TERMS[term],
        "estimate": np.nan,
        "se": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "p_value": np.nan,
        "n": len(part),
        "n_responses": int(part["n_responses"].sum()),
        "ci_method": "",
        "estimable": True,
        "reason": "",
    }
    row.update(values)
    return row


def _not_estimable(term: str, category: str, part: pd.DataFrame, reason: str) -> dict[str, Any]:
    return _row(term, category, part, estimable=False, reason=reason, ci_method="none")


def _agreement_rows(
    part: pd.DataFrame,
    category: str,
    confidence: float,
    n_boot: int,
    seed: int,
    population: tuple[float, float, float, float],
) -> list[dict[str, Any]]:
    """Pearson r, QWK, mean difference and DSM for one group of candidates."""
    m, h = part["machine"].to_numpy(), part["human"].to_numpy()
    n = len(part)
    rows = []
    if n < 4 or np.ptp(m) == 0 or np.ptp(h) == 0:
        why = "fewer than 4 candidates" if n < 4 else "one of the scores does not vary"
        rows.append(_not_estimable("pearson_r", category, part, why))
    else:
        test = stats.pearsonr(m, h)
        ci = test.confidence_interval(confidence)
        rows.append(
            _row(
                "pearson_r",
                category,
                part,
                estimate=float(test.statistic),
                se=1 / np.sqrt(n - 3),
                ci_low=ci.low,
                ci_high=ci.high,
                ci_method="Fisher z",
            )
        )
    rows.append(_qwk_row(part, category, confidence, n_boot, seed))
    rows.append(_mean_row("mean_difference", category, part, m - h, confidence))
    return [*rows, _dsm_row(part, category, confidence, population)]


def _qwk_row(
    part: pd.DataFrame, category: str, confidence: float, n_boot: int, seed: int
) -> dict[str, Any]:
    m, h = part["machine"].to_numpy(), part["human"].to_numpy()
    estimate = quadratic_weighted_kappa(m, h)
    if len(part) < 4 or not np.isfinite(estimate):
        why = "fewer than 4 candidates" if len(part) < 4 else "both scores are constant"
        return _not_estimable("qwk", category, part, why)
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(part), np.full(len(part), 1 / len(part)), size=n_boot)
    weights = counts / len(part)
    mean_m, mean_h = weights @ m, weights @ h
    var_m = weights @ m**2 - mean_m**2
    var_h = weights @ h**2 - mean_h**2
    chance = var_m + var_h + (mean_m - mean_h) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kappas = 1 - (weights @ (m - h) ** 2) / chance
    alpha = 1 - confidence
    low, high = np.nanquantile(kappas, [alpha / 2, 1 - alpha / 2])
    return _row(
        "qwk",
        category,
        part,
        estimate=estimate,
        se=float(np.nanstd(kappas, ddof=1)),
        ci_low=float(low),
        ci_high=float(high),
        ci_method=f"percentile bootstrap ({n_boot} resamples of candidates)",
    )


def _mean_row(
    term: str, category: str, part: pd.DataFrame, values: np.ndarray, confidence: float
) -> dict[str, Any]:
    if len(values) < 2 or np.ptp(values) == 0:
        return _not_estimable(term, category, part, "fewer than 2 candidates or no variation")
    test = stats.ttest_1samp(values, 0.0)
    ci = test.confidence_interval(confidence)
    return _row(
        term,
        category,
        part,
        estimate=float(values.mean()),
        se=float(values.std(ddof=1) / np.sqrt(len(values))),
        ci_low=float(ci.low),
        ci_high=float(ci.high),
        p_value=float(test.pvalue),
        ci_method="t over candidates",
    )


def _dsm_row(
    part: pd.DataFrame,
    category: str,
    confidence: float,
    population: tuple[float, float, float, float],
) -> dict[str, Any]:
    """RSMTool's DSM, each score standardised by all candidates' mean and SD."""
    mean_m, sd_m, mean_h, sd_h = population
    z = (part["machine"].to_numpy() - mean_m) / sd_m - (part["human"].to_numpy() - mean_h) / sd_h
    row = _mean_row("dsm", category, part, z, confidence)
    if row["estimable"]:
        row["ci_method"] = "t over candidates (whole-sample means and SDs taken as known)"
    return row


def _population(scores: pd.DataFrame) -> tuple[float, float, float, float]:
    m, h = scores["machine"], scores["human"]
    return float(m.mean()), float(m.std(ddof=1)), float(h.mean()), float(h.std(ddof=1))


# ------------------------------------------------------------------ conditional differences
def _design(known: pd.DataFrame, reference: str) -> tuple[np.ndarray, list[str]]:
    """Columns: intercept, one indicator per compared category, the human score."""
    compared = sorted(c for c in map(str, known["category"].unique()) if c != reference)
    category = known["category"].astype(str).to_numpy()
    columns = [np.ones(len(known))]
    columns += [(category == c).astype(float) for c in compared]
    columns.append(known["human"].to_numpy(dtype=float))
    return np.column_stack(columns), compared


def _conditional_rows(
    known: pd.DataFrame,
    reference: str,
    error_variance: float,
    confidence: float,
    n_boot: int,
    seed: int,
    min_reliability: float,
) -> list[dict[str, Any]]:
    import statsmodels.api as sm

    x, compared = _design(known, reference)
    y = known["machine"].to_numpy(dtype=float)
    rows: list[dict[str, Any]] = []
    if not compared or len(known) <= x.shape[1] + 1:
        return rows
    fit = sm.OLS(y, x).fit(cov_type="HC3")
    ci = fit.conf_int(1 - confidence)
    latent = _latent_fit(known, x, y, error_variance, confidence, n_boot, seed, min_reliability)
    category = known["category"].astype(str)
    for j, value in enumerate(compared, start=1):
        part = known[(category == value).to_numpy()]
        rows.append(
            _row(
                "conditional_difference",
                value,
                part,
                estimate=float(fit.params[j]),
                se=float(fit.bse[j]),
                ci_low=float(ci[j, 0]),
                ci_high=float(ci[j, 1]),
                p_value=float(fit.pvalues[j]),
                ci_method="OLS on the human score and group, HC3",
            )
        )
        rows.append(latent(j, value, part))
    return rows


def _latent_fit(
    known: pd.DataFrame,
    x: np.ndarray,
    y: np.ndarray,
    error_variance: float,
    confidence: float,
    n_boot: int,
    seed: int,
    min_reliability: float,
) -> Any:
    """A function giving the corrected row of compared category ``j`` (or why not)."""
    term = "conditional_difference_latent"
    reason = _latent_reason(known, x, error_variance, min_reliability)
    if reason:
        return lambda j, value, part: _not_estimable(term, value, part, reason)
    estimate = _eiv(x, y, known["k"].to_numpy(), np.ones((1, len(y))), error_variance)[0]
    weights = _stratified_weights(known["category"].astype(str).to_numpy(), n_boot, seed)
    ss, df = known["ss"].to_numpy(), known["df"].to_numpy(dtype=float)
    boot_error = (weights @ ss) / np.maximum(weights @ df, 1e-12)
    draws = _eiv(x, y, known["k"].to_numpy(), weights, boot_error)
    se = np.nanstd(draws, axis=0, ddof=1)
    z = stats.norm.ppf(0.5 + confidence / 2)

    def row(j: int, value: str, part: pd.DataFrame) -> dict[str, Any]:
        t = estimate[j] / se[j]
        return _row(
            term,
            value,
            part,
            estimate=float(estimate[j]),
            se=float(se[j]),
            ci_low=float(estimate[j] - z * se[j]),
            ci_high=float(estimate[j] + z * se[j]),
            p_value=float(2 * stats.norm.sf(abs(t))),
            ci_method=f"errors-in-variables (Fuller), bootstrap SE ({n_boot} "
            "resamples of candidates within groups), normal",
        )

    return row


def _latent_reason(
    known: pd.DataFrame, x: np.ndarray, error_variance: float, min_reliability: float
) -> str:
    if not np.isfinite(error_variance):
        return (
            "no candidate was rated by two or more humans, so the raters' error cannot be estimated"
        )
    groups = x[:, :-1]
    coef, *_ = np.linalg.lstsq(groups, x[:, -1], rcond=None)
    within = float(np.var(x[:, -1] - groups @ coef))
    error = float(np.mean(error_variance / known["k"].to_numpy()))
    reliability = 1 - error / within if within > 0 else -np.inf
    if reliability < min_reliability:
        return (
            f"the human score's reliability within groups ({reliability:.2f}) is below "
            f"{min_reliability:g}: too unreliable to correct"
        )
    return ""


def _stratified_weights(strata: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """Bootstrap counts (n_boot x n): each stratum resampled with its own size."""
    rng = np.random.default_rng(seed)
    weights = np.zeros((n_boot, strata.size))
    for value in np.unique(strata):
        members = np.flatnonzero(strata == value)
        counts = rng.multinomial(members.size, np.full(members.size, 1 / members.size), n_boot)
        weights[:, members] = counts
    return weights


def _eiv(
    x: np.ndarray, y: np.ndarray, k: np.ndarray, weights: np.ndarray, error: Any
) -> np.ndarray:
    """Fuller's corrected least squares for each row of ``weights`` (n_rep x p)."""
    design = x
    p = design.shape[1]
    outer = np.einsum("ni,nj->nij", design, design).reshape(len(y), p * p)
    moment = (weights @ outer).reshape(-1, p, p)
    correction = (weights @ (1.0 / k)) * np.asarray(error, dtype=float)
    moment[:, p - 1, p - 1] -= correction
    target = weights @ (design * y[:, None])
    with np.errstate(invalid="ignore"):
        try:
            return np.linalg.solve(moment, target[..., None])[..., 0]
        except np.linalg.LinAlgError:
            out = np.full((len(weights), p), np.nan)
            for b in range(len(weights)):
                out[b] = np.linalg.lstsq(moment[b], target[b], rcond=None)[0]
            return out


# ------------------------------------------------------------------ LL144 tables
def _scoring_tables(
    scores: pd.DataFrame, group: str, confidence: float, unknown: Sequence[str]
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {group: scores["category"], "automated": scores["machine"], "human": scores["human"]}
    )
    pieces = []
    for source in ("automated", "human"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallSampleWarning)
            table = scoring_rates(
                frame, group=group, score=source, confidence=confidence, unknown=unknown
            )
        table.insert(0, "score_source", source)
        pieces.append(table)
    return pd.concat(pieces, ignore_index=True)
