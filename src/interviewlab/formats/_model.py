"""The format model shared by compare_formats, equivalence_test and format_power.

A ratings table (and optionally a candidates table) becomes a model frame with
columns the formula can name safely whatever the data hold (indicators ``fa`` for the
focal format, ``g1..gK`` for the non-reference groups, ``seq``/``per`` for order and
period in within-candidate designs, ``c0..`` for covariates), the design is detected,
and the mixed model is fitted once. Each effect is then a contrast of its coefficients.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import patsy
import scipy.linalg

from interviewlab._checks import check_choice, require_columns, require_frame
from interviewlab.errors import InterviewLabError, InterviewLabWarning
from interviewlab.models import MixedFit, fit_mixed
from interviewlab.models.engine import categorical_view, single_threaded_blas

DESIGNS = ("auto", "between", "within", "rated_twice")
DEFAULT_UNKNOWN: tuple[str, ...] = ("unknown",)
#: a column whose part not explained by the columns before it is below this share of its
#: norm is aliased (R's qr(LAPACK = FALSE) tolerance, which lme4 uses to drop columns)
ALIAS_TOL = 1e-7


@dataclass(frozen=True)
class RatingColumns:
    """Names of a ratings table's columns: who was rated, by whom, on what, how, the score.

    Built once by each public entry point from its ``candidate``, ``rater``,
    ``question``, ``format_column`` and ``score`` options and passed down as one value.
    """

    candidate: str = "candidate_id"
    rater: str = "rater_id"
    question: str = "question_id"
    format: str = "format"
    score: str = "score"

    def all(self) -> list[str]:
        """The five names, in the order above."""
        return [self.candidate, self.rater, self.question, self.format, self.score]


@dataclass(frozen=True)
class _ModelFrame:
    """The format model's frame and what :func:`_prepare` found in the data.

    ``frame`` has the columns the formula names (``y``, ``fa``, ``cand``, ``rater``,
    ``question``, optional ``panel``, ``grp``, ``c0..``, ``seq``/``per``); ``levels``
    lists the groups, reference first (empty without a group); ``covariate_terms`` are
    the covariates' formula terms (``c0`` or ``C(c0)``).
    """

    frame: pd.DataFrame
    design: str
    levels: list[Hashable]
    reference: Hashable | None
    covariate_terms: list[str]
    formats: tuple[str, str]


@dataclass(frozen=True)
class _Effect:
    """One effect: a contrast of the fixed effects, its words and its sample."""

    effect: str
    kind: str
    group: str
    format: str
    weights: dict[str, float]
    candidates: np.ndarray  # boolean mask over the model frame's rows
    focal_counts: tuple[int, ...]  # candidates in the smallest cells the effect rests on
    estimable: bool = True
    reason: str = ""


@dataclass(frozen=True)
class _FormatModel:
    """A fitted format model and the effects it answers."""

    design: str
    frame: pd.DataFrame
    fit: MixedFit | None
    effects: list[_Effect] = field(default_factory=list)
    sd_total: float = float("nan")
    formats: tuple[str, str] = ("async", "live")
    aliased: tuple[str, ...] = ()  # fixed-effect columns dropped as aliased (lme4's rule)


def _candidate_columns(
    ratings: pd.DataFrame,
    candidates: pd.DataFrame | None,
    columns: Sequence[str],
    candidate: str,
) -> pd.DataFrame:
    """Ratings with the named candidate-level columns brought in from ``candidates``."""
    out = ratings.copy()
    wanted = [c for c in columns if c not in ratings.columns]
    if not wanted:
        return out
    if candidates is None:
        raise InterviewLabError(
            f"Column(s) {', '.join(map(repr, wanted))} are not in the ratings; pass the "
            "candidates table as candidates= (one row per candidate) or add them to the "
            "ratings."
        )
    require_frame(candidates, "candidates")
    require_columns(candidates, [candidate, *wanted], "candidates")
    dup = candidates[candidate].duplicated()
    if dup.any():
        raise InterviewLabError(
            f"candidates has {int(dup.sum())} repeated {candidate!r} value(s) (first: "
            f"{candidates.loc[dup, candidate].iloc[0]!r}); keep one row per candidate."
        )
    lookup = candidates.set_index(candidate)
    missing = ~out[candidate].isin(lookup.index)
    if missing.any():
        raise InterviewLabError(
            f"{int(out.loc[missing, candidate].nunique())} candidate id(s) in the ratings "
            f"are not in candidates (first: {out.loc[missing, candidate].iloc[0]!r}); add "
            "them to the candidates table or remove their ratings."
        )
    for col in wanted:
        out[col] = out[candidate].map(lookup[col]).to_numpy()
    return out


def _detect_design(
    frame: pd.DataFrame, design: str, order: str | None, has_order: bool, formats: tuple[str, str]
) -> str:
    """The design: each candidate one format (between), both in order (within) or twice."""
    per_candidate = frame.groupby("cand", sort=False)["fa"].nunique()
    both = int((per_candidate > 1).sum())
    if design == "auto":
        if both == 0:
            return "between"
        return "within" if has_order else "rated_twice"
    if design == "between" and both:
        raise InterviewLabError(
            f"design='between' but {both} candidate(s) were rated in both formats; use "
            "design='within' (two interviews in counterbalanced order) or "
            "design='rated_twice' (one interview rated live and from its recording)."
        )
    if design in ("within", "rated_twice") and both == 0:
        raise InterviewLabError(
            f"design={design!r} but every candidate was rated in one format only; use "
            "design='between'."
        )
    if design == "within" and not has_order:
        raise InterviewLabError(
            f"design='within' needs the order in which each candidate took the formats: "
            f"a column {order!r} with values '{formats[0]} first' / '{formats[1]} first' "
            "in the ratings or the candidates table (pass its name as order=)."
        )
    return design


def _order_terms(frame: pd.DataFrame, order: str, formats: tuple[str, str]) -> pd.DataFrame:
    """Sequence (focal format first) and period (second interview) indicators."""
    focal, ref = formats
    values = frame[order].astype(object)
    first = pd.Series(np.nan, index=frame.index, dtype=float)
    first[values == f"{focal} first"] = 1.0
    first[values == f"{ref} first"] = 0.0
    per_candidate = frame.groupby("cand", sort=False)["fa"].transform("nunique")
    bad = (per_candidate > 1) & first.isna()
    if bad.any():
        seen = sorted(map(str, values[bad].unique()))[:3]
        raise InterviewLabError(
            f"Column {order!r} must say '{focal} first' or '{ref} first' for candidates "
            f"rated in both formats; found {', '.join(map(repr, seen))}. Fix those values."
        )
    # a candidate seen in one format only took it first
    first = first.fillna(frame["fa"].astype(float))
    out = frame.copy()
    out["seq"] = first
    out["per"] = (first != out["fa"]).astype(float)
    return out


def _prepare(
    ratings: pd.DataFrame,
    candidates: pd.DataFrame | None,
    *,
    group: str | None,
    reference: Hashable | None,
    formats: tuple[str, str],
    design: str,
    order: str | None,
    covariates: Sequence[str],
    columns: RatingColumns,
    panel: str | None,
    unknown: Sequence[str],
) -> _ModelFrame:
    """Model frame, design, group levels (reference first), reference and covariate terms."""
    require_frame(ratings, "ratings")
    check_choice("design", design, DESIGNS)
    if len(formats) != 2 or formats[0] == formats[1]:
        raise InterviewLabError(
            f"formats={formats!r} must name two different formats: (focal, reference), "
            "e.g. ('async', 'live')."
        )
    candidate = columns.candidate
    require_columns(ratings, columns.all() + ([panel] if panel else []), "ratings")
    needed = [c for c in [group, *covariates] if c]
    if order and (order in ratings.columns or (candidates is not None and order in candidates)):
        needed.append(order)
    data = _rating_data(
        _candidate_columns(ratings, candidates, needed, candidate), formats, columns
    )
    if group is not None:
        data = _known_group(data, group, unknown, candidate)
    frame = pd.DataFrame(
        {
            "y": data[columns.score].to_numpy(dtype=float),
            "fa": (data[columns.format] == formats[0]).to_numpy(dtype=float),
            "cand": data[candidate].to_numpy(),
            "rater": data[columns.rater].to_numpy(),
            "question": pd.factorize(data[columns.question], sort=True)[0],
        }
    )
    if panel:
        frame["panel"] = data[panel].to_numpy()
    levels: list[Hashable] = []
    ref: Hashable | None = None
    if group is not None:
        levels = _group_levels(data, group, reference, candidate)
        ref = levels[0]
        frame["grp"] = data[group].to_numpy()
    cov_terms: list[str] = []
    for i, name in enumerate(covariates):
        frame[f"c{i}"], term = _covariate_column(data[name], name, f"c{i}")
        cov_terms.append(term)
    has_order = order is not None and order in data.columns
    detected = _detect_design(frame, design, order, has_order, formats)
    if detected == "within" and order is not None:
        frame["order"] = data[order].to_numpy()
        frame = _order_terms(frame, "order", formats).drop(columns=["order"])
    return _ModelFrame(
        frame=frame,
        design=detected,
        levels=levels,
        reference=ref,
        covariate_terms=cov_terms,
        formats=formats,
    )


def _rating_data(
    data: pd.DataFrame, formats: tuple[str, str], columns: RatingColumns
) -> pd.DataFrame:
    """The ratings with a numeric score, checked: every format one of ``formats``."""
    score, format_column = columns.score, columns.format
    fmt = data[format_column]
    other = sorted(map(str, fmt[~fmt.isin(formats)].unique()))
    if other:
        raise InterviewLabError(
            f"Column {format_column!r} holds {', '.join(map(repr, other))}, not one of "
            f"formats={formats!r}; recode them or pass the study's format labels."
        )
    scores = pd.to_numeric(data[score], errors="coerce")
    if scores.isna().any():
        first = int(np.flatnonzero(scores.isna().to_numpy())[0])
        raise InterviewLabError(
            f"Column {score!r} has {int(scores.isna().sum())} missing or non-numeric "
            f"value(s) (first at row {first}); every rating needs a numeric score."
        )
    return data.assign(**{score: scores})


def _known_group(
    data: pd.DataFrame, group: str, unknown: Sequence[str], candidate: str
) -> pd.DataFrame:
    """The ratings of candidates whose ``group`` is known (the others left out, with a warning)."""
    is_unknown = data[group].isna() | data[group].isin(list(unknown))
    if is_unknown.any():
        n_unknown = int(data.loc[is_unknown, candidate].nunique())
        warnings.warn(
            f"{n_unknown} candidate(s) with an unknown {group!r} "
            f"({', '.join(map(repr, unknown))} or missing) are left out of the format "
            "model; their ratings are not used.",
            InterviewLabWarning,
            stacklevel=5,
        )
        data = data.loc[~is_unknown.to_numpy()].reset_index(drop=True)
    if data.empty:
        raise InterviewLabError(
            f"No ratings left to model: every candidate's {group!r} is unknown."
        )
    return data


def _group_levels(
    data: pd.DataFrame, group: str, reference: Hashable | None, candidate: str
) -> list[Hashable]:
    """The groups, reference first (the largest by candidates unless ``reference`` is given).

    Raises when a candidate's group changes between their ratings or ``reference`` is not
    a value of ``group``; the other groups follow in the order of their labels.
    """
    per_candidate = data.groupby(candidate, sort=False)[group].nunique()
    if (per_candidate > 1).any():
        first = per_candidate.index[per_candidate > 1][0]
        raise InterviewLabError(
            f"{group!r} changes within candidate {first!r}; "
            "a candidate's group must be the same in all their ratings."
        )
    counts = data.drop_duplicates(candidate)[group].value_counts()
    if reference is None:
        ref = counts.index[0]
    elif reference not in counts.index:
        raise InterviewLabError(
            f"reference={reference!r} is not a value of {group!r}; its values are: "
            f"{', '.join(map(repr, counts.index))}."
        )
    else:
        ref = reference
    return [ref, *sorted((v for v in counts.index if v != ref), key=str)]


def _covariate_column(values: pd.Series, name: str, col: str) -> tuple[np.ndarray, str]:
    """A covariate's model column and formula term: numeric as is, otherwise ``C(col)``."""
    if values.isna().any():
        raise InterviewLabError(
            f"Covariate {name!r} has {int(values.isna().sum())} missing value(s); fill "
            "them or leave the covariate out."
        )
    numeric = pd.to_numeric(values, errors="coerce")
    if pd.api.types.is_bool_dtype(values) or numeric.isna().any():
        return values.astype(str).to_numpy(), f"C({col})"
    return numeric.to_numpy(dtype=float), col


