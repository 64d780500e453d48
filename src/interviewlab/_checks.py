"""Argument and column checks shared by the analysis modules (internal)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from interviewlab.errors import InterviewLabError

__all__ = ["as_list", "check_choice", "check_fraction", "require_columns", "require_frame"]


def check_choice(name: str, value: Any, allowed: Iterable[Any]) -> None:
    """Raise if ``value`` is not one of ``allowed``, naming the allowed values.

    Examples
    --------
    >>> check_choice("level", "nominal", ("nominal", "ordinal"))
    >>> check_choice("level", "nomnal", ("nominal", "ordinal"))
    Traceback (most recent call last):
    ...
    interviewlab.errors.InterviewLabError: level='nomnal' is not allowed; use one of 'nominal', ...
    """
    allowed = tuple(allowed)
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise InterviewLabError(f"{name}={value!r} is not allowed; use one of {choices}.")


def sentence_end(text: object) -> str:
    """``text`` to end a sentence with: without a full stop of its own, the sentence adds one.

    For values from data (column names, categories, an error's text) that may end with a
    full stop of their own.

    Examples
    --------
    >>> f"its columns are {sentence_end(', '.join(['id', 'No.']))}."
    'its columns are id, No.'
    """
    return str(text).removesuffix(".")


def check_fraction(name: str, value: float, *, open_interval: bool = True) -> None:
    """Raise unless ``0 < value < 1`` (or ``0 <= value <= 1`` when not open)."""
    ok = 0 < value < 1 if open_interval else 0 <= value <= 1
    if not ok:
        bounds = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        raise InterviewLabError(f"{name}={value!r} must be {bounds}.")


def as_list(columns: str | Sequence[str] | None) -> list[str]:
    """Return column name(s) as a list (``None`` gives an empty list)."""
    if columns is None:
        return []
    if isinstance(columns, str):
        return [columns]
    return list(columns)


def require_frame(data: Any, what: str = "data") -> pd.DataFrame:
    """Raise unless ``data`` is a non-empty :class:`pandas.DataFrame`."""
    if not isinstance(data, pd.DataFrame):
        raise InterviewLabError(
            f"{what} must be a pandas DataFrame in long (tidy) form, got {type(data).__name__}."
        )
    if data.empty:
        raise InterviewLabError(f"{what} is empty: there is nothing to analyse.")
    return data


def require_columns(data: pd.DataFrame, columns: Iterable[str], what: str = "data") -> None:
    """Raise if any of ``columns`` is missing from ``data``, listing what is there."""
    missing = [c for c in columns if c not in data.columns]
    if missing:
        have = ", ".join(map(str, data.columns))
        raise InterviewLabError(
            f"{what} has no column(s) {', '.join(map(repr, missing))}; its columns are: {have}. "
            "Pass the right column names as keyword arguments."
        )
