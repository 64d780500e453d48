"""Reader tables: the few columns a report page shows, with human headers and readable numbers.

Analysts get the full tables (CSV and ``tables.xlsx``); readers get a
:class:`ReaderTable` built by :func:`reader_table`: chosen columns with human headers,
rates as percentages, intervals as ``0.37-0.90``, p-values as ``0.011`` or ``< 0.001``,
suppressed cells as ``–`` with a footnote, verdicts as words with a colour, no index
column and a caption. The HTML is pandas' :class:`~pandas.io.formats.style.Styler` with
every value escaped; the same cells, as strings, feed the PDF (see
:mod:`interviewlab.reporting.pdf`).
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from interviewlab.errors import InterviewLabError

__all__ = [
    "COMBINED_MARK",
    "MIMETYPE",
    "REASON_MARKS",
    "SUPPRESSED",
    "VERDICT_COLOURS",
    "Column",
    "ReaderTable",
    "columns_for",
    "format_interval",
    "format_number",
    "format_p",
    "impact_verdict",
    "reader_table",
]

#: The mark of a suppressed cell.
SUPPRESSED = "–"

#: The symbol after the first suppressed cell of a row, one per reason (the footnote
#: under the table explains the symbols present in it).
REASON_MARKS = {
    "fewer": "*",
    "complementary": "†",
    "reference suppressed": "‡",
    "passers hidden": "◊",
}

#: The symbol after a label that combines not-stated people with a named group.
COMBINED_MARK = "§"

#: How a combined label ends ("male or not stated").
_COMBINED_SUFFIX = " or not stated"

#: Shown for a figure that could not be estimated (the full table gives the reason).
NOT_ESTIMABLE = "n/a"

#: Shown for a missing label (a group value that is not known).
MISSING_LABEL = "(missing)"

#: The display mimetype carrying a table's cells to the PDF writer.
MIMETYPE = "application/vnd.interviewlab.table+json"

#: Background colours of the verdict words (light tints of the Okabe-Ito palette, which
#: stays distinct under the common colour-vision deficiencies); the words carry the
#: meaning, the colour only helps the eye.
VERDICT_COLOURS = {
    "below, significant": "#f6c9a8",  # vermilion tint
    "below, not significant": "#fbe5a6",  # yellow tint
    "not below": "#cfe6f3",  # sky-blue tint
}

Kind = Literal[
    "text", "count", "percent", "number", "p_value", "interval", "estimate_ci", "verdict"
]
KINDS: tuple[str, ...] = (
    "text",
    "count",
    "percent",
    "number",
    "p_value",
    "interval",
    "estimate_ci",
    "verdict",
)


@dataclass(frozen=True)
class Column:
    """One column of a reader table.

    Parameters
    ----------
    header : str
        The header a reader sees ("Selection rate").
    source : str or tuple of str
        The full table's column; for ``kind="interval"`` the ``(low, high)`` columns, for
        ``kind="estimate_ci"`` the ``(estimate, low, high)`` columns.
    kind : str
        How to write the values: ``"text"``, ``"count"`` (``1,234``), ``"percent"``
        (``37.5%``), ``"number"``, ``"p_value"`` (``0.011``, ``< 0.001``), ``"interval"``
        (``0.37-0.90``), ``"estimate_ci"`` (``0.62 (0.37-0.90)``) or ``"verdict"`` (words
        of :func:`impact_verdict`, coloured).
    digits : int
        Decimal places of numbers, percentages and intervals.
    """

    header: str
    source: str | tuple[str, ...]
    kind: Kind = "text"
    digits: int = 2

    def sources(self) -> list[str]:
        """The full table's columns this column reads."""
        return [self.source] if isinstance(self.source, str) else list(self.source)


