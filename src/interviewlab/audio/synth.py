"""Synthetic recorded answers for simulated studies (deterministic, no speech engine)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import signal as sps

from interviewlab.data import Study
from interviewlab.errors import InterviewLabError

__all__ = ["synthesize_recordings"]

_SR = 16_000


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


def synthesize_recordings(
    study: Study,
    folder: str | os.PathLike[str],
    *,
    seed: int,
    seconds: float = 4.0,
    quality: str = "recording_quality",
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

    Returns
    -------
    Study
        The study loaded from ``folder``, with a ``recording`` column in candidates.

    Notes
    -----
    Quality ``q`` sets the added white noise to an SNR of ``5 + 35 q`` dB, and a
    recording with ``q < 0.4`` is band-limited to the telephone band (300-3400 Hz,
    elliptic band-pass), so that a planted quality gap between groups becomes a gap in
    measured SNR and bandwidth. Speaking rate (3-5 syllables/s) and pitch (100-220 Hz)
    are drawn independently of group and quality.

    Examples
    --------
    >>> import tempfile, interviewlab as il
    >>> study = il.simulate_study(seed=1, n_candidates=8, n_raters=3, n_questions=2,
    ...                           n_requisitions=2, focal_recording_gap=0.2)
    >>> linked = synthesize_recordings(study, tempfile.mkdtemp(), seed=1, seconds=1.0)
    >>> linked.candidates["recording"].iloc[0]
    'C00001.wav'
    """
    import soundfile as sf

    if quality not in study.candidates.columns:
        raise InterviewLabError(
            f"The study's candidates have no {quality!r} column; pass quality= naming the "
            "column of recording quality (0 to 1)."
        )
    if not seconds > 0:
        raise InterviewLabError(f"seconds must be positive, got {seconds!r}")
    root = Path(folder)
    (root / "recordings").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    sos = sps.ellip(8, 0.5, 70, [300, 3400], btype="bandpass", fs=_SR, output="sos")
    names = []
    values = pd.to_numeric(study.candidates[quality], errors="coerce")
    for cid, value in zip(study.candidates["candidate_id"], values, strict=True):
        q = float(np.clip(value, 0.0, 1.0)) if pd.notna(value) else 1.0
        x = _answer(rng, seconds, f0=float(rng.uniform(100, 220)), rate=float(rng.uniform(3, 5)))
        snr = 5 + 35 * q
        power = np.mean(x**2)
        x = x + rng.standard_normal(x.size) * np.sqrt(power / 10 ** (snr / 10))
        if q < 0.4:  # the channel band-limits speech and room noise alike
            x = sps.sosfilt(sos, x)
        name = f"{cid}.wav"
        sf.write(root / "recordings" / name, 0.5 * x / np.abs(x).max(), _SR, subtype="PCM_16")
        names.append(name)
    candidates = study.candidates.assign(recording=names)
    Study(study.meta, candidates, study.ratings, dict(study.files)).save(root)
    return Study.load(root)