@dataclass(frozen=True)
class _Aliasing:
    """Fixed-effect columns kept and dropped as aliased, and how the dropped depend on the kept.

    ``loadings`` has one row per kept and one column per dropped column: each dropped
    column of the design equals the kept columns times its column of ``loadings``.
    """

    kept: tuple[str, ...]
    dropped: tuple[str, ...]
    loadings: np.ndarray

    def estimable(self, weights: dict[str, float]) -> bool:
        """Whether ``sum_j w_j beta_j`` is estimable: orthogonal to the design's null space.

        The null space is spanned by ``(-loadings d, d)`` (kept, dropped parts), so the
        combination is estimable when its dropped part equals ``loadings' w_kept``.
        """
        kept = np.array([weights.get(t, 0.0) for t in self.kept])
        dropped = np.array([weights.get(t, 0.0) for t in self.dropped])
        scale = max(1.0, float(np.abs(kept).sum() + np.abs(dropped).sum()))
        return bool(np.allclose(self.loadings.T @ kept, dropped, rtol=0.0, atol=1e-6 * scale))

    def restricted(self, weights: dict[str, float]) -> dict[str, float]:
        """The weights of an estimable combination on the kept columns.

        The dropped columns' coefficients are set to 0 (as lme4 does), which is one
        solution of the normal equations; an estimable combination has the same value at
        every solution.
        """
        return {t: w for t, w in weights.items() if t not in self.dropped}


