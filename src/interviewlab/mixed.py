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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import patsy
import scipy.linalg as sla
import scipy.optimize as sopt
import scipy.sparse as sp
from scipy import stats

from interviewlab._checks import (
    as_list,
    check_choice,
    check_fraction,
    require_columns,
    require_frame,
)
from interviewlab.errors import InterviewLabError, InterviewLabWarning, SmallSampleWarning
from interviewlab.reliability import ICC_LABELS, ICC_TYPES

__all__ = ["MixedFit", "fit_mixed", "icc_reml"]

METHODS = ("reml", "ml")
#: theta (relative SD) below which a component counts as estimated at zero (lme4's tolerance)
SINGULAR_TOL = 1e-4
#: fewer levels than this make a variance component's estimate fragile
FEW_LEVELS = 5
_LOG_2PI = float(np.log(2.0 * np.pi))
#: profile searches stop beyond this multiple of the residual variance (interval end inf)
_UNBOUNDED = 1e6
#: value of the profile excess where the deviance cannot be evaluated (extreme variances)
_FAR_OUTSIDE = 1e6
#: largest block (levels of nested factors per level of the grouping factor) absorbed
_MAX_BLOCK = 60


@contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Run BLAS on one thread: the many small factorisations lose badly to thread hand-off.

    threadpoolctl comes with scikit-learn (a dependency of librosa); without it, this
    does nothing.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


# --------------------------------------------------------------------------- design


@dataclass(frozen=True)
class _Design:
    """Response, fixed-effects matrix and integer codes of each random factor."""

    y: np.ndarray
    X: np.ndarray
    terms: list[str]
    components: list[str]
    codes: list[np.ndarray]
    levels: list[list[Any]]


def _factor_codes(frame: pd.DataFrame, component: str) -> tuple[np.ndarray, list[Any]]:
    """Integer codes (0..q-1) and level labels of a factor or an ``a:b`` interaction."""
    parts = component.split(":")
    if len(parts) == 1:
        single, uniques = pd.factorize(frame[parts[0]], sort=True)
        return np.asarray(single, dtype=np.int64), list(uniques)
    grouped = frame.groupby(parts, sort=True, observed=True)
    codes = grouped.ngroup().to_numpy(dtype=np.int64)
    labels = list(grouped.size().index)
    return codes, labels


def _build_design(data: pd.DataFrame, formula: str, random: list[str]) -> _Design:
    """Check inputs, drop (and count) incomplete rows, and build y, X and factor codes."""
    if not isinstance(formula, str) or "~" not in formula:
        raise InterviewLabError(
            f"formula={formula!r} is not a formula; write it as 'score ~ format * group' "
            "(patsy syntax; use 'score ~ 1' for an intercept only)."
        )
    if not random:
        raise InterviewLabError(
            "random is empty: list at least one random-intercept factor, e.g. "
            "random=['candidate_id', 'rater_id']. Without random effects use ordinary "
            "least squares (statsmodels.formula.api.ols)."
        )
    factor_columns = sorted({part for term in random for part in term.split(":")})
    require_columns(data, factor_columns)
    if len(set(random)) != len(random):
        raise InterviewLabError(f"random={random!r} lists a factor twice; list each once.")

    frame = data.reset_index(drop=True)
    keep = frame[factor_columns].notna().all(axis=1).to_numpy(copy=True)
    try:
        y_frame, x_frame = patsy.dmatrices(
            formula, frame, return_type="dataframe", NA_action="drop", eval_env=0
        )
    except patsy.PatsyError as exc:
        raise InterviewLabError(
            f"The formula {formula!r} cannot be built from the data: {exc}. Check the "
            "column names and patsy syntax (C(x) marks a categorical column)."
        ) from exc
    if y_frame.shape[1] != 1:
        raise InterviewLabError(
            f"The response of {formula!r} gives {y_frame.shape[1]} columns; the response "
            "must be one numeric column."
        )
    in_formula = np.zeros(len(frame), dtype=bool)
    in_formula[y_frame.index.to_numpy()] = True
    keep &= in_formula
    n_dropped = int(len(frame) - keep.sum())
    if n_dropped:
        warnings.warn(
            f"{n_dropped} of {len(frame)} rows have a missing value in the response, a "
            "fixed-effect column or a random factor and were left out of the fit.",
            InterviewLabWarning,
            stacklevel=3,
        )
    rows = np.flatnonzero(keep)
    used = frame.iloc[rows]
    y = y_frame.loc[rows].to_numpy(dtype=float).ravel()
    X = x_frame.loc[rows].to_numpy(dtype=float)
    if X.shape[1] and np.linalg.matrix_rank(X) < X.shape[1]:
        raise InterviewLabError(
            f"The fixed effects of {formula!r} are not estimable from these data (the "
            "design matrix is rank deficient: a level combination is empty or two terms "
            "are confounded). Drop or merge terms."
        )
    if len(y) <= X.shape[1] + 1:
        raise InterviewLabError(
            f"Only {len(y)} complete rows for {X.shape[1]} fixed effects: too few to fit."
        )
    codes, levels = [], []
    for component in random:
        c, lab = _factor_codes(used, component)
        codes.append(c)
        levels.append(lab)
    return _Design(
        y=y,
        X=X,
        terms=list(x_frame.columns),
        components=list(random),
        codes=codes,
        levels=levels,
    )


