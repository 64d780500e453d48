"""Streaming audio_features against the whole-file computation, and its pieces one by one.

The outside source of each expected value is the whole-signal computation by the
libraries the features rest on: ``soxr.resample`` of the whole file, numpy framing of the
whole zero-padded signal, ``librosa.yin(center=True)``, ``scipy.signal.welch`` over the
concatenated speech and ``pyloudnorm.Meter.integrated_loudness`` of the whole file (what
audio_features computed before it streamed). The files are short enough for both; the
block size is made small and odd so that every block boundary falls somewhere awkward.
"""

from __future__ import annotations

import gc
import itertools
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import interviewlab as il
from interviewlab.audio import _measure
from interviewlab.audio import _signal as sig
from interviewlab.audio._stream import ClipCounter, Framer, LoudnessMeter, WelchMean

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LSB = {"PCM_16": 2.0**-15, "PCM_24": 2.0**-23}


def _frames(y: np.ndarray, win: int, hop: int) -> np.ndarray:
    padded = np.pad(y, win // 2)
    return np.lib.stride_tricks.sliding_window_view(padded, win)[::hop][: 1 + y.size // hop]


def _clip_ratio(x: np.ndarray, level: float) -> float:
    at = np.abs(x) >= level
    edges = np.diff(np.concatenate([[0], at.astype(np.int8), [0]]))
    lengths = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    return float(lengths[lengths >= sig.CLIP_RUN].sum() / x.size)


def whole_file(path: Path) -> dict[str, Any]:
    """The features computed on the whole file at once (audio_features before streaming)."""
    import librosa
    import pyloudnorm
    import soxr
    from scipy.signal import welch

    info = sf.info(path)
    data, rate = sf.read(path, dtype="float64", always_2d=True)
    mono = data.mean(axis=1)
    y = np.asarray(soxr.resample(mono, rate, sig.SR, quality="HQ") if rate != sig.SR else mono)
    level = sig.level_db(_frames(y, sig.WIN, sig.HOP) ** 2)
    act = sig.voice_activity(level)
    f0 = librosa.yin(
        y, fmin=sig.FMIN, fmax=sig.FMAX, sr=sig.SR, frame_length=sig.PITCH_FRAME,
        hop_length=sig.PITCH_HOP, center=True,
    )  # fmt: skip
    f0_padded, voiced_p = sig.pitch(np.pad(y, sig.PITCH_FRAME // 2))
    assert_allclose(f0_padded, f0, rtol=1e-12)  # the padded stretch is librosa's centring
    step = sig.PITCH_HOP // sig.HOP
    voiced_p = voiced_p & act.speech[::step][: voiced_p.size]
    voiced = np.repeat(voiced_p, step)[: act.speech.size]
    intensity = sig.intensity_db(_frames(y, sig.NUCLEI_WINDOW, sig.HOP) ** 2)
    nuclei = sig.syllable_nuclei(intensity, voiced)
    speech_s = act.speech.sum() * sig.HOP / sig.SR
    spans = [y[a * sig.HOP : b * sig.HOP] for a, b in act.segments]
    speech = np.concatenate(spans) if spans else y
    freqs, psd = welch(speech if speech.size >= 512 else y, fs=sig.SR, nperseg=512)
    hz = f0[voiced_p]
    snr, note = sig.noise_floor_snr(level, float(np.mean(y**2)))
    return {
        "duration_s": mono.size / rate,
        "speech_s": speech_s,
        "syllables_per_s": nuclei.size / speech_s,
        "f0_median_hz": np.median(hz),
        "f0_sd_semitones": np.std(12 * np.log2(hz / np.median(hz)), ddof=1),
        "voiced_s": hz.size * sig.PITCH_HOP / sig.SR,
        "rms_dbfs": 10 * np.log10(np.mean(mono**2)),
        "loudness_lufs": pyloudnorm.Meter(rate).integrated_loudness(data[:, :5]),
        "snr_db": snr,
        "snr_note": note,
        "clipping_ratio": _clip_ratio(mono, np.max(np.abs(mono)) - LSB[info.subtype]),
        "bandwidth_hz": sig.bandwidth_hz(freqs, psd),
        "n_pauses": max(len(act.segments) - 1, 0),
    }


def _stereo_44k(tmp_path: Path) -> Path:
    """A 44.1 kHz stereo file: the 10 dB speech fixture left, a delayed quieter copy right."""
    import soxr

    x, _ = sf.read(FIXTURES / "speech_snr10db.wav")
    left = soxr.resample(x, 16_000, 44_100)
    right = 0.5 * np.roll(left, 300)
    path = tmp_path / "stereo44k.wav"
    sf.write(path, np.column_stack([left, right]), 44_100, subtype="PCM_24")
    return path


def _clipped_48k_flac(tmp_path: Path) -> Path:
    import soxr

    x, _ = sf.read(FIXTURES / "speech_clipped.wav")
    path = tmp_path / "clipped48k.flac"
    sf.write(path, np.clip(soxr.resample(x, 16_000, 48_000), -1, 1), 48_000, format="FLAC")
    return path


def _telephone_8k(tmp_path: Path) -> Path:
    x, _ = sf.read(FIXTURES / "speech_telephone.wav")
    path = tmp_path / "telephone8k.wav"
    sf.write(path, x[::2], 8_000, subtype="PCM_16")
    return path


MAKERS = {
    "pauses-16k": lambda _: FIXTURES / "planted_pauses.wav",
    "speech-16k": lambda _: FIXTURES / "speech_fast.wav",
    "stereo-44k": _stereo_44k,
    "clipped-48k-flac": _clipped_48k_flac,
    "telephone-8k": _telephone_8k,
}


@pytest.mark.parametrize("block", [4_099, 1 << 17], ids=["odd-blocks", "default-blocks"])
@pytest.mark.parametrize("name", sorted(MAKERS))
def test_streaming_equals_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, block: int
) -> None:
    path = MAKERS[name](tmp_path)
    monkeypatch.setattr(_measure, "BLOCK_FRAMES", block)
    row = il.audio_features([path], progress=False).iloc[0]
    assert row["error"] is None, row["error"]
    expected = whole_file(path)
    assert row["snr_note"] == expected.pop("snr_note")
    assert row["n_pauses"] == expected.pop("n_pauses")
    for column, value in expected.items():
        # the same samples summed in another order: equal to rounding
        assert_allclose(row[column], value, rtol=1e-9, atol=1e-12, err_msg=column)


def test_memory_does_not_grow_with_duration(tmp_path: Path) -> None:
    # traced memory (numpy buffers included) of a 10 s and a 60 s file: the blocks are the
    # same size, only the per-frame contours grow (about 12 MB an hour, 0.2 MB here)
    rng = np.random.default_rng(3)
    peaks = []
    for seconds in (10, 60):
        path = tmp_path / f"{seconds}.wav"
        x = np.sin(2 * np.pi * 150 * np.arange(seconds * 16_000) / 16_000)
        x *= np.sin(np.pi * np.arange(x.size) / 8_000) ** 2  # syllable-like bursts
        sf.write(path, 0.3 * x + 0.003 * rng.standard_normal(x.size), 16_000, subtype="PCM_16")
        il.audio_features([path], progress=False)  # warm: imports and caches
        gc.collect()
        tracemalloc.start()
        il.audio_features([path], progress=False)
        peaks.append(tracemalloc.get_traced_memory()[1] / 1e6)
        tracemalloc.stop()
    assert peaks[1] < peaks[0] + 2.0, peaks  # six times the audio, < 2 MB more
    assert peaks[1] < 60.0, peaks


# --- the pieces, against the whole-signal computation --------------------------------------


def _splits(n: int, cuts: list[int]) -> list[slice]:
    edges = sorted({0, n, *(c % (n + 1) for c in cuts)})
    return [slice(a, b) for a, b in itertools.pairwise(edges)]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 3_000),
    cuts=st.lists(st.integers(0, 10_000), max_size=6),
    shape=st.sampled_from([(400, 160), (640, 160), (800, 320), (8, 3)]),
)
def test_framer_gives_the_frames_of_the_whole_padded_signal(
    n: int, cuts: list[int], shape: tuple[int, int]
) -> None:
    win, hop = shape
    y = np.random.default_rng(n).standard_normal(n)
    framer = Framer(win, hop)
    got = []
    for part in _splits(n, cuts):
        got += [(k, seg.copy()) for k, seg in framer.push(y[part])]
    got += [(k, seg.copy()) for k, seg in framer.finish()]
    frames = np.concatenate([_frames_of(seg, win, hop) for _, seg in got])
    assert [k for k, _ in got] == sorted(k for k, _ in got)
    np.testing.assert_array_equal(frames, _frames(y, win, hop))


def _frames_of(seg: np.ndarray, win: int, hop: int) -> np.ndarray:
    return np.lib.stride_tricks.sliding_window_view(seg, win)[::hop]


@settings(max_examples=60, deadline=None)
@given(data=st.lists(st.sampled_from([0.0, 0.5, 1.0]), max_size=80), cuts=st.lists(st.integers()))
def test_clip_counter_counts_runs_across_blocks(data: list[float], cuts: list[int]) -> None:
    x = np.array(data)
    counter = ClipCounter(1.0, sig.CLIP_RUN)
    for part in _splits(x.size, cuts):
        counter.push(x[part])
    assert counter.ratio() == (_clip_ratio(x, 1.0) if x.size else 0.0)


def test_welch_mean_is_scipy_welch() -> None:
    from scipy.signal import welch

    rng = np.random.default_rng(1)
    x = rng.standard_normal(150_001) + 0.3 * np.sin(0.2 * np.arange(150_001)) + 0.1
    freqs, psd = welch(x, fs=16_000, nperseg=512)
    stream = WelchMean(16_000, 512)
    for part in _splits(x.size, [5, 70_000, 70_100, 140_777]):
        stream.push(x[part])
    result = stream.result()
    assert result is not None
    assert_allclose(result[0], freqs)
    assert_allclose(result[1], psd, rtol=1e-10)
    assert WelchMean(16_000, 512).result() is None


@pytest.mark.parametrize(
    ("rate", "channels"),
    [(48_000, 2), (44_100, 1), (16_000, 5), (22_050, 6)],
    ids=["48k-stereo", "44k-mono", "16k-5ch", "22k-6ch"],
)
def test_loudness_meter_is_pyloudnorm(rate: int, channels: int) -> None:
    import pyloudnorm

    rng = np.random.default_rng(rate)
    t = np.arange(int(7.3 * rate)) / rate
    # a loud part, a quiet part (below the relative gate) and silence (below the absolute)
    env = np.where(t < 3, 0.3, np.where(t < 5, 0.01, 0.0))
    data = env[:, None] * rng.standard_normal((t.size, channels)) * np.linspace(1, 0.5, channels)
    meter = LoudnessMeter(rate, channels)
    for part in _splits(t.size, [1, rate // 3, rate, 3 * rate + 17, 6 * rate]):
        meter.push(data[part])
    expected = pyloudnorm.Meter(rate).integrated_loudness(data[:, :5])
    assert_allclose(meter.result(), expected, atol=1e-9)


def test_loudness_meter_missing_below_one_block_and_when_all_is_gated() -> None:
    short = LoudnessMeter(16_000, 1)
    short.push(np.ones((6_000, 1)))
    assert np.isnan(short.result())
    quiet = LoudnessMeter(16_000, 1)
    quiet.push(np.full((16_000, 1), 1e-6))
    assert np.isnan(quiet.result())
