"""The async_vs_live report runs on the demo study and shows its planted effects."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from numpy.testing import assert_allclose

import interviewlab as il

pytestmark = pytest.mark.slow  # every test here runs reports

DEMO = il.load_study("demo")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    # a small power section keeps the test quick; make report runs the full one
    params = {"n_sims": 4, "power_sizes": [300], "n_boot": 100, "n_jobs": 1}
    return il.run_report("async_vs_live", study="demo", out=out, params=params, progress=False)


def _table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / "tables" / f"{name}.csv")


def test_report_is_private_and_complete(folder: Path) -> None:
    html = (folder / "async_vs_live.html").read_text()
    assert "import interviewlab" not in html
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert not any(cid in text for cid in DEMO.candidates["candidate_id"])
    assert "Design:</strong> between" in text
    assert "both formats fed the same selection stage in 10 of 10 requisitions" in text
    for name in ("equivalence", "reliability_by_format", "follow_up_power",
                 "impact_by_format_ethnicity", "question_invariance_ethnicity"):  # fmt: skip
        assert (folder / "tables" / f"{name}.csv").is_file(), name


def test_page_reads_as_curated_tables(folder: Path) -> None:
    html = (folder / "async_vs_live.html").read_text()
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert "<title>Async vs live" in text
    # the headline states the overall effect with its interval and sample size
    assert re.search(r"In short.*async interviews scored 0\.\d\d rubric points lower", text, re.S)
    for header in ("Points (95% CI)", "Standardised (d)", "Difference (90% CI)",
                   "Power (95% Monte-Carlo CI)", "Interval covers the planted value"):  # fmt: skip
        assert header in text, header
    # no raw pandas output: no NaN/<NA> text, no True/False flags, no p = < 0.001
    cells = re.findall(r"<td[^>]*>(.*?)</td>", text, re.S)
    assert cells and not {"NaN", "nan", "&lt;NA&gt;", "True", "False"} & set(cells)
    assert "p = &lt;" not in text and "p = <" not in text


def test_planted_async_penalty_is_shown_and_inside_its_interval(folder: Path) -> None:
    # datasets/demo/study.toml [planted]: format_effect = -0.1 and an extra async
    # penalty focal_format_effect = -0.4 for Black candidates (plus a recording-quality
    # penalty that only async scores carry)
    planted = _table(folder, "planted_vs_estimated").set_index(["kind", "group"])
    truth = il.planted_format_effects(DEMO).set_index(["kind", "group"])["planted"]
    assert_allclose(planted.loc[truth.index, "planted"], truth)
    assert planted["inside_interval"].all()
    assert planted["planted"].min() < -0.6  # the Black candidates' async penalty
    effects = _table(folder, "format_effects_ethnicity")
    gaps = effects[effects["kind"] == "gap"].set_index(["group", "format"])
    black_async = gaps.loc[("Black", "async")]
    black_live = gaps.loc[("Black", "live")]
    # the Black candidates' gap is larger in async than live, and both are clear
    assert black_async["estimate"] < black_live["estimate"] < 0
    assert black_async["ci_high"] < 0
    # the all-candidates row: kind "format" with group "" (read back from CSV as missing)
    overall = effects[(effects["kind"] == "format") & effects["group"].isna()].iloc[0]
    assert overall["ci_high"] < 0 and overall["p_value"] < 1e-6
