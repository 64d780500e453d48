"""compare_formats and equivalence_test: planted effects, reductions to t tests, designs."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from statsmodels.stats.weightstats import ttost_ind, ttost_paired

import interviewlab as il
from interviewlab.errors import InterviewLabError, InterviewLabWarning
from interviewlab.formats import compare_formats, equivalence_test

LMERTEST = Path(__file__).parent / "lmertest"
GROUPS = {"ethnicity": {"White": 0.55, "Black": 0.45}, "sex": {"female": 0.5, "male": 0.5}}


def planted_study(design: str, seed: int):
    # a 1-9 scale keeps clipping (which shrinks effects) negligible
    return il.simulate_study(
        seed=seed,
        n_candidates=600 if design == "between" else 300,
        design=design,
        scale=(1, 9),
        groups=GROUPS,
        format_effect=-0.3,
        focal_format_effect=-0.4,
    )


@pytest.mark.parametrize("design", ["between", "within"])
def test_planted_effects_inside_95_percent_intervals(design):
    # simulate_study plants: async - live = -0.3 for everyone, -0.4 more for Black
    # candidates, no group gap in the live format.
    study = planted_study(design, seed=31)
    res = compare_formats(
        study.ratings, candidates=study.candidates, group="ethnicity", reference="White"
    ).set_index(["kind", "group", "format"])
    assert (res["design"] == design).all()
    truth = {  # (kind, group, format) -> planted value
        ("format", "White", ""): -0.3,
        ("format", "Black", ""): -0.7,
        ("gap", "Black", "live"): 0.0,
        ("gap", "Black", "async"): -0.4,
        ("interaction", "Black", ""): -0.4,
    }
    for key, value in truth.items():
        row = res.loc[key]
        assert row["ci_low"] <= value <= row["ci_high"], (key, row["estimate"])
    interaction = res.loc[("interaction", "Black", "")]
    assert interaction["p_value"] < 0.05
    if design == "within":
        assert {"period", "carryover"} <= set(res.index.get_level_values("kind"))
        for kind in ("period", "carryover"):
            row = res.loc[(kind, "", "")]
            assert row["ci_low"] <= 0.0 <= row["ci_high"]


def test_rows_columns_counts_and_d():
    study = planted_study("between", seed=3)
    res = compare_formats(
        study.ratings, candidates=study.candidates, group="ethnicity", reference="White"
    )
    assert list(res.columns) == [
        "effect", "kind", "group", "format", "estimate", "se", "df", "ci_low", "ci_high",
        "p_value", "d", "d_ci_low", "d_ci_high", "n_candidates", "n_ratings",
        "small_sample", "estimable", "reason", "design",
    ]  # fmt: skip
    assert res["estimable"].all()
    overall = res.iloc[0]
    assert overall["n_candidates"] == study.ratings["candidate_id"].nunique()
    assert overall["n_ratings"] == len(study.ratings)
    # d rescales estimate and interval by the same SD
    sd = res["estimate"] / res["d"]
    assert_allclose(sd, sd.iloc[0])
    assert_allclose(res["d_ci_low"] * sd, res["ci_low"])
    # the live gap rests on the live ratings of Black and White candidates
    live = res[(res["kind"] == "gap") & (res["format"] == "live")].iloc[0]
    ratings = study.ratings.merge(study.candidates[["candidate_id", "ethnicity"]])
    assert live["n_ratings"] == int((ratings["format"] == "live").sum())


def test_input_not_modified_and_row_order_irrelevant():
    study = planted_study("between", seed=4)
    ratings = study.ratings.copy()
    first = compare_formats(ratings, candidates=study.candidates, group="ethnicity")
    pd.testing.assert_frame_equal(ratings, study.ratings)
    shuffled = ratings.sample(frac=1.0, random_state=1)
    again = compare_formats(shuffled, candidates=study.candidates, group="ethnicity")
    assert_allclose(first["estimate"], again["estimate"], rtol=1e-5, atol=1e-7)
    assert_allclose(first["df"], again["df"], rtol=1e-3)


def balanced(design: str, seed: int) -> pd.DataFrame:
    """Every rater rates every candidate on every question (in each format taken)."""
    rng = np.random.default_rng(seed)
    n_cand, raters, questions = 40, 5, 3
    rows = []
    ability = rng.normal(0, 0.8, n_cand)
    severity = rng.normal(0, 0.4, raters)
    for c in range(n_cand):
        taken = ["async" if c % 2 else "live"] if design == "between" else ["async", "live"]
        for fmt in taken:
            session = rng.normal(0, 0.4)  # the candidate's day in this format
            for r in range(raters):
                for q in range(questions):
                    mu = 3 + ability[c] + severity[r] + 0.1 * q + session
                    mu += -0.15 * (fmt == "async")
                    rows.append((f"c{c}", f"r{r}", f"q{q}", fmt, mu + rng.normal(0, 0.6)))
    out = pd.DataFrame(rows, columns=["candidate_id", "rater_id", "question_id", "format", "score"])
    if design == "within":
        out["format_order"] = np.where(
            out["candidate_id"].str[1:].astype(int) % 2 == 0, "async first", "live first"
        )
    return out


@pytest.mark.parametrize("margin", [0.2, 0.5])
def test_tost_between_equals_statsmodels_ttost_ind(margin):
    # statsmodels 0.15: ttost_ind(async means, live means, -margin, margin, "pooled")
    data = balanced("between", seed=11)
    means = data.groupby(["candidate_id", "format"])["score"].mean().reset_index()
    a = means.loc[means["format"] == "async", "score"].to_numpy()
    b = means.loc[means["format"] == "live", "score"].to_numpy()
    p, (t1, p1, df1), (t2, p2, df2) = ttost_ind(a, b, -margin, margin, usevar="pooled")
    res = equivalence_test(data, margin=margin).iloc[0]
    assert res["design"] == "between"
    assert_allclose(res["difference"], a.mean() - b.mean(), rtol=1e-6)
    assert_allclose(res["df"], df1, rtol=1e-4)
    assert_allclose([res["p_lower"], res["p_upper"], res["p_value"]], [p1, p2, p], rtol=1e-4)
    t_lower = (res["difference"] + margin) / res["se"]
    t_upper = (res["difference"] - margin) / res["se"]
    assert_allclose([t_lower, t_upper, res["df"]], [t1, t2, df2], rtol=1e-4)


@pytest.mark.parametrize("margin", [0.2, 0.4])
def test_tost_rated_twice_equals_statsmodels_ttost_paired(margin):
    # statsmodels 0.15: ttost_paired(async means, live means, -margin, margin); a
    # rated-twice design (no order) is the paired comparison
    data = balanced("within", seed=12)
    means = data.pivot_table(index="candidate_id", columns="format", values="score")
    p, (t1, p1, df1), (t2, p2, df2) = ttost_paired(
        means["async"].to_numpy(), means["live"].to_numpy(), -margin, margin
    )
    res = equivalence_test(data, margin=margin, design="rated_twice").iloc[0]
    assert_allclose(res["difference"], (means["async"] - means["live"]).mean(), rtol=1e-6)
    assert_allclose(res["df"], df1, rtol=1e-4)
    assert_allclose([res["p_lower"], res["p_upper"], res["p_value"]], [p1, p2, p], rtol=1e-4)
    t_lower = (res["difference"] + margin) / res["se"]
    t_upper = (res["difference"] - margin) / res["se"]
    assert_allclose([t_lower, t_upper, res["df"]], [t1, t2, df2], rtol=1e-4)


@pytest.mark.parametrize("margin", [0.2, 0.4])
def test_tost_within_is_the_2x2_crossover_analysis(margin):
    # A within design (order recorded) adds sequence and period: the format effect is the
    # 2x2 crossover estimate (Senn 2002, ch. 3), half the difference between the two
    # sequences' mean period differences (first minus second interview), tested on n - 2
    # df. statsmodels 0.15: ttost_ind(d_async_first / 2, d_live_first / 2, -margin,
    # margin, usevar="pooled") on candidate mean scores
    data = balanced("within", seed=12)
    means = data.pivot_table(index="candidate_id", columns="format", values="score")
    order = data.drop_duplicates("candidate_id").set_index("candidate_id")["format_order"]
    first = (order.loc[means.index] == "async first").to_numpy()
    period_diff = np.where(first, 1.0, -1.0) * (means["async"] - means["live"]).to_numpy()
    p, (t1, p1, df1), (t2, p2, df2) = ttost_ind(
        period_diff[first] / 2, period_diff[~first] / 2, -margin, margin, usevar="pooled"
    )
    res = equivalence_test(data, margin=margin).iloc[0]
    assert res["design"] == "within"
    assert df1 == len(means) - 2
    expected = (period_diff[first].mean() - period_diff[~first].mean()) / 2
    assert_allclose(res["difference"], expected, rtol=1e-6)
    assert_allclose(res["df"], df1, rtol=1e-4)
    assert_allclose([res["p_lower"], res["p_upper"], res["p_value"]], [p1, p2, p], rtol=1e-4)
    t_lower = (res["difference"] + margin) / res["se"]
    t_upper = (res["difference"] - margin) / res["se"]
    assert_allclose([t_lower, t_upper, res["df"]], [t1, t2, df2], rtol=1e-4)


def test_tost_verdicts_and_sd_margin():
    data = balanced("between", seed=11)
    wide = equivalence_test(data, margin=3.0).iloc[0]
    assert wide["verdict"] == "equivalent" and wide["equivalent"]
    assert wide["ci_low"] > -3.0 and wide["ci_high"] < 3.0
    narrow = equivalence_test(data, margin=0.01).iloc[0]
    assert narrow["verdict"] in ("inconclusive", "different") and not narrow["equivalent"]
    in_sd = equivalence_test(data, margin=0.5, margin_unit="sd").iloc[0]
    res = compare_formats(data)
    sd = res["estimate"].iloc[0] / res["d"].iloc[0]
    assert_allclose(in_sd["margin"], 0.5 * sd, rtol=1e-6)


def test_confounded_design_gets_not_estimable_rows():
    # each candidate one format and the two formats' raters never overlap
    data = balanced("between", seed=13)
    data = data.assign(
        rater_id=np.where(data["format"] == "async", "A", "L") + data["rater_id"],
        ethnicity=np.where(data["candidate_id"].str[1:].astype(int) % 4 < 2, "x", "y"),
    )
    res = compare_formats(data, group="ethnicity", reference="x")
    fmt = res[res["kind"].isin(["format", "interaction"])]
    assert not fmt["estimable"].any()
    assert fmt["estimate"].isna().all()
    assert fmt["reason"].str.contains("no rater rated in both formats").all()
    gaps = res[res["kind"] == "gap"]
    assert gaps["estimable"].all() and gaps["estimate"].notna().all()
    with pytest.raises(InterviewLabError, match="no rater rated in both formats"):
        equivalence_test(data, margin=0.3)


def test_group_in_one_format_only_is_not_estimable():
    data = balanced("between", seed=14)
    ids = data["candidate_id"].str[1:].astype(int)
    group = np.where(ids % 4 < 2, "a", "b")
    group[(ids % 2 == 1).to_numpy() & (ids < 10).to_numpy()] = "c"  # c: async only
    res = compare_formats(data.assign(g=group), group="g", reference="a")
    c_rows = res[res["group"] == "c"].set_index("kind")
    assert not c_rows.loc["interaction", "estimable"]
    assert "no c candidate was rated in live" in c_rows.loc["interaction", "reason"]
    gap = res[(res["group"] == "c") & (res["kind"] == "gap")].set_index("format")
    assert gap.loc["async", "estimable"] and not gap.loc["live", "estimable"]
    assert res[res["group"] == "b"]["estimable"].all()


def contrast_codes(res: pd.DataFrame) -> list[str]:
    """The contrast names of lmertest_reference.R for compare_formats' rows."""
    codes = []
    for kind, group, fmt in zip(res["kind"], res["group"], res["format"], strict=True):
        if kind == "format":
            codes.append(f"format_{group or 'all'}")
        elif kind == "gap":
            codes.append(f"gap_{group}_{fmt}")
        else:
            codes.append(f"{kind}_{group}")
    return codes


