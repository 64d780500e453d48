"""The adverse-impact audit's tables from applicant counts, through small-cell suppression.

:func:`audit_tables` computes the tables of the ``adverse_impact_audit`` report (the
regulator's table and the funnel per group column, the intersectional table and
funnel, Mantel-Haenszel pooled over strata) from one table of counts and sends each
through a :class:`ReportWriter`, which suppresses small cells and writes the CSV. The
``interviewlab audit`` command feeds it the counts Dask computed from a Parquet or CSV
table too large for memory.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from interviewlab._checks import as_list, check_choice
from interviewlab.errors import InterviewLabError, SmallSampleWarning
from interviewlab.impact import funnel, pooled_stage_audit, stage_audit
from interviewlab.impact.audit import PROFILES, Profile

if TYPE_CHECKING:
    from interviewlab.reporting.writer import ReportWriter

__all__ = ["audit_tables"]


def audit_tables(
    applicants: pd.DataFrame,
    writer: ReportWriter,
    *,
    group: str | Sequence[str],
    stages: Sequence[str],
    profile: Profile = "ugesp",
    intersection: Sequence[str] = (),
    strata: str | None = None,
    references: Mapping[str, Hashable] | None = None,
    confidence: float = 0.95,
    weight: str | None = None,
) -> dict[str, pd.DataFrame]:
    """Compute the audit's tables and pass each through ``writer`` (suppression, CSV).

    Parameters
    ----------
    applicants : pandas.DataFrame
        One row per applicant, or per combination of the columns with ``weight``
        (e.g. from :func:`interviewlab.count_applicant_files`).
    writer : ReportWriter
        Suppresses cells below its ``min_cell_size`` and writes ``tables/<name>.csv``
        into its folder; the minimum cell size is also the comparisons' ``min_count``.
    group : str or list of str
        Group columns; each gets a regulator's table and a funnel.
    stages : list of str
        Ordered 0/1 stage columns.
    profile : {"ugesp", "ofccp", "ll144", "wres"}, default "ugesp"
        The regulator's table (see :func:`interviewlab.audit_table`). "wres" needs a
        reference for the column in ``references`` and has no intersectional table.
    intersection : list of str, optional
        Two or more group columns crossed into intersectional categories: adds a
        regulator's table and a funnel of the crossed categories.
    strata : str, optional
        Column to pool over (e.g. ``requisition_id``): adds a Mantel-Haenszel table for
        each group column with a reference.
    references : mapping of str to value, optional
        Reference category per group column (e.g. ``{"sex": "M"}``) for the pooled
        tables and the "wres" profile.
    confidence : float, default 0.95
        Level of every interval.
    weight : str, optional
        Column of frequency counts (``n_applicants`` for counted files).

    Returns
    -------
    dict of str to pandas.DataFrame
        Table name (also the CSV's name) to the table as written: the columns of
        :func:`interviewlab.stage_audit` (``audit_<profile>_<column>``),
        :func:`interviewlab.funnel` (``funnel_<column>``) and
        :func:`interviewlab.pooled_stage_audit` (``pooled_<column>``), each with the
        ``suppressed`` and ``suppression`` columns of
        :func:`interviewlab.reporting.suppress_small_cells`. Intersectional tables are
        named after the crossed columns joined by ``_x_``.

    Notes
    -----
    Suppression is the report's: counts ``n`` (``n_focal`` and ``n_reference`` for
    "wres" and the pooled tables; ``applicants`` and ``entered`` for funnels) within each
    stage (and each value of the first crossed column, or each focal category). Small
    samples are flagged in each table's ``small_sample`` column rather than warned of.
    Every statistic is the row-level one: with ``weight`` each row counts as that many
    applicants.

    Examples
    --------
    >>> from interviewlab.reporting import ReportWriter
    >>> rows = pd.DataFrame({"sex": ["F"] * 40 + ["M"] * 40,
    ...                      "hired": [1] * 12 + [0] * 28 + [1] * 20 + [0] * 20})
    >>> tables = audit_tables(rows, ReportWriter(None), group="sex", stages=["hired"])
    >>> sorted(tables)
    ['audit_ugesp_sex', 'funnel_sex']
    >>> tables["audit_ugesp_sex"][["category", "n", "rate", "impact_ratio"]]
      category   n  rate  impact_ratio
    0        F  40   0.3           0.6
    1        M  40   0.5           1.0
    """
    check_choice("profile", profile, PROFILES)
    group_cols, stage_cols = as_list(group), list(stages)
    crossed = list(intersection)
    refs = dict(references or {})
    unknown_refs = sorted(set(refs) - set(group_cols))
    if unknown_refs:
        raise InterviewLabError(
            f"references names {unknown_refs}, which are not group columns {group_cols}."
        )
    if crossed and len(crossed) < 2:
        raise InterviewLabError("intersection must name at least two group columns to cross.")
    min_count = writer.min_cell_size
    out: dict[str, pd.DataFrame] = {}
    with warnings.catch_warnings():
        # small samples are flagged in every table's small_sample column
        warnings.simplefilter("ignore", SmallSampleWarning)
        for col in group_cols:
            name = f"audit_{profile}_{col}"
            if profile == "wres":
                if col not in refs:
                    continue
                focal = _focal_values(applicants, col, refs[col], weight)
                table = stage_audit(
                    applicants,
                    group=col,
                    profile="wres",
                    focal=focal,
                    reference=refs[col],
                    stages=stage_cols,
                    confidence=confidence,
                    weight=weight,
                )
                counts: list[str] = ["n_focal", "n_reference"]
            else:
                table = stage_audit(
                    applicants,
                    group=col,
                    profile=profile,
                    min_count=min_count,
                    stages=stage_cols,
                    confidence=confidence,
                    weight=weight,
                    not_reference=_not_reference(writer, col),
                )
                counts = ["n"]
            out[name] = writer.table(table, name, counts=counts, within="stage")
        for cols in [[c] for c in group_cols] + ([crossed] if crossed else []):
            name = f"funnel_{'_x_'.join(cols)}"
            table = funnel(
                applicants,
                group=cols,
                min_count=min_count,
                reference="highest",
                stages=stage_cols,
                confidence=confidence,
                weight=weight,
            )
            within = ["stage"] if len(cols) == 1 else ["stage", cols[0]]
            out[name] = writer.table(table, name, counts=["applicants", "entered"], within=within)
        if crossed and profile != "wres":
            name = f"audit_{profile}_{'_x_'.join(crossed)}"
            table = stage_audit(
                applicants,
                group=crossed,
                profile=profile,
                min_count=min_count,
                stages=stage_cols,
                confidence=confidence,
                weight=weight,
                not_reference=_not_reference(writer, crossed),
            )
            out[name] = writer.table(table, name, counts="n", within=["stage", crossed[0]])
        if strata is not None:
            for col in group_cols:
                if col not in refs:
                    continue
                table = pooled_stage_audit(
                    applicants,
                    group=col,
                    strata=strata,
                    reference=refs[col],
                    stages=stage_cols,
                    confidence=confidence,
                    weight=weight,
                )
                out[f"pooled_{col}"] = writer.table(
                    table,
                    f"pooled_{col}",
                    counts=["n_focal", "n_reference"],
                    within=["stage", "focal"],
                )
    return out


def _focal_values(
    applicants: pd.DataFrame, column: str, reference: Hashable, weight: str | None
) -> list[Hashable]:
    present = applicants if weight is None else applicants[applicants[weight] > 0]
    values = present[column].dropna().unique()
    if reference not in set(values):
        raise InterviewLabError(
            f"reference {reference!r} is not a value of {column!r}; values are "
            f"{sorted(map(str, values))}."
        )
    return sorted((v for v in values if v != reference), key=str)


def _not_reference(writer: ReportWriter, group: str | list[str]) -> dict[str, set[str]] | None:
    """Per stage, the groups the writer's plan hides: never the comparison group."""
    plan = writer.disclosure
    return None if plan is None else plan.not_reference(group)
