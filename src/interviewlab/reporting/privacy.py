"""Small-cell suppression and identifier checks that every report table passes through.

A report must never show an individual candidate. Three rules enforce it:

* :class:`~interviewlab.reporting.disclosure.Disclosure` decides once per study, from
  its counts, which group categories are combined and which are hidden in which margin
  (see :mod:`interviewlab.reporting.disclosure`); every table of every report of the
  study then hides their rows, so a cell hidden in one table is hidden in all;
* :func:`suppress_small_cells` blanks every figure computed from fewer than
  ``min_cell_size`` people (and says so in a ``suppressed`` column), so that a reader
  cannot recover an individual's outcome from a tiny group. Within each margin of the
  table (e.g. each stage) it also blanks a second row when only one would be blank, so
  the hidden row cannot be recovered by subtracting the others from a total shown
  elsewhere, and it blanks the whole margin when the row the others are compared with
  (``role == "reference"``) is blank, since every ratio would reveal its rate;
* :func:`check_no_identifiers` refuses a table that carries an identifier column
  (``candidate_id`` and the like) or one of the study's identifier values.

Group categories are protected across tables and reports by the disclosure plan; cells
of a population the plan does not cover (e.g. candidates with a measured recording) by
the complementary suppression of their table.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np
import pandas as pd

from interviewlab._checks import as_list, require_columns
from interviewlab.errors import InterviewLabError

__all__ = [
    "DEFAULT_MIN_CELL_SIZE",
    "IDENTIFIER_COLUMNS",
    "LABEL_COLUMNS",
    "OTHER_ENTITY_COLUMNS",
    "REASONS",
    "check_no_identifiers",
    "suppress_small_cells",
]

#: Default minimum number of people behind any reported figure.
DEFAULT_MIN_CELL_SIZE = 10

#: The reasons a row is suppressed (``suppression`` column); "fewer than N" names N.
REASONS = ("fewer than N", "complementary", "reference suppressed", "passers hidden")

#: Column names that identify a person and may never appear in a report table.
IDENTIFIER_COLUMNS = ("candidate_id", "recording", "name", "email")

#: Columns that name other entities than candidates (questions, raters, panels, stages):
#: a value there equal to a candidate id (question "1", candidate "1") is not a leak.
OTHER_ENTITY_COLUMNS = (
    "question",
    "question_id",
    "rater",
    "rater_id",
    "panel",
    "panel_id",
    "requisition",
    "requisition_id",
    "item",
    "format",
    "stage",
    "stage_number",
    "component",
    "term",
)

#: Columns that label a row (never blanked); every other column of a suppressed row is.
LABEL_COLUMNS = (
    "stage",
    "stage_number",
    "scenario",
    "category",
    "role",
    "reference",
    "focal",
    "group",
    "group_a",
    "group_b",
    "effect",
    "question",
    "question_id",
    "format",
    "panel_id",
    "type",
    "label",
    "level",
    "coefficient",
    "method",
    "ci_method",
    "quantile",
    "cutoff",
    "planted",
)


def suppress_small_cells(
    table: pd.DataFrame,
    *,
    counts: str | Sequence[str],
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    within: str | Sequence[str] | None = None,
    labels: str | Sequence[str] | None = None,
    hide: Sequence[bool] | np.ndarray | None = None,
    hide_reference: Sequence[bool] | np.ndarray | None = None,
    hide_passers: Sequence[bool] | np.ndarray | None = None,
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
    within : str or list of str, optional
        Columns defining the table's margins (e.g. ``"stage"``): complementary
        suppression works within each margin. By default the whole table is one margin.
    labels : str or list of str, optional
        Columns that label rows and are never blanked. By default: the leading
        non-numeric columns and any column named in :data:`LABEL_COLUMNS`.
    hide : sequence of bool, optional
        Rows to hide whatever their counts (the study's disclosure plan hides the
        row's category in a margin the row shows): the reason is ``"fewer than N"``
        when the row's own count is under N, else ``"complementary"`` (hidden so that
        a hidden figure cannot be worked out). Complementary suppression treats them
        as hidden.
    hide_reference : sequence of bool, optional
        Rows compared with a category the plan hides: ``"reference suppressed"``.
    hide_passers : sequence of bool, optional
        Rows at a stage whose passers the plan hides (they are the next stage's
        entrants) but not their own entrants: ``"passers hidden"``. Such a row keeps its
        labels and ``counts`` columns and loses every other figure; it is
        ``suppressed`` (no figure of it is drawn or said) but counts as shown for the
        complementary suppression of its table, unless it is the reference.

    Returns
    -------
    pandas.DataFrame
        A copy in which every non-label column of a suppressed row is missing, with a
        boolean ``suppressed`` column and a ``suppression`` column saying why
        (``"fewer than N"``, ``"complementary"`` or ``"reference suppressed"``): the
        reason "fewer than N" is given only to a row with a count under N.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["a", "b", "c"], "n": [25, 4, 30],
    ...                   "rate": [0.4, 0.75, 0.5]})
    >>> suppress_small_cells(t, counts="n")[["group", "n", "rate", "suppression"]]
      group     n  rate    suppression
    0     a  <NA>   NaN  complementary
    1     b  <NA>   NaN  fewer than 10
    2     c    30   0.5
    """
    if not isinstance(min_cell_size, int | np.integer) or min_cell_size < 1:
        raise InterviewLabError(f"min_cell_size={min_cell_size!r} must be a whole number >= 1.")
    count_cols = as_list(counts)
    margin_cols = as_list(within)
    require_columns(table, [*count_cols, *margin_cols], "the report table")
    out = table.reset_index(drop=True).copy()
    n = out[count_cols].apply(pd.to_numeric, errors="coerce")
    primary = ((n < min_cell_size) & (n > 0)).any(axis=1).to_numpy().copy()
    size = n.min(axis=1).to_numpy(dtype=float)
    reason = np.where(primary, f"fewer than {min_cell_size}", "").astype(object)
    for flags, why, name in (
        (hide, "complementary", "hide"),
        (hide_reference, "reference suppressed", "hide_reference"),
    ):
        forced = _row_flags(flags, len(out), name)
        reason[forced & ~primary] = why
        primary |= forced
    roles = out["role"].astype(str).to_numpy() if "role" in out.columns else None
    partial = _row_flags(hide_passers, len(out), "hide_passers") & ~primary
    if roles is not None:  # a reference whose rate is hidden hides every ratio
        reference_partly = partial & (roles == "reference")
        primary |= reference_partly
        reason[reference_partly] = "complementary"
        partial &= ~reference_partly
    margins = (
        out.groupby(margin_cols, dropna=False, sort=False).indices.values()
        if margin_cols
        else [np.arange(len(out))]
    )
    for rows in margins:
        _protect_margin(np.asarray(rows), primary, reason, size, roles)
    keep = set(as_list(labels)) if labels is not None else _default_labels(out)
    keep -= set(count_cols)
    keep |= set(margin_cols)
    _blank(out, [c for c in out.columns if c not in keep], primary)
    partial &= ~primary
    if partial.any():
        shown_counts = set(count_cols) | keep
        _blank(out, [c for c in out.columns if c not in shown_counts], partial)
        reason[partial] = "passers hidden"
    out["suppressed"] = primary | partial
    out["suppression"] = reason
    return out