@dataclass(frozen=True)
class ReaderTable:
    """A formatted table for readers: strings only, ready for HTML (Styler) and PDF.

    Attributes
    ----------
    caption : str
        What the table shows, in words.
    headers : tuple of str
        Column headers.
    rows : tuple of tuple of str
        The cells as shown (no missing values: ``–`` for suppressed, ``n/a`` for not
        estimable).
    fills : tuple of str
        Per row, the background colour of its verdict cell ("" for none).
    verdict_column : int
        Position of the verdict column, or -1.
    footnotes : tuple of str
        Notes under the table (suppression, not estimable, full-table link).
    full_table : str
        Name of the full table in ``tables/`` ("" when there is none).
    text_columns : tuple of int
        Positions of the columns holding words (left-aligned); the others hold numbers
        (right-aligned).
    cell_fills : tuple of tuple of str
        Per row and column, a background colour ("" for none); empty when only the
        verdict column is coloured (``fills``).
    """

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    fills: tuple[str, ...] = ()
    verdict_column: int = -1
    footnotes: tuple[str, ...] = ()
    full_table: str = ""
    text_columns: tuple[int, ...] = ()
    cell_fills: tuple[tuple[str, ...], ...] = ()
    _uuid: str = field(default="", repr=False)

    def frame(self) -> pd.DataFrame:
        """The cells as a DataFrame of strings (columns are the headers)."""
        return pd.DataFrame(list(self.rows), columns=list(self.headers), dtype=object)

    def styler(self) -> Any:
        """The table as a pandas Styler: escaped, no index, captioned, verdicts coloured."""
        frame = self.frame()
        styler = (
            frame.style.format(escape="html")
            .format_index(escape="html", axis=1)
            .hide(axis="index")
            .set_caption(html.escape(self.caption))
            .set_uuid(self._uuid)
            .set_table_attributes('class="il-reader"')
            .set_table_styles(
                [
                    {
                        "selector": "caption",
                        "props": "caption-side: top; text-align: left; font-weight: 600; "
                        "padding: 0.3em 0; white-space: nowrap;",
                    },
                    {
                        "selector": "th",
                        "props": "text-align: left; vertical-align: bottom; "
                        "border-bottom: 1px solid #444; padding: 0.25em 0.6em;",
                    },
                    {
                        "selector": "td",
                        "props": "padding: 0.2em 0.6em; white-space: nowrap;",
                    },
                ]
            )
        )
        numeric: list[Hashable] = [
            h for i, h in enumerate(self.headers) if i not in self.text_columns
        ]
        text: list[Hashable] = [h for i, h in enumerate(self.headers) if i in self.text_columns]
        if text:
            styler = styler.set_properties(subset=text, **{"text-align": "left"})
        if numeric:
            styler = styler.set_properties(subset=numeric, **{"text-align": "right"})
        if self.verdict_column >= 0 and any(self.fills):
            fills = list(self.fills)
            column = self.headers[self.verdict_column]

            def colour(values: pd.Series) -> list[str]:
                return [
                    f"background-color: {fills[i]}" if fills[i] else "" for i in range(len(values))
                ]

            styler = styler.apply(colour, subset=[column], axis=0)
        if self.cell_fills:
            grid = pd.DataFrame(
                [[f"background-color: {f}" if f else "" for f in row] for row in self.cell_fills],
                index=frame.index,
                columns=frame.columns,
            )
            styler = styler.apply(lambda _: grid, axis=None)
        return styler

    def to_html(self) -> str:
        """The table (Styler HTML) followed by its escaped footnotes."""
        notes = "".join(
            f'<p class="il-footnote"><small>{html.escape(note)}</small></p>'
            for note in self.footnotes
        )
        link = ""
        if self.full_table:
            name = html.escape(self.full_table)
            link = (
                '<p class="il-footnote"><small>'
                f'Full table: <a href="tables/{name}.csv">tables/{name}.csv</a> '
                '(also a sheet of <a href="tables.xlsx">tables.xlsx</a>).</small></p>'
            )
        return f'<div class="il-table">{self.styler().to_html()}{notes}{link}</div>'

    def to_dict(self) -> dict[str, Any]:
        """The table as plain JSON-able data (the PDF writer reads this)."""
        return {
            "caption": self.caption,
            "headers": list(self.headers),
            "rows": [list(r) for r in self.rows],
            "fills": list(self.fills) or [""] * len(self.rows),
            "verdict_column": self.verdict_column,
            "footnotes": list(self.footnotes),
            "full_table": self.full_table,
            "text_columns": list(self.text_columns),
            "cell_fills": [list(r) for r in self.cell_fills],
        }

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {
            "text/html": self.to_html(),
            "text/plain": self.frame().to_string(index=False),
            MIMETYPE: self.to_dict(),
        }


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(float(value))
    return False


