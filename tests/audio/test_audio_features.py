"""audio_features against the planted truths of the committed synthetic fixtures.

The outside source of every expected value is the signal itself: the fixtures are made by
``fixtures/make_fixtures.py`` with known pitch, planted silences, noise at a known SNR
(power ratio of the added noise), a known clipping and a known band limit, and espeak-ng
1.51 speech of one sentence at two rates; their truths are in ``fixtures/manifest.json``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import interviewlab as il
from interviewlab.audio import FEATURE_COLUMNS, audio_features

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TRUTH = json.loads((FIXTURES / "manifest.json").read_text())
FILES = sorted(name for name in TRUTH if not name.startswith("_"))


@pytest.fixture(scope="module")
def feats() -> pd.DataFrame:
    out = audio_features([FIXTURES / name for name in FILES], progress=False)
    out.index = pd.Index(FILES)
    return out


def test_one_row_per_file_in_order_with_documented_columns(feats: pd.DataFrame) -> None:
    assert list(feats.columns) == FEATURE_COLUMNS
    assert [Path(p).name for p in feats["path"]] == FILES


@pytest.mark.parametrize(
    "name", [n for n in FILES if n.startswith("tone_")], ids=lambda n: n.split(".")[1]
)
def test_pitch_of_a_tone_within_one_percent(feats: pd.DataFrame, name: str) -> None:
    # truth: the tone's frequency as synthesised (WAV PCM16, FLAC, OGG Vorbis)
    assert_allclose(feats.loc[name, "f0_median_hz"], TRUTH[name]["f0_hz"], rtol=0.01)
    assert feats.loc[name, "f0_sd_semitones"] < 0.1  # a steady tone does not move
    assert feats.loc[name, "error"] is None


def test_codec_and_rate_read_from_the_file(feats: pd.DataFrame) -> None:
    assert feats.loc["tone_137hz.flac", "codec"] == "FLAC/PCM_16"
    assert feats.loc["tone_310hz.ogg", "codec"] == "OGG/VORBIS"
    assert feats.loc["tone_220hz.wav", "sample_rate_hz"] == 16000


def test_planted_pauses_exact_and_speech_ratio(feats: pd.DataFrame) -> None:
    truth, row = TRUTH["planted_pauses.wav"], feats.loc["planted_pauses.wav"]
    assert row["n_pauses"] == truth["n_pauses"]  # the 0.15 s gap is not a pause
    assert abs(row["speech_ratio"] - truth["speech_ratio"]) <= 0.05
    assert_allclose(row["mean_pause_s"], truth["mean_pause_s"], atol=0.05)
    assert_allclose(row["leading_silence_s"], truth["leading_silence_s"], atol=0.05)
    assert_allclose(row["trailing_silence_s"], truth["trailing_silence_s"], atol=0.05)
    assert_allclose(row["duration_s"], truth["duration_s"], atol=1e-3)
    assert_allclose(row["f0_median_hz"], truth["f0_median_hz"], rtol=0.01)


@pytest.mark.parametrize("snr", [30, 10, 0])
def test_snr_within_3_db_on_espeak_speech(feats: pd.DataFrame, snr: int) -> None:
    name = f"speech_snr{snr:02d}db.wav"
    assert abs(feats.loc[name, "snr_db"] - TRUTH[name]["snr_db"]) <= 3.0


def test_snr_orders_clean_above_noisy(feats: pd.DataFrame) -> None:
    snr = feats.loc[["speech_slow.wav", "speech_snr30db.wav", "speech_snr10db.wav"], "snr_db"]
    assert snr.is_monotonic_decreasing


def test_syllable_rate_follows_speaking_rate(feats: pd.DataFrame) -> None:
    # the same sentence at 110 and 210 words per minute: the syllable rates must stand in
    # the ratio of the spoken durations, within 10%
    ratio = (
        feats.loc["speech_fast.wav", "syllables_per_s"]
        / feats.loc["speech_slow.wav", "syllables_per_s"]
    )
    expected = TRUTH["speech_fast.wav"]["rate_ratio_to_slow"]
    assert abs(ratio / expected - 1) <= 0.10
    # and in absolute terms near the sentence's 17 syllables per spoken second
    for name in ("speech_fast.wav", "speech_slow.wav"):
        assert_allclose(feats.loc[name, "syllables_per_s"], 17 / TRUTH[name]["spoken_s"], rtol=0.2)


def test_clipping_ratio(feats: pd.DataFrame) -> None:
    truth = TRUTH["speech_clipped.wav"]["clipping_ratio"]
    assert_allclose(feats.loc["speech_clipped.wav", "clipping_ratio"], truth, rtol=0.05)
    assert feats.loc["speech_slow.wav", "clipping_ratio"] == 0


def test_bandwidth_detects_telephone_band(feats: pd.DataFrame) -> None:
    assert_allclose(feats.loc["speech_telephone.wav", "bandwidth_hz"], 3400, rtol=0.1)
    assert feats.loc["speech_slow.wav", "bandwidth_hz"] >= 6000


@pytest.mark.parametrize("name", [n for n in FILES if n.startswith("broken_")])
def test_each_broken_file_gets_its_error(feats: pd.DataFrame, name: str) -> None:
    error = feats.loc[name, "error"]
    assert isinstance(error, str)
    assert error.startswith(TRUTH[name]["error"])
    assert pd.isna(feats.loc[name, "snr_db"])


def test_missing_file_is_an_error_row(tmp_path: Path) -> None:
    out = audio_features([tmp_path / "nope.wav"], progress=False)
    assert out.loc[0, "error"].startswith("not found")


def test_cache_reuses_rows_and_keys_on_content(tmp_path: Path) -> None:
    src = tmp_path / "a.wav"
    shutil.copy(FIXTURES / "tone_220hz.wav", src)
    first = audio_features([src], progress=False, cache_dir=tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1
    again = audio_features([src], progress=False, cache_dir=tmp_path / "cache")
    pd.testing.assert_frame_equal(first, again)
    shutil.copy(FIXTURES / "tone_137hz.flac", src)  # same name, new content
    changed = audio_features([src], progress=False, cache_dir=tmp_path / "cache")
    assert_allclose(changed.loc[0, "f0_median_hz"], 137.5, rtol=0.01)


def test_parallel_equals_serial(feats: pd.DataFrame) -> None:
    names = ["tone_220hz.wav", "broken_garbage.wav", "planted_pauses.wav"]
    par = audio_features([FIXTURES / n for n in names], n_jobs=2, progress=False)
    ser = feats.loc[names].reset_index(drop=True)
    pd.testing.assert_frame_equal(par.drop(columns="path"), ser.drop(columns="path"))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"n_jobs": 0}, "n_jobs", id="zero-jobs"),
        pytest.param({"n_jobs": 1.5}, "n_jobs", id="float-jobs"),
        pytest.param({"progress": "yes"}, "progress", id="progress"),
    ],
)
def test_options_are_checked(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(il.InterviewLabError, match=match):
        audio_features([], **kwargs)  # type: ignore[arg-type]


def test_single_path_must_be_wrapped() -> None:
    with pytest.raises(il.InterviewLabError, match="list"):
        audio_features(str(FIXTURES / "tone_220hz.wav"))


def test_fixtures_stay_small() -> None:
    total = sum(p.stat().st_size for p in FIXTURES.rglob("*") if p.is_file())
    assert total < 2_000_000
    assert np.isfinite(total)
