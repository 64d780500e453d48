"""Tests of G-theory against Brennan (2001) and independent ANOVA / REML computations."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from statsmodels.stats.anova import anova_lm

from interviewlab.data import read_dataset
from interviewlab.errors import InterviewLabError, InterviewLabWarning
from interviewlab.reliability import GStudy, d_study, g_study, optimal_design


@pytest.fixture(scope="module")
def synthetic1() -> pd.DataFrame:
    return read_dataset("brennan_2001_synthetic1")


@pytest.fixture(scope="module")
def synthetic3() -> pd.DataFrame:
    return read_dataset("brennan_2001_synthetic3")


def components(g: GStudy) -> pd.Series:
    return g.components.set_index("component")["variance"]


def test_brennan_synthetic1_p_x_i(synthetic1):
    # Brennan (2001) Synthetic Data Set No. 1, p x i with n_p = 10, n_i = 12:
    # sigma^2(p) = .0574, sigma^2(i) = .0754, sigma^2(pi) = .1269; E rho^2 = .844, Phi = .773
    g = g_study(synthetic1, object="person", facets="item", score="score")
    assert g.method == "anova"
    v = components(g)
    assert_allclose(v[["person", "item", "person x item"]], [0.0574, 0.0754, 0.1269], atol=5e-5)
    # published mean squares: MS(p) = .8157, MS(i) = .8811, MS(pi) = .1269
    assert_allclose(g.components["mean_square"], [0.8157, 0.8811, 0.1269], atol=5e-5)
    d = d_study(g)
    assert_allclose(d[["g_coefficient", "phi"]].iloc[0], [0.844, 0.773], atol=5e-4)
    assert_allclose(g.components["percent"].sum(), 100.0)


def test_brennan_synthetic3_p_x_i_x_o(synthetic3):
    # Brennan (2001) Synthetic Data Set No. 3, p x i x o with 10 x 4 x 2: components
    # p .5528, i .4417, o .0074, pi .5750, po .1009, io .1565, pio,e .9352;
    # with n_i = 4 and n_o = 2: E rho^2 = .64 and Phi = .55
    g = g_study(synthetic3, object="person", facets=["item", "occasion"], score="score")
    v = components(g)
    expected = {
        "person": 0.5528,
        "item": 0.4417,
        "occasion": 0.0074,
        "person x item": 0.5750,
        "person x occasion": 0.1009,
        "item x occasion": 0.1565,
        "person x item x occasion": 0.9352,
    }
    assert_allclose(v[list(expected)], list(expected.values()), atol=5e-5)
    # published sums of squares: 62.20, 37.45, 3.20, 56.30, 12.05, 7.50, 25.25
    table = g.components.set_index("component")
    ss = table["mean_square"] * table["df"]
    assert_allclose(ss[list(expected)], [62.20, 37.45, 3.20, 56.30, 12.05, 7.50, 25.25], atol=5e-3)
    d = d_study(g)
    assert_allclose(d[["g_coefficient", "phi"]].iloc[0], [0.64, 0.55], atol=5e-3)


def test_mean_squares_match_statsmodels_anova(synthetic3):
    # independent: statsmodels OLS + anova_lm (type 1) of the full factorial without the
    # highest-order interaction (which is the residual)
    g = g_study(synthetic3, object="person", facets=["item", "occasion"], score="score")
    model = smf.ols(
        "score ~ C(person) + C(item) + C(occasion) + C(person):C(item) + C(person):C(occasion)"
        " + C(item):C(occasion)",
        synthetic3,
    ).fit()
    table = anova_lm(model)
    ours = g.components.set_index("component")
    pairs = {
        "person": "C(person)",
        "item": "C(item)",
        "occasion": "C(occasion)",
        "person x item": "C(person):C(item)",
        "person x occasion": "C(person):C(occasion)",
        "item x occasion": "C(item):C(occasion)",
        "person x item x occasion": "Residual",
    }
    for mine, theirs in pairs.items():
        assert_allclose(ours.loc[mine, "mean_square"], table.loc[theirs, "mean_sq"], rtol=1e-10)
        assert ours.loc[mine, "df"] == table.loc[theirs, "df"]


@pytest.mark.parametrize("name", ["synthetic1", "synthetic3"])
def test_reml_equals_anova_on_balanced_data(name, request):
    data = request.getfixturevalue(name)
    facets = ["item"] if name == "synthetic1" else ["item", "occasion"]
    anova = g_study(data, object="person", facets=facets, score="score", method="anova")
    reml = g_study(data, object="person", facets=facets, score="score", method="reml")
    assert reml.method == "reml"
    assert_allclose(components(reml), components(anova), rtol=1e-4, atol=1e-7)
    assert (reml.components["ci_method"] == "profile").all()


def test_unbalanced_p_x_i_uses_reml_matching_statsmodels(synthetic1):
    rng = np.random.default_rng(0)
    data = synthetic1.loc[rng.random(len(synthetic1)) < 0.85].reset_index(drop=True)
    g = g_study(data, object="person", facets="item", score="score")
    assert g.method == "reml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = smf.mixedlm(
            "score ~ 1",
            data.assign(one=1),
            groups="one",
            re_formula="0",
            vc_formula={"a_p": "0 + C(person)", "b_i": "0 + C(item)"},
        ).fit(reml=True, method=["lbfgs"], gtol=1e-10)
    # statsmodels MixedLM REML, crossed effects as variance components of one group
    assert_allclose(components(g), [*ref.vcomp, ref.scale], rtol=1e-4)


def test_unbalanced_p_x_i_x_o_reaches_at_least_statsmodels_likelihood(synthetic3):
    from interviewlab.models import engine

    data = synthetic3.drop(index=[0, 9, 17, 33, 50, 71]).reset_index(drop=True)
    g = g_study(data, object="person", facets=["item", "occasion"], score="score")
    assert g.method == "reml"
    random = ["person", "item", "occasion", "person:item", "person:occasion", "item:occasion"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = smf.mixedlm(
            "score ~ 1",
            data.assign(one=1),
            groups="one",
            re_formula="0",
            vc_formula={
                f"{i}_{r}": "0 + " + ":".join(f"C({c})" for c in r.split(":"))
                for i, r in enumerate(random)
            },
        ).fit(reml=True, method=["lbfgs"], gtol=1e-10)
    design = engine.build_design(data, "score ~ 1", random)
    dev = engine.Deviance(design, reml=True)
    ours = g.components["variance"].to_numpy()
    # same REML criterion: at statsmodels' estimates our deviance gives statsmodels' llf
    sm_theta = np.sqrt(np.asarray(ref.vcomp) / ref.scale)
    assert_allclose(-0.5 * dev.criterion(sm_theta), ref.llf, rtol=1e-10)
    # and our optimum is at least as high (statsmodels stops early here, at llf -127.440
    # against our -127.421, with the occasion variance on its boundary)
    our_theta = np.sqrt(ours[:-1] / ours[-1])
    assert -0.5 * dev.criterion(our_theta) >= ref.llf - 1e-9


def test_nested_design_matches_one_way_anova():
    # r:p (raters nested within candidates): sigma^2(p) = (MS_p - MS_r:p) / n_r from a
    # one-way ANOVA (statsmodels anova_lm), sigma^2(r:p,e) = MS_r:p
    rng = np.random.default_rng(4)
    rows = [(p, f"r{p}_{r}", rng.normal(0, 1) + p * 0.3) for p in range(12) for r in range(3)]
    data = pd.DataFrame(rows, columns=["cand", "rater", "score"])
    g = g_study(data, object="cand", facets="rater", score="score", design="nested")
    table = anova_lm(smf.ols("score ~ C(cand)", data).fit())
    ms_p, ms_w = table.loc["C(cand)", "mean_sq"], table.loc["Residual", "mean_sq"]
    assert list(g.components["component"]) == ["cand", "rater:cand"]
    assert_allclose(components(g), [(ms_p - ms_w) / 3, ms_w], rtol=1e-10)
    d = d_study(g, n={"rater": [1, 3]})
    # with nested raters relative and absolute error coincide
    assert_allclose(d["g_coefficient"], d["phi"])
    reml = g_study(
        data, object="cand", facets="rater", score="score", design="nested", method="reml"
    )
    assert_allclose(components(reml), components(g), rtol=1e-4)


def test_nested_with_crossed_question_reml_equals_anova():
    rng = np.random.default_rng(5)
    p_fx, pq_fx, r_fx = (
        rng.normal(0, 1, 15),
        rng.normal(0, 0.7, (15, 3)),
        rng.normal(0, 0.7, (15, 2)),
    )
    rows = [
        (p, f"r{p}_{r}", q, rng.normal(0, 1) + p_fx[p] + pq_fx[p, q] + r_fx[p, r] + 0.3 * q)
        for p in range(15)
        for r in range(2)
        for q in range(3)
    ]
    data = pd.DataFrame(rows, columns=["cand", "rater", "question", "score"])
    anova = g_study(
        data,
        object="cand",
        facets=["rater", "question"],
        score="score",
        design="nested",
        method="anova",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        reml = g_study(
            data,
            object="cand",
            facets=["rater", "question"],
            score="score",
            design="nested",
            method="reml",
        )
    pos = anova.components["raw_variance"] > 0
    if pos.all():
        assert_allclose(components(reml), components(anova), rtol=1e-4, atol=1e-7)
    assert list(anova.components["component"]) == [
        "cand",
        "question",
        "rater:cand",
        "cand x question",
        "rater x question:cand",
    ]


@settings(max_examples=20, deadline=None)
@given(
    tau=st.floats(0.01, 2),
    pi=st.floats(0.0, 2),
    i=st.floats(0.0, 2),
    n1=st.integers(1, 30),
    n2=st.integers(1, 30),
)
def test_d_study_coefficients_grow_with_sample_size(tau, pi, i, n1, n2):
    g = GStudy(
        components=pd.DataFrame(
            {
                "component": ["p", "i", "p x i"],
                "effect": ["p", "i", "i|p"],
                "variance": [tau, i, pi],
            }
        ),
        object="p",
        facets=("i",),
        design="crossed",
        method="anova",
        n={"i": 1.0},
        n_obs=1,
    )
    small, large = sorted((n1, n2))
    d = d_study(g, n={"i": [small, large]})
    assert d["g_coefficient"].iloc[1] >= d["g_coefficient"].iloc[0] - 1e-12
    assert d["phi"].iloc[1] >= d["phi"].iloc[0] - 1e-12
    assert (d["phi"] <= d["g_coefficient"] + 1e-12).all()
    # closed form of the p x i design
    assert_allclose(d["g_coefficient"].iloc[0], tau / (tau + pi / small))


def test_optimal_design_is_cheapest(synthetic3):
    g = g_study(synthetic3, object="person", facets=["item", "occasion"], score="score")
    costs = {"item": 1.0, "occasion": 5.0}
    best = optimal_design(g, target=0.8, costs=costs)
    assert (best["g_coefficient"] >= 0.8).all()
    cost = best["cost"].iloc[0]
    for n_i, n_o in itertools.product(range(1, 21), range(1, 21)):
        if n_i * costs["item"] + n_o * costs["occasion"] < cost - 1e-9:
            d = d_study(g, n={"item": n_i, "occasion": n_o})
            assert d["g_coefficient"].iloc[0] < 0.8


def test_optimal_design_unreachable_raises(synthetic1):
    g = g_study(synthetic1, object="person", facets="item", score="score")
    with pytest.raises(InterviewLabError, match="best is"):
        optimal_design(g, target=0.99, costs={"item": 1.0}, max_n=5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"design": "partial"}, "design=", id="bad-design"),
        pytest.param({"method": "mle"}, "method=", id="bad-method"),
        pytest.param({"facets": []}, "one to three", id="no-facets"),
        pytest.param({"facets": ["missing"]}, "no column", id="missing-facet"),
    ],
)
def test_bad_input_raises(synthetic1, kwargs, match):
    args = {"object": "person", "facets": "item", "score": "score", **kwargs}
    with pytest.raises(InterviewLabError, match=match):
        g_study(synthetic1, **args)


def test_anova_on_unbalanced_data_raises(synthetic1):
    with pytest.raises(InterviewLabError, match="balanced"):
        g_study(synthetic1.iloc[1:], object="person", facets="item", score="score", method="anova")


def test_d_study_rejects_unknown_facet(synthetic1):
    g = g_study(synthetic1, object="person", facets="item", score="score")
    with pytest.raises(InterviewLabError, match="not facets"):
        d_study(g, n={"rater": 3})


def test_negative_component_is_warned_and_zeroed():
    # two raters agreeing perfectly up to noise smaller than chance: item variance < 0
    data = pd.DataFrame(
        {"p": [0, 0, 1, 1, 2, 2], "i": [0, 1, 0, 1, 0, 1], "y": [1.0, 2.0, 2.0, 1.0, 3.0, 3.0]}
    )
    with pytest.warns(InterviewLabWarning, match="set to 0"):
        g = g_study(data, object="p", facets="i", score="y")
    assert (g.components["variance"] >= 0).all()
    assert (g.components["raw_variance"] < 0).any()


def test_row_order_does_not_matter(synthetic3):
    a = g_study(synthetic3, object="person", facets=["item", "occasion"], score="score")
    shuffled = synthetic3.sample(frac=1.0, random_state=1)
    b = g_study(shuffled, object="person", facets=["item", "occasion"], score="score")
    pd.testing.assert_frame_equal(a.components, b.components)


def test_default_d_study_uses_raters_per_candidate_on_unbalanced_data():
    # 60 candidates, each rated by 3 of 12 raters: the default D-study must project to
    # the 3 raters a candidate met (harmonic mean per candidate), not to all 12; checked
    # against the hand formula E rho^2 = s2_p / (s2_p + s2_pr,e / 3)
    rng = np.random.default_rng(8)
    rows = []
    ability = rng.normal(0, 1, 60)
    severity = rng.normal(0, 0.4, 12)
    for c in range(60):
        for r in rng.choice(12, size=3, replace=False):
            rows.append((c, r, ability[c] + severity[r] + rng.normal(0, 1)))
    data = pd.DataFrame(rows, columns=["candidate_id", "rater_id", "score"])
    g = g_study(data, object="candidate_id", facets=["rater_id"], score="score")
    assert g.n["rater_id"] == pytest.approx(3.0)
    comps = g.components.set_index("component")["variance"]
    s_p = comps["candidate_id"]
    s_pr = comps.drop(["candidate_id", "rater_id"]).sum()
    expected = s_p / (s_p + s_pr / 3)
    assert d_study(g)["g_coefficient"].iloc[0] == pytest.approx(expected, rel=1e-9)
