"""Machine scores in the ratings: the optional ``rater_type`` column, checked at loading.

A one-way interview platform that scores recorded answers automatically gives one more
"rater" per answer. Its scores go in ``ratings.csv`` like any rating, with the engine's
name as ``rater_id`` and an optional column ``rater_type``: ``human`` (the default, for a
file without the column) or ``automated``. Machine scores must be on the rubric's scale
(they may have decimals); rescale a 0-100 score before loading.

A loaded :class:`~interviewlab.data.Study` keeps the two apart: ``Study.ratings`` holds
the human ratings (every analysis of raters uses them, as before), and
``Study.automated_scores`` the machine scores, for
:func:`interviewlab.automated_score_audit`. Saving a study writes both back to one
``ratings.csv``.
"""

from __future__ import annotations

import pandas as pd

from interviewlab.data.problems import Problem

#: the values of ``rater_type``
RATER_TYPES = ("human", "automated")


def _check_rater_type(rat: pd.DataFrame, label: str, problems: list[Problem]) -> pd.Series:
    """Values of ``rater_type``; a rater of both kinds; ratings all automated.

    Returns the mask of automated rows (all False without the column).
    """
    if "rater_type" not in rat.columns:
        return pd.Series(False, index=rat.index)
    kind = rat["rater_type"].astype(str)
    bad = ~kind.isin(RATER_TYPES)
    for line, value in kind[bad].items():
        problems.append(
            Problem(
                label,
                f"rater_type {value!r} is not one of {list(RATER_TYPES)}: write 'human' for a "
                "person's rating and 'automated' for a machine score.",
                line=int(line),  # type: ignore[call-overload]
                column="rater_type",
            )
        )
    automated = kind == "automated"
    if "rater_id" in rat.columns:
        rater = rat["rater_id"].astype(str)
        both = sorted(set(rater[automated]) & set(rater[kind == "human"]))
        for rater_id in both[:20]:
            line = int(rater.index[(rater == rater_id) & automated][0])
            problems.append(
                Problem(
                    label,
                    f"rater {rater_id!r} has both human and automated ratings; give the "
                    "scoring engine a rater_id of its own.",
                    line=line,
                    column="rater_type",
                )
            )
    if len(kind) and bool((automated | bad).all()) and not bad.all():
        problems.append(
            Problem(
                label,
                "has only automated scores; a study needs the human ratings the machine is "
                "compared with (rows with rater_type 'human').",
                column="rater_type",
            )
        )
    return automated


def _split_automated(ratings: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The human ratings (without ``rater_type``) and the machine scores (None: none)."""
    if "rater_type" not in ratings.columns:
        return ratings, None
    automated = (ratings["rater_type"] == "automated").to_numpy()
    human = ratings.loc[~automated].drop(columns="rater_type").reset_index(drop=True)
    if not automated.any():
        return human, None
    machine = ratings.loc[automated].reset_index(drop=True)
    return human, machine


def _joined_ratings(ratings: pd.DataFrame, automated: pd.DataFrame | None) -> pd.DataFrame:
    """Human ratings and machine scores as one table, as ``ratings.csv`` holds them."""
    if automated is None:
        return ratings
    human = ratings.assign(rater_type="human")
    return pd.concat([human, automated], ignore_index=True)[
        list(dict.fromkeys([*human.columns, *automated.columns]))
    ]
