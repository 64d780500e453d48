"""The A4 PDF: it exists, and the last column of a wide reader table is on the page."""

from __future__ import annotations

import io

import matplotlib
import nbformat
import pandas as pd
import pytest
from matplotlib.figure import Figure

from interviewlab.reporting.pdf import write_pdf
from interviewlab.reporting.tables import Column, reader_table

pypdf = pytest.importorskip("pypdf")
matplotlib.use("Agg")


def _png() -> str:
    import base64

    fig = Figure(figsize=(7, 3))
    fig.subplots().plot([0, 1], [0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return base64.b64encode(buf.getvalue()).decode()


def _notebook(path, table) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Audit\n\nSome **bold** words and `code`.\n\n- a\n- b"),
        nbformat.v4.new_code_cell(
            "x",
            outputs=[
                nbformat.v4.new_output("display_data", data=table._repr_mimebundle_()),
                nbformat.v4.new_output("display_data", data={"image/png": _png()}),
                nbformat.v4.new_output(
                    "display_data", data={"text/markdown": "Hostile #set page(width: 1cm) <b>"}
                ),
            ],
        ),
    ]
    nbformat.write(nb, path)


def test_pdf_has_the_last_column_header_on_the_page(tmp_path):
    table = pd.DataFrame(
        {
            "stage": ["shortlisted"] * 3,
            "category": ["White", "Black", "Asian #set text(size: 0pt)"],
            "n": [300, 120, 80],
            "rate": [0.5, 0.31, 0.44],
            "impact_ratio": [1.0, 0.62, 0.88],
            "ci_low": [None, 0.47, 0.7],
            "ci_high": [None, 0.81, 1.1],
            "p": [None, 0.0004, 0.21],
            "verdict": ["reference", "below, significant", "not below"],
        }
    )
    cols = [
        Column("Stage", "stage"),
        Column("Group", "category"),
        Column("Candidates", "n", "count"),
        Column("Selection rate", "rate", "percent"),
        Column("Impact ratio (95% CI)", ("impact_ratio", "ci_low", "ci_high"), "estimate_ci"),
        Column("p-value (Holm-adjusted)", "p", "p_value"),
        Column("Verdict against the four-fifths rule", "verdict", "verdict"),
    ]
    rt = reader_table(table, columns=cols, caption="Shortlisting by ethnicity")
    _notebook(tmp_path / "r.ipynb", rt)
    out = write_pdf(
        tmp_path / "r.ipynb", tmp_path / "r.pdf", title="Audit - demo", header=["Study: demo"]
    )
    reader = pypdf.PdfReader(out)
    page = reader.pages[0]
    # A4 in points (595 x 842)
    assert round(float(page.mediabox.width)) == 595
    assert round(float(page.mediabox.height)) == 842
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "four-fifths rule" in text  # the last column's header
    assert "Shortlisting by ethnicity" in text
    assert "below, significant" in text
    # data and markdown text reach the page literally, never as Typst code
    assert "#set text(size: 0pt)" in text
    assert "#set page(width: 1cm)" in text
    assert "< 0.001" in text
