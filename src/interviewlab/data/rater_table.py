"""The optional raters table and the process columns of candidates, checked like the rest.

``raters.csv`` (sheet ``raters`` of a workbook) has one row per rater: ``rater_id``, the
rater group columns declared in study.toml ``[raters] columns``, and optionally ``role``
(hiring manager, HR, peer, external, ...) and ``trained`` (0/1). Process columns are 0/1
candidate columns declared in ``[process] columns`` (informal visit, pre-interview call,
adjustment requested/granted, ...).
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from interviewlab._checks import sentence_end
from interviewlab.data.problems import Problem
from interviewlab.errors import InterviewLabWarning

#: columns of raters.csv that need no declaration
OPTIONAL_RATER_COLUMNS = ("role", "trained")


def _declared(meta: dict[str, Any], section: str) -> list[str]:
    table = meta.get(section, {})
    if not isinstance(table, dict):
        return []
    value = table.get("columns", [])
    return list(value) if isinstance(value, list) else []


def _check_binary(
    frame: pd.DataFrame,
    column: str,
    label: str,
    problems: list[Problem],
    what: str,
) -> None:
    """One problem per value of ``column`` that is not 0, 1 or empty."""
    bad = ~frame[column].isin(["0", "1", ""])
    for line, value in frame.loc[bad, column].items():
        problems.append(
            Problem(
                label,
                f"{column} must be 0 or 1 ({what}), got {value!r}.",
                line=int(line),  # type: ignore[call-overload]
                column=column,
            )
        )


def _as_binary(values: pd.Series) -> pd.Series:
    """0/1 text (empty for missing) as a nullable Int8 column."""
    return pd.to_numeric(values.where(values != "")).astype("Int8")


def _check_process(
    meta: dict[str, Any], cand: pd.DataFrame, label: str, problems: list[Problem]
) -> None:
    """Declared process columns must exist in candidates.csv and hold 0/1."""
    for column in _declared(meta, "process"):
        if column not in cand.columns:
            problems.append(
                Problem(
                    label,
                    f"has no column {column!r} (named in study.toml [process] columns); "
                    f"its columns are {sentence_end(', '.join(cand.columns))}.",
                )
            )
            continue
        _check_binary(cand, column, label, problems, "1 when the candidate had it")


def _type_process(meta: dict[str, Any], candidates: pd.DataFrame) -> None:
    for column in _declared(meta, "process"):
        candidates[column] = _as_binary(candidates[column])


def _check_raters(
    meta: dict[str, Any],
    raw: pd.DataFrame,
    label: str,
    rat: pd.DataFrame,
    ratings_label: str,
    problems: list[Problem],
) -> None:
    """Columns, identifiers and 0/1 values of raters.csv; rater ids of ratings.csv."""
    declared = _declared(meta, "raters")
    header_line = int(raw.index.min()) - 1 if len(raw) else 1
    for column in ["rater_id", *declared]:
        if column not in raw.columns:
            why = "named in study.toml [raters] columns" if column in declared else "required"
            problems.append(
                Problem(
                    label,
                    f"has no column {column!r} ({why}); its columns are "
                    f"{sentence_end(', '.join(raw.columns))}.",
                )
            )
    allowed = {"rater_id", *declared, *OPTIONAL_RATER_COLUMNS}
    for column in raw.columns:
        if column not in allowed:
            problems.append(
                Problem(
                    label,
                    f"column {column!r} is not declared; add it to study.toml [raters] "
                    "columns if it is a rater group, or remove it (raters.csv may also "
                    "have 'role' and 'trained').",
                    line=header_line,
                    column=column,
                )
            )
    if "rater_id" not in raw.columns:
        return
    ids = raw["rater_id"]
    for line in ids.index[ids == ""]:
        problems.append(
            Problem(
                label,
                "rater_id is empty; every rater needs an identifier.",
                line=int(line),
                column="rater_id",
            )
        )
    dup = ids.duplicated(keep="first") & (ids != "")
    for line, value in ids[dup].items():
        problems.append(
            Problem(
                label,
                f"rater_id {value!r} appears more than once; keep one row per rater.",
                line=int(line),  # type: ignore[call-overload]
                column="rater_id",
            )
        )
    if "trained" in raw.columns:
        _check_binary(raw, "trained", label, problems, "1 when the rater was trained")
    known = set(ids)
    unknown = ~rat["rater_id"].isin(known) & (rat["rater_id"] != "")
    for line, value in rat.loc[unknown, "rater_id"].items():
        problems.append(
            Problem(
                ratings_label,
                f"rater {value!r} is not in {label}; add the rater or correct the id.",
                line=int(line),  # type: ignore[call-overload]
                column="rater_id",
            )
        )


def _type_raters(
    meta: dict[str, Any],
    raw: pd.DataFrame,
    label: str,
    ratings: pd.DataFrame,
    unknown: set[str],
) -> pd.DataFrame:
    """The typed raters table (groups with missing as <NA>, trained as Int8); warnings."""
    raters = raw.copy()
    for column in _declared(meta, "raters"):
        values = raters[column]
        raters[column] = values.where(~values.str.lower().isin(unknown | {""})).astype(object)
    if "role" in raters.columns:
        raters["role"] = raters["role"].where(raters["role"] != "").astype(object)
    if "trained" in raters.columns:
        raters["trained"] = _as_binary(raters["trained"])
    unused = raters.loc[~raters["rater_id"].isin(set(ratings["rater_id"])), "rater_id"]
    if len(unused):
        first = ", ".join(map(repr, unused.head(5)))
        warnings.warn(
            f"{len(unused)} rater(s) in {label} have no ratings (e.g. {first}); they are kept "
            "in the raters table but inform no statistic.",
            InterviewLabWarning,
            stacklevel=4,
        )
    return raters.reset_index(drop=True)
