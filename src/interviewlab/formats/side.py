"""The two formats side by side: impact per stage, score gaps, async completion, mixing."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from interviewlab._checks import as_list, check_fraction, require_columns, require_frame
from interviewlab.errors import InterviewLabError, InterviewLabWarning, SmallSampleWarning
from interviewlab.formats._model import DEFAULT_UNKNOWN
from interviewlab.impact import impact_ratios, score_gaps

__all__ = ["async_completion", "format_mixing", "impact_by_format", "score_gaps_by_format"]


def _candidate_format(values: pd.Series, formats: tuple[str, str], column: str) -> pd.Series:
    """Each candidate's one format from values like ``"async"`` or ``"async only"``."""
    out = pd.Series(pd.NA, index=values.index, dtype=object)
    for label in formats:
        out[(values == label) | (values == f"{label} only")] = label
    bad = out.isna()
    if bad.any():
        seen = sorted(map(str, values[bad].unique()))[:3]
        raise InterviewLabError(
            f"Column {column!r} must give each candidate's one format ({formats[0]!r} or "
            f"{formats[1]!r}, or '<format> only'); found {', '.join(map(repr, seen))}. "
            "Comparing stages by format needs each candidate to have taken one format "
            "(a between-candidate design)."
        )
    return out


def impact_by_format(
    candidates: pd.DataFrame,
    *,
    group: str,
    stages: Sequence[str],
    reference: str | tuple[Hashable, ...],
    format_column: str = "format_order",
    formats: Sequence[str] = ("async", "live"),
    confidence: float = 0.95,
    small_n: int = 30,
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
) -> pd.DataFrame:
    """Impact ratio at each stage in each format, and how much the formats differ.

    Parameters
    ----------
    candidates : pandas.DataFrame
        One row per candidate with ``group``, the 0/1 stage columns and ``format_column``.
    group : str
        Group column.
    stages : sequence of str
        Stage columns in order; a stage's entrants are those who passed the previous one.
    reference : str or tuple
        Reference group (a fixed label, so that both formats compare with the same group).
    format_column : str, default "format_order"
        Each candidate's format: a label of ``formats`` or ``"<label> only"``.
    formats : (str, str), default ("async", "live")
        Focal and reference format.
    confidence : float, default 0.95
        Level of the intervals.
    small_n : int, default 30
        Passed to :func:`interviewlab.impact_ratios`; a row is ``small_sample`` when
        either format's comparison is.
    unknown : sequence of str, default ("unknown",)
        Group values meaning "not known".

    Returns
    -------
    pandas.DataFrame
        One row per stage and compared group: ``stage``, ``group``, then for each format
        ``f`` (focal first): ``n_f`` (entrants of the group), ``rate_f``,
        ``impact_ratio_f``, ``ci_low_f``, ``ci_high_f`` (from
        :func:`interviewlab.impact_ratios`); ``ratio_of_ratios`` (focal format's impact
        ratio divided by the reference format's: below 1 when the focal format widens
        the disadvantage), ``ci_low``, ``ci_high``, ``p_value`` (Wald test of a ratio of
        1), ``small_sample``, ``estimable``, ``reason``.

    Notes
    -----
    The ratio of the two impact ratios is a ratio of four proportions; its log has the
    delta-method variance ``sum (1/x - 1/n)`` over the four group x format cells (Katz
    et al. 1978 for each ratio; the formats are independent samples). It equals the
    Wald interval of the ``group x format`` coefficient of the saturated log-binomial
    model (checked against ``statsmodels`` GLM in the tests). A cell where nobody or
    everybody passed makes the row not estimable. Mixing formats in one stage is a
    separate question (:func:`format_mixing`).

    Examples
    --------
    >>> import interviewlab as il
    >>> study = il.load_study("demo")
    >>> import warnings
    >>> with warnings.catch_warnings():  # small groups are flagged with a warning
    ...     warnings.simplefilter("ignore", il.SmallSampleWarning)
    ...     res = impact_by_format(study.candidates, group="ethnicity", reference="White",
    ...                            stages=study.stages)
    >>> res.loc[res["group"] == "Black", ["stage", "n_async", "n_live", "estimable"]]
                 stage  n_async  n_live  estimable
    1  completed_async       33      38       True
    5      shortlisted       28      32       True
    9        appointed        2       1      False
    """
    require_frame(candidates, "candidates")
    stages = as_list(stages)
    require_columns(candidates, [group, format_column, *stages], "candidates")
    check_fraction("confidence", confidence)
    pair = (str(formats[0]), str(formats[1]))
    fmt = _candidate_format(candidates[format_column], pair, format_column)
    data = candidates.assign(_format=fmt.to_numpy())
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    rows = []
    entrants = np.ones(len(data), dtype=bool)
    for stage in stages:
        cell = data.loc[entrants]
        with warnings.catch_warnings():
            # one summary warning for all stages below instead of one per stage
            warnings.simplefilter("ignore", SmallSampleWarning)
            table = impact_ratios(
                cell,
                group=group,
                selected=stage,
                reference=reference,
                by="_format",
                confidence=confidence,
                small_n=small_n,
                unknown=unknown,
            )
        compared = table[table["role"] == "compared"]
        ref_rows = table[table["role"] == "reference"].set_index("_format")
        for category in sorted(compared["category"].unique(), key=str):
            row: dict[str, object] = {"stage": stage, "group": category}
            log_var, log_ratio, ok, small = 0.0, 0.0, True, False
            reasons = []
            for label in pair:
                mine = compared[(compared["category"] == category) & (compared["_format"] == label)]
                if mine.empty or label not in ref_rows.index:
                    row |= {
                        f"{k}_{label}": np.nan
                        for k in ("rate", "impact_ratio", "ci_low", "ci_high")
                    }
                    # the group's own entrants and rate when it has a row in the format
                    # (e.g. it is the format's highest-rate reference group): never a
                    # false zero
                    own = table[(table["category"] == category) & (table["_format"] == label)]
                    row[f"n_{label}"] = int(own["n"].iloc[0]) if len(own) else 0
                    if len(own) and int(own["n"].iloc[0]) > 0:
                        row[f"rate_{label}"] = float(own["rate"].iloc[0])
                    ok = False
                    if len(own) and own["role"].iloc[0] == "reference":
                        reasons.append(f"{category} is the reference group in {label}")
                    else:
                        reasons.append(f"no {category} or {reference} entrants in {label}")
                    continue
                m = mine.iloc[0]
                r = ref_rows.loc[[label]].iloc[0]
                row |= {
                    f"n_{label}": int(m["n"]),
                    f"rate_{label}": float(m["rate"]),
                    f"impact_ratio_{label}": float(m["impact_ratio"]),
                    f"ci_low_{label}": float(m["ci_low"]),
                    f"ci_high_{label}": float(m["ci_high"]),
                }
                small = small or bool(m["small_sample"])
                cells = [(int(m["selected"]), int(m["n"])), (int(r["selected"]), int(r["n"]))]
                if any(x == 0 or x == n for x, n in cells):
                    ok = False
                    reasons.append(f"nobody or everybody passed in a {label} cell")
                    continue
                sign = 1.0 if label == pair[0] else -1.0
                log_ratio += sign * float(np.log(m["impact_ratio"]))
                log_var += sum(1.0 / x - 1.0 / n for x, n in cells)
            if ok:
                se = float(np.sqrt(log_var))
                row |= {
                    "ratio_of_ratios": float(np.exp(log_ratio)),
                    "ci_low": float(np.exp(log_ratio - z * se)),
                    "ci_high": float(np.exp(log_ratio + z * se)),
                    "p_value": float(2.0 * stats.norm.sf(abs(log_ratio) / se)),
                }
            else:
                row |= dict.fromkeys(("ratio_of_ratios", "ci_low", "ci_high", "p_value"), np.nan)
            row |= {
                "small_sample": small,
                "estimable": ok,
                "reason": "" if ok else "not estimable: " + "; ".join(reasons),
            }
            rows.append(row)
        entrants = entrants & (data[stage].to_numpy() == 1)
    columns = ["stage", "group"]
    for label in pair:
        columns += [f"{k}_{label}" for k in ("n", "rate", "impact_ratio", "ci_low", "ci_high")]
    columns += ["ratio_of_ratios", "ci_low", "ci_high", "p_value"]
    columns += ["small_sample", "estimable", "reason"]
    out = pd.DataFrame(rows, columns=columns)
    if out["small_sample"].any():
        warnings.warn(
            f"{int(out['small_sample'].sum())} stage x group comparison(s) rest on small "
            "samples in a format (see small_sample); read them with their intervals.",
            SmallSampleWarning,
            stacklevel=2,
        )
    return out


