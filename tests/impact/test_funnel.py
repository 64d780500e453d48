"""Funnels and the NHS WRES relative likelihood."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from impact_helpers import (
    expand,
    quiet,
)
from numpy.testing import assert_allclose
from scipy import stats
from scipy.stats.contingency import relative_risk

from interviewlab import impact
from interviewlab.errors import InterviewLabError

# ----------------------------------------------------------------- funnel, WRES


def funnel_data() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    size = 3000
    group = rng.choice(["a", "b", "c"], size=size, p=[0.5, 0.3, 0.2])
    s1 = rng.random(size) < np.where(group == "a", 0.7, 0.6)
    s2 = s1 & (rng.random(size) < np.where(group == "b", 0.3, 0.45))
    s3 = s2 & (rng.random(size) < 0.5)
    return pd.DataFrame(
        {"group": group, "s1": s1.astype(int), "s2": s2.astype(int), "s3": s3.astype(int)}
    )


@quiet
def test_funnel_stages_and_cumulative():
    data = funnel_data()
    table = impact.funnel(data, group="group", stages=["s1", "s2", "s3"])
    assert list(table["stage"].unique()) == ["s1", "s2", "s3"]
    for stage, previous in [("s1", None), ("s2", "s1"), ("s3", "s2")]:
        part = data if previous is None else data[data[previous] == 1]
        alone = impact.impact_ratios(part, group="group", selected=stage)
        mine = table[table["stage"] == stage].reset_index(drop=True)
        assert_allclose(mine["entered"], alone["n"])
        assert_allclose(mine["stage_impact_ratio"], alone["impact_ratio"], rtol=1e-12)
        assert_allclose(mine["stage_ci_low"], alone["ci_low"], rtol=1e-12)
        cumulative = impact.impact_ratios(data, group="group", selected=stage)
        assert_allclose(mine["cumulative_impact_ratio"], cumulative["impact_ratio"], rtol=1e-12)
    # the cumulative rate is the product of the stage rates
    wide = table.pivot(index="category", columns="stage", values="stage_rate")
    product = wide["s1"] * wide["s2"] * wide["s3"]
    last = table[table["stage"] == "s3"].set_index("category")["cumulative_rate"]
    assert_allclose(last.loc[product.index], product, rtol=1e-12)


@quiet
def test_funnel_by_cells_equal_separate_funnels():
    data = funnel_data()
    data["site"] = np.where(np.arange(len(data)) % 2 == 0, "x", "y")
    together = impact.funnel(data, group="group", stages=["s1", "s2", "s3"], by="site")
    for site, part in data.groupby("site"):
        alone = impact.funnel(part, group="group", stages=["s1", "s2", "s3"])
        mine = together[together["site"] == site].drop(columns="site").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone.reset_index(drop=True))


def test_funnel_rejects_unordered_stages():
    data = funnel_data()
    data.loc[0, ["s1", "s2"]] = [0, 1]
    with pytest.raises(InterviewLabError, match="without passing 's1'"):
        impact.funnel(data, group="group", stages=["s1", "s2"])


def test_relative_likelihood_wres_indicator_2():
    # WRES indicator 2: (White appointed / White shortlisted) / (BME appointed / BME
    # shortlisted); BME pools several categories.
    shortlisted = expand({"White": (40, 200), "Asian": (10, 80), "Black": (8, 70)}, group="eth")
    shortlisted["shortlisted"] = 1
    not_shortlisted = pd.DataFrame({"eth": ["White"] * 50, "selected": 0, "shortlisted": 0})
    data = pd.concat([shortlisted, not_shortlisted], ignore_index=True)
    out = impact.relative_likelihood(
        data,
        group="eth",
        selected="selected",
        focal=["Asian", "Black"],
        reference="White",
        entered="shortlisted",
    ).iloc[0]
    assert out["n_focal"] == 150 and out["n_reference"] == 200
    assert_allclose(out["relative_likelihood"], (40 / 200) / (18 / 150), rtol=1e-12)
    ci = relative_risk(40, 200, 18, 150).confidence_interval()
    assert_allclose([out["ci_low"], out["ci_high"]], [ci.low, ci.high], rtol=1e-10)
    assert_allclose(out["p_fisher"], stats.fisher_exact([[40, 160], [18, 132]]).pvalue)
    with pytest.raises(InterviewLabError, match="entered"):
        impact.relative_likelihood(
            data.assign(selected=1),
            group="eth",
            selected="selected",
            focal="Asian",
            reference="White",
            entered="shortlisted",
        )
