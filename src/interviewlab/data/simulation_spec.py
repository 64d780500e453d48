"""The simulator's options, defined once: :class:`SimulationSpec` (internal to data/).

:func:`interviewlab.simulate_study` turns its keywords into a spec, which checks them;
the draws read the spec by attribute, and the study's ``[planted]`` table is derived from
its fields. To plant a new effect: add a field here (default, one-line comment, and
``metadata`` if it is recorded otherwise than as given), add the keyword to
``simulate_study``'s signature and docstring, and use it in the draws.
``tests/data/test_simulation_spec.py`` checks that the spec, the signature, the
docstring and ``[planted]`` agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import numpy as np

from interviewlab._checks import check_choice, check_fraction
from interviewlab.data.simulated_tables import STAGES, _check_rounds
from interviewlab.errors import InterviewLabError

__all__ = ["DEFAULT_GROUPS", "SimulationSpec"]

#: Group columns and their population shares used when ``groups`` is not given.
DEFAULT_GROUPS: dict[str, dict[str, float]] = {
    "sex": {"female": 0.5, "male": 0.5},
    "ethnicity": {"White": 0.62, "Asian": 0.14, "Black": 0.12, "Mixed": 0.07, "Other": 0.05},
    "age_band": {"under 30": 0.35, "30-49": 0.45, "50 and over": 0.20},
    "disability": {"no": 0.88, "yes": 0.12},
}

#: how a field is recorded under ``[planted]``: spec -> entries (None: not recorded)
Record = Callable[["SimulationSpec"], dict[str, Any]] | None


def _option(default: Any, *, record: Record | str = "as given", feature: str = "") -> Any:
    """A spec field: its default, how it is recorded, and the feature it belongs to.

    Options of a ``feature`` (``majority``, ``process``, ``machine``, ``rounds``) are
    recorded only when that feature is used.
    """
    return field(default=default, metadata={"record": record, "feature": feature})


@dataclass(frozen=True)
class SimulationSpec:
    """Every option of :func:`interviewlab.simulate_study`, with its default, checked once.

    The meaning of each option is documented in ``simulate_study``'s docstring. The
    fields are recorded under ``[planted]`` in this order: the options always recorded,
    then the true values drawn (rater severities, rater groups, question difficulties),
    then the options of the features used.
    """

    #: seed of the random generator
    seed: int
    #: the study's name (not planted)
    name: str = _option("simulated", record=None)
    #: one format per candidate ("between") or both ("within")
    design: Literal["between", "within"] = "between"
    #: sizes
    n_candidates: int = 600
    n_raters: int = 12
    n_questions: int = 5
    n_requisitions: int = 10
    #: raters per panel
    panel_size: int = 3
    #: rubric minimum and maximum
    scale: tuple[int, int] = _option((1, 5), record=lambda s: {"scale": [s.scale[0], s.scale[1]]})
    #: group column -> {value: population share}; None: DEFAULT_GROUPS
    groups: Mapping[str, Mapping[str, float]] | None = _option(
        None,
        record=lambda s: {
            "groups": {
                col: {k: float(v) for k, v in shares.items()}
                for col, shares in s.resolved_groups.items()
            }
        },
    )
    #: share of candidates whose group is recorded as missing
    missing_group_rate: float = 0.0
    #: the group column and value of the focal-group effects
    focal: tuple[str, str] = _option(
        ("ethnicity", "Black"),
        record=lambda s: {"focal_column": s.focal[0], "focal_value": s.focal[1]},
    )
    #: standard deviations (score points)
    ability_sd: float = 0.8
    question_sd: float = 0.3
    rater_sd: float = 0.3
    noise_sd: float = 0.7
    #: async-minus-live shift for everyone, and the focal group's extra async shift
    format_effect: float = 0.0
    focal_format_effect: float = 0.0
    #: group column of the similar-to-me bonus, the bonus, and the panel-share bonus
    similarity_column: str = "ethnicity"
    similarity_bonus: float = 0.0
    panel_share_bonus: float = 0.0
    #: internal candidates' bonus and share
    internal_bonus: float = 0.0
    internal_share: float = 0.15
    #: async penalty per unit of lost recording quality, and the focal group's gap
    recording_penalty: float = 0.0
    focal_recording_gap: float = 0.0
    #: stage pass rates
    completion_rate: float = 0.9
    shortlist_rate: float = 0.3
    appoint_rate: float = 0.3
    #: stage -> planted bias against the focal group (log-odds, then score points)
    stage_bias: Mapping[str, float] | None = _option(
        None,
        record=lambda s: {
            "stage_bias": {st: float(s.resolved_stage_bias.get(st, 0.0)) for st in STAGES}
        },
    )
    #: probability that a rater is in the most common group (None: population shares)
    rater_majority_share: float | None = _option(None, feature="majority")
    #: process column -> share of candidates who had it, and the focal group's ratio
    process_shares: Mapping[str, float] | None = _option(
        None,
        feature="process",
        record=lambda s: {
            "process_shares": {k: float(v) for k, v in (s.process_shares or {}).items()}
        },
    )
    process_focal_ratio: float = _option(
        1.0,
        feature="process",
        record=lambda s: {"process_focal_ratio": float(s.process_focal_ratio)},
    )
    #: a scoring engine's scores of the async answers, its bias and its noise
    automated_scores: bool = _option(False, feature="machine", record=None)
    automated_bias: float = _option(
        0.0, feature="machine", record=lambda s: {"automated_bias": float(s.automated_bias)}
    )
    automated_noise_sd: float = _option(
        0.5,
        feature="machine",
        record=lambda s: {"automated_noise_sd": float(s.automated_noise_sd)},
    )
    #: hiring rounds (0: none) and the planted change of a group's pass rate
    n_periods: int = _option(0, feature="rounds", record=lambda s: {"n_periods": int(s.n_periods)})
    period_change: float = _option(
        1.0, feature="rounds", record=lambda s: {"period_change": float(s.period_change)}
    )
    period_stage: str = _option("shortlisted", feature="rounds")
    period_focal: tuple[str, str] | None = _option(
        None, feature="rounds", record=lambda s: {"period_focal": list(s.resolved_period_focal)}
    )
    change_after: int | None = _option(
        None, feature="rounds", record=lambda s: {"change_after": int(s.resolved_change_after)}
    )

    def __post_init__(self) -> None:
        """Check every option, in the order the simulator always has."""
        check_choice("design", self.design, ("between", "within"))
        _check_sizes(self)
        _check_groups(self)
        _check_shares(self)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer):
            raise InterviewLabError(
                f"seed={self.seed!r} must be a whole number, so that the study can be reproduced."
            )
        _check_features(self)

    @property
    def resolved_groups(self) -> dict[str, dict[str, float]]:
        """``groups``, or :data:`DEFAULT_GROUPS` when not given, as plain dicts."""
        return {k: dict(v) for k, v in (self.groups or DEFAULT_GROUPS).items()}

    @property
    def resolved_stage_bias(self) -> dict[str, float]:
        """``stage_bias`` as a plain dict (empty when not given)."""
        return dict(self.stage_bias or {})

    @property
    def resolved_period_focal(self) -> tuple[str, str]:
        """The group whose pass rate changes between rounds: ``period_focal`` or ``focal``."""
        return self.period_focal or self.focal

    @property
    def resolved_change_after(self) -> int:
        """The last round before the change: ``change_after`` or ``n_periods // 2``."""
        return self.n_periods // 2 if self.change_after is None else self.change_after

    def uses(self, feature: str) -> bool:
        """Whether an optional feature's options are in use (and so recorded)."""
        return {
            "": True,
            "majority": self.rater_majority_share is not None,
            "process": bool(self.process_shares),
            "machine": bool(self.automated_scores),
            "rounds": bool(self.n_periods),
        }[feature]

    def planted(self, truths: Mapping[str, Any]) -> dict[str, Any]:
        """The ``[planted]`` table: the options always recorded, ``truths``, then features'.

        Every field is recorded under its own name as given unless its ``record``
        metadata says otherwise (None: not recorded); a feature's options only when the
        feature is used.
        """
        always: dict[str, Any] = {}
        features: dict[str, Any] = {}
        for option in fields(self):
            record = option.metadata.get("record", "as given")
            feature = option.metadata.get("feature", "")
            if record is None or not self.uses(feature):
                continue
            entries = {option.name: getattr(self, option.name)}
            if callable(record):
                entries = record(self)
            (features if feature else always).update(entries)
        return {**always, **dict(truths), **features}


