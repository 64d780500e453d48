"""Stage-by-stage audits of a hiring process, assembled from the statistics in ``impact``.

An audit asks the same questions at every selection stage, of the people who entered
it: the regulator's table (:func:`stage_audit`), the same pooled over requisitions
(:func:`pooled_stage_audit`), and the rows a reader must not miss (:func:`findings`).
Nothing here computes a statistic of its own; it decides who entered each stage and
which rows to flag.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Hashable, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from interviewlab._checks import as_list, check_choice, check_fraction, require_columns
from interviewlab.errors import InterviewLabError
from interviewlab.impact.pooled import mantel_haenszel
from interviewlab.impact.regulators import audit_table

__all__ = ["findings", "pooled_stage_audit", "stage_audit", "stage_entrants"]

Profile = Literal["ugesp", "ofccp", "ll144", "wres"]
PROFILES = ("ugesp", "ofccp", "ll144", "wres")


def stage_entrants(candidates: pd.DataFrame, *, stages: Sequence[str], stage: str) -> pd.DataFrame:
    """The candidates who entered ``stage``.

    Everyone enters the first stage; a later stage is entered by those who passed the
    previous one.

    Examples
    --------
    >>> c = pd.DataFrame({"a": [1, 1, 0], "b": [1, 0, 0]})
    >>> len(stage_entrants(c, stages=["a", "b"], stage="b"))
    2
    """
    stages = list(stages)
    if stage not in stages:
        raise InterviewLabError(f"stage={stage!r} is not one of the stages {stages}.")
    require_columns(candidates, stages, "candidates")
    position = stages.index(stage)
    if position == 0:
        return candidates
    return candidates[candidates[stages[position - 1]] == 1]


def stage_audit(
    candidates: pd.DataFrame,
    *,
    group: str | Sequence[str],
    stages: Sequence[str],
    profile: Profile = "ugesp",
    focal: Hashable | Sequence[Hashable] | None = None,
    reference: Hashable | Sequence[Hashable] | None = None,
    min_count: int = 0,
    confidence: float = 0.95,
    weight: str | None = None,
    not_reference: Mapping[str, Collection[Hashable]] | None = None,
) -> pd.DataFrame:
    """The regulator's adverse-impact table at every stage, among those who entered it.

    Parameters
    ----------
    candidates : pandas.DataFrame
        One row per candidate, with the group and 0/1 stage columns (or one row per
        combination of them, with ``weight``).
    group : str or list of str
        Group column(s); a list forms intersectional categories.
    stages : list of str
        Ordered stage columns.
    profile : {"ugesp", "ofccp", "ll144", "wres"}
        The table's form, see :func:`interviewlab.audit_table`.
    focal, reference : optional
        For ``profile="wres"``: the focal categories (e.g. all minority ethnic groups)
        and the reference category (e.g. ``"White"``).
    min_count : int
        Categories with fewer entrants at a stage are listed but excluded from the
        comparison and never its reference (pass the report's minimum cell size).
    confidence : float
        Level of the intervals.
    weight : str, optional
        Column of frequency counts when each row stands for several candidates (e.g.
        ``n_applicants`` from :func:`interviewlab.applicant_counts`); the table equals
        the one on the candidate rows.
    not_reference : mapping, optional
        Stage -> categories never chosen as that stage's reference (e.g. those a
        report's disclosure plan hides there, from
        :meth:`interviewlab.reporting.Disclosure.not_reference`: every ratio against a
        hidden reference would be hidden too); not used by "wres".

    Returns
    -------
    pandas.DataFrame
        ``stage``, ``stage_number``, then the profile's columns; for every profile but
        "wres", also ``reference`` and ``reference_rate`` (the category and rate the
        ratios are taken against).

    Examples
    --------
    >>> from interviewlab import load_study
    >>> demo = load_study("demo")
    >>> table = stage_audit(demo.candidates, group="sex", stages=demo.stages)
    >>> table["stage"].unique().tolist()
    ['completed_async', 'shortlisted', 'appointed']
    """
    check_choice("profile", profile, PROFILES)
    check_fraction("confidence", confidence)
    stages = list(stages)
    if not stages:
        raise InterviewLabError("stages is empty: name the 0/1 stage columns in order.")
    if profile == "wres" and (focal is None or reference is None):
        raise InterviewLabError(
            'profile="wres" compares a reference with focal categories: pass '
            'focal=[...] and reference=... (e.g. reference="White").'
        )
    parts = []
    for number, stage in enumerate(stages, start=1):
        entrants = stage_entrants(candidates, stages=stages, stage=stage)
        if profile == "wres":
            table = audit_table(
                entrants,
                group=group,
                selected=stage,
                profile="wres",
                focal=focal,
                reference=reference,
                confidence=confidence,
                weight=weight,
            )
        else:
            table = audit_table(
                entrants,
                group=group,
                selected=stage,
                profile=profile,
                min_count=min_count,
                confidence=confidence,
                weight=weight,
                not_reference=(not_reference or {}).get(stage, ()),
            )
            ref = table.loc[table["role"] == "reference"]
            table["reference_rate"] = float(ref["rate"].iloc[0]) if len(ref) else np.nan
            if "reference" not in table.columns:
                table["reference"] = ref["category"].iloc[0] if len(ref) else pd.NA
        table.insert(0, "stage_number", number)
        table.insert(0, "stage", stage)
        parts.append(table)
    return pd.concat(parts, ignore_index=True)


def pooled_stage_audit(
    candidates: pd.DataFrame,
    *,
    group: str,
    stages: Sequence[str],
    strata: str | Sequence[str],
    reference: Hashable,
    focal: Sequence[Hashable] | None = None,
    confidence: float = 0.95,
    weight: str | None = None,
) -> pd.DataFrame:
    """Mantel-Haenszel pooling over strata (e.g. requisitions) at every stage.

    Each focal category is compared with ``reference`` among those who entered the stage,
    stratum by stratum. A warning raised by the statistic (e.g. Simpson's paradox: the
    crude and pooled estimates point in different directions) is kept in the ``note``
    column so that a report shows it. With ``weight`` (a column of frequency counts),
    each row of ``candidates`` stands for that many candidates.

    Returns
    -------
    pandas.DataFrame
        ``stage``, ``stage_number``, then the columns of
        :func:`interviewlab.mantel_haenszel`, then ``note``.
    """
    stages = list(stages)
    require_columns(candidates, [group, *stages, *as_list(strata), *as_list(weight)], "candidates")
    present = candidates if weight is None else candidates[candidates[weight] > 0]
    known = present[group].dropna().unique()
    if reference not in set(known):
        raise InterviewLabError(
            f"reference={reference!r} is not a value of {group!r}; values "
            f"are {sorted(map(str, known))}."
        )
    focal_values = (
        list(focal) if focal is not None else sorted((v for v in known if v != reference), key=str)
    )
    rows = []
    for number, stage in enumerate(stages, start=1):
        entrants = stage_entrants(candidates, stages=stages, stage=stage)
        for value in focal_values:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    result = mantel_haenszel(
                        entrants,
                        group=group,
                        selected=stage,
                        strata=strata,
                        focal=value,
                        reference=reference,
                        confidence=confidence,
                        weight=weight,
                    )
                except InterviewLabError as err:
                    result = pd.DataFrame({"focal": [value], "reference": [reference]})
                    caught.append(warnings.WarningMessage(str(err), UserWarning, "", 0))
            result.insert(0, "stage_number", number)
            result.insert(0, "stage", stage)
            result["note"] = " ".join(str(w.message) for w in caught)
            rows.append(result)
    return pd.concat(rows, ignore_index=True)


def findings(table: pd.DataFrame, *, profile: Profile, alpha: float = 0.05) -> pd.DataFrame:
    """The rows of a stage audit that a reader must not miss, with the reason.

    A row is a finding when, under ``profile``: "ugesp" and "ll144" - its impact ratio is
    below four-fifths (LL144 itself sets no threshold; the line is context); "ofccp" -
    its multiplicity-adjusted p-value is below ``alpha``;
    "wres" - the relative likelihood's interval excludes 1. Suppressed rows (small
    cells) are never findings: their figures are not shown.

    Returns
    -------
    pandas.DataFrame
        The flagged rows with a ``finding`` column (the reason, in words).
    """
    check_choice("profile", profile, PROFILES)
    check_fraction("alpha", alpha)
    shown = ~table["suppressed"].astype(bool) if "suppressed" in table.columns else True
    if profile in ("ugesp", "ll144"):
        if "below_threshold" in table.columns:
            flag = table["below_threshold"].fillna(False).astype(bool)
        else:
            # LL144 tables carry no verdict column: the rule sets no threshold, so the
            # four-fifths line is used as context (a tolerance guards float round-off)
            flag = (table["impact_ratio"] < 0.8 - 1e-12).fillna(False).astype(bool)
        reason = "impact ratio below the four-fifths threshold"
    elif profile == "ofccp":
        flag = table["p_adjusted"].lt(alpha).fillna(False).astype(bool)
        reason = f"difference statistically significant (adjusted p < {alpha:g})"
    else:
        flag = (table["ci_low"].gt(1) | table["ci_high"].lt(1)).fillna(False).astype(bool)
        reason = "relative likelihood's interval excludes 1"
    out = table[flag & shown].copy()
    out["finding"] = reason
    return out
