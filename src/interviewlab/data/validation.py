"""Validation rules of a study, each problem with its file, line and column.

Usable but questionable data gives a warning instead.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
import unicodedata
import warnings
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from interviewlab.data.confusables import _warn_confusable_labels
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

# ---------------------------------------------------------------------- parsing
# characters that print as nothing but make two labels differ: zero-width space,
# non-joiner and joiner, word joiner, byte-order mark, soft hyphen
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _clean(value: str) -> str:
    """A field as loaded: invisible characters removed, NFC form, outer spaces stripped."""
    return unicodedata.normalize("NFC", _INVISIBLE.sub("", value)).strip()


def _parse_csv(text: str, label: str, problems: list[Problem]) -> pd.DataFrame | None:
    """Parse CSV text into a frame of strings indexed by each record's physical line.

    Blank lines are skipped but counted, and a quoted field spanning lines keeps the
    line where its record starts, so problems point at the line an editor shows. Every
    field is cleaned (:func:`_clean`); a warning counts the fields that changed other
    than by spaces. A file without quotes or blank lines is read by pandas' C parser
    into categorical columns (each distinct value stored once), which keeps the memory
    of a large ratings file to a few times its size.
    """
    if not text.strip():
        problems.append(Problem(label, "is empty; it needs a header row and one row per record."))
        return None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        problems.append(
            Problem(
                label,
                "contains a NUL byte: it is not a text CSV file (perhaps a spreadsheet or a "
                "file in an encoding that was not recognised). Save it as 'CSV UTF-8'.",
                line=line,
            )
        )
        return None
    frame = _parse_simple(text, label, problems)
    if frame is None and not problems:
        frame = _parse_general(text, label, problems)
    if frame is None:
        return None
    return _normalise(frame, label)


def _header_problems(header: list[str], label: str, line: int, problems: list[Problem]) -> None:
    """Unnamed or repeated columns, and a header that looks separated by something else."""
    if len(header) == 1:
        for sep, name in _SEPARATORS.items():
            if sep in header[0]:
                problems.append(
                    Problem(
                        label,
                        f"has a single column {header[0][:60]!r}: the file seems to be "
                        f"separated by {name}, not commas. Save it as comma-separated CSV "
                        "(in Excel: 'CSV UTF-8 (Comma delimited)').",
                        line=line,
                    )
                )
                return
    for position, name in enumerate(header, start=1):
        if not name:
            problems.append(
                Problem(label, f"column {position} of the header has no name.", line=line)
            )
        elif header.index(name) != position - 1:
            problems.append(
                Problem(
                    label,
                    f"the header names column {name!r} twice (columns "
                    f"{header.index(name) + 1} and {position}); keep one.",
                    line=line,
                    column=name,
                )
            )


def _parse_simple(text: str, label: str, problems: list[Problem]) -> pd.DataFrame | None:
    """Read a file without quotes or blank lines with pandas (None: use the general path).

    Record ``i`` (from 0) is then on line ``i + 2``.
    """
    # (no copies of the text here: a ratings file can be large)
    crlf = text.count("\r\n")
    if '"' in text or text.count("\r") != crlf or _has_blank_line(text):
        return None
    first = text[: text.find("\n")] if "\n" in text else text
    header = [_clean(name) for name in first.rstrip("\r").split(",")]
    if not header[-1] and len(header) > 1:
        return None  # a trailing empty column: the general path knows what to do
    _header_problems(header, label, 1, problems)
    if problems:
        return None
    if not text[len(first) :].strip():
        problems.append(Problem(label, "has a header but no rows."))
        return None
    try:
        frame = pd.read_csv(
            io.BytesIO(text.encode("utf-8")),
            encoding="utf-8",
            header=0,
            names=header,
            dtype="category",
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError):
        return None  # a row with too many fields: the general path names its line
    if frame.isna().to_numpy().any():
        return None  # a row with too few fields
    blank = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        values = frame[column]
        empty = np.asarray([not str(c).strip() for c in values.cat.categories], dtype=bool)
        codes = values.cat.codes.to_numpy()
        blank &= empty[codes] if len(empty) else True
    if blank.any():
        return None  # a line of commas only
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="line")
    return frame


def _has_blank_line(text: str) -> bool:
    """Whether a line other than the last is empty (or only spaces)."""
    stripped = text.rstrip()
    return (
        "\n\n" in stripped
        or "\n\r\n" in stripped
        or re.search(r"\n[ \t]+\r?\n", stripped) is not None
    )


def _parse_general(text: str, label: str, problems: list[Problem]) -> pd.DataFrame | None:
    """Read any CSV with the csv module, keeping each record's physical line."""
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
    header, rows, lines = [_clean(h) for h in records[0]], records[1:], starts[1:]
    while (
        header
        and not header[-1]
        and all(len(r) < len(header) or not r[len(header) - 1] for r in rows)
    ):
        header = header[:-1]  # a trailing empty column (a comma after every header)
        rows = [r[: len(header)] if len(r) > len(header) else r for r in rows]
    before = len(problems)
    _header_problems(header, label, starts[0], problems)
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


