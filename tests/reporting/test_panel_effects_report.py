"""The panel_effects report runs on the demo study and shows its planted effects."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from numpy.testing import assert_allclose

import interviewlab as il
from interviewlab.reporting import Disclosure

pytestmark = pytest.mark.slow  # every test here runs reports

DEMO = il.load_study("demo")
#: the demo as every report of it analyses it: the disclosure plan's combined categories
#: (issue 28: ethnicity not stated counted with "Other", as "Other or not stated")
PROTECTED = Disclosure.from_study(DEMO).apply(DEMO)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    return il.run_report("panel_effects", study="demo", out=out, progress=False)


def _table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / "tables" / f"{name}.csv")


def _text(folder: Path) -> str:
    html = (folder / "panel_effects.html").read_text()
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)


def test_report_is_listed_private_and_complete(folder: Path) -> None:
    assert "panel_effects" in il.available_reports()
    text = _text(folder)
    assert "import interviewlab" not in text and '<div class="highlight' not in text
    assert not any(cid in text for cid in DEMO.candidates["candidate_id"])
    ids = set(DEMO.candidates["candidate_id"])
    for path in (folder / "tables").glob("*.csv"):
        cells = pd.read_csv(path, dtype=str, keep_default_na=False).to_numpy().ravel()
        assert not ids & set(cells), path.name
    assert (folder / "figures" / "panel_effects.png").is_file()
    assert (folder / "provenance.json").is_file()


def test_headline_comes_first_and_names_the_effects(folder: Path) -> None:
    text = _text(folder)
    start = text.index("In short:")
    assert start < text.index('<h2 id="Who-rates-whom">') < text.index("Who rated whom, by")
    headline = text[start : text.index("</div>", start)]
    assert "share a candidate" in headline and "internal candidates" in headline
    assert "informal visit" in headline  # the planted lower access of Black candidates
    assert "Black" in headline


def test_planted_effects_lie_in_the_intervals(folder: Path) -> None:
    # datasets/demo/study.toml [planted]: similarity_bonus = 0.3, internal_bonus = 0.3
    effects = _table(folder, "panel_effects")
    by_term = effects[effects["term"] != "similar_to_me_by_group"].set_index("term")
    same = by_term.loc["similar_to_me"]
    assert same["ci_low"] <= DEMO.planted["similarity_bonus"] <= same["ci_high"]
    internal = by_term.loc["internal"]
    assert internal["ci_low"] <= DEMO.planted["internal_bonus"] <= internal["ci_high"]
    # the report's table is the library's on the protected study, after suppression
    direct = il.panel_effects(PROTECTED, group="ethnicity")
    assert effects["term"].tolist() == direct["term"].tolist()
    assert_allclose(effects["estimate"], direct["estimate"], rtol=1e-8)
    by_group = effects[effects["term"] == "similar_to_me_by_group"].set_index("group")
    black = by_group.loc["Black"]
    assert not black["estimable"] and "no Black candidate" in black["reason"]


def test_composition_is_suppressed_by_the_privacy_rules(folder: Path) -> None:
    table = _table(folder, "panel_composition")
    direct = il.panel_composition(PROTECTED, group="ethnicity")
    assert len(table) == len(direct)
    # candidates whose ethnicity is not recorded (8 of them met an Asian rater: fewer
    # than 10) are counted with "Other" in every table, not shown as a row of their own
    assert table["ethnicity"].notna().all() and "Other or not stated" in set(table["ethnicity"])
    assert_allclose(table["n_candidates"], direct["n_candidates"])
    shown = table[~table["suppressed"]]
    assert (shown["n_candidates"] >= 10).all()
    text = _text(folder)
    assert "Black</strong> candidates met no rater of their own ethnicity" in text


def test_access_to_the_process_by_group(folder: Path) -> None:
    # the demo plants process_focal_ratio = 0.6: Black candidates were offered informal
    # visits and pre-interview calls less often
    access = _table(folder, "process_access")
    direct = il.process_access(PROTECTED, group="ethnicity")
    assert_allclose(access["rate"], direct["rate"], rtol=1e-8)  # CSV keeps 10 significant digits
    black = access[access["category"] == "Black"].set_index("process")
    assert (black["impact_ratio"] < 0.8).all()
    assert (black["p_fisher"] < 0.05).all()
