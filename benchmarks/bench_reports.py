"""Time the report notebooks on the demo study (goal: the three main reports < 30 s total).

Run with ``make bench`` or ``.venv/bin/python benchmarks/bench_reports.py``.
"""

import tempfile
import time

import interviewlab as il

MAIN = ["reliability", "adverse_impact_audit", "panel_training"]


def main() -> None:
    total = 0.0
    with tempfile.TemporaryDirectory() as out:
        for name in [*MAIN, "study_overview"]:
            study = None if name == "panel_training" else "demo"
            start = time.perf_counter()
            il.run_report(name, study=study, out=out, progress=False)
            elapsed = time.perf_counter() - start
            if name in MAIN:
                total += elapsed
            print(f"{name:24s} {elapsed:6.1f} s")
    print(f"{'three main reports':24s} {total:6.1f} s  (goal < 30 s)")


if __name__ == "__main__":
    main()
