"""Attacks on everything the reports of a study publish (issue 28).

Every report of a study is run once into a temporary folder (``interviewlab report all``,
as a user runs it); then the attacker reads ALL the CSV tables of ALL the reports, and
the sentences of the audit's executive summary, and tries to work out the count (and
mean score) of every small cell: a group with 1 to N-1 people among the applicants, the
entrants of a stage, the candidates rated (in a format), the candidates of a format at a
stage, those rated by raters of a group, or a period's applicants (the reports over
time). The attacks:

1. *direct and chain*: the cell printed in some row of some table (a stage's "passed"
   is the next stage's entrants; a funnel's "applicants" the first stage's entrants);
2. *ratio*: a count from a rate and its base (``rate * n``), a rate from an impact ratio
   and the reference rate, a reference's rate from ``reference_rate``; and no shown row
   is compared with a small hidden group;
3. *subtraction* from any published total or margin, and every linear combination of
   them: stage totals, format totals, groups over formats (formats add up to the
   candidates rated), formats over a stage, crossed groups adding up to single groups,
   pairs of groups (a gap's candidates are the group's plus the reference's), and the
   periods (or those before and after a change) adding up to a stage;
4. *bounds*: the same equations with counts never negative and nested (a stage's
   entrants are among the previous stage's), by linear programming: the cell's smallest
   and largest possible values must differ;
5. *means*: a hidden cell's mean score from a format's mean and count and the shown
   cells' means and counts (the sums ``n * mean`` add up like the counts).

The attacker's reading of each table is written here from the tables' columns, not
taken from the library's disclosure plan. Run on the demo, on a hostile study (a
3-person and a 12-person group, built from a corpus study) and on two corpus studies;
with ``INTERVIEWLAB_ATTACK_CORPUS=1`` on the rest of the corpus too.
The proportionality checks are at the end.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import interviewlab as il
from interviewlab.reporting import Disclosure

CORPUS = Path(__file__).parents[1] / "studies"
N = 10
#: cheap settings for the reports' bootstraps and simulations (disclosure does not depend
#: on them)
FAST = {"n_boot": "100", "n_boot_reml": "0", "n_sims": "4", "power_sizes": "[300]"}
MISSING = "(missing)"

# a cell: (population, classification, category); a population is ("stage", k) for the
# entrants of stage k (0: the applicants; len(stages): those who passed the last stage),
# ("rated",), ("format", f), ("format_stage", f, k), ("rater", label); in a study with
# periods, ("period", p, k) for the entrants of stage k within period p and
# ("periods", "before" or "after", k) for those of the periods up to the change or after
Cell = tuple[tuple, tuple[str, ...], tuple[str, ...]]


def _hostile(folder: Path) -> Path:
    """The csv_messy study with a 3-person and a 12-person ethnic group among its rated."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", il.InterviewLabWarning)
        base = il.load_study(CORPUS / "csv_messy")
    cand = base.candidates.copy()
    rated = cand["candidate_id"].isin(base.ratings["candidate_id"].unique())
    pool = cand.index[rated & (cand["ethnicity"] != "White") & cand["ethnicity"].notna()]
    tiny, twelve = pool[:3], pool[3:15]
    cand.loc[tiny, "ethnicity"] = "Tiny group"
    cand.loc[twelve, "ethnicity"] = "Twelve group"
    # the tiny group: all three screened, two interviewed, one offered
    stages = base.stages
    outcomes = pd.DataFrame([[1, 1, 1], [1, 1, 0], [1, 0, 0]], index=tiny, columns=stages)
    cand.loc[tiny, stages] = outcomes.astype(cand[stages].dtypes.to_dict())
    study = il.Study(
        meta={**base.meta, "name": "hostile"},
        candidates=cand,
        ratings=base.ratings,
        raters=base.raters,
    )
    return study.save(folder / "hostile")


STUDIES = {
    "demo": lambda tmp: "demo",
    "hostile": _hostile,
    "csv_messy": lambda tmp: str(CORPUS / "csv_messy"),
    "other_groups": lambda tmp: str(CORPUS / "other_groups"),
}
#: the rest of the corpus (tests/test_corpus.py), attacked when INTERVIEWLAB_ATTACK_CORPUS=1:
#: each study costs a ``report all`` run
REST_OF_CORPUS = ("workbook/workbook.xlsx", "live_only", "async_only", "minimal", "recordings",
                  "requisitions", "rounds")  # fmt: skip
if os.environ.get("INTERVIEWLAB_ATTACK_CORPUS") == "1":
    for _name in REST_OF_CORPUS:
        STUDIES[_name.split("/")[0]] = lambda tmp, _name=_name: str(CORPUS / _name)


