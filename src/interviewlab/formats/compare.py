"""Whether async (recorded) and live interviews rate people differently, and for whom."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from interviewlab._checks import as_list, check_choice, check_fraction
from interviewlab.errors import InterviewLabError, NotEstimableError
from interviewlab.formats._model import (
    DEFAULT_UNKNOWN,
    RatingColumns,
    _fit_formats,
    _FormatModel,
    _prepare,
)

__all__ = ["compare_formats", "equivalence_test"]

#: columns of compare_formats' result, in order
COLUMNS = [
    "effect",
    "kind",
    "group",
    "format",
    "estimate",
    "se",
    "df",
    "ci_low",
    "ci_high",
    "p_value",
    "d",
    "d_ci_low",
    "d_ci_high",
    "n_candidates",
    "n_ratings",
    "small_sample",
    "estimable",
    "reason",
    "design",
]

ALIASED_COVARIATE = (
    "not estimable: the covariate is aliased with the format, the groups or the other "
    "covariates (a linear combination of them in these data), so its column was dropped, "
    "as lme4 does"
)


def _format_model(
    ratings: pd.DataFrame,
    candidates: pd.DataFrame | None,
    *,
    group: str | None,
    reference: Hashable | None,
    formats: Sequence[str],
    design: str,
    order: str | None,
    covariates: str | Sequence[str] | None,
    panel: str | None,
    columns: RatingColumns,
    unknown: Sequence[str],
    confidence: float,
) -> _FormatModel:
    check_fraction("confidence", confidence)
    pair = tuple(formats)
    if len(pair) != 2:
        raise InterviewLabError(
            f"formats={formats!r} must name two formats: (focal, reference), e.g. "
            "('async', 'live')."
        )
    prepared = _prepare(
        ratings,
        candidates,
        group=group,
        reference=reference,
        formats=(str(pair[0]), str(pair[1])),
        design=design,
        order=order,
        covariates=as_list(covariates),
        columns=columns,
        panel=panel,
        unknown=unknown,
    )
    return _fit_formats(prepared, confidence=confidence)


def _effect_table(model: _FormatModel, covariates: list[str], small_n: int) -> pd.DataFrame:
    """One row per effect (and per covariate coefficient)."""
    fit = model.fit
    assert fit is not None
    cand = model.frame["cand"].to_numpy()
    rows = []
    for e in model.effects:
        row: dict[str, object] = {
            "effect": e.effect,
            "kind": e.kind,
            "group": e.group,
            "format": e.format,
            "n_candidates": int(pd.unique(cand[e.candidates]).size),
            "n_ratings": int(e.candidates.sum()),
            "small_sample": bool(min(e.focal_counts) < small_n),
            "estimable": e.estimable,
            "reason": e.reason,
        }
        if e.estimable:
            test = fit.contrast(e.weights).iloc[0]
            row.update({k: float(test[k]) for k in ("estimate", "se", "df", "ci_low", "ci_high")})
            row["p_value"] = float(test["p_value"])
        else:
            row.update(
                dict.fromkeys(("estimate", "se", "df", "ci_low", "ci_high", "p_value"), np.nan)
            )
        rows.append(row)
    fixed = fit.fixed.set_index("term")
    everyone = len(model.frame)
    terms = pd.Series([*fixed.index, *model.aliased], dtype=object)
    for i, name in enumerate(covariates):
        col = f"c{i}"
        for term in terms[terms.str.match(rf"^(C\({col}\)\[T\.|{col}$)")]:
            level = term.split("[T.", 1)[1][:-1] if "[T." in term else ""
            row = {
                "effect": f"covariate: {name}" + (f" = {level}" if level else ""),
                "kind": "covariate",
                "group": "",
                "format": "",
                "n_candidates": int(pd.unique(cand).size),
                "n_ratings": everyone,
                "small_sample": False,
            }
            keys = ["estimate", "se", "df", "ci_low", "ci_high", "p_value"]
            if term in model.aliased:
                row |= dict.fromkeys(keys, np.nan)
                row |= {"estimable": False, "reason": ALIASED_COVARIATE}
            else:
                values = fixed.loc[term, keys].to_numpy(dtype=float)
                row |= dict(zip(keys, map(float, values), strict=True))
                row |= {"estimable": True, "reason": ""}
            rows.append(row)
    out = pd.DataFrame(rows)
    for end in ("", "_ci_low", "_ci_high"):
        source = "estimate" if not end else end[1:]
        out["d" + end] = out[source] / model.sd_total
    out["design"] = model.design
    return out[COLUMNS]


def compare_formats(
    ratings: pd.DataFrame,
    *,
    candidates: pd.DataFrame | None = None,
    group: str | None = None,
    reference: Hashable | None = None,
    design: str = "auto",
    formats: Sequence[str] = ("async", "live"),
    order: str | None = "format_order",
    covariates: str | Sequence[str] | None = None,
    panel: str | None = None,
    candidate: str = "candidate_id",
    rater: str = "rater_id",
    question: str = "question_id",
    format_column: str = "format",
    score: str = "score",
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
    confidence: float = 0.95,
    small_n: int = 30,
) -> pd.DataFrame:
    """Format effect, group gap in each format and their interaction, from one mixed model.

    Parameters
    ----------
    ratings : pandas.DataFrame
        One row per rating: candidate, rater, question, format and score.
    candidates : pandas.DataFrame, optional
        One row per candidate; supplies ``group``, ``order`` and covariate columns not
        found in ``ratings``.
    group : str, optional
        Candidate group column (e.g. ``"ethnicity"``). Without it, only the format
        effect (and order effects) are estimated.
    reference : hashable, optional
        Reference group; default: the group with most candidates.
    design : {"auto", "between", "within", "rated_twice"}
        ``"between"``: each candidate took one format. ``"within"``: candidates took
        both, in an order recorded in ``order``. ``"rated_twice"``: one interview rated
        live and from its recording. ``"auto"`` detects it: one format per candidate is
        between; both formats with an ``order`` column is within, without one rated twice.
    formats : (str, str), default ("async", "live")
        The focal and the reference format labels; effects are focal minus reference.
    order : str or None, default "format_order"
        Column saying ``"<focal> first"`` or ``"<reference> first"`` (within designs).
    covariates : str or list of str, optional
        Columns added to the model as fixed effects by name (e.g.
        ``"recording_quality"``, ``"internal"``, a panel-composition share); numeric
        columns enter linearly, others as categories.
    panel : str, optional
        Panel column, added as a random intercept (raters within panels).
    candidate, rater, question, format_column, score : str
        Column names.
    unknown : sequence of str, default ("unknown",)
        Group values meaning "not known": those candidates are left out (with a warning).
    confidence : float, default 0.95
        Level of the intervals.
    small_n : int, default 30
        A row is flagged ``small_sample`` when a cell it rests on (candidates of a group
        in a format) has fewer candidates than this.

    Returns
    -------
    pandas.DataFrame
        One row per effect: ``effect`` (in words), ``kind`` (``format``, ``gap``,
        ``interaction``, ``period``, ``carryover``, ``covariate``), ``group`` (the group
        the row is about, or ""), ``format`` (for gaps: the format the gap is measured
        in), ``estimate`` (score points), ``se``, ``df`` (Satterthwaite), ``ci_low``,
        ``ci_high``, ``p_value`` (t test), ``d``, ``d_ci_low``, ``d_ci_high`` (the
        estimate and its interval in SDs of a single rating), ``n_candidates``,
        ``n_ratings`` (the candidates and ratings the effect rests on), ``small_sample``,
        ``estimable`` and ``reason`` (why a row has no estimate), ``design``.

    Notes
    -----
    The model is ``score ~ format x group + question [+ sequence + period]
    [+ covariates] + (1 | candidate) + (1 | rater) [+ (1 | candidate:format)]
    [+ (1 | panel)]``, fitted by REML with :func:`interviewlab.fit_mixed`. The
    ``candidate:format`` intercept (within and rated-twice designs) lets a candidate's
    two interviews or two ratings differ beyond the format effect, so the format effect
    is tested against that variation. In a balanced design this is the paired t test
    for a rated-twice design, and, with sequence and period in the model, the 2x2
    crossover analysis for a within design (Senn 2002: half the difference between the
    two sequences' mean period differences, on n - 2 df).
    Effects are contrasts of the coefficients tested with Satterthwaite df (as R's
    lmerTest): the format effect for the reference group is the ``format``
    coefficient, for group ``g`` it adds ``format:g``, and "all candidates" averages the
    groups weighted by their share of candidates; the gap of ``g`` is ``g`` in the
    reference format and ``g + format:g`` in the focal one; the interaction
    ``format:g`` says by how much the focal format widens (negative) or narrows the gap.
    In a within design ``period`` (second interview minus first: practice) and
    ``sequence`` (focal format first minus reference first; in a two-period crossover
    this is the carry-over, aliased with the sequence groups) are estimated too.

    ``d`` divides by the SD of a single rating (all variance components summed; Westfall,
    Kenny & Judd 2014), taken as known: its interval is the score interval rescaled.

    When each candidate took one format and no rater rated both, format is confounded
    with the rater pool: the format and interaction rows are returned as not estimable
    with the reason, and the gaps within each format are still estimated. A group seen
    in one format only gets not-estimable rows for what needs the other format.

    When the fixed-effects design is rank deficient (the reference group was rated in
    one format only, a covariate repeats the format, ...), its aliased columns are
    dropped as lme4 does: from left to right, a column is dropped when less than 1e-7
    of its norm is outside the span of the columns kept before it (R's ``qr(X, LAPACK =
    FALSE)``), and the rest is fitted. A row is then estimated when its contrast is
    estimable (orthogonal to the null space of the full design; its value does not
    depend on which column was dropped) and otherwise returned as not estimable with the
    reason; a dropped covariate's row too. With a reference group seen in one format,
    the format effects of the other groups and the gaps in the reference group's format
    remain, and the same data with another reference give the same values.

    Validated by simulation with planted effects (``tests/formats``); the mixed-model
    tests agree with R lmerTest to 1e-3 (``tests/models/test_satterthwaite.py``); with
    the reference group in one format only, the estimable rows equal lmerTest's
    ``contest1D`` on lmer's fit without the aliased column to 1e-6, and the rows not
    estimable are those R finds outside the design's row space
    (``tests/formats/lmertest``).

    References
    ----------
    Blacksmith, N., Willford, J. C. & Behrend, T. S. (2016). Technology in the
    employment interview: a meta-analysis and future research agenda. Personnel
    Assessment and Decisions, 2(1), 12-20.

    Kuznetsova, A., Brockhoff, P. B. & Christensen, R. H. B. (2017). lmerTest package:
    tests in linear mixed effects models. Journal of Statistical Software, 82(13).

    Senn, S. (2002). Cross-over Trials in Clinical Research (2nd ed.). Wiley.

    Westfall, J., Kenny, D. A. & Judd, C. M. (2014). Statistical power and optimal
    design in experiments in which samples of participants respond to samples of
    stimuli. Journal of Experimental Psychology: General, 143(5), 2020-2045.

    Examples
    --------
    >>> import warnings
    >>> import interviewlab as il
    >>> study = il.load_study("demo")
    >>> with warnings.catch_warnings():  # 12 candidates with an unknown ethnicity
    ...     warnings.simplefilter("ignore", il.InterviewLabWarning)
    ...     res = compare_formats(study.ratings, candidates=study.candidates,
    ...                           group="ethnicity", reference="White")
    >>> res.loc[res["kind"] == "interaction", ["group", "estimate", "ci_low", "ci_high"]].round(2)
        group  estimate  ci_low  ci_high
    5   Asian     -0.11   -0.49     0.27
    9   Black     -0.13   -0.54     0.28
    13  Mixed     -0.00   -0.47     0.46
    17  Other     -0.24   -0.81     0.34
    >>> str(res["design"].iloc[0])
    'between'
    """
    if not isinstance(small_n, int) or small_n < 1:
        raise InterviewLabError(f"small_n={small_n!r} must be a positive whole number.")
    model = _format_model(
        ratings,
        candidates,
        group=group,
        reference=reference,
        formats=formats,
        design=design,
        order=order,
        covariates=covariates,
        panel=panel,
        columns=RatingColumns(
            candidate=candidate,
            rater=rater,
            question=question,
            format=format_column,
            score=score,
        ),
        unknown=unknown,
        confidence=confidence,
    )
    return _effect_table(model, as_list(covariates), small_n)


def equivalence_test(
    ratings: pd.DataFrame,
    *,
    margin: float,
    margin_unit: str = "score",
    candidates: pd.DataFrame | None = None,
    design: str = "auto",
    formats: Sequence[str] = ("async", "live"),
    order: str | None = "format_order",
    covariates: str | Sequence[str] | None = None,
    panel: str | None = None,
    candidate: str = "candidate_id",
    rater: str = "rater_id",
    question: str = "question_id",
    format_column: str = "format",
    score: str = "score",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Are the formats equivalent within a margin? Two one-sided tests (TOST).

    Parameters
    ----------
    ratings : pandas.DataFrame
        One row per rating (as :func:`compare_formats`).
    margin : float
        Equivalence margin: differences within ``(-margin, margin)`` count as
        negligible.
    margin_unit : {"score", "sd"}
        ``margin`` in score points, or in SDs of a single rating (the model's variance
        components summed).
    candidates : pandas.DataFrame, optional
        Candidates table supplying ``order`` and covariates.
    design, formats, order, covariates, panel : see :func:`compare_formats`
    candidate, rater, question, format_column, score : str
        Column names.
    alpha : float, default 0.05
        Level of each one-sided test; the interval is the ``1 - 2 alpha`` (90%) one.

    Returns
    -------
    pandas.DataFrame
        One row: ``difference`` (adjusted focal minus reference format, score points),
        ``se``, ``df`` (Satterthwaite), ``ci_low``, ``ci_high`` (the ``1 - 2 alpha``
        interval), ``margin`` (in score points), ``p_lower`` (H0: difference <=
        -margin), ``p_upper`` (H0: difference >= margin), ``p_value`` (the larger),
        ``equivalent`` (``p_value < alpha``), ``verdict`` (``"equivalent"``;
        ``"different"`` when not equivalent and the two-sided test of no difference
        rejects at ``2 alpha``, i.e. the interval excludes 0; ``"inconclusive"``
        otherwise), ``design``, ``n_candidates``, ``n_ratings``.

    Raises
    ------
    NotEstimableError
        When the design cannot estimate the format difference (e.g. no rater rated
        both formats and each candidate took one); the message says why.

    Notes
    -----
    Schuirmann's TOST on the format effect of :func:`compare_formats` (no group
    term): ``t_lower = (difference + margin) / se`` and ``t_upper = (difference -
    margin) / se`` on the Satterthwaite df; equivalence is declared when both reject,
    i.e. when the ``1 - 2 alpha`` interval lies inside the margins. The comparison
    follows from the design: between-candidate designs compare candidates; rated-twice
    designs compare each candidate with themselves through the ``candidate:format``
    intercept; within designs (order recorded) also adjust for sequence and period, so
    the difference is the 2x2 crossover estimate (Senn 2002). In a balanced design
    (every rater rates every candidate on every question) the result equals, on
    candidate mean scores, statsmodels' ``ttost_ind`` (between), ``ttost_paired``
    (rated twice), and for a within design the crossover analysis: ``ttost_ind`` with
    pooled variance on half of each candidate's period difference (first minus second
    interview) between the two sequences, on n - 2 df; the tests check all three. With
    ``margin_unit="sd"`` the SD is treated as known.

    References
    ----------
    Schuirmann, D. J. (1987). A comparison of the two one-sided tests procedure and the
    power approach for assessing the equivalence of average bioavailability. Journal of
    Pharmacokinetics and Biopharmaceutics, 15(6), 657-680.

    Lakens, D. (2017). Equivalence tests: a practical primer for t tests, correlations,
    and meta-analyses. Social Psychological and Personality Science, 8(4), 355-362.

    Senn, S. (2002). Cross-over Trials in Clinical Research (2nd ed.). Wiley.

    Examples
    --------
    >>> import interviewlab as il
    >>> study = il.load_study("demo")
    >>> res = equivalence_test(study.ratings, margin=0.2, margin_unit="sd")
    >>> res[["difference", "ci_low", "ci_high", "margin"]].round(2)
       difference  ci_low  ci_high  margin
    0        -0.4   -0.51    -0.29    0.21
    >>> res[["verdict", "n_candidates"]]
         verdict  n_candidates
    0  different           535
    """
    check_choice("margin_unit", margin_unit, ("score", "sd"))
    check_fraction("alpha", alpha)
    if not alpha < 0.5:
        raise InterviewLabError(f"alpha={alpha!r} must be below 0.5 (usually 0.05).")
    if isinstance(margin, bool) or not isinstance(margin, int | float) or not margin > 0:
        raise InterviewLabError(f"margin={margin!r} must be a positive number.")
    model = _format_model(
        ratings,
        candidates,
        group=None,
        reference=None,
        formats=formats,
        design=design,
        order=order,
        covariates=covariates,
        panel=panel,
        columns=RatingColumns(
            candidate=candidate,
            rater=rater,
            question=question,
            format=format_column,
            score=score,
        ),
        unknown=DEFAULT_UNKNOWN,
        confidence=1.0 - 2.0 * alpha,
    )
    effect = model.effects[0]
    if not effect.estimable:
        raise NotEstimableError(f"The format difference is {effect.reason}")
    assert model.fit is not None
    test = model.fit.contrast(effect.weights).iloc[0]
    diff, se, df = float(test["estimate"]), float(test["se"]), float(test["df"])
    bound = float(margin) * (model.sd_total if margin_unit == "sd" else 1.0)
    p_lower = float(stats.t.sf((diff + bound) / se, df))
    p_upper = float(stats.t.cdf((diff - bound) / se, df))
    p_value = max(p_lower, p_upper)
    equivalent = p_value < alpha
    excludes_zero = float(test["ci_low"]) > 0 or float(test["ci_high"]) < 0
    verdict = "equivalent" if equivalent else ("different" if excludes_zero else "inconclusive")
    return pd.DataFrame(
        {
            "difference": [diff],
            "se": [se],
            "df": [df],
            "ci_low": [float(test["ci_low"])],
            "ci_high": [float(test["ci_high"])],
            "margin": [bound],
            "p_lower": [p_lower],
            "p_upper": [p_upper],
            "p_value": [p_value],
            "equivalent": [equivalent],
            "verdict": [verdict],
            "design": [model.design],
            "n_candidates": [int(model.frame["cand"].nunique())],
            "n_ratings": [len(model.frame)],
        }
    )
