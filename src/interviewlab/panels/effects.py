"""Who rates whom: similar-to-me, panel composition, internal candidates, rater training.

Every effect is a fixed effect of a linear mixed model (:func:`interviewlab.fit_mixed`) of
the ratings, with random intercepts for candidate, rater and question: the main model, or
the main model extended by one moderator's terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from interviewlab._checks import check_fraction
from interviewlab.data import Study
from interviewlab.errors import InterviewLabError
from interviewlab.models import fit_mixed

__all__ = ["PANEL_EFFECT_COLUMNS", "panel_effects"]

#: columns of :func:`panel_effects`, in order
PANEL_EFFECT_COLUMNS = (
    "effect",
    "term",
    "group",
    "role",
    "estimate",
    "se",
    "df",
    "ci_low",
    "ci_high",
    "p_value",
    "n_candidates",
    "n_raters",
    "small_sample",
    "estimable",
    "reason",
)

_RANDOM = ["candidate_id", "rater_id", "question_id"]


@dataclass(frozen=True)
class _Prepared:
    """Ratings joined to the candidate's and the rater's attributes."""

    data: pd.DataFrame
    controls: str
    n_missing: int


def panel_effects(
    study: Study,
    *,
    group: str,
    internal: str = "internal",
    role: str = "role",
    trained: str = "trained",
    confidence: float = 0.95,
    min_n: int = 20,
    min_raters: int = 5,
) -> pd.DataFrame:
    """Estimate who-rates-whom effects on the ratings of a study, one row per effect.

    Parameters
    ----------
    study : Study
        A study with a raters table (``raters.csv``) that records ``group`` for the
        raters (study.toml ``[raters] columns``), and ``group`` among the candidate group
        columns.
    group : str
        The group column shared by candidates and raters (e.g. ``"ethnicity"``).
    internal : str
        Candidate column marking internal candidates (0/1); absent -> not estimable.
    role : str
        Raters-table column with the rater's role (hiring manager, HR, peer, ...).
    trained : str
        Raters-table column marking raters trained in structured interviewing (0/1).
    confidence : float
        Confidence level of the intervals.
    min_n : int, default 20
        A row informed by fewer candidates than this is flagged ``small_sample``.
    min_raters : int, default 5
        A row informed by fewer raters than this is flagged ``small_sample``: a
        similar-to-me effect seen in three raters says more about those three people
        than about raters in general.

    Returns
    -------
    pandas.DataFrame
        One row per effect, in this order: similar-to-me overall, similar-to-me for
        candidates of each group value, panel share of the candidate's group, panel
        diversity, internal candidate, internal candidate as rated by each role,
        similar-to-me difference trained minus untrained raters. Columns:

        - ``effect``: the effect in words (for reading; its wording may change);
        - ``term``: a stable code of the effect, to find rows by: ``similar_to_me``,
          ``similar_to_me_by_group``, ``panel_share``, ``panel_diversity``,
          ``internal``, ``internal_by_role``, ``similar_to_me_trained_minus_untrained``
          (a per-group or per-role row is found by ``term`` with ``group`` or ``role``);
        - ``group``: the candidates' value of ``group`` a per-group row is about, ""
          for the other rows (so that a report hides the rows of a hidden category);
        - ``role``: the rater role an ``internal_by_role`` row is about, "" for the
          other rows;
        - ``estimate``: in score points (per rating; for the panel share, the change
          from a panel with none to a panel with all raters in the candidate's group;
          for diversity, per extra distinct group on the panel);
        - ``se``, ``df`` (Satterthwaite, as R's lmerTest), ``ci_low``, ``ci_high``,
          ``p_value`` (t test of no effect);
        - ``n_candidates``, ``n_raters``: the candidates and raters that inform the
          effect (for similar-to-me, the candidates rated both by raters of their own
          group and by raters of another group, and those raters);
        - ``small_sample`` (bool): fewer than ``min_n`` candidates or ``min_raters``
          raters inform the row (its estimate is still given, with its interval);
        - ``estimable`` (bool) and ``reason``: why the design cannot identify the
          effect (then every number is missing, never zero).

    Notes
    -----
    The main model, fitted by REML with random intercepts for candidate, rater and
    question, is::

        score ~ same + share + diversity + internal + group + format

    where ``same`` is 1 when the rater shares the candidate's value of ``group``,
    ``share`` is the mean of ``same`` over all the candidate's ratings (the share of
    the candidate's panel in the candidate's group) and ``diversity`` is the number of
    distinct rater groups among the candidate's raters. Because ``share`` is the
    candidate mean of ``same``, the coefficient of ``same`` is the within-candidate
    (similar-to-me) effect and that of ``share`` the panel-composition (contextual)
    effect (Mundlak 1978): a candidate's own group, whose effect is in ``group``, cannot
    leak into either. ``internal`` is in the model when it is recorded for every
    candidate; otherwise its row comes from the same model fitted on the candidates
    whose status is recorded. A term the design cannot separate is left out of every
    model (its row says why).

    Each moderator question has its own model: the main model extended by the
    moderator's terms, fitted on the ratings where the moderator is recorded.

    - per group: ``same`` and ``share`` replaced by their products with indicators of
      each group value;
    - by role: ``internal`` replaced by its products with indicators of each rater
      role, and the role added (dummy coded), so that each role's row compares the
      internal and external candidates that role rated;
    - by training: ``trained`` and ``same x trained`` added; the row is the
      coefficient of ``same x trained``.

    So every moderated estimate is adjusted for the same confounders as the main
    effect beside it (panel share, diversity, the candidate's group, the format and,
    unless it is the moderated effect, internal candidacy) and for nothing else, and
    differs from the main row only by the moderation it reports. Earlier versions
    fitted one joint model of all moderators without ``diversity``: its role rows were
    adjusted for training and its training row for role (questions the main row does
    not ask), and not for a confounder the main model holds fixed. The role's main
    effect keeps a role that rates every candidate higher from showing as an
    internal-candidate effect. The four models agree with R lmerTest's REML fits and
    Satterthwaite tests (``tests/panels/test_panel_effects_lmertest.py``).

    An effect is estimable only when the data can separate it: similar-to-me needs
    candidates rated both by raters of their own group and by raters of another (a
    homogeneous rater pool has none); the panel share needs it to vary among candidates
    of the same group; the internal effect needs internal and external candidates;
    the role and training moderators need the role or training to vary among the
    raters. Otherwise the row says why. Candidates whose ``group`` is not recorded, and
    raters whose group is not, cannot be classed as same or different and are left
    out (their number is in the reason of the first row when there are any). Scores
    rounded to a rubric attenuate every effect a little.

    References
    ----------
    Mundlak, Y. (1978). On the pooling of time series and cross section data.
    Econometrica, 46(1), 69-85.

    Examples
    --------
    >>> from interviewlab import load_study, panel_effects
    >>> table = panel_effects(load_study("demo"), group="ethnicity")
    >>> table.loc[0, "effect"], bool(table.loc[0, "estimable"])
    ("similar-to-me (rater shares the candidate's ethnicity)", True)
    >>> table.loc[table["term"] == "internal_by_role", ["role", "n_raters"]]
                  role  n_raters
    9               HR         4
    10  hiring manager         4
    11            peer         4
    """
    check_fraction("confidence", confidence)
    for name, value in (("min_n", min_n), ("min_raters", min_raters)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise InterviewLabError(f"{name}={value!r} must be a positive integer.")
    prepared = _prepare(study, group=group, internal=internal, role=role, trained=trained)
    rows: list[dict[str, object]] = []
    rows += _similarity_rows(prepared, group, confidence)
    table = pd.DataFrame(rows)
    for column in ("group", "role"):
        table[column] = table[column].fillna("") if column in table else ""
    table["small_sample"] = (table["n_candidates"] < min_n) | (table["n_raters"] < min_raters)
    table = table[list(PANEL_EFFECT_COLUMNS)]
    table["estimable"] = table["estimable"].astype(bool)
    return table


def _prepare(study: Study, *, group: str, internal: str, role: str, trained: str) -> _Prepared:
    """Ratings with same, share, diversity, internal, role and trained columns."""
    if not isinstance(study, Study):
        raise InterviewLabError(
            f"panel_effects needs a Study (load_study or simulate_study), got "
            f"{type(study).__name__}."
        )
    if group not in study.group_columns:
        raise InterviewLabError(
            f"group={group!r} is not a candidate group column; the study declares "
            f"{study.group_columns} in study.toml [groups] columns."
        )
    if study.raters is None:
        raise InterviewLabError(
            "panel_effects needs the raters table (raters.csv, one row per rater with "
            "rater_id and the rater group columns declared in study.toml [raters])."
        )
    if group not in study.rater_columns:
        raise InterviewLabError(
            f"group={group!r} is not recorded for the raters; raters.csv declares "
            f"{study.rater_columns} in study.toml [raters] columns."
        )
    raters = study.raters.set_index("rater_id")
    cand = study.candidates.set_index("candidate_id")
    r = study.ratings
    data = pd.DataFrame(
        {
            "score": r["score"].to_numpy(dtype=float),
            "candidate_id": r["candidate_id"].to_numpy(),
            "rater_id": r["rater_id"].to_numpy(),
            "question_id": r["question_id"].to_numpy(),
            "format": r["format"].to_numpy(),
            "cgroup": cand[group].reindex(r["candidate_id"]).to_numpy(),
            "rgroup": raters[group].reindex(r["rater_id"]).to_numpy(),
        }
    )
    for column, source, name in (
        ("internal", cand, internal),
        ("trained", raters, trained),
    ):
        key = "candidate_id" if source is cand else "rater_id"
        if name in source.columns:
            values = pd.to_numeric(source[name].reindex(data[key]), errors="coerce")
            data[column] = values.to_numpy(dtype=float, na_value=np.nan)
    if role in raters.columns:
        data["role"] = raters[role].reindex(data["rater_id"]).to_numpy()
    recorded = data["cgroup"].notna() & data["rgroup"].notna()
    n_missing = int((~recorded).sum())
    data = data[recorded].reset_index(drop=True)
    data["same"] = (data["cgroup"] == data["rgroup"]).astype(float)
    by_candidate = data.groupby("candidate_id", sort=False)
    data["share"] = by_candidate["same"].transform("mean")
    data["_mixed"] = by_candidate["same"].transform("min") < by_candidate["same"].transform("max")
    data["diversity"] = by_candidate["rgroup"].transform("nunique").astype(float)
    # the candidate's group and the format as fixed effects
    codes = {v: f"_g{i}" for i, v in enumerate(sorted(data["cgroup"].unique()))}
    for value, name in list(codes.items())[1:]:
        data[name] = (data["cgroup"] == value).astype(float)
    names = list(codes.values())[1:]
    formats = sorted(data["format"].unique())
    for j, value in enumerate(formats[1:], start=1):
        # numeric columns, not patsy's C(): categorical coding costs more than the fit
        data[f"_f{j}"] = (data["format"] == value).astype(float)
        names.append(f"_f{j}")
    controls = " + ".join(names) or "1"
    return _Prepared(data, controls, n_missing)


def _blank(
    effect: str, term: str, reason: str, n_candidates: int, n_raters: int
) -> dict[str, object]:
    return {
        "effect": effect,
        "term": term,
        "estimate": np.nan,
        "se": np.nan,
        "df": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "p_value": np.nan,
        "n_candidates": n_candidates,
        "n_raters": n_raters,
        "estimable": False,
        "reason": reason,
    }


CONFOUNDED = (
    "not estimable: in this design the effect is confounded with the candidate's group, "
    "the format or another effect of the model (the design matrix is rank deficient)"
)

#: the main model's terms besides the candidate's group and the format, in order
_MAIN_TERMS = ("same", "share", "diversity", "internal")


def _fit(
    data: pd.DataFrame, terms: list[str], controls: str, confidence: float
) -> pd.DataFrame | None:
    """The model's fixed effects, or None when the design cannot separate its terms."""
    if not terms:
        return None
    formula = "score ~ " + " + ".join([*terms, controls])
    try:
        fit = fit_mixed(data, formula, random=_RANDOM, variance_ci=False, confidence=confidence)
    except InterviewLabError as err:
        if "rank deficient" in str(err):
            return None
        raise
    fixed = fit.fixed.set_index("term")
    if "df" not in fixed.columns:  # an engine without Satterthwaite df: z tests
        fixed = fixed.assign(df=np.inf)
    return fixed


