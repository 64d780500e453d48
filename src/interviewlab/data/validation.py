"""Validation rules of a study, each problem with its file, line and column.

Usable but questionable data gives a warning instead.
"""

from __future__ import annotations

import csv
import io
import itertools
import warnings
from typing import Any

import numpy as np
import pandas as pd

from interviewlab.data.problems import (
    DEFAULT_FORMATS,
    RATING_COLUMNS,
    RATING_KEY,
    Problem,
    StudyError,
)
from interviewlab.errors import InterviewLabWarning


# ---------------------------------------------------------------------- validation
def _parse_csv(text: str, label: str, problems: list[Problem]) -> pd.DataFrame | None:
    """Parse CSV text into a frame of strings indexed by each record's physical line.

    Blank lines are skipped but counted, and a quoted field spanning lines keeps the
    line where its record starts, so problems point at the line an editor shows.
    """
    if not text.strip():
        problems.append(Problem(label, "is empty; it needs a header row and one row per record."))
        return None
    records: list[list[str]] = []
    starts: list[int] = []
    reader = csv.reader(io.StringIO(text))
    end = 0
    try:
        for record in reader:
            start, end = end + 1, reader.line_num
            if any(field.strip() for field in record):
                records.append([field.strip() for field in record])
                starts.append(start)
    except csv.Error as err:
        problems.append(Problem(label, f"is not a well-formed CSV file ({err}).", line=end + 1))
        return None
    header, rows, lines = records[0], records[1:], starts[1:]
    while (
        header
        and not header[-1]
        and all(len(r) < len(header) or not r[len(header) - 1] for r in rows)
    ):
        header = header[:-1]  # a trailing empty column (a comma after every header)
        rows = [r[: len(header)] if len(r) > len(header) else r for r in rows]
    before = len(problems)
    for position, name in enumerate(header, start=1):
        if not name:
            problems.append(
                Problem(label, f"column {position} of the header has no name.", line=starts[0])
            )
        elif header.index(name) != position - 1:
            problems.append(
                Problem(
                    label,
                    f"the header names column {name!r} twice (columns "
                    f"{header.index(name) + 1} and {position}); keep one.",
                    line=starts[0],
                    column=name,
                )
            )
    for record, line in zip(rows, lines, strict=True):
        if len(record) != len(header):
            problems.append(
                Problem(
                    label,
                    f"has {len(record)} fields but the header has "
                    f"{len(header)}; look for an extra comma or a missing "
                    "value.",
                    line=line,
                )
            )
    if len(problems) > before:
        return None
    if not rows:
        problems.append(Problem(label, "has a header but no rows."))
        return None
    return pd.DataFrame(rows, columns=header, index=pd.Index(lines, name="line"), dtype=str)


def _add_rows(
    problems: list[Problem],
    label: str,
    column: str | None,
    mask: pd.Series,
    message: Any,
) -> None:
    """Add one problem per flagged row.

    The row's line is the mask's index; ``message`` may be a callable of the row's
    position.
    """
    flags = np.asarray(mask, dtype=bool)
    lines = mask.index.to_numpy()
    for position in np.flatnonzero(flags):
        text = message(int(position)) if callable(message) else message
        problems.append(Problem(label, text, line=int(lines[position]), column=column))


def _check_meta(meta: dict[str, Any], problems: list[Problem]) -> None:
    label = "study.toml"
    if not str(meta.get("name", "")).strip():
        problems.append(Problem(label, "has no 'name'; add a line such as name = \"my-study\"."))
    rubric = meta.get("rubric")
    if not isinstance(rubric, dict) or "min" not in rubric or "max" not in rubric:
        problems.append(
            Problem(
                label,
                "needs a [rubric] table with 'min' and 'max' scores, "
                "e.g. [rubric] min = 1, max = 5.",
            )
        )
    else:
        lo, hi = rubric["min"], rubric["max"]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lo, hi)):
            problems.append(Problem(label, "rubric 'min' and 'max' must be numbers."))
        elif lo >= hi:
            problems.append(Problem(label, f"rubric min ({lo}) must be below max ({hi})."))
    groups = meta.get("groups", {})
    if isinstance(groups, dict) and isinstance(groups.get("reference", {}), dict):
        declared = groups.get("columns", [])
        for col in groups.get("reference", {}):
            if col not in declared:
                problems.append(
                    Problem(
                        label,
                        f"[groups.reference] names {col!r}, which is not in [groups] columns "
                        f"{declared}; fix the spelling or add the column.",
                    )
                )
    for section, key in (
        ("groups", "columns"),
        ("stages", "order"),
        ("formats", "labels"),
        ("rubric", "questions"),
    ):
        value = meta.get(section, {}).get(key) if isinstance(meta.get(section), dict) else None
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            problems.append(
                Problem(
                    label, f'[{section}] {key} must be a list of names, e.g. {key} = ["a", "b"].'
                )
            )


