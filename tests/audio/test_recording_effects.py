"""Recordings linked to studies, and recording_effects (regression checked against statsmodels)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from numpy.testing import assert_allclose

import interviewlab as il


@pytest.fixture(scope="module")
def small_study() -> il.Study:
    return il.simulate_study(
        seed=11, n_candidates=40, n_raters=6, n_questions=2, n_requisitions=2,
        focal_recording_gap=0.3, recording_penalty=0.6,
    )  # fmt: skip


def _hand_features(study: il.Study, seed: int) -> pd.DataFrame:
    """Per-candidate feature values drawn at random, joined to the ratings (no audio)."""
    rng = np.random.default_rng(seed)
    ids = study.candidates["candidate_id"]
    per = pd.DataFrame(
        {
            "candidate_id": ids,
            "snr_db": rng.uniform(5, 45, len(ids)),
            "clipping_ratio": rng.choice([0.0, 0.005], len(ids), p=[0.8, 0.2]),
            "bandwidth_hz": rng.choice([3400.0, 8000.0], len(ids)),
            "syllables_per_s": rng.uniform(3, 6, len(ids)),
            "f0_sd_semitones": rng.uniform(1, 4, len(ids)),
            "n_pauses": rng.integers(0, 6, len(ids)),
        }
    )
    out = study.ratings.merge(per, on="candidate_id")
    return out.assign(error=None)


def test_score_model_matches_statsmodels(small_study: il.Study) -> None:
    feats = _hand_features(small_study, seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", il.SmallSampleWarning)
        result = il.recording_effects(feats, small_study, group="ethnicity")
    data = feats[feats["format"] == "async"].copy()
    data["snr_10db"] = data["snr_db"] / 10
    data["telephone_band"] = (data["bandwidth_hz"] < 4000).astype(float)
    data["clipping_pct"] = data["clipping_ratio"] * 100
    data["one"] = 1
    # statsmodels 0.15 MixedLM, REML, crossed intercepts as variance components of one group
    model = smf.mixedlm(
        "score ~ snr_10db + telephone_band + clipping_pct + syllables_per_s"
        " + f0_sd_semitones + n_pauses",
        data,
        groups="one",
        vc_formula={
            "c": "0 + C(candidate_id)",
            "r": "0 + C(rater_id)",
            "q": "0 + C(question_id)",
        },
        re_formula="0",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = model.fit(reml=True, method="lbfgs")
    ours = result.predictors.set_index("term")
    for term in ref.fe_params.index:
        assert_allclose(ours.loc[term, "estimate"], ref.fe_params[term], rtol=2e-3, atol=2e-4)
        assert_allclose(ours.loc[term, "se"], ref.bse_fe[term], rtol=2e-2)
    assert (ours["n_ratings"] == len(data)).all()


def test_quality_gap_and_shares_below_threshold(small_study: il.Study) -> None:
    feats = _hand_features(small_study, seed=6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", il.SmallSampleWarning)
        result = il.recording_effects(feats, small_study, group="sex", reference="male")
    per = feats.drop_duplicates("candidate_id").merge(
        small_study.candidates[["candidate_id", "sex"]], on="candidate_id"
    )
    ok = (per["snr_db"] >= 20) & (per["bandwidth_hz"] >= 4000) & (per["clipping_ratio"] <= 0.001)
    expected = 1 - ok.groupby(per["sex"]).mean()
    below = result.below_threshold.set_index("category")["share_below"]
    assert_allclose(below.loc[expected.index], expected.to_numpy())
    snr = result.quality_gaps[result.quality_gaps["feature"] == "snr_db"].set_index("group")
    means = per.groupby("sex")["snr_db"].mean()
    assert_allclose(snr.loc["female", "difference"], means["female"] - means["male"])
    assert {"ci_low", "ci_high", "p_value", "n", "estimable"} <= set(snr.columns)


def test_options_checked(small_study: il.Study) -> None:
    feats = _hand_features(small_study, seed=7)
    with pytest.raises(il.InterviewLabError, match="group"):
        il.recording_effects(feats, small_study, group="shoe_size")
    with pytest.raises(il.InterviewLabError, match="study_audio_features"):
        il.recording_effects(feats.drop(columns="snr_db"), small_study)


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> il.Study:
    study = il.simulate_study(
        seed=2, n_candidates=12, n_raters=3, n_questions=2, n_requisitions=2,
        focal_recording_gap=0.3,
    )  # fmt: skip
    folder = tmp_path_factory.mktemp("linked")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", il.InterviewLabWarning)
        return il.synthesize_recordings(study, folder, seed=2, seconds=1.5)


def test_study_audio_features_joins_to_ratings(linked: il.Study) -> None:
    feats = il.study_audio_features(linked, progress=False)
    assert len(feats) == len(linked.ratings)
    assert feats["error"].isna().all()
    one = feats.drop_duplicates("candidate_id").set_index("candidate_id")
    assert (one["recording"] == one.index + ".wav").all()
    assert one["bandwidth_hz"].between(3000, 8000).all()


def test_missing_recording_is_a_load_error_naming_the_line(linked: il.Study) -> None:
    folder = linked.recordings_dir
    assert folder is not None
    (folder / "C00003.wav").unlink()
    with pytest.raises(il.StudyError, match=r"candidates.csv, line 4, column 'recording'"):
        il.load_study(folder.parent)


@pytest.mark.parametrize("name", ["../secret.wav", "/etc/passwd", "C:evil.wav"])
def test_recording_outside_the_folder_is_refused(small_study: il.Study, name: str) -> None:
    cands = small_study.candidates.assign(recording=name)
    with pytest.raises(il.StudyError, match="inside the study's recordings/"):
        il.Study.from_frames(small_study.meta, cands, small_study.ratings)


def test_study_without_recordings_says_so(small_study: il.Study) -> None:
    with pytest.raises(il.InterviewLabError, match="names no recordings"):
        il.study_audio_features(small_study)


def test_save_copies_recordings(linked: il.Study, tmp_path: Path) -> None:
    keep = linked.candidates.assign(recording="")
    keep.loc[0, "recording"] = "C00001.wav"
    assert linked.recordings_dir is not None
    study = il.Study(linked.meta, keep, linked.ratings, dict(linked.files))
    study.save(tmp_path / "copy")
    assert (tmp_path / "copy" / "recordings" / "C00001.wav").is_file()
