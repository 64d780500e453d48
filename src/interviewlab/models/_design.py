"""Design of a mixed model: the fixed-effect matrix and the random-intercept factors.

Other layers import :class:`Design`, :func:`build_design`, :func:`categorical_view` and
:func:`single_threaded_blas` from :mod:`interviewlab.models.engine`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import patsy

from interviewlab._checks import (
    require_columns,
    sentence_end,
)
from interviewlab.errors import InterviewLabError, InterviewLabWarning

METHODS = ("reml", "ml")
#: theta (relative SD) below which a component counts as estimated at zero (lme4's tolerance)
SINGULAR_TOL = 1e-4
#: fewer levels than this make a variance component's estimate fragile
FEW_LEVELS = 5
LOG_2PI = float(np.log(2.0 * np.pi))
#: profile searches stop beyond this multiple of the residual variance (interval end inf)
UNBOUNDED = 1e6
#: largest block (levels of nested factors per level of the grouping factor) absorbed
MAX_BLOCK = 60


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run BLAS on one thread: the many small factorisations lose badly to thread hand-off.

    threadpoolctl comes with scikit-learn (a dependency of librosa); without it, this
    does nothing.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


# --------------------------------------------------------------------------- design


@dataclass(frozen=True)
class Design:
    """Response, fixed-effects matrix and integer codes of each random factor."""

    y: np.ndarray
    X: np.ndarray
    terms: list[str]
    components: list[str]
    codes: list[np.ndarray]
    levels: list[list[Any]]


def _factor_codes(frame: pd.DataFrame, component: str) -> tuple[np.ndarray, list[Any]]:
    """Integer codes (0..q-1) and level labels of a factor or an ``a:b`` interaction."""
    parts = component.split(":")
    if len(parts) == 1:
        single, uniques = pd.factorize(frame[parts[0]], sort=True)
        return np.asarray(single, dtype=np.int64), list(uniques)
    grouped = frame.groupby(parts, sort=True, observed=True)
    codes = grouped.ngroup().to_numpy(dtype=np.int64)
    labels = list(grouped.size().index)
    return codes, labels


def categorical_view(frame: pd.DataFrame, formula: str) -> pd.DataFrame:
    """The frame with the text columns the formula names as pandas Categoricals.

    patsy codes a text column value by value in Python but a Categorical from its integer
    codes; the levels are the same (``pd.Categorical`` sorts them, as patsy sorts the
    values of a text column), so the design matrix and its column names are unchanged.
    At 9,000 ratings this is most of a fit's fixed cost. Columns whose values cannot be
    sorted are left as they are (patsy then reports them).
    """
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", formula))
    converted = {}
    for name in frame.columns:
        if not isinstance(name, str) or name not in names:
            continue
        column = frame[name]
        if not isinstance(column, pd.Series):  # duplicated name: leave it to patsy
            continue
        if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            try:
                converted[name] = pd.Categorical(column)
            except (TypeError, ValueError):
                continue
    return frame.assign(**converted) if converted else frame


def build_design(data: pd.DataFrame, formula: str, random: list[str]) -> Design:
    """Check inputs, drop (and count) incomplete rows, and build y, X and factor codes."""
    if not isinstance(formula, str) or "~" not in formula:
        raise InterviewLabError(
            f"formula={formula!r} is not a formula; write it as 'score ~ format * group' "
            "(patsy syntax; use 'score ~ 1' for an intercept only)."
        )
    if not random:
        raise InterviewLabError(
            "random is empty: list at least one random-intercept factor, e.g. "
            "random=['candidate_id', 'rater_id']. Without random effects use ordinary "
            "least squares (statsmodels.formula.api.ols)."
        )
    factor_columns = sorted({part for term in random for part in term.split(":")})
    require_columns(data, factor_columns)
    if len(set(random)) != len(random):
        raise InterviewLabError(f"random={random!r} lists a factor twice; list each once.")

    frame = data.reset_index(drop=True)
    keep = frame[factor_columns].notna().all(axis=1).to_numpy(copy=True)
    try:
        y_frame, x_frame = patsy.dmatrices(
            formula,
            categorical_view(frame, formula),
            return_type="dataframe",
            NA_action="drop",
            eval_env=0,
        )
    except patsy.PatsyError as exc:
        raise InterviewLabError(
            f"The formula {formula!r} cannot be built from the data: {sentence_end(exc)}. Check "
            "the column names and patsy syntax (C(x) marks a categorical column)."
        ) from exc
    if y_frame.shape[1] != 1:
        raise InterviewLabError(
            f"The response of {formula!r} gives {y_frame.shape[1]} columns; the response "
            "must be one numeric column."
        )
    in_formula = np.zeros(len(frame), dtype=bool)
    in_formula[y_frame.index.to_numpy()] = True
    keep &= in_formula
    n_dropped = int(len(frame) - keep.sum())
    if n_dropped:
        warnings.warn(
            f"{n_dropped} of {len(frame)} rows have a missing value in the response, a "
            "fixed-effect column or a random factor and were left out of the fit.",
            InterviewLabWarning,
            stacklevel=3,
        )
    if n_dropped:
        rows = np.flatnonzero(keep)
        used = frame.iloc[rows]
        y_frame, x_frame = y_frame.loc[rows], x_frame.loc[rows]
    else:  # every row kept, in order: no label lookup
        used = frame
    y = y_frame.to_numpy(dtype=float).ravel()
    X = x_frame.to_numpy(dtype=float)
    if X.shape[1] and np.linalg.matrix_rank(X) < X.shape[1]:
        raise InterviewLabError(
            f"The fixed effects of {formula!r} are not estimable from these data (the "
            "design matrix is rank deficient: a level combination is empty or two terms "
            "are confounded). Drop or merge terms."
        )
    if len(y) <= X.shape[1] + 1:
        raise InterviewLabError(
            f"Only {len(y)} complete rows for {X.shape[1]} fixed effects: too few to fit."
        )
    codes, levels = [], []
    for component in random:
        c, lab = _factor_codes(used, component)
        codes.append(c)
        levels.append(lab)
    return Design(
        y=y,
        X=X,
        terms=list(x_frame.columns),
        components=list(random),
        codes=codes,
        levels=levels,
    )
