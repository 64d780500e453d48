"""Write reactions.csv for polr_reference.R (deterministic: a fixed seed).

Run from this folder: ``python make_polr_data.py``. Two Likert items (1-5) answered by 240
candidates, each in one format, with a group column; the CSV is committed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

if __name__ == "__main__":
    rng = np.random.default_rng(8)
    n = 240
    fmt = np.where(np.arange(n) % 2 == 0, "async", "live")
    group = np.where(rng.random(n) < 0.4, "b", "a")
    rows = []
    for item, shift in (("fairness", -0.7), ("comfort", -0.3)):
        latent = rng.logistic(size=n) + shift * (fmt == "async") - 0.4 * (group == "b")
        response = np.digitize(latent, [-1.8, -0.6, 0.6, 1.8]) + 1
        for i in range(n):
            rows.append((f"c{i:03d}", item, int(response[i]), fmt[i], group[i]))
    out = pd.DataFrame(rows, columns=["candidate_id", "item", "response", "format", "group"])
    out.to_csv("reactions.csv", index=False)
