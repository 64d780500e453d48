"""What frames a report page: title, header, headline, and the index page of a run.

The header gives the study, the date and the parameters; the index page
(``reports/index.html``) lists every report of a run with its headline finding.

Every value that comes from a study (its name, group labels in a headline) is escaped
before it reaches HTML.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["Headline", "headline", "notebook_title", "page_header", "write_index"]

#: Display metadata marking a notebook output as the report's headline.
HEADLINE_KEY = "interviewlab_headline"

#: Parameters the header leaves out: set by the runner, not chosen by the reader.
_HIDDEN_PARAMETERS = ("output_dir", "study")


class Headline:
    """A report's headline finding: shown as Markdown, found again by the runner.

    Use :func:`headline` to make one.
    """

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        data = {"text/markdown": f"**In short:** {self.text}", "text/plain": self.text}
        return data, {HEADLINE_KEY: True}


def headline(text: str) -> Headline:
    """The one sentence a reader should take from a report, shown at its top.

    The runner copies it to ``provenance.json`` and to the index page of the run.

    Parameters
    ----------
    text : str
        The finding in plain words (Markdown), with its numbers.

    Returns
    -------
    Headline
        Display it in the notebook (last expression of a cell, or ``display(...)``).

    Examples
    --------
    >>> headline("No group falls below the four-fifths rule at any stage.").text
    'No group falls below the four-fifths rule at any stage.'
    """
    return Headline(" ".join(str(text).split()))


def find_headline(notebook: Any) -> str:
    """The headline text of an executed notebook ("" when it displays none)."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("metadata", {}).get(HEADLINE_KEY):
                return str(output.get("data", {}).get("text/plain", ""))
    return ""


def notebook_title(notebook: Any, default: str) -> str:
    """The text of the notebook's first level-one Markdown heading."""
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for line in str(cell.source).splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return default


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


def page_header(
    *, study: str, written: str, parameters: Mapping[str, Any], version: str | None
) -> list[str]:
    """The lines under a report's title: study, date and version, parameters.

    Examples
    --------
    >>> page_header(study="demo", written="2026-01-02 10:00 UTC",
    ...             parameters={"min_cell_size": 10, "output_dir": "x"}, version="0.1.0")
    ['Study: demo', 'Written 2026-01-02 10:00 UTC by interviewlab 0.1.0',
     'Parameters: min_cell_size = 10']
    """
    shown = {k: v for k, v in parameters.items() if k not in _HIDDEN_PARAMETERS}
    params = "; ".join(f"{k} = {_value(v)}" for k, v in shown.items())
    return [
        f"Study: {study}",
        f"Written {written} by interviewlab {version or 'unknown version'}",
        f"Parameters: {params or 'none'}",
    ]


def header_html(lines: list[str], headline_text: str) -> str:
    """The header block of a report page (escaped)."""
    import mistune

    body = "".join(f"<div>{html.escape(line)}</div>" for line in lines)
    out = f'<div class="il-header" style="color: #333; font-size: 0.92em;">{body}</div>'
    if headline_text:
        render = mistune.create_markdown(escape=True)
        out += (
            '<div class="il-headline" style="margin-top: 0.6em; padding: 0.5em 0.8em; '
            'border-left: 4px solid #0072B2; background: #eef5fb;">'
            f"<strong>In short:</strong> {render(headline_text)}</div>"
        )
    return out


def _when(stamp: Any) -> str:
    """``2026-01-02T10:00:00+00:00`` as ``2026-01-02 10:00 UTC``."""
    text = str(stamp)
    if len(text) >= 16 and text[10] == "T":
        return f"{text[:10]} {text[11:16]} UTC"
    return text


def write_index(folder: str | Path) -> Path:
    """Write ``index.html`` over every report folder in ``folder`` (newest run of each).

    Each entry links the report's HTML page (and PDF, when written) and gives its study,
    date and headline finding, read from the folder's ``provenance.json``.

    Returns
    -------
    pathlib.Path
        The index page.
    """
    import mistune

    folder = Path(folder)
    render = mistune.create_markdown(escape=True)
    entries = []
    for prov_path in sorted(folder.glob("*/provenance.json")):
        try:
            prov = json.loads(prov_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        report = str(prov.get("report", ""))
        sub = prov_path.parent.name
        page = f"{sub}/{report}.html"
        if not (folder / page).is_file():
            continue
        title = str(prov.get("title") or report)
        links = [f'<a href="{html.escape(page)}">web page</a>']
        if (folder / sub / f"{report}.pdf").is_file():
            links.append(f'<a href="{html.escape(f"{sub}/{report}.pdf")}">PDF</a>')
        links.append(f'<a href="{html.escape(f"{sub}/tables.xlsx")}">all tables (XLSX)</a>')
        head = str(prov.get("headline") or "No headline: open the report.")
        entries.append(
            "<section>"
            f'<h2><a href="{html.escape(page)}">{html.escape(title)}</a></h2>'
            f'<p class="meta">Study: {html.escape(str(prov.get("study")))} &middot; written '
            f"{html.escape(_when(prov.get('started_utc', '')))} &middot; "
            + " &middot; ".join(links)
            + f'</p><div class="headline">{render(head)}</div></section>'
        )
    studies = sorted(
        {
            str(json.loads(p.read_text(encoding="utf-8")).get("study"))
            for p in folder.glob("*/provenance.json")
        }
    )
    heading = "Reports" + (f": {', '.join(studies)}" if studies else "")
    page_html = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(heading)} - interviewlab</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:52em;margin:2em auto;"
        "padding:0 1em;color:#222;line-height:1.45}h1{font-size:1.6em}"
        "h2{font-size:1.2em;margin:1.4em 0 0.2em}.meta{color:#555;font-size:0.9em;"
        "margin:0.1em 0}.headline{border-left:4px solid #0072B2;background:#eef5fb;"
        "padding:0.2em 0.8em}a{color:#0060a0}</style></head><body>"
        f"<h1>{html.escape(heading)}</h1>"
        "<p>One entry per report: its headline finding, then links to the page, the PDF "
        "and the full tables.</p>"
        + ("".join(entries) or "<p>No reports have been written here yet.</p>")
        + "</body></html>\n"
    )
    target = folder / "index.html"
    target.write_text(page_html, encoding="utf-8")
    return target