@pytest.fixture(scope="module", params=list(STUDIES))
def published(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every report of one study, run once as a user runs them."""
    tmp = tmp_path_factory.mktemp(request.param)
    study = str(STUDIES[request.param](tmp))
    out = tmp / "reports"
    command = [sys.executable, "-m", "interviewlab.cli", "report", "all", "--study", study,
               "--out", str(out), "--quiet"]  # fmt: skip
    for key, value in FAST.items():
        command += ["-p", key, value]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", il.InterviewLabWarning)
        loaded = il.load_study(study)
    folders = [  # the reports on the study (not the demonstrations on simulated data)
        p
        for p in out.iterdir()
        if (p / "provenance.json").is_file()
        and not json.loads((p / "provenance.json").read_text())["simulated"]
    ]
    protected = Disclosure.from_study(loaded, min_cell_size=N).apply(loaded)
    return {"name": request.param, "study": protected, "folders": folders, "out": out,
            "stdout": done.stdout}  # fmt: skip


# ---------------------------------------------------------------------- the truth


def _truth(study: il.Study) -> dict[Cell, float]:
    """Every cell's true count, from the study as the reports analyse it."""
    cand = study.candidates.reset_index(drop=True)
    groups = [g for g in study.group_columns if g in cand.columns]
    stages = [s for s in study.stages if s in cand.columns]
    pops: dict[tuple, np.ndarray] = {}
    entering = np.ones(len(cand), dtype=bool)
    for k, stage in enumerate(stages):
        pops[("stage", k)] = entering.copy()
        entering = entering & (cand[stage].to_numpy() == 1)
    pops[("stage", len(stages))] = entering.copy()
    period = study.period_column
    if period is not None and period in cand.columns:
        values = cand[period].astype(object).astype(str).to_numpy()
        order = [str(p) for p in study.periods]
        cut = order.index(str(study.change_after)) if study.change_after in order else None
        for k in range(len(stages) + 1):
            for p in order:
                pops[("period", p, k)] = pops[("stage", k)] & (values == p)
            if cut is not None:
                before = np.isin(values, order[: cut + 1])
                pops[("periods", "before", k)] = pops[("stage", k)] & before
                pops[("periods", "after", k)] = pops[("stage", k)] & ~before
    ids = cand["candidate_id"].astype(str)
    r = study.ratings
    pops[("rated",)] = ids.isin(r["candidate_id"].astype(str)).to_numpy()
    for f in study.formats:
        pops[("format", f)] = ids.isin(r.loc[r["format"] == f, "candidate_id"]).to_numpy()
        if "format_order" in cand.columns:
            took = cand["format_order"].astype(str).isin([f, f"{f} only"]).to_numpy()
            for k in range(len(stages) + 1):
                pops[("format_stage", f, k)] = took & pops[("stage", k)]
    if study.raters is not None:
        for col in groups:
            if col in study.raters.columns:
                of = study.raters.set_index("rater_id")[col]
                by = r.assign(_g=r["rater_id"].map(of).fillna("not recorded"))
                for label, part in by.groupby("_g"):
                    pops[("rater", str(label))] = ids.isin(part["candidate_id"]).to_numpy()
    labels = {g: cand[g].astype(object).where(cand[g].notna(), MISSING).astype(str) for g in groups}
    classes: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for g in groups:
        classes[(g,)] = [(v,) for v in labels[g]]
    for i, a in enumerate(groups):
        for b in groups[i + 1 :]:
            pair = []
            for x, y in zip(labels[a], labels[b], strict=True):
                pair.append((MISSING, MISSING) if MISSING in (x, y) else (x, y))
            classes[(a, b)] = pair
    out: dict[Cell, float] = {}
    for pop, mask in pops.items():
        for cls, values in classes.items():
            counts: dict[tuple[str, ...], int] = defaultdict(int)
            for v, m in zip(values, mask, strict=True):
                if m:
                    counts[v] += 1
            for v, n in counts.items():
                out[(pop, cls, v)] = n
    return out


# ---------------------------------------------------------------------- the attacker


@dataclass
class Published:
    """What the attacker reads: counts, sums of counts, totals, means, hidden cells."""

    facts: dict[Cell, float] = field(default_factory=dict)
    pair_sums: list[tuple[Cell, Cell, float]] = field(default_factory=list)
    totals: dict[tuple, float] = field(default_factory=dict)
    means: dict[Cell, tuple[float, float]] = field(default_factory=dict)
    mean_totals: dict[tuple, tuple[float, float]] = field(default_factory=dict)
    rates: dict[Cell, float] = field(default_factory=dict)
    hidden: set[Cell] = field(default_factory=set)
    hidden_rows: list[tuple[str, dict]] = field(default_factory=list)
    partial_rows: list[tuple[str, dict]] = field(default_factory=list)
    references: list[tuple[str, Cell]] = field(default_factory=list)
    categories: dict[tuple[str, ...], set[tuple[str, ...]]] = field(
        default_factory=lambda: defaultdict(set)
    )

    def add(self, cell: Cell, value: float, where: str, hidden: bool) -> None:
        self.categories[cell[1]].add(cell[2])
        if hidden:
            self.hidden.add(cell)
        elif not math.isnan(value):
            self.facts[cell] = value


def _num(value: str) -> float:
    value = value.strip().lstrip("'")
    try:
        return float(value)
    except ValueError:
        return math.nan


def _label(value: str) -> str:
    value = value.lstrip("'") if value.startswith("'") else value
    return MISSING if value in ("", "unknown", "(missing)") else value


def _tables(folders: list[Path]) -> dict[str, pd.DataFrame]:
    return {
        f"{folder.name.split('-')[0]}/{p.stem}": pd.read_csv(p, dtype=str, keep_default_na=False)
        for folder in folders
        for p in sorted((folder / "tables").glob("*.csv"))
    }


def _row_category(row: pd.Series, cls: tuple[str, ...], generic: str | None) -> tuple[str, ...]:
    """The row's category: from the group columns, else (blanked in a suppressed row)
    from the generic ``category`` column, crossed categories joined by " × "."""
    if all(c in row.index and row[c] for c in cls):
        values = tuple(_label(row[c]) for c in cls)
    elif "category" in row.index and row["category"]:
        parts = tuple(_label(v) for v in row["category"].split(" × "))
        # a crossed category names its groups in the order of the table's columns,
        # which need not be the study's order of group columns
        order = [c for c in row.index if c in cls]
        if len(parts) == len(cls) and sorted(order) == sorted(cls):
            values = tuple(dict(zip(order, parts, strict=True))[c] for c in cls)
        else:
            values = parts if len(parts) == len(cls) else (MISSING,) * len(cls)
    elif generic and generic in row.index:
        return (_label(row[generic]),)
    else:
        values = (MISSING,) * len(cls)
    if len(cls) == 2 and MISSING in values:
        return (MISSING, MISSING)
    return values


def _classification(name: str, table: pd.DataFrame, groups: list[str]) -> tuple[str, ...]:
    named = tuple(g for g in groups if g in table.columns)
    if named:
        return named[:2]
    for g in sorted(groups, key=len, reverse=True):
        if name.endswith(f"_{g}"):
            return (g,)
    return ()


@dataclass(frozen=True)
class _Row:
    """One row of a published table, as the attacker reads it."""

    name: str  # report/table
    table: str
    frame: pd.DataFrame
    row: pd.Series
    hidden: bool
    cls: tuple[str, ...]
    stages: list[str]
    formats: list[str]
    period: str | None = None


def _read(published: dict) -> Published:
    """Every count, total, mean and rate of every table of every report."""
    study = published["study"]
    groups = [g for g in study.group_columns if g in study.candidates.columns]
    stages, formats = list(study.stages), list(study.formats)
    period = study.period_column
    pub = Published()
    for name, t in _tables(published["folders"]).items():
        table = name.split("/")[1]
        hidden = t.get("suppressed", pd.Series("False", index=t.index)).str.strip() == "True"
        # a row whose passers alone are hidden shows its entrants: read as shown
        partly = t.get("suppression", pd.Series("", index=t.index)).str.strip() == "passers hidden"
        for i in t.index[partly]:
            pub.partial_rows.append((name, dict(t.loc[i])))
        hidden &= ~partly
        cls = _classification(table, t, groups)
        for i, row in t.iterrows():
            r = _Row(name, table, t, row, bool(hidden[i]), cls, stages, formats, period)
            if r.hidden:
                pub.hidden_rows.append((name, dict(row)))
            for reader in _READERS:
                if reader(pub, r):
                    break
    _sentences(pub, published, stages, groups)
    return pub


def _period_row(pub: Published, r: _Row) -> bool:
    """Reports over time: a stage's passers per period among the period's applicants
    (rates), pooled over the periods (trend) or before and after the change (change)."""
    row, period = r.row, r.period
    if "stage" not in r.frame.columns or row["stage"] not in r.stages or not r.cls:
        return False
    k = r.stages.index(row["stage"])
    if period and period in r.frame.columns:
        p = str(row[period]).lstrip("'")
        cat = _row_category(row, r.cls, "category")
        pub.add((("period", p, 0), r.cls, cat), _num(row["n"]), r.name, r.hidden)
        pub.add((("period", p, k + 1), r.cls, cat), _num(row["selected"]), r.name, r.hidden)
        return True
    if not row.get("category", ""):
        return r.table.startswith(("trend_", "change_"))  # a test over every group
    if r.table.startswith("trend_"):
        cat = (_label(row["category"]),)
        pub.add((("stage", 0), r.cls, cat), _num(row["n"]), r.name, r.hidden)
        return True
    if r.table.startswith("change_"):
        cat = (_label(row["category"]),)
        for side in ("before", "after"):
            n, x = _num(row[f"n_{side}"]), _num(row[f"selected_{side}"])
            pub.add((("periods", side, 0), r.cls, cat), n, r.name, r.hidden)
            pub.add((("periods", side, k + 1), r.cls, cat), x, r.name, r.hidden)
        return True
    return False


def _stage_row(pub: Published, r: _Row) -> bool:
    """Audit, funnel, crossed audit: a stage's entrants, its passers, the applicants."""
    row = r.row
    if "stage" not in r.frame.columns or row["stage"] not in r.stages or not r.cls:
        return False
    if r.table.startswith("pooled_") or any(f"n_{f}" in r.frame.columns for f in r.formats):
        return False  # pooled: counts within informative requisitions; per format: below
    k = r.stages.index(row["stage"])
    cat = _row_category(row, r.cls, "category" if "category" in r.frame else "group")
    n = _num(row.get("n", row.get("entered", "")))
    passed = _num(row.get("selected", row.get("passed", "")))
    rate = _num(row.get("rate", row.get("stage_rate", "")))
    if math.isnan(passed) and not math.isnan(rate) and not math.isnan(n):
        passed = round(rate * n, 6)  # ratio attack: rate x base
    pub.add((("stage", k), r.cls, cat), n, r.name, r.hidden)
    pub.add((("stage", k + 1), r.cls, cat), passed, r.name, r.hidden)
    if "applicants" in r.frame.columns:
        pub.add((("stage", 0), r.cls, cat), _num(row["applicants"]), r.name, r.hidden)
    if not r.hidden:
        _rates(pub, row, ("stage", k), r.cls, cat)
    return True


def _format_stage_row(pub: Published, r: _Row) -> bool:
    """Impact by format: each format's entrants of a stage, and its passers (rate x n)."""
    per_format = [f for f in r.formats if f"n_{f}" in r.frame.columns]
    if "stage" not in r.frame.columns or not per_format or r.row["stage"] not in r.stages:
        return False
    k = r.stages.index(r.row["stage"])
    cat = _row_category(r.row, r.cls, "group")
    for f in per_format:
        n = _num(r.row[f"n_{f}"])
        pub.add((("format_stage", f, k), r.cls, cat), n, r.name, r.hidden)
        rate = _num(r.row.get(f"rate_{f}", ""))
        passed = round(rate * n, 6) if not (math.isnan(rate) or math.isnan(n)) else math.nan
        pub.add((("format_stage", f, k + 1), r.cls, cat), passed, r.name, r.hidden)
    return True


def _totals_row(pub: Published, r: _Row) -> bool:
    """The stage totals, and the format totals with their mean scores."""
    row = r.row
    if r.table == "stages":
        k = r.stages.index(row["stage"])
        pub.totals[("stage", k)] = _num(row["n_entering"])
        if k == len(r.stages) - 1:
            pub.totals[("stage", k + 1)] = _num(row["n_passing"])
        return True
    if r.table in ("design_summary", "ratings_per_format", "mean_score_by_format"):
        n = _num(row.get("n_candidates", row.get("n", "")))
        pub.totals[("format", row["format"])] = n
        if "mean" in r.frame.columns:
            pub.mean_totals[("format", row["format"])] = (n, _num(row["mean"]))
        return True
    return not r.cls  # nothing else to read in a table without groups


def _format_row(pub: Published, r: _Row) -> bool:
    """Format x group tables (counts and means), and the format-effects table."""
    row = r.row
    if "format" in r.frame.columns and row.get("format") in r.formats and "n" in r.frame:
        cell = (("format", row["format"]), r.cls, _row_category(row, r.cls, "group"))
        pub.add(cell, _num(row["n"]), r.name, r.hidden)
        if "mean" in r.frame.columns and not r.hidden:
            pub.means[cell] = (_num(row["n"]), _num(row["mean"]))
        return True
    if not (r.table.startswith("format_effects_") and row.get("group")):
        return False
    cat, n = (_label(row["group"]),), _num(row["n_candidates"])
    if row.get("kind") == "gap" and row.get("format") in r.formats:
        ref = _reference_of(r.frame, r.cls)
        if ref is not None and not math.isnan(n):  # a gap's candidates: group + reference
            f = ("format", row["format"])
            pub.pair_sums.append(((f, r.cls, cat), (f, r.cls, ref), n))
    elif row.get("kind") == "format":
        pub.add((("rated",), r.cls, cat), n, r.name, r.hidden)
    return True


def _rated_row(pub: Published, r: _Row) -> bool:
    """Tables of the candidates rated: score gaps, scoring rates, question gaps, panels."""
    row, t = r.row, r.table
    if t.startswith(("score_gaps_", "scoring_rates_")) and "n" in r.frame.columns:
        cell = (("rated",), r.cls, _row_category(row, r.cls, "group"))
        pub.add(cell, _num(row["n"]), r.name, r.hidden)
        if "mean" in r.frame.columns and not r.hidden:
            pub.means[cell] = (_num(row["n"]), _num(row["mean"]))
        return True
    if t.startswith("question_gaps_"):
        cell = (("rated",), r.cls, (_label(row["group"]),))
        pub.add(cell, _num(row["n_group"]), r.name, r.hidden)
        return True
    if t == "panel_composition":
        cat = (_label(row[r.cls[0]]),)
        rater = ("rater", row[f"rater_{r.cls[0]}"])
        pub.add((rater, r.cls, cat), _num(row["n_candidates"]), r.name, r.hidden)
        pub.add((("rated",), r.cls, cat), _num(row["candidates_in_group"]), r.name, r.hidden)
        return True
    return False


def _applicants_row(pub: Published, r: _Row) -> bool:
    """Candidates by group, access to the process, completion of the async step."""
    row, t = r.row, r.table
    if t.startswith("candidates_by_"):
        cell = (("stage", 0), r.cls, _row_category(row, r.cls, None))
        pub.add(cell, _num(row["n_candidates"]), r.name, r.hidden)
        return True
    if t.startswith("async_completion_"):
        cat, f = (_label(row["category"]),), r.formats[0]
        pub.add((("format_stage", f, 0), r.cls, cat), _num(row["n"]), r.name, r.hidden)
        pub.add((("format_stage", f, 1), r.cls, cat), _num(row["selected"]), r.name, r.hidden)
        return True
    if t == "process_access" and row.get("n_missing", "") == "0":
        cell = (("stage", 0), r.cls, (_label(row["category"]),))
        pub.add(cell, _num(row["n"]), r.name, r.hidden)
        return True
    return False


_READERS = (
    _period_row,
    _format_stage_row,
    _stage_row,
    _totals_row,
    _format_row,
    _rated_row,
    _applicants_row,
)


def _reference_of(table: pd.DataFrame, cls: tuple[str, ...]) -> tuple[str, ...] | None:
    """The reference group of a format-effects table, from its gap rows' effect text."""
    for effect in table.get("effect", pd.Series(dtype=str)):
        match = re.search(r"group gap \(.* - (.*)\),", effect)
        if match:
            return (match.group(1),)
    return None


def _rates(pub: Published, row: pd.Series, pop: tuple, cls: tuple, cat: tuple) -> None:
    """Ratio attacks: the rates a shown stage row gives away (its own and its reference's)."""
    ref_rate = _num(row.get("reference_rate", ""))
    ratio = _num(row.get("impact_ratio", ""))
    for col in ("reference", "stage_reference"):
        ref = row.get(col, "")
        if ref and ref != "overall":
            ref_cat = tuple(_label(v) for v in ref.split(" × "))
            pub.references.append((ref, (pop, cls, ref_cat if len(ref_cat) == len(cls) else ())))
            if not math.isnan(ref_rate):
                pub.rates[(pop, cls, ref_cat)] = ref_rate
    if not math.isnan(ref_rate) and not math.isnan(ratio):
        pub.rates[(pop, cls, cat)] = ref_rate * ratio


def _sentences(pub: Published, published: dict, stages: list[str], groups: list[str]) -> None:
    """The audit's sentences: 'stage, column = group: x of n passed'."""
    for folder in published["folders"]:
        page = folder / "adverse_impact_audit.html"
        if not page.is_file():
            continue
        text = re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))
        pattern = r"([\w ]+), (\w+) = ([^:<]+): (\d+) of (\d+) passed"
        for stage, col, cat, x, n in re.findall(pattern, text):
            stage = stage.strip().replace(" ", "_")
            if stage in stages and col in groups:
                k = stages.index(stage)
                cell = (("stage", k), (col,), (cat.strip().replace("&amp;", "&"),))
                pub.facts[cell] = float(n)
                pub.facts[(("stage", k + 1), cell[1], cell[2])] = float(x)


