"""Selection rates and impact ratios: UGESP Q&A figures, scipy tests, subgroups, bad input."""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from impact_helpers import (
    expand,
    intersectional_data,
    quiet,
    row,
)
from numpy.testing import assert_allclose
from scipy import stats
from scipy.stats.contingency import relative_risk
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.multitest import multipletests

from interviewlab import impact
from interviewlab.errors import InterviewLabError, InterviewLabWarning, SmallSampleWarning
from interviewlab.impact import _core

# ----------------------------------------------------------------- UGESP Q&A Q12


def test_ugesp_questions_and_answers_q12():
    # UGESP Questions & Answers, Q12 (44 FR 11996, 1979): hiring rates 60% (whites),
    # 45% (American Indians), 48% (Hispanics), 51% (Blacks) give impact ratios 75%,
    # 80% and 85%; adverse impact is indicated for American Indians only.
    data = expand({"White": (60, 100), "AmInd": (45, 100), "Hisp": (48, 100), "Black": (51, 100)})
    table = impact.impact_ratios(data, group="group", selected="selected")
    assert row(table, "White")["role"] == "reference"
    for label, ratio, below in [
        ("AmInd", 0.75, True),
        ("Hisp", 0.80, False),
        ("Black", 0.85, False),
    ]:
        assert_allclose(row(table, label)["impact_ratio"], ratio, rtol=1e-12)
        assert bool(row(table, label)["below_threshold"]) is below
    assert (table["reference"] == "White").all()


@pytest.mark.parametrize(
    ("x", "n", "x_ref", "n_ref", "below"),
    [
        pytest.param(48, 100, 60, 100, False, id="0.48/0.60-is-exactly-0.8"),
        pytest.param(4, 5, 1, 1, False, id="4/5-vs-all"),
        pytest.param(47, 100, 60, 100, True, id="just-below"),
        pytest.param(12, 25, 3, 5, False, id="0.48/0.6-small"),
        pytest.param(479999, 1000000, 6, 10, True, id="large-n-just-below"),
    ],
)
@quiet
def test_threshold_boundary_is_exact(x, n, x_ref, n_ref, below):
    # 0.48 / 0.60 is 0.7999999999999999 in floating point; the four-fifths rule
    # (UGESP 1607.4(D): "less than four-fifths") must not flag a ratio of exactly 0.8.
    data = pd.DataFrame(
        {
            "group": ["g", "g", "r", "r"],
            "selected": [1, 0, 1, 0],
            "w": [x, n - x, x_ref, n_ref - x_ref],
        }
    )
    table = impact.impact_ratios(
        data, group="group", selected="selected", reference="r", weight="w"
    )
    assert bool(row(table, "g")["below_threshold"]) is below


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    x=st.integers(0, 40),
    extra=st.integers(0, 40),
    xr=st.integers(1, 40),
    extra_r=st.integers(0, 40),
)
@quiet
def test_threshold_matches_exact_fractions(x, extra, xr, extra_r):
    # Independent check with Python's exact rational arithmetic.
    n, nr = max(x + extra, 1), xr + extra_r
    data = pd.DataFrame(
        {"group": ["g", "g", "r", "r"], "selected": [1, 0, 1, 0], "w": [x, n - x, xr, nr - xr]}
    )
    table = impact.impact_ratios(
        data, group="group", selected="selected", reference="r", weight="w"
    )
    expected = Fraction(x, n) / Fraction(xr, nr) < Fraction(4, 5)
    assert bool(row(table, "g")["below_threshold"]) is expected


# ----------------------------------------------------------------- tests vs scipy


tables = st.tuples(st.integers(1, 60), st.integers(1, 60)).flatmap(
    lambda ns: st.tuples(
        st.integers(0, ns[0]), st.just(ns[0]), st.integers(0, ns[1]), st.just(ns[1])
    )
)


