"""Applicant reactions to the formats: Likert items compared by format and group."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from interviewlab._checks import check_fraction, require_columns, require_frame
from interviewlab.data import Study
from interviewlab.errors import InterviewLabError, InterviewLabWarning
from interviewlab.formats._model import DEFAULT_UNKNOWN
from interviewlab.formats.side import _candidate_format

__all__ = ["compare_reactions", "load_reactions", "problem_shares"]

COLUMNS = [
    "item", "effect", "kind", "group", "log_odds", "se", "ci_low", "ci_high", "odds_ratio",
    "or_ci_low", "or_ci_high", "p_value", "n", "estimable", "reason",
]  # fmt: skip


#: an LP optimum beyond this is a direction of separation (the LP's box is [-1, 1])
SEPARATION_TOL = 1e-6


@dataclass(frozen=True)
class _Separation:
    """Which coefficients of a cumulative-logit model have no finite ML estimate.

    ``signs`` has one entry per column of the design: 0 (finite), +1 or -1 (the likelihood
    keeps increasing as the coefficient goes to +/- infinity) or 2 (it can go either way:
    not identified). ``complete`` says whether some direction separates every response
    strictly (complete separation) rather than with ties (quasi-complete).
    """

    signs: tuple[int, ...]
    complete: bool
    failed: bool = False

    @property
    def separated(self) -> bool:
        """Whether some coefficient has no finite maximum-likelihood estimate."""
        return any(self.signs)


def _recession_constraints(x: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Rows ``A`` of ``A @ (b, delta) <= 0``: directions that raise no response's likelihood.

    The model is ``logit P(y <= k) = cut_k - x'b`` over the observed levels ``0..K-1``.
    Moving by ``t (b, delta)`` keeps each response's likelihood from falling (in the
    limit) exactly when ``delta_{y-1} <= x'b <= delta_y`` (no bound below the lowest
    level or above the highest); the likelihood then keeps increasing along it.
    """
    levels, y = np.unique(codes, return_inverse=True)
    p = x.shape[1]
    k = levels.size - 1  # cut-points
    upper, lower = y < k, y > 0
    a_upper = np.zeros((int(upper.sum()), p + k))
    a_upper[:, :p] = x[upper]
    a_upper[np.arange(a_upper.shape[0]), p + y[upper]] = -1.0
    a_lower = np.zeros((int(lower.sum()), p + k))
    a_lower[:, :p] = -x[lower]
    a_lower[np.arange(a_lower.shape[0]), p + y[lower] - 1] = 1.0
    return np.unique(np.vstack([a_upper, a_lower]), axis=0)


def _separation(x: np.ndarray, codes: np.ndarray) -> _Separation:
    """Exact check for (quasi-)complete separation of a cumulative-logit model, by LP.

    ``x`` must have full column rank together with a constant (the cut-points absorb
    it) and every level in ``codes`` is observed. For each coefficient ``b_j`` two
    linear programs maximise and minimise ``b_j`` over the cone of directions that raise
    no response's likelihood, in the box ``[-1, 1]``: a non-zero optimum is a direction
    along which the likelihood keeps increasing, so the estimate of ``b_j`` is infinite.
    One more LP maximises the smallest slack: positive means complete separation.
    """
    a = _recession_constraints(x, codes)
    width = a.shape[1]
    zero = np.zeros(a.shape[0])
    signs: list[int] = []
    for j in range(x.shape[1]):
        ends = []
        for direction in (-1.0, 1.0):  # maximise, then minimise b_j
            c = np.zeros(width)
            c[j] = direction
            res = optimize.linprog(c, A_ub=a, b_ub=zero, bounds=(-1.0, 1.0), method="highs")
            if res.status != 0:
                return _Separation(signs=(), complete=False, failed=True)
            ends.append(float(res.x[j]))
        up, down = ends[0] > SEPARATION_TOL, ends[1] < -SEPARATION_TOL
        signs.append(2 if up and down else 1 if up else -1 if down else 0)
    # complete: a direction with every slack >= t > 0 (variables (b, delta, t))
    c = np.zeros(width + 1)
    c[-1] = -1.0
    slack = np.hstack([a, np.ones((a.shape[0], 1))])
    res = optimize.linprog(
        c, A_ub=slack, b_ub=zero, bounds=[(-1.0, 1.0)] * width + [(0.0, 1.0)], method="highs"
    )
    complete = res.status == 0 and float(res.x[-1]) > SEPARATION_TOL
    return _Separation(signs=tuple(signs), complete=complete)