def test_reference_group_in_one_format_matches_lmer_dropping_the_aliased_column():
    # R 4.2.2, lme4 1.1.31, lmerTest 3.1.3 (tests/formats/lmertest/lmertest_reference.R,
    # output in lmertest_output.txt): lmer(score ~ fa * group + question_id +
    # (1 | candidate_id) + (1 | rater_id)) drops the aliased fa:groupC; estimability from
    # the null space of the full design (MASS::Null); contest1D on the kept coefficients
    data = pd.read_csv(LMERTEST / "reference_one_format.csv")
    ref = pd.read_csv(LMERTEST / "lmertest_output.txt", comment="#").set_index("contrast")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning, no error: the aliased column is dropped
        res = compare_formats(data, group="group", reference="A")
    res.index = pd.Index(contrast_codes(res), name="contrast")
    assert sorted(res.index) == sorted(ref.index)
    res = res.loc[ref.index]
    assert (res["estimable"] == ref["estimable"]).all()
    assert int(ref["estimable"].sum()) == 4  # format B and C, the gaps in the live format
    ok = ref["estimable"].to_numpy()
    assert_allclose(res.loc[ok, "estimate"], ref.loc[ok, "estimate"], rtol=0, atol=1e-6)
    assert_allclose(res.loc[ok, "se"], ref.loc[ok, "se"], rtol=0, atol=1e-6)
    assert_allclose(res.loc[ok, "df"], ref.loc[ok, "df"], rtol=1e-5)
    assert_allclose(res.loc[ok, "p_value"], ref.loc[ok, "p_value"], rtol=1e-5)
    blank = res.loc[~ok]
    assert blank["estimate"].isna().all()
    new = ["format_all", "format_A", "interaction_B", "interaction_C"]
    assert (
        blank.loc[new, "reason"]
        .str.contains("no A candidate (the reference group) was rated in async", regex=False)
        .all()
    )
    assert "lme4" in blank.loc["format_A", "reason"]


