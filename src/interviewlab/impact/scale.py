"""Audits of tables larger than memory: counts by Dask, statistics on the counts.

Every audit statistic (rates, impact ratios, Mantel-Haenszel) depends on the applicants
only through counts per combination of group, stratum and outcome. :func:`applicant_counts`
computes those counts from a pandas or a Dask DataFrame (read from a Parquet folder out of
core, or spread over a cluster); the result is small and goes to the ordinary functions
with ``weight="n_applicants"``.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from interviewlab._checks import as_list, sentence_end
from interviewlab.errors import InterviewLabError

__all__ = ["applicant_counts", "count_applicant_files", "read_applicants_parquet"]

WEIGHT = "n_applicants"


def _is_dask(frame: Any) -> bool:
    return type(frame).__module__.startswith("dask")


def read_applicants_parquet(
    path: str | Path, *, columns: Sequence[str] | None = None, lazy: bool = False
) -> Any:
    """Read an applicant table from a Parquet file or a folder of Parquet files.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.parquet`` file or a folder of them (one table split in parts).
    columns : list of str, optional
        Columns to read (all by default); reading only the audit's columns saves memory.
    lazy : bool, default False
        ``True`` returns a Dask DataFrame read part by part when computed (needs the
        ``scale`` extra: ``pip install "interviewlab[scale]"``); ``False`` a pandas one.

    Returns
    -------
    pandas.DataFrame or dask.dataframe.DataFrame
        The table's rows with the requested columns, as stored.

    Notes
    -----
    pyarrow reads the files; Dask splits the folder into one partition per file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"sex": ["F", "M"], "hired": [1, 0]}).to_parquet(folder / "a.parquet")
    >>> read_applicants_parquet(folder)["hired"].tolist()
    [1, 0]
    """
    path = Path(path)
    if not path.exists():
        raise InterviewLabError(
            f"{path}: no such file or folder; give a .parquet file or a folder of them."
        )
    cols = None if columns is None else list(columns)
    if lazy:
        try:
            import dask.dataframe as dd
        except ImportError as exc:
            raise InterviewLabError(
                "lazy=True needs Dask: pip install 'interviewlab[scale]'."
            ) from exc
        target = str(path / "*.parquet") if path.is_dir() else str(path)
        return dd.read_parquet(target, columns=cols)
    return pd.read_parquet(path, columns=cols)


def applicant_counts(
    applicants: Any,
    *,
    columns: str | Sequence[str],
    selected: str | Sequence[str],
) -> pd.DataFrame:
    """Count applicants per combination of columns and selection outcomes.

    Parameters
    ----------
    applicants : pandas.DataFrame or dask.dataframe.DataFrame
        One row per applicant. A Dask DataFrame is counted partition by partition (out
        of core, or on a cluster when a ``dask.distributed`` client is active).
    columns : str or list of str
        Group and stratum columns (e.g. ``["sex", "ethnicity", "requisition_id"]``).
    selected : str or list of str
        0/1 outcome columns (one per stage).

    Returns
    -------
    pandas.DataFrame
        One row per observed combination: the ``columns`` and ``selected`` values
        (missing values kept as their own combination, never dropped) and
        ``n_applicants``, the number of applicants with it. Pass it to
        :func:`interviewlab.impact_ratios` or :func:`interviewlab.mantel_haenszel` with
        ``weight="n_applicants"``: the results equal those on the applicant rows.

    Notes
    -----
    The counts are a sufficient statistic of every audit table that compares selection
    rates; their size is the number of combinations, not of applicants.

    Examples
    --------
    >>> df = pd.DataFrame({"sex": ["F", "F", "M", "M", "M"], "hired": [1, 0, 1, 1, 0]})
    >>> applicant_counts(df, columns="sex", selected="hired")
      sex  hired  n_applicants
    0   F      0             1
    1   F      1             1
    2   M      0             1
    3   M      1             2
    """
    keys = [*as_list(columns), *as_list(selected)]
    if not keys:
        raise InterviewLabError("columns and selected name no column; name at least one.")
    missing = [k for k in keys if k not in applicants.columns]
    if missing:
        raise InterviewLabError(
            f"The applicant table has no column(s) {', '.join(map(repr, missing))}; its "
            f"columns are {sentence_end(', '.join(map(str, applicants.columns)))}."
        )
    sizes = applicants[keys].groupby(keys, dropna=False, observed=True).size()
    if _is_dask(sizes):
        sizes = sizes.compute()
    out = sizes.rename(WEIGHT).reset_index()
    for key in keys:
        # text read by Dask is a nullable string (missing as <NA>); give it pandas'
        # default text dtype (missing as NaN), as the in-memory path has
        if isinstance(out[key].dtype, pd.StringDtype) and out[key].dtype.na_value is pd.NA:
            out[key] = out[key].astype(pd.StringDtype(na_value=np.nan))
    out = out.sort_values(keys, kind="stable", na_position="last").reset_index(drop=True)
    out[WEIGHT] = out[WEIGHT].astype("int64")
    return out


def _input_files(path: Path) -> tuple[list[Path], str]:
    """The Parquet or CSV files of ``path`` (a file or a folder) and their format."""
    if not path.exists():
        raise InterviewLabError(
            f"{path}: no such file or folder; give a .parquet or .csv file or a folder of them."
        )
    if path.is_file():
        kind = path.suffix.lower().lstrip(".")
        if kind not in ("parquet", "csv"):
            raise InterviewLabError(
                f"{path}: not a .parquet or .csv file; convert it or give a folder of them."
            )
        return [path], kind
    found = {kind: sorted(path.glob(f"*.{kind}")) for kind in ("parquet", "csv")}
    if found["parquet"] and found["csv"]:
        raise InterviewLabError(
            f"{path}: the folder holds both .parquet and .csv files; keep one table (one "
            "format) per folder."
        )
    for kind, files in found.items():
        if files:
            return files, kind
    raise InterviewLabError(f"{path}: the folder holds no .parquet or .csv file.")


def _file_columns(file: Path, kind: str) -> list[str]:
    if kind == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(file).names)
    with file.open(newline="", encoding="utf-8-sig") as fh:
        return next(csv.reader(fh), [])


def _locate(
    files: list[Path], kind: str, columns: list[str], bad: Callable[[pd.DataFrame], Any]
) -> tuple[Path, int] | None:
    """The first file and line (CSV; row for Parquet) where ``bad`` flags a row."""
    for file in files:
        offset = 0
        if kind == "parquet":
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(file).iter_batches(columns=columns):
                hit = np.flatnonzero(np.asarray(bad(batch.to_pandas()), dtype=bool))
                if hit.size:
                    return file, 1 + offset + int(hit[0])  # rows counted from 1
                offset += batch.num_rows
            continue
        with pd.read_csv(file, usecols=columns, dtype=str, chunksize=500_000) as reader:
            for chunk in reader:
                hit = np.flatnonzero(np.asarray(bad(chunk), dtype=bool))
                if hit.size:
                    return file, 2 + offset + int(hit[0])  # line 1 is the header
                offset += len(chunk)
    return None


def _where(found: tuple[Path, int] | None, kind: str, column: str) -> str:
    if found is None:
        return f"column {column!r}"
    unit = "line" if kind == "csv" else "row"
    return f"{found[0]}, {unit} {found[1]}, column {column!r}"


def _stage_values(
    counts: pd.DataFrame, files: list[Path], kind: str, stages: list[str]
) -> pd.DataFrame:
    """Stage columns of the counts as int64 0/1; a typed error naming file and line if not."""
    out = counts.copy()
    for stage in stages:
        values = pd.to_numeric(out[stage].astype(object), errors="coerce")
        bad = values.isna() | ~values.isin((0, 1))
        if bool(bad.any()):
            shown = ", ".join(map(repr, pd.unique(out.loc[bad, stage].astype(object))[:5]))

            def flag(batch: pd.DataFrame, stage: str = stage) -> Any:
                v = pd.to_numeric(batch[stage].astype(object), errors="coerce")
                return (v.isna() | ~v.isin((0, 1))).to_numpy()

            where = _where(_locate(files, kind, [stage], flag), kind, stage)
            raise InterviewLabError(
                f"{where}: the stage column must be 0/1 for every applicant, but it holds "
                f"{shown}. Recode it (a missing outcome usually means 0: not selected)."
            )
        out[stage] = values.astype(np.int64)
    for previous, current in itertools.pairwise(stages):
        jumped = (out[current] == 1) & (out[previous] == 0)
        if bool(jumped.any()):

            def skip(batch: pd.DataFrame, a: str = previous, b: str = current) -> Any:
                va = pd.to_numeric(batch[a].astype(object), errors="coerce")
                vb = pd.to_numeric(batch[b].astype(object), errors="coerce")
                return ((vb == 1) & (va == 0)).to_numpy()

            where = _where(_locate(files, kind, [previous, current], skip), kind, current)
            raise InterviewLabError(
                f"{where}: {int(out.loc[jumped, WEIGHT].sum())} applicant(s) pass "
                f"{current!r} without passing {previous!r}; the stages must be given in "
                "order and each passed only after the one before."
            )
    # text such as "1" and "1.0" (CSV) are one value once numeric: merge their counts
    keys = [c for c in out.columns if c != WEIGHT]
    out = out.groupby(keys, dropna=False, observed=True, sort=False)[WEIGHT].sum().reset_index()
    return out.sort_values(keys, kind="stable", na_position="last").reset_index(drop=True)


def count_applicant_files(
    path: str | Path,
    *,
    columns: str | Sequence[str],
    stages: str | Sequence[str],
    blocksize: str = "64MiB",
) -> pd.DataFrame:
    """Count the applicants of a Parquet or CSV table larger than memory, with Dask.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.parquet`` or ``.csv`` file, or a folder of them (one table split in parts,
        one format per folder). Only the named columns are read.
    columns : str or list of str
        Group and stratum columns (read as stored; from CSV as text).
    stages : str or list of str
        Ordered 0/1 stage columns (one column is a single selection outcome).
    blocksize : str, default "64MiB"
        Size of the pieces a CSV file is read in (Parquet is read by row group).

    Returns
    -------
    pandas.DataFrame
        As :func:`applicant_counts`: the ``columns`` and ``stages`` values of every
        observed combination (missing group values kept) and ``n_applicants``; the
        stage columns as 0/1 integers.

    Raises
    ------
    InterviewLabError
        When a file lacks a column (naming the file and the column), a stage holds
        anything but 0/1 or passes an applicant who did not pass the stage before
        (naming the file, the line of a CSV or the row of a Parquet file, and the
        column). The rows are read a second time to find the line only on that path.

    Notes
    -----
    Dask reads the files in pieces and counts each piece; only the counts (one row per
    combination, not per applicant) are combined, so memory grows with the number of
    combinations and the pieces in flight, not with the number of applicants. The
    scheduler is Dask's default (threads in this process) or the ``dask.distributed``
    client active when called. Needs the ``scale`` extra.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> rows = pd.DataFrame({"sex": ["F", "F", "M"], "hired": [1, 0, 1]})
    >>> rows.to_parquet(folder / "part0.parquet")
    >>> rows.to_parquet(folder / "part1.parquet")
    >>> count_applicant_files(folder, columns="sex", stages="hired")
      sex  hired  n_applicants
    0   F      0             2
    1   F      1             2
    2   M      1             2
    """
    group_cols, stage_cols = as_list(columns), as_list(stages)
    keys = [*group_cols, *stage_cols]
    if not stage_cols:
        raise InterviewLabError("stages names no column; name the 0/1 stage columns in order.")
    if len(set(keys)) != len(keys):
        raise InterviewLabError(f"A column is named twice in columns and stages: {keys}.")
    files, kind = _input_files(Path(path))
    for file in files:
        present = _file_columns(file, kind)
        missing = [k for k in keys if k not in present]
        if missing:
            where = "line 1 (header)" if kind == "csv" else "schema"
            raise InterviewLabError(
                f"{file}, {where}: no column {missing[0]!r}"
                + (f" (nor {', '.join(map(repr, missing[1:]))})" if missing[1:] else "")
                + f"; its columns are {', '.join(map(repr, present))}. Rename the column "
                "or name the right one."
            )
    try:
        import dask.dataframe as dd
    except ImportError as exc:
        raise InterviewLabError(
            "Counting files needs Dask: pip install 'interviewlab[scale]'."
        ) from exc
    names = [str(f) for f in files]
    if kind == "parquet":
        frame = dd.read_parquet(names, columns=keys)
    else:
        frame = dd.read_csv(
            names,
            usecols=keys,
            dtype=dict.fromkeys(keys, "string"),
            blocksize=blocksize,
        )
    counts = applicant_counts(frame, columns=group_cols, selected=stage_cols)
    return _stage_values(counts, files, kind, stage_cols)
