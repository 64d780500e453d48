"""What can be wrong with a study: a :class:`Problem` per finding, in a :class:`StudyError`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from interviewlab.errors import InterviewLabError

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
