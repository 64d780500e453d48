"""Per-file signal measures of a recorded answer (no I/O here; see features.py).

Every function takes a mono float signal ``y`` at :data:`SR` (16 kHz) unless it says
otherwise. librosa is imported inside the functions that need it, so that ``import
interviewlab`` does not pay for it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

#: The one analysis rate: every file is resampled to it once (soxr, high quality).
SR = 16_000
#: Frame hop and window of the energy contour and of the pitch track (10 ms, 25 ms).
HOP = 160
WIN = 400
#: Pitch search range (Hz), the YIN frame (50 ms: three periods of the lowest f0 fit in
#: it with the 25 ms integration window) and the pitch hop (20 ms, two energy frames).
FMIN, FMAX, PITCH_FRAME, PITCH_HOP = 60.0, 450.0, 800, 320
#: A frame is voiced when the normalised autocorrelation at the YIN period exceeds this.
VOICING_CORR = 0.6
#: Voice activity: threshold between noise floor and speech level (fraction), its floor
#: above the noise floor and its cap below the speech level (dB).
VAD_FRACTION, VAD_MIN_ABOVE_FLOOR_DB, VAD_MAX_BELOW_LEVEL_DB = 0.4, 6.0, 30.0
#: Frames below this level are never speech (dBFS).
ABSOLUTE_FLOOR_DBFS = -60.0
#: The shortest silence inside speech that counts as a pause, and the shortest speech.
MIN_PAUSE_S, MIN_SPEECH_S = 0.3, 0.1
#: de Jong & Wempe (2009): peaks at most this far below the 99th percentile of
#: intensity, with a dip of at least MIN_DIP_DB on both sides.
SILENCE_DB, MIN_DIP_DB = 25.0, 2.0
#: Intensity window of the nuclei search: 40 ms Hann (see audio_features Notes).
NUCLEI_WINDOW = 640
#: Effective bandwidth: highest frequency whose long-term spectrum is within this of the
#: spectrum's maximum.
BANDWIDTH_DROP_DB = 50.0
#: Clipping: runs of at least this many consecutive samples at the file's peak level.
CLIP_RUN = 3

SETTINGS = {
    "sr": SR,
    "hop": HOP,
    "win": WIN,
    "fmin": FMIN,
    "fmax": FMAX,
    "pitch_frame": [PITCH_FRAME, PITCH_HOP],
    "voicing_corr": VOICING_CORR,
    "vad": [VAD_FRACTION, VAD_MIN_ABOVE_FLOOR_DB, VAD_MAX_BELOW_LEVEL_DB, ABSOLUTE_FLOOR_DBFS],
    "pause": [MIN_PAUSE_S, MIN_SPEECH_S],
    "nuclei": [SILENCE_DB, MIN_DIP_DB, NUCLEI_WINDOW],
    "bandwidth_drop_db": BANDWIDTH_DROP_DB,
    "clip_run": CLIP_RUN,
    "version": 2,
}


@dataclass(frozen=True)
class Activity:
    """Voice activity of one file: a boolean per 10 ms frame and its segments."""

    speech: np.ndarray  # bool per frame
    segments: list[tuple[int, int]]  # [start, stop) frame indices of speech
    threshold_db: float


def frame_db(y: np.ndarray) -> np.ndarray:
    """RMS level (dBFS) of 25 ms frames every 10 ms, centred (frame i at i * 10 ms)."""
    padded = np.pad(y, WIN // 2)
    n = 1 + y.size // HOP
    frames = np.lib.stride_tricks.sliding_window_view(padded, WIN)[::HOP][:n]
    ms = np.mean(frames.astype(np.float64) ** 2, axis=1)
    return 10 * np.log10(np.maximum(ms, 1e-10))  # -100 dB floor for digital silence


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index pairs of the True runs of a boolean array."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def voice_activity(level_db: np.ndarray) -> Activity:
    """Speech frames from energy with an adaptive threshold (see features.py Notes)."""
    floor = float(np.percentile(level_db, 10))
    level = float(np.percentile(level_db, 95))
    threshold = floor + VAD_FRACTION * (level - floor)
    lowest = floor + VAD_MIN_ABOVE_FLOOR_DB
    threshold = min(max(threshold, lowest), max(level - VAD_MAX_BELOW_LEVEL_DB, lowest))
    if level - floor < 2 * VAD_MIN_ABOVE_FLOOR_DB:
        # no distinct silence in the file (a steady tone, continuous speech): every frame
        # above an absolute floor is active
        threshold = max(floor - VAD_MIN_ABOVE_FLOOR_DB, ABSOLUTE_FLOOR_DBFS)
    speech = level_db > threshold
    fps = SR / HOP
    # bridge silences shorter than a pause, then drop bursts shorter than MIN_SPEECH_S
    segs = _runs(speech)
    merged: list[list[int]] = []
    for a, b in segs:
        if merged and a - merged[-1][1] < MIN_PAUSE_S * fps:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    kept = [(a, b) for a, b in merged if b - a >= MIN_SPEECH_S * fps]
    mask = np.zeros_like(speech)
    for a, b in kept:
        mask[a:b] = True
    return Activity(speech=mask, segments=kept, threshold_db=threshold)


def pitch(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """YIN f0 per 20 ms frame and a voicing flag (normalised autocorrelation at the period).

    Returns ``(f0_hz, voiced)`` with one value per frame, frames centred at i * 20 ms.
    """
    import librosa

    f0 = librosa.yin(
        y, fmin=FMIN, fmax=FMAX, sr=SR, frame_length=PITCH_FRAME, hop_length=PITCH_HOP, center=True
    )
    half = PITCH_FRAME // 2
    padded = np.pad(y, PITCH_FRAME // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, PITCH_FRAME)[::PITCH_HOP][: f0.size]
    lag = np.clip(np.round(SR / f0).astype(np.int64), 1, half - 1)
    corr = np.empty(f0.size)
    cols = np.arange(half)
    for start in range(0, f0.size, 2048):  # chunks keep memory flat for long files
        block = frames[start : start + 2048]
        a = block[:, :half]
        b = np.take_along_axis(block, cols[None, :] + lag[start : start + 2048, None], axis=1)
        num = np.sum(a * b, axis=1)
        den = np.sqrt(np.sum(a * a, axis=1) * np.sum(b * b, axis=1))
        corr[start : start + 2048] = np.where(den > 0, num / np.maximum(den, 1e-20), 0.0)
    return f0, corr > VOICING_CORR


def syllable_nuclei(y: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    """Frame indices of syllable nuclei after de Jong & Wempe (2009).

    Intensity contour (40 ms Hann window, 10 ms hop); candidate nuclei are its peaks that lie
    above both the median intensity and the 99th percentile minus 25 dB; a peak is kept
    when the contour dips at least 2 dB between it and any higher neighbouring peak on
    each side (its topographic prominence); finally a nucleus must be voiced.
    """
    win = NUCLEI_WINDOW
    padded = np.pad(y, win // 2)
    n = 1 + y.size // HOP
    frames = np.lib.stride_tricks.sliding_window_view(padded, win)[::HOP][:n]
    weights = np.hanning(win)
    power = (frames**2) @ (weights / weights.sum())
    intensity = 10 * np.log10(np.maximum(power, 1e-10))
    threshold = max(float(np.median(intensity)), float(np.percentile(intensity, 99)) - SILENCE_DB)
    from scipy.signal import find_peaks  # imported here: `import interviewlab` stays fast

    peaks, _ = find_peaks(intensity, height=threshold, prominence=MIN_DIP_DB)
    return peaks[voiced[np.minimum(peaks, voiced.size - 1)]]


@functools.lru_cache(maxsize=1)
def _wada_table() -> tuple[np.ndarray, np.ndarray]:
    """G = log E|x| - E log|x| against SNR for Gamma(0.4) speech in Gaussian noise.

    Computed once by simulation (seeded, 400,000 draws) from the model of Kim & Stern
    (2008): clean speech amplitudes follow a Gamma distribution with shape 0.4, noise is
    Gaussian; G rises monotonically with the SNR.
    """
    rng = np.random.default_rng(2008)
    n = 400_000
    speech = rng.gamma(0.4, 1.0, n) * rng.choice([-1.0, 1.0], n)
    noise = rng.standard_normal(n)
    speech_power = float(np.mean(speech**2))
    snrs = np.arange(-20.0, 100.5, 0.5)
    g = np.empty_like(snrs)
    for i, snr in enumerate(snrs):
        x = np.abs(speech + noise * np.sqrt(speech_power / 10 ** (snr / 10)))
        x = np.maximum(x, 1e-10)
        g[i] = np.log(np.mean(x)) - np.mean(np.log(x))
    return snrs, g


def wada_snr(y: np.ndarray) -> float:
    """Blind SNR (dB) by waveform amplitude distribution analysis (Kim & Stern, 2008)."""
    x = np.abs(y.astype(np.float64))
    x = np.maximum(x / x.max(), 1e-10)
    g = float(np.log(np.mean(x)) - np.mean(np.log(x)))
    snrs, table = _wada_table()
    return float(np.interp(g, table, snrs))  # clamps to the table's -20 .. 100 dB


def clipping_ratio(x: np.ndarray, lsb: float) -> float:
    """Share of samples in runs of >= CLIP_RUN consecutive samples at the peak level."""
    peak = float(np.max(np.abs(x)))
    at_peak = np.abs(x) >= peak - lsb
    total = sum(b - a for a, b in _runs(at_peak) if b - a >= CLIP_RUN)
    return total / x.size


def bandwidth_hz(y: np.ndarray, speech: np.ndarray) -> float:
    """Highest frequency whose long-term spectrum (speech frames) is within 50 dB of its peak."""
    spans = [(a * HOP, b * HOP) for a, b in _runs(speech)]
    voiced_audio = np.concatenate([y[a:b] for a, b in spans]) if spans else y
    if voiced_audio.size < 512:
        voiced_audio = y
    from scipy.signal import welch

    freqs, psd = welch(voiced_audio, fs=SR, nperseg=512)
    db = 10 * np.log10(np.maximum(psd, 1e-30))
    above = np.flatnonzero(db >= db.max() - BANDWIDTH_DROP_DB)
    return float(freqs[above[-1]])
