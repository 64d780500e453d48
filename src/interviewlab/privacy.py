"""Small-cell suppression and identifier checks that every report table passes through.

A report must never show an individual candidate. Two rules enforce it:

* :func:`suppress_small_cells` blanks every statistic computed from fewer than
  ``min_cell_size`` people (and says so in a ``suppressed`` column), so that a reader
  cannot recover an individual's outcome from a tiny group;
* :func:`check_no_identifiers` refuses a table that carries an identifier column
  (``candidate_id`` and the like) or one of the study's identifier values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from interviewlab._checks import as_list, require_columns
from interviewlab.errors import InterviewLabError

__all__ = [
    "DEFAULT_MIN_CELL_SIZE",
    "IDENTIFIER_COLUMNS",
    "check_no_identifiers",
    "suppress_small_cells",
]

#: Default minimum number of people behind any reported figure.
DEFAULT_MIN_CELL_SIZE = 10

#: Column names that identify a person and may never appear in a report table.
IDENTIFIER_COLUMNS = ("candidate_id", "recording", "name", "email")


def suppress_small_cells(
    table: pd.DataFrame,
    *,
    counts: str | Sequence[str],
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    keep: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Blank the figures of rows that rest on fewer than ``min_cell_size`` people.

    Parameters
    ----------
    table : pandas.DataFrame
        A report table, one row per group (or group x stage, ...).
    counts : str or list of str
        Columns holding the number of people behind the row (e.g. ``n``). A row is
        suppressed when any of them is below ``min_cell_size``. Counts of zero are
        not suppressed (an empty group discloses nobody).
    min_cell_size : int
        The smallest number of people a figure may rest on (default 10).
    keep : str or list of str, optional
        Columns never blanked (the labels of the row); by default every non-numeric
        column is kept.

    Returns
    -------
    pandas.DataFrame
        A copy with the numeric columns of suppressed rows set to missing, the count
        columns replaced by ``<NA>`` too, and a boolean ``suppressed`` column.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["a", "b"], "n": [25, 4], "rate": [0.4, 0.75]})
    >>> suppress_small_cells(t, counts="n")
      group     n  rate  suppressed
    0     a    25   0.4       False
    1     b  <NA>   NaN        True
    """
    if min_cell_size < 1:
        raise InterviewLabError(f"min_cell_size={min_cell_size!r} must be at least 1.")
    count_cols = as_list(counts)
    require_columns(table, count_cols, "the report table")
    n = table[count_cols].apply(pd.to_numeric, errors="coerce")
    small = ((n < min_cell_size) & (n > 0)).any(axis=1).to_numpy()
    out = table.copy()
    keep_cols = (
        set(as_list(keep))
        if keep is not None
        else {
            c
            for c in out.columns
            if not pd.api.types.is_numeric_dtype(out[c]) or pd.api.types.is_bool_dtype(out[c])
        }
    )
    keep_cols -= set(count_cols)
    for col in out.columns:
        if col in keep_cols:
            continue
        if col in count_cols:
            out[col] = out[col].astype("Int64").mask(small)
        elif pd.api.types.is_integer_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype("Int64").mask(small)
        elif pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype(float).mask(small)
    out["suppressed"] = small
    return out


def check_no_identifiers(
    table: pd.DataFrame, *, identifiers: Iterable[str] = (), where: str = "table"
) -> None:
    """Raise if ``table`` has an identifier column or contains an identifier value.

    Parameters
    ----------
    table : pandas.DataFrame
        The table about to be shown or written.
    identifiers : iterable of str
        The study's candidate identifiers; none may appear anywhere in the table
        (index included).
    where : str
        Name of the table, for the message.
    """
    bad_cols = [c for c in map(str, table.columns) if c.lower() in IDENTIFIER_COLUMNS]
    if bad_cols:
        raise InterviewLabError(
            f"The {where} has identifier column(s) {bad_cols}; report tables must aggregate "
            "over candidates and never list them."
        )
    ids = set(identifiers)
    if not ids:
        return
    frame = table.reset_index()
    for col in frame.columns:
        values = frame[col]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            hit = values.astype(str).isin(ids).to_numpy()
            if np.any(hit):
                raise InterviewLabError(
                    f"The {where} shows candidate identifier {values[hit].iloc[0]!r} in column "
                    f"{col!r}; report tables must never list individual candidates."
                )
