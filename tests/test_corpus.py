"""Every report on studies as users build them (tests/studies/), not only on the demo.

Each study of the corpus is validated and run through ``interviewlab report all --pdf``
as a user would, in a fresh process. A report either is written or is skipped with its
reason; nothing fails, no traceback reaches the user, every figure a report makes is on
its page, and the index links every report and PDF present.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from page_rules import broken_rules, page_text

from interviewlab.cli import main

CORPUS = Path(__file__).parent / "studies"

#: each study (its path in the corpus) and the reports it cannot have, with a word of why;
#: only the rounds study has machine scores and periods (as the demo does)
NEITHER = {"automated_scores": "no machine scores", "over_time": "declares no periods"}

STUDIES = {
    "csv_messy": {"recording_quality": "no recorded answers", **NEITHER},
    "workbook/workbook.xlsx": {"recording_quality": "no recorded answers", **NEITHER},
    "live_only": {
        "async_vs_live": "one interview format (live)",
        "recording_quality": "no recorded answers",
        **NEITHER,
    },
    "async_only": {
        "async_vs_live": "one interview format (async)",
        "recording_quality": "no recorded answers",
        **NEITHER,
    },
    "minimal": {
        "panel_effects": "neither the raters' groups",
        "recording_quality": "no recorded answers",
        **NEITHER,
    },
    "recordings": {"panel_effects": "neither the raters' groups", **NEITHER},
    "requisitions": {"recording_quality": "no recorded answers", **NEITHER},
    "other_groups": {
        "panel_effects": "neither the raters' groups",
        "recording_quality": "no recorded answers",
        **NEITHER,
    },
    "rounds": {
        "panel_effects": "neither the raters' groups",
        "recording_quality": "no recorded answers",
    },
}

REPORTS = (
    "adverse_impact_audit",
    "async_vs_live",
    "automated_scores",
    "panel_effects",
    "over_time",
    "panel_training",
    "published_cases",
    "recording_quality",
    "reliability",
    "study_overview",
)


def test_the_corpus_is_small_and_documented() -> None:
    size = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    assert size < 5 * 2**20, size
    for name in STUDIES:
        folder = (CORPUS / name).parent if name.endswith(".xlsx") else CORPUS / name
        assert (folder / "README.md").read_text(encoding="utf-8").strip(), name


@pytest.mark.parametrize("name", list(STUDIES))
def test_each_study_validates(name: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["validate", str(CORPUS / name)]) == 0
    out = capsys.readouterr().out
    for report, why in STUDIES[name].items():
        assert re.search(rf"  {report}: skipped: .*{re.escape(why)}", out), (report, out)


@pytest.fixture(scope="module", params=list(STUDIES))
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``interviewlab report all --pdf`` on one corpus study, as a user runs it."""
    name = request.param
    out = tmp_path_factory.mktemp("corpus") / "reports"
    command = [sys.executable, "-m", "interviewlab.cli", "report", "all", "--study",
               str(CORPUS / name), "--out", str(out), "--pdf", "--quiet"]  # fmt: skip
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    return {"name": name, "out": out, "done": done}


@pytest.mark.slow
def test_report_all_writes_or_skips_every_report(run: dict) -> None:
    done, out, name = run["done"], run["out"], run["name"]
    assert done.returncode == 0, done.stdout + done.stderr
    for stream in (done.stdout, done.stderr):
        assert "Traceback" not in stream and "Failed:" not in stream, stream
    skipped = STUDIES[name]
    written = {p.name.split("-")[0] for p in out.iterdir() if (p / "provenance.json").is_file()}
    assert written == set(REPORTS) - set(skipped), done.stdout
    for report, why in skipped.items():
        assert re.search(rf"  {report}: .*{re.escape(why)}", done.stdout), done.stdout
    assert "Demonstrations for trainers" in done.stdout
    assert not [p for p in out.iterdir() if p.name.startswith(".") or p.suffix == ".failed"]


@pytest.mark.slow
def test_every_figure_is_on_its_page(run: dict) -> None:
    for folder in (p for p in run["out"].iterdir() if (p / "provenance.json").is_file()):
        report = json.loads((folder / "provenance.json").read_text())["report"]
        page = (folder / f"{report}.html").read_text(encoding="utf-8")
        for figure in sorted((folder / "figures").glob("*.png")):
            encoded = base64.b64encode(figure.read_bytes()).decode("ascii")
            assert encoded in page, (run["name"], report, figure.name)


def test_page_rules_find_what_they_should() -> None:
    text = "gap -0.00 (x); p = 0.011, p < 0.001, p = 0.0067; Welch p = 1.000; clear (p < 0.05)"
    assert [t.split()[-1] for t in broken_rules(text)] == ["-0.00", "0.0067", "1.000"]


@pytest.mark.slow
def test_every_page_writes_numbers_one_way(run: dict) -> None:
    # issue 23, item 3: no negative zero, one p-value format in every sentence and table
    for folder in (p for p in run["out"].iterdir() if (p / "provenance.json").is_file()):
        report = json.loads((folder / "provenance.json").read_text())["report"]
        broken = broken_rules(page_text(folder / f"{report}.html"))
        assert not broken, (run["name"], report, broken)


@pytest.mark.slow
def test_index_links_every_report_and_pdf(run: dict) -> None:
    out = run["out"]
    index = (out / "index.html").read_text(encoding="utf-8")
    for folder in (p for p in out.iterdir() if (p / "provenance.json").is_file()):
        report = json.loads((folder / "provenance.json").read_text())["report"]
        assert f'href="{folder.name}/{report}.html"' in index
        assert (folder / f"{report}.pdf").is_file()
        assert f'href="{folder.name}/{report}.pdf"' in index
    for report in STUDIES[run["name"]]:
        assert report.replace("_", " ").capitalize() in index  # listed as not written


@pytest.mark.slow
def test_a_recordings_study_is_reported_from_its_own_audio(run: dict) -> None:
    if run["name"] != "recordings":
        pytest.skip("only the recordings study has audio")
    folder = next(run["out"].glob("recording_quality-*"))
    provenance = json.loads((folder / "provenance.json").read_text())
    recordings = [k for k in provenance["inputs_sha256"] if k.startswith("recordings/")]
    study = CORPUS / "recordings"
    named = {
        f"recordings/{p.relative_to(study / 'recordings').as_posix()}"
        for p in (study / "recordings").rglob("*")
        if p.is_file()
    }
    assert recordings and set(recordings) <= named
    gaps = (folder / "tables" / "quality_gaps.csv").read_text(encoding="utf-8")
    assert "Signal-to-noise ratio" in gaps
