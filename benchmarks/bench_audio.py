"""Benchmark audio_features: real-time factor, a plain librosa.pyin loop beside it, the cache.

``make bench`` runs :func:`workloads` (10 minutes of synthetic answers of 30 s each,
written to a temporary folder; ``--quick``: 2 minutes); ``python
benchmarks/bench_audio.py --minutes 2`` runs the same alone and prints the same rows.
Targets (issue 15): the full feature set at least 5x faster than a plain per-file
``librosa.pyin`` loop and at least 100x faster than real time with ``n_jobs=2`` on a
2-core machine; a cached re-run at least 20x faster than the first. Numba compilation
and the workers are warmed up before timing (compilation is paid once per machine and
cached on disk through NUMBA_CACHE_DIR; a worker loads it in about 5 s). Peak memory is
traced (tracemalloc) in a serial run on half and on all the files, to show whether it
grows with the number of files; workers are not traced. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

import interviewlab as il

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Row, measure, table


def make_files(folder: Path, minutes: float, seconds: float, seed: int) -> list[Path]:
    """Synthetic answers (speech-like, noisy, some telephone-band) totalling ``minutes``."""
    n = max(1, round(minutes * 60 / seconds))
    study = il.simulate_study(
        seed=seed, n_candidates=n, n_raters=3, n_questions=1, n_requisitions=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", il.InterviewLabWarning)
        linked = il.synthesize_recordings(study, folder, seed=seed, seconds=seconds)
    assert linked.recordings_dir is not None
    return sorted(linked.recordings_dir.glob("*.wav"))


def pyin_loop(paths: list[Path]) -> float:
    """The plain baseline: per file, soundfile read and librosa.pyin at librosa defaults."""
    import librosa

    y, sr = sf.read(paths[0], dtype="float32", frames=16000)
    librosa.pyin(y, fmin=60, fmax=450, sr=sr)  # warm-up: numba compilation
    start = time.perf_counter()
    for path in paths:
        y, sr = sf.read(path, dtype="float32")
        librosa.pyin(y, fmin=60, fmax=450, sr=sr)
    return time.perf_counter() - start


def _peak_mb(func: Callable[[], object]) -> float:
    """Peak memory traced by tracemalloc (numpy buffers included) during one call, in MB."""
    gc.collect()
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def workloads(options: object) -> list[Row]:
    """Rows for ``make bench``: features of 10 minutes of speech, the pyin loop, the cache."""
    quick = bool(getattr(options, "quick", False))
    minutes = float(getattr(options, "minutes", None) or (2.0 if quick else 10.0))
    seconds = float(getattr(options, "seconds", 30.0))
    n_jobs = int(getattr(options, "n_jobs", 2))
    repeats = int(getattr(options, "repeats", 5))
    label = f"audio features, {minutes:g} minutes of speech, n_jobs={n_jobs}"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = make_files(folder / "study", minutes, seconds, seed=15)
        audio_s = sum(sf.info(p).duration for p in paths)
        # warm-up: numba compilation and imports, in this process and in the workers
        il.audio_features(paths[:1], n_jobs=1, progress=False)
        il.audio_features(paths[: 2 * n_jobs], n_jobs=n_jobs, progress=False)
        ours, _, first = measure(
            lambda: il.audio_features(paths, n_jobs=n_jobs, progress=False), repeats
        )
        # memory: the workers' is not traced, so a serial run on half and on all files
        half = paths[: max(1, len(paths) // 2)]
        peak_half = _peak_mb(lambda: il.audio_features(half, n_jobs=1, progress=False))
        peak = _peak_mb(lambda: il.audio_features(paths, n_jobs=1, progress=False))
        anchor = pyin_loop(paths)
        cache = folder / "cache"
        start = time.perf_counter()
        filled = il.audio_features(paths, n_jobs=n_jobs, progress=False, cache_dir=cache)
        filling = time.perf_counter() - start
        cached, _, again = measure(
            lambda: il.audio_features(paths, n_jobs=n_jobs, progress=False, cache_dir=cache),
            repeats,
        )
    same = bool(
        np.allclose(first["snr_db"], filled["snr_db"], equal_nan=True)
        and np.allclose(filled["snr_db"], again["snr_db"], equal_nan=True)
    )
    files = f"{len(paths)} files of {seconds:g} s"
    return [
        Row(
            label,
            ours,
            "librosa.pyin per-file loop",
            anchor_s=anchor,
            goal=">= 5x",
            goal_ratio=5.0,
            peak_mb=peak,
            note=f"{files}; pyin alone, one process; peak MB of a serial run: {peak_half:.0f} "
            f"for {len(half)} files, {peak:.0f} for {len(paths)}",
        ),
        Row(
            f"{label}, against real time",
            ours,
            "duration of the audio",
            anchor_s=audio_s,
            goal=">= 100x real time",
            goal_ratio=100.0,
            note=files,
        ),
        Row(
            f"{label}, cached re-run",
            cached,
            "the run filling the cache",
            anchor_s=filling,
            goal=">= 20x",
            goal_ratio=20.0,
            note="same values" if same else "VALUES DIFFER",
            checks_ok=same,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=2.0, help="total audio (minutes)")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each file")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per workload")
    print(table(workloads(parser.parse_args())))


if __name__ == "__main__":
    main()
