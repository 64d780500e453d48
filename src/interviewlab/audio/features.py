"""audio_features: delivery and recording-quality measures of recorded answers, per file."""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from interviewlab.audio import _signal as sig
from interviewlab.audio._measure import empty_row, loudness_library, measure
from interviewlab.errors import InterviewLabError, InterviewLabWarning

__all__ = ["FEATURE_COLUMNS", "audio_features", "default_cache_dir"]

#: The columns of :func:`audio_features`, in order.
FEATURE_COLUMNS = [
    "path",
    "duration_s",
    "speech_s",
    "speech_ratio",
    "n_pauses",
    "mean_pause_s",
    "syllables_per_s",
    "f0_median_hz",
    "f0_sd_semitones",
    "voiced_s",
    "rms_dbfs",
    "loudness_lufs",
    "snr_db",
    "snr_note",
    "clipping_ratio",
    "bandwidth_hz",
    "leading_silence_s",
    "trailing_silence_s",
    "sample_rate_hz",
    "codec",
    "error",
]


#: The settings the cache is keyed on: the analysis settings and the loudness meter.
_SETTINGS_HASH = hashlib.sha256(
    json.dumps([sig.SETTINGS, loudness_library()], sort_keys=True).encode()
).hexdigest()
#: The longest recording measured unless ``max_duration_s`` says otherwise (s): 4 hours.
MAX_DURATION_S = 4 * 3600.0


def default_cache_dir() -> Path:
    """The per-user cache folder of interviewlab (created if missing).

    ``$INTERVIEWLAB_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/interviewlab`` (by
    default ``~/.cache/interviewlab``), else, when the home folder is not writable, a
    folder in the system's temporary folder. Nothing is ever written inside the installed
    package.

    Returns
    -------
    pathlib.Path
        A writable folder.

    Examples
    --------
    >>> default_cache_dir().is_dir()
    True
    """
    own = os.environ.get("INTERVIEWLAB_CACHE_DIR")
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "interviewlab"
    user = getattr(os, "getuid", lambda: "user")()
    fallback = Path(tempfile.gettempdir()) / f"interviewlab-cache-{user}"
    for folder in ([Path(own)] if own else []) + [base, fallback]:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            return folder
    raise InterviewLabError(
        "No writable cache folder: set INTERVIEWLAB_CACHE_DIR to a folder you can write to."
    )