def format_p(p: float, *, sentence: bool = False) -> str:
    """A p-value for readers: three decimals, ``< 0.001`` and ``> 0.999`` at the ends.

    With ``sentence``, the phrase a sentence uses: ``p = 0.011``, ``p < 0.001``.

    Examples
    --------
    >>> format_p(0.0112), format_p(4.973e-08), format_p(1.0)
    ('0.011', '< 0.001', '> 0.999')
    >>> format_p(0.0067, sentence=True), format_p(2e-5, sentence=True)
    ('p = 0.007', 'p < 0.001')
    """
    if p < 0.001:
        text = "< 0.001"
    elif p > 0.999:
        text = "> 0.999"
    else:
        text = f"{p:.3f}"
    if not sentence:
        return text
    return f"p {text}" if text[0] in "<>" else f"p = {text}"


def format_number(value: float, digits: int = 2, *, sign: bool = False) -> str:
    """A number rounded for readers, never as a negative zero.

    ``sign`` writes ``+`` before a positive value (for changes and gaps); a value that
    rounds to zero has no sign either way.

    Examples
    --------
    >>> format_number(-0.001), format_number(-0.004, sign=True), format_number(0.25, sign=True)
    ('0.00', '0.00', '+0.25')
    >>> format_number(-1.2345, 3)
    '-1.234'
    """
    text = f"{value:{'+' if sign else ''}.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}"
    return text


def format_interval(low: float, high: float, digits: int = 2) -> str:
    """An interval for readers: ``0.37-0.90``, or ``-0.20 to 0.05`` when a bound is negative.

    Examples
    --------
    >>> format_interval(0.3712, 0.9), format_interval(-0.2, 0.05)
    ('0.37-0.90', '-0.20 to 0.05')
    """
    low_text, high_text = format_number(low, digits), format_number(high, digits)
    if low_text.startswith("-") or high_text.startswith("-"):
        return f"{low_text} to {high_text}"
    return f"{low_text}-{high_text}"


def _cell(values: Sequence[Any], kind: str, digits: int) -> str:
    if kind == "text" or kind == "verdict":
        (value,) = values
        if _missing(value):
            return MISSING_LABEL if kind == "text" else NOT_ESTIMABLE
        if isinstance(value, bool | np.bool_):
            return "yes" if value else "no"
        if isinstance(value, float | np.floating) and float(value).is_integer():
            return str(int(value))  # a label such as a number of raters: 3, not 3.0
        return str(value)
    if kind == "estimate_ci" and not _missing(values[0]) and any(_missing(v) for v in values):
        return format_number(float(values[0]), digits)
    if any(_missing(v) for v in values):
        return NOT_ESTIMABLE
    numbers = [float(v) for v in values]
    if kind == "count":
        return f"{numbers[0]:,.0f}"
    if kind == "percent":
        return f"{100 * numbers[0]:.{max(digits - 1, 0)}f}%"
    if kind == "number":
        return format_number(numbers[0], digits)
    if kind == "p_value":
        return format_p(numbers[0])
    if kind == "interval":
        return format_interval(numbers[0], numbers[1], digits)
    estimate, low, high = numbers
    return f"{format_number(estimate, digits)} ({format_interval(low, high, digits)})"


