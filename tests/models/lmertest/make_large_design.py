"""Write the designs that large_reference.R fits (deterministic: fixed seeds).

Run from this folder: ``python make_large_design.py``. The files are committed beside
it, so neither this script nor R is needed when the tests run.

* ``large.csv.gz``: an InstEval-sized crossed design (lme4's ``InstEval``: 2,972
  students x 1,128 lecturers in 14 departments, 73,421 ratings). 3,000 students each
  rate about 24 of 1,100 lecturers, mostly in two "home" departments of 14, so that
  students and lecturers are crossed with the uneven overlap of real course ratings;
  a rating-level binary ``service`` as InstEval's.
* ``boundary.csv``: 60 candidates x 8 raters (75% of cells) whose rater variance is
  small enough that the REML optimum (rater variance 8.6e-5) lies in a shallow well
  next to 0; interviewlab before issue 29 stopped at 0 below it (log-likelihood
  -539.4067912 against -539.4067732), and lme4 stops between the two.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def large(seed: int = 29) -> pd.DataFrame:
    """3,000 students x 1,100 lecturers x 14 departments, about 72,000 ratings."""
    rng = np.random.default_rng(seed)
    n_s, n_d, n_dept = 3000, 1100, 14
    dept_of = np.sort(rng.integers(0, n_dept, n_d))
    by_dept = [np.flatnonzero(dept_of == k) for k in range(n_dept)]
    rows = []
    for s in range(n_s):
        home = rng.choice(n_dept, 2, replace=False)
        n_rated = int(rng.integers(8, 41))
        pool = np.concatenate([by_dept[home[0]], by_dept[home[1]]])
        n_home = min(len(pool), round(0.8 * n_rated))
        chosen = set(rng.choice(pool, n_home, replace=False).tolist())
        while len(chosen) < n_rated:
            chosen.add(int(rng.integers(0, n_d)))
        rows.extend((s, d) for d in sorted(chosen))
    frame = pd.DataFrame(rows, columns=["s", "d"])
    frame["dept"] = dept_of[frame["d"]]
    frame["service"] = (rng.random(len(frame)) < 0.4).astype(int)
    y = (
        3.2
        - 0.09 * frame["service"].to_numpy()
        + rng.normal(0, 0.33, n_s)[frame["s"]]
        + rng.normal(0, 0.51, n_d)[frame["d"]]
        + rng.normal(0, 0.08, n_dept)[frame["dept"]]
        + rng.normal(0, 1.18, len(frame))
    )
    frame["y"] = np.round(y, 2)
    frame["s"] = [f"s{s:04d}" for s in frame["s"]]
    frame["d"] = [f"d{d:04d}" for d in frame["d"]]
    frame["dept"] = [f"k{k:02d}" for k in frame["dept"]]
    return frame


def boundary(seed: int = 4, rater_sd: float = 0.145) -> pd.DataFrame:
    """Raters' means made equal, then rater effects of SD ``rater_sd`` added back."""
    rng = np.random.default_rng(seed)
    n_cand, n_rater = 60, 8
    rows = [(c, r) for c in range(n_cand) for r in range(n_rater) if rng.random() < 0.75]
    df = pd.DataFrame(rows, columns=["cand", "rater"])
    df["score"] = 3 + rng.normal(0, 1, n_cand)[df["cand"]] + rng.normal(0, 1, len(df))
    df["score"] -= df.groupby("rater")["score"].transform("mean") - df["score"].mean()
    df["score"] += rater_sd * rng.normal(0, 1, n_rater)[df["rater"]]
    return df


if __name__ == "__main__":
    large().to_csv(HERE / "large.csv.gz", index=False)
    boundary().to_csv(HERE / "boundary.csv", index=False, float_format="%.17g")
