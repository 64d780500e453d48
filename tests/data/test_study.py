"""Loading and validating studies: every bad input gets a clear message naming where it is."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
from data_helpers import CANDIDATES, RATINGS, STUDY_TOML, write_study

import interviewlab as il
from interviewlab.cli import main
from interviewlab.data import Study, StudyError


def test_valid_study_loads_with_types(tmp_path: Path) -> None:
    study = Study.load(write_study(tmp_path / "s"))
    assert study.name == "tiny"
    assert study.scale == (1.0, 5.0)
    assert study.stages == ["completed_async", "shortlisted", "appointed"]
    assert study.ratings["score"].dtype == float
    assert study.candidates["appointed"].tolist() == [1, 0, 0, 0]
    # "prefer not to say" is declared unknown: it becomes missing, and is counted as such
    assert study.candidates["ethnicity"].isna().tolist() == [False, False, False, True]
    counts = study.summary()["ethnicity"]
    assert dict(zip(counts["ethnicity"], counts["n_candidates"], strict=True))["(missing)"] == 1
    stages = study.summary()["stages"]
    assert stages["n_passing"].tolist() == [3, 2, 1]


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old  # guard the test itself: the edit must apply
    return text.replace(old, new, 1)


BAD_INPUTS = [
    pytest.param({"ratings": None}, r"ratings\.csv: is missing", id="missing-file"),
    pytest.param({"candidates": ""}, r"candidates\.csv: is empty", id="empty-file"),
    pytest.param(
        {"candidates": "candidate_id,sex,ethnicity,completed_async,shortlisted,appointed\n"},
        r"candidates\.csv: has a header but no rows",
        id="header-only",
    ),
    pytest.param(
        {"ratings": RATINGS.replace("rater_id,", "rater,")},
        r"ratings\.csv: has no column 'rater_id'",
        id="missing-column",
    ),
    pytest.param(
        {"ratings": _replace(RATINGS, "c2,r1,q1,live,2", "c2,r1,q1,live,two")},
        r"ratings\.csv, line 5, column 'score': score 'two' is not a number",
        id="non-numeric-score",
    ),
    pytest.param(
        {"ratings": _replace(RATINGS, "c2,r1,q1,live,2", "c2,r1,q1,live,7")},
        r"line 5, column 'score': score 7 is outside the rubric scale 1 to 5",
        id="score-outside-scale",
    ),
    pytest.param(
        {"ratings": RATINGS + "c1,r1,q1,async,2\n"},
        r"line 9: duplicate rating: candidate 'c1', rater 'r1', question 'q1', "
        r"format 'async'",
        id="duplicate-rating",
    ),
    pytest.param(
        {"ratings": RATINGS + "c9,r1,q1,async,2\n"},
        r"line 9, column 'candidate_id': candidate 'c9' is not in candidates\.csv",
        id="unknown-candidate",
    ),
    pytest.param(
        {"candidates": _replace(CANDIDATES, "R1,1,1,0", "R1,1,yes,0")},
        r"candidates\.csv, line 3, column 'shortlisted': stage outcome 'yes' is not "
        r"0 or 1",
        id="stage-not-binary",
    ),
    pytest.param(
        {"candidates": _replace(CANDIDATES, "R1,1,0,0", "R1,1,0,1")},
        r"line 4, column 'appointed': candidate 'c3' passed 'appointed' without "
        r"passing the earlier stage 'shortlisted'",
        id="stage-order",
    ),
    pytest.param(
        {"ratings": _replace(RATINGS, "c2,r1,q1,live,2", "c2,r1,q1,video,2")},
        r"line 5, column 'format': format 'video' is not one of the declared labels",
        id="unknown-format",
    ),
    pytest.param(
        {
            "toml": _replace(
                STUDY_TOML, '["sex", "ethnicity"]', '["sex", "ethnicity", "disability"]'
            )
        },
        r"candidates\.csv: has no column 'disability' \(named in study\.toml "
        r"\[groups\] columns\)",
        id="group-column-absent",
    ),
    pytest.param(
        {"toml": _replace(STUDY_TOML, "max = 5", "max = = 5")},
        r"study\.toml, line 6: is not valid TOML",
        id="malformed-toml",
    ),
    pytest.param(
        {"ratings": _replace(RATINGS, "c2,r2,q1,live,3", ",r2,q1,live,3")},
        r"line 6, column 'candidate_id': candidate_id is empty",
        id="missing-rating-id",
    ),
    pytest.param(
        {"candidates": _replace(CANDIDATES, "c3,female", ",female")},
        r"candidates\.csv, line 4, column 'candidate_id': candidate_id is empty",
        id="missing-candidate-id",
    ),
    pytest.param(
        {"ratings": _replace(RATINGS, "c1,r1,q2,async,5", "c1,r1,q9,async,5")},
        r"question 'q9' is not in study\.toml \[rubric\] questions",
        id="unknown-question",
    ),
    pytest.param(
        {"ratings": RATINGS.replace("format,score", "format,score,score")},
        r"ratings\.csv, line 1, column 'score': the header names column 'score' twice",
        id="duplicate-header",
    ),
    pytest.param(
        {"ratings": _replace(RATINGS, "c2,r1,q1,live,2", "c2,r1,q1,live,2,")},
        r"ratings\.csv, line 5: has 6 fields but the header has 5",
        id="extra-field",
    ),
    pytest.param(
        {"toml": _replace(STUDY_TOML, 'ethnicity = "White"', 'ethnicty = "White"')},
        r"\[groups\.reference\] names 'ethnicty', which is not in \[groups\] columns",
        id="reference-typo",
    ),
    pytest.param(
        {"toml": _replace(STUDY_TOML, "[rubric]\nmin = 1\nmax = 5\n", "")},
        r"needs a \[rubric\] table",
        id="no-rubric",
    ),
]


def bad_study(folder: Path, change: dict) -> Path:
    """The valid study with one file replaced (or, for None, removed)."""
    files = {"toml": STUDY_TOML, "candidates": CANDIDATES, "ratings": RATINGS}
    files.update({k: v for k, v in change.items() if v is not None})
    write_study(folder, **files)
    for name, value in change.items():
        if value is None:
            (folder / f"{name}.csv").unlink()
    return folder


@pytest.mark.parametrize(("change", "message"), BAD_INPUTS)
def test_bad_input_is_a_clear_error(tmp_path: Path, change: dict, message: str) -> None:
    folder = bad_study(tmp_path / "s", change)
    with pytest.raises(StudyError, match=message) as info:
        Study.load(folder)
    assert isinstance(info.value, il.InterviewLabError)
    assert isinstance(info.value, ValueError)
    assert info.value.problems, "the error lists its problems"


@pytest.mark.parametrize(("change", "message"), BAD_INPUTS)
def test_cli_validate_reports_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture, change: dict, message: str
) -> None:
    folder = bad_study(tmp_path / "s", change)
    status = main(["validate", str(folder)])
    err = capsys.readouterr().err
    assert status == 2
    assert re.search(message, err), err


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(StudyError, match="does not exist"):
        Study.load(tmp_path / "nowhere")


def test_all_problems_are_listed_at_once(tmp_path: Path) -> None:
    ratings = RATINGS.replace("c1,r1,q1,async,4", "c1,r1,q1,async,9").replace(
        "c3,r1,q1,async,1", "c3,r1,q1,async,0"
    )
    with pytest.raises(StudyError) as info:
        Study.load(write_study(tmp_path / "s", ratings=ratings))
    assert [p.line for p in info.value.problems] == [2, 7]
    assert "2 problems" in str(info.value)


def test_byte_order_mark_loads(tmp_path: Path) -> None:
    folder = write_study(tmp_path / "s", encoding="utf-8-sig")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        study = Study.load(folder)
    assert "candidate_id" in study.candidates.columns  # not '\ufeffcandidate_id'


def test_latin1_file_loads_with_a_warning(tmp_path: Path) -> None:
    candidates = CANDIDATES.replace("c3,female,Asian", "c3,female,Métis")
    folder = write_study(tmp_path / "s", candidates=candidates, encoding="latin-1")
    with pytest.warns(il.InterviewLabWarning, match=r"candidates\.csv is not UTF-8 .* line 4"):
        study = Study.load(folder)
    assert "Métis" in set(study.candidates["ethnicity"])


def test_candidate_without_ratings_is_a_warning(tmp_path: Path) -> None:
    ratings = "\n".join(line for line in RATINGS.splitlines() if not line.startswith("c2,"))
    with pytest.warns(il.InterviewLabWarning, match=r"1 candidate\(s\) .* have no ratings .*'c2'"):
        study = Study.load(write_study(tmp_path / "s", ratings=ratings + "\n"))
    assert "c2" in set(study.candidates["candidate_id"])  # kept, not dropped


def test_candidate_who_failed_first_stage_needs_no_ratings(tmp_path: Path) -> None:
    # c4 did not complete the first stage and has no ratings: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Study.load(write_study(tmp_path / "s"))


def test_excel_roundtrip_and_missing_sheet(tmp_path: Path) -> None:
    study = Study.load(write_study(tmp_path / "s"))
    book = study.save(tmp_path / "study.xlsx")
    again = Study.load(book)
    pd.testing.assert_frame_equal(again.ratings, study.ratings)
    pd.testing.assert_frame_equal(again.candidates, study.candidates)
    assert again.meta == study.meta
    with pd.ExcelWriter(tmp_path / "bad.xlsx") as writer:
        pd.DataFrame({"key": ["name"], "value": ["x"]}).to_excel(
            writer, sheet_name="study", index=False
        )
        study.candidates.to_excel(writer, sheet_name="candidates", index=False)
    with pytest.raises(StudyError, match=r"bad\.xlsx: has no sheet 'ratings'"):
        Study.load(tmp_path / "bad.xlsx")


def test_folder_roundtrip(tmp_path: Path) -> None:
    study = il.simulate_study(seed=3, n_candidates=40, n_raters=6, n_requisitions=2)
    again = Study.load(study.save(tmp_path / "sim"))
    pd.testing.assert_frame_equal(again.ratings, study.ratings)
    pd.testing.assert_frame_equal(again.candidates, study.candidates)
    assert again.meta == study.meta


def test_from_frames_does_not_modify_inputs() -> None:
    import io

    candidates = pd.read_csv(io.StringIO(CANDIDATES))
    ratings = pd.read_csv(io.StringIO(RATINGS))
    meta = {
        "name": "t",
        "rubric": {"min": 1, "max": 5},
        "groups": {"columns": ["sex", "ethnicity"], "unknown": ["prefer not to say"]},
        "stages": {"order": ["completed_async", "shortlisted", "appointed"]},
    }
    before = (candidates.copy(), ratings.copy(), repr(meta))
    study = Study.from_frames(meta, candidates, ratings)
    pd.testing.assert_frame_equal(candidates, before[0])
    pd.testing.assert_frame_equal(ratings, before[1])
    assert repr(meta) == before[2]
    study.meta["name"] = "changed"
    assert meta["name"] == "t"


def test_study_without_format_column_and_one_declared_format() -> None:
    import io

    ratings = pd.read_csv(io.StringIO(RATINGS)).drop(columns="format")
    ratings = ratings.drop_duplicates(["candidate_id", "rater_id", "question_id"])
    meta = {"name": "live-only", "rubric": {"min": 1, "max": 5}, "formats": {"labels": ["live"]}}
    # no stages declared, so c4 (never interviewed) is an unrated candidate: a warning
    with pytest.warns(il.InterviewLabWarning, match="'c4'"):
        study = Study.from_frames(meta, pd.read_csv(io.StringIO(CANDIDATES)), ratings)
    assert set(study.ratings["format"]) == {"live"}


def test_cli_validate_summary(capsys: pytest.CaptureFixture) -> None:
    assert main(["validate", "demo"]) == 0
    out = capsys.readouterr().out
    assert "OK: study 'demo'" in out
    assert "completed_async" in out and "async" in out and "ethnicity" in out


def test_line_numbers_count_blank_lines_and_multiline_fields(tmp_path: Path) -> None:
    # a blank line after the header and a quoted comment spanning two lines: the bad
    # score is on physical line 6 of the file
    ratings = (
        "candidate_id,rater_id,question_id,format,score,comment\n"
        "\n"
        'c1,r1,q1,async,4,"fine"\n'
        'c1,r1,q2,async,5,"two\nlines"\n'
        "c1,r2,q1,async,9,\n"
    )
    with pytest.raises(StudyError) as info:
        Study.load(write_study(tmp_path / "s", ratings=ratings))
    assert [(p.line, p.column) for p in info.value.problems] == [(6, "score")]


def test_trailing_empty_column_is_harmless(tmp_path: Path) -> None:
    ratings = "\n".join(line + "," for line in RATINGS.splitlines()) + "\n"
    study = Study.load(write_study(tmp_path / "s", ratings=ratings))
    assert list(study.ratings.columns) == [
        "candidate_id",
        "rater_id",
        "question_id",
        "format",
        "score",
    ]


def test_from_frames_accepts_float_and_bool_outcomes() -> None:
    import io

    candidates = pd.read_csv(io.StringIO(CANDIDATES))
    candidates["appointed"] = candidates["appointed"].astype(float)  # 1.0 / 0.0
    candidates["shortlisted"] = candidates["shortlisted"].astype(bool)
    ratings = pd.read_csv(io.StringIO(RATINGS))
    meta = {
        "name": "t",
        "rubric": {"min": 1, "max": 5},
        "groups": {"columns": ["sex", "ethnicity"], "unknown": ["prefer not to say"]},
        "stages": {"order": ["completed_async", "shortlisted", "appointed"]},
    }
    study = Study.from_frames(meta, candidates, ratings)
    assert study.candidates["appointed"].tolist() == [1, 0, 0, 0]
    assert study.candidates["shortlisted"].tolist() == [1, 1, 0, 0]
    assert candidates["appointed"].dtype == float  # the caller's frame is unchanged