def _normalise(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    """Clean every field (:func:`_clean`), warning once about the fields that changed."""
    changed = 0
    example = ""
    out: dict[str, Any] = {}
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            categories = values.cat.categories.astype(str)
            cleaned = pd.Index([_clean(c) for c in categories])
            differs = np.asarray(cleaned != categories.str.strip())
            codes = values.cat.codes.to_numpy()
            if differs.any():
                hit = differs[codes]
                changed += int(hit.sum())
                if not example:
                    position = int(np.flatnonzero(hit)[0])
                    example = (
                        f"line {frame.index[position]}, column {column!r}: "
                        f"{categories[codes[position]]!r} read as {cleaned[codes[position]]!r}"
                    )
            distinct, inverse = np.unique(np.asarray(cleaned, dtype=object), return_inverse=True)
            out[column] = pd.Categorical.from_codes(
                inverse[codes], categories=pd.Index(distinct, dtype=object)
            )
        else:
            uniques = pd.unique(values)
            mapping = {u: _clean(u) for u in uniques}
            differs_map = {u: c for u, c in mapping.items() if c != u.strip()}
            if differs_map:
                hit = values.isin(list(differs_map)).to_numpy()
                changed += int(hit.sum())
                if not example:
                    position = int(np.flatnonzero(hit)[0])
                    raw = values.iat[position]
                    example = (
                        f"line {frame.index[position]}, column {column!r}: "
                        f"{raw!r} read as {mapping[raw]!r}"
                    )
                out[column] = values.map(mapping)
            else:
                out[column] = values
    if changed:
        warnings.warn(
            f"{changed} value(s) in {label} had invisible characters (such as zero-width "
            f"spaces) or a decomposed Unicode form, and were normalised (e.g. {example}); "
            "identical-looking labels now match.",
            InterviewLabWarning,
            stacklevel=4,
        )
    return pd.DataFrame(out, index=frame.index)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its categorical columns as str columns."""
    columns = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    if not columns:
        return frame
    return frame.assign(**{c: frame[c].astype(str) for c in columns})


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


_TABLES = ("rubric", "groups", "stages", "formats", "raters", "process", "reactions")
_LISTS = (
    ("groups", "columns"),
    ("groups", "unknown"),
    ("stages", "order"),
    ("formats", "labels"),
    ("rubric", "questions"),
    ("raters", "columns"),
    ("process", "columns"),
)


def _check_meta(
    meta: dict[str, Any],
    problems: list[Problem],
    *,
    label: str = "study.toml",
    lines: Mapping[str, int] | None = None,
) -> None:
    """Check the study's metadata; each problem names the line of its key when known."""
    found = lines or {}

    def add(message: str, key: str) -> None:
        line = found.get(key)
        if line is None:  # the table's line, when the key itself is not written
            line = found.get(key.split(".")[0])
        problems.append(Problem(label, message, line=line))

    if not str(meta.get("name", "")).strip():
        add("has no 'name'; add a line such as name = \"my-study\".", "name")
    _check_reaction_meta(meta, add)
    for table in _TABLES:
        if table in meta and not isinstance(meta[table], dict):
            add(
                f"{table!r} must be a table, e.g. [{table}] followed by its keys (such as "
                f'columns = ["sex"]), not the value {meta[table]!r}.',
                table,
            )
    rubric = meta.get("rubric")
    if not isinstance(rubric, dict) or "min" not in rubric or "max" not in rubric:
        add(
            "needs a [rubric] table with 'min' and 'max' scores, e.g. [rubric] min = 1, max = 5.",
            "rubric",
        )
    else:
        lo, hi = rubric["min"], rubric["max"]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lo, hi)):
            add("rubric 'min' and 'max' must be numbers.", "rubric.min")
        elif not all(math.isfinite(v) for v in (lo, hi)):
            bad = "min" if not math.isfinite(lo) else "max"
            add(
                f"rubric {bad} = {rubric[bad]} is not a finite number; give the lowest and "
                "highest score of the rubric, e.g. min = 1, max = 5.",
                f"rubric.{bad}",
            )
        elif lo >= hi:
            add(f"rubric min ({lo}) must be below max ({hi}).", "rubric.min")
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
    groups = meta.get("groups")
    if not isinstance(groups, dict):
        return
    declared = groups.get("columns", [])
    declared = declared if isinstance(declared, list) else []
    reference = groups.get("reference", {})
    if not isinstance(reference, dict):
        add(
            f"[groups] reference = {reference!r} must name the group column it belongs to: "
            f'write [groups.reference] and below it a line such as ethnicity = "{reference}".',
            "groups.reference",
        )
    else:
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