def reader_table(
    table: pd.DataFrame,
    *,
    columns: Sequence[Column] | Sequence[str],
    caption: str,
    full_table: str = "",
    headers: Mapping[str, str] | None = None,
    interval: str | None = None,
    confidence: float = 0.95,
    suppressed: str = "suppressed",
    reason: str = "suppression",
    role: str = "role",
) -> ReaderTable:
    """Choose, name and format a few columns of a report table for readers.

    Parameters
    ----------
    table : pandas.DataFrame
        A table as returned by :meth:`interviewlab.ReportWriter.table` (after
        suppression). It is not modified.
    columns : sequence of Column, or sequence of str
        The columns to show, in order, with their headers and kinds; or the full table's
        column names, given the usual headers and kinds by :func:`columns_for` (names
        the table lacks are skipped).
    caption : str
        What the table shows; every reader table has one.
    full_table : str
        Name of the full table in the report's ``tables/`` folder, linked under the table.
    headers, interval, confidence
        With column names: passed to :func:`columns_for`.
    suppressed, reason : str
        The table's boolean suppression column and its reason column (as written by
        :func:`interviewlab.suppress_small_cells`); absent columns mean nothing was
        suppressed.
    role : str
        Column saying how a row takes part in the comparison: a figure missing from a
        row that is not ``"compared"`` (the reference's own p-value, a group that is not
        compared) is left blank, not ``n/a``.

    Returns
    -------
    ReaderTable
        The formatted cells (strings only), fills of the verdict column and footnotes.
        Every cell of a suppressed row except its label columns (``kind="text"``) shows
        ``–``, the first of them followed by the symbol of the row's reason
        (:data:`REASON_MARKS`: ``*`` fewer than N people, ``†`` hidden to protect
        another hidden figure, ``‡`` compared with a hidden group, ``◊`` those who
        passed hidden: the row's entrants stay shown); a label combining
        not-stated people with a named group ends in ``§``; a figure that is missing in
        a row that was not suppressed shows ``n/a``. The footnote under the table
        explains each symbol present in it, and only those.

    Notes
    -----
    Nothing is computed here: the values are the full table's, rounded for reading.
    The footnotes say why cells are blank, so a reader never meets ``NaN`` or ``<NA>``.

    Examples
    --------
    >>> t = pd.DataFrame({"category": ["A", "B"], "n": [120, 4], "rate": [0.5, None],
    ...                   "suppressed": [False, True],
    ...                   "suppression": ["", "fewer than 10"]})
    >>> rt = reader_table(t, caption="Selection rates",
    ...                   columns=[Column("Group", "category"), Column("Applicants", "n", "count"),
    ...                            Column("Selection rate", "rate", "percent")])
    >>> rt.rows
    (('A', '120', '50.0%'), ('B', '–*', '–'))
    >>> rt.footnotes[0]
    '–* not shown: fewer than 10 people behind the figures.'
    """
    if not caption.strip():
        raise InterviewLabError("Every reader table needs a caption saying what it shows.")
    if columns and all(isinstance(c, str) for c in columns):
        columns = columns_for(
            table,
            [str(c) for c in columns],
            confidence=confidence,
            interval=interval,
            headers=headers,
        )
    shown = _checked_columns(table, columns, caption=caption, full_table=full_table)
    hidden = (
        table[suppressed].fillna(False).astype(bool).to_numpy()
        if suppressed in table.columns
        else np.zeros(len(table), dtype=bool)
    )
    why = (
        [str(r) if h else "" for r, h in zip(table[reason].fillna(""), hidden, strict=True)]
        if reason in table.columns
        else ["fewer" if h else "" for h in hidden]
    )
    not_compared = (
        (table[role].astype(str) != "compared").to_numpy()
        if role in table.columns
        else np.zeros(len(table), dtype=bool)
    )
    verdict_at = next((i for i, c in enumerate(shown) if c.kind == "verdict"), -1)
    rows, marks = _reader_rows(table, shown, hidden=hidden, why=why, not_compared=not_compared)
    fills = [
        VERDICT_COLOURS.get(cells[verdict_at], "") if verdict_at >= 0 else "" for cells in rows
    ]
    notes = _mark_notes(marks, {r for r in why if r})
    if any(NOT_ESTIMABLE in r for r in rows):
        notes.append(f"{NOT_ESTIMABLE}: not estimable here; the full table gives the reason.")
    return ReaderTable(
        caption=caption,
        headers=tuple(c.header for c in shown),
        rows=tuple(rows),
        fills=tuple(fills),
        verdict_column=verdict_at,
        footnotes=tuple(notes),
        full_table=full_table,
        text_columns=tuple(i for i, c in enumerate(shown) if c.kind in ("text", "verdict")),
        _uuid="t" + hashlib.sha256(caption.encode()).hexdigest()[:8],
    )


