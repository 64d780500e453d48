"""Every report notebook runs on the demo study and shows its planted effects."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from page_rules import broken_rules, page_text

import interviewlab as il

pytestmark = pytest.mark.slow  # every test here runs reports

DEMO = il.load_study("demo")
DEMO_IDS = set(DEMO.candidates["candidate_id"])
NOTEBOOKS = ["reliability", "adverse_impact_audit", "panel_training", "published_cases"]
#: demonstrations: they use no study
DEMONSTRATIONS = ("panel_training", "published_cases")


def _run(name: str, out: Path) -> Path:
    study = None if name in DEMONSTRATIONS else "demo"
    # one report also writes its PDF (Typst), to test it without a browser or LaTeX
    pdf = name == "adverse_impact_audit"
    return il.run_report(name, study=study, out=out, progress=False, pdf=pdf)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("reports")
    return {name: _run(name, out) for name in NOTEBOOKS}


def _table(reports: dict[str, Path], notebook: str, name: str) -> pd.DataFrame:
    return pd.read_csv(reports[notebook] / "tables" / f"{name}.csv")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_report_is_complete_and_private(reports: dict[str, Path], name: str) -> None:
    folder = reports[name]
    html = (folder / f"{name}.html").read_text()
    assert "import interviewlab" not in html and "il.load_study" not in html
    assert '<div class="highlight' not in html
    assert "data:image/png;base64" in html
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert not any(cid in text for cid in DEMO_IDS)
    for path in (folder / "tables").glob("*.csv"):
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert not DEMO_IDS & set(table.to_numpy().ravel()), path.name
    assert (folder / "provenance.json").is_file() and (folder / "tables.xlsx").is_file()


def test_reliability_tables(reports: dict[str, Path]) -> None:
    alpha = _table(reports, "reliability", "alpha_by_format")
    assert {"format", "estimate", "ci_low", "ci_high", "n_units", "ci_method"} <= set(alpha.columns)
    assert set(alpha["format"]) == {"async", "live"}
    assert (alpha["ci_low"] < alpha["estimate"]).all() and (
        alpha["estimate"] < alpha["ci_high"]
    ).all()
    icc = _table(reports, "reliability", "icc_by_panel")
    assert {"format", "panel_id", "type", "estimate", "ci_low", "ci_high", "p_value"} <= set(
        icc.columns
    )
    assert set(icc["type"]) == {"ICC2", "ICC2k"}
    reml = _table(reports, "reliability", "icc_reml_by_format")
    assert set(reml["method"]) == {"reml"} and set(reml["type"]) == {"ICC1", "ICC2", "ICC2k"}
    assert (reml["ci_low"] <= reml["estimate"]).all()
    d_study = _table(reports, "reliability", "d_study_raters")
    assert d_study["rater_id"].tolist() == [1, 2, 3, 4, 5]
    assert d_study["phi"].is_monotonic_increasing  # more raters, more dependable
    severity = _table(reports, "reliability", "rater_severity")
    assert set(severity["rater_id"]) == set(DEMO.ratings["rater_id"])
    # the demo's planted severities: the most lenient and harshest raters are recovered
    planted = pd.Series(DEMO.planted["rater_severity"])
    estimated = severity.set_index("rater_id")["severity"]
    assert estimated.idxmin() == planted.idxmax()  # severity is planted as a deduction
    comparison = _table(reports, "reliability", "format_comparison")
    assert {"difference", "ci_low", "ci_high", "p_value"} <= set(comparison.columns)


def test_audit_flags_the_planted_adverse_impact(reports: dict[str, Path]) -> None:
    # the demo plants a shortlisting penalty against Black candidates (study.toml
    # [planted]); only 3 were shortlisted, and those 3 are the appointed stage's Black
    # entrants, fewer than 10: the shortlisting row would print that hidden cell as its
    # "passed" count, so issue 28 hides it (issue 11 showed it: the chain leak) and shows
    # only the row's entrants
    audit = _table(reports, "adverse_impact_audit", "audit_ugesp_ethnicity")
    row = audit[(audit["stage"] == "shortlisted") & (audit["category"] == "Black")].iloc[0]
    assert row["suppressed"] and row["suppression"] == "passers hidden"
    assert row["n"] >= 10 and pd.isna(row["selected"]) and pd.isna(row["rate"])
    funnel = _table(reports, "adverse_impact_audit", "funnel_ethnicity")
    assert {
        "stage",
        "entered",
        "passed",
        "stage_rate",
        "stage_impact_ratio",
        "cumulative_impact_ratio",
    } <= set(funnel.columns)
    pooled = _table(reports, "adverse_impact_audit", "pooled_ethnicity")
    asian = pooled[(pooled["stage"] == "shortlisted") & (pooled["focal"] == "Asian")].iloc[0]
    assert asian["ci_high"] < 1 and asian["p_value"] < 0.05
    gaps = _table(reports, "adverse_impact_audit", "score_gaps_ethnicity")
    assert gaps.set_index("group").loc["Black", "ci_high"] < 0  # the planted async penalty
    html = (reports["adverse_impact_audit"] / "adverse_impact_audit.html").read_text()
    summary = html.index("Executive summary")
    assert summary < html.index("The funnel, group by group")
    findings = html[summary : html.index("The funnel")]
    assert "shortlisted, ethnicity = Black:" not in findings


def test_audit_flags_the_planted_penalty_where_the_counts_allow(tmp_path: Path) -> None:
    # with a minimum of 3 people the 3 shortlisted Black candidates may be shown, and the
    # planted shortlisting penalty is the first (most severe) finding
    folder = il.run_report(
        "adverse_impact_audit",
        study="demo",
        out=tmp_path,
        params={"min_cell_size": 3},
        progress=False,
    )
    audit = pd.read_csv(folder / "tables" / "audit_ugesp_ethnicity.csv")
    row = audit[(audit["stage"] == "shortlisted") & (audit["category"] == "Black")].iloc[0]
    assert row["below_threshold"] and row["p_fisher"] < 0.001
    html = (folder / "adverse_impact_audit.html").read_text()
    findings = html[html.index("Executive summary") : html.index("The funnel")]
    first = findings.index("<li>")
    assert findings.index("shortlisted, ethnicity = Black:</strong>") > first
    assert findings.index("shortlisted, ethnicity = Black:</strong>") < findings.index(
        "<li>", first + 1
    )


def test_training_recovers_what_it_planted(reports: dict[str, Path]) -> None:
    estimates = _table(reports, "panel_training", "bias_estimates")
    diverse = estimates[estimates["scenario"] == "diverse panel"].set_index("effect")
    assert diverse.loc["similar-to-me bonus", "p_value"] < 0.001
    homogeneous = estimates[estimates["scenario"] == "as planted"].set_index("effect")
    assert pd.isna(homogeneous.loc["similar-to-me bonus", "estimate"])
    # a bias that cannot be estimated reads "n/a" on the page, never "(missing)"
    html = (reports["panel_training"] / "panel_training.html").read_text()
    assert "(missing)" not in html
    appointments = _table(reports, "panel_training", "appointments_by_scenario")
    black = appointments[appointments["category"] == "Black"].set_index("scenario")
    assert black.loc["as planted", "below_threshold"]
    assert black.loc["as planted", "impact_ratio"] < black.loc["no planted bias", "impact_ratio"]


def test_published_cases_show_each_case(reports: dict[str, Path]) -> None:
    # the trainers' report: each case's figures as in tests/data/test_published_cases.py
    teal = _table(reports, "published_cases", "teal_funnel").set_index(["stage", "category"])
    assert round(teal.loc[("passed_test", "Black"), "stage_impact_ratio"], 2) == 0.68
    ricci = _table(reports, "published_cases", "ricci_stage_audit")
    assert ricci.loc[ricci["role"] == "compared", "below_threshold"].all()
    dcwp = _table(reports, "published_cases", "dcwp_sex").set_index("category")
    assert round(dcwp.loc["Female", "impact_ratio"], 2) == 0.82
    html = (reports["published_cases"] / "published_cases.html").read_text()
    for heading in ("Ricci v. DeStefano", "Connecticut v. Teal", "Bertrand &amp; Mullainathan",
                    "6 RCNY 5-301", "Before the data"):  # fmt: skip
        assert heading in html, heading
    assert "Detectable ratio (80% power)" in html
    audit = _table(reports, "adverse_impact_audit", "audit_ugesp_ethnicity")
    assert "detectable_ratio" not in audit.columns  # the page's column, not a table change
    page = (reports["adverse_impact_audit"] / "adverse_impact_audit.html").read_text()
    assert "Detectable ratio (80% power)" in page


@pytest.mark.parametrize("name", ["reliability", "adverse_impact_audit"])
def test_rerun_gives_identical_tables(reports: dict[str, Path], name: str, tmp_path: Path) -> None:
    again = _run(name, tmp_path)
    first = sorted((reports[name] / "tables").glob("*.csv"))
    assert first
    for path in first:
        assert path.read_bytes() == (again / "tables" / path.name).read_bytes(), path.name


def test_audit_profiles_run(tmp_path: Path) -> None:
    for profile in ("ofccp", "ll144", "wres"):
        folder = il.run_report(
            "adverse_impact_audit",
            study="demo",
            out=tmp_path / profile,
            params={"profile": profile},
            progress=False,
        )
        assert (folder / "tables" / f"audit_{profile}_ethnicity.csv").is_file()
    with pytest.raises(il.InterviewLabError, match=r"profile='eeoc' is not one of"):
        il.run_report(
            "adverse_impact_audit",
            study="demo",
            out=tmp_path / "bad",
            params={"profile": "eeoc"},
            progress=False,
        )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_page_has_a_title_header_and_reader_tables(reports: dict[str, Path], name: str) -> None:
    html = (reports[name] / f"{name}.html").read_text()
    title = re.search(r"<title>(.*?)</title>", html).group(1)  # type: ignore[union-attr]
    assert title != "Notebook" and title.endswith(" - demo" if name not in DEMONSTRATIONS else "")
    assert "Written " in html and "Parameters: " in html and "In short:" in html
    # no raw pandas dump reaches the page: no index column, no missing-value text
    assert 'class="il-reader"' in html
    assert "row_heading" not in html
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    text = re.sub(r"<[^>]+>", " ", text)
    for bad in ("NaN", "<NA>", "&lt;NA&gt;", "True", "False"):
        assert bad not in text.split(), bad


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_page_writes_numbers_one_way(reports: dict[str, Path], name: str) -> None:
    # issue 23, item 3: no negative zero, one p-value format (tests/page_rules.py)
    assert not broken_rules(page_text(reports[name] / f"{name}.html"))


def test_index_page_lists_every_report_with_its_headline(reports: dict[str, Path]) -> None:
    out = next(iter(reports.values())).parent
    index = (out / "index.html").read_text()
    assert "<title>" in index
    for name, folder in reports.items():
        assert f'href="{folder.name}/{name}.html"' in index
    assert f'href="{reports["adverse_impact_audit"].name}/adverse_impact_audit.pdf"' in index
    assert index.count('class="headline"') == len(reports)
    assert "No headline" not in index


def test_pdf_is_a4_and_shows_the_last_column(reports: dict[str, Path]) -> None:
    pypdf = pytest.importorskip("pypdf")
    folder = reports["adverse_impact_audit"]
    reader = pypdf.PdfReader(folder / "adverse_impact_audit.pdf")
    assert all(round(float(p.mediabox.width)) == 595 for p in reader.pages)  # A4
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    # the last column of the widest reader table, and the figures are embedded
    assert "Against the four-fifths rule" in text
    assert "In short:" in text
    assert any(p.images for p in reader.pages)
