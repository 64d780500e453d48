"""Measuring one file: header checks, then two streaming passes in flat memory.

:func:`measure` never raises: a file that cannot be measured gives a row whose ``error``
says why. The file is read in blocks of :data:`BLOCK_FRAMES` frames; what is kept between
blocks is per-frame contours (a few numbers per 10 ms) and running sums, so memory does
not grow with the length of the recording beyond those contours (about 12 MB an hour).

Pass 1 reads, mixes to mono, resamples to 16 kHz (soxr's streaming resampler, the same
output as resampling the whole file) and computes the level and intensity contours, the
loudness blocks and the level statistics; voice activity and the signal-to-noise ratio
are decided from them. Pass 2 reads the file again for what needs the whole file's peak
or its speech: clipping, the long-term spectrum of speech (bandwidth) and the pitch
track, computed on the frames within speech only (the others are never voiced). Syllable
nuclei, pauses and f0 then come from the contours.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from interviewlab.audio import _signal as sig
from interviewlab.audio._stream import ClipCounter, Framer, LoudnessMeter, WelchMean

#: Frames read per block (about 8 s at 16 kHz, 3 s at 48 kHz).
BLOCK_FRAMES = 1 << 17
#: Speech runs of the pitch track closer than this many 20 ms frames share a YIN call.
_PITCH_GAP = 25
#: Plausible headers: the sample rate (Hz) and the number of channels.
MIN_RATE_HZ, MAX_RATE_HZ = 4_000, 384_000
MAX_CHANNELS = 8
#: Below this RMS level (dBFS) a file is treated as silent.
SILENT_DBFS = -80.0
#: The shortest file measured (s).
MIN_DURATION_S = 0.25
_LSB = {"PCM_S8": 2.0**-7, "PCM_U8": 2.0**-7, "PCM_16": 2.0**-15, "PCM_24": 2.0**-23}
#: Containers that store samples as they are (a FLAC's subtype is PCM too, compressed).
_RAW_CONTAINERS = {"WAV", "WAVEX", "AIFF", "AU", "RAW", "W64", "RF64", "CAF", "NIST", "IRCAM"}
#: Bytes per sample of uncompressed subtypes: their header's length must fit the file.
_BYTES = {
    "PCM_S8": 1, "PCM_U8": 1, "PCM_16": 2, "PCM_24": 3, "PCM_32": 4,
    "FLOAT": 4, "DOUBLE": 8, "ULAW": 1, "ALAW": 1,
}  # fmt: skip
#: Containers libsndfile does not read, by their first bytes: named in the error.
_UNSUPPORTED = (
    (4, b"ftyp", "M4A/MP4 (AAC)"),
    (0, b"ADIF", "AAC"),
    (0, b"\x1a\x45\xdf\xa3", "WebM/Matroska"),
    (0, b"#!AMR", "AMR"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "WMA/ASF"),
)
#: libsndfile's frame count of a file whose header gives no length (2**63 - 1).
_UNKNOWN_LENGTH = 2**62
_CONVERT = "convert it to WAV or FLAC, for example with: ffmpeg -i answer.m4a answer.wav"


def loudness_library() -> str | None:
    """The installed pyloudnorm's version (the optional loudness meter), or None."""
    from importlib import metadata

    try:
        return metadata.version("pyloudnorm")
    except metadata.PackageNotFoundError:
        return None


def empty_row(path: str, error: str, columns: list[str], **known: Any) -> dict[str, Any]:
    """A row of missing features with its ``error`` (and whatever is ``known``)."""
    row: dict[str, Any] = dict.fromkeys(columns, np.nan)
    row.update(path=path, n_pauses=pd.NA, codec=None, snr_note=None, error=error)
    row.update(known)
    return row


