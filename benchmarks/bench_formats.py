"""Benchmark the format comparison: compare_formats on the demo study and format_power.

Run with ``python benchmarks/bench_formats.py`` (``--n-sims 50`` for a quick look).
Targets (issue 13): compare_formats on the demo in under 0.5 s; format_power with 500
simulations of a 300-candidate, 12-rater study in under 30 s on a 2-core machine
(``--n-jobs 2``). Prints wall-clock times; nothing is asserted.
"""

from __future__ import annotations

import argparse
import time
import warnings

import interviewlab as il


def time_compare(repeat: int) -> float:
    """Best of ``repeat`` runs of compare_formats by ethnicity on the demo study."""
    study = il.load_study("demo")
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", il.InterviewLabWarning)  # unknown ethnicities
            il.compare_formats(
                study.ratings, candidates=study.candidates, group="ethnicity", reference="White"
            )
        best = min(best, time.perf_counter() - start)
    return best


def time_power(n_sims: int, n_jobs: int) -> tuple[float, float]:
    """Wall-clock time and power of format_power at 300 candidates and 12 raters."""
    start = time.perf_counter()
    res = il.format_power(
        n_candidates=300,
        n_raters=12,
        effect=-0.3,
        n_sims=n_sims,
        seed=1,
        n_jobs=n_jobs,
        progress=False,
    )
    return time.perf_counter() - start, float(res["power"].iloc[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-sims", type=int, default=500)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    seconds = time_compare(args.repeat)
    print(
        f"compare_formats, demo (8,025 ratings, 600 candidates): {seconds:.3f} s (best of "
        f"{args.repeat}; target < 0.5 s)"
    )
    seconds, power = time_power(args.n_sims, args.n_jobs)
    print(
        f"format_power, {args.n_sims} sims x 300 candidates x 12 raters, n_jobs="
        f"{args.n_jobs}: {seconds:.1f} s (power {power:.2f}; target < 30 s for 500 sims)"
    )


if __name__ == "__main__":
    main()
