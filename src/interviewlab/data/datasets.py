"""Bundled datasets: the demo study and published reference data, listed in a manifest.

The manifest ``datasets/datasets.csv`` has one row per dataset with its ``name``,
``path`` (relative to the ``datasets`` folder), ``kind`` (``table`` for a CSV file,
``study`` for a study folder), ``description``, ``source`` (citation), ``licence`` and
``note`` (for published cases: which figures were checked against which source, and
which could not be). Raw files are never edited in place; derived versions get their
own row.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from interviewlab.errors import InterviewLabError

if TYPE_CHECKING:
    from interviewlab.data.study import Study

__all__ = ["dataset_path", "list_datasets", "load_study", "read_dataset"]


def _datasets_dir() -> Path:
    """Folder holding the bundled datasets (override with ``INTERVIEWLAB_DATASETS``)."""
    override = os.environ.get("INTERVIEWLAB_DATASETS")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / "datasets"


def list_datasets() -> pd.DataFrame:
    """Return the manifest of bundled datasets.

    Returns
    -------
    pandas.DataFrame
        One row per dataset: ``name``, ``path``, ``kind``, ``description``, ``source``,
        ``licence``, ``note``.

    Examples
    --------
    >>> "demo" in set(list_datasets()["name"])
    True
    """
    manifest = _datasets_dir() / "datasets.csv"
    if not manifest.is_file():
        raise InterviewLabError(
            f"The dataset manifest {manifest} is missing; reinstall interviewlab from its "
            "source tree (pip install -e .) so that the datasets folder is present."
        )
    return pd.read_csv(manifest, dtype=str, keep_default_na=False)


def dataset_path(name: str) -> Path:
    """Return the path of bundled dataset ``name``, listing valid names if it is unknown."""
    manifest = list_datasets()
    rows = manifest[manifest["name"] == name]
    if rows.empty:
        valid = ", ".join(sorted(manifest["name"]))
        raise InterviewLabError(f"There is no bundled dataset {name!r}; valid names are: {valid}.")
    return _datasets_dir() / rows["path"].iloc[0]


def read_dataset(name: str) -> pd.DataFrame:
    """Read a bundled table (a ``kind == "table"`` dataset) as a DataFrame.

    Parameters
    ----------
    name : str
        A name from :func:`list_datasets`.

    Returns
    -------
    pandas.DataFrame
        The table as published; see the manifest for its source.

    Raises
    ------
    InterviewLabError
        If ``name`` is unknown (the message lists valid names) or names a study folder
        (use :func:`load_study`).
    """
    path = dataset_path(name)
    if path.is_dir():
        raise InterviewLabError(f"{name!r} is a study folder; load it with load_study({name!r}).")
    return pd.read_csv(path)


def load_study(
    name: str | Path,
    *,
    max_workbook_bytes: int | None = None,
    max_workbook_ratio: float | None = None,
) -> Study:
    """Load a bundled study by name, or a study folder or workbook by path.

    Parameters
    ----------
    name : str or pathlib.Path
        A ``kind == "study"`` name from :func:`list_datasets` (e.g. ``"demo"``), or the
        path of a study folder or ``.xlsx`` workbook.
    max_workbook_bytes : int, optional
        Most bytes a workbook may unzip to in total, checked before it is read;
        default ``$INTERVIEWLAB_MAX_WORKBOOK_BYTES``, else 500,000,000 (500 MB).
    max_workbook_ratio : float, optional
        Most times a workbook's part larger than 10 MB (or the whole workbook) may unzip
        its stored size, which catches zip bombs; default
        ``$INTERVIEWLAB_MAX_WORKBOOK_RATIO``, else 100 (sheets compress 10 to 15 times).
        See :meth:`Study.load`.

    Returns
    -------
    Study
        The validated study.

    Examples
    --------
    >>> study = load_study("demo")
    >>> study.name
    'demo'
    """
    from interviewlab.data.study import Study

    if Path(name).exists():
        return Study.load(
            name, max_workbook_bytes=max_workbook_bytes, max_workbook_ratio=max_workbook_ratio
        )
    text = str(name)
    if (
        isinstance(name, Path)
        or any(sep in text for sep in ("/", "\\", os.sep))
        or (Path(text).suffix.lower() in (".xlsx", ".xlsm", ".toml", ".csv"))
    ):
        raise InterviewLabError(
            f"The folder or file {text!r} does not exist (looked for it from the current "
            f"folder {os.getcwd()!r}); check the path. A study is a folder with study.toml, "
            "candidates.csv and ratings.csv, or an .xlsx workbook."
        )
    try:
        path = dataset_path(text)
    except InterviewLabError as err:
        raise InterviewLabError(
            f"There is no folder or file {text!r} in the current folder, nor a bundled study "
            f"of that name. {err}"
        ) from None
    if not path.is_dir():
        raise InterviewLabError(f"{name!r} is a table; read it with read_dataset({name!r}).")
    return Study.load(
        path, max_workbook_bytes=max_workbook_bytes, max_workbook_ratio=max_workbook_ratio
    )