# ---------------------------------------------------------------------- the attacks


def _targets(pub: Published, truth: dict[Cell, float], stages: list[str]) -> set[Cell]:
    """The small cells some table touches: 1 to N-1 people in a margin."""
    cells = set(pub.hidden) | set(pub.facts)
    return {c for c in cells if _is_margin(c[0], len(stages)) and 0 < truth.get(c, 0) < N}


def _is_margin(pop: tuple, n_stages: int) -> bool:
    """Whether the population is a margin (those who passed the last stage are not: they
    are the outcome of its entrants, shown when their row rests on N or more)."""
    if pop[0] in ("stage", "format_stage"):
        return pop[-1] != n_stages
    if pop[0] == "period":  # a period's applicants are the base of its rates
        return pop[-1] == 0
    return pop[0] in _BASES


_BASES = ("rated", "format", "rater")


def _system(pub: Published, truth: dict[Cell, float], design_between: bool):
    """Equations over cells: published values, totals, formats, crossed groups, pairs."""
    cells = sorted(
        {c for c in truth if c[1] in pub.categories} | set(pub.facts) | set(pub.hidden),
        key=repr,
    )
    index = {c: i for i, c in enumerate(cells)}
    rows, values = [], []

    def equation(terms: dict[Cell, float], value: float) -> None:
        if all(c in index for c in terms):
            row = np.zeros(len(cells))
            for c, w in terms.items():
                row[index[c]] += w
            rows.append(row)
            values.append(value)

    for cell, value in pub.facts.items():
        equation({cell: 1.0}, value)
    for a, b, value in pub.pair_sums:
        equation({a: 1.0, b: 1.0}, value)
    by_pop: dict[tuple, dict[tuple, list[Cell]]] = defaultdict(lambda: defaultdict(list))
    for c in cells:
        by_pop[c[1]][c[0]].append(c)
    for cls, pops in by_pop.items():
        for pop, members in pops.items():
            if pop in pub.totals:
                equation(dict.fromkeys(members, 1.0), pub.totals[pop])
            if len(cls) == 2:
                continue
        # formats add up to the candidates rated (each rated in one format)
        if design_between:
            for cat in pub.categories[cls]:
                fs = [c for p, m in pops.items() if p[0] == "format" for c in m if c[2] == cat]
                rated = (("rated",), cls, cat)
                if fs and rated in index:
                    equation({rated: -1.0, **dict.fromkeys(fs, 1.0)}, 0.0)
    # crossed groups add up to single groups, where no one's group is unknown (the
    # crossed tables pool everyone with an unknown group in either column in one row)
    pooled = (MISSING, MISSING)
    for cls in [c for c in pub.categories if len(c) == 2]:
        for pop in {c[0] for c in cells if c[1] == cls}:
            if truth.get((pop, cls, pooled), 0) > 0:
                continue
            for pos in (0, 1):
                single = (cls[pos],)
                for cat in pub.categories.get(single, set()):
                    parts = [
                        c for c in cells if c[1] == cls and c[0] == pop and c[2][pos] == cat[0]
                    ]
                    if parts and (pop, single, cat) in index:
                        equation({(pop, single, cat): -1.0, **dict.fromkeys(parts, 1.0)}, 0.0)
    # the periods add up to the stage, and so do the periods before and after a change
    for c in cells:
        pop, cls, cat = c
        if pop[0] != "stage" or len(cls) != 1:
            continue
        for kind in ("period", "periods"):
            parts = [d for d in index if d[0][0] == kind and (d[0][-1], *d[1:]) == (pop[1], *c[1:])]
            total = sum(truth.get(d, 0.0) for d in parts)
            if parts and total == truth.get(c, 0.0):  # every candidate has a period
                equation({c: -1.0, **dict.fromkeys(parts, 1.0)}, 0.0)
    a = np.vstack(rows) if rows else np.zeros((0, len(cells)))
    return cells, index, a, np.array(values)


