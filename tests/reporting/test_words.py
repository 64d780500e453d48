"""The findings in words of the machine-score and over-time reports, on suppressed tables."""

from __future__ import annotations

import pandas as pd

import interviewlab as il


def _gaps(**changes: object) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "category": ["All candidates", "B", "C"],
            "term": ["pearson_r", "conditional_difference_latent", "conditional_difference_latent"],
            "reference": "A",
            "estimate": [0.9, 0.4, -0.3],
            "ci_low": [0.85, 0.2, -0.5],
            "ci_high": [0.95, 0.6, -0.1],
            "p_value": [float("nan"), 0.0001, 0.004],
            "estimable": pd.array([True, True, True], dtype="boolean"),
            "suppressed": [False, False, False],
        }
    )
    return table.assign(**changes)


def test_a_gap_against_a_group_comes_before_a_clearer_gap_in_its_favour() -> None:
    text = il.machine_gap_finding({"g": _gaps()})
    assert text.startswith(
        "At the same human score, the machine scores C candidates 0.30 points lower"
    )


def test_suppressed_rows_are_never_described() -> None:
    table = _gaps(
        estimable=pd.array([True, True, pd.NA], dtype="boolean"),
        suppressed=[False, False, True],
    )
    text = il.machine_gap_finding({"g": table})
    assert "C candidates" not in text and "B candidates 0.40 points higher" in text


def test_a_suppressed_overall_correlation_is_left_out() -> None:
    # the corpus' rounds study: the all-candidates rows hidden as a complement
    table = _gaps(suppressed=[True, False, False], estimate=[float("nan"), 0.4, -0.3])
    text = il.machine_gap_finding({"g": table})
    assert text.startswith("At the same human score, the machine scores C candidates")
    assert "correlate" not in text and text.endswith("error).")


def test_no_clear_gap_is_said_as_such() -> None:
    table = _gaps(p_value=[float("nan"), 0.3, 0.5])
    text = il.machine_gap_finding({"g": table})
    assert text.startswith("No group is scored differently by the machine")


def test_nothing_to_compare_is_said_as_such() -> None:
    empty = pd.DataFrame(columns=["stage", "category", "reference", "p_value", "estimable"])
    assert il.change_finding({"g": empty}, period="round", change_after="2").startswith(
        "No impact ratio before and after round 2 could be compared"
    )
    assert il.trend_finding({"g": empty.assign(term=[])}) == (
        "No group's selection could be followed over the periods."
    )
