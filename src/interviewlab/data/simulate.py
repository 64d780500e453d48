"""Simulated interview studies with planted, documented biases and their true values.

The generative model (all effects on the rubric's score scale, before rounding)::

    score[c, r, q, f] = centre + ability[c] - difficulty[q] - severity[r]
                        + format_effect * async[f]
                        + focal_format_effect * async[f] * focal[c]
                        + similarity_bonus * same_group[c, r]
                        + panel_share_bonus * panel_share[c]
                        + internal_bonus * internal[c]
                        - recording_penalty * async[f] * (1 - recording_quality[c])
                        + noise[c, r, q, f]

with ``ability ~ N(0, ability_sd)``, ``difficulty ~ N(0, question_sd)``,
``severity ~ N(0, rater_sd)``, ``noise ~ N(0, noise_sd)``, ``recording_quality ~
Beta(4, 1.5)`` (lower for the focal group by ``focal_recording_gap``, then clipped to
[0, 1], so a large gap is partly absorbed at 0) and ``centre`` the rubric's midpoint.
Scores are rounded to whole points and clipped to the rubric. ``same_group`` is 1 when
the rater and the candidate share the value of ``similarity_column``, and
``panel_share`` is the share of the candidate's panel (in that session) that does. Raters
sit in
panels of ``panel_size``; each candidate is rated by one panel in each format they take.
``design="between"`` gives each candidate one format at random; ``design="within"``
gives both, in counterbalanced order. The raters table records each rater's group
(``similarity_column``), a ``role`` (in each panel, in turn: hiring manager, HR, peer)
and ``trained`` (1 for every second rater, R02, R04, ...), assigned without random draws.

Stages are decided in order, within each requisition:

1. ``completed_async``: each candidate completes the first interview stage (the
   recorded interview of an async-first process; in the ``between`` design half the
   candidates take a live panel instead) with probability ``completion_rate`` (log-odds
   shifted by ``stage_bias[stage]`` for the focal group). Only completers are rated.
2. ``shortlisted``: completers whose mean score plus ``stage_bias[stage]`` (in score
   points) puts them in the top ``shortlist_rate`` of completers of their requisition.
3. ``appointed``: the top ``appoint_rate`` of the shortlisted by the same rule.

A negative ``stage_bias`` plants adverse impact against the focal group at that stage
beyond what its scores justify.

The options are defined once, in :class:`~interviewlab.data.simulation_spec.SimulationSpec`
(defaults, checks, and the ``[planted]`` record); the draws read it by attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from interviewlab._checks import check_fraction
from interviewlab.data.simulated_tables import (
    ROUND,
    STAGES,
    _decide_stages,
    _machine_and_rounds,
    _ratings_table,
)
from interviewlab.data.simulation_spec import DEFAULT_GROUPS, SimulationSpec
from interviewlab.data.study import Study
from interviewlab.errors import InterviewLabError

__all__ = ["DEFAULT_GROUPS", "simulate_study"]

#: Roles given to the raters of each simulated panel, in turn.
RATER_ROLES = ("hiring manager", "HR", "peer")


def simulate_study(
    *,
    seed: int,
    name: str = "simulated",
    n_candidates: int = 600,
    n_raters: int = 12,
    n_questions: int = 5,
    n_requisitions: int = 10,
    panel_size: int = 3,
    design: Literal["between", "within"] = "between",
    scale: tuple[int, int] = (1, 5),
    groups: Mapping[str, Mapping[str, float]] | None = None,
    missing_group_rate: float = 0.0,
    focal: tuple[str, str] = ("ethnicity", "Black"),
    ability_sd: float = 0.8,
    question_sd: float = 0.3,
    rater_sd: float = 0.3,
    noise_sd: float = 0.7,
    format_effect: float = 0.0,
    focal_format_effect: float = 0.0,
    similarity_column: str = "ethnicity",
    similarity_bonus: float = 0.0,
    panel_share_bonus: float = 0.0,
    rater_majority_share: float | None = None,
    internal_share: float = 0.15,
    internal_bonus: float = 0.0,
    recording_penalty: float = 0.0,
    focal_recording_gap: float = 0.0,
    completion_rate: float = 0.9,
    shortlist_rate: float = 0.3,
    appoint_rate: float = 0.3,
    stage_bias: Mapping[str, float] | None = None,
    process_shares: Mapping[str, float] | None = None,
    process_focal_ratio: float = 1.0,
    automated_scores: bool = False,
    automated_bias: float = 0.0,
    automated_noise_sd: float = 0.5,
    n_periods: int = 0,
    period_change: float = 1.0,
    period_stage: str = "shortlisted",
    period_focal: tuple[str, str] | None = None,
    change_after: int | None = None,
) -> Study:
    """Simulate an interview study with known, planted effects.

    Parameters
    ----------
    seed : int
        Seed of the random generator: the same seed and options give identical tables.
    name : str
        The study's name.
    n_candidates, n_raters, n_questions, n_requisitions : int
        Sizes. ``n_raters`` must be a multiple of ``panel_size``.
    panel_size : int
        Raters per panel; each candidate is rated by one panel per format taken.
    design : {"between", "within"}
        One format per candidate (random), or both in counterbalanced order.
    scale : (int, int)
        Rubric minimum and maximum.
    groups : mapping, optional
        Group column -> {value: population share}; defaults to :data:`DEFAULT_GROUPS`.
    missing_group_rate : float
        Share of candidates whose value in each group column is recorded as missing.
    focal : (str, str)
        The group column and value that the focal-group effects apply to.
    ability_sd, question_sd, rater_sd, noise_sd : float
        Standard deviations of candidate ability, question difficulty, rater severity
        and measurement noise (score points).
    format_effect : float
        Mean async-minus-live shift for everyone.
    focal_format_effect : float
        Extra async shift for the focal group (negative: async penalises it).
    similarity_column : str
        Group column of the similar-to-me bonus.
    similarity_bonus : float
        Added when rater and candidate share ``similarity_column``'s value.
    panel_share_bonus : float
        Added per unit of the share of the candidate's panel in the candidate's group
        of ``similarity_column`` (0 to 1), on every rating of that panel.
    rater_majority_share : float, optional
        Probability that a rater belongs to the most common group of
        ``similarity_column`` (1.0 is a homogeneous pool); default: population shares.
    internal_share, internal_bonus : float
        Share of internal candidates, and their bonus on every score.
    recording_penalty : float
        Async penalty per unit of lost recording quality.
    focal_recording_gap : float
        How much lower the focal group's recording quality is on average (0 to 1).
    completion_rate, shortlist_rate, appoint_rate : float
        Stage pass rates.
    stage_bias : mapping, optional
        Stage name -> planted bias against the focal group (log-odds for
        ``completed_async``, score points for later stages).
    process_shares : mapping, optional
        Process column -> share of candidates who had it (e.g. ``{"informal_visit":
        0.3}``): 0/1 candidate columns declared in ``[process] columns``, drawn after
        everything else (so adding them changes no other value) and unrelated to scores.
    process_focal_ratio : float
        The focal group's chance of each process factor relative to everyone else's
        (1: equal access), capped at 1.
    automated_scores : bool
        Add a scoring engine's score (``rater_id`` "engine", ``rater_type``
        "automated") of every recorded (async) answer: ``centre + ability - difficulty
        + automated_bias * focal + noise``, noise ``N(0, automated_noise_sd)``, clipped
        to the rubric, 2 decimals. Unlike the raters, the engine has no severity and
        none of the raters' planted biases.
    automated_bias : float
        Points the engine adds to the focal group's scores (negative: against it).
    automated_noise_sd : float
        The engine's noise (score points).
    n_periods : int
        Hiring rounds ``1`` to ``n_periods`` in a candidates column ``round`` (0: none).
        Rounds are assigned after the stages, each group spread evenly over them, but
        with the candidates of ``period_focal`` who passed ``period_stage`` more (or less)
        often after ``change_after``: a planted change of that group's pass rate.
    period_change : float
        The planted change: the odds ratio of passing ``period_stage``, after the change
        against before, for ``period_focal`` (everyone else's is 1). It is the odds ratio
        of the 2x2 table of that group given its margins (Fisher's noncentral
        hypergeometric law), so that group sizes per round do not move.
    period_stage : str
        The stage whose pass rate changes.
    period_focal : (str, str), optional
        The group column and value whose pass rate changes; default ``focal``.
    change_after : int, optional
        The last round before the change; default ``n_periods // 2``.

    Returns
    -------
    Study
        A validated study whose ``meta["planted"]`` holds every option above
        (``rater_majority_share``, the machine's and the rounds' options only when
        used) and the true rater severities (the
        points each rater deducts, so positive is harsher: the opposite sign of
        :func:`interviewlab.rater_effects`' ``severity``), rater groups and question
        difficulties.

    Examples
    --------
    >>> study = simulate_study(seed=1, n_candidates=60, n_raters=6, n_requisitions=2)
    >>> len(study.candidates), study.ratings["format"].nunique()
    (60, 2)
    >>> study.planted["similarity_bonus"]
    0.0
    """
    # every argument, by name, into the one definition of the options (which checks them)
    meta, cand, ratings, raters = _simulated_tables(SimulationSpec(**locals()))
    return Study.from_frames(
        meta, cand, ratings, raters=raters, source=f"simulate_study(seed={seed})"
    )


def _simulated_tables(
    spec: SimulationSpec,
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The simulated study's metadata, candidates, ratings and raters, not yet checked.

    :func:`simulate_study` builds a :class:`Study` from them (checked like any study).
    """
    drawn = _draw(spec)
    rng, people, panel = drawn.rng, drawn.people, drawn.panel
    ratings = _ratings_table(people, panel, drawn.scores)
    cand = _decide_stages(
        rng,
        people,
        ratings,
        completed=drawn.completed,
        rates=(spec.shortlist_rate, spec.appoint_rate),
        stage_bias=spec.resolved_stage_bias,
    )
    group_shares = spec.resolved_groups
    for col in group_shares:
        recorded = people.true_group[col].astype(object)
        missing = rng.random(spec.n_candidates) < spec.missing_group_rate
        recorded[missing] = "unknown"
        cand[col] = recorded
    cand = cand[
        ["candidate_id", *group_shares, "requisition_id", "internal", "format_order", *STAGES]
    ]
    cand["recording_quality"] = np.round(people.quality, 3)
    cand = _with_process(spec, rng, people, cand)
    cand, ratings = _machine_and_rounds(spec, people, panel, drawn.scores, cand, ratings)
    meta = _simulated_meta(spec, panel, planted=spec.planted(panel.planted()))
    raters = panel.table(spec.similarity_column)
    if spec.process_shares:
        meta["process"] = {"columns": list(spec.process_shares)}
    if spec.n_periods:
        meta["periods"] = {"column": ROUND, "change_after": str(spec.resolved_change_after)}
    return meta, cand, ratings, raters


def _with_process(
    spec: SimulationSpec, rng: np.random.Generator, people: SimulatedCandidates, cand: pd.DataFrame
) -> pd.DataFrame:
    """The candidates with the planted process columns (0/1), drawn after everything else."""
    process = dict(spec.process_shares or {})
    if spec.process_focal_ratio < 0 or set(process) & set(cand.columns):
        raise InterviewLabError(
            "process_focal_ratio must be 0 or more and process_shares must name new "
            f"columns (not {sorted(set(process) & set(cand.columns))})."
        )
    for column, share in process.items():
        check_fraction(f"process_shares[{column!r}]", float(share), open_interval=False)
        ratio = np.where(people.is_focal, spec.process_focal_ratio, 1.0)
        chance = np.minimum(1.0, share * ratio)
        cand[column] = (rng.random(spec.n_candidates) < chance).astype(int)
    return cand


def simulated_scores(spec: SimulationSpec) -> tuple[SimulatedCandidates, SimulatedScores]:
    """The candidates and scores of ``simulate_study`` with ``spec``, drawn the same way.

    The same seed gives the same scores, without the tables, stages and checks of a
    study: what each power simulation needs (building the tables cost more than the fit).
    """
    drawn = _draw(spec)
    return drawn.people, drawn.scores


@dataclass(frozen=True)
class _Drawn:
    """A simulated study's random draws up to its scores (stages come after)."""

    rng: np.random.Generator
    people: SimulatedCandidates
    panel: _Panel
    completed: np.ndarray
    scores: SimulatedScores


def _draw(spec: SimulationSpec) -> _Drawn:
    """Draw everything of a (checked) simulation up to the scores.

    The draws happen in a fixed order (candidates, raters, completion, formats, scores;
    then, in the caller, stages and missing groups): the same seed gives the same study.
    """
    group_shares = spec.resolved_groups
    rng = np.random.default_rng(spec.seed)
    people = _draw_candidates(
        rng,
        n_candidates=spec.n_candidates,
        n_requisitions=spec.n_requisitions,
        groups=group_shares,
        focal=spec.focal,
        internal_share=spec.internal_share,
        ability_sd=spec.ability_sd,
        focal_recording_gap=spec.focal_recording_gap,
    )
    panel = _draw_raters(
        rng,
        n_raters=spec.n_raters,
        n_questions=spec.n_questions,
        panel_size=spec.panel_size,
        shares=group_shares[spec.similarity_column],
        rater_majority_share=spec.rater_majority_share,
        rater_sd=spec.rater_sd,
        question_sd=spec.question_sd,
    )
    completion_rate = spec.completion_rate
    bias0 = spec.resolved_stage_bias.get(STAGES[0], 0.0)
    logit = np.log(completion_rate / (1 - completion_rate)) + bias0 * people.is_focal
    completed = (rng.random(spec.n_candidates) < 1 / (1 + np.exp(-logit))).astype(int)
    sessions, order = _assign_formats(rng, spec.design, spec.n_candidates)
    people.frame["format_order"] = order
    scores = _draw_scores(rng, people, panel, sessions=sessions, completed=completed, spec=spec)
    return _Drawn(rng, people, panel, completed, scores)


@dataclass
class SimulatedCandidates:
    """The simulated candidates: their table so far and their true latent traits."""

    frame: pd.DataFrame
    true_group: dict[str, np.ndarray]
    is_focal: np.ndarray
    internal: np.ndarray
    ability: np.ndarray
    quality: np.ndarray


@dataclass(frozen=True)
class _Panel:
    """The simulated raters, their panels, and the questions with their difficulty."""

    rater_ids: np.ndarray
    severity: np.ndarray
    rater_group: np.ndarray
    panel_of_rater: np.ndarray
    questions: np.ndarray
    difficulty: np.ndarray

    def table(self, group_column: str) -> pd.DataFrame:
        """The raters table: id, group, role (in turn within each panel) and trained."""
        panel_size = int(np.sum(self.panel_of_rater == 0))
        position = np.arange(self.rater_ids.size) % panel_size
        return pd.DataFrame(
            {
                "rater_id": self.rater_ids,
                group_column: self.rater_group,
                "role": [RATER_ROLES[p % len(RATER_ROLES)] for p in position],
                "trained": (np.arange(self.rater_ids.size) % 2 == 1).astype(int),
            }
        )

    def planted(self) -> dict[str, dict[str, Any]]:
        """The true rater severities, rater groups and question difficulties."""
        return {
            "rater_severity": {
                rid: round(float(v), 6)
                for rid, v in zip(self.rater_ids, self.severity, strict=True)
            },
            "rater_group": {
                rid: str(g) for rid, g in zip(self.rater_ids, self.rater_group, strict=True)
            },
            "question_difficulty": {
                qid: round(float(v), 6)
                for qid, v in zip(self.questions, self.difficulty, strict=True)
            },
        }


def _draw_candidates(
    rng: np.random.Generator,
    *,
    n_candidates: int,
    n_requisitions: int,
    groups: dict[str, dict[str, float]],
    focal: tuple[str, str],
    internal_share: float,
    ability_sd: float,
    focal_recording_gap: float,
) -> SimulatedCandidates:
    """Candidates' groups, requisitions, internal status, ability and recording quality."""
    cand_ids = np.array([f"C{i:05d}" for i in range(1, n_candidates + 1)])
    frame = pd.DataFrame({"candidate_id": cand_ids})
    true_group: dict[str, np.ndarray] = {}
    for col, shares in groups.items():
        values, probs = list(shares), np.array(list(shares.values()), dtype=float)
        true_group[col] = rng.choice(values, size=n_candidates, p=probs / probs.sum())
    is_focal = true_group[focal[0]] == focal[1]
    frame["requisition_id"] = [
        f"R{j:03d}" for j in rng.integers(1, n_requisitions + 1, n_candidates)
    ]
    internal = (rng.random(n_candidates) < internal_share).astype(int)
    frame["internal"] = internal
    ability = rng.normal(0.0, ability_sd, n_candidates)
    quality = rng.beta(4.0, 1.5, n_candidates) - focal_recording_gap * is_focal
    quality = np.clip(quality, 0.0, 1.0)
    return SimulatedCandidates(frame, true_group, is_focal, internal, ability, quality)


def _draw_raters(
    rng: np.random.Generator,
    *,
    n_raters: int,
    n_questions: int,
    panel_size: int,
    shares: dict[str, float],
    rater_majority_share: float | None,
    rater_sd: float,
    question_sd: float,
) -> _Panel:
    """Raters' severity and group (majority share optionally planted), panels, questions."""
    rater_ids = np.array([f"R{i:02d}" for i in range(1, n_raters + 1)])
    severity = rng.normal(0.0, rater_sd, n_raters)
    values = list(shares)
    probs = np.array(list(shares.values()), dtype=float)
    probs /= probs.sum()
    if rater_majority_share is not None and probs.size > 1:
        major = int(np.argmax(probs))
        rest = np.delete(probs, major)
        rest = rest / rest.sum() * (1 - rater_majority_share) if rest.sum() > 0 else rest
        probs = np.insert(rest, major, rater_majority_share)
        probs /= probs.sum()
    rater_group = rng.choice(values, size=n_raters, p=probs)
    panel_of_rater = np.repeat(np.arange(n_raters // panel_size), panel_size)
    questions = np.array([f"q{i}" for i in range(1, n_questions + 1)])
    difficulty = rng.normal(0.0, question_sd, n_questions)
    return _Panel(rater_ids, severity, rater_group, panel_of_rater, questions, difficulty)


def _assign_formats(
    rng: np.random.Generator, design: str, n_candidates: int
) -> tuple[list[tuple[np.ndarray, str]], np.ndarray]:
    """Which formats each candidate takes (sessions), and the order they take them in."""
    if design == "between":
        takes_async = rng.random(n_candidates) < 0.5
        sessions = [(np.flatnonzero(takes_async), "async"), (np.flatnonzero(~takes_async), "live")]
        return sessions, np.where(takes_async, "async only", "live only")
    async_first = rng.permutation(np.arange(n_candidates) % 2 == 0)
    everyone = np.arange(n_candidates)
    return [(everyone, "async"), (everyone, "live")], np.where(
        async_first, "async first", "live first"
    )


@dataclass(frozen=True)
class SimulatedScores:
    """Every simulated rating, by position: candidate, rater and question indices."""

    candidate: np.ndarray
    rater: np.ndarray
    question: np.ndarray
    is_async: np.ndarray
    session: np.ndarray  # 1 or 2: the candidate's first or second format (within design)
    score: np.ndarray


def _draw_scores(
    rng: np.random.Generator,
    people: SimulatedCandidates,
    panel: _Panel,
    *,
    sessions: list[tuple[np.ndarray, str]],
    completed: np.ndarray,
    spec: SimulationSpec,
) -> SimulatedScores:
    """Score every completer by one random panel per format, by the documented model."""
    lo, hi = spec.scale
    centre = (lo + hi) / 2
    n_raters = panel.rater_ids.size
    panel_size = int(np.sum(panel.panel_of_rater == 0))
    n_panels = n_raters // panel_size
    n_questions = panel.questions.size
    order = people.frame["format_order"].to_numpy()
    blocks = []
    for members, fmt in sessions:
        members = members[completed[members] == 1]
        if members.size == 0:
            continue
        assigned = rng.integers(0, n_panels, members.size)
        if spec.design == "within":
            second = (order[members] == "async first") == (fmt == "live")
            session_no = np.where(second, 2, 1)
        else:
            session_no = np.ones(members.size, dtype=int)
        flat = np.flatnonzero(panel.panel_of_rater[None, :] == assigned[:, None])
        raters_idx = flat.reshape(members.size, panel_size) % n_raters
        c = np.repeat(members, panel_size * n_questions)
        r = np.repeat(raters_idx.ravel(), n_questions)
        q = np.tile(np.arange(n_questions), members.size * panel_size)
        is_async = fmt == "async"
        same = (people.true_group[spec.similarity_column][c] == panel.rater_group[r]).astype(float)
        share = same.reshape(members.size, -1).mean(axis=1)
        share = np.repeat(share, panel_size * n_questions)
        latent = (
            centre
            + people.ability[c]
            - panel.difficulty[q]
            - panel.severity[r]
            + (spec.format_effect + spec.focal_format_effect * people.is_focal[c]) * is_async
            + spec.similarity_bonus * same
            + spec.panel_share_bonus * share
            + spec.internal_bonus * people.internal[c]
            - spec.recording_penalty * is_async * (1 - people.quality[c])
            + rng.normal(0.0, spec.noise_sd, c.size)
        )
        score = np.clip(np.rint(latent), lo, hi).astype(int)
        session = np.repeat(session_no, panel_size * n_questions)
        blocks.append((c, r, q, np.full(c.size, is_async), session, score))
    return SimulatedScores(*(np.concatenate(parts) for parts in zip(*blocks, strict=True)))


def _simulated_meta(
    spec: SimulationSpec, panel: _Panel, *, planted: dict[str, Any]
) -> dict[str, Any]:
    """study.toml of a simulated study, with the planted true values under [planted]."""
    groups = spec.resolved_groups
    return {
        "name": spec.name,
        "description": (
            f"Simulated study (seed {spec.seed}): {spec.n_candidates} candidates, "
            f"{panel.rater_ids.size} raters in panels of {spec.panel_size}, "
            f"{panel.questions.size} questions, {spec.design}-candidate formats."
        ),
        "source": "interviewlab.simulate_study; the planted true values are under [planted].",
        "licence": "CC0-1.0",
        "rubric": {
            "min": spec.scale[0],
            "max": spec.scale[1],
            "questions": [str(q) for q in panel.questions],
        },
        "groups": {
            "columns": list(groups),
            "unknown": ["unknown"],
            "reference": {
                col: max(shares, key=lambda k: shares[k]) for col, shares in groups.items()
            },
        },
        "stages": {"order": list(STAGES)},
        "formats": {"labels": ["async", "live"]},
        "raters": {"columns": [str(planted["similarity_column"])]},
        "planted": planted,
    }
