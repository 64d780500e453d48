"""The linear mixed-model engine: crossed and nested random intercepts by profiled (RE)ML.

One engine serves reliability (REML ICCs), generalizability theory, rater effects and
format comparisons. It fits models of the form

    y = X beta + Z_1 b_1 + ... + Z_k b_k + e,   b_j ~ N(0, s_j^2 I),   e ~ N(0, s^2 I)

where each ``Z_j`` is the indicator matrix of one grouping factor (a random intercept),
the way lme4 does it (Bates et al. 2015): the variance parameters are the relative
standard deviations ``theta_j = s_j / s``, and for each ``theta`` the penalised least
squares problem is solved by one Cholesky factorisation from which the profiled
(restricted) log-likelihood follows in closed form.

Speed comes from the structure of random-intercept models: ``Z_a'Z_a`` is diagonal for
every factor ``a``, and factors nested in ``a`` (``candidate:rater`` in ``candidate``)
add only small blocks, one per level of ``a``. That block-diagonal part is absorbed
exactly by a Schur complement, leaving a small dense system over the levels of the
other factors (raters, questions) and the fixed effects.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.linalg as sla
import scipy.sparse as sp
from scipy import stats

from interviewlab._checks import (
    as_list,
    check_choice,
    check_fraction,
    require_frame,
    sentence_end,
)
from interviewlab.errors import InterviewLabError, InterviewLabWarning, SmallSampleWarning
from interviewlab.models._design import (
    FEW_LEVELS,
    METHODS,
    SINGULAR_TOL,
    Design,
    build_design,
    single_threaded_blas,
)
from interviewlab.models._deviance import (
    THETA_MAX,
    CholeskyFactor,
    Deviance,
    minimise,
)
from interviewlab.models._profile import profile_interval
from interviewlab.models._satterthwaite import (
    Satterthwaite,
    satterthwaite_from,
    tau_derivatives,
)

#: how the fixed-effect tests get their degrees of freedom
DDF = ("satterthwaite", "z")

# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class MixedFit:
    """A fitted random-intercepts linear mixed model (see :func:`fit_mixed`).

    Attributes
    ----------
    fixed : pandas.DataFrame
        One row per fixed-effect term: ``term``, ``estimate``, ``se``, ``df``
        (Satterthwaite degrees of freedom; ``inf`` with ``ddf="z"``), ``statistic``
        (``estimate / se``: a t statistic on ``df``, a z statistic when ``df`` is
        ``inf``), ``ci_low``, ``ci_high``, ``p_value``.
    variances : pandas.DataFrame
        One row per random factor and a last row ``residual``: ``component``,
        ``variance``, ``sd``, ``ci_low``, ``ci_high`` (for the variance), ``ci_method``,
        ``n_levels`` (number of levels; the number of observations for the residual).
    loglik : float
        Maximised log-likelihood (REML log restricted likelihood for ``method="reml"``).
    converged : bool
        Whether the optimiser reported convergence.
    singular : bool
        Whether a variance component is estimated at zero (relative SD below 1e-4).
    n_obs : int
        Number of observations used.
    method : str
        ``"reml"`` or ``"ml"``.
    ddf : str
        ``"satterthwaite"`` or ``"z"``: how tests and intervals got their df.
    confidence : float
        Confidence level of the intervals.
    """

    fixed: pd.DataFrame
    variances: pd.DataFrame
    loglik: float
    converged: bool
    singular: bool
    n_obs: int
    method: str
    ddf: str = "z"
    confidence: float = 0.95
    _blups: Mapping[str, pd.DataFrame] = field(repr=False, default_factory=dict)
    _satt: Satterthwaite | None = field(repr=False, default=None)

    def blups(self, component: str) -> pd.DataFrame:
        """Return the predicted random effects (conditional modes) of one component.

        Parameters
        ----------
        component : str
            A name listed in ``random`` when fitting, e.g. ``"rater_id"``.

        Returns
        -------
        pandas.DataFrame
            One row per level: ``level`` (the level's value; a tuple for an ``a:b``
            interaction), ``n`` (observations), ``blup`` (conditional mode) and ``se``
            (conditional standard deviation given the data and the estimated fixed
            effects and variances, as lme4's ``condVar``).
        """
        check_choice("component", component, tuple(self._blups))
        return self._blups[component].copy()

    def contrast(self, weights: Mapping[str, float], *, label: str = "contrast") -> pd.DataFrame:
        """Test one linear combination of the fixed effects, ``sum_j w_j beta_j``.

        Parameters
        ----------
        weights : mapping of str to float
            Weight of each fixed-effect term by its name in ``.fixed["term"]``; terms
            not named get weight 0. E.g. ``{"group[T.Black]": 1, "format[T.live]:group[T.Black]":
            1}`` is the group gap in the live format.
        label : str
            Value of the ``term`` column of the result.

        Returns
        -------
        pandas.DataFrame
            One row with the columns of ``.fixed``: ``term`` (= ``label``), ``estimate``,
            ``se``, ``df``, ``statistic``, ``ci_low``, ``ci_high``, ``p_value``, tested
            with the fit's ``ddf`` (Satterthwaite df for this combination, as lmerTest's
            ``contest1D``) at the fit's confidence level.
        """
        terms = self.fixed["term"].tolist()
        unknown = [t for t in weights if t not in terms]
        if unknown:
            raise InterviewLabError(
                f"contrast weights name {', '.join(map(repr, unknown))}, which are not "
                f"fixed-effect terms of this fit; the terms are: {sentence_end(', '.join(terms))}."
            )
        if self._satt is None:
            raise InterviewLabError("This fit keeps no covariance of its fixed effects.")
        c = np.array([float(weights.get(t, 0.0)) for t in terms])
        estimate = float(c @ self.fixed["estimate"].to_numpy())
        se = float(np.sqrt(c @ self._satt.vcov @ c))
        df = self._satt.df(c) if self.ddf == "satterthwaite" else np.inf
        return _test_rows(
            [label], np.array([estimate]), np.array([se]), np.array([df]), self.confidence
        )


def _test_rows(
    terms: list[str],
    estimate: np.ndarray,
    se: np.ndarray,
    df: np.ndarray,
    confidence: float,
) -> pd.DataFrame:
    """Wald rows: t tests on ``df`` (normal where ``df`` is inf)."""
    df = np.asarray(df, dtype=float)
    finite = np.isfinite(df)
    safe_df = np.where(finite, df, 1.0)
    crit = np.where(
        finite,
        stats.t.ppf(0.5 + confidence / 2.0, safe_df),
        stats.norm.ppf(0.5 + confidence / 2.0),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = estimate / se
    p = np.where(
        finite,
        2.0 * stats.t.sf(np.abs(statistic), safe_df),
        2.0 * stats.norm.sf(np.abs(statistic)),
    )
    return pd.DataFrame(
        {
            "term": terms,
            "estimate": estimate,
            "se": se,
            "df": df,
            "statistic": statistic,
            "ci_low": estimate - crit * se,
            "ci_high": estimate + crit * se,
            "p_value": p,
        }
    )


def _variance_rows(
    dev: Deviance,
    theta: np.ndarray,
    sigma2: float,
    *,
    confidence: float,
    hessian: np.ndarray | None,
) -> pd.DataFrame:
    """Variance table with profile-likelihood intervals (none when ``hessian`` is None)."""
    design = dev.design
    values = [*(sigma2 * theta**2), sigma2]
    names = [*design.components, "residual"]
    n_levels = [*(len(lv) for lv in design.levels), dev.n]
    lows, highs = [np.nan] * len(values), [np.nan] * len(values)
    if hessian is not None:
        base = dev.criterion(theta)
        cut = float(stats.chi2.ppf(confidence, df=1))
        for j in range(len(values)):
            at_zero = j < len(theta) and theta[j] < SINGULAR_TOL
            lows[j], highs[j] = profile_interval(
                dev, theta, sigma2, hessian, j, base=base, cut=cut, at_zero=at_zero
            )
    return pd.DataFrame(
        {
            "component": names,
            "variance": values,
            "sd": np.sqrt(values),
            "ci_low": lows,
            "ci_high": highs,
            "ci_method": "profile" if hessian is not None else "none",
            "n_levels": n_levels,
        }
    )


def _solution(dev: Deviance, f: CholeskyFactor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fixed effects, their unscaled covariance (R_X'R_X)^-1 and spherical u of rest."""
    q, p = dev.q_rest, dev.p
    chol = f.chol
    upper = chol[:-1, :-1].T
    rhs = chol[-1, :-1]
    sol = sla.solve_triangular(upper, rhs, lower=False)
    beta = sol[q:]
    lx = chol[q : q + p, q : q + p]
    lx_inv = sla.solve_triangular(lx, np.eye(p), lower=True)
    return beta, lx_inv.T @ lx_inv, sol[:q]


