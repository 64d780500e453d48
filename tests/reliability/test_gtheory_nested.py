"""Station designs p x (r:s): Brennan (2001) Synthetic Data Set No. 4, R lme4, fit_mixed."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from reliability_helpers import simulate_stations

from interviewlab.data import read_dataset
from interviewlab.errors import InterviewLabError
from interviewlab.models import fit_mixed
from interviewlab.reliability import GStudy, d_study, g_study, optimal_design

STATION = {"object": "candidate_id", "facets": ["rater_id", "station"], "score": "score"}


@pytest.fixture(scope="module")
def synthetic4() -> pd.DataFrame:
    return read_dataset("brennan_2001_synthetic4")


@pytest.fixture(scope="module")
def g4(synthetic4) -> GStudy:
    return g_study(
        synthetic4,
        object="person",
        facets=["rater", "task"],
        score="score",
        nested={"rater": "task"},
    )


@pytest.fixture(scope="module")
def stations() -> pd.DataFrame:
    return simulate_stations()


def variances(g: GStudy) -> pd.Series:
    return g.components.set_index("component")["variance"]


def test_brennan_synthetic4_components(g4):
    # Brennan (2001) Synthetic Data Set No. 4, p x (r:t), 10 persons, 3 tasks, 4 raters
    # per task (values as in GeneralizIT tests/fixtures/design4_fixtures.py):
    # sigma^2: p .4731, t .3252, r:t .6475, pt .5596, pr:t 2.3802
    assert g4.method == "anova"
    assert g4.design == "nested"
    assert g4.nested == {"rater": "task"}
    v = variances(g4)
    expected = {
        "person": 0.4731,
        "task": 0.3252,
        "rater:task": 0.6475,
        "person x task": 0.5596,
        "person x rater:task": 2.3802,
    }
    assert_allclose(v[list(expected)], list(expected.values()), atol=5e-5)
    # published degrees of freedom and mean squares of the same table
    table = g4.components.set_index("component").loc[list(expected)]
    assert list(table["df"]) == [9, 2, 9, 18, 81]
    assert_allclose(table["mean_square"], [10.2963, 24.1000, 8.8556, 4.6185, 2.3802], atol=5e-5)
    assert list(table["n_levels"]) == [10, 3, 12, 30, 120]
    assert g4.n == {"rater": 4.0, "task": 3.0}


def test_brennan_synthetic4_coefficients(g4):
    # Brennan (2001), Synthetic Data Set No. 4 with n_t = 3, n_r = 4: E rho^2 = .55,
    # Phi = .46; error variances by hand from the published components:
    # delta = .5596/3 + 2.3802/12, Delta = delta + .3252/3 + .6475/12
    d = d_study(g4)
    assert_allclose(d[["g_coefficient", "phi"]].iloc[0], [0.55, 0.46], atol=5e-3)
    delta = 0.5596 / 3 + 2.3802 / 12
    big_delta = delta + 0.3252 / 3 + 0.6475 / 12
    assert_allclose(d[["relative_error", "absolute_error"]].iloc[0], [delta, big_delta], atol=1e-4)


def test_brennan_synthetic4_reml_equals_anova(synthetic4, g4):
    # every ANOVA component is positive, so REML must find the same values
    reml = g_study(
        synthetic4,
        object="person",
        facets=["rater", "task"],
        score="score",
        nested={"rater": "task"},
        method="reml",
        variance_ci=False,
    )
    assert reml.method == "reml"
    assert_allclose(variances(reml), variances(g4), rtol=1e-5)


def test_local_rater_labels_give_the_same_study(synthetic4, g4):
    # raters numbered 1-4 afresh at each task identify the same 12 raters
    local = synthetic4.assign(rater=synthetic4.groupby("task")["rater"].rank(method="dense"))
    g = g_study(
        local, object="person", facets=["rater", "task"], score="score", nested={"rater": "task"}
    )
    pd.testing.assert_frame_equal(g.components, g4.components)


def test_design_nested_is_nested_in_the_object():
    rng = np.random.default_rng(3)
    data = pd.DataFrame(
        [(p, f"r{p}{k}", rng.normal() + p * 0.2) for p in range(10) for k in range(3)],
        columns=["cand", "rater", "score"],
    )
    a = g_study(data, object="cand", facets="rater", score="score", design="nested")
    b = g_study(data, object="cand", facets="rater", score="score", nested={"rater": "cand"})
    pd.testing.assert_frame_equal(a.components, b.components)
    assert a.nested == b.nested == {"rater": "cand"}


# lme4's REML fit of the same design, made by lme4_nested/nested_reference.R on
# lme4_nested/stations.csv (written by make_stations_data.py) and stored in nested_output.txt.
LME4_NESTED = Path(__file__).resolve().parent / "lme4_nested"
R_NAMES = {
    "candidate_id": "candidate_id",
    "station": "station",
    "candidate_id:station": "candidate_id x station",
    "station:rater_id": "rater_id:station",
    "Residual": "candidate_id x rater_id:station",
}


def r_lme4_variances() -> dict[str, float]:
    lines = (LME4_NESTED / "nested_output.txt").read_text().splitlines()
    pairs = (line.split() for line in lines if line and not line.startswith("#"))
    return {R_NAMES[name]: float(value) for name, value in pairs if name in R_NAMES}


def test_r_reference_data_is_the_simulated_design(stations):
    stored = pd.read_csv(LME4_NESTED / "stations.csv")
    pd.testing.assert_frame_equal(stored, stations, check_exact=False, rtol=1e-15)


def test_unbalanced_stations_match_r_lme4(stations):
    g = g_study(stations, **STATION, nested={"rater_id": "station"}, variance_ci=False)
    assert g.method == "reml"
    r_lme4 = r_lme4_variances()
    assert len(r_lme4) == 5
    assert_allclose(variances(g)[list(r_lme4)], list(r_lme4.values()), rtol=1e-4)


def test_unbalanced_stations_match_fit_mixed(stations):
    # the same model written out for the mixed-model engine, with profile intervals
    g = g_study(stations, **STATION, nested={"rater_id": "station"})
    fit = fit_mixed(
        stations,
        "score ~ 1",
        random=["candidate_id", "station", "station:rater_id", "candidate_id:station"],
    )
    ref = fit.variances.set_index("component")
    names = {
        "candidate_id": "candidate_id",
        "station": "station",
        "rater_id:station": "station:rater_id",
        "candidate_id x station": "candidate_id:station",
        "candidate_id x rater_id:station": "residual",
    }
    ours = g.components.set_index("component")
    for label, component in names.items():
        assert_allclose(ours.loc[label, "variance"], ref.loc[component, "variance"], rtol=1e-6)
        assert_allclose(
            ours.loc[label, "ci_low"], ref.loc[component, "ci_low"], rtol=1e-4, atol=1e-8
        )
        assert_allclose(ours.loc[label, "ci_high"], ref.loc[component, "ci_high"], rtol=1e-4)


def test_unbalanced_stations_default_d_study_sizes(stations):
    # raters per candidate at a station and stations per candidate: harmonic means
    g = g_study(stations, **STATION, nested={"rater_id": "station"}, variance_ci=False)
    per_cell = stations.groupby(["candidate_id", "station"])["rater_id"].nunique()
    per_cand = stations.groupby("candidate_id")["station"].nunique()
    assert g.n["rater_id"] == pytest.approx(len(per_cell) / np.sum(1 / per_cell))
    assert g.n["station"] == pytest.approx(len(per_cand) / np.sum(1 / per_cand))
    v = variances(g)
    n_r, n_s = 2, 6
    d = d_study(g, n={"rater_id": n_r, "station": n_s}).iloc[0]
    rel = v["candidate_id x station"] / n_s + v["candidate_id x rater_id:station"] / (n_r * n_s)
    ab = rel + v["station"] / n_s + v["rater_id:station"] / (n_r * n_s)
    assert d["g_coefficient"] == pytest.approx(v["candidate_id"] / (v["candidate_id"] + rel))
    assert d["phi"] == pytest.approx(v["candidate_id"] / (v["candidate_id"] + ab))


def test_optimal_station_design_pays_raters_at_every_station(g4):
    costs = {"rater": 1.0, "task": 2.0}
    best = optimal_design(g4, target=0.7, costs=costs)
    row = best.iloc[0]
    assert row["g_coefficient"] >= 0.7
    # cost = 2 per task + 1 per rater at each task; brute force over the same grid
    cheapest = np.inf
    for n_r, n_t in itertools.product(range(1, 21), range(1, 21)):
        coef = d_study(g4, n={"rater": n_r, "task": n_t})["g_coefficient"].iloc[0]
        if coef >= 0.7:
            cheapest = min(cheapest, 2.0 * n_t + 1.0 * n_r * n_t)
    assert row["cost"] == pytest.approx(cheapest)
    assert row["cost"] == pytest.approx(2.0 * row["task"] + row["rater"] * row["task"])


def test_one_rater_per_candidate_and_station_is_refused(stations):
    one = stations.drop_duplicates(["candidate_id", "station"])
    with pytest.raises(InterviewLabError, match="one rater per candidate at each station"):
        g_study(one, **STATION, nested={"rater_id": "station"}, variance_ci=False)


@pytest.mark.parametrize(
    ("nested", "extra", "match"),
    [
        pytest.param({"question": "station"}, {}, "not one of the facets", id="unknown-facet"),
        pytest.param({"rater_id": "panel"}, {}, "must be the object", id="unknown-host"),
        pytest.param({"rater_id": "rater_id"}, {}, "one level of nesting", id="self"),
        pytest.param({}, {}, "non-empty dict", id="empty"),
        pytest.param({"rater_id": "station"}, {"design": "nested"}, "not both", id="both"),
    ],
)
def test_bad_nesting_raises(stations, nested, extra, match):
    with pytest.raises(InterviewLabError, match=match):
        g_study(stations, **STATION, nested=nested, **extra)


def test_two_levels_of_nesting_raises(stations):
    data = stations.assign(site=stations["station"].str[:2])
    with pytest.raises(InterviewLabError, match="one level of nesting"):
        g_study(
            data,
            object="candidate_id",
            facets=["rater_id", "station", "site"],
            score="score",
            nested={"rater_id": "station", "station": "site"},
        )