def _aliasing(x: np.ndarray, names: list[str]) -> _Aliasing:
    """Columns of ``x`` kept from left to right while not in the span of those before.

    A column is aliased when the part of it that the kept columns before it do not
    explain is below ``ALIAS_TOL`` of its norm: the rule of R's ``qr(X, LAPACK =
    FALSE)``, whose limited pivoting moves such columns to the end, and which lme4 uses
    to drop them (``chkRank.drop.cols``). Computed on the triangular factor of ``x``,
    which has the same column dependencies.
    """
    r = scipy.linalg.qr(x, mode="r", check_finite=False)[0]
    kept: list[int] = []
    dropped: list[int] = []
    for j in range(r.shape[1]):
        column = r[:, j]
        norm = float(np.linalg.norm(column))
        residual = norm
        if kept and norm > 0.0:
            basis = r[:, kept]
            residual = float(np.linalg.norm(column - basis @ np.linalg.lstsq(basis, column)[0]))
        (kept if norm > 0.0 and residual > ALIAS_TOL * norm else dropped).append(j)
    loadings = (
        np.linalg.lstsq(r[:, kept], r[:, dropped])[0] if dropped else np.zeros((len(kept), 0))
    )
    return _Aliasing(
        kept=tuple(names[j] for j in kept),
        dropped=tuple(names[j] for j in dropped),
        loadings=loadings,
    )


