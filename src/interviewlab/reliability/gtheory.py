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
from dataclasses import dataclass, field

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
from interviewlab.models.engine import build_design, fit_design, single_threaded_blas

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
        ``"crossed"`` or ``"nested"`` (some facet is nested in the object or in another
        facet).
    method : str
        ``"anova"`` or ``"reml"``: how the components were estimated.
    n : dict
        G-study sample size of each facet: the harmonic mean number of its levels per
        object (on balanced crossed data, simply its number of levels; with 3 of 12
        raters per candidate, 3) — the default D-study sizes.
    n_obs : int
        Number of scores analysed.
    nested : dict
        Each nested facet and the column it is nested in (the object or another facet),
        e.g. ``{"rater_id": "station"}``; empty for a crossed design.
    """

    components: pd.DataFrame
    object: str
    facets: tuple[str, ...]
    design: str
    method: str
    n: Mapping[str, float]
    n_obs: int
    nested: Mapping[str, str] = field(default_factory=dict)

    def effects(self) -> list[frozenset[str]]:
        """Index set of each component, in the order of ``components``."""
        return [frozenset(e.split("|")) for e in self.components["effect"]]


# --------------------------------------------------------------------------- effects


def _effects(
    obj: str, facets: Sequence[str], nested: Mapping[str, str]
) -> list[tuple[frozenset[str], str]]:
    """Effects of the design as (index set, label), lowest order first.

    Every non-empty subset of {object, facets} that holds the host of each nested facet it
    holds (Brennan 2001, sec. 3.1): with raters nested in stations, ``r`` alone is not an
    effect but ``r:s`` and ``pr:s`` are. A label lists the primary indices, then ``:``
    and the nesting indices (``"rater_id:station"``, ``"candidate_id x rater_id:station"``).
    """
    indices = [obj, *facets]
    out = []
    for size in range(1, len(indices) + 1):
        for combo in itertools.combinations(indices, size):
            s = frozenset(combo)
            if any(f in s and host not in s for f, host in nested.items()):
                continue
            nest = _nesting(s, nested)
            label = " x ".join(i for i in combo if i not in nest)
            if nest:
                label += ":" + " x ".join(i for i in indices if i in nest)
            out.append((s, label))
    return out


def _nesting(effect: frozenset[str], nested: Mapping[str, str]) -> set[str]:
    """Indices an effect is nested within (the hosts of its nested facets)."""
    return {host for f, host in nested.items() if f in effect}


def _check_nested(
    nested: Mapping[str, str] | None, design: str, obj: str, facets: list[str]
) -> dict[str, str]:
    """The nesting of the design as {facet: host}, checked against the columns."""
    if nested is None:
        return {facets[0]: obj} if design == "nested" else {}
    if design == "nested":
        raise InterviewLabError(
            "Give either design='nested' (the first facet nested in the object) or "
            "nested={facet: host}, not both."
        )
    if not isinstance(nested, Mapping) or not nested:
        raise InterviewLabError(
            f"nested={nested!r} must be a non-empty dict {{facet: column it is nested in}}, "
            "e.g. nested={'rater_id': 'station'}."
        )
    out = {str(k): str(v) for k, v in nested.items()}
    for f, host in out.items():
        if f not in facets:
            raise InterviewLabError(
                f"nested names {f!r}, which is not one of the facets "
                f"{', '.join(map(repr, facets))}; list it in facets as well."
            )
        if host != obj and host not in facets:
            raise InterviewLabError(
                f"nested[{f!r}] = {host!r} must be the object ({obj!r}) or another facet "
                f"({', '.join(repr(x) for x in facets if x != f)})."
            )
        if host == f or host in out:
            raise InterviewLabError(
                f"nested[{f!r}] = {host!r}: only one level of nesting is handled (a facet "
                "nested in a facet that is itself not nested)."
            )
    return out


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
    nested: Mapping[str, str] | None = None,
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
        their own raters: r:p, or (r:p) x q with a second, crossed facet); the same as
        ``nested={facets[0]: object}``.
    nested : dict, optional
        Nesting of facets, ``{facet: column it is nested in}``, the host being the object
        or another facet. Station designs (multiple mini-interviews) where each station
        has its own raters and every candidate visits every station are p x (r:s):
        ``facets=["rater_id", "station"], nested={"rater_id": "station"}``. A level of a
        nested facet is identified by its label *within* its host, so raters may be
        numbered 1, 2, ... afresh at each station. One level of nesting; not together
        with ``design="nested"``.
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
        ``"candidate_id x rater_id"``, ``"rater_id:candidate_id"`` or
        ``"candidate_id x rater_id:station"`` for a nested effect;
        the last row, the highest-order interaction, is confounded with residual error),
        ``effect`` (its indices joined by ``|``), ``variance`` (negative estimates set to
        0, as for D-studies), ``raw_variance``, ``percent`` (of the total variance),
        ``ci_low``, ``ci_high``, ``ci_method`` (``"Satterthwaite"`` for ANOVA,
        ``"profile"`` for REML), ``df`` and ``mean_square`` (ANOVA only), ``n_levels``.
        Also ``.object``, ``.facets``, ``.design``, ``.nested``, ``.method``, ``.n``
        (G-study sample sizes; for a nested facet, its levels per object within one level
        of its host, e.g. raters per candidate at a station), ``.n_obs``.

    Notes
    -----
    ANOVA: for each effect ``a``, ``T(a) = pi(not a) sum xbar_a^2``; sums of squares
    follow by inclusion-exclusion over the effect's non-nesting indices; the random
    model's expected mean squares ``EMS(a) = sum_{b >= a} pi(not b) sigma^2(b)`` are
    solved for the components (Brennan 2001, sec. 3.4). With a nested facet, its
    levels are renumbered within each level of its host, the effects are the sets of
    indices that hold the host of every nested index they hold, and an effect's degrees
    of freedom multiply ``n - 1`` over its primary indices by ``n`` over its nesting
    indices (Brennan 2001, sec. 3.1-3.2). Intervals: Satterthwaite's
    approximation for a linear combination of mean squares (Brennan 2001, sec. 6.1).
    REML: all effects but the highest-order one are random intercepts of
    :func:`interviewlab.models.fit_mixed` (a nested effect ``r:p`` is the factor
    ``p:r``, ``r:s`` the factor ``r:s``), the residual is the highest-order effect; REML
    never gives negative components and equals ANOVA on balanced data when ANOVA gives
    none. A design in which a two-way or higher effect has one score per level (one
    rater per candidate at each station makes p x s and pr:s the same cells) is refused:
    its variance cannot be separated from the residual.

    Cost: ANOVA is immediate. REML on an unbalanced design with all interactions of two
    facets (e.g. 100 candidates x 3 of 12 raters x 5 questions, 1,400 scores) takes
    about 2 s for the estimates and 13 s with profile intervals on a 2-core machine,
    growing with the cube of the number of levels of the effects that do not contain the
    object (here raters, questions and their interaction).

    Not handled: fixed facets, multivariate G theory, nesting more than one level deep
    (r:s:p), panels (raters nested in panels with candidates crossed within panels: use
    :func:`interviewlab.models.fit_mixed` with ``random=["panel_id",
    "panel_id:rater_id", ...]`` directly).

    Validated against Brennan (2001) Synthetic Data Sets No. 1 (p x i), No. 3
    (p x i x o) and No. 4 (p x (r:t)): variance components, E rho^2 and Phi; mean squares
    against statsmodels ``anova_lm``; unbalanced p x (r:s) REML components against R
    lme4 (``tests/reliability/test_gtheory*.py``).

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

    A station design, 4 raters at each of 3 tasks (Brennan's Synthetic Data Set No. 4):

    >>> prt = read_dataset("brennan_2001_synthetic4")
    >>> g4 = g_study(
    ...     prt, object="person", facets=["rater", "task"], score="score",
    ...     nested={"rater": "task"},
    ... )
    >>> g4.components[["component", "variance"]].round(4)
                 component  variance
    0               person    0.4731
    1                 task    0.3252
    2        person x task    0.5596
    3           rater:task    0.6475
    4  person x rater:task    2.3802
    >>> d_study(g4)[["rater", "task", "g_coefficient", "phi"]].round(2)
       rater  task  g_coefficient  phi
    0    4.0   3.0           0.55 0.46
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
    nest_map = _check_nested(nested, design, object, facet_list)
    effects = _effects(object, facet_list, nest_map)
    nesting = {e: _nesting(e, nest_map) for e, _ in effects}

    # position of each level of a nested facet within its host (r = 1, 2, ... within each
    # candidate for r:p, within each station for r:s): the crossed layout ANOVA needs
    crossed_check = list(indices)
    for f, host in nest_map.items():
        frame[f"__local_{f}"] = frame.groupby(host, observed=True)[f].rank(method="dense")
        crossed_check[indices.index(f)] = f"__local_{f}"
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
    # candidate rated by 3 of 12 raters was rated by 3, not 12); for a nested facet, per
    # object and host (raters per candidate at each station)
    g_n: dict[str, float] = {}
    for f in facet_list:
        by = sorted({object, nest_map.get(f, object)})
        per_obj = frame.groupby(by, observed=True)[f].nunique().to_numpy(dtype=float)
        g_n[f] = float(len(per_obj) / np.sum(1.0 / per_obj))

    if chosen == "anova":
        sizes = dict(n_levels)
        for f in nest_map:
            sizes[f] = int(frame[f"__local_{f}"].nunique())
            frame = frame.drop(columns=[f]).rename(columns={f"__local_{f}": f})
        table = _anova_components(frame, effects, sizes, nesting, confidence)
    else:
        _check_identified(frame, effects, nest_map)
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
        design="nested" if nest_map else "crossed",
        method=chosen,
        n=g_n,
        n_obs=len(frame),
        nested=nest_map,
    )


def _check_identified(
    frame: pd.DataFrame, effects: list[tuple[frozenset[str], str]], nested: Mapping[str, str]
) -> None:
    """Refuse a design whose second-highest effect has one score per level.

    Such an effect is confounded with the residual (the highest-order effect): REML would
    split their sum arbitrarily. Typical case: one rater per candidate at each station, so
    candidate x station and candidate x rater:station are the same cells.
    """
    n_obs = len(frame)
    for effect, label in effects[:-1]:
        if len(effect) > 1 and frame.groupby(sorted(effect), observed=True).ngroups == n_obs:
            hint = ""
            if nested:
                hint = (
                    " With one rater per candidate at each station, the nested rater facet "
                    "cannot be separated from candidate x station: analyse without it "
                    "(facets=[station], whose interaction then includes the raters)."
                )
            raise InterviewLabError(
                f"Each level of {label} has a single score, so its variance cannot be told "
                f"apart from {effects[-1][1]} (the residual).{hint}"
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
        mixed_design = build_design(frame.reset_index(drop=True), "__y ~ 1", random)
    with single_threaded_blas():
        fit = fit_design(
            mixed_design, method="reml", confidence=confidence, variance_ci=variance_ci
        )
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
        :func:`d_study` and ``cost`` (sum over facets of ``costs[f] * n[f]``, times the
        size of the facet's host when it is nested in another facet).

    Raises
    ------
    InterviewLabError
        If no design with at most ``max_n`` levels per facet reaches ``target`` (the
        message gives the best value reached).

    Notes
    -----
    Exhaustive search over ``1..max_n`` levels per facet (at most 20^3 designs).

    In a station design p x (r:s), ``n["rater_id"]`` is the number of raters *at each
    station*, so a candidate meets ``n_r * n_s`` raters and the rater cost is paid
    ``n_r * n_s`` times: ``cost = costs[s] * n_s + costs[r] * n_r * n_s``. A facet nested
    in the object (r:p) costs ``costs[r] * n_r`` as a crossed facet does.

    Examples
    --------
    >>> from interviewlab.data import read_dataset
    >>> pio = read_dataset("brennan_2001_synthetic3")
    >>> g = g_study(pio, object="person", facets=["item", "occasion"], score="score")
    >>> best = optimal_design(g, target=0.8, costs={"item": 1.0, "occasion": 5.0})
    >>> best[["item", "occasion", "cost"]]
       item  occasion  cost
    0  12.0       2.0  22.0

    Stations with their own raters (Brennan's p x (r:t)), a station costing as much as
    two raters:

    >>> prt = read_dataset("brennan_2001_synthetic4")
    >>> g4 = g_study(
    ...     prt, object="person", facets=["rater", "task"], score="score",
    ...     nested={"rater": "task"},
    ... )
    >>> optimal_design(g4, target=0.7, costs={"rater": 1.0, "task": 2.0})[
    ...     ["rater", "task", "g_coefficient", "cost"]
    ... ].round(3)
       rater  task  g_coefficient  cost
    0    3.0   7.0           0.71  35.0
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
    cost = pd.Series(0.0, index=grid.index)
    for f in g.facets:
        levels = grid[f]
        host = g.nested.get(f, g.object)
        if host != g.object:  # a rater at each station: paid once per level of the host
            levels = levels * grid[host]
        cost += levels * float(costs[f])
    grid["cost"] = cost
    reached = grid[grid[coefficient] >= target]
    if reached.empty:
        raise InterviewLabError(
            f"No design with at most {max_n} levels per facet reaches {coefficient} >= "
            f"{target}; the best is {grid[coefficient].max():.3f}. Raise max_n or the "
            "target is out of reach with these facets."
        )
    best = reached[np.isclose(reached["cost"], reached["cost"].min())]
    return best.sort_values([coefficient], ascending=False).reset_index(drop=True)
