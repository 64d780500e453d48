"""The study data model: candidates, ratings and metadata, validated once at loading.

A study is a folder with ``study.toml``, ``candidates.csv`` and ``ratings.csv`` (or one
``.xlsx`` workbook with the sheets ``study``, ``candidates`` and ``ratings``). Loading
removes spaces around each value, checks every file against the rubric and the
declarations in ``study.toml``, and raises a :class:`StudyError` that lists each problem
with its file, line and column. Usable but
questionable data (a candidate who passed the first stage but has no ratings, a file that
is not UTF-8) gives an :class:`~interviewlab.errors.InterviewLabWarning`.

``study.toml`` looks like this (only ``name`` and ``[rubric]`` are required)::

    name = "spring-hiring-2026"
    description = "Graduate scheme, async screen then live panel"
    source = "Our HR system export, 2026-05-01"
    licence = "internal"

    [rubric]
    min = 1
    max = 5
    questions = ["q1", "q2", "q3"]      # optional: the allowed question ids

    [groups]
    columns = ["sex", "ethnicity"]       # columns of candidates.csv
    unknown = ["unknown", "prefer not to say"]   # values counted as missing
    [groups.reference]                   # optional reference group per column
    ethnicity = "White"

    [stages]
    order = ["completed_async", "shortlisted", "appointed"]   # 0/1 columns, in order

    [formats]
    labels = ["async", "live"]           # the allowed values of ratings.format

    [raters]
    columns = ["sex", "ethnicity"]       # optional raters.csv: rater group columns

    [process]
    columns = ["informal_visit", "pre_interview_call"]   # optional 0/1 candidate columns

    [reactions]
    levels = [1, 2, 3, 4, 5]             # optional reactions.csv: its Likert scale

    [periods]
    column = "round"                     # optional: candidates' period (hiring round)
    order = ["spring", "autumn"]         # optional: the periods from first to last
    change_after = "spring"              # optional: the last period before a change

An optional ``raters.csv`` (sheet ``raters``) has one row per rater: ``rater_id``, the
columns of ``[raters] columns``, and optionally ``role`` and ``trained`` (0/1). An
optional ``reactions.csv`` (sheet ``reactions``) has candidates' feedback on the
process, one row per candidate and item: ``candidate_id``, ``item``, ``response``.
Machine scores of recorded answers are rows of ``ratings.csv`` with ``rater_type``
``automated`` (see :mod:`interviewlab.data.automated_table`); periods are described in
:mod:`interviewlab.data.periods`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from interviewlab.data.automated_table import _joined_ratings
from interviewlab.data.problems import (
    DEFAULT_FORMATS,
    Problem,
    StudyError,
)
from interviewlab.data.readers import (
    _flatten,
    _frame_as_text,
    _load_folder,
    _load_workbook,
    _toml_value,
)
from interviewlab.data.validation import ValidatedStudy, _validate
from interviewlab.data.workbook_archive import check_limit_arguments, workbook_limits


@dataclass(frozen=True)
class Study:
    """A validated interview study.

    Attributes
    ----------
    meta : dict
        The contents of ``study.toml`` (name, rubric, groups, stages, formats, and for
        simulated studies the planted true values under ``planted``).
    candidates : pandas.DataFrame
        One row per candidate: ``candidate_id`` (str), the group columns (str, missing
        or "unknown" values as ``<NA>``), stage columns (int 0/1), and optional
        ``requisition_id``, ``internal`` (0/1), ``recording``, and the period column of
        ``[periods] column`` (an ordered categorical, first period first).
    ratings : pandas.DataFrame
        One row per human rating: ``candidate_id``, ``rater_id``, ``question_id``,
        ``format`` (str) and ``score`` (float), with optional ``panel_id``, ``rated_at``,
        ``requisition_id``. Rows of ``ratings.csv`` with ``rater_type`` ``automated``
        are not here but in ``automated_scores``.
    files : dict
        The input files the study was read from (label -> path), for provenance.
    raters : pandas.DataFrame or None
        The optional raters table: ``rater_id``, the rater group columns declared in
        ``[raters] columns`` (str, missing as ``<NA>``), optional ``role`` (str) and
        ``trained`` (Int8 0/1); ``None`` when the study has no raters table.
    reactions : pandas.DataFrame or None
        The optional applicant-reactions table: ``candidate_id``, ``item`` and
        ``response`` (str, a level of ``[reactions] levels``); ``None`` when the study
        has none.
    automated_scores : pandas.DataFrame or None
        The machine scores (rows of ``ratings.csv`` with ``rater_type`` ``automated``):
        the columns of ``ratings`` and ``rater_type``; ``None`` when there are none.

    Examples
    --------
    >>> from interviewlab import load_study
    >>> study = load_study("demo")
    >>> study.scale
    (1.0, 5.0)
    >>> sorted(study.ratings["format"].unique())
    ['async', 'live']
    """

    meta: dict[str, Any]
    candidates: pd.DataFrame
    ratings: pd.DataFrame
    files: dict[str, str] = field(default_factory=dict)
    raters: pd.DataFrame | None = None
    reactions: pd.DataFrame | None = None
    automated_scores: pd.DataFrame | None = None

    # ------------------------------------------------------------------ properties
    @property
    def name(self) -> str:
        """The study's name from ``study.toml``."""
        return str(self.meta["name"])

    @property
    def scale(self) -> tuple[float, float]:
        """The rubric's (min, max) scores."""
        rubric = self.meta["rubric"]
        return float(rubric["min"]), float(rubric["max"])

    @property
    def group_columns(self) -> list[str]:
        """Candidate group columns declared in ``study.toml``."""
        return list(self.meta.get("groups", {}).get("columns", []))

    @property
    def reference_groups(self) -> dict[str, str]:
        """Declared reference group per group column (may be empty)."""
        return dict(self.meta.get("groups", {}).get("reference", {}))

    @property
    def rater_columns(self) -> list[str]:
        """Rater group columns declared in ``study.toml`` ``[raters] columns``."""
        return list(self.meta.get("raters", {}).get("columns", []))

    @property
    def process_columns(self) -> list[str]:
        """Process columns (0/1 candidate columns) declared in ``[process] columns``."""
        return list(self.meta.get("process", {}).get("columns", []))

    @property
    def stages(self) -> list[str]:
        """Selection stage columns, in order."""
        return list(self.meta.get("stages", {}).get("order", []))

    @property
    def formats(self) -> list[str]:
        """Allowed interview format labels."""
        return list(self.meta.get("formats", {}).get("labels", DEFAULT_FORMATS))

    @property
    def period_column(self) -> str | None:
        """The candidates' period column declared in ``[periods] column`` (None: none)."""
        column = self.meta.get("periods", {}).get("column")
        return str(column) if column else None

    @property
    def periods(self) -> list[str]:
        """The periods from first to last (empty when the study declares none)."""
        column = self.period_column
        if column is None:
            return []
        values = self.candidates[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            return [str(v) for v in values.cat.categories]
        return sorted(map(str, values.dropna().unique()))

    @property
    def change_after(self) -> str | None:
        """The last period before a change to the process (``[periods] change_after``)."""
        value = self.meta.get("periods", {}).get("change_after")
        return None if value is None else str(value)

    @property
    def planted(self) -> dict[str, Any]:
        """True planted values of a simulated study (empty for real data)."""
        return dict(self.meta.get("planted", {}))

    @property
    def recordings_dir(self) -> Path | None:
        """The study's ``recordings/`` folder when a ``recording`` column names files."""
        folder = self.files.get("recordings/")
        return Path(folder) if folder else None

    def input_files(self) -> dict[str, Path]:
        """Every file the study was read from, by its path relative to the study.

        ``study.toml`` and the CSV files (or the workbook), and each recording named in a
        ``recording`` column as ``recordings/<name>``: the files whose checksums make a
        report's provenance. The ``recordings/`` folder itself is not a file and is not
        listed; recordings in it that no row names are not inputs.

        Examples
        --------
        >>> from interviewlab import load_study
        >>> sorted(load_study("demo").input_files())
        ['candidates.csv', 'raters.csv', 'ratings.csv', 'study.toml']
        """
        files = {label: Path(path) for label, path in self.files.items() if label != "recordings/"}
        folder = self.recordings_dir
        if folder is not None:
            named: set[str] = set()
            for table in (self.candidates, self.ratings):
                if "recording" in table.columns:
                    names = table["recording"].dropna().astype(str)
                    named.update(name for name in names if name)
            for name in sorted(named):
                relative = name.replace("\\", "/")
                files[f"recordings/{relative}"] = folder / relative
        return files

    # ------------------------------------------------------------------ building
    @classmethod
    def from_frames(
        cls,
        meta: Mapping[str, Any],
        candidates: pd.DataFrame,
        ratings: pd.DataFrame,
        *,
        raters: pd.DataFrame | None = None,
        reactions: pd.DataFrame | None = None,
        source: str = "<data frames>",
    ) -> Study:
        """Validate in-memory tables as a study; the caller's objects are not modified.

        The frames are converted to text and validated exactly as files would be (as
        for files, spaces around each value are removed), so the same rules and messages
        apply; line numbers count the header as line 1, as
        in a CSV file (row ``i`` of the frame is line ``i + 2``). ``raters`` and
        ``reactions`` are the optional raters and applicant-reactions tables.
        """
        meta_copy = copy.deepcopy(dict(meta))
        tables = {
            "candidates": _frame_as_text(candidates),
            "ratings": _frame_as_text(ratings),
        }
        labels = {"candidates": "candidates", "ratings": "ratings"}
        for name, table in (("raters", raters), ("reactions", reactions)):
            if table is not None:
                tables[name] = _frame_as_text(table)
                labels[name] = name
        validated = _validate(meta_copy, tables, labels, source=source, files={})
        return cls._from_validated(validated)

    @classmethod
    def _from_validated(cls, parts: ValidatedStudy) -> Study:
        """The study of checked and typed parts, attribute by attribute."""
        return cls(
            meta=parts.meta,
            candidates=parts.candidates,
            ratings=parts.ratings,
            files=parts.files,
            raters=parts.raters,
            reactions=parts.reactions,
            automated_scores=parts.automated_scores,
        )

    @classmethod
    def load(
        cls,
        path: str | Path,
        *,
        max_workbook_bytes: int | None = None,
        max_workbook_ratio: float | None = None,
    ) -> Study:
        """Load and validate a study folder or ``.xlsx`` workbook.

        Parameters
        ----------
        path : str or pathlib.Path
            A folder with ``study.toml``, ``candidates.csv`` and ``ratings.csv``, or an
            Excel workbook with sheets ``study`` (two columns: ``key`` such as
            ``rubric.min`` and ``value``), ``candidates`` and ``ratings``.
        max_workbook_bytes : int, optional
            Most bytes a workbook may unzip to in total, checked before it is read;
            default ``$INTERVIEWLAB_MAX_WORKBOOK_BYTES``, else 500,000,000 (500 MB).
        max_workbook_ratio : float, optional
            Most times a workbook's part larger than 10 MB (or the whole workbook) may
            unzip its stored size, which catches zip bombs; default
            ``$INTERVIEWLAB_MAX_WORKBOOK_RATIO``, else 100 (sheets compress 10 to 15
            times). Neither limit applies to a study folder.

        Returns
        -------
        Study

        Raises
        ------
        StudyError
            Listing each problem with its file, line (the row number a spreadsheet
            shows) and column; a file named ``.xlsx`` that is not a workbook says what it
            seems to be.
        WorkbookSizeError
            A :class:`StudyError` for a workbook that would unzip beyond the limits,
            naming the part, its sizes and how to raise the limit.
        """
        check_limit_arguments(max_workbook_bytes, max_workbook_ratio)
        path = Path(path)
        if not path.exists():
            raise StudyError([Problem(str(path), "does not exist; check the path.")], str(path))
        if path.is_dir():
            return cls._from_validated(_load_folder(path))
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            limits = workbook_limits(max_workbook_bytes, max_workbook_ratio)
            return cls._from_validated(_load_workbook(path, limits))
        raise StudyError(
            [Problem(str(path), "is neither a study folder nor an .xlsx workbook.")], str(path)
        )

    def save(self, path: str | Path) -> Path:
        """Write the study as a folder (or as a workbook when ``path`` ends in .xlsx).

        Returns the path written. Loading it again gives an equal study.
        """
        import tomli_w

        path = Path(path)
        ratings = _joined_ratings(self.ratings, self.automated_scores)
        if path.suffix.lower() == ".xlsx":
            path.parent.mkdir(parents=True, exist_ok=True)
            study_sheet = pd.DataFrame(
                [(k, _toml_value(v)) for k, v in _flatten(self.meta)], columns=["key", "value"]
            )
            with pd.ExcelWriter(path, engine="openpyxl") as writer:
                study_sheet.to_excel(writer, sheet_name="study", index=False)
                self.candidates.to_excel(writer, sheet_name="candidates", index=False)
                ratings.to_excel(writer, sheet_name="ratings", index=False)
                for name, table in (("raters", self.raters), ("reactions", self.reactions)):
                    if table is not None:
                        table.to_excel(writer, sheet_name=name, index=False)
            return path
        path.mkdir(parents=True, exist_ok=True)
        (path / "study.toml").write_text(tomli_w.dumps(self.meta), encoding="utf-8")
        self.candidates.to_csv(path / "candidates.csv", index=False, lineterminator="\n")
        ratings.to_csv(path / "ratings.csv", index=False, lineterminator="\n")
        for name, table in (("raters", self.raters), ("reactions", self.reactions)):
            if table is not None:
                table.to_csv(path / f"{name}.csv", index=False, lineterminator="\n")
        source = self.recordings_dir
        if source is not None and source.resolve() != (path / "recordings").resolve():
            import shutil

            shutil.copytree(source, path / "recordings", dirs_exist_ok=True)
        return path

    # ------------------------------------------------------------------ summaries
    def summary(self) -> dict[str, pd.DataFrame]:
        """Counts for a first look: ratings per format, candidates per group and stage.

        Returns
        -------
        dict of str to pandas.DataFrame
            ``formats`` (format, n_ratings, n_candidates, n_raters), one table per group
            column (value, n_candidates; missing values as ``"(missing)"``), and
            ``stages`` (stage, n_entering, n_passing).
        """
        out: dict[str, pd.DataFrame] = {}
        r = self.ratings
        out["formats"] = (
            r.groupby("format", sort=True)
            .agg(
                n_ratings=("score", "size"),
                n_candidates=("candidate_id", "nunique"),
                n_raters=("rater_id", "nunique"),
            )
            .reset_index()
        )
        for column in self.group_columns:
            counts = self.candidates[column].fillna("(missing)").value_counts(sort=False)
            out[column] = counts.sort_index().rename_axis(column).reset_index(name="n_candidates")
        rows = []
        entering = len(self.candidates)
        for stage in self.stages:
            passing = int(self.candidates[stage].sum())
            rows.append((stage, entering, passing))
            entering = passing
        out["stages"] = pd.DataFrame(rows, columns=["stage", "n_entering", "n_passing"])
        return out
