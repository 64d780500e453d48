"""What every report process needs, imported (and warmed) once before the workers fork.

The workers run papermill, nbconvert and Typst; the kernels they fork from themselves
(:mod:`interviewlab.reporting.kernels`) run ipykernel, IPython, pandas, SciPy,
statsmodels and interviewlab. matplotlib is left to the kernels: it reads its backend
from the environment when imported, and a kernel's is set at its launch.

papermill and nbconvert read and validate notebooks through ``jsonschema``, which on
import builds a grammar for the ``iri`` string format (the optional ``rfc3987_syntax``
package; 1.3 s of CPU). No notebook schema uses that format, so a process that only runs
reports does without it; the user's own processes are not touched.

:func:`warm` also renders a one-cell page, so that each report process starts with
nbconvert's templates and the sanitizer's patterns compiled (about 0.2 s a report).
Typst is imported but not run: its compiler starts threads, which a fork does not copy.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import ipykernel.kernelapp  # noqa: F401
import IPython  # noqa: F401
import nbformat
import openpyxl  # noqa: F401
import papermill  # noqa: F401
import statsmodels.discrete.discrete_model
import statsmodels.regression.linear_model  # noqa: F401
import typst  # noqa: F401

from interviewlab.reporting import pages, pdf  # noqa: F401
from interviewlab.reporting.runner import _write_html


def warm() -> None:
    """Render a one-cell page to HTML in a temporary folder (and delete it)."""
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Warm-up\n\nA *page* with a table."),
            nbformat.v4.new_code_cell(
                "",
                outputs=[
                    nbformat.v4.new_output(
                        "display_data", data={"text/html": "<table><tr><td>1</td></tr></table>"}
                    )
                ],
            ),
        ]
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "warm.ipynb"
        nbformat.write(notebook, path)
        _write_html(path, Path(folder) / "warm.html", title="warm", header=["warm"])


warm()
