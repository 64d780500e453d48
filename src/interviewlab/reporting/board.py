"""The board pack's first page: a colour grid of groups × stages with the verdict in each cell.

Nothing is computed here. The verdicts are :func:`~interviewlab.reporting.tables.impact_verdict`
of the stage-audit tables *after* suppression (as returned by
:meth:`interviewlab.ReportWriter.table`): a suppressed row shows its suppression mark,
never a verdict, so the grid cannot reveal what the tables hide.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from interviewlab.errors import InterviewLabError
from interviewlab.reporting.tables import (
    _COMBINED_SUFFIX,
    COMBINED_MARK,
    NOT_ESTIMABLE,
    SUPPRESSED,
    VERDICT_COLOURS,
    ReaderTable,
    _mark,
    _mark_notes,
    impact_verdict,
)

__all__ = ["verdict_grid"]

#: Fill of a reference cell in the grid (light grey: the comparison, not a verdict).
_REFERENCE_FILL = "#e6e6e6"


def _grid_cells(
    table: pd.DataFrame, *, stages: Sequence[str], below: str, p_value: str, alpha: float
) -> tuple[dict[tuple[str, str], str], list[str], set[str]]:
    """Each (category, stage) cell's text, the categories in order, and the reasons used."""
    verdicts = impact_verdict(table, below=below, p_value=p_value, alpha=alpha)
    hidden = (
        table["suppressed"].fillna(False).astype(bool)
        if "suppressed" in table.columns
        else pd.Series(False, index=table.index)
    )
    reasons = (
        table["suppression"].fillna("").astype(str)
        if "suppression" in table.columns
        else pd.Series("", index=table.index)
    )
    cells: dict[tuple[str, str], str] = {}
    categories: list[str] = []
    used: set[str] = set()
    for i in table.index:
        category, stage = str(table.at[i, "category"]), str(table.at[i, "stage"])
        if stage not in stages:
            continue
        if category not in categories:
            categories.append(category)
        if hidden[i]:
            cells[category, stage] = SUPPRESSED + _mark(reasons[i])
            used.add(reasons[i] or "fewer")
        else:
            word = verdicts[i]
            cells[category, stage] = NOT_ESTIMABLE if word is None else str(word)
    return cells, categories, used


def verdict_grid(
    tables: Mapping[str, pd.DataFrame],
    *,
    stages: Sequence[str],
    p_value: str = "p_fisher",
    below: str = "below_threshold",
    alpha: float = 0.05,
    caption: str = "Verdict against the four-fifths rule, group by stage",
) -> ReaderTable:
    """A groups × stages grid of impact verdicts, one coloured cell per group and stage.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Per group column, its stage-audit table after suppression (columns ``stage``,
        ``category``, ``role``, ``below``, ``p_value`` and, when anything was hidden,
        ``suppressed`` and ``suppression``).
    stages : sequence of str
        The stages in process order: the grid's columns.
    p_value, below : str
        The columns :func:`~interviewlab.reporting.tables.impact_verdict` reads (the
        p-value of the chosen profile, and the below-the-threshold flag).
    alpha : float
        Significance level of the verdict.
    caption : str
        The grid's caption.

    Returns
    -------
    ReaderTable
        Columns "Characteristic" (the group column, on its first row only), "Group",
        then one per stage. A cell reads ``below, significant``, ``below, not
        significant``, ``not below``, ``reference``, ``not compared``, ``n/a`` (not
        estimable), a suppression mark (``–*``, ``–†``, ``–‡``, ``–◊``: the tables'
        marks, explained in the footnotes) or is blank (the group is not in the stage's
        table). ``cell_fills`` gives each cell's colour (:data:`VERDICT_COLOURS`, grey
        for the reference, none otherwise).

    Notes
    -----
    The verdict of a row hidden by suppression is never shown, whatever its table still
    holds: the cell shows the row's mark, the same as in the reader tables. A group
    hidden at every stage is left out (a footnote counts them), so the summary never
    names a group too small to show.

    Examples
    --------
    >>> t = pd.DataFrame({"stage": ["s1", "s1", "s1", "s2", "s2", "s2"],
    ...                   "category": ["A", "B", "C"] * 2,
    ...                   "role": ["reference", "compared", "compared"] * 2,
    ...                   "below_threshold": [False, True, False, False, True, True],
    ...                   "p_fisher": [None, 0.01, 0.6, None, 0.2, 0.001],
    ...                   "suppressed": [False, False, False, False, False, True],
    ...                   "suppression": ["", "", "", "", "", "fewer than 10"]})
    >>> grid = verdict_grid({"sex": t}, stages=["s1", "s2"])
    >>> grid.headers
    ('Characteristic', 'Group', 's1', 's2')
    >>> grid.rows[1]
    ('', 'B', 'below, significant', 'below, not significant')
    >>> grid.rows[2]
    ('', 'C', 'not below', '–*')
    >>> grid.footnotes[0]
    '–* not shown: fewer than 10 people behind the figures.'
    """
    if not tables:
        raise InterviewLabError("verdict_grid needs at least one stage-audit table.")
    stages = [str(s) for s in stages]
    rows: list[tuple[str, ...]] = []
    fills: list[tuple[str, ...]] = []
    marks: set[str] = set()
    reasons: set[str] = set()
    left_out = 0
    for column, table in tables.items():
        missing = [c for c in ("stage", "category") if c not in table.columns]
        if missing:
            raise InterviewLabError(
                f"The table for {column!r} has no column(s) {missing}; pass stage_audit tables."
            )
        cells, categories, used = _grid_cells(
            table, stages=stages, below=below, p_value=p_value, alpha=alpha
        )
        reasons |= used
        first = True
        for category in categories:
            texts = tuple(cells.get((category, stage), "") for stage in stages)
            if all(text == "" or text.startswith(SUPPRESSED) for text in texts):
                left_out += 1  # hidden at every stage: the summary does not name it
                continue
            label = category
            if category.endswith(_COMBINED_SUFFIX):
                label = f"{category} {COMBINED_MARK}"
                marks.add(COMBINED_MARK)
            marks |= {text[len(SUPPRESSED) :] for text in texts if text.startswith(SUPPRESSED)}
            rows.append((str(column) if first else "", label, *texts))
            first = False
            colours = [
                _REFERENCE_FILL if text == "reference" else VERDICT_COLOURS.get(text, "")
                for text in texts
            ]
            fills.append(("", "", *colours))
    notes = _mark_notes(marks, {r for r in reasons if r != "fewer"})
    if left_out:
        notes.append(
            f"{left_out} group(s) hidden at every stage are left out of the grid; the tables "
            "mark them."
        )
    return ReaderTable(
        caption=caption,
        headers=("Characteristic", "Group", *stages),
        rows=tuple(rows),
        footnotes=tuple(notes),
        text_columns=tuple(range(2 + len(stages))),
        cell_fills=tuple(fills),
        _uuid="grid",
    )
