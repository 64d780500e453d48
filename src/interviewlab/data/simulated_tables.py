"""The simulated study's tables once the scores are drawn (internal to simulate_study).

Ratings, stages, machine scores and hiring rounds, for
:func:`interviewlab.simulate_study`.

Machine scores and rounds are drawn from random streams of their own (seeded from the
study's seed), after everything else: adding them to a simulated study changes no other
value of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from interviewlab._checks import check_choice
from interviewlab.errors import InterviewLabError

if TYPE_CHECKING:
    from interviewlab.data.simulate import SimulatedCandidates, SimulatedScores, _Panel
    from interviewlab.data.simulation_spec import SimulationSpec

STAGES = ("completed_async", "shortlisted", "appointed")

#: the rater_id of the simulated scoring engine
ENGINE = "engine"

#: the column of simulated hiring rounds
ROUND = "round"


def _ratings_table(
    people: SimulatedCandidates, panel: _Panel, scores: SimulatedScores
) -> pd.DataFrame:
    """The ratings table, sorted by candidate, session, rater and question."""
    c, r = scores.candidate, scores.rater
    panel_names = np.array([f"P{p + 1}" for p in panel.panel_of_rater])
    ratings = pd.DataFrame(
        {
            "candidate_id": people.frame["candidate_id"].to_numpy()[c],
            "rater_id": panel.rater_ids[r],
            "question_id": panel.questions[scores.question],
            "format": np.where(scores.is_async, "async", "live"),
            "score": scores.score,
            "panel_id": panel_names[r],
            "requisition_id": people.frame["requisition_id"].to_numpy()[c],
            "session": scores.session,
        }
    )
    return (
        ratings.sort_values(["candidate_id", "session", "rater_id", "question_id"], kind="stable")
        .drop(columns="session")
        .reset_index(drop=True)
    )


def _decide_stages(
    rng: np.random.Generator,
    people: SimulatedCandidates,
    ratings: pd.DataFrame,
    *,
    completed: np.ndarray,
    rates: tuple[float, float],
    stage_bias: dict[str, float],
) -> pd.DataFrame:
    """Later stages, decided within requisition from mean scores (plus any planted bias)."""
    cand = people.frame
    cand_ids = cand["candidate_id"].to_numpy()
    mean_score = ratings.groupby("candidate_id")["score"].mean().reindex(cand_ids).to_numpy()
    stage_pass = {STAGES[0]: completed}
    previous = completed
    for stage, rate in zip(STAGES[1:], rates, strict=True):
        merit = mean_score + stage_bias.get(stage, 0.0) * people.is_focal
        merit = merit + rng.normal(0.0, 1e-6, cand_ids.size)  # break ties at random
        stage_pass[stage] = _top_share(merit, previous, cand["requisition_id"].to_numpy(), rate)
        previous = stage_pass[stage]
    for stage in STAGES:
        cand[stage] = stage_pass[stage]
    return cand


def _top_share(
    merit: np.ndarray, eligible: np.ndarray, strata: np.ndarray, share: float
) -> np.ndarray:
    """1 for the top ``share`` (rounded, at least one) of eligible units in each stratum."""
    out = np.zeros(merit.size, dtype=int)
    frame = pd.DataFrame({"merit": merit, "eligible": eligible.astype(bool), "s": strata})
    pool = frame[frame["eligible"]]
    rank = pool.groupby("s")["merit"].rank(ascending=False, method="first")
    size = pool.groupby("s")["merit"].transform("size")
    keep = rank <= np.maximum(1, np.rint(size * share))
    out[pool.index[keep.to_numpy()]] = 1
    return out


def _machine_and_rounds(
    spec: SimulationSpec,
    people: SimulatedCandidates,
    panel: _Panel,
    scores: SimulatedScores,
    cand: pd.DataFrame,
    ratings: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The candidates and ratings with the planted rounds and machine scores, if asked."""
    if spec.automated_scores:
        machine = _machine_scores(
            spec.seed,
            people,
            panel,
            scores,
            scale=spec.scale,
            bias=float(spec.automated_bias),
            noise_sd=float(spec.automated_noise_sd),
        )
        ratings = _with_machine_scores(ratings, machine)
    if spec.n_periods:
        column, value = spec.resolved_period_focal
        rounds = _assign_periods(
            spec.seed,
            cand[spec.period_stage].to_numpy(),
            people.true_group[column] == value,
            n_periods=spec.n_periods,
            change_after=spec.resolved_change_after,
            odds_ratio=float(spec.period_change),
        )
        cand = cand.assign(**{ROUND: rounds})
    return cand, ratings


