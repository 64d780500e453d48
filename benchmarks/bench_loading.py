"""Benchmark: peak memory of loading a study with many ratings.

Run with ``.venv/bin/python benchmarks/bench_loading.py`` (200,000 ratings) or
``.venv/bin/python benchmarks/bench_loading.py 2000000`` (2 million ratings, a CSV of
about 45 MB). The study is written to a temporary folder first; loading then runs in a
fresh child process, so that its peak resident set size (``ru_maxrss``) is the loader's
alone. Prints the file size, the peak RSS (in total, and above the interpreter with its
imports), their ratios to the file size and the time; the target is a peak under 10 times
the file size.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CHILD = """
import resource, sys, time, warnings
import interviewlab as il
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    study = il.load_study(sys.argv[1])
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(base, peak, elapsed, len(study.ratings))
"""


def write_study(folder: Path, n_ratings: int, seed: int = 1) -> Path:
    """A valid study: 5 questions x 4 raters per candidate, two formats."""
    rng = np.random.default_rng(seed)
    per_candidate = 20
    n_candidates = max(2, n_ratings // per_candidate)
    ids = np.array([f"C{i:07d}" for i in range(n_candidates)])
    candidates = pd.DataFrame(
        {
            "candidate_id": ids,
            "sex": rng.choice(["F", "M"], n_candidates),
            "ethnicity": rng.choice(["Asian", "Black", "White"], n_candidates),
        }
    )
    cand = np.repeat(ids, per_candidate)[:n_ratings]
    k = np.tile(np.arange(per_candidate), n_candidates)[:n_ratings]
    ratings = pd.DataFrame(
        {
            "candidate_id": cand,
            "rater_id": np.char.add(
                "R", (k // 5 + 4 * (np.arange(len(k)) // 2000 % 50)).astype(str)
            ),
            "question_id": np.char.add("q", (k % 5 + 1).astype(str)),
            "format": np.where(np.arange(len(k)) // per_candidate % 2 == 0, "async", "live"),
            "score": rng.integers(1, 6, len(k)),
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "study.toml").write_text(
        'name = "bench"\n[rubric]\nmin = 1\nmax = 5\n[groups]\ncolumns = ["sex", "ethnicity"]\n',
        encoding="utf-8",
    )
    candidates.to_csv(folder / "candidates.csv", index=False)
    ratings.to_csv(folder / "ratings.csv", index=False)
    return folder


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--write":
        write_study(Path(sys.argv[2]), int(sys.argv[3]))
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "study"
        # written by a child process: Linux keeps a parent's peak RSS in its children's
        # ru_maxrss across fork and exec, so this process must stay small
        subprocess.run([sys.executable, __file__, "--write", str(folder), str(n)], check=True)
        size = sum(p.stat().st_size for p in folder.iterdir())
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(folder)], capture_output=True, text=True, check=True
        )
        wall = time.perf_counter() - start
    base_kb, peak_kb, elapsed, n_loaded = out.stdout.split()
    extra = (int(peak_kb) - int(base_kb)) * 1024
    print(f"ratings loaded:     {int(n_loaded):,}")
    print(f"files:              {size / 1e6:.1f} MB")
    print(
        f"peak RSS of load:   {extra / 1e6:.0f} MB above the imports "
        f"({int(peak_kb) / 1e3:.0f} MB total)"
    )
    print(f"peak / file size:   {extra / size:.1f}x above the imports (target < 10x), ")
    print(f"                    {int(peak_kb) * 1024 / size:.1f}x in total")
    print(f"load time:          {float(elapsed):.1f} s ({wall:.1f} s with the child's start)")


if __name__ == "__main__":
    main()
