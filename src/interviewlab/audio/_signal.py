"""Per-frame signal measures of a recorded answer and what is decided from their contours.

No I/O and no streaming here (see features.py and _stream.py): the functions take frames
of the mono signal at :data:`SR` (16 kHz), or the per-frame contours of the whole file.
librosa and scipy are imported inside the functions that need them, so that ``import
interviewlab`` does not pay for them.
"""

from __future__ import annotations

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
#: SNR: the noise floor is the mean power of the frames at or below this percentile of
#: frame level; those frames are taken as steady noise when the 1st to 10th percentiles
#: span at most MAX_FLOOR_SPREAD_DB (else the SNR gets a note). Clamped to SNR_RANGE (dB).
NOISE_PERCENTILE, MAX_FLOOR_SPREAD_DB = 10.0, 3.0
SNR_RANGE = (-20.0, 100.0)

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
    "snr": [NOISE_PERCENTILE, MAX_FLOOR_SPREAD_DB, *SNR_RANGE],
    "version": 3,
}


@dataclass(frozen=True)
class Activity:
    """Voice activity of one file: a boolean per 10 ms frame and its segments."""

    speech: np.ndarray  # bool per frame
    segments: list[tuple[int, int]]  # [start, stop) frame indices of speech
    threshold_db: float


def level_db(power_frames: np.ndarray) -> np.ndarray:
    """RMS level (dBFS) of each frame, from frames of the squared signal (25 ms every 10 ms)."""
    ms = np.mean(power_frames, axis=1)
    return 10 * np.log10(np.maximum(ms, 1e-10))  # -100 dB floor for digital silence


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index pairs of the True runs of a boolean array."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def voice_activity(levels: np.ndarray) -> Activity:
    """Speech frames from energy with an adaptive threshold (see features.py Notes)."""
    floor = float(np.percentile(levels, 10))
    level = float(np.percentile(levels, 95))
    threshold = floor + VAD_FRACTION * (level - floor)
    lowest = floor + VAD_MIN_ABOVE_FLOOR_DB
    threshold = min(max(threshold, lowest), max(level - VAD_MAX_BELOW_LEVEL_DB, lowest))
    if level - floor < 2 * VAD_MIN_ABOVE_FLOOR_DB:
        # no distinct silence in the file (a steady tone, continuous speech): every frame
        # above an absolute floor is active
        threshold = max(floor - VAD_MIN_ABOVE_FLOOR_DB, ABSOLUTE_FLOOR_DBFS)
    speech = levels > threshold
    fps = SR / HOP
    # bridge silences shorter than a pause, then drop bursts shorter than MIN_SPEECH_S
    segs = runs(speech)
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


def pitch(segment: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """YIN f0 and a voicing flag of each 50 ms frame (every 20 ms) of a padded stretch.

    ``segment`` holds whole frames of the zero-padded signal (as :class:`Framer` gives
    them): frame ``i`` is ``segment[i * PITCH_HOP : i * PITCH_HOP + PITCH_FRAME]``. Returns
    ``(f0_hz, voiced)``, one value per frame; voiced means that the normalised
    autocorrelation at the YIN period exceeds :data:`VOICING_CORR`.
    """
    import librosa

    f0 = librosa.yin(
        segment,
        fmin=FMIN,
        fmax=FMAX,
        sr=SR,
        frame_length=PITCH_FRAME,
        hop_length=PITCH_HOP,
        center=False,
    )
    half = PITCH_FRAME // 2
    frames = np.lib.stride_tricks.sliding_window_view(segment, PITCH_FRAME)[::PITCH_HOP][: f0.size]
    lag = np.clip(np.round(SR / f0).astype(np.int64), 1, half - 1)
    corr = np.empty(f0.size)
    cols = np.arange(half)
    for start in range(0, f0.size, 2048):  # chunks keep memory flat for long stretches
        block = frames[start : start + 2048]
        a = block[:, :half]
        b = np.take_along_axis(block, cols[None, :] + lag[start : start + 2048, None], axis=1)
        num = np.sum(a * b, axis=1)
        den = np.sqrt(np.sum(a * a, axis=1) * np.sum(b * b, axis=1))
        corr[start : start + 2048] = np.where(den > 0, num / np.maximum(den, 1e-20), 0.0)
    return f0, corr > VOICING_CORR


def intensity_db(power_frames: np.ndarray) -> np.ndarray:
    """Intensity (dB) of each 40 ms frame, Hann-weighted, from frames of the squared signal.

    The contour of the nuclei search. Taking frames of ``y ** 2`` rather than squaring
    frames of ``y`` squares each sample once instead of once per overlapping frame.
    """
    weights = np.hanning(power_frames.shape[1])
    power = power_frames @ (weights / weights.sum())
    return 10 * np.log10(np.maximum(power, 1e-10))


def syllable_nuclei(intensity: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    """Frame indices of syllable nuclei after de Jong & Wempe (2009).

    ``intensity`` is the contour of :func:`intensity_db` (40 ms Hann window, 10 ms hop);
    candidate nuclei are its peaks that lie above both the median intensity and the 99th
    percentile minus 25 dB; a peak is kept when the contour dips at least 2 dB between it
    and any higher neighbouring peak on each side (its topographic prominence); finally a
    nucleus must be voiced.
    """
    threshold = max(float(np.median(intensity)), float(np.percentile(intensity, 99)) - SILENCE_DB)
    from scipy.signal import find_peaks  # imported here: `import interviewlab` stays fast

    peaks, _ = find_peaks(intensity, height=threshold, prominence=MIN_DIP_DB)
    return peaks[voiced[np.minimum(peaks, voiced.size - 1)]]


def noise_floor_snr(levels: np.ndarray, mean_power: float) -> tuple[float, str | None]:
    """SNR (dB) of the whole signal against the power of its quietest frames, and a note.

    The noise power is the mean power of the frames at or below the
    :data:`NOISE_PERCENTILE` th percentile of the frame levels (25 ms frames every 10 ms:
    the pauses of an answer); the signal power is the file's mean power less that noise
    power; the ratio is clamped to :data:`SNR_RANGE`. The note is None when those
    quietest frames are as steady as noise (their levels within
    :data:`MAX_FLOOR_SPREAD_DB` between the 1st and the 10th percentile), else says why
    the figure should be read with care.
    """
    p1, floor = np.percentile(levels, [1.0, NOISE_PERCENTILE])
    noise = float(np.mean(10 ** (levels[levels <= floor] / 10)))
    signal = mean_power - noise
    snr = SNR_RANGE[0] if signal <= 0 else float(np.clip(10 * np.log10(signal / noise), *SNR_RANGE))
    spread = float(floor - p1)
    if spread <= MAX_FLOOR_SPREAD_DB:
        return snr, None
    return snr, (
        f"unsteady noise floor (the quietest frames spread over {spread:.0f} dB): few "
        "pauses or intermittent noise"
    )


def bandwidth_hz(freqs: np.ndarray, psd: np.ndarray) -> float:
    """Highest frequency whose long-term spectrum is within 50 dB of the spectrum's peak."""
    db = 10 * np.log10(np.maximum(psd, 1e-30))
    above = np.flatnonzero(db >= db.max() - BANDWIDTH_DROP_DB)
    return float(freqs[above[-1]])
