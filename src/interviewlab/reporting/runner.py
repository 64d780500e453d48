"""Run the parameterised notebooks with papermill into reproducible report folders.

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

Inside a notebook, :class:`ReportWriter` is the one way tables and figures reach the
report: it suppresses small cells, refuses identifiers and writes the files.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import platform
import re
import shutil
import sys
import time
import warnings
from collections.abc import Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from interviewlab._lifeline import parent_ended
from interviewlab.errors import InterviewLabError, InterviewLabWarning, ReportNotApplicable
from interviewlab.reporting.failures import disk_full, kernel_failure, report_failure
from interviewlab.reporting.requirements import skip_reason
from interviewlab.reporting.safety import neutralise_formulas, sanitize_html, slug
from interviewlab.reporting.staging import make_staging, remove_inside, remove_stale, swap_in

if TYPE_CHECKING:
    from interviewlab.reporting.kernels import KernelInWaiting

KEY_LIBRARIES = (
    "numpy",
    "scipy",
    "pandas",
    "statsmodels",
    "pingouin",
    "matplotlib",
    "papermill",
    "nbconvert",
    "librosa",
)


def _notebooks_dir() -> Path:
    override = os.environ.get("INTERVIEWLAB_NOTEBOOKS")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / "notebooks"


def available_reports() -> list[str]:
    """Names of the report notebooks in ``notebooks/``.

    Examples
    --------
    >>> "study_overview" in available_reports()
    True
    """
    return sorted(p.stem for p in _notebooks_dir().glob("*.ipynb") if not p.stem.startswith("_"))


def _notebook_path(name: str) -> Path:
    path = _notebooks_dir() / f"{name}.ipynb"
    if not path.is_file():
        valid = ", ".join(available_reports())
        raise InterviewLabError(
            f"There is no report notebook {name!r}; valid names are: {valid} (or 'all')."
        )
    return path


def notebook_parameters(name: str) -> dict[str, Any]:
    """The parameters a report notebook accepts, with their default values.

    Each ``name = value`` at the top level of the cell tagged ``parameters``, as papermill
    reads it; a value that is not a Python literal is given as its source text.

    Examples
    --------
    >>> notebook_parameters("reliability")["n_boot_reml"]
    200
    """
    source = _parameters_source(name)
    params: dict[str, Any] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        try:
            params[target.id] = ast.literal_eval(value)
        except ValueError:
            params[target.id] = ast.get_source_segment(source, value)
    return params


def parameter_help(name: str) -> list[tuple[str, Any, str]]:
    """Each parameter of a report notebook with its default and its comment.

    The comment is the text after ``#`` on the parameter's line, with any comment-only
    lines that follow it; ``""`` when there is none.

    Examples
    --------
    >>> [(n, d) for n, d, _ in parameter_help("study_overview")][:2]
    [('study', 'demo'), ('min_cell_size', 10)]
    >>> parameter_help("study_overview")[1][2]
    'smallest group shown in any table or figure'
    """
    source = _parameters_source(name)
    lines = source.splitlines()
    defaults = notebook_parameters(name)
    out = []
    for node in ast.parse(source).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if not isinstance(target, ast.Name) or target.id not in defaults:
            continue
        end = node.end_lineno or node.lineno
        words = [lines[end - 1].partition("#")[2].strip()]
        for line in lines[end:]:
            if not line.strip().startswith("#"):
                break
            words.append(line.strip().lstrip("#").strip())
        out.append((target.id, defaults[target.id], " ".join(w for w in words if w)))
    return out


def _parameters_source(name: str) -> str:
    """The source of the notebook's cell tagged ``parameters`` (empty if none)."""
    notebook = json.loads(_notebook_path(name).read_text(encoding="utf-8"))
    cell = next(
        (c for c in notebook["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])),
        None,
    )
    if cell is None:
        return ""
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def resolve_study_path(study: str | Path) -> Path:
    """Return the path of a study given as a folder, a workbook or a bundled name."""
    from interviewlab.data import dataset_path, list_datasets

    path = Path(study)
    if path.exists():
        return path.resolve()
    manifest = list_datasets()
    if str(study) in set(manifest.loc[manifest["kind"] == "study", "name"]):
        return dataset_path(str(study))
    names = ", ".join(manifest.loc[manifest["kind"] == "study", "name"])
    raise InterviewLabError(
        f"The study {str(study)!r} is neither an existing folder or workbook "
        f"nor a bundled study ({names})."
    )


def _coerce(key: str, value: Any, default: Any) -> Any:
    """Convert a command-line string to the type of the notebook's default value."""
    if not isinstance(value, str) or isinstance(default, str):
        return value
    try:
        if isinstance(default, bool):
            lowered = value.strip().lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(value)
            return lowered in ("true", "1", "yes")
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if default is None or isinstance(default, list | dict | tuple):
            try:
                return ast.literal_eval(value)
            except (ValueError, SyntaxError):
                return value
    except ValueError as err:
        raise InterviewLabError(
            f"Parameter {key}={value!r} must be of type "
            f"{type(default).__name__} like its default {default!r}."
        ) from err
    return value


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


def run_report(
    name: str,
    *,
    study: str | Path | None,
    out: str | Path | None = None,
    params: Mapping[str, Any] | None = None,
    progress: bool = True,
    pdf: bool = False,
    kernel: KernelInWaiting | None = None,
) -> Path:
    """Execute report notebook ``name`` on a study and write the report folder.

    Parameters
    ----------
    name : str
        A notebook in ``notebooks/`` (see :func:`available_reports`).
    study : str or pathlib.Path or None
        A study folder or workbook, or the name of a bundled study such as ``"demo"``.
        ``None`` for notebooks that simulate their own data (``panel_training``).
    out : str or pathlib.Path, optional
        Folder under which the report folder is written (default ``./reports``); a
        relative path is taken from the current directory. The report folder is named
        by :func:`report_folder_name` (``<name>-<study>`` plus any parameter that differs
        from its default, e.g. ``adverse_impact_audit-demo-profile-ll144``), from safe
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
    kernel : KernelInWaiting, optional
        A kernel forked in advance from this process (see
        :mod:`interviewlab.reporting.kernels`; the report workers of ``report all`` use
        one). Default: papermill starts a new kernel.

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
    import papermill

    notebook = _notebook_path(name)
    defaults = notebook_parameters(name)
    values = check_parameters(name, params or {})
    study_path = resolve_study_path(study) if study is not None else None
    inputs: dict[str, str] = {}
    if study_path is not None:
        from interviewlab.data import Study

        with warnings.catch_warnings():  # the notebook loads it again and says them there
            warnings.simplefilter("ignore", InterviewLabWarning)
            loaded = Study.load(study_path)
        reason = skip_reason(name, loaded)
        if reason is not None:
            raise ReportNotApplicable(name, reason)
        study_name = loaded.name
        study_seed = loaded.planted.get("seed")
        values["study"] = str(study_path)
        inputs = {label: _sha256(path) for label, path in sorted(loaded.input_files().items())}
        source = _study_source(str(study), study_path)
    else:
        study_name = "simulated"
        study_seed = None
        values["study"] = None
        source = None
    out_dir = Path(out if out is not None else Path.cwd() / "reports").resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    changed = {k: v for k, v in values.items() if k != "study" and v != defaults.get(k)}
    folder = out_dir / report_folder_name(name, study_name, changed)
    # everything is written to a fresh folder beside the report and swapped in at the
    # end, so a failed run leaves the previous report as it was
    remove_stale(out_dir)
    staging = make_staging(out_dir, folder.name)
    values["output_dir"] = str(staging)
    executed = staging / f"{name}.ipynb"
    hidden = {str(staging): ".", str(out_dir): "<out>", str(_notebooks_dir()): "<notebooks>"}
    if study_path is not None:
        hidden[str(study_path)] = source or study_name

    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    try:
        with _inline_backend(), _quiet_kernel():
            papermill.execute_notebook(
                str(notebook),
                str(executed),
                parameters=values,
                kernel_name="python3",
                language="python",
                progress_bar=progress,
                cwd=str(staging),
                # the kernel's own log (e.g. "Kernel is running over TCP without
                # encryption": it listens on localhost only) is noise on a user's console
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
                **({} if kernel is None else {"kernel_manager_class": kernel.manager_class()}),
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
    duration = time.perf_counter() - clock
    with _removed_on_failure(name, staging, out_dir):
        _write_report_files(
            name,
            notebook=notebook,
            staging=staging,
            folder=folder,
            hidden=hidden,
            pdf=pdf,
            provenance={
                "study": study_name,
                "study_source": source,
                "simulated": study_path is None,
                "changed_parameters": _replace_strings(changed, hidden),
                "inputs_sha256": inputs,
                "parameters": _replace_strings({**defaults, **values, "output_dir": "."}, hidden),
                "seed": values.get("seed", defaults.get("seed", study_seed)),
                "started_utc": started.isoformat(timespec="seconds"),
                "duration_s": round(duration, 2),
            },
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


def _write_report_files(
    name: str,
    *,
    notebook: Path,
    staging: Path,
    folder: Path,
    hidden: Mapping[str, str],
    pdf: bool,
    provenance: Mapping[str, Any],
    started: dt.datetime,
    shown: Mapping[str, Any],
) -> None:
    """Write the page, workbook, PDF and provenance of an executed notebook into ``staging``.

    ``provenance`` holds the run's entries (study, parameters, inputs, times); the
    page's title and headline, the versions and the lists of files are added here.
    ``shown`` are the parameters the page's header lists.
    """
    executed = staging / f"{name}.ipynb"
    _scrub_notebook(executed, hidden)
    import nbformat

    from interviewlab.reporting.pages import find_headline, notebook_title, page_header

    study_name = provenance["study"]
    executed_nb = nbformat.read(executed, as_version=4)
    title = notebook_title(executed_nb, name.replace("_", " ").capitalize())
    header = page_header(
        study=study_name,
        written=started.strftime("%Y-%m-%d %H:%M UTC"),
        parameters=dict(shown),
        version=_version("interviewlab"),
    )
    _write_html(executed, staging / f"{name}.html", title=f"{title} - {study_name}", header=header)
    _write_workbook(staging)
    if pdf:
        from interviewlab.reporting.pdf import write_pdf

        write_pdf(executed, staging / f"{name}.pdf", title=f"{title}: {study_name}", header=header)
    everything = {
        "report": name,
        "title": title,
        "headline": find_headline(executed_nb),
        "interviewlab_version": _version("interviewlab"),
        "notebook": notebook.name,
        "notebook_sha256": _sha256(notebook),
        **provenance,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "libraries": {lib: _version(lib) for lib in KEY_LIBRARIES},
        "tables": sorted(p.name for p in (staging / "tables").glob("*.csv")),
        "figures": sorted(p.name for p in (staging / "figures").glob("*.png")),
    }
    disclosure = staging / "disclosure.json"  # written by the report's ReportWriter
    if disclosure.is_file():
        loss = json.loads(disclosure.read_text(encoding="utf-8"))["information_loss"]
        everything["information_loss"] = {k: v for k, v in loss.items() if k != "tables"}
    (staging / "provenance.json").write_text(
        json.dumps(everything, indent=2, default=str) + "\n", encoding="utf-8"
    )
    if not pdf:
        _keep_matching_pdf(folder, staging, name, everything)


def _keep_failed(staging: Path, folder: Path, executed: Path, hidden: Mapping[str, str]) -> Path:
    """Keep a failed run's partial notebook, scrubbed, in ``<folder>.failed``; returns it."""
    failed = folder.parent / f"{folder.name}.failed"
    remove_inside(failed, folder.parent)
    if executed.is_file():  # the partial notebook, scrubbed as a finished one is
        _scrub_or_remove(executed, hidden)
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


#: provenance entries that must be equal for an earlier PDF to show the same report
_SAME_REPORT = ("notebook_sha256", "inputs_sha256", "parameters", "interviewlab_version")


def _keep_matching_pdf(
    folder: Path, staging: Path, name: str, provenance: Mapping[str, Any]
) -> None:
    """Carry the previous run's PDF over when it shows the same report.

    A run without ``--pdf`` replaces the report folder; the PDF an earlier run wrote is
    kept when the notebook, the inputs, the parameters and the version are the same (it
    then shows what the new page shows), and dropped otherwise (it would be stale).
    """
    old_pdf = folder / f"{name}.pdf"
    if not old_pdf.is_file():
        return
    try:
        previous = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if all(previous.get(key) == provenance.get(key) for key in _SAME_REPORT):
        shutil.copy2(old_pdf, staging / old_pdf.name)


def check_parameters(name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of a report request, checked and typed like the notebook's defaults.

    Raises
    ------
    InterviewLabError
        For a parameter the notebook does not have, one the runner sets (``study``,
        ``output_dir``), or a value that cannot take its default's type.
    """
    defaults = notebook_parameters(name)
    reserved = sorted({"study", "output_dir"} & set(params))
    if reserved:
        raise InterviewLabError(
            f"Parameter(s) {reserved} are set by the report runner: pass the study with "
            "--study (or study=) and the folder with --out (or out=)."
        )
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise InterviewLabError(
            f"Notebook {name!r} has no parameter(s) {unknown}; its parameters are "
            f"{sorted(defaults)} (interviewlab report {name} --help describes them)."
        )
    return {k: _coerce(k, v, defaults.get(k)) for k, v in params.items()}


def report_folder_name(name: str, study_name: str, changed: Mapping[str, Any]) -> str:
    """Folder name of a report, made of safe slugs only.

    The notebook, the study and every parameter that differs from its default, each
    reduced to letters, digits, ``-`` and ``_``.

    Examples
    --------
    >>> report_folder_name("adverse_impact_audit", "demo", {"profile": "ll144"})
    'adverse_impact_audit-demo-profile-ll144'
    >>> report_folder_name("reliability", "demo/../../victim", {})
    'reliability-demo-victim'
    """
    parts = [slug(name, fallback="report"), slug(study_name, fallback="study")]
    for key in sorted(changed):
        parts += [slug(key, fallback="parameter"), slug(changed[key], fallback="value")]
    return "-".join(parts)[:150].strip("-")


def _study_source(study: str | Path, study_path: Path) -> str:
    """How the study was named, without the absolute path: bundled name or folder name."""
    if not Path(study).exists():
        return f"bundled:{study}"
    return study_path.name


#: output formats held as base64: a path such as "/o" can occur in their text by chance
_BINARY_OUTPUTS = frozenset({"image/png", "image/jpeg", "image/gif", "application/pdf"})


def _replace_strings(value: Any, hidden: Mapping[str, str]) -> Any:
    """``value`` with every occurrence of each key of ``hidden`` replaced, recursively.

    Base64 images (under a key such as ``image/png``) are left as they are.
    """
    if isinstance(value, str):
        for secret in sorted(hidden, key=len, reverse=True):
            value = value.replace(secret, hidden[secret])
        return value
    if isinstance(value, dict):
        return {
            k: v if k in _BINARY_OUTPUTS else _replace_strings(v, hidden) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(_replace_strings(v, hidden) for v in value)
    return value


def _scrub_notebook(executed: Path, hidden: Mapping[str, str]) -> None:
    """Drop stderr output and absolute paths from the executed notebook.

    Warnings and logging go to stderr and can quote data (a candidate id in a validation
    warning) or paths; the report keeps neither. Paths (the study's, the report's) are
    replaced by the study's name and ``.``.
    """
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    scrubbed = nbformat.from_dict(_replace_strings(nb, hidden))
    nbformat.write(scrubbed, executed)


def _scrub_or_remove(executed: Path, hidden: Mapping[str, str]) -> None:
    """Scrub a partial notebook; one that cannot be read as a notebook is not kept."""
    from nbformat import ValidationError

    try:
        _scrub_notebook(executed, hidden)
    except (ValueError, KeyError, AttributeError, ValidationError):  # not a notebook
        executed.unlink()


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


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.I | re.S)
_ACTIVE_TAG = re.compile(r"<\s*/?\s*(iframe|object|embed|frame|frameset|base)\b[^>]*>", re.I)
_HANDLER = re.compile(r"""\s+on[a-z]+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I)
_JS_URL = re.compile(
    r"""(href|src|action)\s*=\s*(["']?)\s*(javascript|vbscript|data:text/html)""", re.I
)
_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _inert_tag(match: re.Match[str]) -> str:
    """A start tag without event handlers and without script URLs."""
    tag = _HANDLER.sub("", match.group(0))
    return _JS_URL.sub(r"\1=\2#blocked-", tag)


_DISPLAYED = ("text/html", "text/markdown")


def _write_html(executed: Path, target: Path, *, title: str, header: list[str]) -> None:
    """Standalone HTML: a real title and header, no code, no stderr, images inline, no script.

    Every displayed HTML or Markdown output is passed through :func:`sanitize_html`
    (data values can reach them), and every ``<script>`` element of the page, the
    template's own included (MathJax, mermaid and require.js loaders), is removed: a
    report is a static page and needs none.
    """
    import nbformat
    from nbconvert import HTMLExporter

    from interviewlab.reporting.pages import HEADLINE_KEY, find_headline, header_html

    nb = nbformat.read(executed, as_version=4)
    header_cell = nbformat.v4.new_code_cell(
        "",
        outputs=[
            nbformat.v4.new_output(
                "display_data", data={"text/html": header_html(header, find_headline(nb))}
            )
        ],
    )
    first_markdown = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), -1)
    nb.cells.insert(first_markdown + 1, header_cell)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                # the headline is shown once, at the top of the page
                and not o.get("metadata", {}).get(HEADLINE_KEY)
            ]
            if not outputs:
                continue
            for output in outputs:
                data = output.get("data", {})
                for mime in _DISPLAYED:
                    if mime in data:
                        text = data[mime]
                        text = "".join(text) if isinstance(text, list) else str(text)
                        data[mime] = sanitize_html(text)
            cell.source = ""
            cell.outputs = outputs
        else:
            cell.source = sanitize_html(cell.source)
        cells.append(cell)
    nb.cells = cells
    exporter = HTMLExporter(
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    body = _SCRIPT.sub("", body)
    body = _COMMENT.sub("", body)
    # the outputs were sanitized above; these catch anything the template or the
    # Markdown renderer could still turn into active content
    body = _ACTIVE_TAG.sub("", body)
    body = _TAG.sub(_inert_tag, body)
    target.write_text(body, encoding="utf-8")


def _write_workbook(folder: Path) -> None:
    tables = sorted((folder / "tables").glob("*.csv"))
    if not tables:
        return
    used: set[str] = set()
    with pd.ExcelWriter(folder / "tables.xlsx", engine="openpyxl") as writer:
        for path in tables:
            sheet = path.stem[:31]
            suffix = 1
            while sheet in used:
                suffix += 1
                sheet = f"{path.stem[:28]}_{suffix}"
            used.add(sheet)
            # labels such as "NA" or "None" stay text; only empty cells are missing
            table = pd.read_csv(path, keep_default_na=False, na_values=[""])
            neutralise_formulas(table).to_excel(writer, sheet_name=sheet, index=False)