def _determined(a: np.ndarray, i: int) -> bool:
    unit = np.zeros(a.shape[1])
    unit[i] = 1.0
    if not len(a):
        return False
    return np.linalg.matrix_rank(np.vstack([a, unit])) == np.linalg.matrix_rank(a)


def _parents(cell: Cell) -> list[Cell]:
    """The cells ``cell`` is part of: the attacker knows it is no larger than them."""
    pop, cls, cat = cell
    out = []
    if pop[0] == "stage" and pop[1] > 0:
        out.append((("stage", pop[1] - 1), cls, cat))
    if pop[0] == "format_stage":
        out.append((("stage", pop[2]), cls, cat))
        if pop[2] > 0:
            out.append((("format_stage", pop[1], pop[2] - 1), cls, cat))
    if pop[0] in ("format", "rater"):
        out.append((("rated",), cls, cat))
    if pop[0] in ("period", "periods"):
        out.append((("stage", pop[-1]), cls, cat))
        if pop[-1] > 0:
            out.append(((*pop[:-1], pop[-1] - 1), cls, cat))
    if len(cls) == 2 and MISSING not in cat:
        out += [(pop, (cls[0],), (cat[0],)), (pop, (cls[1],), (cat[1],))]
    return out


def _nesting(cells: list[Cell], index: dict[Cell, int]) -> np.ndarray | None:
    rows = []
    for c in cells:
        for parent in _parents(c):
            if parent in index:
                row = np.zeros(len(cells))
                row[index[c]], row[index[parent]] = 1.0, -1.0
                rows.append(row)
    return np.vstack(rows) if rows else None