def _checked_reactions(
    reactions: pd.DataFrame,
    candidates: pd.DataFrame,
    *,
    levels: Sequence[Hashable],
    candidate: str,
    item: str,
    response: str,
) -> pd.DataFrame:
    """Reactions with an integer ``_code`` (0 = lowest level); bad rows refused.

    Lines are counted as in the CSV file the table was read from (row position + 2).
    """
    require_frame(reactions, "reactions")
    require_frame(candidates, "candidates")
    require_columns(reactions, [candidate, item, response], "reactions")
    require_columns(candidates, [candidate], "candidates")
    if len(levels) < 2 or len(set(levels)) != len(levels):
        raise InterviewLabError(
            f"levels={list(levels)!r} must list the Likert scale's responses from lowest to "
            "highest, at least two and each once (e.g. [1, 2, 3, 4, 5])."
        )
    codes = {str(level): i for i, level in enumerate(levels)}
    coded = reactions[response].astype(str).str.strip().map(codes)
    bad = coded.isna().to_numpy()
    if bad.any():
        line = int(np.flatnonzero(bad)[0]) + 2  # the header is line 1
        value = reactions[response].iloc[int(np.flatnonzero(bad)[0])]
        raise InterviewLabError(
            f"reactions, line {line}, column {response!r}: {str(value)!r} is not on the declared "
            f"scale {list(levels)!r}; {int(bad.sum())} such response(s). Recode them or "
            "declare the scale's levels."
        )
    duplicated = reactions.duplicated([candidate, item]).to_numpy()
    if duplicated.any():
        line = int(np.flatnonzero(duplicated)[0]) + 2
        raise InterviewLabError(
            f"reactions, line {line}: candidate {str(reactions[candidate].iloc[line - 2])!r} "
            f"answered item {str(reactions[item].iloc[line - 2])!r} twice; keep one response per "
            "candidate and item."
        )
    unknown = ~reactions[candidate].isin(candidates[candidate])
    if unknown.any():
        line = int(np.flatnonzero(unknown.to_numpy())[0]) + 2
        raise InterviewLabError(
            f"reactions, line {line}, column {candidate!r}: "
            f"{str(reactions[candidate].iloc[line - 2])!r} is not a candidate of the study; "
            f"{int(unknown.sum())} such row(s). Fix the ids or add the candidates."
        )
    return reactions.assign(_code=coded.astype(int).to_numpy())


