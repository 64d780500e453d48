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

import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd

from interviewlab.reliability import icc, krippendorff_alpha

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Row, measure, median_time


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


def _kripp_loop(wide: np.ndarray, n_boot: int, seed: int) -> list[float]:
    """Alpha and ``n_boot`` unit resamples, each a call of the ``krippendorff`` package."""
    rng = np.random.default_rng(seed)
    out = [krippendorff.alpha(wide, level_of_measurement="interval")]
    for _ in range(n_boot):
        cols = rng.integers(0, wide.shape[1], wide.shape[1])
        out.append(krippendorff.alpha(wide[:, cols], level_of_measurement="interval"))
    return out


def workloads(options: object) -> list[Row]:
    """Rows for ``make bench``: ICC vs pingouin, Krippendorff's alpha vs the package."""
    import pingouin as pg

    repeats = int(getattr(options, "repeats", 5))
    quick = bool(getattr(options, "quick", False))
    rows = []
    data = ratings(10_000, 5, 0.0, seed=2)
    ours, peak, _ = measure(lambda: icc(data), repeats)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pingouin's pandas deprecation warnings
        ref, _ = median_time(
            lambda: pg.intraclass_corr(
                data, targets="candidate_id", raters="rater_id", ratings="score"
            ),
            repeats,
        )
    rows.append(
        Row(
            "ICC, six forms with CIs, 10,000 x 5",
            ours,
            "pingouin intraclass_corr",
            anchor_s=ref,
            goal=">= 5x",
            goal_ratio=5.0,
            peak_mb=peak,
        )
    )
    data = ratings(5000, 10, 0.30, seed=1)
    wide = data.pivot(index="rater_id", columns="candidate_id", values="score").to_numpy(float)
    ours, peak, _ = measure(
        lambda: krippendorff_alpha(data, level="interval", n_boot=1000, seed=0), repeats
    )
    sample = 10 if quick else 50
    ref, _ = median_time(lambda: _kripp_loop(wide, sample, seed=0), max(1, min(repeats, 3)))
    rows.append(
        Row(
            "Krippendorff alpha interval + 1,000 bootstrap, 5,000 x 10, 30% missing",
            ours,
            "krippendorff package loop",
            anchor_s=ref * (1000 + 1) / (sample + 1),
            goal=">= 25x",
            goal_ratio=25.0,
            peak_mb=peak,
            note=f"extrapolated from {sample} resamples",
        )
    )
    return rows


if __name__ == "__main__":
    main()
