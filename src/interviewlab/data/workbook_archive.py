"""Checks of a workbook's zip archive before any of it is unzipped.

An ``.xlsx`` workbook is a zip archive of XML files. A small archive can unzip to
gigabytes (a "zip bomb"), and reading such a file ties up the reader for many minutes
before it runs out of memory, so the sizes that the archive declares are checked first:
reading them costs milliseconds and no memory to speak of, whatever the archive holds.

Two limits apply, each overridable by a keyword argument of :func:`~interviewlab.load_study`
and :meth:`~interviewlab.Study.load` or by an environment variable (the keyword wins):

========================  ===================================  ===========================
limit                     environment variable                 default
========================  ===================================  ===========================
``max_workbook_bytes``    ``INTERVIEWLAB_MAX_WORKBOOK_BYTES``  500,000,000 bytes (500 MB)
``max_workbook_ratio``    ``INTERVIEWLAB_MAX_WORKBOOK_RATIO``  100 (unzipped / zipped)
========================  ===================================  ===========================

Notes
-----
The total limit is the sum of the unzipped sizes of all the archive's parts. 500 MB is
about twice what a ratings sheet at Excel's row limit (1,048,576 rows of the canonical
columns) unzips to, so no study that Excel can hold with those columns is refused; a
study near that size loads far faster as CSV files.

The ratio limit applies to each part larger than 10 MB unzipped, and to the whole
archive once it unzips to more than 10 MB: sheets written by Excel, LibreOffice or
openpyxl compress 10 to 15 times (even a sheet of identical or empty styled cells, as the
row and cell references change), while a zip bomb compresses about 1,000 times (the most
that deflate allows). Small parts (styles, shared strings) may compress better without
harm, so they are not checked on their own.

The sizes come from the archive's central directory. Python's :mod:`zipfile`, which
openpyxl and pandas use, never returns more bytes of a part than the directory declares
(it stops there, and the checksum then fails), so a directory that understates a part's
size cannot make the reader unzip more than was checked.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from interviewlab.data.problems import Problem, StudyError
from interviewlab.errors import InterviewLabError

__all__ = [
    "DEFAULT_MAX_WORKBOOK_BYTES",
    "DEFAULT_MAX_WORKBOOK_RATIO",
    "RATIO_CHECKED_ABOVE",
    "WorkbookLimits",
    "WorkbookSizeError",
    "check_workbook_archive",
    "workbook_limits",
]

DEFAULT_MAX_WORKBOOK_BYTES = 500_000_000
DEFAULT_MAX_WORKBOOK_RATIO = 100.0
RATIO_CHECKED_ABOVE = 10_000_000
BYTES_VARIABLE = "INTERVIEWLAB_MAX_WORKBOOK_BYTES"
RATIO_VARIABLE = "INTERVIEWLAB_MAX_WORKBOOK_RATIO"


class WorkbookSizeError(StudyError):
    """A workbook whose archive unzips to more than the limits allow (see the module)."""


@dataclass(frozen=True)
class WorkbookLimits:
    """How far a workbook's archive may unzip: in total (bytes) and per byte stored."""

    max_bytes: int = DEFAULT_MAX_WORKBOOK_BYTES
    max_ratio: float = DEFAULT_MAX_WORKBOOK_RATIO


def check_limit_arguments(max_bytes: int | None, max_ratio: float | None) -> None:
    """Raise unless each limit given is a positive whole number of bytes / a ratio >= 1."""
    if max_bytes is not None and (
        isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0
    ):
        raise InterviewLabError(
            f"max_workbook_bytes={max_bytes!r} must be a positive whole number of bytes, "
            "e.g. 2_000_000_000 for 2 GB (or None for the default)."
        )
    if max_ratio is not None and (
        isinstance(max_ratio, bool)
        or not isinstance(max_ratio, int | float)
        or not max_ratio >= 1  # also refuses nan
    ):
        raise InterviewLabError(
            f"max_workbook_ratio={max_ratio!r} must be a number of at least 1, e.g. 1000 "
            "(or None for the default)."
        )


