"""Foundations: the one linear mixed-model engine that the analyses share.

Reliability, G-theory, rater effects and format comparisons all fit their models here.

Crossed and nested random intercepts fitted by profiled REML or ML. This layer depends on
nothing above it.
"""

from interviewlab.models.mixed import MixedFit, fit_mixed

__all__ = ["MixedFit", "fit_mixed"]
