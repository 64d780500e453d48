"""ICCs from REML variance components, for panels where not every rater rated everyone."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from interviewlab._checks import (
    check_fraction,
    require_columns,
    require_frame,
)
from interviewlab.errors import (
    InterviewLabError,
    InterviewLabWarning,
    NotEstimableError,
    SmallSampleWarning,
)
from interviewlab.models.engine import (
    FEW_LEVELS,
    Design,
    Deviance,
    build_design,
    minimise,
    single_threaded_blas,
)
from interviewlab.reliability._common import ICC_LABELS, ICC_TYPES

# --------------------------------------------------------------------------- REML ICC


def _estimate_theta(
    design: Design, start: np.ndarray | None = None
) -> tuple[np.ndarray, float, float]:
    """REML theta, residual variance and log restricted likelihood of a design.

    ``start`` (the estimate a parametric bootstrap draws from) shortens the search; a
    start on the boundary is moved inside it, so the search can leave 0. A bootstrap
    replicate also stops at looser tolerances (relative change 1e-10, gradient 1e-5
    instead of 1e-14 and 1e-7): on the demo study that halves the bootstrap's time, with
    intervals equal to 6 decimals.
    """
    dev = Deviance(design, reml=True)
    k = len(design.components)
    if start is None:
        theta, _ = minimise(dev.criterion, np.ones(k), [0.0] * k, value_and_gradient=dev.objective)
    else:
        x0 = np.maximum(np.abs(start), 0.05)
        theta, _ = minimise(
            dev.criterion,
            x0,
            [0.0] * k,
            ftol=1e-10,
            gtol=1e-5,
            value_and_gradient=dev.objective,
        )
    theta = np.abs(theta)
    f = dev.cholesky(theta)
    return theta, dev.sigma2(f), -0.5 * dev.criterion(theta)


def _ols_reml_loglik(y: np.ndarray, X: np.ndarray) -> float:
    """Log restricted likelihood of the model without random effects (same convention)."""
    n, p = X.shape
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    rss = float(np.sum((y - X @ beta) ** 2))
    _, logdet = np.linalg.slogdet(X.T @ X)
    return -0.5 * (logdet + (n - p) * (1.0 + np.log(2.0 * np.pi * rss / (n - p))))


def _icc_components(
    one_way: Design,
    two_way: Design,
    fixed_raters: Design,
    starts: Mapping[str, np.ndarray] | None = None,
) -> tuple[dict[str, float], dict[str, float], dict[str, np.ndarray]]:
    """Variance components (target, rater, residual, within), log-likelihoods, thetas."""
    starts = starts or {}
    th1, s1, ll1 = _estimate_theta(one_way, starts.get("1"))
    th2, s2, ll2 = _estimate_theta(two_way, starts.get("2"))
    th3, s3, ll3 = _estimate_theta(fixed_raters, starts.get("3"))
    comps = {
        "target_1": s1 * th1[0] ** 2,
        "within": s1,
        "target_2": s2 * th2[0] ** 2,
        "rater": s2 * th2[1] ** 2,
        "residual_2": s2,
        "target_3": s3 * th3[0] ** 2,
        "residual_3": s3,
    }
    return comps, {"1": ll1, "2": ll2, "3": ll3}, {"1": th1, "2": th2, "3": th3}


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
    n_jobs: int = 1,
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
        Seed of the bootstrap, so that the same data give the same table: each replicate
        draws from its own child of ``numpy.random.SeedSequence(seed)``, so the table
        does not depend on ``n_jobs``.
    n_jobs : int, default 1
        Parallel workers for the bootstrap replicates (joblib; ``-1`` for all cores).
        Under ``joblib.parallel_config(backend="dask")`` they run on a Dask cluster.

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
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise InterviewLabError(f"seed={seed!r} must be a whole number, for reproducibility.")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs == 0:
        raise InterviewLabError(
            f"n_jobs must be a non-zero integer (-1 = all cores), got {n_jobs!r}"
        )
    if len({target, rater, score}) != 3:
        raise InterviewLabError("target, rater and score must be three different columns.")
    if not pd.api.types.is_numeric_dtype(data[score]) or pd.api.types.is_bool_dtype(data[score]):
        raise InterviewLabError(
            f"icc_reml needs numeric scores, but column {score!r} has dtype "
            f"{data[score].dtype}; convert the rubric levels to numbers first."
        )
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
        raise NotEstimableError(
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
        one_way = build_design(frame, "y ~ 1", ["target"])
        two_way = build_design(frame, "y ~ 1", ["target", "rater"])
        fixed_raters = build_design(frame, "y ~ C(rater)", ["target"])
    with single_threaded_blas():
        return _icc_table(
            one_way,
            two_way,
            fixed_raters,
            k=k,
            confidence=confidence,
            n_boot=n_boot,
            seed=seed,
            n_jobs=int(n_jobs),
            n_targets=n_targets,
            n_raters=n_raters,
        )


BOOT_CHUNK = 20  # replicates per joblib task (fixed, so the draws do not depend on n_jobs)


def _boot_chunk(
    designs: tuple[Design, Design, Design],
    mean: float,
    sd: np.ndarray,
    k: float,
    thetas: Mapping[str, np.ndarray],
    seeds: list[np.random.SeedSequence],
) -> np.ndarray:
    """ICCs of parametric-bootstrap replicates, one replicate per seed."""
    one_way, two_way, fixed_raters = designs
    t_codes, r_codes = two_way.codes
    n_targets, n_raters = len(two_way.levels[0]), len(two_way.levels[1])
    out = np.empty((len(seeds), len(ICC_TYPES)))
    with single_threaded_blas():
        for i, child in enumerate(seeds):
            rng = np.random.default_rng(child)
            y = (
                mean
                + rng.normal(0.0, sd[0], n_targets)[t_codes]
                + rng.normal(0.0, sd[1], n_raters)[r_codes]
                + rng.normal(0.0, sd[2], len(t_codes))
            )
            boot_comps, _, _ = _icc_components(
                _replace_y(one_way, y),
                _replace_y(two_way, y),
                _replace_y(fixed_raters, y),
                starts=thetas,  # the replicates are drawn from these estimates
            )
            out[i] = list(_icc_values(boot_comps, k).values())
    return out


def _bootstrap(
    designs: tuple[Design, Design, Design],
    mean: float,
    sd: np.ndarray,
    k: float,
    thetas: Mapping[str, np.ndarray],
    *,
    n_boot: int,
    seed: int,
    n_jobs: int,
) -> np.ndarray:
    """``(n_boot, 6)`` bootstrap ICCs; replicate b draws from child b of SeedSequence(seed)."""
    children = np.random.SeedSequence(int(seed)).spawn(n_boot)
    chunks = [children[i : i + BOOT_CHUNK] for i in range(0, n_boot, BOOT_CHUNK)]
    if n_jobs == 1 or len(chunks) == 1:
        parts = [_boot_chunk(designs, mean, sd, k, thetas, chunk) for chunk in chunks]
    else:
        from joblib import Parallel, delayed

        from interviewlab._lifeline import joblib_lifeline

        run = delayed(_boot_chunk)
        with joblib_lifeline():
            parts = Parallel(n_jobs=n_jobs)(
                run(designs, mean, sd, k, thetas, chunk) for chunk in chunks
            )
    return np.vstack(parts)


def _icc_table(
    one_way: Design,
    two_way: Design,
    fixed_raters: Design,
    *,
    k: float,
    confidence: float,
    n_boot: int,
    seed: int,
    n_jobs: int,
    n_targets: int,
    n_raters: int,
) -> pd.DataFrame:
    """Estimates, likelihood-ratio p-values and bootstrap intervals of the six ICCs."""
    comps, logliks, thetas = _icc_components(one_way, two_way, fixed_raters)
    estimates = _icc_values(comps, k)

    null_ll = {
        "1": _ols_reml_loglik(one_way.y, one_way.X),
        "2": _estimate_theta(
            Design(
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
        mean = float(two_way.X[0] @ np.linalg.lstsq(two_way.X, two_way.y, rcond=None)[0])
        sd = np.sqrt([comps["target_2"], comps["rater"], comps["residual_2"]])
        draws = _bootstrap(
            (one_way, two_way, fixed_raters),
            mean,
            sd,
            k,
            thetas,
            n_boot=n_boot,
            seed=seed,
            n_jobs=n_jobs,
        )
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


def _replace_y(design: Design, y: np.ndarray) -> Design:
    """The same design with another response (rows in the same order)."""
    return Design(y, design.X, design.terms, design.components, design.codes, design.levels)
