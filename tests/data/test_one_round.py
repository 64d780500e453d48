"""Loading a study as users build it: every problem in one round, dates, derived columns."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import interviewlab as il
from interviewlab.data.problems import StudyError
from interviewlab.errors import InterviewLabWarning

TOML = """\
name = "one-round"
{extra}
[rubric]
min = 1
max = 5

[groups]
columns = ["sex"]
unknown = ["prefer not to say"]

[stages]
order = ["screened", "hired"]
"""

CANDIDATES = """\
candidate_id,sex,screened,hired
A1,female,1,1
A2,male,1,0
A3,male,1,0
A4,prefer not to say,1,0
"""


def _ratings(
    rows: list[str], header: str = "candidate_id,rater_id,question_id,format,score"
) -> str:
    return "\n".join([header, *rows]) + "\n"


GOOD_RATINGS = [
    f"{c},R{r},q1,{fmt},{3 + (r == 1)}"
    for c, fmt in (("A1", "async"), ("A2", "async"), ("A3", "live"), ("A4", "live"))
    for r in (1, 2)
]


def _study(tmp_path: Path, *, toml: str = "", candidates: str = CANDIDATES, ratings: str) -> Path:
    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "study.toml").write_text(TOML.format(extra=toml), encoding="utf-8")
    (folder / "candidates.csv").write_text(candidates, encoding="utf-8")
    (folder / "ratings.csv").write_text(ratings, encoding="utf-8")
    return folder


def _problems(path: Path) -> list[str]:
    with pytest.raises(StudyError) as info:
        il.load_study(path)
    return [str(p) for p in info.value.problems]


def test_every_kind_of_problem_in_one_round(tmp_path: Path) -> None:
    # a malformed study.toml entry, a missing group column, a stage passed out of order,
    # a score off the scale, a non-number, a duplicate, an unknown candidate and a date
    # that is not ISO: each is listed, none hides another
    candidates = "candidate_id,screened,hired\nA1,1,1\nA2,0,1\nA3,1,0\nA4,1,0\n"
    ratings = _ratings(
        [
            "A1,R1,q1,async,3,2026-03-01",
            "A1,R1,q1,async,4,2026-03-01",  # duplicate key
            "A2,R1,q1,async,9,2026-03-02",  # off the scale
            "A3,R1,q1,live,abc,2026-03-02",  # not a number
            "A9,R1,q1,live,3,2026-03-03",  # unknown candidate
            "A4,R1,q1,live,3,31/03/2026",  # not ISO
        ],
        header="candidate_id,rater_id,question_id,format,score,rated_at",
    )
    folder = _study(tmp_path, toml="date_format = 5", candidates=candidates, ratings=ratings)
    problems = _problems(folder)
    expected = [
        "study.toml, line 2: date_format = 5 must be a text",
        "candidates.csv: has no column 'sex'",
        "candidates.csv, line 3, column 'hired': candidate 'A2' passed 'hired' without",
        "ratings.csv, line 3: duplicate rating",
        "ratings.csv, line 4, column 'score': score 9 is outside the rubric scale",
        "ratings.csv, line 5, column 'score': score 'abc' is not a number",
        "ratings.csv, line 6, column 'candidate_id': candidate 'A9' is not in candidates.csv",
        "ratings.csv, line 7, column 'rated_at': date '31/03/2026' is not in ISO form",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)
    assert len(problems) == len(expected), problems


def test_missing_study_toml_and_bad_rows_are_listed_together(tmp_path: Path) -> None:
    folder = _study(tmp_path, ratings=_ratings(["A1,R1,q1,async,x"]))
    (folder / "study.toml").unlink()
    problems = _problems(folder)
    assert problems[0].startswith("study.toml: is missing")
    assert any("score 'x' is not a number" in p for p in problems)


def test_workbook_lists_every_problem_in_one_round(tmp_path: Path) -> None:
    study = il.load_study(
        _study(tmp_path, ratings=_ratings(GOOD_RATINGS)),
    )
    book = study.save(tmp_path / "study.xlsx")
    sheets = pd.read_excel(book, sheet_name=None, dtype=str)
    sheets["ratings"].loc[0, "score"] = "7"
    sheets["candidates"] = sheets["candidates"].drop(columns="sex")
    sheets["study"].loc[len(sheets["study"])] = ["date_format", "[1]"]
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        for name, table in sheets.items():
            table.to_excel(writer, sheet_name=name, index=False)
    problems = _problems(book)
    assert any("date_format" in p for p in problems), problems
    assert any("has no column 'sex'" in p for p in problems), problems
    assert any("sheet 'ratings', line 2, column 'score': score 7" in p for p in problems)


@pytest.mark.parametrize(
    ("toml", "cell", "expected"),
    [
        pytest.param("", "2026-03-31", "2026-03-31", id="iso"),
        pytest.param("", "2026-03-31 14:05", "2026-03-31", id="iso-with-time"),
        pytest.param('date_format = "%d/%m/%Y"', "31/03/2026", "2026-03-31", id="uk"),
        pytest.param('date_format = "%m/%d/%Y"', "03/31/2026", "2026-03-31", id="us"),
    ],
)
def test_dates_are_read_at_load(tmp_path: Path, toml: str, cell: str, expected: str) -> None:
    rows = [r + f",{cell}" for r in GOOD_RATINGS]
    header = "candidate_id,rater_id,question_id,format,score,rated_at"
    study = il.load_study(_study(tmp_path, toml=toml, ratings=_ratings(rows, header)))
    assert pd.api.types.is_datetime64_any_dtype(study.ratings["rated_at"])
    assert set(study.ratings["rated_at"].dt.strftime("%Y-%m-%d")) == {expected}


def test_uk_dates_without_a_format_name_line_column_and_the_fix(tmp_path: Path) -> None:
    rows = [r + ",13/03/2026" for r in GOOD_RATINGS]
    header = "candidate_id,rater_id,question_id,format,score,rated_at"
    problems = _problems(_study(tmp_path, ratings=_ratings(rows, header)))
    assert len(problems) == len(rows)
    assert problems[0].startswith("ratings.csv, line 2, column 'rated_at': date '13/03/2026'")
    assert 'date_format = "%d/%m/%Y"' in problems[0]


def test_a_date_off_the_declared_format(tmp_path: Path) -> None:
    rows = [r + ",31/03/2026" for r in GOOD_RATINGS]
    rows[3] = GOOD_RATINGS[3] + ",2026-03-31"
    header = "candidate_id,rater_id,question_id,format,score,rated_at"
    toml = 'date_format = "%d/%m/%Y"'
    problems = _problems(_study(tmp_path, toml=toml, ratings=_ratings(rows, header)))
    assert problems == [
        "ratings.csv, line 5, column 'rated_at': date '2026-03-31' does not match study.toml "
        "date_format = '%d/%m/%Y'; write every date of the column in that form (or change "
        "date_format)."
    ]


def test_rater_effects_drift_runs_on_loaded_uk_dates(tmp_path: Path) -> None:
    # rated_at in dd/mm/yyyy reached rater_effects as text and failed inside pandas
    days = ["02/03/2026", "09/03/2026", "16/03/2026", "23/03/2026"]
    rows = [r + f",{days[i // 2]}" for i, r in enumerate(GOOD_RATINGS)]
    header = "candidate_id,rater_id,question_id,format,score,rated_at"
    toml = 'date_format = "%d/%m/%Y"'
    study = il.load_study(_study(tmp_path, toml=toml, ratings=_ratings(rows, header)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        out = il.rater_effects(study.ratings, rated_at="rated_at")
    assert set(out["rater_id"]) == {"R1", "R2"}
    assert "drift" in out.columns


def test_format_order_is_derived_from_the_ratings(tmp_path: Path) -> None:
    study = il.load_study(_study(tmp_path, ratings=_ratings(GOOD_RATINGS)))
    order = study.candidates.set_index("candidate_id")["format_order"]
    assert order.to_dict() == {
        "A1": "async only",
        "A2": "async only",
        "A3": "live only",
        "A4": "live only",
    }


def test_format_order_within_candidates_from_dates(tmp_path: Path) -> None:
    rows = [
        f"{c},R1,q1,{fmt},3,{day}"
        for c, first in (("A1", "async"), ("A2", "live"), ("A3", "async"), ("A4", "live"))
        for fmt, day in (
            (first, "2026-03-01"),
            ({"async": "live", "live": "async"}[first], "2026-03-08"),
        )
    ]
    header = "candidate_id,rater_id,question_id,format,score,rated_at"
    study = il.load_study(_study(tmp_path, ratings=_ratings(rows, header)))
    order = study.candidates.set_index("candidate_id")["format_order"]
    assert order.to_dict() == {
        "A1": "async first",
        "A2": "live first",
        "A3": "async first",
        "A4": "live first",
    }


def test_two_formats_without_dates_warn_and_leave_the_order_out(tmp_path: Path) -> None:
    rows = [f"{c},R1,q1,{fmt},3" for c in ("A1", "A2", "A3", "A4") for fmt in ("async", "live")]
    with pytest.warns(InterviewLabWarning, match="4 candidate.*two formats.*format_order"):
        study = il.load_study(_study(tmp_path, ratings=_ratings(rows)))
    assert "format_order" not in study.candidates.columns


def test_a_given_format_order_is_checked(tmp_path: Path) -> None:
    candidates = CANDIDATES.replace(
        "candidate_id,sex,screened,hired", "candidate_id,sex,screened,hired,format_order"
    )
    lines = candidates.splitlines()
    lines[1:] = [line + ",async only" for line in lines[1:]]
    lines[3] = lines[3].replace("async only", "recorded")
    folder = _study(tmp_path, candidates="\n".join(lines) + "\n", ratings=_ratings(GOOD_RATINGS))
    problems = _problems(folder)
    assert problems == [
        "candidates.csv, line 4, column 'format_order': format_order 'recorded' is not one of "
        "['async only', 'async first', 'live only', 'live first'] (the format a candidate "
        "took, or took first); leave the column out to have it derived from the ratings."
    ]


def test_input_files_list_each_named_recording(tmp_path: Path) -> None:
    candidates = "candidate_id,sex,screened,hired,recording\n" + "".join(
        f"{line},{name}\n"
        for line, name in zip(
            CANDIDATES.splitlines()[1:], ["a.wav", "sub/b.wav", "", ""], strict=True
        )
    )
    folder = _study(tmp_path, candidates=candidates, ratings=_ratings(GOOD_RATINGS))
    (folder / "recordings" / "sub").mkdir(parents=True)
    for name in ("a.wav", "sub/b.wav", "unused.wav"):
        (folder / "recordings" / name).write_bytes(b"RIFF")
    study = il.load_study(folder)
    assert sorted(study.input_files()) == [
        "candidates.csv",
        "ratings.csv",
        "recordings/a.wav",
        "recordings/sub/b.wav",
        "study.toml",
    ]
    assert all(path.is_file() for path in study.input_files().values())
