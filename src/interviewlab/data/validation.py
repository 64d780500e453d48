"""Validation rules of a study, each problem with its file, line and column.

Usable but questionable data gives a warning instead.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from interviewlab.data.automated_table import _check_rater_type, _split_automated
from interviewlab.data.confusables import _warn_confusable_labels
from interviewlab.data.csv_text import _as_text, _parse_csv
from interviewlab.data.dates import parse_dates
from interviewlab.data.meta_rules import _check_meta
from interviewlab.data.periods import _check_periods, _type_periods
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
    stage_values = _check_stage_outcomes(cand, declared, label, problems)
    if "internal" in cand.columns:
        valid = cand["internal"].isin(["0", "1", ""])
        _add_rows(
            problems,
            label,
            "internal",
            ~valid,
            lambda i: f"internal must be 0 or 1, got {cand['internal'].iat[i]!r}.",
        )
    if "format_order" in cand.columns:
        _check_format_order(cand, declared, label, problems)
    _check_process(meta, cand, label, problems)
    return stage_values


def _check_stage_outcomes(
    cand: pd.DataFrame, declared: _Declared, label: str, problems: list[Problem]
) -> dict[str, pd.Series]:
    """Stage outcomes are 0 or 1, and no one passes a stage without the earlier ones.

    Returns each stage present as 0/1 (int8; a value other than 0 or 1 counts as 0).
    """
    stage_values: dict[str, pd.Series] = {}
    stages = [s for s in declared.stages if s in cand.columns]
    for stage in stages:
        valid = cand[stage].isin(["0", "1"])
        _add_rows(
            problems,
            label,
            stage,
            ~valid,
            lambda i, s=stage: (
                f"stage outcome {cand[s].iat[i]!r} is not 0 or 1 (use 0 "
                "for candidates who did not reach or did not pass this stage)."
            ),
        )
        stage_values[stage] = pd.to_numeric(cand[stage].where(valid, "0")).astype("int8")
    who = cand["candidate_id"] if "candidate_id" in cand.columns else pd.Series("", cand.index)
    for earlier, later in itertools.pairwise(stages):
        bad = (stage_values[later] == 1) & (stage_values[earlier] == 0)
        _add_rows(
            problems,
            label,
            later,
            bad,
            lambda i, before=earlier, after=later: (
                f"candidate {who.iat[i]!r} passed {after!r} without passing the earlier "
                f"stage {before!r}."
            ),
        )
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
        scale = declared.scale if declared is not None else None
        scores = _checked_scores(rat, automated, scale, label, problems)
    if declared is not None:
        _check_declared_labels(rat, declared, label, problems)
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


def _checked_scores(
    rat: pd.DataFrame,
    automated: pd.Series,
    scale: tuple[float, float] | None,
    label: str,
    problems: list[Problem],
) -> pd.Series:
    """The scores as numbers: each is a finite number, on the rubric's ``scale`` if known.

    A machine's score (``automated``) outside the scale gets its own message.
    """
    scores = pd.to_numeric(rat["score"], errors="coerce")
    not_number = scores.isna() | ~np.isfinite(scores.to_numpy(dtype=float, na_value=np.nan))
    _add_rows(
        problems,
        label,
        "score",
        not_number,
        lambda i: f"score {rat['score'].iat[i]!r} is not a number.",
    )
    if scale is None:
        return scores
    low, high = scale
    outside = ~not_number & ((scores < low) | (scores > high))
    _add_rows(
        problems,
        label,
        "score",
        outside & ~automated,
        lambda i: (
            f"score {rat['score'].iat[i]} is outside the rubric scale "
            f"{low:g} to {high:g} (study.toml [rubric])."
        ),
    )
    _add_rows(
        problems,
        label,
        "score",
        outside & automated,
        lambda i: (
            f"automated score {scores.iat[i]:g} is outside the rubric scale "
            f"{low:g} to {high:g} (study.toml [rubric]); put the machine's scores on "
            f"the rubric's scale before loading (e.g. a 0-100 score s as "
            f"{low:g} + {high - low:g} * s / 100)."
        ),
    )
    return scores


def _check_declared_labels(
    rat: pd.DataFrame, declared: _Declared, label: str, problems: list[Problem]
) -> None:
    """The ratings' formats and questions are among those declared in study.toml."""
    if "format" in rat.columns:
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
    if declared.questions is not None and "question_id" in rat:
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
