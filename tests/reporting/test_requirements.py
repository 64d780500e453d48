"""What a report needs from a study, how the command says it, and the index of a run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import interviewlab as il
from interviewlab.cli import main
from interviewlab.reporting.pages import write_index
from interviewlab.reporting.parameters import parameter_help
from interviewlab.reporting.requirements import REQUIREMENTS, report_requirements, skip_reason


@pytest.fixture(scope="module")
def demo() -> il.Study:
    return il.load_study("demo")


def _without(study: il.Study, **changes: object) -> il.Study:
    """The demo with tables changed, bypassing loading (the checks read tables only)."""
    from dataclasses import replace

    return replace(study, **changes)  # type: ignore[arg-type]


def test_every_notebook_declares_known_requirements() -> None:
    for name in il.available_reports():
        assert set(report_requirements(name)) <= set(REQUIREMENTS), name


def test_the_demo_gets_every_report(demo: il.Study) -> None:
    assert {name: skip_reason(name, demo) for name in il.available_reports()} == dict.fromkeys(
        il.available_reports()
    )


@pytest.mark.parametrize(
    ("report", "change", "reason"),
    [
        pytest.param(
            "async_vs_live",
            lambda s: {"ratings": s.ratings[s.ratings["format"] == "live"]},
            "every rating is in one interview format (live), so there is nothing to compare",
            id="one-format",
        ),
        pytest.param(
            "recording_quality",
            lambda s: {"meta": {k: v for k, v in s.meta.items() if k != "planted"}},
            "the study has no recorded answers",
            id="no-recordings",
        ),
        pytest.param(
            "panel_effects",
            lambda s: {
                "raters": None,
                "candidates": s.candidates.drop(columns=["internal"]),
                "meta": {k: v for k, v in s.meta.items() if k != "process"},
            },
            "the study records neither the raters' groups",
            id="no-panel-data",
        ),
        pytest.param(
            "adverse_impact_audit",
            lambda s: {"meta": {k: v for k, v in s.meta.items() if k != "stages"}},
            "the study declares no selection stages",
            id="no-stages",
        ),
        pytest.param(
            "reliability",
            lambda s: {"ratings": s.ratings.drop_duplicates("candidate_id")},
            "no candidate was rated by two or more raters",
            id="one-rater-each",
        ),
        pytest.param(
            "automated_scores",
            lambda s: {"automated_scores": None},
            "the study has no machine scores",
            id="no-machine-scores",
        ),
        pytest.param(
            "automated_scores",
            lambda s: {"ratings": s.ratings[s.ratings["format"] == "live"]},
            "no answer has both a machine score and a human rating",
            id="machine-scores-of-other-answers",
        ),
        pytest.param(
            "over_time",
            lambda s: {"meta": {k: v for k, v in s.meta.items() if k != "periods"}},
            "the study declares no periods",
            id="no-periods",
        ),
        pytest.param(
            "over_time",
            lambda s: {"candidates": s.candidates.assign(round="1")},
            "every candidate is in one period",
            id="one-period",
        ),
    ],
)
def test_a_report_that_does_not_apply_says_why(
    demo: il.Study, report: str, change, reason: str
) -> None:
    found = skip_reason(report, _without(demo, **change(demo)))
    assert found is not None and found.startswith(reason)


@pytest.mark.slow
def test_a_skipped_report_writes_nothing(demo: il.Study, tmp_path: Path) -> None:
    # run_report itself refuses, with the typed error the batch turns into a skip
    folder = tmp_path / "live-only"
    live = demo.ratings[demo.ratings["format"] == "live"]
    il.Study(meta=demo.meta, candidates=demo.candidates, ratings=live, raters=demo.raters).save(
        folder
    )
    with pytest.raises(il.ReportNotApplicable, match="one interview format") as info:
        il.run_report("async_vs_live", study=folder, out=tmp_path / "out", progress=False)
    assert info.value.reason.startswith("every rating is in one interview format")
    assert not any((tmp_path / "out").glob("async_vs_live*"))


def test_every_notebook_parameter_has_a_comment() -> None:
    for name in il.available_reports():
        for key, _, comment in parameter_help(name):
            assert comment, (name, key)


def test_report_help_lists_the_parameters(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as info:
        main(["report", "reliability", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "parameters of reliability" in out
    for key, default, _ in parameter_help("reliability"):
        if key not in ("study", "output_dir"):
            assert f"{key} (default {default!r})" in out


def test_report_help_without_a_name_lists_reports(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    out = capsys.readouterr().out
    assert "async_vs_live (needs: two_formats)" in out


def test_validate_names_the_reports_a_study_gets(capsys: pytest.CaptureFixture) -> None:
    assert main(["validate", "demo"]) == 0
    out = capsys.readouterr().out
    assert "  async_vs_live: runs" in out
    assert "panel_training: a demonstration for trainers" in out


def test_init_writes_a_study_that_validates(tmp_path: Path, capsys) -> None:
    assert main(["init", str(tmp_path / "mine")]) == 0
    assert main(["validate", str(tmp_path / "mine")]) == 0
    assert main(["init", str(tmp_path / "book"), "--xlsx"]) == 0
    assert main(["validate", str(tmp_path / "book.xlsx")]) == 0
    assert main(["init", str(tmp_path / "mine")]) == 2  # nothing is overwritten
    assert "already exists" in capsys.readouterr().err


def _fake_report(out: Path, report: str, study: str, *, simulated: bool = False) -> None:
    folder = out / f"{report}-{study}"
    folder.mkdir(parents=True)
    (folder / f"{report}.html").write_text("<html></html>")
    prov = {
        "report": report,
        "title": report.replace("_", " ").capitalize(),
        "headline": f"Headline of {report}",
        "study": study,
        "study_source": None if simulated else study,
        "simulated": simulated,
        "started_utc": "2026-12-07T01:00:00+00:00",
        "changed_parameters": {},
    }
    (folder / "provenance.json").write_text(json.dumps(prov))


@pytest.mark.slow
def test_index_reading_order_and_reports_not_written(tmp_path: Path) -> None:
    for report in ("reliability", "study_overview"):
        _fake_report(tmp_path, report, "mine")
    _fake_report(tmp_path, "panel_training", "simulated", simulated=True)
    outcomes = [
        {"report": "async_vs_live", "study": "mine", "status": "skipped", "reason": "one <b>"},
        {"report": "reliability", "study": "mine", "status": "failed", "reason": "boom"},
    ]
    page = write_index(tmp_path, outcomes=outcomes).read_text()
    # the overview first, the demonstration last; data escaped
    assert page.index("study_overview-mine/") < page.index("reliability-mine/")
    assert page.index("reliability-mine/") < page.index("panel_training-simulated/")
    assert "a demonstration for trainers" in page
    assert "Skipped: it does not apply to this study (study: mine): one &lt;b&gt;" in page
    assert "This is an earlier report: the last run failed (boom)" in page
    # a later index (after one report) keeps the notes; a success clears its note
    page = write_index(tmp_path).read_text()
    assert "one &lt;b&gt;" in page
    done = [{"report": "reliability", "study": "mine", "status": "written", "reason": ""}]
    page = write_index(tmp_path, outcomes=done).read_text()
    assert "boom" not in page and "one &lt;b&gt;" in page
