"""Tests of interviewlab.impact against published figures and independent implementations."""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats
from scipy.stats.contingency import relative_risk
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
from statsmodels.stats.multitest import multipletests

from interviewlab import impact
from interviewlab.datasets import read_dataset
from interviewlab.errors import InterviewLabError, InterviewLabWarning, SmallSampleWarning

quiet = pytest.mark.filterwarnings("ignore::interviewlab.errors.InterviewLabWarning")


def expand(counts: dict[str, tuple[int, int]], group: str = "group") -> pd.DataFrame:
    """One row per applicant from {label: (selected, n)}."""
    rows = []
    for label, (x, n) in counts.items():
        rows += [(label, 1)] * x + [(label, 0)] * (n - x)
    return pd.DataFrame(rows, columns=[group, "selected"])


def row(table: pd.DataFrame, category: str) -> pd.Series:
    return table.loc[table["category"] == category].iloc[0]


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
    assert_allclose([out["ci_low"], out["ci_high"]], [ci.low, ci.high], rtol=1e-10)


@quiet
def test_zero_selected_interval_uses_half_correction():
    data = expand({"g": (0, 20), "r": (10, 20)})
    out = row(impact.impact_ratios(data, group="group", selected="selected", reference="r"), "g")
    assert out["impact_ratio"] == 0
    # statsmodels' Table2x2 (log interval) on the table with 0.5 added to each cell
    ci = Table2x2(np.array([[0.5, 20.5], [10.5, 10.5]])).riskratio_confint(alpha=0.05)
    assert_allclose([out["ci_low"], out["ci_high"]], ci, rtol=1e-10)


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
    low, high = impact._overall_interval(
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
    mine = impact._holm(p_arr, cell_arr)
    for cell in np.unique(cell_arr):
        idx = cell_arr == cell
        assert_allclose(mine[idx], multipletests(p_arr[idx], method="holm")[1], rtol=1e-12)


# ----------------------------------------------------------- intersectional, unknown


def intersectional_data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    sex = rng.choice(["F", "M"], size=2000)
    eth = rng.choice(["Asian", "Black", "White"], size=2000, p=[0.3, 0.3, 0.4])
    frame = pd.DataFrame({"sex": sex, "eth": eth})
    frame.loc[:9, "eth"] = "Other"  # 10 of 2000: 0.5% share, under LL144's 2%
    frame.loc[:9, "sex"] = "F"
    frame.loc[10:29, "sex"] = np.nan  # 20 missing
    frame.loc[30:44, "eth"] = "Unknown"  # 15 declared unknown
    p = np.where(frame["sex"] == "F", 0.3, 0.4)
    frame["hired"] = (rng.random(2000) < p).astype(int)
    frame.loc[:9, "hired"] = 1  # the tiny category has the highest rate
    return frame


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


# ----------------------------------------------------------------- Berkeley / MH


def ucb_long() -> pd.DataFrame:
    counts = read_dataset("ucb_admissions")
    long = counts.melt(
        id_vars=["dept", "sex"],
        value_vars=["admitted", "rejected"],
        var_name="outcome",
        value_name="count",
    )
    long["admit"] = (long["outcome"] == "admitted").astype(int)
    return long


def test_ucb_dataset_counts():
    data = read_dataset("ucb_admissions").set_index(["dept", "sex"])
    # Every count against the published table: Bickel et al. (1975) as in R's
    # UCBAdmissions, e.g. printed as SAS datalines in Brunner, STA429 Handout 3
    # (utstat.toronto.edu) and in PSU STAT 504's SAS output (Dept A: men 512/313, women 89/19).
    published = {
        ("A", "Male"): (512, 313), ("A", "Female"): (89, 19),
        ("B", "Male"): (353, 207), ("B", "Female"): (17, 8),
        ("C", "Male"): (120, 205), ("C", "Female"): (202, 391),
        ("D", "Male"): (138, 279), ("D", "Female"): (131, 244),
        ("E", "Male"): (53, 138), ("E", "Female"): (94, 299),
        ("F", "Male"): (22, 351), ("F", "Female"): (24, 317),
    }  # fmt: skip
    for key, (admitted, rejected) in published.items():
        assert tuple(data.loc[key, ["admitted", "rejected"]]) == (admitted, rejected)
    # R ?UCBAdmissions: 2691 male applicants, 1198 admitted; 1835 female, 557 admitted.
    totals = data.groupby(level="sex").sum()
    assert tuple(totals.loc["Male"]) == (1198, 2691 - 1198)
    assert tuple(totals.loc["Female"]) == (557, 1835 - 557)


def test_ucb_crude_ratio_fails_four_fifths_but_stratified_does_not():
    data = ucb_long()
    crude = impact.impact_ratios(data, group="sex", selected="admit", weight="count")
    female = row(crude, "Female")
    # R ?UCBAdmissions: 30.4% of women vs 44.5% of men admitted: 557/1835 / (1198/2691)
    assert_allclose(female["impact_ratio"], (557 / 1835) / (1198 / 2691), rtol=1e-12)
    assert female["below_threshold"]
    with pytest.warns(InterviewLabWarning, match="Simpson's paradox"):
        mh = impact.mantel_haenszel(
            data,
            group="sex",
            selected="admit",
            strata="dept",
            focal="Female",
            reference="Male",
            weight="count",
        ).iloc[0]
    assert mh["impact_ratio_mh"] > 0.8 and mh["ci_low"] > 0.8
    assert mh["crude_impact_ratio"] < 0.8
    assert_allclose(mh["crude_impact_ratio"], female["impact_ratio"], rtol=1e-12)


def test_ucb_mantel_haenszel_against_r_and_statsmodels():
    data = ucb_long()
    with pytest.warns(InterviewLabWarning, match="Simpson"):
        mh = impact.mantel_haenszel(
            data,
            group="sex",
            selected="admit",
            strata="dept",
            focal="Female",
            reference="Male",
            weight="count",
        ).iloc[0]
    # R: mantelhaen.test(UCBAdmissions) -> common odds ratio 0.9046968, 95% CI
    # 0.7719074 1.0603298, "Mantel-Haenszel X-squared = 1.4269, df = 1, p-value = 0.2323"
    # (with continuity correction; output printed in the vcdExtra vignette "Tests of
    # independence", friendly/vcdExtra vignettes/a2-tests.Rmd). R's table has Admitted x
    # Male first, i.e. the male-vs-female odds ratio: ours (female vs male) is its inverse.
    assert_allclose(mh["odds_ratio"], 1 / 0.9046968, rtol=1e-7)
    assert_allclose([mh["ci_low"], mh["ci_high"]], [1 / 1.0603298, 1 / 0.7719074], rtol=1e-7)
    assert_allclose(mh["chi2_corrected"], 1.4269, atol=5e-5)
    assert_allclose(mh["p_value_corrected"], 0.2323, atol=5e-5)
    # Without the continuity correction: X-squared 1.5246, p 0.2169 (the figures quoted
    # in the issue; statsmodels test_null_odds(correction=False) gives the same).
    assert_allclose(mh["chi2"], 1.5246, atol=5e-5)
    assert_allclose(mh["p_value"], 0.2169, atol=5e-5)
    # statsmodels StratifiedTable on the tables built here (rows female, male).
    counts = read_dataset("ucb_admissions").set_index(["dept", "sex"])
    tables = [
        np.array(
            [counts.loc[(d, "Female")].to_numpy(), counts.loc[(d, "Male")].to_numpy()], dtype=float
        )
        for d in "ABCDEF"
    ]
    st_ = StratifiedTable(tables)
    assert_allclose(mh["odds_ratio"], st_.oddsratio_pooled, rtol=1e-12)
    bd = st_.test_equal_odds(adjust=False)
    assert_allclose(
        [mh["breslow_day_chi2"], mh["breslow_day_p"]], [bd.statistic, bd.pvalue], rtol=1e-10
    )
    assert mh["breslow_day_p"] < 0.01  # the departments' odds ratios differ (Dept A)
    assert_allclose(mh["impact_ratio_mh"], st_.riskratio_pooled, rtol=1e-12)
    assert mh["n"] == 4526 and mh["n_strata"] == 6 and mh["n_strata_informative"] == 6


@pytest.mark.filterwarnings("ignore::interviewlab.errors.InterviewLabWarning")
def test_mantel_haenszel_tarone_against_statsmodels():
    data = ucb_long()
    mh = impact.mantel_haenszel(
        data, group="sex", selected="admit", strata="dept", focal="Female", reference="Male",
        weight="count", tarone=True,
    ).iloc[0]  # fmt: skip
    counts = read_dataset("ucb_admissions").set_index(["dept", "sex"])
    tables = [
        np.array(
            [counts.loc[(d, "Female")].to_numpy(), counts.loc[(d, "Male")].to_numpy()], dtype=float
        )
        for d in "ABCDEF"
    ]
    bd = StratifiedTable(tables).test_equal_odds(adjust=True)
    assert_allclose(mh["breslow_day_chi2"], bd.statistic, rtol=1e-10)


def test_mantel_haenszel_uninformative_strata_are_counted():
    data = ucb_long()
    extra = pd.DataFrame(
        {
            "dept": ["G", "G"],
            "sex": ["Male", "Male"],
            "outcome": ["admitted", "rejected"],
            "count": [5, 5],
            "admit": [1, 0],
        }
    )
    with pytest.warns(InterviewLabWarning) as record:
        mh = impact.mantel_haenszel(
            pd.concat([data, extra]), group="sex", selected="admit", strata="dept",
            focal="Female", reference="Male", weight="count",
        ).iloc[0]  # fmt: skip
    assert any("carry no information" in str(w.message) for w in record)
    assert mh["n_strata"] == 7 and mh["n_strata_informative"] == 6
    assert mh["n_uninformative"] == 10 and mh["n"] == 4526
    assert_allclose(mh["odds_ratio"], 1 / 0.9046968, rtol=1e-7)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mantel_haenszel_random_strata_match_statsmodels(seed):
    rng = np.random.default_rng(seed)
    size = 600
    data = pd.DataFrame(
        {
            "req": rng.integers(0, 8, size),
            "sex": rng.choice(["f", "m"], size),
            "selected": (rng.random(size) < 0.35).astype(int),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        mh = impact.mantel_haenszel(
            data, group="sex", selected="selected", strata="req", focal="f", reference="m"
        ).iloc[0]
    tables = []
    for _, part in data.groupby("req"):
        f = part[part["sex"] == "f"]["selected"]
        m = part[part["sex"] == "m"]["selected"]
        tables.append([[f.sum(), (1 - f).sum()], [m.sum(), (1 - m).sum()]])
    ref = StratifiedTable(np.array(tables, dtype=float).transpose(1, 2, 0))
    assert_allclose(mh["odds_ratio"], ref.oddsratio_pooled, rtol=1e-12)
    assert_allclose([mh["ci_low"], mh["ci_high"]], ref.oddsratio_pooled_confint(), rtol=1e-12)
    null = ref.test_null_odds(correction=True)
    assert_allclose([mh["chi2_corrected"], mh["p_value_corrected"]], [null.statistic, null.pvalue])
    assert_allclose(mh["breslow_day_chi2"], ref.test_equal_odds().statistic, rtol=1e-10)
    assert_allclose(mh["impact_ratio_mh"], ref.riskratio_pooled, rtol=1e-12)


def test_single_stratum_mh_risk_ratio_interval_is_katz():
    # Greenland-Robins variance reduces to Katz's for one stratum: scipy relative_risk.
    data = expand({"f": (30, 90), "m": (50, 110)}, group="sex").assign(site="one")
    mh = impact.mantel_haenszel(
        data, group="sex", selected="selected", strata="site", focal="f", reference="m"
    ).iloc[0]
    ci = relative_risk(30, 90, 50, 110).confidence_interval()
    assert_allclose(mh["impact_ratio_mh"], (30 / 90) / (50 / 110), rtol=1e-12)
    assert_allclose(
        [mh["impact_ratio_mh_ci_low"], mh["impact_ratio_mh_ci_high"]], [ci.low, ci.high], rtol=1e-10
    )
    assert np.isnan(mh["breslow_day_chi2"])  # no homogeneity test with one stratum


def test_breslow_day_at_odds_ratio_one_is_the_limit_of_statsmodels():
    # stratum odds ratios 2 and 0.5, pooled Mantel-Haenszel odds ratio exactly 1
    a = np.array([20.0, 10.0])
    b = np.array([10.0, 10.0])
    c = np.array([10.0, 20.0])
    d = np.array([10.0, 10.0])
    mine = impact._breslow_day_at_one(a, b, c, d, tarone=False)
    # statsmodels needs OR != 1: nudge one cell so the pooled OR is 1 + ~1e-7
    tables = np.stack([np.stack([a, b]), np.stack([c, d])]).copy()
    st_ = StratifiedTable(tables)
    assert_allclose(st_.oddsratio_pooled, 1.0, atol=1e-12)
    tables[0, 0, 0] += 1e-6
    ref = StratifiedTable(tables).test_equal_odds()
    assert_allclose(mine, [ref.statistic, ref.pvalue], rtol=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"focal": "Female", "reference": "Female"}, "different", id="same"),
        pytest.param({"focal": "X", "reference": "Male"}, "No applicant", id="absent"),
    ],
)
def test_mantel_haenszel_bad_input(kwargs, message):
    with pytest.raises(InterviewLabError, match=message):
        impact.mantel_haenszel(
            ucb_long(), group="sex", selected="admit", strata="dept", weight="count", **kwargs
        )


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


