"""Reading a study's files as text, keeping the line numbers a user sees.

A study is a folder of CSV files with study.toml, or one workbook.
"""

from __future__ import annotations

import re
import tomllib
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from interviewlab._checks import sentence_end
from interviewlab.data.meta_rules import _toml_key_lines
from interviewlab.data.problems import (
    Problem,
    StudyError,
)
from interviewlab.data.validation import (
    ValidatedStudy,
    _validate,
)
from interviewlab.data.workbook_archive import (
    WorkbookLimits,
    check_workbook_archive,
)
from interviewlab.errors import InterviewLabError, InterviewLabWarning


# ---------------------------------------------------------------------- reading files
def _load_folder(folder: Path) -> ValidatedStudy:
    problems: list[Problem] = []
    toml_path = folder / "study.toml"
    meta: dict[str, Any] | None = None
    text = ""
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
            problems.append(
                Problem(f"{name}.csv", f"is missing from the study folder {sentence_end(folder)}.")
            )
            continue
        tables[name] = _read_text(csv_path)
    # (problems so far are reported with those of the files that could be read)
    files = {"study.toml": str(toml_path)}
    files.update({f"{n}.csv": str(folder / f"{n}.csv") for n in ("candidates", "ratings")})
    labels = {"candidates": "candidates.csv", "ratings": "ratings.csv"}
    # optional: one row per rater; one per candidate and reactions item
    for name in ("raters", "reactions"):
        optional = folder / f"{name}.csv"
        if optional.is_file():
            tables[name] = _read_text(optional)
            files[f"{name}.csv"] = str(optional)
            labels[name] = f"{name}.csv"
    return _validate(
        meta,
        tables,
        labels,
        source=str(folder),
        files=files,
        meta_lines=_toml_key_lines(text),
        recordings=folder / "recordings",
        problems=problems,
    )


_LIST_KEYS = {
    "groups.columns",
    "groups.unknown",
    "stages.order",
    "formats.labels",
    "rubric.questions",
    "raters.columns",
    "process.columns",
    "reactions.levels",
    "reactions.problem_responses",
}
_NUMBER_KEYS = {"rubric.min", "rubric.max"}
_CURLY = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


def _load_workbook(path: Path, limits: WorkbookLimits | None = None) -> ValidatedStudy:
    # the archive's declared sizes first: a zip bomb is refused before anything is unzipped
    check_workbook_archive(path, limits or WorkbookLimits())
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False)
    except Exception as err:  # openpyxl raises several unrelated types for bad files
        raise StudyError(
            [Problem(path.name, f"cannot be read as a workbook ({err}).")], str(path)
        ) from err
    by_name = {str(name).strip().casefold(): name for name in sheets}
    missing = [s for s in ("study", "candidates", "ratings") if s not in by_name]
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
    names = {s: by_name[s] for s in ("study", "candidates", "ratings")}
    # (lost cells are reported with the problems of the sheets' contents)
    problems = _excel_lost_cells(path, names)
    study_label = f"{path.name} sheet {names['study']!r}"
    meta, lines = _meta_from_sheet(sheets[names["study"]], study_label, problems)
    tables = {
        name: sheets[names[name]].to_csv(index=False, lineterminator="\n")
        for name in ("candidates", "ratings")
    }
    labels = {n: f"{path.name} sheet {names[n]!r}" for n in ("candidates", "ratings")}
    for name in ("raters", "reactions"):  # optional sheets
        if name in by_name:
            tables[name] = sheets[by_name[name]].to_csv(index=False, lineterminator="\n")
            labels[name] = f"{path.name} sheet {by_name[name]!r}"
    return _validate(
        meta,
        tables,
        labels,
        source=str(path),
        files={path.name: str(path)},
        recordings=path.parent / "recordings",
        meta_label=study_label,
        meta_lines=lines,
        problems=problems,
    )


