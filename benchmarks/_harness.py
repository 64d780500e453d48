"""Shared helpers of the benchmark scripts: timing, peak memory, rows, the anchor in R.

The contract between ``run_all.py`` (``make bench``) and the ``bench_*.py`` scripts:

* a script may define ``workloads(options) -> list[Row]``; ``options`` is the
  :class:`argparse.Namespace` of ``run_all.py`` (attributes ``quick``, ``large`` and
  ``repeats``; read them with ``getattr`` and a default so the script also runs alone);
* each :class:`Row` says the workload, interviewlab's median time, the anchor's name and
  median time measured in the same run (or ``None`` with a ``note`` saying why it is
  absent), the goal as a ratio ``anchor / ours`` to reach (or a time in seconds for
  ``ours``), and the peak memory of interviewlab's call;
* a script without ``workloads()`` is listed with a note, never run by ``make bench``.

Nothing here asserts a time: the table reports, the reader judges.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


@dataclass
class Row:
    """One line of the benchmark table.

    ``goal_ratio`` is the speed-up ``anchor / ours`` to reach (1 = at least as fast as the
    anchor; 0.2 = at most 5x slower); ``goal_seconds`` a wall-clock bound for ``ours``
    when there is no anchor; ``goal_peak_mb`` a bound on ``peak_mb`` (a memory goal,
    checked alone when it is the only one). ``ratio`` is ``anchor / ours`` (above 1: we are faster).
    """

    workload: str
    ours_s: float | None
    anchor: str
    anchor_s: float | None = None
    goal: str = ""
    goal_ratio: float | None = None
    goal_seconds: float | None = None
    goal_peak_mb: float | None = None
    peak_mb: float | None = None
    note: str = ""
    script: str = ""
    checks_ok: bool = True

    @property
    def ratio(self) -> float | None:
        if self.ours_s is None or self.anchor_s is None or self.ours_s <= 0:
            return None
        return self.anchor_s / self.ours_s

    @property
    def goal_met(self) -> bool | None:
        if not self.checks_ok:  # e.g. a lower optimum than the anchor's: never met
            return False
        if self.goal_peak_mb is not None:
            return None if self.peak_mb is None else self.peak_mb <= self.goal_peak_mb
        if self.goal_ratio is not None:
            r = self.ratio
            return None if r is None else r >= self.goal_ratio
        if self.goal_seconds is not None and self.ours_s is not None:
            return self.ours_s < self.goal_seconds
        return None


def measure(func: Callable[[], Any], repeats: int = 5) -> tuple[float, float, Any]:
    """Median wall-clock seconds of ``repeats`` calls and the peak traced memory (MB).

    A first call runs under :mod:`tracemalloc` (numpy and pandas buffers are traced) for
    the peak memory and warms caches; it is not timed. Returns ``(median_s, peak_mb,
    result of the last call)``.
    """
    gc.collect()
    tracemalloc.start()
    result = func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times = []
    for _ in range(max(1, repeats)):
        gc.collect()
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), peak / 1e6, result


def measure_cpu(func: Callable[[], Any], repeats: int = 3) -> tuple[float, float, Any]:
    """Median CPU and wall seconds of ``repeats`` calls after an untimed warm-up call.

    CPU seconds are this process's (all threads); the last result is returned too.

    CPU seconds are the measure on a shared machine: other processes stretch the wall
    clock, not this process's CPU time.
    """
    result = func()
    cpu, wall = [], []
    for _ in range(max(1, repeats)):
        gc.collect()
        c0, w0 = time.process_time(), time.perf_counter()
        result = func()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall), result


def load_average() -> str:
    """The 1-minute load average (how busy the machine was), or '' where unknown."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return ""


def median_time(func: Callable[[], Any], repeats: int = 5) -> tuple[float, Any]:
    """Median wall-clock seconds of ``repeats`` calls (no warm-up) and the last result."""
    times, result = [], None
    for _ in range(max(1, repeats)):
        gc.collect()
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def rscript() -> str | None:
    """Path of ``Rscript``, or ``None`` when R is not installed."""
    return shutil.which("Rscript")


def run_r(code: str, *args: str, timeout: float = 3600) -> str:
    """Run R code with ``Rscript`` and return its standard output."""
    exe = rscript()
    if exe is None:
        raise FileNotFoundError("Rscript not found")
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
        fh.write(code)
        path = fh.name
    try:
        out = subprocess.run(
            [exe, "--vanilla", path, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    finally:
        os.unlink(path)
    if out.returncode != 0:
        raise RuntimeError(f"Rscript failed: {out.stderr.strip()[-500:]}")
    return out.stdout


def machine() -> dict[str, str]:
    """Cores, memory, CPU model, Python and OS of this machine."""
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    r_version = ""
    if rscript():
        try:
            r_version = run_r('cat(R.version$major, ".", R.version$minor, sep="")', timeout=60)
        except (RuntimeError, subprocess.SubprocessError):
            r_version = "present (version unknown)"
    return {
        "cores": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else ""),
        "memory": mem,
        "cpu": cpu,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "R": r_version or "absent",
    }


def _fmt(value: float | None, spec: str, missing: str = "-") -> str:
    return missing if value is None else format(value, spec)


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table (printed and written to the README)."""
    head = "| workload | interviewlab (s) | anchor | anchor (s) | ratio | peak MB | goal | met |"
    lines = [head, "|" + "---|" * 8]
    for r in rows:
        met = {True: "yes", False: "NO", None: "-"}[r.goal_met]
        anchor = r.anchor + (f" ({r.note})" if r.note else "")
        lines.append(
            f"| {r.workload} | {_fmt(r.ours_s, '.3f')} | {anchor} | {_fmt(r.anchor_s, '.3f')} "
            f"| {_fmt(r.ratio, '.1f')}{'x' if r.ratio is not None else ''} "
            f"| {_fmt(r.peak_mb, '.0f')} | {r.goal} | {met} |"
        )
    return "\n".join(lines)


def write_csv(rows: list[Row], path: Path) -> None:
    """One line per row with the ratio and whether the goal was met."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [f.name for f in fields(Row)]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*names, "ratio", "goal_met"])
        for r in rows:
            writer.writerow([*(getattr(r, n) for n in names), r.ratio, r.goal_met])


BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"


def update_readme(rows: list[Row], info: dict[str, str], when: str, readme: Path) -> None:
    """Replace the summary between the README's bench markers (kept if absent)."""
    command = " ".join(["make bench", *sys.argv[1:]])
    block = "\n".join(
        [
            BEGIN,
            f"Latest run: {when}, `{command}`.",
            "",
            "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()) + ".",
            "",
            table(rows),
            END,
        ]
    )
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    if BEGIN in text and END in text:
        start, end = text.index(BEGIN), text.index(END) + len(END)
        text = text[:start] + block + text[end:]
    else:
        text = text.rstrip() + "\n\n## Latest results\n\n" + block + "\n"
    readme.write_text(text, encoding="utf-8")


def today() -> str:
    """UTC date of the run (the CSV's name)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