def _bounds(a, b, nesting, i: int) -> tuple[float, float]:
    """Smallest and largest value of cell ``i`` (inf: unbounded) given the equations,
    counts never negative and each cell no larger than the cells it is part of."""
    out = []
    for sign in (1.0, -1.0):
        cost = np.zeros(a.shape[1])
        cost[i] = sign
        res = linprog(cost, A_ub=nesting, b_ub=None if nesting is None else np.zeros(len(nesting)),
                      A_eq=a, b_eq=b, bounds=(0, None), method="highs")  # fmt: skip
        assert res.status in (0, 3), res.message  # solved, or unbounded above
        out.append(sign * res.fun if res.status == 0 else math.inf)
    return out[0], out[1]


def _between(study: il.Study) -> bool:
    per = study.ratings.groupby("candidate_id")["format"].nunique()
    return bool((per == 1).all())


# ---------------------------------------------------------------------- the tests


def test_no_small_cell_is_printed(published: dict) -> None:
    """Direct and chain attack: a small cell never appears as a shown figure."""
    pub = _read(published)
    truth = _truth(published["study"])
    targets = _targets(pub, truth, list(published["study"].stages))
    assert targets or published["name"] != "hostile"
    shown = {c: pub.facts[c] for c in targets if c in pub.facts}
    assert not shown, sorted(shown.items(), key=repr)[:10]


