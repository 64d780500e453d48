"""Dates of ratings (``rated_at``), read once at loading with their file, line and column.

Dates are read as ISO 8601 (``2026-03-05``, ``2026-03-05 14:30``,
``2026-03-05T14:30:00``) unless ``study.toml`` declares another form with a top-level
``date_format`` in the codes of Python's ``strftime`` (``"%d/%m/%Y"`` for UK exports
such as ``05/03/2026``, ``"%m/%d/%Y"`` for US ones). A column of plain numbers (a
session or order number) is kept as numbers. An empty cell is a missing date.
"""

from __future__ import annotations

import re

import pandas as pd

from interviewlab.data.problems import Problem

__all__ = ["parse_dates"]

#: dd/mm/yyyy or mm/dd/yyyy (also with - or .): a date only a declared format can read
_SLASHED = re.compile(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}")


def parse_dates(
    values: pd.Series,
    *,
    date_format: str | None,
    label: str,
    problems: list[Problem],
    column: str = "rated_at",
) -> pd.Series:
    """The text column ``values`` (indexed by file line) as dates, or as numbers.

    Each cell that cannot be read in the declared form adds a :class:`Problem` naming
    its line and column; the returned series has ``NaT`` there.

    Examples
    --------
    >>> problems = []
    >>> text = pd.Series(["05/03/2026", "", "31/12/2026"], index=[2, 3, 4])
    >>> parse_dates(text, date_format="%d/%m/%Y", label="ratings.csv",
    ...             problems=problems).dt.strftime("%Y-%m-%d").tolist()
    ['2026-03-05', nan, '2026-12-31']
    >>> _ = parse_dates(text, date_format=None, label="ratings.csv", problems=problems)
    >>> print(problems[0])  # doctest: +ELLIPSIS
    ratings.csv, line 2, column 'rated_at': date '05/03/2026' is not in ISO form (YYYY-MM-DD)...
    """
    text = values.astype(str).str.strip()
    given = text != ""
    numbers = pd.to_numeric(text.where(given), errors="coerce")
    if given.any() and numbers[given].notna().all():
        return numbers  # session or order numbers
    fmt = date_format if date_format is not None else "ISO8601"
    dates = pd.to_datetime(text.where(given), format=fmt, errors="coerce")
    bad = given & dates.isna()
    for line, raw in zip(text.index[bad], text[bad], strict=True):
        problems.append(Problem(label, _message(raw, date_format), line=int(line), column=column))
    return dates


def _message(raw: str, date_format: str | None) -> str:
    shown = repr(raw[:40])
    if date_format is not None:
        return (
            f"date {shown} does not match study.toml date_format = {date_format!r}; write "
            "every date of the column in that form (or change date_format)."
        )
    if _SLASHED.match(raw):
        return (
            f"date {shown} is not in ISO form (YYYY-MM-DD); declare its form in study.toml, "
            'e.g. date_format = "%d/%m/%Y" for day/month/year or "%m/%d/%Y" for '
            "month/day/year, or write the dates as YYYY-MM-DD."
        )
    return (
        f"date {shown} cannot be read as a date; write it as YYYY-MM-DD (optionally with "
        'a time, 2026-03-05 14:30), or declare its form in study.toml as date_format = "...".'
    )
