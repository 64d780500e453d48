"""Write the three designs that lmertest_reference.R fits (deterministic: fixed seeds).

Run from this folder: ``python make_data.py``. The CSVs are committed beside it, so
neither this script nor R is needed when the tests run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def crossed(seed: int = 13) -> pd.DataFrame:
    """Fully crossed: 30 candidates x 6 raters x 4 questions, a candidate-level group."""
    rng = np.random.default_rng(seed)
    n_cand, n_rater, n_q = 30, 6, 4
    cand, rater, question = np.meshgrid(
        np.arange(n_cand), np.arange(n_rater), np.arange(n_q), indexing="ij"
    )
    cand, rater, question = cand.ravel(), rater.ravel(), question.ravel()
    group = np.where(np.arange(n_cand) % 3 == 0, "B", "A")
    score = (
        3.0
        - 0.4 * (group[cand] == "B")
        + rng.normal(0, 0.8, n_cand)[cand]
        + rng.normal(0, 0.4, n_rater)[rater]
        + rng.normal(0, 0.3, n_q)[question]
        + rng.normal(0, 0.7, len(cand))
    )
    return pd.DataFrame(
        {
            "candidate": [f"c{c:02d}" for c in cand],
            "rater": [f"r{r}" for r in rater],
            "question": [f"q{q}" for q in question],
            "group": group[cand],
            "score": np.round(score, 4),
        }
    )


def between(seed: int = 14) -> pd.DataFrame:
    """Each candidate one format; 8 raters, 3 of whom rate both formats; 3 questions."""
    rng = np.random.default_rng(seed)
    n_cand, n_q = 48, 3
    fmt = np.where(np.arange(n_cand) % 2 == 0, "async", "live")
    group = np.where(rng.random(n_cand) < 0.35, "focal", "reference")
    pools = {"async": [0, 1, 2, 3, 4], "live": [2, 3, 4, 5, 6, 7]}
    ability = rng.normal(0, 0.8, n_cand)
    severity = rng.normal(0, 0.4, 8)
    difficulty = np.array([-0.2, 0.1, 0.3])
    rows = []
    for c in range(n_cand):
        raters = rng.choice(pools[fmt[c]], size=2, replace=False)
        for r in raters:
            for q in range(n_q):
                mu = 3.0 + ability[c] + severity[r] + difficulty[q]
                mu += -0.3 * (fmt[c] == "async") - 0.5 * (fmt[c] == "async") * (group[c] == "focal")
                rows.append(
                    (f"c{c:02d}", f"r{r}", f"q{q}", fmt[c], group[c], mu + rng.normal(0, 0.6))
                )
    out = pd.DataFrame(rows, columns=["candidate", "rater", "question", "format", "group", "score"])
    out["score"] = out["score"].round(4)
    return out


def unbalanced(seed: int = 15) -> pd.DataFrame:
    """Incomplete and unbalanced, with candidate:rater replicates and a covariate."""
    rng = np.random.default_rng(seed)
    n_cand, n_rater, n_q = 40, 7, 3
    ability = rng.normal(0, 0.7, n_cand)
    severity = rng.normal(0, 0.5, n_rater)
    quality = np.round(rng.uniform(0, 1, n_cand), 3)
    fmt = np.where(rng.random(n_cand) < 0.5, "async", "live")
    rows = []
    for c in range(n_cand):
        k = int(rng.integers(1, 5))
        for r in rng.choice(n_rater, size=k, replace=False):
            pair = rng.normal(0, 0.35)
            for q in range(n_q):
                if rng.random() < 0.25:
                    continue
                mu = 2.8 + ability[c] + severity[r] + pair + 0.5 * quality[c]
                mu += -0.2 * (fmt[c] == "async") + 0.15 * q
                rows.append(
                    (f"c{c:02d}", f"r{r}", f"q{q}", fmt[c], quality[c], mu + rng.normal(0, 0.5))
                )
    out = pd.DataFrame(
        rows, columns=["candidate", "rater", "question", "format", "quality", "score"]
    )
    out["score"] = out["score"].round(4)
    return out


if __name__ == "__main__":
    crossed().to_csv("crossed.csv", index=False)
    between().to_csv("between.csv", index=False)
    unbalanced().to_csv("unbalanced.csv", index=False)
