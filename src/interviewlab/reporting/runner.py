"""Run a report: execute its notebook with papermill in a staging folder, then swap it in.

``run_report("reliability", study="demo")`` writes ``reports/reliability-demo/`` with:

* ``reliability.ipynb`` - the executed notebook (kept even when a cell fails);
* ``reliability.html`` - a standalone page without code cells, figures embedded;
* ``tables/*.csv`` and ``tables.xlsx`` - every table the notebook reported, after
  small-cell suppression;
* ``figures/*.png`` - every figure;
* ``provenance.json`` - package and library versions, parameters, SHA-256 of every
  input file, times and seed, the page title and its headline finding;
* ``reliability.pdf`` - with ``pdf=True``: the page on A4, typeset by Typst.

After each report, ``index.html`` in the output folder is rewritten: one entry per
report folder with its headline finding and links.

This module executes and stages; what a report's parameters are is in
:mod:`~interviewlab.reporting.parameters`, the page, workbook and PDF are written by
:mod:`~interviewlab.reporting.export`, ``provenance.json`` by
:mod:`~interviewlab.reporting.provenance`. Each report runs in a Jupyter kernel of its
own, which papermill launches from the ``python3`` kernelspec of this environment.
Inside a notebook, :class:`ReportWriter` is the one way tables and figures reach the
report: it suppresses small cells, refuses identifiers and writes the files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from interviewlab._lifeline import parent_ended
from interviewlab.errors import InterviewLabError, InterviewLabWarning, ReportNotApplicable
from interviewlab.reporting import export
from interviewlab.reporting.failures import disk_full, kernel_failure, report_failure
from interviewlab.reporting.parameters import (
    check_parameters,
    notebook_parameters,
    notebook_path,
    notebooks_dir,
    report_folder_name,
    resolve_study_path,
)
from interviewlab.reporting.provenance import (
    hide_paths,
    keep_matching_pdf,
    sha256,
    study_source,
    version,
    write_provenance,
)
from interviewlab.reporting.requirements import skip_reason
from interviewlab.reporting.staging import make_staging, remove_inside, remove_stale, swap_in

__all__ = ["run_report"]


@dataclass(frozen=True)
class _Study:
    """The study a report reads: its name, where it came from and its files' checksums."""

    name: str = "simulated"
    path: Path | None = None
    source: str | None = None
    seed: Any = None
    inputs: dict[str, str] = field(default_factory=dict)


def _read_study(name: str, study: str | Path | None) -> _Study:
    """Load the study (once, quietly) and check that the report applies to it."""
    if study is None:
        return _Study()
    from interviewlab.data import Study

    path = resolve_study_path(study)
    with warnings.catch_warnings():  # the notebook loads it again and says them there
        warnings.simplefilter("ignore", InterviewLabWarning)
        loaded = Study.load(path)
    reason = skip_reason(name, loaded)
    if reason is not None:
        raise ReportNotApplicable(name, reason)
    return _Study(
        name=loaded.name,
        path=path,
        source=study_source(str(study), path),
        seed=loaded.planted.get("seed"),
        inputs={label: sha256(p) for label, p in sorted(loaded.input_files().items())},
    )