@settings(max_examples=80, deadline=None)
@given(table=tables)
@quiet
def test_z_fisher_mid_p_match_scipy(table):
    # Includes zero cells, all-selected groups and groups of one (n drawn from 1).
    x, n, xr, nr = table
    data = pd.DataFrame(
        {"group": ["g", "g", "r", "r"], "selected": [1, 0, 1, 0], "w": [x, n - x, xr, nr - xr]}
    )
    out = row(
        impact.impact_ratios(data, group="group", selected="selected", reference="r", weight="w"),
        "g",
    )
    # scipy.stats.fisher_exact, two-sided
    fisher = stats.fisher_exact([[x, n - x], [xr, nr - xr]]).pvalue
    assert_allclose(out["p_fisher"], fisher, rtol=1e-10)
    # pooled two-proportion z with scipy.stats.norm
    pooled = (x + xr) / (n + nr)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n + 1 / nr))
    if se > 0:
        z = (x / n - xr / nr) / se
        assert_allclose(out["z"], z, rtol=1e-10, atol=1e-12)
        assert_allclose(out["p_z"], 2 * stats.norm.sf(abs(z)), rtol=1e-10, atol=1e-15)
    else:
        assert np.isnan(out["z"])
    # Lancaster mid-P from scipy.stats.hypergeom, summed over the support
    law = stats.hypergeom(n + nr, x + xr, n)
    support = np.arange(max(0, x + xr - nr), min(n, x + xr) + 1)
    pmf = law.pmf(support)
    lower = pmf[support < x].sum() + 0.5 * law.pmf(x)
    upper = pmf[support > x].sum() + 0.5 * law.pmf(x)
    assert_allclose(out["p_mid"], min(1.0, 2 * min(lower, upper)), rtol=1e-9, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(table=tables)
@quiet
def test_katz_interval_matches_scipy_relative_risk(table):
    x, n, xr, nr = table
    if x == 0 or xr == 0:
        return  # the 0.5 correction is checked separately
    data = pd.DataFrame(
        {"group": ["g", "g", "r", "r"], "selected": [1, 0, 1, 0], "w": [x, n - x, xr, nr - xr]}
    )
    out = row(
        impact.impact_ratios(data, group="group", selected="selected", reference="r", weight="w"),
        "g",
    )
    rr = relative_risk(x, n, xr, nr)  # scipy: Katz log interval
    ci = rr.confidence_interval(confidence_level=0.95)
    assert_allclose(out["impact_ratio"], rr.relative_risk, rtol=1e-12)
    if x == n and xr == nr:  # scipy's interval is [1, 1]: zero width, not given here
        assert np.isnan(out["ci_low"]) and "zero width" in out["reason"]
        return
    assert_allclose([out["ci_low"], out["ci_high"]], [ci.low, ci.high], rtol=1e-10)


@quiet
def test_zero_selected_interval_uses_half_correction():
    data = expand({"g": (0, 20), "r": (10, 20)})
    out = row(impact.impact_ratios(data, group="group", selected="selected", reference="r"), "g")
    assert out["impact_ratio"] == 0
    # upper limit: statsmodels' Table2x2 (log interval) on the table with 0.5 added to
    # each cell; lower limit 0, the estimate itself, as scipy's relative_risk gives
    # (relative_risk(0, 20, 10, 20).confidence_interval().low == 0)
    ci = Table2x2(np.array([[0.5, 20.5], [10.5, 10.5]])).riskratio_confint(alpha=0.05)
    assert_allclose(out["ci_high"], ci[1], rtol=1e-10)
    assert out["ci_low"] == 0
    assert relative_risk(0, 20, 10, 20).confidence_interval().low == 0


def test_funnel_interval_contains_a_zero_ratio():
    # 0 of 21 pass in one group: the interval must contain the estimate 0 (issue 11's
    # hostile study found 0.0036-0.87 here)
    data = expand({"a": (0, 21), "b": (30, 60)})
    data["stage1"] = 1
    data = data.rename(columns={"selected": "stage2"})
    out = impact.funnel(data, group="group", stages=["stage1", "stage2"])
    row_a = out[(out["category"] == "a") & (out["stage"] == "stage2")].iloc[0]
    assert row_a["stage_impact_ratio"] == 0
    assert row_a["stage_ci_low"] <= 0 <= row_a["stage_ci_high"]


def test_selection_rates_by_cell_with_unknown():
    data = expand({"a": (3, 10), "b": (4, 10)})
    data["site"] = ["n", "s"] * 10
    data.loc[0, "group"] = "UNKNOWN"  # matched case-insensitively
    table = impact.selection_rates(data, group="group", selected="selected", by="site")
    assert list(table.columns[:3]) == ["site", "group", "category"]
    assert table["n"].sum() == 20
    unknown = table[table["unknown"]]
    assert len(unknown) == 1 and unknown["site"].iloc[0] == "n"
    known = table[~table["unknown"]]
    assert_allclose(known.groupby("site")["share"].sum(), 1.0)
    assert_allclose(table["rate"], table["selected"] / table["n"])


def test_wilson_interval_matches_scipy_binomtest():
    data = expand({"a": (81, 263), "b": (0, 7), "c": (7, 7)})
    table = impact.selection_rates(data, group="group", selected="selected")
    for label, (x, n) in {"a": (81, 263), "b": (0, 7), "c": (7, 7)}.items():
        ci = stats.binomtest(x, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert_allclose(
            row(table, label)[["ci_low", "ci_high"]].to_numpy(dtype=float),
            [ci.low, ci.high],
            rtol=1e-9,
            atol=1e-12,
        )


def test_overall_interval_covers_by_simulation():
    # Monte Carlo check of the delta-method interval for p_g / p_overall (the group is
    # part of the pool): 4000 simulated audits, coverage should be near 95%.
    rng = np.random.default_rng(20240501)
    n = np.array([80, 200, 400])
    p = np.array([0.25, 0.35, 0.40])
    true = p[0] / (n @ p / n.sum())
    x = rng.binomial(n, p, size=(4000, 3))
    xc = x[:, 1:].sum(axis=1)
    low, high = _core._overall_interval(
        x[:, 0], np.full(4000, n[0]), xc, np.full(4000, n[1:].sum()), 0.95
    )
    coverage = np.mean((low <= true) & (true <= high))
    assert 0.935 <= coverage <= 0.965


# ----------------------------------------------------------------- other columns


@quiet
@pytest.mark.parametrize(
    ("x", "n", "flip"),
    [
        pytest.param(3, 10, False, id="0.6-to-0.8-stays-below"),
        pytest.param(7, 20, True, id="0.7-to-0.8-flips"),
        pytest.param(1, 100, False, id="far-below"),
        pytest.param(9, 10, False, id="above"),
    ],
)
def test_flip_flop(x, n, flip):
    # the one-person flip-flop check: would one more selection in the group change the verdict?
    # Reference 50%: 3/10 -> 4/10 is 0.8 of 0.5 exactly (not below): that flips.
    data = expand({"g": (x, n), "r": (5, 10)})
    out = row(impact.impact_ratios(data, group="group", selected="selected", reference="r"), "g")
    below_now = Fraction(x, n) / Fraction(1, 2) < Fraction(4, 5)
    below_next = Fraction(x + 1, n) / Fraction(1, 2) < Fraction(4, 5)
    assert bool(out["flip_flop"]) is (below_now != below_next)
    if x == 3:
        assert bool(out["flip_flop"]) is True
    else:
        assert bool(out["flip_flop"]) is flip


def test_shortfall_ugesp_example():
    # At the reference rate (60%), 100 American Indian applicants would have had 60
    # hires; they had 45: a shortfall of 15.
    data = expand({"White": (60, 100), "AmInd": (45, 100)})
    table = impact.impact_ratios(data, group="group", selected="selected")
    assert_allclose(row(table, "AmInd")["shortfall"], 15.0)
    assert_allclose(row(table, "White")["shortfall"], 0.0)


@pytest.mark.parametrize("method", ["holm", "bonferroni", "fdr_bh", "hommel"])
@pytest.mark.parametrize("test", ["fisher", "mid_p", "z"])
def test_p_adjusted_is_multipletests_over_compared_groups(method, test):
    data = expand({"a": (60, 100), "b": (45, 100), "c": (48, 100), "d": (40, 100), "e": (45, 100)})
    table = impact.impact_ratios(
        data, group="group", selected="selected", p_adjust=method, test=test
    )
    compared = table[table["role"] == "compared"]
    column = {"fisher": "p_fisher", "mid_p": "p_mid", "z": "p_z"}[test]
    expected = multipletests(compared[column].to_numpy(), method=method)[1]
    assert_allclose(compared["p_adjusted"], expected, rtol=1e-12)
    assert table.loc[table["role"] == "reference", "p_adjusted"].isna().all()


def test_small_sample_flag_and_reason():
    data = expand({"a": (10, 20), "b": (3, 12)})
    with pytest.warns(SmallSampleWarning):
        table = impact.impact_ratios(data, group="group", selected="selected")
    out = row(table, "b")
    assert out["small_sample"]
    assert "n=12 < 30" in out["small_sample_reason"]
    assert "reference n=20 < 30" in out["small_sample_reason"]


@settings(max_examples=12, deadline=None)
@given(
    p=st.lists(st.sampled_from([0.001, 0.01, 0.02, 0.04, 0.3, 0.9, 1.0]), min_size=1, max_size=30),
    cells=st.lists(st.integers(0, 2), min_size=30, max_size=30),
)
def test_vectorised_holm_equals_statsmodels_per_cell(p, cells):
    # Ties included; statsmodels.stats.multitest.multipletests(method="holm") per cell.
    p_arr = np.array(p)
    cell_arr = np.array(cells[: len(p)])
    mine = _core._holm(p_arr, cell_arr)
    for cell in np.unique(cell_arr):
        idx = cell_arr == cell
        assert_allclose(mine[idx], multipletests(p_arr[idx], method="holm")[1], rtol=1e-12)


# ----------------------------------------------------------- intersectional, unknown


@quiet
def test_intersectional_exclusion_and_unknown():
    data = intersectional_data()
    table = impact.impact_ratios(data, group=["sex", "eth"], selected="hired", min_share=0.02)
    unknown = table[table["role"] == "unknown"]
    assert len(unknown) == 1
    assert unknown["n"].iloc[0] == 35  # 20 missing sex + 15 "Unknown" ethnicity
    assert unknown["impact_ratio"].isna().all()
    other = row(table, "F × Other")
    assert other["role"] == "excluded" and other["excluded"]
    assert "min_share" in other["excluded_reason"]
    assert other["rate"] == 1.0 and np.isnan(other["impact_ratio"])
    # the reference is the highest rate among the categories not excluded
    eligible = table[table["role"].isin(["reference", "compared"])]
    ref = eligible.loc[eligible["rate"].idxmax(), "category"]
    assert (table["reference"] == ref).all()
    assert row(table, ref)["role"] == "reference"
    # all applicants are accounted for
    assert table["n"].sum() == len(data)


@quiet
def test_named_intersectional_reference_as_tuple_or_label():
    data = intersectional_data()
    by_tuple = impact.impact_ratios(
        data, group=["sex", "eth"], selected="hired", reference=("M", "White")
    )
    by_label = impact.impact_ratios(
        data, group=["sex", "eth"], selected="hired", reference="M × White"
    )
    pd.testing.assert_frame_equal(by_tuple, by_label)
    assert row(by_tuple, "M × White")["role"] == "reference"


@quiet
def test_row_order_and_relabelling_invariance():
    data = intersectional_data()
    base = impact.impact_ratios(data, group=["sex", "eth"], selected="hired")
    shuffled = data.sample(frac=1, random_state=3)
    pd.testing.assert_frame_equal(
        base, impact.impact_ratios(shuffled, group=["sex", "eth"], selected="hired")
    )
    renamed = data.assign(sex=data["sex"].map({"F": "Female", "M": "Male"}))
    other = impact.impact_ratios(renamed, group=["sex", "eth"], selected="hired")
    numbers = ["n", "selected", "rate", "impact_ratio", "ci_low", "ci_high", "p_fisher"]
    pd.testing.assert_frame_equal(
        base[numbers].reset_index(drop=True), other[numbers].reset_index(drop=True)
    )


@quiet
def test_by_cells_equal_separate_analyses():
    data = intersectional_data()
    data["site"] = np.where(np.arange(len(data)) % 3 == 0, "north", "south")
    together = impact.impact_ratios(data, group="eth", selected="hired", by="site")
    for site, part in data.groupby("site"):
        alone = impact.impact_ratios(part, group="eth", selected="hired")
        mine = together[together["site"] == site].drop(columns="site").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone.reset_index(drop=True))


@quiet
def test_weights_equal_expanded_rows():
    data = expand({"a": (30, 50), "b": (20, 60), "c": (5, 9)})
    counts = data.groupby(["group", "selected"]).size().rename("w").reset_index()
    pd.testing.assert_frame_equal(
        impact.impact_ratios(data, group="group", selected="selected"),
        impact.impact_ratios(counts, group="group", selected="selected", weight="w"),
    )


@quiet
def test_overall_reference_ratio():
    data = expand({"a": (30, 100), "b": (50, 100)})
    table = impact.impact_ratios(data, group="group", selected="selected", reference="overall")
    assert_allclose(row(table, "a")["impact_ratio"], 0.3 / 0.4)
    assert_allclose(row(table, "a")["shortfall"], 10.0)
    assert (table["reference"] == "overall").all()
    # the test compares a group with everyone else (here: the other group)
    assert_allclose(row(table, "a")["p_fisher"], stats.fisher_exact([[30, 70], [50, 50]]).pvalue)


# ----------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param([0, 1, 2, 1], "0/1", id="non-binary"),
        pytest.param([0, 1, np.nan, 1], "missing", id="nan"),
        pytest.param(["y", "n", "y", "n"], "0/1 or boolean", id="text"),
    ],
)
def test_selected_must_be_binary(values, message):
    data = pd.DataFrame({"group": ["a", "a", "b", "b"], "selected": values})
    with pytest.raises(InterviewLabError, match=message):
        impact.impact_ratios(data, group="group", selected="selected")


