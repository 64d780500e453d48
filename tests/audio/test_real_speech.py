"""Speaking rate, speech time and pauses of real read speech against its transcript.

The recordings are the five LibriVox utterances of Debian's ``pocketsphinx-testdata``
(committed as FLAC under ``fixtures/librivox`` with their licence notice, so the test does
not need the package). The reference values come from ``fixtures/librivox/
make_reference.py``: syllables counted from the CMU Pronouncing Dictionary (vowel phones
of the pronunciation variants a PocketSphinx forced alignment chose) and the phonation time
of that alignment (first word to end of last, less silences of at least 0.3 s).

What is checked is the agreement the docstring of ``audio_features`` states: the syllable
nuclei of de Jong & Wempe (2009) count about three quarters of the syllables of fluent
read speech (adjacent unstressed syllables often lack the 2 dB dip between them), never
more than there are; speech time and pauses agree with the alignment.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import interviewlab as il

FOLDER = Path(__file__).resolve().parent / "fixtures" / "librivox"
REFERENCE = json.loads((FOLDER / "reference.json").read_text(encoding="utf-8"))
NAMES = sorted(name for name in REFERENCE if not name.startswith("_"))


@pytest.fixture(scope="module")
def feats() -> pd.DataFrame:
    out = il.audio_features([FOLDER / name for name in NAMES], progress=False)
    out.index = pd.Index(NAMES)
    assert out["error"].isna().all(), out["error"].tolist()
    return out.assign(
        nuclei=(out["syllables_per_s"] * out["speech_s"]).round().astype(int),
        syllables=[REFERENCE[n]["syllables"] for n in NAMES],
        reference_rate=[REFERENCE[n]["syllables_per_s"] for n in NAMES],
        phonation_s=[REFERENCE[n]["phonation_s"] for n in NAMES],
    )


def test_syllable_rate_counts_three_quarters_of_the_syllables(feats: pd.DataFrame) -> None:
    # measured: 75 nuclei for 99 dictionary syllables (0.76); per utterance 0.64 to 0.86
    pooled = feats["nuclei"].sum() / feats["syllables"].sum()
    assert_allclose(pooled, 0.76, atol=0.05)
    ratio = feats["syllables_per_s"] / feats["reference_rate"]
    assert ratio.between(0.6, 1.0).all(), ratio.round(2).tolist()


def test_speech_time_agrees_with_the_alignment(feats: pd.DataFrame) -> None:
    # measured: within 6% of the phonation time (0.41 s on the 7 s utterance)
    assert_allclose(feats["speech_s"], feats["phonation_s"], rtol=0.1)


def test_pauses_and_silent_ends_agree_with_the_alignment(feats: pd.DataFrame) -> None:
    for name in NAMES:
        ref = REFERENCE[name]
        row = feats.loc[name]
        assert row["n_pauses"] == len(ref["pauses_s"])  # none of >= 0.3 s in these
        # measured: within 0.32 s (the alignment gives breath and decay to the words)
        assert abs(row["leading_silence_s"] - ref["first_word_s"]) <= 0.35
        trailing = ref["duration_s"] - ref["last_word_end_s"]
        assert abs(row["trailing_silence_s"] - trailing) <= 0.35


def test_the_fixtures_are_the_debian_files_when_installed() -> None:
    source = Path("/usr/share/pocketsphinx/test/data/librivox")
    if not source.is_dir():
        pytest.skip("Debian's pocketsphinx-testdata is not installed (not needed)")
    import soundfile as sf

    for name in NAMES:
        ours, _ = sf.read(FOLDER / name, dtype="int16")
        theirs, _ = sf.read(source / name.replace(".flac", ".wav"), dtype="int16")
        np.testing.assert_array_equal(ours, theirs)