def score_gaps_by_format(
    ratings: pd.DataFrame,
    *,
    candidates: pd.DataFrame,
    group: str,
    reference: Hashable,
    candidate: str = "candidate_id",
    format_column: str = "format",
    score: str = "score",
    confidence: float = 0.95,
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
) -> pd.DataFrame:
    """Score gaps (Hedges' g) of each group in each format, on candidates' mean scores.

    Parameters
    ----------
    ratings : pandas.DataFrame
        One row per rating.
    candidates : pandas.DataFrame
        One row per candidate with ``group``.
    group : str
        Group column of ``candidates``.
    reference : hashable
        Reference group.
    candidate, format_column, score : str
        Column names in ``ratings``.
    confidence : float, default 0.95
        Level of the intervals.
    unknown : sequence of str, default ("unknown",)
        Group values meaning "not known".

    Returns
    -------
    pandas.DataFrame
        :func:`interviewlab.score_gaps`' columns for each format, led by ``format``.

    Notes
    -----
    Each candidate's mean over all their ratings in a format is their score in that
    format; :func:`interviewlab.score_gaps` then compares groups within each format.
    These descriptive gaps ignore rater and question effects; the model-based gaps
    with their interaction test are in :func:`compare_formats`.

    Examples
    --------
    >>> import interviewlab as il
    >>> study = il.load_study("demo")
    >>> res = score_gaps_by_format(study.ratings, candidates=study.candidates,
    ...                            group="ethnicity", reference="White")
    >>> res.loc[res["group"] == "Black", ["format", "n"]]
      format   n
    1  async  28
    7   live  32
    """
    require_frame(ratings, "ratings")
    require_frame(candidates, "candidates")
    require_columns(ratings, [candidate, format_column, score], "ratings")
    require_columns(candidates, [candidate, group], "candidates")
    means = (
        ratings.groupby([candidate, format_column], sort=True)[score]
        .mean()
        .rename("_score")
        .reset_index()
    )
    means[group] = means[candidate].map(candidates.set_index(candidate)[group])
    if means[group].isna().any() and not candidates[group].isna().any():
        raise InterviewLabError(
            "Some rated candidates are not in candidates; add them to the candidates table."
        )
    parts = []
    for label, cell in means.groupby(format_column, sort=True):
        gaps = score_gaps(
            cell,
            group=group,
            score="_score",
            reference=reference,
            confidence=confidence,
            unknown=unknown,
        )
        parts.append(gaps.assign(format=label))
    out = pd.concat(parts, ignore_index=True)
    return out[["format", *[c for c in out.columns if c != "format"]]]


