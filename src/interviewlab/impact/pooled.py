"""Pooled analysis across strata (requisitions): the Mantel-Haenszel odds ratio and tests."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from interviewlab._checks import (
    as_list,
    check_fraction,
    require_columns,
    require_frame,
)
from interviewlab.errors import InterviewLabError, InterviewLabWarning
from interviewlab.impact._core import (
    _check_binary,
    _check_weight,
    _z_crit,
)

# ------------------------------------------------------------------ Mantel-Haenszel


def _breslow_day_at_one(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, *, tarone: bool
) -> tuple[float, float]:
    """Breslow-Day statistic when the common odds ratio is exactly 1.

    statsmodels solves a quadratic for the fitted cell whose leading coefficient is
    ``1 - OR``, which is 0 here; the fitted cell is then the independence expectation.
    """
    n1, m1, total = a + b, a + c, a + b + c + d
    e11 = n1 * m1 / total
    cells = [e11, n1 - e11, m1 - e11, total - n1 - m1 + e11]
    var = 1 / sum(1 / e for e in cells)
    chi2 = float(np.sum((a - e11) ** 2 / var))
    if tarone:
        chi2 -= float(np.sum(a - e11) ** 2 / np.sum(var))
    return chi2, float(stats.chi2.sf(chi2, len(a) - 1))


def mantel_haenszel(
    data: pd.DataFrame,
    *,
    group: str,
    selected: str,
    strata: str | Sequence[str],
    focal: Hashable,
    reference: Hashable,
    weight: str | None = None,
    confidence: float = 0.95,
    tarone: bool = False,
) -> pd.DataFrame:
    """Mantel-Haenszel common odds ratio of selection, focal vs reference, over strata.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per applicant (or per cell of counts, with ``weight``).
    group : str
        Group column.
    selected : str
        0/1 (or boolean) selection column.
    strata : str or list of str
        Column(s) defining the strata (requisitions, sites, years).
    focal, reference : hashable
        The two values of ``group`` compared; rows in other groups are not used
        (counted in ``n_other``).
    weight : str, optional
        Column of frequency counts when each row stands for several applicants.
    confidence : float, default 0.95
        Level of the interval for the common odds ratio.
    tarone : bool, default False
        Apply Tarone's correction to the Breslow-Day statistic.

    Returns
    -------
    pandas.DataFrame
        One row: ``focal``, ``reference``, ``odds_ratio`` (Mantel-Haenszel common odds
        ratio of selection, focal over reference), ``ci_low``, ``ci_high`` (Robins,
        Breslow & Greenland interval), ``chi2``/``p_value`` (Cochran-Mantel-Haenszel,
        no continuity correction), ``chi2_corrected``/``p_value_corrected`` (with the
        0.5 continuity correction, as R's ``mantelhaen.test`` default),
        ``breslow_day_chi2``/``breslow_day_p`` (homogeneity of the odds ratios over the
        informative strata where selection varies, df = their number - 1; missing with
        fewer than two), ``impact_ratio_mh`` (Mantel-Haenszel common risk
        ratio: the stratified impact ratio), ``impact_ratio_mh_ci_low``/``_ci_high``
        (Greenland-Robins interval), ``crude_odds_ratio`` and ``crude_impact_ratio``
        (pooling all strata into one table), ``n_strata``, ``n_strata_informative``
        (strata with both groups present), ``n`` (applicants in informative strata),
        ``n_focal`` and ``n_reference`` (applicants of each group, all strata),
        ``n_uninformative``
        (applicants in strata where one group is absent),
        ``n_other`` (rows in neither group).

    Warns
    -----
    InterviewLabWarning
        When the crude and the stratified odds ratios point in opposite directions
        (Simpson's paradox), or when strata carry no information.

    Notes
    -----
    The statistics come from ``statsmodels.stats.contingency_tables.StratifiedTable``
    on the informative 2x2xK tables (rows focal, reference; columns selected, not
    selected). A stratum where one group is absent has no information about the
    comparison and is counted, not used. The stratified impact ratio is the
    Mantel-Haenszel risk ratio with the Greenland-Robins (1985) variance of its log,
    which reduces to the Katz variance for a single stratum.

    Validated against R ``mantelhaen.test(UCBAdmissions)`` (common odds ratio
    0.9046968, 95% CI 0.7719074-1.0603298, corrected X-squared 1.4269) and statsmodels.

    References
    ----------
    Mantel, N., & Haenszel, W. (1959). JNCI, 22, 719-748.
    Breslow, N. E., & Day, N. E. (1980). Statistical Methods in Cancer Research I. IARC.
    Tarone, R. E. (1985). On heterogeneity tests based on efficient scores.
    Biometrika, 72, 91-95.
    Greenland, S., & Robins, J. M. (1985). Estimation of a common effect parameter from
    sparse follow-up data. Biometrics, 41, 55-68.

    Examples
    --------
    >>> import pandas as pd
    >>> counts = pd.DataFrame({
    ...     "site": ["a", "a", "a", "a", "b", "b", "b", "b"],
    ...     "sex": ["F", "F", "M", "M"] * 2,
    ...     "hired": [1, 0, 1, 0] * 2,
    ...     "count": [10, 10, 20, 20, 5, 15, 2, 6]})
    >>> mh = mantel_haenszel(counts, group="sex", selected="hired", strata="site",
    ...                      focal="F", reference="M", weight="count")
    >>> round(float(mh["odds_ratio"].iloc[0]), 3)
    1.0
    >>> round(float(mh["breslow_day_chi2"].iloc[0]), 3)
    0.0
    """
    from statsmodels.stats.contingency_tables import StratifiedTable

    frame = require_frame(data)
    strata_cols = as_list(strata)
    check_fraction("confidence", confidence)
    require_columns(frame, [group, selected, *strata_cols, *as_list(weight)])
    _check_binary(frame, selected)
    if focal == reference:
        raise InterviewLabError("focal and reference must be different groups.")
    for column in strata_cols:
        if frame[column].isna().any():
            raise InterviewLabError(
                f"The strata column {column!r} has missing values; fill or drop them first."
            )
    w = _check_weight(frame, weight) if weight else np.ones(len(frame), dtype=np.int64)
    member = frame[group]
    is_focal = (member == focal).to_numpy()
    is_ref = (member == reference).to_numpy()
    for label, mask in ((focal, is_focal), (reference, is_ref)):
        if not (mask & (w > 0)).any():
            raise InterviewLabError(
                f"No applicant has {group} == {label!r}; groups present: "
                f"{', '.join(map(str, pd.unique(member.dropna())[:20]))}."
            )
    used = is_focal | is_ref
    n_other = int(w[~used].sum())
    sel = frame[selected].to_numpy(dtype=np.int64)
    parts = pd.DataFrame({c: frame[c].to_numpy() for c in strata_cols})
    parts["a"] = np.where(is_focal, sel * w, 0)
    parts["b"] = np.where(is_focal, (1 - sel) * w, 0)
    parts["c"] = np.where(is_ref, sel * w, 0)
    parts["d"] = np.where(is_ref, (1 - sel) * w, 0)
    cells = parts.loc[used].groupby(strata_cols, sort=True)[["a", "b", "c", "d"]].sum()
    a, b, c, d = (cells[k].to_numpy(dtype=float) for k in "abcd")
    informative = (a + b > 0) & (c + d > 0)
    n_strata = len(cells)
    n_info = int(informative.sum())
    n_uninformative = int((a + b + c + d)[~informative].sum())
    if n_info == 0:
        raise InterviewLabError(
            "No stratum contains both the focal and the reference group, so the strata "
            "carry no information about the comparison; check the strata column."
        )
    if n_info < n_strata:
        warnings.warn(
            f"{n_strata - n_info} of {n_strata} strata lack one of the two groups; they carry "
            f"no information and are not used ({n_uninformative} applicants).",
            InterviewLabWarning,
            stacklevel=2,
        )
    a, b, c, d = a[informative], b[informative], c[informative], d[informative]
    tables = np.stack([np.stack([a, b]), np.stack([c, d])])  # shape (2, 2, K)
    st = StratifiedTable(tables)
    odds_ratio = float(st.oddsratio_pooled)
    ci = st.oddsratio_pooled_confint(alpha=1 - confidence)
    plain = st.test_null_odds(correction=False)
    corrected = st.test_null_odds(correction=True)
    # Breslow-Day uses the strata where selection varies: a stratum where nobody (or
    # everybody) was selected adds nothing to the common odds ratio and has no
    # expected cell to compare with (statsmodels would return NaN)
    varies = (a + c > 0) & (b + d > 0)
    av, bv, cv, dv = a[varies], b[varies], c[varies], d[varies]
    if varies.sum() > 1 and np.isclose(odds_ratio, 1.0, rtol=0, atol=1e-12):
        bd_chi2, bd_p = _breslow_day_at_one(av, bv, cv, dv, tarone=tarone)
    elif varies.sum() > 1:
        varying = StratifiedTable(np.stack([np.stack([av, bv]), np.stack([cv, dv])]))
        bd = varying.test_equal_odds(adjust=tarone)
        bd_chi2, bd_p = float(bd.statistic), float(bd.pvalue)
    else:
        bd_chi2 = bd_p = float("nan")

    # Mantel-Haenszel risk ratio with the Greenland-Robins variance of its log.
    n1, n0 = a + b, c + d
    total = n1 + n0
    r_num = np.sum(a * n0 / total)
    r_den = np.sum(c * n1 / total)
    rr = r_num / r_den if r_den > 0 else float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        var_log = np.sum((n1 * n0 * (a + c) - a * c * total) / total**2) / (r_num * r_den)
        zc = _z_crit(confidence)
        rr_low = float(np.exp(np.log(rr) - zc * np.sqrt(var_log)))
        rr_high = float(np.exp(np.log(rr) + zc * np.sqrt(var_log)))

    ta, tb, tc, td = a.sum(), b.sum(), c.sum(), d.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        crude_or = float((ta * td) / (tb * tc))
        crude_ir = float((ta / (ta + tb)) / (tc / (tc + td)))
    if np.isfinite(crude_or) and crude_or > 0 and odds_ratio > 0:
        if np.sign(np.log(crude_or)) * np.sign(np.log(odds_ratio)) < 0:
            warnings.warn(
                f"Simpson's paradox: the crude odds ratio ({crude_or:.3f}) and the stratified "
                f"Mantel-Haenszel estimate ({odds_ratio:.3f}) point in opposite directions; "
                "the strata confound the pooled comparison.",
                InterviewLabWarning,
                stacklevel=2,
            )
    return pd.DataFrame(
        {
            "focal": [focal],
            "reference": [reference],
            "odds_ratio": odds_ratio,
            "ci_low": float(ci[0]),
            "ci_high": float(ci[1]),
            "chi2": float(plain.statistic),
            "p_value": float(plain.pvalue),
            "chi2_corrected": float(corrected.statistic),
            "p_value_corrected": float(corrected.pvalue),
            "breslow_day_chi2": bd_chi2,
            "breslow_day_p": bd_p,
            "impact_ratio_mh": float(rr),
            "impact_ratio_mh_ci_low": rr_low,
            "impact_ratio_mh_ci_high": rr_high,
            "crude_odds_ratio": crude_or,
            "crude_impact_ratio": crude_ir,
            "n_strata": n_strata,
            "n_strata_informative": n_info,
            "n": int(total.sum()),
            "n_focal": int((a + b).sum()),
            "n_reference": int((c + d).sum()),
            "n_uninformative": n_uninformative,
            "n_other": n_other,
        }
    )
