"""Cronbach's alpha against pingouin and closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from numpy.testing import assert_allclose
from reliability_helpers import (
    pingouin_call,
    rubric_scores,
)

from interviewlab.errors import InterviewLabError
from interviewlab.reliability import (
    cronbach_alpha,
)

# --------------------------------------------------------------------------------------
# Cronbach's alpha
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pingouin_call
def test_cronbach_alpha_matches_pingouin(seed):
    data = rubric_scores(seed, n=30 + 10 * seed, k=3 + seed)
    res = cronbach_alpha(data).iloc[0]
    # pingouin.cronbach_alpha: estimate, and Feldt 95% CI rounded by pingouin to 3 decimals
    ref, ci = pg.cronbach_alpha(data, items="question_id", scores="score", subject="candidate_id")
    assert_allclose(res["estimate"], ref, rtol=1e-10)
    assert_allclose([res["ci_low"], res["ci_high"]], ci, atol=5e-4)


def test_cronbach_alpha_se_matches_monte_carlo():
    # The van Zyl et al. (2000) SE should match the spread of alpha over repeated samples.
    estimates, ses = [], []
    for s in range(300):
        res = cronbach_alpha(rubric_scores(100 + s, n=100, k=5)).iloc[0]
        estimates.append(res["estimate"])
        ses.append(res["se"])
    assert_allclose(np.mean(ses), np.std(estimates, ddof=1), rtol=0.15)


def test_cronbach_alpha_se_compound_symmetry_closed_form():
    # For compound symmetry the normal-theory variance is 2k(1-alpha)^2 / ((k-1) n)
    # (van Zyl, Neudecker & Nel 2000, eq. 2.4 special case). Use data whose sample
    # covariance is exactly compound symmetric: a balanced design with Helmert contrasts.
    from interviewlab.reliability.consistency import _cronbach

    k, n = 4, 400
    rng = np.random.default_rng(0)
    z = rng.normal(size=(n, k))
    z = (z - z.mean(axis=0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T
    cov = 0.5 * np.eye(k) + 0.5 * np.ones((k, k))
    matrix = z @ np.linalg.cholesky(cov).T
    alpha, se = _cronbach(matrix)
    assert_allclose(alpha, k * 0.5 / (1 + (k - 1) * 0.5), rtol=1e-10)
    assert_allclose(se, np.sqrt(2 * k * (1 - alpha) ** 2 / ((k - 1) * n)), rtol=1e-10)


def test_cronbach_alpha_excludes_incomplete_and_refuses_duplicates():
    data = rubric_scores(0, n=30, k=3).drop(index=[0, 4]).reset_index(drop=True)
    res = cronbach_alpha(data).iloc[0]
    assert (res["n"], res["n_excluded"]) == (28, 2)
    doubled = pd.concat([data.assign(rater_id="a"), data.assign(rater_id="b")])
    with pytest.raises(InterviewLabError, match="by='rater_id'"):
        cronbach_alpha(doubled)
    assert len(cronbach_alpha(doubled, by="rater_id")) == 2