# --------------------------------------------------------------------------- deviance


@dataclass(frozen=True)
class _Factor:
    """One factorisation of the penalised system at a given theta."""

    theta: np.ndarray
    chol: np.ndarray  # lower Cholesky factor of the Schur complement (rest levels, X, y)
    d: np.ndarray  # diagonal of the absorbed block: theta_a^2 n_a + 1 (one factor absorbed)
    logdet_z: float
    logdet_x: float
    rss: float  # penalised residual sum of squares r^2
    blocks: np.ndarray | None = None  # Cholesky factors of the absorbed blocks (block path)


def _nesting_group(design: _Design) -> tuple[int, list[int]]:
    """The factor whose nested factors (itself included) have the most levels.

    A factor is nested in another when each of its levels occurs with one level of the
    other only (``candidate:rater`` in ``candidate``). All factors nested in one factor
    form a block-diagonal part of ``Z'Z``, one block per level of that factor, which is
    absorbed exactly.
    """
    k = len(design.codes)
    best, best_set, best_levels = 0, [0], -1
    for g in range(k):
        members = []
        for j in range(k):
            pairs = design.codes[j] * len(design.levels[g]) + design.codes[g]
            if len(np.unique(pairs)) == len(design.levels[j]):
                members.append(j)
        levels = sum(len(design.levels[j]) for j in members)
        if levels > best_levels:
            best, best_set, best_levels = g, members, levels
    n_groups = len(design.levels[best])
    block_size = 0
    for j in best_set:
        owner = np.zeros(len(design.levels[j]), dtype=np.int64)
        owner[design.codes[j]] = design.codes[best]
        block_size += int(np.bincount(owner, minlength=n_groups).max())
    if block_size > _MAX_BLOCK:
        return int(np.argmax([len(lv) for lv in design.levels])), [best]
    return best, best_set


class _Blocks:
    """Absorption of all factors nested in a grouping factor: one dense block per level.

    For level ``g`` of the grouping factor, the block holds the levels of the nested
    factors that occur with it (padded to a common size with inert positions); ``K``
    holds their co-occurrence counts and ``C = Z_A'W`` their coupling to the rest.
    """

    def __init__(self, design: _Design, group: int, nested: list[int]) -> None:
        n_groups = len(design.levels[group])
        self.nested = [group, *[j for j in nested if j != group]]
        # position of each level of each nested factor inside its group's block
        self.position: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        fill = np.zeros(n_groups, dtype=np.int64)
        for j in self.nested:
            q_j = len(design.levels[j])
            owner = np.zeros(q_j, dtype=np.int64)
            owner[design.codes[j]] = design.codes[group]
            slot = np.empty(q_j, dtype=np.int64)
            for level in range(q_j):
                slot[level] = fill[owner[level]]
                fill[owner[level]] += 1
            self.position[j] = (owner, slot)
        self.n_groups = n_groups
        self.size = int(fill.max())
        self.factor_at = np.full((n_groups, self.size), -1, dtype=np.int64)
        for j in self.nested:
            owner, slot = self.position[j]
            self.factor_at[owner, slot] = j
        n = len(design.y)
        flat = [
            self.position[j][0][design.codes[j]] * self.size + self.position[j][1][design.codes[j]]
            for j in self.nested
        ]
        counts = np.zeros((n_groups * self.size, self.size))
        local = [f % self.size for f in flat]
        for row in flat:
            for col in local:
                np.add.at(counts, (row, col), 1.0)
        self.counts = counts.reshape(n_groups, self.size, self.size)
        rows = np.concatenate(flat)
        cols = np.tile(np.arange(n), len(flat))
        self.z_a = sp.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(n_groups * self.size, n)
        )
        self.coupling = np.zeros((n_groups, self.size, 0))

    def set_coupling(self, w: sp.csr_matrix) -> None:
        """Store ``C = Z_A'W`` block by block."""
        c = (self.z_a @ w).toarray()
        self.coupling = c.reshape(self.n_groups, self.size, w.shape[1])

    def scale(self, theta: np.ndarray) -> np.ndarray:
        """Relative SD at every block position (0 at padding)."""
        ext = np.append(theta, 0.0)
        return ext[self.factor_at]

    def absorb(self, theta: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
        """Block Cholesky factors, their log-determinant and ``C' T M^-1 T C``."""
        t = self.scale(theta)
        m = t[:, :, None] * t[:, None, :] * self.counts
        m[:, np.arange(self.size), np.arange(self.size)] += 1.0
        chol = np.linalg.cholesky(m)
        logdet = 2.0 * float(np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2))))
        half = np.linalg.solve(chol, t[:, :, None] * self.coupling)
        flat = half.reshape(-1, half.shape[2])
        return chol, logdet, flat.T @ flat