def _row_flags(flags: Sequence[bool] | np.ndarray | None, size: int, name: str) -> np.ndarray:
    """``flags`` as a boolean array of one value per row (all false when None)."""
    if flags is None:
        return np.zeros(size, dtype=bool)
    forced = np.asarray(flags, dtype=bool)
    if forced.shape != (size,):
        raise InterviewLabError(f"{name} has {forced.size} values for {size} rows.")
    return forced


def _protect_margin(
    rows: np.ndarray,
    primary: np.ndarray,
    reason: np.ndarray,
    size: np.ndarray,
    roles: np.ndarray | None,
) -> None:
    """Complementary suppression within one margin (``primary``, ``reason`` updated).

    A hidden reference hides every ratio of the margin; a lone hidden row takes the
    smallest shown non-empty row with it.
    """
    hidden = primary[rows]
    if roles is not None and np.any(hidden & (roles[rows] == "reference")):
        newly = rows[~hidden]
        reason[newly] = "reference suppressed"
        primary[newly] = True
        return
    candidates = rows[~hidden & (size[rows] > 0)]
    if hidden.sum() != 1 or candidates.size < 1:
        return
    # complementary suppression: also hide the smallest shown non-empty row of the
    # margin (rows never compared, such as "unknown", count like any other), but not the
    # reference while another row can protect: every ratio in the margin is taken
    # against the reference, so hiding it would need the whole margin
    if roles is not None and np.any(roles[candidates] != "reference"):
        candidates = candidates[roles[candidates] != "reference"]
    pick = candidates[np.nanargmin(np.where(np.isnan(size[candidates]), np.inf, size[candidates]))]
    reason[pick] = "complementary"
    primary[pick] = True
    if roles is not None and roles[pick] == "reference":
        newly = rows[~primary[rows]]
        reason[newly] = "reference suppressed"
        primary[newly] = True


