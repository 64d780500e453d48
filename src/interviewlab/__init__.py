"""interviewlab: measure bias and format effects in job interviews."""

from __future__ import annotations

from interviewlab.errors import InterviewLabError, InterviewLabWarning, SmallSampleWarning

__version__ = "0.1.0"

__all__ = [
    "InterviewLabError",
    "InterviewLabWarning",
    "SmallSampleWarning",
    "__version__",
]