def _fit_without_aliased(
    frame: pd.DataFrame,
    terms: list[str],
    *,
    random: list[str],
    confidence: float,
    ddf: str,
) -> tuple[MixedFit, _Aliasing]:
    """Fit ``y ~ terms``; aliased fixed-effect columns are dropped first, as lme4 does.

    The design is built once; its kept columns enter the fit as plain numeric columns
    (a formula cannot drop one level of a categorical term), and the fit's ``.fixed``
    names them as the formula would (``fa``, ``fa:g1``, ``C(question)[T.1]``, ...). A
    dropped column has no row: its coefficient is 0 in every contrast.
    """
    formula = "y ~ " + " + ".join(terms)
    factors = sorted({part for term in random for part in term.split(":")})
    complete = frame[factors].notna().all(axis=1).to_numpy()
    x = patsy.dmatrix(
        formula.split("~", 1)[1], categorical_view(frame, formula), return_type="dataframe"
    )
    with single_threaded_blas():  # a thin matrix: threads cost more than they save
        alias = _aliasing(x.to_numpy(dtype=float)[complete], list(x.columns))
    kept = [t for t in alias.kept if t != "Intercept"]
    safe = {f"x{i}": t for i, t in enumerate(kept)}
    fit = fit_mixed(
        frame.assign(**{k: x[t].to_numpy() for k, t in safe.items()}),
        "y ~ " + (" + ".join(safe) or "1"),
        random=random,
        variance_ci=False,
        confidence=confidence,
        ddf=ddf,
    )
    fixed = fit.fixed.assign(term=fit.fixed["term"].map(lambda t: safe.get(t, t)))
    return replace(fit, fixed=fixed), alias


