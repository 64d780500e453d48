"""Satterthwaite degrees of freedom for fixed-effect contrasts (as R's lmerTest).

Kuznetsova, Brockhoff & Christensen (2017, J Stat Softw 82(13), sec. 3.1): for a
contrast ``L beta`` with variance ``v(tau) = L C(tau) L'``, where ``C(tau)`` is the
covariance of the fixed effects as a function of the variance parameters
``tau = (theta_1, ..., theta_k, sigma)``,

    df = 2 v^2 / (g' A g),   g = d v / d tau,   A = 2 H^-1,

with ``H`` the Hessian of the (RE)ML deviance ``-2 log L(theta, sigma)`` at the
estimate (so ``A`` is the asymptotic covariance of ``tau``). ``C`` and the deviance are
differentiated numerically, by central differences refined with one Richardson step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from interviewlab.models._deviance import _Deviance

#: relative step of the numerical derivatives (Richardson-refined with half the step)
_STEP = 1e-3
#: absolute step floor, used where a parameter is at or near zero
_STEP_FLOOR = 1e-4
#: eigenvalues of the deviance Hessian at or below this count as zero (lmerTest's tol)
_EIGEN_TOL = 1e-8


@dataclass(frozen=True)
class _Satterthwaite:
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


def _steps(x: np.ndarray) -> np.ndarray:
    return np.maximum(_STEP * np.abs(x), _STEP_FLOOR)


def _richardson(estimate: Callable[[np.ndarray], np.ndarray], h: np.ndarray) -> np.ndarray:
    """One Richardson step for an O(h^2) central-difference estimate."""
    coarse = estimate(h)
    fine = estimate(h / 2.0)
    return np.asarray((4.0 * fine - coarse) / 3.0)


def _hessian(fun: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Hessian of ``fun`` at ``x`` by central differences with Richardson refinement."""
    k = len(x)
    f0 = fun(x)

    def at(h: np.ndarray) -> np.ndarray:
        hess = np.empty((k, k))
        for i in range(k):
            e_i = np.zeros(k)
            e_i[i] = h[i]
            hess[i, i] = (fun(x + e_i) - 2.0 * f0 + fun(x - e_i)) / h[i] ** 2
            for j in range(i):
                e_j = np.zeros(k)
                e_j[j] = h[j]
                value = (
                    fun(x + e_i + e_j)
                    - fun(x + e_i - e_j)
                    - fun(x - e_i + e_j)
                    + fun(x - e_i - e_j)
                ) / (4.0 * h[i] * h[j])
                hess[i, j] = hess[j, i] = value
        return hess

    return _richardson(at, _steps(x))


def _jacobian(fun: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """Jacobian of an array-valued ``fun``: result ``[i]`` is ``d fun / d x_i``."""
    k = len(x)

    def at(h: np.ndarray) -> np.ndarray:
        out = []
        for i in range(k):
            e_i = np.zeros(k)
            e_i[i] = h[i]
            out.append((fun(x + e_i) - fun(x - e_i)) / (2.0 * h[i]))
        return np.stack(out)

    return _richardson(at, _steps(x))


def _satterthwaite(
    dev: _Deviance,
    theta: np.ndarray,
    sigma2: float,
    unscaled: Callable[[np.ndarray], np.ndarray],
) -> _Satterthwaite:
    """Covariance of the fixed effects, its Jacobian and the covariance of ``tau``.

    ``unscaled(theta)`` returns ``(R_X'R_X)^-1`` at ``theta``. As lmerTest does, the
    covariance of ``tau`` is twice the Moore-Penrose inverse of the Hessian over its
    eigenvalues above ``1e-8`` (a variance estimated at zero gives a flat direction).
    """
    tau = np.append(np.asarray(theta, dtype=float), np.sqrt(sigma2))

    def covariance(t: np.ndarray) -> np.ndarray:
        return np.asarray(t[-1] ** 2 * unscaled(t[:-1]))

    def deviance(t: np.ndarray) -> float:
        return dev.full(t[:-1], float(t[-1] ** 2))

    vcov = covariance(tau)
    jacobian = _jacobian(covariance, tau)
    hessian = _hessian(deviance, tau)
    values, vectors = np.linalg.eigh(0.5 * (hessian + hessian.T))
    keep = values > _EIGEN_TOL
    vcov_tau: np.ndarray | None = None
    if keep.any():
        kept = vectors[:, keep]
        vcov_tau = 2.0 * (kept / values[keep]) @ kept.T
    return _Satterthwaite(vcov=vcov, jacobian=jacobian, vcov_tau=vcov_tau)