def _blup_tables(
    dev: Deviance, f: CholeskyFactor, beta: np.ndarray, u_rest: np.ndarray, sigma2: float
) -> dict[str, pd.DataFrame]:
    """Conditional modes b = Lambda u and their conditional SDs for every component.

    Conditional variances are the diagonal of ``sigma^2 Lambda (Lambda'Z'Z Lambda +
    I)^-1 Lambda``, computed blockwise: ``S_r^-1`` for the rest levels and
    ``M^-1 + M^-1 B S_r^-1 B' M^-1`` for the absorbed ones.
    """
    design = dev.design
    theta = f.theta
    resid = design.y - design.X @ beta
    blup: dict[int, np.ndarray] = {}
    var: dict[int, np.ndarray] = {}
    offset = 0
    q = dev.q_rest
    lr_inv = sla.solve_triangular(f.chol[:q, :q], np.eye(q), lower=True)
    var_rest = np.sum(lr_inv**2, axis=0)
    for j in dev.rest:
        size = dev.sizes[j]
        blup[j] = theta[j] * u_rest[offset : offset + size]
        var[j] = theta[j] ** 2 * var_rest[offset : offset + size]
        resid = resid - blup[j][design.codes[j]]
        offset += size
    scale = theta[np.asarray(dev.rest)][dev.rest_slot] if q else np.zeros(0)
    if dev.block is None or f.blocks is None:
        a = dev.absorbed
        sums_a = np.bincount(design.codes[a], weights=resid, minlength=dev.sizes[a])
        blup[a] = theta[a] ** 2 * sums_a / f.d
        var_a = 1.0 / f.d
        if q:
            z_rest = sp.hstack(
                [
                    sp.csr_matrix(
                        (np.ones(dev.n), (design.codes[a], design.codes[j])),
                        (dev.sizes[a], dev.sizes[j]),
                    )
                    for j in dev.rest
                ],
                format="csr",
            )
            coupling = theta[a] * (z_rest @ sp.diags(scale))
            spread = np.asarray((sp.diags(1.0 / f.d) @ coupling) @ lr_inv.T)
            var_a = var_a + np.sum(spread**2, axis=1)
        var[a] = theta[a] ** 2 * var_a
    else:
        blk = dev.block
        t = blk.scale(theta)
        chol = f.blocks
        rhs = t * (blk.z_a @ resid).reshape(blk.n_groups, blk.size)
        half = np.linalg.solve(chol, rhs[:, :, None])
        u = np.linalg.solve(np.transpose(chol, (0, 2, 1)), half)[:, :, 0]
        chol_inv = np.linalg.solve(chol, np.broadcast_to(np.eye(blk.size), chol.shape))
        var_a = np.sum(chol_inv**2, axis=1)
        if q:
            coupling = t[:, :, None] * blk.coupling[:, :, :q] * scale
            m_inv_b = np.linalg.solve(
                np.transpose(chol, (0, 2, 1)), np.linalg.solve(chol, coupling)
            )
            var_a = var_a + np.sum((m_inv_b @ lr_inv.T) ** 2, axis=2)
        for j in blk.nested:
            owner, slot = blk.position[j]
            blup[j] = theta[j] * u[owner, slot]
            var[j] = theta[j] ** 2 * var_a[owner, slot]
    tables: dict[str, pd.DataFrame] = {}
    for j, component in enumerate(design.components):
        tables[component] = pd.DataFrame(
            {
                "level": design.levels[j],
                "n": np.bincount(design.codes[j], minlength=dev.sizes[j]),
                "blup": blup[j],
                "se": np.sqrt(sigma2 * var[j]),
            }
        )
    return tables


