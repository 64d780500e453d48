"""The workbook and the index for people (issue 23, item 5), on small synthetic report folders."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

from interviewlab.reporting.pages import entry_titles, write_index
from interviewlab.reporting.safety import FORMULA_TRIGGERS
from interviewlab.reporting.tables import MIMETYPE
from interviewlab.reporting.workbook import Cover, sheet_names, write_workbook
from interviewlab.reporting.writer import ReportWriter

HOSTILE = '=HYPERLINK("http://x","click")'


def _table(folder: Path, name: str, frame: pd.DataFrame) -> None:
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "tables" / f"{name}.csv", index=False, float_format="%.10g")


def _executed(captions: dict[str, str]) -> nbformat.NotebookNode:
    """An executed notebook whose reader tables link the given full tables."""
    outputs = [
        nbformat.v4.new_output("display_data", data={MIMETYPE: {"caption": c, "full_table": t}})
        for t, c in captions.items()
    ]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=outputs)])


@pytest.fixture
def report(tmp_path: Path) -> Path:
    """A report folder: two tables (written rates first), its disclosure plan."""
    folder = tmp_path / "adverse_impact_audit-demo"
    rates = pd.DataFrame(
        {
            "category": ["White", "Black", HOSTILE, "<script>alert(1)</script>"],
            "n": [269, 1234, 4, 40],
            "selected": [230, 900, None, 20],
            "rate": [0.8550185874, 0.7293354943, None, 0.5],
            "impact_ratio": [1.0, 0.8530, None, 0.58479],
            "ci_low": [None, 0.8012345678, None, 0.41],
            "ci_high": [None, 0.9051234567, None, 0.79],
            "p_fisher": [None, 0.0004567891, None, 0.0123456],
            "n_applicants": [300, 1300, 5, 45],
            "suppressed": [False, False, True, False],
            "suppression": ["", "", "fewer than 10", ""],
        }
    )
    _table(folder, "zz_rates", rates)
    _table(folder, "aa_gaps", pd.DataFrame({"group": ["a"], "d": [-0.123456789], "se": [0.05]}))
    (folder / "table_order.txt").write_text("zz_rates\naa_gaps\n")
    plan = {"min_cell_size": 10, "information_loss": {"cells": 4, "suppressed": 1, "share": 0.02}}
    (folder / "disclosure.json").write_text(json.dumps(plan))
    return folder


def _cover(study: str = "demo") -> Cover:
    return Cover(
        title="Adverse impact audit",
        study=study,
        written="2026-12-07 10:00 UTC",
        version="0.1.0",
        parameters={"study": "/abs/path", "output_dir": "/x", "profile": "ll144", "alpha": 0.05},
    )


def _rows(sheet: openpyxl.worksheet.worksheet.Worksheet) -> list[list[object]]:
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_the_workbook_has_its_cover_sheet(report: Path) -> None:
    executed = _executed({"zz_rates": "Selection rates by ethnicity"})
    book = openpyxl.load_workbook(write_workbook(report, _cover(), executed=executed))
    # the cover first, then the tables in the order the report wrote them
    assert book.sheetnames == ["Cover", "zz_rates", "aa_gaps"]
    rows = _rows(book["Cover"])
    labels = {r[0]: r[1] for r in rows if r[0] is not None}
    assert rows[0][0] == "Adverse impact audit: tables"
    assert labels["Study"] == "demo"
    assert labels["Report"] == "Adverse impact audit"
    assert labels["Written"] == "2026-12-07 10:00 UTC by interviewlab 0.1.0"
    # the parameters the reader chose; not the runner's paths
    assert labels["profile"] == "ll144" and labels["alpha"] == "0.05"
    assert "output_dir" not in labels and "/abs/path" not in str(rows)
    assert labels["Minimum cell size"].startswith("10: no figure rests on fewer than 10 people")
    assert "'Why hidden'" in labels["Hidden cells"]
    assert "1 of the 4 cells" in labels["Information loss"]
    # the list of sheets, with what each shows and its CSV file
    at = next(i for i, r in enumerate(rows) if r[0] == "Sheets")
    assert rows[at][:3] == ["Sheets", "What it shows", "CSV file"]
    assert rows[at + 1][:3] == ["zz_rates", "Selection rates by ethnicity", "zz_rates.csv"]
    assert rows[at + 2][0] == "aa_gaps" and "Not shown on the page" in rows[at + 2][1]


def test_headers_formats_and_full_precision(report: Path) -> None:
    book = openpyxl.load_workbook(write_workbook(report, _cover()))
    sheet = book["zz_rates"]
    headers = [c.value for c in sheet[1]]
    assert headers == [
        "Group",
        "Candidates",
        "Selected",
        "Selection rate",
        "Impact ratio",
        "Impact ratio: lower 95% limit",
        "Impact ratio: upper 95% limit",
        "p-value (Fisher's exact)",
        "N applicants",
        "Hidden",
        "Why hidden",
    ]
    at = {h: i + 1 for i, h in enumerate(headers)}

    def cell(row: int, header: str) -> openpyxl.cell.cell.Cell:
        return sheet.cell(row=row, column=at[header])

    # the CSV's values at full precision, numbers as numbers, rounded only by the format
    assert cell(2, "Selection rate").value == 0.8550185874
    assert cell(2, "Selection rate").number_format == "0.0%"
    assert cell(3, "p-value (Fisher's exact)").value == 0.0004567891
    assert cell(3, "p-value (Fisher's exact)").number_format == "0.000"
    assert cell(3, "Impact ratio: lower 95% limit").value == 0.8012345678
    assert cell(3, "Impact ratio").number_format == "0.00"
    assert cell(3, "Candidates").value == 1234
    assert cell(3, "Candidates").number_format == "#,##0"
    # a suppressed row: its figures are empty cells, marked and explained
    assert cell(4, "Selection rate").value is None
    assert cell(4, "Hidden").value is True and cell(4, "Why hidden").value == "fewer than 10"
    assert [c.value for c in book["aa_gaps"][1]] == ["Group", "Hedges' g", "Standard error"]
    assert book["aa_gaps"]["B2"].value == -0.123456789  # a negative number stays a number
    assert book["aa_gaps"]["B2"].number_format == "0.00"
    assert sheet.freeze_panes == "A2"


def test_text_from_data_cannot_run_as_a_formula(report: Path) -> None:
    _table(report, "hostile", pd.DataFrame({HOSTILE: ["+1", "@SUM(A1)", "-x", "a\x07b"]}))
    executed = _executed({"hostile": "=evil()"})
    write_workbook(report, _cover(study="-cmd|' /C calc'!A0"), executed=executed)
    book = openpyxl.load_workbook(report / "tables.xlsx")
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    assert not cell.value.startswith(FORMULA_TRIGGERS), cell.value
    assert "'" + HOSTILE in texts and "'=evil()" in texts and "'-cmd|' /C calc'!A0" in texts
    assert "<script>alert(1)</script>" in texts  # text in a cell, as the data has it
    assert "ab" in texts  # a control character a workbook cannot hold is dropped


def test_sheets_follow_the_page(report: Path) -> None:
    # the page shows the gaps before the rates; a table it does not show ("extra",
    # written after the rates) follows the rates
    _table(report, "extra", pd.DataFrame({"x": [1]}))
    (report / "table_order.txt").write_text("zz_rates\nextra\naa_gaps\n")
    executed = _executed({"aa_gaps": "Score gaps", "zz_rates": "Selection rates"})
    book = openpyxl.load_workbook(write_workbook(report, _cover(), executed=executed))
    assert book.sheetnames == ["Cover", "aa_gaps", "zz_rates", "extra"]


def test_sheet_names_are_short_and_unique() -> None:
    long = "question_gaps_sex_x_ethnicity_x_age_band"
    names = sheet_names([long, long + "_x", "COVER", "a:b", "A:B"])
    assert all(len(n) <= 31 for n in names)
    assert len({n.lower() for n in [*names, "Cover"]}) == len(names) + 1
    assert names[2] == "COVER_2" and names[3:] == ["a_b", "A_B_2"]


def test_sheets_follow_the_writer_and_the_cover_reads_provenance(tmp_path: Path) -> None:
    writer = ReportWriter(tmp_path)
    for name in ("second_b", "first_a", "second_b"):
        writer.table(pd.DataFrame({"x": [1.5]}), name)
    assert (tmp_path / "table_order.txt").read_text().split() == ["second_b", "first_a"]
    prov = {
        "report": "reliability",
        "title": "Reliability",
        "study": "mine",
        "started_utc": "2026-12-07T09:30:00+00:00",
        "interviewlab_version": "0.1.0",
        "parameters": {"min_cell_size": 5, "output_dir": "."},
    }
    (tmp_path / "provenance.json").write_text(json.dumps(prov))
    book = openpyxl.load_workbook(write_workbook(tmp_path))
    assert book.sheetnames == ["Cover", "second_b", "first_a"]
    labels = {r[0]: r[1] for r in _rows(book["Cover"]) if r[0] is not None}
    assert labels["Study"] == "mine"
    assert labels["Written"] == "2026-12-07 09:30 UTC by interviewlab 0.1.0"
    assert labels["min_cell_size"] == "5" and labels["Minimum cell size"].startswith("5: ")


def test_no_tables_no_workbook(tmp_path: Path) -> None:
    assert write_workbook(tmp_path, _cover()) is None
    assert not (tmp_path / "tables.xlsx").exists()


# -- the index ---------------------------------------------------------------------------


def _written(out: Path, folder: str, report: str, study: str, **extra: object) -> None:
    path = out / folder
    path.mkdir(parents=True)
    (path / f"{report}.html").write_text("<html></html>")
    prov = {
        "report": report,
        "title": report.replace("_", " ").capitalize(),
        "headline": f"Headline of {report}",
        "study": study,
        "study_source": study,
        "simulated": False,
        "started_utc": "2026-12-07T01:00:00+00:00",
        "changed_parameters": {},
        **extra,
    }
    (path / "provenance.json").write_text(json.dumps(prov))


def test_index_overview_first_variants_titled_and_reports_not_written(tmp_path: Path) -> None:
    _written(tmp_path, "adverse_impact_audit-mine", "adverse_impact_audit", "mine")
    _written(
        tmp_path,
        "adverse_impact_audit-mine-profile-ll144",
        "adverse_impact_audit",
        "mine",
        changed_parameters={"profile": "ll144"},
    )
    _written(tmp_path, "study_overview-mine", "study_overview", "mine")
    outcomes = [
        {"report": "async_vs_live", "study": "mine", "status": "skipped", "reason": "one <b>"},
        {
            "report": "adverse_impact_audit",
            "study": "mine",
            "parameters": "profile = wres",
            "folder": "adverse_impact_audit-mine-profile-wres",
            "status": "failed",
            "reason": "boom\non two lines",
        },
    ]
    kept = tmp_path / "adverse_impact_audit-mine-profile-wres.failed"
    kept.mkdir()
    nbformat.write(nbformat.v4.new_notebook(), kept / "adverse_impact_audit.ipynb")
    page = write_index(tmp_path, outcomes=outcomes).read_text()
    # the overview first, then the audit and its variant, each titled apart
    assert page.index("study_overview-mine/") < page.index("adverse_impact_audit-mine/")
    assert ">Adverse impact audit</a></h2>" in page
    assert ">Adverse impact audit (profile = ll144)</a></h2>" in page
    # one line each for the reports not written, with the reason; the failed variant's
    # note does not mark the written reports as earlier ones
    assert "Skipped: it does not apply to this study (study: mine): one &lt;b&gt;" in page
    assert "<h3>Adverse impact audit (profile = wres)</h3>" in page
    assert (
        "Failed (study: mine): boom on two lines The partial notebook is in "
        "adverse_impact_audit-mine-profile-wres.failed/.</p>"
    ) in page
    assert page.count("<h3>") == 2  # the recorded failure is not listed twice
    assert "This is an earlier report" not in page
    # a later run writing the ll144 variant leaves the wres variant's note
    done = [dict(outcomes[1], status="written", folder="adverse_impact_audit-mine-profile-ll144")]
    assert "boom on two lines" in write_index(tmp_path, outcomes=done).read_text()


def test_index_names_a_failure_no_run_recorded(tmp_path: Path) -> None:
    _written(tmp_path, "reliability-mine", "reliability", "mine")
    failed = tmp_path / "reliability-mine.failed"
    failed.mkdir()
    error = {"output_type": "error", "ename": "KeyError", "evalue": "'<sex>'", "traceback": []}
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("", outputs=[nbformat.from_dict(error)])]
    )
    nbformat.write(notebook, failed / "reliability.ipynb")
    page = write_index(tmp_path).read_text()
    assert "Failed: KeyError: &#x27;&lt;sex&gt;&#x27; The partial notebook is in " in page
    assert "reliability-mine.failed/" in page
    assert "This is an earlier report: the last run failed (KeyError" in page


def test_titles_alike_are_told_apart() -> None:
    prov = {"report": "reliability", "title": "Reliability", "study": "a"}
    titles = entry_titles([("r-a", prov), ("r-b", {**prov, "study": "b"}), ("r-a2", prov)])
    assert len(set(titles)) == 3
    assert titles[1] == "Reliability (b)"
