"""The study data model: candidates, ratings and metadata, validated once at loading.

A study is a folder with ``study.toml``, ``candidates.csv`` and ``ratings.csv`` (or one
``.xlsx`` workbook with the sheets ``study``, ``candidates`` and ``ratings``). Loading
removes spaces around each value, checks every file against the rubric and the
declarations in ``study.toml``, and raises a :class:`StudyError` that lists each problem
with its file, line and column. Usable but
questionable data (a candidate who passed the first stage but has no ratings, a file that
is not UTF-8) gives an :class:`~interviewlab.errors.InterviewLabWarning`.

``study.toml`` looks like this (only ``name`` and ``[rubric]`` are required)::

    name = "spring-hiring-2026"
    description = "Graduate scheme, async screen then live panel"
    source = "Our HR system export, 2026-05-01"
    licence = "internal"

    [rubric]
    min = 1
    max = 5
    questions = ["q1", "q2", "q3"]      # optional: the allowed question ids

    [groups]
    columns = ["sex", "ethnicity"]       # columns of candidates.csv
    unknown = ["unknown", "prefer not to say"]   # values counted as missing
    [groups.reference]                   # optional reference group per column
    ethnicity = "White"

    [stages]
    order = ["completed_async", "shortlisted", "appointed"]   # 0/1 columns, in order

    [formats]
    labels = ["async", "live"]           # the allowed values of ratings.format
"""

from __future__ import annotations

import copy
import csv
import io
import itertools
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from interviewlab.errors import InterviewLabError, InterviewLabWarning

__all__ = ["Problem", "Study", "StudyError"]

RATING_COLUMNS = ("candidate_id", "rater_id", "question_id", "format", "score")
RATING_KEY = ("candidate_id", "rater_id", "question_id", "format")
OPTIONAL_RATING_COLUMNS = ("panel_id", "rated_at", "requisition_id")
DEFAULT_FORMATS = ("async", "live")
MAX_PROBLEMS_SHOWN = 10


