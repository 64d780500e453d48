"""Helpers shared by the data tests: a small valid study written to a folder, and the CLI's
``validate`` run on a path."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviewlab.cli import main

STUDY_TOML = """\
name = "tiny"
description = "A small valid study for tests"

[rubric]
min = 1
max = 5
questions = ["q1", "q2"]

[groups]
columns = ["sex", "ethnicity"]
unknown = ["unknown", "prefer not to say"]

[groups.reference]
ethnicity = "White"

[stages]
order = ["completed_async", "shortlisted", "appointed"]

[formats]
labels = ["async", "live"]
"""

CANDIDATES = """\
candidate_id,sex,ethnicity,requisition_id,completed_async,shortlisted,appointed
c1,female,White,R1,1,1,1
c2,male,Black,R1,1,1,0
c3,female,Asian,R1,1,0,0
c4,male,prefer not to say,R2,0,0,0
"""

RATINGS = """\
candidate_id,rater_id,question_id,format,score
c1,r1,q1,async,4
c1,r1,q2,async,5
c1,r2,q1,async,3
c2,r1,q1,live,2
c2,r2,q1,live,3
c3,r1,q1,async,1
c3,r2,q2,async,2
"""


def write_study(
    folder: Path,
    *,
    toml: str = STUDY_TOML,
    candidates: str = CANDIDATES,
    ratings: str = RATINGS,
    encoding: str = "utf-8",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "study.toml").write_text(toml, encoding="utf-8")
    (folder / "candidates.csv").write_bytes(candidates.encode(encoding))
    (folder / "ratings.csv").write_bytes(ratings.encode(encoding))
    return folder


def validate(capsys: pytest.CaptureFixture, path: Path | str) -> tuple[int, str, str]:
    status = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err