def _row(
    fixed: pd.DataFrame,
    coefficient: str,
    effect: str,
    term: str,
    n_candidates: int,
    n_raters: int,
) -> dict[str, object]:
    values = fixed.loc[coefficient].to_dict()
    return {
        "effect": effect,
        "term": term,
        **{k: float(values[k]) for k in ("estimate", "se", "df", "ci_low", "ci_high", "p_value")},
        "n_candidates": n_candidates,
        "n_raters": n_raters,
        "estimable": True,
        "reason": "",
    }


def _mixed(data: pd.DataFrame) -> pd.Series:
    """Per rating: the candidate is rated both by own-group and other-group raters."""
    return data["_mixed"]


def _counts(data: pd.DataFrame, mask: pd.Series | None = None) -> tuple[int, int]:
    sub = data if mask is None else data[mask]
    return int(sub["candidate_id"].nunique()), int(sub["rater_id"].nunique())


def _varies_within_group(data: pd.DataFrame, column: str) -> bool:
    per_candidate = data.drop_duplicates("candidate_id")
    return bool((per_candidate.groupby("cgroup")[column].nunique() > 1).any())


def _separable(data: pd.DataFrame) -> dict[str, bool]:
    """Which of the main model's terms these ratings can separate from the controls."""
    same_varies = data.groupby("candidate_id", sort=False)["same"].nunique() > 1
    ok = {"same": bool(same_varies.any()), "share": _varies_within_group(data, "share")}
    ok["diversity"] = ok["share"] and _varies_within_group(data, "diversity")
    ok["internal"] = _complete_and_two_valued(data, "internal")
    return ok


