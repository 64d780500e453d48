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
    assert_allclose(merged["log_odds"], merged["estimate"], rtol=1e-3)
    assert_allclose(merged["se_y"], merged["se_x"], rtol=1e-3)
    assert (res["estimable"]).all()
    assert set(res["effect"]) == {"format (async vs live)", "group b vs a"}
    assert_allclose(res["odds_ratio"], np.exp(res["log_odds"]))


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