def _column_words(column: str, levels: list[Hashable]) -> str:
    """A fixed-effect column of the format model in words."""
    words = {"fa": "format", "seq": "sequence", "per": "period"}
    for k, level in enumerate(levels[1:], start=1):
        words[f"g{k}"] = f"group {level}"
        words[f"fa:g{k}"] = f"format x group {level}"
    if column.startswith("C(question)"):
        return "a question"
    return words.get(column, "a covariate")


def _why_aliased(
    frame: pd.DataFrame,
    alias: _Aliasing,
    levels: list[Hashable],
    formats: tuple[str, str],
) -> str:
    """The reason an effect that needs an aliased column is not estimable."""
    dropped = ", ".join(_column_words(c, levels) for c in alias.dropped)
    if levels:
        reference = levels[0]
        in_focal = frame["fa"].to_numpy() == 1.0
        is_ref = frame["grp"].to_numpy() == reference
        missing = [
            f for f, m in zip(formats, (in_focal, ~in_focal), strict=True) if not (is_ref & m).any()
        ]
        if missing:
            return (
                f"not estimable: no {reference} candidate (the reference group) was rated in "
                f"{missing[0]}, so the data do not identify this effect (the aliased column, "
                f"{dropped}, was dropped as lme4 does); choose a reference group rated in both "
                "formats to estimate it"
            )
    return (
        "not estimable: the data do not identify this effect: the fixed effects are aliased "
        "(a level combination is empty or two terms are confounded; the aliased column(s), "
        f"{dropped}, were dropped as lme4 does)"
    )


def _fit_formats(
    prepared: _ModelFrame, *, confidence: float, ddf: str = "satterthwaite"
) -> _FormatModel:
    """Fit ``y ~ format x group + question [+ order] [+ covariates]`` and list the effects."""
    design, levels, formats = prepared.design, prepared.levels, prepared.formats
    focal, ref_format = formats
    frame = prepared.frame.copy()
    in_focal = frame["fa"].to_numpy() == 1.0
    cand = frame["cand"].to_numpy()
    everyone = np.ones(len(frame), dtype=bool)
    terms = ["fa"]
    groups = _add_group_columns(frame, levels, in_focal)
    terms += groups.terms
    if frame["question"].nunique() > 1:
        terms.append("C(question)")
    if design == "within":
        terms += ["seq", "per"]
    terms += prepared.covariate_terms
    random = ["cand", "rater"]
    if design != "between":
        random.append("cand:fa")
    if "panel" in frame.columns:
        random.append("panel")
    fit, alias = _fit_without_aliased(frame, terms, random=random, confidence=confidence, ddf=ddf)
    sd_total = float(np.sqrt(fit.variances["variance"].sum()))
    format_counts = (_n_cands(cand, in_focal), _n_cands(cand, ~in_focal))
    label = f"format effect ({focal} - {ref_format})"
    effects: list[_Effect] = []
    if not levels:
        effects.append(
            _Effect(
                effect=label,
                kind="format",
                group="",
                format="",
                weights={"fa": 1.0},
                candidates=everyone,
                focal_counts=format_counts,
            )
        )
    else:
        effects += _group_effects(groups, cand, in_focal, levels, formats)
    if design == "within":
        effects += _crossover_effects(everyone, format_counts, formats)
    if design == "between" and not (
        set(frame.loc[in_focal, "rater"]) & set(frame.loc[~in_focal, "rater"])
    ):
        why_confounded = (
            f"not estimable: no rater rated in both formats and each candidate took one "
            f"format, so the {focal} - {ref_format} difference cannot be told apart from a "
            "difference between the two rater pools. Have some raters rate both formats (or "
            "rate some recordings of live interviews) to separate them."
        )
        effects = [
            e
            if e.kind not in ("format", "interaction")
            else replace(e, weights={}, estimable=False, reason=why_confounded)
            for e in effects
        ]
    if alias.dropped:
        effects = _without_aliased(effects, alias, _why_aliased(frame, alias, levels, formats))
    return _FormatModel(
        design=design,
        frame=frame,
        fit=fit,
        effects=effects,
        sd_total=sd_total,
        formats=formats,
        aliased=alias.dropped,
    )


