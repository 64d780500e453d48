"""Counts for the trend reference (``python make_trend_data.py`` writes trend_counts.csv).

Three groups over five periods: group A (the reference) steady, group B improving by
0.3 log-odds per period, group C steady and smaller. Seeded, so the file is reproduced.
"""

from pathlib import Path

import numpy as np
import pandas as pd


def make() -> pd.DataFrame:
    rng = np.random.default_rng(2026)
    rows = []
    for group, base, slope, size in (
        ("A", -0.4, 0.0, 120),
        ("B", -1.4, 0.3, 80),
        ("C", -0.9, 0.0, 40),
    ):
        for t in range(5):
            n = int(rng.integers(size // 2, size + 1))
            p = 1 / (1 + np.exp(-(base + slope * t)))
            rows.append((group, t + 1, int(rng.binomial(n, p)), n))
    return pd.DataFrame(rows, columns=["category", "period", "selected", "n"])


if __name__ == "__main__":
    make().to_csv(Path(__file__).with_name("trend_counts.csv"), index=False, lineterminator="\n")