def _checked_columns(
    table: pd.DataFrame,
    columns: Sequence[Column] | Sequence[str],
    *,
    caption: str,
    full_table: str,
) -> list[Column]:
    """The reader table's columns, checked: kinds, source counts, unique headers, sources."""
    if not columns or not all(isinstance(c, Column) for c in columns):
        raise InterviewLabError(
            "Name at least one column for the reader table: Column(...) objects, or the "
            "full table's column names (not a mix)."
        )
    shown = [c for c in columns if isinstance(c, Column)]
    if full_table and not re.fullmatch(r"[A-Za-z0-9_\-]+", full_table):
        raise InterviewLabError(
            f"full_table={full_table!r} may only use letters, digits, _ and - (a table name)."
        )
    for col in shown:
        if col.kind not in KINDS:
            raise InterviewLabError(
                f"Column {col.header!r} has kind={col.kind!r}; allowed kinds are {list(KINDS)}."
            )
        wanted = {"interval": 2, "estimate_ci": 3}.get(col.kind, 1)
        if len(col.sources()) != wanted:
            raise InterviewLabError(
                f"Column {col.header!r} of kind {col.kind!r} needs {wanted} source column(s), "
                f"got {col.sources()}."
            )
    shown_headers = [c.header for c in shown]
    if len(set(shown_headers)) != len(shown_headers):
        raise InterviewLabError(f"Reader table headers must be unique; got {shown_headers}.")
    missing = sorted({s for c in shown for s in c.sources()} - set(map(str, table.columns)))
    if missing:
        raise InterviewLabError(
            f"The table has no column(s) {missing} for the reader table {caption!r}; "
            f"its columns are {list(map(str, table.columns))}."
        )
    return shown


def _reader_rows(
    table: pd.DataFrame,
    columns: Sequence[Column],
    *,
    hidden: np.ndarray,
    why: Sequence[str],
    not_compared: np.ndarray,
) -> tuple[list[tuple[str, ...]], set[str]]:
    """The formatted cells of each row, and the symbols used in them.

    A cell is suppressed (``–`` and, on the row's first such cell, the symbol of its
    reason), blank (a figure of a row that is not compared) or the value; a label
    combining not-stated people with a named group gets the combined mark.
    """
    # the leading text columns label the row and stay readable when it is suppressed; a
    # later text column blanked by suppression (e.g. the group a rater scored lower) is a
    # suppressed figure, not a missing label
    n_labels = next((i for i, c in enumerate(columns) if c.kind != "text"), len(columns))
    rows: list[tuple[str, ...]] = []
    marks: set[str] = set()
    for i, record in enumerate(table.reset_index(drop=True).to_dict("records")):
        cells = []
        mark = _mark(why[i]) if hidden[i] else ""
        partly = hidden[i] and why[i] == "passers hidden"
        for j, col in enumerate(columns):
            values = [record[s] for s in col.sources()]
            blank = col.kind != "text" or j >= n_labels
            if partly and not _missing(values[0]):
                blank = False  # the row's own entrants are shown
            if hidden[i] and blank and (col.kind != "text" or _missing(values[0])):
                cells.append(SUPPRESSED + mark)
                marks.add(mark)
                mark = ""
            elif not_compared[i] and _missing(values[0]):
                cells.append("")
            else:
                text = _cell(values, col.kind, col.digits)
                if j < n_labels and text.endswith(_COMBINED_SUFFIX):
                    text = f"{text} {COMBINED_MARK}"
                    marks.add(COMBINED_MARK)
                cells.append(text)
        rows.append(tuple(cells))
    return rows, marks


