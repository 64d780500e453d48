"""Several reports at once: the longest first, each in a fresh process from a warm server.

``interviewlab report all`` runs every notebook. Started from a bare interpreter, each
report's worker spends about 2 s of CPU importing papermill, nbconvert and Typst, and each
kernel about 1.5 s more importing pandas, SciPy, statsmodels, IPython and interviewlab:
on a 2-core machine that was over a third of ``make report``. Here a fork server imports
all of them once (:mod:`interviewlab.reporting._warm`) and forks one fresh worker per
report; the worker forks the report's kernel from itself before papermill starts
(:mod:`interviewlab.reporting.kernels`). Each notebook still runs in a kernel of its own.

Every process of the batch ends with the process that runs it, however that ends
(``kill -9`` included; :mod:`interviewlab._lifeline`): on Linux the fork server, each
worker and each kernel are killed by the operating system when their parent ends, and a
worker whose ``report all`` process has ended writes nothing into ``--out``.

The reports start in the order of their notebooks' ``expected_seconds`` (metadata
``interviewlab.expected_seconds``, measured on the demo study), the longest first, so
that no long report starts last and runs alone on an idle machine.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

from interviewlab._lifeline import parent_death_signal, watch
from interviewlab.errors import InterviewLabError, ReportNotApplicable
from interviewlab.reporting.runner import _notebook_path, run_report

__all__ = ["ReportOutcome", "expected_seconds", "run_reports"]

#: the modules the fork server imports once: its lifeline, then papermill, nbconvert, Typst
#: and the kernel's libraries
PRELOAD = ("interviewlab.reporting._forkserver", "interviewlab.reporting._warm")


def expected_seconds(name: str) -> float:
    """The notebook's ``expected_seconds`` hint (0 if it has none); used only for order.

    Examples
    --------
    >>> expected_seconds("reliability") > expected_seconds("study_overview")
    True
    """
    notebook = json.loads(_notebook_path(name).read_text(encoding="utf-8"))
    hint = notebook.get("metadata", {}).get("interviewlab", {}).get("expected_seconds", 0)
    return float(hint) if isinstance(hint, int | float) else 0.0


@dataclass(frozen=True)
class ReportOutcome:
    """What became of one report of a batch.

    ``status`` is ``"written"`` (``folder`` is the report folder), ``"skipped"`` (the
    report does not apply to the study; ``reason`` says why) or ``"failed"`` (``reason``
    is the error). ``simulated`` marks a demonstration for trainers (simulated or
    published data) that did not use the study (``panel_training``, ``published_cases``).
    """

    name: str
    status: Literal["written", "skipped", "failed"]
    study: str | None
    folder: Path | None = None
    reason: str = ""
    simulated: bool = False


def _outcome(name: str, options: Mapping[str, Any], run: Callable[[], Path]) -> ReportOutcome:
    """Run one report and say what became of it; an error becomes a failed outcome."""
    study = None if options.get("study") is None else str(options["study"])
    try:
        folder = run()
    except ReportNotApplicable as err:
        return ReportOutcome(name, "skipped", study, reason=err.reason)
    except Exception as err:  # any failure of one report is reported; the others go on
        return ReportOutcome(name, "failed", study, reason=_one_line(err))
    return ReportOutcome(name, "written", study, folder=folder, simulated=study is None)


def _one_line(err: BaseException) -> str:
    """An error as text for a console line and the index (its type when it has no text)."""
    text = str(err).strip()
    if isinstance(err, OSError) and err.filename and str(err.filename) not in text:
        text = f"{err.filename}: {text}"
    if isinstance(err, BrokenProcessPool):
        text = "the report's worker process ended unexpectedly (killed, or out of memory)"
    elif not isinstance(err, InterviewLabError):
        text = f"{type(err).__name__}: {text}" if text else type(err).__name__
    return text


def run_reports(
    tasks: Sequence[tuple[str, Mapping[str, Any]]], *, jobs: int, progress: bool
) -> list[ReportOutcome]:
    """Run the reports, ``jobs`` at a time; returns their outcomes in the tasks' order.

    Each task is a notebook name and the keyword arguments of :func:`run_report`. With
    ``jobs == 1`` (or one task) the reports run one after another in this process, each
    with a kernel papermill starts. A report that fails or does not apply does not stop
    the others: every report runs, and its outcome says what became of it.
    """
    if jobs == 1 or len(tasks) == 1:
        outcomes = []
        for name, options in tasks:
            print(f"Running report {name!r} ...", flush=True)
            outcomes.append(
                _outcome(name, options, partial(run_report, name, progress=progress, **options))
            )
        return outcomes
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from tqdm.auto import tqdm

    print(f"Running {len(tasks)} reports, {jobs} at a time ...", flush=True)
    order = sorted(range(len(tasks)), key=lambda i: -expected_seconds(tasks[i][0]))
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    done: dict[int, ReportOutcome] = {}
    # one fresh worker per report (max_tasks_per_child=1), so that each can fork its kernel
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, max_tasks_per_child=1, initializer=_start_worker
    ) as pool:
        # a fork server keeps the folder and environment it started with; each worker
        # takes this process's (relative paths, INTERVIEWLAB_* settings)
        here = (os.getcwd(), dict(os.environ))
        futures = {pool.submit(_report_in_worker, *tasks[i], here): i for i in order}
        with tqdm(total=len(tasks), desc="reports", unit="report", disable=not progress) as bar:
            for future in as_completed(futures):
                i = futures[future]
                done[i] = _outcome(*tasks[i], future.result)
                bar.set_postfix_str(tasks[i][0])
                bar.update()
    return [done[i] for i in range(len(tasks))]


def _start_worker() -> None:
    """Each worker, first: end with the process that runs the batch, however it ends.

    On Linux the worker is killed when its parent, the fork server, ends, and the fork
    server when the batch's process ends (:mod:`interviewlab.reporting._forkserver`);
    the batch's process may have ended already, before this request. Elsewhere a watchdog
    thread ends the worker when the batch's process has ended (a kernel can still be
    forked: the watchdog holds no lock).
    """
    batch = multiprocessing.parent_process()
    if batch is None:  # not a worker (a test calls it directly)
        return
    if not parent_death_signal():
        watch(batch.is_alive)
    elif not batch.is_alive():
        os._exit(1)


def _report_in_worker(
    name: str, options: Mapping[str, Any], here: tuple[str, dict[str, str]]
) -> Path:
    """One report in a fresh worker, its kernel forked from the worker before papermill runs."""
    from interviewlab.reporting.kernels import KernelInWaiting

    folder, environment = here
    os.chdir(folder)
    os.environ.clear()
    os.environ.update(environment)
    with KernelInWaiting() as kernel:
        return run_report(name, progress=False, kernel=kernel, **options)
