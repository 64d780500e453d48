"""Recorded answers: delivery features, recording quality, and whether quality moves scores.

:func:`audio_features` measures each file (voice activity, pauses, syllable rate, pitch,
level, blind SNR, clipping, bandwidth); :func:`study_audio_features` joins a study's
recordings to its ratings; :func:`recording_effects` asks whether quality differs by
group and whether quality and delivery predict async scores; :func:`scores_by_quality`
gives mean scores per band of a quality feature; :func:`synthesize_recordings` and
:func:`with_synthetic_recordings` write synthetic answers for simulated studies (the
latter into :func:`default_cache_dir`). librosa is imported only when a file is
measured, so ``import interviewlab`` stays light.
"""

from interviewlab.audio.effects import (
    RecordingEffects,
    recording_effects,
    scores_by_quality,
    study_audio_features,
)
from interviewlab.audio.features import FEATURE_COLUMNS, audio_features, default_cache_dir
from interviewlab.audio.synth import synthesize_recordings, with_synthetic_recordings

__all__ = [
    "FEATURE_COLUMNS",
    "RecordingEffects",
    "audio_features",
    "default_cache_dir",
    "recording_effects",
    "scores_by_quality",
    "study_audio_features",
    "synthesize_recordings",
    "with_synthetic_recordings",
]
