"""Who rates whom: how the ratings of each candidate group are spread over rater groups."""

from __future__ import annotations

import pandas as pd

from interviewlab.data import Study
from interviewlab.errors import InterviewLabError

__all__ = ["panel_composition"]


def panel_composition(study: Study, *, group: str) -> pd.DataFrame:
    """Count the ratings each candidate group received from each rater group.

    Parameters
    ----------
    study : Study
        A study with a raters table (``raters.csv``) recording ``group`` for the raters
        (study.toml ``[raters] columns``).
    group : str
        The group column shared by candidates and raters (e.g. ``"ethnicity"``).

    Returns
    -------
    pandas.DataFrame
        One row per candidate group x rater group that occurs in the ratings, sorted by
        candidate group then rater group (values not recorded last). Columns:

        - ``<group>`` (named after ``group``): the candidates' group, missing where not
          recorded (so that a report's disclosure plan hides it with that group);
        - ``rater_<group>``: the raters' group, ``"not recorded"`` where the raters
          table has no value;
        - ``same`` (bool): rater and candidate share the group (False when either is
          not recorded);
        - ``n_candidates``: candidates of the group rated at least once by raters of the
          rater group;
        - ``n_raters``: raters of the rater group who rated candidates of the group;
        - ``n_ratings``: ratings of candidates of the group by raters of the rater group;
        - ``candidates_in_group``: candidates of the group with at least one rating;
        - ``share_of_candidates``: ``n_candidates / candidates_in_group``, the share of
          the group's candidates who met at least one rater of the rater group;
        - ``share_of_ratings``: the share of the group's ratings given by the rater group.

    Notes
    -----
    A descriptive table of the design behind :func:`interviewlab.panel_effects`: a
    similar-to-me effect can only be measured for candidates rated both by raters of
    their own group and by raters of another, and a candidate group that meets no rater
    of its own group cannot benefit from a similar-to-me bonus, whatever its size. Every
    rating is counted once; nothing is left out (unrecorded groups are rows of their
    own).

    Examples
    --------
    >>> from interviewlab import load_study
    >>> table = panel_composition(load_study("demo"), group="ethnicity")
    >>> table.loc[table["same"], ["ethnicity", "rater_ethnicity", "n_candidates"]]
      ethnicity rater_ethnicity  n_candidates
    0     Asian           Asian            37
    9     White           White           313
    """
    if not isinstance(study, Study):
        raise InterviewLabError(
            f"panel_composition needs a Study (load_study or simulate_study), got "
            f"{type(study).__name__}."
        )
    if group not in study.group_columns:
        raise InterviewLabError(
            f"group={group!r} is not a candidate group column; the study declares "
            f"{study.group_columns} in study.toml [groups] columns."
        )
    if study.raters is None or group not in study.rater_columns:
        raise InterviewLabError(
            f"panel_composition needs {group!r} recorded for the raters: a raters table "
            "(raters.csv) with the column declared in study.toml [raters] columns."
        )
    rater_col = f"rater_{group}"
    cand = study.candidates.set_index("candidate_id")[group]
    raters = study.raters.set_index("rater_id")[group]
    r = study.ratings
    data = pd.DataFrame(
        {
            "candidate_id": r["candidate_id"].to_numpy(),
            "rater_id": r["rater_id"].to_numpy(),
            group: cand.reindex(r["candidate_id"]).to_numpy(),
            rater_col: raters.reindex(r["rater_id"]).to_numpy(),
        }
    )
    rater_known = data[rater_col].notna()
    data["same"] = rater_known & (data[group] == data[rater_col])
    data[rater_col] = data[rater_col].astype(object).where(rater_known, "not recorded")
    keys = [group, rater_col]
    table = (
        data.groupby(keys, dropna=False, sort=False)
        .agg(
            same=("same", "any"),
            n_candidates=("candidate_id", "nunique"),
            n_raters=("rater_id", "nunique"),
            n_ratings=("candidate_id", "size"),
        )
        .reset_index()
    )
    per_group = data.groupby(group, dropna=False).agg(
        candidates_in_group=("candidate_id", "nunique"), ratings=("candidate_id", "size")
    )
    table = table.join(per_group, on=group)
    table["share_of_candidates"] = table["n_candidates"] / table["candidates_in_group"]
    table["share_of_ratings"] = table["n_ratings"] / table["ratings"]
    order = table.assign(
        _c=table[group].isna(), _r=table[rater_col].eq("not recorded")
    ).sort_values(["_c", group, "_r", rater_col], kind="stable")
    columns = [
        group,
        rater_col,
        "same",
        "n_candidates",
        "n_raters",
        "n_ratings",
        "candidates_in_group",
        "share_of_candidates",
        "share_of_ratings",
    ]
    out = order[columns].reset_index(drop=True)
    out["same"] = out["same"].astype(bool)
    return out
