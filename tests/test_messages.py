"""Messages end in one full stop, also when a value from the data ends in one (issue 22, 10)."""

from __future__ import annotations

import pandas as pd
import pytest

import interviewlab as il
from interviewlab.errors import ReportNotApplicable
from interviewlab.impact.scale import applicant_counts


def _ends_once(message: str) -> None:
    assert message.endswith(".") and not message.endswith(".."), message


def test_a_reason_with_its_own_full_stop() -> None:
    _ends_once(str(ReportNotApplicable("recording_quality", "the study has no recordings.")))


def test_column_names_with_their_own_full_stop() -> None:
    applicants = pd.DataFrame({"sex": ["F", "M"], "No.": [1, 2]})
    with pytest.raises(il.InterviewLabError, match=r"columns are sex, No\.$") as info:
        applicant_counts(applicants, columns="ethnicity", selected="No.")
    _ends_once(str(info.value))


def test_categories_with_their_own_full_stop() -> None:
    ratings = pd.DataFrame({"group": ["a.", "a.", "b.", "b."], "score": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(il.InterviewLabError, match=r"groups: a\., b\.$") as info:
        il.score_gaps(ratings, group="group", score="score", reference="c")
    _ends_once(str(info.value))
