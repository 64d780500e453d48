"""The automated_scores and over_time reports on the demo: its planted effects, privately."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from page_rules import broken_rules, page_text

import interviewlab as il

pytestmark = pytest.mark.slow  # every test here runs reports

DEMO = il.load_study("demo")
DEMO_IDS = set(DEMO.candidates["candidate_id"])
REPORTS = ("automated_scores", "over_time")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("reports")
    return {name: il.run_report(name, study="demo", out=out, progress=False) for name in REPORTS}


def _table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / "tables" / f"{name}.csv")


@pytest.mark.parametrize("name", REPORTS)
def test_page_is_complete_and_private(reports: dict[str, Path], name: str) -> None:
    folder = reports[name]
    page = (folder / f"{name}.html").read_text(encoding="utf-8")
    assert "import interviewlab" not in page and '<div class="highlight' not in page
    for figure in sorted((folder / "figures").glob("*.png")):
        assert base64.b64encode(figure.read_bytes()).decode("ascii") in page, figure.name
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    assert not any(cid in text for cid in DEMO_IDS)
    for path in (folder / "tables").glob("*.csv"):
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert not DEMO_IDS & set(table.to_numpy().ravel()), path.name
        assert "unknown" not in set(table.get("role", [])), path.name


@pytest.mark.parametrize("name", REPORTS)
def test_page_writes_numbers_one_way(reports: dict[str, Path], name: str) -> None:
    # issue 23, item 3: no negative zero, one p-value format (tests/page_rules.py)
    assert not broken_rules(page_text(reports[name] / f"{name}.html"))


def test_automated_scores_finds_the_planted_machine_bias(reports: dict[str, Path]) -> None:
    folder = reports["automated_scores"]
    headline = json.loads((folder / "provenance.json").read_text())["headline"]
    # study.toml [planted]: automated_bias = -1.5 for Black candidates, against a human
    # panel that already scores them lower in async interviews: lower than the humans
    assert headline.startswith("At the same human score, the machine scores Black candidates")
    assert "lower than White candidates" in headline
    table = _table(folder, "machine_vs_human_by_ethnicity").set_index(["category", "term"])
    gap = table.loc[("Black", "conditional_difference_latent")]
    assert gap["ci_high"] < 0
    assert table.loc[("All candidates", "qwk"), "estimate"] > 0.8
    rates = _table(folder, "scoring_rates_by_ethnicity")
    assert set(rates["score_source"]) == {"automated", "human"}


def test_over_time_finds_the_planted_change(reports: dict[str, Path]) -> None:
    folder = reports["over_time"]
    headline = json.loads((folder / "provenance.json").read_text())["headline"]
    # study.toml [planted]: period_change = 3 for women's shortlisting after round 2
    assert headline.startswith("After structured interview training (introduced after round 2)")
    assert "female candidates' impact ratio at the shortlisted stage went from" in headline
    change = _table(folder, "change_by_sex").set_index(["stage", "category"])
    row = change.loc[("shortlisted", "female")]
    assert row["or_low"] < 3.0 < row["or_high"] and row["or_low"] > 1
    rates = _table(folder, "rates_by_sex")
    assert {"centre", "lcl", "ucl", "outside_limits"} <= set(rates.columns)
    assert set(rates["round"].astype(str)) == {"1", "2", "3", "4"}
    alpha = _table(folder, "alpha_by_period")
    assert set(alpha["round"].astype(str)) == {"1", "2", "3", "4"}


def test_over_time_hides_what_the_plan_hides_in_each_round(reports: dict[str, Path]) -> None:
    # a row per round shows the round's applicants and those who passed its stage in
    # the round (the next stage's entrants there): hidden where the plan hides either;
    # a row pooling the rounds (trend, change) where the plan hides it in any round
    plan = il.ReportWriter.for_study(DEMO, None, min_cell_size=10).disclosure
    assert plan is not None and plan.period == "round"
    stages = list(DEMO.stages)
    names = ["applicants", *stages[1:]]
    checked = 0
    for column in DEMO.group_columns:
        hidden = plan.hidden.get(column, {})
        rates = _table(reports["over_time"], f"rates_by_{column}")
        for _, row in rates.iterrows():
            k, p = stages.index(row["stage"]), str(row["round"])
            margins = [f"round {p}"] + ([f"{names[k + 1]} in round {p}"] if k + 1 < 3 else [])
            if any(row["category"] in hidden.get(m, {}) for m in margins):
                assert row["suppressed"] and pd.isna(row["selected"]), (column, p, k)
                checked += 1
        for name in ("trend", "change"):
            table = _table(reports["over_time"], f"{name}_by_{column}")
            for _, row in table[table["category"].notna()].iterrows():
                k = stages.index(row["stage"])
                shown = [names[k], *names[k + 1 : k + 2]]
                margins = [m for m in hidden if m.startswith("round ")] + [
                    m for m in hidden if any(m.startswith(f"{s} in round ") for s in shown)
                ]
                if any(row["category"] in hidden[m] for m in margins):
                    assert row["suppressed"], (name, column, row["stage"], row["category"])
                    checked += 1
    assert checked > 0  # the demo hides some categories in some rounds


def test_a_study_without_machine_scores_or_rounds_skips_both(tmp_path: Path) -> None:
    meta = {k: v for k, v in DEMO.meta.items() if k != "periods"}
    il.Study(meta=meta, candidates=DEMO.candidates.drop(columns="round"),
             ratings=DEMO.ratings, raters=DEMO.raters).save(tmp_path / "plain")  # fmt: skip
    for name, reason in (
        ("automated_scores", "the study has no machine scores"),
        ("over_time", "the study declares no periods"),
    ):
        with pytest.raises(il.ReportNotApplicable) as info:
            il.run_report(name, study=tmp_path / "plain", out=tmp_path / "out", progress=False)
        assert info.value.reason.startswith(reason)
