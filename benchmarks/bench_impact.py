"""Benchmark: an adverse-impact audit of 1,000,000 applicants.

Run with ``.venv/bin/python benchmarks/bench_impact.py``. Prints the time of each part
and the total; the target is under 5 s for the audit on a 2-core machine.

The audit: 4 group columns (sex, ethnicity, age band, disability) and their
intersection (2 x 5 x 4 x 2 = 80 categories), 500 requisitions, 3 ordered stages.
It runs impact ratios for every stage for each group column and for the intersection,
the funnel over the intersection, and Mantel-Haenszel (women vs men, stratified by
requisition) at every stage.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from interviewlab import impact

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Row, measure, median_time

N = 1_000_000
STAGES = ["completed_async", "shortlisted", "appointed"]
GROUPS = ["sex", "ethnicity", "age_band", "disability"]


def make_data(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "requisition_id": rng.integers(0, 500, N),
            "sex": rng.choice(["F", "M"], N),
            "ethnicity": rng.choice(
                ["Asian", "Black", "Mixed", "Other", "White"], N, p=[0.15, 0.1, 0.05, 0.05, 0.65]
            ),
            "age_band": rng.choice(["<25", "25-39", "40-54", "55+"], N),
            "disability": rng.choice(["no", "yes"], N, p=[0.9, 0.1]),
        }
    )
    data.loc[rng.random(N) < 0.01, "ethnicity"] = "unknown"
    p1 = np.where(data["sex"] == "F", 0.70, 0.75)
    s1 = rng.random(N) < p1
    s2 = s1 & (rng.random(N) < np.where(data["ethnicity"] == "White", 0.30, 0.24))
    s3 = s2 & (rng.random(N) < 0.4)
    data["completed_async"] = s1.astype(np.int8)
    data["shortlisted"] = s2.astype(np.int8)
    data["appointed"] = s3.astype(np.int8)
    return data


def timed(label: str, func, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = func(*args, **kwargs)
    elapsed = time.perf_counter() - start
    print(f"{label:<58s} {elapsed:7.3f} s")
    return result, elapsed


def main() -> None:
    data, _ = timed("build 1,000,000 applicants (not part of the audit)", make_data)
    warnings.simplefilter("ignore")  # small intersectional cells warn; not timed here
    total = 0.0
    for stage in STAGES:
        for group in [*GROUPS, GROUPS]:
            name = "x".join(group) if isinstance(group, list) else group
            _, t = timed(
                f"impact_ratios {stage} by {name}",
                impact.impact_ratios,
                data,
                group=group,
                selected=stage,
                min_share=0.02,
            )
            total += t
    _, t = timed(
        "funnel over the 80 intersectional categories",
        impact.funnel,
        data,
        group=GROUPS,
        stages=STAGES,
        min_share=0.02,
    )
    total += t
    for stage in STAGES:
        _, t = timed(
            f"mantel_haenszel F vs M over 500 requisitions, {stage}",
            impact.mantel_haenszel,
            data,
            group="sex",
            selected=stage,
            strata="requisition_id",
            focal="F",
            reference="M",
        )
        total += t
    print(f"{'AUDIT TOTAL':<58s} {total:7.3f} s  (target < 5 s)")
    _, t = timed(
        "extra: impact_ratios appointed by sex x ethnicity per requisition",
        impact.impact_ratios,
        data,
        group=["sex", "ethnicity"],
        selected="appointed",
        by="requisition_id",
    )


def audit(data: pd.DataFrame) -> None:
    """The audit of ``main``: impact ratios, intersectional funnel, Mantel-Haenszel."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small intersectional cells warn
        for stage in STAGES:
            for group in [*GROUPS, GROUPS]:
                impact.impact_ratios(data, group=group, selected=stage, min_share=0.02)
        impact.funnel(data, group=GROUPS, stages=STAGES, min_share=0.02)
        for stage in STAGES:
            impact.mantel_haenszel(
                data,
                group="sex",
                selected=stage,
                strata="requisition_id",
                focal="F",
                reference="M",
            )


def bare_counts(data: pd.DataFrame) -> None:
    """The same counts by bare pandas groupby: the floor any audit pays."""
    for group in [*GROUPS, GROUPS]:
        data.groupby(group, observed=True)[STAGES].agg(["sum", "count"])
    data.groupby(["requisition_id", "sex"], observed=True)[STAGES].agg(["sum", "count"])


def workloads(options: object) -> list[Row]:
    """Rows for ``make bench``: the 1M-applicant audit against a bare groupby."""
    repeats = int(getattr(options, "repeats", 5))
    data = make_data()
    ours, peak, _ = measure(lambda: audit(data), max(1, min(repeats, 3)))
    ref, _ = median_time(lambda: bare_counts(data), repeats)
    return [
        Row(
            "audit of 1,000,000 applicants (ratios, intersectional funnel, MH 500 strata)",
            ours,
            "bare pandas groupby of the counts",
            anchor_s=ref,
            goal="<= 5x the groupby",
            goal_ratio=0.2,
            peak_mb=peak,
        )
    ]


if __name__ == "__main__":
    main()