def test_reference_group_in_one_format_agrees_with_another_reference():
    # the estimable contrasts do not depend on the reference (reference B: full rank)
    data = pd.read_csv(LMERTEST / "reference_one_format.csv")
    by_a = compare_formats(data, group="group", reference="A").set_index(
        ["kind", "group", "format"]
    )
    by_b = compare_formats(data, group="group", reference="B").set_index(
        ["kind", "group", "format"]
    )
    for key in [("format", "B", ""), ("format", "C", "")]:
        assert_allclose(by_a.loc[key, "estimate"], by_b.loc[key, "estimate"], atol=1e-6)
        assert_allclose(by_a.loc[key, "se"], by_b.loc[key, "se"], atol=1e-6)
    # gap C - A minus gap B - A (live) = gap C - B (live)
    gap_cb = by_a.loc[("gap", "C", "live"), "estimate"] - by_a.loc[("gap", "B", "live"), "estimate"]
    assert_allclose(gap_cb, by_b.loc[("gap", "C", "live"), "estimate"], atol=1e-6)
    assert not by_b.loc[("format", "A", ""), "estimable"]


def test_aliased_covariate_is_dropped_and_reported():
    data = balanced("between", seed=18)
    data = data.assign(is_async=2.0 * (data["format"] == "async"))
    res = compare_formats(data, covariates="is_async").set_index("kind")
    for kind in ("format", "covariate"):
        assert not res.loc[kind, "estimable"] and np.isnan(res.loc[kind, "estimate"])
    assert "aliased" in res.loc["format", "reason"]
    assert "covariate is aliased" in res.loc["covariate", "reason"]
    with pytest.raises(InterviewLabError, match="aliased"):
        equivalence_test(data, margin=0.3, covariates="is_async")