def _main_terms(data: pd.DataFrame, *, without: tuple[str, ...] = ()) -> list[str]:
    """The main model's terms these ratings can separate, less those in ``without``."""
    ok = _separable(data)
    return [t for t in _MAIN_TERMS if ok[t] and t not in without]


def _similarity_rows(prep: _Prepared, group: str, confidence: float) -> list[dict[str, object]]:
    """The main model: similar-to-me, panel share, diversity and (when complete) internal."""
    data = prep.data
    mixed = _mixed(data)
    n_mixed = _counts(data, mixed)
    n_all = _counts(data)
    names = {
        "same": f"similar-to-me (rater shares the candidate's {group})",
        "share": f"panel share of the candidate's {group} (all vs none of the panel)",
        "diversity": f"panel diversity (per extra {group} group among the raters)",
        "internal": INTERNAL,
    }
    why = {
        "same": "not estimable: no candidate was rated both by raters of their own "
        f"{group} and by raters of another (a homogeneous rater pool, or panels that "
        "never mix), so a similar-to-me effect cannot be told apart from the candidate's "
        "group",
        "share": "not estimable: the panel share of the candidate's group does not vary "
        "among candidates of the same group",
        "diversity": "not estimable: the number of distinct rater groups on the panel "
        "does not vary among candidates of the same group apart from the panel share",
    }
    ok = _separable(data)
    terms = _main_terms(data)
    fixed = _fit(data, terms, prep.controls, confidence)
    rows: dict[str, dict[str, object]] = {}
    for term in ("same", "share", "diversity"):
        counts = n_mixed if term == "same" else n_all
        if fixed is not None and ok[term]:
            rows[term] = _row(fixed, term, names[term], _CODES[term], *counts)
        else:
            reason = why[term] if not ok[term] else CONFOUNDED
            rows[term] = _blank(names[term], _CODES[term], reason, *counts)
    if prep.n_missing:
        note = f"{prep.n_missing} rating(s) without a recorded candidate or rater group left out"
        first = str(rows["same"]["reason"])
        rows["same"]["reason"] = f"{first}; {note}" if first else note
    per_group = _per_group_rows(prep, confidence)
    if fixed is not None and ok["internal"]:
        internal_rows = [_row(fixed, "internal", INTERNAL, "internal", *n_all)]
    else:
        internal_rows = [_internal_alone(prep, confidence)]
    moderators = [*_role_rows(prep, confidence), _training_row(prep, confidence)]
    return [rows["same"], *per_group, rows["share"], rows["diversity"], *internal_rows, *moderators]