@dataclass(frozen=True)
class Problem:
    """One problem found while loading a study: where it is and what is wrong."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class StudyError(InterviewLabError):
    """A study that cannot be loaded; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem], source: str) -> None:
        self.problems = list(problems)
        self.source = source
        shown = "\n".join(f"  - {p}" for p in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        tail = f"\n  ... and {more} more problem(s) of the same kind." if more > 0 else ""
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(
            f"The study at {source} has {len(problems)} {noun}; fix the file(s) and load "
            f"it again:\n{shown}{tail}"
        )


@dataclass(frozen=True)
class Study:
    """A validated interview study.

    Attributes
    ----------
    meta : dict
        The contents of ``study.toml`` (name, rubric, groups, stages, formats, and for
        simulated studies the planted true values under ``planted``).
    candidates : pandas.DataFrame
        One row per candidate: ``candidate_id`` (str), the group columns (str, missing
        or "unknown" values as ``<NA>``), stage columns (int 0/1), and optional
        ``requisition_id``, ``internal`` (0/1), ``recording``.
    ratings : pandas.DataFrame
        One row per rating: ``candidate_id``, ``rater_id``, ``question_id``, ``format``
        (str) and ``score`` (float), with optional ``panel_id``, ``rated_at``,
        ``requisition_id``.
    files : dict
        The input files the study was read from (label -> path), for provenance.

    Examples
    --------
    >>> from interviewlab import load_study
    >>> study = load_study("demo")
    >>> study.scale
    (1.0, 5.0)
    >>> sorted(study.ratings["format"].unique())
    ['async', 'live']
    """

    meta: dict[str, Any]
    candidates: pd.DataFrame
    ratings: pd.DataFrame
    files: dict[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ properties
    @property
    def name(self) -> str:
        """The study's name from ``study.toml``."""
        return str(self.meta["name"])

    @property
    def scale(self) -> tuple[float, float]:
        """The rubric's (min, max) scores."""
        rubric = self.meta["rubric"]
        return float(rubric["min"]), float(rubric["max"])

    @property
    def group_columns(self) -> list[str]:
        """Candidate group columns declared in ``study.toml``."""
        return list(self.meta.get("groups", {}).get("columns", []))

    @property
    def reference_groups(self) -> dict[str, str]:
        """Declared reference group per group column (may be empty)."""
        return dict(self.meta.get("groups", {}).get("reference", {}))

    @property
    def stages(self) -> list[str]:
        """Selection stage columns, in order."""
        return list(self.meta.get("stages", {}).get("order", []))

    @property
    def formats(self) -> list[str]:
        """Allowed interview format labels."""
        return list(self.meta.get("formats", {}).get("labels", DEFAULT_FORMATS))

    @property
    def planted(self) -> dict[str, Any]:
        """True planted values of a simulated study (empty for real data)."""
        return dict(self.meta.get("planted", {}))

    # ------------------------------------------------------------------ building
    @classmethod
    def from_frames(
        cls,
        meta: Mapping[str, Any],
        candidates: pd.DataFrame,
        ratings: pd.DataFrame,
        *,
        source: str = "<data frames>",
    ) -> Study:
        """Validate in-memory tables as a study; the caller's objects are not modified.

        The frames are converted to text and validated exactly as files would be (as
        for files, spaces around each value are removed), so the same rules and messages
        apply; line numbers count the header as line 1, as
        in a CSV file (row ``i`` of the frame is line ``i + 2``).
        """
        meta_copy = copy.deepcopy(dict(meta))
        tables = {
            "candidates": _frame_as_text(candidates),
            "ratings": _frame_as_text(ratings),
        }
        return _validate(
            meta_copy,
            tables,
            {"candidates": "candidates", "ratings": "ratings"},
            source=source,
            files={},
        )

    @classmethod
    def load(cls, path: str | Path) -> Study:
        """Load and validate a study folder or ``.xlsx`` workbook.

        Parameters
        ----------
        path : str or pathlib.Path
            A folder with ``study.toml``, ``candidates.csv`` and ``ratings.csv``, or an
            Excel workbook with sheets ``study`` (two columns: ``key`` such as
            ``rubric.min`` and ``value``), ``candidates`` and ``ratings``.

        Returns
        -------
        Study

        Raises
        ------
        StudyError
            Listing each problem with its file, line (the row number a spreadsheet
            shows) and column.
        """
        path = Path(path)
        if not path.exists():
            raise StudyError([Problem(str(path), "does not exist; check the path.")], str(path))
        if path.is_dir():
            return _load_folder(path)
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return _load_workbook(path)
        raise StudyError(
            [Problem(str(path), "is neither a study folder nor an .xlsx workbook.")], str(path)
        )

    def save(self, path: str | Path) -> Path:
        """Write the study as a folder (or as a workbook when ``path`` ends in .xlsx).

        Returns the path written. Loading it again gives an equal study.
        """
        import tomli_w

        path = Path(path)
        if path.suffix.lower() == ".xlsx":
            path.parent.mkdir(parents=True, exist_ok=True)
            study_sheet = pd.DataFrame(
                [(k, _toml_value(v)) for k, v in _flatten(self.meta)], columns=["key", "value"]
            )
            with pd.ExcelWriter(path, engine="openpyxl") as writer:
                study_sheet.to_excel(writer, sheet_name="study", index=False)
                self.candidates.to_excel(writer, sheet_name="candidates", index=False)
                self.ratings.to_excel(writer, sheet_name="ratings", index=False)
            return path
        path.mkdir(parents=True, exist_ok=True)
        (path / "study.toml").write_text(tomli_w.dumps(self.meta), encoding="utf-8")
        self.candidates.to_csv(path / "candidates.csv", index=False, lineterminator="\n")
        self.ratings.to_csv(path / "ratings.csv", index=False, lineterminator="\n")
        return path

    # ------------------------------------------------------------------ summaries
    def summary(self) -> dict[str, pd.DataFrame]:
        """Counts for a first look: ratings per format, candidates per group and stage.

        Returns
        -------
        dict of str to pandas.DataFrame
            ``formats`` (format, n_ratings, n_candidates, n_raters), one table per group
            column (value, n_candidates; missing values as ``"(missing)"``), and
            ``stages`` (stage, n_entering, n_passing).
        """
        out: dict[str, pd.DataFrame] = {}
        r = self.ratings
        out["formats"] = (
            r.groupby("format", sort=True)
            .agg(
                n_ratings=("score", "size"),
                n_candidates=("candidate_id", "nunique"),
                n_raters=("rater_id", "nunique"),
            )
            .reset_index()
        )
        for column in self.group_columns:
            counts = self.candidates[column].fillna("(missing)").value_counts(sort=False)
            out[column] = counts.sort_index().rename_axis(column).reset_index(name="n_candidates")
        rows = []
        entering = len(self.candidates)
        for stage in self.stages:
            passing = int(self.candidates[stage].sum())
            rows.append((stage, entering, passing))
            entering = passing
        out["stages"] = pd.DataFrame(rows, columns=["stage", "n_entering", "n_passing"])
        return out


# ---------------------------------------------------------------------- reading files
def _load_folder(folder: Path) -> Study:
    problems: list[Problem] = []
    toml_path = folder / "study.toml"
    meta: dict[str, Any] = {}
    if not toml_path.is_file():
        problems.append(
            Problem(
                "study.toml",
                "is missing; every study folder needs one (see the README's 'Study format').",
            )
        )
    else:
        text = _read_text(toml_path)
        try:
            meta = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            line = _toml_error_line(err)
            problems.append(Problem("study.toml", f"is not valid TOML ({err}).", line=line))
    tables: dict[str, str] = {}
    for name in ("candidates", "ratings"):
        csv_path = folder / f"{name}.csv"
        if not csv_path.is_file():
            problems.append(Problem(f"{name}.csv", f"is missing from the study folder {folder}."))
            continue
        tables[name] = _read_text(csv_path)
    if problems:
        raise StudyError(problems, str(folder))
    files = {"study.toml": str(toml_path)}
    files.update({f"{n}.csv": str(folder / f"{n}.csv") for n in ("candidates", "ratings")})
    labels = {"candidates": "candidates.csv", "ratings": "ratings.csv"}
    return _validate(meta, tables, labels, source=str(folder), files=files)


def _load_workbook(path: Path) -> Study:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False)
    except Exception as err:  # openpyxl raises several unrelated types for bad files
        raise StudyError(
            [Problem(path.name, f"cannot be read as a workbook ({err}).")], str(path)
        ) from err
    missing = [s for s in ("study", "candidates", "ratings") if s not in sheets]
    if missing:
        found = ", ".join(map(repr, sheets)) or "none"
        raise StudyError(
            [
                Problem(
                    path.name,
                    f"has no sheet {s!r} (sheets found: {found}); a study "
                    "workbook needs the sheets 'study', 'candidates' and 'ratings'.",
                )
                for s in missing
            ],
            str(path),
        )
    meta = _meta_from_sheet(sheets["study"], path.name)
    tables = {
        name: sheets[name].to_csv(index=False, lineterminator="\n")
        for name in ("candidates", "ratings")
    }
    labels = {n: f"{path.name} sheet {n!r}" for n in ("candidates", "ratings")}
    return _validate(meta, tables, labels, source=str(path), files={path.name: str(path)})


def _meta_from_sheet(sheet: pd.DataFrame, filename: str) -> dict[str, Any]:
    if list(sheet.columns[:2]) != ["key", "value"]:
        raise StudyError(
            [
                Problem(
                    f"{filename} sheet 'study'",
                    "must have the columns 'key' and 'value' (e.g. key 'rubric.min', value '1').",
                    line=1,
                )
            ],
            filename,
        )
    meta: dict[str, Any] = {}
    for i, (key, raw) in enumerate(zip(sheet["key"], sheet["value"], strict=True), start=2):
        if not key.strip():
            continue
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        node = meta
        parts = key.strip().split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise StudyError(
                    [
                        Problem(
                            f"{filename} sheet 'study'",
                            f"key {key!r} conflicts with an earlier key.",
                            line=i,
                            column="key",
                        )
                    ],
                    filename,
                )
            node = child
        node[parts[-1]] = value
    return meta


def _read_text(path: Path) -> str:
    """Read a text file as UTF-8 (a byte-order mark is fine), else as Windows-1252."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        warnings.warn(
            f"{path.name} is not UTF-8 (first non-UTF-8 byte on line {line}); it was read "
            "as Windows-1252/Latin-1. Check accented names, and save the file as UTF-8 to "
            "silence this warning.",
            InterviewLabWarning,
            stacklevel=4,
        )
        return raw.decode("cp1252", errors="strict") if _is_cp1252(raw) else raw.decode("latin-1")


def _is_cp1252(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _toml_error_line(err: tomllib.TOMLDecodeError) -> int | None:
    lineno = getattr(err, "lineno", None)
    if isinstance(lineno, int):
        return lineno
    text = str(err)
    marker = "line "
    if marker in text:
        digits = text.split(marker, 1)[1].split(",")[0].split(")")[0]
        if digits.isdigit():
            return int(digits)
    return None


def _frame_as_text(frame: pd.DataFrame) -> str:
    """CSV text of an in-memory table.

    Whole-number floats and booleans are written as integers, so a 0/1 column that
    pandas read as 1.0 is still 0/1.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InterviewLabError(f"Expected a pandas DataFrame, got {type(frame).__name__}.")
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if pd.api.types.is_bool_dtype(values):
            out[col] = values.astype("Int64")
        elif pd.api.types.is_float_dtype(values):
            finite = values.dropna().to_numpy(dtype=float)
            if finite.size and np.all(np.isfinite(finite)) and np.all(finite == np.round(finite)):
                out[col] = values.astype("Int64")
    return out.to_csv(index=False, lineterminator="\n")


def _flatten(meta: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in meta.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            items.extend(_flatten(value, f"{full}."))
        else:
            items.append((full, value))
    return items


def _toml_value(value: Any) -> str:
    import tomli_w

    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


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
) -> Study:
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
    return Study(meta=meta, candidates=candidates, ratings=ratings, files=dict(files))
