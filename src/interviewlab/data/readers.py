"""Reading a study's files as text, keeping the line numbers a user sees.

A study is a folder of CSV files with study.toml, or one workbook.
"""

from __future__ import annotations

import tomllib
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from interviewlab.data.problems import (
    Problem,
    StudyError,
)
from interviewlab.data.validation import (
    _validate,
)
from interviewlab.errors import InterviewLabError, InterviewLabWarning


# ---------------------------------------------------------------------- reading files
def _load_folder(folder: Path) -> dict[str, Any]:
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


def _load_workbook(path: Path) -> dict[str, Any]:
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
