"""Async vs live: whether the interview formats rate people differently, and for whom.

:func:`compare_formats` (format effect, group gap per format, their interaction),
:func:`equivalence_test` (TOST), per-format side by side tables, question-level
invariance and :func:`format_power`, all on the shared mixed-model engine; and
:func:`automated_score_audit`, the machine scores of recorded (async) answers against
the human raters.
"""

from interviewlab.formats.automated import (
    AutomatedScoreAudit,
    automated_score_audit,
    quadratic_weighted_kappa,
)
from interviewlab.formats.compare import compare_formats, equivalence_test
from interviewlab.formats.invariance import format_invariance
from interviewlab.formats.planted import planted_format_effects
from interviewlab.formats.power import format_power
from interviewlab.formats.reactions import compare_reactions, load_reactions, problem_shares
from interviewlab.formats.side import (
    async_completion,
    format_mixing,
    impact_by_format,
    score_gaps_by_format,
)

__all__ = [
    "AutomatedScoreAudit",
    "async_completion",
    "automated_score_audit",
    "compare_formats",
    "compare_reactions",
    "equivalence_test",
    "format_invariance",
    "format_mixing",
    "format_power",
    "impact_by_format",
    "load_reactions",
    "planted_format_effects",
    "problem_shares",
    "quadratic_weighted_kappa",
    "score_gaps_by_format",
]
