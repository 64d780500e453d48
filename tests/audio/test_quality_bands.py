"""scores_by_quality (checked against statsmodels) and the cached synthetic recordings."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from statsmodels.stats.weightstats import DescrStatsW

import interviewlab as il


def _ratings(seed: int) -> pd.DataFrame:
    """Async ratings of 30 candidates (2-4 each) with one SNR per candidate, plus live rows."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(30):
        snr = float(rng.uniform(5, 35))
        for r in range(int(rng.integers(2, 5))):
            rows.append((f"C{c}", f"R{r}", "async", float(rng.integers(1, 6)), snr, None))
        rows.append((f"C{c}", "R9", "live", 5.0, np.nan, "no recording"))
    return pd.DataFrame(
        rows, columns=["candidate_id", "rater_id", "format", "score", "snr_db", "error"]
    )


def test_band_means_and_intervals_match_statsmodels() -> None:
    feats = _ratings(3)
    table = il.scores_by_quality(feats, edges=[15, 25], confidence=0.9)
    assert table["band"].tolist() == ["under 15 dB", "15 to 25 dB", "25 dB or more"]
    per = feats[feats["format"] == "async"].groupby("candidate_id")[["snr_db", "score"]].mean()
    band = np.digitize(per["snr_db"], [15, 25])
    for i, row in table.iterrows():
        inside = per[band == i]
        # statsmodels 0.15 DescrStatsW.tconfint_mean: the t interval of a mean
        low, high = DescrStatsW(inside["score"].to_numpy()).tconfint_mean(alpha=0.1)
        assert row["n_candidates"] == len(inside)
        assert_allclose(row["estimate"], inside["score"].mean())
        assert_allclose([row["ci_low"], row["ci_high"]], [low, high], rtol=1e-10)
        assert_allclose(row["feature_mean"], inside["snr_db"].mean())
    assert table["n_ratings"].sum() == (feats["format"] == "async").sum()


def test_empty_and_single_bands_say_why() -> None:
    feats = _ratings(4)
    one = feats["candidate_id"] == "C0"
    feats.loc[one & (feats["format"] == "async"), "snr_db"] = 100.0
    table = il.scores_by_quality(feats, edges=[-50, -40, 50]).set_index("band")
    assert table.loc["-50 to -40 dB", "n_candidates"] == 0
    assert "no candidate" in table.loc["-50 to -40 dB", "reason"]
    assert not table.loc["50 dB or more", "estimable"]
    assert "one candidate" in table.loc["50 dB or more", "reason"]
    assert np.isnan(table.loc["50 dB or more", "ci_low"])


def test_options_are_checked() -> None:
    feats = _ratings(5)
    with pytest.raises(il.InterviewLabError, match="increasing"):
        il.scores_by_quality(feats, edges=[20, 10])
    with pytest.raises(il.InterviewLabError, match="lack columns"):
        il.scores_by_quality(feats, feature="bandwidth_hz")
    with pytest.raises(il.InterviewLabError, match="formats present"):
        il.scores_by_quality(feats, in_format="video")


@pytest.fixture(scope="module")
def study() -> il.Study:
    return il.simulate_study(
        seed=4, n_candidates=16, n_raters=3, n_questions=2, n_requisitions=2,
        focal_recording_gap=0.3,
    )  # fmt: skip


def test_cached_recordings_are_made_once(study: il.Study, tmp_path: Path) -> None:
    linked = il.with_synthetic_recordings(study, seed=3, seconds=1.0, cache_dir=tmp_path)
    folder = linked.recordings_dir
    assert folder is not None and folder.parent == tmp_path
    # only candidates with async ratings get a recording
    rated = set(study.ratings.loc[study.ratings["format"] == "async", "candidate_id"])
    named = linked.candidates.set_index("candidate_id")["recording"]
    assert set(named[named != ""].index) == rated
    assert sorted(p.name for p in folder.glob("*.wav")) == sorted(named[named != ""])
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.wav")}
    again = il.with_synthetic_recordings(study, seed=3, seconds=1.0, cache_dir=tmp_path)
    assert again.recordings_dir == folder
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("*.wav")} == stamps
    other = il.with_synthetic_recordings(study, seed=4, seconds=1.0, cache_dir=tmp_path)
    assert other.recordings_dir != folder
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [folder.name, str(other.recordings_dir.name)]  # type: ignore[union-attr]
    )  # no staging folder left behind
    # the same synthesis as synthesize_recordings (same seed, same candidates)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", il.InterviewLabWarning)
        saved = il.synthesize_recordings(
            study, tmp_path / "saved", seed=3, seconds=1.0, for_format="async"
        )
    first = sorted(rated)[0] + ".wav"
    assert (saved.recordings_dir / first).read_bytes() == (folder / first).read_bytes()  # type: ignore[operator]
    assert saved.raters is not None and len(saved.raters) == len(study.raters)  # type: ignore[arg-type]
    table = il.study_audio_features(linked, progress=False)
    assert table.loc[table["format"] == "async", "error"].isna().all()


def test_cache_folder_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVIEWLAB_CACHE_DIR", str(tmp_path / "own"))
    assert il.default_cache_dir() == tmp_path / "own"
    monkeypatch.delenv("INTERVIEWLAB_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert il.default_cache_dir() == tmp_path / "xdg" / "interviewlab"
    assert os.access(il.default_cache_dir(), os.W_OK)


def test_synthetic_recordings_need_the_quality_column(study: il.Study, tmp_path: Path) -> None:
    bare = il.Study(study.meta, study.candidates.drop(columns="recording_quality"), study.ratings)
    with pytest.raises(il.InterviewLabError, match="recording_quality"):
        il.with_synthetic_recordings(bare, seed=1, cache_dir=tmp_path)
    with pytest.raises(il.InterviewLabError, match="for_format='video'"):
        il.with_synthetic_recordings(study, seed=1, for_format="video", cache_dir=tmp_path)