def test_hidden_rows_show_no_figure(published: dict) -> None:
    """A suppressed row keeps its labels and nothing else: no count, rate or ratio."""
    figures = ("n", "selected", "passed", "entered", "applicants", "rate", "impact_ratio",
               "mean", "n_focal", "n_reference", "reference_rate", "crude_impact_ratio",
               "crude_odds_ratio", "odds_ratio", "estimate", "n_candidates", "n_units",
               "d", "stage_rate", "cumulative_rate", "share", "p_value", "p_fisher")  # fmt: skip
    pub = _read(published)
    for name, row in pub.hidden_rows:
        shown = {k: v for k, v in row.items() if k in figures and v.strip()}
        assert not shown, (name, shown)
    # a row whose passers are hidden shows its entrants' counts and nothing else
    counts = {"n", "entered", "applicants", "n_focal", "n_reference", "n_before", "n_after"}
    for name, row in pub.partial_rows:
        shown = {k: v for k, v in row.items() if k in figures and v.strip()}
        assert set(shown) <= counts | {k for k in row if k.startswith("n_")}, (name, shown)


def test_no_comparison_with_a_small_hidden_group(published: dict) -> None:
    """Ratio attack: no shown row is compared with a small group (its rate would show)."""
    pub = _read(published)
    truth = _truth(published["study"])
    small = _targets(pub, truth, list(published["study"].stages))
    leaks = [(ref, cell) for ref, cell in pub.references if cell in small]
    assert not leaks, leaks[:5]
    rates = {c: r for c, r in pub.rates.items() if c in small}
    assert not rates, rates


