"""Benchmark who-rates-whom: panel_effects and process_access on the demo study.

Run with ``python benchmarks/bench_panels.py`` (``--repeat 1`` for a quick look).
Target (issue 14): panel_effects by ethnicity on the demo (8,025 ratings, 600
candidates, 12 raters; three mixed-model fits) in under 1 s. Prints the best wall-clock
time of ``--repeat`` runs; nothing is asserted.
"""

from __future__ import annotations

import argparse
import time

import interviewlab as il


def best_time(function: str, repeat: int) -> float:
    """Best of ``repeat`` runs of ``panel_effects`` or ``process_access`` on the demo."""
    study = il.load_study("demo")
    call = {
        "panel_effects": lambda: il.panel_effects(study, group="ethnicity"),
        "process_access": lambda: il.process_access(study, group="ethnicity"),
    }[function]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for function in ("panel_effects", "process_access"):
        print(
            f"{function} on the demo: best of {args.repeat}: "
            f"{best_time(function, args.repeat):.3f} s"
        )


if __name__ == "__main__":
    main()