def run_report(
    name: str,
    *,
    study: str | Path | None,
    out: str | Path | None = None,
    params: Mapping[str, Any] | None = None,
    progress: bool = True,
    pdf: bool = False,
) -> Path:
    """Execute report notebook ``name`` on a study and write the report folder.

    Parameters
    ----------
    name : str
        A notebook in ``notebooks/`` (see
        :func:`~interviewlab.reporting.parameters.available_reports`).
    study : str or pathlib.Path or None
        A study folder or workbook, or the name of a bundled study such as ``"demo"``.
        ``None`` for notebooks that simulate their own data (``panel_training``).
    out : str or pathlib.Path, optional
        Folder under which the report folder is written (default ``./reports``); a
        relative path is taken from the current directory. The report folder is named
        by :func:`~interviewlab.reporting.parameters.report_folder_name`
        (``<name>-<study>`` plus any parameter that differs from its default, e.g.
        ``adverse_impact_audit-demo-profile-ll144``), from safe
        slugs only, so nothing is written or deleted outside ``out``. The report is
        written to a hidden staging folder and swapped in when complete: a failed run
        leaves the previous report unchanged and keeps its partial notebook in
        ``<folder>.failed`` (or nothing, when the kernel did not start or the disk is
        full). Staging folders that a killed run left behind are removed
        (:mod:`interviewlab.reporting.staging`).
    params : mapping, optional
        Notebook parameters; unknown names are an error. Strings are converted to the
        type of the notebook's default.
    progress : bool
        Show a progress bar over the notebook's cells.
    pdf : bool
        Also write ``<name>.pdf`` (A4, Typst; no browser or LaTeX needed).

    Returns
    -------
    pathlib.Path
        The report folder.

    Raises
    ------
    ReportNotApplicable
        When the study lacks what the report needs (see
        :mod:`interviewlab.reporting.requirements`); nothing is written.
    InterviewLabError
        For an unknown notebook or parameter, a missing study, or a failing cell (the
        message names the notebook and cell; the partial executed notebook is kept); for
        a kernel that does not start or dies, and a report that cannot be written (disk
        full, no permission), with the cause and what to do
        (:func:`~interviewlab.reporting.failures.report_failure`).
    """
    notebook = notebook_path(name)
    defaults = notebook_parameters(name)
    values = check_parameters(name, params or {})
    source = _read_study(name, study)
    values["study"] = None if source.path is None else str(source.path)
    out_dir = Path(out if out is not None else Path.cwd() / "reports").resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    changed = {k: v for k, v in values.items() if k != "study" and v != defaults.get(k)}
    folder = out_dir / report_folder_name(name, source.name, changed)
    # everything is written to a fresh folder beside the report and swapped in at the
    # end, so a failed run leaves the previous report as it was
    remove_stale(out_dir)
    staging = make_staging(out_dir, folder.name)
    values["output_dir"] = str(staging)
    hidden = {str(staging): ".", str(out_dir): "<out>", str(notebooks_dir()): "<notebooks>"}
    if source.path is not None:
        hidden[str(source.path)] = source.source or source.name

    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    _execute(name, notebook, staging, folder, values, hidden=hidden, progress=progress)
    run = {
        "study": source.name,
        "study_source": source.source,
        "simulated": source.path is None,
        "changed_parameters": hide_paths(changed, hidden),
        "inputs_sha256": source.inputs,
        "parameters": hide_paths({**defaults, **values, "output_dir": "."}, hidden),
        "seed": values.get("seed", defaults.get("seed", source.seed)),
        "started_utc": started.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - clock, 2),
    }
    with _removed_on_failure(name, staging, out_dir):
        _write_report_files(
            name,
            notebook=notebook,
            staging=staging,
            folder=folder,
            hidden=hidden,
            pdf=pdf,
            run=run,
            started=started,
            shown={k: v for k, v in {**defaults, **values}.items() if k != "output_dir"},
        )
        if parent_ended():  # a report worker whose `report all` has ended writes nothing
            raise InterviewLabError(
                f"Report {name!r} was not written: the process that started it has ended. "
                "Rerun the report."
            )
        swap_in(staging, folder)
    failed = out_dir / f"{folder.name}.failed"
    if failed.exists():  # an earlier failure of this report, now superseded
        remove_inside(failed, out_dir)
    from interviewlab.reporting.pages import write_index

    write_index(out_dir)
    return folder


