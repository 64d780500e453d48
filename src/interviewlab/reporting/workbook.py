"""The report's workbook for people: ``tables.xlsx`` with a cover sheet and human headers.

A report's full tables are CSV files for analysts (``tables/<name>.csv``, every column,
full precision). :func:`write_workbook` gathers them into one workbook that a person can
open and read:

* a **cover sheet** first: the study, the report, when it was written, its parameters,
  the suppression rule (the minimum cell size and what hidden cells look like) and the
  list of sheets with what each shows;
* **one sheet per table, in the order the page shows them** (a table the page does not
  show follows the one the report wrote before it: the report's
  :class:`~interviewlab.reporting.writer.ReportWriter` records its order in
  ``table_order.txt``), named after its CSV file (at most 31 characters, unique);
* **human headers**, the reader tables' own (:func:`~interviewlab.reporting.tables.columns_for`),
  with a readable fallback for other columns (``n_applicants`` -> "N applicants");
* **numbers stored at full precision and shown rounded** through Excel number formats:
  rates as percentages (``0.0%``), p-values to three decimals (``0.000``), counts with a
  thousands separator, other numbers to the reader tables' decimals.

Every text from data (labels, captions, the study's name) is neutralised so that no cell
can run as a formula (:func:`~interviewlab.reporting.safety.neutralise_formulas`), and
characters a workbook cannot hold (control characters) are dropped.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from interviewlab.reporting.pages import HIDDEN_PARAMETERS, parameter_value
from interviewlab.reporting.privacy import DEFAULT_MIN_CELL_SIZE
from interviewlab.reporting.safety import FORMULA_TRIGGERS
from interviewlab.reporting.tables import (
    COMBINED_MARK,
    KNOWN_COLUMNS,
    MIMETYPE,
    REASON_MARKS,
    SUPPRESSED,
    columns_for,
)
from interviewlab.reporting.writer import TABLE_ORDER_FILE

__all__ = ["Cover", "sheet_names", "workbook_columns", "write_workbook"]

#: The name of the workbook's first sheet.
COVER_SHEET = "Cover"

#: Headers of columns the reader tables never show: suppression's, and abbreviations.
_EXTRA_HEADERS = {
    "suppressed": "Hidden",
    "suppression": "Why hidden",
    "sd": "Standard deviation",
    "se": "Standard error",
}

#: The estimates of the prefixed interval bounds whose prefix is not the estimate's name.
_BOUND_OF = {"stage": "stage_impact_ratio", "cumulative": "cumulative_impact_ratio"}

#: An interval bound: ``ci_low``, ``stage_ci_high``, ``impact_ratio_mh_ci_low``, ...
_BOUND = re.compile(r"^(?:(?P<prefix>.+)_)?ci_(?P<side>low|high)$")

#: A p-value's name: ``p``, ``p_value``, ``p_fisher``, ``cumulative_p_fisher``, ``breslow_day_p``
_P_VALUE = re.compile(r"(^|_)p(_|$)")

#: Excel number formats of the reader tables' kinds of column.
_FORMATS = {"count": "#,##0", "percent": "0.0%", "p_value": "0.000"}

#: Characters a workbook cannot hold (openpyxl refuses them).
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


@dataclass(frozen=True)
class Cover:
    """What the cover sheet says about the report.

    Parameters
    ----------
    title : str
        The report's title ("Adverse impact audit").
    study : str
        The study's name.
    written : str
        When the report was written ("2026-01-02 10:00 UTC").
    version : str
        The interviewlab version that wrote it ("" when unknown).
    parameters : mapping
        The parameters the report ran with (``output_dir`` and ``study`` are left out).
    """

    title: str
    study: str
    written: str = ""
    version: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_folder(cls, folder: Path) -> Cover:
        """The cover of an already written report folder, from its ``provenance.json``.

        A folder without one gets its name as title.
        """
        try:
            prov = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            prov = None
        if not isinstance(prov, dict):
            return cls(title=folder.name, study="")
        stamp = str(prov.get("started_utc", ""))
        written = f"{stamp[:10]} {stamp[11:16]} UTC" if len(stamp) >= 16 else stamp
        parameters = prov.get("parameters")
        return cls(
            title=str(prov.get("title") or prov.get("report") or folder.name),
            study=str(prov.get("study") or ""),
            written=written,
            version=str(prov.get("interviewlab_version") or ""),
            parameters=parameters if isinstance(parameters, dict) else {},
        )


def _text(value: Any) -> str:
    r"""Text safe in a cell: no formula, no character a workbook cannot hold.

    Examples
    --------
    >>> _text('=HYPERLINK("x")'), _text("a\x07b"), _text("-0.5 points")
    ('\'=HYPERLINK("x")', 'ab', "'-0.5 points")
    """
    text = _ILLEGAL.sub("", str(value))
    # as neutralise_formulas does for the CSV files: a leading quote makes it text
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def sheet_names(tables: Sequence[str], *, taken: Iterable[str] = (COVER_SHEET,)) -> list[str]:
    r"""Sheet names for ``tables``: at most 31 characters, unique (whatever the case).

    Excel refuses longer names, the characters ``[]:*?/\`` and two sheets whose names
    differ only in case; ``taken`` are names already used (the cover's).

    Examples
    --------
    >>> long = "question_gaps_sex_x_ethnicity_x_age_band"
    >>> sheet_names([long, long + "_2", "cover", "a/b"])
    ['question_gaps_sex_x_ethnicity_x', 'question_gaps_sex_x_ethnicity_2', 'cover_2', 'a_b']
    """
    used = {name.lower() for name in taken}
    names = []
    for table in tables:
        base = re.sub(r"[\[\]:*?/\\]", "_", table).strip("'") or "table"
        name, suffix = base[:31], 1
        while name.lower() in used:
            suffix += 1
            name = f"{base[: 31 - len(str(suffix)) - 1]}_{suffix}"
        used.add(name.lower())
        names.append(name)
    return names


def _human(name: str) -> str:
    """A column name in words: ``n_applicants`` -> "N applicants"."""
    return name.replace("_", " ").strip().capitalize() or name


def _bound_header(table: pd.DataFrame, prefix: str, side: str, confidence: float) -> str:
    """The header of an interval bound: "Impact ratio: lower 95% limit"."""
    estimate = _BOUND_OF.get(prefix, prefix)
    if not estimate:  # plain ci_low/ci_high: the table's first estimate with an interval
        estimate = next(
            (
                str(c)
                for c in table.columns
                if KNOWN_COLUMNS.get(str(c), ("", "", 0))[1] == "estimate_ci"
                and str(c) not in _BOUND_OF.values()
            ),
            "",
        )
    what = KNOWN_COLUMNS[estimate][0].split(" ({ci}")[0] if estimate in KNOWN_COLUMNS else ""
    what = what or (_human(estimate) if estimate in table.columns or prefix else "")
    limit = f"{'lower' if side == 'low' else 'upper'} {confidence:.0%} limit"
    return f"{what}: {limit}" if what else limit.capitalize()


def _number_format(name: str, kind: str, digits: int, values: pd.Series) -> str | None:
    """The Excel number format of a column (None: text, or left as Excel shows it)."""
    if (
        kind == "text"
        or not pd.api.types.is_numeric_dtype(values)
        or pd.api.types.is_bool_dtype(values)
        or values.isna().all()  # an empty column (e.g. no reason given in any row)
    ):
        return None
    if _P_VALUE.search(name):
        kind = "p_value"
    elif name.endswith("_rate") and kind == "number":
        kind = "percent"
    if kind == "count":
        known = name in KNOWN_COLUMNS or name.startswith("n_")
        return _FORMATS["count"] if known else "0"
    if kind in _FORMATS:
        return _FORMATS[kind]
    if pd.api.types.is_integer_dtype(values):
        return "0"
    return "0." + "0" * digits if digits > 0 else "0"


def workbook_columns(
    table: pd.DataFrame, *, confidence: float = 0.95
) -> list[tuple[str, str | None]]:
    """Each column's header and Excel number format, as the workbook shows them.

    Headers are the reader tables' (:func:`~interviewlab.reporting.tables.columns_for`)
    without the interval, which has its own columns here; interval bounds name their
    estimate; other names are put in words. A header that two columns would share gets
    the column's name after it.

    Examples
    --------
    >>> t = pd.DataFrame({"category": ["a"], "n": [12], "rate": [0.855],
    ...                   "impact_ratio": [0.9], "ci_low": [0.7], "ci_high": [1.1],
    ...                   "p_fisher": [0.04], "n_applicants": [40], "z": [1.5],
    ...                   "impact_ratio_mh_ci_low": [0.6], "cumulative_p_fisher": [0.2]})
    >>> for header, fmt in workbook_columns(t):
    ...     print(f"{header} | {fmt}")
    Group | None
    Candidates | #,##0
    Selection rate | 0.0%
    Impact ratio | 0.00
    Impact ratio: lower 95% limit | 0.00
    Impact ratio: upper 95% limit | 0.00
    p-value (Fisher's exact) | 0.000
    N applicants | #,##0
    Z | 0.00
    Impact ratio mh: lower 95% limit | 0.00
    Cumulative p fisher | 0.000
    """
    names = [str(c) for c in table.columns]
    out = []
    for name in names:
        bound = _BOUND.match(name)
        if bound:
            header = _bound_header(table, bound["prefix"] or "", bound["side"], confidence)
            out.append((header, _number_format(name, "number", 2, table[name])))
            continue
        [column] = columns_for(
            table, [name], confidence=confidence, interval="", headers=_EXTRA_HEADERS
        )
        header = column.header
        if name not in KNOWN_COLUMNS and name not in _EXTRA_HEADERS:
            header = _human(name)
        header = header.replace(f" ({confidence:.0%} CI)", "")
        kind = "number" if column.kind == "estimate_ci" else column.kind
        out.append((header, _number_format(name, kind, column.digits, table[name])))
    seen = [h for h, _ in out]
    return [
        (f"{h} ({names[i]})" if seen.count(h) > 1 else h, fmt) for i, (h, fmt) in enumerate(out)
    ]


def _cell_value(value: Any) -> Any:
    """A value as the workbook stores it: numbers at full precision, text made safe."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if isinstance(value, bool | int | float):
        return value
    return _text(value)


def table_order(folder: Path, executed: Any = None) -> list[str]:
    """The report's tables (CSV stems) in the order the page shows them.

    The tables the page's reader tables link to come in the page's order; a table the
    page does not show follows the table the report wrote before it
    (``table_order.txt``, written by :class:`~interviewlab.reporting.writer.ReportWriter`);
    any others (a folder without that file) come last, by name.

    Examples
    --------
    >>> _merged_order(written=["a", "b", "c", "d"], shown=["c", "a"])
    ['c', 'd', 'a', 'b']
    """
    present = {p.stem for p in (folder / "tables").glob("*.csv")}
    written: list[str] = []
    order = folder / TABLE_ORDER_FILE
    if order.is_file():
        written = order.read_text(encoding="utf-8").split()
    shown = list(captions(executed)) if executed is not None else []
    ordered = [*_merged_order(written=written, shown=shown), *sorted(present)]
    return [name for name in dict.fromkeys(ordered) if name in present]


def _merged_order(*, written: Sequence[str], shown: Sequence[str]) -> list[str]:
    """The page's order, each table it does not show after the one written before it."""
    result = list(dict.fromkeys(shown))
    previous = None
    for name in dict.fromkeys(written):
        if name not in result:
            result.insert(result.index(previous) + 1 if previous is not None else 0, name)
        previous = name
    return result


def captions(executed: Any) -> dict[str, str]:
    """The caption of each full table a reader table of the page links to, in page order."""
    found: dict[str, str] = {}
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get(MIMETYPE)
            if isinstance(data, dict) and data.get("full_table"):
                found.setdefault(str(data["full_table"]), str(data.get("caption", "")))
    return found


def _suppression_rule(folder: Path, cover: Cover) -> list[tuple[str, str]]:
    """The cover's rows on suppression: the rule, hidden cells, the page's marks, the cost."""
    try:
        disclosure = json.loads((folder / "disclosure.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        disclosure = {}
    if not isinstance(disclosure, dict):
        disclosure = {}
    size = disclosure.get("min_cell_size", cover.parameters.get("min_cell_size"))
    size = size if isinstance(size, int) else DEFAULT_MIN_CELL_SIZE
    rows = [
        (
            "Minimum cell size",
            f"{size}: no figure rests on fewer than {size} people; smaller groups, and the "
            "fewest other figures from which a hidden one could be worked out, are hidden.",
        ),
        (
            "Hidden cells",
            "Empty cells in a row whose 'Hidden' column is TRUE; 'Why hidden' gives the "
            "reason. Empty cells in other rows could not be estimated.",
        ),
        (
            "Marks on the page",
            f"{SUPPRESSED}{REASON_MARKS['fewer']} fewer than the minimum; "
            f"{SUPPRESSED}{REASON_MARKS['complementary']} hidden to protect another hidden "
            f"figure; {SUPPRESSED}{REASON_MARKS['reference suppressed']} compared with a "
            f"hidden group; {SUPPRESSED}{REASON_MARKS['passers hidden']} those who passed "
            f"hidden, entrants shown; {COMBINED_MARK} a group counted with people who did "
            "not state theirs ('... or not stated').",
        ),
    ]
    loss = disclosure.get("information_loss")
    if isinstance(loss, dict) and loss.get("cells"):
        rows.append(
            (
                "Information loss",
                f"{loss.get('suppressed', 0)} of the {loss['cells']} cells with counts are "
                f"hidden; weighed by the people they count, {float(loss.get('share', 0)):.1%}"
                " of the counted people's figures are hidden or combined.",
            )
        )
    return rows


def _write_cover(
    sheet: Any, folder: Path, cover: Cover, sheets: Sequence[tuple[str, str, str]]
) -> None:
    """Fill the cover sheet: what the report is, its rule of suppression, its sheets."""
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    sheet.append([_text(f"{cover.title}: tables" if cover.title else "Tables")])
    sheet["A1"].font = Font(bold=True, size=14)
    written = cover.written + (f" by interviewlab {cover.version}" if cover.version else "")
    rows: list[tuple[str, str]] = [
        ("Study", cover.study),
        ("Report", cover.title),
        ("Written", written),
        (
            "Numbers",
            "Each cell keeps the full precision of the CSV file; the display is rounded "
            "(rates as percentages, p-values to 3 decimals).",
        ),
    ]
    shown = {k: v for k, v in cover.parameters.items() if k not in HIDDEN_PARAMETERS}
    sections: list[tuple[str, list[tuple[str, str]]]] = [
        ("About this report", rows),
        ("Parameters", [(k, parameter_value(v)) for k, v in shown.items()] or [("none", "")]),
        ("Suppression", _suppression_rule(folder, cover)),
    ]
    for heading, entries in sections:
        sheet.append([])
        sheet.append([heading])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        for label, value in entries:
            sheet.append([_text(label), _text(value)])
    sheet.append([])
    sheet.append(["Sheets", "What it shows", "CSV file"])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for name, caption, csv in sheets:
        sheet.append([_text(name), _text(caption), _text(csv)])
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 100
    sheet.column_dimensions["C"].width = 36
    for row in sheet.iter_rows(min_col=2, max_col=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")


def _write_table(sheet: Any, table: pd.DataFrame, confidence: float) -> None:
    """One table's sheet: a bold header row (frozen), values with number formats."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    columns = workbook_columns(table, confidence=confidence)
    sheet.append([_text(header) for header, _ in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.itertuples(index=False, name=None):
        sheet.append([_cell_value(v) for v in row])
    for j, (header, fmt) in enumerate(columns, start=1):
        letter = get_column_letter(j)
        sheet.column_dimensions[letter].width = min(max(len(header), 8) + 2, 40)
        if fmt is not None:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
    sheet.freeze_panes = "A2"


def write_workbook(
    folder: Path, cover: Cover | None = None, *, executed: Any = None
) -> Path | None:
    r"""Write ``tables.xlsx``: a cover sheet, then one sheet per table of ``folder/tables``.

    Parameters
    ----------
    folder : pathlib.Path
        The report folder, with ``tables/*.csv`` (and, when the report has them,
        ``table_order.txt`` and ``disclosure.json``).
    cover : Cover, optional
        What the cover says about the report; by default read from the folder's
        ``provenance.json`` (:meth:`Cover.from_folder`).
    executed : nbformat.NotebookNode, optional
        The executed notebook: its reader tables give the sheets' captions.

    Returns
    -------
    pathlib.Path or None
        The workbook; None (nothing written) when the report has no tables.

    Notes
    -----
    Values are the CSV files' at full precision; only the number formats round them.
    Labels such as "NA" or "None" stay text: only empty cells are missing.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "tables").mkdir()
    >>> _ = (folder / "tables" / "rates.csv").write_text("category,n,rate\nA,269,0.8550185874\n")
    >>> book = openpyxl.load_workbook(write_workbook(folder, Cover("Audit", "demo")))
    >>> book.sheetnames
    ['Cover', 'rates']
    >>> [c.value for c in book["rates"][1]], book["rates"]["C2"].value
    (['Group', 'Candidates', 'Selection rate'], 0.8550185874)
    >>> book["rates"]["C2"].number_format
    '0.0%'
    """
    from openpyxl import Workbook

    order = table_order(folder, executed)
    if not order:
        return None
    cover = cover if cover is not None else Cover.from_folder(folder)
    confidence = cover.parameters.get("confidence", 0.95)
    confidence = confidence if isinstance(confidence, float) and 0 < confidence < 1 else 0.95
    shown = captions(executed) if executed is not None else {}
    names = sheet_names(order)
    book = Workbook()
    _write_cover(
        book.active,
        folder,
        cover,
        [
            (sheet, shown.get(table, "Not shown on the page: the full table only."), f"{table}.csv")
            for sheet, table in zip(names, order, strict=True)
        ],
    )
    book.active.title = COVER_SHEET
    for sheet, table in zip(names, order, strict=True):
        # labels such as "NA" or "None" stay text; only empty cells are missing
        frame = pd.read_csv(
            folder / "tables" / f"{table}.csv", keep_default_na=False, na_values=[""]
        )
        _write_table(book.create_sheet(sheet), frame, confidence)
    target = folder / "tables.xlsx"
    book.save(target)
    return target
