"""Generalizability theory: G-study variance components, D-study projections, design search.

A G-study splits the variance of interview scores into the candidate (object of
measurement) and the facets of measurement (raters, questions, occasions) with their
interactions. A D-study projects, for any numbers of raters and questions, the relative
(rank-ordering) coefficient E rho^2 and the absolute (dependability) coefficient Phi.
Balanced data are analysed by expected mean squares (ANOVA), unbalanced data by REML
through :func:`interviewlab.models.fit_mixed`.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from interviewlab._checks import (
    as_list,
    check_choice,
    check_fraction,
    require_columns,
    require_frame,
)
from interviewlab.errors import InterviewLabError, InterviewLabWarning
from interviewlab.models._design import _build_design, _single_threaded_blas
from interviewlab.models.mixed import _fit

__all__ = ["GStudy", "d_study", "g_study", "optimal_design"]

DESIGNS = ("crossed", "nested")
METHODS = ("auto", "anova", "reml")
COEFFICIENTS = ("g_coefficient", "phi")


@dataclass(frozen=True)
class GStudy:
    """Result of :func:`g_study`.

    Attributes
    ----------
    components : pandas.DataFrame
        One row per variance component (see :func:`g_study` for the columns).
    object : str
        Column of the object of measurement (e.g. the candidate).
    facets : tuple of str
        Facet columns.
    design : str
        ``"crossed"`` or ``"nested"``.
    method : str
        ``"anova"`` or ``"reml"``: how the components were estimated.
    n : dict
        G-study sample size of each facet: the harmonic mean number of its levels per
        object (on balanced crossed data, simply its number of levels; with 3 of 12
        raters per candidate, 3) — the default D-study sizes.
    n_obs : int
        Number of scores analysed.
    """

    components: pd.DataFrame
    object: str
    facets: tuple[str, ...]
    design: str
    method: str
    n: Mapping[str, float]
    n_obs: int

    def effects(self) -> list[frozenset[str]]:
        """Index set of each component, in the order of ``components``."""
        return [frozenset(e.split("|")) for e in self.components["effect"]]


# --------------------------------------------------------------------------- effects


def _effects(obj: str, facets: Sequence[str], design: str) -> list[tuple[frozenset[str], str]]:
    """Effects of the design as (index set, label), lowest order first.

    Crossed: every non-empty subset of {object, facets}. Nested: the first facet is nested
    within the object, so an effect containing it must contain the object (``r:p``).
    """
    indices = [obj, *facets]
    nested = facets[0] if design == "nested" else None
    out = []
    for size in range(1, len(indices) + 1):
        for combo in itertools.combinations(indices, size):
            s = frozenset(combo)
            if nested is not None and nested in s and obj not in s:
                continue
            if nested is not None and nested in s:
                primary = [i for i in combo if i != obj]
                label = " x ".join(primary) + ":" + obj
            else:
                label = " x ".join(combo)
            out.append((s, label))
    return out


def _nesting(effect: frozenset[str], obj: str, facets: Sequence[str], design: str) -> set[str]:
    """Indices an effect is nested within (the object, for effects of a nested facet)."""
    if design == "nested" and facets[0] in effect:
        return {obj}
    return set()


# --------------------------------------------------------------------------- ANOVA


def _is_balanced(frame: pd.DataFrame, indices: list[str]) -> bool:
    """One score in every cell of the full design, and as many levels per nest."""
    sizes = frame.groupby(indices, observed=True).size()
    if (sizes != 1).any():
        return False
    full = int(np.prod([frame[i].nunique() for i in indices]))
    return len(frame) == full


def _anova_components(
    frame: pd.DataFrame,
    effects: list[tuple[frozenset[str], str]],
    n: Mapping[str, int],
    nesting: Mapping[frozenset[str], set[str]],
    confidence: float,
) -> pd.DataFrame:
    """Expected-mean-squares estimates with Satterthwaite intervals (Brennan 2001, ch. 3, 6)."""
    y = frame["__y"].to_numpy(dtype=float)
    total = len(y)

    def t_stat(effect: frozenset[str]) -> float:
        if not effect:
            return float(total * y.mean() ** 2)
        means = frame.groupby(sorted(effect), observed=True)["__y"].mean().to_numpy()
        others = int(np.prod([n[i] for i in n if i not in effect]))
        return float(others * np.sum(means**2))

    t_cache: dict[frozenset[str], float] = {}
    ss, df = [], []
    for effect, _ in effects:
        nest = nesting[effect]
        free = sorted(effect - nest)
        value = 0.0
        for size in range(len(free) + 1):
            for dropped in itertools.combinations(free, size):
                sub = frozenset(effect - set(dropped))
                if sub not in t_cache:
                    t_cache[sub] = t_stat(sub)
                value += (-1) ** size * t_cache[sub]
        ss.append(value)
        df.append(int(np.prod([n[i] - 1 for i in free]) * np.prod([n[i] for i in nest] or [1])))
    ms = np.asarray(ss) / np.asarray(df)
    # EMS(a) = sum over effects b containing a of pi(not b) sigma^2(b)
    k = len(effects)
    ems = np.zeros((k, k))
    for i, (a, _) in enumerate(effects):
        for j, (b, _) in enumerate(effects):
            if a <= b:
                ems[i, j] = np.prod([n[x] for x in n if x not in b] or [1])
    coef = np.linalg.inv(ems)
    raw = coef @ ms
    # Satterthwaite: sigma^2 = sum c_i MS_i with nu = (sum c_i MS_i)^2 / sum (c_i MS_i)^2/df_i
    alpha = 1.0 - confidence
    lows, highs = [], []
    for i in range(k):
        terms = coef[i] * ms
        nu = raw[i] ** 2 / np.sum(terms**2 / np.asarray(df))
        if raw[i] > 0:
            lower_q = stats.chi2.ppf(alpha / 2, nu)
            lows.append(nu * raw[i] / stats.chi2.ppf(1 - alpha / 2, nu))
            highs.append(nu * raw[i] / lower_q if lower_q > 0 else np.inf)
        else:
            lows.append(0.0)
            highs.append(np.nan)
    return pd.DataFrame(
        {
            "raw_variance": raw,
            "ci_low": lows,
            "ci_high": highs,
            "ci_method": "Satterthwaite",
            "df": df,
            "mean_square": ms,
        }
    )


# --------------------------------------------------------------------------- G-study


def g_study(
    data: pd.DataFrame,
    *,
    object: str = "candidate_id",
    facets: str | Sequence[str] = ("rater_id", "question_id"),
    score: str = "score",
    design: str = "crossed",
    method: str = "auto",
    confidence: float = 0.95,
    variance_ci: bool = True,
) -> GStudy:
    """Estimate the variance components of a generalizability (G) study.

    Parameters
    ----------
    data : pandas.DataFrame
        Long scores, one row per score (object x facet levels).
    object : str, default "candidate_id"
        Column of the object of measurement.
    facets : str or list of str, default ("rater_id", "question_id")
        Facet columns (raters, questions, occasions, ...), one to three.
    score : str, default "score"
        Column with the numeric score.
    design : {"crossed", "nested"}
        ``"crossed"``: every facet crossed with the object and each other (p x r x q).
        ``"nested"``: the *first* facet is nested within the object (each candidate has
        their own raters: r:p, or (r:p) x q with a second, crossed facet).
    method : {"auto", "anova", "reml"}
        ``"anova"``: expected mean squares (balanced data only); ``"reml"``: restricted
        maximum likelihood (any data); ``"auto"``: ANOVA if balanced, else REML.
    confidence : float, default 0.95
        Confidence level of the component intervals.
    variance_ci : bool, default True
        Compute REML profile-likelihood intervals for the components; they cost one
        constrained fit per interval end and dominate the run time on large unbalanced
        designs (``False`` leaves them missing). ANOVA's Satterthwaite intervals are
        always given.

    Returns
    -------
    GStudy
        ``.components`` has one row per effect: ``component`` (label, e.g.
        ``"candidate_id x rater_id"``, ``"rater_id:candidate_id"`` for a nested effect;
        the last row, the highest-order interaction, is confounded with residual error),
        ``effect`` (its indices joined by ``|``), ``variance`` (negative estimates set to
        0, as for D-studies), ``raw_variance``, ``percent`` (of the total variance),
        ``ci_low``, ``ci_high``, ``ci_method`` (``"Satterthwaite"`` for ANOVA,
        ``"profile"`` for REML), ``df`` and ``mean_square`` (ANOVA only), ``n_levels``.
        Also ``.object``, ``.facets``, ``.design``, ``.method``, ``.n`` (G-study sample
        sizes), ``.n_obs``.

    Notes
    -----
    ANOVA: for each effect ``a``, ``T(a) = pi(not a) sum xbar_a^2``; sums of squares
    follow by inclusion-exclusion over the effect's non-nesting indices; the random
    model's expected mean squares ``EMS(a) = sum_{b >= a} pi(not b) sigma^2(b)`` are
    solved for the components (Brennan 2001, sec. 3.4). Intervals: Satterthwaite's
    approximation for a linear combination of mean squares (Brennan 2001, sec. 6.1).
    REML: all effects but the highest-order one are random intercepts of
    :func:`interviewlab.models.fit_mixed` (a nested effect ``r:p`` is the factor
    ``p:r``), the residual is the highest-order effect; REML never gives negative
    components and equals ANOVA on balanced data when ANOVA gives none.

    Cost: ANOVA is immediate. REML on an unbalanced design with all interactions of two
    facets (e.g. 100 candidates x 3 of 12 raters x 5 questions, 1,400 scores) takes
    about 2 s for the estimates and 13 s with profile intervals on a 2-core machine,
    growing with the cube of the number of levels of the effects that do not contain the
    object (here raters, questions and their interaction).

    Not handled: fixed facets, multivariate G theory, designs with more than one nested
    facet, panels (raters nested in panels with candidates crossed within panels: use
    :func:`interviewlab.models.fit_mixed` with ``random=["panel_id",
    "panel_id:rater_id", ...]`` directly).

    Validated against Brennan (2001) Synthetic Data Sets No. 1 (p x i) and No. 3
    (p x i x o): variance components, E rho^2 and Phi; and mean squares against
    statsmodels ``anova_lm`` (``tests/test_gtheory.py``).

    References
    ----------
    Brennan, R. L. (2001). Generalizability Theory. New York: Springer.

    Cronbach, L. J., Gleser, G. C., Nanda, H., & Rajaratnam, N. (1972). The Dependability
    of Behavioral Measurements. New York: Wiley.

    Examples
    --------
    >>> from interviewlab.data import read_dataset
    >>> pi = read_dataset("brennan_2001_synthetic1")
    >>> g = g_study(pi, object="person", facets=["item"], score="score")
    >>> g.components[["component", "variance"]].round(4)
           component  variance
    0         person    0.0574
    1           item    0.0754
    2  person x item    0.1269
    >>> d_study(g)[["g_coefficient", "phi"]].round(3)
       g_coefficient    phi
    0          0.844  0.773
    """
    require_frame(data)
    facet_list = as_list(facets)
    check_choice("design", design, DESIGNS)
    check_choice("method", method, METHODS)
    check_fraction("confidence", confidence)
    if not 1 <= len(facet_list) <= 3:
        raise InterviewLabError(
            f"facets={facet_list!r}: give one to three facet columns (e.g. rater and question)."
        )
    indices = [object, *facet_list]
    if len(set(indices)) != len(indices) or score in indices:
        raise InterviewLabError("object, facets and score must all be different columns.")
    require_columns(data, [*indices, score])
    frame = data[indices].copy()
    frame["__y"] = pd.to_numeric(data[score], errors="coerce")
    n_missing = int(frame.isna().any(axis=1).sum())
    if n_missing:
        warnings.warn(
            f"{n_missing} of {len(frame)} rows have a missing or non-numeric score or "
            "label and were left out.",
            InterviewLabWarning,
            stacklevel=2,
        )
        frame = frame.dropna()
    effects = _effects(object, facet_list, design)
    nesting = {e: _nesting(e, object, facet_list, design) for e, _ in effects}

    if design == "nested":
        inner = facet_list[0]
        # position of each level of the nested facet within its object (r = 0, 1, ...)
        frame["__local"] = frame.groupby(object, observed=True)[inner].rank(method="dense")
        per_object = frame.groupby(object, observed=True)[inner].nunique()
        crossed_check = [object, "__local", *facet_list[1:]]
        n_nested = float(len(per_object) / np.sum(1.0 / per_object))
    else:
        crossed_check = indices
        n_nested = np.nan
    balanced = _is_balanced(frame, crossed_check)
    if method == "anova" and not balanced:
        raise InterviewLabError(
            "method='anova' needs balanced data (one score in every cell of the design); "
            "these data are unbalanced or have repeated scores. Use method='reml'."
        )
    chosen = "anova" if (method == "anova" or (method == "auto" and balanced)) else "reml"

    n_levels = {i: int(frame[i].nunique()) for i in indices}
    # the G-study size of a facet is how many of its levels each object met: the number
    # of levels on balanced data, their harmonic mean per object on unbalanced data (a
    # candidate rated by 3 of 12 raters was rated by 3, not 12)
    g_n: dict[str, float] = {}
    for f in facet_list:
        per_obj = frame.groupby(object, observed=True)[f].nunique().to_numpy(dtype=float)
        g_n[f] = float(len(per_obj) / np.sum(1.0 / per_obj))
    if design == "nested":
        g_n[facet_list[0]] = n_nested

    if chosen == "anova":
        sizes = dict(n_levels)
        if design == "nested":
            sizes[facet_list[0]] = int(frame["__local"].nunique())
            frame = frame.drop(columns=[facet_list[0]]).rename(columns={"__local": facet_list[0]})
        table = _anova_components(frame, effects, sizes, nesting, confidence)
    else:
        table = _reml_components(frame, effects, object, facet_list, confidence, variance_ci)

    raw = table["raw_variance"].to_numpy()
    if np.any(raw < 0):
        negative = [label for (_, label), v in zip(effects, raw, strict=True) if v < 0]
        warnings.warn(
            f"Negative variance estimate(s) for {', '.join(negative)} set to 0 (Brennan "
            "2001, sec. 3.4.3); they are sampling noise around a small true component.",
            InterviewLabWarning,
            stacklevel=2,
        )
    variance = np.clip(raw, 0.0, None)
    total = variance.sum()
    components = pd.DataFrame(
        {
            "component": [label for _, label in effects],
            "effect": ["|".join(sorted(e)) for e, _ in effects],
            "variance": variance,
            "raw_variance": raw,
            "percent": 100.0 * variance / total if total > 0 else np.nan,
            "ci_low": table["ci_low"].to_numpy(),
            "ci_high": table["ci_high"].to_numpy(),
            "ci_method": table["ci_method"].to_numpy(),
            "df": table["df"].to_numpy(),
            "mean_square": table["mean_square"].to_numpy(),
            "n_levels": [int(frame.groupby(sorted(e), observed=True).ngroups) for e, _ in effects],
        }
    )
    return GStudy(
        components=components,
        object=object,
        facets=tuple(facet_list),
        design=design,
        method=chosen,
        n=g_n,
        n_obs=len(frame),
    )


def _reml_components(
    frame: pd.DataFrame,
    effects: list[tuple[frozenset[str], str]],
    obj: str,
    facets: list[str],
    confidence: float,
    variance_ci: bool,
) -> pd.DataFrame:
    """REML components: random intercepts for all effects but the highest-order one."""
    order = [obj, *facets]
    random = [":".join(i for i in order if i in e) for e, _ in effects[:-1]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        mixed_design = _build_design(frame.reset_index(drop=True), "__y ~ 1", random)
    with _single_threaded_blas():
        fit = _fit(mixed_design, method="reml", confidence=confidence, variance_ci=variance_ci)
    v = fit.variances
    return pd.DataFrame(
        {
            "raw_variance": v["variance"].to_numpy(),
            "ci_low": v["ci_low"].to_numpy(),
            "ci_high": v["ci_high"].to_numpy(),
            "ci_method": v["ci_method"].to_numpy(),
            "df": np.nan,
            "mean_square": np.nan,
        }
    )


# --------------------------------------------------------------------------- D-study


def _check_gstudy(g: object) -> GStudy:
    if not isinstance(g, GStudy):
        raise InterviewLabError(f"g must be the result of g_study(...), got {type(g).__name__}.")
    return g


def _sizes_grid(g: GStudy, n: Mapping[str, int | Sequence[int]] | None) -> list[dict[str, float]]:
    """Every combination of the requested D-study sample sizes (G-study sizes by default)."""
    n = dict(n or {})
    unknown = sorted(set(n) - set(g.facets))
    if unknown:
        raise InterviewLabError(
            f"n names {', '.join(map(repr, unknown))}, which are not facets of this G-study; "
            f"its facets are {', '.join(map(repr, g.facets))}."
        )
    options: list[list[float]] = []
    for facet in g.facets:
        values: object = n.get(facet, g.n[facet])
        seq = list(values) if isinstance(values, Sequence | np.ndarray) else [values]
        checked: list[float] = []
        for v in seq:
            if not (isinstance(v, int | float | np.integer | np.floating) and v >= 1):
                raise InterviewLabError(f"n[{facet!r}] must be numbers of at least 1, got {v!r}.")
            checked.append(float(v))
        options.append(checked)
    return [dict(zip(g.facets, combo, strict=True)) for combo in itertools.product(*options)]


def _project(g: GStudy, sizes: Mapping[str, float]) -> dict[str, float]:
    """Universe-score, relative and absolute error variances and the two coefficients."""
    tau = rel = ab = 0.0
    for effect, var in zip(g.effects(), g.components["variance"], strict=True):
        if effect == {g.object}:
            tau += float(var)
            continue
        divisor = float(np.prod([sizes[f] for f in effect if f != g.object] or [1.0]))
        share = float(var) / divisor
        ab += share
        if g.object in effect:
            rel += share
    return {
        "universe_variance": tau,
        "relative_error": rel,
        "absolute_error": ab,
        "g_coefficient": tau / (tau + rel) if tau + rel > 0 else np.nan,
        "phi": tau / (tau + ab) if tau + ab > 0 else np.nan,
        "sem_relative": float(np.sqrt(rel)),
        "sem_absolute": float(np.sqrt(ab)),
    }


def d_study(g: GStudy, n: Mapping[str, int | Sequence[int]] | None = None) -> pd.DataFrame:
    """Project generalizability (E rho^2) and dependability (Phi) for D-study sample sizes.

    Parameters
    ----------
    g : GStudy
        Result of :func:`g_study`.
    n : dict, optional
        Number of levels per facet in the decision study, a number or a list of numbers
        per facet, e.g. ``{"rater_id": [1, 2, 3], "question_id": 5}``; every combination is
        projected. A facet left out keeps its G-study sample size.

    Returns
    -------
    pandas.DataFrame
        One row per combination: one column per facet (its sample size),
        ``universe_variance`` (sigma^2(tau)), ``relative_error`` (sigma^2(delta)),
        ``absolute_error`` (sigma^2(Delta)), ``g_coefficient`` (E rho^2), ``phi``,
        ``sem_relative`` and ``sem_absolute`` (their square roots).

    Notes
    -----
    For the object ``p`` and each other component ``a`` with D-study divisor
    ``pi(a)`` (product of the sample sizes of the facets in ``a``): sigma^2(delta) =
    sum over components containing ``p`` of sigma^2(a)/pi(a); sigma^2(Delta) = sum over
    all components but ``p``; E rho^2 = sigma^2(p)/(sigma^2(p) + sigma^2(delta)) and
    Phi = sigma^2(p)/(sigma^2(p) + sigma^2(Delta)) (Brennan 2001, ch. 4), all facets
    random and the D-study design the same as the G-study's. No intervals are given
    for the coefficients (Brennan 2001, ch. 6, discusses approximate ones).

    E rho^2 assumes every object meets the same facet levels (the same raters rate all
    candidates). When different candidates meet different raters, as with panels, rater
    severity does not cancel between candidates: read Phi, which counts it, or use
    ``design="nested"``.

    Examples
    --------
    >>> from interviewlab.data import read_dataset
    >>> pio = read_dataset("brennan_2001_synthetic3")
    >>> g = g_study(pio, object="person", facets=["item", "occasion"], score="score")
    >>> d_study(g, n={"item": [4, 8]})[["item", "occasion", "g_coefficient", "phi"]].round(2)
       item  occasion  g_coefficient   phi
    0   4.0       2.0           0.64  0.55
    1   8.0       2.0           0.75  0.69
    """
    g = _check_gstudy(g)
    rows = [{**sizes, **_project(g, sizes)} for sizes in _sizes_grid(g, n)]
    return pd.DataFrame(rows)


def optimal_design(
    g: GStudy,
    *,
    target: float,
    costs: Mapping[str, float],
    coefficient: str = "g_coefficient",
    max_n: int = 20,
) -> pd.DataFrame:
    """Find the cheapest D-study design that reaches a target coefficient.

    Parameters
    ----------
    g : GStudy
        Result of :func:`g_study`.
    target : float
        Coefficient to reach, strictly between 0 and 1 (e.g. 0.8).
    costs : dict
        Cost of one level of each facet per object, e.g. ``{"rater_id": 40.0,
        "question_id": 10.0}`` (a rater's time per candidate, a question's time); every
        facet of ``g`` needs a cost.
    coefficient : {"g_coefficient", "phi"}
        Relative (E rho^2) or absolute (Phi) coefficient.
    max_n : int, default 20
        Largest number of levels considered per facet.

    Returns
    -------
    pandas.DataFrame
        The designs of least cost that reach ``target`` (ties kept), with the columns of
        :func:`d_study` and ``cost`` (sum over facets of ``costs[f] * n[f]``).

    Raises
    ------
    InterviewLabError
        If no design with at most ``max_n`` levels per facet reaches ``target`` (the
        message gives the best value reached).

    Notes
    -----
    Exhaustive search over ``1..max_n`` levels per facet (at most 20^3 designs).

    Examples
    --------
    >>> from interviewlab.data import read_dataset
    >>> pio = read_dataset("brennan_2001_synthetic3")
    >>> g = g_study(pio, object="person", facets=["item", "occasion"], score="score")
    >>> best = optimal_design(g, target=0.8, costs={"item": 1.0, "occasion": 5.0})
    >>> best[["item", "occasion", "cost"]]
       item  occasion  cost
    0  12.0       2.0  22.0
    """
    g = _check_gstudy(g)
    check_fraction("target", target)
    check_choice("coefficient", coefficient, COEFFICIENTS)
    missing = [f for f in g.facets if f not in costs]
    if missing:
        raise InterviewLabError(
            f"costs has no entry for {', '.join(map(repr, missing))}; give a cost per level "
            "of every facet."
        )
    if any(not np.isfinite(costs[f]) or costs[f] < 0 for f in g.facets):
        raise InterviewLabError("costs must be finite and non-negative.")
    if not isinstance(max_n, int) or max_n < 1:
        raise InterviewLabError(f"max_n={max_n!r} must be a positive integer.")
    grid = d_study(g, n={f: list(range(1, max_n + 1)) for f in g.facets})
    grid["cost"] = sum(grid[f] * float(costs[f]) for f in g.facets)
    reached = grid[grid[coefficient] >= target]
    if reached.empty:
        raise InterviewLabError(
            f"No design with at most {max_n} levels per facet reaches {coefficient} >= "
            f"{target}; the best is {grid[coefficient].max():.3f}. Raise max_n or the "
            "target is out of reach with these facets."
        )
    best = reached[np.isclose(reached["cost"], reached["cost"].min())]
    return best.sort_values([coefficient], ascending=False).reset_index(drop=True)
