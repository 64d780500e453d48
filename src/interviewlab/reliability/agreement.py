"""Chance-corrected agreement: Cohen's kappa, Fleiss' kappa, Gwet's AC1 and AC2."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from interviewlab._checks import (
    check_choice,
)
from interviewlab._docs import fill_doc, grouping
from interviewlab.errors import InterviewLabError, NotEstimableError
from interviewlab.reliability._common import (
    WEIGHTS,
    _assemble,
    _by_groups,
    _category_codes,
    _check_common,
    _check_duplicates,
    _check_min_n,
    _drop_missing,
    _not_estimable,
    _t_interval,
    _unit_counts,
    _where,
    _z_interval,
)

# --------------------------------------------------------------------------------------
# Chance-corrected agreement: Cohen's kappa, Fleiss' kappa, Gwet's AC1/AC2
# --------------------------------------------------------------------------------------


def _weight_matrix(values: np.ndarray, weights: str | None) -> np.ndarray:
    """Agreement weights between categories: 1 on the diagonal, less for distant levels."""
    q = len(values)
    if weights is None or q == 1:
        return np.eye(q)
    span = float(values.max() - values.min())
    diff = np.abs(values[:, None] - values[None, :]) / span
    return 1 - diff if weights == "linear" else 1 - diff**2


def _category_values(levels: np.ndarray, weights: str | None) -> np.ndarray:
    """Numeric positions of the categories used by the weights (their values, else ranks)."""
    if weights is None:
        return np.arange(len(levels), dtype=float)
    try:
        return np.asarray(levels, dtype=float)
    except (TypeError, ValueError):
        return np.arange(len(levels), dtype=float)


def _prepare_categorical(
    part: pd.DataFrame,
    unit: str,
    rater: str,
    score: str,
    categories: Sequence[Any] | None,
    weights: str | None,
    keys: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, int]:
    """Return unit x category counts, the weight matrix and the number of missing scores."""
    part, n_missing = _drop_missing(part, score)
    _check_duplicates(part, unit, rater, keys, what="unit")
    if part.empty:
        raise NotEstimableError(f"No non-missing scores{_where(keys)}.")
    codes, levels = _category_codes(part[score], categories, numeric=False, what="the score")
    counts, _ = _unit_counts(part, unit, codes, len(levels))
    values = _category_values(levels, weights)
    return counts, _weight_matrix(values, weights), n_missing


def _gwet_framework(
    counts: np.ndarray, wmat: np.ndarray, kind: Literal["fleiss", "ac"], keys: dict[str, Any]
) -> tuple[float, float, int, int]:
    """Fleiss' kappa or Gwet's AC1/AC2 and Gwet's (2014) linearised standard error.

    ``counts[i, k]`` is the number of raters who put unit ``i`` in category ``k``; every
    unit has at least one rating. Returns the estimate, its SE, the number of units and
    the number of units with two or more ratings.
    """
    n, q = counts.shape
    r_i = counts.sum(axis=1)
    multi = r_i >= 2
    n_multi = int(multi.sum())
    if n_multi < 2:
        raise NotEstimableError(
            f"Only {n_multi} unit(s){_where(keys)} have two or more ratings; agreement "
            "needs at least two units rated by at least two raters."
        )
    weighted = counts @ wmat.T
    pairs = np.where(multi, r_i * (r_i - 1), 1.0)
    pa_i = np.where(multi, (counts * (weighted - 1)).sum(axis=1) / pairs, 0.0)
    pa = float(pa_i[multi].mean())
    pi = (counts / r_i[:, None]).mean(axis=0)
    if kind == "ac":
        if q < 2:
            raise NotEstimableError(
                f"Only one category was used{_where(keys)} and none other was declared, so "
                "Gwet's AC is undefined; declare the rubric's levels with categories=."
            )
        t_w = wmat.sum() / (q * (q - 1))
        pe = float(t_w * (pi * (1 - pi)).sum())
        pe_i = t_w * (counts @ (1 - pi)) / r_i
    else:
        pe = float(pi @ wmat @ pi)
        pi_w = (wmat @ pi + wmat.T @ pi) / 2
        pe_i = (counts @ pi_w) / r_i
    if np.isclose(pe, 1.0):
        raise NotEstimableError(
            f"Every rating{_where(keys)} is in the same category, so chance agreement is 1 and "
            "Fleiss' kappa is 0/0 (undefined). Report the percentage agreement, or use gwet_ac() "
            "with the rubric's levels declared in categories=."
        )
    estimate = (pa - pe) / (1 - pe)
    coef_i = (n / n_multi) * (pa_i - pe * multi) / (1 - pe)
    coef_i_star = coef_i - 2 * (1 - estimate) * (pe_i - pe) / (1 - pe)
    variance = float(((coef_i_star - estimate) ** 2).sum()) / (n * (n - 1))
    return float(estimate), float(np.sqrt(variance)), n, n_multi


_AGREEMENT_COLUMNS = [
    "method",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "n_multi",
    "n_missing",
    "ci_method",
    "small_sample",
]


def _agreement(
    data: pd.DataFrame,
    *,
    unit: str,
    rater: str,
    score: str,
    weights: str | None,
    categories: Sequence[Any] | None,
    by: str | Sequence[str] | None,
    confidence: float,
    min_n: int,
    kind: Literal["fleiss", "ac"],
) -> pd.DataFrame:
    """Shared body of :func:`fleiss_kappa` and :func:`gwet_ac`."""
    frame, by_cols = _check_common(data, [unit, rater, score], by, confidence)
    check_choice("weights", weights, WEIGHTS)
    _check_min_n(min_n)
    if kind == "ac":
        method = "AC1" if weights is None else f"AC2 ({weights} weights)"
    else:
        method = "Fleiss' kappa" + ("" if weights is None else f" ({weights} weights)")
    rows = []
    for keys, part in _by_groups(frame, by_cols):
        try:
            counts, wmat, n_missing = _prepare_categorical(
                part, unit, rater, score, categories, weights, keys
            )
            estimate, se, n, n_multi = _gwet_framework(counts, wmat, kind, keys)
        except NotEstimableError as err:
            if not by_cols:
                raise
            known = {
                "method": method,
                "n": int(part[unit].nunique()),
                "n_missing": int(part[score].isna().sum()),
                "ci_method": "none (not estimable)",
            }
            rows.append(_not_estimable(keys, err, known))
            continue
        ci_low, ci_high = _t_interval(estimate, se, n - 1, confidence, (-1.0, 1.0))
        rows.append(
            {
                **keys,
                "method": method,
                "estimate": estimate,
                "se": se,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "n": n,
                "n_multi": n_multi,
                "n_missing": n_missing,
                "ci_method": "t (n-1 df), truncated to [-1, 1]",
                "small_sample": n < min_n,
            }
        )
    return _assemble(rows, by_cols, _AGREEMENT_COLUMNS)


@fill_doc(grouping=grouping(statistic="kappa"))
def fleiss_kappa(
    data: pd.DataFrame,
    *,
    unit: str = "candidate_id",
    rater: str = "rater_id",
    score: str = "score",
    weights: Literal["linear", "quadratic"] | None = None,
    categories: Sequence[Any] | None = None,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    min_n: int = 20,
) -> pd.DataFrame:
    """Fleiss' kappa for many raters, allowing different numbers of raters per candidate.

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings table, one row per rating; missing scores are allowed (and counted).
    unit : str, default "candidate_id"
        Column identifying the rated unit.
    rater : str, default "rater_id"
        Column identifying the rater (used to refuse duplicate ratings). Rater identities
        do not otherwise enter Fleiss' kappa.
    score : str, default "score"
        Column with the category given.
    weights : {None, "linear", "quadratic"}, default None
        Agreement weights between categories (from their numeric values, else their order).
    categories : sequence, optional
        Declared categories (order used by the weights); scores outside raise an error.
    {grouping}

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group: the ``by`` columns; ``method``; ``estimate``; ``se``
        (Gwet 2014, linearisation, conditional on the raters); ``ci_low`` and
        ``ci_high``; ``n`` (units with at least one rating); ``n_multi`` (units with two
        or more, which enter the observed agreement); ``n_missing`` (rows with a missing
        score); ``ci_method``; ``small_sample`` (``n < min_n``);
        ``estimable`` and ``reason``: with ``by=``, a group where the coefficient cannot be
        computed (too few units, no variation) is kept as a row with missing estimates,
        ``estimable`` False and the reason.

    Raises
    ------
    InterviewLabError
        If a unit has several rows from one rater, if fewer than two units have two
        ratings, or if all ratings fall in one category (kappa is then 0/0).

    Notes
    -----
    Gwet's (2014, ch. 2 and 5) generalisation of Fleiss (1971) to unequal numbers of raters:
    with ``r_ik`` raters putting unit ``i`` in category ``k`` and ``r_i`` ratings of unit
    ``i``, the observed agreement is the mean over units with ``r_i >= 2`` of
    ``sum_k r_ik (r*_ik - 1) / (r_i (r_i - 1))`` (``r*_ik = sum_l w_kl r_il``), the
    category shares ``pi_k`` are averaged over all units, and chance agreement is
    ``sum_kl w_kl pi_k pi_l``. With the same number of raters for every unit and no weights
    this is Fleiss' kappa. The standard error is Gwet's linearisation (unit-level
    contributions), and the interval uses a t distribution with ``n - 1`` df truncated to
    [-1, 1], as in the irrCAC package. It treats the raters as fixed: it does not include
    the variation from sampling raters.

    Validated against Fleiss (1971): kappa .430 (R ``irr::kappam.fleiss`` 0.4302445,
    statsmodels ``fleiss_kappa``), and irrCAC's ``fleiss.kappa.raw(cac.raw4raters)`` (0.76117,
    SE 0.15302) and ``fleiss.kappa.dist(distrib.6raters)`` (0.4139265, SE 0.08119291).

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    Psychological Bulletin, 76(5), 378-382.

    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.). Advanced Analytics.

    Examples
    --------
    >>> from interviewlab.data import read_dataset
    >>> f = read_dataset("fleiss_1971")
    >>> res = fleiss_kappa(f, unit="patient", rater="rating_slot", score="diagnosis")
    >>> round(float(res["estimate"].iloc[0]), 4)
    0.4302
    """
    return _agreement(
        data,
        unit=unit,
        rater=rater,
        score=score,
        weights=weights,
        categories=categories,
        by=by,
        confidence=confidence,
        min_n=min_n,
        kind="fleiss",
    )


@fill_doc(grouping=grouping(statistic="the coefficient"))
def gwet_ac(
    data: pd.DataFrame,
    *,
    unit: str = "candidate_id",
    rater: str = "rater_id",
    score: str = "score",
    weights: Literal["linear", "quadratic"] | None = None,
    categories: Sequence[Any] | None = None,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    min_n: int = 20,
) -> pd.DataFrame:
    """Gwet's AC1 (unweighted) or AC2 (weighted) agreement coefficient for many raters.

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings table, one row per rating; missing scores are allowed (and counted).
    unit : str, default "candidate_id"
        Column identifying the rated unit.
    rater : str, default "rater_id"
        Column identifying the rater (used to refuse duplicate ratings).
    score : str, default "score"
        Column with the category given.
    weights : {None, "linear", "quadratic"}, default None
        None gives AC1; linear or quadratic weights (from the categories' numeric values,
        else their order) give AC2.
    categories : sequence, optional
        Declared categories. AC1's chance agreement depends on how many categories there
        are, so declare the rubric's levels when some were not used.
    {grouping}

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group, with the same columns as :func:`fleiss_kappa`: the
        ``by`` columns, ``method`` ("AC1" or "AC2 (... weights)"), ``estimate``, ``se``,
        ``ci_low``, ``ci_high``, ``n``, ``n_multi``, ``n_missing``, ``ci_method``,
        ``small_sample``;
        ``estimable`` and ``reason``: with ``by=``, a group where the coefficient cannot be
        computed (too few units, no variation) is kept as a row with missing estimates,
        ``estimable`` False and the reason.

    Raises
    ------
    InterviewLabError
        If a unit has several rows from one rater, if fewer than two units have two
        ratings, or if only one category is used and no others are declared.

    Notes
    -----
    Observed agreement as in :func:`fleiss_kappa`; chance agreement is
    ``T_w / (q (q - 1)) * sum_k pi_k (1 - pi_k)``, where ``q`` is the number of categories
    and ``T_w`` the sum of the weights (``q`` without weights). Unlike kappa, AC1 stays
    defined and high when nearly everyone agrees on one category (the "kappa paradox"),
    which is common for pass/fail interview decisions. Standard error: Gwet's (2008, 2014)
    linearisation conditional on the raters; t interval with ``n - 1`` df truncated to
    [-1, 1] (as irrCAC).

    Validated against irrCAC (Gwet's R package) documentation: ``gwet.ac1.raw(
    cac.raw4raters)`` AC1 0.77544, SE 0.14295 and ``gwet.ac1.dist(distrib.6raters)``
    0.4448007, SE 0.08418757.

    References
    ----------
    Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the presence
    of high agreement. British Journal of Mathematical and Statistical Psychology, 61,
    29-48.

    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.). Advanced Analytics.

    Examples
    --------
    >>> from interviewlab.data import read_dataset
    >>> k = read_dataset("krippendorff_2011")
    >>> res = gwet_ac(k, unit="unit", rater="observer", score="value")
    >>> res[["estimate", "se"]].round(5).iloc[0].tolist()
    [0.77544, 0.14295]
    """
    return _agreement(
        data,
        unit=unit,
        rater=rater,
        score=score,
        weights=weights,
        categories=categories,
        by=by,
        confidence=confidence,
        min_n=min_n,
        kind="ac",
    )


def _cohen_from_table(table: np.ndarray, wmat: np.ndarray) -> tuple[float, float]:
    """Weighted kappa and its Fleiss, Cohen & Everitt (1969) large-sample SE."""
    n = table.sum()
    p = table / n
    row = p.sum(axis=1)
    col = p.sum(axis=0)
    po = float((wmat * p).sum())
    pe = float(row @ wmat @ col)
    kappa = (po - pe) / (1 - pe)
    w_row = wmat @ col  # mean weight of row category i over the column margin
    w_col = row @ wmat  # mean weight of column category j over the row margin
    dev = wmat - (w_row[:, None] + w_col[None, :]) * (1 - kappa)
    variance = (float((p * dev**2).sum()) - (kappa - pe * (1 - kappa)) ** 2) / (n * (1 - pe) ** 2)
    return float(kappa), float(np.sqrt(max(variance, 0.0)))


@fill_doc(grouping=grouping(statistic="kappa"))
def cohen_kappa(
    data: pd.DataFrame,
    *,
    unit: str = "candidate_id",
    rater: str = "rater_id",
    score: str = "score",
    weights: Literal["linear", "quadratic"] | None = None,
    categories: Sequence[Any] | None = None,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    min_n: int = 20,
) -> pd.DataFrame:
    """Cohen's kappa between two raters, unweighted or weighted, with its analytic SE.

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings table with exactly two raters (per ``by`` group).
    unit : str, default "candidate_id"
        Column identifying the rated unit.
    rater : str, default "rater_id"
        Column identifying the two raters.
    score : str, default "score"
        Column with the category given.
    weights : {None, "linear", "quadratic"}, default None
        Agreement weights ``1 - |i - j| / (max - min)`` (linear) or its square form
        (quadratic), from the categories' numeric values, else their order.
    categories : sequence, optional
        Declared categories (they fix the table's rows/columns and the weights' range).
    {grouping}

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group: the ``by`` columns; ``method``; ``estimate``; ``se``
        (Fleiss, Cohen & Everitt 1969); ``ci_low`` and ``ci_high``; ``n`` (units rated by
        both raters); ``n_excluded`` (units rated by only one of them, left out and
        counted); ``n_missing`` (rows with a missing score); ``ci_method``;
        ``small_sample``;
        ``estimable`` and ``reason``: with ``by=``, a group where the coefficient cannot be
        computed (too few units, no variation) is kept as a row with missing estimates,
        ``estimable`` False and the reason.

    Raises
    ------
    InterviewLabError
        If there are not exactly two raters, a unit has two rows from one rater, fewer
        than two units are rated by both, or both raters use one and the same category
        for every unit (kappa is 0/0).

    Notes
    -----
    kappa_w = (p_o - p_e) / (1 - p_e) with ``p_o = sum w_ij p_ij`` and ``p_e = sum w_ij
    p_i. p_.j``. The SE is the large-sample (non-null) standard error of Fleiss, Cohen &
    Everitt (1969); the interval is a normal (z) interval truncated to [-1, 1]. Rater
    identities matter (unlike Fleiss' kappa), so each rater's margins are kept.

    Validated against statsmodels' ``cohens_kappa`` (kappa and ``std_kappa``) for
    unweighted, linear and quadratic weights.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
    Psychological Measurement, 20(1), 37-46.

    Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample standard errors of
    kappa and weighted kappa. Psychological Bulletin, 72(5), 323-327.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"candidate_id": [1, 1, 2, 2, 3, 3, 4, 4],
    ...                   "rater_id": ["a", "b"] * 4, "score": [1, 1, 2, 2, 2, 1, 1, 1]})
    >>> round(float(cohen_kappa(d)["estimate"].iloc[0]), 3)
    0.5
    """
    frame, by_cols = _check_common(data, [unit, rater, score], by, confidence)
    check_choice("weights", weights, WEIGHTS)
    _check_min_n(min_n)
    method = "Cohen's kappa" + ("" if weights is None else f" ({weights} weights)")
    rows = []
    for keys, part in _by_groups(frame, by_cols):
        part, n_missing = _drop_missing(part, score)
        raters = pd.unique(part[rater])
        if len(raters) != 2:
            raise InterviewLabError(
                f"Cohen's kappa needs exactly two raters{_where(keys)}; found {len(raters)}: "
                f"{list(map(str, raters))[:10]}. Filter to a pair of raters, pass by=, or use "
                "fleiss_kappa() / gwet_ac() / krippendorff_alpha() for more raters."
            )
        _check_duplicates(part, unit, rater, keys, what="unit")
        try:
            codes, levels = _category_codes(part[score], categories, numeric=False, what="kappa")
            q = len(levels)
            first = (part[rater] == raters[0]).to_numpy()
            s1 = pd.Series(codes[first], index=part.loc[first, unit].to_numpy())
            s2 = pd.Series(codes[~first], index=part.loc[~first, unit].to_numpy())
            both = s1.index.intersection(s2.index)
            n_excluded = len(s1.index.union(s2.index)) - len(both)
            if len(both) < 2:
                raise NotEstimableError(
                    f"Only {len(both)} unit(s){_where(keys)} were rated by both raters; kappa "
                    "needs at least two."
                )
            a = s1.loc[both].to_numpy()
            b = s2.loc[both].to_numpy()
            table = np.bincount(a * q + b, minlength=q * q).reshape(q, q).astype(float)
            wmat = _weight_matrix(_category_values(levels, weights), weights)
            p_e = (table.sum(axis=1) / len(both)) @ wmat @ (table.sum(axis=0) / len(both))
            if np.isclose(p_e, 1.0):
                raise NotEstimableError(
                    f"Both raters put every unit in the same single category{_where(keys)}, so "
                    "chance agreement is 1 and kappa is 0/0 (undefined). Report the percentage "
                    "agreement, or gwet_ac() with the rubric's categories declared."
                )
            kappa, se = _cohen_from_table(table, wmat)
        except NotEstimableError as err:
            if not by_cols:
                raise
            known = {
                "method": method,
                "n": int(part[unit].nunique()),
                "n_missing": n_missing,
                "ci_method": "none (not estimable)",
            }
            rows.append(_not_estimable(keys, err, known))
            continue
        ci_low, ci_high = _z_interval(kappa, se, confidence, (-1.0, 1.0))
        rows.append(
            {
                **keys,
                "method": method,
                "estimate": kappa,
                "se": se,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "n": len(both),
                "n_excluded": n_excluded,
                "n_missing": n_missing,
                "ci_method": "z (Fleiss-Cohen-Everitt SE), truncated to [-1, 1]",
                "small_sample": len(both) < min_n,
            }
        )
    columns = [
        "method",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "n",
        "n_excluded",
        "n_missing",
        "ci_method",
        "small_sample",
    ]
    return _assemble(rows, by_cols, columns)
