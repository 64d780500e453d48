"""What a report records about how it was made: ``provenance.json``.

Package and library versions, the notebook and its checksum, the parameters, the SHA-256
of every input file (with paths relative to the study), times and seed, the page's title
and headline, and the lists of tables and figures. Absolute paths never reach a report:
:func:`hide_paths` replaces them by names (the study's, ``.`` for the report folder).
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import sys
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "KEY_LIBRARIES",
    "hide_paths",
    "keep_matching_pdf",
    "sha256",
    "study_source",
    "version",
    "write_provenance",
]

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

#: output formats held as base64: a path such as "/o" can occur in their text by chance
_BINARY_OUTPUTS = frozenset({"image/png", "image/jpeg", "image/gif", "application/pdf"})

#: provenance entries that must be equal for an earlier PDF to show the same report
_SAME_REPORT = ("notebook_sha256", "inputs_sha256", "parameters", "interviewlab_version")


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def version(package: str) -> str | None:
    """The installed version of ``package`` (None when it is not installed)."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def study_source(study: str | Path, study_path: Path) -> str:
    """How the study was named, without the absolute path: bundled name or folder name.

    Examples
    --------
    >>> study_source("demo", Path("/nowhere/datasets/demo"))
    'bundled:demo'
    """
    if not Path(study).exists():
        return f"bundled:{study}"
    return study_path.name


def hide_paths(value: Any, hidden: Mapping[str, str]) -> Any:
    """``value`` with every occurrence of each key of ``hidden`` replaced, recursively.

    Base64 images (under a key such as ``image/png``) are left as they are.

    Examples
    --------
    >>> hide_paths({"text/plain": "/o/x", "image/png": "a/ob"}, {"/o": "<out>"})
    {'text/plain': '<out>/x', 'image/png': 'a/ob'}
    """
    if isinstance(value, str):
        for secret in sorted(hidden, key=len, reverse=True):
            value = value.replace(secret, hidden[secret])
        return value
    if isinstance(value, dict):
        return {k: v if k in _BINARY_OUTPUTS else hide_paths(v, hidden) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(hide_paths(v, hidden) for v in value)
    return value


def write_provenance(
    staging: Path,
    *,
    name: str,
    notebook: Path,
    title: str,
    headline: str,
    run: Mapping[str, Any],
) -> dict[str, Any]:
    """Write ``provenance.json`` into the report folder ``staging``; returns its entries.

    ``run`` holds the run's own entries (study, parameters, inputs, times, seed); the
    versions, the lists of files written and the information loss of the report's
    suppression (from ``disclosure.json``, without its per-table detail) are added here.
    """
    everything = {
        "report": name,
        "title": title,
        "headline": headline,
        "interviewlab_version": version("interviewlab"),
        "notebook": notebook.name,
        "notebook_sha256": sha256(notebook),
        **run,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "libraries": {lib: version(lib) for lib in KEY_LIBRARIES},
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
    return everything


def keep_matching_pdf(
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
