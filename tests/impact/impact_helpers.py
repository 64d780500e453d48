"""Helpers shared by the impact tests."""

from __future__ import annotations

import numpy as np
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


def intersectional_data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    sex = rng.choice(["F", "M"], size=2000)
    eth = rng.choice(["Asian", "Black", "White"], size=2000, p=[0.3, 0.3, 0.4])
    frame = pd.DataFrame({"sex": sex, "eth": eth})
    frame.loc[:9, "eth"] = "Other"  # 10 of 2000: 0.5% share, under LL144's 2%
    frame.loc[:9, "sex"] = "F"
    frame.loc[10:29, "sex"] = np.nan  # 20 missing
    frame.loc[30:44, "eth"] = "Unknown"  # 15 declared unknown
    p = np.where(frame["sex"] == "F", 0.3, 0.4)
    frame["hired"] = (rng.random(2000) < p).astype(int)
    frame.loc[:9, "hired"] = 1  # the tiny category has the highest rate
    return frame
