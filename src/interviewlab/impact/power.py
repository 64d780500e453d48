"""Could an audit of this size detect adverse impact? Power, applicants needed, detectable ratios.

Before the data: for given group sizes and selection rates (or a true impact ratio),
the probability that each of the audit's tests flags the focal group
(:func:`audit_power`); the applicants needed for a target power
(:func:`audit_sample_size`); and, with the numbers at hand, the impact ratio the audit
could detect (:func:`detectable_impact_ratio`).

The tests are the audit's own (:func:`interviewlab.impact_ratios`): Fisher's exact test
and the pooled two-proportion z test, the four-fifths rule (the observed ratio below the
threshold, compared exactly in integers), and the rule together with its interval or
with Fisher's test. Power is computed exactly, by summing over every pair of selected
counts the two binomial laws give (up to a negligible tail), or by simulation with its
Monte-Carlo error when that grid would be too large.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from interviewlab._checks import check_choice, check_fraction
from interviewlab.errors import InterviewLabError
from interviewlab.impact._core import _below, _katz_interval, _pooled_z

__all__ = ["audit_power", "audit_sample_size", "detectable_impact_ratio"]

PowerTest = Literal["fisher", "z", "four_fifths", "four_fifths_interval", "four_fifths_fisher"]
#: the tests whose power is computed, with their labels (rows are found by the code)
POWER_TESTS: dict[str, str] = {
    "fisher": "Fisher's exact test",
    "z": "two-proportion z test",
    "four_fifths": "four-fifths rule",
    "four_fifths_interval": "four-fifths rule, interval excluding 1",
    "four_fifths_fisher": "four-fifths rule and Fisher's exact test",
}
METHODS = ("auto", "exact", "simulation")
#: probability left out of each binomial's tails by the exact enumeration
_TAIL = 1e-12
#: relative tolerance for equal hypergeometric probabilities in Fisher's two-sided test
#: (R's fisher.test uses the same; scipy 1e-14): tables as likely as the observed one count
_FISHER_RTOL = 1e-7


@dataclass(frozen=True)
class _Design:
    """One comparison: group sizes, true rates and the tests' settings."""

    n_focal: int
    n_reference: int
    rate_focal: float
    rate_reference: float
    alpha: float
    threshold: Fraction
    confidence: float


# ------------------------------------------------------------------ the tests, vectorised


def _fisher_two_sided(x1: np.ndarray, x0: np.ndarray, n1: int, n0: int) -> np.ndarray:
    """Two-sided Fisher exact p-values for the tables (x1 of n1, x0 of n0), all at once.

    Tables with the same number selected share one hypergeometric law; its probabilities
    are computed once on a window of 12 standard deviations about its mean (the mass
    outside is below 1e-30) and sorted, and each table's p-value is the sum of the
    probabilities not above its own (relative tolerance 1e-7, as R's ``fisher.test``).
    """
    x1 = np.asarray(x1, dtype=np.int64)
    x0 = np.asarray(x0, dtype=np.int64)
    total = n1 + n0
    selected = x1 + x0
    out = np.empty(len(x1), dtype=float)
    order = np.argsort(selected, kind="stable")
    values, starts = np.unique(selected[order], return_index=True)
    ends = np.r_[starts[1:], len(order)]
    slack = np.log1p(_FISHER_RTOL)
    for k, start, end in zip(values.tolist(), starts.tolist(), ends.tolist(), strict=True):
        idx = order[start:end]
        low, high = max(0, k - n0), min(n1, k)
        mean = n1 * k / total
        var = n1 * (k / total) * ((total - k) / total) * ((total - n1) / max(total - 1, 1))
        half = 12.0 * np.sqrt(var) + 2.0
        support = np.arange(max(low, int(np.floor(mean - half))), min(high, int(mean + half)) + 1)
        log_pmf = np.sort(stats.hypergeom.logpmf(support, total, k, n1))
        cumulative = np.cumsum(np.exp(log_pmf))
        own = stats.hypergeom.logpmf(x1[idx], total, k, n1)
        position = np.searchsorted(log_pmf, own + slack, side="right")
        p = np.where(position > 0, cumulative[np.maximum(position - 1, 0)], 0.0)
        outside = (x1[idx] < support[0]) | (x1[idx] > support[-1])
        out[idx] = np.minimum(1.0, p + np.where(outside, np.exp(own), 0.0))
    return out


