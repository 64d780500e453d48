"""The one way tables and figures reach a report from inside a notebook: :class:`ReportWriter`."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from interviewlab.errors import InterviewLabError
from interviewlab.reporting.disclosure import (
    CATEGORY_COLUMNS,
    NOT_STATED,
    SEPARATOR,
    Disclosure,
)
from interviewlab.reporting.privacy import (
    DEFAULT_MIN_CELL_SIZE,
    check_no_identifiers,
    suppress_small_cells,
)
from interviewlab.reporting.safety import escape_markdown, neutralise_formulas

if TYPE_CHECKING:
    from IPython.display import Image
    from matplotlib.figure import Figure

    from interviewlab.data import Study


def file_name(name: str) -> str:
    """A safe file name for a table or figure name built from data (e.g. a column name).

    Names of letters, digits, ``_`` and ``-`` are kept; any other run of characters
    becomes ``_`` and a short hash of the original name is appended, so that "age band"
    and "age_band" stay apart and no name can leave the report folder.

    Examples
    --------
    >>> file_name("alpha_by_format")
    'alpha_by_format'
    >>> file_name("alpha_by_age band")
    'alpha_by_age_band-635f4c'
    """
    if not isinstance(name, str) or not name:
        raise InterviewLabError(f"A table or figure name must be a non-empty text, got {name!r}.")
    if re.fullmatch(r"[A-Za-z0-9_\-]+", name):
        return name
    safe = re.sub(r"[^A-Za-z0-9_\-]+", "_", name).strip("_")[:80] or "table"
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:6]
    return f"{safe}-{digest}"


#: The file, in each report folder, with the study's disclosure plan and the report's
#: information loss.
DISCLOSURE_FILE = "disclosure.json"

#: The file, in each report folder, naming its tables in the order the report wrote them
#: (one a line): the order of the workbook's sheets.
TABLE_ORDER_FILE = "table_order.txt"


class ReportWriter:
    """Where a notebook sends its tables and figures.

    Every table passes small-cell suppression and the identifier check before it is
    shown or written; with ``output_dir=None`` (interactive use) nothing is written.

    Parameters
    ----------
    output_dir : str or pathlib.Path or None
        The report folder (given by :func:`run_report`).
    min_cell_size : int
        Smallest number of people behind any shown figure (default 10).
    identifiers : iterable of str
        Candidate identifiers that may never appear in a table.
    disclosure : Disclosure, optional
        The study's disclosure plan: the categories combined, and hidden in every table
        of every report of the study (:meth:`for_study` builds it).
    study : Study, optional
        The study as every table of the report must be computed from: with the
        plan's combined categories (:meth:`for_study` sets it; see :attr:`study`).

    Attributes
    ----------
    study : Study or None
        The protected study: notebooks compute every table from it
        (``s = report.study``), so that every count, rate, mean and model sees the
        same categories.

    Examples
    --------
    >>> writer = ReportWriter(None, min_cell_size=10)
    >>> t = pd.DataFrame({"group": ["a", "b", "c"], "n": [40, 3, 25], "rate": [0.5, 1.0, 0.4]})
    >>> writer.table(t, "rates", counts="n")["suppression"].tolist()
    ['', 'fewer than 10', 'complementary']
    >>> writer.suppressed_tables
    ['rates']
    >>> writer.information_loss()["cells"], writer.information_loss()["suppressed"]
    (3, 2)
    """

    def __init__(
        self,
        output_dir: str | Path | None,
        *,
        min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
        identifiers: Iterable[str] = (),
        disclosure: Disclosure | None = None,
        study: Study | None = None,
    ) -> None:
        self.output_dir = Path(output_dir) if output_dir is not None else None
        self.min_cell_size = int(min_cell_size)
        self._identifiers = {str(i) for i in identifiers}
        self.disclosure = disclosure
        self.study = study
        self.suppressed_tables: list[str] = []
        self.tables: list[str] = []
        self._loss: dict[str, dict[str, Any]] = {}
        self._hidden: set[tuple[str, str]] = set()

    @classmethod
    def for_study(
        cls,
        study: Study,
        output_dir: str | Path | None,
        *,
        min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    ) -> ReportWriter:
        """The writer for a report on ``study``: its identifiers, plan and protected study.

        The plan (:meth:`Disclosure.from_study`) is decided from the study alone, before
        any table is made, so every report of the study applies the same one; it is
        written to ``disclosure.json`` in the report folder. Compute every table from
        :attr:`study` (the study with the plan's combined categories).

        Examples
        --------
        >>> import interviewlab as il
        >>> writer = ReportWriter.for_study(il.load_study("demo"), None)
        >>> sorted(writer.disclosure.hidden)[:3]
        ['age_band', 'age_band × disability', 'ethnicity']
        >>> sorted(writer.study.candidates["sex"].unique())
        ['female', 'male or not stated']
        """
        disclosure = Disclosure.from_study(study, min_cell_size=min_cell_size)
        writer = cls(
            output_dir,
            min_cell_size=min_cell_size,
            identifiers=study.candidates["candidate_id"],
            disclosure=disclosure,
            study=disclosure.apply(study),
        )
        writer._write_disclosure()
        return writer

    def table(
        self,
        table: pd.DataFrame,
        name: str,
        *,
        counts: str | Sequence[str] | None = None,
        within: str | Sequence[str] | None = None,
        index: bool = False,
        across_periods: bool = False,
    ) -> pd.DataFrame:
        """Suppress small cells, check for identifiers, write ``tables/<name>.csv``.

        ``counts`` names the columns with the number of people behind each row; a table
        with no such column (e.g. a planted-value table) is written as it is. ``within``
        names the columns of the table's margins for complementary suppression (see
        :func:`interviewlab.reporting.suppress_small_cells`). The rows of categories the
        study's disclosure plan hides are hidden first. ``across_periods`` marks a table
        whose rows pool several periods (see :meth:`Disclosure.row_reasons`). Returns the
        table as shown.
        """
        name = file_name(name)
        shown = table.reset_index() if index else table
        if counts is not None:
            shown = self._protect(
                shown, name, counts=counts, within=within, across_periods=across_periods
            )
        period = self.disclosure.period if self.disclosure is not None else None
        check_no_identifiers(
            shown,
            identifiers=self._identifiers,
            where=f"table {name!r}",
            other_entities=[period] if period else [],
        )
        self.tables.append(name)
        if self.output_dir is not None:
            path = self.output_dir / "tables" / f"{name}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            neutralise_formulas(shown).to_csv(
                path, index=False, lineterminator="\n", float_format="%.10g"
            )
            # the page's order, for the workbook's sheets
            (self.output_dir / TABLE_ORDER_FILE).write_text(
                "".join(f"{t}\n" for t in dict.fromkeys(self.tables)), encoding="utf-8"
            )
            if counts is not None:
                self._write_disclosure()
        return shown

    def _protect(
        self,
        shown: pd.DataFrame,
        name: str,
        *,
        counts: str | Sequence[str],
        within: str | Sequence[str] | None,
        across_periods: bool = False,
    ) -> pd.DataFrame:
        """The table with the plan's hidden rows and its own small cells suppressed."""
        plan = self.disclosure
        keys = [counts] if isinstance(counts, str) else list(counts)
        reasons = (
            plan.row_reasons(shown, keys, across_periods=across_periods)
            if plan is not None
            else np.full(len(shown), "")
        )
        people = _people(shown, counts)
        not_stated = (
            plan.not_stated_people(shown, keys) if plan is not None else np.zeros(len(shown))
        )
        before = shown  # suppression blanks some label columns; the plan reads them
        if plan is not None and "n_unknown" in shown.columns and plan.hides_missing(shown):
            # it would print a hidden cell in every row
            shown = shown.assign(n_unknown=pd.array([pd.NA] * len(shown), dtype="Int64"))
        shown = suppress_small_cells(
            shown,
            counts=counts,
            min_cell_size=self.min_cell_size,
            within=within,
            hide=reasons == "own",
            hide_reference=reasons == "reference",
            hide_passers=reasons == "passers",
        )
        if shown["suppressed"].any():
            self.suppressed_tables.append(name)
            if plan is not None:
                rows = shown["suppressed"].to_numpy(dtype=bool)
                self._hidden |= plan.hidden_categories(before, rows)
        self._loss[name] = _table_loss(
            shown,
            self._combined_labels(),
            plan.groups if plan is not None else (),
            people=people,
            not_stated=not_stated,
        )
        return shown

    def _combined_labels(self) -> set[str]:
        if self.disclosure is None:
            return set()
        return {v for mapping in self.disclosure.combined.values() for v in mapping.values()}

    def information_loss(self) -> dict[str, Any]:
        """What disclosure control cost this report, over its tables with counts.

        Returns
        -------
        dict
            ``cells`` (rows of the tables with counts: one group, or one group in one
            margin, each), ``suppressed`` (rows hidden), ``partly`` (rows at a stage
            showing their entrants but not their passers, which the next stage's row
            hides: counted as shown cells), ``by_reason`` (hidden rows' count per
            reason), ``combined`` (shown rows of a category combining not-stated people
            with a named group); ``people`` (the people the cells count, each row its
            first count column), ``people_suppressed`` (in hidden rows) and
            ``people_combined`` (not-stated people counted in a named group's row);
            ``share_cells`` (suppressed over cells), ``share`` ((people suppressed +
            people combined) over people: the share of the counted people whose figures
            are not published as their own group's) and ``tables`` (the same per table).

        Notes
        -----
        ``share`` weighs each cell by the people it counts, as the cost that
        tau-ARGUS and sdcTable minimise in secondary suppression (the frequency of the
        suppressed cells); ``share_cells`` counts cells alike.
        """
        loss = list(self._loss.values())
        total = {k: sum(t[k] for t in loss) for k in _LOSS_KEYS}
        reasons: Counter[str] = Counter()
        for t in loss:
            reasons.update(t["by_reason"])
        lost = total["people_suppressed"] + total["people_combined"]
        return {
            **total,
            "by_reason": dict(sorted(reasons.items())),
            "share_cells": round(total["suppressed"] / total["cells"], 4) if loss else 0.0,
            "share": round(lost / total["people"], 4) if total["people"] else 0.0,
            "tables": dict(self._loss),
        }

    def _write_disclosure(self) -> None:
        if self.output_dir is None or self.disclosure is None:
            return
        self.output_dir.mkdir(parents=True, exist_ok=True)
        data = {**self.disclosure.to_dict(), "information_loss": self.information_loss()}
        (self.output_dir / DISCLOSURE_FILE).write_text(
            json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    def figure(self, figure: Figure, name: str) -> Image:
        """Write ``figures/<name>.png`` and return the image for display.

        Figures must be drawn from tables that passed :meth:`table`, so the same
        suppression applies to them. The returned :class:`IPython.display.Image` shows
        the same PNG in the notebook and its HTML, whatever the matplotlib backend.
        """
        from IPython.display import Image

        name = file_name(name)
        buffer = io.BytesIO()
        figure.savefig(
            buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None}
        )
        png = buffer.getvalue()
        if self.output_dir is not None:
            path = self.output_dir / "figures" / f"{name}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(png)
        return Image(data=png, format="png")

    def suppression_note(self) -> str:
        """The report's closing note on disclosure control: the rule, what it hid, its cost."""
        loss = self.information_loss()
        n = self.min_cell_size
        rule = (
            f"No figure rests on fewer than {n} people. The study's disclosure plan, "
            "decided once from the study and applied alike by every report of it (see "
            f"`{DISCLOSURE_FILE}`), first counts people who did not state a group with a "
            f"named group where fewer than {n} did not state it, then hides every group "
            f"with fewer than {n} people among the applicants, the entrants of a stage, "
            "the candidates of a format, of a rater group or of a period, and the fewest "
            "further figures needed so that no hidden one can be worked out from the "
            "others (subtracting from totals, following the stages, formats or periods, or "
            "adding crossed groups)."
        )
        plan = self.disclosure.describe(self._hidden) if self.disclosure is not None else ""
        if not loss["cells"]:
            return f"{rule} {plan}".strip()
        reasons = "; ".join(
            f"{count} {_REASON_WORDS.get(_reason_key(why), why)}"
            for why, count in loss["by_reason"].items()
        )
        cost = (
            f"Information loss: {loss['suppressed']} of the {loss['cells']} cells of this "
            f"report's tables with counts ({loss['share_cells']:.1%}) are hidden"
            + (f" ({reasons})" if reasons else "")
            + (
                f"; {loss['partly']} more show their entrants but not those who passed, "
                "who are hidden in the next stage's row"
                if loss["partly"]
                else ""
            )
            + (
                f"; {loss['combined']} show a group with {NOT_STATED} people counted in it"
                if loss["combined"]
                else ""
            )
            + f". Weighed by the people they count, {loss['share']:.1%} of the counted "
            "people's figures are hidden or combined."
        )
        tables = ", ".join(escape_markdown(t) for t in sorted(set(self.suppressed_tables)))
        affected = f" Tables with hidden cells: {tables}." if tables else ""
        return f"{rule} {plan} {cost}{affected}".replace("  ", " ").strip()


