"""Satterthwaite df of fit_mixed against R lmerTest (stored output, R not needed here).

The data and the R script are in tests/models/lmertest/: make_data.py writes the CSVs
(seeded), lmertest_reference.R fits them and its printed output is
lmertest_output.txt (R 4.2.2, lme4 1.1.31, lmerTest 3.1.3).
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from interviewlab.errors import InterviewLabError
from interviewlab.models import fit_mixed

HERE = Path(__file__).parent / "lmertest"

#: design -> (patsy formula, random factors, R term name -> our term name)
DESIGNS = {
    "crossed": (
        "score ~ group",
        ["candidate", "rater", "question"],
        {"(Intercept)": "Intercept", "groupB": "group[T.B]"},
    ),
    "between": (
        "score ~ format * group + question",
        ["candidate", "rater"],
        {
            "(Intercept)": "Intercept",
            "formatlive": "format[T.live]",
            "groupreference": "group[T.reference]",
            "questionq1": "question[T.q1]",
            "questionq2": "question[T.q2]",
            "formatlive:groupreference": "format[T.live]:group[T.reference]",
        },
    ),
    "unbalanced": (
        "score ~ format + quality + question",
        ["candidate", "rater", "candidate:rater"],
        {
            "(Intercept)": "Intercept",
            "formatlive": "format[T.live]",
            "quality": "quality",
            "questionq1": "question[T.q1]",
            "questionq2": "question[T.q2]",
        },
    ),
}


def r_output() -> tuple[pd.DataFrame, dict[str, float]]:
    """Coefficient tables and the contrast line of lmertest_output.txt."""
    text = (HERE / "lmertest_output.txt").read_text()
    rows = [
        line
        for line in text.splitlines()
        if line and not line.startswith("#") and not line.startswith("design,")
    ]
    header = "design,term,estimate,se,df,t,p_value\n"
    table = pd.read_csv(io.StringIO(header + "\n".join(rows)), skipinitialspace=True)
    match = re.search(r"# contrast between gap_live (.*)", text)
    assert match is not None
    contrast = {k: float(v) for k, v in (item.split("=") for item in match.group(1).split())}
    return table, contrast


def fit_design(name: str, **kwargs):
    formula, random, _ = DESIGNS[name]
    data = pd.read_csv(HERE / f"{name}.csv")
    with warnings.catch_warnings():
        # 4 questions as a random factor: the few-levels warning is expected
        warnings.simplefilter("ignore")
        return fit_mixed(data, formula, random=random, variance_ci=False, **kwargs)


@pytest.mark.parametrize("name", list(DESIGNS))
def test_fixed_effects_match_lmertest(name):
    # R lmerTest 3.1.3: summary(lmer(..., REML = TRUE), ddf = "Satterthwaite")
    table, _ = r_output()
    ref = table[table["design"] == name].copy()
    ref["term"] = ref["term"].map(DESIGNS[name][2])
    fit = fit_design(name)
    ours = fit.fixed.set_index("term").loc[ref["term"]]
    assert_allclose(ours["estimate"], ref["estimate"], rtol=1e-3)
    assert_allclose(ours["se"], ref["se"], rtol=1e-3)
    assert_allclose(ours["df"], ref["df"], rtol=1e-3)
    assert_allclose(ours["statistic"], ref["t"], rtol=1e-3)
    assert_allclose(ours["p_value"], ref["p_value"], rtol=1e-3)


def test_contrast_matches_lmertest_contest1d():
    # R lmerTest 3.1.3: contest1D(m, c(0, 0, 1, 0, 0, 1)) on the between design
    _, ref = r_output()
    fit = fit_design("between")
    row = fit.contrast(
        {"group[T.reference]": 1.0, "format[T.live]:group[T.reference]": 1.0}, label="gap_live"
    ).iloc[0]
    assert row["term"] == "gap_live"
    assert_allclose(row["estimate"], ref["estimate"], rtol=1e-3)
    assert_allclose(row["se"], ref["se"], rtol=1e-3)
    assert_allclose(row["df"], ref["df"], rtol=1e-3)
    assert_allclose(row["p_value"], ref["p_value"], rtol=1e-3)
    half = stats.t.ppf(0.975, row["df"]) * row["se"]
    assert_allclose(
        [row["ci_low"], row["ci_high"]], [row["estimate"] - half, row["estimate"] + half]
    )


def test_z_option_keeps_normal_tests():
    sat = fit_design("between")
    z = fit_design("between", ddf="z")
    assert_allclose(z.fixed["estimate"], sat.fixed["estimate"])
    assert_allclose(z.fixed["se"], sat.fixed["se"])
    assert np.isinf(z.fixed["df"]).all()
    assert_allclose(z.fixed["p_value"], 2 * stats.norm.sf(np.abs(z.fixed["statistic"])))
    # with about 45 df the t test is less liberal than z on the candidate-level terms
    assert (sat.fixed["p_value"] > z.fixed["p_value"]).all()
    assert z.ddf == "z" and sat.ddf == "satterthwaite"


def test_balanced_between_candidate_effect_has_exact_df():
    # In a balanced fully crossed design a candidate-level effect is tested on
    # n_candidates - 2 = 28 df exactly (its F test reduces to candidate means);
    # R lmerTest 3.1.3 gives 27.9999946968.
    fit = fit_design("crossed")
    assert_allclose(fit.fixed.set_index("term").loc["group[T.B]", "df"], 28.0, rtol=1e-4)


def test_bad_ddf_and_contrast_terms_raise():
    data = pd.read_csv(HERE / "between.csv")
    with pytest.raises(InterviewLabError, match="ddf='kenward'"):
        fit_mixed(data, "score ~ format", random=["candidate", "rater"], ddf="kenward")
    fit = fit_design("between")
    with pytest.raises(InterviewLabError, match="not fixed-effect terms"):
        fit.contrast({"format[T.async]": 1.0})
