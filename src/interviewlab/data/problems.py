"""What can be wrong with a study: a :class:`Problem` per finding, in a :class:`StudyError`."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

import pandas as pd

from interviewlab.errors import InterviewLabError, InterviewLabWarning

RATING_COLUMNS = ("candidate_id", "rater_id", "question_id", "format", "score")
RATING_KEY = ("candidate_id", "rater_id", "question_id", "format")
OPTIONAL_RATING_COLUMNS = ("panel_id", "rated_at", "requisition_id")
DEFAULT_FORMATS = ("async", "live")
MAX_PROBLEMS_SHOWN = 10
MAX_KINDS_SHOWN = 20


@dataclass(frozen=True)
class Problem:
    """One problem found while loading a study: where it is and what is wrong."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class StudyError(InterviewLabError):
    """A study that cannot be loaded; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem], source: str) -> None:
        self.problems = list(problems)
        self.source = source
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(
            f"The study at {source} has {len(problems)} {noun}; fix the file(s) and load "
            f"it again:\n{_listing(self.problems)}"
        )

    def __reduce__(self) -> tuple[type, tuple[list[Problem], str]]:
        # rebuilt from its own arguments (a report worker sends it to the parent pickled)
        return type(self), (self.problems, self.source)


def _kind(problem: Problem) -> tuple[str, str | None, str]:
    """Problems of one kind: same file, column and message once values are taken out."""
    template = re.sub(r"'[^']*'|\"[^\"]*\"|-?\d+(\.\d+)?", "_", problem.message)
    return problem.file, problem.column, template


def _listing(problems: list[Problem]) -> str:
    """The first few problems of every kind, then how many more of each kind there are."""
    kinds: dict[tuple[str, str | None, str], list[Problem]] = {}
    for problem in problems:
        kinds.setdefault(_kind(problem), []).append(problem)
    per_kind = max(1, MAX_PROBLEMS_SHOWN // len(kinds)) if len(kinds) <= 10 else 1
    lines = []
    for group in list(kinds.values())[:MAX_KINDS_SHOWN]:
        lines += [f"  - {p}" for p in group[:per_kind]]
        if len(group) > per_kind:
            where = group[0].file + (f", column {group[0].column!r}" if group[0].column else "")
            lines.append(f"    ... and {len(group) - per_kind} more like this in {where}")
    hidden = list(kinds.values())[MAX_KINDS_SHOWN:]
    if hidden:
        lines.append(
            f"  ... and {sum(map(len, hidden))} more problem(s) of {len(hidden)} other kind(s)."
        )
    return "\n".join(lines)


# ------------------------------------------------ hints for data that is nearly right
def _warn_case_variants(table: pd.DataFrame, columns: list[str], label: str) -> None:
    """Warn when labels of a column differ only in case ('White' and 'white')."""
    for column in columns:
        counts = table[column].dropna().astype(str).value_counts(sort=False)
        if len(counts) < 2:
            continue
        keys = pd.Series(counts.index.str.casefold(), index=counts.index)
        clashing = keys.duplicated(keep=False).to_numpy()
        if not clashing.any():
            continue
        # only the few clashing labels are grouped (grouping every label is slow)
        clash = counts[clashing]
        variants = [part for _, part in clash.groupby(keys[clashing].to_numpy(), sort=False)]
        shown = "; ".join(
            " and ".join(f"{value!r} ({n} rows)" for value, n in part.items())
            for part in variants[:5]
        )
        more = f" (and {len(variants) - 5} more such sets)" if len(variants) > 5 else ""
        warnings.warn(
            f"{label} column {column!r} has values that differ only in case: {shown}{more}. "
            "They are kept apart; if they mean the same, correct the spelling in the file.",
            InterviewLabWarning,
            stacklevel=4,
        )


def _did_you_mean(name: str, columns: Any) -> str:
    """' (did you mean 'score'? ...)' when a column differs from ``name`` only in case."""
    close = [c for c in columns if str(c).casefold() == name.casefold() and c != name]
    if not close:
        return ""
    return (
        f" (did you mean {name!r}? The file has {close[0]!r}: column names are "
        "case-sensitive; rename it)"
    )