def _machine_scores(
    seed: int,
    people: SimulatedCandidates,
    panel: _Panel,
    scores: SimulatedScores,
    *,
    scale: tuple[int, int],
    bias: float,
    noise_sd: float,
) -> pd.DataFrame:
    """One machine score per recorded (async) answer, on the rubric scale, 2 decimals.

    ``centre + ability - difficulty + bias * focal + noise``, clipped to the scale, from
    the stream ``default_rng([seed, 1])``.
    """
    rng = np.random.default_rng([seed, 1])
    answers = pd.DataFrame(
        {"c": scores.candidate[scores.is_async], "q": scores.question[scores.is_async]}
    ).drop_duplicates()
    answers = answers.sort_values(["c", "q"], kind="stable")
    c, q = answers["c"].to_numpy(), answers["q"].to_numpy()
    lo, hi = scale
    latent = (
        (lo + hi) / 2
        + people.ability[c]
        - panel.difficulty[q]
        + bias * people.is_focal[c]
        + rng.normal(0.0, noise_sd, c.size)
    )
    return pd.DataFrame(
        {
            "candidate_id": people.frame["candidate_id"].to_numpy()[c],
            "rater_id": ENGINE,
            "question_id": panel.questions[q],
            "format": "async",
            "score": np.round(np.clip(latent, lo, hi), 2),
            "panel_id": "",
            "requisition_id": people.frame["requisition_id"].to_numpy()[c],
            "rater_type": "automated",
        }
    )


def _with_machine_scores(ratings: pd.DataFrame, machine: pd.DataFrame) -> pd.DataFrame:
    """The human ratings (``rater_type`` human, order kept) followed by the machine's."""
    return pd.concat([ratings.assign(rater_type="human"), machine], ignore_index=True)


def _assign_periods(
    seed: int,
    passed: np.ndarray,
    is_focal: np.ndarray,
    *,
    n_periods: int,
    change_after: int,
    odds_ratio: float,
) -> np.ndarray:
    """Each candidate's round (1 to ``n_periods``), planting a change after a round.

    In each group (focal, everyone else) the share of candidates after the change is
    fixed, ``(n_periods - change_after) / n_periods`` of the group, so that no group's
    size moves between rounds. Among focal candidates, how many of those who passed
    the stage fall after the change is drawn from Fisher's noncentral hypergeometric
    law with ``odds_ratio``: the distribution of a 2x2 table (passed x after) given its
    margins when the true odds ratio is ``odds_ratio``. Everyone else is split at
    random (odds ratio 1). Within before and after, rounds are drawn uniformly. The
    stream is ``default_rng([seed, 2])``.
    """
    from scipy.stats import nchypergeom_fisher

    rng = np.random.default_rng([seed, 2])
    after = np.zeros(passed.size, dtype=bool)
    share_after = (n_periods - change_after) / n_periods
    for members, ratio in (
        (np.flatnonzero(is_focal), odds_ratio),
        (np.flatnonzero(~is_focal), 1.0),
    ):
        n_after = round(members.size * share_after)
        passers = members[passed[members] == 1]
        others = members[passed[members] != 1]
        if members.size == 0 or n_after == 0:
            continue
        law = nchypergeom_fisher(members.size, passers.size, n_after, ratio)
        k = int(law.rvs(random_state=rng))
        after[rng.choice(passers, k, replace=False)] = True
        after[rng.choice(others, n_after - k, replace=False)] = True
    before_round = rng.integers(1, change_after + 1, passed.size)
    after_round = rng.integers(change_after + 1, n_periods + 1, passed.size)
    return np.where(after, after_round, before_round)


def _check_rounds(n_periods: int, change_after: int | None, odds_ratio: float, stage: str) -> int:
    """Check the rounds' options; return the last round before the change."""
    check_choice("period_stage", stage, STAGES)
    if not isinstance(n_periods, int) or n_periods < 2:
        raise InterviewLabError(f"n_periods={n_periods!r} must be 0 (no rounds) or at least 2.")
    after = n_periods // 2 if change_after is None else change_after
    if not isinstance(after, int) or not 1 <= after < n_periods:
        raise InterviewLabError(
            f"change_after={change_after!r} must be a round from 1 to {n_periods - 1} (the "
            "last round before the change)."
        )
    if not odds_ratio > 0:
        raise InterviewLabError(f"period_change={odds_ratio!r} must be a positive odds ratio.")
    return after