class _Deviance:
    """Profiled (RE)ML criterion of a random-intercepts model (Bates et al. 2015, sec. 3).

    The factor with the most levels (``a``) is absorbed: with ``W = [Z_rest, X, y]`` the
    system ``[Lambda'Z'Z Lambda + I, ...; ..., X'X, X'y; ..., y'y]`` reduces to
    ``S = s s' * (W'W - theta_a^2 C' diag(1/d) C) + I_rest`` with ``C = Z_a'W`` and
    ``d = theta_a^2 n_a + 1``. Its Cholesky factor gives ``log|L|^2``, ``log|R_X|^2`` and
    ``r^2``. When other factors are nested in a grouping factor, all of them are absorbed
    together, block by block (:class:`_Blocks`), with the same algebra.
    """

    def __init__(self, design: _Design, *, reml: bool) -> None:
        self.reml = reml
        self.design = design
        n = len(design.y)
        self.n = n
        self.p = design.X.shape[1]
        sizes = [len(lv) for lv in design.levels]
        self.sizes = sizes
        self.absorbed = int(np.argmax(sizes))
        group, nested = _nesting_group(design)
        self.block: _Blocks | None = None
        if len(nested) > 1:
            self.block = _Blocks(design, group, nested)
            self.absorbed = group
            self.rest = [j for j in range(len(sizes)) if j not in nested]
        else:
            self.rest = [j for j in range(len(sizes)) if j != self.absorbed]
        rows = np.arange(n)
        blocks = []
        for j in self.rest:
            blocks.append(sp.csr_matrix((np.ones(n), (rows, design.codes[j])), (n, sizes[j])))
        dense = np.column_stack([design.X, design.y])
        w = sp.hstack([*blocks, sp.csr_matrix(dense)], format="csr")
        self.q_rest = int(sum(sizes[j] for j in self.rest))
        self.m = w.shape[1]
        self.wtw = (w.T @ w).toarray()
        self.rest_slot = np.concatenate(
            [np.full(sizes[j], i, dtype=np.int64) for i, j in enumerate(self.rest)]
            or [np.zeros(0, dtype=np.int64)]
        )
        if self.block is not None:
            self.block.set_coupling(w)
            return
        za = sp.csr_matrix(
            (np.ones(n), (design.codes[self.absorbed], rows)), (sizes[self.absorbed], n)
        )
        c = za @ w
        self.n_a = np.asarray(za.sum(axis=1)).ravel()
        # C' diag(w) C with w depending on n_a only: group levels by their count, so
        # an evaluation costs (number of distinct counts) m^2 flops instead of q_a m^2.
        counts, inverse = np.unique(self.n_a, return_inverse=True)
        self.count_values = counts
        self.count_products: np.ndarray | None = None
        self.c_sparse = c.tocsr()
        if len(counts) * self.m * self.m <= 50_000_000:
            products = np.empty((len(counts), self.m, self.m))
            for i in range(len(counts)):
                block = self.c_sparse[inverse == i]
                products[i] = (block.T @ block).toarray()
            self.count_products = products

    def factor(self, theta: np.ndarray) -> _Factor:
        """Factorise the penalised system at ``theta`` (one value per component)."""
        theta = np.asarray(theta, dtype=float)
        blocks: np.ndarray | None = None
        if self.block is not None:
            blocks, logdet_a, correction = self.block.absorb(theta)
            schur = self.wtw - correction
            d = np.zeros(0)
        else:
            ta2 = theta[self.absorbed] ** 2
            d = ta2 * self.n_a + 1.0
            logdet_a = float(np.sum(np.log(d)))
            schur = self._absorb_one(ta2, d)
        scale = np.ones(self.m)
        if self.q_rest:
            scale[: self.q_rest] = theta[np.asarray(self.rest)][self.rest_slot]
        s_mat = schur * np.outer(scale, scale)
        s_mat[np.arange(self.q_rest), np.arange(self.q_rest)] += 1.0
        try:
            chol = sla.cholesky(s_mat, lower=True, check_finite=False)
        except np.linalg.LinAlgError as exc:
            raise InterviewLabError(
                "The mixed-model system is not positive definite: the response may be "
                "constant or fitted exactly by the fixed effects."
            ) from exc
        diag = np.diag(chol)
        q, p = self.q_rest, self.p
        logdet_z = float(logdet_a + 2.0 * np.sum(np.log(diag[:q])))
        logdet_x = float(2.0 * np.sum(np.log(diag[q : q + p])))
        rss = float(diag[-1] ** 2)
        return _Factor(theta, chol, d, logdet_z, logdet_x, rss, blocks)

    def _absorb_one(self, ta2: float, d: np.ndarray) -> np.ndarray:
        """W'W minus the contribution of one absorbed factor (diagonal block)."""
        wts = ta2 / d
        if self.count_products is not None:
            w_count = ta2 / (ta2 * self.count_values + 1.0)
            schur = self.wtw - np.tensordot(w_count, self.count_products, axes=1)
        else:
            cw = sp.diags(np.sqrt(wts)) @ self.c_sparse
            schur = self.wtw - (cw.T @ cw).toarray()
        return np.asarray(schur)

    @property
    def dof(self) -> int:
        """Degrees of freedom of the residual scale: n - p (REML) or n (ML)."""
        return self.n - self.p if self.reml else self.n

    def criterion(self, theta: np.ndarray) -> float:
        """Profiled deviance (-2 log-likelihood, sigma^2 profiled out) at ``theta``."""
        f = self.factor(theta)
        dev = f.logdet_z + self.dof * (1.0 + np.log(2.0 * np.pi * f.rss / self.dof))
        return float(dev + (f.logdet_x if self.reml else 0.0))

    def full(self, theta: np.ndarray, sigma2: float) -> float:
        """Deviance at ``theta`` and an explicit residual variance ``sigma2``."""
        f = self.factor(theta)
        dev = f.logdet_z + self.dof * (_LOG_2PI + np.log(sigma2)) + f.rss / sigma2
        return float(dev + (f.logdet_x if self.reml else 0.0))

    def sigma2(self, f: _Factor) -> float:
        """Residual variance at a factorisation: r^2 / (n - p) for REML, r^2 / n for ML."""
        return f.rss / self.dof


