"""How many candidates a format study needs: power by simulation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm.auto import tqdm

from interviewlab._checks import check_choice, check_fraction
from interviewlab._lifeline import joblib_lifeline
from interviewlab.data.simulate import SimulatedScores, simulated_scores
from interviewlab.data.simulation_spec import SimulationSpec
from interviewlab.errors import InterviewLabError
from interviewlab.models import MixedFit
from interviewlab.models.engine import Design, fit_design, single_threaded_blas

__all__ = ["format_power"]

#: the demo study's planted SDs (datasets/demo/study.toml [planted]): the default variances
DEMO_SDS = {"ability_sd": 0.8, "rater_sd": 0.3, "question_sd": 0.3, "noise_sd": 0.7}
#: names of a pilot fit's components that give each SD
_PILOT_COMPONENTS = {
    "ability_sd": "candidate_id",
    "rater_sd": "rater_id",
    "question_sd": "question_id",
    "noise_sd": "residual",
}
TARGETS = ("format", "interaction")
#: the simulated focal group of an interaction (the simulator's default)
_FOCAL = ("ethnicity", "Black")


def _sds(variances: Mapping[str, float] | MixedFit | None) -> dict[str, float]:
    """The simulator's SDs from a mapping, a pilot fit, or the demo's defaults."""
    out = dict(DEMO_SDS)
    if variances is None:
        return out
    if isinstance(variances, MixedFit):
        table = variances.variances.set_index("component")["sd"]
        needed = ("candidate_id", "rater_id", "residual")
        missing = [c for c in needed if c not in table.index]
        if missing:
            raise InterviewLabError(
                f"The pilot fit has no component(s) {', '.join(map(repr, missing))}; fit it "
                "with random=['candidate_id', 'rater_id'] (question_id optional) or pass "
                f"variances as a mapping with keys {', '.join(DEMO_SDS)}."
            )
        for key, component in _PILOT_COMPONENTS.items():
            if component in table.index:
                out[key] = float(table[component])
        return out
    unknown = [k for k in variances if k not in DEMO_SDS]
    if unknown:
        raise InterviewLabError(
            f"variances has unknown key(s) {', '.join(map(repr, unknown))}; use "
            f"{', '.join(DEMO_SDS)} (standard deviations in score points)."
        )
    for key, value in variances.items():
        if not (isinstance(value, int | float) and value >= 0):
            raise InterviewLabError(f"variances[{key!r}]={value!r} must be a number >= 0.")
        out[key] = float(value)
    return out


def _design_from(scores: SimulatedScores, focal: np.ndarray | None, design: str) -> Design:
    """The format model's matrices built from the simulated scores (no tables, no formula).

    The same model as ``fit_mixed(ratings, "score ~ fa * g1 + C(question_id)",
    random=["candidate_id", "rater_id"])`` on the study's table (``fa`` alone without a
    focal group; a within design adds ``candidate_id:format`` but no sequence or period),
    with the rows in another order.
    """
    y = scores.score.astype(float)
    fa = scores.is_async.astype(float)
    columns = [np.ones_like(y), fa]
    terms = ["Intercept", "fa"]
    if focal is not None:
        columns += [focal, fa * focal]
        terms += ["g1", "fa:g1"]
    for level in range(1, int(scores.question.max()) + 1):
        columns.append((scores.question == level).astype(float))
        terms.append(f"question{level}")
    cand_codes, cand_levels = pd.factorize(scores.candidate, sort=True)
    rater_codes, rater_levels = pd.factorize(scores.rater, sort=True)
    components = ["candidate_id", "rater_id"]
    codes = [np.asarray(cand_codes, dtype=np.int64), np.asarray(rater_codes, dtype=np.int64)]
    levels: list[list[Any]] = [list(cand_levels), list(rater_levels)]
    if design == "within":
        session_codes, session_levels = pd.factorize(
            cand_codes * 2 + fa.astype(np.int64), sort=True
        )
        components.append("candidate_id:format")
        codes.append(np.asarray(session_codes, dtype=np.int64))
        levels.append(list(session_levels))
    return Design(
        y=y,
        X=np.column_stack(columns),
        terms=terms,
        components=components,
        codes=codes,
        levels=levels,
    )


def _one_simulation(
    seed: int,
    *,
    design: Literal["between", "within"],
    n_candidates: int,
    n_raters: int,
    effect: float,
    target: str,
    sds: dict[str, float],
    alpha: float,
    options: dict[str, Any],
) -> tuple[float, float, bool]:
    """Simulate one study and test the target effect: (estimate, p_value, failed)."""
    spec = SimulationSpec(
        seed=seed,
        focal=_FOCAL,
        n_candidates=n_candidates,
        n_raters=n_raters,
        design=design,
        format_effect=effect if target == "format" else 0.0,
        focal_format_effect=effect if target == "interaction" else 0.0,
        ability_sd=sds["ability_sd"],
        rater_sd=sds["rater_sd"],
        question_sd=sds["question_sd"],
        noise_sd=sds["noise_sd"],
        n_questions=options["n_questions"],
        panel_size=options["panel_size"],
        scale=options["scale"],
    )
    people, scores = simulated_scores(spec)
    focal = people.is_focal[scores.candidate].astype(float) if target == "interaction" else None
    term = "fa" if target == "format" else "fa:g1"
    try:
        with single_threaded_blas():
            fit = fit_design(
                _design_from(scores, focal, design),
                method="reml",
                confidence=1.0 - alpha,
                variance_ci=False,
                ddf="satterthwaite",
            )
    except (InterviewLabError, np.linalg.LinAlgError):
        return float("nan"), float("nan"), True
    i = fit.fixed["term"].tolist().index(term)
    estimate = float(fit.fixed["estimate"].to_numpy()[i])
    return estimate, float(fit.fixed["p_value"].to_numpy()[i]), False


def format_power(
    *,
    design: str = "between",
    n_candidates: int | Sequence[int] = 300,
    n_raters: int = 12,
    effect: float,
    target: str = "format",
    variances: Mapping[str, float] | MixedFit | None = None,
    n_sims: int = 500,
    seed: int,
    n_jobs: int = 1,
    alpha: float = 0.05,
    target_power: float = 0.8,
    progress: bool = True,
    n_questions: int = 5,
    panel_size: int = 3,
    scale: tuple[int, int] = (1, 5),
) -> pd.DataFrame:
    """Power to detect a format effect (or a format x group interaction), by simulation.

    Parameters
    ----------
    design : {"between", "within"}
        Each candidate one format, or both in counterbalanced order.
    n_candidates : int or sequence of int
        Study size(s) to evaluate; with several, the smallest reaching
        ``target_power`` is marked.
    n_raters : int
        Raters (a multiple of ``panel_size``).
    effect : float
        Planted effect in score points on the latent scale: the async - live difference
        (``target="format"``) or the extra async shift of the focal group
        (``target="interaction"``; the focal group is the simulator's, Black candidates,
        12% of the population by default).
    target : {"format", "interaction"}
        The effect tested.
    variances : mapping or MixedFit, optional
        Standard deviations ``ability_sd``, ``rater_sd``, ``question_sd``, ``noise_sd``
        (score points), or a pilot study's :func:`interviewlab.fit_mixed` with components
        ``candidate_id``, ``rater_id`` (and optionally ``question_id``) and the residual.
        Default: the demo study's planted values (0.8, 0.3, 0.3, 0.7).
    n_sims : int, default 500
        Simulated studies per size.
    seed : int
        Seed: one :class:`numpy.random.SeedSequence` child per simulation, so results do
        not depend on ``n_jobs``.
    n_jobs : int, default 1
        Parallel workers (joblib; ``-1`` for all cores).
    alpha : float, default 0.05
        Two-sided level of each test.
    target_power : float, default 0.8
        Power a size must reach to be marked.
    progress : bool, default True
        Show a progress bar (tqdm).
    n_questions, panel_size : int
        Questions per interview and raters per panel.
    scale : (int, int), default (1, 5)
        Rubric range; scores are rounded to it, as in real studies.

    Returns
    -------
    pandas.DataFrame
        One row per size: ``n_candidates``, ``n_raters``, ``design``, ``target``,
        ``effect``, ``n_sims``, ``n_failed`` (fits that could not be made; counted as
        not rejecting), ``n_rejected``, ``power`` (rejections / simulations),
        ``ci_low``, ``ci_high`` (exact Clopper-Pearson 95% Monte-Carlo interval),
        ``mean_estimate`` (average estimate: shows the shrinkage by rounding to the
        scale), ``reaches_target`` (``power >= target_power``) and ``smallest``
        (true on the smallest size reaching the target; no row is true when none does).

    Notes
    -----
    Each simulation draws a study with :func:`interviewlab.simulate_study` (panels of
    ``panel_size`` raters, ``n_questions`` questions, the rest at the simulator's
    defaults with no other planted effect) and fits ``score ~ format [x focal group] +
    question + (1 | candidate) + (1 | rater) [+ (1 | candidate:format)]`` with the
    engine and Satterthwaite t tests of :func:`interviewlab.compare_formats`; the
    matrices are built directly, without formula parsing. For a between design this is
    compare_formats' model. For a within design it leaves out compare_formats' sequence
    and period terms (the simulator counterbalances the order and plants no period or
    carry-over effect), so the test is the paired comparison on n - 1 df where
    compare_formats runs the 2x2 crossover analysis on n - 2 df: slightly optimistic
    for very small studies. Power is the share of simulations whose two-sided p-value is below
    ``alpha``. With ``effect=0`` it is the false-positive rate, which should be close to
    ``alpha`` (checked in the tests). Candidates who do not complete the async step
    (10% by default) are not rated, as in the simulator.

    References
    ----------
    Westfall, J., Kenny, D. A. & Judd, C. M. (2014). Statistical power and optimal
    design in experiments in which samples of participants respond to samples of
    stimuli. Journal of Experimental Psychology: General, 143(5), 2020-2045.

    Examples
    --------
    >>> res = format_power(n_candidates=[60, 300], effect=-0.4, n_sims=20, seed=1,
    ...                    progress=False)
    >>> res[["n_candidates", "n_sims", "reaches_target", "smallest"]]
       n_candidates  n_sims  reaches_target  smallest
    0            60      20           False     False
    1           300      20            True      True
    """
    check_choice("design", design, ("between", "within"))
    check_choice("target", target, TARGETS)
    check_fraction("alpha", alpha)
    check_fraction("target_power", target_power)
    sizes = [n_candidates] if isinstance(n_candidates, int | np.integer) else list(n_candidates)
    if not sizes or any(
        isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 4 for n in sizes
    ):
        raise InterviewLabError(
            f"n_candidates={n_candidates!r} must be a whole number of at least 4, or a list "
            "of them."
        )
    if isinstance(n_sims, bool) or not isinstance(n_sims, int) or n_sims < 1:
        raise InterviewLabError(f"n_sims={n_sims!r} must be a positive whole number.")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise InterviewLabError(f"seed={seed!r} must be a whole number, for reproducibility.")
    if not isinstance(effect, int | float) or not np.isfinite(effect):
        raise InterviewLabError(f"effect={effect!r} must be a finite number (score points).")
    sds = _sds(variances)
    options = {"n_questions": n_questions, "panel_size": panel_size, "scale": scale}
    children = np.random.SeedSequence(int(seed)).spawn(len(sizes) * n_sims)
    tasks = [
        (size, int(children[i * n_sims + j].generate_state(1)[0]))
        for i, size in enumerate(sizes)
        for j in range(n_sims)
    ]
    run = delayed(_one_simulation)
    jobs = (
        run(
            task_seed,
            design=design,
            n_candidates=int(size),
            n_raters=n_raters,
            effect=float(effect),
            target=target,
            sds=sds,
            alpha=alpha,
            options=options,
        )
        for size, task_seed in tasks
    )
    with joblib_lifeline():
        parallel = Parallel(n_jobs=n_jobs, return_as="generator", batch_size="auto")
        results = list(
            tqdm(
                parallel(jobs),
                total=len(tasks),
                disable=not progress,
                desc="format_power",
                unit="sim",
            )
        )
    from statsmodels.stats.proportion import proportion_confint  # imported when needed

    rows = []
    for i, size in enumerate(sizes):
        chunk = results[i * n_sims : (i + 1) * n_sims]
        estimates = np.array([r[0] for r in chunk])
        p_values = np.array([r[1] for r in chunk])
        failed = int(sum(r[2] for r in chunk))
        rejected = int(np.sum(p_values[np.isfinite(p_values)] < alpha))
        low, high = proportion_confint(rejected, n_sims, alpha=0.05, method="beta")
        rows.append(
            {
                "n_candidates": int(size),
                "n_raters": n_raters,
                "design": design,
                "target": target,
                "effect": float(effect),
                "n_sims": n_sims,
                "n_failed": failed,
                "n_rejected": rejected,
                "power": rejected / n_sims,
                "ci_low": float(low),
                "ci_high": float(high),
                "mean_estimate": float(np.nanmean(estimates)) if failed < n_sims else np.nan,
            }
        )
    out = pd.DataFrame(rows)
    out["reaches_target"] = out["power"] >= target_power
    out["smallest"] = False
    reaching = out.index[out["reaches_target"]]
    if len(reaching):
        out.loc[out.loc[reaching, "n_candidates"].idxmin(), "smallest"] = True
    return out