def fit_mixed(
    data: pd.DataFrame,
    formula: str,
    *,
    random: str | Sequence[str],
    method: str = "reml",
    confidence: float = 0.95,
    variance_ci: bool = True,
    ddf: str = "satterthwaite",
) -> MixedFit:
    """Fit a linear mixed model with crossed or nested random intercepts.

    Parameters
    ----------
    data : pandas.DataFrame
        Long (tidy) data, one row per observation (e.g. one rating).
    formula : str
        Fixed effects in patsy syntax, e.g. ``"score ~ format * group"``.
    random : str or list of str
        Random-intercept factors, e.g. ``["candidate_id", "rater_id"]``. An interaction
        ``"a:b"`` is a factor whose levels are the observed combinations; nesting (raters
        within panels) is written the same way: ``["panel_id", "panel_id:rater_id"]``.
    method : {"reml", "ml"}
        Restricted (default) or full maximum likelihood.
    confidence : float
        Confidence level of the intervals.
    variance_ci : bool
        Compute profile-likelihood intervals for the variances (about as long again as
        the fit; ``False`` leaves them missing with ``ci_method="none"``).
    ddf : {"satterthwaite", "z"}
        Degrees of freedom of the fixed-effect tests: Satterthwaite's approximation as
        R's lmerTest (default), or ``"z"`` for normal (Wald z) tests and intervals.

    Returns
    -------
    MixedFit
        ``.fixed`` with columns ``term``, ``estimate``, ``se``, ``df``, ``statistic``,
        ``ci_low``, ``ci_high``, ``p_value``; ``.variances`` with columns ``component``,
        ``variance``, ``sd``, ``ci_low``, ``ci_high``, ``ci_method``, ``n_levels`` (the
        residual is the row ``residual``); ``.loglik``, ``.converged``, ``.singular``, ``.n_obs``,
        ``.method`` and ``.blups(component)`` (columns ``level``, ``n``, ``blup``, ``se``).

    Notes
    -----
    The model is ``y = X beta + sum_j Z_j b_j + e`` with independent random intercepts
    ``b_j ~ N(0, sigma_j^2 I)`` and ``e ~ N(0, sigma^2 I)``. Following lme4 (Bates et al.
    2015), the variances are parametrised by ``theta_j = sigma_j / sigma >= 0``; for each
    ``theta`` the Cholesky factor of ``[Lambda'Z'Z Lambda + I, Lambda'Z'X, Lambda'Z'y;
    ...; y'y]`` gives the profiled REML criterion
    ``log|L|^2 + log|R_X|^2 + (n - p)(1 + log(2 pi r^2 / (n - p)))`` (ML: without
    ``log|R_X|^2`` and with ``n`` for ``n - p``). The factor with most levels, with the
    factors nested in it (e.g. ``candidate`` with ``candidate:rater``), is absorbed
    exactly by a Schur complement because its part of ``Z'Z`` is (block) diagonal, so
    each evaluation costs a dense Cholesky over the *other* factors' levels only (with
    thousands of raters crossed with thousands of candidates that block fills in
    completely: a sparse fill-reducing ordering, as lme4's CHOLMOD uses, stores as many
    entries). ``theta`` is optimised by L-BFGS-B bounded at 0 with the analytic gradient
    ``(2 / theta_j) (q_j - tr_j(Omega^-1) - |u_j|^2 / sigma^2)`` (``Omega`` the
    penalised system, ``tr_j`` over component ``j``'s levels, ``u_j`` its spherical
    random effects; one inverse of the Schur complement per step). The criterion is even
    in each ``theta_j``, so its gradient at 0 is 0 and a search can stop there when 0 is
    not the minimum: a component ending at 0 is re-tried from an interior start, and
    the slope at ``theta_j = 1e-3`` is checked; where the criterion falls inwards the
    search restarts inside and the better optimum is kept.

    * Fixed effects: ``beta`` from the same factorisation, covariance
      ``C = sigma^2 (R_X'R_X)^-1`` (= ``sigma^2 (X'V^-1X)^-1``). With
      ``ddf="satterthwaite"`` each term is a t test on Satterthwaite's df
      ``2 v^2 / (g' A g)``, where ``v`` is the term's variance, ``g`` its gradient in
      the variance parameters ``tau = (theta, sigma)`` and ``A = 2 H^-1`` the inverse of
      half the Hessian of the deviance in ``tau`` (Kuznetsova et al. 2017; lmerTest
      differentiates numerically with numDeriv; here the ``sigma`` derivatives are
      analytic and the ``theta`` ones central differences of the analytic gradient and
      of ``C``, 2k factorisations). With few raters or questions these df are small and the tests
      honest where z tests are liberal. ``ddf="z"`` gives normal tests (``df = inf``).
      :meth:`MixedFit.contrast` tests any linear combination the same way.
    * Variances: profile-likelihood intervals (chi-square with 1 df; at a zero estimate
      the lower end is 0 and the interval is conservative) of the fit's own criterion:
      the REML deviance for ``method="reml"``. Each end is found by Newton steps on the
      signed root of the profile deviance in the log SD (with the analytic slope), the
      other parameters re-optimised by quasi-Newton steps from the deviance's Hessian
      (the one the Satterthwaite df use), so an end costs a few factorisations. R's
      ``confint(profile(m))`` profiles the *ML* deviance even for a REML fit (lme4
      refits by ML first): it equals our ``method="ml"`` intervals (to 1e-4, lme4
      interpolates splines) and is a little narrower than our REML intervals. With very
      few levels the profile may not reach the cut-off: the upper end is then ``inf``.
    * ``loglik`` is the REML log restricted likelihood in the convention of lme4 and
      statsmodels (including the ``log|X'V^-1X|`` term), so it equals statsmodels'
      ``MixedLMResults.llf`` for the same model.
    * ``singular`` is true when some ``theta_j < 1e-4`` (lme4's ``isSingular``
      tolerance): that component is estimated at zero and a warning is issued.
    * BLUPs are conditional modes ``Lambda u``; ``se`` is the conditional SD given the
      estimated parameters (lme4's ``condVar``; it ignores uncertainty in beta).

    Not handled: random slopes, correlated random effects, weights, non-Gaussian
    responses. Cost grows with the cube of the number of levels of the factors other
    than the absorbed ones (the largest factor and those nested in it): fine for
    thousands of candidates and hundreds of raters, slow for thousands of levels of a
    crossed factor such as ``rater_id:question_id`` with many raters.

    Validated against statsmodels ``MixedLM`` (REML and ML, crossed, nested and with an
    interaction, unbalanced designs): fixed effects, variances and log-likelihood agree
    to 1e-4 relative (5e-4 for a 5-level factor where statsmodels stops short of the
    optimum, with our log-likelihood the higher), BLUPs to 1e-3; SEs equal the dense
    GLS formula ``sqrt(diag((X'V^-1X)^-1))`` at statsmodels' variances to 1e-4
    (statsmodels' own ``bse_fe`` inverts the joint information matrix and differs by up
    to 1%); the criterion, BLUPs and conditional SDs equal dense textbook formulas to
    1e-7 (``tests/test_mixed.py``). Against R lme4/lmerTest on an InstEval-sized design
    (3,000 students x 1,100 lecturers, 71,753 ratings) and InstEval's second model:
    log-likelihood to 1e-10 (ours at least lme4's), estimates, SEs and Satterthwaite df
    to 1e-5; ML profile intervals equal lme4's ``confint(profile)`` to 1e-4
    (``tests/models/test_large_design.py``).

    References
    ----------
    Bates, D., Maechler, M., Bolker, B. & Walker, S. (2015). Fitting linear mixed-effects
    models using lme4. Journal of Statistical Software, 67(1), 1-48.

    Kuznetsova, A., Brockhoff, P. B. & Christensen, R. H. B. (2017). lmerTest package:
    tests in linear mixed effects models. Journal of Statistical Software, 82(13), 1-26.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> cand = np.repeat(np.arange(30), 6)
    >>> rater = np.tile(np.arange(6), 30)
    >>> score = 3 + rng.normal(0, 1, 30)[cand] + rng.normal(0, 0.5, 6)[rater]
    >>> score = score + rng.normal(0, 0.7, 180)
    >>> df = pd.DataFrame({"candidate_id": cand, "rater_id": rater, "score": score})
    >>> fit = fit_mixed(df, "score ~ 1", random=["candidate_id", "rater_id"])
    >>> fit.variances[["component", "n_levels"]]
          component  n_levels
    0  candidate_id        30
    1      rater_id         6
    2      residual       180
    >>> bool(fit.converged), fit.n_obs
    (True, 180)
    """
    require_frame(data)
    random_list = as_list(random)
    check_choice("method", method, METHODS)
    check_fraction("confidence", confidence)
    check_choice("ddf", ddf, DDF)
    with single_threaded_blas():  # also the design's rank check: threads cost 10x there
        design = build_design(data, formula, random_list)
        fit = fit_design(
            design, method=method, confidence=confidence, variance_ci=variance_ci, ddf=ddf
        )
    if fit.singular:
        zero = fit.variances.loc[
            (fit.variances["component"] != "residual")
            & (fit.variances["variance"] <= (SINGULAR_TOL**2) * fit.variances["variance"].iloc[-1]),
            "component",
        ]
        warnings.warn(
            f"Singular fit: the variance of {', '.join(map(str, zero))} is estimated at "
            "zero. The data show no variation attributable to it beyond the residual; "
            "consider a simpler model.",
            InterviewLabWarning,
            stacklevel=2,
        )
    if not fit.converged:
        warnings.warn(
            "The optimiser did not report convergence; check the estimates.",
            InterviewLabWarning,
            stacklevel=2,
        )
    few = [
        str(c)
        for c, n in zip(design.components, (len(lv) for lv in design.levels), strict=True)
        if n < FEW_LEVELS
    ]
    if few:
        warnings.warn(
            f"{', '.join(few)} has fewer than {FEW_LEVELS} levels: its variance is "
            "poorly determined and its interval wide.",
            SmallSampleWarning,
            stacklevel=2,
        )
    return fit


