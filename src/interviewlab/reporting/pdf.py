"""A4 PDF of an executed report notebook, typeset by Typst (the ``typst`` package).

No browser and no LaTeX: the ``typst`` wheel from PyPI carries the Typst compiler and its
fonts. The page is built from the executed notebook: its prose (markdown cells and
``Markdown`` outputs, parsed with mistune), the reader tables (the cells of each
:class:`~interviewlab.reporting.tables.ReaderTable`, carried in its own display
mimetype) and the figures (PNG outputs). Raw DataFrame outputs are left to the HTML page
and the CSV/XLSX files.

Every piece of text reaches Typst as a JSON string, read with Typst's ``json()`` and shown
as text, never parsed as Typst markup, so no value from the data can change the document.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import struct
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from interviewlab.errors import InterviewLabError
from interviewlab.reporting.pages import HEADLINE_KEY, find_headline
from interviewlab.reporting.tables import MIMETYPE

__all__ = ["write_pdf"]

# A4 content area with the margins below, in cm
_CONTENT_WIDTH_CM = 21.0 - 2 * 1.6

# Figures print at this share of their saved size, and at most this tall (cm): a chart
# never fills a page
_FIGURE_SCALE = 0.62
_FIGURE_MAX_CM = 9.0

# An output whose metadata sets this key is left to the HTML page (the PDF shows the
# same figures elsewhere, e.g. a table that repeats the regulator's table's columns)
HTML_ONLY_KEY = "interviewlab.html_only"

# A cell with this tag starts a new page (the audit's one-page summary ends before it)
NEW_PAGE_TAG = "new-page"


def _template() -> str:
    from importlib import resources

    return resources.files("interviewlab.reporting").joinpath("report.typ").read_text("utf-8")


def _inline(tokens: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for tok in tokens:
        kind = tok.get("type")
        if kind == "text":
            out.append({"t": "text", "c": tok.get("raw", "")})
        elif kind == "codespan":
            out.append({"t": "code", "c": tok.get("raw", "")})
        elif kind == "strong":
            out.append({"t": "strong", "c": _inline(tok.get("children", []))})
        elif kind == "emphasis":
            out.append({"t": "emph", "c": _inline(tok.get("children", []))})
        elif kind == "softbreak":
            out.append({"t": "space"})
        elif kind == "linebreak":
            out.append({"t": "break"})
        elif "children" in tok:  # links and other spans: their text
            out.extend(_inline(tok["children"]))
        elif "raw" in tok:  # inline HTML and the like: shown as its literal text
            out.append({"t": "text", "c": str(tok["raw"])})
    return out


def _blocks(tokens: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for tok in tokens:
        kind = tok.get("type")
        if kind == "heading":
            level = int(tok.get("attrs", {}).get("level", 2))
            out.append({"t": "heading", "level": level, "c": _inline(tok.get("children", []))})
        elif kind in ("paragraph", "block_text"):
            out.append({"t": "par", "c": _inline(tok.get("children", []))})
        elif kind == "list":
            items = [_blocks(item.get("children", [])) for item in tok.get("children", [])]
            ordered = bool(tok.get("attrs", {}).get("ordered", False))
            out.append({"t": "list", "ordered": ordered, "c": items})
        elif kind == "block_code":
            out.append({"t": "codeblock", "c": tok.get("raw", "")})
        elif kind == "block_quote":
            out.extend(_blocks(tok.get("children", [])))
    return out


def _markdown(text: str) -> list[dict[str, Any]]:
    import mistune

    parse = mistune.create_markdown(renderer=None)
    return _blocks(parse(text))  # type: ignore[arg-type]


def _png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise InterviewLabError("A figure output is not a PNG image.")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _image_block(data: bytes, path: str) -> dict[str, Any]:
    width, height = _png_size(data)
    # figures are saved at 110 dpi; printed at _FIGURE_SCALE of that size (their 10 pt
    # labels at about 7 pt), never wider than the text, never taller than _FIGURE_MAX_CM
    width_cm = width / 110 * 2.54 * _FIGURE_SCALE
    scale = min(1.0, _CONTENT_WIDTH_CM / width_cm, _FIGURE_MAX_CM / (width_cm * height / width))
    width_cm *= scale
    return {
        "t": "image",
        "path": path,
        "width_cm": round(width_cm, 3),
        "height_cm": round(width_cm * height / width, 3),
    }


def page_titles(title: str) -> tuple[str, str]:
    """The PDF's title and its short form for the page footers.

    A question in the title is not followed by the colon before the study's name, and
    the footer keeps the title's first clause and the study.

    Examples
    --------
    >>> page_titles("Async vs live: do the formats rate people differently?: demo")
    ('Async vs live: do the formats rate people differently? – demo', 'Async vs live: demo')
    >>> page_titles("Adverse impact audit: demo")
    ('Adverse impact audit: demo', 'Adverse impact audit: demo')
    """
    full = title.replace("?: ", "? – ")
    parts = title.split(": ")
    short = f"{parts[0]}: {parts[-1]}" if len(parts) > 2 else full
    return full, short


def _short_footnotes(table: dict[str, Any], seen: set[str]) -> dict[str, Any]:
    """The table with each footnote already printed under an earlier table shortened.

    The mark stays explained: a repeated note reads "–* as under the tables above".
    """
    notes = []
    for note in table.get("footnotes", []):
        text = str(note)
        if text in seen:
            mark = text.split(" ", 1)[0]
            notes.append(f"{mark} as under the tables above.")
        else:
            seen.add(text)
            notes.append(text)
    return {**table, "footnotes": notes}


def _notebook_blocks(notebook: Any, images: Path) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    n_images = 0
    titled = False
    seen: set[str] = set()
    for cell in notebook.cells:
        if NEW_PAGE_TAG in cell.get("metadata", {}).get("tags", []):
            blocks.append({"t": "pagebreak"})
        if cell.cell_type == "markdown":
            parsed = _markdown(str(cell.source))
            if not titled and parsed and parsed[0]["t"] == "heading" and parsed[0]["level"] == 1:
                parsed = parsed[1:]  # the notebook's title: the PDF's own title replaces it
                titled = True
            blocks.extend(parsed)
            continue
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if output.get("metadata", {}).get(HEADLINE_KEY):
                continue  # shown once, under the title
            if output.get("metadata", {}).get(HTML_ONLY_KEY):
                continue
            if MIMETYPE in data:
                table = _short_footnotes(data[MIMETYPE], seen)
                blocks.append({"t": "table", "table": table})
            elif "image/png" in data:
                png = base64.b64decode(data["image/png"])
                n_images += 1
                name = f"figure{n_images}.png"
                (images / name).write_bytes(png)
                blocks.append(_image_block(png, name))
            elif "text/markdown" in data:
                blocks.extend(_markdown(str(data["text/markdown"])))
    return blocks


def write_pdf(
    notebook: str | Path,
    target: str | Path,
    *,
    title: str,
    header: Sequence[str] = (),
) -> Path:
    """Typeset an executed report notebook as an A4 PDF.

    Parameters
    ----------
    notebook : str or pathlib.Path
        The executed notebook (``reports/<name>-<study>/<name>.ipynb``).
    target : str or pathlib.Path
        The PDF to write.
    title : str
        The document title (first heading and PDF metadata).
    header : sequence of str
        Lines under the title: study, date, parameters.

    Returns
    -------
    pathlib.Path
        ``target``.

    Notes
    -----
    The prose, reader tables and figures appear in notebook order; code and raw
    DataFrame outputs do not (the full tables are in ``tables/`` and ``tables.xlsx``),
    nor do outputs whose metadata sets ``interviewlab.html_only`` (:data:`HTML_ONLY_KEY`).
    A cell tagged ``new-page`` (:data:`NEW_PAGE_TAG`) starts a new page: the audit's
    one-page summary ends there.

    Layout: each table's caption stays with its first rows and a row never splits across
    pages; words are left-aligned and numbers right-aligned (the table's
    ``text_columns``); the columns are measured by Typst, and when a table is wider than
    the text its labels and notes wrap at their words while numbers and verdicts never
    do. A footnote already printed under an earlier table is shortened to its mark ("–*
    as under the tables above"). Figures print at a fixed share of their saved size
    (:data:`_FIGURE_SCALE`), never wider than the text nor taller than
    :data:`_FIGURE_MAX_CM`, so no chart fills a page. The PDF's creation date is fixed at
    1 January 1980 so that the same input gives the same file.
    """
    import nbformat
    import typst

    target = Path(target)
    nb = nbformat.read(Path(notebook), as_version=4)
    with tempfile.TemporaryDirectory(prefix="interviewlab-pdf-") as tmp:
        root = Path(tmp)
        found = find_headline(nb)
        content = {
            "title": page_titles(title)[0],
            "short_title": page_titles(title)[1],
            "header": list(header),
            "headline": _markdown(f"**In short:** {found}") if found else [],
            "blocks": _notebook_blocks(nb, root),
        }
        (root / "content.json").write_text(json.dumps(content), encoding="utf-8")
        (root / "main.typ").write_text(_template(), encoding="utf-8")
        try:
            pdf = typst.compile(
                str(root / "main.typ"),
                root=str(root),
                format="pdf",
                timestamp=dt.datetime(1980, 1, 1, tzinfo=dt.UTC),
            )
        except RuntimeError as err:  # typst reports compile errors as RuntimeError
            raise InterviewLabError(f"Typst could not typeset {target.name}: {err}") from err
    if not isinstance(pdf, bytes):
        raise InterviewLabError(f"Typst returned no PDF for {target.name}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(pdf)
    return target