def _check_sizes(spec: SimulationSpec) -> None:
    """Sizes are positive whole numbers; raters sit in whole panels."""
    for label in ("n_candidates", "n_raters", "n_questions", "n_requisitions", "panel_size"):
        value = getattr(spec, label)
        if not isinstance(value, int | np.integer) or value < 1:
            raise InterviewLabError(f"{label} must be a positive whole number, got {value!r}.")
    if spec.n_raters % spec.panel_size:
        raise InterviewLabError(
            f"n_raters={spec.n_raters} is not a multiple of "
            f"panel_size={spec.panel_size}; raters sit in whole panels."
        )
    if spec.scale[0] >= spec.scale[1]:
        raise InterviewLabError(f"scale={spec.scale!r} must be (min, max) with min < max.")


def _check_groups(spec: SimulationSpec) -> None:
    """The focal group, similarity column, group shares and stage biases name real things."""
    groups, focal = spec.resolved_groups, spec.focal
    if focal[0] not in groups or focal[1] not in groups[focal[0]]:
        raise InterviewLabError(
            f"focal={focal!r} must name a group column and one of its "
            f"values; the groups are {groups}."
        )
    if spec.similarity_column not in groups:
        raise InterviewLabError(
            f"similarity_column={spec.similarity_column!r} is not one of the "
            f"group columns {list(groups)}."
        )
    for col, shares in groups.items():
        if not shares or any(v < 0 for v in shares.values()) or sum(shares.values()) <= 0:
            raise InterviewLabError(f"groups[{col!r}] must map values to positive shares.")
    unknown_stages = set(spec.resolved_stage_bias) - set(STAGES)
    if unknown_stages:
        raise InterviewLabError(
            f"stage_bias names unknown stage(s) {sorted(unknown_stages)}; "
            f"the stages are {list(STAGES)}."
        )