def compare_reactions(
    reactions: pd.DataFrame,
    *,
    candidates: pd.DataFrame,
    levels: Sequence[Hashable],
    group: str | None = None,
    reference: Hashable | None = None,
    format_column: str = "format_order",
    formats: Sequence[str] = ("async", "live"),
    candidate: str = "candidate_id",
    item: str = "item",
    response: str = "response",
    confidence: float = 0.95,
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
) -> pd.DataFrame:
    """Candidates' reactions by format (and group), item by item, with an ordinal model.

    Parameters
    ----------
    reactions : pandas.DataFrame
        One row per candidate and item: ``candidate``, ``item``, ``response``.
    candidates : pandas.DataFrame
        One row per candidate with ``format_column`` (and ``group``).
    levels : sequence
        The Likert scale's responses from lowest to highest (e.g. ``[1, 2, 3, 4, 5]``);
        responses are matched as text.
    group : str, optional
        Candidate group column; its levels enter the model beside the format.
    reference : hashable, optional
        Reference group; default the largest.
    format_column : str, default "format_order"
        Each candidate's format (``"async"`` or ``"async only"``, ...): reactions are
        compared between candidates, so each must have taken one format.
    formats : (str, str), default ("async", "live")
        Focal and reference format.
    candidate, item, response : str
        Column names of ``reactions``.
    confidence : float, default 0.95
        Level of the intervals.
    unknown : sequence of str, default ("unknown",)
        Group values meaning "not known": those candidates are left out (with a warning).

    Returns
    -------
    pandas.DataFrame
        One row per item and effect: ``item``, ``effect`` (in words), ``kind``
        (``format`` or ``group``), ``group``, ``log_odds`` (the proportional-odds
        coefficient: positive means higher responses are more likely), ``se``,
        ``ci_low``, ``ci_high``, ``odds_ratio``, ``or_ci_low``, ``or_ci_high``,
        ``p_value`` (Wald), ``n`` (respondents to the item), ``estimable``, ``reason``.

    Notes
    -----
    For each item, a proportional-odds (cumulative logit) model
    ``logit P(response <= k) = cut_k - (b_format x async + sum_g b_g x group_g)``
    over the responses used, fitted by maximum likelihood with statsmodels'
    ``OrderedModel`` (BFGS, then Newton-Raphson to a tight optimum); Wald intervals from
    its Hessian. An item whose responses use fewer than two levels, with no respondent
    in one format, or where format and group are confounded, is not estimable.

    Separation is checked before fitting. Under complete or quasi-complete separation
    (e.g. every async respondent answers above every live one) the likelihood keeps
    increasing along a direction of the coefficients, the maximum-likelihood estimate
    is infinite (Albert & Anderson 1984), and a finite value is only where the optimiser
    stopped, with a huge standard error and a Wald p near 1 (the Hauck-Donner effect).
    The check is exact: a direction ``(b, d)`` (coefficients, cut-points) raises no
    response's likelihood in the limit when ``d_{k-1} <= x'b <= d_k`` for each response
    in level ``k``; for each coefficient two linear programs (scipy's HiGHS) maximise and
    minimise it over these directions in the box ``[-1, 1]``, and a non-zero optimum
    means its estimate is infinite (``+infinity``, ``-infinity``, or either way when
    not identified). Such a row is not estimable with the reason; the other rows of
    the item are withheld too, as the model has no finite fit and a singular Hessian
    (R's ``clm`` warns "Hessian is numerically singular"). The reason says "complete"
    when some direction separates every response strictly, "quasi-complete" otherwise.
    No bias-reduced (Firth-type) estimate is offered.

    Validated against R's ``ordinal::clm`` (same parametrisation): on 150 small random
    data sets our separated items are exactly those where ``clm`` reports a singular
    Hessian, with the signs of its diverging estimates, and elsewhere the estimates
    agree to 1e-5 and the standard errors to 1e-4 relative (``tests/formats/clm``); also
    against ``MASS::polr`` (``tests/formats/polr``). The meta-analysis of
    technology-mediated interviews found worse reactions to them (d = -0.36; Blacksmith
    et al. 2016). Not handled here: reading ``reactions.csv`` as part of a study folder.

    References
    ----------
    Albert, A. & Anderson, J. A. (1984). On the existence of maximum likelihood
    estimates in logistic regression models. Biometrika, 71(1), 1-10.

    McCullagh, P. (1980). Regression models for ordinal data. Journal of the Royal
    Statistical Society B, 42(2), 109-142.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> cand = pd.DataFrame({"candidate_id": [f"c{i}" for i in range(200)],
    ...                      "format_order": ["async only", "live only"] * 100})
    >>> latent = rng.logistic(size=200) - 0.8 * (cand["format_order"] == "async only")
    >>> reac = pd.DataFrame({"candidate_id": cand["candidate_id"], "item": "fair",
    ...                      "response": np.digitize(latent, [-1.5, -0.5, 0.5, 1.5]) + 1})
    >>> res = compare_reactions(reac, candidates=cand, levels=[1, 2, 3, 4, 5])
    >>> res[["item", "effect", "n"]]
       item                         effect    n
    0  fair  format (async vs live) 200
    >>> bool(res["log_odds"].iloc[0] < 0)
    True
    """
    check_fraction("confidence", confidence)
    data = _checked_reactions(
        reactions, candidates, levels=levels, candidate=candidate, item=item, response=response
    )
    pair = (str(formats[0]), str(formats[1]))
    require_columns(candidates, [format_column, *([group] if group else [])], "candidates")
    lookup = candidates.set_index(candidate)
    fmt = _candidate_format(lookup[format_column], pair, format_column)
    data["_fa"] = (data[candidate].map(fmt) == pair[0]).astype(float).to_numpy()
    group_levels: list[Hashable] = []
    if group is not None:
        values = data[candidate].map(lookup[group])
        missing = values.isna() | values.isin(list(unknown))
        if missing.any():
            warnings.warn(
                f"{int(data.loc[missing, candidate].nunique())} respondent(s) with an unknown "
                f"{group!r} are left out of the reaction models.",
                InterviewLabWarning,
                stacklevel=2,
            )
        data = data.loc[~missing.to_numpy()].assign(_group=values[~missing].to_numpy())
        counts = data.drop_duplicates(candidate)["_group"].value_counts()
        ref = counts.index[0] if reference is None else reference
        if ref not in counts.index:
            raise InterviewLabError(
                f"reference={ref!r} is not a value of {group!r}; its values are: "
                f"{', '.join(map(repr, counts.index))}."
            )
        group_levels = [ref, *sorted((v for v in counts.index if v != ref), key=str)]
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    rows: list[dict[str, object]] = []
    for label, cell in data.groupby(item, sort=True):
        names = {"_fa": (f"format ({pair[0]} vs {pair[1]})", "")}
        x = pd.DataFrame({"_fa": cell["_fa"].to_numpy()})
        for k, level in enumerate(group_levels[1:], start=1):
            x[f"_g{k}"] = (cell["_group"].to_numpy() == level).astype(float)
            names[f"_g{k}"] = (f"group {level} vs {group_levels[0]}", str(level))
        rows += _item_rows(label, cell["_code"].to_numpy(), x, names, z)
    return pd.DataFrame(rows, columns=COLUMNS)