def _below_threshold(
    xf: np.ndarray, nf: int, xr: np.ndarray, nr: int, frac: Fraction
) -> np.ndarray:
    """``(xf/nf) / (xr/nr) < frac`` exactly; int64 when it cannot overflow, else Python ints."""
    if max(nf, nr) ** 2 * max(frac.numerator, frac.denominator) < 2**62:
        return xf * nr * frac.denominator < xr * nf * frac.numerator
    return _below(xf, np.full(len(xf), nf), xr, np.full(len(xr), nr), frac)


def _rejections(
    xf: np.ndarray, xr: np.ndarray, design: _Design, tests: list[str]
) -> dict[str, np.ndarray]:
    """Whether each test flags the focal group, for each table (xf of n_focal, xr of n_ref)."""
    nf, nr = design.n_focal, design.n_reference
    lower = xf * nr < xr * nf  # the focal group's rate is the lower one
    out: dict[str, np.ndarray] = {}
    none = np.zeros(len(xf), dtype=bool)
    fisher = none
    if {"fisher", "four_fifths_fisher"} & set(tests):
        fisher = lower & (_fisher_two_sided(xf, xr, nf, nr) < design.alpha)
    below = none
    if {"four_fifths", "four_fifths_interval", "four_fifths_fisher"} & set(tests):
        below = _below_threshold(xf, nf, xr, nr, design.threshold) & (xr > 0)
    for test in tests:
        if test == "fisher":
            out[test] = fisher
        elif test == "z":
            nfs, nrs = np.full(len(xf), nf), np.full(len(xr), nr)
            z = _pooled_z(xf.astype(float), nfs, xr.astype(float), nrs)
            p = 2 * stats.norm.sf(np.abs(z))
            out[test] = lower & (np.nan_to_num(p, nan=1.0) < design.alpha)
        elif test == "four_fifths":
            out[test] = below
        elif test == "four_fifths_interval":
            _, high = _katz_interval(
                xf, np.full(len(xf), nf), xr, np.full(len(xr), nr), design.confidence
            )
            out[test] = below & (np.nan_to_num(high, nan=np.inf) < 1)
        else:
            out[test] = below & fisher
    return out


# ------------------------------------------------------------------ exact and simulated power


