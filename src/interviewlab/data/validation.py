"""Validation rules of a study, each problem with its file, line and column.

Usable but questionable data gives a warning instead.
"""

from __future__ import annotations

import itertools
import math
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from interviewlab.data.automated_table import _check_rater_type, _split_automated
from interviewlab.data.confusables import _warn_confusable_labels
from interviewlab.data.csv_text import _as_text, _parse_csv
from interviewlab.data.dates import parse_dates
from interviewlab.data.periods import _check_period_meta, _check_periods, _type_periods
from interviewlab.data.problems import (
    DEFAULT_FORMATS,
    RATING_COLUMNS,
    RATING_KEY,
    Problem,
    StudyError,
    _did_you_mean,
    _warn_case_variants,
)
from interviewlab.data.rater_table import (
    _check_process,
    _check_raters,
    _type_process,
    _type_raters,
)
from interviewlab.data.reaction_table import (
    _check_reaction_meta,
    _check_reactions,
    _type_reactions,
)
from interviewlab.errors import InterviewLabWarning


@dataclass(frozen=True)
class ValidatedStudy:
    """A study's checked and typed parts: what :class:`~interviewlab.data.Study` holds.

    The attributes are those of ``Study`` (see its docstring for each table's columns).
    """

    meta: dict[str, Any]
    candidates: pd.DataFrame
    ratings: pd.DataFrame
    files: dict[str, str]
    raters: pd.DataFrame | None
    reactions: pd.DataFrame | None
    automated_scores: pd.DataFrame | None


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


def _check_recordings(
    tables: dict[str, pd.DataFrame], folder: Path | None, problems: list[Problem]
) -> bool:
    """Check the ``recording`` column: a file inside ``recordings/`` that exists.

    Empty cells mean no recording. Without a folder (a study built from frames) only the
    form of the name is checked. Returns whether any recording is named.
    """
    named = False
    for label, table in tables.items():
        if "recording" not in table.columns:
            continue
        values = table["recording"].astype(str)
        given = values != ""
        named = named or bool(given.any())
        pure = values.map(lambda v: PurePosixPath(v.replace("\\", "/")))
        escapes = given & pure.map(lambda p: p.is_absolute() or ".." in p.parts or ":" in str(p))
        _add_rows(
            problems,
            label,
            "recording",
            escapes,
            lambda i, v=values: (
                f"recording {v.iat[i][:80]!r} must name a file inside the study's recordings/ "
                "folder (a relative path without '..'); move the file there."
            ),
        )
        if folder is None:
            continue
        missing = given & ~escapes & ~values.map(lambda v: (folder / v).is_file())
        _add_rows(
            problems,
            label,
            "recording",
            missing,
            lambda i, v=values: (
                f"recording {v.iat[i][:80]!r} is not in {folder}; add the file to the "
                "study's recordings/ folder or empty the cell."
            ),
        )
    return named


@dataclass(frozen=True)
class _Declared:
    """What ``study.toml`` declares, read defensively.

    A malformed entry (already reported by :func:`_check_meta`) counts as not declared,
    so that the files can still be checked.
    """

    groups: list[str]
    unknown: set[str]
    stages: list[str]
    formats: list[str]
    questions: list[str] | None
    scale: tuple[float, float] | None
    date_format: str | None

    @classmethod
    def read(cls, meta: Mapping[str, Any]) -> _Declared:
        def names(section: str, key: str, default: Any) -> Any:
            part = meta.get(section)
            value = part.get(key, default) if isinstance(part, dict) else default
            if value is default:
                return value
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
            return list(value) if ok else default

        rubric = meta.get("rubric")
        scale = None
        if isinstance(rubric, dict):
            lo, hi = rubric.get("min"), rubric.get("max")
            numbers = all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                for v in (lo, hi)
            )
            if numbers and lo < hi:  # type: ignore[operator]
                scale = (float(lo), float(hi))  # type: ignore[arg-type]
        fmt = meta.get("date_format")
        return cls(
            groups=names("groups", "columns", []),
            unknown={v.strip().lower() for v in names("groups", "unknown", ["unknown"])},
            stages=names("stages", "order", []),
            formats=names("formats", "labels", list(DEFAULT_FORMATS)),
            questions=names("rubric", "questions", None),
            scale=scale,
            date_format=fmt if isinstance(fmt, str) and fmt.strip() else None,
        )