def _reasons(codes: np.ndarray, x: pd.DataFrame, names: dict[str, tuple[str, str]]) -> list[str]:
    """Why each column's effect is not estimable ("" when it is), before any fit."""
    columns = list(x.columns)
    design = x.to_numpy(dtype=float)
    if np.unique(codes).size < 2:
        return ["not estimable: every respondent gave the same response"] * len(columns)
    if np.unique(design[:, 0]).size < 2:
        return ["not estimable: the respondents all took one format"] * len(columns)
    if (design[:, 1:].sum(axis=0) == 0).any():
        return ["not estimable: a group has no respondent to this item"] * len(columns)
    with_constant = np.column_stack([np.ones(len(design)), design])
    if np.linalg.matrix_rank(with_constant) < with_constant.shape[1]:
        return [
            "not estimable: format and group are confounded among this item's respondents "
            "(e.g. one group took one format only and the others the other), so their "
            "effects cannot be told apart"
        ] * len(columns)
    sep = _separation(design, codes)
    if sep.failed:
        return ["not estimable: the check for separation (a linear program) failed"] * len(columns)
    if not sep.separated:
        return [""] * len(columns)
    kind = "complete" if sep.complete else "quasi-complete"
    limit = {1: "+infinity", -1: "-infinity", 2: "+ or -infinity"}
    separated = [names[c][0] for c, sign in zip(columns, sep.signs, strict=True) if sign]
    others = (
        f"not estimable: the item's ordinal model has no finite maximum-likelihood fit "
        f"({', '.join(separated)}: {kind} separation), so its Hessian is singular and this "
        "effect is not reported either"
    )
    return [
        (
            f"not estimable: {kind} separation: the likelihood keeps increasing as this log "
            f"odds goes to {limit[sign]}, so it has no finite maximum-likelihood estimate"
        )
        if sign
        else others
        for sign in sep.signs
    ]


