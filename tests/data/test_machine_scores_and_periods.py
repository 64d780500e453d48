"""Machine scores (``rater_type``) and hiring rounds (``[periods]``): loaded, typed, saved,
and every bad input named with its file, line and column in one round."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import interviewlab as il
from interviewlab.data import StudyError
from interviewlab.errors import InterviewLabWarning

TOML = """\
name = "rounds"

[rubric]
min = 1
max = 5

[groups]
columns = ["sex"]

[stages]
order = ["hired"]
{extra}
"""

CANDIDATES = """\
candidate_id,sex,round,hired
A1,female,1,1
A2,male,1,0
A3,male,2,0
A4,female,2,1
A5,female,3,0
"""

RATINGS = """\
candidate_id,rater_id,question_id,format,score,rater_type
A1,R1,q1,async,3,human
A1,R2,q1,async,4,human
A1,engine,q1,async,3.62,automated
A2,R1,q1,async,2,human
A2,engine,q1,async,2.1,automated
A3,R1,q1,async,4,human
A4,R2,q1,async,5,human
A5,R2,q1,async,1,human
"""


def _study(
    tmp_path: Path, *, extra: str = "", candidates: str = CANDIDATES, ratings: str = RATINGS
) -> Path:
    folder = tmp_path / "study"
    folder.mkdir(exist_ok=True)
    (folder / "study.toml").write_text(TOML.format(extra=extra), encoding="utf-8")
    (folder / "candidates.csv").write_text(candidates, encoding="utf-8")
    (folder / "ratings.csv").write_text(ratings, encoding="utf-8")
    return folder


def _problems(path: Path) -> list[str]:
    with pytest.raises(StudyError) as info:
        il.load_study(path)
    return [str(p) for p in info.value.problems]


def test_machine_scores_are_kept_apart_from_the_human_ratings(tmp_path: Path) -> None:
    study = il.load_study(_study(tmp_path))
    assert len(study.ratings) == 6 and "rater_type" not in study.ratings.columns
    assert set(study.ratings["rater_id"]) == {"R1", "R2"}
    machine = study.automated_scores
    assert machine is not None
    assert machine["rater_type"].tolist() == ["automated", "automated"]
    assert machine["score"].tolist() == [3.62, 2.1]  # decimals on the rubric scale
    # saved as one ratings.csv, and read back equal
    again = il.load_study(study.save(tmp_path / "copy"))
    pd.testing.assert_frame_equal(again.ratings, study.ratings)
    pd.testing.assert_frame_equal(again.automated_scores, machine)


def test_without_the_column_every_rating_is_human(tmp_path: Path) -> None:
    ratings = "\n".join(
        line.rsplit(",", 1)[0] for line in RATINGS.splitlines() if "automated" not in line
    )
    study = il.load_study(_study(tmp_path, ratings=ratings + "\n"))
    assert study.automated_scores is None and len(study.ratings) == 6
    all_human = RATINGS.replace("engine,q1,async,3.62,automated", "R3,q1,async,3,human")
    all_human = all_human.replace("A2,engine,q1,async,2.1,automated\n", "")
    assert il.load_study(_study(tmp_path, ratings=all_human)).automated_scores is None


def test_machine_score_problems_are_named_in_one_round(tmp_path: Path) -> None:
    ratings = (
        RATINGS.replace("3.62,automated", "73,automated")  # a 0-100 score, not rescaled
        .replace("A2,R1,q1,async,2,human", "A2,R1,q1,async,2,Human")  # not a type
        .replace("A5,R2,q1,async,1,human", "A5,engine,q1,async,1,human")  # engine as human
    )
    found = _problems(_study(tmp_path, ratings=ratings))
    assert found == [
        "ratings.csv, line 5, column 'rater_type': rater_type 'Human' is not one of "
        "['human', 'automated']: write 'human' for a person's rating and 'automated' for "
        "a machine score.",
        "ratings.csv, line 4, column 'rater_type': rater 'engine' has both human and "
        "automated ratings; give the scoring engine a rater_id of its own.",
        "ratings.csv, line 4, column 'score': automated score 73 is outside the rubric "
        "scale 1 to 5 (study.toml [rubric]); put the machine's scores on the rubric's "
        "scale before loading (e.g. a 0-100 score s as 1 + 4 * s / 100).",
    ]


def test_a_study_of_machine_scores_only_is_refused(tmp_path: Path) -> None:
    ratings = RATINGS.replace(",human", ",automated").replace("R1,", "e1,").replace("R2,", "e2,")
    found = _problems(_study(tmp_path, ratings=ratings))
    assert found == [
        "ratings.csv, column 'rater_type': has only automated scores; a study needs the "
        "human ratings the machine is compared with (rows with rater_type 'human')."
    ]


def test_the_engine_needs_no_row_in_the_raters_table(tmp_path: Path) -> None:
    folder = _study(tmp_path)
    (folder / "raters.csv").write_text("rater_id\nR1\nR2\n", encoding="utf-8")
    study = il.load_study(folder)
    assert set(study.raters["rater_id"]) == {"R1", "R2"}


@pytest.mark.parametrize(
    ("extra", "periods"),
    [
        pytest.param('[periods]\ncolumn = "round"', ["1", "2", "3"], id="numbers"),
        pytest.param(
            '[periods]\ncolumn = "round"\norder = ["1", "2", "3"]', ["1", "2", "3"], id="declared"
        ),
        pytest.param('[periods]\ncolumn = "round"\norder = [1, 2, 3]', ["1", "2", "3"], id="ints"),
    ],
)
def test_periods_are_typed_in_order(tmp_path: Path, extra: str, periods: list[str]) -> None:
    study = il.load_study(_study(tmp_path, extra=extra + '\nchange_after = "2"'))
    assert study.period_column == "round" and study.periods == periods
    values = study.candidates["round"]
    assert isinstance(values.dtype, pd.CategoricalDtype) and values.cat.ordered
    assert study.change_after == "2"


def test_period_labels_in_time_order_need_no_declaration(tmp_path: Path) -> None:
    candidates = CANDIDATES
    for number, quarter in (("1", "2026-Q1"), ("2", "2025-Q4"), ("3", "2026-Q2")):
        candidates = candidates.replace(f",{number},", f",{quarter},")
    extra = '[periods]\ncolumn = "round"'
    study = il.load_study(_study(tmp_path, extra=extra, candidates=candidates))
    assert study.periods == ["2025-Q4", "2026-Q1", "2026-Q2"]


def test_period_problems_are_named_in_one_round(tmp_path: Path) -> None:
    candidates = CANDIDATES.replace("A3,male,2,0", "A3,male,,0").replace(
        "A5,female,3,0", "A5,female,4,0"
    )
    extra = '[periods]\ncolumn = "round"\norder = ["2", "1", "3"]\nchange_after = "3"\nevery = 2'
    found = _problems(_study(tmp_path, extra=extra, candidates=candidates))
    assert found == [
        "study.toml, line 16: [periods] has an unknown key 'every'; the keys are ['column', "
        "'order', 'change_after', 'change'].",
        "study.toml, line 14: [periods] order puts '2' before '1', which reads as an earlier "
        "period; list the periods from first to last.",
        "candidates.csv, line 4, column 'round': period is empty; every candidate needs the "
        "period (round) they applied in.",
        "candidates.csv, line 6, column 'round': period '4' is not in study.toml [periods] "
        "order ['2', '1', '3']; add it in its place or correct the label.",
        "study.toml: [periods] change_after = '3' is the last period, so no period comes "
        "after the change; name the last period before it.",
    ]


def test_periods_without_a_natural_order_must_be_declared(tmp_path: Path) -> None:
    candidates = CANDIDATES.replace(",1,", ",spring,").replace(",2,", ",autumn,")
    found = _problems(_study(tmp_path, extra='[periods]\ncolumn = "round"', candidates=candidates))
    assert found == [
        "candidates.csv, column 'round': the periods 'spring', 'autumn', '3' have no natural "
        "order; declare it in study.toml as [periods] order = [...] from first to last "
        "(numbers such as 1, 2, 3 and dates such as 2026-03 or 2026-Q1 need no declaration)."
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(
            "[periods]\norder = [1, 2]",
            'study.toml, line 12: [periods] needs column = "..." naming the column of '
            'candidates.csv that holds each candidate\'s period (e.g. column = "round").',
            id="no-column",
        ),
        pytest.param(
            '[periods]\ncolumn = "sex"',
            "study.toml, line 13: [periods] column = 'sex' is a group column; the period must "
            "be a column of its own.",
            id="a-group-column",
        ),
        pytest.param(
            '[periods]\ncolumn = "intake"',
            "candidates.csv: has no column 'intake' (named in study.toml [periods] column); its "
            "columns are 'candidate_id', 'sex', 'round', 'hired'.",
            id="missing-column",
        ),
    ],
)
def test_a_malformed_periods_table_is_named(tmp_path: Path, extra: str, message: str) -> None:
    assert message in _problems(_study(tmp_path, extra=extra))


def test_a_workbook_declares_periods_too(tmp_path: Path) -> None:
    study = il.load_study(_study(tmp_path, extra='[periods]\ncolumn = "round"'))
    path = study.save(tmp_path / "rounds.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        again = il.load_study(path)
    assert again.periods == ["1", "2", "3"]
    assert again.automated_scores is not None and len(again.automated_scores) == 2