INTERNAL = "internal candidate (rated higher than external candidates)"
TRAINING = "similar-to-me, trained minus untrained raters"

#: the ``term`` code of the main model's rows, by model term
_CODES = {
    "same": "similar_to_me",
    "share": "panel_share",
    "diversity": "panel_diversity",
    "internal": "internal",
}
BY_GROUP = "similar_to_me_by_group"
BY_ROLE = "internal_by_role"
BY_TRAINING = "similar_to_me_trained_minus_untrained"


def _complete_and_two_valued(data: pd.DataFrame, column: str) -> bool:
    return bool(
        column in data.columns and data[column].notna().all() and data[column].nunique() == 2
    )


def _two_values(data: pd.DataFrame, column: str) -> bool:
    return column in data.columns and data[column].dropna().nunique() == 2


def _per_group_rows(prep: _Prepared, confidence: float) -> list[dict[str, object]]:
    """Similar-to-me per candidate group: the main model, same and share by group."""
    data = prep.data.copy()
    mixed = _mixed(data)
    values = sorted(data["cgroup"].unique())
    estimable = [v for v in values if mixed[data["cgroup"] == v].any()]
    terms: list[str] = []
    for i, value in enumerate(values):
        if value in estimable:
            indicator = (data["cgroup"] == value).astype(float)
            data[f"_same{i}"] = data["same"] * indicator
            terms.append(f"_same{i}")
            if _varies_within_group(data[data["cgroup"] == value], "share"):
                data[f"_share{i}"] = data["share"] * indicator
                terms.append(f"_share{i}")
    if terms:
        terms += _main_terms(prep.data, without=("same", "share"))
    fixed = _fit(data, terms, prep.controls, confidence)
    rows = []
    for i, value in enumerate(values):
        name = f"similar-to-me for {value} candidates"
        counts = _counts(data, mixed & (data["cgroup"] == value))
        if fixed is not None and value in estimable:
            rows.append(_row(fixed, f"_same{i}", name, BY_GROUP, *counts))
        else:
            reason = (
                CONFOUNDED
                if value in estimable
                else f"not estimable: no {value} candidate was rated both by {value} raters "
                "and by raters of another group"
            )
            rows.append(_blank(name, BY_GROUP, reason, *counts))
        rows[-1]["group"] = value
    return rows


