"""Write the data sets that clm_reference.R fits (deterministic: a fixed seed).

Run from this folder: ``python make_clm_data.py``. Writes

* ``issue22.csv``: the separated item of issue 22 (10 async respondents all answer 5,
  10 live respondents answer 1-3), one item, no group;
* ``random.csv``: 150 small random data sets (``dataset`` 0-149), 8 to 40 respondents
  each, half async, a group ``b`` of 20-50%, Likert responses 1-5 from a
  proportional-odds model with random format and group effects; many are separated.

The CSVs are committed beside this script, so neither it nor R is needed when the tests
run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

if __name__ == "__main__":
    issue = pd.DataFrame(
        {
            "candidate_id": [f"c{i:02d}" for i in range(20)],
            "item": "fairness",
            "response": [5] * 10 + [1, 2, 3, 1, 2, 3, 1, 2, 3, 2],
            "format": ["async"] * 10 + ["live"] * 10,
            "group": "a",
        }
    )
    issue.to_csv("issue22.csv", index=False)
    rng = np.random.default_rng(22)
    parts = []
    dataset = 0
    while dataset < 150:
        n = int(rng.integers(8, 41))
        fmt = rng.permutation(np.where(np.arange(n) % 2 == 0, "async", "live"))
        group = np.where(rng.random(n) < rng.uniform(0.2, 0.5), "b", "a")
        b_format, b_group = rng.uniform(-3.0, 3.0, 2)
        latent = rng.logistic(size=n) + b_format * (fmt == "async") + b_group * (group == "b")
        response = np.digitize(latent, [-1.5, -0.5, 0.5, 1.5]) + 1
        cells = pd.crosstab(fmt, group)
        if cells.shape != (2, 2) or np.unique(response).size < 2:
            continue  # both formats, both groups, two responses or more: else redraw
        if (cells.to_numpy() == 0).sum() >= 2:
            continue  # format and group confounded
        parts.append(
            pd.DataFrame(
                {
                    "dataset": dataset,
                    "candidate_id": [f"d{dataset}c{i:02d}" for i in range(n)],
                    "item": "fairness",
                    "response": response,
                    "format": fmt,
                    "group": group,
                }
            )
        )
        dataset += 1
    pd.concat(parts, ignore_index=True).to_csv("random.csv", index=False)
