"""Reading a CSV text into a frame of strings that keeps each record's line number.

Every field is cleaned as loading promises (invisible characters removed, Unicode NFC,
outer spaces stripped); problems of the file's form (a NUL byte, another separator, a
row with too many or too few fields) name the line an editor shows.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
from typing import Any

import numpy as np
import pandas as pd

from interviewlab.data.problems import Problem
from interviewlab.errors import InterviewLabWarning

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
    found: list[Problem] = []  # this file's own (others may be listed already)
    frame = _parse_simple(text, label, found)
    if frame is None and not found:
        frame = _parse_general(text, label, found)
    problems.extend(found)
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
