"""Does selection have adverse impact? Rates, ratios, tests, pooling, funnels, regulators' forms.

A legal threshold such as the four-fifths rule is context for a human decision, not a
verdict: each table says what the figure is, how uncertain it is, and which rule it is
compared with. The shared conventions (intersectional categories, unknown and excluded
categories, roles) are described in :mod:`interviewlab.impact._core`.
"""

from interviewlab.impact.audit import findings, pooled_stage_audit, stage_audit, stage_entrants
from interviewlab.impact.funnel import funnel
from interviewlab.impact.gaps import question_gaps, score_gaps
from interviewlab.impact.over_time import ImpactOverTime, impact_over_time
from interviewlab.impact.pooled import mantel_haenszel
from interviewlab.impact.power import audit_power, audit_sample_size, detectable_impact_ratio
from interviewlab.impact.ratios import impact_ratios, selection_rates
from interviewlab.impact.regulators import audit_table, relative_likelihood
from interviewlab.impact.scale import (
    applicant_counts,
    count_applicant_files,
    read_applicants_parquet,
)
from interviewlab.impact.scoring import scoring_rate_sweep, scoring_rates

__all__ = [
    "ImpactOverTime",
    "applicant_counts",
    "audit_power",
    "audit_sample_size",
    "audit_table",
    "count_applicant_files",
    "detectable_impact_ratio",
    "findings",
    "funnel",
    "impact_over_time",
    "impact_ratios",
    "mantel_haenszel",
    "pooled_stage_audit",
    "question_gaps",
    "read_applicants_parquet",
    "relative_likelihood",
    "score_gaps",
    "scoring_rate_sweep",
    "scoring_rates",
    "selection_rates",
    "stage_audit",
    "stage_entrants",
]
