"""Are the rubric scores reliable? ICC, alpha, kappas, AC, G-theory, rater severity.

Each coefficient answers a different version of "do the raters agree?": read the
docstrings' Notes for which one fits a design.
"""

from interviewlab.reliability.agreement import cohen_kappa, fleiss_kappa, gwet_ac
from interviewlab.reliability.compare import compare_reliability
from interviewlab.reliability.consistency import cronbach_alpha
from interviewlab.reliability.gtheory import GStudy, d_study, g_study, optimal_design
from interviewlab.reliability.icc import icc
from interviewlab.reliability.icc_reml import icc_reml
from interviewlab.reliability.krippendorff import krippendorff_alpha
from interviewlab.reliability.raters import rater_effects

__all__ = [
    "GStudy",
    "cohen_kappa",
    "compare_reliability",
    "cronbach_alpha",
    "d_study",
    "fleiss_kappa",
    "g_study",
    "gwet_ac",
    "icc",
    "icc_reml",
    "krippendorff_alpha",
    "optimal_design",
    "rater_effects",
]
