"""interviewlab: measure bias and format effects in job interviews."""

from __future__ import annotations

from interviewlab.audit import findings, pooled_stage_audit, stage_audit, stage_entrants
from interviewlab.datasets import list_datasets, load_study, read_dataset
from interviewlab.describe import mean_over, score_summary
from interviewlab.errors import InterviewLabError, InterviewLabWarning, SmallSampleWarning
from interviewlab.gtheory import GStudy, d_study, g_study, optimal_design
from interviewlab.impact import (
    audit_table,
    funnel,
    impact_ratios,
    mantel_haenszel,
    question_gaps,
    relative_likelihood,
    score_gaps,
    scoring_rate_sweep,
    scoring_rates,
    selection_rates,
)
from interviewlab.mixed import MixedFit, fit_mixed, icc_reml
from interviewlab.plots import plot_bars, plot_estimates
from interviewlab.privacy import check_no_identifiers, suppress_small_cells
from interviewlab.raters import rater_effects
from interviewlab.reliability import (
    cohen_kappa,
    compare_reliability,
    cronbach_alpha,
    fleiss_kappa,
    gwet_ac,
    icc,
    krippendorff_alpha,
)
from interviewlab.reports import ReportWriter, available_reports, run_report
from interviewlab.simulate import simulate_study
from interviewlab.study import Problem, Study, StudyError
from interviewlab.training import appointment_table, bias_estimates, simulate_scenarios

__version__ = "0.1.0"

__all__ = [
    "GStudy",
    "InterviewLabError",
    "InterviewLabWarning",
    "MixedFit",
    "Problem",
    "ReportWriter",
    "SmallSampleWarning",
    "Study",
    "StudyError",
    "__version__",
    "appointment_table",
    "audit_table",
    "available_reports",
    "bias_estimates",
    "check_no_identifiers",
    "cohen_kappa",
    "compare_reliability",
    "cronbach_alpha",
    "d_study",
    "findings",
    "fit_mixed",
    "fleiss_kappa",
    "funnel",
    "g_study",
    "gwet_ac",
    "icc",
    "icc_reml",
    "impact_ratios",
    "krippendorff_alpha",
    "list_datasets",
    "load_study",
    "mantel_haenszel",
    "mean_over",
    "optimal_design",
    "plot_bars",
    "plot_estimates",
    "pooled_stage_audit",
    "question_gaps",
    "rater_effects",
    "read_dataset",
    "relative_likelihood",
    "run_report",
    "score_gaps",
    "score_summary",
    "scoring_rate_sweep",
    "scoring_rates",
    "selection_rates",
    "simulate_scenarios",
    "simulate_study",
    "stage_audit",
    "stage_entrants",
    "suppress_small_cells",
]