def _numba_cache_dir() -> None:
    """Point numba's on-disk cache at a writable folder before librosa is imported.

    numba writes compiled code beside the installed package by default, which fails in
    read-only installs and races between joblib workers; ``numba/`` in
    :func:`default_cache_dir` is used unless the user set ``NUMBA_CACHE_DIR``.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    try:
        folder = default_cache_dir() / "numba"
        folder.mkdir(exist_ok=True)
    except (OSError, InterviewLabError):
        return
    os.environ["NUMBA_CACHE_DIR"] = str(folder)


def _compile_once() -> None:
    """Compile librosa's numba code here, once, when its on-disk cache is empty.

    Otherwise every joblib worker compiles the same code at the same time on a fresh
    machine (measured here: about 45 s each, under load); after this, workers load it
    from the cache (about 5 s each).
    """
    folder = os.environ.get("NUMBA_CACHE_DIR")
    if not folder or any(Path(folder).glob("*/pitch._pi_wrapper-*.nbi")):
        return
    tone = 0.1 * np.sin(2 * np.pi * 150 * np.arange(sig.SR // 2) / sig.SR)
    sig.pitch(tone)  # any stretch of whole frames


def _content_hash(path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _cache_entry(path: str, cache_dir: str | None) -> Path | None:
    """The cache file of ``path`` (content hash + settings hash), or None without a cache."""
    key = _content_hash(path) if cache_dir else None
    if cache_dir is None or key is None:
        return None
    return Path(cache_dir) / f"{key}-{_SETTINGS_HASH[:16]}.json"


def _cached(path: str, entry: Path | None) -> dict[str, Any] | None:
    if entry is None or not entry.is_file():
        return None
    row = json.loads(entry.read_text(encoding="utf-8"))
    row["path"] = path
    return dict(row)


def _one(path: str, cache_dir: str | None, max_duration_s: float) -> dict[str, Any]:
    """Features of one file, read from / written to the cache when one is given.

    A "too long" row is not cached: it depends on ``max_duration_s``, not on the file.
    """
    _numba_cache_dir()
    entry = _cache_entry(path, cache_dir)
    hit = _cached(path, entry)
    if hit is not None:
        return hit
    try:
        row = measure(path, FEATURE_COLUMNS, max_duration_s)
    except Exception as exc:  # a failure of the analysis itself must not stop the batch
        row = empty_row(path, f"analysis failed ({type(exc).__name__}: {exc})", FEATURE_COLUMNS)
    if entry is not None and not str(row["error"]).startswith("too long"):
        tmp = entry.with_suffix(f".{os.getpid()}.tmp")
        clean = {k: (None if _is_missing(v) else v) for k, v in row.items()}
        tmp.write_text(json.dumps(clean), encoding="utf-8")
        tmp.replace(entry)  # atomic, so parallel workers never see half a file
    return row


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def audio_features(
    paths: Iterable[str | os.PathLike[str]],
    *,
    n_jobs: int = 1,
    progress: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    max_duration_s: float = MAX_DURATION_S,
) -> pd.DataFrame:
    """Delivery and recording-quality features of audio files, one row per file.

    Each file is read with soundfile (WAV, FLAC, OGG, MP3 with libsndfile >= 1.1; not
    M4A/AAC, which gets an error row naming the format: convert it to WAV or FLAC) in
    blocks, mixed to mono, resampled to 16 kHz with soxr and measured in two streaming
    passes, so that memory does not grow with the length of a recording. A file that
    cannot be measured gets its reason in ``error`` and the batch goes on; a file whose
    header is implausible is refused before any of its samples is read.

    Parameters
    ----------
    paths : iterable of str or path
        Audio files. Rows come back in this order; duplicates are measured once each.
    n_jobs : int, default 1
        Worker processes (joblib's loky, ending with this process); ``-1`` uses every
        core.
    progress : bool, default True
        Show a tqdm progress bar.
    cache_dir : str or path, optional
        Folder of a per-file cache keyed by the SHA-256 of the file's bytes and of the
        feature settings: a re-run reads unchanged files from it. Created if missing.
    max_duration_s : float, default 14400 (4 hours)
        The longest recording measured: a longer file (by its header, or by the samples it
        turns out to hold) gets an error row saying so. A live panel interview recorded
        whole is about an hour; raise this for longer files (time grows with duration,
        memory does not).

    Returns
    -------
    pandas.DataFrame
        One row per path, columns:

        - ``path``: the path as given (str);
        - ``duration_s``: length of the file (s);
        - ``speech_s``: time with voice activity (s), silences shorter than 0.3 s inside
          speech counted as speech;
        - ``speech_ratio``: ``speech_s / duration_s``;
        - ``n_pauses``: silences of at least 0.3 s between the first and last speech;
        - ``mean_pause_s``: their mean length (s; missing when there is none);
        - ``syllables_per_s``: syllable nuclei per second of speech (articulation rate);
        - ``f0_median_hz``: median fundamental frequency over voiced speech frames (Hz);
        - ``f0_sd_semitones``: standard deviation of f0 in semitones around the median;
        - ``voiced_s``: time of the voiced frames those two rest on (s);
        - ``rms_dbfs``: RMS level of the whole file (dB re full scale; a full-scale sine
          is -3.01 dBFS);
        - ``loudness_lufs``: integrated loudness after ITU-R BS.1770-4 (LUFS; K-weighted,
          gated), from the file's own channels and rate; missing without the optional
          pyloudnorm (``pip install interviewlab[audio]``), for files shorter than 0.4 s
          and when every 400 ms block is below the -70 LUFS gate;
        - ``snr_db``: signal-to-noise ratio of the whole file against its noise floor
          (dB; clamped to -20 .. 100; see Notes for where it holds);
        - ``snr_note``: missing when the noise floor is as steady as noise, else why the
          SNR should be read with care ("unsteady noise floor ...": too few pauses, or
          noise that comes and goes);
        - ``clipping_ratio``: share of samples in runs of >= 3 samples at the peak level;
        - ``bandwidth_hz``: effective upper bandwidth (Hz; at most 8000, the Nyquist
          frequency of the analysis rate);
        - ``leading_silence_s``, ``trailing_silence_s``: silence before the first and
          after the last speech (s);
        - ``sample_rate_hz``, ``codec``: as stored in the file (``"WAV/PCM_16"``, ...);
        - ``error``: why the file could not be measured (missing when it could); it
          starts with a short code: "not found", "empty file", "unreadable" (including
          formats libsndfile does not read, such as M4A/AAC, named as such),
          "implausible header", "too long", "no audio samples", "silent", "too short".

    Raises
    ------
    InterviewLabError
        If ``n_jobs`` is not a non-zero integer, ``progress`` is not a bool or
        ``max_duration_s`` is not a positive number.

    Notes
    -----
    *Voice activity.* The level of 25 ms frames every 10 ms is compared with an adaptive
    threshold set per file from its own level distribution: with the noise floor ``F``
    (10th percentile of frame levels, dB) and the speech level ``L`` (95th percentile),
    the threshold is ``F + 0.4 (L - F)``, raised to at least ``F + 6`` dB and lowered to
    at most ``L - 30`` dB (unless that would undercut ``F + 6``). Silences shorter than
    0.3 s are bridged, bursts shorter than 0.1 s dropped. Pauses are the remaining
    silences between speech segments.

    *Syllable nuclei* follow de Jong & Wempe (2009): peaks of the intensity contour
    (40 ms Hann window) above the median intensity and above the 99th percentile minus 25 dB,
    with a dip of at least 2 dB to any higher neighbouring peak on each side (the
    peak's prominence), that fall on a voiced frame. Onset counts are not used: they
    barely change with speaking rate. On real read speech (five LibriVox utterances,
    26 s, against the syllables of their transcripts in the CMU Pronouncing Dictionary
    and the phonation time of a PocketSphinx forced alignment) the nuclei are 76% of the
    syllables (75 of 99; 64-86% per utterance; r = 0.67 between the two rates over the
    five), so ``syllables_per_s`` reads about a quarter below the articulation rate of
    fluent speech, where unstressed syllables run together without a 2 dB dip; on
    espeak-ng speech it is within 11%. Compare rates between groups, not with published
    syllables-per-second norms. ``speech_s`` was within 6% of the aligned phonation time.

    *Pitch* is YIN (de Cheveigné & Kawahara, 2002; ``librosa.yin``, 60-450 Hz, 50 ms
    frames every 20 ms) with a frame voiced when the normalised autocorrelation at the YIN period
    exceeds 0.6 and voice activity is on. YIN was chosen over pYIN for speed: pYIN's
    probabilistic thresholds and Viterbi decoding run at about 20x real time per core
    here, too slow for the 100x target on two cores, while YIN's error on clean voiced
    speech and tones is of the same order (a tone's pitch within 0.1% in the tests).
    What pYIN adds is its voicing decision, replaced here by the autocorrelation test.

    *SNR* is the ratio of the file's signal power to the power of its noise floor: the
    mean power of the quietest tenth of the 25 ms frames (the pauses of an answer), the
    signal power being the file's mean power less that noise power (the definition of
    an SNR set by adding noise to a recording). It holds while the quietest tenth of the
    recording is noise: on synthetic speech-like answers (voiced syllables and pauses,
    ``interviewlab.audio.synthesize_recordings``' signal) with white noise added at
    0-30 dB it reads within 1.1 dB of the added SNR on 3-second clips and within 0.9 dB on
    30-second ones, slightly high (+0.2 to +0.8 dB: the quietest frames are a little
    below the noise's mean); on espeak-ng speech with noise at 0, 10 and 30 dB within
    0.6 dB. A recording with fewer pauses than a tenth of its length, or whose noise comes
    and goes (lossy codecs gate quiet passages), has quietest frames that are not steady;
    ``snr_note`` then says so: their levels spread over more than 3 dB between the 1st and
    10th percentiles, where stationary noise spreads over about 0.5 dB. It replaces the
    blind WADA-SNR (Kim & Stern, 2008) of earlier versions, which read these signals up to
    8 dB low on 3-second clips and up to 16 dB high at 30 dB (its Gamma model of speech
    amplitudes does not fit them).

    *Loudness* is measured by pyloudnorm (an implementation of ITU-R BS.1770-4: K-weighting,
    400 ms blocks overlapping by 75%, an absolute gate at -70 LUFS and a relative gate 10
    LU below the ungated level) on the channels as stored: a mono file is one channel
    (a full-scale 997 Hz tone reads -3.01 LUFS), and a stereo file with the same signal
    in both channels reads 3 dB louder than its mono mix. Unlike ``rms_dbfs`` it weighs
    frequencies as listeners do and ignores silences, so it compares how loud answers
    sound.

    *Clipping* counts plateaus at the file's own peak (within one quantisation step), so
    a clipped recording that was normalised afterwards is still detected; lossy codecs
    smear plateaus and may hide clipping. *Bandwidth* is the highest frequency whose
    long-term spectrum over speech is within 50 dB of the spectrum's maximum: about 3400
    Hz for telephone-band audio, 6000-8000 Hz for wide-band microphones.

    *Streaming and limits.* Each file is read twice in blocks of about 8 s (the second
    pass for what needs the whole file's peak or its speech: clipping, bandwidth and the
    pitch track, computed within speech only); between blocks only per-frame contours
    are kept (about 12 MB an hour), so memory does not grow with duration. Before any
    sample is read, the header must be plausible: a sample rate of 4-384 kHz, 1 to 8
    channels, a length given, for uncompressed files a length that fits in the file's
    bytes, and at most ``max_duration_s`` of audio; otherwise the row says "implausible
    header" or "too long" without reading the file. Reading stops at the header's length
    and, should more come, at ``max_duration_s``; a file that ends before its header's
    length is "unreadable".

    Validated on synthetic files made by ``tests/audio/fixtures/make_fixtures.py``
    (tones, planted pauses, noise at known SNR, clipped and telephone-band copies,
    espeak-ng speech at two rates), on synthetic answers with noise added at 0-30 dB, on
    the whole-file computation (numpy, ``librosa.yin``, ``scipy.signal.welch``,
    pyloudnorm: streaming gives the same values to rounding), and on real read speech:
    five LibriVox utterances from Debian's pocketsphinx-testdata against their
    transcripts' syllables (CMU Pronouncing Dictionary) and a PocketSphinx forced
    alignment (see *Syllable nuclei*); the figures are in the tests.

    References
    ----------
    de Jong, N. H., & Wempe, T. (2009). Praat script to detect syllable nuclei and
    measure speech rate automatically. Behavior Research Methods, 41(2), 385-390.

    Kim, C., & Stern, R. M. (2008). Robust signal-to-noise ratio estimation based on
    waveform amplitude distribution analysis. Interspeech 2008, 2598-2601 (the SNR of
    earlier versions).

    de Cheveigné, A., & Kawahara, H. (2002). YIN, a fundamental frequency estimator for
    speech and music. JASA, 111(4), 1917-1930.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> t = np.arange(16000) / 16000
    >>> sf.write(os.path.join(folder, "tone.wav"), 0.3 * np.sin(2 * np.pi * 200 * t), 16000)
    >>> open(os.path.join(folder, "bad.wav"), "wb").close()
    >>> paths = [os.path.join(folder, "tone.wav"), os.path.join(folder, "bad.wav")]
    >>> feats = audio_features(paths, progress=False)
    >>> round(float(feats.loc[0, "f0_median_hz"]))
    200
    >>> feats.loc[1, "error"]
    'empty file (0 bytes): record or export the answer again'
    """
    _check_options(paths, n_jobs=n_jobs, progress=progress, max_duration_s=max_duration_s)
    items = [os.fspath(p) for p in paths]
    if items and loudness_library() is None:
        warnings.warn(
            "loudness_lufs is left missing: the optional loudness meter pyloudnorm is not "
            "installed (pip install 'interviewlab[audio]').",
            InterviewLabWarning,
            stacklevel=2,
        )
    cache = None
    if cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        cache = os.fspath(cache_dir)
    _numba_cache_dir()  # before the workers start, so they inherit it
    from tqdm.auto import tqdm

    bar = tqdm(total=len(items), disable=not progress, unit="file", desc="audio features")
    rows: list[dict[str, Any] | None] = [None] * len(items)
    if cache is not None:  # cache hits are read here, without starting workers
        for i, item in enumerate(items):
            rows[i] = _cached(item, _cache_entry(item, cache))
            if rows[i] is not None:
                bar.update()
    todo = [i for i, row in enumerate(rows) if row is None]
    if n_jobs == 1 or len(todo) <= 1:
        for i in todo:
            rows[i] = _one(items[i], cache, float(max_duration_s))
            bar.update()
    else:
        from joblib import Parallel, delayed

        from interviewlab._lifeline import joblib_lifeline

        _compile_once()
        with joblib_lifeline():
            run = Parallel(n_jobs=n_jobs, return_as="generator")
            for i, row in zip(
                todo,
                run(delayed(_one)(items[i], cache, float(max_duration_s)) for i in todo),
                strict=True,
            ):
                rows[i] = row
                bar.update()
    bar.close()
    return _feature_frame(rows)


def _check_options(
    paths: Iterable[str | os.PathLike[str]],
    *,
    n_jobs: int,
    progress: bool,
    max_duration_s: float,
) -> None:
    """Raise on an option of :func:`audio_features` outside its allowed values."""
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0:
        raise InterviewLabError(
            f"n_jobs must be a non-zero integer (-1 = all cores), got {n_jobs!r}"
        )
    if not isinstance(progress, bool):
        raise InterviewLabError(f"progress must be True or False, got {progress!r}")
    if (
        isinstance(max_duration_s, bool)
        or not isinstance(max_duration_s, int | float)
        or not 0 < max_duration_s < math.inf
    ):
        raise InterviewLabError(
            f"max_duration_s must be a positive number of seconds, got {max_duration_s!r}"
        )
    if isinstance(paths, str | os.PathLike):
        raise InterviewLabError("paths must be a list of files; wrap a single path in a list")


def _feature_frame(rows: Sequence[dict[str, Any] | None]) -> pd.DataFrame:
    """The rows as a frame of ``FEATURE_COLUMNS``, each column in its documented type.

    Figures are float64 (NaN for missing), ``n_pauses`` is Int64 and the text columns hold
    ``None`` for missing.
    """
    out = pd.DataFrame(rows, columns=FEATURE_COLUMNS)
    for col in FEATURE_COLUMNS:
        if col not in ("path", "codec", "snr_note", "error", "n_pauses"):
            out[col] = pd.to_numeric(out[col].astype(object).where(out[col].notna(), np.nan))
            out[col] = out[col].astype("float64")
    out["n_pauses"] = out["n_pauses"].astype("Int64")
    for col in ("path", "codec", "snr_note", "error"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out
