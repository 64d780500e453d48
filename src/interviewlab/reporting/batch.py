"""Several reports at once: the longest first, each in its own kernel, in a pool of workers.

``interviewlab report all`` runs every notebook. With ``jobs`` above 1 a pool of ``jobs``
worker processes runs them, the longest first, so that no long report starts last and
runs alone on an idle machine (the order comes from the notebooks' ``expected_seconds``,
metadata ``interviewlab.expected_seconds``, measured on the demo study). Each worker runs
one report at a time with :func:`~interviewlab.reporting.runner.run_report`, whose
papermill launches the report's Jupyter kernel the ordinary way: a new interpreter
running ``ipykernel`` from the ``python3`` kernelspec of this environment. A worker is
reused for the next report, so papermill and nbconvert are imported once per worker
(once in all, by the fork server, where there is one).

The pool's processes start by ``forkserver`` where the platform has it (Linux, the BSDs)
and by ``spawn`` elsewhere (Windows, and macOS's default); ``INTERVIEWLAB_START_METHOD``
chooses one of the platform's methods (e.g. ``spawn``, to run as on Windows).

No process of the batch outlives it, however it ends (``kill -9`` included): each worker
ends within a quarter of a second of the batch's process (a watchdog thread;
:mod:`interviewlab._lifeline`), a worker whose batch has ended writes nothing into
``--out``, each kernel ends within a second of its worker (ipykernel watches the process
that launched it), and the fork server once its workers have ended.
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
from interviewlab.reporting.parameters import notebook_path
from interviewlab.reporting.runner import run_report

__all__ = ["ReportOutcome", "expected_seconds", "run_reports", "start_method"]

#: the environment variable that chooses the pool's start method
START_METHOD_VARIABLE = "INTERVIEWLAB_START_METHOD"

#: what a fork server imports once for all its workers: the runner, papermill, nbconvert
PRELOAD = ("interviewlab.reporting.runner", "papermill", "nbconvert")


def expected_seconds(name: str) -> float:
    """The notebook's ``expected_seconds`` hint (0 if it has none); used only for order.

    Examples
    --------
    >>> expected_seconds("reliability") > expected_seconds("study_overview")
    True
    """
    notebook = json.loads(notebook_path(name).read_text(encoding="utf-8"))
    hint = notebook.get("metadata", {}).get("interviewlab", {}).get("expected_seconds", 0)
    return float(hint) if isinstance(hint, int | float) else 0.0


def start_method() -> str:
    """How the pool's workers start: ``forkserver`` where available, else ``spawn``.

    ``INTERVIEWLAB_START_METHOD`` chooses another of the platform's methods.

    Raises
    ------
    InterviewLabError
        When ``INTERVIEWLAB_START_METHOD`` names a method this platform does not have.

    Examples
    --------
    >>> start_method() in ("forkserver", "spawn")
    True
    """
    available = multiprocessing.get_all_start_methods()
    chosen = os.environ.get(START_METHOD_VARIABLE, "").strip()
    if chosen:
        if chosen not in available:
            raise InterviewLabError(
                f"{START_METHOD_VARIABLE}={chosen!r} is not a start method of this platform; "
                f"use one of {', '.join(available)} (or unset it)."
            )
        return chosen
    return "forkserver" if "forkserver" in available else "spawn"


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
    ``jobs == 1`` (or one task) the reports run one after another in this process; else
    in a pool of ``min(jobs, len(tasks))`` workers started by :func:`start_method`. Every
    report runs in a kernel of its own either way. A report that fails or does not apply
    does not stop the others: every report runs, and its outcome says what became of it.
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
    method = start_method()
    context = multiprocessing.get_context(method)
    if method == "forkserver":  # the workers are forked with the runner already imported
        context.set_forkserver_preload(list(PRELOAD))
    done: dict[int, ReportOutcome] = {}
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(tasks)),
        mp_context=context,
        initializer=_start_worker,
        # a fork server keeps the folder and environment it started with (an earlier
        # batch's): each worker takes this process's (relative paths, INTERVIEWLAB_*)
        initargs=(os.getcwd(), dict(os.environ)),
    ) as pool:
        futures = {pool.submit(_report_in_worker, *tasks[i]): i for i in order}
        with tqdm(total=len(tasks), desc="reports", unit="report", disable=not progress) as bar:
            for future in as_completed(futures):
                i = futures[future]
                done[i] = _outcome(*tasks[i], future.result)
                bar.set_postfix_str(tasks[i][0])
                bar.update()
    return [done[i] for i in range(len(tasks))]


def _start_worker(folder: str, environment: dict[str, str]) -> None:
    """Each worker, first: take the batch's folder and environment, and end with the batch.

    A watchdog thread ends the worker as soon as the batch's process has ended (it may
    have ended already, before this worker started). On Linux the worker also asks to be
    killed at once when its parent ends: the batch's process under ``spawn`` (under
    ``forkserver`` the parent is the fork server, which stays while a worker lives).
    """
    os.chdir(folder)
    os.environ.clear()
    os.environ.update(environment)
    batch = multiprocessing.parent_process()
    if batch is None:  # not a worker (a test calls it directly)
        return
    parent_death_signal()
    if not batch.is_alive():
        os._exit(1)
    watch(batch.is_alive)


def _report_in_worker(name: str, options: Mapping[str, Any]) -> Path:
    """One report in a worker of the pool; papermill launches its kernel."""
    return run_report(name, progress=False, **options)