def _internal_alone(prep: _Prepared, confidence: float) -> dict[str, object]:
    """The internal effect when its column has gaps: the main model, recorded candidates."""
    data = prep.data
    if "internal" not in data.columns:
        reason = "not estimable: the candidates table has no internal column"
        return _blank(INTERNAL, "internal", reason, 0, 0)
    data = data[data["internal"].notna()]
    counts = _counts(data)
    if not _two_values(data, "internal"):
        return _blank(
            INTERNAL,
            "internal",
            "not estimable: there are no internal candidates, or no external ones",
            *counts,
        )
    fixed = _fit(data, _main_terms(data), prep.controls, confidence)
    if fixed is None:
        return _blank(INTERNAL, "internal", CONFOUNDED, *counts)
    return _row(fixed, "internal", INTERNAL, "internal", *counts)


def _role_rows(prep: _Prepared, confidence: float) -> list[dict[str, object]]:
    """Internal by rater role: the main model with internal replaced by internal x role.

    Fitted on the ratings whose candidate's internal status and rater's role are
    recorded, with the role's main effect (dummy coded) so that each role's internal
    effect is a contrast within that role's ratings.
    """
    data = prep.data
    if not (_two_values(data, "internal") and "role" in data.columns):
        return []
    data = data[data["internal"].notna() & data["role"].notna()].copy()
    roles = sorted(data["role"].unique())
    usable = [r for r in roles if _two_values(data[data["role"] == r], "internal")]
    terms = _main_terms(data, without=("internal",))
    for j, value in enumerate(roles[1:], start=1):
        data[f"_role{j}"] = (data["role"] == value).astype(float)
        terms.append(f"_role{j}")
    for i, value in enumerate(roles):
        if value in usable and len(usable) > 1:
            data[f"_int{i}"] = data["internal"] * (data["role"] == value).astype(float)
            terms.append(f"_int{i}")
    fixed = _fit(data, terms, prep.controls, confidence) if len(usable) > 1 else None
    rows = []
    for i, value in enumerate(roles):
        name = f"internal candidate, as rated by {value} raters"
        counts = _counts(data, data["role"] == value)
        if fixed is not None and value in usable:
            rows.append(_row(fixed, f"_int{i}", name, BY_ROLE, *counts))
        elif value not in usable:
            reason = (
                f"not estimable: {value} raters did not rate both internal and external candidates"
            )
            rows.append(_blank(name, BY_ROLE, reason, *counts))
        elif len(usable) < 2:
            reason = "not estimable: only one role rated both internal and external candidates"
            rows.append(_blank(name, BY_ROLE, reason, *counts))
        else:
            rows.append(_blank(name, BY_ROLE, CONFOUNDED, *counts))
        rows[-1]["role"] = value
    return rows


def _training_row(prep: _Prepared, confidence: float) -> dict[str, object]:
    """Similar-to-me by training: the main model with trained and same x trained added.

    Fitted on the ratings whose rater's training is recorded.
    """
    data = prep.data
    if "trained" not in data.columns:
        reason = "not estimable: the raters table has no trained column"
        return _blank(TRAINING, BY_TRAINING, reason, 0, 0)
    data = data[data["trained"].notna()].copy()
    informative = data[_mixed(data)]
    counts = _counts(informative)
    terms = _main_terms(data)
    if "same" not in terms or informative["trained"].nunique() != 2:
        return _blank(
            TRAINING,
            BY_TRAINING,
            "not estimable: similar-to-me is not observed among both trained and untrained raters",
            *counts,
        )
    data["_same_trained"] = data["same"] * data["trained"]
    fixed = _fit(data, [*terms, "trained", "_same_trained"], prep.controls, confidence)
    if fixed is None:
        return _blank(TRAINING, BY_TRAINING, CONFOUNDED, *counts)
    return _row(fixed, "_same_trained", TRAINING, BY_TRAINING, *counts)
