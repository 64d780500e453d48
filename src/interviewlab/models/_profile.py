"""Profile-likelihood intervals for the variance components of a fitted model.

The profile deviance of a component's standard deviation ``s`` is the (RE)ML deviance
minimised over the other parameters with ``s`` held fixed; the interval's ends are
where it exceeds the minimum by the chi-square(1) quantile (lme4's ``confint(profile)``
does the same on the same scale). Each end is found by Newton's method on the signed
square root ``zeta(s)`` of the excess, which is close to linear in ``s``, with the slope
from the envelope theorem (the partial derivative of the deviance in ``s`` at the inner
optimum). The inner optimisation is a projected quasi-Newton iteration started from
the Hessian of the deviance at the estimate (the one Satterthwaite's df use) and from
the inner optimum predicted by that Hessian, so that a profile point costs a few
factorisations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from interviewlab.errors import InterviewLabError
from interviewlab.models._design import UNBOUNDED
from interviewlab.models._deviance import BOUNDARY_PROBE, Deviance, minimise

#: stop the inner iteration when the predicted decrease of the deviance is below this
_INNER_TOL = 1e-10
#: stop the search for an end when zeta is this close to its target
_ZETA_TOL = 1e-6
_MAX_INNER = 30
#: a predicted decrease below this after one evaluation is taken instead of stepping
_ACCEPT = 1e-6
#: below this fraction of the estimate, the lower end is checked at 0
_NEGLIGIBLE = 1e-4
_MAX_OUTER = 40


@dataclass(frozen=True)
class _Point:
    """The profile at one value of ``s``: deviance, inner optimum, slope in ``s``."""

    s: float
    value: float
    inner: np.ndarray
    slope: float


class _Profile:
    """Profile of component ``j``'s SD (``j == k``: the residual SD) around the estimate.

    Parameters are ``tau = (theta_1, ..., theta_k, sigma)``; profiling component ``j``
    uses ``(theta without theta_j, sigma)`` as inner variables and ``s = sigma theta_j``
    (all thetas and ``s = sigma`` for the residual).
    """

    def __init__(
        self, dev: Deviance, theta: np.ndarray, sigma2: float, hessian: np.ndarray, j: int
    ) -> None:
        self.dev = dev
        self.k = len(theta)
        self.j = j
        self.residual = j == self.k
        sigma = float(np.sqrt(sigma2))
        self.sigma_hat = sigma
        self.s_hat = sigma if self.residual else sigma * float(theta[j])
        self.inner_hat = theta.copy() if self.residual else np.append(np.delete(theta, j), sigma)
        # d tau / d (inner, s) at the estimate
        k = self.k
        jac = np.zeros((k + 1, k + 1))
        if self.residual:
            jac[:, :] = np.eye(k + 1)
        else:
            others = [i for i in range(k) if i != j]
            for col, i in enumerate(others):
                jac[i, col] = 1.0
            jac[k, k - 1] = 1.0
            jac[j, k - 1] = -float(theta[j]) / sigma
            jac[j, k] = 1.0 / sigma
        h = jac.T @ hessian @ jac
        values, vectors = np.linalg.eigh(0.5 * (h[:-1, :-1] + h[:-1, :-1].T))
        floor = 1e-8 * max(float(np.max(np.abs(values), initial=0.0)), 1.0)
        values = np.maximum(values, floor)
        self.metric = (vectors * values) @ vectors.T
        self.drift = -np.linalg.solve(self.metric, h[:-1, -1])
        self.curvature = max(float(h[-1, -1] + h[:-1, -1] @ self.drift), floor)
        # inner thetas are bounded at 0, sigma is not
        self.bounded = np.ones(k, dtype=bool)
        if not self.residual:
            self.bounded[-1] = False

    def tau(self, inner: np.ndarray, s: float) -> np.ndarray:
        """``(theta, sigma)`` from inner variables and ``s``."""
        if self.residual:
            return np.append(inner, s)
        sigma = inner[-1]
        return np.append(np.insert(inner[:-1], self.j, s / sigma), sigma)

    def evaluate(self, inner: np.ndarray, s: float) -> tuple[float, np.ndarray, float]:
        """Deviance, its gradient in the inner variables and its derivative in ``s``."""
        tau = self.tau(inner, s)
        value, grad = self.dev.full_gradient(tau)
        if self.residual:
            return value, grad[:-1], float(grad[-1])
        sigma, g_j = tau[-1], grad[self.j]
        g_inner = np.append(np.delete(grad[:-1], self.j), grad[-1] - g_j * s / sigma**2)
        return value, g_inner, float(g_j / sigma)

    def _feasible(self, inner: np.ndarray) -> np.ndarray:
        out = inner.copy()
        out[self.bounded] = np.maximum(out[self.bounded], 0.0)
        if not self.residual and out[-1] <= 0:
            out[-1] = 1e-3 * self.sigma_hat
        return out

    def point(self, s: float, start: np.ndarray) -> _Point:
        """Minimise the deviance over the inner variables at ``s`` (projected quasi-Newton).

        A theta that stays at its bound of 0 is probed once inside (as the fit's own
        optimiser does, :func:`minimise`): the gradient is exactly 0 there.
        """
        inner = self._feasible(start)
        metric = self.metric.copy()
        value, grad, slope = self.evaluate(inner, s)
        probed: set[int] = set()
        for iteration in range(_MAX_INNER):
            free = ~(self.bounded & (inner <= 0.0) & (grad > 0.0))
            step = np.zeros_like(inner)
            step[free] = -np.linalg.solve(metric[np.ix_(free, free)], grad[free])
            decrease = -float(grad @ step)
            # after one evaluation, a small predicted decrease is taken from the
            # quadratic model (its error is a fraction of the decrease)
            accept = (
                iteration == 0
                and decrease < _ACCEPT
                and np.all(self._feasible(inner + step) == inner + step)
            )
            if decrease < _INNER_TOL or accept:
                moved = self._leave_zero(inner, value, s, probed)
                if moved is None:
                    if decrease < _INNER_TOL:
                        return _Point(s, value, inner, slope)
                    return _Point(s, value - 0.5 * decrease, inner + step, slope)
                inner, value, grad, slope = moved
                continue
            for _ in range(30):
                trial = self._feasible(inner + step)
                t_value, t_grad, t_slope = self.evaluate(trial, s)
                if t_value <= value + 1e-12 * abs(value):
                    break
                step = 0.5 * step
            else:
                break
            y_vec, s_vec = t_grad - grad, trial - inner
            curv = float(y_vec @ s_vec)
            if curv > 1e-12 * float(np.linalg.norm(y_vec) * np.linalg.norm(s_vec)):
                ms = metric @ s_vec
                metric = metric + np.outer(y_vec, y_vec) / curv - np.outer(ms, ms) / (s_vec @ ms)
            inner, value, grad, slope = trial, t_value, t_grad, t_slope
        return self._fallback(s, inner)

    def _leave_zero(
        self, inner: np.ndarray, value: float, s: float, probed: set[int]
    ) -> tuple[np.ndarray, float, np.ndarray, float] | None:
        """A point inside the bound where the deviance falls away from a theta at 0."""
        for i in np.flatnonzero(self.bounded & (inner <= 0.0)):
            if int(i) in probed:
                continue
            probed.add(int(i))
            probe = inner.copy()
            probe[i] = BOUNDARY_PROBE
            p_value, p_grad, p_slope = self.evaluate(probe, s)
            if p_grad[i] < 0 and p_value < value:
                return probe, p_value, p_grad, p_slope
        return None

    def _fallback(self, s: float, start: np.ndarray) -> _Point:
        """L-BFGS-B with the analytic gradient, when the quasi-Newton iteration stalls."""
        lower: list[float | None] = [0.0 if b else None for b in self.bounded]

        def both(x: np.ndarray) -> tuple[float, np.ndarray]:
            value, grad, _ = self.evaluate(self._feasible(x), s)
            return value, grad

        x, _ = minimise(
            lambda x: both(x)[0], start, lower, ftol=1e-13, retry=False, value_and_gradient=both
        )
        x = self._feasible(x)
        value, _, slope = self.evaluate(x, s)
        return _Point(s, value, x, slope)

    def end(self, direction: float, base: float, cut: float) -> float:
        """The interval's end on the variance scale in ``direction`` (+1 upper, -1 lower).

        Newton steps in ``log s`` on ``zeta = sqrt(profile(s) - base)`` towards
        ``sqrt(cut)`` (``zeta`` is close to linear in ``log s``), bisecting once the end
        is bracketed; ``0`` when the profile stays below the cut down to ``s = 0``, ``inf``
        when it stays below it beyond ``1e6`` residual variances.
        """
        target = float(np.sqrt(cut))
        ceiling = float(np.log(np.sqrt(UNBOUNDED) * self.sigma_hat))
        floor = float(np.log(max(self.s_hat, 1e-300))) + np.log(_NEGLIGIBLE)
        last = _Point(self.s_hat, base, self.inner_hat, 0.0)
        # first guess from the quadratic model: on the log scale (zeta is closer to linear
        # there), but no further than 4 of the model's distances on the SD scale
        reach = target / np.sqrt(0.5 * self.curvature)
        if direction > 0:
            first = self.s_hat + reach
            if self.s_hat > 0:
                first = min(self.s_hat * np.exp(reach / self.s_hat), self.s_hat + 4.0 * reach)
        else:
            first = self.s_hat * np.exp(-reach / self.s_hat)
        t = float(np.log(first))
        inside = float(np.log(self.s_hat)) if self.s_hat > 0 else -np.inf
        outside = np.inf * direction
        for _ in range(_MAX_OUTER):
            if direction < 0 and t < floor:
                if self.residual:
                    t = 0.5 * (inside + floor)
                else:
                    at_zero = self._try(0.0, last)
                    if at_zero is not None and at_zero.value - base <= cut:
                        return 0.0
                    outside, floor = max(t, floor), -np.inf
                    t = outside - np.log(2.0)
            if direction > 0 and t > ceiling:
                at_ceiling = self._try(float(np.exp(ceiling)), last)
                if at_ceiling is not None and at_ceiling.value - base <= cut:
                    return np.inf
                outside = ceiling
                t = _between(inside, outside, direction)
            s = float(np.exp(t))
            current = self._try(s, last)
            if current is None:  # not positive definite: far outside
                outside = t
                t = _between(inside, outside, direction)
                continue
            zeta = float(np.sqrt(max(current.value - base, 0.0)))
            if abs(zeta - target) < _ZETA_TOL:
                return s * s
            if zeta < target:
                inside = t
            else:
                outside = t
            # d zeta / d log s = s * d profile / ds / (2 zeta)
            rate = abs(current.slope) * s / (2.0 * zeta) if zeta > 0 else 0.0
            newton = t + direction * (target - zeta) / rate if rate > 0 else np.nan
            low, high = sorted((inside, outside))
            if np.isfinite(outside):
                t = newton if low < newton < high else _between(inside, outside, direction)
            else:  # not bracketed yet: at most 8 times further out
                step = abs(newton - t) if np.isfinite(newton) else np.log(4.0)
                t = t + direction * min(step, np.log(8.0))
            last = current
        return float(np.exp(2.0 * t))

    def _try(self, s: float, near: _Point) -> _Point | None:
        """The profile at ``s`` (None where the system is not positive definite).

        The inner search starts from the nearest point's optimum moved along the
        Hessian's prediction of its drift.
        """
        start = near.inner + self.drift * (s - near.s)
        try:
            return self.point(s, start)
        except InterviewLabError:
            return None


def _between(inside: float, outside: float, direction: float) -> float:
    """Bisection on the log scale; halving in ``s`` when the inside end is ``s = 0``."""
    if np.isfinite(inside):
        return 0.5 * (inside + outside)
    return outside - direction * float(np.log(2.0))


def profile_interval(
    dev: Deviance,
    theta: np.ndarray,
    sigma2: float,
    hessian: np.ndarray,
    j: int,
    *,
    base: float,
    cut: float,
    at_zero: bool,
) -> tuple[float, float]:
    """Profile-likelihood interval of variance ``j`` (``j == len(theta)``: the residual).

    ``hessian`` is the deviance's Hessian in ``(theta, sigma)`` at the estimate,
    ``base`` the minimum deviance and ``cut`` the chi-square(1) quantile; ``at_zero``
    marks a component estimated at 0, whose lower end is 0.
    """
    profile = _Profile(dev, np.asarray(theta, dtype=float), sigma2, hessian, j)
    upper = profile.end(1.0, base, cut)
    if at_zero:
        return 0.0, upper
    return profile.end(-1.0, base, cut), upper
