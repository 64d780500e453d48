"""interviewlab: measure bias and format effects in job interviews.

The package is organised by the question each part answers, with the foundations below:

- :mod:`interviewlab.data` - the study model, reading and validation, bundled and
  simulated studies (foundation);
- :mod:`interviewlab.models` - the mixed-model engine (foundation);
- :mod:`interviewlab.reliability` - are the rubric scores reliable?
- :mod:`interviewlab.impact` - does selection have adverse impact?
- :mod:`interviewlab.audio` - recorded answers: delivery features and recording quality;
- :mod:`interviewlab.reporting` - reports, privacy, tables and figures for readers;
- :mod:`interviewlab.training` - the trainers' scenarios.

Every public function is re-exported here, so ``il.impact_ratios(...)`` works.
"""

from __future__ import annotations

from interviewlab.audio import (
    RecordingEffects,
    audio_features,
    recording_effects,
    study_audio_features,
    synthesize_recordings,
)
from interviewlab.data import (
    Problem,
    Study,
    StudyError,
    list_datasets,
    load_study,
    mean_over,
    read_dataset,
    score_summary,
    simulate_study,
)
from interviewlab.errors import (
    InterviewLabError,
    InterviewLabWarning,
    NotEstimableError,
    SmallSampleWarning,
)
from interviewlab.formats import (
    async_completion,
    compare_formats,
    compare_reactions,
    equivalence_test,
    format_invariance,
    format_mixing,
    format_power,
    impact_by_format,
    load_reactions,
    planted_format_effects,
    problem_shares,
    score_gaps_by_format,
)
from interviewlab.impact import (
    applicant_counts,
    audit_table,
    findings,
    funnel,
    impact_ratios,
    mantel_haenszel,
    pooled_stage_audit,
    question_gaps,
    read_applicants_parquet,
    relative_likelihood,
    score_gaps,
    scoring_rate_sweep,
    scoring_rates,
    selection_rates,
    stage_audit,
    stage_entrants,
)
from interviewlab.models import MixedFit, fit_mixed
from interviewlab.panels import panel_effects, process_access, process_associations
from interviewlab.reliability import (
    GStudy,
    cohen_kappa,
    compare_reliability,
    cronbach_alpha,
    d_study,
    fleiss_kappa,
    g_study,
    gwet_ac,
    icc,
    icc_reml,
    krippendorff_alpha,
    optimal_design,
    rater_effects,
)
from interviewlab.reporting import (
    Column,
    ReaderTable,
    ReportWriter,
    audit_summary,
    available_reports,
    check_no_identifiers,
    columns_for,
    headline,
    impact_verdict,
    plot_bars,
    plot_estimates,
    plot_funnel,
    reader_table,
    run_report,
    suppress_small_cells,
    write_index,
    write_pdf,
)
from interviewlab.training import appointment_table, bias_estimates, simulate_scenarios

__version__ = "0.1.0"

__all__ = [
    "Column",
    "GStudy",
    "InterviewLabError",
    "InterviewLabWarning",
    "MixedFit",
    "NotEstimableError",
    "Problem",
    "ReaderTable",
    "RecordingEffects",
    "ReportWriter",
    "SmallSampleWarning",
    "Study",
    "StudyError",
    "__version__",
    "applicant_counts",
    "appointment_table",
    "async_completion",
    "audio_features",
    "audit_summary",
    "audit_table",
    "available_reports",
    "bias_estimates",
    "check_no_identifiers",
    "cohen_kappa",
    "columns_for",
    "compare_formats",
    "compare_reactions",
    "compare_reliability",
    "cronbach_alpha",
    "d_study",
    "equivalence_test",
    "findings",
    "fit_mixed",
    "fleiss_kappa",
    "format_invariance",
    "format_mixing",
    "format_power",
    "funnel",
    "g_study",
    "gwet_ac",
    "headline",
    "icc",
    "icc_reml",
    "impact_by_format",
    "impact_ratios",
    "impact_verdict",
    "krippendorff_alpha",
    "list_datasets",
    "load_reactions",
    "load_study",
    "mantel_haenszel",
    "mean_over",
    "optimal_design",
    "panel_effects",
    "planted_format_effects",
    "plot_bars",
    "plot_estimates",
    "plot_funnel",
    "pooled_stage_audit",
    "problem_shares",
    "process_access",
    "process_associations",
    "question_gaps",
    "rater_effects",
    "read_applicants_parquet",
    "read_dataset",
    "reader_table",
    "recording_effects",
    "relative_likelihood",
    "run_report",
    "score_gaps",
    "score_gaps_by_format",
    "score_summary",
    "scoring_rate_sweep",
    "scoring_rates",
    "selection_rates",
    "simulate_scenarios",
    "simulate_study",
    "stage_audit",
    "stage_entrants",
    "study_audio_features",
    "suppress_small_cells",
    "synthesize_recordings",
    "write_index",
    "write_pdf",
]
