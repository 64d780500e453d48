"""Foundations: the study model, reading and validation, bundled and simulated studies.

Everything above this layer works on a validated :class:`Study` (or on its tidy tables);
nothing here computes a statistic beyond descriptive summaries.
"""

from interviewlab.data.datasets import dataset_path, list_datasets, load_study, read_dataset
from interviewlab.data.describe import mean_over, score_summary
from interviewlab.data.problems import Problem, StudyError
from interviewlab.data.simulate import simulate_study
from interviewlab.data.study import Study
from interviewlab.data.workbook_archive import WorkbookSizeError

__all__ = [
    "Problem",
    "Study",
    "StudyError",
    "WorkbookSizeError",
    "dataset_path",
    "list_datasets",
    "load_study",
    "mean_over",
    "read_dataset",
    "score_summary",
    "simulate_study",
]
