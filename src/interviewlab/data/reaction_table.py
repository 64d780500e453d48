"""The optional applicant-reactions table, checked like the rest of a study.

``reactions.csv`` (sheet ``reactions`` of a workbook) has one row per candidate and item:
``candidate_id``, ``item`` and ``response``, a level of the Likert scale declared in
study.toml::

    [reactions]
    levels = [1, 2, 3, 4, 5]            # lowest to highest
    problem_item = "technical_problems"  # optional: the item asking about problems
    problem_responses = [4, 5]           # optional: the responses meaning "a problem"

Levels are matched as text, so ``4`` and ``"4"`` are the same response.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from interviewlab.data.problems import Problem

#: the columns of reactions.csv, all required
REACTION_COLUMNS = ("candidate_id", "item", "response")


def _levels(meta: dict[str, Any]) -> list[str] | None:
    """The declared scale as text, or None when it is missing or malformed."""
    declared = meta.get("reactions")
    levels = declared.get("levels") if isinstance(declared, dict) else None
    if not isinstance(levels, list) or len(levels) < 2:
        return None
    text = [str(level).strip() for level in levels]
    return text if len(set(text)) == len(text) else None


def _check_reaction_meta(meta: dict[str, Any], add: Any) -> None:
    """The [reactions] table: a scale of at least two distinct levels, known problem codes."""
    if "reactions" not in meta:
        return
    declared = meta["reactions"]
    if not isinstance(declared, dict):
        return  # reported by the check of study.toml's tables
    levels = _levels(meta)
    if levels is None:
        add(
            "[reactions] levels must list the responses of the reactions' scale from lowest "
            f"to highest, at least two and each once, e.g. levels = [1, 2, 3, 4, 5]; got "
            f"{declared.get('levels')!r}.",
            "reactions.levels",
        )
        return
    problem = declared.get("problem_responses")
    if problem is not None and not isinstance(problem, list):
        add(
            f"[reactions] problem_responses = {problem!r} must be a list of levels, e.g. "
            "problem_responses = [4, 5].",
            "reactions.problem_responses",
        )
    elif problem is not None:
        off = [v for v in problem if str(v).strip() not in levels]
        if off:
            add(
                f"[reactions] problem_responses {off!r} are not levels of the scale {levels}.",
                "reactions.problem_responses",
            )
    item = declared.get("problem_item")
    if item is not None and not isinstance(item, str):
        add(
            f"[reactions] problem_item = {item!r} must be an item name in quotes.",
            "reactions.problem_item",
        )


def _check_reactions(
    meta: dict[str, Any],
    raw: pd.DataFrame,
    label: str,
    cand: pd.DataFrame,
    problems: list[Problem],
) -> None:
    """Columns, declared scale, repeated answers and unknown candidates of reactions.csv.

    ``raw`` is the parsed text table indexed by file line; every problem names its line
    and column.
    """
    header_line = int(raw.index.min()) - 1 if len(raw) else 1
    for column in REACTION_COLUMNS:
        if column not in raw.columns:
            problems.append(
                Problem(
                    label,
                    f"has no column {column!r} (required); its columns are "
                    f"{', '.join(map(repr, raw.columns))}.",
                )
            )
    for column in raw.columns:
        if column not in REACTION_COLUMNS:
            problems.append(
                Problem(
                    label,
                    f"column {column!r} is not a reactions column; keep candidate_id, item "
                    "and response (one row per candidate and item).",
                    line=header_line,
                    column=column,
                )
            )
    if not set(REACTION_COLUMNS) <= set(raw.columns):
        return
    levels = _levels(meta)
    if levels is None:
        if "reactions" not in meta:
            problems.append(
                Problem(
                    label,
                    "is present but study.toml declares no scale for it: add a [reactions] "
                    "table with levels = [...] listing the responses from lowest to highest.",
                )
            )
        return  # a malformed declaration is reported with study.toml
    response = raw["response"].str.strip()
    for line, value in raw.loc[~response.isin(levels), "response"].items():
        problems.append(
            Problem(
                label,
                f"response {value!r} is not on the declared scale {levels} (study.toml "
                "[reactions] levels); recode it or declare the level.",
                line=int(line),  # type: ignore[call-overload]
                column="response",
            )
        )
    for column in ("candidate_id", "item"):
        for line in raw.index[raw[column].str.strip() == ""]:
            problems.append(Problem(label, f"{column} is empty.", line=int(line), column=column))
    key = raw[["candidate_id", "item"]].apply(lambda col: col.str.strip())
    for line, row in key[key.duplicated(keep="first")].iterrows():
        problems.append(
            Problem(
                label,
                f"candidate {row['candidate_id']!r} answered item {row['item']!r} again "
                "(an earlier line has it); keep one response per candidate and item.",
                line=int(line),
                column="item",
            )
        )
    known = set(cand["candidate_id"]) if "candidate_id" in cand.columns else set()
    unknown = ~key["candidate_id"].isin(known) & (key["candidate_id"] != "")
    for line, value in key.loc[unknown, "candidate_id"].items():
        problems.append(
            Problem(
                label,
                f"candidate {value!r} is not in the candidates table; fix the id or add "
                "the candidate.",
                line=int(line),
                column="candidate_id",
            )
        )


def _type_reactions(raw: pd.DataFrame) -> pd.DataFrame:
    """The reactions table: the three columns as text (spaces around values removed)."""
    table = raw[list(REACTION_COLUMNS)].apply(lambda col: col.str.strip()).astype(object)
    return table.reset_index(drop=True)