def _check_shares(spec: SimulationSpec) -> None:
    """Pass rates must lie strictly between 0 and 1; the other shares in [0, 1]."""
    for label in ("completion_rate", "shortlist_rate", "appoint_rate"):
        check_fraction(label, float(getattr(spec, label)))
    for label in ("missing_group_rate", "internal_share", "focal_recording_gap"):
        check_fraction(label, float(getattr(spec, label)), open_interval=False)
    if spec.rater_majority_share is not None:
        check_fraction("rater_majority_share", spec.rater_majority_share, open_interval=False)


def _check_features(spec: SimulationSpec) -> None:
    """The machine's and the rounds' options are used only with their feature, and valid."""
    if spec.automated_bias and not spec.automated_scores:
        raise InterviewLabError("automated_bias needs automated_scores=True.")
    if not spec.n_periods:
        if spec.period_change != 1.0:
            raise InterviewLabError("period_change needs n_periods of at least 2.")
        return
    _check_rounds(spec.n_periods, spec.change_after, spec.period_change, spec.period_stage)
    column = spec.resolved_period_focal[0]
    if column not in spec.resolved_groups:
        raise InterviewLabError(
            f"period_focal={spec.period_focal!r} must name a group column and one of "
            f"its values; the group columns are {sorted(spec.resolved_groups)}."
        )