def _gradient(fun: Any, x: np.ndarray, lower: Sequence[float | None]) -> np.ndarray:
    """Finite-difference gradient: central inside, forward at a lower bound.

    The criterion is even in each theta, so a central difference at theta = 0 is exactly
    zero even where the criterion falls as theta grows; a forward difference there shows
    the optimiser the way in.
    """
    grad = np.empty_like(x)
    f0: float | None = None
    for i in range(len(x)):
        h = 1e-5 * max(1.0, abs(x[i]))
        up = x.copy()
        up[i] += h
        bound = lower[i]
        if bound is not None and x[i] - h < bound:
            if f0 is None:
                f0 = float(fun(x))
            grad[i] = (fun(up) - f0) / h
            continue
        down = x.copy()
        down[i] -= h
        grad[i] = (fun(up) - fun(down)) / (2.0 * h)
    return grad


def _minimise(
    fun: Any,
    x0: np.ndarray,
    lower: Sequence[float | None],
    *,
    ftol: float = 1e-14,
    retry: bool = True,
) -> tuple[np.ndarray, bool]:
    """Bounded L-BFGS-B with finite-difference gradients; returns (x, converged).

    With ``retry``, a parameter that ends on its bound of 0 is re-tried from an interior
    start and the better of the two optima kept, so that the stationary point at 0 of
    the even criterion is not mistaken for the minimum.
    """

    def run(start: np.ndarray) -> Any:
        return sopt.minimize(
            fun,
            start,
            jac=lambda x: _gradient(fun, x, lower),
            method="L-BFGS-B",
            bounds=[(lo, None) for lo in lower],
            options={"ftol": ftol, "gtol": 1e-7, "maxiter": 500},
        )

    best = run(np.asarray(x0, dtype=float))
    at_bound = [i for i, lo in enumerate(lower) if lo is not None and best.x[i] - lo < 1e-6]
    if retry and at_bound:
        retry_start = np.asarray(best.x, dtype=float).copy()
        retry_start[at_bound] = 0.5
        second = run(retry_start)
        if second.fun < best.fun - 1e-10:
            best = second
    return np.asarray(best.x, dtype=float), bool(best.success)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class MixedFit:
    """A fitted random-intercepts linear mixed model (see :func:`fit_mixed`).

    Attributes
    ----------
    fixed : pandas.DataFrame
        One row per fixed-effect term: ``term``, ``estimate``, ``se``, ``z``, ``ci_low``,
        ``ci_high``, ``p_value``.
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
    """

    fixed: pd.DataFrame
    variances: pd.DataFrame
    loglik: float
    converged: bool
    singular: bool
    n_obs: int
    method: str
    _blups: Mapping[str, pd.DataFrame] = field(repr=False, default_factory=dict)

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


