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
    "SmallSampleWarning",
]


class InterviewLabError(ValueError):
    """An input interviewlab cannot use, with where it is and what to do."""


class NotEstimableError(InterviewLabError):
    """Valid input from which a statistic cannot be computed (too few units, no variation).

    A function called with ``by=`` does not raise it: the subgroup becomes a row with
    ``estimable`` False and this message as its ``reason``, and the other rows are kept.
    """


class InterviewLabWarning(UserWarning):
    """A datum that is usable but questionable (e.g. a candidate with no ratings)."""


class SmallSampleWarning(InterviewLabWarning):
    """An estimate rests on too few observations to be trusted on its own."""
