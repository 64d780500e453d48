"""Streaming pieces of audio_features: each takes a file block by block in flat memory.

Every class here is pushed consecutive blocks of one signal and gives at ``finish()``
(or ``result()``) what the whole-signal computation gives, to rounding: the tests of
``tests/audio/test_streaming.py`` compare them with the whole-file computations (numpy
framing, ``librosa.yin``, ``scipy.signal.welch``, ``pyloudnorm``) on short files.
Nothing here reads files (see features.py); scipy and pyloudnorm are imported inside
the methods that need them, so that ``import interviewlab`` stays light.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


class Framer:
    """Frames of ``win`` samples every ``hop``, centred, as from the whole zero-padded signal.

    The whole-signal computation pads ``y`` with ``win // 2`` zeros on both sides and takes
    the windows starting at ``k * hop`` for ``k < 1 + len(y) // hop``. :meth:`push` and
    :meth:`finish` yield ``(k0, segment)``: ``segment`` is the stretch of the padded signal
    holding frames ``k0, k0 + 1, ...`` (``len(segment) = (n - 1) * hop + win`` for ``n``
    frames), so a caller can frame it or hand it to a function that frames it itself.
    """

    def __init__(self, win: int, hop: int) -> None:
        self.win, self.hop = win, hop
        self._buf = np.zeros(win // 2)  # the leading padding
        self._offset = 0  # index in the padded signal of self._buf[0]
        self._next = 0  # the next frame to yield
        self._n_input = 0

    def _frames(self, limit: int | None) -> Iterator[tuple[int, np.ndarray]]:
        available = (self._offset + self._buf.size - self.win) // self.hop + 1
        stop = available if limit is None else min(available, limit)
        if stop > self._next:
            start = self._next * self.hop - self._offset
            n = stop - self._next
            yield self._next, self._buf[start : start + (n - 1) * self.hop + self.win]
            self._next = stop
        drop = self._next * self.hop - self._offset
        if drop > 0:
            self._buf = self._buf[drop:].copy()
            self._offset += drop

    def push(self, block: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
        """Add the next samples; yields the frames they complete."""
        self._n_input += block.size
        self._buf = np.concatenate([self._buf, block])
        yield from self._frames(None)

    def finish(self) -> Iterator[tuple[int, np.ndarray]]:
        """Add the trailing padding; yields the last frames."""
        self._buf = np.concatenate([self._buf, np.zeros(self.win // 2)])
        yield from self._frames(1 + self._n_input // self.hop)


class ClipCounter:
    """Samples in runs of at least ``run`` consecutive samples with ``|x| >= level``."""

    def __init__(self, level: float, run: int) -> None:
        self.level, self.run = level, run
        self._carry = 0  # length of the run still open at the end of the last block
        self._total = 0
        self._n = 0

    def _close(self, length: int) -> None:
        if length >= self.run:
            self._total += length

    def push(self, x: np.ndarray) -> None:
        """Add the next block of samples."""
        self._n += x.size
        mask = np.abs(x) >= self.level
        edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
        starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        lengths = stops - starts
        if starts.size and starts[0] == 0:
            lengths[0] += self._carry
        else:
            self._close(self._carry)
        self._carry = 0
        if stops.size and stops[-1] == x.size:
            self._carry = int(lengths[-1])
            lengths = lengths[:-1]
        self._total += int(lengths[lengths >= self.run].sum())

    def ratio(self) -> float:
        """Share of all pushed samples that lie in such runs."""
        self._close(self._carry)
        self._carry = 0
        return self._total / self._n if self._n else 0.0


class WelchMean:
    """``scipy.signal.welch(x, fs, nperseg=n)`` of the concatenation of the pushed blocks.

    Welch's default segments: Hann window (periodic), half overlap, each segment's mean
    removed, density scaling, one-sided, averaged by the mean. The segments are taken
    from a buffer that keeps the unfinished tail, so that every segment of the whole
    signal is averaged once. Computed with numpy's FFT over all the segments of a block at
    once: scipy's ``welch`` detrends its segments one by one in Python, which took about
    10 s of CPU per hour of speech here, against about 3 s this way (the tests compare
    the two).
    """

    _CHUNK = 1 << 16

    def __init__(self, fs: float, nperseg: int) -> None:
        from scipy.signal import get_window

        self.fs, self.nperseg, self.step = fs, nperseg, nperseg // 2
        self._window = get_window("hann", nperseg)
        self._buf = np.zeros(0)
        self._sum = np.zeros(nperseg // 2 + 1)
        self._count = 0

    def _take(self) -> None:
        k = (self._buf.size - self.nperseg) // self.step + 1
        if k < 1:
            return
        segments = np.lib.stride_tricks.sliding_window_view(self._buf, self.nperseg)[:: self.step][
            :k
        ]
        spectrum = np.fft.rfft(
            (segments - segments.mean(axis=1, keepdims=True)) * self._window, axis=1
        )
        self._sum += np.sum(spectrum.real**2 + spectrum.imag**2, axis=0)
        self._count += k
        self._buf = self._buf[k * self.step :].copy()

    def push(self, x: np.ndarray) -> None:
        """Add the next samples of the signal."""
        self._buf = np.concatenate([self._buf, x])
        if self._buf.size >= self._CHUNK:
            self._take()

    def result(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(freqs, psd)`` as scipy gives them, or None when fewer than ``nperseg`` came."""
        self._take()
        if self._count == 0:
            return None
        psd = self._sum / (self._count * self.fs * np.sum(self._window**2))
        psd[1 : -1 if self.nperseg % 2 == 0 else None] *= 2  # one-sided: DC, Nyquist once
        return np.fft.rfftfreq(self.nperseg, 1 / self.fs), psd