_REASON_WORDS = {
    "fewer": "with fewer than the minimum",
    "complementary": "hidden to protect another hidden figure",
    "reference suppressed": "compared with a hidden group",
}


def _reason_key(reason: str) -> str:
    return "fewer" if reason.startswith("fewer than") else reason


_LOSS_KEYS = (
    "cells",
    "suppressed",
    "partly",
    "combined",
    "people",
    "people_suppressed",
    "people_combined",
)


def _people(table: pd.DataFrame, counts: str | Sequence[str]) -> np.ndarray:
    """The people each row counts: its first count column (missing as 0)."""
    first = counts if isinstance(counts, str) else next(iter(counts))
    if first not in table.columns:
        return np.zeros(len(table))
    return pd.to_numeric(table[first], errors="coerce").fillna(0).to_numpy(dtype=float)


def _table_loss(
    shown: pd.DataFrame,
    combined: set[str],
    groups: Sequence[str],
    *,
    people: np.ndarray,
    not_stated: np.ndarray,
) -> dict[str, Any]:
    """Cells and people of a table: hidden (by reason) and combined with not stated.

    A cell shows a combined category when one of its label columns (a group column or
    a generic category column) names one, alone or crossed with another group.
    """
    # a row whose passers alone are hidden still shows its own entrants: it is partly
    # shown, not a hidden cell (its passers are hidden in the next stage's row)
    partly = (shown["suppression"].astype(str) == "passers hidden").to_numpy()
    hidden = shown["suppressed"].astype(bool).to_numpy() & ~partly
    reasons = Counter(str(r) for r in shown.loc[hidden, "suppression"])
    labels = [c for c in shown.columns if c in groups or c in CATEGORY_COLUMNS]
    is_combined = np.zeros(len(shown), dtype=bool)
    for col in labels if combined else []:
        parts = [set(v.split(SEPARATOR)) if isinstance(v, str) else set() for v in shown[col]]
        is_combined |= np.array([bool(p & combined) for p in parts], dtype=bool)
    shown_combined = is_combined & ~hidden
    return {
        "cells": len(shown),
        "suppressed": int(hidden.sum()),
        "partly": int(partly.sum()),
        "by_reason": dict(sorted(reasons.items())),
        "combined": int(shown_combined.sum()),
        "people": int(people.sum()),
        "people_suppressed": int(people[hidden].sum()),
        "people_combined": int(np.minimum(not_stated, people)[shown_combined].sum()),
    }