# ----------------------------------------------------------------- scoring rates


@quiet
def test_scoring_rates_from_the_ll144_definitions():
    # 6 RCNY 5-300: scoring rate = share of a category scoring above the median score
    # of the full sample; impact ratio = scoring rate / highest scoring rate. The
    # DCWP rule's own worked scoring table could not be retrieved, so this table is
    # built from the definitions by hand. Ten scores, median of all 10 (unknown
    # included) = (5 + 6) / 2 = 5.5.
    data = pd.DataFrame(
        {
            "sex": ["F", "F", "F", "F", "M", "M", "M", "M", "unknown", "unknown"],
            "score": [2, 5, 6, 9, 3, 7, 8, 10, 1, 4],
        }
    )
    table = impact.scoring_rates(data, group="sex", score="score")
    assert_allclose(table["cutoff"], 5.5)
    f, m = row(table, "F"), row(table, "M")
    assert (f["above"], m["above"]) == (2, 3)  # F: 6, 9; M: 7, 8, 10
    assert_allclose([f["scoring_rate"], m["scoring_rate"]], [0.5, 0.75])
    assert_allclose(f["impact_ratio"], 0.5 / 0.75)
    assert m["role"] == "reference"
    assert row(table, "unknown")["n"] == 2


@quiet
def test_scores_equal_to_the_median_are_not_above():
    data = pd.DataFrame({"sex": ["F", "F", "M", "M", "M"], "score": [3, 3, 3, 4, 5]})
    table = impact.scoring_rates(data, group="sex", score="score")
    assert row(table, "F")["above"] == 0 and row(table, "M")["above"] == 2


