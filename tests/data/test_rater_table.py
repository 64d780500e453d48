"""The raters table and process columns: loaded, typed, written back, and bad input named."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

import interviewlab as il
from interviewlab.data import Study, StudyError
from interviewlab.errors import InterviewLabWarning

STUDY_TOML = """\
name = "tiny-raters"

[rubric]
min = 1
max = 5

[groups]
columns = ["ethnicity"]

[raters]
columns = ["ethnicity"]

[process]
columns = ["informal_visit"]
"""

CANDIDATES = """\
candidate_id,ethnicity,internal,informal_visit
c1,White,1,1
c2,Black,0,0
c3,Asian,0,
"""

RATINGS = """\
candidate_id,rater_id,question_id,format,score
c1,r1,q1,live,4
c1,r2,q1,live,3
c2,r1,q1,live,2
c2,r2,q1,live,3
c3,r1,q1,live,1
c3,r2,q1,live,2
"""

RATERS = """\
rater_id,ethnicity,role,trained
r1,White,hiring manager,1
r2,Black,HR,0
"""


def write(folder: Path, *, toml: str = STUDY_TOML, raters: str | None = RATERS, **tables) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "study.toml").write_text(toml, encoding="utf-8")
    (folder / "candidates.csv").write_text(tables.get("candidates", CANDIDATES), encoding="utf-8")
    (folder / "ratings.csv").write_text(tables.get("ratings", RATINGS), encoding="utf-8")
    if raters is not None:
        (folder / "raters.csv").write_text(raters, encoding="utf-8")
    return folder


def test_raters_and_process_columns_are_typed(tmp_path: Path) -> None:
    study = Study.load(write(tmp_path / "s"))
    assert study.rater_columns == ["ethnicity"]
    assert study.process_columns == ["informal_visit"]
    assert study.raters is not None
    assert study.raters["rater_id"].tolist() == ["r1", "r2"]
    assert study.raters["trained"].dtype == "Int8"
    assert study.raters["role"].tolist() == ["hiring manager", "HR"]
    visit = study.candidates["informal_visit"]
    assert visit.dtype == "Int8"
    assert visit.isna().tolist() == [False, False, True]
    assert "raters.csv" in study.files


@pytest.mark.parametrize("suffix", ["", ".xlsx"], ids=["folder", "workbook"])
def test_raters_table_round_trips(tmp_path: Path, suffix: str) -> None:
    study = Study.load(write(tmp_path / "s"))
    again = il.load_study(study.save(tmp_path / f"copy{suffix}"))
    assert again.raters is not None
    pd.testing.assert_frame_equal(again.raters, study.raters)
    pd.testing.assert_frame_equal(again.candidates, study.candidates)


def test_study_without_raters_table_has_none(tmp_path: Path) -> None:
    # the raters table is optional even when [raters] is declared: analyses that need
    # it (panel_effects) say so
    study = Study.load(write(tmp_path / "s", raters=None))
    assert study.raters is None


BAD = [
    pytest.param(
        {"raters": "rater_id,ethnicity,role,trained\nr1,White,HR,1\n"},
        r"ratings.csv, line 3, column 'rater_id': rater 'r2' is not in raters.csv",
        id="unknown-rater-id",
    ),
    pytest.param(
        {"raters": RATERS + "r1,Asian,peer,0\n"},
        r"raters.csv, line 4, column 'rater_id': rater_id 'r1' appears more than once",
        id="duplicate-rater",
    ),
    pytest.param(
        {"raters": RATERS.replace("HR,0", "HR,yes")},
        r"raters.csv, line 3, column 'trained': trained must be 0 or 1",
        id="trained-not-binary",
    ),
    pytest.param(
        {"raters": "rater_id,ethnicity,shoe_size\nr1,White,9\nr2,Black,8\n"},
        r"raters.csv, line 1, column 'shoe_size': column 'shoe_size' is not declared",
        id="undeclared-column",
    ),
    pytest.param(
        {"raters": "rater_id,role\nr1,HR\nr2,peer\n"},
        r"raters.csv: has no column 'ethnicity' \(named in study.toml \[raters\] columns\)",
        id="declared-column-missing",
    ),
    pytest.param(
        {"raters": RATERS.replace("r2,Black", ",Black")},
        r"raters.csv, line 3, column 'rater_id': rater_id is empty",
        id="empty-id",
    ),
    pytest.param(
        {"candidates": CANDIDATES.replace("c2,Black,0,0", "c2,Black,0,maybe")},
        r"candidates.csv, line 3, column 'informal_visit': informal_visit must be 0 or 1",
        id="process-not-binary",
    ),
    pytest.param(
        {"candidates": "candidate_id,ethnicity\nc1,White\nc2,Black\nc3,Asian\n"},
        r"candidates.csv: has no column 'informal_visit' \(named in study.toml \[process\]",
        id="process-column-missing",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_bad_raters_inputs_name_file_line_and_column(
    tmp_path: Path, change: dict[str, str | None], message: str
) -> None:
    raters = change.get("raters", RATERS) if "raters" in change else RATERS
    tables = {k: v for k, v in change.items() if k != "raters"}
    with pytest.raises(StudyError, match=message):
        Study.load(write(tmp_path / "s", raters=raters, **tables))


def test_raters_without_ratings_give_a_warning(tmp_path: Path) -> None:
    with pytest.warns(InterviewLabWarning, match=re.escape("1 rater(s) in raters.csv have no")):
        study = Study.load(write(tmp_path / "s", raters=RATERS + "r3,Asian,peer,1\n"))
    assert study.raters is not None and len(study.raters) == 3


def test_hostile_values_stay_data(tmp_path: Path) -> None:
    raters = RATERS.replace("hiring manager", '=HYPERLINK("x")').replace("HR", "<script>")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        study = Study.load(write(tmp_path / "s", raters=raters))
    assert study.raters is not None
    assert study.raters["role"].tolist() == ['=HYPERLINK("x")', "<script>"]


def test_simulated_study_writes_its_raters(tmp_path: Path) -> None:
    study = il.simulate_study(seed=3, n_candidates=60, n_raters=6, n_requisitions=2)
    assert study.raters is not None
    planted = study.planted["rater_group"]
    assert dict(zip(study.raters["rater_id"], study.raters["ethnicity"], strict=True)) == planted
    assert set(study.raters["role"]) == {"hiring manager", "HR", "peer"}
    loaded = il.load_study(study.save(tmp_path / "sim"))
    pd.testing.assert_frame_equal(loaded.raters, study.raters)


def test_demo_ships_a_raters_table() -> None:
    demo = il.load_study("demo")
    assert demo.raters is not None and len(demo.raters) == 12
    assert demo.rater_columns == ["ethnicity"]
