"""Benchmark: ``interviewlab audit`` on a Parquet folder larger than memory, peak RSS.

Run with ``.venv/bin/python benchmarks/bench_scale.py [--rows 50000000]``, or through
``make bench`` (2,000,000 rows; 500,000 with ``--quick``; 50,000,000 with ``--large``).

The applicant table (requisition, sex, ethnicity with 1% unknown, age band,
disability, three nested stages) is written once in parts of 1,000,000 rows to
``$INTERVIEWLAB_BENCH_CACHE`` (default ``/tmp/interviewlab-bench-scale``) and reused;
no more than one part is ever in memory. The command runs in a child process whose
peak resident memory, summed over it and its children (Dask workers, if any), is
sampled every 20 ms; the process's own high-water mark (``VmHWM``) is read as well and
the larger is reported. The goal is a peak of at most 4 GiB at 50,000,000 rows.

The anchor, at the default sizes only: the single-machine path (``pandas.read_parquet``
of the whole folder, then the same tables with ``audit_tables``), also in a child.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Row

PART = 1_000_000
GOAL_MB = 4096.0
STAGES = ["completed_async", "shortlisted", "appointed"]
GROUPS = ["sex", "ethnicity", "age_band", "disability"]
AUDIT_ARGS = [
    "--group", *GROUPS,
    "--stages", *STAGES,
    "--intersection", "sex", "ethnicity",
    "--strata", "requisition_id",
    "--reference", "sex=M",
    "--reference", "ethnicity=White",
]  # fmt: skip

IN_MEMORY = f"""
import sys, pandas as pd
from interviewlab.reporting import ReportWriter, audit_tables
rows = pd.read_parquet(sys.argv[1])
audit_tables(rows, ReportWriter(sys.argv[2]), group={GROUPS!r}, stages={STAGES!r},
             intersection=["sex", "ethnicity"], strata="requisition_id",
             references={{"sex": "M", "ethnicity": "White"}})
"""


def cache_dir() -> Path:
    return Path(os.environ.get("INTERVIEWLAB_BENCH_CACHE", "/tmp/interviewlab-bench-scale"))


def make_part(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sex = rng.choice(np.array(["F", "M"], dtype=object), n)
    eth = rng.choice(
        np.array(["Asian", "Black", "Mixed", "Other", "White"], dtype=object),
        n,
        p=[0.15, 0.1, 0.05, 0.05, 0.65],
    )
    eth[rng.random(n) < 0.01] = "unknown"
    s1 = rng.random(n) < np.where(sex == "F", 0.70, 0.75)
    s2 = s1 & (rng.random(n) < np.where(eth == "White", 0.30, 0.24))
    s3 = s2 & (rng.random(n) < 0.4)
    return pd.DataFrame(
        {
            "requisition_id": rng.integers(0, 500, n).astype(np.int32),
            "sex": sex,
            "ethnicity": eth,
            "age_band": rng.choice(np.array(["<25", "25-39", "40-54", "55+"], dtype=object), n),
            "disability": rng.choice(np.array(["no", "yes"], dtype=object), n, p=[0.9, 0.1]),
            "completed_async": s1.astype(np.int8),
            "shortlisted": s2.astype(np.int8),
            "appointed": s3.astype(np.int8),
        }
    )


def applicant_folder(rows: int) -> Path:
    """The Parquet folder of ``rows`` applicants (written part by part on first use)."""
    folder = cache_dir() / f"applicants-{rows}"
    done = folder.with_name(folder.name + ".complete")
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    start, written, seed = time.perf_counter(), 0, 0
    while written < rows:
        n = min(PART, rows - written)
        make_part(n, seed).to_parquet(folder / f"part{seed:04d}.parquet", index=False)
        written += n
        seed += 1
    done.write_text(f"{rows}\n")
    print(f"   wrote {rows:,} rows to {folder} in {time.perf_counter() - start:.0f} s", flush=True)
    return folder


def _tree_rss(pid: int) -> float:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def _hwm(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_measured(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of ``cmd`` and its children."""
    with tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, text=True)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, _tree_rss(proc.pid), _hwm(proc.pid))
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{cmd[:4]} failed: {err.read().strip()[-800:]}")
    return elapsed, peak


def audit_cli(folder: Path, out: Path) -> tuple[float, float]:
    cmd = [sys.executable, "-m", "interviewlab.cli", "audit", str(folder), "--out", str(out)]
    return run_measured([*cmd, *AUDIT_ARGS])


def in_memory(folder: Path, out: Path) -> tuple[float, float]:
    return run_measured([sys.executable, "-c", IN_MEMORY, str(folder), str(out)])


def rows_for(options: object) -> int:
    explicit = getattr(options, "rows", None)
    if explicit:
        return int(explicit)
    if getattr(options, "large", False):
        return 50_000_000
    return 500_000 if getattr(options, "quick", False) else 2_000_000


def workloads(options: object) -> list[Row]:
    """Row for ``make bench``: the audit command's time and peak RSS on a Parquet folder."""
    rows = rows_for(options)
    folder = applicant_folder(rows)
    with tempfile.TemporaryDirectory() as tmp:
        ours, peak = audit_cli(folder, Path(tmp) / "cli")
        anchor_s, note = None, "in-memory path not run above 5M rows"
        if rows <= 5_000_000:
            anchor_s, anchor_peak = in_memory(folder, Path(tmp) / "memory")
            note = f"in-memory path peak {anchor_peak:.0f} MB"
    return [
        Row(
            f"interviewlab audit CLI on a {rows:,}-row Parquet folder (Dask counts, "
            "4 groups + intersection, funnels, MH 500 strata)",
            ours,
            "read_parquet + the same tables in pandas",
            anchor_s=anchor_s,
            goal="peak RSS <= 4 GiB at 50M rows",
            goal_peak_mb=GOAL_MB,
            peak_mb=peak,
            note=note,
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--in-memory", action="store_true", help="also run the pandas path")
    options = parser.parse_args()
    folder = applicant_folder(options.rows)
    with tempfile.TemporaryDirectory() as tmp:
        seconds, peak = audit_cli(folder, Path(tmp) / "cli")
        print(f"audit CLI, {options.rows:,} rows: {seconds:.1f} s, peak RSS {peak:.0f} MiB")
        if options.in_memory:
            seconds, peak = in_memory(folder, Path(tmp) / "memory")
            print(f"in-memory pandas, {options.rows:,} rows: {seconds:.1f} s, peak {peak:.0f} MiB")


if __name__ == "__main__":
    main()
