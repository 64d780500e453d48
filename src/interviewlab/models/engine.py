"""The mixed-model engine's internal API: what reliability, formats and power build on.

:func:`interviewlab.fit_mixed` is the public entry point: a tidy table and a formula in, a
checked :class:`~interviewlab.models.MixedFit` out, with warnings. Code in the package
that fits many models (a bootstrap, a power simulation), builds its matrices without a
formula, or needs the deviance itself, uses the steps below. This module is where other
layers import them from: nothing outside ``models/`` imports a name from ``models``'
private modules (``_design``, ``_deviance``, ``_satterthwaite``, ``_profile``).

The steps, in the order a fit runs them:

1. **Design.** :func:`build_design` ``(data, formula, random)`` checks the inputs, drops
   rows with a missing value (with a warning) and returns a frozen :class:`Design`: the
   response ``y``, the fixed-effects matrix ``X`` with its column names ``terms``, and
   for each random-intercept factor (``components``, e.g. ``"candidate_id"`` or
   ``"panel_id:rater_id"``) its integer ``codes`` (0..q-1, one per row) and ``levels``
   (the labels of 0..q-1). A caller that has the matrices builds a :class:`Design`
   directly (``format_power`` does, from simulated scores, with no formula parsing).
   :func:`categorical_view` is the step that makes patsy fast on text columns, for code
   that calls patsy itself.
2. **Deviance.** :class:`Deviance` ``(design, reml=True)`` precomputes the
   cross-products once. Its criterion is a function of ``theta``, the relative standard
   deviations ``theta_j = sigma_j / sigma`` (one per component, ``>= 0``):
   :meth:`Deviance.criterion` is the profiled deviance (``-2`` log-likelihood, ``sigma``
   profiled out) and :meth:`Deviance.objective` the deviance with its analytic gradient.
   :meth:`Deviance.cholesky` factorises the penalised system at one ``theta`` and returns
   a :class:`CholeskyFactor` (a matrix factorisation, not a grouping factor), from which
   :meth:`Deviance.sigma2` (the residual variance), :meth:`Deviance.solution` (random
   and fixed effects), :meth:`Deviance.gradient` and :meth:`Deviance.full` (the deviance
   at an explicit ``sigma^2``) are read without factorising again.
3. **Minimise.** :func:`minimise` ``(fun, x0, lower, value_and_gradient=...)`` is bounded
   L-BFGS-B with the engine's handling of the bound 0 (a ``theta_j`` ending there is
   tried again from inside, and the slope at ``1e-3`` is probed); it returns ``(x,
   converged)``. The criterion is even in each ``theta_j``: take ``abs`` of ``x``.
4. **Fit.** :func:`fit_design` ``(design, method=, confidence=, variance_ci=, ddf=)`` runs
   2 and 3, then the fixed effects with Satterthwaite df (:func:`satterthwaite` gives
   them for any contrast), profile intervals of the variances and the BLUPs, and returns
   a :class:`~interviewlab.models.MixedFit`. Unlike ``fit_mixed`` it neither checks its
   options (pass checked values) nor warns (singular fit, no convergence, few levels):
   the caller decides what to report.
5. **BLAS threads.** :func:`single_threaded_blas` is a context manager that runs BLAS on
   one thread (through threadpoolctl): the engine's many small factorisations run
   several times slower when BLAS hands them to threads. Wrap :func:`build_design` (its
   rank check) and every fit in it, as ``fit_mixed`` does.

Constants: :data:`METHODS` (``"reml"``, ``"ml"``), :data:`SINGULAR_TOL` (a ``theta_j``
below it counts as a variance estimated at zero, lme4's tolerance), :data:`FEW_LEVELS`
(a factor with fewer levels has a fragile variance estimate).

The algebra (absorbing the largest factor and the factors nested in it by a Schur
complement, the analytic gradient) is described in :func:`interviewlab.fit_mixed`'s
Notes and in ``_deviance.py``.

Examples
--------
The steps give the same variances as :func:`fit_design`:

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(1)
>>> cand, rater = np.repeat(np.arange(30), 6), np.tile(np.arange(6), 30)
>>> score = 3 + rng.normal(0, 1, 30)[cand] + rng.normal(0, 0.5, 6)[rater]
>>> df = pd.DataFrame({"candidate_id": cand, "rater_id": rater,
...                    "score": score + rng.normal(0, 0.7, 180)})
>>> with single_threaded_blas():
...     design = build_design(df, "score ~ 1", ["candidate_id", "rater_id"])
...     dev = Deviance(design, reml=True)
...     theta, converged = minimise(dev.criterion, np.ones(2), [0.0, 0.0],
...                                 value_and_gradient=dev.objective)
...     fit = fit_design(design, method="reml", confidence=0.95, variance_ci=False)
>>> theta = np.abs(theta)
>>> sigma2 = dev.sigma2(dev.cholesky(theta))
>>> bool(converged), design.components
(True, ['candidate_id', 'rater_id'])
>>> bool(np.allclose([*(sigma2 * theta**2), sigma2], fit.variances["variance"]))
True
"""

from interviewlab.models._design import (
    FEW_LEVELS,
    METHODS,
    SINGULAR_TOL,
    Design,
    build_design,
    categorical_view,
    single_threaded_blas,
)
from interviewlab.models._deviance import CholeskyFactor, Deviance, minimise
from interviewlab.models._satterthwaite import Satterthwaite, satterthwaite
from interviewlab.models.mixed import fit_design

__all__ = [
    "FEW_LEVELS",
    "METHODS",
    "SINGULAR_TOL",
    "CholeskyFactor",
    "Design",
    "Deviance",
    "Satterthwaite",
    "build_design",
    "categorical_view",
    "fit_design",
    "minimise",
    "satterthwaite",
    "single_threaded_blas",
]
