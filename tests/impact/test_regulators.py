"""Regulators' audit-table profiles."""

from __future__ import annotations

import pandas as pd
import pytest
from impact_helpers import (
    expand,
    intersectional_data,
    quiet,
    row,
)
from numpy.testing import assert_allclose

from interviewlab import impact
from interviewlab.errors import InterviewLabError

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
