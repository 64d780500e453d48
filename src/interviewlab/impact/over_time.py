r"""Selection over hiring rounds: rates and impact ratios per period, trend, before and after.

An equality lead reports every quarter; a researcher evaluates a change to the process
(a new rubric, rater training, moving to recorded interviews). :func:`impact_over_time`
gives, per period and group, the selection rate and the impact ratio against one fixed
reference group (with their intervals and a p-chart's control limits), a test of trend in
each group's odds of selection relative to the reference, and, for a named change point,
the comparison of before with after.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from interviewlab._checks import check_fraction, require_columns, require_frame
from interviewlab.errors import InterviewLabError, SmallSampleWarning
from interviewlab.impact._core import DEFAULT_UNKNOWN, UNKNOWN_LABEL
from interviewlab.impact.ratios import impact_ratios

__all__ = ["ImpactOverTime", "impact_over_time"]

#: the terms of :attr:`ImpactOverTime.trend`
TREND_TERMS = {
    "trend": "Change per period in the group's odds ratio against the reference",
    "reference_trend": "Change per period in the reference group's odds",
    "any_trend": "Any group's odds ratio changing over the periods (likelihood ratio)",
}


@dataclass(frozen=True)
class ImpactOverTime:
    """The result of :func:`impact_over_time`.

    Attributes
    ----------
    rates : pandas.DataFrame
        Per period and category: the columns of :func:`interviewlab.impact_ratios` led
        by the period column, with ``period_index`` (0 for the first period) and a
        p-chart's ``centre``, ``lcl``, ``ucl`` and ``outside_limits``.
    trend : pandas.DataFrame
        The trend tests, one row per ``term`` (and category).
    change : pandas.DataFrame or None
        Before against after the change point, one row per category; None without one.
    reference : str
        The fixed reference category.
    periods : list of str
        The periods, first to last.
    """

    rates: pd.DataFrame
    trend: pd.DataFrame
    change: pd.DataFrame | None
    reference: str
    periods: list[str]


def impact_over_time(
    candidates: pd.DataFrame,
    *,
    group: str,
    selected: str,
    period: str,
    order: Sequence[str] | None = None,
    reference: str = "highest",
    change_after: str | None = None,
    threshold: float = 0.8,
    confidence: float = 0.95,
    control_sigma: float = 3.0,
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
) -> ImpactOverTime:
    r"""Selection rates and impact ratios per period and group, their trend, and a change.

    Parameters
    ----------
    candidates : pandas.DataFrame
        One row per candidate at risk of selection (e.g. the entrants of a stage).
    group : str
        Group column.
    selected : str
        0/1 column: 1 if the candidate was selected (passed).
    period : str
        Period column (round, quarter). An ordered categorical (as a loaded study's
        period column) gives the order; otherwise ``order``, else the sorted values.
    order : sequence of str, optional
        The periods from first to last.
    reference : str, default "highest"
        The category every period compares with, the same in every period (a reference
        that changed from period to period would make the ratios incomparable):
        ``"highest"``, the category with the highest rate over all periods together;
        ``"largest"``, the one with the most candidates over all periods (the most
        precise in every period); or a category label.
    change_after : str, optional
        The last period before a change to the process: ``change`` compares the periods
        up to it with those after it.
    threshold : float, default 0.8
        The rule each ratio is compared with (four-fifths).
    confidence : float, default 0.95
        Level of every interval.
    control_sigma : float, default 3.0
        Width of the p-chart's control limits, in binomial standard errors.
    unknown : sequence of str, default ("unknown",)
        Group values meaning "not known" besides missing values: counted, never
        compared.

    Returns
    -------
    ImpactOverTime
        ``rates``: :func:`interviewlab.impact_ratios` with ``by=period`` against the
        fixed reference (``rate``, ``impact_ratio``, Katz ``ci_low``/``ci_high``,
        Fisher's exact ``p_fisher``, ...), plus ``period_index``, and for each category
        the p-chart of its rate: ``centre`` (its rate over all periods), ``lcl`` and
        ``ucl`` (``centre`` :math:`\pm` ``control_sigma`` binomial standard errors of a
        period's rate, within 0 and 1) and ``outside_limits``.

        ``trend``: from the logistic regression of selection on group, period index
        :math:`t` (0, 1, ...) and their interaction, ``term`` ``"trend"`` per compared
        category (the interaction: the change per period in the log odds ratio against
        the reference, ``odds_ratio`` its exponent), ``"reference_trend"`` (the
        reference's own change per period in log odds) and ``"any_trend"`` (the
        likelihood-ratio test of all interactions). Columns: ``term``, ``label``,
        ``category``, ``reference``, ``estimate``, ``se``, ``ci_low``, ``ci_high``,
        ``odds_ratio``, ``odds_ratio_low``, ``odds_ratio_high``, ``statistic`` (Wald z,
        or the LR chi-squared), ``df``, ``p_value``, ``n``, ``estimable``, ``reason``.

        ``change`` (with ``change_after``): per category, ``n_before``,
        ``selected_before``, ``rate_before``, ``impact_ratio_before`` with its interval,
        the same ``_after``, ``ratio_of_ratios`` (after over before) with ``ratio_low``
        and ``ratio_high``, and ``odds_ratio_change`` (the group-by-period interaction of
        the logistic regression on before/after: the change of the odds ratio against
        the reference) with ``or_low``, ``or_high`` and ``p_value``; ``corrected`` when
        0.5 was added to the cells of a table with an empty cell.

    Raises
    ------
    InterviewLabError
        If a column is missing, a period is not in ``order``, ``change_after`` is not a
        period or is the last one, or the reference is not a category.

    Notes
    -----
    *Trend.* The model is :math:`\operatorname{logit} P(\text{selected}) = \alpha_g +
    \beta_g t`, fitted by maximum likelihood (statsmodels' binomial GLM on the counts
    per period and category); the test of a category's trend is the Wald test of
    :math:`\beta_g - \beta_{ref}`. It looks for a steady change on the log-odds scale;
    a step at one point in time shows as a trend too, and is what ``change`` measures.
    A category never (or always) selected cannot be fitted and is reported as not
    estimable, with the reason.

    *Before and after.* The ratio of impact ratios uses the log (Katz) variance of each
    ratio; before and after are different candidates, so the variances add:
    :math:`\operatorname{Var}\log(R_a/R_b) = \sum (1/x - 1/n)` over the four cells.
    It is the interaction of a saturated log-binomial model, and the odds-ratio change
    that of a saturated logistic model, whose Wald standard error is Woolf's
    :math:`\sqrt{\sum 1/\text{cell}}` over the eight cells; the tests check both against
    statsmodels' GLMs, and the trend against R's ``glm``.

    *This is observational.* A difference after a change is not proof that the change
    caused it: the applicant pool, the labour market, the vacancies and other parts of
    the process change too, and a before/after comparison cannot separate them.
    Periods also differ in size, so compare intervals, not only estimates.

    Examples
    --------
    >>> import interviewlab as il
    >>> demo = il.load_study("demo")
    >>> result = il.impact_over_time(demo.candidates, group="sex", selected="shortlisted",
    ...                              period="round", change_after="2")
    >>> result.reference, result.periods
    ('male', ['1', '2', '3', '4'])
    >>> row = result.change.set_index("category").loc["female"]
    >>> bool(row["impact_ratio_after"] > row["impact_ratio_before"])
    True
    """
    frame = require_frame(candidates, "candidates")
    require_columns(frame, [group, selected, period], "the candidates")
    check_fraction("confidence", confidence)
    if not control_sigma > 0:
        raise InterviewLabError(f"control_sigma={control_sigma!r} must be positive.")
    periods = _periods(frame[period], order)
    work = frame[[group, selected, period]].copy()
    work[period] = pd.Categorical(work[period].astype(str), categories=periods, ordered=True)
    ref = _fixed_reference(work, group, selected, reference, unknown)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        rates = impact_ratios(
            work,
            group=group,
            selected=selected,
            by=period,
            reference=ref,
            threshold=threshold,
            confidence=confidence,
            unknown=unknown,
        )
    rates = _with_control_limits(rates, period, periods, control_sigma)
    counts = _counts(rates, period, periods)
    trend = _trend(counts, ref, confidence)
    change = None
    if change_after is not None:
        change = _change(counts, ref, periods, str(change_after), confidence)
    return ImpactOverTime(rates=rates, trend=trend, change=change, reference=ref, periods=periods)


def _periods(values: pd.Series, order: Sequence[str] | None) -> list[str]:
    text = values.dropna().astype(str)
    if order is not None:
        periods = [str(p) for p in order]
        outside = sorted(set(text) - set(periods))
        if outside or len(set(periods)) != len(periods):
            raise InterviewLabError(
                f"order={periods!r} must list every period once; missing: {outside}."
            )
    elif isinstance(values.dtype, pd.CategoricalDtype) and values.cat.ordered:
        periods = [str(p) for p in values.cat.categories]
    else:
        periods = sorted(set(text))
    if values.isna().any():
        raise InterviewLabError("Every candidate needs a period; the period column has gaps.")
    seen = [p for p in periods if p in set(text)]
    if len(seen) < 2:
        raise InterviewLabError(
            f"Change over time needs candidates in two or more periods; found {seen}."
        )
    return seen


def _known(values: pd.Series, unknown: Sequence[str]) -> pd.Series:
    text = values.astype(str).str.strip().str.lower()
    return values.notna() & ~text.isin([u.lower() for u in unknown])


def _fixed_reference(
    work: pd.DataFrame, group: str, selected: str, reference: str, unknown: Sequence[str]
) -> str:
    known = work[_known(work[group], unknown)]
    rates = known.groupby(known[group].astype(str))[selected].mean()
    if rates.empty:
        raise InterviewLabError(f"No candidate has a known {group!r}.")
    if reference == "highest":
        return str(rates.sort_index().idxmax())
    if reference == "largest":
        sizes = known.groupby(known[group].astype(str))[selected].size()
        return str(sizes.sort_index().idxmax())
    if reference not in rates.index:
        raise InterviewLabError(
            f"reference={reference!r} is not a category of {group!r}; they are "
            f"{sorted(rates.index)}."
        )
    return reference


def _with_control_limits(
    rates: pd.DataFrame, period: str, periods: list[str], sigma: float
) -> pd.DataFrame:
    out = rates.copy()
    out[period] = pd.Categorical(out[period].astype(str), categories=periods, ordered=True)
    out.insert(1, "period_index", out[period].cat.codes.astype(int))
    totals = out.groupby("category")[["selected", "n"]].transform("sum")
    centre = totals["selected"] / totals["n"]
    spread = sigma * np.sqrt(centre * (1 - centre) / out["n"].where(out["n"] > 0))
    compared = out["role"].isin(["reference", "compared"])
    out["centre"] = centre.where(compared)
    out["lcl"] = (centre - spread).clip(lower=0).where(compared)
    out["ucl"] = (centre + spread).clip(upper=1).where(compared)
    out["outside_limits"] = ((out["rate"] < out["lcl"]) | (out["rate"] > out["ucl"])) & compared
    return out.sort_values(["period_index", "category"], kind="stable").reset_index(drop=True)


def _counts(rates: pd.DataFrame, period: str, periods: list[str]) -> pd.DataFrame:
    """Selected and at-risk counts per known category and period (unknown left out)."""
    known = rates[rates["category"] != UNKNOWN_LABEL]
    counts = known[["category", "period_index", "selected", "n"]].copy()
    counts["category"] = counts["category"].astype(str)
    counts["selected"] = counts["selected"].astype(float)
    counts["n"] = counts["n"].astype(float)
    return counts[counts["n"] > 0].reset_index(drop=True)


# ------------------------------------------------------------------ trend
def _trend_row(term: str, category: str, reference: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "term": term,
        "label": TREND_TERMS[term],
        "category": category,
        "reference": reference,
        "estimate": np.nan,
        "se": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "odds_ratio": np.nan,
        "odds_ratio_low": np.nan,
        "odds_ratio_high": np.nan,
        "statistic": np.nan,
        "df": np.nan,
        "p_value": np.nan,
        "n": 0,
        "estimable": True,
        "reason": "",
    }
    row.update(values)
    return row


def _fittable(counts: pd.DataFrame, reference: str) -> tuple[list[str], dict[str, str]]:
    """Categories the trend model can fit, and why the others cannot be."""
    totals = counts.groupby("category")[["selected", "n"]].sum()
    n_periods = counts.groupby("category")["period_index"].nunique()
    why: dict[str, str] = {}
    for category, row in totals.iterrows():
        if row["selected"] == 0 or row["selected"] == row["n"]:
            kind = "never" if row["selected"] == 0 else "always"
            why[str(category)] = f"{kind} selected in any period: the odds cannot be fitted"
        elif int(n_periods.loc[str(category)]) < 2:
            why[str(category)] = "candidates in one period only"
    if reference in why:
        return [], {c: f"the reference group was {why[reference]}" for c in totals.index}
    return [str(c) for c in totals.index if str(c) not in why], why


def _glm(counts: pd.DataFrame, categories: list[str], reference: str, interaction: bool) -> Any:
    import statsmodels.api as sm

    part = counts[counts["category"].isin(categories)]
    t = part["period_index"].to_numpy(dtype=float)
    columns = {"const": np.ones(len(part)), "t": t}
    for c in (c for c in categories if c != reference):
        indicator = (part["category"] == c).to_numpy(dtype=float)
        columns[f"g[{c}]"] = indicator
        if interaction:
            columns[f"g[{c}]:t"] = indicator * t
    exog = pd.DataFrame(columns)
    endog = np.column_stack([part["selected"], part["n"] - part["selected"]])
    return sm.GLM(endog, exog, family=sm.families.Binomial()).fit()


def _trend(counts: pd.DataFrame, reference: str, confidence: float) -> pd.DataFrame:
    fittable, why = _fittable(counts, reference)
    rows = []
    z = stats.norm.ppf(0.5 + confidence / 2)
    n_by = counts.groupby("category")["n"].sum().astype(int)
    if len(fittable) >= 2:
        full = _glm(counts, fittable, reference, interaction=True)
        reduced = _glm(counts, fittable, reference, interaction=False)
        terms = [("reference_trend", reference, "t")] + [
            ("trend", c, f"g[{c}]:t") for c in fittable if c != reference
        ]
        for term, category, name in terms:
            estimate, se = float(full.params[name]), float(full.bse[name])
            low, high = estimate - z * se, estimate + z * se
            rows.append(
                _trend_row(
                    term,
                    category,
                    reference,
                    estimate=estimate,
                    se=se,
                    ci_low=low,
                    ci_high=high,
                    odds_ratio=np.exp(estimate),
                    odds_ratio_low=np.exp(low),
                    odds_ratio_high=np.exp(high),
                    statistic=estimate / se,
                    p_value=float(full.pvalues[name]),
                    n=int(n_by[category]),
                )
            )
        lr = float(2 * (full.llf - reduced.llf))
        df = len(fittable) - 1
        rows.append(
            _trend_row(
                "any_trend",
                "",
                reference,
                statistic=lr,
                df=df,
                p_value=float(stats.chi2.sf(lr, df)),
                n=int(n_by[fittable].sum()),
            )
        )
    for category, reason in why.items():
        rows.append(
            _trend_row(
                "trend", category, reference, estimable=False, reason=reason, n=int(n_by[category])
            )
        )
    return pd.DataFrame(rows, columns=list(_trend_row("trend", "", "")))


# ------------------------------------------------------------------ before and after
def _change(
    counts: pd.DataFrame, reference: str, periods: list[str], change_after: str, confidence: float
) -> pd.DataFrame:
    if change_after not in periods or change_after == periods[-1]:
        raise InterviewLabError(
            f"change_after={change_after!r} must be a period before the last of {periods}."
        )
    cut = periods.index(change_after)
    side = np.where(counts["period_index"] <= cut, "before", "after")
    pooled = counts.assign(side=side).groupby(["category", "side"])[["selected", "n"]].sum()
    z = stats.norm.ppf(0.5 + confidence / 2)
    if reference not in pooled.index.get_level_values(0):
        raise InterviewLabError(f"The reference {reference!r} has no candidates.")
    rows = []
    for category in sorted(set(pooled.index.get_level_values(0))):
        rows.append(_change_row(pooled, category, reference, z))
    return pd.DataFrame(rows)


def _cells(pooled: pd.DataFrame, category: str, side: str) -> tuple[float, float]:
    if (category, side) not in pooled.index:
        return 0.0, 0.0
    return (
        float(pooled["selected"].loc[(category, side)]),
        float(pooled["n"].loc[(category, side)]),
    )


def _change_row(pooled: pd.DataFrame, category: str, reference: str, z: float) -> dict[str, Any]:
    row: dict[str, Any] = {"category": category, "reference": reference}
    logs, variances = {}, {}
    cells = []
    for side in ("before", "after"):
        x, n = _cells(pooled, category, side)
        xr, nr = _cells(pooled, reference, side)
        cells += [x, n - x, xr, nr - xr]
        rate, ref_rate = (x / n if n else np.nan), (xr / nr if nr else np.nan)
        ratio = rate / ref_rate if ref_rate else np.nan
        var = (1 / x - 1 / n + 1 / xr - 1 / nr) if min(x, xr) > 0 else np.nan
        log_ratio = np.log(ratio) if ratio > 0 else np.nan
        low, high = (np.exp(log_ratio + s * z * np.sqrt(var)) for s in (-1, 1))
        row.update(
            {
                f"n_{side}": int(n),
                f"selected_{side}": int(x),
                f"rate_{side}": rate,
                f"impact_ratio_{side}": ratio,
                f"ci_low_{side}": low,
                f"ci_high_{side}": high,
            }
        )
        logs[side], variances[side] = log_ratio, var
    if category == reference:
        row.update(
            ratio_of_ratios=1.0,
            ratio_low=np.nan,
            ratio_high=np.nan,
            odds_ratio_change=1.0,
            or_low=np.nan,
            or_high=np.nan,
            p_value=np.nan,
            corrected=False,
        )
        return row
    log_rr = logs["after"] - logs["before"]
    se_rr = np.sqrt(variances["after"] + variances["before"])
    table = np.array(cells, dtype=float)
    corrected = bool((table == 0).any())
    if corrected:
        table = table + 0.5
    b1, b0, r1, r0, a1, a0, s1, s0 = table
    log_or = np.log(a1 / a0 * s0 / s1) - np.log(b1 / b0 * r0 / r1)
    se_or = float(np.sqrt((1 / table).sum()))
    row.update(
        ratio_of_ratios=np.exp(log_rr),
        ratio_low=np.exp(log_rr - z * se_rr),
        ratio_high=np.exp(log_rr + z * se_rr),
        odds_ratio_change=float(np.exp(log_or)),
        or_low=float(np.exp(log_or - z * se_or)),
        or_high=float(np.exp(log_or + z * se_or)),
        p_value=float(2 * stats.norm.sf(abs(log_or / se_or))),
        corrected=corrected,
    )
    return row