def test_no_small_cell_by_subtraction_or_bounds(published: dict) -> None:
    """Subtraction from every total and margin, their linear combinations, and bounds."""
    pub = _read(published)
    study = published["study"]
    truth = _truth(study)
    targets = _targets(pub, truth, list(study.stages))
    cells, index, a, b = _system(pub, truth, _between(study))
    # the attacker's reading of the tables is right: the truth satisfies every equation
    truth_vector = np.array([truth.get(c, 0.0) for c in cells])
    wrong = np.flatnonzero(np.abs(a @ truth_vector - b) > 1e-6)
    assert not len(wrong), [(b[i], [cells[j] for j in np.flatnonzero(a[i])][:4]) for i in wrong]
    determined = [c for c in targets if c in index and _determined(a, index[c])]
    assert not determined, sorted(determined, key=repr)[:10]
    nesting = _nesting(cells, index)
    narrow = []
    for c in sorted(targets, key=repr):
        if c in index:
            low, high = _bounds(a, b, nesting, index[c])
            if high - low < 0.5:
                narrow.append((c, low, high))
    assert not narrow, narrow[:10]


def _sums(pub: Published, truth: dict[Cell, float], design_between: bool):
    """Equations over the score sums (n x mean) of the format and rated cells."""
    cells = sorted(
        {c for c in truth if c[0][0] in ("format", "rated") and c[1] in pub.categories},
        key=repr,
    )
    index = {c: i for i, c in enumerate(cells)}
    rows, values = [], []
    for cell, (n, mean) in pub.means.items():
        if cell in index:  # a shown cell: its sum is n x mean
            row = np.zeros(len(cells))
            row[index[cell]] = 1.0
            rows.append(row)
            values.append(n * mean)
    for pop, (n, mean) in pub.mean_totals.items():  # a format's total sum
        for cls in [c for c in pub.categories if len(c) == 1]:
            row = np.array([1.0 if c[0] == pop and c[1] == cls else 0.0 for c in cells])
            if row.any():
                rows.append(row)
                values.append(n * mean)
    if design_between:  # a candidate's mean is their only format's: sums add up
        for c in cells:
            if c[0] == ("rated",):
                row = np.array([1.0 if d == c else 0.0 for d in cells])
                for d in cells:
                    if d[0][0] == "format" and d[1:] == c[1:]:
                        row[index[d]] = -1.0
                rows.append(row)
                values.append(0.0)
    a = np.vstack(rows) if rows else np.zeros((0, len(cells)))
    return index, a, np.array(values)


