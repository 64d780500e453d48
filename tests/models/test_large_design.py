"""fit_mixed on an InstEval-sized design, the boundary case, and lme4's profile intervals.

Reference values are R lme4/lmerTest output stored in tests/models/lmertest/
(large_reference.R writes large_output.txt; the data come from make_large_design.py and
make_data.py), so neither R nor the generating scripts are needed here.
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
from scipy.optimize import minimize

from interviewlab.errors import InterviewLabWarning
from interviewlab.models import engine, fit_mixed

HERE = Path(__file__).parent / "lmertest"
OUTPUT = HERE / "large_output.txt"

#: design in large_output.txt -> (formula, random factors, method)
LARGE = {
    "large_reml": ("y ~ C(service)", ["s", "d", "dept"], "reml"),
    "large_ml": ("y ~ C(service)", ["s", "d", "dept"], "ml"),
    "large_interaction": ("y ~ C(service) * dept", ["s", "d"], "reml"),
}


def r_term(term: str) -> str:
    """Our patsy term name -> lme4's (``C(service)[T.1]`` -> ``service1``)."""
    if term == "Intercept":
        return "(Intercept)"
    term = re.sub(r"C\(service\)\[T\.(\w+)\]", r"service\1", term)
    return re.sub(r"dept\[T\.(\w+)\]", r"dept\1", term)


def reference() -> tuple[pd.DataFrame, dict[str, dict[str, float]], str]:
    """Coefficient tables, variance components and the comment lines of the output."""
    text = OUTPUT.read_text()
    rows = [
        line
        for line in text.splitlines()
        if line and not line.startswith("#") and not line.startswith("design,")
    ]
    table = pd.read_csv(
        io.StringIO("design,term,estimate,se,df\n" + "\n".join(rows)), skipinitialspace=True
    )
    variances = {}
    for match in re.finditer(r"# variances (\S+) (.*)", text):
        pairs = (item.split("=") for item in match.group(2).split())
        variances[match.group(1)] = {k: float(v) for k, v in pairs}
    return table, variances, text


def comment_value(text: str, pattern: str) -> float:
    match = re.search(pattern + r" (\S+)", text)
    assert match is not None, pattern
    return float(match.group(1))


