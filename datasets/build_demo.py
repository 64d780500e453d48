"""Rebuild the bundled ``demo`` study (``python datasets/build_demo.py``).

The demo is simulated with a fixed seed, so this script reproduces it byte for byte;
``tests/data/test_simulate.py`` checks that it does. The planted effects are recorded in
``demo/study.toml`` under ``[planted]``. The machine scores and the hiring rounds were
added later from random streams of their own: every column the demo had before (and
every human rating) is unchanged, which ``tests/data/test_simulate.py`` also checks.
"""

from pathlib import Path

from interviewlab.data import simulate_study

DEMO_OPTIONS = {
    "seed": 20261122,
    "name": "demo",
    "n_candidates": 600,
    "n_raters": 12,
    "n_questions": 5,
    "n_requisitions": 10,
    "panel_size": 3,
    "design": "between",
    "missing_group_rate": 0.02,
    "focal": ("ethnicity", "Black"),
    "format_effect": -0.1,
    "focal_format_effect": -0.4,
    "similarity_bonus": 0.3,
    "panel_share_bonus": 0.0,
    "rater_majority_share": 0.85,
    "internal_bonus": 0.3,
    "recording_penalty": 0.6,
    "focal_recording_gap": 0.2,
    "completion_rate": 0.9,
    "stage_bias": {"completed_async": -0.6, "shortlisted": -0.5},
    "process_shares": {"informal_visit": 0.3, "pre_interview_call": 0.5},
    "process_focal_ratio": 0.6,
    # added later, from random streams of their own: every earlier column is unchanged
    "automated_scores": True,
    "automated_bias": -1.5,
    "n_periods": 4,
    "period_change": 3.0,
    "period_stage": "shortlisted",
    "period_focal": ("sex", "female"),
    "change_after": 2,
}


def build(folder: Path) -> Path:
    """Simulate the demo study and save it to ``folder``."""
    study = simulate_study(**DEMO_OPTIONS)
    meta = dict(study.meta)
    meta["description"] = (
        "Synthetic demo: 600 applicants to 10 requisitions, an async (recorded) or live "
        "panel interview (random, between candidates), 12 raters in panels of 3, five "
        "questions scored 1-5. Planted: an async penalty for Black candidates, a "
        "similar-to-me bonus on ethnicity with a mostly White rater pool, an internal-"
        "candidate bonus, a recording-quality penalty, and adverse impact against Black "
        "candidates at completion of the async stage and at shortlisting, and less access "
        "for Black candidates to an informal visit and a pre-interview call (60% of the "
        "others' chance; access does not change scores). Added later, without changing "
        "any of the above: a scoring engine's score of every recorded (async) answer, "
        "1.5 points lower for Black candidates than their ability warrants (the human panel "
        "itself scores them lower in async interviews); and four hiring rounds, with "
        "structured interview training after round 2, after which women's odds of being "
        "shortlisted rose threefold relative to men's."
    )
    meta["periods"] = {**meta["periods"], "change": "structured interview training"}
    return type(study)(
        meta=meta,
        candidates=study.candidates,
        ratings=study.ratings,
        raters=study.raters,
        automated_scores=study.automated_scores,
    ).save(folder)


if __name__ == "__main__":
    print(build(Path(__file__).parent / "demo"))
