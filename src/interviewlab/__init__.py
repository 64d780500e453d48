"""interviewlab: measure bias and format effects in job interviews."""

from __future__ import annotations

from interviewlab.datasets import list_datasets, load_study, read_dataset
from interviewlab.describe import score_summary
from interviewlab.errors import InterviewLabError, InterviewLabWarning, SmallSampleWarning
from interviewlab.plots import plot_bars, plot_estimates
from interviewlab.privacy import check_no_identifiers, suppress_small_cells
from interviewlab.reports import ReportWriter, available_reports, run_report
from interviewlab.simulate import simulate_study
from interviewlab.study import Problem, Study, StudyError

__version__ = "0.1.0"

__all__ = [
    "InterviewLabError",
    "InterviewLabWarning",
    "Problem",
    "ReportWriter",
    "SmallSampleWarning",
    "Study",
    "StudyError",
    "__version__",
    "available_reports",
    "check_no_identifiers",
    "list_datasets",
    "load_study",
    "plot_bars",
    "plot_estimates",
    "read_dataset",
    "run_report",
    "score_summary",
    "simulate_study",
    "suppress_small_cells",
]
