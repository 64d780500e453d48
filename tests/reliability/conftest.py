"""Fixtures of the reliability tests: published datasets and unrounded pingouin."""

from __future__ import annotations

import pandas as pd
import pingouin as pg
import pytest

from interviewlab.data import read_dataset


@pytest.fixture
def unrounded_pingouin(monkeypatch):
    """pingouin rounds its CI95 column to 2 decimals by a global option: switch it off."""
    monkeypatch.setitem(pg.options, "round.column.CI95", None)


@pytest.fixture(scope="module")
def shrout_fleiss() -> pd.DataFrame:
    return read_dataset("shrout_fleiss_1979")


@pytest.fixture(scope="module")
def kripp2011() -> pd.DataFrame:
    return read_dataset("krippendorff_2011")


@pytest.fixture(scope="module")
def fleiss1971() -> pd.DataFrame:
    return read_dataset("fleiss_1971")