class LoudnessMeter:
    """ITU-R BS.1770-4 integrated loudness as ``pyloudnorm.Meter(rate)`` measures it, in blocks.

    pyloudnorm filters the whole signal (its K-weighting biquads) and sums squares over
    400 ms gating blocks every 100 ms; here the same filters run with their state carried
    from block to block (``scipy.signal.lfilter`` with ``zi``) and each gating block's sum
    of squares is added up as its samples arrive, with pyloudnorm's own block boundaries,
    channel gains and gates. Only the per-block sums (one number per channel every 100 ms)
    are kept.
    """

    #: pyloudnorm's channel gains (L, R, C, Ls, Rs); channels beyond five are not metered.
    GAINS = (1.0, 1.0, 1.0, 1.41, 1.41)
    BLOCK_S, STEP = 0.4, 0.25  # gating block (s) and its step as a share of it

    def __init__(self, rate: int, channels: int) -> None:
        import pyloudnorm

        self.rate = rate
        self.channels = min(channels, len(self.GAINS))
        meter = pyloudnorm.Meter(rate)
        # the K-weighting stages as pyloudnorm builds them (its only record of them)
        self._stages = [(f.b, f.a, f.passband_gain) for f in meter._filters.values()]
        self._zi = [np.zeros((self.channels, max(len(a), len(b)) - 1)) for b, a, _ in self._stages]
        self._z = np.zeros((self.channels, 64))
        self._n = 0
        self._first_open = 0  # the first gating block not yet complete
        self._next_block = 0  # the first gating block not yet started

    def _bounds(self, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # the same float expressions as pyloudnorm (int() truncates as it does)
        lower = (self.BLOCK_S * (j * self.STEP) * self.rate).astype(np.int64)
        upper = (self.BLOCK_S * (j * self.STEP + 1) * self.rate).astype(np.int64)
        return lower, upper

    def push(self, data: np.ndarray) -> None:
        """Add the next block, shape ``(samples, channels)``."""
        from scipy.signal import lfilter

        x = data[:, : self.channels].T.astype(np.float64, copy=True)
        for i, (b, a, gain) in enumerate(self._stages):
            x, self._zi[i] = lfilter(b, a, x, axis=1, zi=self._zi[i])
            x = gain * x
        start, stop = self._n, self._n + x.shape[1]
        while int(self.BLOCK_S * (self._next_block * self.STEP) * self.rate) < stop:
            self._next_block += 1
        j = np.arange(self._first_open, self._next_block)
        lower, upper = self._bounds(j)
        cum = np.concatenate([np.zeros((self.channels, 1)), np.cumsum(x * x, axis=1)], axis=1)
        lo = np.clip(lower, start, stop) - start
        hi = np.clip(upper, start, stop) - start
        if j.size and j[-1] >= self._z.shape[1]:
            grown = np.zeros((self.channels, max(2 * self._z.shape[1], j[-1] + 1)))
            grown[:, : self._z.shape[1]] = self._z
            self._z = grown
        self._z[:, j] += cum[:, hi] - cum[:, lo]
        self._first_open += int(np.sum(upper <= stop))
        self._n = stop

    def result(self) -> float:
        """Integrated loudness (LUFS); NaN below one gating block or when all is gated."""
        if self._n < self.BLOCK_S * self.rate:
            return np.nan
        seconds = self._n / self.rate
        n_blocks = int(np.round((seconds - self.BLOCK_S) / (self.BLOCK_S * self.STEP))) + 1
        z = np.zeros((self.channels, n_blocks))
        filled = min(n_blocks, self._z.shape[1])
        z[:, :filled] = self._z[:, :filled]
        z /= self.BLOCK_S * self.rate
        gains = np.array(self.GAINS[: self.channels])[:, None]
        with np.errstate(divide="ignore"):
            block_lufs = -0.691 + 10 * np.log10(np.sum(gains * z, axis=0))
        above = block_lufs >= -70.0
        if not above.any():
            return np.nan
        relative = -0.691 + 10 * np.log10(np.sum(gains[:, 0] * z[:, above].mean(axis=1))) - 10
        kept = (block_lufs > relative) & (block_lufs > -70.0)
        if not kept.any():
            return np.nan
        with np.errstate(divide="ignore"):
            value = -0.691 + 10 * np.log10(np.sum(gains[:, 0] * z[:, kept].mean(axis=1)))
        return float(value) if np.isfinite(value) else np.nan
