"""The applicant-reactions table: loaded with the study, written back, bad input named."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import interviewlab as il
from interviewlab.data import Study, StudyError

STUDY_TOML = """\
name = "tiny-reactions"

[rubric]
min = 1
max = 5

[reactions]
levels = [1, 2, 3, 4, 5]
problem_item = "technical_problems"
problem_responses = [4, 5]
"""

CANDIDATES = """\
candidate_id
c1
c2
"""

RATINGS = """\
candidate_id,rater_id,question_id,format,score
c1,r1,q1,live,4
c1,r2,q1,live,3
c2,r1,q1,live,2
c2,r2,q1,live,3
"""

REACTIONS = """\
candidate_id,item,response
c1,fairness,4
c1,technical_problems,1
c2,fairness, 2
c2,technical_problems,5
"""


def write(folder: Path, *, toml: str = STUDY_TOML, reactions: str | None = REACTIONS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "study.toml").write_text(toml, encoding="utf-8")
    (folder / "candidates.csv").write_text(CANDIDATES, encoding="utf-8")
    (folder / "ratings.csv").write_text(RATINGS, encoding="utf-8")
    if reactions is not None:
        (folder / "reactions.csv").write_text(reactions, encoding="utf-8")
    return folder


def test_reactions_load_with_the_study(tmp_path: Path) -> None:
    study = il.load_study(write(tmp_path))
    assert study.reactions is not None
    assert study.reactions.to_dict("list") == {
        "candidate_id": ["c1", "c1", "c2", "c2"],
        "item": ["fairness", "technical_problems", "fairness", "technical_problems"],
        "response": ["4", "1", "2", "5"],  # spaces around values removed
    }
    assert "reactions.csv" in study.files
    assert il.load_reactions(study).equals(study.reactions)


def test_a_study_without_reactions_has_none(tmp_path: Path) -> None:
    # a declared scale without a file is fine: the table is optional
    assert il.load_study(write(tmp_path, reactions=None)).reactions is None


@pytest.mark.parametrize("suffix", ["folder", "study.xlsx"])
def test_reactions_round_trip(tmp_path: Path, suffix: str) -> None:
    study = il.load_study(write(tmp_path / "in"))
    again = il.load_study(study.save(tmp_path / suffix))
    assert again.reactions is not None
    pd.testing.assert_frame_equal(again.reactions, study.reactions)


def test_from_frames_takes_reactions() -> None:
    demo = il.load_study("demo")
    meta = {**demo.meta, "reactions": {"levels": ["disagree", "neutral", "agree"]}}
    reactions = pd.DataFrame(
        {
            "candidate_id": demo.candidates["candidate_id"].head(3),
            "item": "fair",
            "response": ["agree", "neutral", "disagree"],
        }
    )
    study = Study.from_frames(
        meta, demo.candidates, demo.ratings, raters=demo.raters, reactions=reactions
    )
    assert study.reactions is not None
    assert study.reactions["response"].tolist() == ["agree", "neutral", "disagree"]


@pytest.mark.parametrize(
    ("reactions", "toml", "message"),
    [
        pytest.param(
            REACTIONS.replace("c2,fairness, 2", "c2,fairness,7"),
            STUDY_TOML,
            r"reactions\.csv, line 4, column 'response': response '7' is not on the declared "
            r"scale",
            id="off-scale",
        ),
        pytest.param(
            REACTIONS + "c1,fairness,3\n",
            STUDY_TOML,
            r"reactions\.csv, line 6, column 'item': candidate 'c1' answered item 'fairness' "
            "again",
            id="repeated",
        ),
        pytest.param(
            REACTIONS + "c9,fairness,3\n",
            STUDY_TOML,
            r"reactions\.csv, line 6, column 'candidate_id': candidate 'c9' is not in the "
            "candidates table",
            id="unknown-candidate",
        ),
        pytest.param(
            REACTIONS.replace("candidate_id,item,response", "candidate_id,item,answer"),
            STUDY_TOML,
            r"reactions\.csv: has no column 'response'",
            id="missing-column",
        ),
        pytest.param(
            REACTIONS.replace(
                "candidate_id,item,response", "candidate_id,item,response,name"
            ).replace("\nc1,fairness,4", "\nc1,fairness,4,Jane Doe"),
            STUDY_TOML,
            r"reactions\.csv, line 1, column 'name': column 'name' is not a reactions column",
            id="extra-column",
        ),
        pytest.param(
            REACTIONS,
            STUDY_TOML.split("[reactions]")[0],
            r"reactions\.csv: is present but study\.toml declares no scale",
            id="undeclared",
        ),
        pytest.param(
            REACTIONS,
            STUDY_TOML.replace("levels = [1, 2, 3, 4, 5]", "levels = [1, 1]"),
            r"study\.toml, line \d+: \[reactions\] levels must list",
            id="bad-scale",
        ),
        pytest.param(
            REACTIONS,
            STUDY_TOML.replace("problem_responses = [4, 5]", "problem_responses = [6]"),
            r"problem_responses \[6\] are not levels",
            id="bad-problem-codes",
        ),
        pytest.param(
            REACTIONS,
            STUDY_TOML.replace("problem_responses = [4, 5]", "problem_responses = 5"),
            r"problem_responses = 5 must be a list of levels",
            id="problem-codes-not-a-list",
        ),
    ],
)
def test_bad_reactions_name_file_line_and_column(
    tmp_path: Path, reactions: str, toml: str, message: str
) -> None:
    with pytest.raises(StudyError, match=message):
        il.load_study(write(tmp_path, toml=toml, reactions=reactions))


def test_hostile_values_stay_data(tmp_path: Path) -> None:
    folder = write(tmp_path, reactions=None)
    items = ['=HYPERLINK("http://evil.example")', "<script>alert(1)</script>"]
    rows = pd.DataFrame({"candidate_id": ["c1", "c2"], "item": items, "response": [3, 4]})
    rows.to_csv(folder / "reactions.csv", index=False)
    study = il.load_study(folder)
    assert study.reactions is not None
    assert study.reactions["item"].tolist() == items  # kept as text, not interpreted
