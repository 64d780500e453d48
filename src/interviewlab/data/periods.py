"""Hiring rounds: the optional period column of candidates, checked at loading.

A study that runs over several rounds (quarters, intakes, campaigns) declares the
candidates' period column in study.toml::

    [periods]
    column = "round"                     # a column of candidates.csv
    order = ["spring", "summer", "autumn"]   # optional: the periods in time order
    change_after = "summer"              # optional: the last period before a change
    change = "structured interview training"  # optional: what changed

Without ``order``, the periods must have a natural order: whole numbers (``1``, ``2``,
...) or ISO-like dates and labels (``2026``, ``2026-03``, ``2026-03-31``, ``2026-Q1``,
``2026-H2``), which sort as written. Every candidate needs a period. Loading types the
column as an ordered categorical in the periods' order.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

import pandas as pd

from interviewlab.data.problems import Problem

#: labels whose text order is their time order: years, months, dates, quarters, halves
_ISO_LIKE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?|-Q[1-4]|-H[12])?$")
_NUMBER = re.compile(r"^-?\d+$")
_KEYS = ("column", "order", "change_after", "change")


def _declared_periods(meta: dict[str, Any]) -> dict[str, Any] | None:
    part = meta.get("periods")
    return part if isinstance(part, dict) else None


def period_column(meta: dict[str, Any]) -> str | None:
    """The candidates' period column declared in ``[periods] column`` (None: none)."""
    part = _declared_periods(meta)
    column = part.get("column") if part is not None else None
    return column if isinstance(column, str) and column.strip() else None


def _declared_order(meta: dict[str, Any]) -> list[str] | None:
    """``[periods] order`` as text (None when absent or malformed)."""
    part = _declared_periods(meta)
    order = part.get("order") if part is not None else None
    if not isinstance(order, list) or not all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in order
    ):
        return None
    return [str(v).strip() for v in order]


def _check_period_meta(meta: dict[str, Any], add: Callable[[str, str], None]) -> None:
    """The [periods] table: a column name, an order of distinct labels, known keys."""
    if "periods" not in meta:
        return
    part = meta["periods"]
    if not isinstance(part, dict):
        return  # reported by the check of study.toml's tables
    for key in part:
        if key not in _KEYS:
            add(
                f"[periods] has an unknown key {key!r}; the keys are {list(_KEYS)}.",
                f"periods.{key}",
            )
    column = period_column(meta)
    if column is None:
        add(
            '[periods] needs column = "..." naming the column of candidates.csv that holds '
            'each candidate\'s period (e.g. column = "round").',
            "periods.column",
        )
    elif column in _taken(meta):
        add(
            f"[periods] column = {column!r} is {_taken(meta)[column]}; the period must be a "
            "column of its own.",
            "periods.column",
        )
    order = part.get("order")
    if order is not None:
        text = _declared_order(meta)
        if text is None or not text:
            add(
                f"[periods] order = {order!r} must list the periods in time order, e.g. "
                'order = ["spring", "summer", "autumn"].',
                "periods.order",
            )
        else:
            twice = sorted({v for v in text if text.count(v) > 1})
            if twice:
                add(
                    f"[periods] order lists {twice} more than once; list each period once.",
                    "periods.order",
                )
            _check_natural_order(text, add)
    for key in ("change_after", "change"):
        value = part.get(key)
        if value is not None and not (isinstance(value, str | int) and not isinstance(value, bool)):
            add(f"[periods] {key} = {value!r} must be a text in quotes.", f"periods.{key}")


def _taken(meta: dict[str, Any]) -> dict[str, str]:
    """Candidate columns that have another role, with that role."""
    taken = {"candidate_id": "the candidate id column"}
    for section, key, role in (
        ("groups", "columns", "a group column"),
        ("stages", "order", "a stage"),
        ("process", "columns", "a process column"),
    ):
        part = meta.get(section)
        names = part.get(key, []) if isinstance(part, dict) else []
        for name in names if isinstance(names, list) else []:
            taken.setdefault(str(name), role)
    return taken


