"""Run every benchmark script's workloads and print one table (``make bench``).

Run with ``.venv/bin/python benchmarks/run_all.py`` (``--quick`` for fewer repeats and
smaller sizes, ``--large`` to add the 1.05M-rating lme4 row, ``--only mixed`` to run one
script). Each ``benchmarks/bench_*.py`` that defines ``workloads(options)`` contributes
rows (see ``_harness.py`` for the contract); the table is printed, written to
``benchmarks/results/<date>.csv`` and its summary replaces the one in
``benchmarks/README.md`` together with the machine it ran on.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import Row, machine, table, today, update_readme, write_csv  # noqa: E402

# workloads the issue asks for whose script belongs to another issue: a note row until
# the script is on main
EXPECTED: dict[str, Row] = {}  # (bench_audio's row was here until issue 15 plugged it in)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller sizes")
    parser.add_argument("--large", action="store_true", help="add the 1.05M-rating lme4 row")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per workload")
    parser.add_argument("--only", nargs="*", default=None, help="script names, e.g. mixed")
    parser.add_argument("--no-readme", action="store_true", help="do not update README.md")
    options = parser.parse_args()
    if options.quick:
        options.repeats = min(options.repeats, 3)
    warnings.simplefilter("ignore")  # small-sample and convergence warnings: not timed

    scripts = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if options.only:
        scripts = [s for s in scripts if s.removeprefix("bench_") in options.only]
    rows: list[Row] = []
    started = time.perf_counter()
    for name in scripts:
        print(f"== {name}", flush=True)
        module = importlib.import_module(name)
        if not hasattr(module, "workloads"):
            print(f"   {name}.py has no workloads(); run it alone to see its output")
            continue
        t0 = time.perf_counter()
        try:
            new = list(module.workloads(options))
        except Exception as exc:  # a broken script is a row, not a crash of the table
            traceback.print_exc()
            new = [Row(name, None, "-", note=f"failed: {type(exc).__name__}: {exc}")]
        for row in new:
            row.script = name
        rows.extend(new)
        print(table(new), flush=True)
        print(f"   ({time.perf_counter() - t0:.0f} s)", flush=True)
    for name, row in EXPECTED.items():
        if name not in scripts and not options.only:
            row.note = f"{name}.py not on main yet"
            row.script = name
            rows.append(row)

    info = machine()
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print()
    print(f"Machine: {', '.join(f'{k} {v}' for k, v in info.items())}")
    print(f"Total time: {time.perf_counter() - started:.0f} s")
    print(table(rows))
    out = HERE / "results" / f"{today()}.csv"
    write_csv(rows, out)
    print(f"written {out.relative_to(HERE.parent)}")
    if not options.no_readme and not options.only:
        update_readme(rows, info, when, HERE / "README.md")
        print("updated benchmarks/README.md")


if __name__ == "__main__":
    main()