@quiet
def test_sweep_at_the_median_equals_scoring_rates():
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"sex": rng.choice(["F", "M"], 501), "score": rng.normal(size=501)})
    sweep = impact.scoring_rate_sweep(data, group="sex", score="score", quantiles=[0.2, 0.5, 0.9])
    at_median = sweep[sweep["quantile"] == 0.5].drop(columns="quantile").reset_index(drop=True)
    pd.testing.assert_frame_equal(at_median, impact.scoring_rates(data, group="sex", score="score"))
    assert sorted(sweep["quantile"].unique()) == [0.2, 0.5, 0.9]


@quiet
def test_sweep_reveals_a_gap_the_median_hides():
    # Same median split, but group b is absent from the top decile.
    a = np.r_[np.linspace(0, 10, 100)]
    b = np.r_[np.linspace(0, 4.9, 50), np.linspace(5.1, 8.5, 50)]
    data = pd.DataFrame({"g": ["a"] * 100 + ["b"] * 100, "score": np.r_[a, b]})
    sweep = impact.scoring_rate_sweep(data, group="g", score="score", quantiles=[0.5, 0.9])
    median_b = sweep[(sweep["quantile"] == 0.5) & (sweep["category"] == "b")].iloc[0]
    top_b = sweep[(sweep["quantile"] == 0.9) & (sweep["category"] == "b")].iloc[0]
    assert median_b["impact_ratio"] >= 0.8
    assert top_b["impact_ratio"] < 0.8