def _mark(reason: str) -> str:
    """The symbol of a suppression reason ("fewer than 10" -> "*")."""
    key = "fewer" if reason.startswith("fewer than") or not reason else reason
    return REASON_MARKS.get(key, REASON_MARKS["complementary"])


def _mark_notes(marks: set[str], reasons: set[str]) -> list[str]:
    """One footnote per symbol present, in a fixed order."""
    fewer = sorted(r for r in reasons if r.startswith("fewer than"))
    words = {
        REASON_MARKS["fewer"]: f"{fewer[0] if fewer else 'too few'} people behind the figures",
        REASON_MARKS["complementary"]: "hidden so that a figure hidden elsewhere cannot be "
        "worked out from this one (by subtraction from a total, or because it counts the "
        "same people)",
        REASON_MARKS["reference suppressed"]: "the group compared with is hidden, so every "
        "ratio against it would reveal it",
        REASON_MARKS["passers hidden"]: "those who passed are too few to show (they are "
        "the next stage's entrants, hidden there); the entrants are shown",
    }
    notes = [
        f"{SUPPRESSED}{symbol} not shown: {words[symbol]}."
        for symbol in REASON_MARKS.values()
        if symbol in marks
    ]
    if COMBINED_MARK in marks:
        notes.append(
            f"{COMBINED_MARK} “… or not stated”: people who did not state this group, too "
            "few to show on their own, are counted with the named group; the row's figures "
            "are close to that group's but not its alone."
        )
    return notes


def impact_verdict(
    table: pd.DataFrame,
    *,
    below: str = "below_threshold",
    p_value: str = "p_adjusted",
    alpha: float = 0.05,
    role: str | None = "role",
) -> pd.Series:
    """The colour-coded verdict of each impact-ratio row, in words.

    ``"below, significant"`` (below the threshold and ``p_value < alpha``), ``"below,
    not significant"``, ``"not below"``; the reference row reads ``"reference"``, a row
    whose role is neither (unknown group, too few entrants) ``"not compared"``, and a
    row without a verdict (suppressed, not estimable) is missing.

    Parameters
    ----------
    table : pandas.DataFrame
        An impact table with a boolean ``below`` column and a ``p_value`` column.
    below, p_value : str
        Column names.
    alpha : float
        Significance level.
    role : str or None
        Column marking the reference row (``role == "reference"``), if any.

    Returns
    -------
    pandas.Series
        Object dtype, aligned with ``table``.

    Examples
    --------
    >>> t = pd.DataFrame({"role": ["reference", "compared", "compared", "compared"],
    ...                   "below_threshold": [False, True, True, False],
    ...                   "p_adjusted": [None, 0.001, 0.2, 0.5]})
    >>> impact_verdict(t).tolist()
    ['reference', 'below, significant', 'below, not significant', 'not below']
    """
    if not 0 < alpha < 1:
        raise InterviewLabError(f"alpha={alpha!r} must be between 0 and 1.")
    missing = [c for c in (below, p_value) if c not in table.columns]
    if missing:
        raise InterviewLabError(f"impact_verdict needs column(s) {missing} in the table.")
    words: list[Any] = []
    roles: Mapping[int, Any] = (
        dict(enumerate(table[role])) if role is not None and role in table.columns else {}
    )
    for i, (b, p) in enumerate(zip(table[below], table[p_value], strict=True)):
        if roles.get(i) == "reference":
            words.append("reference")
        elif roles and roles.get(i) != "compared":
            words.append("not compared")
        elif _missing(b):
            words.append(None)
        elif not bool(b):
            words.append("not below")
        elif not _missing(p) and float(p) < alpha:
            words.append("below, significant")
        else:
            words.append("below, not significant")
    return pd.Series(words, index=table.index, dtype=object)


