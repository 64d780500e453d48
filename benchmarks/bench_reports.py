"""Time ``make report``'s job: every report on the demo study, with its PDF (goal < 30 s).

Run with ``make bench`` or ``.venv/bin/python benchmarks/bench_reports.py``. The command
runs as ``make report`` runs it (``interviewlab report all --study demo --pdf``), CLI
start included. The demo's synthetic recordings and librosa's compiled pitch code live
in the user cache: the first run on a new machine makes them (about 20 s more, measured
on 2 cores), every later run reads them; the row times later runs.

Beside the wall time, each run's CPU seconds over the whole process tree (CLI, workers,
fork server, kernels) are given on Linux: this process becomes a child subreaper, so
that every descendant, orphans included, is waited for and counted. On a shared machine
the CPU seconds vary less than the wall time.
"""

import ctypes
import os
import resource
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

#: from <linux/prctl.h>
_PR_SET_CHILD_SUBREAPER = 36


def _count_whole_tree() -> bool:
    """Make this process the reaper of its orphaned descendants (Linux); False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    return bool(ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_all() -> tuple[float, float | None]:
    """Wall seconds of one run of every report into a temporary folder, and its CPU seconds."""
    exe = Path(sys.executable).with_name("interviewlab")
    counted = _count_whole_tree()
    cpu = _cpu_of_children()
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run(
            [str(exe), *COMMAND, "--out", out],
            check=True,
            capture_output=True,
            env={**os.environ, "MPLBACKEND": "Agg"},
        )
        wall = time.perf_counter() - start
    while counted:  # orphans of the run (a fork server) were reparented here
        try:
            os.wait()
        except ChildProcessError:
            break
    return wall, (_cpu_of_children() - cpu) if counted else None


def workloads(options: object) -> list[Row]:
    """Row for ``make bench``: the median of up to 3 runs (1 with ``--quick``)."""
    runs = 1 if getattr(options, "quick", False) else min(getattr(options, "repeats", 3), 3)
    _run_all()  # fills the user cache on a new machine; not timed
    times = [_run_all() for _ in range(runs)]
    walls = [wall for wall, _ in times]
    spread = f"; runs {', '.join(f'{t:.1f}' for t in walls)} s" if runs > 1 else ""
    cpus = [cpu for _, cpu in times if cpu is not None]
    cpu = f"; CPU {statistics.median(cpus):.1f} s over the process tree" if cpus else ""
    return [
        Row(
            f"make report: every report on the demo with PDFs ({len(available_reports())})",
            statistics.median(walls),
            "-",
            goal="< 30 s in total",
            goal_seconds=30.0,
            note=f"median of {runs}, CLI start included{spread}{cpu}",
        )
    ]


def main() -> None:
    times = [_run_all() for _ in range(3)]
    for wall, cpu in times:
        used = "" if cpu is None else f", {cpu:.1f} s of CPU"
        print(f"interviewlab {' '.join(COMMAND)}: {wall:.1f} s wall{used}")


if __name__ == "__main__":
    main()
