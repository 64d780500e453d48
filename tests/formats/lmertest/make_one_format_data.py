"""Write reference_one_format.csv for lmertest_reference.R (deterministic: a fixed seed).

Run from this folder: ``python make_one_format_data.py``. A between design (each candidate one
format) with three groups: the reference group A was interviewed live only, B and C in
both formats; 8 raters rate both formats, 3 per candidate, on 3 questions. The CSV is
committed beside this script, so neither it nor R is needed when the tests run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

if __name__ == "__main__":
    rng = np.random.default_rng(2022)
    n_cand, n_raters, n_questions = 48, 8, 3
    group = np.array(["A", "B", "C"])[np.arange(n_cand) % 3]
    # A live only; B and C alternate between the formats
    fmt = np.where((group == "A") | (np.arange(n_cand) % 2 == 0), "live", "async")
    ability = rng.normal(0.0, 0.8, n_cand)
    severity = rng.normal(0.0, 0.4, n_raters)
    shift = {("B", "async"): -0.3, ("C", "async"): -0.6, ("B", "live"): 0.1}
    rows = []
    for c in range(n_cand):
        for r in rng.choice(n_raters, size=3, replace=False):
            for q in range(n_questions):
                mu = 3.0 + ability[c] + severity[r] + 0.2 * q
                mu += shift.get((str(group[c]), str(fmt[c])), 0.0)
                score = mu + rng.normal(0.0, 0.6)
                rows.append((f"c{c:02d}", f"r{r}", f"q{q}", fmt[c], group[c], round(score, 6)))
    out = pd.DataFrame(
        rows, columns=["candidate_id", "rater_id", "question_id", "format", "group", "score"]
    )
    out.to_csv("reference_one_format.csv", index=False)
