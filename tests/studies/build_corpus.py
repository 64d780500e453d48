"""Build the corpus of small user-built studies in tests/studies/ (issue 21).

Each study is written the way a user would build one from an HR export, following the
README's "The study format", independently of the package's simulator and demo data.
The committed files are what the tests use; this script documents how they were made and
regenerates them with a fixed seed::

    .venv/bin/python tests/studies/build_corpus.py            # every study
    .venv/bin/python tests/studies/build_corpus.py minimal    # some of them

Regenerating the ``recordings`` study needs the command-line tools ``espeak-ng`` (speech
synthesis) and ``sox`` (resampling, band-pass filtering) on the PATH, e.g.
``apt-get install espeak-ng sox``; the other studies need only numpy, pandas and openpyxl
(and soundfile for the audio). Nothing here is imported by the package or the tests.
A rebuild gives the same CSV, TOML, WAV and FLAC files byte for byte; the OGG files (a
random stream serial number) and the workbook (a save time) differ only in metadata.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20260521
START_DATE = "2025-03-03"  # the first interview day of every study

# UK census-style ethnicity labels, as an HR system exports them (commas included)
ETHNICITY_UK = {
    "White": 0.60,
    "Asian or Asian British": 0.15,
    "Black, Black British, Caribbean or African": 0.12,
    "Mixed or multiple ethnic groups": 0.06,
    "Other ethnic group": 0.03,
    "prefer not to say": 0.04,
}
ETHNICITY_SHORT = {
    "White": 0.60,
    "Asian": 0.15,
    "Black": 0.12,
    "Mixed": 0.06,
    "Other": 0.03,
    "prefer not to say": 0.04,
}
SEX = {"Female": 0.52, "Male": 0.45, "prefer not to say": 0.03}
AGE_BAND = {"16-24": 0.18, "25-34": 0.36, "35-44": 0.22, "45-54": 0.16, "55+": 0.08}
DISABILITY = {"No": 0.82, "Yes": 0.12, "prefer not to say": 0.06}


# ------------------------------------------------------------------------ small helpers
def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def draw(rng: np.random.Generator, n: int, shares: dict[str, float]) -> np.ndarray:
    """n labels drawn with the given shares."""
    p = np.array(list(shares.values()), dtype=float)
    return rng.choice(np.array(list(shares), dtype=object), size=n, p=p / p.sum())


def exact(rng: np.random.Generator, counts: dict[str, int]) -> np.ndarray:
    """Labels with exactly the given counts, in random order."""
    labels = np.array([label for label, k in counts.items() for _ in range(k)], dtype=object)
    return rng.permutation(labels)


def ids(prefix: str, n: int, width: int = 4) -> list[str]:
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


def group_shift(cand: pd.DataFrame, effects: dict[str, dict[str, float]]) -> np.ndarray:
    """Sum over group columns of each candidate's shift (0 for unlisted labels)."""
    shift = np.zeros(len(cand))
    for column, per_label in effects.items():
        shift += cand[column].map(per_label).fillna(0.0).to_numpy(dtype=float)
    return shift


