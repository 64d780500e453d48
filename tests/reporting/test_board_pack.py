"""The audit's board pack: the verdict grid, and a PDF of at most 8 pages with no near-empty page.

Issue 23, item 4: the audit PDF opens with a one-page summary (a colour grid of groups ×
stages with the verdict in each cell, the findings in words, the method), followed by
the detail; at most 8 A4 pages for the demo, no page with fewer than 5 lines of text.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import matplotlib
import nbformat
import pandas as pd
import pytest
from matplotlib.figure import Figure

import interviewlab as il
from interviewlab.errors import InterviewLabError
from interviewlab.reporting.board import verdict_grid
from interviewlab.reporting.pdf import (
    _FIGURE_MAX_CM,
    HTML_ONLY_KEY,
    NEW_PAGE_TAG,
    _image_block,
    write_pdf,
)
from interviewlab.reporting.tables import VERDICT_COLOURS, Column, reader_table

pypdf = pytest.importorskip("pypdf")
matplotlib.use("Agg")


def _stage_audit() -> pd.DataFrame:
    """Two stages, three groups; the last row is hidden though its table says 'below'."""
    return pd.DataFrame(
        {
            "stage": ["apply", "apply", "apply", "offer", "offer", "offer"],
            "category": ["A", "B", "C or not stated", "A", "B", "C or not stated"],
            "role": ["reference", "compared", "compared", "reference", "compared", "compared"],
            "below_threshold": [False, True, False, False, True, True],
            "p_fisher": [None, 0.004, 0.6, None, 0.3, 0.0001],
            "suppressed": [False, False, False, False, False, True],
            "suppression": [None, None, None, None, None, "fewer than 10"],
        }
    )


def test_grid_has_one_row_per_group_and_one_column_per_stage() -> None:
    grid = verdict_grid({"sex": _stage_audit()}, stages=["apply", "offer"])
    assert grid.headers == ("Characteristic", "Group", "apply", "offer")
    assert [r[1] for r in grid.rows] == ["A", "B", "C or not stated §"]
    assert grid.rows[0] == ("sex", "A", "reference", "reference")
    assert grid.rows[1][2:] == ("below, significant", "below, not significant")


def test_grid_never_shows_the_verdict_of_a_suppressed_row() -> None:
    grid = verdict_grid({"sex": _stage_audit()}, stages=["apply", "offer"])
    hidden = grid.rows[2][3]
    assert hidden == "–*"  # the table still says below and p < 0.05: not shown
    assert grid.cell_fills[2][3] == ""
    assert any(note.startswith("–* not shown: fewer than 10") for note in grid.footnotes)
    assert any(note.startswith("§") for note in grid.footnotes)


def test_grid_leaves_out_a_group_hidden_at_every_stage() -> None:
    table = _stage_audit()
    table.loc[table["category"] == "B", ["suppressed", "suppression"]] = [True, "fewer than 10"]
    grid = verdict_grid({"sex": table}, stages=["apply", "offer"])
    assert "B" not in [r[1] for r in grid.rows]  # the summary never names it
    assert any("1 group(s) hidden at every stage" in note for note in grid.footnotes)


def test_grid_escapes_labels_from_the_data() -> None:
    # group labels come from the study's files: a script or a formula stays text
    table = pd.DataFrame({"stage": ["s1", "s1"],
                          "category": ["A", '<script>alert(1)</script>=HYPERLINK("x")'],
                          "role": ["reference", "compared"],
                          "below_threshold": [False, True], "p_fisher": [None, 0.01]})  # fmt: skip
    page = il.verdict_grid({"<b>sex</b>": table}, stages=["s1"]).to_html()
    assert "<script>" not in page and "<b>sex</b>" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;sex&lt;/b&gt;" in page


def test_grid_cells_carry_the_verdict_colours() -> None:
    grid = verdict_grid({"sex": _stage_audit()}, stages=["apply", "offer"])
    assert grid.cell_fills[1][2] == VERDICT_COLOURS["below, significant"]
    assert grid.cell_fills[2][2] == VERDICT_COLOURS["not below"]
    assert grid.cell_fills[1][:2] == ("", "")  # labels are not coloured
    html = grid.to_html()
    assert f"background-color: {VERDICT_COLOURS['below, significant']}" in html
    assert grid.to_dict()["cell_fills"][1][2] == VERDICT_COLOURS["below, significant"]


def test_grid_leaves_a_stage_blank_where_a_group_is_absent() -> None:
    table = _stage_audit().iloc[:5]  # group C has no row at the offer stage
    grid = verdict_grid({"sex": table, "age": _stage_audit()}, stages=["apply", "offer"])
    assert grid.rows[2][3] == ""
    assert grid.rows[3][0] == "age"  # the next characteristic starts its block


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        pytest.param({}, "at least one", id="no tables"),
        pytest.param({"sex": pd.DataFrame({"stage": ["a"]})}, "category", id="no category"),
    ],
)
def test_grid_refuses_tables_it_cannot_read(tables, message) -> None:
    with pytest.raises(InterviewLabError, match=message):
        verdict_grid(tables, stages=["a"])


def test_reader_table_tells_the_pdf_which_columns_hold_words() -> None:
    t = pd.DataFrame({"category": ["A"], "n": [120], "rate": [0.5]})
    rt = reader_table(
        t,
        caption="Rates",
        columns=[
            Column("Group", "category"),
            Column("N", "n", "count"),
            Column("Rate", "rate", "percent"),
        ],
    )
    assert rt.to_dict()["text_columns"] == [0]


def _png(width_in: float, height_in: float) -> bytes:
    fig = Figure(figsize=(width_in, height_in))
    fig.subplots().plot([0, 1], [0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


@pytest.mark.parametrize("size", [(7, 3.8), (7, 12), (14, 4)], ids=["funnel", "tall", "wide"])
def test_a_figure_never_fills_a_page(size) -> None:
    block = _image_block(_png(*size), "f.png")
    assert block["height_cm"] <= _FIGURE_MAX_CM + 1e-9
    assert block["width_cm"] <= 21.0 - 2 * 1.6 + 1e-9


def _output(obj, **metadata):  # type: ignore[no-untyped-def]
    return nbformat.v4.new_output("display_data", data=obj, metadata=metadata)


def test_new_page_tag_and_html_only_outputs(tmp_path: Path) -> None:
    png = base64.b64encode(_png(7, 3)).decode()
    nb = nbformat.v4.new_notebook()
    summary = nbformat.v4.new_markdown_cell("# Audit\n\n## Summary\n\nOne line.")
    detail = nbformat.v4.new_markdown_cell("## Detail\n\nMore.")
    detail.metadata["tags"] = [NEW_PAGE_TAG]
    code = nbformat.v4.new_code_cell(
        "x",
        outputs=[
            _output({"text/markdown": "Shown in both."}),
            _output({"text/markdown": "Only on the HTML page."}, **{HTML_ONLY_KEY: True}),
            _output({"image/png": png}, **{HTML_ONLY_KEY: True}),
        ],
    )
    nb.cells = [summary, detail, code]
    nbformat.write(nb, tmp_path / "r.ipynb")
    out = write_pdf(tmp_path / "r.ipynb", tmp_path / "r.pdf", title="Audit: demo")
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == 2
    first, second = (" ".join(p.extract_text().split()) for p in reader.pages)
    assert "One line." in first and "Detail" not in first
    assert "Detail" in second and "Shown in both." in second
    assert "Only on the HTML page." not in first + second
    assert not any(p.images for p in reader.pages)


def test_a_repeated_footnote_is_shortened_to_its_mark(tmp_path: Path) -> None:
    t = pd.DataFrame(
        {
            "category": ["A", "B"],
            "n": [120, 4],
            "suppressed": [False, True],
            "suppression": ["", "fewer than 10"],
        }
    )
    cols = [Column("Group", "category"), Column("Applicants", "n", "count")]
    first = reader_table(t, caption="First table", columns=cols)
    second = reader_table(t, caption="Second table", columns=cols)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "x", outputs=[_output(first._repr_mimebundle_()), _output(second._repr_mimebundle_())]
        )
    ]
    nbformat.write(nb, tmp_path / "r.ipynb")
    out = write_pdf(tmp_path / "r.ipynb", tmp_path / "r.pdf", title="Audit: demo")
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(out).pages)
    assert text.count("fewer than 10 people behind the figures") == 1
    assert "–* as under the tables above." in text


@pytest.mark.slow
def test_demo_audit_pdf_is_a_board_pack(tmp_path: Path) -> None:
    folder = il.run_report(
        "adverse_impact_audit", study="demo", out=tmp_path, progress=False, pdf=True
    )
    reader = pypdf.PdfReader(folder / "adverse_impact_audit.pdf")
    lines = [
        [line for line in page.extract_text().splitlines() if line.strip()] for page in reader.pages
    ]
    assert len(reader.pages) <= 8, f"{len(reader.pages)} pages"
    assert min(len(page) for page in lines) >= 5, [len(page) for page in lines]
    first = " ".join(" ".join(lines[0]).split())
    # the first page is the summary: the grid, the findings in words, the method
    assert "Each group at each stage against the four-fifths rule" in first
    assert "Method." in first
    assert "The funnel, group by group" not in first
