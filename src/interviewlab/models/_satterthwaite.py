"""Satterthwaite degrees of freedom for fixed-effect contrasts (as R's lmerTest).

Kuznetsova, Brockhoff & Christensen (2017, J Stat Softw 82(13), sec. 3.1): for a
contrast ``L beta`` with variance ``v(tau) = L C(tau) L'``, where ``C(tau)`` is the
covariance of the fixed effects as a function of the variance parameters
``tau = (theta_1, ..., theta_k, sigma)``,

    df = 2 v^2 / (g' A g),   g = d v / d tau,   A = 2 H^-1,

with ``H`` the Hessian of the (RE)ML deviance ``-2 log L(theta, sigma)`` at the
estimate (so ``A`` is the asymptotic covariance of ``tau``). The derivatives in
``sigma`` are analytic; those in ``theta`` are central differences of the analytic
gradient of the deviance (:meth:`Deviance.gradient`), 2 k factorisations for k
components (lmerTest differentiates the deviance itself numerically).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla

from interviewlab.models._deviance import CholeskyFactor, Deviance

#: relative step (and its floor) of the central differences of the analytic gradient
_GRADIENT_STEP = 3e-5
_GRADIENT_STEP_FLOOR = 1e-5
#: eigenvalues of the deviance Hessian at or below this count as zero (lmerTest's tol)
_EIGEN_TOL = 1e-8


@dataclass(frozen=True)
class Satterthwaite:
    """What a Satterthwaite test of any contrast needs, computed once per fit.

    Attributes
    ----------
    vcov : numpy.ndarray
        Covariance of the fixed effects at the estimate, ``sigma^2 (X'V^-1X)^-1``-scaled.
    jacobian : numpy.ndarray
        ``d vcov / d tau_i``, shape ``(len(tau), p, p)``.
    vcov_tau : numpy.ndarray or None
        Asymptotic covariance ``2 H^+`` of ``tau``; None when ``H`` has no positive
        eigenvalue (df are then not available).
    """

    vcov: np.ndarray
    jacobian: np.ndarray
    vcov_tau: np.ndarray | None

    def df(self, contrast: np.ndarray) -> float:
        """Satterthwaite df of ``contrast @ beta`` (NaN when not available)."""
        if self.vcov_tau is None:
            return float("nan")
        c = np.asarray(contrast, dtype=float)
        var = float(c @ self.vcov @ c)
        grad = np.einsum("i,kij,j->k", c, self.jacobian, c)
        denom = float(grad @ self.vcov_tau @ grad)
        if not denom > 0:
            return float("nan")
        return 2.0 * var * var / denom


@dataclass(frozen=True)
class TauDerivatives:
    """The deviance's Hessian in ``tau = (theta, sigma)`` and the fixed effects' covariance.

    Attributes
    ----------
    hessian : numpy.ndarray
        Hessian of the (RE)ML deviance ``-2 log L(theta, sigma)``, ``(k + 1, k + 1)``.
    vcov : numpy.ndarray
        Covariance of the fixed effects ``sigma^2 (R_X'R_X)^-1`` at the estimate.
    jacobian : numpy.ndarray
        ``d vcov / d tau_i``, shape ``(k + 1, p, p)``.
    """

    hessian: np.ndarray
    vcov: np.ndarray
    jacobian: np.ndarray


def _unscaled_vcov(dev: Deviance, f: CholeskyFactor) -> np.ndarray:
    """``(R_X'R_X)^-1`` from a factorisation."""
    q, p = dev.q_rest, dev.p
    lx_inv = sla.solve_triangular(f.chol[q : q + p, q : q + p], np.eye(p), lower=True)
    return np.asarray(lx_inv.T @ lx_inv)


def tau_derivatives(dev: Deviance, theta: np.ndarray, sigma2: float) -> TauDerivatives:
    """Hessian of the deviance in ``tau`` and the Jacobian of the fixed effects' covariance.

    With ``g_j = (2 / theta_j) (e_j - |u_j|^2 / sigma^2)`` the deviance's gradient in
    ``theta`` (:meth:`Deviance.gradient`), ``d g_j / d sigma = 4 |u_j|^2 / (theta_j
    sigma^3)``, ``d^2 / d sigma^2 = -2 dof / sigma^2 + 6 r^2 / sigma^4``, and the
    ``theta`` block is a central difference of ``g`` (step 3e-5 relative, 1e-5 at least).
    The criterion is even in each ``theta_j``: a step below 0 is taken at ``|theta|``
    with the gradient's sign turned.
    """
    theta = np.asarray(theta, dtype=float)
    k = len(theta)
    sigma = float(np.sqrt(sigma2))
    f = dev.cholesky(theta)
    _, usq = dev.traces(f)
    unscaled = _unscaled_vcov(dev, f)
    hessian = np.empty((k + 1, k + 1))
    jacobian = np.empty((k + 1, *unscaled.shape))
    steps = np.maximum(_GRADIENT_STEP * np.abs(theta), _GRADIENT_STEP_FLOOR)
    for i in range(k):
        sides = []
        for sign in (1.0, -1.0):
            at = theta.copy()
            at[i] += sign * steps[i]
            flip = np.where(at < 0, -1.0, 1.0)
            f_at = dev.cholesky(np.abs(at))
            sides.append((dev.gradient(f_at, sigma2) * flip, _unscaled_vcov(dev, f_at)))
        hessian[i, :k] = (sides[0][0] - sides[1][0]) / (2.0 * steps[i])
        jacobian[i] = sigma2 * (sides[0][1] - sides[1][1]) / (2.0 * steps[i])
    hessian[:k, :k] = 0.5 * (hessian[:k, :k] + hessian[:k, :k].T)
    safe = np.where(theta > 0, theta, 1.0)
    cross = np.where(theta > 0, 4.0 * usq / (safe * sigma**3), 0.0)
    hessian[:k, k] = hessian[k, :k] = cross
    hessian[k, k] = -2.0 * dev.dof / sigma2 + 6.0 * f.rss / sigma2**2
    jacobian[k] = 2.0 * sigma * unscaled
    return TauDerivatives(hessian=hessian, vcov=sigma2 * unscaled, jacobian=jacobian)


def satterthwaite(dev: Deviance, theta: np.ndarray, sigma2: float) -> Satterthwaite:
    """Covariance of the fixed effects, its Jacobian and the covariance of ``tau``.

    As lmerTest does, the covariance of ``tau`` is twice the Moore-Penrose inverse of
    the Hessian over its eigenvalues above ``1e-8`` (a variance estimated at zero gives
    a flat direction).
    """
    tau = tau_derivatives(dev, theta, sigma2)
    return satterthwaite_from(tau)


def satterthwaite_from(tau: TauDerivatives) -> Satterthwaite:
    """:func:`satterthwaite` from derivatives already computed."""
    values, vectors = np.linalg.eigh(0.5 * (tau.hessian + tau.hessian.T))
    keep = values > _EIGEN_TOL
    vcov_tau: np.ndarray | None = None
    if keep.any():
        kept = vectors[:, keep]
        vcov_tau = 2.0 * (kept / values[keep]) @ kept.T
    return Satterthwaite(vcov=tau.vcov, jacobian=tau.jacobian, vcov_tau=vcov_tau)