def _validate(
    meta: dict[str, Any] | None,
    tables: dict[str, str],
    labels: dict[str, str],
    *,
    source: str,
    files: dict[str, str],
    meta_label: str = "study.toml",
    meta_lines: Mapping[str, int] | None = None,
    recordings: Path | None = None,
    problems: list[Problem] | None = None,
) -> ValidatedStudy:
    """Check a study's metadata and tables; return the typed tables, or raise every problem.

    Every check that can run does, so one round lists every problem of every kind: a
    malformed ``study.toml`` still lets the files be parsed and checked, and a missing
    column skips only the checks that need it. ``meta`` is None when ``study.toml``
    could not be read (its problem is in ``problems``, found by the caller).
    """
    problems = list(problems or [])
    if meta is not None:
        _check_meta(meta, problems, label=meta_label, lines=meta_lines)
    usable = meta if meta is not None else {}
    declared = _Declared.read(usable)
    # the texts are dropped once parsed (the caller's dict is this module's own)
    parsed: dict[str, pd.DataFrame | None] = {
        name: _parse_csv(tables.pop(name), labels.get(name, f"{name}.csv"), problems)
        for name in ("candidates", "ratings", "raters", "reactions")
        if name in tables
    }
    checked = _check_tables(
        usable,
        parsed,
        labels,
        declared,
        declared_ok=meta is not None,
        recordings=recordings,
        problems=problems,
        meta_label=meta_label,
    )
    cand, rat, scores = checked.candidates, checked.ratings, checked.scores
    if problems or cand is None or rat is None or scores is None or meta is None:
        raise StudyError(problems, source)  # (a missing study.toml is among the problems)
    named = any(
        "recording" in t.columns and bool((t["recording"].astype(str) != "").any())
        for t in (cand, rat)
    )
    if named and recordings is not None:
        files = {**files, "recordings/": str(recordings)}
    candidates, ratings, automated = _typed_tables(
        meta, cand, rat, scores, checked, labels, declared
    )
    raw_raters, raw_reactions = parsed.get("raters"), parsed.get("reactions")
    raters = (
        None
        if raw_raters is None
        else _type_raters(
            meta, raw_raters, labels.get("raters", "raters.csv"), ratings, declared.unknown
        )
    )
    return ValidatedStudy(
        meta=meta,
        candidates=candidates,
        ratings=ratings,
        files=dict(files),
        raters=raters,
        reactions=None if raw_reactions is None else _type_reactions(raw_reactions),
        automated_scores=automated,
    )


@dataclass(frozen=True)
class _CheckedTables:
    """The parsed tables once checked, with the values the checks converted.

    ``scores`` and ``dates`` are the ratings' scores as numbers and parsed ``rated_at``
    (None when absent); ``stage_values`` the candidates' stage columns as 0/1.
    """

    candidates: pd.DataFrame | None
    ratings: pd.DataFrame | None
    scores: pd.Series | None
    dates: pd.Series | None
    stage_values: dict[str, pd.Series]


def _check_tables(
    meta: dict[str, Any],
    parsed: dict[str, pd.DataFrame | None],
    labels: dict[str, str],
    declared: _Declared,
    *,
    declared_ok: bool,
    recordings: Path | None,
    problems: list[Problem],
    meta_label: str,
) -> _CheckedTables:
    """Check the candidates, the ratings, then the tables against each other.

    ``declared_ok`` is False when study.toml could not be read: then only the checks
    that need no declaration run (``declared`` is then read from an empty study.toml).
    """
    trusted = declared if declared_ok else None
    cand, rat = parsed.get("candidates"), parsed.get("ratings")
    cand_label = labels.get("candidates", "candidates.csv")
    rating_label = labels.get("ratings", "ratings.csv")
    stage_values: dict[str, pd.Series] = {}
    if cand is not None:
        _check_candidate_columns(cand, trusted, cand_label, problems)
        stage_values = _check_candidates(meta, cand, declared, cand_label, problems)
        if declared_ok:
            _check_periods(meta, cand, cand_label, problems, meta_label)
    scores = dates = None
    if rat is not None:
        rat, format_filled = _fill_single_format(rat, declared)
        _check_rating_columns(rat, format_filled, rating_label, problems)
        scores, dates = _check_ratings(rat, trusted, rating_label, problems)
    if cand is not None and rat is not None:
        _check_across(meta, parsed, labels, cand, rat, recordings, problems)
    return _CheckedTables(cand, rat, scores, dates, stage_values)


