"""What frames a report page: title, header, headline, and the index page of a run.

The header gives the study, the date and the parameters; the index page
(``reports/index.html``) lists every report of a run with its headline finding.

Every value that comes from a study (its name, group labels in a headline) is escaped
before it reaches HTML.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "Headline",
    "entry_titles",
    "headline",
    "notebook_title",
    "page_header",
    "parameter_value",
    "parameters_text",
    "write_index",
]

#: Display metadata marking a notebook output as the report's headline.
HEADLINE_KEY = "interviewlab_headline"

#: Parameters the header leaves out: set by the runner, not chosen by the reader.
HIDDEN_PARAMETERS = ("output_dir", "study")


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


def parameter_value(value: Any) -> str:
    """A parameter's value as the header, the index and the workbook's cover show it.

    Examples
    --------
    >>> parameter_value(True), parameter_value(None), parameter_value(["sex", "ethnicity"])
    ('yes', 'none', 'sex, ethnicity')
    """
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
    shown = {k: v for k, v in parameters.items() if k not in HIDDEN_PARAMETERS}
    params = "; ".join(f"{k} = {parameter_value(v)}" for k, v in shown.items())
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


#: the order a reader takes the reports in: the overview first, demonstrations last
READING_ORDER = (
    "study_overview",
    "adverse_impact_audit",
    "reliability",
    "async_vs_live",
    "panel_effects",
    "recording_quality",
    "automated_scores",
    "over_time",
    "panel_training",
    "published_cases",
)

#: the index's record of reports that the last run of each did not write (beside index.html)
NOTES_FILE = "index.json"


#: the fields of a note on a report not written
_NOTE_FIELDS = ("report", "study", "parameters", "folder", "status", "reason")


def parameters_text(changed: Mapping[str, Any]) -> str:
    """Parameters that differ from the notebook's defaults, as the index's titles show them.

    Examples
    --------
    >>> parameters_text({"profile": "ll144", "intersection": ["sex", "ethnicity"]})
    'intersection = sex, ethnicity, profile = ll144'
    >>> parameters_text({})
    ''
    """
    return ", ".join(f"{key} = {parameter_value(value)}" for key, value in sorted(changed.items()))


def _note_key(note: Mapping[str, Any]) -> str:
    """The report folder a note is about (its report, study and changed parameters)."""
    from interviewlab.reporting.parameters import report_folder_name

    folder = str(note.get("folder") or "")
    return folder or report_folder_name(str(note.get("report")), str(note.get("study")), {})


def _read_notes(folder: Path) -> dict[str, dict[str, str]]:
    """The recorded outcomes of reports not written, by report folder."""
    try:
        notes = json.loads((folder / NOTES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(notes, list):
        return {}
    return {
        _note_key(n): {k: str(n.get(k, "")) for k in _NOTE_FIELDS}
        for n in notes
        if isinstance(n, dict)
    }


def _update_notes(folder: Path, outcomes: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """Record a run's outcomes: a written report clears its note, others replace it."""
    notes = _read_notes(folder)
    for outcome in outcomes:
        key = _note_key(outcome)
        if outcome["status"] == "written":
            notes.pop(key, None)
        else:
            notes[key] = {k: str(outcome.get(k, "")) for k in _NOTE_FIELDS}
            notes[key]["folder"] = key
    (folder / NOTES_FILE).write_text(
        json.dumps(sorted(notes.values(), key=_reading_key), indent=1) + "\n", encoding="utf-8"
    )
    return notes


def _failed_notes(
    folder: Path, notes: Mapping[str, Mapping[str, str]]
) -> dict[str, dict[str, str]]:
    """Notes for the ``<report folder>.failed`` folders no recorded outcome explains.

    A report run alone (``run_report`` from Python) that fails keeps its partial notebook
    there but records no outcome: the reason is the notebook's error, if it has one.
    """
    found = {}
    for failed in sorted(folder.glob("*.failed")):
        key = failed.name.removesuffix(".failed")
        notebooks = sorted(failed.glob("*.ipynb"))
        if key in notes or not failed.is_dir() or not notebooks:
            continue
        found[key] = {
            "report": notebooks[0].stem,
            "study": "",
            "parameters": "",
            "folder": key,
            "status": "failed",
            "reason": _notebook_error(notebooks[0]),
        }
    return found


