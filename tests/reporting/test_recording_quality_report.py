"""The recording_quality report on a small simulated study with a planted quality gap.

The group labels are hostile (a script and a spreadsheet formula), so the same run also
checks that the new page escapes them and its tables neutralise them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import interviewlab as il

pytestmark = pytest.mark.slow  # every test here runs reports

SCRIPT = "<script>alert('x')</script>"
FORMULA = '=HYPERLINK("http://attacker.example","click")'
# sexes are half and half, so that both groups are large enough to show in a small study;
# female candidates' recordings are planted 0.25 lower in quality (6 dB of synthetic SNR)
OPTIONS = {
    "seed": 8, "name": "recorded", "n_candidates": 120, "n_raters": 6, "n_questions": 2,
    "n_requisitions": 2, "focal": ("sex", "female"), "focal_recording_gap": 0.25,
    "recording_penalty": 0.6, "missing_group_rate": 0.0,
}  # fmt: skip
# SNR bands with a lowest band of 5 candidates (below 10 dB), so that suppression shows: the
# noise-floor SNR reads these recordings within about 2 dB of their set SNR, and no band of
# the default edges (15, 20, 25 dB) holds fewer than 10 of the 61 candidates
PARAMS = {"n_jobs": 1, "recording_seconds": 2.0, "snr_bands": [10.0, 20.0, 25.0]}


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("cache")
    # the recordings and features go to a fresh cache; numba's compiled code stays where
    # it is (compiling librosa again would take a minute)
    numba = os.environ.get("NUMBA_CACHE_DIR") or str(il.default_cache_dir() / "numba")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INTERVIEWLAB_CACHE_DIR", str(folder))
        patch.setenv("NUMBA_CACHE_DIR", numba)
        yield folder


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = il.simulate_study(**OPTIONS)  # type: ignore[arg-type]
    labels = {"female": SCRIPT, "male": FORMULA}
    cand = base.candidates.assign(sex=base.candidates["sex"].map(labels))
    meta = dict(base.meta)
    meta["groups"] = {**meta["groups"], "reference": {**meta["groups"]["reference"], "sex": SCRIPT}}
    meta["planted"] = {**meta["planted"], "focal_value": SCRIPT}
    study = il.Study.from_frames(meta, cand, base.ratings, raters=base.raters)
    return study.save(tmp_path_factory.mktemp("study") / "recorded")


@pytest.fixture(scope="module")
def folder(cache: Path, study: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    return il.run_report("recording_quality", study=study, out=out, params=PARAMS, progress=False)


def _table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / "tables" / f"{name}.csv")


def test_headline_first_names_the_planted_quality_gap(folder: Path, study: Path) -> None:
    html = (folder / "recording_quality.html").read_text()
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert "import interviewlab" not in text and 'class="il-reader"' in text
    assert not any(cid in text for cid in il.load_study(study).candidates["candidate_id"])
    assert "<script>alert" not in text and "&lt;script&gt;" in text
    headline = json.loads((folder / "provenance.json").read_text())["headline"]
    female, male = il.escape_markdown(SCRIPT), il.escape_markdown(FORMULA)
    assert headline.startswith(f"The recordings of {female} candidates had")
    assert "a clear gap (p < 0.05)" in headline
    # its numbers are the tables' (the SNR gap and the shares below a threshold); the
    # planted group is the reference here, so the compared group's gap is turned round
    gaps = _table(folder, "quality_gaps")
    gap = gaps[gaps["feature"].str.startswith("Signal") & (gaps["role"] == "compared")].iloc[0]
    assert f"had {gap['difference']:.1f} dB lower" in headline
    assert f"Hedges' g {-gap['d']:.2f}, 95% CI {-gap['ci_high']:.2f} to {-gap['ci_low']:.2f}" in (
        headline
    )
    below = _table(folder, "below_threshold_by_group").set_index("role")["share_below"]
    assert f"{below['reference']:.0%} of {female}" in headline
    assert f"against {below['compared']:.0%} of {male}" in headline
    # the headline comes before every section, quality by group before quality vs score
    assert text.index("In short:") < text.index("Recording quality by group")
    assert text.index("Recording quality by group") < text.index("Quality and scores")
    assert text.index("Quality and scores") < text.index("What the model says")
    assert len(list((folder / "figures").glob("*.png"))) == 2


def test_quality_tables_show_the_gap_and_the_shares(folder: Path) -> None:
    gaps = _table(folder, "quality_gaps")
    snr = gaps[gaps["feature"].str.startswith("Signal-to-noise")].set_index("role")
    assert snr.loc["compared", "ci_low"] > 0 and snr.loc["compared", "p_value"] < 0.05
    # the formula label reaches the CSV neutralised (a leading quote), never as a formula
    assert snr.loc["compared", "group"] == "'" + FORMULA
    assert not any(str(v).startswith("=") for v in gaps.to_numpy().ravel())
    below = _table(folder, "below_threshold_by_group").set_index("role")
    assert below.loc["reference", "share_below"] > below.loc["compared", "share_below"]
    bands = _table(folder, "scores_by_snr_band")
    total = _table(folder, "score_model")["n_candidates"].iloc[0]
    # bands of fewer than 10 candidates are suppressed with their figures, and so is a
    # second band that would give them away by subtraction from the total
    hidden = bands["suppressed"]
    assert bands.loc[~hidden, "n_candidates"].sum() < total
    assert bands.loc[hidden, ["n_candidates", "estimate", "ci_low"]].isna().all().all()
    model = _table(folder, "score_model").set_index("term")
    assert {"SNR, per 10 dB", "speaking rate, per syllable/s"} <= set(model.index)
    assert (model["ci_low"] <= model["estimate"]).all()
    measured = _table(folder, "measurement").set_index("outcome")
    assert measured.loc["measured", "n_recordings"] == total


def test_second_run_reads_the_caches_and_gives_the_same_tables(
    folder: Path, cache: Path, study: Path, tmp_path: Path
) -> None:
    recordings = list((cache / "recordings").iterdir())
    assert len(recordings) == 1
    stamps = {p: p.stat().st_mtime_ns for p in recordings[0].glob("*.wav")}
    again = il.run_report(
        "recording_quality", study=study, out=tmp_path, params=PARAMS, progress=False
    )
    assert {p: p.stat().st_mtime_ns for p in recordings[0].glob("*.wav")} == stamps
    for path in sorted((folder / "tables").glob("*.csv")):
        assert path.read_bytes() == (again / "tables" / path.name).read_bytes(), path.name


def test_demo_page_warns_where_a_group_has_no_spread(cache: Path, tmp_path: Path) -> None:
    # on the demo every recording of the Mixed group reads the 8000 Hz ceiling of 16 kHz
    # audio: its Welch p (0.002) rests on the White group's spread alone while g's interval
    # crosses 0, and the page says so beside the table
    folder = il.run_report("recording_quality", study="demo", out=tmp_path, progress=False)
    gaps = _table(folder, "quality_gaps")
    flat = gaps[gaps["feature"].str.startswith("Bandwidth") & (gaps["sd"] == 0)]
    assert flat["group"].tolist() == ["Mixed"]
    html = (folder / "recording_quality.html").read_text()
    assert "Read with care: every recording of the 22 Mixed candidates has the same " \
           "bandwidth, 8,000 Hz." in html  # fmt: skip
