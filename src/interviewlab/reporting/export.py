"""An executed report notebook exported for readers: the HTML page, the workbook, the PDF.

* :func:`scrub_notebook` drops stderr and absolute paths from the executed notebook that
  the report keeps;
* :func:`write_html` writes the standalone page: no code, no script, images inline;
* :func:`~interviewlab.reporting.workbook.write_workbook` gathers the report's CSV tables
  into ``tables.xlsx``, behind a cover sheet;
* the A4 PDF is typeset by :func:`interviewlab.reporting.pdf.write_pdf`.

Everything a page shows that could hold markup (Markdown cells, HTML and Markdown
outputs) goes through one sanitiser, :func:`~interviewlab.reporting.safety.sanitize_html`,
after Markdown has been rendered to HTML; any other output format than images and plain
text (which the template escapes) is left out. The page's template
(``page.html.j2``) is JupyterLab's without its scripts: a report is a static page.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from interviewlab.reporting.pages import HEADLINE_KEY, find_headline, header_html
from interviewlab.reporting.provenance import hide_paths
from interviewlab.reporting.safety import sanitize_html
from interviewlab.reporting.workbook import Cover, write_workbook

__all__ = ["export_report", "scrub_notebook", "scrub_or_remove", "write_html", "write_workbook"]

#: output formats a page shows as they are: images, and text the template escapes
_AS_IS = ("image/png", "image/jpeg", "text/plain")


def export_report(
    executed: Path,
    folder: Path,
    *,
    title: str,
    study: str,
    header: list[str],
    pdf: bool,
    cover: Cover | None = None,
) -> None:
    """Write the page, the workbook and (with ``pdf``) the PDF of ``executed`` into ``folder``.

    ``title`` is the report's title, ``study`` the study's name, ``header`` the lines
    under the title (study, date, parameters); ``cover`` what the workbook's cover sheet
    says (by default the title and study alone).
    """
    import nbformat

    stem = executed.stem
    write_html(executed, folder / f"{stem}.html", title=f"{title} - {study}", header=header)
    write_workbook(
        folder,
        cover if cover is not None else Cover(title=title, study=study),
        executed=nbformat.read(executed, as_version=4),
    )
    if pdf:
        from interviewlab.reporting.pdf import write_pdf

        write_pdf(executed, folder / f"{stem}.pdf", title=f"{title}: {study}", header=header)


def scrub_notebook(executed: Path, hidden: Mapping[str, str]) -> None:
    """Drop stderr output and absolute paths from the executed notebook.

    Warnings and logging go to stderr and can quote data (a candidate id in a validation
    warning) or paths; the report keeps neither. Paths (the study's, the report's) are
    replaced by the study's name and ``.`` (:func:`~interviewlab.reporting.provenance.hide_paths`).
    """
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if not _is_stderr(o)]
    nbformat.write(nbformat.from_dict(hide_paths(nb, hidden)), executed)


def scrub_or_remove(executed: Path, hidden: Mapping[str, str]) -> None:
    """Scrub a partial notebook; one that cannot be read as a notebook is not kept."""
    from nbformat import ValidationError

    try:
        scrub_notebook(executed, hidden)
    except (ValueError, KeyError, AttributeError, ValidationError):  # not a notebook
        executed.unlink()


def _is_stderr(output: Mapping[str, Any]) -> bool:
    return output.get("output_type") == "stream" and output.get("name") == "stderr"


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _markdown_html(text: str) -> str:
    """Markdown rendered to HTML as nbconvert renders it (not yet sanitised)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return str(markdown2html_mistune(text))


def _shown(output: Mapping[str, Any]) -> Any:
    """What the page shows of one output (sanitised), or None when it shows nothing."""
    import nbformat

    kind = output.get("output_type")
    if kind in ("stream", "error"):  # text the template escapes; stderr is never shown
        return None if _is_stderr(output) else output
    if output.get("metadata", {}).get(HEADLINE_KEY):  # shown once, at the top of the page
        return None
    data = output.get("data", {})
    if "text/html" in data:
        shown = {"text/html": sanitize_html(_text(data["text/html"]))}
    elif "text/markdown" in data:
        shown = {"text/html": sanitize_html(_markdown_html(_text(data["text/markdown"])))}
    else:
        shown = {mime: data[mime] for mime in _AS_IS if mime in data}
    if not shown:
        return None
    return nbformat.v4.new_output("display_data", data=shown, metadata=output.get("metadata", {}))


def _page_cell(cell: Any) -> Any:
    """A cell of the page: an empty code cell holding what the page shows of ``cell``."""
    import nbformat

    if cell.cell_type == "markdown":
        fragment = sanitize_html(_markdown_html(_text(cell.source)))
        outputs = [nbformat.v4.new_output("display_data", data={"text/html": fragment})]
    elif cell.cell_type == "code":
        outputs = [o for o in map(_shown, cell.get("outputs", [])) if o is not None]
    else:  # raw cells are not shown
        outputs = []
    return nbformat.v4.new_code_cell("", outputs=outputs) if outputs else None


def write_html(executed: Path, target: Path, *, title: str, header: list[str]) -> None:
    """Standalone HTML: a real title and header, no code, no stderr, images inline, no script.

    Markdown is rendered to HTML, then every fragment of markup is passed through
    :func:`~interviewlab.reporting.safety.sanitize_html` (data values can reach them);
    the template has no script of its own.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    # the header is the library's own markup, its values escaped (pages.header_html)
    header_cell = nbformat.v4.new_code_cell(
        "",
        outputs=[
            nbformat.v4.new_output(
                "display_data", data={"text/html": header_html(header, find_headline(nb))}
            )
        ],
    )
    cells = [c for c in map(_page_cell, nb.cells) if c is not None]
    first_markdown = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), -1)
    shown_before = sum(_page_cell(c) is not None for c in nb.cells[: first_markdown + 1])
    cells.insert(shown_before, header_cell)
    nb.cells = cells
    exporter = HTMLExporter(
        template_name="lab",
        template_file="page.html.j2",
        extra_template_paths=[str(Path(__file__).resolve().parent)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    # the template escapes the title (it holds the study's name)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    target.write_text(body, encoding="utf-8")