def _blank(out: pd.DataFrame, columns: Sequence[Hashable], mask: np.ndarray) -> None:
    """Set ``columns`` missing in the rows of ``mask``, in place, keeping each column's kind."""
    for col in columns:
        values = out[col]
        if pd.api.types.is_bool_dtype(values) or str(values.dtype) == "boolean":
            out[col] = values.astype("boolean").mask(mask)
        elif pd.api.types.is_integer_dtype(values):
            out[col] = values.astype("Int64").mask(mask)
        elif pd.api.types.is_numeric_dtype(values):
            out[col] = values.astype(float).mask(mask)
        else:
            out[col] = values.astype(object).mask(mask)


def _default_labels(table: pd.DataFrame) -> set[str]:
    labels = {c for c in table.columns if c in LABEL_COLUMNS}
    for col in table.columns:
        values = table[col]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            break
        labels.add(col)
    return labels


def check_no_identifiers(
    table: pd.DataFrame,
    *,
    identifiers: Iterable[str] = (),
    where: str = "table",
    other_entities: Iterable[str] = (),
) -> None:
    """Raise if ``table`` has an identifier column or contains an identifier value.

    Parameters
    ----------
    table : pandas.DataFrame
        The table about to be shown or written.
    identifiers : iterable of str
        The study's candidate identifiers; none may appear among the table's column
        names or its text values (index included). The check is by column: numeric
        columns are not searched (in an aggregate table a count equal to a numeric
        identifier is not one), nor are the columns that name other entities
        (:data:`OTHER_ENTITY_COLUMNS`: a question "1" is not candidate "1").
    where : str
        Name of the table, for the message.
    other_entities : iterable of str
        More columns that name other entities than candidates (e.g. the study's period
        column: round "1" is not candidate "1").

    Examples
    --------
    >>> check_no_identifiers(pd.DataFrame({"group": ["a"]}), identifiers={"C1"})
    >>> check_no_identifiers(pd.DataFrame({"question_id": ["1"]}), identifiers={"1"})
    >>> check_no_identifiers(pd.DataFrame({"label": ["C1"]}), identifiers={"C1"})
    Traceback (most recent call last):
    ...
    interviewlab.errors.InterviewLabError: The table shows candidate identifier 'C1' ...
    """
    bad_cols = [c for c in map(str, table.columns) if c.lower() in IDENTIFIER_COLUMNS]
    if bad_cols:
        raise InterviewLabError(
            f"The {where} has identifier column(s) {bad_cols}; report tables must aggregate "
            "over candidates and never list them."
        )
    ids = {str(i) for i in identifiers}
    if not ids:
        return
    named = ids & set(map(str, table.columns))
    if named:
        raise InterviewLabError(
            f"The {where} has a column named after candidate identifier {sorted(named)[0]!r}; "
            "report tables must never list individual candidates."
        )
    frame = table.reset_index()
    others = {str(c) for c in other_entities}
    for col in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col]):
            continue
        if str(col).lower() in OTHER_ENTITY_COLUMNS or str(col) in others:
            continue
        values = frame[col].dropna().astype(str)
        hit = values.isin(ids).to_numpy()
        if np.any(hit):
            raise InterviewLabError(
                f"The {where} shows candidate identifier {values[hit].iloc[0]!r} in column "
                f"{col!r}; report tables must never list individual candidates."
            )