def quiet_fit(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        return fit_mixed(*args, **kwargs)


@pytest.fixture(scope="module")
def large() -> pd.DataFrame:
    return pd.read_csv(HERE / "large.csv.gz")


@pytest.mark.parametrize("name", list(LARGE))
def test_instevalsized_design_matches_lmertest(large, name):
    # R: summary(lmer(y ~ service + (1|s) + (1|d) + (1|dept), large), ddf = "Satterthwaite"),
    # the same by ML, and y ~ service * dept + (1|s) + (1|d) (large_reference.R): 3,000
    # students x 1,100 lecturers, 71,753 ratings
    formula, random, method = LARGE[name]
    ddf = "satterthwaite" if method == "reml" else "z"
    fit = quiet_fit(large, formula, random=random, method=method, variance_ci=False, ddf=ddf)
    table, variances, text = reference()
    ref = table[table["design"] == name].set_index("term")
    ours = fit.fixed.assign(term=fit.fixed["term"].map(r_term)).set_index("term")
    ours = ours.loc[ref.index]
    ref_loglik = comment_value(text, f"# loglik {name}")
    expected = variances[name]
    if name == "large_ml":
        # lme4's ML fit stops with the department variance at 3e-10, 1.28 below the
        # interior optimum; our criterion at lme4's estimates gives lme4's log-likelihood
        design = engine.build_design(large, formula, random)
        dev = engine.Deviance(design, reml=False)
        theta = np.sqrt([expected[c] / expected["Residual"] for c in random])
        assert_allclose(-0.5 * dev.criterion(theta), ref_loglik, rtol=1e-10)
        assert fit.loglik > ref_loglik + 1.0
        assert expected["dept"] < 1e-9 < 1e-3 < fit.variances["variance"].iloc[2]
        return
    # same optimum: our log-likelihood is lme4's or higher (lme4 stops within ~1e-8)
    assert fit.loglik >= ref_loglik - 1e-6
    assert_allclose(fit.loglik, ref_loglik, rtol=1e-10)
    assert_allclose(ours["estimate"], ref["estimate"], rtol=1e-5, atol=1e-7)
    assert_allclose(ours["se"], ref["se"], rtol=1e-5)
    if ddf == "satterthwaite":
        # lme4 stops a little short of the optimum along the flat direction of a
        # 14-level factor (theta 3e-5 away; Newton steps from ours move df by 1e-7),
        # and df depend on where: at lme4's own estimates our df equal lmerTest's to 1e-5
        assert_allclose(ours["df"], ref["df"], rtol=5e-5)
        design = engine.build_design(large, formula, random)
        dev = engine.Deviance(design, reml=True)
        theta = np.sqrt([expected[c] / expected["Residual"] for c in random])
        satt = engine.satterthwaite(dev, theta, dev.sigma2(dev.cholesky(theta)))
        at_lme4 = [satt.df(row) for row in np.eye(len(fit.fixed))]
        order = [list(fit.fixed["term"].map(r_term)).index(t) for t in ref.index]
        assert_allclose(np.asarray(at_lme4)[order], ref["df"], rtol=1e-5)
    got = fit.variances.set_index("component")["variance"]
    for component in random:
        assert_allclose(got[component], expected[component], rtol=1e-4)
    assert_allclose(got["residual"], expected["Residual"], rtol=1e-6)


def test_boundary_case_reaches_the_interior_optimum():
    # A rater variance in a shallow well next to 0 (make_large_design.boundary): before
    # issue 29 the fit stopped at 0 (log-likelihood -539.4067911802, variance 1.1e-11,
    # flagged singular), below lme4's -539.406787093727; the REML optimum is interior.
    data = pd.read_csv(HERE / "boundary.csv")
    fit = quiet_fit(data, "score ~ 1", random=["cand", "rater"], variance_ci=False)
    _, _, text = reference()
    lme4_loglik = comment_value(text, "# loglik boundary")
    # lme4's own REML criterion at our estimate (getME(m, "devfun")) equals ours
    lme4_at_ours = comment_value(text, "# lme4 loglik at interviewlab's theta")
    assert_allclose(fit.loglik, lme4_at_ours, rtol=1e-12)
    assert fit.loglik > lme4_loglik + 1e-6
    assert fit.loglik > -539.4067911802 + 1e-5
    assert not fit.singular
    rater = fit.variances.set_index("component").loc["rater", "variance"]
    assert_allclose(rater, 8.6232e-5, rtol=1e-3)


def test_boundary_check_keeps_a_true_zero():
    # raters' means made exactly equal: 0 is the optimum, and the probe inside the bound
    # (theta = 1e-3) finds the criterion rising, so the fit stays singular
    rng = np.random.default_rng(9)
    df = pd.DataFrame({"cand": np.repeat(np.arange(30), 6), "rater": np.tile(np.arange(6), 30)})
    df["score"] = rng.normal(0, 1, 30)[df["cand"]] + rng.normal(0, 1, len(df))
    df["score"] -= df.groupby("rater")["score"].transform("mean")
    fit = quiet_fit(df, "score ~ 1", random=["cand", "rater"], variance_ci=False)
    assert fit.singular
    assert fit.variances.set_index("component").loc["rater", "variance"] < 1e-10


@pytest.mark.parametrize(
    "name, formula, random",
    [
        pytest.param("crossed", "score ~ group", ["candidate", "rater", "question"], id="crossed"),
        pytest.param(
            "between", "score ~ format * group + question", ["candidate", "rater"], id="between"
        ),
    ],
)
def test_ml_profile_intervals_match_lme4_confint_profile(name, formula, random):
    # R: confint(profile(lmer(..., REML = TRUE)))^2. lme4 profiles the ML deviance even
    # for a REML fit (devfun2 calls refitML), so these are our method="ml" intervals;
    # lme4 interpolates its profile between grid points with splines, which moves the
    # lower ends of the 4- and 6-level components by up to 4e-4 (ours are on the cut:
    # test_ml_profile_end_is_on_the_chi_square_cut).
    data = pd.read_csv(HERE / f"{name}.csv")
    fit = quiet_fit(data, formula, random=random, method="ml", ddf="z")
    _, _, text = reference()
    match = re.search(rf"# profile {name} (.*)", text)
    assert match is not None
    ref = {}
    for item in match.group(1).split():
        label, low, high = item.split(":")
        ref[label] = (float(low), float(high))
    rows = fit.variances.set_index("component")
    # lme4 numbers the SDs .sig01, .sig02, ... by decreasing number of levels, the order
    # of ``random`` here
    for i, component in enumerate(random, start=1):
        assert_allclose(
            rows.loc[component, ["ci_low", "ci_high"]].to_numpy(float),
            ref[f".sig{i:02d}"],
            rtol=5e-4,
        )
    assert_allclose(
        rows.loc["residual", ["ci_low", "ci_high"]].to_numpy(float), ref[".sigma"], rtol=1e-4
    )


def test_ml_profile_end_is_on_the_chi_square_cut():
    # the end lme4's spline places 4e-4 away: with the rater variance pinned at our end,
    # minimising the ML deviance over the other parameters independently (Nelder-Mead on
    # log sigma^2 and the candidate theta) gives the minimum + chi2(1) 0.95 quantile
    data = pd.read_csv(HERE / "between.csv")
    formula, random = "score ~ format * group + question", ["candidate", "rater"]
    fit = quiet_fit(data, formula, random=random, method="ml", ddf="z")
    dev = engine.Deviance(engine.build_design(data, formula, random), reml=False)
    base = -2.0 * fit.loglik
    rows = fit.variances.set_index("component")
    for end in rows.loc["rater", ["ci_low", "ci_high"]]:

        def at(x, end=end):
            s2 = float(np.exp(x[0]))
            return dev.full(np.array([abs(x[1]), np.sqrt(end / s2)]), s2)

        start = np.array([np.log(rows.loc["residual", "variance"]), 1.0])
        best = minimize(at, start, method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-11})
        assert_allclose(best.fun - base, 3.841458820694124, atol=1e-6)