def test_covariates_by_name_and_unknown_groups_warned():
    study = il.simulate_study(seed=8, n_candidates=200, internal_bonus=0.6, missing_group_rate=0.05)
    with pytest.warns(InterviewLabWarning, match="unknown 'sex'"):
        res = compare_formats(
            study.ratings,
            candidates=study.candidates,
            group="sex",
            covariates=["internal", "recording_quality"],
        )
    cov = res[res["kind"] == "covariate"].set_index("effect")
    assert list(cov.index) == ["covariate: internal", "covariate: recording_quality"]
    row = cov.loc["covariate: internal"]
    assert row["ci_low"] <= 0.6 <= row["ci_high"]


def test_bad_inputs_raise_clear_errors():
    data = balanced("between", seed=15)
    with pytest.raises(InterviewLabError, match="design='crossover' is not allowed"):
        compare_formats(data, design="crossover")
    with pytest.raises(InterviewLabError, match="'video'"):
        compare_formats(data.assign(format=data["format"].replace("live", "video")))
    both = balanced("within", seed=15)
    with pytest.raises(InterviewLabError, match="rated in both formats"):
        compare_formats(both, design="between")
    with pytest.raises(InterviewLabError, match="needs the order"):
        compare_formats(both.drop(columns="format_order"), design="within")
    with pytest.raises(InterviewLabError, match="not in candidates"):
        compare_formats(
            data, candidates=pd.DataFrame({"candidate_id": ["c0"], "g": ["x"]}), group="g"
        )
    with pytest.raises(InterviewLabError, match="margin"):
        equivalence_test(data, margin=-1)
    with pytest.raises(InterviewLabError, match="margin_unit"):
        equivalence_test(data, margin=0.2, margin_unit="points")