def _support(n: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    """Counts of a binomial(n, p) with their probabilities, less tails of at most 1e-12."""
    if p <= 0.0:
        return np.array([0]), np.array([1.0])
    if p >= 1.0:
        return np.array([n]), np.array([1.0])
    low = int(stats.binom.ppf(_TAIL, n, p))
    high = int(stats.binom.isf(_TAIL, n, p))
    x = np.arange(max(low, 0), min(high, n) + 1)
    return x, stats.binom.pmf(x, n, p)


def _grid_size(design: _Design) -> int:
    a, _ = _support(design.n_focal, design.rate_focal)
    b, _ = _support(design.n_reference, design.rate_reference)
    return len(a) * len(b)


def _exact_power(design: _Design, tests: list[str]) -> dict[str, float]:
    xf_values, pf = _support(design.n_focal, design.rate_focal)
    xr_values, pr = _support(design.n_reference, design.rate_reference)
    xf = np.repeat(xf_values, len(xr_values))
    xr = np.tile(xr_values, len(xf_values))
    weight = np.outer(pf, pr).ravel()
    flags = _rejections(xf, xr, design, tests)
    return {test: float(np.clip(np.sum(weight[flag]), 0.0, 1.0)) for test, flag in flags.items()}


def _simulated_power(
    design: _Design, tests: list[str], *, n_sims: int, seed: int
) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    xf = rng.binomial(design.n_focal, design.rate_focal, size=n_sims)
    xr = rng.binomial(design.n_reference, design.rate_reference, size=n_sims)
    key = xf.astype(np.int64) * (design.n_reference + 1) + xr
    unique, counts = np.unique(key, return_counts=True)
    uf, ur = np.divmod(unique, design.n_reference + 1)
    flags = _rejections(uf, ur, design, tests)
    return {test: float(np.sum(counts[flag]) / n_sims) for test, flag in flags.items()}


def _power(
    design: _Design, tests: list[str], *, method: str, n_sims: int, seed: int, max_tables: int
) -> tuple[dict[str, float], str]:
    exact = method == "exact" or (method == "auto" and _grid_size(design) <= max_tables)
    if exact:
        return _exact_power(design, tests), "exact"
    return _simulated_power(design, tests, n_sims=n_sims, seed=seed), "simulation"


# ------------------------------------------------------------------ checks


def _whole(name: str, value: object, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InterviewLabError(f"{name}={value!r} must be a whole number of at least {minimum}.")
    return int(value)


def _rate(name: str, value: object, *, open_low: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise InterviewLabError(f"{name}={value!r} must be a proportion between 0 and 1.")
    number = float(value)
    if not np.isfinite(number) or number < 0 or number > 1 or (open_low and number == 0):
        low = "above 0" if open_low else "at least 0"
        raise InterviewLabError(f"{name}={value!r} must be a proportion {low} and at most 1.")
    return number


def _focal_rate(
    rate_reference: float, impact_ratio: float | None, rate_focal: float | None
) -> float:
    if (impact_ratio is None) == (rate_focal is None):
        raise InterviewLabError(
            "Give either impact_ratio= (the true ratio of the focal group's rate to the "
            "reference rate) or rate_focal= (its true rate), not both and not neither."
        )
    if rate_focal is not None:
        return _rate("rate_focal", rate_focal)
    ratio = float(impact_ratio)  # type: ignore[arg-type]
    if not np.isfinite(ratio) or ratio < 0 or ratio * rate_reference > 1 + 1e-12:
        raise InterviewLabError(
            f"impact_ratio={impact_ratio!r} must be at least 0 and give a focal rate of at "
            f"most 1 (with rate_reference={rate_reference:g}, at most {1 / rate_reference:.3g})."
        )
    return min(ratio * rate_reference, 1.0)


def _settings(
    alpha: float, threshold: float, confidence: float, method: str, n_sims: int, seed: int
) -> Fraction:
    check_fraction("alpha", alpha)
    check_fraction("confidence", confidence)
    check_choice("method", method, METHODS)
    if not 0 < threshold <= 1:
        raise InterviewLabError(f"threshold={threshold!r} must be in (0, 1], e.g. 0.8.")
    _whole("n_sims", n_sims, 100)
    _whole("seed", seed, 0)
    return Fraction(str(threshold)).limit_denominator(10**6)


# ------------------------------------------------------------------ public functions


def audit_power(
    *,
    n_focal: int,
    n_reference: int,
    rate_reference: float,
    impact_ratio: float | None = None,
    rate_focal: float | None = None,
    alpha: float = 0.05,
    threshold: float = 0.8,
    confidence: float = 0.95,
    method: Literal["auto", "exact", "simulation"] = "auto",
    n_sims: int = 20_000,
    seed: int = 0,
    max_tables: int = 4_000_000,
) -> pd.DataFrame:
    r"""Power of the audit's tests to flag adverse impact against a focal group.

    Parameters
    ----------
    n_focal, n_reference : int
        Applicants in the focal group and in the group it is compared with (the
        highest-rate group of :func:`interviewlab.impact_ratios`).
    rate_reference : float
        The reference group's true selection rate.
    impact_ratio : float, optional
        The true impact ratio (focal rate / reference rate); give it or ``rate_focal``.
    rate_focal : float, optional
        The focal group's true selection rate.
    alpha : float, default 0.05
        Two-sided level of Fisher's and the z test.
    threshold : float, default 0.8
        The rule the observed ratio is compared with (four-fifths), exactly.
    confidence : float, default 0.95
        Level of the Katz interval of ``four_fifths_interval``.
    method : {"auto", "exact", "simulation"}, default "auto"
        ``"exact"`` sums over every pair of selected counts; ``"simulation"`` draws
        ``n_sims`` audits; ``"auto"`` is exact when at most ``max_tables`` pairs carry
        the probability (group sizes up to a few thousand), else simulation.
    n_sims : int, default 20000
        Simulated audits (``method="simulation"``).
    seed : int, default 0
        Seed of the simulation (:func:`numpy.random.default_rng`).
    max_tables : int, default 4000000
        Largest grid of count pairs enumerated by ``"auto"``.

    Returns
    -------
    pandas.DataFrame
        One row per test, in this order: ``test`` (code: ``"fisher"``, ``"z"``,
        ``"four_fifths"``, ``"four_fifths_interval"``, ``"four_fifths_fisher"``),
        ``label`` (in words), ``power`` (the probability that the test flags the focal
        group), ``mc_se`` (Monte-Carlo standard error; 0 when exact), ``ci_low``,
        ``ci_high`` (Clopper-Pearson 95% Monte-Carlo interval; equal to ``power`` when
        exact), ``method`` (``"exact"`` or ``"simulation"``), ``n_sims`` (0 when
        exact), ``n_focal``, ``n_reference``, ``rate_focal``, ``rate_reference``,
        ``impact_ratio`` (true), ``alpha``, ``threshold``.

    Notes
    -----
    Selections in the two groups are independent binomials with the true rates (each
    applicant is selected or not on their own; a fixed number of vacancies is not
    modelled). A test *flags* the focal group when, in the audit's own terms:

    - ``fisher``: its selection rate is the lower one and the two-sided Fisher exact
      p-value is below ``alpha`` (the p-value of ``impact_ratios``' ``p_fisher``);
    - ``z``: the same with the pooled two-proportion z test (``p_z``);
    - ``four_fifths``: the observed impact ratio is below ``threshold``
      (``below_threshold``; undefined, so not flagged, when no reference applicant is
      selected);
    - ``four_fifths_interval``: below the threshold and the Katz interval of the ratio
      lies below 1;
    - ``four_fifths_fisher``: below the threshold and Fisher's test significant (the
      audit summary's most severe finding).

    A significant difference in favour of the focal group is not counted, so with equal
    rates the tests' power is about ``alpha / 2``. With several groups compared, the
    audit's Holm-adjusted p-values need more: pass ``alpha / k`` for a Bonferroni bound.

    *Exact* power sums the probabilities of all pairs of counts within the binomials'
    :math:`10^{-12}` quantiles (the error is below :math:`4 \cdot 10^{-12}`). *Simulated*
    power draws the pairs and reports the Monte-Carlo standard error
    :math:`\sqrt{p(1-p)/n_{sims}}`. The z test's power is close to the normal
    approximation :math:`\Phi\big((|p_r-p_f| - z_{1-\alpha/2}\,\sigma_0)/\sigma_1\big)`,
    with the pooled :math:`\sigma_0` and unpooled :math:`\sigma_1`, for large groups.

    Validated against simulation (every test, within 4 Monte-Carlo standard errors),
    the closed-form normal approximation and ``statsmodels.stats.power`` /
    ``statsmodels.stats.proportion.power_proportions_2indep`` for the z test, and the
    Fisher p-values against ``scipy.stats.fisher_exact`` on every table of small grids.

    Examples
    --------
    Forty applicants from the focal group, 200 from the reference group selected at
    30%, and a true impact ratio of 0.6:

    >>> res = audit_power(n_focal=40, n_reference=200, rate_reference=0.3, impact_ratio=0.6)
    >>> res[["test", "power", "method"]].round(3)
                       test  power method
    0                fisher  0.300  exact
    1                     z  0.326  exact
    2           four_fifths  0.816  exact
    3  four_fifths_interval  0.238  exact
    4    four_fifths_fisher  0.300  exact

    The four-fifths rule would flag the group four times in five; Fisher's test, less
    than one time in three.
    """
    frac = _settings(alpha, threshold, confidence, method, n_sims, seed)
    nf, nr = _whole("n_focal", n_focal), _whole("n_reference", n_reference)
    pr = _rate("rate_reference", rate_reference, open_low=True)
    pf = _focal_rate(pr, impact_ratio, rate_focal)
    _whole("max_tables", max_tables)
    design = _Design(nf, nr, pf, pr, alpha, frac, confidence)
    tests = list(POWER_TESTS)
    power, used = _power(
        design, tests, method=method, n_sims=n_sims, seed=seed, max_tables=max_tables
    )
    rows = []
    for test in tests:
        p = power[test]
        if used == "exact":
            se, low, high, sims = 0.0, p, p, 0
        else:
            from statsmodels.stats.proportion import proportion_confint

            hits = round(p * n_sims)
            low, high = proportion_confint(hits, n_sims, alpha=0.05, method="beta")
            se, sims = float(np.sqrt(p * (1 - p) / n_sims)), n_sims
        rows.append(
            {
                "test": test,
                "label": POWER_TESTS[test],
                "power": p,
                "mc_se": se,
                "ci_low": float(low),
                "ci_high": float(high),
                "method": used,
                "n_sims": sims,
                "n_focal": nf,
                "n_reference": nr,
                "rate_focal": pf,
                "rate_reference": pr,
                "impact_ratio": pf / pr,
                "alpha": alpha,
                "threshold": threshold,
            }
        )
    return pd.DataFrame(rows)


def _one_power(design: _Design, test: str, options: dict[str, Any]) -> tuple[float, str]:
    power, used = _power(design, [test], **options)
    return power[test], used


def audit_sample_size(
    *,
    rate_reference: float,
    impact_ratio: float | None = None,
    rate_focal: float | None = None,
    focal_share: float = 0.5,
    test: PowerTest = "fisher",
    power: float = 0.8,
    alpha: float = 0.05,
    threshold: float = 0.8,
    confidence: float = 0.95,
    max_total: int = 200_000,
    method: Literal["auto", "exact", "simulation"] = "auto",
    n_sims: int = 20_000,
    seed: int = 0,
    max_tables: int = 4_000_000,
) -> pd.DataFrame:
    """Applicants needed for a test of the audit to reach the target power.

    Parameters
    ----------
    rate_reference, impact_ratio, rate_focal
        The true rates, as in :func:`audit_power`.
    focal_share : float, default 0.5
        The focal group's share of the applicants in the two groups compared.
    test : {"fisher", "z", "four_fifths", "four_fifths_interval", "four_fifths_fisher"}
        The test, as in :func:`audit_power`.
    power : float, default 0.8
        The target power.
    alpha, threshold, confidence, method, n_sims, seed, max_tables
        As in :func:`audit_power`.
    max_total : int, default 200000
        Most applicants searched.

    Returns
    -------
    pandas.DataFrame
        One row: ``test``, ``target_power``, ``n_total``, ``n_focal``, ``n_reference``
        (the applicants needed; 0 when not reached), ``power`` (reached there),
        ``method``, ``reached`` (bool) and ``reason`` (why not, in words).

    Notes
    -----
    The focal group has ``round(focal_share * n_total)`` applicants (at least 1). The
    total is doubled until the target is reached, then found by bisection. The power of
    exact tests is saw-toothed in the group sizes, so a few applicants more can have
    slightly less power: the figure is the first total found by bisection, with the
    power reached there. The four-fifths rule alone reaches high power only when the
    true ratio is below the threshold; otherwise it is not reached.

    Examples
    --------
    >>> audit_sample_size(rate_reference=0.3, impact_ratio=0.6, focal_share=0.2)[
    ...     ["n_total", "n_focal", "n_reference", "reached"]]
       n_total  n_focal  n_reference  reached
    0      657      131          526     True
    """
    check_choice("test", test, tuple(POWER_TESTS))
    check_fraction("power", power)
    check_fraction("focal_share", focal_share)
    frac = _settings(alpha, threshold, confidence, method, n_sims, seed)
    pr = _rate("rate_reference", rate_reference, open_low=True)
    pf = _focal_rate(pr, impact_ratio, rate_focal)
    limit = _whole("max_total", max_total, 2)
    options: dict[str, Any] = {
        "method": method,
        "n_sims": n_sims,
        "seed": seed,
        "max_tables": max_tables,
    }

    def at(total: int) -> tuple[float, str]:
        nf = min(max(1, round(focal_share * total)), total - 1)
        design = _Design(nf, total - nf, pf, pr, alpha, frac, confidence)
        return _one_power(design, test, options)

    low, high = 1, 2
    reached, used = at(high)
    while reached < power and high < limit:
        low, high = high, min(2 * high, limit)
        reached, used = at(high)
    row: dict[str, Any] = {"test": test, "target_power": power}
    if reached < power:
        why = f"not reached with {limit:,} applicants (power {reached:.3f} there)"
        row.update(n_total=0, n_focal=0, n_reference=0, power=reached, method=used)
        row.update(reached=False, reason=why)
        return pd.DataFrame([row])
    while high - low > 1:
        middle = (low + high) // 2
        p, how = at(middle)
        if p >= power:
            high, reached, used = middle, p, how
        else:
            low = middle
    nf = min(max(1, round(focal_share * high)), high - 1)
    row.update(n_total=high, n_focal=nf, n_reference=high - nf, power=reached, method=used)
    row.update(reached=True, reason="")
    return pd.DataFrame([row])


def _power_by_ratio(
    design: _Design, test: str, options: dict[str, Any]
) -> Callable[[float], tuple[float, str]]:
    """Power of ``test`` as a function of the true ratio, the other settings fixed.

    When exact, the tables the test flags do not depend on the true rates: they are
    found once, on every focal count and the reference counts' support, and each ratio
    only reweights them.
    """
    nf, pr = design.n_focal, design.rate_reference
    xr_values, p_ref = _support(design.n_reference, pr)
    exact = options["method"] == "exact" or (
        options["method"] == "auto" and (nf + 1) * len(xr_values) <= options["max_tables"]
    )
    if not exact:

        def simulated(ratio: float) -> tuple[float, str]:
            return _one_power(replace(design, rate_focal=ratio * pr), test, options)

        return simulated
    xf_values = np.arange(nf + 1)
    xf = np.repeat(xf_values, len(xr_values))
    xr = np.tile(xr_values, len(xf_values))
    flagged = _rejections(xf, xr, design, [test])[test].reshape(len(xf_values), len(xr_values))
    by_focal = flagged.astype(float) @ p_ref

    def exact_power(ratio: float) -> tuple[float, str]:
        p_focal = stats.binom.pmf(xf_values, nf, min(ratio * pr, 1.0))
        return float(np.clip(p_focal @ by_focal, 0.0, 1.0)), "exact"

    return exact_power


def detectable_impact_ratio(
    *,
    n_focal: int,
    n_reference: int,
    rate_reference: float,
    test: PowerTest = "fisher",
    power: float = 0.8,
    alpha: float = 0.05,
    threshold: float = 0.8,
    confidence: float = 0.95,
    tolerance: float = 0.001,
    method: Literal["auto", "exact", "simulation"] = "auto",
    n_sims: int = 20_000,
    seed: int = 0,
    max_tables: int = 4_000_000,
) -> pd.DataFrame:
    """The impact ratio an audit of this size would detect with the target power.

    Parameters
    ----------
    n_focal, n_reference : int
        Applicants in the focal and reference groups.
    rate_reference : float
        The reference group's selection rate (e.g. the observed one).
    test : {"fisher", "z", "four_fifths", "four_fifths_interval", "four_fifths_fisher"}
        The test, as in :func:`audit_power`.
    power : float, default 0.8
        The target power.
    alpha, threshold, confidence, method, n_sims, seed, max_tables
        As in :func:`audit_power`.
    tolerance : float, default 0.001
        Precision of the ratio found.

    Returns
    -------
    pandas.DataFrame
        One row: ``test``, ``n_focal``, ``n_reference``, ``rate_reference``,
        ``target_power``, ``detectable_ratio`` (true impact ratios at or below it are
        flagged with at least the target power; NaN when none is), ``power`` (at that
        ratio), ``method`` and ``reason`` (why none, in words).

    Notes
    -----
    The power of a test falls as the true ratio rises towards 1; the ratio where it
    crosses the target is found by bisection. It is the minimum detectable effect
    expressed as an impact ratio: a non-significant finding in an audit this size says
    little about true ratios above it.

    Examples
    --------
    >>> detectable_impact_ratio(n_focal=40, n_reference=200, rate_reference=0.3)[
    ...     ["detectable_ratio", "power"]].round(3)
       detectable_ratio  power
    0              0.33  0.801
    """
    check_choice("test", test, tuple(POWER_TESTS))
    check_fraction("power", power)
    check_fraction("tolerance", tolerance)
    frac = _settings(alpha, threshold, confidence, method, n_sims, seed)
    nf, nr = _whole("n_focal", n_focal), _whole("n_reference", n_reference)
    pr = _rate("rate_reference", rate_reference, open_low=True)
    options: dict[str, Any] = {
        "method": method,
        "n_sims": n_sims,
        "seed": seed,
        "max_tables": max_tables,
    }

    at = _power_by_ratio(_Design(nf, nr, pr, pr, alpha, frac, confidence), test, options)
    row: dict[str, Any] = {"test": test, "n_focal": nf, "n_reference": nr}
    row.update(rate_reference=pr, target_power=power)
    best, used = at(0.0)
    if best < power:
        why = f"not detectable: even with no focal applicant selected the power is {best:.2f}"
        row.update(detectable_ratio=np.nan, power=best, method=used, reason=why)
        return pd.DataFrame([row])
    top, how = at(1.0)
    if top >= power:
        why = "flagged with the target power even when the rates are equal"
        row.update(detectable_ratio=1.0, power=top, method=how, reason=why)
        return pd.DataFrame([row])
    low, high, reached = 0.0, 1.0, best
    while high - low > tolerance:
        middle = (low + high) / 2
        p, how = at(middle)
        if p >= power:
            low, reached, used = middle, p, how
        else:
            high = middle
    row.update(detectable_ratio=low, power=reached, method=used, reason="")
    return pd.DataFrame([row])
