"""Benchmark of interviewlab.reliability against reference implementations (not a test).

Run with ``.venv/bin/python benchmarks/bench_reliability.py``. Prints wall-clock times (best
of a few repeats) of ours and the reference, measured in the same run:

- Krippendorff's alpha with a 1,000-resample bootstrap CI on 5,000 candidates x 10 raters
  with 30% of ratings missing (target: under 2 s), next to one alpha from the
  ``krippendorff`` package on the same data;
- the six ICCs with their CIs for 10,000 candidates x 5 raters, next to pingouin's
  ``intraclass_corr`` (target: at least as fast).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import krippendorff
import numpy as np
import pandas as pd

from interviewlab.reliability import icc, krippendorff_alpha


def best_of(func: Callable[[], object], repeats: int) -> float:
    """Best wall-clock time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def ratings(n: int, k: int, missing: float, seed: int) -> pd.DataFrame:
    """Long ratings on a 1-5 rubric with a fraction of ratings missing."""
    rng = np.random.default_rng(seed)
    true = rng.normal(0, 1, n)
    scores = np.clip(np.round(3 + true[:, None] + rng.normal(0, 0.8, (n, k))), 1, 5)
    long = pd.DataFrame(
        {
            "candidate_id": np.repeat(np.arange(n), k),
            "rater_id": np.tile(np.arange(k), n),
            "score": scores.ravel(),
        }
    )
    return long.loc[rng.random(len(long)) >= missing].reset_index(drop=True)


def main() -> None:
    """Run both benchmarks and print the timings."""
    data = ratings(5000, 10, 0.30, seed=1)
    wide = data.pivot(index="rater_id", columns="candidate_id", values="score").to_numpy(float)
    print(f"Krippendorff's alpha: 5,000 candidates x 10 raters, 30% missing ({len(data)} ratings)")
    for level in ("interval", "ordinal", "nominal"):
        ours = best_of(
            lambda lv=level: krippendorff_alpha(data, level=lv, n_boot=1000, seed=0), repeats=3
        )
        point = best_of(lambda lv=level: krippendorff_alpha(data, level=lv), repeats=3)
        ref = best_of(lambda lv=level: krippendorff.alpha(wide, level_of_measurement=lv), repeats=3)
        print(
            f"  {level:8s} ours, alpha + 1,000-resample bootstrap CI: {ours:6.3f} s "
            f"(point estimate only: {point:6.3f} s) | krippendorff package, one alpha: "
            f"{ref:6.3f} s"
        )

    data = ratings(10_000, 5, 0.0, seed=2)
    print("ICC (six forms with CIs): 10,000 candidates x 5 raters")
    import pingouin as pg

    ours = best_of(lambda: icc(data), repeats=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pingouin's pandas deprecation warnings
        ref = best_of(
            lambda: pg.intraclass_corr(
                data, targets="candidate_id", raters="rater_id", ratings="score"
            ),
            repeats=5,
        )
    print(f"  ours: {ours:6.3f} s | pingouin intraclass_corr: {ref:6.3f} s")


if __name__ == "__main__":
    main()
