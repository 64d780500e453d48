"""Test configuration: property tests are derandomized so every run checks the same cases."""

from hypothesis import settings

# Tests must be deterministic: hypothesis draws its examples from a fixed seed (and keeps
# no example database between runs), so a CI run and a local run test the same inputs.
settings.register_profile("interviewlab", derandomize=True, database=None, deadline=None)
settings.load_profile("interviewlab")