def workbook_limits(
    max_bytes: int | None = None,
    max_ratio: float | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> WorkbookLimits:
    """The limits in force: each keyword if given, else its environment variable, else the default.

    Parameters
    ----------
    max_bytes : int, optional
        Most bytes the archive may unzip to in total.
    max_ratio : float, optional
        Most times a part (or the whole archive) may unzip its stored size.
    environ : mapping, optional
        The environment to read (``os.environ`` when None).

    Returns
    -------
    WorkbookLimits

    Raises
    ------
    InterviewLabError
        If a keyword or an environment variable is not a valid limit.

    Examples
    --------
    >>> workbook_limits(environ={})
    WorkbookLimits(max_bytes=500000000, max_ratio=100.0)
    >>> workbook_limits(max_ratio=1000, environ={"INTERVIEWLAB_MAX_WORKBOOK_BYTES": "2e9"})
    WorkbookLimits(max_bytes=2000000000, max_ratio=1000.0)
    """
    check_limit_arguments(max_bytes, max_ratio)
    env = os.environ if environ is None else environ
    if max_bytes is None:
        max_bytes = int(_from_environment(env, BYTES_VARIABLE, DEFAULT_MAX_WORKBOOK_BYTES))
    if max_ratio is None:
        max_ratio = _from_environment(env, RATIO_VARIABLE, DEFAULT_MAX_WORKBOOK_RATIO)
    return WorkbookLimits(max_bytes=max_bytes, max_ratio=float(max_ratio))


def _from_environment(env: Mapping[str, str], name: str, default: float) -> float:
    """A limit from an environment variable: a number (``2e9``, ``2_000_000_000``)."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 1 <= value < float("inf"):  # also refuses nan
        what = "a ratio such as 1000" if name == RATIO_VARIABLE else "a number of bytes such as 2e9"
        raise InterviewLabError(
            f"The environment variable {name}={text!r} is not a valid limit; set it to {what}, "
            "or unset it for the default."
        )
    return value


def check_workbook_archive(path: Path, limits: WorkbookLimits) -> None:
    """Refuse a file that is not a zip archive, or one that unzips beyond ``limits``.

    Parameters
    ----------
    path : pathlib.Path
        The workbook.
    limits : WorkbookLimits
        From :func:`workbook_limits`.

    Raises
    ------
    StudyError
        If the file is not a readable zip archive (the message says what it seems to be).
    WorkbookSizeError
        If the archive unzips to more than ``limits.max_bytes`` in total, or a part larger
        than 10 MB (or the whole archive) unzips more than ``limits.max_ratio`` times its
        stored size. The message names the file, the part and the sizes, and how to
        raise the limit.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise StudyError([Problem(path.name, _not_a_workbook(path, err))], str(path)) from None
    problems = _size_problems(path, members, limits)
    if problems:
        raise WorkbookSizeError(problems, str(path))


def _size_problems(
    path: Path, members: list[zipfile.ZipInfo], limits: WorkbookLimits
) -> list[Problem]:
    """One problem per part over the ratio, and one for the whole archive."""
    problems = []
    how = (
        "If you trust the file, raise the limit with load_study(..., {arg}=...) or the "
        "environment variable {var}; or save the sheets as CSV files in a study folder "
        "(faster to load, and unaffected by these limits)."
    )
    ratio_how = how.format(arg="max_workbook_ratio", var=RATIO_VARIABLE)
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECKED_ABOVE and ratio > limits.max_ratio:
            problems.append(
                Problem(
                    path.name,
                    f"its part {member.filename!r} would unzip from {_mb(member.compress_size)} "
                    f"to {_mb(member.file_size)} ({ratio:,.0f} times; spreadsheets compress "
                    f"10 to 15 times), more than the limit of {limits.max_ratio:,g} times: the "
                    f"file looks like a zip bomb, and was not read. {ratio_how}",
                )
            )
    total = sum(m.file_size for m in members)
    stored = path.stat().st_size
    if total > limits.max_bytes:
        over = f"more than the limit of {_mb(limits.max_bytes)}"
        arg, var = "max_workbook_bytes", BYTES_VARIABLE
    elif not problems and total > RATIO_CHECKED_ABOVE and total / stored > limits.max_ratio:
        over = (
            f"{total / stored:,.0f} times its size, more than the limit of "
            f"{limits.max_ratio:,g} times: the file looks like a zip bomb"
        )
        arg, var = "max_workbook_ratio", RATIO_VARIABLE
    else:
        return problems
    largest = max(members, key=lambda m: m.file_size)
    problems.append(
        Problem(
            path.name,
            f"is a {_mb(stored)} file that would unzip to {_mb(total)} in {len(members)} "
            f"parts (the largest, {largest.filename!r}, to {_mb(largest.file_size)}), "
            f"{over}; it was not read. {how.format(arg=arg, var=var)}",
        )
    )
    return problems


def _mb(n: int) -> str:
    """A size in bytes, or in decimal megabytes from 0.1 MB on (as file managers show it)."""
    return f"{n:,} bytes" if n < 100_000 else f"{n / 1e6:,.1f} MB"


_SIGNATURES = {
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": (
        "is an Excel 97-2003 (.xls) file or a password-protected workbook, not an .xlsx "
        "workbook; open it in Excel or LibreOffice, remove any password and save it as "
        "'Excel Workbook (.xlsx)'."
    ),
    b"PK": (
        "is a damaged or incomplete zip archive ({err}), so it cannot be read as an .xlsx "
        "workbook (which is a zip archive); copy or export it again."
    ),
    b"<": (
        "holds HTML or XML text, not an .xlsx workbook (some systems export a web page "
        "named .xls or .xlsx); open it in Excel or LibreOffice and save it as "
        "'Excel Workbook (.xlsx)', or export the tables as CSV files."
    ),
}


def _not_a_workbook(path: Path, err: Exception) -> str:
    """What a file named .xlsx that is not a zip archive seems to be, and what to do."""
    with path.open("rb") as file:
        head = file.read(4096)
    if not head:
        return "is empty (0 bytes); export the workbook again."
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    for signature, message in _SIGNATURES.items():
        if start.startswith(signature):
            return message.format(err=err)
    if b"\x00" not in head:
        return (
            "holds plain text (perhaps CSV), not an .xlsx workbook (which is a zip "
            "archive); name it .csv and put it in a study folder with study.toml, or open "
            "it in Excel or LibreOffice and save it as 'Excel Workbook (.xlsx)'."
        )
    return (
        "is not an .xlsx workbook: an .xlsx file is a zip archive, and this file is not "
        "one; open it in Excel or LibreOffice and save it as 'Excel Workbook (.xlsx)'."
    )
