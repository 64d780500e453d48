"""Reports attacked with a hostile study: script and formula payloads, a traversal name.

Each test tries one attack of issue 11 on every report the study can feed and checks
that it fails: no live script or event handler in the HTML, no formula in the CSV or
XLSX files, nothing written or deleted outside ``--out``, a relative ``--out``,
provenance without absolute paths or unrelated files, identifiers checked by column,
and a failed re-run that keeps the previous report.
"""

from __future__ import annotations

import csv
import json
import os
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import interviewlab as il
from interviewlab.cli import main
from interviewlab.reporting.privacy import check_no_identifiers

SCRIPT = "<script>alert('x')</script>"
IMG = "<img src=x onerror=alert(1)>"
LINK = "[click](javascript:alert(1))"
FRAME = "<iframe src='http://attacker.example/'></iframe>"
FORMULA = '=HYPERLINK("http://attacker.example","click")'
COMMAND = "+cmd|' /C calc'!A0"
AT_SUM = "@SUM(1+1)"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
REPORTS = ["study_overview", "adverse_impact_audit", "reliability", "panel_effects"]


def _hostile_study(folder: Path) -> Path:
    """A simulated study relabelled with payloads, numeric ids and a traversal name."""
    base = il.simulate_study(
        seed=11, n_candidates=240, n_raters=6, n_requisitions=4, similarity_bonus=0.2
    )
    cand = base.candidates.copy()
    ratings = base.ratings.copy()
    ethnicity = {"White": "White", "Asian": FORMULA, "Black": SCRIPT, "Mixed": IMG, "Other": LINK}
    sex = {"female": COMMAND, "male": AT_SUM}
    cand["ethnicity"] = cand["ethnicity"].map(lambda v: ethnicity.get(v, v))
    cand["sex"] = cand["sex"].map(lambda v: sex.get(v, v))
    # numeric identifiers: candidates 1..n, questions 1..5 (item 8)
    ids = {cid: str(i) for i, cid in enumerate(cand["candidate_id"], start=1)}
    cand["candidate_id"] = cand["candidate_id"].map(ids)
    ratings["candidate_id"] = ratings["candidate_id"].map(ids)
    ratings["question_id"] = ratings["question_id"].str.removeprefix("q")
    meta = {k: v for k, v in base.meta.items() if k != "planted"}
    meta["name"] = "demo/../../victim"
    meta["description"] = f"{FRAME} {SCRIPT} {LINK}"
    meta["source"] = IMG
    meta["rubric"] = {**meta["rubric"], "questions": ["1", "2", "3", "4", "5"]}
    meta["groups"] = {
        **meta["groups"],
        "reference": {"ethnicity": "White", "sex": AT_SUM},
    }
    # the raters' groups carry the same payloads (the panel_effects report shows them)
    raters = base.raters.assign(ethnicity=base.raters["ethnicity"].map(ethnicity.get))
    study = il.Study.from_frames(meta, cand, ratings, raters=raters)
    path = study.save(folder / "hostile")
    (path / "John Smith CV.txt").write_text("not an input of the study\n", encoding="utf-8")
    return path