@functools.cache
def _ordered_logit() -> type:
    """The ``OrderedModel`` of statsmodels with the logistic cdf and pdf from ``expit``.

    The same values as ``distr="logit"`` (scipy's logistic cdf is ``expit``), without
    scipy's distribution machinery on every likelihood evaluation, the bulk of a fit's
    time. Built on first use: ``import interviewlab`` stays fast.
    """
    from scipy.special import expit
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    class OrderedLogit(OrderedModel):
        def cdf(self, x: np.ndarray) -> np.ndarray:
            return expit(x)

        def pdf(self, x: np.ndarray) -> np.ndarray:
            p = expit(x)
            return p * (1.0 - p)

    return OrderedLogit


def _ordinal_fit(codes: np.ndarray, x: pd.DataFrame) -> tuple[pd.Series, pd.Series] | None:
    """Estimates and standard errors of the proportional-odds model, None if not converged.

    BFGS from statsmodels' start, then Newton-Raphson to a tight optimum (as R's clm).
    """
    y = pd.Series(pd.Categorical(codes, ordered=True))
    model = _ordered_logit()(y, x, distr="logit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence is checked below
        start = model.fit(method="bfgs", disp=False, maxiter=500)
        fit = model.fit(method="newton", start_params=start.params, disp=False, maxiter=50)
    if not fit.mle_retvals.get("converged", False):
        return None
    params, bse = pd.Series(fit.params), pd.Series(fit.bse)
    if not np.isfinite(bse[list(x.columns)].to_numpy()).all():
        return None
    return params, bse


def _item_rows(
    label: Hashable,
    codes: np.ndarray,
    x: pd.DataFrame,
    names: dict[str, tuple[str, str]],
    z: float,
) -> list[dict[str, object]]:
    """The rows of one item: one per column of ``x``, estimated or with the reason."""
    reasons = _reasons(codes, x, names)
    fit = None if any(reasons) else _ordinal_fit(codes, x)
    if fit is None and not any(reasons):
        reasons = ["not estimable: the ordinal model did not converge"] * len(reasons)
    rows: list[dict[str, object]] = []
    for column, reason in zip(x.columns, reasons, strict=True):
        effect, level_label = names[column]
        row: dict[str, object] = {
            "item": label,
            "n": len(codes),
            "effect": effect,
            "kind": "format" if column == "_fa" else "group",
            "group": level_label,
        }
        if fit is None:
            row |= dict.fromkeys(COLUMNS[4:12], np.nan) | {"estimable": False, "reason": reason}
        else:
            b, se = float(fit[0][column]), float(fit[1][column])
            with np.errstate(over="ignore"):  # a very wide interval's odds ratio ends at inf
                odds = np.exp([b, b - z * se, b + z * se])
            row |= {
                "log_odds": b,
                "se": se,
                "ci_low": b - z * se,
                "ci_high": b + z * se,
                "odds_ratio": float(odds[0]),
                "or_ci_low": float(odds[1]),
                "or_ci_high": float(odds[2]),
                "p_value": float(2.0 * stats.norm.sf(abs(b / se))),
                "estimable": True,
                "reason": "",
            }
        rows.append(row)
    return rows


def problem_shares(
    reactions: pd.DataFrame,
    *,
    candidates: pd.DataFrame,
    levels: Sequence[Hashable],
    problem_item: str,
    problem_responses: Sequence[Hashable],
    group: str,
    format_column: str = "format_order",
    formats: Sequence[str] = ("async", "live"),
    candidate: str = "candidate_id",
    item: str = "item",
    response: str = "response",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Share of each group reporting technical problems, in each format.

    Parameters
    ----------
    reactions, candidates, levels, format_column, formats, candidate, item, response
        As :func:`compare_reactions`.
    problem_item : str
        The item asking about technical problems (e.g. ``"technical_problems"``).
    problem_responses : sequence
        The responses that count as reporting a problem (e.g. ``["yes"]`` or
        ``[4, 5]``); each must be one of ``levels``.
    group : str
        Candidate group column.
    confidence : float, default 0.95
        Level of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        One row per format and group: ``format``, ``group``, ``n`` (respondents),
        ``reported`` (respondents reporting a problem), ``share``, ``ci_low``,
        ``ci_high`` (Wilson score interval, statsmodels ``proportion_confint``).

    Examples
    --------
    >>> cand = pd.DataFrame({"candidate_id": ["a", "b", "c", "d"], "g": ["x", "x", "y", "y"],
    ...                      "format_order": ["async only"] * 4})
    >>> reac = pd.DataFrame({"candidate_id": ["a", "b", "c", "d"], "item": "tech",
    ...                      "response": ["no", "yes", "yes", "yes"]})
    >>> problem_shares(reac, candidates=cand, levels=["no", "yes"], problem_item="tech",
    ...                problem_responses=["yes"], group="g")[["format", "group", "n", "share"]]
      format group  n  share
    0  async     x  2    0.5
    1  async     y  2    1.0
    """
    check_fraction("confidence", confidence)
    data = _checked_reactions(
        reactions, candidates, levels=levels, candidate=candidate, item=item, response=response
    )
    wanted = {str(r) for r in problem_responses}
    if not wanted or not wanted <= {str(level) for level in levels}:
        raise InterviewLabError(
            f"problem_responses={list(problem_responses)!r} must be responses of the scale "
            f"{list(levels)!r}."
        )
    data = data[data[item] == problem_item]
    if data.empty:
        raise InterviewLabError(f"No response to the item {problem_item!r} in reactions.")
    require_columns(candidates, [group, format_column], "candidates")
    lookup = candidates.set_index(candidate)
    pair = (str(formats[0]), str(formats[1]))
    fmt = _candidate_format(lookup[format_column], pair, format_column)
    data = data.assign(
        _format=data[candidate].map(fmt).to_numpy(),
        _group=data[candidate].map(lookup[group]).fillna("(missing)").to_numpy(),
        _problem=data[response].astype(str).str.strip().isin(wanted).to_numpy(),
    )
    from statsmodels.stats.proportion import proportion_confint  # imported when needed

    rows = []
    for (label, value), cell in data.groupby(["_format", "_group"], sort=True):
        n, k = len(cell), int(cell["_problem"].sum())
        low, high = proportion_confint(k, n, alpha=1.0 - confidence, method="wilson")
        rows.append(
            {
                "format": label,
                "group": value,
                "n": n,
                "reported": k,
                "share": k / n,
                "ci_low": float(low),
                "ci_high": float(high),
            }
        )
    return pd.DataFrame(rows)


def load_reactions(study: Study) -> pd.DataFrame:
    """A study's applicant-reactions table, as loaded and checked with the study.

    Parameters
    ----------
    study : Study
        A study with a reactions table: ``reactions.csv`` in its folder (sheet
        ``reactions`` of a workbook), columns ``candidate_id``, ``item``, ``response``,
        its scale declared in ``study.toml``::

            [reactions]
            levels = [1, 2, 3, 4, 5]            # lowest to highest
            problem_item = "technical_problems"  # optional
            problem_responses = [4, 5]           # optional: responses meaning "a problem"

        The table is checked when the study is loaded (:meth:`Study.load`): a response
        off the scale, a repeated candidate and item or an unknown candidate is an error
        naming its file, line and column.

    Returns
    -------
    pandas.DataFrame
        A copy of ``study.reactions``: ``candidate_id``, ``item``, ``response`` (text,
        spaces around values removed), one row per line of the file, in file order.

    Raises
    ------
    InterviewLabError
        When the study has no reactions table.

    Notes
    -----
    The levels are read as text and matched as text, so ``4`` and ``"4"`` are the same
    response. Pass the result and ``study.meta["reactions"]["levels"]`` to
    :func:`compare_reactions` and :func:`problem_shares`.
    """
    if study.reactions is None:
        raise InterviewLabError(
            f"The study {study.name!r} has no reactions table: put a reactions.csv (or a "
            "sheet 'reactions' in a workbook) beside the other tables and declare its scale "
            "under [reactions] levels in study.toml."
        )
    return study.reactions.copy()
