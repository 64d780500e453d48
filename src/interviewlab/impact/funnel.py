"""Stage-by-stage funnels: selection rates and impact ratios at each stage and cumulatively."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from interviewlab._checks import (
    as_list,
    require_columns,
    require_frame,
)
from interviewlab.errors import InterviewLabError, InterviewLabWarning
from interviewlab.impact._core import (
    DEFAULT_UNKNOWN,
    Reference,
    _check_binary,
    _check_names,
    _check_options,
    _check_weight,
    _counts,
    _join_reasons,
)
from interviewlab.impact._phases import _impact_core

# ------------------------------------------------------------------ funnels


def funnel(
    data: pd.DataFrame,
    *,
    group: str | Sequence[str],
    stages: Sequence[str],
    reference: Reference = "highest",
    threshold: float = 0.8,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    min_share: float = 0.0,
    min_count: int = 0,
    small_n: int = 30,
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
    weight: str | None = None,
) -> pd.DataFrame:
    """Stage-by-stage and cumulative selection rates and impact ratios through a funnel.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per applicant (or per cell of counts, with ``weight``).
    group : str or list of str
        Group column(s); a list forms intersectional categories.
    stages : list of str
        Ordered 0/1 stage columns (e.g. ``["completed_async", "shortlisted",
        "appointed"]``). Passing a stage requires passing the previous one.
    reference, threshold, by, confidence, min_share, min_count, small_n, unknown
        As in :func:`impact_ratios`. ``min_share`` applies to the category's share of
        applicants (entering stage 1). ``min_count`` applies, at each stage, to the
        number entering it (a category with fewer entrants is listed but neither
        compared nor used as that stage's reference) and, for the cumulative figures, to
        the number of applicants. A named ``reference`` with fewer entrants than
        ``min_count`` at some stage is an error: lower ``min_count`` or choose another.
    weight : str, optional
        Column of frequency counts when each row stands for several applicants (e.g.
        ``n_applicants`` from :func:`interviewlab.applicant_counts`).

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` cell, stage and category: the ``by`` columns, ``stage``,
        ``stage_number`` (1-based), the ``group`` columns, ``category``, ``role`` (in
        the stage comparison; exclusions follow the applicant counts),
        ``entered`` (passed the previous stage; all applicants at stage 1), ``passed``,
        ``stage_rate``, ``stage_reference``, ``stage_impact_ratio``,
        ``stage_ci_low``/``stage_ci_high``, ``stage_below_threshold``, ``stage_p_fisher``
        (two-sided Fisher exact, unadjusted),
        ``applicants``, ``cumulative_rate`` (passed / applicants),
        ``cumulative_reference``, ``cumulative_impact_ratio``,
        ``cumulative_ci_low``/``cumulative_ci_high``, ``cumulative_below_threshold``,
        ``cumulative_p_fisher`` (unadjusted), ``small_sample`` (either comparison is small),
        ``small_sample_reason``.

    Notes
    -----
    Each stage's comparison conditions on having entered it (a "step" analysis); the
    cumulative one is the "bottom line" of UGESP 1607.4(C) up to that stage. The
    cumulative rate is the product of the stage rates. The statistics are those of
    :func:`impact_ratios`, applied to the counts entering and passing each stage.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sex": ["F"] * 4 + ["M"] * 4,
    ...                    "shortlisted": [1, 1, 0, 0, 1, 1, 1, 0],
    ...                    "hired": [1, 0, 0, 0, 1, 1, 0, 0]})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     f = funnel(df, group="sex", stages=["shortlisted", "hired"])
    >>> f[["stage", "category", "entered", "passed", "stage_rate", "cumulative_rate"]]
             stage category  entered  passed  stage_rate  cumulative_rate
    0  shortlisted        F        4       2    0.500000             0.50
    1  shortlisted        M        4       3    0.750000             0.75
    2        hired        F        2       1    0.500000             0.25
    3        hired        M        3       2    0.666667             0.50
    """
    frame = require_frame(data)
    group_cols, by_cols = as_list(group), as_list(by)
    _check_names(group_cols, by_cols)
    stage_cols = as_list(stages)
    if not stage_cols:
        raise InterviewLabError("stages must name at least one 0/1 stage column, in order.")
    if len(set(stage_cols)) != len(stage_cols):
        raise InterviewLabError("stages lists a column twice; give each stage once, in order.")
    frac = _check_options(
        threshold=threshold,
        confidence=confidence,
        p_adjust="holm",
        test="fisher",
        min_share=min_share,
        min_count=min_count,
        small_n=small_n,
    )
    require_columns(frame, [*by_cols, *group_cols, *stage_cols, *as_list(weight)])
    for column in stage_cols:
        _check_binary(frame, column)
    w = _check_weight(frame, weight) if weight else np.ones(len(frame), dtype=np.int64)
    for previous, current in itertools.pairwise(stage_cols):
        passed = frame[current].astype(bool) & ~frame[previous].astype(bool)
        jumped = passed.to_numpy() & (w > 0)
        if bool(jumped.any()):
            first = frame.index[jumped][0]
            raise InterviewLabError(
                f"{int(w[jumped].sum())} applicant(s) pass {current!r} without passing "
                f"{previous!r} (first at index {first!r}); stages must be ordered and nested."
            )
    table = _counts(
        frame,
        by_cols=by_cols,
        group_cols=group_cols,
        indicators=stage_cols,
        weight=weight,
        unknown=unknown,
    )
    common = {
        "by_cols": by_cols,
        "reference": reference,
        "frac": frac,
        "confidence": confidence,
        "test": "fisher",
        "p_adjust": "none",
        "min_share": min_share,
        "min_count": min_count,
        "small_n": small_n,
    }
    keys = [*by_cols, *group_cols, "category", "_unknown"]
    pieces = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        for number, stage in enumerate(stage_cols, start=1):
            entered = table["n"] if number == 1 else table[stage_cols[number - 2]]
            base = table[keys].assign(
                _entered=entered.to_numpy(), _passed=table[stage].to_numpy(), _n=table["n"]
            )
            step = _impact_core(
                base.drop(columns=["_n"]).assign(_base=table["n"].to_numpy()),
                n_col="_entered",
                x_col="_passed",
                share_col="_base",
                what=f"pass at {stage!r}",
                **common,  # type: ignore[arg-type]
            )
            cumulative = _impact_core(
                base.drop(columns=["_entered"]),
                n_col="_n",
                x_col="_passed",
                share_col=None,
                what=f"pass at {stage!r}",
                **common,  # type: ignore[arg-type]
            )
            piece = step[[*by_cols, *group_cols, "category", "role"]].copy()
            piece.insert(len(by_cols), "stage", stage)
            piece.insert(len(by_cols) + 1, "stage_number", number)
            piece["entered"] = step["n"].to_numpy()
            piece["passed"] = step["selected"].to_numpy()
            piece["stage_rate"] = step["rate"].to_numpy()
            piece["stage_reference"] = step["reference"].to_numpy()
            piece["stage_impact_ratio"] = step["impact_ratio"].to_numpy()
            piece["stage_ci_low"] = step["ci_low"].to_numpy()
            piece["stage_ci_high"] = step["ci_high"].to_numpy()
            piece["stage_below_threshold"] = step["below_threshold"].array
            piece["stage_p_fisher"] = step["p_fisher"].to_numpy()
            piece["applicants"] = cumulative["n"].to_numpy()
            piece["cumulative_rate"] = cumulative["rate"].to_numpy()
            piece["cumulative_reference"] = cumulative["reference"].to_numpy()
            piece["cumulative_impact_ratio"] = cumulative["impact_ratio"].to_numpy()
            piece["cumulative_ci_low"] = cumulative["ci_low"].to_numpy()
            piece["cumulative_ci_high"] = cumulative["ci_high"].to_numpy()
            piece["cumulative_below_threshold"] = cumulative["below_threshold"].array
            piece["cumulative_p_fisher"] = cumulative["p_fisher"].to_numpy()
            small = step["small_sample"].to_numpy() | cumulative["small_sample"].to_numpy()
            piece["small_sample"] = small
            piece["small_sample_reason"] = _join_reasons(
                [
                    (step["small_sample"].to_numpy(), "stage: " + step["small_sample_reason"]),
                    (
                        cumulative["small_sample"].to_numpy(),
                        "cumulative: " + cumulative["small_sample_reason"],
                    ),
                ]
            )
            pieces.append(piece)
    out = pd.concat(pieces, ignore_index=True)
    if by_cols:
        out = out.sort_values([*by_cols, "stage_number"], kind="stable").reset_index(drop=True)
    return out
