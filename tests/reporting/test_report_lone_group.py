"""The reliability report runs through when one candidate group has a single member."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import interviewlab as il

pytestmark = pytest.mark.slow  # every test here runs reports


def test_reliability_report_with_a_one_candidate_group(tmp_path: Path) -> None:
    demo = il.load_study("demo")
    candidates = demo.candidates.copy()
    lone = candidates.index[0]
    candidates.loc[lone, "ethnicity"] = "Lone"  # a group with one candidate
    # every ethnicity stated: otherwise the disclosure plan counts the few not stated
    # with the lone group ("Lone or not stated", issue 28) and no group has one member
    candidates["ethnicity"] = candidates["ethnicity"].fillna("Other")
    study = il.Study(meta=demo.meta, candidates=candidates, ratings=demo.ratings)
    folder = study.save(tmp_path / "lone")
    report = il.run_report(
        "reliability",
        study=folder,
        out=tmp_path / "reports",
        params={"n_boot": 100, "n_boot_reml": 0},
        progress=False,
    )
    table = pd.read_csv(report / "tables" / "alpha_by_format_and_ethnicity.csv")
    rows = table[table["ethnicity"] == "Lone"]
    # the row is kept (the candidate was rated in one format), and suppressed: one person
    assert len(rows) == 1 and rows["suppressed"].all()
    assert table.loc[table["ethnicity"] == "White", "estimable"].all()
