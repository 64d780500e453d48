"""Synthetic recorded answers for simulated studies (deterministic, no speech engine)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from interviewlab.data import Study
from interviewlab.errors import InterviewLabError

__all__ = ["synthesize_recordings", "with_synthetic_recordings"]

_SR = 16_000
#: Bumped whenever the synthesis changes, so that cached recordings are made again.
_VERSION = 2


def _answer(rng: np.random.Generator, seconds: float, f0: float, rate: float) -> np.ndarray:
    """Speech-like audio: voiced syllables (harmonics of a gliding f0) with pauses."""
    out = []
    t_total = 0.0
    while t_total < seconds:
        n_syll = int(rng.integers(3, 9))
        for _ in range(n_syll):
            dur = float(np.clip(rng.normal(1 / rate, 0.25 / rate), 0.08, 0.5))
            n = int(dur * _SR)
            t = np.arange(n) / _SR
            f = f0 * (1 + 0.06 * rng.standard_normal()) * (1 - 0.1 * t / max(dur, 1e-3))
            phase = 2 * np.pi * np.cumsum(np.full(n, f)) / _SR
            voiced = sum(np.sin(k * phase) / k for k in range(1, 10))
            env = np.sin(np.pi * t / dur) ** 2
            # a consonant: a short broadband burst at the syllable's onset (as fricatives
            # and plosives give speech energy up to 8 kHz)
            burst = rng.standard_normal(n) * np.exp(-t / 0.03) * 0.3
            out.append(0.1 * (np.asarray(voiced) * env + burst))
            t_total += dur
        pause = float(rng.uniform(0.35, 0.8))
        out.append(np.zeros(int(pause * _SR)))
        t_total += pause
    return np.concatenate(out)[: int(seconds * _SR)]


def _quality_and_targets(
    study: Study, quality: str, for_format: str | None
) -> tuple[pd.Series, pd.Series]:
    """Each candidate's quality in [0, 1] (missing -> 1) and whether they get a recording."""
    if quality not in study.candidates.columns:
        raise InterviewLabError(
            f"The study's candidates have no {quality!r} column; pass quality= naming the "
            "column of recording quality (0 to 1)."
        )
    if for_format is not None and for_format not in study.formats:
        raise InterviewLabError(
            f"for_format={for_format!r} is not one of the study's formats {study.formats}."
        )
    values = pd.to_numeric(study.candidates[quality], errors="coerce")
    q = values.clip(0.0, 1.0).fillna(1.0)
    if for_format is None:
        wanted = pd.Series(True, index=study.candidates.index)
    else:
        rated = study.ratings.loc[study.ratings["format"] == for_format, "candidate_id"]
        wanted = study.candidates["candidate_id"].isin(set(rated))
    return q, wanted


def _write(
    study: Study, folder: Path, q: pd.Series, wanted: pd.Series, seed: int, seconds: float
) -> list[str]:
    """Write the recordings into ``folder``; the file name per candidate ("" for none)."""
    import soundfile as sf
    from scipy import signal as sps  # imported here: `import interviewlab` stays fast

    if not seconds > 0:
        raise InterviewLabError(f"seconds must be positive, got {seconds!r}")
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    sos = sps.ellip(8, 0.5, 70, [300, 3400], btype="bandpass", fs=_SR, output="sos")
    names = []
    for cid, value, take in zip(study.candidates["candidate_id"], q, wanted, strict=True):
        if not take:
            names.append("")
            continue
        x = _answer(rng, seconds, f0=float(rng.uniform(100, 220)), rate=float(rng.uniform(3, 5)))
        snr = 5 + 25 * float(value)
        power = np.mean(x**2)
        x = x + rng.standard_normal(x.size) * np.sqrt(power / 10 ** (snr / 10))
        if value < 0.4:  # the channel band-limits speech and room noise alike
            x = sps.sosfilt(sos, x)
        name = f"{cid}.wav"
        sf.write(folder / name, 0.5 * x / np.abs(x).max(), _SR, subtype="PCM_16")
        names.append(name)
    return names


