"""Reports: the notebook runner, privacy, and the tables and figures readers see.

Statistics are not computed here: this layer presents what the analysis layers return.
"""

from interviewlab.reporting.board import verdict_grid
from interviewlab.reporting.bulk_audit import audit_tables
from interviewlab.reporting.disclosure import Disclosure
from interviewlab.reporting.pages import headline, write_index
from interviewlab.reporting.parameters import (
    available_reports,
    notebook_parameters,
    report_folder_name,
    resolve_study_path,
)
from interviewlab.reporting.pdf import write_pdf
from interviewlab.reporting.plots import (
    plot_bars,
    plot_control_chart,
    plot_estimates,
    plot_funnel,
    plot_over_time,
)
from interviewlab.reporting.privacy import check_no_identifiers, suppress_small_cells
from interviewlab.reporting.runner import run_report
from interviewlab.reporting.safety import escape_markdown, neutralise_formulas, sanitize_html, slug
from interviewlab.reporting.summary import audit_summary, detectable_ratios
from interviewlab.reporting.tables import (
    Column,
    ReaderTable,
    columns_for,
    format_interval,
    format_number,
    format_p,
    impact_verdict,
    reader_table,
)
from interviewlab.reporting.words import change_finding, machine_gap_finding, trend_finding
from interviewlab.reporting.writer import ReportWriter

__all__ = [
    "Column",
    "Disclosure",
    "ReaderTable",
    "ReportWriter",
    "audit_summary",
    "audit_tables",
    "available_reports",
    "change_finding",
    "check_no_identifiers",
    "columns_for",
    "detectable_ratios",
    "escape_markdown",
    "format_interval",
    "format_number",
    "format_p",
    "headline",
    "impact_verdict",
    "machine_gap_finding",
    "neutralise_formulas",
    "notebook_parameters",
    "plot_bars",
    "plot_control_chart",
    "plot_estimates",
    "plot_funnel",
    "plot_over_time",
    "reader_table",
    "report_folder_name",
    "resolve_study_path",
    "run_report",
    "sanitize_html",
    "slug",
    "suppress_small_cells",
    "trend_finding",
    "verdict_grid",
    "write_index",
    "write_pdf",
]
