"""Recorded answers: delivery features, recording quality, and whether quality moves scores.

:func:`audio_features` measures each file (voice activity, pauses, syllable rate, pitch,
level, blind SNR, clipping, bandwidth); :func:`study_audio_features` joins a study's
recordings to its ratings; :func:`recording_effects` asks whether quality differs by
group and whether quality and delivery predict async scores;
:func:`synthesize_recordings` writes synthetic answers for simulated studies. librosa is
imported only when a file is measured, so ``import interviewlab`` stays light.
"""

from interviewlab.audio.effects import RecordingEffects, recording_effects, study_audio_features
from interviewlab.audio.features import FEATURE_COLUMNS, audio_features
from interviewlab.audio.synth import synthesize_recordings

__all__ = [
    "FEATURE_COLUMNS",
    "RecordingEffects",
    "audio_features",
    "recording_effects",
    "study_audio_features",
    "synthesize_recordings",
]
