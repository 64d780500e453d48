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


def simulate_stations(seed: int = 14) -> pd.DataFrame:
    """40 candidates x 5 stations, 3 raters of its own per station, unbalanced.

    Each candidate is scored at every station by 2 of that station's 3 raters (drawn at
    random), then about 10% of the scores are lost at random. True components: candidate
    0.5, station 0.3, rater:station 0.4, candidate x station 0.4, residual 1.0.
    """
    rng = np.random.default_rng(seed)
    n_c, n_s, n_r = 40, 5, 3
    p = rng.normal(0, np.sqrt(0.5), n_c)
    s = rng.normal(0, np.sqrt(0.3), n_s)
    r = rng.normal(0, np.sqrt(0.4), (n_s, n_r))
    ps = rng.normal(0, np.sqrt(0.4), (n_c, n_s))
    rows = []
    for c in range(n_c):
        for st in range(n_s):
            for k in rng.choice(n_r, size=2, replace=False):
                y = 5 + p[c] + s[st] + r[st, k] + ps[c, st] + rng.normal(0, 1.0)
                rows.append((f"c{c:02d}", f"s{st}", f"s{st}r{k}", float(y)))
    data = pd.DataFrame(rows, columns=["candidate_id", "station", "rater_id", "score"])
    keep = rng.random(len(data)) >= 0.1
    return data[keep].reset_index(drop=True)


def rubric_scores(seed: int, n: int = 50, k: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ability = rng.normal(0, 1, n)
    scores = ability[:, None] + rng.normal(0, 0.8, (n, k))
    return pd.DataFrame(
        {
            "candidate_id": np.repeat(np.arange(n), k),
            "question_id": np.tile([f"q{j}" for j in range(k)], n),
            "score": scores.ravel(),
        }
    )