def fit_design(
    design: Design,
    *,
    method: str,
    confidence: float,
    variance_ci: bool,
    ddf: str = "z",
) -> MixedFit:
    """Fit a built design: :func:`fit_mixed` without its checks and warnings.

    Parameters
    ----------
    design : Design
        From :func:`~interviewlab.models.engine.build_design`, or built directly.
    method : {"reml", "ml"}
        Not checked: pass a checked value.
    confidence : float
        Confidence level of the intervals.
    variance_ci : bool
        Profile-likelihood intervals of the variances (otherwise missing).
    ddf : {"satterthwaite", "z"}
        Degrees of freedom of the fixed-effect tests.

    Returns
    -------
    MixedFit
        As :func:`fit_mixed`'s. No warning is issued for a singular fit, a search that
        did not converge or a factor with few levels: the caller reads ``.singular``,
        ``.converged`` and ``.variances["n_levels"]`` and decides what to report. Run it
        inside :func:`~interviewlab.models.engine.single_threaded_blas`.
    """
    dev = Deviance(design, reml=method == "reml")
    k = len(design.components)
    theta, converged = minimise(
        dev.criterion, np.ones(k), [0.0] * k, value_and_gradient=dev.objective, upper=THETA_MAX
    )
    theta = np.abs(theta)
    f = dev.cholesky(theta)
    sigma2 = dev.sigma2(f)
    beta, cov_unscaled, u_rest = _solution(dev, f)
    se = np.sqrt(np.diag(cov_unscaled) * sigma2)
    tau = tau_derivatives(dev, theta, sigma2) if ddf == "satterthwaite" or variance_ci else None
    if ddf == "satterthwaite" and tau is not None:
        satt = satterthwaite_from(tau)
        df = np.array([satt.df(row) for row in np.eye(len(beta))])
    else:
        satt = Satterthwaite(
            vcov=cov_unscaled * sigma2, jacobian=np.zeros((0, *cov_unscaled.shape)), vcov_tau=None
        )
        df = np.full(len(beta), np.inf)
    fixed = _test_rows(design.terms, beta, se, df, confidence)
    variances = _variance_rows(
        dev,
        theta,
        sigma2,
        confidence=confidence,
        hessian=tau.hessian if variance_ci and tau is not None else None,
    )
    blups = _blup_tables(dev, f, beta, u_rest, sigma2)
    return MixedFit(
        fixed=fixed,
        variances=variances,
        loglik=-0.5 * dev.criterion(theta),
        converged=converged,
        singular=bool(np.any(theta < SINGULAR_TOL)),
        n_obs=dev.n,
        method=method,
        ddf=ddf,
        confidence=confidence,
        _blups=blups,
        _satt=satt,
    )
