"""impact_by_format never prints a false zero for a format's reference group (issue 28)."""

from __future__ import annotations

from pathlib import Path

import pytest

import interviewlab as il

STUDY = Path(__file__).parents[1] / "studies" / "requisitions"


@pytest.mark.filterwarnings("ignore::interviewlab.InterviewLabWarning")
def test_a_format_reference_group_keeps_its_entrants() -> None:
    cand = il.load_study(STUDY).candidates
    interviewed = cand[cand["format_order"].notna()]
    table = il.impact_by_format(
        interviewed, group="sex", stages=["shortlisted", "hired"], reference="highest"
    )
    for _, row in table.iterrows():
        k = ["shortlisted", "hired"].index(row["stage"])
        entering = interviewed["shortlisted"] == 1 if k else interviewed["sex"].notna()
        for f in ("async", "live"):
            took = interviewed["format_order"].isin([f, f"{f} only"])
            truth = int((entering & took & (interviewed["sex"] == row["group"])).sum())
            assert row[f"n_{f}"] == truth, (row["stage"], row["group"], f)
    assert table["reason"].str.contains("is the reference group in").any()