def unsupported_format(path: str) -> str | None:
    """The name of a known container libsndfile cannot read (by its first bytes), or None."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return None
    for offset, magic, name in _UNSUPPORTED:
        if head[offset : offset + len(magic)] == magic:
            return name
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xF6) == 0xF0:
        return "AAC"  # an ADTS header: MPEG sync word with layer 0 (AAC, not MP3)
    return None


def header_problem(info: Any, size: int, max_duration_s: float) -> str | None:
    """Why a header is implausible or too long to measure, before any sample is read."""
    rate, channels, frames = int(info.samplerate), int(info.channels), int(info.frames)
    if not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
        return (
            f"implausible header (sample rate {rate:,} Hz; recordings have "
            f"{MIN_RATE_HZ:,} to {MAX_RATE_HZ:,}): the file is damaged or not a recording"
        )
    if not 1 <= channels <= MAX_CHANNELS:
        return (
            f"implausible header ({channels} channels; at most {MAX_CHANNELS} are read): "
            "the file is damaged or not a recording"
        )
    if frames >= _UNKNOWN_LENGTH:
        return (
            "implausible header (it does not give the length of the audio): the file is "
            f"damaged or was streamed without one; {_CONVERT}"
        )
    width = _BYTES.get(info.subtype) if info.format in _RAW_CONTAINERS else None
    if width is not None and frames * channels * width > size:
        return (
            f"implausible header ({frames:,} frames of {channels} x {width} bytes do not fit "
            f"in a file of {size:,} bytes): the file is truncated or damaged; export it again"
        )
    if frames / rate > max_duration_s:
        return too_long(frames / rate, max_duration_s)
    return None


def too_long(seconds: float, max_duration_s: float) -> str:
    """The error of a file longer than the maximum."""
    return (
        f"too long ({seconds:,.0f} s; the maximum is {max_duration_s:,.0f} s): pass a larger "
        "max_duration_s to measure it"
    )


class TooLong(Exception):
    """A file yields more frames than the maximum duration allows (found while reading)."""


def _blocks(path: str, max_frames: int) -> Iterator[np.ndarray]:
    """The file's blocks, ``(frames, channels)`` float64; stops a file past ``max_frames``."""
    import soundfile as sf

    read = 0
    with sf.SoundFile(path) as fh:
        for block in fh.blocks(blocksize=BLOCK_FRAMES, dtype="float64", always_2d=True):
            read += block.shape[0]
            if read > max_frames:
                raise TooLong(read)
            yield block


