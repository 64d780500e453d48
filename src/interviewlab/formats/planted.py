"""The true format effects a simulated study planted, in compare_formats' terms."""

from __future__ import annotations

import numpy as np
import pandas as pd

from interviewlab.data import Study
from interviewlab.errors import InterviewLabError

__all__ = ["planted_format_effects"]


def planted_format_effects(study: Study) -> pd.DataFrame:
    """The format effects a simulated study planted, named as :func:`compare_formats` names them.

    Parameters
    ----------
    study : Study
        A study made by :func:`interviewlab.simulate_study` (its ``[planted]`` table).

    Returns
    -------
    pandas.DataFrame
        One row per effect: ``effect`` (the ``effect`` label of
        :func:`compare_formats` with ``group`` = the planted focal column and the
        study's reference group), ``kind`` and ``group`` (the codes that find the
        same row in :func:`compare_formats`' result: ``format`` with the reference
        group, ``format`` with the focal group, ``interaction`` with the focal group),
        ``planted`` (true value on the latent score scale), ``n_candidates`` (the async
        candidates whose recording quality enters it).

    Notes
    -----
    The simulator adds ``format_effect`` to every async score, ``focal_format_effect``
    more for the focal group, and subtracts ``recording_penalty x (1 - quality)`` from
    async scores. The true async - live difference of a group is therefore
    ``format_effect [+ focal_format_effect] - recording_penalty x mean(1 - quality)``
    over that group's async candidates, and the format x group interaction is the
    difference of the two. Scores are then rounded to the rubric, which shrinks effects
    a little; the estimates' intervals should still usually cover these values.

    Examples
    --------
    >>> import interviewlab as il
    >>> planted_format_effects(il.load_study("demo"))[["kind", "group", "planted"]].round(2)
              kind  group  planted
    0       format  White    -0.27
    1       format  Black    -0.76
    2  interaction  Black    -0.49
    """
    planted = study.planted
    needed = ("focal_column", "focal_value", "format_effect", "focal_format_effect")
    if not planted or any(k not in planted for k in needed):
        raise InterviewLabError(
            "This study declares no planted format effects ([planted] in study.toml); only "
            "studies made by simulate_study have them."
        )
    column, focal = planted["focal_column"], planted["focal_value"]
    reference = study.reference_groups.get(column)
    focal_format, reference_format = study.formats[0], study.formats[1]
    rated_async = study.ratings.loc[study.ratings["format"] == focal_format, "candidate_id"]
    took_async = study.candidates[study.candidates["candidate_id"].isin(rated_async)]
    quality = took_async["recording_quality"].astype(float).to_numpy()
    group = took_async[column].to_numpy()
    penalty = float(planted.get("recording_penalty", 0.0))
    label = f"format effect ({focal_format} - {reference_format})"
    effects, counts = {}, {}
    for value, extra in ((reference, 0.0), (focal, float(planted["focal_format_effect"]))):
        lost = float(np.mean(1.0 - quality[group == value]))
        effects[value] = float(planted["format_effect"]) + extra - penalty * lost
        counts[value] = int(np.sum(group == value))
    interaction = (
        f"format x group interaction ({focal}): gap in {focal_format} minus gap in "
        f"{reference_format}"
    )
    return pd.DataFrame(
        {
            "effect": [f"{label}, {reference}", f"{label}, {focal}", interaction],
            "kind": ["format", "format", "interaction"],
            "group": [str(reference), str(focal), str(focal)],
            "planted": [
                effects[reference],
                effects[focal],
                effects[focal] - effects[reference],
            ],
            "n_candidates": [counts[reference], counts[focal], counts[reference] + counts[focal]],
        }
    )