def _excel_lost_cells(path: Path, names: Mapping[str, str]) -> list[Problem]:
    """Merged cells and formulas without a saved value: pandas reads them as empty."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    problems: list[Problem] = []
    try:
        formulas = openpyxl.load_workbook(path, data_only=False)
        values = openpyxl.load_workbook(path, data_only=True, read_only=True)
    except Exception:  # pragma: no cover - pandas has read the file already
        return problems
    for sheet in names.values():
        label = f"{path.name} sheet {sheet!r}"
        ws = formulas[sheet]
        for merged in ws.merged_cells.ranges:
            if merged.max_row >= 2:
                problems.append(
                    Problem(
                        label,
                        f"cells {merged.coord} are merged, so every cell but the first reads "
                        "as empty; unmerge them and fill in each cell.",
                        line=merged.min_row,
                        column=_header(ws, merged.min_col),
                    )
                )
        cached = values[sheet]
        empty: dict[int, list[str]] = {}
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    saved = cached.cell(row=cell.row, column=cell.column).value
                    if saved is None:
                        empty.setdefault(cell.column, []).append(f"{cell.coordinate}")
        for column, cells in empty.items():
            shown = ", ".join(cells[:5]) + (f" and {len(cells) - 5} more" if len(cells) > 5 else "")
            problems.append(
                Problem(
                    label,
                    f"cells {shown} hold formulas without a saved value (the program that "
                    "wrote the file did not calculate them), so they read as empty; open and "
                    "save the workbook in Excel or LibreOffice, or paste the values as values.",
                    line=int(re.sub(r"[A-Z]+", "", cells[0])),
                    column=_header(ws, column) or get_column_letter(column),
                )
            )
    values.close()
    return problems


def _header(ws: Any, column: int) -> str | None:
    """The header (row 1) of a worksheet column, if any."""
    value = ws.cell(row=1, column=column).value
    return None if value is None else str(value)


def _meta_from_sheet(
    sheet: pd.DataFrame, label: str, problems: list[Problem]
) -> tuple[dict[str, Any] | None, dict[str, int]]:
    """Metadata from a workbook's study sheet (key, value[, more values...]).

    A value may be written as a TOML literal (``["sex", "ethnicity"]``, ``"White"``) or
    as a plain cell: ``sex, ethnicity`` for a list (or one value per cell to the right),
    ``White`` for a text, ``5`` for a number; straight or curly quotes. Returns the
    metadata (None when the sheet cannot be read; its problems are added to
    ``problems``) and the sheet row of each key.
    """
    columns = [str(c).strip().casefold() for c in sheet.columns]
    if columns[:2] != ["key", "value"]:
        problems.append(
            Problem(
                label,
                "must have the columns 'key' and 'value' (e.g. key 'rubric.min', value '1').",
                line=1,
            )
        )
        return None, {}
    meta: dict[str, Any] = {}
    lines: dict[str, int] = {}
    conflicts = len(problems)
    for i, row in enumerate(sheet.itertuples(index=False), start=2):
        key = str(row[0]).strip()
        cells = [str(v).translate(_CURLY).strip() for v in row[1:]]
        cells = [c for c in cells if c]
        if not key:
            continue
        value = _cell_value(key, cells)
        lines[key] = i
        node = meta
        parts = key.split(".")
        for depth, part in enumerate(parts[:-1], start=1):
            lines.setdefault(".".join(parts[:depth]), i)
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                problems.append(
                    Problem(
                        label, f"key {key!r} conflicts with an earlier key.", line=i, column="key"
                    )
                )
                break
            node = child
        else:
            node[parts[-1]] = value
    return (meta if len(problems) == conflicts else None), lines


def _cell_value(key: str, cells: list[str]) -> Any:
    """The value of one study-sheet row from its non-empty cells."""
    if not cells:
        return [] if key in _LIST_KEYS else ""
    if len(cells) > 1:
        return [_unquote(c) for c in cells]
    raw = cells[0]
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = None
    if key in _LIST_KEYS:
        if isinstance(value, list):
            return value
        return [_unquote(part) for part in raw.strip("[]").split(",") if _unquote(part)]
    if key in _NUMBER_KEYS and value is None:
        try:
            return float(raw)
        except ValueError:
            return raw
    return value if value is not None else _unquote(raw)


def _unquote(text: str) -> str:
    """A plain cell's text without surrounding quotes and spaces."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    return text.strip()


def _read_text(path: Path) -> str:
    """Read a text file as UTF-8, UTF-16 or else Windows-1252.

    A UTF-8 byte-order mark is fine; UTF-16 is recognised by its byte-order mark or by
    its zero bytes.
    """
    raw = path.read_bytes()
    utf16 = _utf16_encoding(raw)
    if utf16:
        try:
            return raw.decode(utf16).lstrip("\ufeff")
        except UnicodeDecodeError as err:
            raise StudyError(
                [
                    Problem(
                        path.name,
                        f"looks like UTF-16 text but cannot be decoded ({err.reason}); save "
                        "it as 'CSV UTF-8'.",
                    )
                ],
                str(path),
            ) from None
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


def _utf16_encoding(raw: bytes) -> str | None:
    """The UTF-16 codec of a file, or None.

    'utf-16' for a byte-order mark, 'utf-16-le'/'-be' for ASCII-like text whose every
    other byte is zero (UTF-16 without a mark).
    """
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    sample = raw[:4000]
    if len(sample) >= 4 and sample.count(0) >= len(sample) // 3:
        if sample[1::2].count(0) > len(sample) // 4:
            return "utf-16-le"
        if sample[0::2].count(0) > len(sample) // 4:
            return "utf-16-be"
    return None


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
