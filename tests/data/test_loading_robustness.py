"""Hostile and malformed study inputs: each gets a message naming where and what to do.

Every bad input goes through ``interviewlab validate`` (the CLI's ``main``): the message
names the file (or sheet), the line and the column when there is one, and never shows a
traceback.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from data_helpers import CANDIDATES, RATINGS, STUDY_TOML, validate, write_study

from interviewlab.data import Study, StudyError
from interviewlab.errors import InterviewLabWarning

# ------------------------------------------------------------------ item 7: labels


def test_invisible_characters_and_unicode_forms_are_normalised(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "rené")
    candidates = CANDIDATES.replace("c2,male,Black", "c2,male,White\u200b").replace(
        "c3,female,Asian", f"c3,female,{decomposed}"
    )
    candidates += "c5,male,rené,R2,0,0,0\n"
    with pytest.warns(InterviewLabWarning, match=r"line 3, column 'ethnicity'.*'White'"):
        study = Study.load(write_study(tmp_path / "s", candidates=candidates))
    counts = study.candidates["ethnicity"].value_counts()
    assert counts["White"] == 2 and counts["rené"] == 2  # one group each, not two


def test_labels_differing_only_in_case_are_kept_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    candidates = CANDIDATES.replace("c2,male,Black", "c2,male,white")
    folder = write_study(tmp_path / "s", candidates=candidates)
    with pytest.warns(InterviewLabWarning, match=r"'White' \(1 rows\) and 'white' \(1 rows\)"):
        study = Study.load(folder)
    assert set(study.candidates["ethnicity"].dropna()) == {"White", "white", "Asian"}
    status, out, _ = validate(capsys, folder)
    assert status == 0 and "differ only in case" in out


# ------------------------------------------------------------------ item 9: study.toml

BAD_TOML = [
    pytest.param(
        STUDY_TOML.replace("[groups.reference]\nethnicity", "[x]\nethnicity").replace(
            'unknown = ["unknown", "prefer not to say"]',
            'unknown = ["unknown", "prefer not to say"]\nreference = "White"',
        ),
        r"study\.toml, line 12: \[groups\] reference = 'White' must name the group column",
        id="reference-not-a-table",
    ),
    pytest.param(
        STUDY_TOML.replace("min = 1", "min = nan"),
        r"study\.toml, line 5: rubric min = nan is not a finite number",
        id="min-nan",
    ),
    pytest.param(
        STUDY_TOML.replace("max = 5", "max = inf"),
        r"study\.toml, line 6: rubric max = inf is not a finite number",
        id="max-inf",
    ),
    pytest.param(
        STUDY_TOML.replace('unknown = ["unknown", "prefer not to say"]', 'unknown = "unknown"'),
        r"study\.toml, line 11: \[groups\] unknown must be a list of names",
        id="unknown-not-a-list",
    ),
    pytest.param(
        'name = "tiny"\ngroups = "sex"\n[rubric]\nmin = 1\nmax = 5\n',
        r"study\.toml, line 2: 'groups' must be a table",
        id="groups-not-a-table",
    ),
    pytest.param(
        STUDY_TOML.replace('columns = ["sex", "ethnicity"]', 'columns = ["sex", "shortlisted"]'),
        r"study\.toml, line 10: \[groups\] columns names 'shortlisted', which is a stage",
        id="group-is-a-stage",
    ),
    pytest.param(
        STUDY_TOML.replace('columns = ["sex", "ethnicity"]', 'columns = ["candidate_id"]'),
        r"study\.toml, line 10: \[groups\] columns names 'candidate_id', which is the "
        "candidate id column",
        id="group-is-the-id",
    ),
]


@pytest.mark.parametrize(("toml", "message"), BAD_TOML)
def test_study_toml_gaps_name_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture, toml: str, message: str
) -> None:
    folder = write_study(tmp_path / "s", toml=toml)
    with pytest.raises(StudyError, match=message):
        Study.load(folder)
    status, _, err = validate(capsys, folder)
    assert status == 2 and re.search(message, err), err


# ------------------------------------------------------------------ item 11: CSV files

BAD_CSV = [
    pytest.param(
        {"ratings": RATINGS.replace(",", ";")},
        r"ratings\.csv, line 1: has a single column .* separated by semicolons",
        id="semicolons",
    ),
    pytest.param(
        {"ratings": RATINGS.replace(",", "\t")},
        r"ratings\.csv, line 1: has a single column .* separated by tabs",
        id="tabs",
    ),
    pytest.param(
        {"ratings": RATINGS.replace("format,score", "format,Score")},
        r"ratings\.csv: has no column 'score' \(did you mean 'score'\? The file has 'Score'",
        id="header-case",
    ),
    pytest.param(
        {"ratings": RATINGS.replace("c1,r1,q2", "c1,r\x001,q2")},
        r"ratings\.csv, line 3: contains a NUL byte",
        id="nul-byte",
    ),
    pytest.param(
        {"candidates": CANDIDATES.replace("c3,female", '"c3\nx",female')},
        r"candidates\.csv, line 4, column 'candidate_id': candidate_id 'c3\\nx' contains a "
        "line break",
        id="line-break-in-id",
    ),
]


@pytest.mark.parametrize(("files", "message"), BAD_CSV)
def test_csv_problems_name_file_line_and_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture, files: dict, message: str
) -> None:
    folder = write_study(tmp_path / "s", **files)
    status, _, err = validate(capsys, folder)
    assert status == 2 and re.search(message, err), err


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_files_are_read(tmp_path: Path, encoding: str) -> None:
    reference = Study.load(write_study(tmp_path / "utf8"))
    study = Study.load(write_study(tmp_path / "utf16", encoding=encoding))
    pd.testing.assert_frame_equal(study.ratings, reference.ratings)
    pd.testing.assert_frame_equal(study.candidates, reference.candidates)


def test_every_kind_of_problem_is_listed(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    # 30 scores out of range hide nothing else: the unknown candidate is listed too
    lines = [f"c1,r{i},q1,async,9" for i in range(30)] + ["c9,r1,q2,async,3"]
    ratings = RATINGS + "\n".join(lines) + "\n"
    status, _, err = validate(capsys, write_study(tmp_path / "s", ratings=ratings))
    assert status == 2
    assert "candidate 'c9' is not in candidates.csv" in err
    assert re.search(r"\.\.\. and \d+ more like this in ratings\.csv, column 'score'", err)


# ------------------------------------------------------------------ item 12: workbooks


def workbook(path: Path, study_rows: list[list[str]], sheet_names: dict | None = None) -> Path:
    names = {"study": "study", "candidates": "candidates", "ratings": "ratings"}
    names.update(sheet_names or {})
    reference = Study.load(write_study(path.parent / "csv"))
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame(study_rows).to_excel(
            writer, sheet_name=names["study"], index=False, header=False
        )
        reference.candidates.to_excel(writer, sheet_name=names["candidates"], index=False)
        reference.ratings.to_excel(writer, sheet_name=names["ratings"], index=False)
    return path


PLAIN_ROWS = [
    ["key", "value", None],
    ["name", "tiny", None],
    ["rubric.min", "1", None],
    ["rubric.max", "5", None],
    ["groups.columns", "sex", "ethnicity"],
    ["groups.unknown", "unknown, \u201cprefer not to say\u201d", None],
    ["groups.reference.ethnicity", "\u201cWhite\u201d", None],
    ["stages.order", "completed_async, shortlisted, appointed", None],
]


def test_workbook_study_sheet_accepts_plain_cells(tmp_path: Path) -> None:
    book = workbook(tmp_path / "plain.xlsx", PLAIN_ROWS, {"study": "Study", "ratings": "RATINGS"})
    study = Study.load(book)
    assert study.group_columns == ["sex", "ethnicity"]
    assert study.meta["groups"]["unknown"] == ["unknown", "prefer not to say"]
    assert study.reference_groups == {"ethnicity": "White"}
    assert study.stages == ["completed_async", "shortlisted", "appointed"]
    assert study.scale == (1.0, 5.0)


def test_workbook_errors_point_at_the_study_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    rows = [r if r[0] != "rubric.max" else ["rubric.max", "inf", None] for r in PLAIN_ROWS]
    book = workbook(tmp_path / "bad.xlsx", rows)
    status, _, err = validate(capsys, book)
    assert status == 2
    assert "bad.xlsx sheet 'study', line 4: rubric max = inf is not a finite number" in err
    assert "study.toml" not in err


# ------------------------------------------------------------------ item 8: Excel cells


def test_merged_cells_and_uncalculated_formulas_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    book = workbook(tmp_path / "cells.xlsx", PLAIN_ROWS)
    wb = openpyxl.load_workbook(book)
    ws = wb["candidates"]
    ws["C2"] = "White"
    ws.merge_cells("C2:C3")  # the group column of two candidates
    ws = wb["ratings"]
    ws["E2"] = "=2+2"  # written by openpyxl: no saved value
    wb.save(book)
    status, _, err = validate(capsys, book)
    assert status == 2
    assert "cells.xlsx sheet 'candidates', line 2, column 'ethnicity': cells C2:C3 are merged" in (
        err
    )
    assert (
        "cells.xlsx sheet 'ratings', line 2, column 'score': cells E2 hold formulas without a "
        "saved value" in err
    )


# ------------------------------------------------------------------ item 10: column names


@pytest.mark.slow
def test_group_column_with_a_space_reaches_the_report_tables(tmp_path: Path) -> None:
    from interviewlab.reporting.writer import ReportWriter

    toml = STUDY_TOML.replace('"ethnicity"]', '"ethnic group"]').replace(
        "ethnicity = ", '"ethnic group" = '
    )
    candidates = CANDIDATES.replace("ethnicity", "ethnic group")
    study = Study.load(write_study(tmp_path / "s", toml=toml, candidates=candidates))
    assert study.group_columns == ["sex", "ethnic group"]
    writer = ReportWriter(tmp_path / "report", min_cell_size=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        writer.table(study.summary()["ethnic group"], "candidates_by_ethnic group")
        writer.table(study.summary()["sex"], "../escape")
    files = sorted(p.name for p in (tmp_path / "report" / "tables").iterdir())
    assert len(files) == 2 and all(re.fullmatch(r"[A-Za-z0-9_\-]+\.csv", f) for f in files)
    assert any(f.startswith("candidates_by_ethnic_group-") for f in files)


# ------------------------------------------------------------------ item 13: paths


def test_missing_path_says_the_folder_does_not_exist(capsys: pytest.CaptureFixture) -> None:
    status, _, err = validate(capsys, "path/that/does/not/exist")
    assert status == 2
    assert "'path/that/does/not/exist' does not exist" in err and "bundled" not in err
    status, _, err = validate(capsys, "demoo")
    assert status == 2 and "no folder or file 'demoo'" in err and "demo" in err


# ------------------------------------------------------------------ item 14: fast reading


def test_fast_and_general_readers_give_the_same_study_and_line_numbers(tmp_path: Path) -> None:
    # a file without quotes is read by pandas' C parser (categorical columns); one quoted
    # field sends the same data through the csv module: same tables, same problem lines
    quoted = RATINGS.replace("c1,r1,q1,async,4", '"c1",r1,q1,async,4')
    fast = Study.load(write_study(tmp_path / "fast"))
    general = Study.load(write_study(tmp_path / "general", ratings=quoted))
    pd.testing.assert_frame_equal(fast.ratings, general.ratings)
    assert all(not isinstance(t, pd.CategoricalDtype) for t in fast.ratings.dtypes)
    assert fast.ratings["candidate_id"].tolist()[:2] == ["c1", "c1"]
    bad = RATINGS.replace("c2,r1,q1,live,2", "c2,r1,q1,live,x").replace(
        "c3,r2,q2,async,2", "c3,r2,q2,async,7"
    )
    messages = []
    for name, text in (("f", bad), ("g", bad.replace("c1,r1,q1", '"c1",r1,q1'))):
        with pytest.raises(StudyError) as info:
            Study.load(write_study(tmp_path / name, ratings=text))
        messages.append([(p.line, p.column, p.message) for p in info.value.problems])
    assert messages[0] == messages[1]
    assert [m[:2] for m in messages[0]] == [(5, "score"), (8, "score")]