def test_scoring_rates_bad_input():
    data = pd.DataFrame({"sex": ["F", "M"], "score": [1.0, np.nan]})
    with pytest.raises(InterviewLabError, match="missing"):
        impact.scoring_rates(data, group="sex", score="score")
    with pytest.raises(InterviewLabError, match="cutoff='mean'"):
        impact.scoring_rates(data.fillna(2), group="sex", score="score", cutoff="mean")


# ----------------------------------------------------------------- score gaps


def test_score_gaps_against_pingouin_and_scipy():
    pg = pytest.importorskip("pingouin")
    rng = np.random.default_rng(3)
    x = rng.normal(3.0, 1.0, 40)
    y = rng.normal(3.5, 1.3, 55)
    data = pd.DataFrame({"sex": ["F"] * 40 + ["M"] * 55, "score": np.r_[x, y]})
    out = row(
        impact.score_gaps(data, group="sex", score="score", reference="M").rename(
            columns={"group": "category"}
        ),
        "F",
    )
    g = pg.compute_effsize(x, y, paired=False, eftype="hedges")
    ci = pg.compute_esci(g, nx=40, ny=55, eftype="hedges", decimals=12)
    assert_allclose(out["d"], g, rtol=1e-10)
    assert_allclose([out["ci_low"], out["ci_high"]], ci, rtol=1e-9)
    welch = stats.ttest_ind(x, y, equal_var=False)
    assert_allclose([out["t"], out["p_value"]], [welch.statistic, welch.pvalue], rtol=1e-10)
    assert_allclose(out["sd"], np.std(x, ddof=1), rtol=1e-12)


