"""Time ``make report``'s job: every report on the demo study, with its PDF (goal < 30 s).

Run with ``make bench`` or ``.venv/bin/python benchmarks/bench_reports.py``. The command
runs as ``make report`` runs it (``interviewlab report all --study demo --pdf``), CLI
start included. The demo's synthetic recordings and librosa's compiled pitch code live
in the user cache: the first run on a new machine makes them (about 20 s more, measured
on 2 cores), every later run reads them; the row times later runs.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from interviewlab.reporting import available_reports

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Row

COMMAND = ["report", "all", "--study", "demo", "--pdf"]


def _run_all() -> float:
    """Seconds taken by one run of every report into a temporary folder."""
    exe = Path(sys.executable).with_name("interviewlab")
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run(
            [str(exe), *COMMAND, "--out", out],
            check=True,
            capture_output=True,
            env={**os.environ, "MPLBACKEND": "Agg"},
        )
        return time.perf_counter() - start


def workloads(options: object) -> list[Row]:
    """Row for ``make bench``: the median of up to 3 runs (1 with ``--quick``)."""
    runs = 1 if getattr(options, "quick", False) else min(getattr(options, "repeats", 3), 3)
    _run_all()  # fills the user cache on a new machine; not timed
    times = [_run_all() for _ in range(runs)]
    spread = f"; runs {', '.join(f'{t:.1f}' for t in times)} s" if runs > 1 else ""
    return [
        Row(
            f"make report: every report on the demo with PDFs ({len(available_reports())})",
            statistics.median(times),
            "-",
            goal="< 30 s in total",
            goal_seconds=30.0,
            note=f"median of {runs}, CLI start included{spread}",
        )
    ]


def main() -> None:
    times = [_run_all() for _ in range(3)]
    print(f"interviewlab {' '.join(COMMAND)}: {', '.join(f'{t:.1f}' for t in times)} s")


if __name__ == "__main__":
    main()
