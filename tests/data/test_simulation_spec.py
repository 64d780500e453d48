"""The simulator's options are defined once: SimulationSpec, simulate_study and [planted] agree.

Planting a new bias takes one field in the spec plus the code that uses it; these tests
fail when the signature, the docstring or the planted record forgets a field.
"""

import dataclasses
import inspect

import pytest

from interviewlab.data import simulate_study
from interviewlab.data.simulation_spec import SimulationSpec
from interviewlab.errors import InterviewLabError

FIELDS = [f.name for f in dataclasses.fields(SimulationSpec)]
#: the fields recorded under [planted] (all but the study's name and the machine switch)
RECORDED = [f.name for f in dataclasses.fields(SimulationSpec) if f.metadata.get("record", 1)]

#: options that switch every feature on, so that every recorded field is recorded
EVERY_FEATURE = {
    "seed": 3,
    "n_candidates": 60,
    "n_raters": 6,
    "n_requisitions": 2,
    "rater_majority_share": 0.8,
    "process_shares": {"informal_visit": 0.4},
    "process_focal_ratio": 0.5,
    "automated_scores": True,
    "automated_bias": -0.5,
    "n_periods": 4,
    "period_change": 2.0,
}


@pytest.mark.parametrize("name", FIELDS)
def test_every_spec_field_is_a_keyword_of_simulate_study_with_the_same_default(name) -> None:
    parameter = inspect.signature(simulate_study).parameters[name]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
    default = SimulationSpec.__dataclass_fields__[name].default
    assert parameter.default == (parameter.empty if default is dataclasses.MISSING else default)


def test_simulate_study_has_no_keyword_the_spec_lacks() -> None:
    assert set(inspect.signature(simulate_study).parameters) == set(FIELDS)


@pytest.mark.parametrize("name", FIELDS)
def test_every_spec_field_is_documented_in_simulate_study(name) -> None:
    doc = inspect.getdoc(simulate_study)
    assert doc is not None
    parameters = doc.split("Parameters\n----------\n")[1].split("Returns\n-------")[0]
    documented = {
        word.strip()
        for line in parameters.splitlines()
        if line and not line.startswith(" ")
        for word in line.split(":")[0].split(",")
    }
    assert name in documented


@pytest.fixture(scope="module")
def planted_with_every_feature() -> dict:
    return simulate_study(**EVERY_FEATURE).planted


@pytest.mark.parametrize("name", RECORDED)
def test_every_spec_field_is_recorded_in_planted(name, planted_with_every_feature) -> None:
    spec = SimulationSpec(**EVERY_FEATURE)
    assert all(spec.uses(f.metadata.get("feature", "")) for f in dataclasses.fields(spec))
    record = SimulationSpec.__dataclass_fields__[name].metadata.get("record", "as given")
    keys = record(spec) if callable(record) else {name: getattr(spec, name)}
    assert keys
    for key, value in keys.items():
        assert planted_with_every_feature[key] == value, key


def test_only_the_name_and_the_machine_switch_are_not_recorded() -> None:
    unrecorded = {
        f.name for f in dataclasses.fields(SimulationSpec) if f.metadata.get("record", 1) is None
    }
    assert unrecorded == {"name", "automated_scores"}


def test_unused_features_are_not_recorded() -> None:
    planted = SimulationSpec(seed=1).planted({})
    for option in ("rater_majority_share", "process_shares", "automated_bias", "n_periods"):
        assert option not in planted


def test_the_spec_checks_its_options_when_built() -> None:
    with pytest.raises(InterviewLabError, match="panel_size"):
        SimulationSpec(seed=1, n_raters=7, panel_size=3)
    with pytest.raises(InterviewLabError, match="automated_scores"):
        SimulationSpec(seed=1, automated_bias=-1.0)


def test_the_spec_is_frozen() -> None:
    spec = SimulationSpec(seed=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.seed = 2  # type: ignore[misc]
