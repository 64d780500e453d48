"""compare_reactions and problem_shares: against R MASS::polr, and input checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from statsmodels.stats.proportion import proportion_confint

import interviewlab as il
from interviewlab.errors import InterviewLabError
from interviewlab.formats import compare_reactions, problem_shares

HERE = Path(__file__).parent / "polr"
CLM = Path(__file__).parent / "clm"


def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    data = pd.read_csv(HERE / "reactions.csv")
    candidates = data.drop_duplicates("candidate_id")[["candidate_id", "format", "group"]]
    candidates = candidates.rename(columns={"format": "format_order"})
    return data[["candidate_id", "item", "response"]], candidates


def test_ordinal_model_matches_r_polr():
    # R 4.2.2, MASS 7.3.58.2: polr(y ~ async + groupb, method = "logistic", Hess = TRUE)
    ref = pd.read_csv(HERE / "polr_output.txt", comment="#")
    reactions, candidates = tables()
    res = compare_reactions(
        reactions, candidates=candidates, levels=[1, 2, 3, 4, 5], group="group", reference="a"
    )
    res["term"] = np.where(res["kind"] == "format", "async", "groupb")
    merged = ref.merge(res, on=["item", "term"])
    assert len(merged) == 4
    # polr's optimiser (optim BFGS) stops within about 1e-5 of the optimum; against clm,
    # which converges tightly, see test_control_items_match_r_clm_to_1e5
    assert_allclose(merged["log_odds"], merged["estimate"], rtol=0, atol=5e-5)
    assert_allclose(merged["se_y"], merged["se_x"], rtol=1e-4)
    assert (res["estimable"]).all()
    assert set(res["effect"]) == {"format (async vs live)", "group b vs a"}
    assert_allclose(res["odds_ratio"], np.exp(res["log_odds"]))


def clm_reference() -> pd.DataFrame:
    """clm_output.txt: one row per fit and term (R 4.2.2, ordinal 2022.11-16)."""
    ref = pd.read_csv(CLM / "clm_output.txt", comment="#", skipinitialspace=True)
    return ref.set_index(["fit", "term"])


def as_tables(data: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    candidates = data[["candidate_id", "format", "group"]].rename(
        columns={"format": "format_order"}
    )
    return data[["candidate_id", "item", "response"]], candidates


def test_control_items_match_r_clm_to_1e5():
    # R 4.2.2, ordinal 2022.11-16: clm(y ~ async + groupb, link = "logit") on the items of
    # polr/reactions.csv (tests/formats/clm/clm_reference.R -> clm_output.txt)
    ref = clm_reference()
    reactions, candidates = tables()
    res = compare_reactions(
        reactions, candidates=candidates, levels=[1, 2, 3, 4, 5], group="group", reference="a"
    )
    res.index = pd.MultiIndex.from_arrays(
        ["control_" + res["item"], np.where(res["kind"] == "format", "async", "groupb")]
    )
    expected = ref.loc[res.index]
    assert (expected["code"] == 0).all()  # clm converged, Hessian invertible
    assert_allclose(res["log_odds"], expected["estimate"], rtol=0, atol=1e-5)
    assert_allclose(res["se"], expected["se"].astype(float), rtol=1e-4)


def test_separated_item_is_not_estimable_where_clm_finds_a_singular_hessian():
    # issue 22: 10 async respondents all answer 5, 10 live ones answer 1-3. R's clm stops
    # at async = 43.37 with "Hessian is numerically singular"; polr at 20.41 (se 73.6):
    # the estimate is +infinity (quasi-complete separation), no finite value is reported
    ref = clm_reference().loc[("issue22", "async")]
    assert ref["code"] == 1 and "Hessian is numerically singular" in ref["warnings"]
    assert_allclose(ref["estimate"], 43.3703046269)
    reactions, candidates = as_tables(pd.read_csv(CLM / "issue22.csv"))
    res = compare_reactions(reactions, candidates=candidates, levels=[1, 2, 3, 4, 5])
    row = res.iloc[0]
    assert not row["estimable"]
    assert res[["log_odds", "se", "p_value", "odds_ratio"]].isna().all(axis=None)
    assert "quasi-complete separation" in row["reason"]
    assert "goes to +infinity" in row["reason"]
    flipped = compare_reactions(
        reactions.assign(response=6 - reactions["response"]),
        candidates=candidates,
        levels=[1, 2, 3, 4, 5],
    )
    assert "goes to -infinity" in flipped["reason"].iloc[0]


def test_separation_agrees_with_clm_on_150_random_data_sets():
    # R 4.2.2, ordinal 2022.11-16: clm(y ~ async + groupb) on each data set of
    # clm/random.csv (made by make_clm_data.py): a fit is separated exactly when clm
    # reports a singular Hessian (code 1), a separated term diverges in clm with the sign
    # we report, and the other fits agree with clm
    ref = clm_reference()
    data = pd.read_csv(CLM / "random.csv")
    reactions, candidates = as_tables(data.assign(item="random_" + data["dataset"].astype(str)))
    res = compare_reactions(
        reactions, candidates=candidates, levels=[1, 2, 3, 4, 5], group="group", reference="a"
    )
    res.index = pd.MultiIndex.from_arrays(
        [res["item"], np.where(res["kind"] == "format", "async", "groupb")], names=["fit", "term"]
    )
    expected = ref.loc[res.index]
    assert len(res) == 300
    separated_fit = ~res.groupby("item")["estimable"].transform("all")
    assert ((expected["code"] == 1) == separated_fit).all()
    assert separated_fit.sum() == 40  # 20 data sets
    separated = res["reason"].str.contains("separation: the likelihood keeps increasing")
    assert (separated <= separated_fit).all() and separated.sum() == 26
    for sign in ("+", "-"):
        rows = res["reason"].str.contains(f"goes to {sign}infinity", regex=False)
        diverged = expected.loc[rows, "estimate"] * (1 if sign == "+" else -1)
        assert (diverged > 15).all()
    ok = res["estimable"].to_numpy()
    assert_allclose(res.loc[ok, "log_odds"], expected.loc[ok, "estimate"], rtol=0, atol=1e-5)
    assert_allclose(res.loc[ok, "se"], expected.loc[ok, "se"].astype(float), rtol=1e-4)


@pytest.mark.parametrize(
    ("responses", "words"),
    [
        pytest.param([2, 2, 2, 1, 1, 1], "complete separation", id="complete"),
        pytest.param([2, 2, 2, 1, 1, 2], "quasi-complete separation", id="quasi-complete"),
    ],
)
def test_complete_and_quasi_complete_separation_are_told_apart(responses, words):
    candidates = pd.DataFrame(
        {"candidate_id": list("abcdef"), "format_order": ["async"] * 3 + ["live"] * 3}
    )
    reactions = pd.DataFrame(
        {"candidate_id": list("abcdef"), "item": "fair", "response": responses}
    )
    res = compare_reactions(reactions, candidates=candidates, levels=[1, 2])
    assert not res["estimable"].iloc[0]
    assert res["reason"].iloc[0].startswith(f"not estimable: {words}")


def test_confounded_format_and_group_is_not_estimable():
    reactions, candidates = tables()
    # group b took async only, group a live only: format and group are the same column
    candidates = candidates.assign(group=np.where(candidates["format_order"] == "async", "b", "a"))
    res = compare_reactions(
        reactions, candidates=candidates, levels=[1, 2, 3, 4, 5], group="group", reference="a"
    )
    assert not res["estimable"].any()
    assert res["reason"].str.contains("confounded").all()


def test_reactions_are_checked_with_line_and_column():
    reactions, candidates = tables()
    bad = reactions.copy()
    bad.loc[3, "response"] = 7
    with pytest.raises(InterviewLabError, match=r"line 5, column 'response': '7'"):
        compare_reactions(bad, candidates=candidates, levels=[1, 2, 3, 4, 5])
    twice = pd.concat([reactions, reactions.iloc[[0]]], ignore_index=True)
    with pytest.raises(InterviewLabError, match="twice"):
        compare_reactions(twice, candidates=candidates, levels=[1, 2, 3, 4, 5])
    stranger = reactions.copy()
    stranger.loc[0, "candidate_id"] = "=HYPERLINK(1)"
    with pytest.raises(InterviewLabError, match="not a candidate of the study"):
        compare_reactions(stranger, candidates=candidates, levels=[1, 2, 3, 4, 5])
    with pytest.raises(InterviewLabError, match="levels"):
        compare_reactions(reactions, candidates=candidates, levels=[1])


def test_item_with_one_response_is_not_estimable():
    reactions, candidates = tables()
    flat = reactions.assign(
        response=np.where(reactions["item"] == "comfort", 3, reactions["response"])
    )
    res = compare_reactions(flat, candidates=candidates, levels=[1, 2, 3, 4, 5])
    comfort = res[res["item"] == "comfort"].iloc[0]
    assert not comfort["estimable"] and np.isnan(comfort["log_odds"])
    assert "same response" in comfort["reason"]
    assert res[res["item"] == "fairness"]["estimable"].all()


def test_problem_shares_are_wilson_intervals():
    reactions, candidates = tables()
    res = problem_shares(
        reactions,
        candidates=candidates,
        levels=[1, 2, 3, 4, 5],
        problem_item="comfort",
        problem_responses=[1, 2],
        group="group",
    )
    assert list(res["format"]) == ["async", "async", "live", "live"]
    data = reactions[reactions["item"] == "comfort"].merge(candidates)
    cell = data[(data["format_order"] == "async") & (data["group"] == "b")]
    k = int(cell["response"].isin([1, 2]).sum())
    row = res[(res["format"] == "async") & (res["group"] == "b")].iloc[0]
    assert row["n"] == len(cell) and row["reported"] == k
    # statsmodels 0.15: proportion_confint(method="wilson")
    low, high = proportion_confint(k, len(cell), method="wilson")
    assert_allclose([row["ci_low"], row["ci_high"]], [low, high])
    with pytest.raises(InterviewLabError, match="problem_responses"):
        problem_shares(
            reactions,
            candidates=candidates,
            levels=[1, 2, 3, 4, 5],
            problem_item="comfort",
            problem_responses=["often"],
            group="group",
        )


def study_with_reactions(tmp_path: Path, rows: pd.DataFrame) -> il.Study:
    demo = il.load_study("demo")
    meta = dict(demo.meta)
    meta["reactions"] = {
        "levels": [1, 2, 3, 4, 5],
        "problem_item": "technical_problems",
        "problem_responses": [4, 5],
    }
    folder = il.Study(meta, demo.candidates, demo.ratings).save(tmp_path / "study")
    rows.to_csv(folder / "reactions.csv", index=False)
    return il.load_study(folder)


def demo_reactions(seed: int = 2) -> pd.DataFrame:
    demo = il.load_study("demo")
    rng = np.random.default_rng(seed)
    cand = demo.candidates
    is_async = (cand["format_order"] == "async only").to_numpy()
    rows = []
    for item, shift in (("fairness", -0.5), ("technical_problems", 0.8)):
        latent = rng.logistic(size=len(cand)) + shift * is_async
        response = np.digitize(latent, [-1.5, -0.5, 0.5, 1.5]) + 1
        rows.append(pd.DataFrame({"candidate_id": cand["candidate_id"], "item": item,
                                  "response": response}))  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def test_load_reactions_from_a_study_folder(tmp_path):
    study = study_with_reactions(tmp_path, demo_reactions())
    reactions = il.load_reactions(study)
    assert list(reactions.columns) == ["candidate_id", "item", "response"]
    assert len(reactions) == 2 * len(study.candidates)
    bad = demo_reactions()
    bad.loc[7, "response"] = 9
    # checked when the study loads; line 9 of the file: the header is line 1 and row 7
    # is the eighth data row
    with pytest.raises(il.StudyError, match=r"reactions\.csv, line 9, column 'response'"):
        study_with_reactions(tmp_path / "b", bad)
    with pytest.raises(InterviewLabError, match=r"has no reactions table"):
        il.load_reactions(il.load_study("demo"))


@pytest.mark.slow
def test_report_shows_reactions_when_the_study_has_them(tmp_path):
    study = study_with_reactions(tmp_path, demo_reactions())
    params = {"n_sims": 2, "power_sizes": [200], "n_boot": 100, "n_jobs": 1}
    folder = il.run_report(
        "async_vs_live",
        study=Path(study.files["study.toml"]).parent,
        out=tmp_path / "r",
        params=params,
        progress=False,
    )
    by_item = pd.read_csv(folder / "tables" / "reactions_by_item.csv")
    fairness = by_item[(by_item["item"] == "fairness") & (by_item["kind"] == "format")].iloc[0]
    assert fairness["or_ci_high"] < 1  # the planted worse reaction to async
    shares = pd.read_csv(folder / "tables" / "technical_problems.csv")
    assert set(shares["format"]) == {"async", "live"}
