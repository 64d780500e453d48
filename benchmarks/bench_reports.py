"""Time the report notebooks on the demo study (goal: the three main reports < 30 s total).

Run with ``make bench`` or ``.venv/bin/python benchmarks/bench_reports.py``.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import interviewlab as il
from interviewlab.reporting import available_reports

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Row

MAIN = ["reliability", "adverse_impact_audit", "panel_training"]
OTHER = ["study_overview", "panel_effects"]


def main() -> None:
    total = 0.0
    with tempfile.TemporaryDirectory() as out:
        for name in [*MAIN, *OTHER]:
            study = None if name == "panel_training" else "demo"
            start = time.perf_counter()
            il.run_report(name, study=study, out=out, progress=False)
            elapsed = time.perf_counter() - start
            if name in MAIN:
                total += elapsed
            print(f"{name:24s} {elapsed:6.1f} s")
    print(f"{'three main reports':24s} {total:6.1f} s  (goal < 30 s)")


def workloads(options: object) -> list[Row]:
    """Row for ``make bench``: every report on the demo study, as ``make report`` runs it."""
    exe = Path(sys.executable).with_name("interviewlab")
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run(
            [str(exe), "report", "all", "--study", "demo", "--out", out],
            check=True,
            capture_output=True,
            env={**os.environ, "MPLBACKEND": "Agg"},
        )
        took = time.perf_counter() - start
    return [
        Row(
            f"every report on the demo study ({len(available_reports())} notebooks)",
            took,
            "-",
            goal="< 30 s in total",
            goal_seconds=30.0,
            note="one run, CLI start included",
        )
    ]


if __name__ == "__main__":
    main()
