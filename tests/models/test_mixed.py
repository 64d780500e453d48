"""Tests of the mixed-model engine against statsmodels MixedLM and published ICCs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import patsy
import pytest
import statsmodels.formula.api as smf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from interviewlab.errors import InterviewLabError, InterviewLabWarning, SmallSampleWarning
from interviewlab.models import fit_mixed
from interviewlab.reliability import icc_reml

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def shrout_fleiss() -> pd.DataFrame:
    return pd.DataFrame(
        [(t, j, SHROUT_FLEISS[t][j]) for t in range(6) for j in range(4)],
        columns=["target", "judge", "rating"],
    )


def crossed(seed: int, *, n_cand: int = 40, n_rater: int = 6, keep: float = 0.75) -> pd.DataFrame:
    """Unbalanced candidates x raters (each cell kept with probability ``keep``)."""
    rng = np.random.default_rng(seed)
    rows = [(c, r) for c in range(n_cand) for r in range(n_rater) if rng.random() < keep]
    df = pd.DataFrame(rows, columns=["cand", "rater"])
    df["group"] = np.where(df["cand"] % 3 == 0, "b", "a")
    df["fmt"] = np.where(rng.random(len(df)) < 0.5, "async", "live")
    df["score"] = (
        3.0
        + 0.4 * (df["group"] == "b")
        + rng.normal(0, 1.0, n_cand)[df["cand"]]
        + rng.normal(0, 0.6, n_rater)[df["rater"]]
        + rng.normal(0, 0.8, len(df))
    )
    return df


def crossed_with_interaction(seed: int) -> pd.DataFrame:
    """Candidates x raters x 2 questions, a few cells missing: identifies cand:rater."""
    rng = np.random.default_rng(seed)
    rows = [(c, r, q) for c in range(25) for r in range(5) for q in range(2) if rng.random() < 0.85]
    df = pd.DataFrame(rows, columns=["cand", "rater", "question"])
    cr = rng.normal(0, 0.5, (25, 5))
    df["score"] = (
        rng.normal(0, 1.0, 25)[df["cand"]]
        + rng.normal(0, 0.5, 5)[df["rater"]]
        + cr[df["cand"], df["rater"]]
        + 0.3 * df["question"]
        + rng.normal(0, 0.6, len(df))
    )
    return df


def nested(seed: int) -> pd.DataFrame:
    """Raters nested in panels; each candidate seen by one panel; unbalanced panels."""
    rng = np.random.default_rng(seed)
    panel_raters = {p: [f"p{p}r{i}" for i in range(2 + p % 3)] for p in range(8)}
    rows = []
    for c in range(48):
        p = c % 8
        for r in panel_raters[p]:
            if rng.random() < 0.9:
                rows.append((c, p, r))
    df = pd.DataFrame(rows, columns=["cand", "panel", "rater"])
    rater_fx = {r: rng.normal(0, 0.5) for rs in panel_raters.values() for r in rs}
    df["score"] = (
        2.0
        + rng.normal(0, 0.7, 8)[df["panel"]]
        + df["rater"].map(rater_fx)
        + rng.normal(0, 1.0, len(df))
    )
    return df


def statsmodels_fit(df, formula, vc, *, reml=True, groups=None, re_formula="0"):
    frame = df.assign(one=1)
    model = smf.mixedlm(
        formula, frame, groups=groups or "one", re_formula=re_formula, vc_formula=vc
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(reml=reml, method=["lbfgs"], gtol=1e-10)


def quiet_fit(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterviewLabWarning)
        return fit_mixed(*args, **kwargs)


@pytest.mark.parametrize("reml", [pytest.param(True, id="reml"), pytest.param(False, id="ml")])
@pytest.mark.parametrize("seed", [1, 2])
def test_crossed_matches_statsmodels(reml, seed):
    df = crossed(seed)
    fit = quiet_fit(
        df, "score ~ fmt * group", random=["cand", "rater"], method="reml" if reml else "ml"
    )
    # statsmodels MixedLM, crossed effects as variance components of one group
    ref = statsmodels_fit(
        df, "score ~ fmt * group", {"cand": "0 + C(cand)", "rater": "0 + C(rater)"}, reml=reml
    )
    assert_allclose(fit.fixed["estimate"], ref.fe_params.to_numpy(), rtol=1e-4, atol=1e-6)
    # SEs: sqrt(diag(X'V^-1X)^-1) with V built densely from statsmodels' variance estimates
    # (statsmodels' own bse_fe inverts the full observed information including the
    # fixed x variance cross terms, which moves them by up to 1% here)
    x = patsy.dmatrix("fmt * group", df, return_type="dataframe").to_numpy()
    z_c = pd.get_dummies(df["cand"]).to_numpy(float)
    z_r = pd.get_dummies(df["rater"]).to_numpy(float)
    v = ref.vcomp[0] * z_c @ z_c.T + ref.vcomp[1] * z_r @ z_r.T + ref.scale * np.eye(len(df))
    gls_se = np.sqrt(np.diag(np.linalg.inv(x.T @ np.linalg.solve(v, x))))
    assert_allclose(fit.fixed["se"], gls_se, rtol=1e-4)
    assert_allclose(fit.fixed["se"], ref.bse_fe.to_numpy(), rtol=1e-2)
    variances = fit.variances.set_index("component")["variance"]
    assert_allclose(variances[["cand", "rater"]], ref.vcomp, rtol=1e-4)
    assert_allclose(variances["residual"], ref.scale, rtol=1e-4)
    # same log-likelihood convention (lme4 and statsmodels both include log|X'V^-1X|);
    # ours is at least as high (statsmodels' optimiser may stop marginally short)
    assert_allclose(fit.loglik, ref.llf, rtol=1e-7)
    assert fit.loglik >= ref.llf - 1e-7
    assert fit.converged and not fit.singular
    assert fit.n_obs == len(df)


def test_blups_match_statsmodels():
    df = crossed(3)
    fit = quiet_fit(df, "score ~ group", random=["cand", "rater"])
    ref = statsmodels_fit(df, "score ~ group", {"cand": "0 + C(cand)", "rater": "0 + C(rater)"})
    re = ref.random_effects[1]
    sm_rater = re[[f"rater[C(rater)[{r}]]" for r in range(6)]].to_numpy()
    sm_cand = re[[f"cand[C(cand)[{c}]]" for c in range(40)]].to_numpy()
    assert_allclose(fit.blups("rater")["blup"], sm_rater, rtol=1e-3, atol=1e-5)
    assert_allclose(fit.blups("cand")["blup"], sm_cand, rtol=1e-3, atol=1e-5)


def test_conditional_se_matches_dense_formula():
    # lme4's condVar: sigma^2 Lambda (Lambda'Z'Z Lambda + I)^-1 Lambda, computed densely
    df = crossed(4, n_cand=15, n_rater=4)
    fit = quiet_fit(df, "score ~ 1", random=["cand", "rater"])
    var = fit.variances.set_index("component")["variance"]
    z = np.hstack(
        [pd.get_dummies(df["cand"]).to_numpy(float), pd.get_dummies(df["rater"]).to_numpy(float)]
    )
    lam = np.concatenate(
        [
            np.full(15, np.sqrt(var["cand"] / var["residual"])),
            np.full(4, np.sqrt(var["rater"] / var["residual"])),
        ]
    )
    zl = z * lam
    cond = var["residual"] * np.diag(lam[:, None] * np.linalg.inv(zl.T @ zl + np.eye(19)) * lam)
    se = np.concatenate([fit.blups("cand")["se"], fit.blups("rater")["se"]])
    assert_allclose(se, np.sqrt(cond), rtol=1e-8)


def test_interaction_component_matches_statsmodels():
    df = crossed_with_interaction(5)
    random = ["cand", "rater", "cand:rater"]
    fit = quiet_fit(df, "score ~ C(question)", random=random)
    ref = statsmodels_fit(
        df,
        "score ~ C(question)",
        {"cand": "0 + C(cand)", "rater": "0 + C(rater)", "cr": "0 + C(cand):C(rater)"},
    )
    variances = fit.variances.set_index("component")["variance"]
    sm_vc = dict(zip(ref.model.exog_vc.names, ref.vcomp, strict=True))  # sorted by name
    # 5 raters make the likelihood flat in the rater variance: statsmodels stops 1e-7
    # short of our (higher) optimum, which moves that variance by 3e-4
    assert fit.loglik >= ref.llf
    assert_allclose(variances[random], [sm_vc["cand"], sm_vc["rater"], sm_vc["cr"]], rtol=5e-4)
    assert_allclose(variances["residual"], ref.scale, rtol=1e-4)
    assert_allclose(fit.fixed["estimate"], ref.fe_params.to_numpy(), rtol=1e-4)
    assert_allclose(fit.loglik, ref.llf, rtol=1e-7)
    assert fit.blups("cand:rater")["level"].iloc[0] == (0, 0)


def test_nested_matches_statsmodels():
    df = nested(6)
    fit = quiet_fit(df, "score ~ 1", random=["panel", "panel:rater"])
    # statsmodels: panels as groups with a random intercept, raters as a variance component
    ref = statsmodels_fit(
        df, "score ~ 1", {"rater": "0 + C(rater)"}, groups="panel", re_formula="1"
    )
    variances = fit.variances.set_index("component")["variance"]
    assert_allclose(variances["panel"], ref.cov_re.iloc[0, 0], rtol=1e-4)
    assert_allclose(variances["panel:rater"], ref.vcomp[0], rtol=1e-4)
    assert_allclose(variances["residual"], ref.scale, rtol=1e-4)
    assert_allclose(fit.fixed["se"], ref.bse_fe.to_numpy(), rtol=1e-2)
    assert_allclose(fit.loglik, ref.llf, rtol=1e-7)


def test_output_columns_and_profile_intervals():
    df = crossed(7)
    fit = quiet_fit(df, "score ~ group", random=["cand", "rater"])
    assert list(fit.fixed.columns) == [
        "term",
        "estimate",
        "se",
        "df",
        "statistic",
        "ci_low",
        "ci_high",
        "p_value",
    ]
    assert list(fit.variances.columns) == [
        "component",
        "variance",
        "sd",
        "ci_low",
        "ci_high",
        "ci_method",
        "n_levels",
    ]
    v = fit.variances
    assert list(v["component"]) == ["cand", "rater", "residual"]
    assert (v["ci_low"] < v["variance"]).all() and (v["variance"] < v["ci_high"]).all()
    assert list(v["n_levels"]) == [40, 6, len(df)]
    assert list(fit.blups("rater").columns) == ["level", "n", "blup", "se"]
    assert fit.blups("rater")["n"].sum() == len(df)


def test_profile_interval_ends_are_on_the_chi_square_cut():
    # the profile deviance at each end of the interval is 3.84 above the minimum:
    # refit with the rater variance pinned there (via statsmodels' free-parameter API
    # would be indirect), so check with our own ML engine against chi2(1) 0.95 = 3.8415
    from interviewlab.models import engine

    df = crossed(8)
    fit = quiet_fit(df, "score ~ 1", random=["cand", "rater"])
    design = engine.build_design(df, "score ~ 1", ["cand", "rater"])
    dev = engine.Deviance(design, reml=True)
    base = -2 * fit.loglik
    rater_row = fit.variances.set_index("component").loc["rater"]
    for end in (rater_row["ci_low"], rater_row["ci_high"]):

        def at(x, end=end):
            s2 = float(np.exp(x[0]))
            return dev.full(np.array([x[1], np.sqrt(end / s2)]), s2)

        x, _ = engine.minimise(at, np.array([0.0, 1.0]), [None, 0.0])
        assert_allclose(at(x) - base, 3.841458820694124, atol=1e-3)


def test_singular_fit_is_reported():
    rng = np.random.default_rng(9)
    df = pd.DataFrame({"cand": np.repeat(np.arange(30), 6), "rater": np.tile(np.arange(6), 30)})
    # no rater effect at all, and raters' means forced equal: rater variance is exactly 0
    df["score"] = rng.normal(0, 1, 30)[df["cand"]] + rng.normal(0, 1, len(df))
    df["score"] -= df.groupby("rater")["score"].transform("mean")
    with pytest.warns(InterviewLabWarning, match="Singular fit"):
        fit = fit_mixed(df, "score ~ 1", random=["cand", "rater"])
    assert fit.singular
    row = fit.variances.set_index("component").loc["rater"]
    assert row["variance"] < 1e-8 and row["ci_low"] == 0.0 and row["ci_high"] > 0


def test_missing_rows_are_counted_not_hidden():
    df = crossed(10)
    df.loc[[0, 5], "score"] = np.nan
    df.loc[7, "rater"] = np.nan
    with pytest.warns(InterviewLabWarning, match="3 of"):
        fit = fit_mixed(df, "score ~ 1", random=["cand", "rater"])
    assert fit.n_obs == len(df) - 3


def test_input_is_not_mutated():
    df = crossed(11)
    before = df.copy()
    quiet_fit(df, "score ~ group", random=["cand", "rater"])
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"random": []}, "random is empty", id="no-random"),
        pytest.param({"random": ["nope"]}, "no column", id="missing-column"),
        pytest.param({"random": ["cand"], "method": "lme4"}, "method=", id="bad-method"),
        pytest.param({"random": ["cand"], "confidence": 1.5}, "confidence", id="bad-conf"),
        pytest.param({"random": ["cand", "cand"]}, "twice", id="duplicate"),
    ],
)
def test_bad_input_raises(kwargs, match):
    with pytest.raises(InterviewLabError, match=match):
        fit_mixed(crossed(12), "score ~ 1", **kwargs)


def test_rank_deficient_fixed_effects_raise():
    df = crossed(13).assign(copy_group=lambda d: d["group"])
    with pytest.raises(InterviewLabError, match="rank deficient"):
        fit_mixed(df, "score ~ group + copy_group", random=["cand"])


def test_unknown_blup_component_raises():
    fit = quiet_fit(crossed(14), "score ~ 1", random=["cand", "rater"])
    with pytest.raises(InterviewLabError, match="component="):
        fit.blups("question")


def test_few_levels_warn():
    with pytest.warns(SmallSampleWarning, match="fewer than 5 levels"):
        fit_mixed(crossed(15, n_rater=3), "score ~ 1", random=["cand", "rater"])


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), perm_seed=st.integers(0, 10_000))
def test_row_order_and_relabelling_do_not_matter(seed, perm_seed):
    df = crossed(seed, n_cand=20, n_rater=5)
    fit = quiet_fit(df, "score ~ group", random=["cand", "rater"], variance_ci=False)
    rng = np.random.default_rng(perm_seed)
    shuffled = df.sample(frac=1.0, random_state=perm_seed).reset_index(drop=True)
    new_names = dict(zip(range(5), rng.permutation([f"R{i}" for i in range(5)]), strict=True))
    shuffled["rater"] = shuffled["rater"].map(new_names)
    other = quiet_fit(shuffled, "score ~ group", random=["cand", "rater"], variance_ci=False)
    assert_allclose(other.fixed["estimate"], fit.fixed["estimate"], rtol=1e-5, atol=1e-7)
    assert_allclose(other.variances["variance"], fit.variances["variance"], rtol=1e-4, atol=1e-7)
    blups = fit.blups("rater").assign(level=lambda d: d["level"].map(new_names))
    merged = blups.merge(other.blups("rater"), on="level")
    assert_allclose(merged["blup_x"], merged["blup_y"], rtol=1e-3, atol=1e-5)


def test_coverage_of_variance_and_fixed_effect_intervals():
    # Simulated studies with planted values: 95% intervals should cover them about 95%
    # of the time. 100 repetitions: the count of hits is Binomial(100, 0.95), so 88 or
    # fewer (or 100 for every interval at once) would be very unlikely (P < 0.005).
    rng = np.random.default_rng(2026)
    n_cand, n_rater, reps = 30, 10, 100
    true = {"cand": 1.0, "rater": 0.5, "residual": 1.0, "group": 0.5}
    hits = dict.fromkeys(true, 0)
    cand = np.repeat(np.arange(n_cand), n_rater)
    rater = np.tile(np.arange(n_rater), n_cand)
    keep = rng.random(len(cand)) < 0.7
    cand, rater = cand[keep], rater[keep]
    group = (cand % 2).astype(float)
    for _ in range(reps):
        y = (
            true["group"] * group
            + rng.normal(0, np.sqrt(true["cand"]), n_cand)[cand]
            + rng.normal(0, np.sqrt(true["rater"]), n_rater)[rater]
            + rng.normal(0, np.sqrt(true["residual"]), len(cand))
        )
        df = pd.DataFrame({"cand": cand, "rater": rater, "group": group, "score": y})
        fit = quiet_fit(df, "score ~ group", random=["cand", "rater"])
        v = fit.variances.set_index("component")
        for name in ("cand", "rater", "residual"):
            hits[name] += v.loc[name, "ci_low"] <= true[name] <= v.loc[name, "ci_high"]
        row = fit.fixed.set_index("term").loc["group"]
        hits["group"] += row["ci_low"] <= true["group"] <= row["ci_high"]
    for name, count in hits.items():
        assert 88 < count, (name, count)
    assert min(hits.values()) < 100


def test_icc_reml_equals_shrout_fleiss_published_values():
    # Shrout & Fleiss (1979), Table 4: ICC(1,1)=.17, (2,1)=.29, (3,1)=.71, (1,4)=.44,
    # (2,4)=.62, (3,4)=.91
    res = icc_reml(shrout_fleiss(), target="target", rater="judge", score="rating", n_boot=0)
    assert_allclose(res["estimate"], [0.17, 0.29, 0.71, 0.44, 0.62, 0.91], atol=0.005)
    assert list(res.index) == ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]
    assert (res["method"] == "reml").all()


def pingouin_icc(data, **kwargs):
    pingouin = pytest.importorskip("pingouin")
    with warnings.catch_warnings():
        # pingouin 0.7 calls DataFrame.dropna(inplace=True), deprecated in pandas 3.1
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        return pingouin.intraclass_corr(data, **kwargs)


def pingouin_wine():
    pingouin = pytest.importorskip("pingouin")
    return pingouin.read_dataset("icc")


def test_icc_reml_equals_pingouin_anova_iccs_on_complete_data():
    # pingouin.intraclass_corr (ANOVA) on the same complete design, full precision
    sf = shrout_fleiss()
    ref = pingouin_icc(sf, targets="target", raters="judge", ratings="rating")
    res = icc_reml(sf, target="target", rater="judge", score="rating", n_boot=0)
    assert_allclose(res["estimate"], ref["ICC"], rtol=1e-6)


def test_icc_reml_equals_pingouin_on_pingouin_wine_data():
    # pingouin's bundled "icc" dataset (8 wines x 4 judges), pingouin.intraclass_corr
    wine = pingouin_wine()
    ref = pingouin_icc(wine, targets="Wine", raters="Judge", ratings="Scores")
    res = icc_reml(wine, target="Wine", rater="Judge", score="Scores", n_boot=0)
    assert_allclose(res["estimate"], ref["ICC"], rtol=1e-6)
    assert_allclose(res["p_value"].iloc[[0, 2]], [0.0, 0.0], atol=1e-4)


def test_icc_reml_zero_rater_variance_gives_one_way_values():
    # centring each rater's scores makes the ANOVA rater variance negative: REML puts it
    # at 0, the two-way random model reduces to the one-way model, and the
    # absolute-agreement forms equal the one-way forms (pingouin's ANOVA values are lower)
    df = crossed(18, keep=1.0)
    df["score"] -= df.groupby("rater")["score"].transform("mean")
    res = icc_reml(df, target="cand", rater="rater", score="score", n_boot=0)
    ref = pingouin_icc(df, targets="cand", raters="rater", ratings="score").set_index("Type")
    assert_allclose(res.loc["ICC3", "estimate"], ref.loc["ICC(C,1)", "ICC"], rtol=1e-6)
    assert_allclose(res.loc["ICC1", "estimate"], ref.loc["ICC(1,1)", "ICC"], rtol=1e-6)
    assert_allclose(res.loc["ICC2", "estimate"], res.loc["ICC1", "estimate"], rtol=1e-6)
    assert_allclose(res.loc["ICC2k", "estimate"], res.loc["ICC1k", "estimate"], rtol=1e-6)
    assert res.loc["ICC2", "estimate"] > ref.loc["ICC(A,1)", "ICC"]


def test_icc_reml_unbalanced_matches_statsmodels_components():
    df = crossed(16)
    res = icc_reml(df, target="cand", rater="rater", score="score", n_boot=0)
    ref = statsmodels_fit(df, "score ~ 1", {"cand": "0 + C(cand)", "rater": "0 + C(rater)"})
    s_t, s_r = ref.vcomp
    assert_allclose(res.loc["ICC2", "estimate"], s_t / (s_t + s_r + ref.scale), rtol=1e-4)
    per_target = df.groupby("cand").size()
    k = len(per_target) / (1 / per_target).sum()
    assert_allclose(res["k"], k)
    assert_allclose(res.loc["ICC2k", "estimate"], s_t / (s_t + (s_r + ref.scale) / k), rtol=1e-4)


def test_icc_reml_bootstrap_interval_is_reproducible_and_brackets_estimate():
    df = crossed(17, n_cand=25)
    a = icc_reml(df, target="cand", rater="rater", score="score", n_boot=40, seed=3)
    b = icc_reml(df, target="cand", rater="rater", score="score", n_boot=40, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert ((a["ci_low"] <= a["estimate"]) & (a["estimate"] <= a["ci_high"])).all()
    assert (a["p_value"] < 0.001).all()


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    theta=st.lists(st.floats(0.0, 3.0), min_size=3, max_size=3),
    reml=st.booleans(),
)
def test_profiled_criterion_equals_dense_likelihood(seed, theta, reml):
    # the Schur-complement evaluation equals the textbook profiled (RE)ML criterion
    # computed densely from V = I + sum_j theta_j^2 Z_j Z_j' (Harville 1977; Bates et al.
    # 2015, eq. 34 and 41) on random unbalanced designs with three crossed factors
    from interviewlab.models import engine

    rng = np.random.default_rng(seed)
    n = 60
    df = pd.DataFrame(
        {
            "a": rng.integers(0, 7, n),
            "b": rng.integers(0, 4, n),
            "c": rng.integers(0, 3, n),
            "x": rng.normal(size=n),
            "y": rng.normal(size=n),
        }
    )
    design = engine.build_design(df, "y ~ x", ["a", "b", "c"])
    dev = engine.Deviance(design, reml=reml)
    th = np.asarray(theta)
    v = np.eye(n)
    for t, col in zip(th, ["a", "b", "c"], strict=True):
        z = pd.get_dummies(df[col]).to_numpy(float)
        v += t**2 * z @ z.T
    x, y = design.X, design.y
    vi_x, vi_y = np.linalg.solve(v, x), np.linalg.solve(v, y)
    xvx = x.T @ vi_x
    beta = np.linalg.solve(xvx, x.T @ vi_y)
    r = y - x @ beta
    rss = r @ np.linalg.solve(v, r)
    dof = n - 2 if reml else n
    expected = np.linalg.slogdet(v)[1] + dof * (1 + np.log(2 * np.pi * rss / dof))
    if reml:
        expected += np.linalg.slogdet(xvx)[1]
    assert_allclose(dev.criterion(th), expected, rtol=1e-9)


@pytest.mark.parametrize(
    "random",
    [
        pytest.param(["cand", "rater"], id="one-factor-absorbed"),
        pytest.param(["cand", "rater", "cand:rater"], id="nested-block-absorbed"),
    ],
)
def test_blups_and_conditional_se_match_dense_formulas(random):
    # conditional modes u = (L'Z'ZL + I)^-1 L'Z'(y - X beta) and conditional variances
    # sigma^2 L (L'Z'ZL + I)^-1 L (Henderson's mixed-model equations), computed densely
    from interviewlab.models import engine

    df = crossed_with_interaction(21)
    fit = quiet_fit(df, "score ~ C(question)", random=random, variance_ci=False)
    design = engine.build_design(df, "score ~ C(question)", random)
    uses_blocks = engine.Deviance(design, reml=True).block is not None
    assert uses_blocks == ("cand:rater" in random)
    var = fit.variances.set_index("component")["variance"]
    blocks, lam = [], []
    for comp in random:
        parts = comp.split(":")  # integer key sorting like the (cand, rater) tuples
        key = sum(df[part] * 1000 ** (len(parts) - 1 - i) for i, part in enumerate(parts))
        z = pd.get_dummies(key).to_numpy(float)
        blocks.append(z)
        lam.append(np.full(z.shape[1], np.sqrt(var[comp] / var["residual"])))
    z, lam = np.hstack(blocks), np.concatenate(lam)
    x = patsy.dmatrix("C(question)", df, return_type="dataframe").to_numpy()
    beta = fit.fixed["estimate"].to_numpy()
    zl = z * lam
    m_inv = np.linalg.inv(zl.T @ zl + np.eye(len(lam)))
    b = lam * (m_inv @ zl.T @ (df["score"].to_numpy() - x @ beta))
    se = np.sqrt(var["residual"] * np.diag(m_inv) * lam**2)
    ours_b = np.concatenate([fit.blups(c)["blup"] for c in random])
    ours_se = np.concatenate([fit.blups(c)["se"] for c in random])
    assert_allclose(ours_b, b, rtol=1e-7, atol=1e-10)
    assert_allclose(ours_se, se, rtol=1e-7)


def test_icc_reml_p_value_is_one_when_the_target_variance_is_zero():
    # rows with their means removed: no target variance at all, so the likelihood-ratio
    # statistic is 0 and the chi-square(0):chi-square(1) mixture gives p = 1 (not 0.5)
    rng = np.random.default_rng(5)
    m = rng.normal(size=(20, 4))
    m = m - m.mean(axis=1, keepdims=True) + rng.normal(scale=1e-9, size=(20, 1))
    data = pd.DataFrame(
        {
            "target": np.repeat(np.arange(20), 4),
            "rater": np.tile(np.arange(4), 20),
            "score": m.ravel(),
        }
    )
    res = icc_reml(data, target="target", rater="rater", score="score", n_boot=0)
    assert_allclose(res["estimate"], 0.0, atol=1e-6)
    assert_allclose(res["p_value"], 1.0)