def _validate(
    meta: dict[str, Any],
    tables: dict[str, str],
    labels: dict[str, str],
    *,
    source: str,
    files: dict[str, str],
    meta_label: str = "study.toml",
    meta_lines: Mapping[str, int] | None = None,
    recordings: Path | None = None,
) -> dict[str, Any]:
    problems: list[Problem] = []
    _check_meta(meta, problems, label=meta_label, lines=meta_lines)
    if problems:
        raise StudyError(problems, source)
    # the texts are dropped once parsed (the caller's dict is this module's own)
    cand = _parse_csv(tables.pop("candidates"), labels["candidates"], problems)
    rat = _parse_csv(tables.pop("ratings"), labels["ratings"], problems)
    # the optional tables: one row per rater, one per candidate and reactions item
    optional = {
        name: _parse_csv(tables.pop(name), labels.get(name, f"{name}.csv"), problems)
        for name in ("raters", "reactions")
        if name in tables
    }
    raw_raters, raw_reactions = optional.get("raters"), optional.get("reactions")
    rater_label = labels.get("raters", "raters.csv")
    if cand is None or rat is None or any(t is None for t in optional.values()):
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
                    cl,
                    f"has no column {col!r} ({why}){_did_you_mean(col, cand.columns)}; its "
                    f"columns are {', '.join(map(repr, cand.columns))}.",
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
                    rl,
                    f"has no column {col!r}{_did_you_mean(col, rat.columns)}{hint}; its "
                    f"columns are {', '.join(map(repr, rat.columns))}.",
                )
            )
    if problems:
        raise StudyError(problems, source)

    # ---- identifiers and labels on one line (a quote left open swallows line breaks)
    one_line = {
        cl: (cand, ["candidate_id", *group_cols, "requisition_id"]),
        rl: (rat, ["candidate_id", "rater_id", "question_id", "format", "panel_id"]),
    }
    for where, (table, columns) in one_line.items():
        for col in [c for c in dict.fromkeys(columns) if c in table.columns]:
            values = table[col]
            if isinstance(values.dtype, pd.CategoricalDtype):  # no quotes: no line breaks
                continue
            broken = values.str.contains("[\r\n]", regex=True)
            _add_rows(
                problems,
                where,
                col,
                broken,
                lambda i, t=table, c=col: (
                    f"{c} {t[c].iat[i][:40]!r} contains a line break; identifiers and labels "
                    "must fit on one line (look for a quote that is opened and not closed)."
                ),
            )

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

    _check_process(meta, cand, cl, problems)

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
    if raw_raters is not None:
        _check_raters(meta, raw_raters, rater_label, rat, rl, problems)
    if raw_reactions is not None:
        _check_reactions(
            meta, raw_reactions, labels.get("reactions", "reactions.csv"), cand, problems
        )
    named = _check_recordings({cl: cand, rl: rat}, recordings, problems)
    if problems:
        raise StudyError(problems, source)
    if named and recordings is not None:
        files = {**files, "recordings/": str(recordings)}

    # ---- typed tables: text columns as str (a categorical read keeps one copy of each
    # distinct value, and so does the conversion)
    # (no copies: these frames are this function's own, and a ratings file can be large)
    candidates = _as_text(cand)
    for col in group_cols:
        values = candidates[col]
        candidates[col] = values.where(~values.str.lower().isin(unknown | {""})).astype(object)
    for stage in stages:
        candidates[stage] = stage_values[stage]
    if "internal" in candidates.columns:
        internal = candidates["internal"].where(candidates["internal"] != "")
        candidates["internal"] = pd.to_numeric(internal).astype("Int8")
    _type_process(meta, candidates)
    ratings = _as_text(rat)
    ratings["score"] = scores.astype(float)
    candidates = candidates.reset_index(drop=True)
    ratings = ratings.reset_index(drop=True)

    # ---- warnings for usable data
    _warn_case_variants(candidates, [*group_cols, "candidate_id"], cl)
    _warn_case_variants(ratings, ["rater_id", "question_id", "candidate_id"], rl)
    _warn_confusable_labels(candidates, [*group_cols, "candidate_id"], cl)
    _warn_confusable_labels(ratings, ["rater_id", "question_id", "candidate_id"], rl)
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
    raters = (
        None
        if raw_raters is None
        else _type_raters(meta, raw_raters, rater_label, ratings, unknown)
    )
    return {
        "meta": meta,
        "candidates": candidates,
        "ratings": ratings,
        "files": dict(files),
        "raters": raters,
        "reactions": None if raw_reactions is None else _type_reactions(raw_reactions),
    }
