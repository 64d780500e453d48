"""`interviewlab audit` on a Parquet folder or CSV: Dask's counts give the in-memory tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from interviewlab.cli import main
from interviewlab.errors import InterviewLabError
from interviewlab.impact import count_applicant_files, funnel, stage_audit
from interviewlab.reporting import Disclosure, ReportWriter, audit_tables

pytest.importorskip("dask.dataframe")

STAGES = ["completed_async", "shortlisted", "appointed"]
ARGS = [
    "--group", "sex", "ethnicity",
    "--stages", *STAGES,
    "--intersection", "sex", "ethnicity",
    "--strata", "requisition_id",
    "--reference", "sex=M",
    "--reference", "ethnicity=White",
]  # fmt: skip


def _applicants(n: int = 3000, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sex = rng.choice(["F", "M"], n)
    eth = rng.choice(["Asian", "Black", "White", "<script>x</script>"], n, p=[0.2, 0.2, 0.59, 0.01])
    eth = eth.astype(object)
    eth[rng.random(n) < 0.02] = None  # unknowns are kept and pooled, never dropped
    s1 = rng.random(n) < np.where(sex == "F", 0.7, 0.78)
    s2 = s1 & (rng.random(n) < np.where(eth == "White", 0.35, 0.27))
    s3 = s2 & (rng.random(n) < 0.4)
    return pd.DataFrame(
        {
            "requisition_id": rng.integers(0, 15, n),
            "sex": sex,
            "ethnicity": eth,
            "completed_async": s1.astype(np.int64),
            "shortlisted": s2.astype(np.int64),
            "appointed": s3.astype(np.int64),
        }
    )


def _parquet_folder(rows: pd.DataFrame, folder: Path, parts: int = 3) -> Path:
    folder.mkdir()
    for i, index in enumerate(np.array_split(np.arange(len(rows)), parts)):
        rows.iloc[index].to_parquet(folder / f"part{i}.parquet", index=False)
    return folder


def _in_memory(rows: pd.DataFrame, out: Path) -> dict[str, pd.DataFrame]:
    # the single-machine path: the same tables from the applicant rows, no counts, with
    # the disclosure plan decided from the rows
    plan = Disclosure.from_counts(
        rows, groups=["sex", "ethnicity"], stages=STAGES, intersection=["sex", "ethnicity"]
    )
    return audit_tables(
        rows,
        ReportWriter(out, min_cell_size=10, disclosure=plan),
        group=["sex", "ethnicity"],
        stages=STAGES,
        intersection=["sex", "ethnicity"],
        strata="requisition_id",
        references={"sex": "M", "ethnicity": "White"},
    )


def test_cli_on_a_parquet_folder_writes_the_in_memory_tables(tmp_path: Path) -> None:
    rows = _applicants()
    folder = _parquet_folder(rows, tmp_path / "applicants")
    out = tmp_path / "audit"
    assert main(["audit", str(folder), "--out", str(out), *ARGS]) == 0
    expected = _in_memory(rows, tmp_path / "memory")
    written = sorted(p.name for p in (out / "tables").glob("*.csv"))
    assert written == sorted(f"{name}.csv" for name in expected)
    assert len(written) == 8  # audit and funnel per column and crossed, pooled per column
    for name in expected:
        got = (out / "tables" / f"{name}.csv").read_text(encoding="utf-8")
        assert got == (tmp_path / "memory" / "tables" / f"{name}.csv").read_text("utf-8"), name
    # and the row-level functions themselves (validated against R and statsmodels in
    # test_regulators.py, test_funnel.py, test_pooled.py) give the unsuppressed figures
    direct = stage_audit(rows, group="sex", stages=STAGES, min_count=10)
    shown = pd.read_csv(out / "tables" / "audit_ugesp_sex.csv")
    np.testing.assert_allclose(shown["impact_ratio"], direct["impact_ratio"], rtol=1e-9)
    np.testing.assert_allclose(shown["p_fisher"], direct["p_fisher"], rtol=1e-9)
    provenance = json.loads((out / "provenance.json").read_text("utf-8"))
    assert provenance["applicants"] == len(rows)
    assert [f["name"] for f in provenance["input_files"]] == [
        "part0.parquet",
        "part1.parquet",
        "part2.parquet",
    ]


def test_small_cells_are_suppressed_and_data_values_neutralised(tmp_path: Path) -> None:
    rows = _applicants()
    folder = _parquet_folder(rows, tmp_path / "applicants")
    out = tmp_path / "audit"
    assert main(["audit", str(folder), "--out", str(out), *ARGS]) == 0
    table = pd.read_csv(out / "tables" / "audit_ugesp_ethnicity.csv", keep_default_na=False)
    hostile = table[table["category"].str.contains("script")]
    # about 30 applicants, fewer than 10 past the first stage: those rows are blank
    assert hostile["suppressed"].astype(str).eq("True").any()
    assert (hostile.loc[hostile["suppressed"].astype(str) == "True", "rate"] == "").all()


def test_csv_input_gives_the_same_counts(tmp_path: Path) -> None:
    rows = _applicants(800)
    rows.to_csv(tmp_path / "applicants.csv", index=False)
    _parquet_folder(rows, tmp_path / "pq", parts=2)
    keys = {"columns": ["sex", "ethnicity"], "stages": STAGES}
    from_csv = count_applicant_files(tmp_path / "applicants.csv", **keys)
    from_parquet = count_applicant_files(tmp_path / "pq", **keys)
    assert_frame_equal(from_csv, from_parquet, check_dtype=False)
    assert from_csv["n_applicants"].sum() == len(rows)
    # the disclosure plan from the counts equals the plan from the rows
    plan_keys = {"groups": ["sex", "ethnicity"], "stages": STAGES, "min_cell_size": 30}
    assert Disclosure.from_counts(from_csv, weight="n_applicants", **plan_keys).hidden == (
        Disclosure.from_counts(rows, **plan_keys).hidden
    )
    assert Disclosure.from_counts(rows, **plan_keys).hidden  # something is hidden
    # the funnel on the counts equals the funnel on the rows
    assert_frame_equal(
        funnel(from_csv, group="sex", stages=STAGES, weight="n_applicants"),
        funnel(rows, group="sex", stages=STAGES),
        check_dtype=False,
    )


def test_missing_column_names_the_file_and_column(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    rows = _applicants(200)
    folder = _parquet_folder(rows, tmp_path / "applicants", parts=2)
    rows.drop(columns="requisition_id").to_parquet(folder / "part1.parquet", index=False)
    status = main(["audit", str(folder), "--out", str(tmp_path / "o"), *ARGS])
    assert status == 2
    err = capsys.readouterr().err
    assert "part1.parquet" in err and "'requisition_id'" in err
    rows.drop(columns="sex").to_csv(tmp_path / "a.csv", index=False)
    with pytest.raises(InterviewLabError, match=r"a\.csv, line 1 \(header\): no column 'sex'"):
        count_applicant_files(tmp_path / "a.csv", columns=["sex"], stages=STAGES)


def test_bad_stage_value_names_file_line_and_column(tmp_path: Path) -> None:
    rows = _applicants(200)
    rows["shortlisted"] = rows["shortlisted"].astype(object)
    rows.loc[57, "shortlisted"] = "yes"
    rows.to_csv(tmp_path / "a.csv", index=False)
    # row 57 is on line 59 (line 1 is the header)
    with pytest.raises(InterviewLabError, match=r"a\.csv, line 59, column 'shortlisted'.*'yes'"):
        count_applicant_files(tmp_path / "a.csv", columns=["sex"], stages=STAGES)
    rows = _applicants(200)
    rows.loc[5, ["completed_async", "shortlisted"]] = [0, 1]
    folder = _parquet_folder(rows, tmp_path / "pq", parts=2)
    with pytest.raises(InterviewLabError, match=r"part0\.parquet, row 6, column 'shortlisted'"):
        count_applicant_files(folder, columns=["sex"], stages=STAGES)


def test_counts_on_a_local_cluster(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    rows = _applicants(1000)
    folder = _parquet_folder(rows, tmp_path / "applicants")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        out = tmp_path / "audit"
        argv = ["audit", str(folder), "--out", str(out), "--scheduler", cluster.scheduler_address]
        assert main([*argv, *ARGS]) == 0
    _in_memory(rows, tmp_path / "memory")
    for path in (tmp_path / "memory" / "tables").glob("*.csv"):
        assert (out / "tables" / path.name).read_text("utf-8") == path.read_text("utf-8")
