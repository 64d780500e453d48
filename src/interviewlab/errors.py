"""Typed errors and warnings raised by interviewlab.

Every input problem is an :class:`InterviewLabError` (a :class:`ValueError`), so callers
can catch it like any other bad value; a questionable but usable datum is an
:class:`InterviewLabWarning`. Messages say where the problem is (file, row, column) and
what to do about it.
"""

from __future__ import annotations

__all__ = [
    "InterviewLabError",
    "InterviewLabWarning",
    "NotEstimableError",
    "ReportNotApplicable",
    "SmallSampleWarning",
]


class InterviewLabError(ValueError):
    """An input interviewlab cannot use, with where it is and what to do."""


class NotEstimableError(InterviewLabError):
    """Valid input from which a statistic cannot be computed (too few units, no variation).

    A function called with ``by=`` does not raise it: the subgroup becomes a row with
    ``estimable`` False and this message as its ``reason``, and the other rows are kept.
    """


class ReportNotApplicable(InterviewLabError):
    """A report that does not apply to a study (e.g. one interview format, no recordings).

    ``report`` names the report and ``reason`` says what the study lacks; ``interviewlab
    report all`` skips such a report with its reason instead of failing.
    """

    def __init__(self, report: str, reason: str) -> None:
        self.report = report
        self.reason = reason
        # the reason may end with its own full stop: the message has one
        super().__init__(
            f"Report {report!r} does not apply to this study: {reason.removesuffix('.')}."
        )

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        # rebuilt from its own arguments (a report worker sends it to the parent pickled)
        return type(self), (self.report, self.reason)


class InterviewLabWarning(UserWarning):
    """A datum that is usable but questionable (e.g. a candidate with no ratings)."""


class SmallSampleWarning(InterviewLabWarning):
    """An estimate rests on too few observations to be trusted on its own."""
