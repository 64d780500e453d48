"""Stage-by-stage audits: the right entrants at each stage, the right rows flagged."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import interviewlab as il


@pytest.fixture(scope="module")
def demo() -> il.Study:
    return il.load_study("demo")


def test_stage_audit_uses_each_stages_entrants(demo: il.Study) -> None:
    c = demo.candidates
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", il.SmallSampleWarning)
        table = il.stage_audit(c, group="ethnicity", stages=demo.stages)
        direct = il.audit_table(
            c[c["completed_async"] == 1], group="ethnicity", selected="shortlisted", profile="ugesp"
        )
    shortlisted = table[table["stage"] == "shortlisted"].reset_index(drop=True)
    pd.testing.assert_frame_equal(shortlisted[direct.columns], direct)
    # UGESP Q&A 12 logic at the demo's planted stage: Black shortlisting rate 3/60 is far
    # below four-fifths of the White rate 119/313 (both counted independently here)
    black = shortlisted.set_index("category").loc["Black"]
    assert black["n"] == ((c["completed_async"] == 1) & (c["ethnicity"] == "Black")).sum()
    assert black["impact_ratio"] == pytest.approx((3 / 60) / (119 / 313))
    assert black["below_threshold"]


def test_min_count_keeps_small_groups_out_of_the_reference(demo: il.Study) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", il.SmallSampleWarning)
        table = il.stage_audit(demo.candidates, group="ethnicity", stages=demo.stages, min_count=10)
    appointed = table[table["stage"] == "appointed"].set_index("category")
    assert appointed.loc["Black", "excluded"]  # 3 shortlisted: excluded, listed
    assert appointed.loc["Black", "n"] == 3
    assert appointed["reference"].iloc[0] != "Black"


def test_findings_follow_the_profile(demo: il.Study) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", il.SmallSampleWarning)
        ugesp = il.stage_audit(demo.candidates, group="ethnicity", stages=demo.stages, min_count=10)
        ofccp = il.stage_audit(
            demo.candidates, group="ethnicity", stages=demo.stages, profile="ofccp", min_count=10
        )
    below = il.findings(ugesp, profile="ugesp")
    assert set(below.loc[below["stage"] == "shortlisted", "category"]) == {
        "Asian",
        "Black",
        "Mixed",
    }
    significant = il.findings(ofccp, profile="ofccp", alpha=0.05)
    assert (significant["p_adjusted"] < 0.05).all()
    assert "Black" in set(significant["category"])
    suppressed = il.suppress_small_cells(ugesp, counts="n", min_cell_size=100)
    assert set(il.findings(suppressed, profile="ugesp")["category"]) <= {"White", "Asian"}


def test_wres_needs_focal_and_reference(demo: il.Study) -> None:
    with pytest.raises(il.InterviewLabError, match="focal"):
        il.stage_audit(demo.candidates, group="ethnicity", stages=demo.stages, profile="wres")
    table = il.stage_audit(
        demo.candidates,
        group="ethnicity",
        stages=demo.stages,
        profile="wres",
        focal=["Black", "Asian", "Mixed", "Other"],
        reference="White",
    )
    assert table["stage"].tolist() == demo.stages


def test_pooled_stage_audit_records_warnings(demo: il.Study) -> None:
    pooled = il.pooled_stage_audit(
        demo.candidates,
        group="ethnicity",
        stages=demo.stages,
        strata="requisition_id",
        reference="White",
    )
    assert set(pooled["focal"]) == {"Asian", "Black", "Mixed", "Other"}
    assert len(pooled) == 3 * 4
    assert "note" in pooled.columns
    with pytest.raises(il.InterviewLabError, match="reference='Purple'"):
        il.pooled_stage_audit(
            demo.candidates,
            group="ethnicity",
            stages=demo.stages,
            strata="requisition_id",
            reference="Purple",
        )


def test_stage_entrants_rejects_unknown_stage(demo: il.Study) -> None:
    with pytest.raises(il.InterviewLabError, match="not one of the stages"):
        il.stage_entrants(demo.candidates, stages=demo.stages, stage="hired")