def _natural_order(labels: list[str]) -> list[str] | None:
    """The labels in their natural order (numbers, ISO-like labels), else None."""
    if labels and all(_NUMBER.match(v) for v in labels):
        return sorted(labels, key=int)
    if labels and all(_ISO_LIKE.match(v) for v in labels):
        return sorted(labels)
    return None


def _check_natural_order(order: list[str], add: Callable[[str, str], None]) -> None:
    """A declared order of numbers or dates must not put a later period first."""
    natural = _natural_order(list(dict.fromkeys(order)))
    if natural is None:
        return
    for earlier, later in itertools.pairwise(order):
        if natural.index(later) < natural.index(earlier):
            add(
                f"[periods] order puts {earlier!r} before {later!r}, which reads as an earlier "
                "period; list the periods from first to last.",
                "periods.order",
            )
            return


def _check_periods(
    meta: dict[str, Any],
    cand: pd.DataFrame,
    label: str,
    problems: list[Problem],
    meta_label: str = "study.toml",
) -> None:
    """The period column exists, every candidate has a period, and the periods are ordered."""
    column = period_column(meta)
    if column is None:
        return
    if column not in cand.columns:
        problems.append(
            Problem(
                label,
                f"has no column {column!r} (named in study.toml [periods] column); its "
                f"columns are {', '.join(map(repr, cand.columns))}.",
            )
        )
        return
    values = cand[column].astype(str)
    empty = values == ""
    for line in values.index[empty]:
        problems.append(
            Problem(
                label,
                "period is empty; every candidate needs the period (round) they applied in.",
                line=int(line),
                column=column,
            )
        )
    order = _declared_order(meta)
    if order is not None:
        outside = ~empty & ~values.isin(order)
        for line, value in values[outside].items():
            problems.append(
                Problem(
                    label,
                    f"period {value!r} is not in study.toml [periods] order {order}; add it "
                    "in its place or correct the label.",
                    line=int(line),  # type: ignore[call-overload]
                    column=column,
                )
            )
    else:
        seen = list(pd.unique(values[~empty]))
        if seen and _natural_order(seen) is None:
            shown = ", ".join(map(repr, seen[:6])) + (", ..." if len(seen) > 6 else "")
            problems.append(
                Problem(
                    label,
                    f"the periods {shown} have no natural order; declare it in study.toml as "
                    f"[periods] order = [...] from first to last (numbers such as 1, 2, 3 and "
                    "dates such as 2026-03 or 2026-Q1 need no declaration).",
                    column=column,
                )
            )
    _check_change(meta, values[~empty], order, problems, meta_label)


def _check_change(
    meta: dict[str, Any],
    values: pd.Series,
    order: list[str] | None,
    problems: list[Problem],
    meta_label: str,
) -> None:
    """``change_after`` names a period that has a period after it."""
    part = _declared_periods(meta) or {}
    change = part.get("change_after")
    if change is None or isinstance(change, bool):
        return
    periods = order if order is not None else (_natural_order(list(pd.unique(values))) or [])
    text = str(change).strip()
    if text not in periods:
        problems.append(
            Problem(
                meta_label,
                f"[periods] change_after = {change!r} is not one of the periods {periods}.",
            )
        )
    elif text == periods[-1]:
        problems.append(
            Problem(
                meta_label,
                f"[periods] change_after = {change!r} is the last period, so no period comes "
                "after the change; name the last period before it.",
            )
        )


def _type_periods(meta: dict[str, Any], candidates: pd.DataFrame) -> None:
    """The period column as an ordered categorical, in the declared or natural order."""
    column = period_column(meta)
    if column is None:
        return
    values = candidates[column].astype(str)
    order = _declared_order(meta) or _natural_order(list(pd.unique(values))) or []
    candidates[column] = pd.Categorical(values, categories=order, ordered=True)
