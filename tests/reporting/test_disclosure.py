"""The study's disclosure plan, its linked-margin protection, and rater DRF's minimum.

Issue 11 decided the hidden categories per report from the stage margins; issue 28
plans them once per study over every margin a report publishes, protects linked margins
together (a hidden small cell is never a linear combination of the published cells and
totals) and combines not-stated people with a named group before suppressing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import interviewlab as il
from interviewlab.reporting import Disclosure
from interviewlab.reporting._protect import Atoms, derivable, protect
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
    # s2 is entered by those who passed s1: b (2) and c (9) are both under 10
    assert hidden["s2"] == {"b": "fewer than 10", "c": "fewer than 10"}


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
    # 12 people: the row is hidden to protect another cell, not for being small
    assert shown.loc[0, "suppression"] == "complementary"
    assert pd.isna(shown.loc[0, "n_focal"]) and np.isnan(shown.loc[0, "crude_impact_ratio"])
    by_group = pd.DataFrame({"g": ["a", "b", "c", "d"], "mean": [3.0, 2.0, 2.5, 3.1]})
    assert plan.rows_to_hide(by_group).tolist() == [False, True, True, False]
    assert "g: b, c" in plan.describe()


def test_a_stage_row_is_hidden_when_its_passers_are_hidden_at_the_next_stage() -> None:
    # the chain: those who passed s1 are the entrants of s2, so a row at s1 showing d's
    # passers would print the hidden s2 cell; it shows d's 25 applicants only
    cand = _candidates()
    cand.loc[cand["g"] == "d", "s1"] = [1] * 5 + [0] * 20  # d: 25 applicants, 5 pass s1
    plan = Disclosure.from_counts(cand, groups=["g"], stages=["s1", "s2"])
    assert "d" in plan.hidden["g"]["s2"] and "d" not in plan.hidden["g"]["applicants"]
    audit = pd.DataFrame(
        {"stage": ["s1", "s2"], "category": ["d", "d"], "n": [25, 5], "selected": [5, 2]}
    )
    reasons = plan.row_reasons(audit)
    assert reasons.tolist() == ["passers", "own"]
    assert plan.rows_to_hide(audit).tolist() == [True, True]
    shown = suppress_small_cells(
        audit, counts="n", within="stage", hide=reasons == "own",
        hide_passers=reasons == "passers",
    )  # fmt: skip
    assert shown["suppression"].tolist() == ["passers hidden", "fewer than 10"]
    assert shown["n"].tolist()[0] == 25 and shown["selected"].isna().all()


def test_a_reference_hidden_hides_the_rows_compared_with_it() -> None:
    plan = Disclosure.from_counts(_candidates(), groups=["g"], stages=["s1", "s2"])
    table = pd.DataFrame({"category": ["a", "d"], "reference": ["c", "c"], "n": [40, 25]})
    assert plan.row_reasons(table).tolist() == ["reference", "reference"]


@pytest.mark.parametrize("seed", range(6))
def test_derivable_agrees_with_the_matrix_rank(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = [rng.integers(0, 2, 12).astype(float) for _ in range(rng.integers(1, 9))]
    for _ in range(20):
        target = rng.integers(0, 2, 12).astype(float)
        if rng.random() < 0.5:  # a combination of the rows: derivable
            target = sum(rng.integers(-2, 3) * r for r in rows)
        rank = np.linalg.matrix_rank(np.vstack(rows))
        expected = np.linalg.matrix_rank(np.vstack([*rows, target])) == rank
        assert derivable(target, rows) == expected


def test_linked_formats_are_protected_together() -> None:
    # 60 candidates of group x and 40 of y, rated in one of two formats; z has 4 in f1
    # and 8 in f2, so its 12 rated are shown. A per-format complement (y in f1 only)
    # would leave z in f1 = 12 - (z in f2) once z's f2 cell is shown: the plan hides a
    # cycle across the formats instead.
    g = ["x"] * 60 + ["y"] * 40 + ["z"] * 12
    f1 = np.array(
        [True] * 30 + [False] * 30 + [True] * 20 + [False] * 20 + [True] * 4 + [False] * 8
    )
    labels = pd.DataFrame({"g": g})
    masks = {"rated": np.ones(len(g), dtype=bool), "f1": f1, "f2": ~f1}
    atoms = Atoms.build(labels, masks)
    plan = protect(atoms, min_cell_size=10)
    assert plan["f1"][("z",)] == "fewer than 10" and plan["f2"][("z",)] == "fewer than 10"
    hidden = {(m, c) for m, cells in plan.items() for c in cells}
    published = [atoms.cell(m, (None,)) for m in masks] + [
        atoms.cell(m, c) for m in masks for c in atoms.categories(m) if (m, c) not in hidden
    ]
    for margin in ("f1", "f2"):
        assert not derivable(atoms.cell(margin, ("z",)), published)
    # the rated margin is not touched: the cycle is within the two formats
    assert "rated" not in plan


def test_not_stated_is_combined_before_anything_is_suppressed() -> None:
    demo = il.load_study("demo")
    plan = Disclosure.from_study(demo)
    # 18 did not state their sex, 4 of them at the appointed stage: combined with the
    # largest group (no suppression differs), not hidden with a complement
    assert plan.combined["sex"] == {"(missing)": "male or not stated", "male": "male or not stated"}
    assert "sex" not in plan.hidden
    # ethnicity has a residual category: "Other or not stated"
    assert plan.combined["ethnicity"]["(missing)"] == "Other or not stated"
    protected = plan.apply(demo)
    assert protected.candidates["sex"].isna().sum() == 0
    assert protected.reference_groups["disability"] == "no or not stated"
    # raters keep their own missing values; a named category is renamed like candidates'
    assert set(protected.raters["ethnicity"].dropna()) <= set(protected.candidates["ethnicity"])


def test_a_small_named_group_is_combined_when_that_spares_a_complement() -> None:
    # 100 men, 90 women, 6 non-binary and 5 not stated: combining not stated with
    # non-binary (11) hides nothing; with the largest group, non-binary (6) and a
    # complement would be hidden
    values = ["man"] * 100 + ["woman"] * 90 + ["non-binary"] * 6 + [None] * 5
    cand = pd.DataFrame(
        {"candidate_id": [f"c{i}" for i in range(len(values))], "gender": values, "hired": 1}
    )
    ratings = pd.DataFrame(
        {"candidate_id": cand["candidate_id"], "rater_id": "r1", "question_id": "q1",
         "format": "live", "score": 3.0}
    )  # fmt: skip
    meta = {"name": "g", "rubric": {"min": 1, "max": 5}, "groups": {"columns": ["gender"]},
            "stages": {"order": ["hired"]}, "formats": {"labels": ["live"]}}  # fmt: skip
    study = il.Study.from_frames(meta, cand, ratings)
    plan = Disclosure.from_study(study)
    assert plan.combined["gender"]["(missing)"] == "non-binary or not stated"
    assert "gender" not in plan.hidden


def test_the_plan_does_not_depend_on_row_order() -> None:
    demo = il.load_study("demo")
    shuffled = demo.candidates.sample(frac=1.0, random_state=3).reset_index(drop=True)
    other = il.Study(meta=demo.meta, candidates=shuffled, ratings=demo.ratings, raters=demo.raters)
    assert Disclosure.from_study(other).to_dict() == Disclosure.from_study(demo).to_dict()


def test_the_written_plan_names_no_count() -> None:
    written = Disclosure.from_study(il.load_study("demo")).to_dict()
    assert set(written) == {"min_cell_size", "combined", "same_margins", "hidden"}
    for record in written["hidden"]:
        assert set(record) == {"classification", "margin", "category", "reason"}


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


def test_periods_are_planned_as_linked_margins() -> None:
    plan = Disclosure.from_counts(_rounds(), groups=["sex", "eth", "dis"], period="round")
    rounds = {col: {m: c for m, c in margins.items() if m.startswith("round")}
              for col, margins in plan.hidden.items()}  # fmt: skip
    assert all(not plan.hidden[col].get("applicants") for col in plan.hidden)
    # the missing sex (4 a round) is hidden in every round; the plan takes every
    # margin's total as published, so the smallest other cell of each round goes too
    assert rounds["sex"] == {
        f"round {p}": {"(missing)": "fewer than 10", "f": "complementary"} for p in "123"
    }
    # eth: y (7) is small in round 1 only; its total over the rounds is published, so
    # it is hidden in the other rounds (where z is small anyway) as a complement
    assert rounds["eth"]["round 1"] == {"y": "fewer than 10", "z": "fewer than 10"}
    assert rounds["eth"]["round 2"] == {"z": "fewer than 10", "y": "complementary"}
    assert rounds["eth"]["round 3"] == {"z": "fewer than 10", "y": "complementary"}
    # dis is complete in round 2: nothing hidden there
    assert "round 2" not in rounds["dis"]
    assert rounds["dis"]["round 1"] == {"(missing)": "fewer than 10", "yes": "complementary"}


def test_no_small_cell_of_a_period_is_derivable_from_the_shown_ones() -> None:
    cand = _rounds()
    for col in ("sex", "eth", "dis"):
        plan = Disclosure.from_counts(cand, groups=[col], period="round")
        labels = cand[col].astype(object).where(cand[col].notna(), "(missing)").astype(str)
        masks = {"applicants": np.ones(len(cand), dtype=bool)}
        masks |= {f"round {p}": (cand["round"] == p).to_numpy() for p in "123"}
        atoms = Atoms.build(labels.to_frame(), masks)
        hidden = plan.hidden.get(col, {})
        totals = [atoms.cell(m, (None,)) for m in masks]
        shown = [atoms.cell(m, c) for m in masks for c in atoms.categories(m)
                 if c[0] not in hidden.get(m, {})]  # fmt: skip
        for margin, cells in hidden.items():
            for category, why in cells.items():
                if why.startswith("fewer"):
                    assert not derivable(atoms.cell(margin, (category,)), [*totals, *shown])


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
    per_period = pd.DataFrame({"round": ["1", "1"], "category": ["y", "x"], "n": [7, 30]})
    assert plan.rows_to_hide(per_period).tolist() == [True, False]
    pooled = pd.DataFrame({"category": ["x", "y"], "n_before": [60, 19]})
    assert plan.rows_to_hide(pooled).tolist() == [False, False]  # no period: applicants
    assert plan.rows_to_hide(pooled, across_periods=True).tolist() == [False, True]


def test_rows_of_a_stage_per_period_hide_what_protects_the_stage() -> None:
    # c is hidden at s2 (5 enter it: 3 in round 1, 2 in round 2) but shown among every
    # round's applicants (15). A stage's entrants within a round are no one's base (the
    # reports over time count rates among the round's applicants), so they are linked
    # margins with no minimum: summed over the rounds they give the s2 cells, so the
    # plan hides round 2's c and d there (d: s2's complement), and round 1 may show c's 3
    groups = ["a"] * 40 + ["c"] * 30 + ["d"] * 30
    passed = [1, 0] * 20 + [1] * 5 + [0] * 25 + [1] * 15 + [0] * 15
    cand = pd.DataFrame({"g": groups, "s1": passed, "s2": 1, "round": ["1", "2"] * 50})
    plan = Disclosure.from_counts(cand, groups=["g"], stages=["s1", "s2"], period="round")
    assert plan.hidden["g"]["s2"] == {"c": "fewer than 10", "d": "complementary"}
    assert plan.hidden["g"]["s2 in round 2"] == {"c": "complementary", "d": "complementary"}
    assert "round 1" not in plan.hidden["g"] and "s2 in round 1" not in plan.hidden["g"]
    per_period = pd.DataFrame({"stage": ["s1", "s2", "s2", "s1"], "round": ["1", "1", "2", "2"],
                               "category": ["c"] * 4, "n": [15] * 4})  # fmt: skip
    # a row at a stage shows its passers too (s1's passers in round 2 are s2's entrants)
    assert plan.rows_to_hide(per_period).tolist() == [False, False, True, True]
    # pooled over the rounds, c's rows show the hidden s2 cell
    pooled = per_period.drop(columns="round").assign(category=["c", "c", "a", "a"])
    assert plan.rows_to_hide(pooled, across_periods=True).tolist() == [True, True, False, False]


def test_a_study_without_periods_is_planned_as_before() -> None:
    with_periods = Disclosure.from_counts(_candidates().assign(round="1"), groups=["g"],
                                          stages=["s1", "s2"])  # fmt: skip
    plain = Disclosure.from_counts(_candidates(), groups=["g"], stages=["s1", "s2"])
    assert with_periods.hidden == plain.hidden and plain.period is None


def test_a_row_whose_passers_alone_are_hidden_keeps_its_entrants() -> None:
    # c: 30 enter s1, 5 pass it (s2's entrants): hidden at s2 only
    groups = ["a"] * 40 + ["c"] * 30 + ["d"] * 30
    passed = [1, 0] * 20 + [1] * 5 + [0] * 25 + [1] * 15 + [0] * 15
    cand = pd.DataFrame({"g": groups, "s1": passed, "s2": 1})
    plan = Disclosure.from_counts(cand, groups=["g"], stages=["s1", "s2"])
    table = pd.DataFrame({"stage": ["s1", "s1", "s1", "s2"], "category": ["a", "c", "d", "c"],
                          "n": [40, 30, 30, 5], "selected": [20, 5, 15, 5],
                          "rate": [0.5, 5 / 30, 0.5, 1.0]})  # fmt: skip
    reasons = plan.row_reasons(table, ["n"])
    assert reasons.tolist() == ["", "passers", "passers", "own"]  # d: s2's complement
    shown = suppress_small_cells(
        table,
        counts="n",
        within="stage",
        hide=reasons == "own",
        hide_passers=reasons == "passers",
    )
    assert shown["suppression"].tolist() == ["", "passers hidden", "passers hidden",
                                             "fewer than 10"]  # fmt: skip
    assert shown["n"].tolist()[:3] == [40, 30, 30] and shown["selected"].isna().tolist() == [
        False, True, True, True]  # fmt: skip
    assert shown["suppressed"].tolist() == [False, True, True, True]
    writer = il.ReportWriter(None, disclosure=plan)
    writer.table(table, "t", counts="n", within="stage")
    loss = writer.information_loss()
    assert (loss["suppressed"], loss["partly"], loss["cells"]) == (1, 2, 4)
