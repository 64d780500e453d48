"""Helpers shared by the reliability tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

# pingouin 0.7 calls DataFrame.dropna(inplace=True), which pandas 3 deprecates; the
# warning is pingouin's, not ours, so it is ignored only in the tests that call pingouin.
pingouin_call = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame")

ICC_ORDER = ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]
PINGOUIN_ORDER = ["ICC(1,1)", "ICC(A,1)", "ICC(C,1)", "ICC(1,k)", "ICC(A,k)", "ICC(C,k)"]


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def complete_ratings(seed: int, n: int = 30, k: int = 4, rater_sd: float = 0.5) -> pd.DataFrame:
    """Random complete panel: candidate effect + rater offset + noise, on a 1-5 scale."""
    rng = np.random.default_rng(seed)
    true = rng.normal(0, 1, n)
    offset = rng.normal(0, rater_sd, k)
    scores = np.clip(
        np.round(3 + true[:, None] + offset[None, :] + rng.normal(0, 0.7, (n, k))), 1, 5
    )
    return pd.DataFrame(
        {
            "candidate_id": np.repeat([f"c{i:03d}" for i in range(n)], k),
            "rater_id": np.tile([f"r{j}" for j in range(k)], n),
            "score": scores.ravel(),
        }
    )


def with_missing(data: pd.DataFrame, frac: float, seed: int) -> pd.DataFrame:
    """Drop a random fraction of rows (missing ratings)."""
    rng = np.random.default_rng(seed)
    return data.loc[rng.random(len(data)) >= frac].reset_index(drop=True)


def to_reliability_data(data: pd.DataFrame, unit: str, rater: str, score: str) -> np.ndarray:
    """Raters x units matrix with NaN for missing, as the krippendorff package wants."""
    return data.pivot(index=rater, columns=unit, values=score).to_numpy(dtype=float)


def table_to_long(table: np.ndarray) -> pd.DataFrame:
    """Two raters' contingency table (rows: rater a, columns: rater b) as long ratings."""
    rows = []
    unit = 0
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            for _ in range(int(table[i, j])):
                rows += [(unit, "a", i + 1), (unit, "b", j + 1)]
                unit += 1
    return pd.DataFrame(rows, columns=["candidate_id", "rater_id", "score"])
