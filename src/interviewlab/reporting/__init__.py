"""Reports: the notebook runner, privacy, and the tables and figures readers see.

Statistics are not computed here: this layer presents what the analysis layers return.
"""

from interviewlab.reporting.plots import plot_bars, plot_estimates
from interviewlab.reporting.privacy import check_no_identifiers, suppress_small_cells
from interviewlab.reporting.runner import (
    available_reports,
    notebook_parameters,
    report_folder_name,
    resolve_study_path,
    run_report,
)
from interviewlab.reporting.safety import escape_markdown, neutralise_formulas, sanitize_html, slug
from interviewlab.reporting.writer import ReportWriter

__all__ = [
    "ReportWriter",
    "available_reports",
    "check_no_identifiers",
    "escape_markdown",
    "neutralise_formulas",
    "notebook_parameters",
    "plot_bars",
    "plot_estimates",
    "report_folder_name",
    "resolve_study_path",
    "run_report",
    "sanitize_html",
    "slug",
    "suppress_small_cells",
]