def test_detects_rated_twice_without_order():
    data = balanced("within", seed=16).drop(columns="format_order")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = compare_formats(data)
    assert res["design"].iloc[0] == "rated_twice"
    assert set(res["kind"]) == {"format"}


def test_planted_format_effects_with_recording_penalty_are_covered():
    # simulate_study also plants an async penalty for poor recordings, worse for the
    # focal group; planted_format_effects folds it into the true effects
    study = il.simulate_study(
        seed=17,
        n_candidates=800,
        scale=(1, 9),
        groups=GROUPS,
        format_effect=-0.1,
        focal_format_effect=-0.4,
        recording_penalty=0.6,
        focal_recording_gap=0.2,
    )
    truth = il.planted_format_effects(study).set_index(["kind", "group"])["planted"]
    res = compare_formats(
        study.ratings, candidates=study.candidates, group="ethnicity", reference="White"
    ).set_index(["kind", "group", "format"])
    for (kind, group), value in truth.items():
        row = res.loc[(kind, group, "")]
        assert row["ci_low"] <= value <= row["ci_high"], (kind, group)
    with pytest.raises(InterviewLabError, match="no planted format effects"):
        il.planted_format_effects(
            il.Study.from_frames(
                {k: v for k, v in study.meta.items() if k != "planted"},
                study.candidates,
                study.ratings,
            )
        )


def test_panel_random_intercept_is_added_by_name():
    study = il.simulate_study(seed=23, n_candidates=300, n_raters=15, format_effect=-0.3)
    plain = compare_formats(study.ratings).iloc[0]
    with_panel = compare_formats(study.ratings, panel="panel_id").iloc[0]
    # raters nest in panels; the panel intercept moves the format effect only a little
    assert abs(with_panel["estimate"] - plain["estimate"]) < 0.05
    assert with_panel["se"] >= plain["se"] * 0.95
    with pytest.raises(InterviewLabError, match="'panel'"):
        compare_formats(study.ratings, panel="panel")
