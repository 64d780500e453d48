"""Write the study that panel_effects_reference.R fits (deterministic: a fixed seed).

Run from this folder: ``PYTHONPATH=../../../src python make_panel_study.py``. The study folder
is committed beside it, so neither this script nor R is needed when the tests run.

Two candidate groups shared with the raters, panels that mix them, internal candidates,
three rater roles and trained raters, so that every row of panel_effects is estimable;
3% of candidates have no recorded group (panel_effects and the R script leave them out).
"""

from __future__ import annotations

from pathlib import Path

import interviewlab as il


def study() -> il.Study:
    """The simulated study (300 candidates, 12 raters in panels of 3, 5 questions)."""
    return il.simulate_study(
        seed=31,
        name="panel_reference",
        n_candidates=300,
        n_raters=12,
        n_questions=5,
        panel_size=3,
        groups={"sex": {"female": 0.5, "male": 0.5}},
        focal=("sex", "female"),
        similarity_column="sex",
        similarity_bonus=0.4,
        panel_share_bonus=0.3,
        internal_share=0.3,
        internal_bonus=0.3,
        missing_group_rate=0.03,
    )


if __name__ == "__main__":
    study().save(Path(__file__).parent / "study")
