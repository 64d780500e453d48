"""automated_score_audit: machine scores against human raters, by group.

References: scikit-learn's ``cohen_kappa_score(weights="quadratic")`` for the kappa,
``scipy.stats.pearsonr`` (and its Fisher interval) for the correlation,
``scipy.stats.ttest_1samp`` for the mean differences, RSMTool's published DSM formula
(doc/evaluation.rst: z-scores from the whole evaluation set's means and SDs, then the
group mean of z_M - z_H), statsmodels' OLS (HC3) for the observed-score conditional
difference; simulations with a planted machine bias for the corrected one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from numpy.testing import assert_allclose
from scipy import stats
from sklearn.metrics import cohen_kappa_score

import interviewlab as il
from interviewlab.errors import InterviewLabError


def _simulate(
    seed: int,
    *,
    n: int = 300,
    bias: float = 0.0,
    gap: float = -0.5,
    raters: int = 2,
    questions: int = 3,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Human ratings, machine scores and candidates of a known model (scale 1-7).

    Group B (30%) has a true score ``gap`` below group A. Humans: true score + question
    + rater severity (SD 0.4) + noise (SD 0.7), rounded to whole points. Machine: true
    score + question + ``bias`` for group B + noise (SD 0.4), two decimals.
    """
    rng = np.random.default_rng(seed)
    group = np.where(rng.random(n) < 0.3, "B", "A")
    true = rng.normal(0, 0.8, n) + gap * (group == "B")
    difficulty = rng.normal(0, 0.3, questions)
    severity = rng.normal(0, 0.4, 12)
    ids = np.array([f"c{i:04d}" for i in range(n)])
    rows, machine = [], []
    for c in range(n):
        panel = rng.choice(12, raters, replace=False)
        for q in range(questions):
            level = 4 + true[c] - difficulty[q]
            for r in panel:
                score = np.clip(np.rint(level - severity[r] + rng.normal(0, 0.7)), 1, 7)
                rows.append((ids[c], f"r{r}", f"q{q}", "async", score))
            m = level + bias * (group[c] == "B") + rng.normal(0, 0.4)
            machine.append((ids[c], "engine", f"q{q}", "async", round(float(m), 2)))
    columns = ["candidate_id", "rater_id", "question_id", "format", "score"]
    candidates = pd.DataFrame({"candidate_id": ids, "group": group})
    return pd.DataFrame(rows, columns=columns), pd.DataFrame(machine, columns=columns), candidates


def _audit(ratings, machine, candidates, **options):
    options = {"n_boot": 400, "reference": "A", **options}
    return il.automated_score_audit(
        ratings, automated=machine, candidates=candidates, group="group", **options
    )


def _row(audit, category: str, term: str) -> pd.Series:
    table = audit.by_group
    return table[(table["category"] == category) & (table["term"] == term)].iloc[0]