def _variance_rows(
    dev: _Deviance,
    theta: np.ndarray,
    sigma2: float,
    *,
    confidence: float,
    with_ci: bool,
) -> pd.DataFrame:
    """Variance table with profile-likelihood intervals."""
    design = dev.design
    values = [*(sigma2 * theta**2), sigma2]
    names = [*design.components, "residual"]
    n_levels = [*(len(lv) for lv in design.levels), dev.n]
    lows, highs = [np.nan] * len(values), [np.nan] * len(values)
    if with_ci:
        base = dev.criterion(theta)
        cut = float(stats.chi2.ppf(confidence, df=1))
        for j in range(len(values)):
            lows[j], highs[j] = _profile_interval(dev, theta, sigma2, j, base, cut)
    return pd.DataFrame(
        {
            "component": names,
            "variance": values,
            "sd": np.sqrt(values),
            "ci_low": lows,
            "ci_high": highs,
            "ci_method": "profile" if with_ci else "none",
            "n_levels": n_levels,
        }
    )


def _profile_interval(
    dev: _Deviance, theta: np.ndarray, sigma2: float, j: int, base: float, cut: float
) -> tuple[float, float]:
    """Profile-likelihood interval of variance ``j`` (``j == len(theta)``: the residual).

    The profile at a fixed variance ``c`` minimises the full deviance over the other
    parameters (log sigma^2 and the other thetas, or all thetas for the residual); the
    interval ends are where it exceeds the minimum ``base`` by the chi-square(1) quantile
    ``cut``. The search runs on the SD scale ``s = sqrt(c)``, where the profile is close
    to quadratic: each step extrapolates that quadratic to the cut-off (warm-starting
    the inner optimisation), and once an end is bracketed Brent's method locates it.
    """
    k = len(theta)
    residual = j == k
    estimate = sigma2 if residual else sigma2 * theta[j] ** 2
    s_hat = float(np.sqrt(estimate))
    x_hat = theta.copy() if residual else np.concatenate([[np.log(sigma2)], np.delete(theta, j)])
    bounds: list[float | None] = [0.0] * k if residual else [None, *([0.0] * (k - 1))]
    warm = {"x": x_hat}

    def excess(sd: float) -> float:
        c = sd * sd

        def inner(x: np.ndarray) -> float:
            if residual:
                return dev.full(x, c)
            s2 = float(np.exp(x[0]))
            return dev.full(np.insert(x[1:], j, np.sqrt(c / s2)), s2)

        try:
            x, _ = _minimise(inner, warm["x"], bounds, ftol=1e-10, retry=False)
        except InterviewLabError:
            # the system loses positive definiteness only at extreme variances, far
            # outside the interval: count such a point as outside
            return _FAR_OUTSIDE
        warm["x"] = x
        return inner(x) - base - cut

    def end(direction: float) -> float:
        warm["x"] = x_hat
        inside = s_hat
        step = max(0.5 * s_hat, 0.05 * np.sqrt(sigma2))
        outside = s_hat + direction * step
        for _ in range(40):
            if outside <= 0:
                warm["x"] = x_hat
                if residual or excess(0.0) <= 0:
                    return 0.0
                outside = 0.0
                break
            value = excess(outside)
            if value > 0:
                break
            if abs(outside) > np.sqrt(_UNBOUNDED * sigma2):
                return np.inf
            # quadratic in the SD: value + cut = a (s - s_hat)^2; aim 20% past the cut
            a = (value + cut) / (outside - s_hat) ** 2
            distance = abs(outside - s_hat)
            target = np.sqrt(cut / a) * 1.2 if a > 0 else 4.0 * distance
            inside = outside
            outside = s_hat + direction * min(max(target, 1.5 * distance), 8.0 * distance)
        else:
            return np.inf if direction > 0 else 0.0
        warm["x"] = x_hat
        lo, hi = sorted((inside, outside))
        root = sopt.brentq(excess, lo, hi, xtol=1e-8 * np.sqrt(sigma2), rtol=1e-5)
        return float(root) ** 2

    upper = end(1.0)
    if not residual and theta[j] < SINGULAR_TOL:
        return 0.0, upper
    return end(-1.0), upper


