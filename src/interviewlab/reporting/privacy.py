"""Small-cell suppression and identifier checks that every report table passes through.

A report must never show an individual candidate. Three rules enforce it:

* :class:`Disclosure` decides once per report, from the study's counts, which group
  categories are hidden (under the minimum among the applicants or the entrants of a
  stage, plus the smallest complementary category of each such margin); every table of
  the report then hides their rows, so a cell hidden in one table is hidden in all;
* :func:`suppress_small_cells` blanks every figure computed from fewer than
  ``min_cell_size`` people (and says so in a ``suppressed`` column), so that a reader
  cannot recover an individual's outcome from a tiny group. Within each margin of the
  table (e.g. each stage) it also blanks a second row when only one would be blank, so
  the hidden row cannot be recovered by subtracting the others from a total shown
  elsewhere, and it blanks the whole margin when the row the others are compared with
  (``role == "reference"``) is blank, since every ratio would reveal its rate;
* :func:`check_no_identifiers` refuses a table that carries an identifier column
  (``candidate_id`` and the like) or one of the study's identifier values.

Group categories are protected across tables by the :class:`Disclosure` plan; cells
that exist in one table only (a format x group cell, an intersection) by the
complementary suppression of that table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from interviewlab._checks import as_list, require_columns
from interviewlab.errors import InterviewLabError
from interviewlab.reporting.safety import escape_markdown

__all__ = [
    "CATEGORY_COLUMNS",
    "DEFAULT_MIN_CELL_SIZE",
    "IDENTIFIER_COLUMNS",
    "LABEL_COLUMNS",
    "OTHER_ENTITY_COLUMNS",
    "Disclosure",
    "check_no_identifiers",
    "suppress_small_cells",
]

#: Default minimum number of people behind any reported figure.
DEFAULT_MIN_CELL_SIZE = 10

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
        Rows to hide whatever their counts (e.g. from :meth:`Disclosure.rows_to_hide`:
        a category hidden in every table of the report), with the reason
        ``"hidden in every table"``; complementary suppression treats them as hidden.

    Returns
    -------
    pandas.DataFrame
        A copy in which every non-label column of a suppressed row is missing, with a
        boolean ``suppressed`` column and a ``suppression`` column saying why
        (``"fewer than N"``, ``"complementary"`` or ``"reference suppressed"``).

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
    if hide is not None:
        forced = np.asarray(hide, dtype=bool)
        if forced.shape != primary.shape:
            raise InterviewLabError(f"hide has {forced.size} values for {primary.size} rows.")
        reason[forced & ~primary] = "hidden in every table"
        primary |= forced
    margins = (
        out.groupby(margin_cols, dropna=False, sort=False).indices.values()
        if margin_cols
        else [np.arange(len(out))]
    )
    roles = out["role"].astype(str).to_numpy() if "role" in out.columns else None
    for rows in margins:
        rows = np.asarray(rows)
        hidden = primary[rows]
        if roles is not None and np.any(hidden & (roles[rows] == "reference")):
            newly = rows[~hidden]
            reason[newly] = "reference suppressed"
            primary[newly] = True
            continue
        candidates = rows[~hidden & (size[rows] > 0)]
        if hidden.sum() == 1 and candidates.size >= 1:
            # complementary suppression: also hide the smallest shown non-empty row of the
            # margin (rows never compared, such as "unknown", count like any other), but
            # not the reference while another row can protect: every ratio in the margin
            # is taken against the reference, so hiding it would need the whole margin
            if roles is not None and np.any(roles[candidates] != "reference"):
                candidates = candidates[roles[candidates] != "reference"]
            pick = candidates[
                np.nanargmin(np.where(np.isnan(size[candidates]), np.inf, size[candidates]))
            ]
            reason[pick] = "complementary"
            primary[pick] = True
            if roles is not None and roles[pick] == "reference":
                newly = rows[~primary[rows]]
                reason[newly] = "reference suppressed"
                primary[newly] = True
    keep = set(as_list(labels)) if labels is not None else _default_labels(out)
    keep -= set(count_cols)
    keep |= set(margin_cols)
    for col in out.columns:
        if col in keep:
            continue
        values = out[col]
        if pd.api.types.is_bool_dtype(values) or str(values.dtype) == "boolean":
            out[col] = values.astype("boolean").mask(primary)
        elif pd.api.types.is_integer_dtype(values):
            out[col] = values.astype("Int64").mask(primary)
        elif pd.api.types.is_numeric_dtype(values):
            out[col] = values.astype(float).mask(primary)
        else:
            out[col] = values.astype(object).mask(primary)
    out["suppressed"] = primary
    out["suppression"] = reason
    return out


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


#: Table columns that hold a category of some group column (which one is not named).
CATEGORY_COLUMNS = (
    "category",
    "group",
    "focal",
    "reference",
    "stage_reference",
    "cumulative_reference",
    "group_a",
    "group_b",
    "drf_low_group",
)

_MISSING = "(missing)"


@dataclass(frozen=True)
class Disclosure:
    """Which group categories a report hides, decided once from the study's counts.

    Build it with :meth:`from_counts`. Every table of the report then hides the rows of
    those categories (:meth:`rows_to_hide`), so a group hidden in one table is hidden in
    all of them, and no table can be subtracted from another to recover it.

    Attributes
    ----------
    hidden : dict
        Group column -> margin -> {category: reason}. The margins are ``"applicants"``,
        each stage's name (the candidates entering that stage) and, for a study with
        periods, each period as ``"<period column> <period>"`` (its applicants); the
        missing category is ``"(missing)"``.
    min_cell_size : int
        The minimum number of people behind a shown figure.
    period : str or None
        The period column whose margins are planned (None: none).
    """

    hidden: dict[str, dict[str, dict[str, str]]]
    min_cell_size: int
    period: str | None = None

    @classmethod
    def from_counts(
        cls,
        candidates: pd.DataFrame,
        *,
        groups: Sequence[str],
        stages: Sequence[str] = (),
        min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
        weight: str | None = None,
        period: str | None = None,
    ) -> Disclosure:
        """Decide the hidden categories from candidate counts per group and stage.

        Parameters
        ----------
        candidates : pandas.DataFrame
            One row per candidate, with the group columns and one 0/1 column per stage.
        groups : list of str
            The group columns.
        stages : list of str
            The stages in order; a candidate enters a stage after passing the previous
            one (all applicants enter the first).
        min_cell_size : int
            The minimum number of people behind a shown figure.
        weight : str, optional
            Column of frequency counts when each row stands for several candidates (the
            ``n_applicants`` of :func:`interviewlab.applicant_counts`).
        period : str, optional
            The candidates' period column: each period's applicants are a margin too
            (see Notes).

        Returns
        -------
        Disclosure
            For each group column and margin, the categories hidden and why.

        Notes
        -----
        The margins of a group column are its applicants and, for each stage, the
        candidates entering it. Margins are taken in order (applicants, first stage, ...)
        and a category hidden in one stays hidden in every later one (later rows carry
        cumulative figures, and their counts can only be smaller). In each margin:

        1. a category with between 1 and ``min_cell_size - 1`` people is hidden
           (``"fewer than N"``);
        2. if the margin then hides exactly one category, the smallest other non-empty
           category is hidden too (``"complementary"``): with one hidden category the
           margin's total, shown elsewhere, would give it away by subtraction.

        With ``period``, each period's applicants form a margin of their own, which
        starts with the categories hidden among all applicants; the period tables are
        two-way (period x category), so a category hidden in exactly one period is also
        hidden in its smallest other period (``"complementary"``), and the two rules are
        repeated until neither hides more. No report publishes a period's total number
        of applicants: it can only be added up from a group column that shows every
        one of its categories (the missing one too) in that period. So a column that
        hides exactly one category of a period gives it away only while the total is
        known; the cheaper of two ways closes that (fewest people hidden): hide the
        smallest category of each column that shows all of them, which hides the
        total, or the smallest other category of each column that hides one.

        A row of any report table that names a hidden category (in a column named
        after the group column or in a generic column such as ``category``, ``focal``
        or ``reference``) is hidden, at that row's stage, or in its period when the
        table has the period column and no stage, or with the applicants' margin.

        Examples
        --------
        >>> c = pd.DataFrame({"g": ["a"] * 30 + ["b"] * 3 + ["c"] * 12 + ["d"] * 40,
        ...                   "passed": [1, 0] * 15 + [1, 1, 0] + [1] * 12 + [1] * 40})
        >>> Disclosure.from_counts(c, groups=["g"], stages=["passed"]).hidden["g"]
        {'applicants': {'b': 'fewer than 10', 'c': 'complementary'}, \
'passed': {'b': 'fewer than 10', 'c': 'complementary'}}
        """
        if not isinstance(min_cell_size, int | np.integer) or min_cell_size < 1:
            raise InterviewLabError(f"min_cell_size={min_cell_size!r} must be a whole number >= 1.")
        require_columns(candidates, [*groups, *stages, *as_list(weight)], "the candidates")
        counts = (
            pd.Series(1, index=candidates.index)
            if weight is None
            else pd.to_numeric(candidates[weight], errors="raise")
        )
        entering = pd.Series(True, index=candidates.index)
        margins = {"applicants": entering}
        for k, stage in enumerate(stages):
            if k > 0:
                passed = pd.to_numeric(candidates[stages[k - 1]], errors="coerce") == 1
                entering = entering & passed
            margins[stage] = entering
        hidden: dict[str, dict[str, dict[str, str]]] = {}
        for col in groups:
            labels = candidates[col].astype(object).where(candidates[col].notna(), _MISSING)
            reasons: dict[str, str] = {}
            per_margin: dict[str, dict[str, str]] = {}
            for margin, mask in margins.items():
                rows = mask.to_numpy()
                if weight is None:
                    n = labels[rows].astype(str).value_counts()
                else:  # the same counts, summed over rows of counts (largest first)
                    n = counts[rows].groupby(labels[rows].astype(str).to_numpy()).sum()
                    n = n.sort_values(ascending=False, kind="stable")
                n = n[n > 0]
                for label in n.index[n < min_cell_size]:
                    reasons.setdefault(str(label), f"fewer than {min_cell_size}")
                shown = n[[label not in reasons for label in n.index]]
                if len(n) - len(shown) == 1 and len(shown):
                    reasons[str(shown.sort_values(kind="stable").index[0])] = "complementary"
                per_margin[margin] = {k: v for k, v in reasons.items() if k in set(n.index)}
            hidden[col] = per_margin
        if period is not None:
            weights = counts if weight is not None else None
            plans = _period_plans(candidates, groups, period, weights, hidden, min_cell_size)
            for col, margins_of_col in plans.items():
                hidden[col].update(margins_of_col)
        hidden = {col: m for col, m in hidden.items() if any(m.values())}
        return cls(hidden=hidden, min_cell_size=int(min_cell_size), period=period)

    def _labels(self, col: str, margin: str) -> set[str]:
        """The categories hidden in ``margin`` (the applicants' when it is not planned)."""
        columns = [col] if col in self.hidden else list(self.hidden)
        out: set[str] = set()
        for name in columns:
            by_margin = self.hidden[name]
            out |= set(by_margin.get(margin, by_margin.get("applicants", {})))
        return out

    def rows_to_hide(self, table: pd.DataFrame, *, across_periods: bool = False) -> np.ndarray:
        """Boolean mask of the rows of ``table`` that show a hidden category.

        A column named after a group column is compared with that column's hidden
        categories; a generic category column (:data:`CATEGORY_COLUMNS`) with the hidden
        categories of every group column. Rows with a ``stage`` use that stage's margin,
        rows with the period column that period's, other rows the applicants'; a row
        with both is hidden when either hides its category (a stage's figures per
        period add up, over the periods, to the stage's figures). With
        ``across_periods`` the rows pool several periods (a trend, a before-and-after
        comparison): a category hidden in any period is hidden, since the figure pooled
        over periods, less the periods shown, would give the hidden ones away; and
        with a ``stage``, a category hidden at that stage too.
        """
        mask = np.zeros(len(table), dtype=bool)
        if not self.hidden:
            return mask
        has_stage = "stage" in table.columns
        if across_periods and self.period is not None:
            mask |= self._pooled_mask(table)
        elif self.period is not None and self.period in table.columns:
            margins = (self.period + " " + table[self.period].astype(str)).to_numpy()
            mask |= self._margin_mask(table, margins)
        elif not has_stage:
            mask |= self._margin_mask(table, np.full(len(table), "applicants", dtype=object))
        if has_stage:
            mask |= self._margin_mask(table, table["stage"].astype(str).to_numpy())
        return mask

    def _margin_mask(self, table: pd.DataFrame, margins: np.ndarray) -> np.ndarray:
        """Rows whose category is hidden in the row's margin (``margins``, one per row)."""
        mask = np.zeros(len(table), dtype=bool)
        for col in table.columns:
            if col not in self.hidden and col not in CATEGORY_COLUMNS:
                continue
            values = table[col].astype(object)
            text = values.astype(str).to_numpy()
            missing = values.isna().to_numpy()
            for margin in pd.unique(margins):
                labels = self._labels(col, str(margin))
                rows = margins == margin
                hit = np.isin(text, list(labels)) & ~missing
                if _MISSING in labels and col in self.hidden:
                    hit |= missing
                mask |= rows & hit
        return mask

    def _pooled_mask(self, table: pd.DataFrame) -> np.ndarray:
        """Rows whose category is hidden among the applicants or in any period."""
        mask = np.zeros(len(table), dtype=bool)
        for col in table.columns:
            if col not in self.hidden and col not in CATEGORY_COLUMNS:
                continue
            labels: set[str] = set()
            for name in [col] if col in self.hidden else list(self.hidden):
                for margin, reasons in self.hidden[name].items():
                    if margin == "applicants" or margin.startswith(f"{self.period} "):
                        labels |= set(reasons)
            values = table[col].astype(object)
            mask |= np.isin(values.astype(str).to_numpy(), list(labels)) & values.notna().to_numpy()
            if _MISSING in labels and col in self.hidden:
                mask |= values.isna().to_numpy()
        return mask

    def describe(self) -> str:
        """A sentence naming the hidden categories and why, escaped for Markdown."""
        if not self.hidden:
            return ""
        parts = []
        for col, by_margin in self.hidden.items():
            items, named = [], set()
            for margin, reasons in by_margin.items():
                for label, why in reasons.items():
                    if label not in named:
                        named.add(label)
                        items.append(f"{escape_markdown(label)} (from {margin}: {why})")
            parts.append(f"{escape_markdown(col)}: {', '.join(items)}")
        return (
            "Categories hidden in every table of this report, at the stage named and "
            f"every later one (fewer than {self.min_cell_size} people, or hidden so that "
            "such a category cannot be recovered by subtraction): " + "; ".join(parts) + "."
        )


def _period_plans(
    candidates: pd.DataFrame,
    groups: Sequence[str],
    period: str,
    counts: pd.Series | None,
    hidden: dict[str, dict[str, dict[str, str]]],
    min_cell_size: int,
) -> dict[str, dict[str, dict[str, str]]]:
    """The period margins of every group column (see :meth:`Disclosure.from_counts`)."""
    periods = candidates[period].astype(str).to_numpy()
    weights = pd.Series(1, index=candidates.index) if counts is None else counts
    cells: dict[str, pd.DataFrame] = {}  # column -> periods x categories
    reasons: dict[tuple[str, str, str], str] = {}  # (column, period, category) -> why
    for col in groups:
        labels = candidates[col].astype(object).where(candidates[col].notna(), _MISSING)
        table = (
            weights.groupby([periods, labels.astype(str).to_numpy()]).sum().unstack(fill_value=0)
        )
        cells[col] = table
        for p in table.index:
            for c in table.columns:
                if table.loc[p, c] <= 0:
                    continue
                if c in hidden[col]["applicants"]:
                    reasons[(col, p, c)] = hidden[col]["applicants"][c]
                elif table.loc[p, c] < min_cell_size:
                    reasons[(col, p, c)] = f"fewer than {min_cell_size}"
    while _across_periods(cells, reasons) | _within_periods(cells, reasons):
        pass
    out: dict[str, dict[str, dict[str, str]]] = {col: {} for col in groups}
    for (col, p, c), why in reasons.items():
        out[col].setdefault(f"{period} {p}", {})[c] = why
    return out


def _smallest(line: pd.Series, hidden: set[str]) -> tuple[str, float] | None:
    """The smallest non-empty cell of ``line`` not yet hidden, and its count."""
    shown = line[(line > 0) & ~line.index.isin(list(hidden))]
    if shown.empty:
        return None
    pick = shown.sort_values(kind="stable").index[0]
    return str(pick), float(shown[pick])


def _across_periods(
    cells: dict[str, pd.DataFrame], reasons: dict[tuple[str, str, str], str]
) -> bool:
    """A category hidden in exactly one period (its total is public) hides another."""
    changed = False
    for col, table in cells.items():
        for c in table.columns:
            hidden = {p for p in table.index if (col, p, c) in reasons}
            if len(hidden) == 1:
                pick = _smallest(table[c], hidden)
                if pick is not None:
                    reasons[(col, pick[0], c)] = "complementary"
                    changed = True
    return changed


def _within_periods(
    cells: dict[str, pd.DataFrame], reasons: dict[tuple[str, str, str], str]
) -> bool:
    """Protect a period's single hidden cells by hiding the period's total, or others.

    A period's total is known when some column shows every category of it; then a
    column hiding exactly one category gives it away. The cheaper of two ways closes
    that: hide the smallest category of every column that shows all (no total), or the
    smallest other category of every column that hides one.
    """
    changed = False
    for p in sorted({p for table in cells.values() for p in table.index}):
        lines = {col: t.loc[p] for col, t in cells.items() if p in t.index}
        hidden = {
            col: {c for c in line.index if (col, p, c) in reasons} for col, line in lines.items()
        }
        open_columns = [col for col in lines if not hidden[col]]
        single = [col for col in lines if len(hidden[col]) == 1]
        if not open_columns or not single:
            continue
        close = {col: _smallest(lines[col], hidden[col]) for col in open_columns}
        pair = {col: _smallest(lines[col], hidden[col]) for col in single}
        cost_close = sum(v[1] for v in close.values() if v is not None)
        cost_pair = sum(v[1] for v in pair.values() if v is not None)
        for col, pick in (close if cost_close <= cost_pair else pair).items():
            if pick is not None:
                reasons[(col, p, pick[0])] = "complementary"
                changed = True
    return changed
