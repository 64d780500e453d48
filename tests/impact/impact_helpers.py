"""Helpers shared by the impact tests."""

from __future__ import annotations

import pandas as pd
import pytest

quiet = pytest.mark.filterwarnings("ignore::interviewlab.errors.InterviewLabWarning")


def expand(counts: dict[str, tuple[int, int]], group: str = "group") -> pd.DataFrame:
    """One row per applicant from {label: (selected, n)}."""
    rows = []
    for label, (x, n) in counts.items():
        rows += [(label, 1)] * x + [(label, 0)] * (n - x)
    return pd.DataFrame(rows, columns=[group, "selected"])


def row(table: pd.DataFrame, category: str) -> pd.Series:
    return table.loc[table["category"] == category].iloc[0]