def _n_cands(cand: np.ndarray, mask: np.ndarray) -> int:
    """Number of distinct candidates in the rows of ``mask``."""
    return int(pd.unique(cand[mask]).size)


@dataclass(frozen=True)
class _GroupColumns:
    """The group indicator columns ``g1..`` of the model frame and what they rest on.

    ``masks[k]`` marks the rows of group ``levels[k]``, ``shares[k]`` is its share of the
    candidates, ``interacting`` lists the groups rated in both formats (those with an
    ``fa:gk`` term), ``terms`` the formula terms and ``reference`` the reference's rows.
    """

    masks: dict[int, np.ndarray]
    shares: dict[int, float]
    interacting: list[int]
    terms: list[str]
    reference: np.ndarray


def _add_group_columns(
    frame: pd.DataFrame, levels: list[Hashable], in_focal: np.ndarray
) -> _GroupColumns:
    """Add a 0/1 column ``gk`` to ``frame`` for each non-reference group; list their terms.

    Without groups (``levels`` empty) nothing is added and the record is empty.
    """
    masks: dict[int, np.ndarray] = {}
    shares: dict[int, float] = {}
    interacting: list[int] = []
    terms: list[str] = []
    if not levels:
        return _GroupColumns(masks, shares, interacting, terms, np.zeros(0, dtype=bool))
    cand = frame["cand"].to_numpy()
    grp = frame["grp"].to_numpy()
    n_total = _n_cands(cand, np.ones(len(frame), dtype=bool))
    for k, level in enumerate(levels[1:], start=1):
        mask = grp == level
        frame[f"g{k}"] = mask.astype(float)
        masks[k] = mask
        shares[k] = _n_cands(cand, mask) / n_total
        terms.append(f"g{k}")
        if _n_cands(cand, mask & in_focal) and _n_cands(cand, mask & ~in_focal):
            interacting.append(k)
            terms.append(f"fa:g{k}")
    return _GroupColumns(
        masks=masks,
        shares=shares,
        interacting=interacting,
        terms=terms,
        reference=grp == levels[0],
    )


def _group_effects(
    groups: _GroupColumns,
    cand: np.ndarray,
    in_focal: np.ndarray,
    levels: list[Hashable],
    formats: tuple[str, str],
) -> list[_Effect]:
    """The format effect over everyone and in the reference, then each group's effects."""
    focal, ref_format = formats
    reference, ref_mask = levels[0], groups.reference
    everyone = np.ones(len(cand), dtype=bool)
    label = f"format effect ({focal} - {ref_format})"
    average = {"fa": 1.0} | {f"fa:g{k}": groups.shares[k] for k in groups.interacting}
    complete = len(groups.interacting) == len(levels) - 1
    effects = [
        _Effect(
            effect=f"{label}, all candidates",
            kind="format",
            group="",
            format="",
            weights=average,
            candidates=everyone,
            focal_counts=(_n_cands(cand, in_focal), _n_cands(cand, ~in_focal)),
            estimable=complete,
            reason="" if complete else "not estimable: some group was rated in one format only",
        ),
        _Effect(
            effect=f"{label}, {reference}",
            kind="format",
            group=str(reference),
            format="",
            weights={"fa": 1.0},
            candidates=ref_mask,
            focal_counts=(
                _n_cands(cand, ref_mask & in_focal),
                _n_cands(cand, ref_mask & ~in_focal),
            ),
        ),
    ]
    for k, level in enumerate(levels[1:], start=1):
        effects += _one_group_effects(groups, k, level, cand, in_focal, reference, formats)
    return effects