def _execute(
    name: str,
    notebook: Path,
    staging: Path,
    folder: Path,
    values: Mapping[str, Any],
    *,
    hidden: Mapping[str, str],
    progress: bool,
) -> None:
    """Execute the notebook into ``staging`` in a kernel papermill launches.

    Any failure leaves nothing in ``staging``'s place but, for a failing cell or a kernel
    that died, ``<folder>.failed`` with the partial notebook; it is raised as one line.
    """
    import papermill

    executed = staging / f"{name}.ipynb"
    out_dir = staging.parent
    try:
        with _inline_backend(), _quiet_kernel():
            papermill.execute_notebook(
                str(notebook),
                str(executed),
                parameters=dict(values),
                kernel_name="python3",
                language="python",
                progress_bar=progress,
                cwd=str(staging),
                # the kernel's own log (e.g. "Kernel is running over TCP without
                # encryption": it listens on localhost only) is noise on a user's console
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
    except papermill.PapermillExecutionError as err:
        if disk_full(str(err.evalue)):  # a cell writing a table or a figure
            remove_inside(staging, out_dir)
            full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            raise InterviewLabError(report_failure(name, full, out_dir=out_dir)) from err
        failed = _keep_failed(staging, folder, executed, hidden)
        raise InterviewLabError(
            f"Report {name!r} failed in notebook {notebook.name}, cell {err.cell_index} "
            f"(execution count {err.exec_count}): {err.ename}: {str(err.evalue).rstrip('.')}. "
            "The previous "
            f"report (if any) is unchanged; the partial executed notebook is kept in "
            f"{failed} for debugging."
        ) from err
    except BaseException as err:
        kept = None
        if kernel_failure(err) == "died" and executed.is_file():
            kept = _keep_failed(staging, folder, executed, hidden)
        else:
            remove_inside(staging, out_dir)
        message = report_failure(name, err, out_dir=out_dir, kept=kept)
        if message is None:
            raise
        raise InterviewLabError(message) from err


def _write_report_files(
    name: str,
    *,
    notebook: Path,
    staging: Path,
    folder: Path,
    hidden: Mapping[str, str],
    pdf: bool,
    run: Mapping[str, Any],
    started: dt.datetime,
    shown: Mapping[str, Any],
) -> None:
    """Write the page, workbook, PDF and provenance of an executed notebook into ``staging``.

    ``run`` holds the run's provenance entries (study, parameters, inputs, times);
    ``shown`` are the parameters the page's header lists.
    """
    import nbformat

    from interviewlab.reporting.pages import find_headline, notebook_title, page_header

    executed = staging / f"{name}.ipynb"
    export.scrub_notebook(executed, hidden)
    executed_nb = nbformat.read(executed, as_version=4)
    title = notebook_title(executed_nb, name.replace("_", " ").capitalize())
    header = page_header(
        study=run["study"],
        written=started.strftime("%Y-%m-%d %H:%M UTC"),
        parameters=dict(shown),
        version=version("interviewlab"),
    )
    cover = export.Cover(
        title=title,
        study=run["study"],
        written=started.strftime("%Y-%m-%d %H:%M UTC"),
        version=version("interviewlab") or "",
        parameters=dict(shown),
    )
    export.export_report(
        executed, staging, title=title, study=run["study"], header=header, pdf=pdf, cover=cover
    )
    everything = write_provenance(
        staging,
        name=name,
        notebook=notebook,
        title=title,
        headline=find_headline(executed_nb),
        run=run,
    )
    if not pdf:
        keep_matching_pdf(folder, staging, name, everything)


def _keep_failed(staging: Path, folder: Path, executed: Path, hidden: Mapping[str, str]) -> Path:
    """Keep a failed run's partial notebook, scrubbed, in ``<folder>.failed``; returns it."""
    failed = folder.parent / f"{folder.name}.failed"
    remove_inside(failed, folder.parent)
    if executed.is_file():  # the partial notebook, scrubbed as a finished one is
        export.scrub_or_remove(executed, hidden)
    staging.rename(failed)
    return failed


@contextlib.contextmanager
def _removed_on_failure(name: str, staging: Path, out_dir: Path) -> Iterator[None]:
    """Remove ``staging`` if the block fails; a full disk or a refused write becomes one line.

    A report that cannot be completed leaves no hidden folder behind.
    """
    try:
        yield
    except BaseException as err:
        if staging.exists():
            with contextlib.suppress(OSError):  # the error to report is the first one
                remove_inside(staging, out_dir)
        message = report_failure(name, err, out_dir=out_dir)
        if message is None:
            raise
        raise InterviewLabError(message) from err


@contextlib.contextmanager
def _inline_backend() -> Iterator[None]:
    """Let the kernel use the inline matplotlib backend even if MPLBACKEND is set."""
    saved = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = saved


@contextlib.contextmanager
def _quiet_kernel() -> Iterator[None]:
    """Silence the kernel client's notices (e.g. 'running over TCP without encryption')."""
    import logging

    loggers = [logging.getLogger(n) for n in ("traitlets", "papermill", "jupyter_client")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