def _validate(
    meta: dict[str, Any],
    tables: dict[str, str],
    labels: dict[str, str],
    *,
    source: str,
    files: dict[str, str],
) -> dict[str, Any]:
    problems: list[Problem] = []
    _check_meta(meta, problems)
    if problems:
        raise StudyError(problems, source)
    cand = _parse_csv(tables["candidates"], labels["candidates"], problems)
    rat = _parse_csv(tables["ratings"], labels["ratings"], problems)
    if cand is None or rat is None:
        raise StudyError(problems, source)

    groups_meta = meta.get("groups", {})
    group_cols: list[str] = list(groups_meta.get("columns", []))
    unknown = {str(v).strip().lower() for v in groups_meta.get("unknown", ["unknown"])}
    stages: list[str] = list(meta.get("stages", {}).get("order", []))
    formats: list[str] = list(meta.get("formats", {}).get("labels", DEFAULT_FORMATS))
    questions = meta["rubric"].get("questions")
    lo, hi = float(meta["rubric"]["min"]), float(meta["rubric"]["max"])
    cl, rl = labels["candidates"], labels["ratings"]

    # ---- required columns
    required_cand = ["candidate_id", *group_cols, *stages]
    for col in required_cand:
        if col not in cand.columns:
            why = (
                "named in study.toml [groups] columns"
                if col in group_cols
                else "named in study.toml [stages] order"
                if col in stages
                else "required"
            )
            problems.append(
                Problem(
                    cl, f"has no column {col!r} ({why}); its columns are {', '.join(cand.columns)}."
                )
            )
    format_filled = False
    if "format" not in rat.columns and len(formats) == 1:
        rat = rat.assign(format=formats[0])
        format_filled = True
    for col in RATING_COLUMNS:
        if col not in rat.columns:
            hint = (
                " (add it, or declare a single format in study.toml [formats] labels)"
                if col == "format"
                else ""
            )
            problems.append(
                Problem(
                    rl, f"has no column {col!r}{hint}; its columns are {', '.join(rat.columns)}."
                )
            )
    if problems:
        raise StudyError(problems, source)

    # ---- candidates
    _add_rows(
        problems,
        cl,
        "candidate_id",
        cand["candidate_id"] == "",
        "candidate_id is empty; every candidate needs an identifier.",
    )
    dup = cand["candidate_id"].duplicated(keep="first") & (cand["candidate_id"] != "")
    _add_rows(
        problems,
        cl,
        "candidate_id",
        dup,
        lambda i: f"candidate_id {cand['candidate_id'].iat[i]!r} appears more than once.",
    )
    stage_values: dict[str, pd.Series] = {}
    for stage in stages:
        ok = cand[stage].isin(["0", "1"])
        _add_rows(
            problems,
            cl,
            stage,
            ~ok,
            lambda i, s=stage: (
                f"stage outcome {cand[s].iat[i]!r} is not 0 or 1 (use 0 "
                "for candidates who did not reach or did not pass this stage)."
            ),
        )
        stage_values[stage] = pd.to_numeric(cand[stage].where(ok, "0")).astype("int8")
    for earlier, later in itertools.pairwise(stages):
        bad = (stage_values[later] == 1) & (stage_values[earlier] == 0)
        _add_rows(
            problems,
            cl,
            later,
            bad,
            lambda i, e=earlier, la=later: (
                f"candidate {cand['candidate_id'].iat[i]!r} "
                f"passed {la!r} without passing the earlier stage {e!r}."
            ),
        )
    if "internal" in cand.columns:
        ok = cand["internal"].isin(["0", "1", ""])
        _add_rows(
            problems,
            cl,
            "internal",
            ~ok,
            lambda i: f"internal must be 0 or 1, got {cand['internal'].iat[i]!r}.",
        )

    # ---- ratings
    for col in ("candidate_id", "rater_id", "question_id"):
        _add_rows(
            problems,
            rl,
            col,
            rat[col] == "",
            f"{col} is empty; every rating needs a candidate, a rater and a question.",
        )
    scores = pd.to_numeric(rat["score"], errors="coerce")
    not_number = scores.isna() | ~np.isfinite(scores.to_numpy(dtype=float, na_value=np.nan))
    _add_rows(
        problems,
        rl,
        "score",
        not_number,
        lambda i: f"score {rat['score'].iat[i]!r} is not a number.",
    )
    outside = ~not_number & ((scores < lo) | (scores > hi))
    _add_rows(
        problems,
        rl,
        "score",
        outside,
        lambda i: (
            f"score {rat['score'].iat[i]} is outside the rubric scale "
            f"{lo:g} to {hi:g} (study.toml [rubric])."
        ),
    )
    bad_format = ~rat["format"].isin(formats)
    if not format_filled:
        _add_rows(
            problems,
            rl,
            "format",
            bad_format,
            lambda i: (
                f"format {rat['format'].iat[i]!r} is not one of the declared "
                f"labels {formats} (study.toml [formats] labels)."
            ),
        )
    if questions is not None:
        _add_rows(
            problems,
            rl,
            "question_id",
            ~rat["question_id"].isin(questions),
            lambda i: (
                f"question {rat['question_id'].iat[i]!r} is not in study.toml "
                f"[rubric] questions {questions}."
            ),
        )
    dup = rat.duplicated(list(RATING_KEY), keep="first")
    _add_rows(
        problems,
        rl,
        None,
        dup,
        lambda i: (
            "duplicate rating: candidate {!r}, rater {!r}, question {!r}, format "
            "{!r} already rated on an earlier line; keep one rating per key.".format(
                *(rat[c].iat[i] for c in RATING_KEY)
            )
        ),
    )
    known = set(cand["candidate_id"])
    _add_rows(
        problems,
        rl,
        "candidate_id",
        ~rat["candidate_id"].isin(known) & (rat["candidate_id"] != ""),
        lambda i: (
            f"candidate {rat['candidate_id'].iat[i]!r} is not in "
            f"{cl}; add the candidate or remove the rating."
        ),
    )
    if problems:
        raise StudyError(problems, source)

    # ---- typed tables
    candidates = cand.copy()
    for col in group_cols:
        values = candidates[col]
        candidates[col] = values.where(~values.str.lower().isin(unknown | {""})).astype(object)
    for stage in stages:
        candidates[stage] = stage_values[stage]
    if "internal" in candidates.columns:
        internal = candidates["internal"].where(candidates["internal"] != "")
        candidates["internal"] = pd.to_numeric(internal).astype("Int8")
    ratings = rat.copy()
    ratings["score"] = scores.astype(float)
    candidates = candidates.reset_index(drop=True)
    ratings = ratings.reset_index(drop=True)

    # ---- warnings for usable data
    reference = groups_meta.get("reference", {})
    for col, ref in reference.items():
        if col in group_cols and ref not in set(candidates[col].dropna()):
            warnings.warn(
                f"study.toml names {ref!r} as the reference group of {col!r}, but no "
                f"candidate in {cl} has it.",
                InterviewLabWarning,
                stacklevel=3,
            )
    rated = set(ratings["candidate_id"])
    expected = pd.Series(True, index=candidates.index)
    if stages:
        expected = candidates[stages[0]] == 1
    unrated = candidates.loc[expected & ~candidates["candidate_id"].isin(rated), "candidate_id"]
    if len(unrated):
        first = ", ".join(map(repr, unrated.head(5)))
        warnings.warn(
            f"{len(unrated)} candidate(s) in {cl} have no ratings (e.g. {first}); they are kept "
            "and count in selection statistics but not in rating statistics.",
            InterviewLabWarning,
            stacklevel=3,
        )
    return {"meta": meta, "candidates": candidates, "ratings": ratings, "files": dict(files)}