def _typed_tables(
    meta: dict[str, Any],
    cand: pd.DataFrame,
    rat: pd.DataFrame,
    scores: pd.Series,
    checked: _CheckedTables,
    labels: dict[str, str],
    declared: _Declared,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """The checked candidates, human ratings and machine scores, typed; warns of oddities.

    Ids become text, scores numbers, stages 0/1, ``rated_at`` dates; rows of
    ``rater_type`` automated move to the machine scores (None when there are none).
    """
    cand_label = labels.get("candidates", "candidates.csv")
    candidates = _typed_candidates(meta, cand, declared, checked.stage_values)
    ratings = _as_text(rat)
    ratings["score"] = scores.astype(float)
    if checked.dates is not None:
        ratings["rated_at"] = checked.dates
    candidates = candidates.reset_index(drop=True)
    ratings = ratings.reset_index(drop=True)
    candidates = _with_format_order(candidates, ratings, declared, cand_label)
    ratings, automated = _split_automated(ratings)
    rating_label = labels.get("ratings", "ratings.csv")
    _warn_usable(meta, candidates, ratings, declared, cand_label, rating_label)
    return candidates, ratings, automated


def _check_candidate_columns(
    cand: pd.DataFrame, declared: _Declared | None, label: str, problems: list[Problem]
) -> None:
    """The candidate columns the study declares (None: study.toml unread, only the id)."""
    groups = declared.groups if declared else []
    stages = declared.stages if declared else []
    for col in ["candidate_id", *groups, *stages]:
        if col in cand.columns:
            continue
        why = (
            "named in study.toml [groups] columns"
            if col in groups
            else "named in study.toml [stages] order"
            if col in stages
            else "required"
        )
        problems.append(
            Problem(
                label,
                f"has no column {col!r} ({why}){_did_you_mean(col, cand.columns)}; its "
                f"columns are {', '.join(map(repr, cand.columns))}.",
            )
        )


def _fill_single_format(rat: pd.DataFrame, declared: _Declared) -> tuple[pd.DataFrame, bool]:
    """A ratings table without ``format`` in a study of one declared format gets that one."""
    if "format" not in rat.columns and len(declared.formats) == 1:
        return rat.assign(format=declared.formats[0]), True
    return rat, False


def _check_rating_columns(
    rat: pd.DataFrame, format_filled: bool, label: str, problems: list[Problem]
) -> None:
    for col in RATING_COLUMNS:
        if col in rat.columns:
            continue
        hint = (
            " (add it, or declare a single format in study.toml [formats] labels)"
            if col == "format"
            else ""
        )
        problems.append(
            Problem(
                label,
                f"has no column {col!r}{_did_you_mean(col, rat.columns)}{hint}; its "
                f"columns are {', '.join(map(repr, rat.columns))}.",
            )
        )


def _check_one_line(
    table: pd.DataFrame, columns: list[str], label: str, problems: list[Problem]
) -> None:
    """Identifiers and labels on one line (a quote left open swallows line breaks)."""
    for col in [c for c in dict.fromkeys(columns) if c in table.columns]:
        values = table[col]
        if isinstance(values.dtype, pd.CategoricalDtype):  # no quotes: no line breaks
            continue
        broken = values.str.contains("[\r\n]", regex=True)
        _add_rows(
            problems,
            label,
            col,
            broken,
            lambda i, t=table, c=col: (
                f"{c} {t[c].iat[i][:40]!r} contains a line break; identifiers and labels "
                "must fit on one line (look for a quote that is opened and not closed)."
            ),
        )


def _check_candidates(
    meta: dict[str, Any],
    cand: pd.DataFrame,
    declared: _Declared,
    label: str,
    problems: list[Problem],
) -> dict[str, pd.Series]:
    """Identifiers, stage outcomes and 0/1 columns of the candidates; the stages as 0/1."""
    _check_one_line(cand, ["candidate_id", *declared.groups, "requisition_id"], label, problems)
    if "candidate_id" in cand.columns:
        ids = cand["candidate_id"]
        _add_rows(
            problems,
            label,
            "candidate_id",
            ids == "",
            "candidate_id is empty; every candidate needs an identifier.",
        )
        _add_rows(
            problems,
            label,
            "candidate_id",
            ids.duplicated(keep="first") & (ids != ""),
            lambda i: f"candidate_id {ids.iat[i]!r} appears more than once.",
        )
    stage_values: dict[str, pd.Series] = {}
    stages = [s for s in declared.stages if s in cand.columns]
    for stage in stages:
        ok = cand[stage].isin(["0", "1"])
        _add_rows(
            problems,
            label,
            stage,
            ~ok,
            lambda i, s=stage: (
                f"stage outcome {cand[s].iat[i]!r} is not 0 or 1 (use 0 "
                "for candidates who did not reach or did not pass this stage)."
            ),
        )
        stage_values[stage] = pd.to_numeric(cand[stage].where(ok, "0")).astype("int8")
    who = cand["candidate_id"] if "candidate_id" in cand.columns else pd.Series("", cand.index)
    for earlier, later in itertools.pairwise(stages):
        bad = (stage_values[later] == 1) & (stage_values[earlier] == 0)
        _add_rows(
            problems,
            label,
            later,
            bad,
            lambda i, e=earlier, la=later: (
                f"candidate {who.iat[i]!r} passed {la!r} without passing the earlier stage {e!r}."
            ),
        )
    if "internal" in cand.columns:
        ok = cand["internal"].isin(["0", "1", ""])
        _add_rows(
            problems,
            label,
            "internal",
            ~ok,
            lambda i: f"internal must be 0 or 1, got {cand['internal'].iat[i]!r}.",
        )
    if "format_order" in cand.columns:
        _check_format_order(cand, declared, label, problems)
    _check_process(meta, cand, label, problems)
    return stage_values


def _format_order_values(formats: list[str]) -> list[str]:
    """The values a ``format_order`` cell may hold: '<format> only' or '<format> first'."""
    return [f"{f} {how}" for f in formats for how in ("only", "first")]


def _check_format_order(
    cand: pd.DataFrame, declared: _Declared, label: str, problems: list[Problem]
) -> None:
    allowed = _format_order_values(declared.formats)
    values = cand["format_order"]
    _add_rows(
        problems,
        label,
        "format_order",
        ~values.isin([*allowed, ""]),
        lambda i: (
            f"format_order {values.iat[i]!r} is not one of {allowed} (the format a candidate "
            "took, or took first); leave the column out to have it derived from the ratings."
        ),
    )


def _check_ratings(
    rat: pd.DataFrame, declared: _Declared | None, label: str, problems: list[Problem]
) -> tuple[pd.Series | None, pd.Series | None]:
    """Identifiers, scores, formats, questions, dates and duplicates of the ratings.

    Returns the scores as numbers and the parsed ``rated_at`` (None when absent); the
    scores are None when the ratings have no score column. ``declared`` is None when
    study.toml could not be read: only the checks that need no declaration run.
    """
    _check_one_line(
        rat, ["candidate_id", "rater_id", "question_id", "format", "panel_id"], label, problems
    )
    for col in ("candidate_id", "rater_id", "question_id"):
        if col in rat.columns:
            _add_rows(
                problems,
                label,
                col,
                rat[col] == "",
                f"{col} is empty; every rating needs a candidate, a rater and a question.",
            )
    automated = _check_rater_type(rat, label, problems)
    scores = None
    if "score" in rat.columns:
        scores = pd.to_numeric(rat["score"], errors="coerce")
        not_number = scores.isna() | ~np.isfinite(scores.to_numpy(dtype=float, na_value=np.nan))
        _add_rows(
            problems,
            label,
            "score",
            not_number,
            lambda i: f"score {rat['score'].iat[i]!r} is not a number.",
        )
        if declared is not None and declared.scale is not None:
            lo, hi = declared.scale
            outside = ~not_number & ((scores < lo) | (scores > hi))
            _add_rows(
                problems,
                label,
                "score",
                outside & ~automated,
                lambda i: (
                    f"score {rat['score'].iat[i]} is outside the rubric scale "
                    f"{lo:g} to {hi:g} (study.toml [rubric])."
                ),
            )
            _add_rows(
                problems,
                label,
                "score",
                outside & automated,
                lambda i: (
                    f"automated score {scores.iat[i]:g} is outside the rubric scale "
                    f"{lo:g} to {hi:g} (study.toml [rubric]); put the machine's scores on "
                    f"the rubric's scale before loading (e.g. a 0-100 score s as "
                    f"{lo:g} + {hi - lo:g} * s / 100)."
                ),
            )
    if declared is not None and "format" in rat.columns:
        formats = declared.formats
        _add_rows(
            problems,
            label,
            "format",
            ~rat["format"].isin(formats),
            lambda i: (
                f"format {rat['format'].iat[i]!r} is not one of the declared "
                f"labels {formats} (study.toml [formats] labels)."
            ),
        )
    if declared is not None and declared.questions is not None and "question_id" in rat:
        questions = declared.questions
        _add_rows(
            problems,
            label,
            "question_id",
            ~rat["question_id"].isin(questions),
            lambda i: (
                f"question {rat['question_id'].iat[i]!r} is not in study.toml "
                f"[rubric] questions {questions}."
            ),
        )
    if all(c in rat.columns for c in RATING_KEY):
        _add_rows(
            problems,
            label,
            None,
            rat.duplicated(list(RATING_KEY), keep="first"),
            lambda i: (
                "duplicate rating: candidate {!r}, rater {!r}, question {!r}, format "
                "{!r} already rated on an earlier line; keep one rating per key.".format(
                    *(rat[c].iat[i] for c in RATING_KEY)
                )
            ),
        )
    dates = None
    if "rated_at" in rat.columns:
        fmt = declared.date_format if declared is not None else None
        dates = parse_dates(rat["rated_at"], date_format=fmt, label=label, problems=problems)
    return scores, dates


def _check_across(
    meta: dict[str, Any],
    parsed: Mapping[str, pd.DataFrame | None],
    labels: Mapping[str, str],
    cand: pd.DataFrame,
    rat: pd.DataFrame,
    recordings: Path | None,
    problems: list[Problem],
) -> None:
    """Checks between tables: rated candidates exist, raters, reactions, recordings."""
    cl, rl = labels.get("candidates", "candidates.csv"), labels.get("ratings", "ratings.csv")
    if "candidate_id" in rat.columns and "candidate_id" in cand.columns:
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
    raw_raters, raw_reactions = parsed.get("raters"), parsed.get("reactions")
    if raw_raters is not None and "rater_id" in rat.columns:
        human = rat if "rater_type" not in rat.columns else rat[rat["rater_type"] != "automated"]
        _check_raters(meta, raw_raters, labels.get("raters", "raters.csv"), human, rl, problems)
    if raw_reactions is not None and "candidate_id" in cand.columns:
        _check_reactions(
            meta, raw_reactions, labels.get("reactions", "reactions.csv"), cand, problems
        )
    _check_recordings({cl: cand, rl: rat}, recordings, problems)


def _typed_candidates(
    meta: dict[str, Any],
    cand: pd.DataFrame,
    declared: _Declared,
    stage_values: Mapping[str, pd.Series],
) -> pd.DataFrame:
    """Candidates with unknown group labels as missing, stages and 0/1 columns as numbers."""
    # (no copies: the frame is this function's own, and a candidates file can be large)
    candidates = _as_text(cand)
    for col in declared.groups:
        values = candidates[col]
        missing = values.str.lower().isin(declared.unknown | {""})
        candidates[col] = values.where(~missing).astype(object)
    for stage in declared.stages:
        candidates[stage] = stage_values[stage]
    if "internal" in candidates.columns:
        internal = candidates["internal"].where(candidates["internal"] != "")
        candidates["internal"] = pd.to_numeric(internal).astype("Int8")
    if "format_order" in candidates.columns:
        order = candidates["format_order"]
        candidates["format_order"] = order.where(order != "").astype(object)
    _type_process(meta, candidates)
    _type_periods(meta, candidates)
    return candidates


def _with_format_order(
    candidates: pd.DataFrame, ratings: pd.DataFrame, declared: _Declared, label: str
) -> pd.DataFrame:
    """Candidates with ``format_order`` derived from the ratings when it is not given.

    A candidate rated in one format took ``'<format> only'``; one rated in two formats
    took first the format of the earlier ``rated_at`` (``'<format> first'``). When some
    candidate's order cannot be told (two formats and no dates), the column is not
    derived and a warning says so: give it in the candidates table.
    """
    if "format_order" in candidates.columns:
        return candidates
    pairs = ratings[["candidate_id", "format"]].astype(str).drop_duplicates()
    n_formats = pairs.groupby("candidate_id")["format"].transform("size")
    order = (pairs.loc[n_formats == 1].set_index("candidate_id")["format"] + " only").astype(object)
    both = pd.Index(pairs.loc[n_formats > 1, "candidate_id"].unique())
    if len(both):
        dates = ratings["rated_at"] if "rated_at" in ratings.columns else None
        if dates is None or not pd.api.types.is_datetime64_any_dtype(dates):
            warnings.warn(
                f"{len(both)} candidate(s) were rated in two formats and the ratings "
                "have no dates (rated_at) to tell which came first; add a column "
                f"format_order to {label} ('<format> first') for the within-candidate "
                "analyses, or leave it out if each interview was rated twice.",
                InterviewLabWarning,
                stacklevel=4,
            )
            return candidates
        first = (
            ratings.loc[ratings["candidate_id"].isin(both)]
            .sort_values("rated_at", kind="stable")
            .groupby("candidate_id", observed=True)["format"]
            .first()
        )
        order = pd.concat([order, first.astype(str) + " first"])
    derived = candidates["candidate_id"].map(order).astype(object)
    return candidates.assign(format_order=derived)


def _warn_usable(
    meta: dict[str, Any],
    candidates: pd.DataFrame,
    ratings: pd.DataFrame,
    declared: _Declared,
    cl: str,
    rl: str,
) -> None:
    """Warnings for usable but questionable data."""
    _warn_case_variants(candidates, [*declared.groups, "candidate_id"], cl)
    _warn_case_variants(ratings, ["rater_id", "question_id", "candidate_id"], rl)
    _warn_confusable_labels(candidates, [*declared.groups, "candidate_id"], cl)
    _warn_confusable_labels(ratings, ["rater_id", "question_id", "candidate_id"], rl)
    reference = meta.get("groups", {}).get("reference", {})
    for col, ref in reference.items():
        if col in declared.groups and ref not in set(candidates[col].dropna()):
            warnings.warn(
                f"study.toml names {ref!r} as the reference group of {col!r}, but no "
                f"candidate in {cl} has it.",
                InterviewLabWarning,
                stacklevel=4,
            )
    rated = set(ratings["candidate_id"])
    expected = pd.Series(True, index=candidates.index)
    if declared.stages:
        expected = candidates[declared.stages[0]] == 1
    unrated = candidates.loc[expected & ~candidates["candidate_id"].isin(rated), "candidate_id"]
    if len(unrated):
        first = ", ".join(map(repr, unrated.head(5)))
        warnings.warn(
            f"{len(unrated)} candidate(s) in {cl} have no ratings (e.g. {first}); they are kept "
            "and count in selection statistics but not in rating statistics.",
            InterviewLabWarning,
            stacklevel=4,
        )