def _solution(dev: _Deviance, f: _Factor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    dev: _Deviance, f: _Factor, beta: np.ndarray, u_rest: np.ndarray, sigma2: float
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
        Compute profile-likelihood intervals for the variances (the slowest part of a
        fit; ``False`` leaves them missing with ``ci_method="none"``).

    Returns
    -------
    MixedFit
        ``.fixed`` with columns ``term``, ``estimate``, ``se``, ``z``, ``ci_low``,
        ``ci_high``, ``p_value``; ``.variances`` with columns ``component``, ``variance``,
        ``sd``, ``ci_low``, ``ci_high``, ``ci_method``, ``n_levels`` (the residual is the
        row ``residual``); ``.loglik``, ``.converged``, ``.singular``, ``.n_obs``,
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
    each evaluation costs a dense Cholesky over the *other* factors' levels only; ``theta`` is
    optimised by L-BFGS-B bounded at 0 with finite-difference gradients, one-sided at
    the bound (the criterion is even in each ``theta_j``, so 0 is always a stationary
    point: a component ending there is re-tried from an interior start).

    * Fixed effects: ``beta`` from the same factorisation, covariance
      ``sigma^2 (R_X'R_X)^-1`` (= ``sigma^2 (X'V^-1X)^-1``), two-sided p-values and
      intervals from the normal distribution (Wald z; no Satterthwaite or
      Kenward-Roger correction, so with few levels of a factor they are liberal).
    * Variances: profile-likelihood intervals (chi-square with 1 df; at a zero estimate
      the lower end is 0 and the interval is conservative). With very few levels the
      profile may not reach the cut-off: the upper end is then ``inf``.
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
    1e-7 (``tests/test_mixed.py``).

    References
    ----------
    Bates, D., Maechler, M., Bolker, B. & Walker, S. (2015). Fitting linear mixed-effects
    models using lme4. Journal of Statistical Software, 67(1), 1-48.

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
    design = _build_design(data, formula, random_list)
    with _single_threaded_blas():
        fit = _fit(design, method=method, confidence=confidence, variance_ci=variance_ci)
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


