"""What can be wrong with a study: a :class:`Problem` per finding, in a :class:`StudyError`."""

from __future__ import annotations

from dataclasses import dataclass

from interviewlab.errors import InterviewLabError

RATING_COLUMNS = ("candidate_id", "rater_id", "question_id", "format", "score")
RATING_KEY = ("candidate_id", "rater_id", "question_id", "format")
OPTIONAL_RATING_COLUMNS = ("panel_id", "rated_at", "requisition_id")
DEFAULT_FORMATS = ("async", "live")
MAX_PROBLEMS_SHOWN = 10


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
        shown = "\n".join(f"  - {p}" for p in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        tail = f"\n  ... and {more} more problem(s) of the same kind." if more > 0 else ""
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(
            f"The study at {source} has {len(problems)} {noun}; fix the file(s) and load "
            f"it again:\n{shown}{tail}"
        )