@quiet
def test_boolean_selected_is_accepted():
    data = expand({"a": (6, 10), "b": (3, 10)})
    as_bool = data.assign(selected=data["selected"].astype(bool))
    pd.testing.assert_frame_equal(
        impact.impact_ratios(data, group="group", selected="selected"),
        impact.impact_ratios(as_bool, group="group", selected="selected"),
    )


def test_named_reference_with_no_members_raises():
    data = expand({"a": (6, 10), "b": (3, 10)})
    with pytest.raises(InterviewLabError, match="'c' has no applicants"):
        impact.impact_ratios(data, group="group", selected="selected", reference="c")


def test_categorical_level_with_no_members_warns():
    data = expand({"a": (40, 100), "b": (30, 100)})
    data["group"] = pd.Categorical(data["group"], categories=["a", "b", "empty"])
    with pytest.warns(InterviewLabWarning, match="no applicants: empty"):
        table = impact.impact_ratios(data, group="group", selected="selected")
    assert "empty" not in set(table["category"])


def test_identical_groups_give_ratio_one():
    data = expand({"a": (20, 50), "b": (20, 50), "c": (20, 50)})
    table = impact.impact_ratios(data, group="group", selected="selected")
    assert_allclose(table["impact_ratio"], 1.0)
    assert not table["below_threshold"].any()
    assert_allclose(table.loc[table["role"] == "compared", "p_fisher"], 1.0)
    assert (table["role"] == "reference").sum() == 1


