"""Run the parameterised notebooks with papermill into reproducible report folders.

``run_report("reliability", study="demo")`` writes ``reports/reliability-demo/`` with:

* ``reliability.ipynb`` - the executed notebook (kept even when a cell fails);
* ``reliability.html`` - a standalone page without code cells, figures embedded;
* ``tables/*.csv`` and ``tables.xlsx`` - every table the notebook reported, after
  small-cell suppression;
* ``figures/*.png`` - every figure;
* ``provenance.json`` - package and library versions, parameters, SHA-256 of every
  input file, times and seed.

Inside a notebook, :class:`ReportWriter` is the one way tables and figures reach the
report: it suppresses small cells, refuses identifiers and writes the files.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import sys
import time
from collections.abc import Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from interviewlab.errors import InterviewLabError

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
    """The parameters a report notebook accepts, with their default values."""
    import papermill

    inspected = papermill.inspect_notebook(str(_notebook_path(name)))
    params: dict[str, Any] = {}
    for key, info in inspected.items():
        try:
            params[key] = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError):
            params[key] = info["default"]
    return params


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


def _input_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    return [path]


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
        Folder under which ``<name>-<study>/`` is written (default ``./reports``).
    params : mapping, optional
        Notebook parameters; unknown names are an error. Strings are converted to the
        type of the notebook's default.
    progress : bool
        Show a progress bar over the notebook's cells.

    Returns
    -------
    pathlib.Path
        The report folder.

    Raises
    ------
    InterviewLabError
        For an unknown notebook or parameter, a missing study, or a failing cell (the
        message names the notebook and cell; the partial executed notebook is kept).
    """
    import papermill

    notebook = _notebook_path(name)
    defaults = notebook_parameters(name)
    params = dict(params or {})
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
            f"{sorted(defaults)}."
        )
    values = {k: _coerce(k, v, defaults.get(k)) for k, v in params.items()}
    study_path = resolve_study_path(study) if study is not None else None
    if study_path is not None:
        from interviewlab.data import Study

        loaded = Study.load(study_path)
        study_name = loaded.name
        study_seed = loaded.planted.get("seed")
        values["study"] = str(study_path)
    else:
        study_name = "simulated"
        study_seed = None
        values["study"] = None
    folder = Path(out or Path.cwd() / "reports") / f"{name}-{study_name}"
    # a report folder holds one run: clear what an earlier run left
    for sub in ("tables", "figures"):
        shutil.rmtree(folder / sub, ignore_errors=True)
    for stale in (f"{name}.html", f"{name}.ipynb", "tables.xlsx", "provenance.json"):
        (folder / stale).unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    values["output_dir"] = str(folder)
    executed = folder / f"{name}.ipynb"

    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    try:
        with _inline_backend():
            papermill.execute_notebook(
                str(notebook),
                str(executed),
                parameters=values,
                kernel_name="python3",
                language="python",
                progress_bar=progress,
                cwd=str(folder),
            )
    except papermill.PapermillExecutionError as err:
        raise InterviewLabError(
            f"Report {name!r} failed in notebook {notebook.name}, cell {err.cell_index} "
            f"(execution count {err.exec_count}): {err.ename}: {err.evalue}. The partial "
            f"executed notebook is kept at {executed} for debugging."
        ) from err
    duration = time.perf_counter() - clock

    _write_html(executed, folder / f"{name}.html")
    _write_workbook(folder)
    inputs = {}
    if study_path is not None:
        base = study_path if study_path.is_dir() else study_path.parent
        inputs = {str(p.relative_to(base)): _sha256(p) for p in _input_files(study_path)}
    seed = values.get("seed", defaults.get("seed", study_seed))
    provenance = {
        "report": name,
        "interviewlab_version": _version("interviewlab"),
        "notebook": notebook.name,
        "notebook_sha256": _sha256(notebook),
        "study": study_name,
        "study_path": str(study_path) if study_path is not None else None,
        "inputs_sha256": inputs,
        "parameters": {**defaults, **values},
        "seed": seed,
        "started_utc": started.isoformat(timespec="seconds"),
        "duration_s": round(duration, 2),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "libraries": {lib: _version(lib) for lib in KEY_LIBRARIES},
        "tables": sorted(p.name for p in (folder / "tables").glob("*.csv")),
        "figures": sorted(p.name for p in (folder / "figures").glob("*.png")),
    }
    (folder / "provenance.json").write_text(
        json.dumps(provenance, indent=2, default=str) + "\n", encoding="utf-8"
    )
    return folder


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


_REMOTE_SCRIPT = re.compile(r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>\s*", re.I)


def _write_html(executed: Path, target: Path) -> None:
    """Standalone HTML: no code, no stderr, images inline, no remote scripts."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
            if not outputs:
                continue
            cell.source = ""
            cell.outputs = outputs
        cells.append(cell)
    nb.cells = cells
    exporter = HTMLExporter(
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(nb)
    body = _REMOTE_SCRIPT.sub("", body)
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
            table.to_excel(writer, sheet_name=sheet, index=False)
