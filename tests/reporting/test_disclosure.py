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


def _rounds() -> pd.DataFrame:
    """Three group columns over three rounds; every category is 10 or more overall.

    round  sex: f, m, missing   eth: x, y, z    dis: no, yes, missing
    1      18, 20, 4            30, 7, 5        25, 12, 5
    2      19, 20, 4            30, 12, 1       31, 12, 0   (dis complete)
    3      17, 18, 4            25, 10, 4       23, 11, 5
    """
    table = {
        "1": (
            {"f": 18, "m": 20, None: 4},
            {"x": 30, "y": 7, "z": 5},
            {"no": 25, "yes": 12, None: 5},
        ),
        "2": ({"f": 19, "m": 20, None: 4}, {"x": 30, "y": 12, "z": 1}, {"no": 31, "yes": 12}),
        "3": (
            {"f": 17, "m": 18, None: 4},
            {"x": 25, "y": 10, "z": 4},
            {"no": 23, "yes": 11, None: 5},
        ),
    }
    frames = []
    for period, columns in table.items():
        values = [[v for v, k in counts.items() for _ in range(k)] for counts in columns]
        assert len({len(v) for v in values}) == 1, period
        frames.append(
            pd.DataFrame({"round": period, "sex": values[0], "eth": values[1], "dis": values[2]})
        )
    return pd.concat(frames, ignore_index=True)


def test_periods_are_planned_as_two_way_tables() -> None:
    plan = Disclosure.from_counts(_rounds(), groups=["sex", "eth", "dis"], period="round")
    rounds = {col: {m: c for m, c in margins.items() if m.startswith("round")}
              for col, margins in plan.hidden.items()}  # fmt: skip
    assert all(not plan.hidden[col]["applicants"] for col in plan.hidden)
    # the missing sex (4 a round) is hidden in every round; no round's total is known in
    # rounds 1 and 3 (every column hides a category there), so nothing protects it there
    assert rounds["sex"] == {f"round {p}": {"(missing)": "fewer than 10"} for p in "123"}
    # eth: y (7) in round 1 only, so it is hidden in its smallest other round (3, 10) too
    assert rounds["eth"]["round 1"] == {"y": "fewer than 10", "z": "fewer than 10"}
    assert rounds["eth"]["round 3"] == {"z": "fewer than 10", "y": "complementary"}
    # round 2: dis is complete, so the round's total would give away the single hidden
    # cells of sex and eth; hiding dis' smallest cell (yes, 12) costs less than hiding
    # another cell of both sex and eth (f 19 + y 12); then yes, hidden in one round only,
    # is hidden in its smallest other round (3, 11)
    assert rounds["eth"]["round 2"] == {"z": "fewer than 10"}
    assert rounds["dis"]["round 2"] == {"yes": "complementary"}
    assert rounds["dis"]["round 3"]["yes"] == "complementary"


def test_a_single_hidden_cell_is_protected_whenever_the_period_total_is_known() -> None:
    cand = _rounds()
    groups = ["sex", "eth", "dis"]
    plan = Disclosure.from_counts(cand, groups=groups, period="round")
    for period in ("1", "2", "3"):
        part = cand[cand["round"] == period]
        counts = {c: part[c].fillna("(missing)").value_counts().to_dict() for c in groups}
        hidden = {c: set(plan.hidden.get(c, {}).get(f"round {period}", {})) for c in groups}
        total_known = any(not hidden[c] for c in groups)
        for c in groups:
            singles = [v for v in hidden[c] if counts[c].get(v, 0) > 0]
            assert not (total_known and len(singles) == 1), (period, c, hidden)
    for margins in plan.hidden.values():  # and never hidden in exactly one round
        rounds = [cats for m, cats in margins.items() if m.startswith("round")]
        for category in {c for cats in rounds for c in cats}:
            assert sum(category in cats for cats in rounds) >= 2, category


def test_rows_pooling_periods_hide_a_category_hidden_in_any_period() -> None:
    plan = Disclosure.from_counts(_rounds(), groups=["sex", "eth", "dis"], period="round")
    per_period = pd.DataFrame({"round": ["1", "2"], "category": ["y", "y"], "n": [7, 12]})
    assert plan.rows_to_hide(per_period).tolist() == [True, False]
    pooled = pd.DataFrame({"category": ["x", "y"], "n_before": [60, 19]})
    assert plan.rows_to_hide(pooled).tolist() == [False, False]  # no period: applicants
    assert plan.rows_to_hide(pooled, across_periods=True).tolist() == [False, True]


def test_rows_of_a_stage_per_period_hide_what_the_stage_hides() -> None:
    # c is hidden at s2 (5 enter it) but shown among every round's applicants (15): its
    # s2 figures per round would add up to the s2 figures the stage audit hides (and d,
    # its complement there)
    groups = ["a"] * 40 + ["c"] * 30 + ["d"] * 30
    passed = [1, 0] * 20 + [1] * 5 + [0] * 25 + [1] * 15 + [0] * 15
    cand = pd.DataFrame({"g": groups, "s1": passed, "s2": 1, "round": ["1", "2"] * 50})
    plan = Disclosure.from_counts(cand, groups=["g"], stages=["s1", "s2"], period="round")
    assert "c" in plan.hidden["g"]["s2"] and "c" not in plan.hidden["g"].get("round 1", {})
    per_period = pd.DataFrame({"stage": ["s1", "s2", "s2", "s2"], "round": ["1", "1", "2", "1"],
                               "category": ["c", "c", "c", "a"], "n": [6, 6, 6, 12]})  # fmt: skip
    assert plan.rows_to_hide(per_period).tolist() == [False, True, True, False]
    pooled = per_period.drop(columns="round")
    assert plan.rows_to_hide(pooled, across_periods=True).tolist() == [False, True, True, False]


def test_a_study_without_periods_is_planned_as_before() -> None:
    with_periods = Disclosure.from_counts(_candidates().assign(round="1"), groups=["g"],
                                          stages=["s1", "s2"])  # fmt: skip
    plain = Disclosure.from_counts(_candidates(), groups=["g"], stages=["s1", "s2"])
    assert with_periods.hidden == plain.hidden and plain.period is None
