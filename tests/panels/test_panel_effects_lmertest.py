"""panel_effects' four models against R lmerTest (stored output, R not needed here).

The study and the R script are in tests/panels/lmertest/: make_panel_study.py writes the study
(simulate_study, seeded), panel_effects_reference.R builds same, share and diversity
from the study's CSV files by itself, fits the main model and the three moderator
models with lmer (REML) and prints summary(..., ddf = "Satterthwaite"); its output is
panel_effects_output.txt (R 4.2.2, lme4 1.1.31, lmerTest 3.1.3).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from numpy.testing import assert_allclose

import interviewlab as il

HERE = Path(__file__).parent / "lmertest"

#: panel_effects row (term, group, role) -> (R model, R coefficient)
ROWS = {
    ("similar_to_me", "", ""): ("main", "same"),
    ("similar_to_me_by_group", "female", ""): ("by_group", "csexfemale:same"),
    ("similar_to_me_by_group", "male", ""): ("by_group", "csexmale:same"),
    ("panel_share", "", ""): ("main", "share"),
    ("panel_diversity", "", ""): ("main", "diversity"),
    ("internal", "", ""): ("main", "internal"),
    ("internal_by_role", "", "HR"): ("by_role", "roleHR:internal"),
    ("internal_by_role", "", "hiring manager"): ("by_role", "rolehiring manager:internal"),
    ("internal_by_role", "", "peer"): ("by_role", "rolepeer:internal"),
    ("similar_to_me_trained_minus_untrained", "", ""): ("by_training", "same:trained"),
}


def r_output() -> pd.DataFrame:
    """The coefficient tables of panel_effects_output.txt, indexed by model and term."""
    text = (HERE / "panel_effects_output.txt").read_text()
    rows = [
        line
        for line in text.splitlines()
        if line and not line.startswith("#") and not line.startswith("model,")
    ]
    header = "model,term,estimate,se,df,t,p_value\n"
    table = pd.read_csv(io.StringIO(header + "\n".join(rows)), skipinitialspace=True)
    return table.set_index(["model", "term"])


@pytest.fixture(scope="module")
def effects() -> pd.DataFrame:
    table = il.panel_effects(il.load_study(HERE / "study"), group="sex")
    return table.set_index(["term", "group", "role"])


@pytest.mark.parametrize("key", list(ROWS), ids=["-".join(filter(None, k)) for k in ROWS])
def test_rows_match_lmertest(effects: pd.DataFrame, key: tuple[str, str, str]) -> None:
    # R lmerTest 3.1.3: summary(lmer(score ~ <model> + (1 | candidate_id) +
    # (1 | rater_id) + (1 | question_id), REML = TRUE), ddf = "Satterthwaite")
    ref = r_output().loc[ROWS[key]]
    row = effects.loc[key]
    assert row["estimable"]
    assert_allclose(row["estimate"], ref["estimate"], rtol=1e-6)
    assert_allclose(row["se"], ref["se"], rtol=5e-6)
    assert_allclose(row["df"], ref["df"], rtol=1e-5)
    assert_allclose(row["p_value"], ref["p_value"], rtol=1e-5)


def test_every_row_is_checked(effects: pd.DataFrame) -> None:
    assert sorted(effects.index) == sorted(ROWS)


def test_same_ratings_as_r(effects: pd.DataFrame) -> None:
    # R: the ratings left after dropping those without a recorded sex
    text = (HERE / "panel_effects_output.txt").read_text()
    match = re.search(r"# ratings used (\d+) candidates (\d+) raters (\d+)", text)
    assert match is not None
    n_ratings, n_candidates, n_raters = map(int, match.groups())
    left_out = len(il.load_study(HERE / "study").ratings) - n_ratings
    assert left_out > 0
    reason = str(effects.iloc[0]["reason"])
    assert f"{left_out} rating(s) without a recorded candidate or rater group left out" in reason
    internal = effects.loc[("internal", "", "")]
    assert [internal["n_candidates"], internal["n_raters"]] == [n_candidates, n_raters]