class _Active(HTMLParser):
    """Collects what a browser would run: script-like tags, handlers, script URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "frame", "base"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.found.append(f"{tag} {name}=")
            if value and value.strip().lower().startswith(("javascript:", "vbscript:")):
                self.found.append(f"{tag} {name}={value}")


@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("attack")
    victim = root / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("must survive\n", encoding="utf-8")
    study = _hostile_study(root)
    out = root / "work" / "out"
    out.mkdir(parents=True)
    before = set(root.rglob("*"))
    cwd = os.getcwd()
    os.chdir(root / "work")
    try:
        folders = {}
        for name in REPORTS:
            # a relative --out, as the README's own example uses (item 6)
            code = main(["report", name, "--study", str(study), "--out", "out", "--quiet"])
            assert code == 0, name
        # report folders (index.html lists them beside)
        for folder in sorted(p for p in out.iterdir() if p.is_dir()):
            folders[folder.name] = folder
    finally:
        os.chdir(cwd)
    after = set(root.rglob("*"))
    return {"root": root, "out": out, "study": study, "folders": folders, "new": after - before}


@pytest.mark.slow
def test_reports_run_and_are_named_by_a_safe_slug(attacked):
    names = sorted(attacked["folders"])
    assert names == sorted(f"{r}-demo-victim" for r in REPORTS)


@pytest.mark.slow
def test_nothing_written_or_deleted_outside_out(attacked):
    root, out = attacked["root"], attacked["out"]
    assert (root / "victim" / "keep.txt").read_text(encoding="utf-8") == "must survive\n"
    outside = [p for p in attacked["new"] if out not in p.parents and p != out]
    assert outside == []
    # no nested copy of the relative path (item 6)
    assert not any(p.name == "out" for p in out.rglob("*"))


@pytest.mark.slow
def test_html_has_no_live_script_handler_frame_or_script_url(attacked):
    for folder in attacked["folders"].values():
        for page in folder.glob("*.html"):
            parser = _Active()
            parser.feed(page.read_text(encoding="utf-8"))
            assert parser.found == [], (page.name, parser.found[:5])
            assert "mathjax" not in page.read_text(encoding="utf-8").lower()


@pytest.mark.slow
def test_payloads_are_shown_as_text(attacked):
    page = (attacked["folders"]["study_overview-demo-victim"] / "study_overview.html").read_text(
        encoding="utf-8"
    )
    assert "&lt;script&gt;" in page  # the label is there, as text


def _starts_like_formula(value: str) -> bool:
    if not value.startswith(TRIGGERS):
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False  # a negative number is data, not a formula


@pytest.mark.slow
def test_no_formula_in_csv_or_xlsx(attacked):
    for folder in attacked["folders"].values():
        for path in (folder / "tables").glob("*.csv"):
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.reader(handle):
                    bad = [v for v in row if _starts_like_formula(v)]
                    assert bad == [], (path.name, bad[:3])
        book = openpyxl.load_workbook(folder / "tables.xlsx")
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                    if isinstance(cell.value, str):
                        assert not _starts_like_formula(cell.value), (sheet.title, cell.value)


@pytest.mark.slow
def test_provenance_records_only_inputs_read_without_absolute_paths(attacked):
    root = str(attacked["root"])
    for folder in attacked["folders"].values():
        text = (folder / "provenance.json").read_text(encoding="utf-8")
        assert root not in text
        provenance = json.loads(text)
        inputs = {"study.toml", "candidates.csv", "ratings.csv", "raters.csv"}
        assert set(provenance["inputs_sha256"]) == inputs
        assert "John Smith" not in text


@pytest.mark.slow
def test_executed_notebook_has_no_stderr_or_absolute_path(attacked):
    root = str(attacked["root"])
    for folder in attacked["folders"].values():
        nb_path = next(folder.glob("*.ipynb"))
        text = nb_path.read_text(encoding="utf-8")
        assert root not in text
        nb = json.loads(text)
        for cell in nb["cells"]:
            for output in cell.get("outputs", []):
                assert output.get("name") != "stderr"


@pytest.mark.slow
def test_failed_rerun_keeps_the_previous_report(attacked, monkeypatch, capsys):
    import papermill

    out = attacked["out"]
    good = out / "adverse_impact_audit-demo-victim"
    before = {p.relative_to(good): p.read_bytes() for p in good.rglob("*") if p.is_file()}

    def failing(notebook, output, **kwargs):
        import nbformat

        nbformat.write(nbformat.v4.new_notebook(), output)  # a partial notebook
        raise papermill.PapermillExecutionError(3, 2, "x = 1", "ValueError", "boom", [])

    monkeypatch.setattr(papermill, "execute_notebook", failing)
    code = main(
        ["report", "adverse_impact_audit", "--study", str(attacked["study"]),
         "--out", str(out), "--quiet"]
    )  # fmt: skip
    assert code == 1  # a report failed
    assert "previous report (if any) is unchanged" in capsys.readouterr().err
    after = {p.relative_to(good): p.read_bytes() for p in good.rglob("*") if p.is_file()}
    assert after == before
    assert (
        out / "adverse_impact_audit-demo-victim.failed" / "adverse_impact_audit.ipynb"
    ).is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left


@pytest.mark.slow
def test_unknown_profile_fails_without_touching_reports(attacked, capsys):
    out = attacked["out"]
    names = sorted(p.name for p in out.iterdir())
    code = main(
        ["report", "adverse_impact_audit", "--study", str(attacked["study"]),
         "--out", str(out), "-p", "profile", "LL144", "--quiet"]
    )  # fmt: skip
    assert code == 1  # the notebook refused the profile: the report failed
    assert capsys.readouterr().err.lstrip().startswith("error: Failed:")
    kept = sorted(p.name for p in out.iterdir() if not p.name.endswith(".failed"))
    assert kept == [n for n in names if not n.endswith(".failed")]


def test_folder_names_carry_the_parameters_that_change_the_content():
    assert il.reporting.report_folder_name("audit", "demo", {}) == "audit-demo"
    name = il.reporting.report_folder_name("audit", "../x", {"profile": "ll144"})
    assert name == "audit-x-profile-ll144"


def test_identifier_check_is_by_column():
    check_no_identifiers(pd.DataFrame({"question_id": ["1", "2"]}), identifiers={"1", "2"})
    with pytest.raises(il.InterviewLabError, match="candidate identifier '1'"):
        check_no_identifiers(pd.DataFrame({"label": ["1"]}), identifiers={"1"})


def test_escaped_text_renders_as_written() -> None:
    # the page's Markdown renderer (nbconvert's mistune) then the HTML sanitiser: quotes
    # and apostrophes show as typed, markup shows as text
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from interviewlab.reporting import sanitize_html

    def render(text: str) -> str:
        return sanitize_html(markdown2html_mistune(il.escape_markdown(text)))

    assert render("the others' chance") == "<p>the others' chance</p>\n"
    shown = render('<img src=x onerror="alert(1)"> & [x](javascript:y)')
    assert "<img" not in shown and "&lt;img" in shown and "<a" not in shown
