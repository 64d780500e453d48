"""Audits of tables larger than memory: counts by Dask, statistics on the counts.

Every audit statistic (rates, impact ratios, Mantel-Haenszel) depends on the applicants
only through counts per combination of group, stratum and outcome. :func:`applicant_counts`
computes those counts from a pandas or a Dask DataFrame (read from a Parquet folder out of
core, or spread over a cluster); the result is small and goes to the ordinary functions
with ``weight="n_applicants"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from interviewlab._checks import as_list
from interviewlab.errors import InterviewLabError

__all__ = ["applicant_counts", "read_applicants_parquet"]

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
            f"columns are {', '.join(map(str, applicants.columns))}."
        )
    sizes = applicants[keys].groupby(keys, dropna=False, observed=True).size()
    if _is_dask(sizes):
        sizes = sizes.compute()
    out = sizes.rename(WEIGHT).reset_index()
    out = out.sort_values(keys, kind="stable", na_position="last").reset_index(drop=True)
    out[WEIGHT] = out[WEIGHT].astype("int64")
    return out
