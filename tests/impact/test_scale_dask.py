"""Counts by Dask (a LocalCluster of 2 workers) give the single-machine audit's numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from interviewlab.errors import InterviewLabError
from interviewlab.impact import (
    applicant_counts,
    impact_ratios,
    mantel_haenszel,
    read_applicants_parquet,
)


def _applicants(n: int = 4000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sex = rng.choice(["F", "M"], n)
    eth = rng.choice(["Asian", "Black", "White"], n, p=[0.2, 0.2, 0.6]).astype(object)
    eth[rng.random(n) < 0.02] = None  # unknowns are kept, not dropped
    hired = (rng.random(n) < np.where(sex == "F", 0.25, 0.32)).astype(np.int64)
    return pd.DataFrame(
        {"requisition_id": rng.integers(0, 12, n), "sex": sex, "ethnicity": eth, "hired": hired}
    )


def test_counts_reproduce_the_row_level_audit() -> None:
    # the weighted statistics are checked against the row-level ones (themselves checked
    # against R and statsmodels in test_ratios.py / test_pooled.py)
    rows = _applicants()
    counts = applicant_counts(
        rows, columns=["requisition_id", "sex", "ethnicity"], selected="hired"
    )
    assert counts["n_applicants"].sum() == len(rows)
    direct = impact_ratios(rows, group="sex", selected="hired")
    weighted = impact_ratios(counts, group="sex", selected="hired", weight="n_applicants")
    assert_frame_equal(direct, weighted)
    mh_rows = mantel_haenszel(
        rows, group="sex", selected="hired", strata="requisition_id", focal="F", reference="M"
    )
    mh_counts = mantel_haenszel(
        counts,
        group="sex",
        selected="hired",
        strata="requisition_id",
        focal="F",
        reference="M",
        weight="n_applicants",
    )
    assert_frame_equal(mh_rows, mh_counts)


def test_dask_counts_on_a_local_cluster_equal_pandas(tmp_path) -> None:  # type: ignore[no-untyped-def]
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    rows = _applicants()
    for i, part in enumerate(np.array_split(np.arange(len(rows)), 4)):
        rows.iloc[part].to_parquet(tmp_path / f"part{i}.parquet")
    keys = {"columns": ["requisition_id", "sex", "ethnicity"], "selected": "hired"}
    expected = applicant_counts(rows, **keys)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        lazy = read_applicants_parquet(tmp_path, lazy=True)
        assert isinstance(lazy, dd.DataFrame)
        assert lazy.npartitions == 4
        got = applicant_counts(lazy, **keys)
    assert_frame_equal(got, expected, check_dtype=False)
    eager = read_applicants_parquet(tmp_path)
    assert_frame_equal(applicant_counts(eager, **keys), expected)


def test_missing_columns_and_paths_are_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InterviewLabError, match="'stage'"):
        applicant_counts(_applicants(50), columns="sex", selected="stage")
    with pytest.raises(InterviewLabError, match="no such file"):
        read_applicants_parquet(tmp_path / "absent")
