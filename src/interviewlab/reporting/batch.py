"""Several reports at once: the longest first, each in a fresh process from a warm server.

``interviewlab report all`` runs every notebook. A worker that starts from a bare
interpreter spends about 2 s of CPU importing papermill, nbconvert and Typst before its
notebook's kernel even starts; on a 2-core machine that was a third of ``make report``.
Here they are imported once (:mod:`interviewlab.reporting._warm`), by a fork server or by
the ``interviewlab`` command itself, and the worker processes are forked from there.
Each report still runs its notebook in a kernel of its own.

The reports start in the order of their notebooks' ``expected_seconds`` (metadata
``interviewlab.expected_seconds``, measured on the demo study), the longest first, so
that no long report starts last and runs alone on an idle machine.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
from collections.abc import Mapping, Sequence
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from interviewlab.reporting.runner import _notebook_path, run_report

__all__ = ["expected_seconds", "run_reports"]

#: the module imported once before the workers fork (papermill, nbconvert, Typst)
WARM_MODULE = "interviewlab.reporting._warm"


def expected_seconds(name: str) -> float:
    """The notebook's ``expected_seconds`` hint (0 if it has none); used only for order.

    Examples
    --------
    >>> expected_seconds("async_vs_live") > expected_seconds("study_overview")
    True
    """
    notebook = json.loads(_notebook_path(name).read_text(encoding="utf-8"))
    hint = notebook.get("metadata", {}).get("interviewlab", {}).get("expected_seconds", 0)
    return float(hint) if isinstance(hint, int | float) else 0.0


def run_reports(
    tasks: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    jobs: int,
    progress: bool,
    fork_here: bool = False,
) -> list[tuple[str, Path]]:
    """Run the reports, ``jobs`` at a time; returns ``(name, folder)`` in the tasks' order.

    Each task is a notebook name and the keyword arguments of :func:`run_report`. With
    ``jobs == 1`` (or one task) the reports run one after another in this process. A
    failing report raises its :class:`~interviewlab.errors.InterviewLabError`.

    With ``fork_here`` the workers are forked from this process (once it has imported
    what they need) rather than from a fork server, which saves the server's own start
    (about 1 s). Only a process that has run nothing else (no kernel, no event loop,
    no Python thread) may do so: the ``interviewlab`` command does.
    """
    if jobs == 1 or len(tasks) == 1:
        written = []
        for name, options in tasks:
            print(f"Running report {name!r} ...", flush=True)
            written.append((name, run_report(name, progress=progress, **options)))
        return written
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from tqdm.auto import tqdm

    print(f"Running {len(tasks)} reports, {jobs} at a time ...", flush=True)
    order = sorted(range(len(tasks)), key=lambda i: -expected_seconds(tasks[i][0]))
    context: BaseContext
    if fork_here:
        importlib.import_module(WARM_MODULE)
        context = multiprocessing.get_context("fork")
    else:
        server = multiprocessing.get_context("forkserver")
        server.set_forkserver_preload([WARM_MODULE])
        context = server
    folders: dict[int, Path] = {}
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {
            pool.submit(run_report, tasks[i][0], progress=False, **tasks[i][1]): i for i in order
        }
        with tqdm(total=len(tasks), desc="reports", unit="report", disable=not progress) as bar:
            for future in as_completed(futures):
                i = futures[future]
                folders[i] = future.result()  # a failed report raises here, by name
                bar.set_postfix_str(tasks[i][0])
                bar.update()
    return [(name, folders[i]) for i, (name, _) in enumerate(tasks)]