def test_no_hidden_mean_by_subtraction(published: dict) -> None:
    """Mean attack: no small cell's mean follows from the means and counts shown.

    A format's mean and count, the shown cells' means and counts, and the candidates
    rated (whose mean is their one format's, in a between design) give equations in the
    cells' score sums; a small cell's mean is recovered when its sum and its count both
    follow from them.
    """
    pub = _read(published)
    study = published["study"]
    truth = _truth(study)
    targets = _targets(pub, truth, list(study.stages))
    between = _between(study)
    index, a, _b = _sums(pub, truth, between)
    _cells, count_index, counts, _values = _system(pub, truth, between)
    recovered = [
        c
        for c in targets
        if c in index
        and _determined(a, index[c])
        and c in count_index
        and _determined(counts, count_index[c])
    ]
    assert not recovered, recovered[:5]
    # the simplest form, as the issue states it: one hidden cell in a format
    for pop, (total_n, _mean) in pub.mean_totals.items():
        for cls in [c for c in pub.categories if len(c) == 1]:
            cats = {c for c in truth if c[0] == pop and c[1] == cls}
            hidden = cats - set(pub.means)
            if len(hidden) == 1:
                (cell,) = hidden
                n = total_n - sum(pub.means[c][0] for c in cats - hidden)
                assert n != truth[cell] or truth[cell] >= N, (cell, "count recovered")


def test_the_plan_is_written_and_identical_in_every_report(published: dict) -> None:
    plans = set()
    for folder in published["folders"]:
        written = json.loads((folder / "disclosure.json").read_text())
        written.pop("information_loss")
        plans.add(json.dumps(written, sort_keys=True))
    assert len(plans) == 1
    for folder in published["folders"]:
        provenance = json.loads((folder / "provenance.json").read_text())
        assert 0 <= provenance["information_loss"]["share"] <= 1


# ---------------------------------------------------------------------- proportionality


def _demo_only(published: dict) -> None:
    if published["name"] != "demo":
        pytest.skip("proportionality is checked on the demo")


def _table(published: dict, report: str, name: str) -> pd.DataFrame:
    folder = next(f for f in published["folders"] if f.name.startswith(report))
    return pd.read_csv(folder / "tables" / f"{name}.csv", dtype=str, keep_default_na=False)


def test_demo_appointed_stage_shows_women_and_men(published: dict) -> None:
    _demo_only(published)
    audit = _table(published, "adverse_impact_audit", "audit_ugesp_sex")
    appointed = audit[audit["stage"] == "appointed"]
    shown = appointed.loc[appointed["suppressed"] == "False", "category"].tolist()
    assert "female" in shown and any(c.startswith("male") for c in shown), appointed


def test_fewer_than_n_only_on_small_rows(published: dict) -> None:
    """No suppressed row of 2N or more people says "fewer than N".

    Checked on the stage rows of the full tables against the true counts, and on every
    page: a reader table's footnote says "fewer than" only under a table with a cell
    marked for that reason.
    """
    for folder in published["folders"]:
        page = next(folder.glob("*.html")).read_text(encoding="utf-8")
        for block in page.split('<div class="il-table">')[1:]:
            table, _, notes = block.partition('<p class="il-footnote">')
            if "fewer than" in notes.split("</div>")[0]:
                assert "–*" in table, folder.name
    truth = _truth(published["study"])
    stages = list(published["study"].stages)
    groups = list(published["study"].group_columns)
    period = published["study"].period_column
    for name, row in _read(published).hidden_rows:
        if row.get("suppression", "").startswith("fewer than") and row.get("stage") in stages:
            k = stages.index(row["stage"])
            cls = _classification(name.split("/")[1], pd.DataFrame(columns=list(row)), groups)
            if not cls or "category" not in row:
                continue
            cat = _row_category(pd.Series(row), cls, "category")
            # the row's count: a stage's entrants, or (over time) a period's applicants,
            # or those of the periods before or after the change
            pops = [("stage", k)]
            if period and row.get(period, ""):
                pops = [("period", row[period].lstrip("'"), 0)]
            elif "n_before" in row:
                pops = [("periods", "before", 0), ("periods", "after", 0)]
            smallest = min(truth.get((pop, cls, cat), 0) for pop in pops)
            assert smallest < 2 * N, (name, row["category"])


def test_demo_information_loss(published: dict) -> None:
    """The demo audit hides few cells: under 10% of them, and of the people they count."""
    _demo_only(published)
    folder = next(f for f in published["folders"] if f.name.startswith("adverse_impact"))
    loss = json.loads((folder / "disclosure.json").read_text())["information_loss"]
    assert loss["share"] < 0.10, loss
    assert loss["share_cells"] < 0.10, loss  # cells hidden (rows showing entrants only: shown)
    assert "Information loss" in published["stdout"]