def rotating_panels(raters: Sequence[str], size: int) -> list[list[str]]:
    """Overlapping panels: raters 1-2-3, 3-4-5, ... wrapping round, so all are linked."""
    step = max(1, size - 1)
    count = max(1, -(-len(raters) // step))
    return [[raters[(k * step + j) % len(raters)] for j in range(size)] for k in range(count)]


def dump_toml(meta: dict[str, Any]) -> str:
    """A study.toml text: top-level keys, then one [table] per dict (nested as [a.b])."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(str(v), ensure_ascii=False)

    lines = [f"{k} = {value(v)}" for k, v in meta.items() if not isinstance(v, dict)]

    def table(name: str, body: dict[str, Any]) -> None:
        lines.extend(["", f"[{name}]"])
        lines.extend(f"{k} = {value(v)}" for k, v in body.items() if not isinstance(v, dict))
        for k, v in body.items():
            if isinstance(v, dict):
                table(f"{name}.{k}", v)

    for k, v in meta.items():
        if isinstance(v, dict):
            table(k, v)
    return "\n".join(lines) + "\n"


def flatten(meta: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, value) pairs of a metadata dict, for a workbook's study sheet."""
    out: list[tuple[str, Any]] = []
    for k, v in meta.items():
        if isinstance(v, dict):
            out.extend(flatten(v, f"{prefix}{k}."))
        else:
            out.append((f"{prefix}{k}", v))
    return out


def toml_cell(v: Any) -> Any:
    """A study-sheet value cell: numbers as numbers, everything else as TOML text."""
    if isinstance(v, int | float) and not isinstance(v, bool):
        return v
    if isinstance(v, list):
        return "[" + ", ".join(json.dumps(x, ensure_ascii=False) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


def new_folder(name: str) -> Path:
    folder = HERE / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def write_plain(folder: Path, meta: dict[str, Any], readme: str, **tables: pd.DataFrame) -> None:
    """study.toml, README.md and each table as a plain UTF-8 CSV with LF line endings."""
    (folder / "study.toml").write_text(dump_toml(meta), encoding="utf-8")
    (folder / "README.md").write_text(readme.strip() + "\n", encoding="utf-8")
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")


# ------------------------------------------------------------- the selection process
def run_process(
    rng: np.random.Generator,
    cand: pd.DataFrame,
    *,
    stages: list[str],
    pass_rates: list[float],
    bias: dict[str, dict[str, float]],
    formats: np.ndarray,
    panel_of: np.ndarray,
    panels: dict[str, list[str]],
    questions: list[str],
    scale: tuple[int, int] = (1, 5),
    stage1_shift: np.ndarray | None = None,
    score_shift: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stage outcomes for every candidate and ratings for those who passed the first stage.

    A candidate has a latent ability; ``bias`` shifts some groups down at screening and in
    raters' scores (the modest adverse effect the reports should find). Passing the first
    stage means being assessed in the candidate's format by the raters of their panel,
    each scoring every question. The second stage takes the best mean scores (with some
    noise); later stages are each a further, ability-related cut.
    """
    n = len(cand)
    ability = rng.normal(size=n)
    shift = group_shift(cand, bias)
    extra = np.zeros(n) if stage1_shift is None else stage1_shift
    passed = rng.random(n) < sigmoid(logit(pass_rates[0]) + 0.8 * ability + shift + extra)

    every_rater = sorted({r for members in panels.values() for r in members})
    severity = dict(zip(every_rater, rng.normal(0.0, 0.3, len(every_rater)), strict=True))
    difficulty = dict(zip(questions, rng.normal(0.0, 0.25, len(questions)), strict=True))
    lo, hi = scale
    mid, spread = (lo + hi) / 2, (hi - lo) / 4
    days = np.busday_offset(START_DATE, rng.integers(0, 40, n), roll="forward")
    minutes = rng.integers(9 * 60, 17 * 60, n)
    on_score = np.zeros(n) if score_shift is None else score_shift

    rows = []
    mean_score = np.full(n, np.nan)
    for i in np.flatnonzero(passed):
        interview = pd.Timestamp(days[i]) + pd.Timedelta(minutes=int(minutes[i]))
        scores = []
        for rater in panels[panel_of[i]]:
            if formats[i] == "async":  # recorded answers are rated within a few days
                when = interview + pd.Timedelta(minutes=int(rng.integers(60, 3 * 24 * 60)))
            else:  # live panels score at the end of the interview
                when = interview + pd.Timedelta(minutes=int(rng.integers(40, 75)))
            for question in questions:
                z = (
                    0.75 * ability[i]
                    + 0.6 * shift[i]
                    + on_score[i]
                    + severity[rater]
                    + difficulty[question]
                    + rng.normal(0.0, 0.6)
                )
                score = int(np.clip(np.rint(mid + spread * z), lo, hi))
                scores.append(score)
                rows.append(
                    {
                        "candidate_id": cand["candidate_id"].iat[i],
                        "rater_id": rater,
                        "question_id": question,
                        "format": formats[i],
                        "score": score,
                        "panel_id": panel_of[i],
                        "rated_at": when.strftime("%Y-%m-%dT%H:%M:%S"),
                    }
                )
        mean_score[i] = np.mean(scores)

    outcome = {stages[0]: passed}
    noisy = np.where(passed, mean_score + rng.normal(0.0, 0.3, n), -np.inf)
    cut = np.quantile(noisy[passed], 1.0 - pass_rates[1])
    outcome[stages[1]] = passed & (noisy > cut)
    for k in range(2, len(stages)):
        p = sigmoid(logit(pass_rates[k]) + 0.6 * ability + 0.5 * shift)
        outcome[stages[k]] = outcome[stages[k - 1]] & (rng.random(n) < p)
    out = cand.copy()
    for stage in stages:
        out[stage] = outcome[stage].astype(int)
    return out, pd.DataFrame(rows)


def assign_panels(
    rng: np.random.Generator, formats: np.ndarray, panels: dict[str, list[str]]
) -> np.ndarray:
    """A panel per candidate among the panels of the candidate's format (by id prefix)."""
    by_format: dict[str, list[str]] = {}
    for panel_id in panels:
        fmt = "async" if panel_id.startswith("A") else "live"
        by_format.setdefault(fmt, []).append(panel_id)
    return np.array([rng.choice(by_format[f]) for f in formats], dtype=object)


def binary_column(values: np.ndarray, missing: np.ndarray) -> pd.Series:
    """0/1 with empty cells where not recorded (a nullable integer column)."""
    return pd.Series(np.where(missing, pd.NA, values.astype(int)), dtype="Int8")


# ------------------------------------------------------------------- (a) csv_messy
def messy_study(rng: np.random.Generator) -> dict[str, Any]:
    """The HR export of (a), also used for the workbook (b): tables and metadata."""
    n = 220
    cand = pd.DataFrame({"candidate_id": ids("C", n)})
    cand["sex"] = draw(rng, n, SEX)
    cand["ethnicity"] = draw(rng, n, ETHNICITY_UK)
    cand["age_band"] = draw(rng, n, AGE_BAND)
    cand["disability"] = draw(rng, n, DISABILITY)
    black_or_asian = cand["ethnicity"].isin(
        ["Black, Black British, Caribbean or African", "Asian or Asian British"]
    )
    visit = rng.random(n) < np.where(black_or_asian, 0.18, 0.35)
    formats = np.where(rng.random(n) < 0.5, "async", "live").astype(object)
    panels = {f"A{k + 1}": p for k, p in enumerate(rotating_panels(ids("R", 5, 2), 2))}
    live_raters = [f"R{k:02d}" for k in range(6, 12)]
    panels |= {f"L{k + 1}": p for k, p in enumerate(rotating_panels(live_raters, 3))}
    cand, ratings = run_process(
        rng,
        cand,
        stages=["screened", "interviewed", "offered"],
        pass_rates=[0.7, 0.45, 0.5],
        bias={
            "ethnicity": {
                "Black, Black British, Caribbean or African": -0.7,
                "Asian or Asian British": -0.4,
                "Mixed or multiple ethnic groups": -0.15,
            },
            "disability": {"Yes": -0.4},
            "age_band": {"55+": -0.4},
        },
        formats=formats,
        panel_of=assign_panels(rng, formats, panels),
        panels=panels,
        questions=["Q1", "Q2", "Q3", "Q4"],
        stage1_shift=0.4 * visit,
    )
    cand["informal_visit"] = binary_column(visit, rng.random(n) < 0.08)
    ratings = ratings.sort_values(["rated_at", "candidate_id", "rater_id"], ignore_index=True)
    raters = pd.DataFrame(
        [
            ("R01", "White", "HR", 1),
            ("R02", "White", "peer", 1),
            ("R03", "Asian or Asian British", "peer", 0),
            ("R04", "White", "hiring manager", 1),
            ("R05", "Black, Black British, Caribbean or African", "external", 1),
            ("R06", "White", "hiring manager", 1),
            ("R07", "White", "peer", 0),
            ("R08", "prefer not to say", "HR", 1),
            ("R09", "Mixed or multiple ethnic groups", "peer", 1),
            ("R10", "White", "external", 0),
            ("R11", "Asian or Asian British", "hiring manager", 1),
        ],
        columns=["rater_id", "ethnicity", "role", "trained"],
    )
    # what a hand-kept export looks like: stray spaces and capitals in the labels
    for column in ["sex", "ethnicity", "age_band", "disability"]:
        values = cand[column].copy()
        spaced = rng.random(n) < 0.08
        values[spaced] = values[spaced] + " "
        unknown = values.str.strip() == "prefer not to say"
        capital = unknown & (rng.random(n) < 0.5)
        values[capital] = values[capital].str.replace("prefer", "Prefer")
        cand[column] = values
    meta = {
        "name": "csv-messy",
        "description": (
            "Customer-service advisers 2025: CV screen, then an async or a live interview "
            "(one format per candidate), then offers. An HR-system export with stray spaces, "
            "Windows line endings, a byte-order mark and blank lines."
        ),
        "source": "interviewlab test corpus (tests/studies/build_corpus.py), made-up data",
        "licence": "CC0-1.0",
        "rubric": {"min": 1, "max": 5, "questions": ["Q1", "Q2", "Q3", "Q4"]},
        "groups": {
            "columns": ["sex", "ethnicity", "age_band", "disability"],
            "unknown": ["unknown", "prefer not to say"],
            "reference": {"sex": "Male", "ethnicity": "White"},
        },
        "stages": {"order": ["screened", "interviewed", "offered"]},
        "formats": {"labels": ["async", "live"]},
        "raters": {"columns": ["ethnicity"]},
        "process": {"columns": ["informal_visit"]},
    }
    return {"meta": meta, "candidates": cand, "ratings": ratings, "raters": raters}


def messy_csv(frame: pd.DataFrame, rng: np.random.Generator, *, quote: bool, blanks: int) -> str:
    """CSV text with CRLF line endings, optionally every text field quoted, and blank
    lines: ``blanks`` of them between random rows and two at the end."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        lineterminator="\r\n",
        quoting=csv.QUOTE_NONNUMERIC if quote else csv.QUOTE_MINIMAL,
    )
    writer.writerow(list(frame.columns))
    gaps = set(rng.choice(np.arange(5, len(frame) - 5), size=blanks, replace=False).tolist())
    for position, row in enumerate(frame.astype(object).itertuples(index=False)):
        writer.writerow(["" if pd.isna(v) else v for v in row])
        if position in gaps:
            buffer.write("\r\n")
    buffer.write("\r\n\r\n")
    return buffer.getvalue()


def build_csv_messy(rng: np.random.Generator, study: dict[str, Any]) -> None:
    folder = new_folder("csv_messy")
    (folder / "study.toml").write_text(dump_toml(study["meta"]), encoding="utf-8")
    (folder / "README.md").write_text(
        "A messy HR export (220 candidates, both formats between candidates, 11 raters in "
        "panels): UTF-8 BOM, CRLF, quoted fields, labels with commas and trailing spaces, "
        "'Prefer not to say' in two cases, blank lines, stages screened/interviewed/offered, "
        "raters.csv, an informal_visit process column with gaps, rated_at.\n",
        encoding="utf-8",
    )
    texts = {
        "candidates": messy_csv(study["candidates"], rng, quote=True, blanks=3),
        "ratings": messy_csv(study["ratings"], rng, quote=False, blanks=2),
        "raters": messy_csv(study["raters"], rng, quote=False, blanks=0),
    }
    for name, text in texts.items():
        # newline="" keeps the CRLF as written; utf-8-sig adds the byte-order mark
        with open(folder / f"{name}.csv", "w", encoding="utf-8-sig", newline="") as out:
            out.write(text)


# --------------------------------------------------------------------- (b) workbook
def build_workbook(study: dict[str, Any]) -> None:
    folder = new_folder("workbook")
    (folder / "README.md").write_text(
        "The csv_messy study as one Excel workbook (sheets study, candidates, ratings, "
        "raters): dotted keys with TOML values in the study sheet, integer cells, empty "
        "process cells, rated_at as Excel date-time cells, labels with trailing spaces.\n",
        encoding="utf-8",
    )
    keys = pd.DataFrame(
        [(k, toml_cell(v)) for k, v in flatten(study["meta"])], columns=["key", "value"]
    )
    ratings = study["ratings"].assign(rated_at=pd.to_datetime(study["ratings"]["rated_at"]))
    with pd.ExcelWriter(folder / "workbook.xlsx", engine="openpyxl") as writer:
        keys.to_excel(writer, sheet_name="study", index=False)
        study["candidates"].to_excel(writer, sheet_name="candidates", index=False)
        ratings.to_excel(writer, sheet_name="ratings", index=False)
        study["raters"].to_excel(writer, sheet_name="raters", index=False)


# -------------------------------------------------------------------- (c) live_only
def build_live_only(rng: np.random.Generator) -> None:
    folder = new_folder("live_only")
    n = 150
    cand = pd.DataFrame({"candidate_id": ids("L", n)})
    cand["sex"] = draw(rng, n, SEX)
    cand["ethnicity"] = draw(rng, n, ETHNICITY_SHORT)
    cand["disability"] = draw(rng, n, DISABILITY)
    formats = np.full(n, "live", dtype=object)
    panels = {f"L{k + 1}": p for k, p in enumerate(rotating_panels(ids("P", 5, 2), 3))}
    questions = ["motivation", "teamwork", "problem_solving", "communication", "values"]
    cand, ratings = run_process(
        rng,
        cand,
        stages=["interviewed", "shortlisted", "appointed"],
        pass_rates=[0.8, 0.4, 0.45],
        bias={"ethnicity": {"Black": -0.6, "Asian": -0.3}, "disability": {"Yes": -0.35}},
        formats=formats,
        panel_of=assign_panels(rng, formats, panels),
        panels=panels,
        questions=questions,
    )
    # adjustments: asked for mostly by disabled candidates; granted is empty when not asked
    asked = rng.random(n) < np.where(cand["disability"] == "Yes", 0.4, 0.05)
    granted = rng.random(n) < 0.8
    cand["adjustment_requested"] = binary_column(asked, np.zeros(n, dtype=bool))
    cand["adjustment_granted"] = binary_column(granted, ~asked)
    meta = {
        "name": "live-only",
        "description": "Graduate trainees: every candidate interviewed live by a panel of three.",
        "source": "interviewlab test corpus (tests/studies/build_corpus.py), made-up data",
        "licence": "CC0-1.0",
        "rubric": {"min": 1, "max": 5, "questions": questions},
        "groups": {
            "columns": ["sex", "ethnicity", "disability"],
            "unknown": ["prefer not to say"],
            "reference": {"ethnicity": "White", "disability": "No"},
        },
        "stages": {"order": ["interviewed", "shortlisted", "appointed"]},
        "process": {"columns": ["adjustment_requested", "adjustment_granted"]},
    }
    write_plain(
        folder,
        meta,
        "One format only: every rating is live (no [formats] table, no async ratings); "
        "150 candidates, 5 questions, panels of 3, adjustment process columns.",
        candidates=cand,
        ratings=ratings,
    )


# ------------------------------------------------------------------- (d) async_only
def build_async_only(rng: np.random.Generator) -> None:
    folder = new_folder("async_only")
    n = 150
    cand = pd.DataFrame({"candidate_id": ids("S", n)})
    cand["sex"] = draw(rng, n, SEX)
    cand["ethnicity"] = draw(rng, n, ETHNICITY_SHORT)
    cand["age_band"] = draw(rng, n, AGE_BAND)
    formats = np.full(n, "async", dtype=object)
    panels = {f"A{k + 1}": p for k, p in enumerate(rotating_panels(ids("V", 4, 2), 2))}
    cand, ratings = run_process(
        rng,
        cand,
        stages=["completed_async", "invited_to_interview", "appointed"],
        pass_rates=[0.75, 0.35, 0.4],
        bias={"ethnicity": {"Black": -0.5, "Mixed": -0.2}, "age_band": {"55+": -0.4}},
        formats=formats,
        panel_of=assign_panels(rng, formats, panels),
        panels=panels,
        questions=["q1", "q2", "q3", "q4"],
    )
    raters = pd.DataFrame(
        {
            "rater_id": ids("V", 4, 2),
            "sex": ["Female", "Male", "Female", "Female"],
            "role": ["HR", "hiring manager", "peer", "HR"],
            "trained": [1, 1, 0, 1],
        }
    )
    meta = {
        "name": "async-only",
        "description": "Apprentices: recorded (async) answers only, each rated by two raters.",
        "source": "interviewlab test corpus (tests/studies/build_corpus.py), made-up data",
        "licence": "CC0-1.0",
        "rubric": {"min": 1, "max": 5},
        "groups": {
            "columns": ["sex", "ethnicity", "age_band"],
            "unknown": ["prefer not to say"],
            "reference": {"sex": "Male", "ethnicity": "White"},
        },
        "stages": {"order": ["completed_async", "invited_to_interview", "appointed"]},
        "raters": {"columns": ["sex"]},
    }
    write_plain(
        folder,
        meta,
        "One format only: every rating is async (no [formats] table, no live ratings); "
        "150 candidates, 4 raters in pairs, raters.csv, rated_at without panel_id.",
        candidates=cand,
        ratings=ratings.drop(columns="panel_id"),
        raters=raters,
    )


# ---------------------------------------------------------------------- (e) minimal
def build_minimal(rng: np.random.Generator) -> None:
    folder = new_folder("minimal")
    n = 200
    cand = pd.DataFrame({"candidate_id": ids("M", n)})
    cand["sex"] = draw(rng, n, SEX)
    cand["ethnicity"] = draw(rng, n, ETHNICITY_SHORT)
    formats = np.where(rng.random(n) < 0.55, "async", "live").astype(object)
    raters = [f"r{k}" for k in range(1, 9)]
    panels = {f"A{k + 1}": p for k, p in enumerate(rotating_panels(raters[:4], 2))}
    panels |= {f"L{k + 1}": p for k, p in enumerate(rotating_panels(raters[4:], 3))}
    cand, ratings = run_process(
        rng,
        cand,
        stages=["assessed", "shortlisted", "appointed"],
        pass_rates=[0.75, 0.4, 0.5],
        bias={"ethnicity": {"Black": -0.6, "Asian": -0.3}, "sex": {"Female": -0.15}},
        formats=formats,
        panel_of=assign_panels(rng, formats, panels),
        panels=panels,
        questions=["q1", "q2", "q3", "q4"],
    )
    meta = {
        "name": "minimal",
        "description": "Only the required columns: async or live interview, then shortlisting.",
        "rubric": {"min": 1, "max": 5},
        "groups": {"columns": ["sex", "ethnicity"], "unknown": ["prefer not to say"]},
        "stages": {"order": ["assessed", "shortlisted", "appointed"]},
    }
    write_plain(
        folder,
        meta,
        "Only the README's minimal columns (no raters.csv, [process], [groups.reference], "
        "requisition_id, internal, panel_id or rated_at); both formats; 200 candidates.",
        candidates=cand,
        ratings=ratings[["candidate_id", "rater_id", "question_id", "format", "score"]],
    )


# ------------------------------------------------------------------- (f) recordings
SENTENCES = [
    "I led a small team through a launch.",
    "I enjoy solving problems with customers.",
    "My last job taught me careful planning.",
    "I would first ask what the team needs.",
    "I handled a hard complaint calmly.",
    "I want to learn more about data.",
    "We shared the work and met the deadline.",
    "I listen before I suggest a solution.",
    "Weekly meetings kept everyone informed.",
    "Clear notes prevent most mistakes.",
    "I trained two new colleagues last year.",
    "When plans change, I update the schedule.",
]
FEMALE_VOICES = ["en-gb+f1", "en-gb+f3", "en-us+f2", "en-gb-scotland+f4", "en-029+f1"]
MALE_VOICES = ["en-gb+m1", "en-us+m3", "en-gb-x-rp+m2", "en-gb-scotland", "en-029+m4"]
FOCAL = "Black"  # the group whose recordings are worse on average (the planted gap)


def need_tools() -> None:
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(
            f"building tests/studies/recordings needs {' and '.join(missing)} on the PATH "
            "(e.g. apt-get install espeak-ng sox); the committed files are what tests use."
        )


def sox(audio: np.ndarray, rate: int, effects: list[str], out_rate: int) -> np.ndarray:
    """``audio`` passed through sox with the given effects, then resampled to ``out_rate``."""
    import soundfile as sf

    with tempfile.TemporaryDirectory() as tmp:
        before, after = Path(tmp) / "before.wav", Path(tmp) / "after.wav"
        sf.write(before, audio, rate, "FLOAT")
        # -R: the same dither (random numbers) on every run, so a rebuild gives the same files
        subprocess.run(
            ["sox", "-V1", "-R", str(before), str(after), *effects, "rate", str(out_rate)],
            check=True,
        )
        result, _ = sf.read(after, dtype="float64")
    return result


def speak(text: str, voice: str, speed: int, pitch: int) -> np.ndarray:
    """A sentence spoken by espeak-ng, with a little silence around it, at 16 kHz."""
    import soundfile as sf

    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(raw), text],
            check=True,
        )
        audio, rate = sf.read(raw, dtype="float64")
    return sox(audio, rate, ["gain", "-n", "-6", "pad", "0.2", "0.3"], 16000)


def degrade(
    rng: np.random.Generator,
    audio: np.ndarray,
    snr_db: float,
    level_db: float,
    telephone: bool,
    narrowband: bool,
    clip: bool,
) -> tuple[np.ndarray, int]:
    """A recording made in a noisy room: speech level set, white noise at the given SNR,
    then the telephone band (300-3400 Hz, kept at 8 kHz if ``narrowband``), then clipping
    if asked. Returns the audio and its sample rate."""
    speech = np.abs(audio) > 0.02 * np.abs(audio).max()
    audio = audio / np.sqrt(np.mean(audio[speech] ** 2)) * 10 ** (level_db / 20)
    noise_rms = np.sqrt(np.mean(audio[speech] ** 2)) / 10 ** (snr_db / 20)
    audio = audio + rng.normal(0.0, noise_rms, audio.size)
    rate = 8000 if narrowband else 16000
    if telephone:
        audio = sox(audio, 16000, ["sinc", "300-3400"], rate)
    if clip:  # a microphone driven too hard: the loudest peaks flatten at full scale
        audio = audio * (0.98 / np.quantile(np.abs(audio), 0.985))
    return np.clip(audio, -0.999, 0.999), rate


def build_recordings(rng: np.random.Generator) -> None:
    import soundfile as sf

    need_tools()
    folder = new_folder("recordings")
    (folder / "recordings").mkdir()
    n_async, n_live = 62, 30
    n = n_async + n_live
    cand = pd.DataFrame({"candidate_id": ids("F", n)})
    cand["ethnicity"] = np.concatenate(
        [
            exact(rng, {"White": 22, "Asian": 16, FOCAL: 19, "Mixed": 3, "Other": 2}),
            exact(rng, {"White": 18, "Asian": 5, FOCAL: 4, "Mixed": 1, "prefer not to say": 2}),
        ]
    )
    cand["sex"] = draw(rng, n, {"Female": 0.5, "Male": 0.47, "prefer not to say": 0.03})
    formats = np.array(["async"] * n_async + ["live"] * n_live, dtype=object)

    # recording quality of every async candidate, worse on average for the focal group
    focal = (cand["ethnicity"] == FOCAL).to_numpy()
    snr = np.clip(np.where(focal, rng.normal(12.0, 5.0, n), rng.normal(22.0, 5.0, n)), 5, 32)
    telephone = rng.random(n) < np.where(focal, 0.35, 0.08)
    clipped = rng.random(n) < 0.06
    no_file = rng.random(n) < 0.05  # the upload failed: rated from notes, no audio kept
    poor = (formats == "async") & ~no_file & ((snr < 15) | telephone)
    panels = {f"A{k + 1}": p for k, p in enumerate(rotating_panels(ids("D", 4, 2), 2))}
    panels |= {"L1": ["D05", "D06", "D07"]}
    cand, ratings = run_process(
        rng,
        cand,
        stages=["answered", "shortlisted", "offered"],
        pass_rates=[0.9, 0.4, 0.5],
        bias={"ethnicity": {"Asian": -0.15}},
        formats=formats,
        panel_of=assign_panels(rng, formats, panels),
        panels=panels,
        questions=["q1", "q2", "q3"],
        score_shift=np.where(poor, -0.4, 0.0),  # raters mark down answers hard to hear
    )
    recorded = (formats == "async") & (cand["answered"] == 1).to_numpy() & ~no_file
    names = []
    for i in range(n):
        if not recorded[i]:
            names.append("")
            continue
        k = len([x for x in names if x])
        suffix = "wav" if k % 8 == 1 else "ogg" if k % 10 == 3 else "flac"
        narrowband = telephone[i] and k % 4 == 0  # a phone upload kept at 8 kHz
        voices = FEMALE_VOICES if cand["sex"].iat[i] == "Female" else MALE_VOICES
        audio = speak(
            SENTENCES[int(rng.integers(len(SENTENCES)))],
            voices[int(rng.integers(len(voices)))],
            speed=int(rng.integers(180, 215)),
            pitch=int(rng.integers(30, 70)),
        )
        audio, rate = degrade(
            rng,
            audio,
            snr_db=snr[i],
            level_db=rng.uniform(-28, -16),
            telephone=bool(telephone[i]),
            narrowband=narrowband,
            clip=bool(clipped[i]),
        )
        name = f"{cand['candidate_id'].iat[i]}.{suffix}"
        subtype = {"wav": "PCM_16", "flac": "PCM_16", "ogg": "VORBIS"}[suffix]
        sf.write(folder / "recordings" / name, audio, rate, subtype)
        names.append(name)
    cand["recording"] = names
    counts = cand.loc[recorded, "ethnicity"].value_counts()
    if min(counts[g] for g in ("White", "Asian", FOCAL)) < 12:
        raise SystemExit(f"too few recorded candidates in a major group: {counts.to_dict()}")
    planted = (
        f"Planted gap: {FOCAL} candidates' recordings have lower signal-to-noise ratio "
        "(mean about 12 dB against 22 dB) and are more often telephone-band (35% against 8%); "
        "raters mark down async answers that are hard to hear (SNR below 15 dB or "
        "telephone band). The recording_quality report's SNR, measured against the noise "
        "floor, reads about 9 dB against 20 dB for White candidates (Hedges' g about -2.0)."
    )
    meta = {
        "name": "recordings",
        "description": "Customer advisers: async recorded answers, then a live panel. " + planted,
        "source": "interviewlab test corpus (tests/studies/build_corpus.py), espeak-ng speech",
        "licence": "CC0-1.0",
        "rubric": {"min": 1, "max": 5},
        "groups": {
            "columns": ["ethnicity", "sex"],
            "unknown": ["prefer not to say"],
            "reference": {"ethnicity": "White"},
        },
        "stages": {"order": ["answered", "shortlisted", "offered"]},
    }
    write_plain(
        folder,
        meta,
        f"A recording column naming {int(recorded.sum())} synthetic spoken answers "
        "(espeak-ng, FLAC/WAV/OGG, 16 kHz and a few 8 kHz, noise at 5-32 dB SNR, telephone "
        "band, some clipping); async candidates whose upload failed and live candidates "
        f"have empty cells. {planted}",
        candidates=cand,
        ratings=ratings,
    )


# ------------------------------------------------------------------ (g) requisitions
def build_requisitions(rng: np.random.Generator) -> None:
    folder = new_folder("requisitions")
    sizes = {
        "REQ-2025-011": 48,
        "REQ-2025-014": 30,
        "REQ-2025-019": 41,
        "REQ-2025-023": 25,
        "REQ-2025-027": 38,
        "REQ-2025-031": 36,
        "REQ-2025-040": 32,
    }
    styles = ["async", "live", "live", "async", "live", "async", "live"]
    req_format = dict(zip(sizes, styles, strict=True))
    n = sum(sizes.values())
    cand = pd.DataFrame({"candidate_id": ids("Q", n)})
    cand["requisition_id"] = rng.permutation(np.repeat(list(sizes), list(sizes.values())))
    cand["sex"] = draw(rng, n, SEX)
    cand["ethnicity"] = draw(rng, n, ETHNICITY_SHORT)
    cand["age_band"] = draw(rng, n, AGE_BAND)
    internal = rng.random(n) < 0.15
    # each requisition: its hiring manager, two of six peers and one of two HR partners
    panels = {}
    for k, req in enumerate(sizes):
        peers = rng.choice(ids("E", 6, 2), size=2, replace=False).tolist()
        hr = f"HR{1 + k % 2}"
        panels[req] = [f"H{k + 1:02d}", *peers, hr]
    formats = cand["requisition_id"].map(req_format).to_numpy(dtype=object)
    cand, ratings = run_process(
        rng,
        cand,
        stages=["shortlisted", "hired"],
        pass_rates=[0.45, 0.25],
        bias={"ethnicity": {"Black": -0.4, "Asian": -0.2}, "age_band": {"55+": -0.3}},
        formats=formats,
        panel_of=cand["requisition_id"].to_numpy(dtype=object),
        panels=panels,
        questions=["q1", "q2", "q3", "q4"],
        stage1_shift=0.6 * internal,
    )
    cand.insert(2, "internal", internal.astype(int))
    ratings = ratings.rename(columns={"panel_id": "requisition_id"})
    raters = sorted(set(ratings["rater_id"]))
    rater_table = pd.DataFrame(
        {
            "rater_id": raters,
            "sex": draw(rng, len(raters), {"Female": 0.55, "Male": 0.45}),
            "role": [
                "HR" if r.startswith("HR") else "hiring manager" if r.startswith("H") else "peer"
                for r in raters
            ],
            "trained": (rng.random(len(raters)) < 0.7).astype(int),
        }
    )
    meta = {
        "name": "requisitions",
        "description": "Seven openings, each with its own panel and format; shortlist, then hire.",
        "source": "interviewlab test corpus (tests/studies/build_corpus.py), made-up data",
        "licence": "CC0-1.0",
        "rubric": {"min": 1, "max": 5},
        "groups": {
            "columns": ["sex", "ethnicity", "age_band"],
            "unknown": ["prefer not to say"],
            "reference": {"ethnicity": "White"},
        },
        "stages": {"order": ["shortlisted", "hired"]},
        "raters": {"columns": ["sex"]},
    }
    write_plain(
        folder,
        meta,
        "Seven requisitions (requisition_id in candidates and ratings, one format each), "
        "two stages shortlisted/hired, an internal column, raters.csv with roles; "
        f"{n} candidates.",
        candidates=cand,
        ratings=ratings,
        raters=rater_table,
    )


# ------------------------------------------------------------------ (h) other_groups
def build_other_groups(rng: np.random.Generator) -> None:
    folder = new_folder("other_groups")
    n = 220
    cand = pd.DataFrame({"candidate_id": ids("G", n)})
    cand["gender"] = draw(
        rng, n, {"woman": 0.46, "man": 0.48, "non-binary": 0.03, "prefer not to say": 0.03}
    )
    cand["race"] = draw(
        rng,
        n,
        {
            "White": 0.55,
            "Hispanic or Latino": 0.17,
            "Black or African American": 0.12,
            "Asian": 0.09,
            "Two or More Races": 0.03,
            "American Indian or Alaska Native": 0.01,
            "Native Hawaiian or Other Pacific Islander": 0.005,
            "Decline to self-identify": 0.025,
        },
    )
    cand["veteran"] = draw(rng, n, {"no": 0.93, "yes": 0.07})
    formats = np.where(rng.random(n) < 0.4, "async", "live").astype(object)
    panels = {f"A{k + 1}": p for k, p in enumerate(rotating_panels(ids("U", 4, 2), 2))}
    live = [f"U{k:02d}" for k in range(5, 11)]
    panels |= {f"L{k + 1}": p for k, p in enumerate(rotating_panels(live, 3))}
    cand, ratings = run_process(
        rng,
        cand,
        stages=["phone_screen", "onsite", "offer"],
        pass_rates=[0.6, 0.4, 0.5],
        bias={
            "race": {"Black or African American": -0.6, "Hispanic or Latino": -0.4},
            "gender": {"non-binary": -0.2},
        },
        formats=formats,
        panel_of=assign_panels(rng, formats, panels),
        panels=panels,
        questions=["technical", "collaboration", "ownership", "communication"],
        scale=(1, 4),
    )
    meta = {
        "name": "other-groups",
        "description": "US software roles: phone screen, onsite loop, offer; EEO-1 categories.",
        "source": "interviewlab test corpus (tests/studies/build_corpus.py), made-up data",
        "licence": "CC0-1.0",
        "rubric": {"min": 1, "max": 4},
        "groups": {
            "columns": ["gender", "race", "veteran"],
            "unknown": ["prefer not to say", "Decline to self-identify"],
            "reference": {"gender": "man", "race": "White", "veteran": "no"},
        },
        "stages": {"order": ["phone_screen", "onsite", "offer"]},
    }
    write_plain(
        folder,
        meta,
        "Group columns not the demo's: gender (incl. non-binary), race (US EEO-1 categories, "
        "some very small), veteran yes/no, each with a reference group; stages phone_screen/"
        "onsite/offer; a 1-4 rubric; 220 candidates, both formats.",
        candidates=cand,
        ratings=ratings,
    )


# --------------------------------------------------------------------------- main
# ------------------------------------------------------------------------ (i) rounds
def build_rounds(rng: np.random.Generator) -> None:
    folder = new_folder("rounds")
    n = 260
    cand = pd.DataFrame({"candidate_id": ids("T", n)})
    cand["sex"] = draw(rng, n, SEX)
    cand["ethnicity"] = draw(rng, n, ETHNICITY_SHORT)
    formats = np.where(rng.random(n) < 0.65, "async", "live").astype(object)
    raters = ids("K", 6, 2)
    panels = {f"A{k + 1}": p for k, p in enumerate(rotating_panels(raters[:4], 2))}
    panels |= {f"L{k + 1}": p for k, p in enumerate(rotating_panels(raters[2:], 3))}
    cand, ratings = run_process(
        rng,
        cand,
        stages=["assessed", "shortlisted", "appointed"],
        pass_rates=[0.8, 0.35, 0.45],
        bias={"ethnicity": {"Black": -0.4, "Asian": -0.2}},
        formats=formats,
        panel_of=assign_panels(rng, formats, panels),
        panels=panels,
        questions=["q1", "q2", "q3", "q4"],
    )
    # four quarterly intakes (labels that sort as written), a new rubric after the second
    cand.insert(1, "intake", rng.choice([f"2025-Q{q}" for q in range(1, 5)], size=n))
    # the platform's engine scores every recorded answer on the rubric's scale, with two
    # decimals: the panel's mean for the answer, 0.4 lower for Black candidates, plus noise
    recorded = ratings[ratings["format"] == "async"]
    answers = recorded.groupby(["candidate_id", "question_id"], sort=True)["score"].mean()
    group = cand.set_index("candidate_id")["ethnicity"]
    focal = (group.reindex(answers.index.get_level_values(0)) == "Black").to_numpy()
    machine = np.clip(answers.to_numpy() - 0.4 * focal + rng.normal(0.0, 0.4, len(answers)), 1, 5)
    engine = answers.reset_index()[["candidate_id", "question_id"]].assign(
        rater_id="engine-v2", format="async", score=np.round(machine, 2), rater_type="automated"
    )
    ratings = pd.concat([ratings.assign(rater_type="human"), engine], ignore_index=True)
    ratings["score"] = [f"{v:g}" for v in ratings["score"]]  # 3, not 3.0; 2.47 as it is
    meta = {
        "name": "rounds",
        "description": "Four quarterly intakes, async or live; an engine scores recorded answers.",
        "source": "interviewlab test corpus (tests/studies/build_corpus.py), made-up data",
        "licence": "CC0-1.0",
        "rubric": {"min": 1, "max": 5},
        "groups": {"columns": ["sex", "ethnicity"], "unknown": ["prefer not to say"]},
        "stages": {"order": ["assessed", "shortlisted", "appointed"]},
        "periods": {"column": "intake", "change_after": "2025-Q2", "change": "a new rubric"},
    }
    write_plain(
        folder,
        meta,
        "Four quarterly intakes (an intake column with labels 2025-Q1 to 2025-Q4, declared in "
        "[periods] with a change after 2025-Q2) and a scoring engine's score of every "
        "recorded answer (rater_type automated, decimals, rater_id engine-v2, no row in a "
        f"raters table); async or live between candidates; {n} candidates.",
        candidates=cand,
        ratings=ratings,
    )


def build(names: Sequence[str]) -> None:
    # one generator per study, so rebuilding one study leaves the others unchanged
    def rng(k: int) -> np.random.Generator:
        return np.random.default_rng([SEED, k])

    builders: dict[str, Callable[[], None]] = {
        "live_only": lambda: build_live_only(rng(3)),
        "async_only": lambda: build_async_only(rng(4)),
        "minimal": lambda: build_minimal(rng(5)),
        "recordings": lambda: build_recordings(rng(6)),
        "requisitions": lambda: build_requisitions(rng(7)),
        "other_groups": lambda: build_other_groups(rng(8)),
        "rounds": lambda: build_rounds(rng(9)),
    }
    if {"csv_messy", "workbook"} & set(names):
        study = messy_study(rng(1))
        build_csv_messy(rng(2), study)
        build_workbook(study)
        print("built tests/studies/csv_messy and tests/studies/workbook")
    for name in names:
        if name in builders:
            builders[name]()
            print(f"built tests/studies/{name}")
        elif name not in ("csv_messy", "workbook"):
            raise SystemExit(f"unknown study {name!r}; choose from {', '.join(STUDIES)}")


STUDIES = [
    "csv_messy",
    "workbook",
    "live_only",
    "async_only",
    "minimal",
    "recordings",
    "requisitions",
    "other_groups",
    "rounds",
]

if __name__ == "__main__":
    build(sys.argv[1:] or STUDIES)
