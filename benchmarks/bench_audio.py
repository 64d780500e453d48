"""Benchmark audio_features: real-time factor, a plain librosa.pyin loop beside it, the cache.

Run with ``python benchmarks/bench_audio.py`` (``--minutes 2`` by default: synthetic
answers of 30 s each, written to a temporary folder). Targets (issue 15): the full
feature set at least 100x faster than real time with ``--n-jobs 2`` on a 2-core machine;
a cached re-run at least 20x faster than the first; peak memory flat in the number of
files. Numba compilation is warmed up on one file before timing (it is paid once per
process and cached on disk through NUMBA_CACHE_DIR). Prints figures; nothing is asserted.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf

import interviewlab as il


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=2.0, help="total audio (minutes)")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each file")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = make_files(folder / "study", args.minutes, args.seconds, args.seed)
        audio_s = sum(sf.info(p).duration for p in paths)
        print(f"{len(paths)} files, {audio_s / 60:.1f} min of audio")
        # warm-up: numba compilation and imports, in this process and the workers
        il.audio_features(paths[:1], n_jobs=1, progress=False)
        il.audio_features(paths[:2], n_jobs=args.n_jobs, progress=False)

        start = time.perf_counter()
        il.audio_features(paths, n_jobs=1, progress=False)
        serial = time.perf_counter() - start
        print(f"audio_features n_jobs=1: {serial:.2f} s = {audio_s / serial:.0f}x real time")

        cache = folder / "cache"
        start = time.perf_counter()
        first = il.audio_features(paths, n_jobs=args.n_jobs, progress=False, cache_dir=cache)
        parallel = time.perf_counter() - start
        print(
            f"audio_features n_jobs={args.n_jobs} (filling the cache): {parallel:.2f} s = "
            f"{audio_s / parallel:.0f}x real time"
        )
        start = time.perf_counter()
        again = il.audio_features(paths, n_jobs=args.n_jobs, progress=False, cache_dir=cache)
        cached = time.perf_counter() - start
        same = np.allclose(first["snr_db"].to_numpy(), again["snr_db"].to_numpy(), equal_nan=True)
        print(
            f"cached re-run: {cached:.3f} s = {parallel / cached:.0f}x faster than the first "
            f"(same values: {same})"
        )
        baseline = pyin_loop(paths)
        print(
            f"plain librosa.pyin loop (one process): {baseline:.2f} s = "
            f"{audio_s / baseline:.0f}x real time"
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of this process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
