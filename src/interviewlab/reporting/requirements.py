"""What each report needs from a study, and why a report is skipped when a study lacks it.

A report notebook declares its needs in its metadata, ``interviewlab.requires``: a list
of the codes below. Before a report runs, :func:`skip_reason` checks them against the
loaded study; a report that does not apply (a study with one interview format has
nothing to compare in ``async_vs_live``) is skipped with the reason, not failed.

======================  ==================================================================
code                    the study has
======================  ==================================================================
``groups``              at least one group column (``[groups] columns``)
``stages``              at least one selection stage (``[stages] order``)
``two_formats``         ratings in at least two interview formats
``recordings``          recorded answers (a ``recording`` column and ``recordings/``), or
                        is a simulated study whose planted recording quality can be
                        turned into synthetic recordings
``panel_data``          something about who rated whom or how: a raters table sharing a
                        group column with the candidates, an ``internal`` column, or
                        ``[process] columns``
``rater_overlap``       candidates rated by two or more raters (agreement needs pairs)
``machine_scores``      machine scores (rows of ``ratings.csv`` with ``rater_type``
                        ``automated``) of answers that humans rated too
``periods``             a period column (``[periods] column``) with candidates in two or
                        more periods
======================  ==================================================================
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from interviewlab.errors import InterviewLabError

if TYPE_CHECKING:
    from interviewlab.data import Study

__all__ = ["REQUIREMENTS", "is_demonstration", "report_requirements", "skip_reason"]


def _groups(study: Study) -> str | None:
    if study.group_columns:
        return None
    return "the study declares no group columns (study.toml [groups] columns)"


def _stages(study: Study) -> str | None:
    if study.stages:
        return None
    return "the study declares no selection stages (study.toml [stages] order)"


def _two_formats(study: Study) -> str | None:
    seen = sorted(map(str, study.ratings["format"].unique()))
    if len(seen) >= 2:
        return None
    only = seen[0] if seen else "no"
    return f"every rating is in one interview format ({only}), so there is nothing to compare"


def _recordings(study: Study) -> str | None:
    if study.recordings_dir is not None:
        return None
    if study.planted and "recording_quality" in study.candidates.columns:
        return None  # a simulated study: its planted quality becomes synthetic recordings
    return (
        "the study has no recorded answers (a 'recording' column naming files in its "
        "recordings/ folder)"
    )


def _panel_data(study: Study) -> str | None:
    shared = study.raters is not None and bool(set(study.group_columns) & set(study.rater_columns))
    if shared or "internal" in study.candidates.columns or study.process_columns:
        return None
    return (
        "the study records neither the raters' groups (raters.csv with a group column the "
        "candidates also have), nor internal candidates (an 'internal' column), nor process "
        "factors (study.toml [process] columns)"
    )


def _rater_overlap(study: Study) -> str | None:
    raters = study.ratings.groupby("candidate_id", observed=True)["rater_id"].nunique()
    if (raters >= 2).any():
        return None
    return "no candidate was rated by two or more raters, so agreement cannot be measured"


def _machine_scores(study: Study) -> str | None:
    machine = study.automated_scores
    if machine is None or machine.empty:
        return "the study has no machine scores (rows of ratings.csv with rater_type 'automated')"
    key = ["candidate_id", "question_id", "format"]
    both = machine[key].merge(study.ratings[key].drop_duplicates(), on=key)
    if both.empty:
        return (
            "no answer has both a machine score and a human rating, so there is nothing to compare"
        )
    return None


def _periods(study: Study) -> str | None:
    column = study.period_column
    if column is None:
        return "the study declares no periods (study.toml [periods] column)"
    seen = study.candidates[column].dropna().astype(str).nunique()
    if seen < 2:
        return "every candidate is in one period, so there is no change over time to measure"
    return None


#: each code's check: None when the study has what the code needs, else the reason
REQUIREMENTS: dict[str, Callable[[Study], str | None]] = {
    "groups": _groups,
    "stages": _stages,
    "two_formats": _two_formats,
    "recordings": _recordings,
    "panel_data": _panel_data,
    "rater_overlap": _rater_overlap,
    "machine_scores": _machine_scores,
    "periods": _periods,
}


def report_requirements(name: str) -> list[str]:
    """The requirement codes a report notebook declares (metadata ``interviewlab.requires``).

    Examples
    --------
    >>> report_requirements("async_vs_live")
    ['two_formats']
    >>> report_requirements("study_overview")
    []
    """
    from interviewlab.reporting.parameters import notebook_path

    notebook = json.loads(notebook_path(name).read_text(encoding="utf-8"))
    codes = notebook.get("metadata", {}).get("interviewlab", {}).get("requires", [])
    unknown = sorted(set(codes) - set(REQUIREMENTS))
    if unknown:
        raise InterviewLabError(
            f"Notebook {name!r} declares unknown requirement(s) {unknown}; the known codes "
            f"are {sorted(REQUIREMENTS)}."
        )
    return list(codes)


def is_demonstration(name: str) -> bool:
    """Whether a report is a demonstration that does not use the study (metadata ``simulated``).

    Such a report (``panel_training`` simulates its candidates; ``published_cases`` reads
    published counts) runs without a study and is listed apart from the study's reports.

    Examples
    --------
    >>> is_demonstration("panel_training"), is_demonstration("reliability")
    (True, False)
    """
    from interviewlab.reporting.parameters import notebook_path

    notebook = json.loads(notebook_path(name).read_text(encoding="utf-8"))
    return bool(notebook.get("metadata", {}).get("interviewlab", {}).get("simulated", False))


def skip_reason(name: str, study: Study) -> str | None:
    """Why report ``name`` does not apply to ``study`` (None when it does).

    Every unmet requirement is named, joined by "; and".

    Examples
    --------
    >>> from interviewlab import load_study
    >>> demo = load_study("demo")
    >>> skip_reason("async_vs_live", demo) is None
    True
    >>> from dataclasses import replace
    >>> one = replace(demo, ratings=demo.ratings[demo.ratings["format"] == "live"])
    >>> skip_reason("async_vs_live", one)
    'every rating is in one interview format (live), so there is nothing to compare'
    """
    reasons = [REQUIREMENTS[code](study) for code in report_requirements(name)]
    found = [reason for reason in reasons if reason is not None]
    return "; and ".join(found) if found else None
