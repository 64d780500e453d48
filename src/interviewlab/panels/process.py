"""Access to the process: who got an informal visit, a pre-interview call, an adjustment.

Rates and impact ratios per group come from :func:`interviewlab.impact_ratios` (the same
machinery as selection); associations with scores and with selection are estimated after
adjusting for the candidate's group (and, for selection, the mean score).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from interviewlab._checks import as_list, check_fraction
from interviewlab.data import Study
from interviewlab.errors import InterviewLabError
from interviewlab.impact import impact_ratios
from interviewlab.models import fit_mixed

__all__ = ["process_access", "process_associations"]


def _process_columns(study: Study, columns: str | Sequence[str] | None) -> list[str]:
    if not isinstance(study, Study):
        raise InterviewLabError(f"Expected a Study, got {type(study).__name__}.")
    chosen = study.process_columns if columns is None else as_list(columns)
    if not chosen:
        raise InterviewLabError(
            "The study declares no process columns; list the 0/1 candidate columns in "
            'study.toml, e.g. [process] columns = ["informal_visit", "pre_interview_call"].'
        )
    unknown = [c for c in chosen if c not in study.process_columns]
    if unknown:
        raise InterviewLabError(
            f"{unknown} are not process columns of the study; the declared ones are "
            f"{study.process_columns} (study.toml [process] columns)."
        )
    return chosen


def process_access(
    study: Study,
    *,
    group: str | Sequence[str],
    columns: str | Sequence[str] | None = None,
    reference: str = "highest",
    threshold: float = 0.8,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Who had access to each process factor, by group: rates, impact ratios and tests.

    Parameters
    ----------
    study : Study
        A study with process columns declared in study.toml ``[process] columns``.
    group : str or list of str
        Candidate group column(s), as for :func:`interviewlab.impact_ratios`.
    columns : str or list of str, optional
        Process columns to analyse; default all declared ones.
    reference, threshold, confidence
        Passed to :func:`interviewlab.impact_ratios`.

    Returns
    -------
    pandas.DataFrame
        One block per process column, led by ``process`` (the column's name) and
        ``n_missing`` (candidates whose value is not recorded, left out of that block),
        followed by every column of :func:`interviewlab.impact_ratios` (``category``,
        ``n``, ``selected`` = candidates who had access, ``rate``, ``impact_ratio``,
        ``ci_low``, ``ci_high``, the tests, ``small_sample``, ``estimable``, ``reason``,
        ...).

    Notes
    -----
    Access is treated exactly as selection: a group that is offered an informal visit
    less often than the reference group has an impact ratio below 1, with the same
    interval and tests as for selection. Candidates whose process value is missing are
    counted in ``n_missing`` and left out of that column's block only.

    Examples
    --------
    >>> from interviewlab import simulate_study, process_access
    >>> study = simulate_study(seed=2, n_candidates=200, process_shares={"informal_visit": 0.3})
    >>> table = process_access(study, group="sex")
    >>> table[["process", "category", "n", "selected"]].values.tolist()
    [['informal_visit', 'female', 97, 33], ['informal_visit', 'male', 103, 35]]
    """
    chosen = _process_columns(study, columns)
    blocks = []
    for column in chosen:
        known = study.candidates[column].notna()
        data = study.candidates.loc[known].assign(**{column: lambda d, c=column: d[c].astype(int)})
        table = impact_ratios(
            data,
            group=group,
            selected=column,
            reference=reference,
            threshold=threshold,
            confidence=confidence,
        )
        table.insert(0, "n_missing", int((~known).sum()))
        table.insert(0, "process", column)
        blocks.append(table)
    return pd.concat(blocks, ignore_index=True)


