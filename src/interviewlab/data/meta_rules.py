"""The rules of a study's metadata (``study.toml``), each problem with its key's line.

Used by :mod:`interviewlab.data.validation`, which checks the tables too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from interviewlab.data.periods import _check_period_meta
from interviewlab.data.problems import Problem
from interviewlab.data.reaction_table import _check_reaction_meta

#: sections of study.toml that must be tables
_TABLES = ("rubric", "groups", "stages", "formats", "raters", "process", "reactions", "periods")
_LISTS = (
    ("groups", "columns"),
    ("groups", "unknown"),
    ("stages", "order"),
    ("formats", "labels"),
    ("rubric", "questions"),
    ("raters", "columns"),
    ("process", "columns"),
)


#: adds one problem of study.toml: (message, dotted key whose line it names)
_Add = Callable[[str, str], None]


def _check_meta(
    meta: dict[str, Any],
    problems: list[Problem],
    *,
    label: str = "study.toml",
    lines: Mapping[str, int] | None = None,
) -> None:
    """Check the study's metadata; each problem names the line of its key when known.

    The checks run in a fixed order (name, reactions, periods, date format, tables,
    rubric, lists of names, groups), so problems are listed in that order.
    """
    found = lines or {}

    def add(message: str, key: str) -> None:
        line = found.get(key)
        if line is None:  # the table's line, when the key itself is not written
            line = found.get(key.split(".")[0])
        problems.append(Problem(label, message, line=line))

    if not str(meta.get("name", "")).strip():
        add("has no 'name'; add a line such as name = \"my-study\".", "name")
    _check_reaction_meta(meta, add)
    _check_period_meta(meta, add)
    _check_date_format(meta, add)
    _check_tables_are_tables(meta, add)
    _check_rubric_meta(meta, add)
    _check_name_lists(meta, add)
    groups = meta.get("groups")
    if isinstance(groups, dict):
        declared = groups.get("columns", [])
        declared = declared if isinstance(declared, list) else []
        _check_group_reference(groups.get("reference", {}), declared, add)
        _check_group_columns(meta, declared, add)


def _check_date_format(meta: dict[str, Any], add: _Add) -> None:
    """``date_format``, when given, is a text of strftime codes."""
    date_format = meta.get("date_format")
    if date_format is not None and not (isinstance(date_format, str) and "%" in date_format):
        add(
            f"date_format = {date_format!r} must be a text in strftime codes, e.g. "
            'date_format = "%d/%m/%Y" for dates such as 31/12/2026.',
            "date_format",
        )


def _check_tables_are_tables(meta: dict[str, Any], add: _Add) -> None:
    """Each known section ([rubric], [groups], ...) present is a table, not a value."""
    for table in _TABLES:
        if table in meta and not isinstance(meta[table], dict):
            add(
                f"{table!r} must be a table, e.g. [{table}] followed by its keys (such as "
                f'columns = ["sex"]), not the value {meta[table]!r}.',
                table,
            )


def _check_rubric_meta(meta: dict[str, Any], add: _Add) -> None:
    """[rubric] has finite numbers ``min`` below ``max``."""
    rubric = meta.get("rubric")
    if not isinstance(rubric, dict) or "min" not in rubric or "max" not in rubric:
        add(
            "needs a [rubric] table with 'min' and 'max' scores, e.g. [rubric] min = 1, max = 5.",
            "rubric",
        )
        return
    low, high = rubric["min"], rubric["max"]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)):
        add("rubric 'min' and 'max' must be numbers.", "rubric.min")
    elif not all(math.isfinite(v) for v in (low, high)):
        bad = "min" if not math.isfinite(low) else "max"
        add(
            f"rubric {bad} = {rubric[bad]} is not a finite number; give the lowest and "
            "highest score of the rubric, e.g. min = 1, max = 5.",
            f"rubric.{bad}",
        )
    elif low >= high:
        add(f"rubric min ({low}) must be below max ({high}).", "rubric.min")


def _check_name_lists(meta: dict[str, Any], add: _Add) -> None:
    """Every list of names (group columns, stage order, format labels, ...) is a list of texts."""
    for section, key in _LISTS:
        part = meta.get(section)
        value = part.get(key) if isinstance(part, dict) else None
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            add(
                f'[{section}] {key} must be a list of names, e.g. {key} = ["a", "b"], not '
                f"{value!r}.",
                f"{section}.{key}",
            )


def _check_group_reference(reference: Any, declared: list[Any], add: _Add) -> None:
    """[groups.reference] is a table of declared group columns -> a group label."""
    if not isinstance(reference, dict):
        add(
            f"[groups] reference = {reference!r} must name the group column it belongs to: "
            f'write [groups.reference] and below it a line such as ethnicity = "{reference}".',
            "groups.reference",
        )
        return
    for col, value in reference.items():
        if col not in declared:
            add(
                f"[groups.reference] names {col!r}, which is not in [groups] columns "
                f"{declared}; fix the spelling or add the column.",
                f"groups.reference.{col}",
            )
        if not isinstance(value, str):
            add(
                f"[groups.reference] {col} = {value!r} must be a group label in quotes.",
                f"groups.reference.{col}",
            )


def _check_group_columns(meta: dict[str, Any], declared: list[Any], add: _Add) -> None:
    """[groups] columns are each listed once and are not the id, ``internal`` or a stage."""
    stages = meta.get("stages", {}).get("order", []) if isinstance(meta.get("stages"), dict) else []
    reserved = {"candidate_id": "the candidate id column", "internal": "a 0/1 process column"}
    reserved.update({str(stage): "a stage in [stages] order" for stage in stages or []})
    for col in declared:
        if col in reserved:
            add(
                f"[groups] columns names {col!r}, which is {reserved[col]}; a group column "
                "must be a separate column of candidates.csv (e.g. sex or ethnicity).",
                "groups.columns",
            )
    if len(set(declared)) != len(declared):
        add("[groups] columns names a column twice; list each once.", "groups.columns")


def _toml_key_lines(text: str) -> dict[str, int]:
    """Line of each key of a TOML text, by its dotted path ('groups.reference.ethnicity').

    Tables count as keys too ('groups'). A plain scan, enough to point at a key's line.
    """
    lines: dict[str, int] = {}
    table = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.fullmatch(r"\[\s*([A-Za-z0-9_.\- ]+?)\s*\]\s*(#.*)?", line)
        if header:
            table = header.group(1).replace(" ", "")
            lines.setdefault(table, number)
            continue
        key = re.match(r"([A-Za-z0-9_.\-\"' ]+?)\s*=", line)
        if key and not line.startswith("#"):
            name = key.group(1).replace('"', "").replace("'", "").replace(" ", "")
            lines.setdefault(f"{table}.{name}" if table else name, number)
    return lines
