"""Benchmark the format comparison: compare_formats on the demo study and format_power.

Run with ``python benchmarks/bench_formats.py`` (``--n-sims 50`` for a quick look).
Targets (issue 13): compare_formats on the demo in under 0.5 s; format_power with 500
simulations of a 300-candidate, 12-rater study in under 30 s on a 2-core machine
(``--n-jobs 2``). Prints wall-clock times; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import interviewlab as il

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Row


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


def statsmodels_loop(n: int, seed: int = 1) -> float:
    """Seconds for ``n`` simulations of format_power's study fitted by statsmodels MixedLM."""
    import statsmodels.formula.api as smf

    children = np.random.SeedSequence(seed).spawn(n)
    start = time.perf_counter()
    for child in children:
        study = il.simulate_study(
            seed=int(child.generate_state(1)[0]),
            n_candidates=300,
            n_raters=12,
            design="between",
            format_effect=-0.3,
        )
        ratings = study.ratings.assign(one=1)
        model = smf.mixedlm(
            "score ~ format + C(question_id)",
            ratings,
            groups="one",
            re_formula="0",
            vc_formula={"candidate_id": "0 + C(candidate_id)", "rater_id": "0 + C(rater_id)"},
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(reml=True)
    return time.perf_counter() - start


def workloads(options: object) -> list[Row]:
    """Rows for ``make bench``: format_power (500 sims) against a MixedLM loop."""
    quick = bool(getattr(options, "quick", False))
    large = bool(getattr(options, "large", False))
    n_sims = 500 if large else 100
    start = time.perf_counter()
    time_power(n_sims, n_jobs=2)
    ours = (time.perf_counter() - start) * 500 / n_sims
    # one MixedLM fit of a 300-candidate study takes minutes: a couple are enough
    sample = 1 if quick else 2
    ref = statsmodels_loop(sample) * 500 / sample
    note = f"MixedLM extrapolated from {sample}"
    if n_sims < 500:
        note += f"; ours from {n_sims} sims (--large: 500)"
    return [
        Row(
            "format power, 500 simulations, 300 candidates x 12 raters, n_jobs=2",
            ours,
            "statsmodels MixedLM loop",
            anchor_s=ref,
            goal=">= 50x",
            goal_ratio=50.0,
            note=note,
        )
    ]


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