def async_completion(
    candidates: pd.DataFrame,
    *,
    group: str,
    completed: str = "completed_async",
    format_column: str = "format_order",
    focal: str = "async",
    reference: str | tuple[Hashable, ...] = "highest",
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
) -> pd.DataFrame:
    """Completion of the async step by group, among candidates invited to it.

    Parameters
    ----------
    candidates : pandas.DataFrame
        One row per candidate.
    group : str
        Group column.
    completed : str, default "completed_async"
        0/1 column: the candidate completed the recorded interview.
    format_column : str, default "format_order"
        Column whose values containing ``focal`` (``"async"``, ``"async only"``,
        ``"async first"``, ``"live first"`` of a within design) mark candidates invited
        to the async step.
    focal : str, default "async"
        The async format's label.
    reference : str or tuple, default "highest"
        As :func:`interviewlab.impact_ratios`.
    unknown : sequence of str, default ("unknown",)
        Group values meaning "not known".

    Returns
    -------
    pandas.DataFrame
        :func:`interviewlab.impact_ratios`' table of ``completed`` among the invited.

    Notes
    -----
    A digital divide (bandwidth, a quiet room, a camera) shows first as lower
    completion of the recorded step; a lower rate here is an adverse impact of the
    format before anyone is rated.

    Examples
    --------
    >>> import interviewlab as il
    >>> study = il.load_study("demo")
    >>> import warnings
    >>> with warnings.catch_warnings():  # small groups are flagged with a warning
    ...     warnings.simplefilter("ignore", il.SmallSampleWarning)
    ...     res = async_completion(study.candidates, group="ethnicity", reference="White")
    >>> res.loc[res["category"] == "Black", ["n", "selected"]]
        n  selected
    1  33        28
    """
    require_frame(candidates, "candidates")
    require_columns(candidates, [group, completed, format_column], "candidates")
    invited = candidates[format_column].astype(str).str.contains(focal, regex=False)
    if not invited.any():
        raise InterviewLabError(
            f"No candidate's {format_column!r} mentions {focal!r}: nobody was invited to "
            "the async step."
        )
    return impact_ratios(
        candidates.loc[invited.to_numpy()],
        group=group,
        selected=completed,
        reference=reference,
        unknown=unknown,
    )