@pytest.mark.parametrize(
    ("low", "high", "seed"),
    [
        pytest.param(1, 5, 1, id="1-5"),
        pytest.param(0, 3, 2, id="0-3"),
        pytest.param(1, 9, 3, id="1-9"),
    ],
)
def test_kappa_equals_scikit_learn(low: int, high: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(low, high + 1, 200)
    b = np.clip(a + rng.integers(-2, 3, 200), low, high)
    labels = list(range(low, high + 1))  # sklearn's weights are then the values' distances
    expected = cohen_kappa_score(a, b, weights="quadratic", labels=labels)
    assert_allclose(il.quadratic_weighted_kappa(a, b), expected, rtol=1e-12)
    # and the project's own Cohen kappa with quadratic weights on the rubric's points
    long = pd.DataFrame(
        {"candidate_id": np.tile(np.arange(200), 2), "rater_id": np.repeat(["m", "h"], 200),
         "score": np.concatenate([a, b])}
    )  # fmt: skip
    own = il.cohen_kappa(long, weights="quadratic", categories=labels)["estimate"].iloc[0]
    assert_allclose(il.quadratic_weighted_kappa(a, b), own, rtol=1e-12)


def test_kappa_of_a_worked_example() -> None:
    # Cohen (1968)-style hand computation: M = (1, 2, 3, 4), H = (1, 2, 4, 4):
    # mean squared difference 1/4; variances 1.25 and 1.6875; mean difference -0.25
    expected = 1 - 0.25 / (1.25 + 1.6875 + 0.0625)
    assert_allclose(il.quadratic_weighted_kappa([1, 2, 3, 4], [1, 2, 4, 4]), expected)


@pytest.fixture(scope="module")
def simulated() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return _simulate(11, bias=-0.4)


def _candidate_table(ratings, machine, candidates) -> pd.DataFrame:
    """The candidate-level scores, computed here independently of the library."""
    key = ["candidate_id", "question_id", "format"]
    human = ratings.groupby(key)["score"].mean().rename("human").reset_index()
    both = machine.rename(columns={"score": "machine"}).merge(human, on=key)
    table = both.groupby("candidate_id")[["machine", "human"]].mean().reset_index()
    return table.merge(candidates, on="candidate_id")


def test_agreement_equals_scipy_and_rsmtool_formulas(simulated) -> None:
    ratings, machine, candidates = simulated
    audit = _audit(ratings, machine, candidates)
    table = _candidate_table(ratings, machine, candidates)
    for category, part in [("All candidates", table), *table.groupby("group")]:
        m, h = part["machine"].to_numpy(), part["human"].to_numpy()
        # scipy.stats.pearsonr and its Fisher-z interval
        test = stats.pearsonr(m, h)
        ci = test.confidence_interval(0.95)
        row = _row(audit, category, "pearson_r")
        assert_allclose(row[["estimate", "ci_low", "ci_high"]].astype(float),
                        [test.statistic, ci.low, ci.high], rtol=1e-10)  # fmt: skip
        assert_allclose(_row(audit, category, "qwk")["estimate"],
                        il.quadratic_weighted_kappa(m, h), rtol=1e-12)  # fmt: skip
        # mean difference: scipy.stats.ttest_1samp
        t = stats.ttest_1samp(m - h, 0.0)
        row = _row(audit, category, "mean_difference")
        expected = [np.mean(m - h), *t.confidence_interval(0.95), t.pvalue]
        found = [row["estimate"], row["ci_low"], row["ci_high"], row["p_value"]]
        assert_allclose(found, expected, rtol=1e-10)
        # DSM, RSMTool doc/evaluation.rst: population means and SDs (ddof=1) of all
        zm = (m - table["machine"].mean()) / table["machine"].std(ddof=1)
        zh = (h - table["human"].mean()) / table["human"].std(ddof=1)
        assert_allclose(_row(audit, category, "dsm")["estimate"], np.mean(zm - zh), rtol=1e-10)
        assert _row(audit, category, "pearson_r")["n"] == len(part)


def test_observed_conditional_difference_equals_statsmodels(simulated) -> None:
    ratings, machine, candidates = simulated
    audit = _audit(ratings, machine, candidates)
    table = _candidate_table(ratings, machine, candidates)
    fit = smf.ols("machine ~ human + C(group, Treatment('A'))", data=table).fit(cov_type="HC3")
    name = "C(group, Treatment('A'))[T.B]"
    row = _row(audit, "B", "conditional_difference")
    ci = fit.conf_int().loc[name]
    assert_allclose([row["estimate"], row["se"], row["ci_low"], row["ci_high"], row["p_value"]],
                    [fit.params[name], fit.bse[name], ci[0], ci[1], fit.pvalues[name]],
                    rtol=1e-10)  # fmt: skip


def test_planted_bias_is_recovered_inside_the_corrected_interval(simulated) -> None:
    ratings, machine, candidates = simulated
    audit = _audit(ratings, machine, candidates)
    latent = _row(audit, "B", "conditional_difference_latent")
    assert latent["ci_low"] < -0.4 < latent["ci_high"]
    assert latent["ci_high"] < 0
    # the observed-score version under-adjusts for group B's lower true score: its gap
    # is pulled towards the true difference (-0.5), further below the planted -0.4
    observed = _row(audit, "B", "conditional_difference")
    assert observed["estimate"] < latent["estimate"]
    assert 0.5 < audit.human_reliability < 1
    # the raters' error variance: severity (0.16) and noise (0.49 + rounding 1/12) over
    # three questions, per rater mean: 0.16 + (0.49 + 0.083) / 3
    assert_allclose(audit.human_error_variance, 0.16 + 0.573 / 3, rtol=0.25)


def test_planted_bias_in_a_simulated_study_is_recovered() -> None:
    study = il.simulate_study(
        seed=5, n_candidates=800, automated_scores=True, automated_bias=-0.5,
        groups={"ethnicity": {"White": 0.6, "Black": 0.4}},
    )  # fmt: skip
    audit = il.automated_score_audit(
        study.ratings, automated=study.automated_scores, candidates=study.candidates,
        group="ethnicity", reference="White", n_boot=400,
    )  # fmt: skip
    latent = _row(audit, "Black", "conditional_difference_latent")
    assert latent["ci_low"] < -0.5 < latent["ci_high"], latent
    assert _row(audit, "Black", "dsm")["ci_high"] < 0


def test_null_is_rejected_at_about_the_nominal_rate() -> None:
    # no machine bias, but group B's true score is 0.5 lower: the corrected test should
    # reject at about 5%; the observed-score one far more often (Kelley's paradox)
    latent, observed = [], []
    for seed in range(120):
        audit = _audit(*_simulate(1000 + seed, n=200, bias=0.0), n_boot=200)
        latent.append(_row(audit, "B", "conditional_difference_latent")["p_value"] < 0.05)
        observed.append(_row(audit, "B", "conditional_difference")["p_value"] < 0.05)
    # 120 tests at 5%: 6 expected, the 0.999 binomial range is 0 to 16
    assert sum(latent) <= 16, sum(latent)
    assert sum(observed) > 30, sum(observed)


def test_row_order_and_rater_names_do_not_matter(simulated) -> None:
    ratings, machine, candidates = simulated
    first = _audit(ratings, machine, candidates).by_group
    shuffled = ratings.sample(frac=1, random_state=3).assign(rater_id=lambda d: "x" + d["rater_id"])
    again = _audit(shuffled, machine.sample(frac=1, random_state=4), candidates).by_group
    pd.testing.assert_frame_equal(first, again)


def test_scoring_rate_tables_on_both_scores(simulated) -> None:
    ratings, machine, candidates = simulated
    audit = _audit(ratings, machine, candidates)
    table = _candidate_table(ratings, machine, candidates)
    for source, column in (("automated", "machine"), ("human", "human")):
        shown = audit.scoring_rates[audit.scoring_rates["score_source"] == source]
        expected = il.scoring_rates(table, group="group", score=column)
        assert_allclose(shown["impact_ratio"], expected["impact_ratio"])
        assert shown["cutoff"].iloc[0] == table[column].median()


def test_rows_that_cannot_be_estimated_say_why() -> None:
    ratings, machine, candidates = _simulate(7, n=60, raters=1)
    candidates.loc[:2, "group"] = "C"  # a group of three candidates
    audit = _audit(ratings, machine, candidates)
    row = _row(audit, "C", "pearson_r")
    assert not row["estimable"] and row["reason"] == "fewer than 4 candidates"
    latent = _row(audit, "B", "conditional_difference_latent")
    assert not latent["estimable"]
    assert latent["reason"].startswith("no candidate was rated by two or more humans")
    assert np.isnan(audit.human_error_variance)
    assert set(audit.by_group["term"]) <= set(il.formats.automated.TERMS)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            lambda r, m, c: (r, pd.concat([m, m.head(1)]), c),
            "more than one machine score",
            id="two-engines",
        ),
        pytest.param(
            lambda r, m, c: (r, m.assign(question_id="x" + m["question_id"]), c),
            "No answer has both",
            id="no-overlap",
        ),
        pytest.param(
            lambda r, m, c: (r, m, c.drop(columns="group")),
            "has no column(s) 'group'",
            id="no-group",
        ),
    ],
)
def test_bad_input_is_named(simulated, change, message: str) -> None:
    with pytest.raises(InterviewLabError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _audit(*change(*simulated))


def test_bad_options_are_named(simulated) -> None:
    with pytest.raises(InterviewLabError, match="reference='Z' is not a category"):
        _audit(*simulated, reference="Z")
    with pytest.raises(InterviewLabError, match="n_boot=10 must be"):
        _audit(*simulated, n_boot=10)