def test_score_gaps_unknown_and_bad_reference():
    data = pd.DataFrame({"sex": ["F", "F", "M", "M", None], "score": [1.0, 2, 3, 4, 5]})
    table = impact.score_gaps(data, group="sex", score="score", reference="M")
    assert list(table["role"]) == ["compared", "reference", "unknown"]
    with pytest.raises(InterviewLabError, match="groups"):
        impact.score_gaps(data, group="sex", score="score", reference="X")


def question_ratings(gap_on: str = "q3", seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    candidates = 300
    sex = rng.choice(["F", "M"], candidates)
    ability = rng.normal(size=candidates)
    rows = []
    for q in ["q1", "q2", "q3", "q4"]:
        shift = np.where((sex == "F") & (q == gap_on), -0.8, 0.0)
        for rater in range(2):
            score = 3 + ability + shift + rng.normal(scale=0.7, size=candidates)
            rows.append(
                pd.DataFrame(
                    {
                        "candidate_id": np.arange(candidates),
                        "sex": sex,
                        "question_id": q,
                        "rater": rater,
                        "score": score,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def test_question_gaps_against_pingouin_linear_regression():
    pg = pytest.importorskip("pingouin")
    ratings = question_ratings()
    out = impact.question_gaps(ratings, group="sex", reference="M")
    wide = ratings.pivot_table(
        index="candidate_id", columns="question_id", values="score", aggfunc="mean"
    )
    sex = ratings.groupby("candidate_id")["sex"].first()
    for q in wide.columns:
        rest = wide.drop(columns=q).mean(axis=1)
        design = pd.DataFrame({"rest": rest, "F": (sex == "F").astype(float)})
        lm = pg.linear_regression(design, wide[q])
        mine = out[out["question"] == q].iloc[0]
        ref = lm.set_index("names").loc["F"]
        assert_allclose(
            [mine["estimate"], mine["se"], mine["p_value"]],
            [ref["coef"], ref["se"], ref["pval"]],
            rtol=1e-8,
        )
    expected = multipletests(out["p_value"], method="holm")[1]
    assert_allclose(out["p_adjusted"], expected)


def test_question_gaps_finds_the_planted_question():
    # Planted: women score 0.8 lower on q3 only. Conditioning on a rest score that
    # contains q3's gap leaks a little of it into the other questions (with the
    # opposite sign), so the check is that q3 stands out, not that the others are 0.
    out = impact.question_gaps(question_ratings(gap_on="q3"), group="sex", reference="M")
    by_question = out.set_index("question")
    assert by_question.loc["q3", "estimate"] < -0.5
    assert by_question.loc["q3", "p_adjusted"] < 1e-6
    others = by_question.drop(index="q3")
    assert (others["estimate"].abs() < 0.35).all()
    assert by_question["p_value"].idxmin() == "q3"


def test_question_gaps_group_must_be_constant_per_candidate():
    ratings = question_ratings()
    ratings.loc[0, "sex"] = "M" if ratings.loc[0, "sex"] == "F" else "F"
    with pytest.raises(InterviewLabError, match="constant"):
        impact.question_gaps(ratings, group="sex", reference="M")


# ----------------------------------------------------------------- profiles


@quiet
def test_ll144_profile_excludes_under_two_percent():
    data = intersectional_data()
    table = impact.audit_table(data, group=["sex", "eth"], selected="hired", profile="ll144")
    assert row(table, "F × Other")["excluded"]
    assert "unknown" in set(table["category"])
    assert "p_fisher" not in table.columns


def test_ofccp_profile_two_standard_deviations():
    data = expand({"a": (60, 100), "b": (45, 100), "c": (58, 100)})
    table = impact.audit_table(data, group="group", selected="selected", profile="ofccp")
    b, c = row(table, "b"), row(table, "c")
    assert b["z"] < -2 and b["exceeds_2sd"]
    assert not c["exceeds_2sd"]
    assert pd.isna(row(table, "a")["exceeds_2sd"])


def test_ugesp_profile_matches_impact_ratios():
    data = expand({"White": (60, 100), "AmInd": (45, 100)})
    table = impact.audit_table(data, group="group", selected="selected", profile="ugesp")
    full = impact.impact_ratios(data, group="group", selected="selected")
    pd.testing.assert_series_equal(table["impact_ratio"], full["impact_ratio"])
    assert "flip_flop" in table.columns


def test_wres_profile_is_relative_likelihood():
    data = expand({"White": (40, 200), "BME": (18, 150)}, group="eth")
    table = impact.audit_table(
        data, group="eth", selected="selected", profile="wres", focal="BME", reference="White"
    )
    assert_allclose(table["relative_likelihood"], (40 / 200) / (18 / 150))
    with pytest.raises(InterviewLabError, match="focal"):
        impact.audit_table(data, group="eth", selected="selected", profile="wres")
    with pytest.raises(InterviewLabError, match="profile='eeoc'"):
        impact.audit_table(data, group="eth", selected="selected", profile="eeoc")


def test_breslow_day_ignores_strata_without_selection_variation():
    # A stratum where both groups are present but nobody was selected adds nothing to the
    # Mantel-Haenszel odds ratio; Breslow-Day must equal statsmodels' on the other strata
    # (statsmodels itself returns NaN when the empty stratum is included).
    counts = {  # stratum: (focal selected, focal n, reference selected, reference n)
        "s1": (3, 10, 6, 12),
        "s2": (5, 9, 7, 10),
        "s3": (2, 8, 5, 9),
        "s4": (0, 5, 0, 6),
    }
    rows = []
    for stratum, (xf, nf, xr, nr) in counts.items():
        rows += [(stratum, "F", 1)] * xf + [(stratum, "F", 0)] * (nf - xf)
        rows += [(stratum, "M", 1)] * xr + [(stratum, "M", 0)] * (nr - xr)
    data = pd.DataFrame(rows, columns=["stratum", "sex", "hired"])
    out = impact.mantel_haenszel(
        data, group="sex", selected="hired", strata="stratum", focal="F", reference="M"
    ).iloc[0]
    tables = [
        np.array([[xf, nf - xf], [xr, nr - xr]]) for xf, nf, xr, nr in list(counts.values())[:3]
    ]
    ref = StratifiedTable(tables).test_equal_odds()
    assert_allclose(
        [out["breslow_day_chi2"], out["breslow_day_p"]], [ref.statistic, ref.pvalue], rtol=1e-10
    )
    assert_allclose(out["odds_ratio"], StratifiedTable(tables).oddsratio_pooled, rtol=1e-12)