def process_associations(
    study: Study,
    *,
    group: str,
    columns: str | Sequence[str] | None = None,
    stage: str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Whether each process factor goes with higher scores and with selection.

    Parameters
    ----------
    study : Study
        A study with process columns declared in study.toml ``[process] columns``.
    group : str
        Candidate group column adjusted for.
    columns : str or list of str, optional
        Process columns; default all declared ones.
    stage : str, optional
        Selection stage of the selection model (default the study's last stage);
        candidates who entered it (passed the stage before) are modelled.
    confidence : float
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Two rows per process column: ``process``, ``outcome`` ("score" or the stage),
        ``measure`` ("difference in score points" or "odds ratio"), ``estimate``,
        ``se`` (of the score difference, or of the log odds ratio), ``df`` (Satterthwaite
        for scores, ``inf`` for the logistic model), ``ci_low``, ``ci_high``,
        ``p_value``, ``n_candidates``, ``n_with`` (candidates who had it), ``estimable``,
        ``reason``.

    Notes
    -----
    Scores: the mixed model ``score ~ process + group (+ format)`` with random
    intercepts for candidate, rater and question (:func:`interviewlab.fit_mixed`), so
    the difference is between candidates of the same group. Selection: a logistic
    regression (statsmodels ``Logit``) of passing ``stage`` among its entrants on the
    process column, the group and the candidate's mean score, so the odds ratio is
    the association beyond what the scores explain. Both are associations, not causal
    effects: who is offered a visit is not random. Candidates with a missing process
    value or group are left out.
    """
    check_fraction("confidence", confidence)
    chosen = _process_columns(study, columns)
    if group not in study.group_columns:
        raise InterviewLabError(
            f"group={group!r} is not one of the study's group columns {study.group_columns}."
        )
    stages = study.stages
    if stage is None and stages:
        stage = stages[-1]
    if stage is not None and stage not in stages:
        raise InterviewLabError(f"stage={stage!r} is not one of the study's stages {stages}.")
    rows = []
    for column in chosen:
        rows.append(_score_row(study, column, group, confidence))
        if stage is not None:
            rows.append(_selection_row(study, column, group, stage, confidence))
    return pd.DataFrame(rows)


def _blank(column: str, outcome: str, measure: str, n: int, n_with: int, reason: str) -> dict:
    return {
        "process": column,
        "outcome": outcome,
        "measure": measure,
        "estimate": np.nan,
        "se": np.nan,
        "df": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "p_value": np.nan,
        "n_candidates": n,
        "n_with": n_with,
        "estimable": False,
        "reason": reason,
    }


def _score_row(study: Study, column: str, group: str, confidence: float) -> dict:
    cand = study.candidates.set_index("candidate_id")
    r = study.ratings
    data = pd.DataFrame(
        {
            "score": r["score"].to_numpy(dtype=float),
            "candidate_id": r["candidate_id"].to_numpy(),
            "rater_id": r["rater_id"].to_numpy(),
            "question_id": r["question_id"].to_numpy(),
            "format": r["format"].to_numpy(),
            "_x": pd.to_numeric(cand[column].reindex(r["candidate_id"])).to_numpy(
                dtype=float, na_value=np.nan
            ),
            "_g": cand[group].reindex(r["candidate_id"]).to_numpy(),
        }
    ).dropna()
    per = data.drop_duplicates("candidate_id")
    n, n_with = len(per), int(per["_x"].sum())
    measure = "difference in score points"
    if per["_x"].nunique() < 2:
        return _blank(
            column,
            "score",
            measure,
            n,
            n_with,
            "not estimable: every rated candidate has the same value",
        )
    controls = " + C(_g)" if data["_g"].nunique() > 1 else ""
    if data["format"].nunique() > 1:
        controls += " + C(format)"
    fit = fit_mixed(
        data,
        "score ~ _x" + controls,
        random=["candidate_id", "rater_id", "question_id"],
        variance_ci=False,
        confidence=confidence,
    )
    row = fit.fixed.set_index("term").loc["_x"].to_dict()
    return {
        "process": column,
        "outcome": "score",
        "measure": measure,
        **{k: float(row[k]) for k in ("estimate", "se", "df", "ci_low", "ci_high", "p_value")},
        "n_candidates": n,
        "n_with": n_with,
        "estimable": True,
        "reason": "",
    }


def _selection_row(study: Study, column: str, group: str, stage: str, confidence: float) -> dict:
    cand = study.candidates
    stages = study.stages
    position = stages.index(stage)
    entered = cand[stages[position - 1]] == 1 if position > 0 else pd.Series(True, cand.index)
    mean_score = study.ratings.groupby("candidate_id")["score"].mean()
    data = pd.DataFrame(
        {
            "y": cand[stage].to_numpy(dtype=float),
            "x": pd.to_numeric(cand[column]).to_numpy(dtype=float, na_value=np.nan),
            "g": cand[group].to_numpy(),
            "s": mean_score.reindex(cand["candidate_id"]).to_numpy(),
        }
    )[entered.to_numpy()].dropna()
    n, n_with = len(data), int(data["x"].sum())
    measure = "odds ratio"
    if data["x"].nunique() < 2 or data["y"].nunique() < 2:
        return _blank(
            column,
            stage,
            measure,
            n,
            n_with,
            "not estimable: the process value or the "
            "outcome does not vary among the stage's entrants",
        )
    # imported here (and not statsmodels.api): `import interviewlab` stays fast
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning
    from statsmodels.tools.tools import add_constant

    dummies = pd.get_dummies(data["g"], drop_first=True, dtype=float)
    exog = add_constant(pd.concat([data[["x", "s"]], dummies], axis=1), has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            result = Logit(data["y"], exog).fit(disp=0)
        except (PerfectSeparationWarning, np.linalg.LinAlgError) as err:
            return _blank(column, stage, measure, n, n_with, f"not estimable: {err}")
    beta, se = float(result.params["x"]), float(result.bse["x"])
    z = stats.norm.ppf(0.5 + confidence / 2)
    return {
        "process": column,
        "outcome": stage,
        "measure": measure,
        "estimate": float(np.exp(beta)),
        "se": se,
        "df": np.inf,
        "ci_low": float(np.exp(beta - z * se)),
        "ci_high": float(np.exp(beta + z * se)),
        "p_value": float(2 * stats.norm.sf(abs(beta / se))),
        "n_candidates": n,
        "n_with": n_with,
        "estimable": True,
        "reason": "",
    }
