"""Impact ratios that cannot be estimated are shown as such, with the reason."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy.stats.contingency import relative_risk

from interviewlab import impact
from interviewlab.errors import InterviewLabWarning


def applicants(counts: dict[str, tuple[int, int]]) -> pd.DataFrame:
    rows = []
    for group, (selected, n) in counts.items():
        rows += [(group, 1)] * selected + [(group, 0)] * (n - selected)
    return pd.DataFrame(rows, columns=["sex", "hired"])


def ratios(counts: dict[str, tuple[int, int]], **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        out = impact.impact_ratios(applicants(counts), group="sex", selected="hired", **kwargs)
    return out.set_index("category")


def test_reference_rate_zero_is_not_estimable_with_reason():
    out = ratios({"F": (3, 20), "M": (0, 25)}, reference="M")
    row = out.loc["F"]
    assert np.isnan(row["impact_ratio"]) and np.isnan(row["ci_low"])
    assert not row["estimable"] and "rate 0" in row["reason"] and "divides by 0" in row["reason"]
    # the tests are still defined: scipy fisher_exact on the same 2x2 table
    from scipy.stats import fisher_exact

    assert_allclose(row["p_fisher"], fisher_exact([[3, 17], [0, 25]]).pvalue, rtol=1e-12)
    assert out.loc["M", "estimable"] and out.loc["M", "reason"] == ""


@pytest.mark.parametrize("reference", ["highest", "M", "overall"])
def test_everyone_selected_on_both_sides_gives_no_zero_width_interval(reference):
    # scipy's relative_risk(10, 10, 12, 12) Katz interval is [1, 1]: zero width
    katz = relative_risk(10, 10, 12, 12).confidence_interval()
    assert katz.low == katz.high == 1.0
    out = ratios({"F": (10, 10), "M": (12, 12)}, reference=reference)
    compared = out[out["role"] == "compared"].iloc[0]
    assert compared["impact_ratio"] == 1.0
    assert np.isnan(compared["ci_low"]) and np.isnan(compared["ci_high"])
    assert not compared["estimable"] and "zero width" in compared["reason"]


def test_ordinary_comparison_is_estimable_and_equals_scipy_katz():
    out = ratios({"F": (30, 90), "M": (50, 110)}, reference="M")
    row = out.loc["F"]
    ci = relative_risk(30, 90, 50, 110).confidence_interval()
    assert_allclose([row["ci_low"], row["ci_high"]], [ci.low, ci.high], rtol=1e-12)
    assert row["estimable"] and row["reason"] == ""


def test_excluded_and_unknown_rows_say_why():
    data = applicants({"F": (30, 90), "M": (50, 110), "X": (1, 2), "unknown": (3, 9)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        out = impact.impact_ratios(data, group="sex", selected="hired", min_count=5)
    out = out.set_index("category")
    assert out.loc["X", "reason"].startswith("excluded: n=2 < min_count 5")
    assert not out.loc["X", "estimable"]
    unknown = out[out["role"] == "unknown"].iloc[0]
    assert "not known" in unknown["reason"] and not unknown["estimable"]


def test_by_cell_without_the_reference_keeps_its_rows_as_not_estimable():
    site_a = applicants({"F": (30, 90), "M": (50, 110)}).assign(site="a")
    site_b = applicants({"F": (4, 9)}).assign(site="b")  # no man applied at site b
    data = pd.concat([site_a, site_b], ignore_index=True)
    with pytest.warns(InterviewLabWarning, match="absent or excluded in 1 by cell"):
        out = impact.impact_ratios(data, group="sex", selected="hired", reference="M", by="site")
    b = out[out["site"] == "b"].iloc[0]
    assert np.isnan(b["impact_ratio"]) and not b["estimable"]
    assert "reference category 'M' has no applicants in this cell" in b["reason"]
    a = out[(out["site"] == "a") & (out["category"] == "F")].iloc[0]
    ci = relative_risk(30, 90, 50, 110).confidence_interval()
    assert_allclose([a["ci_low"], a["ci_high"]], [ci.low, ci.high], rtol=1e-12)