def _fit(design: _Design, *, method: str, confidence: float, variance_ci: bool) -> MixedFit:
    """Fit without warnings (callers decide what to report)."""
    dev = _Deviance(design, reml=method == "reml")
    k = len(design.components)
    theta, converged = _minimise(dev.criterion, np.ones(k), [0.0] * k)
    theta = np.abs(theta)
    f = dev.factor(theta)
    sigma2 = dev.sigma2(f)
    beta, cov_unscaled, u_rest = _solution(dev, f)
    se = np.sqrt(np.diag(cov_unscaled) * sigma2)
    zcrit = float(stats.norm.ppf(0.5 + confidence / 2.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = beta / se
    fixed = pd.DataFrame(
        {
            "term": design.terms,
            "estimate": beta,
            "se": se,
            "z": z,
            "ci_low": beta - zcrit * se,
            "ci_high": beta + zcrit * se,
            "p_value": 2.0 * stats.norm.sf(np.abs(z)),
        }
    )
    variances = _variance_rows(dev, theta, sigma2, confidence=confidence, with_ci=variance_ci)
    blups = _blup_tables(dev, f, beta, u_rest, sigma2)
    return MixedFit(
        fixed=fixed,
        variances=variances,
        loglik=-0.5 * dev.criterion(theta),
        converged=converged,
        singular=bool(np.any(theta < SINGULAR_TOL)),
        n_obs=dev.n,
        method=method,
        _blups=blups,
    )


# --------------------------------------------------------------------------- REML ICC


def _estimate_theta(design: _Design) -> tuple[np.ndarray, float, float]:
    """REML theta, residual variance and log restricted likelihood of a design."""
    dev = _Deviance(design, reml=True)
    k = len(design.components)
    theta, _ = _minimise(dev.criterion, np.ones(k), [0.0] * k)
    theta = np.abs(theta)
    f = dev.factor(theta)
    return theta, dev.sigma2(f), -0.5 * dev.criterion(theta)


def _ols_reml_loglik(y: np.ndarray, X: np.ndarray) -> float:
    """Log restricted likelihood of the model without random effects (same convention)."""
    n, p = X.shape
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    rss = float(np.sum((y - X @ beta) ** 2))
    _, logdet = np.linalg.slogdet(X.T @ X)
    return -0.5 * (logdet + (n - p) * (1.0 + np.log(2.0 * np.pi * rss / (n - p))))


def _icc_components(
    one_way: _Design, two_way: _Design, fixed_raters: _Design
) -> tuple[dict[str, float], dict[str, float]]:
    """Variance components (target, rater, residual, within) and log-likelihoods."""
    th1, s1, ll1 = _estimate_theta(one_way)
    th2, s2, ll2 = _estimate_theta(two_way)
    th3, s3, ll3 = _estimate_theta(fixed_raters)
    comps = {
        "target_1": s1 * th1[0] ** 2,
        "within": s1,
        "target_2": s2 * th2[0] ** 2,
        "rater": s2 * th2[1] ** 2,
        "residual_2": s2,
        "target_3": s3 * th3[0] ** 2,
        "residual_3": s3,
    }
    return comps, {"1": ll1, "2": ll2, "3": ll3}


def _icc_values(c: Mapping[str, float], k: float) -> dict[str, float]:
    """The six ICCs from variance components, with k raters for the average forms."""
    t1, t2, t3 = c["target_1"], c["target_2"], c["target_3"]
    return {
        "ICC1": t1 / (t1 + c["within"]),
        "ICC2": t2 / (t2 + c["rater"] + c["residual_2"]),
        "ICC3": t3 / (t3 + c["residual_3"]),
        "ICC1k": t1 / (t1 + c["within"] / k),
        "ICC2k": t2 / (t2 + (c["rater"] + c["residual_2"]) / k),
        "ICC3k": t3 / (t3 + c["residual_3"] / k),
    }


def icc_reml(
    data: pd.DataFrame,
    *,
    target: str = "candidate_id",
    rater: str = "rater_id",
    score: str = "score",
    confidence: float = 0.95,
    n_boot: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """Intraclass correlations from REML variance components, for incomplete designs too.

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings table, one row per rating; raters need not rate every target.
    target : str, default "candidate_id"
        Column identifying what is rated.
    rater : str, default "rater_id"
        Column identifying the rater.
    score : str, default "score"
        Column with the numeric rating.
    confidence : float, default 0.95
        Confidence level of the intervals.
    n_boot : int, default 200
        Parametric bootstrap replicates for the intervals (0: no intervals).
    seed : int, default 0
        Seed of the bootstrap, so that the same data give the same table.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``type`` (ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k) with columns
        ``label`` (McGraw & Wong 1996 name), ``estimate``, ``ci_low``, ``ci_high``
        (parametric bootstrap percentile interval), ``f``, ``df1``, ``df2`` (missing: there
        is no F test for REML), ``p_value`` (REML likelihood-ratio test of no target
        variance, referred to the 50:50 mixture of chi-square 0 and 1), ``n_targets``,
        ``n_raters``, ``k`` (raters per target used for the average forms),
        ``ci_method`` and ``method`` (``"reml"``).

    Notes
    -----
    Three REML fits (:func:`fit_mixed`'s engine): the one-way model ``score ~ 1 +
    (1|target)`` gives ``s_t1`` and the within-target variance ``s_w`` for ICC1 and ICC1k;
    the two-way random model ``score ~ 1 + (1|target) + (1|rater)`` gives ``s_t``,
    ``s_r``, ``s_e`` for ICC2 and ICC2k; the two-way mixed model ``score ~ C(rater) +
    (1|target)`` (raters fixed) gives ``s_t3``, ``s_e3`` for ICC3 and ICC3k. Then
    ICC1 = s_t1/(s_t1 + s_w), ICC2 = s_t/(s_t + s_r + s_e), ICC3 = s_t3/(s_t3 + s_e3),
    and the average forms divide the error variance by ``k``, the harmonic mean number
    of ratings per target (Brennan 2001, sec. 7.1, for unbalanced designs; equal to the
    number of raters in a complete design).

    On a complete design REML equals the ANOVA (expected mean squares) estimators
    whenever those are non-negative, so the estimates equal Shrout & Fleiss's ANOVA
    ICCs; REML truncates negative variance estimates at 0, so where any ANOVA variance
    component is negative the REML ICCs differ (a negative target component gives 0; a
    negative rater component changes ICC2 too). Intervals: parametric bootstrap from the
    fitted two-way random model (normal target, rater and residual effects), percentile
    method.

    Not handled: several ratings of one target by one rater (they are treated as
    replicates within the target x rater cell, not modelled separately).

    Validated against the Shrout & Fleiss (1979) example and pingouin's
    ``intraclass_corr`` on the same data (complete design: point estimates equal to
    1e-6), and against statsmodels ``MixedLM`` variance components on unbalanced data.

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
    reliability. Psychological Bulletin, 86(2), 420-428.

    McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some intraclass
    correlation coefficients. Psychological Methods, 1(1), 30-46.

    Brennan, R. L. (2001). Generalizability Theory. New York: Springer.

    Examples
    --------
    >>> import pandas as pd
    >>> wide = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9],
    ...         [6, 2, 4, 7]]
    >>> sf = pd.DataFrame([(t, j, wide[t][j]) for t in range(6) for j in range(4)],
    ...                   columns=["target", "judge", "rating"])
    >>> res = icc_reml(sf, target="target", rater="judge", score="rating", n_boot=0)
    >>> res["estimate"].round(2).tolist()
    [0.17, 0.29, 0.71, 0.44, 0.62, 0.91]
    """
    require_frame(data)
    require_columns(data, [target, rater, score])
    check_fraction("confidence", confidence)
    if not isinstance(n_boot, int | np.integer) or n_boot < 0:
        raise InterviewLabError(f"n_boot={n_boot!r} must be a non-negative integer.")
    if len({target, rater, score}) != 3:
        raise InterviewLabError("target, rater and score must be three different columns.")
    frame = pd.DataFrame(
        {"target": data[target].to_numpy(), "rater": data[rater].to_numpy(), "y": data[score]}
    )
    n_missing = int(frame.isna().any(axis=1).sum())
    if n_missing:
        warnings.warn(
            f"{n_missing} of {len(frame)} rows have a missing target, rater or score and "
            "were left out.",
            InterviewLabWarning,
            stacklevel=2,
        )
        frame = frame.dropna().reset_index(drop=True)
    n_targets = int(frame["target"].nunique())
    n_raters = int(frame["rater"].nunique())
    if n_targets < 2 or n_raters < 2:
        raise InterviewLabError(
            f"icc_reml needs at least 2 targets and 2 raters; got {n_targets} and {n_raters}."
        )
    if n_targets < FEW_LEVELS:
        warnings.warn(
            f"Only {n_targets} targets: the ICCs are very uncertain.",
            SmallSampleWarning,
            stacklevel=2,
        )
    per_target = frame.groupby("target").size().to_numpy()
    k = float(len(per_target) / np.sum(1.0 / per_target))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        one_way = _build_design(frame, "y ~ 1", ["target"])
        two_way = _build_design(frame, "y ~ 1", ["target", "rater"])
        fixed_raters = _build_design(frame, "y ~ C(rater)", ["target"])
    with _single_threaded_blas():
        return _icc_table(
            one_way,
            two_way,
            fixed_raters,
            k=k,
            confidence=confidence,
            n_boot=n_boot,
            seed=seed,
            n_targets=n_targets,
            n_raters=n_raters,
        )


def _icc_table(
    one_way: _Design,
    two_way: _Design,
    fixed_raters: _Design,
    *,
    k: float,
    confidence: float,
    n_boot: int,
    seed: int,
    n_targets: int,
    n_raters: int,
) -> pd.DataFrame:
    """Estimates, likelihood-ratio p-values and bootstrap intervals of the six ICCs."""
    comps, logliks = _icc_components(one_way, two_way, fixed_raters)
    estimates = _icc_values(comps, k)

    null_ll = {
        "1": _ols_reml_loglik(one_way.y, one_way.X),
        "2": _estimate_theta(
            _Design(
                two_way.y,
                two_way.X,
                two_way.terms,
                ["rater"],
                two_way.codes[1:],
                two_way.levels[1:],
            )
        )[2],
        "3": _ols_reml_loglik(fixed_raters.y, fixed_raters.X),
    }

    def mixture_p(lr: float) -> float:
        """P-value of the 50:50 mixture of chi-square(0) and chi-square(1)."""
        return 1.0 if lr <= 0 else float(0.5 * stats.chi2.sf(lr, 1))

    p_values = {form: mixture_p(2.0 * (logliks[form] - null_ll[form])) for form in ("1", "2", "3")}

    low = {t: np.nan for t in ICC_TYPES}
    high = {t: np.nan for t in ICC_TYPES}
    if n_boot:
        rng = np.random.default_rng(seed)
        t_codes, r_codes = two_way.codes
        mean = float(two_way.X[0] @ np.linalg.lstsq(two_way.X, two_way.y, rcond=None)[0])
        sd = np.sqrt([comps["target_2"], comps["rater"], comps["residual_2"]])
        draws = np.empty((n_boot, len(ICC_TYPES)))
        for b in range(n_boot):
            y = (
                mean
                + rng.normal(0.0, sd[0], n_targets)[t_codes]
                + rng.normal(0.0, sd[1], n_raters)[r_codes]
                + rng.normal(0.0, sd[2], len(t_codes))
            )
            boot_comps, _ = _icc_components(
                _replace_y(one_way, y), _replace_y(two_way, y), _replace_y(fixed_raters, y)
            )
            draws[b] = list(_icc_values(boot_comps, k).values())
        alpha = 1.0 - confidence
        qs = np.quantile(draws, [alpha / 2.0, 1.0 - alpha / 2.0], axis=0)
        low = dict(zip(ICC_TYPES, qs[0], strict=True))
        high = dict(zip(ICC_TYPES, qs[1], strict=True))
    rows = [
        {
            "type": form,
            "label": ICC_LABELS[form],
            "estimate": float(estimates[form]),
            "ci_low": float(low[form]),
            "ci_high": float(high[form]),
            "f": np.nan,
            "df1": np.nan,
            "df2": np.nan,
            "p_value": p_values[form[3]],
            "n_targets": n_targets,
            "n_raters": n_raters,
            "k": k,
            "ci_method": "parametric bootstrap" if n_boot else "none",
            "method": "reml",
        }
        for form in ICC_TYPES
    ]
    return pd.DataFrame(rows).set_index("type")


def _replace_y(design: _Design, y: np.ndarray) -> _Design:
    """The same design with another response (rows in the same order)."""
    return _Design(y, design.X, design.terms, design.components, design.codes, design.levels)