def _notebook_error(notebook: Path) -> str:
    """The first error a partial notebook shows, as one line ("" when it shows none).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "x.ipynb"
    >>> _ = path.write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": [
    ...     {"output_type": "error", "ename": "KeyError", "evalue": "'sex'"}]}]}))
    >>> _notebook_error(path)
    "KeyError: 'sex'"
    """
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return ""
    for cell in cells if isinstance(cells, list) else []:
        for output in cell.get("outputs", []) if isinstance(cell, dict) else []:
            if isinstance(output, dict) and output.get("output_type") == "error":
                return " ".join(f"{output.get('ename', '')}: {output.get('evalue', '')}".split())
    return ""


def _reading_key(entry: Mapping[str, Any]) -> tuple[int, str, str, str]:
    report = str(entry.get("report", ""))
    rank = READING_ORDER.index(report) if report in READING_ORDER else len(READING_ORDER)
    return rank, report, str(entry.get("study", "")), str(entry.get("folder", ""))


def _found_reports(folder: Path) -> list[tuple[str, dict[str, Any]]]:
    """The written reports in ``folder`` (sub-folder, provenance), in reading order."""
    found = []
    for prov_path in sorted(folder.glob("*/provenance.json")):
        try:
            prov = json.loads(prov_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(prov, dict):
            continue
        if (folder / prov_path.parent.name / f"{prov.get('report', '')}.html").is_file():
            found.append((prov_path.parent.name, prov))
    found.sort(key=lambda item: (*_reading_key(item[1])[:3], item[0]))
    return found


def entry_titles(found: Sequence[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """The index's title of each written report: never two alike.

    The report's title, with the parameters it ran with when they differ from the
    notebook's defaults (variants of one report); two entries still alike (one report on
    two studies) get their study, then their folder.

    Examples
    --------
    >>> audit = {"report": "adverse_impact_audit", "title": "Adverse impact audit",
    ...          "study": "demo"}
    >>> entry_titles([("a-demo", audit),
    ...               ("a-demo-profile-ll144", {**audit, "changed_parameters":
    ...                                         {"profile": "ll144"}}),
    ...               ("a-mine", {**audit, "study": "mine"})])
    ['Adverse impact audit (demo)', 'Adverse impact audit (profile = ll144)',
     'Adverse impact audit (mine)']
    """
    titles = []
    for _, prov in found:
        title = str(prov.get("title") or prov.get("report") or "")
        changed = prov.get("changed_parameters")
        text = parameters_text(changed) if isinstance(changed, dict) else ""
        titles.append(f"{title} ({text})" if text else title)
    for extra in (
        [str(prov.get("study", "")) for _, prov in found],
        [sub for sub, _ in found],
    ):
        alike = {t for t in titles if titles.count(t) > 1}
        titles = [f"{t} ({e})" if t in alike else t for t, e in zip(titles, extra, strict=True)]
    return titles


def write_index(folder: str | Path, *, outcomes: Sequence[Mapping[str, Any]] = ()) -> Path:
    """Write ``index.html`` over every report folder in ``folder``.

    Each entry links the report's HTML page (and PDF, when written) and gives its study,
    date and headline finding, read from the folder's ``provenance.json``; the overview
    comes first and demonstrations (simulated or published data) last (:data:`READING_ORDER`).
    A report run with other parameters than its notebook's defaults (a variant) shows
    them in its title, so that no two entries have the same title (:func:`entry_titles`).
    Reports that a run did not write are listed under the reports, one line each, with
    why: skipped (the report does not apply to the study) or failed (the error, and where
    the partial notebook is); so is a ``<report folder>.failed`` that no run recorded
    (a report run alone from Python), with the error its partial notebook shows.
    ``outcomes`` are a run's results, mappings with ``report``, ``study`` (its name),
    ``status`` (``written``, ``skipped`` or ``failed``) and ``reason``, and optionally
    ``parameters`` (the changed parameters as text, :func:`parameters_text`) and
    ``folder`` (the report folder's name); they are kept in ``index.json`` beside the
    page, so that a later index (e.g. after a single report) still lists them, until the
    report is written. Every value from a study or a report is escaped.

    Returns
    -------
    pathlib.Path
        The index page.
    """
    import mistune

    folder = Path(folder)
    notes = _update_notes(folder, outcomes) if outcomes else _read_notes(folder)
    notes = {**notes, **_failed_notes(folder, notes)}
    render = mistune.create_markdown(escape=True)
    found = _found_reports(folder)
    titles = entry_titles(found)
    entries = [
        _index_entry(folder, sub, prov, render, notes.get(sub), title)
        for (sub, prov), title in zip(found, titles, strict=True)
    ]
    missing = [_note_entry(folder, note) for note in sorted(notes.values(), key=_reading_key)]
    studies = sorted({str(prov.get("study")) for _, prov in found if not prov.get("simulated")})
    heading = "Reports" + (f": {', '.join(studies)}" if studies else "")
    page_html = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(heading)} - interviewlab</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:52em;margin:2em auto;"
        "padding:0 1em;color:#222;line-height:1.45}h1{font-size:1.6em}"
        "h2{font-size:1.2em;margin:1.4em 0 0.2em}.meta{color:#555;font-size:0.9em;"
        "margin:0.1em 0}.headline{border-left:4px solid #0072B2;background:#eef5fb;"
        "padding:0.2em 0.8em}.note{border-left:4px solid #999;background:#f4f4f4;"
        "padding:0.2em 0.8em}.failed{border-left-color:#D55E00;background:#fbeee6}"
        "a{color:#0060a0}</style></head><body>"
        f"<h1>{html.escape(heading)}</h1>"
        "<p>One entry per report: its headline finding, then links to the page, the PDF "
        "and the full tables. Reports not written in their last run are listed at the end, "
        "with the reason.</p>"
        + ("".join(entries) or "<p>No reports have been written here yet.</p>")
        + ("<h2>Not written</h2>" + "".join(missing) if missing else "")
        + "</body></html>\n"
    )
    target = folder / "index.html"
    target.write_text(page_html, encoding="utf-8")
    return target


def _index_entry(
    folder: Path,
    sub: str,
    prov: Mapping[str, Any],
    render: Any,
    note: Mapping[str, str] | None,
    title: str,
) -> str:
    """One written report in the index: title, study, date, links and headline."""
    report = str(prov.get("report", ""))
    page = f"{sub}/{report}.html"
    links = [f'<a href="{html.escape(page)}">web page</a>']
    if (folder / sub / f"{report}.pdf").is_file():
        links.append(f'<a href="{html.escape(f"{sub}/{report}.pdf")}">PDF</a>')
    links.append(f'<a href="{html.escape(f"{sub}/tables.xlsx")}">all tables (XLSX)</a>')
    study = str(prov.get("study"))
    kind = (
        "a demonstration for trainers (simulated or published data), not on a study"
        if prov.get("simulated") or prov.get("study_source") is None
        else f"Study: {html.escape(study)}"
    )
    stale = (
        '<p class="note failed">This is an earlier report: the last run '
        f"{html.escape(note['status'])} ({html.escape(note['reason'] or 'no reason recorded')})."
        "</p>"
        if note
        else ""
    )
    head = str(prov.get("headline") or "No headline: open the report.")
    return (
        "<section>"
        f'<h2><a href="{html.escape(page)}">{html.escape(title)}</a></h2>'
        f'<p class="meta">{kind} &middot; written '
        f"{html.escape(_when(prov.get('started_utc', '')))} &middot; "
        + " &middot; ".join(links)
        + f'</p>{stale}<div class="headline">{render(head)}</div></section>'
    )


def _note_entry(folder: Path, note: Mapping[str, str]) -> str:
    """A report not written in its last run, one line: skipped (why) or failed (the error)."""
    report, status = note.get("report", ""), note.get("status", "")
    what = "Skipped: it does not apply to this study" if status == "skipped" else "Failed"
    key = _note_key(note)
    failed = folder / f"{key}.failed"
    where = (
        f" The partial notebook is in {html.escape(failed.name)}/."
        if status == "failed" and failed.is_dir()
        else ""
    )
    title = report.replace("_", " ").capitalize()
    if note.get("parameters"):
        title += f" ({note['parameters']})"
    study = f" (study: {html.escape(note['study'])})" if note.get("study") else ""
    reason = " ".join(str(note.get("reason") or "no reason recorded").split())
    return (
        f"<section><h3>{html.escape(title)}</h3>"
        f'<p class="note{" failed" if status == "failed" else ""}">{what}'
        f"{study}: {html.escape(reason)}{where}</p></section>"
    )
