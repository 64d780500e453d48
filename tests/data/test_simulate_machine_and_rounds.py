"""simulate_study's machine scores and hiring rounds: drawn apart, documented, checked."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import interviewlab as il
from interviewlab.errors import InterviewLabError

NEW_OPTIONS = (
    "automated_scores",
    "automated_bias",
    "n_periods",
    "period_change",
    "period_stage",
    "period_focal",
    "change_after",
)


def _demo_options() -> dict:
    script = Path(il.__file__).resolve().parents[2] / "datasets" / "build_demo.py"
    spec = importlib.util.spec_from_file_location("build_demo_options", script)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return dict(module.DEMO_OPTIONS)


def test_the_demo_kept_every_earlier_value() -> None:
    # the demo without the machine scores and rounds is the demo as it was: adding them
    # drew from random streams of their own and changed no earlier value
    options = {k: v for k, v in _demo_options().items() if k not in NEW_OPTIONS}
    before = il.simulate_study(**options)
    demo = il.load_study("demo")
    pd.testing.assert_frame_equal(demo.ratings, before.ratings)
    pd.testing.assert_frame_equal(demo.candidates.drop(columns="round"), before.candidates)
    pd.testing.assert_frame_equal(demo.raters, before.raters)
    added = {*NEW_OPTIONS, "automated_noise_sd"}
    assert {k: v for k, v in demo.planted.items() if k not in added} == before.planted


def test_machine_scores_of_recorded_answers() -> None:
    study = il.simulate_study(seed=3, n_candidates=80, automated_scores=True, automated_bias=-0.5)
    machine = study.automated_scores
    assert machine is not None and set(machine["rater_id"]) == {"engine"}
    assert set(machine["format"]) == {"async"}
    async_answers = study.ratings.loc[
        study.ratings["format"] == "async", ["candidate_id", "question_id"]
    ].drop_duplicates()
    assert len(machine) == len(async_answers)
    assert machine["score"].between(1, 5).all()
    assert (machine["score"] * 100).round(6).mod(1).eq(0).all()  # two decimals
    assert study.planted["automated_bias"] == -0.5
    without = il.simulate_study(seed=3, n_candidates=80)
    pd.testing.assert_frame_equal(study.ratings, without.ratings)


def test_rounds_spread_each_group_evenly_and_plant_the_change() -> None:
    study = il.simulate_study(
        seed=4, n_candidates=1000, n_periods=4, period_change=4.0, period_focal=("sex", "female")
    )
    cand = study.candidates
    assert study.periods == ["1", "2", "3", "4"] and study.change_after == "2"
    after = cand["round"].astype(int) > 2
    female = cand["sex"] == "female"
    # each group: half of it after the change (rounded), whatever its pass rate
    assert abs(int((after & female).sum()) - round(female.sum() / 2)) <= 1

    # the focal group's odds of shortlisting rose, everyone else's did not move much
    def odds_ratio(mask: pd.Series) -> float:
        table = pd.crosstab(after[mask], cand.loc[mask, "shortlisted"]).to_numpy() + 0.5
        return float(table[1, 1] * table[0, 0] / (table[1, 0] * table[0, 1]))

    assert odds_ratio(female) > 2 and 0.6 < odds_ratio(~female) < 1.6
    assert study.planted["period_focal"] == ["sex", "female"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"automated_bias": -0.3}, "automated_bias needs", id="bias-alone"),
        pytest.param({"period_change": 2.0}, "period_change needs", id="change-alone"),
        pytest.param({"n_periods": 1}, "n_periods=1 must be", id="one-round"),
        pytest.param({"n_periods": 3, "change_after": 3}, "change_after=3 must be", id="last"),
        pytest.param({"n_periods": 3, "period_stage": "hired"}, "period_stage='hired'", id="stage"),
        pytest.param(
            {"n_periods": 3, "period_focal": ("colour", "red")}, "period_focal=", id="focal"
        ),
    ],
)
def test_bad_options_are_named(options: dict, message: str) -> None:
    with pytest.raises(InterviewLabError, match=message):
        il.simulate_study(seed=1, n_candidates=40, n_raters=6, n_requisitions=2, **options)


def test_the_same_seed_gives_the_same_rounds() -> None:
    options = {"seed": 9, "n_candidates": 100, "n_periods": 3, "period_change": 2.0}
    first = il.simulate_study(**options).candidates["round"]
    again = il.simulate_study(**options).candidates["round"]
    assert np.array_equal(first.to_numpy(), again.to_numpy())