# Human headers and kinds of the library's usual column names; {ci} is the interval's level.
KNOWN_COLUMNS: dict[str, tuple[str, str, int]] = {
    "stage": ("Stage", "text", 0),
    "category": ("Group", "text", 0),
    "group": ("Group", "text", 0),
    "format": ("Format", "text", 0),
    "scenario": ("Scenario", "text", 0),
    "effect": ("Effect", "text", 0),
    "focal": ("Group", "text", 0),
    "reference": ("Compared with", "text", 0),
    "stage_reference": ("Compared with", "text", 0),
    "question_id": ("Question", "text", 0),
    "rater_id": ("Rater", "text", 0),
    "type": ("Coefficient", "text", 0),
    "label": ("Form", "text", 0),
    "component": ("Component", "text", 0),
    "n": ("Candidates", "count", 0),
    "n_units": ("Candidates", "count", 0),
    "n_targets": ("Candidates", "count", 0),
    "n_candidates": ("Candidates", "count", 0),
    "n_raters": ("Raters", "count", 0),
    "n_ratings": ("Ratings", "count", 0),
    "n_focal": ("Group size", "count", 0),
    "n_reference": ("Comparison group size", "count", 0),
    "entered": ("Entered", "count", 0),
    "passed": ("Passed", "count", 0),
    "selected": ("Selected", "count", 0),
    "rate": ("Selection rate", "percent", 1),
    "scoring_rate": ("Scoring rate", "percent", 1),
    "stage_rate": ("Pass rate", "percent", 1),
    "cumulative_rate": ("Rate from application", "percent", 1),
    "reference_rate": ("Comparison rate", "percent", 1),
    "impact_ratio": ("Impact ratio ({ci} CI)", "estimate_ci", 2),
    "stage_impact_ratio": ("Impact ratio ({ci} CI)", "estimate_ci", 2),
    "cumulative_impact_ratio": ("Impact ratio from application ({ci} CI)", "estimate_ci", 2),
    "relative_likelihood": ("Relative likelihood ({ci} CI)", "estimate_ci", 2),
    "detectable_ratio": ("Detectable ratio (80% power)", "number", 2),
    "odds_ratio": ("Odds ratio ({ci} CI)", "estimate_ci", 2),
    "estimate": ("Estimate ({ci} CI)", "estimate_ci", 2),
    "severity": ("Severity ({ci} CI)", "estimate_ci", 2),
    "mean": ("Mean score ({ci} CI)", "estimate_ci", 2),
    "d": ("Hedges' g ({ci} CI)", "estimate_ci", 2),
    "difference": ("Difference ({ci} CI)", "estimate_ci", 2),
    "p_value": ("p-value", "p_value", 3),
    "p_fisher": ("p-value (Fisher's exact)", "p_value", 3),
    "stage_p_fisher": ("p-value (Fisher's exact)", "p_value", 3),
    "p_adjusted": ("p-value (Holm-adjusted)", "p_value", 3),
    "p_mid": ("p-value (mid-p)", "p_value", 3),
    "breslow_day_p": ("Same in every requisition? (Breslow-Day p)", "p_value", 3),
    "percent": ("Share of variance", "number", 1),
    "variance": ("Variance ({ci} CI)", "estimate_ci", 3),
    "small_sample_reason": ("Small sample: why", "text", 0),
    "verdict": ("Against the four-fifths rule", "verdict", 0),
    "note": ("Note", "text", 0),
    "panel_id": ("Panel", "text", 0),
    "level": ("Level", "text", 0),
    "n_levels": ("Levels", "count", 0),
    "g_coefficient": ("G coefficient", "number", 2),
    "phi": ("Phi (dependability)", "number", 2),
    "flag": ("Flagged", "text", 0),
    "drf_flag": ("Flagged", "text", 0),
    "drf_p_adjusted": ("p-value (Holm-adjusted)", "p_value", 3),
    "drf_gap": ("Largest gap between groups", "number", 2),
    "drf_low_group": ("Scored lower", "text", 0),
    "planted": ("Planted", "number", 2),
    "covered": ("Interval covers the planted value", "text", 0),
    "method": ("Method", "text", 0),
    "ci_method": ("Interval", "text", 0),
}

