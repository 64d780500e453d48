"""The one way tables and figures reach a report from inside a notebook: :class:`ReportWriter`."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from interviewlab.errors import InterviewLabError
from interviewlab.reporting import check_no_identifiers, suppress_small_cells
from interviewlab.reporting.privacy import DEFAULT_MIN_CELL_SIZE, Disclosure
from interviewlab.reporting.safety import neutralise_formulas

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
        The categories hidden in every table of the report, decided once from the
        study's counts (:meth:`for_study` builds it).

    Examples
    --------
    >>> writer = ReportWriter(None, min_cell_size=10)
    >>> t = pd.DataFrame({"group": ["a", "b", "c"], "n": [40, 3, 25], "rate": [0.5, 1.0, 0.4]})
    >>> writer.table(t, "rates", counts="n")["suppression"].tolist()
    ['', 'fewer than 10', 'complementary']
    >>> writer.suppressed_tables
    ['rates']
    """

    def __init__(
        self,
        output_dir: str | Path | None,
        *,
        min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
        identifiers: Iterable[str] = (),
        disclosure: Disclosure | None = None,
    ) -> None:
        self.output_dir = Path(output_dir) if output_dir is not None else None
        self.min_cell_size = int(min_cell_size)
        self._identifiers = {str(i) for i in identifiers}
        self.disclosure = disclosure
        self.suppressed_tables: list[str] = []
        self.tables: list[str] = []

    @classmethod
    def for_study(
        cls,
        study: Study,
        output_dir: str | Path | None,
        *,
        min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    ) -> ReportWriter:
        """The writer for a report on ``study``: its identifiers and its disclosure plan.

        The plan (:meth:`Disclosure.from_counts`) is decided from the study's candidate
        counts per group column and stage (and period, for a study with periods),
        before any table is made, and applied to every table the writer shows.

        Examples
        --------
        >>> import interviewlab as il
        >>> writer = ReportWriter.for_study(il.load_study("demo"), None)
        >>> sorted(writer.disclosure.hidden)
        ['age_band', 'disability', 'ethnicity', 'sex']
        """
        cand = study.candidates
        disclosure = Disclosure.from_counts(
            cand,
            groups=[g for g in study.group_columns if g in cand.columns],
            stages=[s for s in study.stages if s in cand.columns],
            min_cell_size=min_cell_size,
            period=study.period_column,
        )
        return cls(
            output_dir,
            min_cell_size=min_cell_size,
            identifiers=cand["candidate_id"],
            disclosure=disclosure,
        )

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
        :func:`interviewlab.reporting.suppress_small_cells`). ``across_periods`` marks a
        table whose rows pool several periods (see :meth:`Disclosure.rows_to_hide`).
        Returns the table as shown.
        """
        name = file_name(name)
        shown = table.reset_index() if index else table
        if counts is not None:
            hide = (
                self.disclosure.rows_to_hide(shown, across_periods=across_periods)
                if self.disclosure is not None
                else None
            )
            shown = suppress_small_cells(
                shown,
                counts=counts,
                min_cell_size=self.min_cell_size,
                within=within,
                hide=hide,
            )
            if shown["suppressed"].any():
                self.suppressed_tables.append(name)
        check_no_identifiers(
            shown,
            identifiers=self._identifiers,
            where=f"table {name!r}",
            other_entities=[self.disclosure.period]
            if self.disclosure and self.disclosure.period
            else [],
        )
        self.tables.append(name)
        if self.output_dir is not None:
            path = self.output_dir / "tables" / f"{name}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            neutralise_formulas(shown).to_csv(
                path, index=False, lineterminator="\n", float_format="%.10g"
            )
        return shown

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
        """A sentence for the report saying which tables had cells suppressed."""
        if not self.suppressed_tables:
            return (
                f"No cell in this report rests on fewer than {self.min_cell_size} people, "
                "so nothing was suppressed."
            )
        names = ", ".join(sorted(set(self.suppressed_tables)))
        hidden = self.disclosure.describe() if self.disclosure is not None else ""
        return (
            f"Figures resting on fewer than {self.min_cell_size} people are suppressed "
            "(shown blank, marked in the 'suppressed' column, with the reason in "
            "'suppression'), together with one more row of the same margin where that "
            "row alone could be recovered by subtraction, or a whole margin whose "
            f"reference group is suppressed. Tables affected: {names}. {hidden}"
        ).strip()