def _to_analysis_rate(
    path: str, rate: int, max_frames: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs ``(block as stored, its mono mix at 16 kHz)``; the resampler's tail comes last."""
    import soxr

    stream = (
        soxr.ResampleStream(rate, sig.SR, 1, dtype="float64", quality="HQ")
        if rate != sig.SR
        else None
    )
    for block in _blocks(path, max_frames):
        mono = block.mean(axis=1)
        y = mono if stream is None else stream.resample_chunk(mono, last=False)
        yield block, np.asarray(y, dtype=np.float64)
    if stream is not None:
        tail = stream.resample_chunk(np.zeros(0), last=True)
        yield np.zeros((0, 1)), np.asarray(tail, dtype=np.float64)


def _windows(segment: np.ndarray, win: int, hop: int) -> np.ndarray:
    return np.lib.stride_tricks.sliding_window_view(segment, win)[::hop]


@dataclass
class _Contours:
    """What pass 1 keeps: running sums and the per-frame contours of the whole file."""

    n_raw: int = 0
    raw_sumsq: float = 0.0
    raw_peak: float = 0.0
    n_y: int = 0
    y_sumsq: float = 0.0
    level: list[np.ndarray] = field(default_factory=list)
    intensity: list[np.ndarray] = field(default_factory=list)
    loudness: float = np.nan


class _FirstPass:
    """Pass 1: the level and intensity contours, the loudness blocks, the level sums."""

    def __init__(self, rate: int, channels: int, meter: bool) -> None:
        self.out = _Contours()
        self._level = Framer(sig.WIN, sig.HOP)
        self._intensity = Framer(sig.NUCLEI_WINDOW, sig.HOP)
        self._meter = LoudnessMeter(rate, channels) if meter else None

    def _contours(self, level: Iterator, intensity: Iterator) -> None:
        # both framers take the squared signal (see sig.level_db, sig.intensity_db)
        for _, seg in level:
            self.out.level.append(sig.level_db(_windows(seg, sig.WIN, sig.HOP)))
        for _, seg in intensity:
            self.out.intensity.append(sig.intensity_db(_windows(seg, sig.NUCLEI_WINDOW, sig.HOP)))

    def push(self, block: np.ndarray, y: np.ndarray) -> None:
        out = self.out
        if block.shape[0]:
            mono = block.mean(axis=1)
            out.n_raw += mono.size
            out.raw_sumsq += float(np.dot(mono, mono))
            out.raw_peak = max(out.raw_peak, float(np.max(np.abs(mono))))
            if self._meter is not None:
                self._meter.push(block)
        if y.size:
            power = y * y
            out.n_y += y.size
            out.y_sumsq += float(np.sum(power))
            self._contours(self._level.push(power), self._intensity.push(power))

    def finish(self) -> _Contours:
        self._contours(self._level.finish(), self._intensity.finish())
        if self._meter is not None:
            self.out.loudness = self._meter.result()
        return self.out


class _Pitch:
    """Pass 2's pitch track: YIN on the pitch frames within speech, nothing elsewhere.

    Frames outside voice activity are never voiced, so their f0 is not needed; runs of
    speech frames closer than :data:`_PITCH_GAP` frames are computed in one call (fewer
    calls), the frames between them left unvoiced.
    """

    def __init__(self, speech: np.ndarray, n_y: int) -> None:
        n = 1 + n_y // sig.PITCH_HOP
        step = sig.PITCH_HOP // sig.HOP
        self.mask = np.zeros(n, dtype=bool)
        thinned = speech[::step][:n]
        self.mask[: thinned.size] = thinned
        self.f0 = np.full(n, np.nan)
        self.voiced = np.zeros(n, dtype=bool)
        self._framer = Framer(sig.PITCH_FRAME, sig.PITCH_HOP)

    def _take(self, pushed: Iterator[tuple[int, np.ndarray]]) -> None:
        hop, win = sig.PITCH_HOP, sig.PITCH_FRAME
        for k0, seg in pushed:
            n = 1 + (seg.size - win) // hop
            for a, b in _merged_runs(self.mask[k0 : k0 + n], _PITCH_GAP):
                f0, voiced = sig.pitch(seg[a * hop : (b - 1) * hop + win])
                self.f0[k0 + a : k0 + b] = f0
                self.voiced[k0 + a : k0 + b] = voiced & self.mask[k0 + a : k0 + b]

    def push(self, y: np.ndarray) -> None:
        self._take(self._framer.push(y))

    def finish(self) -> None:
        self._take(self._framer.finish())


def _merged_runs(mask: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """[start, stop) runs of True, runs less than ``gap`` apart merged into one."""
    merged: list[list[int]] = []
    for a, b in sig.runs(mask):
        if merged and a - merged[-1][1] < gap:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


@dataclass
class _SecondPass:
    clipping_ratio: float
    bandwidth_hz: float
    f0: np.ndarray  # per 20 ms pitch frame (NaN outside speech)
    voiced: np.ndarray  # per pitch frame, within speech only


def _second_pass(
    path: str,
    rate: int,
    max_frames: int,
    first: _Contours,
    lsb: float,
    act: sig.Activity,
) -> _SecondPass:
    """Clipping at the file's peak, the spectrum of speech, the pitch track within speech."""
    clip = ClipCounter(first.raw_peak - lsb, sig.CLIP_RUN)
    welch = WelchMean(sig.SR, 512)
    pitch = _Pitch(act.speech, first.n_y)
    spans = _speech_spans(act, first.n_y)
    offset, first_span = 0, 0
    for block, y in _to_analysis_rate(path, rate, max_frames):
        if block.shape[0]:
            clip.push(block.mean(axis=1))
        end = offset + y.size
        while first_span < len(spans) and spans[first_span, 1] <= offset:
            first_span += 1
        for a, b in spans[first_span:]:
            if a >= end:
                break
            welch.push(y[max(a, offset) - offset : min(b, end) - offset])
        pitch.push(y)
        offset = end
    pitch.finish()
    spectrum = welch.result()
    return _SecondPass(
        clipping_ratio=clip.ratio(),
        bandwidth_hz=sig.bandwidth_hz(*spectrum) if spectrum is not None else np.nan,
        f0=pitch.f0,
        voiced=pitch.voiced,
    )


def _speech_spans(act: sig.Activity, n_y: int) -> np.ndarray:
    """Sample spans of y the spectrum is taken over: speech, or all of y when it is short."""
    spans = np.array(
        [(a * sig.HOP, min(b * sig.HOP, n_y)) for a, b in act.segments], dtype=np.int64
    )
    if spans.size == 0 or int(np.sum(spans[:, 1] - spans[:, 0])) < 512:
        return np.array([[0, n_y]], dtype=np.int64)
    return spans.reshape(-1, 2)


def _delivery(first: _Contours, second: _SecondPass, act: sig.Activity) -> dict[str, Any]:
    """Pauses, syllable rate and pitch from the contours."""
    f0 = second.f0
    step = sig.PITCH_HOP // sig.HOP
    voiced_p = second.voiced & act.speech[::step][: f0.size]
    voiced = np.repeat(voiced_p, step)[: act.speech.size]
    frame_s = sig.HOP / sig.SR
    speech_s = int(act.speech.sum()) * frame_s
    pauses = [b2 - a1 for (_, a1), (b2, _) in itertools.pairwise(act.segments)]
    nuclei = sig.syllable_nuclei(np.concatenate(first.intensity), voiced)
    hz = f0[voiced_p]
    if hz.size:
        f0_median = float(np.median(hz))
        f0_sd = float(np.std(12 * np.log2(hz / f0_median), ddof=1)) if hz.size > 1 else np.nan
    else:
        f0_median = f0_sd = np.nan
    return {
        "speech_s": speech_s,
        "n_pauses": len(pauses),
        "mean_pause_s": float(np.mean(pauses)) * frame_s if pauses else np.nan,
        "syllables_per_s": nuclei.size / speech_s if speech_s > 0 else np.nan,
        "f0_median_hz": f0_median,
        "f0_sd_semitones": f0_sd,
        "voiced_s": hz.size * sig.PITCH_HOP / sig.SR,
    }


def _open(
    path: str, columns: list[str], max_duration_s: float
) -> tuple[Any, dict[str, Any] | None]:
    """The file's header (soundfile's info), or the error row of a file not to be read."""
    import soundfile as sf

    p = Path(path)
    if not p.is_file():
        return None, empty_row(path, "not found: no file at this path", columns)
    size = p.stat().st_size
    if size == 0:
        return None, empty_row(
            path, "empty file (0 bytes): record or export the answer again", columns
        )
    try:
        info = sf.info(path)
    except Exception as exc:  # libsndfile's messages name the problem (format, truncation)
        named = unsupported_format(path)
        if named is not None:
            reason = f"unreadable: {named} files are not supported; {_CONVERT}"
        else:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            reason = (
                f"unreadable ({detail}): the file is damaged or not WAV/FLAC/OGG/MP3; "
                "convert it to WAV or FLAC"
            )
        return None, empty_row(path, reason, columns)
    known = {"sample_rate_hz": float(info.samplerate), "codec": f"{info.format}/{info.subtype}"}
    problem = header_problem(info, size, max_duration_s)
    if problem is not None:
        return None, empty_row(path, problem, columns, **known)
    return info, None


def measure(path: str, columns: list[str], max_duration_s: float) -> dict[str, Any]:
    """All features of one file in two streaming passes (see the module's description).

    A file that cannot be read or measured gives a row with its ``error``; an exception of
    the analysis itself propagates (the caller turns it into an "analysis failed" row).
    """
    import soundfile as sf

    info, refused = _open(path, columns, max_duration_s)
    if refused is not None:
        return refused
    rate = int(info.samplerate)
    codec = f"{info.format}/{info.subtype}"
    known: dict[str, Any] = {"sample_rate_hz": float(rate), "codec": codec}
    max_frames = math.floor(max_duration_s * rate)
    first_pass = _FirstPass(rate, int(info.channels), loudness_library() is not None)
    try:
        for block, y in _to_analysis_rate(path, rate, max_frames):
            first_pass.push(block, y)
        first = first_pass.finish()
    except TooLong as exc:
        return empty_row(path, too_long(int(exc.args[0]) / rate, max_duration_s), columns, **known)
    except sf.LibsndfileError as exc:  # damaged after the header: libsndfile names it
        detail = str(exc).splitlines()[0].strip() if str(exc).strip() else f"code {exc.code}"
        reason = (
            f"unreadable ({detail}; the header declares {int(info.frames) / rate:,.1f} s): "
            "the file is truncated or damaged; export it again"
        )
        return empty_row(path, reason, columns, **known)
    if first.n_raw == 0:
        return empty_row(
            path, "no audio samples: the file has a header but no sound", columns, **known
        )
    duration = first.n_raw / rate
    rms = math.sqrt(first.raw_sumsq / first.n_raw)
    rms_dbfs = 20 * math.log10(rms) if rms > 0 else -math.inf
    known.update(duration_s=duration, rms_dbfs=rms_dbfs)
    if rms_dbfs < SILENT_DBFS:
        return empty_row(
            path, f"silent (RMS {rms_dbfs:.0f} dBFS): nothing was recorded", columns, **known
        )
    if duration < MIN_DURATION_S:
        return empty_row(path, f"too short ({duration:.2f} s) to measure speech", columns, **known)
    levels = np.concatenate(first.level)
    act = sig.voice_activity(levels)
    second = _second_pass(
        path,
        rate,
        max_frames,
        first,
        _LSB.get(info.subtype, 1e-6),
        act,
    )
    frame_s = sig.HOP / sig.SR
    if act.segments:
        leading = act.segments[0][0] * frame_s
        trailing = max(duration - act.segments[-1][1] * frame_s, 0.0)
    else:
        leading = trailing = duration
    delivery = _delivery(first, second, act)
    snr, snr_note = sig.noise_floor_snr(levels, first.y_sumsq / first.n_y)
    return {
        "path": path,
        "duration_s": duration,
        **delivery,
        "speech_ratio": min(delivery["speech_s"] / duration, 1.0),
        "rms_dbfs": rms_dbfs,
        "loudness_lufs": first.loudness,
        "snr_db": snr,
        "snr_note": snr_note,
        "clipping_ratio": second.clipping_ratio,
        "bandwidth_hz": second.bandwidth_hz,
        "leading_silence_s": leading,
        "trailing_silence_s": trailing,
        **known,
        "error": None,
    }