#: The interval columns that go with an estimate column.
_CI_OF = {
    "stage_impact_ratio": ("stage_ci_low", "stage_ci_high"),
    "cumulative_impact_ratio": ("cumulative_ci_low", "cumulative_ci_high"),
}


def columns_for(
    table: pd.DataFrame,
    names: Sequence[str],
    *,
    confidence: float = 0.95,
    interval: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> list[Column]:
    """Reader columns for the library's usual column names, with human headers.

    An estimate column (``impact_ratio``, ``estimate``, ...) is shown with its interval
    (``ci_low``/``ci_high``, or the ``stage_``/``cumulative_`` pair) in one cell when the
    table has them. Names the table lacks are skipped, so one list serves the several
    forms of a table (e.g. the regulators' profiles).

    Parameters
    ----------
    table : pandas.DataFrame
        The full table.
    names : sequence of str
        Column names of ``table``, in the order to show them.
    confidence : float
        Level of the intervals, for the headers.
    interval : str, optional
        The estimate column that ``ci_low``/``ci_high`` belong to (e.g. ``"d"`` in a
        score-gap table whose ``mean`` has no interval). By default the first estimate
        column in ``names``; other estimate columns are shown without an interval.
    headers : mapping, optional
        Headers replacing the usual ones, by column name.

    Returns
    -------
    list of Column

    Examples
    --------
    >>> t = pd.DataFrame(columns=["category", "n", "rate", "impact_ratio", "ci_low", "ci_high"])
    >>> [c.header for c in columns_for(t, ["category", "rate", "impact_ratio", "p_fisher"])]
    ['Group', 'Selection rate', 'Impact ratio (95% CI)']
    """
    out = []
    have = set(map(str, table.columns))
    if interval is None:
        interval = next(
            (
                n
                for n in names
                if n in have
                and n not in _CI_OF
                and KNOWN_COLUMNS.get(n, ("", ""))[1] == "estimate_ci"
            ),
            None,
        )
    for name in names:
        if name not in have:
            continue
        numeric = pd.api.types.is_numeric_dtype(table[name]) and not (
            pd.api.types.is_bool_dtype(table[name])
        )
        counted = name.startswith("n_") or pd.api.types.is_integer_dtype(table[name])
        kind_guess = ("count" if counted else "number") if numeric else "text"
        fallback = (name.replace("_", " ").capitalize(), kind_guess, 2)
        header, kind, digits = KNOWN_COLUMNS.get(name, fallback)
        header = (headers or {}).get(name, header).replace("{ci}", f"{confidence:.0%}")
        source: str | tuple[str, ...] = name
        if kind == "estimate_ci":
            low, high = _CI_OF.get(name, ("ci_low", "ci_high"))
            if {low, high} <= have and (name in _CI_OF or name == interval):
                source = (name, low, high)
            else:
                kind = "number"
                header = header.replace(f" ({confidence:.0%} CI)", "")
        out.append(Column(header, source, kind, digits))  # type: ignore[arg-type]
    return out
