"""Workbooks that are zip bombs, or not zip archives at all (issue 22, item 6).

The bombs are built here, small: a sheet of a few MB of one repeated row compresses
about 1,000 times, as a real bomb does, so the ratio limit refuses it at its default;
the total limit is lowered rather than unzipping gigabytes.
"""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import pytest
from data_helpers import validate, write_study

import interviewlab as il
from interviewlab.data import Study, StudyError, WorkbookSizeError
from interviewlab.data.workbook_archive import RATIO_CHECKED_ABOVE, workbook_limits
from interviewlab.errors import InterviewLabError

SHEET = "xl/worksheets/sheet3.xml"


def tiny_workbook(tmp_path: Path) -> Path:
    """The small valid study of test_study as a workbook."""
    return Study.load(write_study(tmp_path / "csv")).save(tmp_path / "tiny.xlsx")


def bomb(tmp_path: Path, unzipped: int = RATIO_CHECKED_ABOVE + 2_000_000) -> Path:
    """The tiny workbook with its ratings sheet replaced by ``unzipped`` bytes of one row."""
    source = tiny_workbook(tmp_path)
    path = tmp_path / "bomb.xlsx"
    row = b'<row><c t="inlineStr"><is><t>4</t></is></c></row>' * 1000
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            if info.filename != SHEET:
                zout.writestr(info, zin.read(info.filename))
                continue
            part = zipfile.ZipInfo(SHEET)
            part.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(part, "w") as sheet:  # streamed: never all in memory
                for _ in range(unzipped // len(row) + 1):
                    sheet.write(row)
    return path


def test_zip_bomb_is_refused_before_reading_with_where_and_how(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = bomb(tmp_path)
    start = time.perf_counter()
    with pytest.raises(WorkbookSizeError) as info:
        il.load_study(path)
    assert time.perf_counter() - start < 2  # the check takes milliseconds, the reader minutes
    [problem] = info.value.problems
    assert problem.file == "bomb.xlsx"
    message = problem.message
    assert re.search(rf"its part {SHEET!r} would unzip from [\d,]+ bytes to 12\.0 MB", message)
    assert "more than the limit of 100 times" in message and "zip bomb" in message
    assert "max_workbook_ratio" in message and "INTERVIEWLAB_MAX_WORKBOOK_RATIO" in message
    assert isinstance(info.value, StudyError) and isinstance(info.value, InterviewLabError)
    status, _, err = validate(capsys, path)  # the command line says the same
    assert status == 2 and "looks like a zip bomb" in err


def test_total_size_limit_by_keyword_or_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tiny_workbook(tmp_path)
    with pytest.raises(WorkbookSizeError) as info:
        il.load_study(path, max_workbook_bytes=5_000)
    message = str(info.value)
    assert re.search(
        r"tiny\.xlsx: is a [\d,]+ bytes file that would unzip to [\d,]+ bytes", message
    )
    assert "more than the limit of 5,000 bytes" in message
    assert "max_workbook_bytes=" in message and "INTERVIEWLAB_MAX_WORKBOOK_BYTES" in message
    assert "'xl/" in message  # the largest part is named

    monkeypatch.setenv("INTERVIEWLAB_MAX_WORKBOOK_BYTES", "5000")
    with pytest.raises(WorkbookSizeError):
        Study.load(path)
    # the keyword wins over the environment
    assert len(Study.load(path, max_workbook_bytes=10**9).ratings) == 7


def test_many_small_bomb_parts_are_refused_as_a_whole(tmp_path: Path) -> None:
    # no part is over 10 MB, so no part is checked alone; together they unzip 1,000 times
    path = tmp_path / "parts.xlsx"
    part = b"<row/>" * (RATIO_CHECKED_ABOVE // 6 - 1000)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(3):
            archive.writestr(f"xl/worksheets/sheet{i + 1}.xml", part)
    with pytest.raises(WorkbookSizeError) as info:
        Study.load(path)
    message = str(info.value)
    assert "parts.xlsx: is a" in message and "would unzip to 30.0 MB in 3 parts" in message
    assert "more than the limit of 100 times: the file looks like a zip bomb" in message


def test_raised_ratio_limit_lets_the_workbook_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bomb(tmp_path)
    monkeypatch.setenv("INTERVIEWLAB_MAX_WORKBOOK_RATIO", "1e6")
    with pytest.raises(StudyError) as info:  # read now, and refused as a study
        il.load_study(path)
    assert not isinstance(info.value, WorkbookSizeError)


def test_legitimate_workbook_parts_are_far_below_the_ratio(tmp_path: Path) -> None:
    with zipfile.ZipFile(tiny_workbook(tmp_path)) as archive:
        ratios = [i.file_size / i.compress_size for i in archive.infolist()]
    assert max(ratios) < 20


NOT_ZIP = [
    pytest.param(b"candidate_id,sex\nc1,female\n", "holds plain text (perhaps CSV)", id="csv"),
    pytest.param(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "Excel 97-2003 (.xls)", id="xls"
    ),
    pytest.param(b"<html><table><tr><td>1</td></tr></table>", "HTML or XML text", id="html"),
    pytest.param(b"", "is empty (0 bytes)", id="empty"),
    pytest.param(b"\x00\x01\x02\x03" * 100, "is not an .xlsx workbook", id="binary"),
]


@pytest.mark.parametrize(("content", "expected"), NOT_ZIP)
def test_file_named_xlsx_that_is_not_a_workbook(
    tmp_path: Path, capsys: pytest.CaptureFixture, content: bytes, expected: str
) -> None:
    path = tmp_path / "study.xlsx"
    path.write_bytes(content)
    with pytest.raises(StudyError, match=r"study\.xlsx: ") as info:
        Study.load(path)
    assert expected in str(info.value)
    assert not isinstance(info.value, WorkbookSizeError)
    status, _, err = validate(capsys, path)
    assert status == 2 and expected in err


def test_truncated_workbook_says_it_is_damaged(tmp_path: Path) -> None:
    whole = tiny_workbook(tmp_path).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: len(whole) // 2])  # a download cut short
    with pytest.raises(StudyError, match=r"cut\.xlsx: is a damaged or incomplete zip archive"):
        Study.load(path)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"max_workbook_bytes": -1}, "positive whole number of bytes", id="negative"),
        pytest.param({"max_workbook_bytes": 1.5e9}, "positive whole number", id="float-bytes"),
        pytest.param({"max_workbook_ratio": 0.5}, "at least 1", id="ratio-below-1"),
        pytest.param({"max_workbook_ratio": float("nan")}, "at least 1", id="ratio-nan"),
    ],
)
def test_bad_limit_arguments_are_refused(tmp_path: Path, kwargs: dict, match: str) -> None:
    with pytest.raises(InterviewLabError, match=match):
        Study.load(tiny_workbook(tmp_path), **kwargs)


@pytest.mark.parametrize("value", ["lots", "0", "-5", "inf", "nan"])
def test_bad_environment_limit_names_the_variable(value: str) -> None:
    with pytest.raises(InterviewLabError, match=r"INTERVIEWLAB_MAX_WORKBOOK_BYTES=.*unset it"):
        workbook_limits(environ={"INTERVIEWLAB_MAX_WORKBOOK_BYTES": value})


def test_limits_do_not_apply_to_a_study_folder(tmp_path: Path) -> None:
    study = Study.load(write_study(tmp_path / "s"), max_workbook_bytes=1)
    assert len(study.ratings) == 7
