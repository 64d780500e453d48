"""What a report is: its notebook, its parameters, its study and the name of its folder.

Each report is a notebook in ``notebooks/`` (or ``$INTERVIEWLAB_NOTEBOOKS``) with one cell
tagged ``parameters``, read here as papermill reads it; a request's parameters are checked
against it and typed like its defaults before anything runs.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from interviewlab.errors import InterviewLabError
from interviewlab.reporting.safety import slug

__all__ = [
    "available_reports",
    "check_parameters",
    "notebook_parameters",
    "notebook_path",
    "notebooks_dir",
    "parameter_help",
    "report_folder_name",
    "resolve_study_path",
]


def notebooks_dir() -> Path:
    """The folder of the report notebooks: ``$INTERVIEWLAB_NOTEBOOKS``, else ``notebooks/``."""
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
    return sorted(p.stem for p in notebooks_dir().glob("*.ipynb") if not p.stem.startswith("_"))


def notebook_path(name: str) -> Path:
    """The notebook of report ``name``; an unknown name is an error listing the valid ones."""
    path = notebooks_dir() / f"{name}.ipynb"
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
    notebook = json.loads(notebook_path(name).read_text(encoding="utf-8"))
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
