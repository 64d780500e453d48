"""Files whose headers lie, and formats that are not read, become error rows before reading.

Each file is built here from a valid 0.5 s WAV or a 3 s FLAC by overwriting header fields
at the offsets their format specifications give (RIFF/WAVE ``fmt `` chunk: channels at
byte 22, sample rate at 24; FLAC STREAMINFO: the 36-bit total of samples in bytes
18-25), or from the first bytes of an MPEG-4 (``ftyp`` box, ISO/IEC 14496-12), ADTS (AAC
sync word, ISO/IEC 13818-7) or Matroska (EBML magic) file. The issue's case is the first:
a 16 KB WAV whose header claims a 1 Hz sample rate, which once cost 2.4 GB before ending
as an error row. Here such files must not be read at all (the block reader is replaced by
one that fails the test) and must cost little memory (traced by tracemalloc); the time
and resident memory of a separate process are in ``benchmarks/bench_audio_scale.py``.
"""

from __future__ import annotations

import gc
import struct
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf

import interviewlab as il
from interviewlab.audio import _measure

RATE = 16_000


def _wav(tmp_path: Path) -> bytes:
    x = 0.1 * np.random.default_rng(0).standard_normal(RATE // 2)
    sf.write(tmp_path / "ok.wav", x, RATE, subtype="PCM_16")
    return (tmp_path / "ok.wav").read_bytes()


def _flac(tmp_path: Path) -> bytes:
    x = 0.1 * np.sin(0.05 * np.arange(3 * RATE))
    sf.write(tmp_path / "ok.flac", x, RATE, format="FLAC", subtype="PCM_16")
    return (tmp_path / "ok.flac").read_bytes()


def _patched(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    out[offset : offset + struct.calcsize(fmt)] = struct.pack(fmt, value)
    return bytes(out)


def _flac_total(data: bytes, total: int) -> bytes:
    (fields,) = struct.unpack(">Q", data[18:26])
    return _patched(data, 18, ">Q", (fields & ~((1 << 36) - 1)) | total)


def _wav_field(offset: int, fmt: str, value: int) -> Callable[[Path], bytes]:
    return lambda tmp: _patched(_wav(tmp), offset, fmt, value)


def _flac_length(total: int) -> Callable[[Path], bytes]:
    return lambda tmp: _flac_total(_flac(tmp), total)


IMPLAUSIBLE = "implausible header ("
HOSTILE: dict[str, tuple[Callable[[Path], bytes], str]] = {
    "rate-1hz.wav": (_wav_field(24, "<I", 1), IMPLAUSIBLE + "sample rate 1 Hz"),
    "rate-2khz.wav": (_wav_field(24, "<I", 2_000), IMPLAUSIBLE + "sample rate 2,000 Hz"),
    "rate-1mhz.wav": (_wav_field(24, "<I", 1_000_000), IMPLAUSIBLE + "sample rate 1,000,000 Hz"),
    "200-channels.wav": (_wav_field(22, "<H", 200), IMPLAUSIBLE + "200 channels"),
    "9-channels.wav": (_wav_field(22, "<H", 9), IMPLAUSIBLE + "9 channels"),
    "10-hours.flac": (
        _flac_length(10 * 3600 * RATE),
        "too long (36,000 s; the maximum is 14,400 s)",
    ),
    "no-length.flac": (_flac_length(0), IMPLAUSIBLE + "it does not give the length"),
}


def _never_read(path: str, max_frames: int) -> None:
    raise AssertionError(f"{path} was read")


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_lying_header_is_an_error_row_before_any_sample_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    make, expected = HOSTILE[name]
    path = tmp_path / name
    path.write_bytes(make(tmp_path))
    monkeypatch.setattr(_measure, "_blocks", _never_read)  # a read would be "analysis failed"
    il.audio_features([path], progress=False)  # imports done before memory is traced
    gc.collect()
    tracemalloc.start()
    row = il.audio_features([path], progress=False).iloc[0]
    peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    assert row["error"].startswith(expected), row["error"]
    assert "the file is damaged" in row["error"] or "max_duration_s" in row["error"]
    assert np.isnan(row["snr_db"]) and np.isnan(row["duration_s"])
    assert peak_mb < 5.0  # the 1 Hz file once allocated 2,380 MB


def test_a_header_that_does_not_fit_in_the_file_is_refused() -> None:
    # libsndfile already trims a WAV's data chunk to the file; the check holds for any
    # uncompressed container whose reader would not (frames x channels x bytes > size)
    info = SimpleNamespace(
        format="AIFF", subtype="PCM_16", samplerate=16_000, channels=2, frames=10**9
    )
    problem = _measure.header_problem(info, 16_054, 14_400.0)
    assert problem is not None
    assert problem.startswith("implausible header (1,000,000,000 frames of 2 x 2 bytes")
    flac = SimpleNamespace(
        format="FLAC", subtype="PCM_16", samplerate=16_000, channels=1, frames=10**7
    )
    assert _measure.header_problem(flac, 16_054, 14_400.0) is None  # compressed: may fit


def test_a_length_beyond_the_file_is_an_error_row(tmp_path: Path) -> None:
    # the header says two hours, the file holds 3 s: libsndfile fails past the end
    path = tmp_path / "two-hours.flac"
    path.write_bytes(_flac_total(_flac(tmp_path), 2 * 3600 * RATE))
    error = il.audio_features([path], progress=False).loc[0, "error"]
    assert error.startswith("unreadable (") and "the header declares 7,200.0 s" in error


def test_too_long_is_not_cached_and_max_duration_s_overrides(tmp_path: Path) -> None:
    path = tmp_path / "two-seconds.wav"
    sf.write(path, 0.1 * np.sin(0.05 * np.arange(2 * RATE)), RATE, subtype="PCM_16")
    cache = tmp_path / "cache"
    short = il.audio_features([path], progress=False, cache_dir=cache, max_duration_s=1.5)
    assert short.loc[0, "error"] == (
        "too long (2 s; the maximum is 2 s): pass a larger max_duration_s to measure it"
    )
    assert not list(cache.glob("*.json"))  # the row depends on the option, not the file
    longer = il.audio_features([path], progress=False, cache_dir=cache, max_duration_s=3)
    assert longer.loc[0, "error"] is None and longer.loc[0, "duration_s"] == 2.0


def test_a_file_holding_more_than_its_header_says_is_stopped_while_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # soundfile reads no further than the header's length; should a reader ever go on,
    # the count of frames read is held to max_duration_s as well
    path = tmp_path / "three-seconds.wav"
    sf.write(path, 0.1 * np.sin(0.05 * np.arange(3 * RATE)), RATE, subtype="PCM_16")
    monkeypatch.setattr(_measure, "header_problem", lambda info, size, max_s: None)
    monkeypatch.setattr(_measure, "BLOCK_FRAMES", 4_000)
    row = _measure.measure(str(path), il.audio.FEATURE_COLUMNS, 1.0)
    assert row["error"].startswith("too long (1 s; the maximum is 1 s)")


@pytest.mark.parametrize(
    ("name", "head", "named"),
    [
        pytest.param("a.m4a", b"\0\0\0\x1cftypM4A \0\0\x02\0M4A isom", "M4A/MP4 (AAC)", id="m4a"),
        pytest.param("a.mp4", b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom", "M4A/MP4 (AAC)", id="mp4"),
        pytest.param("a.aac", b"\xff\xf1\x50\x80\x02\x1f\xfc", "AAC", id="adts-aac"),
        pytest.param("a.webm", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01", "WebM/Matroska", id="webm"),
    ],
)  # fmt: skip
def test_unsupported_formats_are_refused_by_name(
    tmp_path: Path, name: str, head: bytes, named: str
) -> None:
    path = tmp_path / name
    path.write_bytes(head + bytes(range(256)) * 16)
    error = il.audio_features([path], progress=False).loc[0, "error"]
    assert error == (
        f"unreadable: {named} files are not supported; convert it to WAV or FLAC, for "
        "example with: ffmpeg -i answer.m4a answer.wav"
    )


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (0, "positive"),
        (-1.0, "positive"),
        (float("inf"), "positive"),
        ("1h", "positive"),
        (True, "positive"),
    ],
)
def test_max_duration_s_is_checked(value: object, match: str) -> None:
    with pytest.raises(il.InterviewLabError, match=f"max_duration_s must be a {match}"):
        il.audio_features([], max_duration_s=value)  # type: ignore[arg-type]