def test_nan_group_values_become_the_unknown_row():
    data = expand({"a": (20, 50), "b": (10, 50)})
    data.loc[:4, "group"] = np.nan
    table = impact.impact_ratios(data, group="group", selected="selected")
    unknown = row(table, "unknown")
    assert unknown["role"] == "unknown" and unknown["n"] == 5
    assert np.isnan(unknown["p_fisher"])


def test_single_group_warns():
    data = expand({"a": (20, 50)})
    with pytest.warns(InterviewLabWarning, match="nothing to compare"):
        table = impact.impact_ratios(data, group="group", selected="selected")
    assert list(table["role"]) == ["reference"]


@pytest.mark.filterwarnings("ignore::interviewlab.errors.SmallSampleWarning")
def test_nobody_selected_in_reference_warns():
    data = expand({"a": (0, 50), "b": (3, 50)})
    with pytest.warns(InterviewLabWarning, match="undefined"):
        table = impact.impact_ratios(data, group="group", selected="selected", reference="a")
    assert np.isnan(row(table, "b")["impact_ratio"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"p_adjust": "hochberg"}, "p_adjust='hochberg' is not allowed", id="p_adjust"),
        pytest.param({"test": "t"}, "test='t'", id="test"),
        pytest.param({"threshold": 1.5}, "threshold", id="threshold"),
        pytest.param({"confidence": 95}, "confidence", id="confidence"),
        pytest.param({"min_share": 2}, "min_share", id="min_share"),
    ],
)
def test_options_are_checked(options, message):
    data = expand({"a": (20, 50), "b": (10, 50)})
    with pytest.raises(InterviewLabError, match=message):
        impact.impact_ratios(data, group="group", selected="selected", **options)


def test_missing_and_reserved_columns():
    data = expand({"a": (20, 50), "b": (10, 50)})
    with pytest.raises(InterviewLabError, match="no column"):
        impact.impact_ratios(data, group="sex", selected="selected")
    with pytest.raises(InterviewLabError, match="clash"):
        impact.impact_ratios(
            data.rename(columns={"group": "category"}), group="category", selected="selected"
        )
    with pytest.raises(InterviewLabError, match="DataFrame"):
        impact.impact_ratios([1, 2], group="group", selected="selected")


def test_input_is_not_mutated():
    data = intersectional_data()
    before = data.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        impact.impact_ratios(data, group=["sex", "eth"], selected="hired", min_share=0.02)
        impact.funnel(data.assign(s1=1), group="sex", stages=["s1", "hired"])
    pd.testing.assert_frame_equal(data, before)
