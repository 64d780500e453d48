"""The audit's comparison group is never one a report's disclosure plan hides (issue 28)."""

from __future__ import annotations

import pandas as pd
import pytest

import interviewlab as il

pytestmark = pytest.mark.filterwarnings("ignore::interviewlab.InterviewLabWarning")


def _candidates() -> pd.DataFrame:
    # at s2, group b has the highest rate (all pass) but the plan would hide it
    rows = [("a", 1, 1)] * 20 + [("a", 1, 0)] * 20 + [("b", 1, 1)] * 12 + [("c", 1, 1)] * 15
    rows += [("c", 1, 0)] * 10 + [("c", 0, 0)] * 5
    return pd.DataFrame(rows, columns=["g", "s1", "s2"])


def test_the_highest_rate_group_is_the_reference_by_default() -> None:
    table = il.stage_audit(_candidates(), group="g", stages=["s1", "s2"], min_count=10)
    assert table.loc[table["stage"] == "s2", "reference"].unique().tolist() == ["b"]


def test_a_barred_group_is_compared_but_never_the_reference() -> None:
    table = il.stage_audit(
        _candidates(), group="g", stages=["s1", "s2"], min_count=10, not_reference={"s2": {"b"}}
    )
    s2 = table[table["stage"] == "s2"].set_index("category")
    assert s2["reference"].unique().tolist() == ["c"]  # 15 of 25 against a's 20 of 40
    assert s2.loc["b", "role"] == "compared" and s2.loc["b", "impact_ratio"] > 1


def test_no_reference_when_every_eligible_group_is_barred() -> None:
    table = il.stage_audit(
        _candidates(), group="g", stages=["s1", "s2"], min_count=10,
        not_reference={"s2": {"a", "b", "c"}},
    )  # fmt: skip
    s2 = table[table["stage"] == "s2"]
    assert (s2["role"] != "reference").all() and s2["impact_ratio"].isna().all()