def _one_group_effects(
    groups: _GroupColumns,
    k: int,
    level: Hashable,
    cand: np.ndarray,
    in_focal: np.ndarray,
    reference: Hashable,
    formats: tuple[str, str],
) -> list[_Effect]:
    """Group ``level``'s format effect, its gaps to the reference and their interaction.

    The gaps are taken in each format; the interaction is the gap's change between them.
    """
    focal, ref_format = formats
    mask, ref_mask = groups.masks[k], groups.reference
    label = f"format effect ({focal} - {ref_format})"
    counts = (_n_cands(cand, mask & in_focal), _n_cands(cand, mask & ~in_focal))
    ok = k in groups.interacting
    missing = (
        ""
        if ok
        else (
            f"not estimable: no {level} candidate was rated in "
            f"{focal if counts[0] == 0 else ref_format}"
        )
    )
    effects = [
        _Effect(
            effect=f"{label}, {level}",
            kind="format",
            group=str(level),
            format="",
            weights={"fa": 1.0, f"fa:g{k}": 1.0} if ok else {},
            candidates=mask,
            focal_counts=counts,
            estimable=ok,
            reason=missing,
        )
    ]
    for fmt_label, in_format, is_focal in (
        (ref_format, ~in_focal, False),
        (focal, in_focal, True),
    ):
        n_focal = _n_cands(cand, mask & in_format)
        n_ref = _n_cands(cand, ref_mask & in_format)
        usable = n_focal > 0 and n_ref > 0
        weights = {f"g{k}": 1.0} | ({f"fa:g{k}": 1.0} if is_focal and ok else {})
        effects.append(
            _Effect(
                effect=f"group gap ({level} - {reference}), {fmt_label}",
                kind="gap",
                group=str(level),
                format=fmt_label,
                weights=weights if usable else {},
                candidates=(mask | ref_mask) & in_format,
                focal_counts=(n_focal, n_ref),
                estimable=usable,
                reason=""
                if usable
                else f"not estimable: no {level} or no {reference} candidate was "
                f"rated in {fmt_label}",
            )
        )
    effects.append(
        _Effect(
            effect=f"format x group interaction ({level}): gap in {focal} minus gap "
            f"in {ref_format}",
            kind="interaction",
            group=str(level),
            format="",
            weights={f"fa:g{k}": 1.0} if ok else {},
            candidates=mask | ref_mask,
            focal_counts=counts,
            estimable=ok,
            reason=missing,
        )
    )
    return effects


def _crossover_effects(
    everyone: np.ndarray, format_counts: tuple[int, int], formats: tuple[str, str]
) -> list[_Effect]:
    """The period and sequence (carry-over) effects of a within-candidate design."""
    focal, ref_format = formats
    return [
        _Effect(
            effect="period: second interview minus first",
            kind="period",
            group="",
            format="",
            weights={"per": 1.0},
            candidates=everyone,
            focal_counts=format_counts,
        ),
        _Effect(
            effect=f"sequence (carry-over): {focal} first minus {ref_format} first",
            kind="carryover",
            group="",
            format="",
            weights={"seq": 1.0},
            candidates=everyone,
            focal_counts=format_counts,
        ),
    ]


def _without_aliased(effects: list[_Effect], alias: _Aliasing, why: str) -> list[_Effect]:
    """Effects restricted to the kept columns; those that need a dropped one not estimable."""
    return [
        e
        if not e.estimable
        else (
            replace(e, weights=alias.restricted(e.weights))
            if alias.estimable(e.weights)
            else replace(e, weights={}, estimable=False, reason=why)
        )
        for e in effects
    ]
