"""Integrated loudness (ITU-R BS.1770-4 through pyloudnorm) and MP3 files in audio_features."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from numpy.testing import assert_allclose

import interviewlab as il

RATE = 48_000


def _tone(level_dbfs: float, seconds: float, freq: float = 1000.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return 10 ** (level_dbfs / 20) * np.sin(2 * np.pi * freq * t)


def _loudness(tmp_path: Path, signal: np.ndarray, name: str) -> float:
    path = tmp_path / name
    sf.write(path, signal, RATE, subtype="FLOAT")
    feats = il.audio_features([path], progress=False)
    assert feats.loc[0, "error"] is None, feats.loc[0, "error"]
    return float(feats.loc[0, "loudness_lufs"])


@pytest.mark.parametrize(
    ("segments", "expected"),
    [
        # EBU Tech 3341 (2016), minimum requirements, test 1: stereo 1 kHz sine at
        # -23 dBFS in both channels -> -23.0 +- 0.1 LUFS; test 2: at -33 dBFS -> -33.0
        pytest.param([(-23.0, 20.0)], -23.0, id="ebu3341-test1"),
        pytest.param([(-33.0, 20.0)], -33.0, id="ebu3341-test2"),
        # test 5 (the relative gate): -26 dBFS for 20 s, -20 dBFS for 20.1 s, -26 dBFS for
        # 20 s -> -23.0 LUFS (energy mean of the three parts: -22.996 LUFS by hand)
        pytest.param([(-26.0, 20.0), (-20.0, 20.1), (-26.0, 20.0)], -23.0, id="ebu3341-test5"),
    ],
)
def test_loudness_of_the_ebu_test_signals(
    tmp_path: Path, segments: list[tuple[float, float]], expected: float
) -> None:
    tone = np.concatenate([_tone(level, seconds) for level, seconds in segments])
    stereo = np.column_stack([tone, tone])
    assert_allclose(_loudness(tmp_path, stereo, "ebu.wav"), expected, atol=0.1)


def test_full_scale_tone_in_one_channel(tmp_path: Path) -> None:
    # ITU-R BS.1770-4, Annex 1: a 0 dBFS 1 kHz sine in one channel reads -3.01 LKFS
    # (997 Hz, so that the tone does not repeat on the sampling grid)
    assert_allclose(_loudness(tmp_path, _tone(0.0, 10.0, 997.0), "mono.wav"), -3.01, atol=0.05)


def test_loudness_ignores_silence_but_rms_does_not(tmp_path: Path) -> None:
    tone = _tone(-23.0, 10.0)
    padded = np.concatenate([np.zeros(10 * RATE), tone, np.zeros(10 * RATE)])
    loud = _loudness(tmp_path, tone, "tone.wav")
    # the silent blocks fall below the gates; only the few 400 ms blocks straddling the
    # tone's edges (partly silent, still above the relative gate) lower it a little
    assert_allclose(_loudness(tmp_path, padded, "padded.wav"), loud, atol=0.2)
    rms = il.audio_features([tmp_path / "tone.wav", tmp_path / "padded.wav"], progress=False)
    assert_allclose(rms["rms_dbfs"].diff().iloc[1], 10 * np.log10(1 / 3), atol=0.01)


def test_mp3_is_read_or_named_as_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "answer.mp3"
    if "MP3" not in sf.available_formats():  # libsndfile < 1.1: the row says what to do
        path.write_bytes(b"ID3" + bytes(200))
        feats = il.audio_features([path], progress=False)
        assert "convert it to WAV or FLAC" in feats.loc[0, "error"]
        return
    t = np.arange(3 * 16000) / 16000
    sf.write(path, 0.3 * np.sin(2 * np.pi * 200 * t), 16000, format="MP3")
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(path.read_bytes()[:40])  # a header and nothing after it
    garbage = tmp_path / "garbage.mp3"
    garbage.write_bytes(np.random.default_rng(1).bytes(4000))
    feats = il.audio_features([path, cut, garbage], progress=False)
    assert feats.loc[0, "error"] is None
    assert feats.loc[0, "codec"] == "MP3/MPEG_LAYER_III"
    assert_allclose(feats.loc[0, "f0_median_hz"], 200, rtol=0.01)
    for row in (1, 2):
        error = feats.loc[row, "error"]
        assert error.startswith(("unreadable", "no audio samples", "too short")), error


def test_without_the_meter_loudness_is_missing_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from interviewlab.audio import _measure, features

    monkeypatch.setattr(features, "loudness_library", lambda: None)
    monkeypatch.setattr(_measure, "loudness_library", lambda: None)
    path = tmp_path / "tone.wav"
    sf.write(path, _tone(-23.0, 2.0), RATE)
    with pytest.warns(il.InterviewLabWarning, match="pip install 'interviewlab\\[audio\\]'"):
        feats = il.audio_features([path], progress=False)
    assert np.isnan(feats.loc[0, "loudness_lufs"]) and feats.loc[0, "error"] is None
