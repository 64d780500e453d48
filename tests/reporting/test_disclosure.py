"""The disclosure plan of a report, and rater DRF's minimum on the smallest group."""

from __future__ import annotations

import numpy as np
import pandas as pd

import interviewlab as il
from interviewlab.reporting import Disclosure
from interviewlab.reporting.privacy import suppress_small_cells


def _candidates() -> pd.DataFrame:
    # 40 a (reference), 3 b, 12 c, 25 d; stage 1 passes 20 a, 2 b, 9 c, 15 d
    groups = ["a"] * 40 + ["b"] * 3 + ["c"] * 12 + ["d"] * 25
    passed = [1] * 20 + [0] * 20 + [1, 1, 0] + [1] * 9 + [0] * 3 + [1] * 15 + [0] * 10
    return pd.DataFrame({"g": groups, "s1": passed, "s2": [1] * 80})


def test_disclosure_hides_the_smallest_protecting_complement() -> None:
    plan = Disclosure.from_counts(_candidates(), groups=["g"], stages=["s1", "s2"])
    hidden = plan.hidden["g"]
    # applicants: b (3) is under 10; c (12) is the smallest cell that protects it, not a (40)
    assert hidden["applicants"] == {"b": "fewer than 10", "c": "complementary"}
    # s2 is entered by those who passed s1: b (2) and c (9) both under 10, and kept hidden
    assert set(hidden["s2"]) == {"b", "c"} and "a" not in hidden["s2"]
    assert "d" not in hidden["s2"]


def test_disclosure_applies_to_every_table_and_stage() -> None:
    plan = Disclosure.from_counts(_candidates(), groups=["g"], stages=["s1", "s2"])
    pooled = pd.DataFrame(
        {
            "stage": ["s1", "s1", "s2"],
            "focal": ["c", "d", "d"],
            "reference": ["a"] * 3,
            "n_focal": [12, 25, 15],
            "crude_impact_ratio": [0.9, 1.1, 0.8],
        }
    )
    assert plan.rows_to_hide(pooled).tolist() == [True, False, False]
    shown = suppress_small_cells(
        pooled, counts="n_focal", within=["stage", "focal"], hide=plan.rows_to_hide(pooled)
    )
    assert shown.loc[0, "suppression"] == "hidden in every table"
    assert pd.isna(shown.loc[0, "n_focal"]) and np.isnan(shown.loc[0, "crude_impact_ratio"])
    by_group = pd.DataFrame({"g": ["a", "b", "c", "d"], "mean": [3.0, 2.0, 2.5, 3.1]})
    assert plan.rows_to_hide(by_group).tolist() == [False, True, True, False]
    assert "b (from applicants: fewer than 10)" in plan.describe()


def test_rater_drf_counts_the_smallest_group_compared() -> None:
    rng = np.random.default_rng(5)
    ability = rng.normal(0, 1, 60)
    severity = {"r1": -0.6, "r2": -0.2, "r3": 0.2, "r4": 0.6}
    rows = []
    for cand in range(60):
        group = "one" if cand == 0 else ("x" if cand % 2 else "y")
        for rater, effect in severity.items():
            for _question in range(3):
                score = 3 + ability[cand] + effect + rng.normal(0, 0.5)
                rows.append((f"c{cand}", rater, group, float(score)))
    ratings = pd.DataFrame(rows, columns=["candidate_id", "rater_id", "group", "score"])
    out = il.rater_effects(
        ratings, rater="rater_id", target="candidate_id", score="score", group="group"
    )
    # each rater rated the lone candidate of group "one" (3 ratings): a group of 1 person
    assert out["drf_min_candidates"].tolist() == [1, 1, 1, 1]
    writer = il.ReportWriter(None, min_cell_size=10)
    shown = writer.table(
        out[["rater_id", "n_targets", "drf_low_group", "drf_min_candidates"]],
        "drf",
        counts=["n_targets", "drf_min_candidates"],
        within="rater_id",
    )
    assert shown["suppressed"].all() and shown["drf_low_group"].isna().all()