def synthesize_recordings(
    study: Study,
    folder: str | os.PathLike[str],
    *,
    seed: int,
    seconds: float = 4.0,
    quality: str = "recording_quality",
    for_format: str | None = None,
) -> Study:
    """Write one synthetic recording per candidate and return the study linked to them.

    Parameters
    ----------
    study : Study
        A study whose candidates have a recording-quality column in [0, 1] (as
        :func:`interviewlab.simulate_study` plants it).
    folder : str or path
        The study folder to write: the study's tables and ``recordings/`` with one
        16 kHz mono WAV per candidate; the returned study is loaded from it.
    seed : int
        Seed: the same seed writes the same files.
    seconds : float, default 4.0
        Length of each recording.
    quality : str, default "recording_quality"
        The candidate column of recording quality.
    for_format : str, optional
        A format label (e.g. ``"async"``): only candidates with ratings in that format
        get a recording, the others an empty ``recording`` cell. Default: everyone.

    Returns
    -------
    Study
        The study loaded from ``folder``, with a ``recording`` column in candidates.

    Raises
    ------
    InterviewLabError
        If the quality column is missing, ``for_format`` is not a format of the study or
        ``seconds`` is not positive.

    Notes
    -----
    Quality ``q`` sets the added white noise to an SNR of ``5 + 25 q`` dB, and a
    recording with ``q < 0.4`` is band-limited to the telephone band (300-3400 Hz,
    elliptic band-pass), so that a planted quality gap between groups becomes a gap in
    measured SNR and bandwidth. The SNRs stay within 5-30 dB, where ``audio_features``
    reads these signals within about 1 dB (``tests/audio/test_snr.py``); the telephone
    band-pass removes speech and noise in different shares, which moves the ratio by up
    to about 2.5 dB. Speaking rate (3-5 syllables/s) and pitch (100-220 Hz) are drawn
    independently of group and quality. Missing quality values count as 1 (a clean
    recording).

    Examples
    --------
    >>> import tempfile, interviewlab as il
    >>> study = il.simulate_study(seed=1, n_candidates=8, n_raters=3, n_questions=2,
    ...                           n_requisitions=2, focal_recording_gap=0.2)
    >>> linked = synthesize_recordings(study, tempfile.mkdtemp(), seed=1, seconds=1.0)
    >>> linked.candidates["recording"].iloc[0]
    'C00001.wav'
    """
    q, wanted = _quality_and_targets(study, quality, for_format)
    root = Path(folder)
    names = _write(study, root / "recordings", q, wanted, seed, seconds)
    candidates = study.candidates.assign(recording=names)
    Study(study.meta, candidates, study.ratings, dict(study.files), study.raters).save(root)
    return Study.load(root)


def with_synthetic_recordings(
    study: Study,
    *,
    seed: int,
    seconds: float = 3.0,
    quality: str = "recording_quality",
    for_format: str | None = "async",
    cache_dir: str | os.PathLike[str] | None = None,
) -> Study:
    """The study linked to synthetic recordings made once and kept in a cache.

    For simulated studies (such as the bundled demo) that plant recording quality but
    ship no audio: the recordings are written by the same synthesis as
    :func:`synthesize_recordings` into a cache folder named by a hash of what they
    depend on, and a later call with the same inputs reuses them.

    Parameters
    ----------
    study : Study
        A study whose candidates have the ``quality`` column (0 to 1).
    seed : int
        Seed of the synthesis.
    seconds : float, default 3.0
        Length of each recording.
    quality : str, default "recording_quality"
        The candidate column of recording quality.
    for_format : str or None, default "async"
        Only candidates with ratings in this format get a recording (None: everyone).
    cache_dir : str or path, optional
        Where the recordings are kept; default ``recordings/`` in
        :func:`interviewlab.default_cache_dir` (never inside the installed package).

    Returns
    -------
    Study
        The same study (same tables, not re-read) whose candidates have a ``recording``
        column and whose ``recordings_dir`` is the cache folder.

    Raises
    ------
    InterviewLabError
        As :func:`synthesize_recordings`.

    Notes
    -----
    The cache key is the SHA-256 of the candidate ids, their quality values, who gets a
    recording, the seed, the length and the synthesis version. A folder is written under
    a temporary name and renamed when complete, so an interrupted or concurrent run never
    leaves a partial folder under the key. Deleting the cache folder is always safe.

    Examples
    --------
    >>> import tempfile, interviewlab as il
    >>> study = il.simulate_study(seed=1, n_candidates=8, n_raters=3, n_questions=2,
    ...                           n_requisitions=2, focal_recording_gap=0.2)
    >>> cache = tempfile.mkdtemp()
    >>> linked = with_synthetic_recordings(study, seed=1, seconds=1.0, cache_dir=cache)
    >>> again = with_synthetic_recordings(study, seed=1, seconds=1.0, cache_dir=cache)
    >>> linked.recordings_dir == again.recordings_dir
    True
    """
    from interviewlab.audio.features import default_cache_dir

    q, wanted = _quality_and_targets(study, quality, for_format)
    if not seconds > 0:
        raise InterviewLabError(f"seconds must be positive, got {seconds!r}")
    ids = study.candidates["candidate_id"].astype(str).tolist()
    key_text = json.dumps(
        [_VERSION, int(seed), float(seconds), ids, q.round(6).tolist(), wanted.tolist()]
    )
    key = hashlib.sha256(key_text.encode()).hexdigest()[:24]
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir() / "recordings"
    root.mkdir(parents=True, exist_ok=True)
    folder = root / key
    names = [f"{cid}.wav" if take else "" for cid, take in zip(ids, wanted, strict=True)]
    if not (folder / "complete").is_file():
        staging = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=root))
        try:
            written = _write(study, staging, q, wanted, seed, seconds)
            if written != names:  # pragma: no cover - the naming rule is the same
                raise InterviewLabError("synthetic recording names do not match their key")
            (staging / "complete").write_text(key_text + "\n", encoding="utf-8")
            try:
                staging.rename(folder)
            except OSError:  # another process finished the same folder first
                if not (folder / "complete").is_file():
                    raise
        finally:
            if staging.exists():
                shutil.rmtree(staging)
    candidates = study.candidates.assign(recording=names)
    files = {**study.files, "recordings/": str(folder)}
    return Study(study.meta, candidates, study.ratings, files, study.raters)