def format_mixing(
    ratings: pd.DataFrame,
    *,
    requisition: str = "requisition_id",
    candidate: str = "candidate_id",
    format_column: str = "format",
    stage: str | None = None,
) -> pd.DataFrame:
    """Requisitions where both formats feed the same selection stage, with a warning.

    Parameters
    ----------
    ratings : pandas.DataFrame
        One row per rating, with the requisition.
    requisition, candidate, format_column : str
        Column names.
    stage : str, optional
        Column naming the stage a rating fed, when ratings cover several stages; the
        check is then per requisition and stage.

    Returns
    -------
    pandas.DataFrame
        One row per requisition (and stage): the requisition (and stage) columns,
        ``n_candidates``, one ``n_<format>`` column per format (candidates rated in
        it), and ``mixed`` (more than one format).

    Notes
    -----
    Candidates compared for the same stage of the same job should be assessed the same
    way; every source on technology-mediated interviews advises against mixing
    formats within one stage (e.g. Blacksmith et al. 2016). An
    :class:`~interviewlab.InterviewLabWarning` names the mixed requisitions.

    Examples
    --------
    >>> import warnings
    >>> import interviewlab as il
    >>> study = il.load_study("demo")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     res = format_mixing(study.ratings)
    >>> int(res["mixed"].sum()), len(caught)
    (10, 1)
    """
    require_frame(ratings, "ratings")
    keys = [requisition, *([stage] if stage else [])]
    require_columns(ratings, [*keys, candidate, format_column], "ratings")
    counts = (
        ratings.drop_duplicates([*keys, candidate, format_column])
        .groupby([*keys, format_column], sort=True)
        .size()
        .unstack(format_column, fill_value=0)
    )
    counts.columns = [f"n_{c}" for c in counts.columns]
    out = counts.reset_index()
    out.insert(
        len(keys),
        "n_candidates",
        ratings.groupby(keys, sort=True)[candidate].nunique().to_numpy(),
    )
    out["mixed"] = (counts.to_numpy() > 0).sum(axis=1) > 1
    if out["mixed"].any():
        names = ", ".join(map(str, out.loc[out["mixed"], requisition].unique()[:5]))
        more = int(out["mixed"].sum())
        warnings.warn(
            f"Both formats feed the same stage in {more} requisition(s) (e.g. {names}): "
            "candidates compared for one job were assessed in different ways. Compare "
            "candidates within a format, or use one format per stage.",
            InterviewLabWarning,
            stacklevel=2,
        )
    return out
