"""Who rates whom: similar-to-me, panel composition, internal candidates, process access.

Built on the mixed-model engine (:mod:`interviewlab.models`) and the impact-ratio
machinery (:mod:`interviewlab.impact`).
"""

from interviewlab.panels.composition import panel_composition
from interviewlab.panels.effects import PANEL_EFFECT_COLUMNS, panel_effects
from interviewlab.panels.process import process_access, process_associations

__all__ = [
    "PANEL_EFFECT_COLUMNS",
    "panel_composition",
    "panel_effects",
    "process_access",
    "process_associations",
]
