"""Recorded answers: delivery features, recording quality, and whether quality moves scores.

:func:`audio_features` measures each file (voice activity, pauses, syllable rate, pitch,
level, blind SNR, clipping, bandwidth). librosa is imported only when a file is measured,
so ``import interviewlab`` stays light.
"""

from interviewlab.audio.features import FEATURE_COLUMNS, audio_features

__all__ = ["FEATURE_COLUMNS", "audio_features"]
